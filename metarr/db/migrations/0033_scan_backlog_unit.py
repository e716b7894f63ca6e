"""scan_backlog (library_id, unit): a scan applies its backlog a page of units at a time, in unit
order, instead of reading every row (a first scan of a million files records 166,000 of them)."""


def up(db):
    db.execute_sql("CREATE INDEX IF NOT EXISTS scan_backlog_library_unit ON scan_backlog (library_id, unit)")
