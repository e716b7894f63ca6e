"""POST /api/v1/{kind}/batch (SPEC §10) through the real app, ledger and workers: every action, by
ids and by filter, one job tree with progress, cancellation, and the shape of a 10,000-item batch."""
import asyncio
import time

from metarr import metadata as md
from metarr.db.database import write_tx
from metarr.db.media import AssetCandidate, FieldState, Movie
from metarr.db.models import Job, Library
from metarr.jobs.tree import tree_ids
from tests.conftest import drain
from tests.publish.conftest import World


def _bulk_movies(lib_id: int, n: int, state="enriched", **kw) -> list[int]:
    now = time.time()
    db = Movie._meta.database
    first = Movie.select(Movie.id).order_by(Movie.id.desc()).scalar() or 0
    with write_tx(db):
        for i in range(0, n, 500):
            Movie.insert_many([dict(library_id=lib_id, key=f"m{first + j}/m.mkv", folder=f"m{first + j}",
                                    title=f"Movie {first + j}", year=2000, state=state, date_added=now,
                                    created_at=now, updated_at=now, **kw) for j in range(i, min(n, i + 500))]).execute()
    return [r.id for r in Movie.select(Movie.id).where(Movie.id > first).order_by(Movie.id)]


def _lib(tmp_path, name="L"):
    now = time.time()
    (tmp_path / name).mkdir(exist_ok=True)
    return Library.create(name=name, kind="movie", path=str(tmp_path / name), created_at=now, updated_at=now,
                          watch=False, auto_sync=False)


async def _batch(api, body, kind="movies", status=202):
    r = await api.post(f"/api/v1/{kind}/batch", json=body)
    data = await r.json()
    assert r.status == status, data
    return data["data"] if status == 202 else data["error"]


async def _tree(api, jid):
    return (await (await api.get(f"/api/v1/jobs/{jid}/tree")).json())["data"]


def _locked(eid, key):
    st = FieldState.get_or_none((FieldState.entity_type == "movie") & (FieldState.entity_id == eid)
                                & (FieldState.field == key))
    return bool(st and st.locked)


async def test_lock_and_unlock_by_ids_and_by_filter(api, tmp_path):
    lib = _lib(tmp_path)
    ids = _bulk_movies(lib.id, 6)
    got = await _batch(api, {"ids": ids[:3], "action": "lock", "fields": ["title", "list:genres", "art:poster"]})
    assert got["items"] == 3 and got["refused"] == 0
    await drain(api)
    assert all(_locked(i, k) for i in ids[:3] for k in ("title", "list:genres", "art:poster"))
    assert not any(_locked(i, "title") for i in ids[3:])
    tree = await _tree(api, got["job_id"])
    assert tree["done"] and tree["total"] == 2 and tree["by_status"] == {"succeeded": 2} and tree["progress"] == 1.0
    # the filter of the list: the locked ones
    got = await _batch(api, {"filter": {"locked": "true"}, "action": "unlock", "fields": ["title"]})
    assert got["items"] == 3
    await drain(api)
    assert not any(_locked(i, "title") for i in ids) and _locked(ids[0], "list:genres")


async def test_set_adds_a_tag_and_sets_a_collection_and_locks_them(api, services, tmp_path):
    lib = _lib(tmp_path)
    ids = _bulk_movies(lib.id, 4)
    md.apply(services.db, "movie", ids[0], md.Update("provider:tmdb", lists={"tags": ["old"]}))
    got = await _batch(api, {"ids": ids[:2], "action": "set", "field": "tags", "add": ["4K"]})
    assert got["items"] == 2
    got = await _batch(api, {"filter": {"q": "Movie", "library_id": lib.id}, "action": "set", "field": "set_name",
                             "value": "Alien Collection"})
    assert got["items"] == 4
    await drain(api)
    assert md.get_lists("movie", ids[0])["tags"] == ["old", "4K"] and md.get_lists("movie", ids[1])["tags"] == ["4K"]
    assert "tags" not in md.get_lists("movie", ids[2])
    assert {Movie.get_by_id(i).set_name for i in ids} == {"Alien Collection"}
    assert _locked(ids[0], "list:tags") and _locked(ids[3], "set_name")
    got = await _batch(api, {"ids": ids[:1], "action": "set", "field": "tags", "remove": ["old", "4k"]})
    await drain(api)
    assert md.get_lists("movie", ids[0]).get("tags") is None
    # the edit's own rules: a wrong value is a 400 before anything is queued
    err = await _batch(api, {"ids": ids, "action": "set", "field": "year", "value": "soon"}, status=400)
    assert "non-negative integer" in err["message"]
    err = await _batch(api, {"ids": ids, "action": "set", "field": "studios_x", "value": "x"}, status=400)
    assert "not an editable field" in err["message"]


