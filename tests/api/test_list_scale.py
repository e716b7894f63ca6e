"""The lists at any size (#32): keyset pagination with a cursor, full-text `q`, cheap totals.

Real app, real database (SQLite, or PostgreSQL with METARR_TEST_DATABASE_URL); rows are written
with the models (and so through the database's triggers), as the scanner and the editors do.
"""
from __future__ import annotations

import random
import time

import peewee as pw
import pytest

from metarr.db.database import is_sqlite, write_tx
from metarr.db.media import Artist, Movie
from metarr.db.models import Library, Setting
from web.keys import bridge_key

STATES = ("identified", "enriched", "published")


async def run(api, fn, *args):
    return await api.app[bridge_key].run(fn, *args)


def _library(db, name="Movies", kind="movie") -> int:
    now = time.time()
    with write_tx(db):
        return Library.create(name=name, kind=kind, path=f"/nowhere/{name}", enabled=False, watch=False,
                              created_at=now, updated_at=now).id


def _movies(db, lib: int, titles: list[str], rng: random.Random | None = None, start: int = 0) -> list[int]:
    now = time.time()
    rng = rng or random.Random(1)
    ids = []
    with write_tx(db):
        for i, title in enumerate(titles, start):
            ids.append(Movie.create(
                library_id=lib, key=f"m{i}-{rng.random()}/x.mkv", folder=f"m{i}", title=title,
                sort_title=title[4:] if title.startswith("The ") else None,
                year=rng.choice((None, 1990, 2001, 2001, 2015)), state=rng.choice(STATES),
                date_added=rng.choice((now - 100, now - 50, now)) , created_at=now, updated_at=now).id)
    return ids


async def _walk(api, path: str, limit: int, between=None) -> list[dict]:
    """Every page by cursor; `between(page_no)` runs after each page."""
    seen, after, page_no = [], None, 0
    while True:
        url = f"{path}{'&' if '?' in path else '?'}limit={limit}" + (f"&after={after}" if after else "")
        r = await api.get(url)
        body = await r.json()
        assert r.status == 200, body
        seen.extend(body["data"])
        after = body["meta"]["next_cursor"]
        assert (after is None) == (len(body["data"]) < limit or after is None)
        if after is None:
            return seen
        page_no += 1
        if between:
            await between(page_no)
        assert page_no < 1000


@pytest.mark.parametrize("sort", ["title", "-title", "year", "-year", "added", "-added", "id", "-id"])
async def test_every_sort_walks_the_whole_list_by_cursor_in_the_offset_order(api, services, sort):
    lib = await run(api, _library, services.db)
    words = ["Alpha", "beta", "The Gamma", "delta", "Éclair", "Zeta", "alpha", "Omega", "The Alpha"]
    titles = [f"{random.Random(i).choice(words)} {i % 7}" for i in range(83)]
    await run(api, _movies, services.db, lib, titles)
    by_offset = []
    for offset in range(0, 83, 10):
        body = await (await api.get(f"/api/v1/movies?sort={sort}&limit=10&offset={offset}")).json()
        by_offset.extend(m["id"] for m in body["data"])
    walked = [m["id"] for m in await _walk(api, f"/api/v1/movies?sort={sort}", 7)]
    assert walked == by_offset and len(set(walked)) == 83
    # and the order is the sort's
    rows = {m.id: m for m in await run(api, lambda: list(Movie.select()))}
    key = {"title": lambda m: (m.sort_title or m.title), "year": lambda m: m.year or 0,
           "added": lambda m: m.date_added, "id": lambda m: 0}[sort.lstrip("-")]
    values = [key(rows[i]) for i in walked]
    assert values == sorted(values, reverse=sort.startswith("-"))
    # a cursor from offset paging continues where it stopped
    first = await (await api.get(f"/api/v1/movies?sort={sort}&limit=20&offset=0")).json()
    assert first["meta"]["next_cursor"] and first["meta"]["offset"] == 0 and first["meta"]["limit"] == 20
    rest = await (await api.get(f"/api/v1/movies?sort={sort}&limit=500&after={first['meta']['next_cursor']}")).json()
    assert [m["id"] for m in first["data"] + rest["data"]] == by_offset
    assert rest["meta"]["next_cursor"] is None


