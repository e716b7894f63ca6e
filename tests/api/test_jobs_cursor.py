"""The jobs list by cursor (#32): `after=meta.next_cursor` pages a history of a million jobs as fast
deep in it as at its start, and gives every job once while jobs are added and finish between pages."""
from __future__ import annotations

import time

from metarr.jobs import store
from metarr.jobs.model import JobSpec
from tests.api.test_list_scale import _walk, run


def _add(db, n: int, tag: str, library_id: int | None = None) -> list[int]:
    # not runnable for an hour: the test's workers leave them alone
    specs = [JobSpec("test.noop", f"{tag}{i}", delay=3600, library_id=library_id) for i in range(n)]
    return [jid for jid, _ in store.enqueue(db, specs, time.time())]


async def test_walking_by_cursor_gives_every_job_once_while_jobs_are_added_and_cancelled(api, services):
    db = services.db
    before = {j["id"] for j in await _walk(api, "/api/v1/jobs?sort=-id", 500)}   # the service's own (schedules)
    ids = set(await run(api, _add, db, 57, "a"))
    added: set[int] = set()

    async def between(page_no: int) -> None:
        added.update(await run(api, _add, db, 3, f"p{page_no}-"))
        await run(api, store.cancel, db, sorted(ids)[page_no], time.time())   # a job of the list finishes

    newest_first = [j["id"] for j in await _walk(api, "/api/v1/jobs", 8, between)]
    assert len(newest_first) == len(set(newest_first)), "a job came twice"
    assert ids | before <= set(newest_first), "a job present all along was skipped"
    assert newest_first == sorted(newest_first, reverse=True)
    # jobs added meanwhile are newer than the cursor: not in this walk; oldest first, they come at its end
    assert not set(newest_first) & added
    added.clear()
    oldest_first = [j["id"] for j in await _walk(api, "/api/v1/jobs?sort=id&status=pending", 8, between)]
    assert len(oldest_first) == len(set(oldest_first)) and oldest_first == sorted(oldest_first)
    assert added <= set(oldest_first), "a job added during the walk, after the cursor, was missed"


async def test_a_cursor_keeps_the_filters_and_the_total_is_the_whole_list(api, services):
    db = services.db
    mine = await run(api, _add, db, 25, "lib", 7)
    await run(api, _add, db, 10, "other", 8)
    first = await (await api.get("/api/v1/jobs?library_id=7&limit=10")).json()
    assert first["meta"]["total"] == 25 and first["meta"]["next_cursor"]
    seen = [j["id"] for j in first["data"]]
    nxt = first["meta"]["next_cursor"]
    while nxt:
        body = await (await api.get(f"/api/v1/jobs?library_id=7&limit=10&after={nxt}")).json()
        assert body["meta"]["total"] == 25
        seen += [j["id"] for j in body["data"]]
        nxt = body["meta"]["next_cursor"]
    assert seen == sorted(mine, reverse=True)
    # a page by offset gives a cursor too, that goes on where it stopped
    by_offset = await (await api.get("/api/v1/jobs?library_id=7&limit=5&offset=5")).json()
    rest = await (await api.get(f"/api/v1/jobs?library_id=7&limit=100&after={by_offset['meta']['next_cursor']}")
                  ).json()
    assert [j["id"] for j in by_offset["data"] + rest["data"]] == seen[5:]
    assert rest["meta"]["next_cursor"] is None


async def test_a_cursor_the_jobs_list_cannot_use_is_a_400_in_words(api, services):
    await run(api, _add, services.db, 5, "x")
    good = (await (await api.get("/api/v1/jobs?limit=2")).json())["meta"]["next_cursor"]
    movie = (await (await api.get("/api/v1/movies?limit=2&sort=-id")).json())["meta"]["next_cursor"]
    assert movie is None   # no movies: make a movie list's cursor by hand
    from metarr.library.list_page import encode_cursor
    cases = {f"after={good}&offset=2": "not both",
             f"after={good}&sort=priority": "use offset",
             f"after={good}&sort=id": "sort=-id",
             f"after={encode_cursor('movie', '-id', 3, 3)}": "another list",
             "after=bm90LWEtY3Vyc29y": "not a cursor"}
    for query, words in cases.items():
        r = await api.get(f"/api/v1/jobs?{query}")
        body = await r.json()
        assert r.status == 400 and words in body["error"]["message"], (query, body)
    # the order is by priority: no cursor to page it, the offset does
    body = await (await api.get("/api/v1/jobs?sort=priority&limit=2")).json()
    assert body["meta"]["next_cursor"] is None and len(body["data"]) == 2
