"""The `q` of the lists through a full-text index instead of a `LIKE '%…%'` scan of every row.

It finds what `LIKE` found (a substring of the title, any case) and more: accents are folded
("amelie" finds "Amélie").

- SQLite (migration 0032): two FTS5 indexes per list table, kept in sync by triggers on the title
  column, whoever writes it: `<table>_fts_words` (tokenizer `unicode61 remove_diacritics 2`: each
  word of `q` as a prefix of a title word, accents and case folded) and `<table>_fts_tri` (tokenizer
  `trigram`: `q` as a substring, any case, CJK included). A `q` shorter than three characters
  has no trigram: it is looked up as words, and as a substring with `LIKE` (a scan, as before).
- PostgreSQL: a GIN trigram index (`pg_trgm`) on `metarr_fold(title)` (lower case, Latin accents
  taken off by a `translate` table of Metarr's own, so `unaccent` is not needed), queried with
  `metarr_fold(title) LIKE '%' || metarr_fold(q) || '%'`. Without `pg_trgm` (not installable) the
  same condition is answered by a scan.
"""
from __future__ import annotations

import re

import peewee as pw

from metarr.db.database import is_sqlite

TABLES = {"movie": ("movies", "title"), "series": ("series", "title"), "artist": ("artists", "name"),
          "album": ("albums", "title")}
WORD = re.compile(r"\w+", re.UNICODE)
_fts_tables: dict[str, bool] = {}   # one SQLite library per process: its FTS5 either has trigram or not


def condition(model, kind: str, q: str):
    """The WHERE term that keeps the rows whose title matches `q`."""
    col = getattr(model, TABLES[kind][1]) if kind in TABLES else model.title
    db = model._meta.database
    if kind not in TABLES:
        return col.contains(q)
    if not is_sqlite(db):
        return pw.Expression(pw.fn.metarr_fold(col), "LIKE", _pg_pattern(q))
    table = TABLES[kind][0]
    parts, params = [], []
    words = WORD.findall(q)
    if words and _has(db, f"{table}_fts_words"):
        parts.append(f"SELECT rowid FROM {table}_fts_words WHERE {table}_fts_words MATCH ?")
        params.append(" ".join(_quote(w) + "*" for w in words))
    if len(q) >= 3 and _has(db, f"{table}_fts_tri"):
        parts.append(f"SELECT rowid FROM {table}_fts_tri WHERE {table}_fts_tri MATCH ?")
        params.append(_quote(q))
        like = None
    else:
        like = col.contains(q)
    if not parts:
        return col.contains(q)
    term = model.id.in_(pw.SQL("(" + " UNION ".join(parts) + ")", params))
    return term | like if like is not None else term


def _quote(text: str) -> str:
    """An FTS5 string: the text as it is, never read as query syntax."""
    return '"' + text.replace('"', '""') + '"'


def _pg_pattern(q: str):
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return pw.NodeList((pw.SQL("'%%' ||"), pw.fn.metarr_fold(escaped), pw.SQL("|| '%%'")))


def _has(db, name: str) -> bool:
    """Whether the FTS table exists (a SQLite without the trigram tokenizer has no `_fts_tri`)."""
    if not _fts_tables.get(name):
        row = db.execute_sql("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone()
        _fts_tables[name] = row is not None
    return _fts_tables[name]