async def test_cursor_pages_give_every_item_once_while_items_come_and_go(api, services):
    db = services.db
    lib = await run(api, _library, db)
    rng = random.Random(5)
    titles = [f"{rng.choice(['Storm', 'River', 'King', 'Night'])} {rng.randint(1, 30)}" for _ in range(120)]
    ids = await run(api, _movies, db, lib, titles, rng)
    present_throughout = set(ids)
    removed, added = set(), set()

    def churn(page_no: int) -> None:
        now = time.time()
        victims = rng.sample(sorted(present_throughout), 3)
        with write_tx(db):
            for v in victims[:2]:   # one soft-deleted (as a scan does), one deleted for good
                Movie.update(deleted_at=now).where(Movie.id == v).execute() if v % 2 else \
                    Movie.delete().where(Movie.id == v).execute()
            Movie.update(state="published").where(Movie.id == victims[2]).execute()   # an unrelated change
        present_throughout.difference_update(victims[:2])
        removed.update(victims[:2])
        added.update(_movies(db, lib, [f"{rng.choice(['Aardvark', 'Storm', 'Zulu'])} new {page_no}"], rng,
                             start=1000 + page_no))

    async def between(page_no):
        await run(api, churn, page_no)

    for sort in ("title", "-added", "year"):
        seen = [m["id"] for m in await _walk(api, f"/api/v1/movies?sort={sort}", 9, between)]
        assert len(seen) == len(set(seen)), f"{sort}: an item came twice"
        assert present_throughout <= set(seen), f"{sort}: items present all along were skipped"
        assert not (set(seen) - present_throughout - added - removed)


async def test_a_bad_cursor_is_a_400_in_words(api, services):
    lib = await run(api, _library, services.db)
    await run(api, _movies, services.db, lib, [f"Film {i}" for i in range(5)])
    good = (await (await api.get("/api/v1/movies?limit=2&sort=title")).json())["meta"]["next_cursor"]
    import base64
    import json

    def made(*parts) -> str:   # a hand-made token in the cursor's own shape
        return base64.urlsafe_b64encode(json.dumps(list(parts)).encode()).decode().rstrip("=")
    for bad, words in (("garbage!!", "not a cursor"), ("eyJ4IjoxfQ", "not a cursor"), ("ÄÖ", "not a cursor"),
                       (good, "sort=title"), (made("movie", "year", 2001, 2**70), "not a cursor"),
                       (made("movie", "year", 10**30, 1), "not a cursor"), (made("movie", "year", "x", 1), "not a cursor"),
                       ("WyJtb3ZpZSIsInllYXIiLE5hTiwxXQ", "not a cursor"), (made(1, 2), "not a cursor")):
        r = await api.get(f"/api/v1/movies?limit=2&sort=year&after={bad}")
        body = await r.json()
        assert r.status == 400, body
        assert words in body["error"]["message"], body
    r = await api.get(f"/api/v1/series?limit=2&after={good}")
    assert r.status == 400 and "another list" in (await r.json())["error"]["message"]
    r = await api.get(f"/api/v1/movies?limit=2&sort=title&offset=4&after={good}")
    assert r.status == 400 and "not both" in (await r.json())["error"]["message"]


def _count_statements(db, monkeypatch) -> list[str]:
    """Every SQL text the database runs from now on, in order (the list grows as it runs)."""
    statements: list[str] = []
    real = type(db).execute_sql

    def counted(self, sql, *args, **kwargs):
        statements.append(sql)
        return real(self, sql, *args, **kwargs)
    monkeypatch.setattr(type(db), "execute_sql", counted)
    return statements


def _like(titles: dict[int, str], q: str) -> set[int]:
    return {i for i, t in titles.items() if q.casefold() in t.casefold()}


@pytest.mark.parametrize("few,json_each", [(1000, True), (0, True), (1000, False)],
                         ids=["from-the-index", "walking-the-sort", "from-the-index-without-json"])