async def test_requests_that_make_no_sense_are_refused_in_words(api, tmp_path):
    lib = _lib(tmp_path)
    ids = _bulk_movies(lib.id, 2)
    for body, status, words in (
            ({"action": "lock", "fields": ["title"]}, 400, "either 'ids'"),
            ({"ids": ids, "filter": {}, "action": "enrich"}, 400, "either 'ids'"),
            ({"ids": ids, "action": "explode"}, 400, "action must be one of"),
            ({"ids": ids, "action": "lock"}, 400, "needs 'fields'"),
            ({"ids": ids, "action": "lock", "fields": ["nope"]}, 400, "not a lockable field"),
            ({"ids": ids, "action": "reject_artwork", "slot": "cover"}, 400, "needs 'slot'"),
            ({"ids": [*ids, 999999], "action": "enrich"}, 404, "no movie with id 999999"),
            ({"ids": ["1"], "action": "enrich"}, 400, "list of item ids"),
            ({"filter": {"state": "lost"}, "action": "enrich"}, 400, "filter: state: 'lost' is not a state"),
            ({"filter": {"colour": "red"}, "action": "enrich"}, 400, "'colour' is not a filter"),
            ({"filter": {"state": "ambiguous"}, "action": "enrich"}, 409, "selection is empty"),
            ({"ids": ids, "action": "enrich", "extra": 1}, 400, "not part of a batch request")):
        err = await _batch(api, body, status=status)
        assert words in err["message"], (body, err)


async def test_publish_writes_the_identified_and_refuses_the_unidentified(api, services, tmp_path):
    w = World(services, tmp_path)
    good = [w.movie(title, 1960 + i) for i, title in enumerate(("Alpha", "Beta", "Gamma"))]
    for m in good:
        w.art("movie", m.id, "poster", pattern=m.id)
    bare = w.movie("Nameless", 1999)
    Movie.update(tmdb_id=None, imdb_id=None, state="unidentified", identify_reason="no_match").where(
        Movie.id == bare.id).execute()
    # only unidentified ones: nothing would be written, said as the dry run says it
    err = await _batch(api, {"ids": [bare.id], "action": "publish"}, status=409)
    assert err["code"] == "cannot_publish" and "not identified" in err["message"]
    got = await _batch(api, {"filter": {"library_id": w.movies.id}, "action": "publish"})
    assert got["items"] == 3 and got["refused"] == 1 and got["refused_ids"] == [bare.id]
    assert got["refused_reasons"] == {"not identified": 1}
    await drain(api)
    root = tmp_path / "movies"
    for m in good:
        folder = root / f"{m.title} ({m.year})"
        assert (folder / f"{m.title} ({m.year}).nfo").exists() and (folder / f"{m.title} ({m.year})-poster.jpg").exists()
    assert not (root / "Nameless (1999)" / "Nameless (1999).nfo").exists()
    tree = await _tree(api, got["job_id"])
    types = {j.type for j in Job.select().where(Job.id.in_(list(tree_ids([got["job_id"]]))))}
    assert {"batch.run", "batch.chunk", "publish.movie"} <= types and tree["done"]


