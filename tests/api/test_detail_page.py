"""GET /api/v1/movies/{id} of a movie with everything (artwork, cast with a photo, streams, locks,
ratings, candidates, a collection): every field as a user sees it, read in one statement
(metarr/library/detail_query.py), on SQLite and PostgreSQL (METARR_TEST_DATABASE_URL)."""
from __future__ import annotations

from metarr.db.database import write_tx
from metarr.db.media import (
    ArtworkSlot,
    AssetCandidate,
    CacheFile,
    CastMember,
    Collection,
    EntityList,
    FieldState,
    MediaFile,
    Movie,
    Rating,
)
from metarr.db.models import Library
from web.keys import bridge_key

NOW = 1_700_000_000.25


def _cache(sha: str, w: int, h: int) -> int:
    return CacheFile.create(sha256=sha * 64, path=f"assets/{sha}", size=10, mime="image/jpeg", width=w, height=h,
                            origin="provider", created_at=NOW).id


def _seed(db) -> tuple[int, int]:
    with write_tx(db):
        lib = Library.create(name="Films", kind="movie", path="/nowhere/films", enabled=False, watch=False,
                             created_at=NOW, updated_at=NOW).id
        coll = Collection.create(tmdb_id=10, name="Alien Collection", created_at=NOW, updated_at=NOW).id
        m = Movie.create(library_id=lib, key="Alien (1979)/Alien.mkv", folder="Alien (1979)", title="Alien",
                         sort_title="Alien 1", year=1979, plot="In space…", runtime=117, tmdb_id=348,
                         imdb_id="tt0078748", state="published", collection_id=coll, date_added=NOW,
                         created_at=NOW, updated_at=NOW, enriched_at=NOW + 1, published_at=NOW + 2,
                         candidates=[{"tmdb_id": 348, "title": "Alien"}])
        other = Movie.create(library_id=lib, key="Other/o.mkv", folder="Other", title="Other", state="identified",
                             date_added=NOW, created_at=NOW, updated_at=NOW).id
        # written out of order: the page orders them
        for name, value, pos in (("genres", "Science Fiction", 1), ("genres", "Horror", 0), ("studios", "Brandywine", 0)):
            EntityList.create(entity_type="movie", entity_id=m.id, name=name, value=value, position=pos)
        EntityList.create(entity_type="movie", entity_id=other, name="genres", value="Drama", position=0)
        EntityList.create(entity_type="series", entity_id=m.id, name="genres", value="Not mine", position=0)
        photo = _cache("a", 300, 450)
        CastMember.create(entity_type="movie", entity_id=m.id, name="Tom Skerritt", role="Dallas", position=1)
        CastMember.create(entity_type="movie", entity_id=m.id, name="Sigourney Weaver", role="Ripley", position=0,
                          thumb_url="https://img/sw.jpg", cache_file_id=photo)
        Rating.create(entity_type="movie", entity_id=m.id, source="imdb", value=8.5, votes=900000, max=10,
                      is_default=False)
        Rating.create(entity_type="movie", entity_id=m.id, source="tmdb", value=8.0, votes=14000, max=10,
                      is_default=True)
        FieldState.create(entity_type="movie", entity_id=m.id, field="title", source="user", locked=True,
                          updated_at=NOW)
        FieldState.create(entity_type="movie", entity_id=m.id, field="plot", source="provider:tmdb", locked=False,
                          origin="en", updated_at=NOW)
        FieldState.create(entity_type="movie", entity_id=m.id, field="content_rating", source="provider:tmdb",
                          locked=False, origin="US", updated_at=NOW)
        poster, fan1, fan2 = _cache("b", 1000, 1500), _cache("c", 1920, 1080), _cache("d", 3840, 2160)
        for slot, rank, cf in (("fanart", 1, fan2), ("poster", 0, poster), ("fanart", 0, fan1)):
            ArtworkSlot.create(entity_type="movie", entity_id=m.id, slot=slot, rank=rank, cache_file_id=cf,
                               source="provider:tmdb", updated_at=NOW)
        MediaFile.create(library_id=lib, path="Alien (1979)/Alien.mkv", size=7_000_000_000, kind="video",
                         entity_type="movie", entity_id=m.id, first_seen=NOW, updated_at=NOW,
                         streams={"video": [{"codec": "hevc", "width": 3840, "height": 2160}],
                                  "audio": [{"codec": "truehd", "channels": 8, "language": "eng"}]})
        MediaFile.create(library_id=lib, path="Alien (1979)/Alien.en.srt", size=90_000, kind="subtitle", role="en",
                         entity_type="movie", entity_id=m.id, first_seen=NOW, updated_at=NOW)
        MediaFile.create(library_id=lib, path="Alien (1979)/old.nfo", size=1, kind="nfo", entity_type="movie",
                         entity_id=m.id, first_seen=NOW, updated_at=NOW, deleted_at=NOW)
        AssetCandidate.create(entity_type="movie", entity_id=m.id, slot="poster", provider="tmdb", url="https://img/p1",
                              width=1000, height=1500, language="en", votes=12, likes=0, score=0.9,
                              breakdown={"votes": 0.5}, selected=True, selected_by="auto", cache_file_id=poster,
                              created_at=NOW)
        AssetCandidate.create(entity_type="movie", entity_id=m.id, slot="poster", provider="fanart", url="https://img/p2",
                              score=0.4, rejected=True, created_at=NOW)
    return m.id, other