async def test_search_finds_what_like_found_and_accents_cjk_and_edits(api, services, monkeypatch, few, json_each):
    # SQLite answers a search of few matches from the ids the FTS probes found (passed as one JSON
    # array, or as a list of values where SQLite has no JSON), one of many by walking the sort's
    # index (list_search.FEW): all ways find the same
    from metarr.library import list_search
    monkeypatch.setattr(list_search, "FEW", few)
    if not json_each:
        monkeypatch.setitem(list_search._fts_tables, "json_each", False)
    db = services.db
    lib = await run(api, _library, db)
    titles = ["Amélie", "Le Fabuleux Destin d'Amélie Poulain", "千と千尋の神隠し", "となりのトトロ", "Spirited Away",
              "The Storm", "Stormbreaker", "A Brainstorm", "100% Wolf", "under_score", "Crème Brûlée Nights",
              "Ça", "Zoë", "Naïve Storms", "王家衛 2046", "El Niño"]
    ids = await run(api, _movies, db, lib, titles)
    by_id = dict(zip(ids, titles, strict=True))

    async def search(q: str) -> set[int]:
        from urllib.parse import quote
        body = await (await api.get(f"/api/v1/movies?limit=500&q={quote(q)}")).json()
        assert body["success"], body
        return {m["id"] for m in body["data"]}

    # every substring LIKE finds is found (case-insensitively)
    for q in ("storm", "Storm", "ORM", "amélie", "千尋", "千と千尋", "トトロ", "Away", "100%", "_sc", "2046", "ç",
              "brûlée", "st", "e"):
        assert _like(by_id, q) <= await search(q), q
    # and accents fold: "amelie" finds Amélie (LIKE did not)
    assert {ids[0], ids[1]} <= await search("amelie")
    assert ids[10] in await search("creme brulee")
    assert ids[15] in await search("nino")
    assert await search("千尋") == {ids[2]}
    assert await search("zzzz") == set()
    assert await search("100%") == {ids[8]}   # % is a character, not a wildcard
    # a search goes on by cursor like any list
    walked = [m["id"] for m in await _walk(api, "/api/v1/movies?q=storm&sort=-title", 1)]
    assert len(walked) == len(set(walked)) and set(walked) == await search("storm")
    # after a title edit (through the API: md.apply) the index knows the new title, not the old one
    r = await api.patch(f"/api/v1/movies/{ids[4]}", json={"title": "Chihiro Kamikakushi"})
    assert r.status == 200, await r.text()
    assert ids[4] in await search("kamikakushi")
    assert ids[4] not in await search("spirited")
    # a deleted row is not found; artists are searched by name
    await run(api, lambda: Movie.delete().where(Movie.id == ids[5]).execute())
    assert ids[5] not in await search("the storm")

    def artist():
        now = time.time()
        alib = _library(db, "Music", "music")
        with write_tx(db):
            return Artist.create(library_id=alib, key="bjork", name="Björk", date_added=now, created_at=now,
                                 updated_at=now).id
    aid = await run(api, artist)
    body = await (await api.get("/api/v1/artists?q=bjork")).json()
    assert [a["id"] for a in body["data"]] == [aid]


