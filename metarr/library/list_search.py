"""The `q` of the lists through a full-text index instead of a `LIKE '%…%'` scan of every row.

It finds what `LIKE` found (a substring of the title, any case) and more: accents are folded
("amelie" finds "Amélie"), CJK titles are found by any part ("千尋" finds "千と千尋の神隠し").

- SQLite (migration 0032): two FTS5 indexes per list table, kept in sync by triggers on the title
  column, whoever writes it: `<table>_fts_words` (tokenizer `unicode61 remove_diacritics 2`: each
  word of `q` as the start of a title word, accents and case folded) and `<table>_fts_tri`
  (tokenizer `trigram`: `q` as a substring, any case, CJK included). How a search runs depends on
  how many titles match, asked of the indexes with a LIMIT (the ids themselves, at most FEW + 1 of
  each, well under a millisecond to a few):
  - up to `FEW` (1,000) matches in each: the page is taken from those rows only, the ids read by
    the probes passed as one JSON array (`id IN (SELECT value FROM json_each(?))`): the page and its
    count no longer run the FTS queries again (a two-word search like "golden city" took them three
    times, 2-5 ms each);
  - more: the word is common, so the page walks the sort's index (which carries the title) and
    checks each title there (`LIKE`, and for a non-ASCII title the folded title, a function
    registered on the connection) until it has its rows; the share of matches is at least
    FEW / library size, so the walk stays short. A `q` under three characters has no trigram and
    runs this way too.
- PostgreSQL: a GIN trigram index (`pg_trgm`) on the stored column `search_fold` =
  `metarr_fold(title)` (lower case, accents taken off by `unaccent`, or by a `translate` table of
  Metarr's own where it is missing), queried with `search_fold LIKE '%' || metarr_fold(q) || '%'`;
  the planner chooses between the index and the sort's order. Without `pg_trgm` (not installable)
  the same condition is answered by a scan.
"""
from __future__ import annotations

import json
import re
import time
import unicodedata

import peewee as pw

from metarr.db.database import is_sqlite

TABLES = {"movie": ("movies", "title"), "series": ("series", "title"), "artist": ("artists", "name"),
          "album": ("albums", "title")}
FEW = 1000
WORD = re.compile(r"\w+", re.UNICODE)
_fts_tables: dict[str, bool] = {}   # one SQLite library per process: its FTS5 has trigram or not, JSON or not
_many: dict[tuple[str, str], tuple[float, bool]] = {}   # (table, q) -> (when, many matches), for the count


def condition(model, kind: str, q: str):
    """The WHERE term that keeps the rows whose title matches `q`."""
    db = model._meta.database
    if kind not in TABLES:
        return model.title.contains(q)
    table, name = TABLES[kind]
    col = getattr(model, name)
    if not is_sqlite(db):
        return pw.Expression(pw.SQL("search_fold"), "LIKE", _pg_pattern(q))   # the folded title (0032)
    tokens = WORD.findall(q)
    words = " ".join(_quote(w) + "*" for w in tokens)
    tri = _quote(q) if len(q) >= 3 and _has(db, f"{table}_fts_tri") else None
    word_ids = _word_ids(db, f"{table}_fts_words", tokens, words) if words else None
    tri_ids = _ids(db, f"{table}_fts_tri", tri) if tri is not None else None
    few_words = word_ids is not None and len(word_ids) <= FEW
    few_tri = tri_ids is not None and len(tri_ids) <= FEW
    many = not (few_tri and (few_words or not words))
    _remember(table, q, many)
    if not many:
        return _id_in(db, model, set(tri_ids).union(word_ids or ()))
    _register_fold(db)
    pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    folded = "%" + fold(q).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    # LIKE (in C) for every title; the folded comparison (in Python) only for titles with a
    # character outside ASCII, where case and accents need Unicode
    term = pw.NodeList((col, pw.SQL("LIKE"), pw.Value(pattern), pw.SQL("ESCAPE '\\'")))
    non_ascii = pw.NodeList((col, pw.SQL("GLOB"), pw.Value("*[^\x01-\x7f]*")))
    folded_term = pw.NodeList((pw.fn.metarr_fold(col), pw.SQL("LIKE"), pw.Value(folded), pw.SQL("ESCAPE '\\'")))
    out = pw.NodeList((term, pw.SQL("OR"), pw.EnclosedNodeList([pw.NodeList((non_ascii, pw.SQL("AND"), folded_term))])))
    if few_words and word_ids:   # a word that starts title words but is not a substring of them ("creme brulee")
        out = pw.NodeList((out, pw.SQL("OR"), _id_in(db, model, set(word_ids))))
    return pw.EnclosedNodeList((out,))


def many_matches(kind: str, q: str) -> bool:
    """Whether the last search of `q` in this list (this request's) had more than FEW matches."""
    if kind not in TABLES:
        return True
    hit = _many.get((TABLES[kind][0], q))
    return hit is None or hit[1]


def fold(text: str | None) -> str | None:
    """Lower case without accents, for comparing titles ("Amélie" → "amelie")."""
    if text is None:
        return None
    if text.isascii():
        return text.lower()
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)).casefold()


def _remember(table: str, q: str, many: bool) -> None:
    now = time.monotonic()
    if len(_many) > 256:
        for key, (when, _) in list(_many.items()):
            if now - when > 60:
                _many.pop(key, None)
        if len(_many) > 256:
            _many.clear()
    _many[(table, q)] = (now, many)


def _ids(db, fts: str, match: str) -> list[int]:
    """The rowids `match` finds in the FTS table, at most FEW + 1 of them (more: a common word)."""
    return [r[0] for r in db.execute_sql(f"SELECT rowid FROM {fts} WHERE {fts} MATCH ? LIMIT ?",
                                         (match, FEW + 1)).fetchall()]


def _word_ids(db, fts: str, tokens: list[str], words: str) -> list[int]:
    """The ids the words query finds, at most FEW + 1. FTS5 answers a prefix query (`"the"*`) by
    merging the whole lists of every word with that start before the LIMIT applies (5.6 ms for "the"
    at 166,667 movies); the word itself (`"the"`) is read lazily and stops at the LIMIT. When the word
    alone is in more than FEW titles, the words that start with it are too: its ids say "many" as
    the prefix query would have."""
    if len(tokens) == 1:
        exact = _ids(db, fts, _quote(tokens[0]))
        if len(exact) > FEW:
            return exact
    return _ids(db, fts, words)


def _id_in(db, model, ids: set[int]):
    """`id IN` the ids found: one JSON array parameter (the same statement text whatever their
    number, so SQLite's statement cache keeps it), or a list of values where SQLite has no JSON."""
    if not _has_json(db):
        return model.id.in_(sorted(ids))
    return model.id.in_(pw.SQL("(SELECT value FROM json_each(?))", [json.dumps(sorted(ids))]))


def _has_json(db) -> bool:
    if "json_each" not in _fts_tables:
        try:
            db.execute_sql("SELECT value FROM json_each('[1]')").fetchall()
            _fts_tables["json_each"] = True
        except pw.OperationalError:   # SQLite built without JSON (before 3.38 it was optional)
            _fts_tables["json_each"] = False
    return _fts_tables["json_each"]


def _register_fold(db) -> None:
    conn = db.connection()
    if not getattr(conn, "_metarr_fold", False):
        conn.create_function("metarr_fold", 1, fold, deterministic=True)
        try:
            conn._metarr_fold = True
        except AttributeError:   # sqlite3.Connection takes no attributes: registered each time (cheap)
            pass


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
