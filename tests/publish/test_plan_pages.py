"""A page of movies is read in one select per table (publishing/plan_inputs.py) and each movie is
planned from its share of the rows: every movie's plan is the one it gets published alone, whatever
its neighbours on the page (locks, missing art, collections, several files, a shared folder, files
published before, a stray NFO, another library's players)."""
import hashlib
import time
from pathlib import Path

from metarr import metadata as md
from metarr.db.media import CastMember, Collection, LibraryFile, MediaFile, Movie
from metarr.db.models import Library
from metarr.publishing import publish
from web.demo.media import make_clip


def fingerprint(got) -> object:
    """Everything a plan decides: each action with the bytes it would write, the NFO diffs, the
    published files it knows; or the refusal."""
    if not isinstance(got, publish.Plan):
        return f"{type(got).__name__}: {got}"
    return (got.library_id, got.root, sorted(got.nfo_diffs.items()), sorted(got.recorded.items()),
            [(a.op, a.rel, a.reason, None if a.desired is None else
              (a.desired.kind, a.desired.entity_id, a.desired.slot, a.desired.sha256, a.desired.link_to,
               a.desired.cache_file_id, hashlib.sha256(a.desired.data or b"").hexdigest())) for a in got.actions])


def alone(data_dir, mid, **kw):
    try:
        return publish.make_plan(data_dir, "movie", mid, **kw)
    except publish.PublishError as e:
        return e


def varied_movies(services, world):
    now = time.time()
    jelly = Library.create(name="Jelly", kind="movie", path=str(world.root / "jelly"), created_at=now, updated_at=now,
                           players=["jellyfin"], auto_sync=False)
    (world.root / "jelly").mkdir()
    saga = Collection.create(tmdb_id=8091, name="The Saga", overview="All of it.", created_at=now, updated_at=now)
    out = {}
    a = out["collection, cast photos, backdrops"] = world.movie("Alpha", 1990)
    world.art("movie", a.id, "poster")
    world.art("movie", a.id, "fanart", 1280, 720, pattern=1)
    world.art("movie", a.id, "fanart", 1280, 720, pattern=2, rank=1)
    cf = world.art("movie", a.id, "clearlogo", 400, 155, fmt=".png")
    CastMember.update(cache_file_id=cf.id).where((CastMember.entity_id == a.id) & (CastMember.entity_type == "movie")).execute()
    Movie.update(collection_id=saga.id).where(Movie.id == a.id).execute()
    b = out["collection, set named by hand"] = world.movie("Beta", 1991)
    Movie.update(collection_id=saga.id).where(Movie.id == b.id).execute()
    md.apply(services.db, "movie", b.id, md.Update("user", {"set_name": "Mine"}, lock=True))
    c = out["locked title, no art"] = world.movie("Gamma", 1992)
    md.apply(services.db, "movie", c.id, md.Update("user", {"title": "Gamma, locked"}, lock=True))
    md.apply(services.db, "movie", c.id, md.Update("provider:tmdb", {"title": "Gamma (provider)"}))
    f = out["two parts"] = world.movie("Phi", 1994, video="Phi (1994) cd1.mkv")
    world.file(world.movies, "Phi (1994)/Phi (1994) cd2.mkv", entity=("movie", f.id))
    world.art("movie", f.id, "poster", pattern=4)
    out["unidentified"] = u = world.movie("Eta", 1995)
    Movie.update(tmdb_id=None, imdb_id=None, identify_reason="no_match").where(Movie.id == u.id).execute()
    out["deleted"] = gone = world.movie("Iota", 1996)
    Movie.update(deleted_at=now).where(Movie.id == gone.id).execute()
    out["no video file"] = Movie.create(library_id=world.movies.id, key="Nada/x.mkv", folder="Nada", title="Nada",
                                        tmdb_id=5, date_added=now, created_at=now, updated_at=now)
    j = out["published, then a slot cleared and the NFO edited"] = world.movie("Jay", 1997)
    world.art("movie", j.id, "poster", pattern=5)
    logo = world.art("movie", j.id, "clearlogo", 400, 155, fmt=".png", pattern=6)
    k = out["a stray movie.nfo"] = world.movie("Kay", 1998)
    stray = Path(world.movies.path) / k.folder / "movie.nfo"
    stray.write_text("<movie><title>old</title></movie>")
    world.file(world.movies, f"{k.folder}/movie.nfo", kind="nfo", entity=("movie", k.id))
    out["at the library root"] = r = world.movie("Root", 1999, folder="")
    world.art("movie", r.id, "poster", pattern=7)

    def jelly_movie(title, folder, video, **kw):
        now = time.time()
        m = Movie.create(library_id=jelly.id, key=f"{folder}/{video}", folder=folder, title=title, tmdb_id=77,
                         date_added=now, created_at=now, updated_at=now, **kw)
        make_clip(world.root / "jelly" / m.key)
        MediaFile.create(library_id=jelly.id, path=m.key, size=(world.root / "jelly" / m.key).stat().st_size,
                         kind="video", entity_type="movie", entity_id=m.id, first_seen=now, updated_at=now)
        world.art("movie", m.id, "poster", pattern=m.id)
        return m
    out["another library, jellyfin"] = jelly_movie("Jelly", "Jelly (2000)", "Jelly (2000).mkv", collection_id=saga.id)
    for name in ("One", "Two"):   # Jellyfin reads bare names (poster.jpg) in a film's own folder only
        out[f"shared folder {name}"] = jelly_movie(f"Delta {name}", "Shared", f"Delta {name}.mkv")
    data_dir = services.config.data_dir
    for m in (j, a):
        publish.apply_plan(services.db, publish.make_plan(data_dir, "movie", m.id), services.config.recycle_dir)
    from metarr.db.media import ArtworkSlot
    ArtworkSlot.delete().where(ArtworkSlot.cache_file_id == logo.id).execute()
    nfo = Path(world.movies.path) / j.folder / f"{j.folder}.nfo"
    nfo.write_text(nfo.read_text() + "<!-- the user's -->")
    return out