async def test_enrich_and_identify_queue_the_items_jobs_under_the_batch(api, tmp_path):
    lib = _lib(tmp_path)
    known = _bulk_movies(lib.id, 3, tmdb_id=603)
    unknown = _bulk_movies(lib.id, 2, state="unidentified")
    got = await _batch(api, {"ids": known + unknown, "action": "enrich", "force": True})
    await drain(api)
    jobs = list(Job.select().where(Job.id.in_(list(tree_ids([got["job_id"]])))))
    enrich = [j for j in jobs if j.type == "enrich.movie"]
    assert len(enrich) == 5 and len([j for j in jobs if j.type.startswith("batch.")]) == 2
    assert {j.type for j in jobs} - {"batch.run", "batch.chunk", "enrich.movie"} <= {"cache.movie"}   # what follows
    chunk = next(j for j in jobs if j.type == "batch.chunk")
    assert all(j.parent_id == chunk.id for j in enrich) and all(j.payload.get("force") for j in enrich)
    got = await _batch(api, {"ids": known + unknown, "action": "identify"})
    assert got["items"] == 2 and got["refused_reasons"] == {"already identified": 3}
    await drain(api)
    subjects = {j.subject for j in Job.select().where(Job.id.in_(list(tree_ids([got["job_id"]]))))
                if j.type == "enrich.movie"}
    assert subjects == {f"movie:{i}" for i in unknown}
    err = await _batch(api, {"ids": known, "action": "identify"}, status=409)
    assert "already identified" in err["message"]


async def test_reject_artwork_rejects_the_chosen_image_and_takes_the_next(api, services, tmp_path):
    w = World(services, tmp_path)
    m = w.movie("Alpha", 1960)
    cf = w.art("movie", m.id, "poster", pattern=3)
    now = time.time()
    first = AssetCandidate.create(entity_type="movie", entity_id=m.id, slot="poster", provider="tmdb",
                                  url="https://image.tmdb.org/a.jpg", score=9, selected=True, selected_by="auto",
                                  cache_file_id=cf.id, created_at=now)
    second = AssetCandidate.create(entity_type="movie", entity_id=m.id, slot="poster", provider="tmdb",
                                   url="https://image.tmdb.org/b.jpg", score=5, cache_file_id=cf.id, created_at=now)
    locked = w.movie("Beta", 1961)
    md.set_lock(services.db, "movie", locked.id, "art:poster", True)
    got = await _batch(api, {"ids": [m.id, locked.id], "action": "reject_artwork", "slot": "poster"})
    for _ in range(200):   # the chunk has run (the artwork's download, queued after it, is not waited for)
        chunk = Job.get_or_none((Job.parent_id == got["job_id"]) & (Job.type == "batch.chunk"))
        if chunk is not None and chunk.status == "succeeded":
            break
        await asyncio.sleep(0.05)
    first, second = AssetCandidate.get_by_id(first.id), AssetCandidate.get_by_id(second.id)
    assert first.rejected and not first.selected and first.status_reason == "user_rejected"
    assert second.selected
    assert chunk.result["done"] == 1 and chunk.result["skipped"] == {"slot locked": 1}
    assert [j.subject for j in Job.select().where(Job.parent_id == chunk.id)] == [f"movie:{m.id}"]   # its cache job
    await api.post(f"/api/v1/jobs/{got['job_id']}/cancel")