async def test_totals_are_exact_below_the_limit_and_flagged_estimates_above(api, services):
    db = services.db
    lib = await run(api, _library, db)
    other = await run(api, _library, db, "More")
    rng = random.Random(3)
    await run(api, _movies, db, lib, [f"{rng.choice(['Storm', 'River'])} {i}" for i in range(60)], rng)
    await run(api, _movies, db, other, [f"Other {i}" for i in range(15)], rng, 100)

    def set_limit(n):
        with write_tx(db):
            Setting.insert(key="api.exact_total_limit", value=n, updated_at=time.time()).on_conflict(
                conflict_target=[Setting.key], update={Setting.value: n}).execute()
    await run(api, set_limit, 20)

    def truth(**where):
        q = Movie.select().where(Movie.deleted_at.is_null(True))
        for k, v in where.items():
            q = q.where(getattr(Movie, k) == v)
        return q.count()

    async def meta(query: str) -> dict:
        body = await (await api.get(f"/api/v1/movies?limit=5&{query}")).json()
        return body["meta"]

    m = await meta(f"library_id={other}")   # 15 <= 20: exact
    assert m["total"] == 15 and m["total_estimated"] is False
    m = await meta("q=zzz")
    assert m["total"] == 0 and m["total_estimated"] is False
    if not is_sqlite(db):   # the planner's statistics, as autovacuum keeps them in a live database
        await run(api, lambda: db.execute_sql("ANALYZE movies"))
    m = await meta(f"library_id={lib}")     # 60 > 20: estimated, and said so
    assert m["total_estimated"] is True and m["total"] > 20
    n_lib = await run(api, lambda: truth(library_id=lib))
    assert abs(m["total"] - n_lib) <= n_lib * 0.5
    m = await meta("")
    assert m["total_estimated"] is True and m["total"] > 20
    m = await meta("q=storm")
    assert m["total_estimated"] is True and m["total"] > 20
    # after deletions the totals follow (SQLite's counters, PostgreSQL's planner)
    await run(api, lambda: Movie.update(deleted_at=time.time()).where(Movie.library_id == lib).execute())
    m = await meta(f"library_id={lib}")
    assert m == {**m, "total": 0, "total_estimated": False}
    await run(api, set_limit, 1000)
    m = await meta("")
    assert m["total"] == 15 and m["total_estimated"] is False


async def test_the_grid_page_goes_through_the_whole_library_by_cursor(api, services):
    import re
    lib = await run(api, _library, services.db)
    ids = await run(api, _movies, services.db, lib, [f"Grid film {i:03d}" for i in range(130)])
    seen, url = [], "/movies?sort=-added"
    for _ in range(10):
        html = await (await api.get(url)).text()
        seen += [int(x) for x in re.findall(r'<a class="card" href="/movies/(\d+)"', html)]
        nxt = re.search(r'<a class="btn" data-next-page href="([^"]+)"', html)
        if not nxt:
            break
        assert "after=" in nxt.group(1) and "First page" not in html or url != "/movies?sort=-added"
        url = "/movies" + nxt.group(1).replace("&amp;", "&")
    assert sorted(seen) == sorted(ids) and len(seen) == 130
    assert "First page" in html
    # a stale or made-up cursor shows the first page rather than an error
    html = await (await api.get("/movies?after=nonsense")).text()
    assert html.count('<a class="card"') == 48
    assert "130 item(s)" in html

    def small_limit():
        with write_tx(services.db):
            Setting.insert(key="api.exact_total_limit", value=100, updated_at=time.time()).execute()
    await run(api, small_limit)
    html = await (await api.get("/movies")).text()
    assert re.search(r"about [\d,]+ item\(s\)", html), html[html.find("item(s)") - 80:html.find("item(s)") + 10]


def test_every_field_a_list_row_shows_is_read_by_the_list_query():
    # lists read only list_page.SUMMARY_FIELDS; a field browse.summary() reads that is not named
    # there would come back empty in every list row, silently
    import inspect
    import re

    from metarr.library import browse, list_page
    read = set(re.findall(r"\br\.(\w+)", inspect.getsource(browse.summary)))
    named = set().union(*list_page.SUMMARY_FIELDS.values())
    assert read <= named, read - named


