"""Indexes on jobs.library_id (#32): one library's jobs list (`GET /api/v1/jobs?library_id=`, newest
first) walked a million rows of every library's history by id to find a library's few; removing a
library (`store.cancel_library`) read every pending and running job. (library_id, id) serves the
list's order and its bounded count; the partial one on the live jobs serves the cancel, without
reading the library's history."""


def up(db):
    db.execute_sql("CREATE INDEX IF NOT EXISTS jobs_library ON jobs (library_id, id) WHERE library_id IS NOT NULL")
    db.execute_sql("CREATE INDEX IF NOT EXISTS jobs_library_live ON jobs (library_id) "
                   "WHERE status IN ('pending', 'running') AND library_id IS NOT NULL")