async def test_mappings_rename_and_drop_at_enrichment_and_by_a_batch(api, services, tmp_path):
    r = await api.patch("/api/v1/settings", json={"enrich.genre_map": {"Sci-Fi": "Science Fiction",
                                                                       "held-out": None}})
    assert r.status == 200, await r.json()
    for bad, words in (({"enrich.genre_map": ["Sci-Fi"]}, "object of rules"),
                       ({"enrich.genre_map": {"": "x"}}, "not a name to map"),
                       ({"enrich.tag_map": {"a": 5}}, "must map to a name or to null")):
        r = await api.patch("/api/v1/settings", json=bad)
        assert r.status == 400 and words in (await r.json())["error"]["message"]
    lib = _lib(tmp_path)
    a, b, c = _bulk_movies(lib.id, 3)
    # at enrichment: a provider's genres are merged through the rules
    md.apply(services.db, "movie", a, md.Update("provider:tmdb", lists={"genres": ["sci-fi", "held-out", "Drama"]}))
    assert md.get_lists("movie", a)["genres"] == ["Science Fiction", "Drama"]
    # existing items, written before the rules: the batch maps them; a locked list stays
    await api.patch("/api/v1/settings", json={"enrich.genre_map": {}})
    for eid in (b, c):
        md.apply(services.db, "movie", eid, md.Update("provider:tmdb", lists={"genres": ["Sci-Fi", "held-out"]}))
    md.set_lock(services.db, "movie", c, "list:genres", True)
    await api.patch("/api/v1/settings", json={"enrich.genre_map": {"Sci-Fi": "Science Fiction", "held-out": None},
                                              "enrich.tag_map": {"x": "y"}})
    got = await _batch(api, {"filter": {"genre": "Sci-Fi"}, "action": "apply_mappings"})
    assert got["items"] == 2
    await drain(api)
    assert md.get_lists("movie", b)["genres"] == ["Science Fiction"]
    assert md.get_lists("movie", c)["genres"] == ["Sci-Fi", "held-out"]
    s = (await (await api.get("/api/v1/settings")).json())["data"]
    assert s["enrich.genre_map"] == {"Sci-Fi": "Science Fiction", "held-out": None}


async def test_cancelling_a_batch_cancels_what_has_not_run(api, tmp_path):
    lib = _lib(tmp_path)
    ids = _bulk_movies(lib.id, 4000)
    got = await _batch(api, {"ids": ids, "action": "set", "field": "tags", "add": ["later"]})
    jid = got["job_id"]
    for _ in range(100):   # the batch has fanned out into its chunks
        if (await _tree(api, jid))["total"] > 1:
            break
        await asyncio.sleep(0.05)
    r = await api.post(f"/api/v1/jobs/{jid}/cancel")
    body = await r.json()
    assert r.status == 200 and body["data"]["cancelled"] >= 1, body
    await drain(api)
    tree = await _tree(api, jid)
    assert tree["done"] and tree["by_status"].get("cancelled", 0) >= 1 and tree["total"] == 21
    tagged = FieldState.select().where((FieldState.field == "list:tags") & FieldState.locked).count()
    assert tagged < 4000 and tree["by_status"]["cancelled"] >= 10, (tagged, tree)   # most of it never ran
    r = await api.post(f"/api/v1/jobs/{jid}/cancel")   # finished: nothing left to cancel
    assert r.status == 409


async def test_a_10000_item_batch_is_one_tree_of_chunks(api, tmp_path):
    lib = _lib(tmp_path)
    ids = _bulk_movies(lib.id, 10_000)
    _bulk_movies(lib.id, 50, state="unidentified")   # not matched by the filter
    t0 = time.monotonic()
    got = await _batch(api, {"filter": {"state": "enriched"}, "action": "lock", "fields": ["title"]})
    assert time.monotonic() - t0 < 10 and got["items"] == 10_000
    await drain(api, timeout=300)
    jobs = list(Job.select(Job.id, Job.type, Job.parent_id, Job.status, Job.payload, Job.result)
                .where(Job.id.in_(list(tree_ids([got["job_id"]])))))
    root = next(j for j in jobs if j.id == got["job_id"])
    chunks = [j for j in jobs if j.type == "batch.chunk"]
    assert root.type == "batch.run" and root.result == {"items": 10_000, "chunks": 50, "action": "lock"}
    assert len(jobs) == 51 and len(chunks) == 50 and all(j.parent_id == root.id for j in chunks)
    assert all(len(j.payload["ids"]) == 200 and j.status == "succeeded" for j in chunks)
    assert sorted(i for j in chunks for i in j.payload["ids"]) == ids
    assert sum(j.result["done"] for j in chunks) == 10_000
    tree = await _tree(api, root.id)
    assert tree == {"root": root.id, "total": 51, "finished": 51, "by_status": {"succeeded": 51}, "progress": 1.0,
                    "done": True}
    assert FieldState.select().where((FieldState.field == "title") & FieldState.locked).count() == 10_000