async def test_a_list_the_planner_thought_short_but_is_not_is_paged_and_estimated_right(api, services, monkeypatch):
    """PostgreSQL: a list estimated under the count's limit is read and counted in one scan
    (metarr/library/list_small.py); when it has more rows after all, the page is read as usual and
    the total is flagged as an estimate, above the limit — the same rows, in the same order."""
    db = services.db
    if is_sqlite(db):
        pytest.skip("the planner's estimate is PostgreSQL's")
    from metarr.library import list_count
    lib = await run(api, _library, db)
    await run(api, _movies, db, lib, [f"Storm {i:02d}" for i in range(30)])

    def set_limit(n):
        with write_tx(db):
            Setting.insert(key="api.exact_total_limit", value=n, updated_at=time.time()).on_conflict(
                conflict_target=[Setting.key], update={Setting.value: n}).execute()
    await run(api, set_limit, 20)
    truth = [m["id"] for m in (await (await api.get("/api/v1/movies?q=storm&sort=-title&limit=100")).json())["data"]]
    assert len(truth) == 30
    real_plan = list_count.pg_plan
    monkeypatch.setattr(list_count, "pg_plan", lambda db, query, reuse=False:
                        (real_plan(db, query, reuse)[0], 1))   # the limit as set; "one row, surely"
    body = await (await api.get("/api/v1/movies?q=storm&sort=-title&limit=10")).json()
    assert [m["id"] for m in body["data"]] == truth[:10]
    assert body["meta"]["total"] == 21 and body["meta"]["total_estimated"] is True
    walked = [m["id"] for m in await _walk(api, "/api/v1/movies?q=storm&sort=-title", 10)]
    assert walked == truth
    await run(api, set_limit, 1000)   # within the limit: exact, from the one scan
    body = await (await api.get("/api/v1/movies?q=storm&sort=-title&limit=10&offset=25")).json()
    assert [m["id"] for m in body["data"]] == truth[25:] and body["meta"]["total"] == 30
    assert body["meta"]["total_estimated"] is False
    body = await (await api.get("/api/v1/movies?q=storm&limit=10&offset=40")).json()
    assert body["data"] == [] and body["meta"]["total"] == 30


async def test_a_search_the_planner_overestimates_is_answered_in_one_statement(api, services, monkeypatch):
    """PostgreSQL: the trigram estimate of a few words is often far too high ("golden city": 1,470
    expected, 132 found). A search expected to have up to PG_TRUST times the count's limit is read
    and counted in one scan (metarr/library/list_small.py), not by walking the sort's index through a
    third of the table: the same rows and exact total, in one statement after the estimate."""
    db = services.db
    lib = await run(api, _library, db)
    await run(api, _movies, db, lib, [f"Golden City {i:02d}" for i in range(30)] + ["City of Gold", "Goldencity"])
    truth = [m["id"] for m in (await (await api.get("/api/v1/movies?q=golden%20city&sort=-title&limit=100")
                                      ).json())["data"]]
    assert len(truth) == 30
    if is_sqlite(db):
        return   # SQLite: no planner estimate; its search is the test above
    from metarr.library import list_count
    cap = list_count.exact_limit(db)
    monkeypatch.setattr(list_count, "pg_plan", lambda db, query, reuse=False: (cap, 2 * cap))
    statements = _count_statements(db, monkeypatch)
    body = await (await api.get("/api/v1/movies?q=golden%20city&sort=-title&limit=10&offset=5")).json()
    assert [m["id"] for m in body["data"]] == truth[5:15]
    assert body["meta"]["total"] == 30 and body["meta"]["total_estimated"] is False
    page = [s for s in statements if "movies" in s]
    assert len(page) == 1 and page[0].startswith("WITH m AS MATERIALIZED"), page
    # by cursor too, every row once and in order
    assert [m["id"] for m in await _walk(api, "/api/v1/movies?q=golden%20city&sort=-title", 7)] == truth