def test_a_page_of_varied_movies_plans_each_as_it_is_published_alone(services, world):
    movies = varied_movies(services, world)
    data_dir = services.config.data_dir
    ids = [m.id for m in movies.values()] + [999_999]
    for kw in ({}, {"with_actors": False, "fanart_count": 2}, {"allow_unidentified": True}):
        page = dict(publish.make_plans(data_dir, "movie", ids, **kw))
        assert list(page) == ids
        for name, m in movies.items():
            assert fingerprint(page[m.id]) == fingerprint(alone(data_dir, m.id, **kw)), (name, kw)
        # and backwards, so that no movie's plan depends on what came before it on the page
        backwards = dict(publish.make_plans(data_dir, "movie", ids[::-1], **kw))
        assert all(fingerprint(backwards[i]) == fingerprint(page[i]) for i in ids), kw

    page = dict(publish.make_plans(data_dir, "movie", ids))
    names = {name: page[m.id] for name, m in movies.items()}
    assert isinstance(names["unidentified"], publish_errors().Unidentified)
    assert isinstance(names["deleted"], publish_errors().Gone) and isinstance(page[999_999], publish_errors().Gone)
    assert "no video file" in str(names["no video file"])

    def nfo_of(plan):
        (d,) = [a.desired for a in plan.actions if a.desired is not None and a.desired.kind == "nfo"]
        return d.data.decode()
    assert "<name>The Saga</name>" in nfo_of(names["collection, cast photos, backdrops"])
    assert "<name>Mine</name>" in nfo_of(names["collection, set named by hand"])
    # the same collection in a library Jellyfin reads carries its TMDB id; Kodi's does not
    assert 'tmdbcolid="8091"' in nfo_of(names["another library, jellyfin"])
    assert "tmdbcolid" not in nfo_of(names["collection, cast photos, backdrops"])
    assert "<title>Gamma, locked</title>" in nfo_of(names["locked title, no art"])
    assert [a.rel for a in names["locked title, no art"].actions] == ["Gamma (1992)/Gamma (1992).nfo"]
    alpha = names["collection, cast photos, backdrops"]
    assert {a.rel for a in alpha.actions} >= {"Alpha (1990)/.actors/Duane_Jones.png", "Alpha (1990)/Alpha (1990)-fanart.jpg"}
    assert all(a.op == "keep" for a in alpha.actions)   # published just before, unchanged
    # two films in one folder: their art is named after each video, never the folder's bare names
    assert "Jelly (2000)/poster.jpg" in [a.rel for a in names["another library, jellyfin"].actions]
    for name in ("One", "Two"):
        rels = [a.rel for a in names[f"shared folder {name}"].actions]
        assert f"Shared/Delta {name}-poster.jpg" in rels and "Shared/poster.jpg" not in rels, rels
    # two parts of one film: named after the film, without the part marker
    assert [a.rel for a in names["two parts"].actions] == ["Phi (1994)/Phi (1994)-poster.jpg", "Phi (1994)/Phi (1994).nfo"]
    jay = {a.rel: a.op for a in names["published, then a slot cleared and the NFO edited"].actions}
    assert jay["Jay (1997)/Jay (1997).nfo"] == "recycle_replace" and jay["Jay (1997)/Jay (1997)-clearlogo.png"] == "remove"
    assert ("remove", "Kay (1998)/movie.nfo") in [(a.op, a.rel) for a in names["a stray movie.nfo"].actions]
    assert LibraryFile.select().count() > 0


def publish_errors():
    from metarr.publishing import desired
    return desired
