"""Full-text indexes for the lists' `q` (metarr/library/list_search.py), instead of a LIKE scan.

SQLite: per list table two FTS5 indexes over the title (name for artists), external-content (the
text stays in the table) and kept in sync by triggers on insert, delete and a change of the title,
whichever code writes it: `<table>_fts_words` (`unicode61 remove_diacritics 2`: words, accents and
case folded) and `<table>_fts_tri` (`trigram`: substrings, CJK; only where SQLite has the trigram
tokenizer, 3.34+).

PostgreSQL: `pg_trgm` and `unaccent` (created in `public` when missing, where the role may), an
IMMUTABLE `metarr_fold(text)` (lower case without accents: `unaccent`, or where it cannot be had a
`translate` table made here from Unicode's decompositions, correct but about 50x slower per row)
a stored generated column `search_fold` = `metarr_fold(title)` (name for artists) and a GIN
trigram index on it per table (without `pg_trgm` the search scans).
"""
import unicodedata

from metarr.db.database import is_sqlite

TABLES = {"movies": "title", "series": "title", "artists": "name", "albums": "title"}


def up(db):
    if is_sqlite(db):
        _sqlite(db)
    else:
        _postgres(db)


def _sqlite(db) -> None:
    tokenizers = {"words": "unicode61 remove_diacritics 2", "tri": "trigram"}
    for table, col in TABLES.items():
        for suffix, tokenizer in tokenizers.items():
            fts = f"{table}_fts_{suffix}"
            try:
                with db.atomic():
                    db.execute_sql(f"CREATE VIRTUAL TABLE {fts} USING fts5({col}, content='{table}', "
                                   f"content_rowid='id', tokenize='{tokenizer}')")
            except Exception:   # noqa: BLE001 - an SQLite without the trigram tokenizer: words only
                if suffix == "words":
                    raise
                continue
            db.execute_sql(f"CREATE TRIGGER {fts}_ins AFTER INSERT ON {table} BEGIN "
                           f"INSERT INTO {fts} (rowid, {col}) VALUES (NEW.id, NEW.{col}); END")
            db.execute_sql(f"CREATE TRIGGER {fts}_del AFTER DELETE ON {table} BEGIN "
                           f"INSERT INTO {fts} ({fts}, rowid, {col}) VALUES ('delete', OLD.id, OLD.{col}); END")
            db.execute_sql(f"CREATE TRIGGER {fts}_upd AFTER UPDATE OF {col} ON {table} BEGIN "
                           f"INSERT INTO {fts} ({fts}, rowid, {col}) VALUES ('delete', OLD.id, OLD.{col}); "
                           f"INSERT INTO {fts} (rowid, {col}) VALUES (NEW.id, NEW.{col}); END")
            db.execute_sql(f"INSERT INTO {fts} ({fts}) VALUES ('rebuild')")


def fold_table() -> tuple[str, str]:
    """(from, to) for `translate`: every Latin letter with a decomposition to an ASCII letter plus
    marks (é → e, Ł is left alone) in U+00C0–U+024F and U+1E00–U+1EFF."""
    src, dst = [], []
    for cp in [*range(0xC0, 0x250), *range(0x1E00, 0x1F00)]:
        ch = chr(cp)
        base = unicodedata.normalize("NFKD", ch)[0]
        if base != ch and base.isascii() and base.isalpha():
            src.append(ch)
            dst.append(base)
    return "".join(src), "".join(dst)


def _postgres(db) -> None:
    unaccent = _extension(db, "unaccent")
    if unaccent is not None:
        # unaccent (C, a dictionary) is STABLE: wrapped here as IMMUTABLE with its dictionary named,
        # the usual way to index it; a SQL function around a STABLE one is not inlined, so the
        # index matches the call
        body = f'lower("{unaccent}".unaccent(\'"{unaccent}".unaccent\'::regdictionary, t))'
    else:
        src, dst = fold_table()
        body = f"lower(translate(t, '{src}', '{dst}'))"
    db.execute_sql("CREATE OR REPLACE FUNCTION metarr_fold(t text) RETURNS text LANGUAGE sql IMMUTABLE "
                   f"PARALLEL SAFE AS $$ SELECT {body} $$")
    # the folded title as a stored generated column: PostgreSQL keeps it with the title, and a
    # search's check of a row reads it instead of calling the function (a SQL function called per
    # row costs ~8 us: 800 ms for a page the planner chose to find by walking the title order)
    for table, col in TABLES.items():
        db.execute_sql(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS search_fold text "
                       f"GENERATED ALWAYS AS (metarr_fold({col})) STORED")
    trgm = _extension(db, "pg_trgm")
    if trgm is None:
        return
    for table in TABLES:
        db.execute_sql(f'CREATE INDEX IF NOT EXISTS {table}_fold_trgm ON {table} '
                       f'USING gin (search_fold "{trgm}".gin_trgm_ops)')


def _extension(db, name: str) -> str | None:
    """The schema of the extension, created in `public` when missing and the role may; None if not."""
    def schema():
        row = db.execute_sql("SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
                             "WHERE e.extname = %s", (name,)).fetchone()
        return row[0] if row else None
    found = schema()
    if found:
        return found
    try:
        with db.atomic():   # a savepoint: a refusal (no right to create it) leaves the migration going
            db.execute_sql(f"CREATE EXTENSION IF NOT EXISTS {name} SCHEMA public")
    except Exception:   # noqa: BLE001 - not installable, or another process created it just now
        return schema()
    return schema()