async def test_the_page_of_a_movie_with_everything(api, services):
    mid, other = await api.app[bridge_key].run(_seed, services.db)
    r = await api.get(f"/api/v1/movies/{mid}")
    assert r.status == 200
    d = (await r.json())["data"]
    sha = {k: k * 64 for k in "abcd"}
    assert d["poster"] == f"/api/v1/assets/{sha['b']}"
    assert (d["title"], d["sort_title"], d["year"], d["runtime"], d["plot"]) == ("Alien", "Alien 1", 1979, 117, "In space…")
    assert d["genres"] == ["Horror", "Science Fiction"] and d["studios"] == ["Brandywine"] and d["tags"] == []
    assert d["cast"] == [
        {"name": "Sigourney Weaver", "role": "Ripley", "order": 0, "thumb": "https://img/sw.jpg",
         "photo": f"/api/v1/assets/{sha['a']}"},
        {"name": "Tom Skerritt", "role": "Dallas", "order": 1, "thumb": None, "photo": None}]
    assert d["ratings"] == [{"source": "tmdb", "value": 8.0, "votes": 14000, "max": 10.0, "default": True},
                            {"source": "imdb", "value": 8.5, "votes": 900000, "max": 10.0, "default": False}]
    assert isinstance(d["ratings"][0]["value"], float)
    assert d["locks"] == {"title": {"source": "user", "locked": True},
                          "plot": {"source": "provider:tmdb", "locked": False, "language": "en"},
                          "content_rating": {"source": "provider:tmdb", "locked": False, "country": "US"}}
    art = {"source": "provider:tmdb", "season": None}
    assert d["assets"] == {
        "fanart": {"sha256": sha["c"], "url": f"/api/v1/assets/{sha['c']}", "width": 1920, "height": 1080, "rank": 0, **art},
        "poster": {"sha256": sha["b"], "url": f"/api/v1/assets/{sha['b']}", "width": 1000, "height": 1500, "rank": 0, **art},
        "fanart_all": [
            {"sha256": sha["c"], "url": f"/api/v1/assets/{sha['c']}", "width": 1920, "height": 1080, "rank": 0, **art},
            {"sha256": sha["d"], "url": f"/api/v1/assets/{sha['d']}", "width": 3840, "height": 2160, "rank": 1, **art}]}
    assert [(f["path"], f["kind"], f["role"], f["size"]) for f in d["files"]] == [
        ("Alien (1979)/Alien.en.srt", "subtitle", "en", 90_000), ("Alien (1979)/Alien.mkv", "video", None, 7_000_000_000)]
    assert d["files"][1]["streams"] == {"video": [{"codec": "hevc", "width": 3840, "height": 2160}],
                                        "audio": [{"codec": "truehd", "channels": 8, "language": "eng"}]}
    assert d["files"][0]["streams"] is None and d["files"][1]["probe_error"] is None
    assert [(c["provider"], c["selected"], c["rejected"], c["cached"], c["reason"], c["breakdown"])
            for c in d["candidates"]] == [("tmdb", True, False, True, None, {"votes": 0.5}),
                                          ("fanart", False, True, False, "user_rejected", None)]
    assert d["candidates"][0]["score"] == 0.9 and d["candidates"][0]["width"] == 1000
    assert d["identify_candidates"] == [{"tmdb_id": 348, "title": "Alien"}]
    assert d["collection"]["name"] == "Alien Collection" and d["collection"]["tmdb_id"] == 10
    assert d["date_added"].startswith("2023-11-14T22:13:20") and d["deleted_at"] is None
    assert d["enriched_at"] and d["published_at"]
    # another movie's page holds none of it
    o = (await (await api.get(f"/api/v1/movies/{other}")).json())["data"]
    assert (o["genres"], o["cast"], o["ratings"], o["locks"], o["assets"], o["files"], o["candidates"],
            o["collection"], o["poster"]) == (["Drama"], [], [], {}, {}, [], [], None, None)
    assert (await api.get("/api/v1/movies/987654")).status == 404


async def test_the_lists_show_the_same_poster_as_the_page(api, services):
    """A list's `poster` (on PostgreSQL read with the page's rows, in the same statement): the main
    poster's, by offset, by cursor and in a search; none for a movie without one."""
    mid, other = await api.app[bridge_key].run(_seed, services.db)
    want = {mid: "/api/v1/assets/" + "b" * 64, other: None}
    for path in ("/api/v1/movies?sort=title", "/api/v1/movies?sort=-added&limit=1", "/api/v1/movies?q=alien",
                 "/api/v1/movies?q=ali&sort=-year"):
        body = await (await api.get(path)).json()
        got = {m["id"]: m["poster"] for m in body["data"]}
        assert got and all(want[i] == p for i, p in got.items()), (path, got)
        if body["meta"]["next_cursor"]:
            nxt = await (await api.get(f"{path}&after={body['meta']['next_cursor']}")).json()
            assert {m["id"]: m["poster"] for m in nxt["data"]} == {i: want[i] for i in want if i not in got}
    assert (await (await api.get("/api/v1/movies?q=alien")).json())["meta"]["total"] == 1