def test_a_year_filtered_count_reads_the_live_index_not_the_table(services):
    """Migration 0040 drops the plain `movies_year` index a database made before it had: without
    planner statistics SQLite counted a year's movies (the bounded count of `meta.total`) through it,
    one table row visited per match (1-13 ms at 166,667 movies), not through 0031's partial index."""
    import importlib
    db = services.db
    with write_tx(db):
        db.execute_sql("CREATE INDEX IF NOT EXISTS movies_year ON movies (year)")   # as before 0040
        importlib.import_module("metarr.db.migrations.0040_list_indexes").up(db)
    from metarr.library import browse
    from metarr.library import filters as item_filters
    query = browse._filtered(Movie, "movie", None, {"spec": item_filters.parse("movie", {"year": "2001"})})
    bounded = query.select(pw.SQL("1")).order_by().limit(1001)
    sql, params = bounded.sql()
    if is_sqlite(db):
        plan = " ".join(r[3] for r in db.execute_sql("EXPLAIN QUERY PLAN " + sql, params).fetchall())
        assert "movies_year_" in plan, plan   # one of 0031's (year, sort, id, title) indexes of live rows
    else:
        names = {r[0] for r in db.execute_sql("SELECT indexname FROM pg_indexes WHERE tablename = 'movies' "
                                              "AND schemaname = current_schema()").fetchall()}
        assert "movies_year" not in names and "movies_year_id" in names
        # and the search's trigram index keeps a short pending list, which every search reads whole
        # (305 pages of 4 MB made "golden city" 9-11 ms instead of 2.6-4)
        if "movies_fold_trgm" in names:
            opts = db.execute_sql("SELECT reloptions FROM pg_class WHERE oid = to_regclass('movies_fold_trgm')"
                                  ).fetchone()[0]
            assert "gin_pending_list_limit=256" in opts, opts


async def test_a_list_read_again_is_one_statement_that_reads_its_plan_anew(api, services, monkeypatch):
    """PostgreSQL: a list whose last plan read its page the usual way (the total estimated, or
    counted up to the limit apart from its scan) is read again in one statement: its page, the
    planner's estimate, the count limit and, when due, the bounded count. The plan is read anew
    with each page, so a limit changed in between holds at once; the answers are those of a first
    reading. SQLite: the same answers."""
    db = services.db
    lib = await run(api, _library, db)
    await run(api, _movies, db, lib, [f"Movie {i:02d}" for i in range(40)])
    if not is_sqlite(db):
        await run(api, lambda: db.execute_sql("ANALYZE movies"))   # the planner: about 40 rows

    def set_limit(n):
        with write_tx(db):
            Setting.insert(key="api.exact_total_limit", value=n, updated_at=time.time()).on_conflict(
                conflict_target=[Setting.key], update={Setting.value: n}).execute()
    statements = _count_statements(db, monkeypatch)

    async def page(url):
        statements.clear()
        body = await (await api.get(url)).json()
        return body, [s for s in statements if "movies" in s or "metarr_plan_rows" in s]
    truth, _ = await page("/api/v1/movies?sort=-title&limit=100")
    truth = [m["id"] for m in truth["data"]]
    assert len(truth) == 40
    for limit, total, estimated in ((5, 40, True), (20, 40, True), (1000, 40, False), (5, 40, True)):
        await run(api, set_limit, limit)
        for n in range(3):   # a first reading, then again (with the plan of the one before)
            body, sent = await page("/api/v1/movies?sort=-title&limit=10&offset=10")
            assert [m["id"] for m in body["data"]] == truth[10:20]
            meta = body["meta"]
            assert meta["total_estimated"] is estimated, (limit, n, meta)
            assert meta["total"] == total if not estimated else meta["total"] > limit, (limit, n, meta)
            if not is_sqlite(db) and n and limit != 1000:
                assert len(sent) == 1 and "metarr_plan_rows" in sent[0], sent
    assert [m["id"] for m in await _walk(api, "/api/v1/movies?sort=-title", 7)] == truth
    # 15 deleted after the statistics: the planner still expects about 40, more than a limit of 30,
    # so the count goes with the page and finds 25 — exact, from the one statement too
    gone = truth[:15]
    await run(api, lambda: Movie.update(deleted_at=time.time()).where(Movie.id.in_(gone)).execute())
    await run(api, set_limit, 30)
    for n in range(3):
        body, sent = await page("/api/v1/movies?sort=-title&limit=10&offset=10")
        assert [m["id"] for m in body["data"]] == truth[25:35]
        assert body["meta"]["total"] == 25 and body["meta"]["total_estimated"] is False, (n, body["meta"])
        if not is_sqlite(db) and n:
            assert len(sent) == 1 and "COUNT(*)" in sent[0], sent
