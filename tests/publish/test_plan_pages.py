"""A page of movies is read in one select per table (publishing/plan_inputs.py) and each movie is
planned from its share of the rows: every movie's plan is the one it gets published alone, whatever
its neighbours on the page (locks, missing art, collections, several files, a shared folder, files
published before, a stray NFO, another library's players)."""
import hashlib
import time
from pathlib import Path

from metarr import metadata as md
from metarr.db.media import (
    Album,
    Artist,
    ArtworkSlot,
    AssetCandidate,
    CastMember,
    Collection,
    Episode,
    LibraryFile,
    MediaFile,
    Movie,
    Season,
    Series,
)
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


def alone(data_dir, mid, kind="movie", **kw):
    try:
        return publish.make_plan(data_dir, kind, mid, **kw)
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


def tv_show(world, key, lib=None, seasons=((1, 2),), **kw):
    """A series with `seasons` ((number, episodes), …), one video per episode: (series, seasons, episodes)."""
    lib = lib or world.tv
    now = time.time()
    s = Series.create(library_id=lib.id, key=key, title=key.split(" (")[0], year=1990, tvdb_id=70000 + len(key),
                      date_added=1_700_000_000, created_at=now, updated_at=now, **kw)
    made, eps = [], []
    for number, count in seasons:
        made.append(Season.create(series_id=s.id, number=number, library_id=lib.id, date_added=now, created_at=now,
                                  updated_at=now))
        for n in range(1, count + 1):
            f = world.file(lib, f"{key}/Season {number:02d}/{key} - S{number:02d}E{n:02d}.mkv", entity=("series", s.id),
                           streams={"duration_s": 60.0, "video": [{"codec": "h264", "width": 160, "height": 120}]})
            eps.append(Episode.create(series_id=s.id, season=number, episode=n, title=f"Part {n}", file_id=f.id,
                                      library_id=lib.id, date_added=now, created_at=now, updated_at=now))
    return s, made, eps


def candidate(et, eid, slot, url, score, **kw):
    return AssetCandidate.create(entity_type=et, entity_id=eid, slot=slot, provider="tvdb", url=url, score=score,
                                 created_at=time.time(), **kw)


def varied_series(services, world):
    now = time.time()
    jelly = Library.create(name="JellyTV", kind="tv", path=str(world.root / "jellytv"), created_at=now, updated_at=now,
                           players=["jellyfin", "kodi"], auto_sync=False)
    (world.root / "jellytv").mkdir()
    db, out = services.db, {}
    s, season, eps = world.series()
    out["multi-episode file, art of every kind, cast photos, lists, candidates"] = s
    world.art("series", s.id, "poster")
    world.art("series", s.id, "fanart", 1280, 720, pattern=1)
    world.art("series", s.id, "fanart", 1280, 720, pattern=2, rank=1)
    world.art("season", season.id, "poster", pattern=3)
    world.art("episode", eps[0].id, "thumb", 320, 180, pattern=4)
    world.art("episode", eps[1].id, "thumb", 320, 180, pattern=5)
    Season.update(title="The First").where(Season.id == season.id).execute()
    md.apply(db, "series", s.id, md.Update("provider:tvdb", {}, {"genres": ["Crime", "Drama"], "studios": ["NBC"]},
                                           cast=(md.CastEntry("Ronald Howard", "Holmes", 0),
                                                 md.CastEntry("Howard Marion-Crawford", "Watson", 1)),
                                           ratings=(md.RatingEntry("tvdb", 7.1, 50, 10, True),
                                                    md.RatingEntry("imdb", 6.9, 900, 10, False))))
    photo = world.art("series", s.id, "clearlogo", 400, 155, fmt=".png", pattern=6)
    CastMember.update(cache_file_id=photo.id).where((CastMember.entity_type == "series") & (CastMember.entity_id == s.id)
                                                    & (CastMember.name == "Ronald Howard")).execute()
    for e in eps[1:]:
        md.apply(db, "episode", e.id, md.Update("provider:tvdb", {}, {"directors": [f"Director {e.episode}"]},
                                                cast=(md.CastEntry(f"Guest {e.episode}", "Client", 0),),
                                                ratings=(md.RatingEntry("tvdb", 6.0 + e.episode, 10, 10, True),)))
    candidate("series", s.id, "poster", "https://artworks.thetvdb.com/banners/p1.jpg", 9.0, selected=True)
    candidate("series", s.id, "fanart", "https://artworks.thetvdb.com/banners/f1.jpg", 8.0)
    candidate("series", s.id, "banner", "https://artworks.thetvdb.com/banners/b1.jpg", 7.0, rejected=True)
    candidate("season", season.id, "poster", "https://artworks.thetvdb.com/banners/s1.jpg", 5.0)
    b, b_seasons, b_eps = tv_show(world, "Bravo (1990)", seasons=((1, 3), (2, 2), (3, 1)))
    out["a deleted season and episode, an episode without a file, a stray episode NFO, published then changed"] = b
    world.art("series", b.id, "poster", pattern=7)
    logo = world.art("series", b.id, "clearlogo", 400, 155, fmt=".png", pattern=8)
    world.art("season", b_seasons[2].id, "poster", pattern=9)
    world.art("episode", b_eps[0].id, "thumb", 320, 180, pattern=10)
    candidate("season", b_seasons[2].id, "poster", "https://artworks.thetvdb.com/banners/s3.jpg", 4.0)
    publish.apply_plan(db, publish.make_plan(services.config.data_dir, "series", b.id), services.config.recycle_dir)
    Season.update(deleted_at=now).where(Season.id == b_seasons[2].id).execute()
    Episode.update(deleted_at=now).where(Episode.id == b_eps[5].id).execute()
    Episode.update(file_id=None).where(Episode.id == b_eps[4].id).execute()
    ArtworkSlot.delete().where(ArtworkSlot.cache_file_id == logo.id).execute()
    stray = f"{b.key}/Season 01/Bravo (1990) - S01E02.old.nfo"
    (Path(world.tv.path) / stray).write_text("<episodedetails><title>old</title></episodedetails>")
    world.file(world.tv, stray, kind="nfo", entity=("episode", b_eps[1].id))
    nfo = Path(world.tv.path) / b.key / "tvshow.nfo"
    nfo.write_text(nfo.read_text() + "<!-- the user's -->")
    out["no episodes"] = tv_show(world, "Charlie (1991)", seasons=())[0]
    u = out["unidentified"] = tv_show(world, "Delta (1992)")[0]
    Series.update(tvdb_id=None, identify_reason="no_match").where(Series.id == u.id).execute()
    g = out["deleted"] = tv_show(world, "Echo (1993)")[0]
    Series.update(deleted_at=now).where(Series.id == g.id).execute()
    j, j_seasons, _ = tv_show(world, "Foxtrot (1994)", lib=jelly, seasons=((0, 1), (1, 2)), episode_order="dvd")
    out["another library, jellyfin and kodi, specials, dvd order"] = j
    world.art("series", j.id, "poster", pattern=11)
    world.art("season", j_seasons[0].id, "poster", pattern=12)
    return out


def test_a_page_of_varied_series_plans_each_as_it_is_published_alone(services, world):
    shows = varied_series(services, world)
    data_dir = services.config.data_dir
    ids = [s.id for s in shows.values()] + [999_999]
    for kw in ({}, {"with_actors": False, "fanart_count": 2}, {"allow_unidentified": True}):
        page = dict(publish.make_plans(data_dir, "series", ids, **kw))
        assert list(page) == ids
        for name, s in shows.items():
            assert fingerprint(page[s.id]) == fingerprint(alone(data_dir, s.id, kind="series", **kw)), (name, kw)
        backwards = dict(publish.make_plans(data_dir, "series", ids[::-1], **kw))
        assert all(fingerprint(backwards[i]) == fingerprint(page[i]) for i in ids), kw

    page = dict(publish.make_plans(data_dir, "series", ids, fanart_count=2))
    names = {name: page[s.id] for name, s in shows.items()}
    assert isinstance(names["unidentified"], publish_errors().Unidentified)
    assert isinstance(names["deleted"], publish_errors().Gone) and isinstance(page[999_999], publish_errors().Gone)

    def nfo(plan, rel):
        (d,) = [a.desired for a in plan.actions if a.rel == rel]
        return d.data.decode()
    sherlock = names["multi-episode file, art of every kind, cast photos, lists, candidates"]
    rels = [a.rel for a in sherlock.actions]
    show = "Sherlock Holmes (1954)"
    assert {f"{show}/poster.jpg", f"{show}/fanart.jpg", f"{show}/fanart1.jpg", f"{show}/season01-poster.jpg",
            f"{show}/.actors/Ronald_Howard.png", f"{show}/Season 01/Sherlock Holmes - S01E01-thumb.jpg",
            f"{show}/Season 01/Sherlock Holmes - S01E02E03-thumb.jpg"} <= set(rels), rels
    tvshow = nfo(sherlock, f"{show}/tvshow.nfo")
    for text in ("<genre>Crime</genre>", "<studio>NBC</studio>", "<name>Ronald Howard</name>", "Ronald_Howard.png",
                 "banners/p1.jpg", "banners/s1.jpg", '<namedseason number="1">The First</namedseason>'):
        assert text in tvshow, text
    assert "banners/b1.jpg" not in tvshow   # rejected
    multi = nfo(sherlock, f"{show}/Season 01/Sherlock Holmes - S01E02E03.nfo")
    assert multi.index("<director>Director 2</director>") < multi.index("<director>Director 3</director>")
    assert "<name>Guest 3</name>" in multi
    bravo = {a.rel: a.op for a in
             names["a deleted season and episode, an episode without a file, a stray episode NFO, published then changed"].actions}
    assert bravo["Bravo (1990)/tvshow.nfo"] == "recycle_replace" and bravo["Bravo (1990)/clearlogo.png"] == "remove"
    assert bravo["Bravo (1990)/season03-poster.jpg"] == "remove"   # its season was deleted
    assert bravo["Bravo (1990)/Season 03/Bravo (1990) - S03E01.nfo"] == "remove"
    assert bravo["Bravo (1990)/Season 02/Bravo (1990) - S02E02.nfo"] == "remove"   # no file any more
    assert bravo["Bravo (1990)/Season 01/Bravo (1990) - S01E02.old.nfo"] == "remove"
    assert bravo["Bravo (1990)/Season 01/Bravo (1990) - S01E01-thumb.jpg"] == "keep"
    foxtrot = names["another library, jellyfin and kodi, specials, dvd order"]
    assert "Foxtrot (1994)/season-specials-poster.jpg" in [a.rel for a in foxtrot.actions]
    assert "<displayorder>dvd</displayorder>" in nfo(foxtrot, "Foxtrot (1994)/tvshow.nfo")
    assert [a.rel for a in names["no episodes"].actions] == ["Charlie (1991)/tvshow.nfo"]


def varied_music(services, world):
    """Artists with albums, and albums on their own: (artists by case, albums by case)."""
    now = time.time()
    music = Library.create(name="Music", kind="music", path=str(world.root / "music"), created_at=now, updated_at=now,
                           auto_sync=False)
    root = Path(music.path)

    def artist(name, **kw):
        (root / name).mkdir(parents=True)
        return Artist.create(library_id=music.id, key=name, name=name, musicbrainz_id=f"mb-{name}", date_added=now,
                             created_at=now, updated_at=now, **kw)

    def album(a, title, **kw):
        (root / a.key / title).mkdir()
        return Album.create(library_id=music.id, artist_id=a.id, key=f"{a.key}/{title}", title=title, year=1970,
                            musicbrainz_id=f"rg-{title}", date_added=now, created_at=now, updated_at=now, **kw)
    db, artists, albums = services.db, {}, {}
    a = artists["art, lists, albums with art and lists, a deleted album"] = artist("Alpha Band")
    world.art("artist", a.id, "thumb", pattern=20)
    world.art("artist", a.id, "fanart", 1280, 720, pattern=21)
    world.art("artist", a.id, "fanart", 1280, 720, pattern=22, rank=1)   # artists publish one backdrop
    md.apply(db, "artist", a.id, md.Update("provider:musicbrainz", {}, {"genres": ["Rock", "Blues"], "moods": ["Loud"]}))
    first = albums["art and lists"] = album(a, "First")
    world.art("album", first.id, "thumb", 500, 500, pattern=23)
    world.art("album", first.id, "discart", 500, 500, fmt=".png", pattern=24)
    md.apply(db, "album", first.id, md.Update("provider:musicbrainz", {}, {"styles": ["Garage"]}))
    album(a, "Second")
    gone = album(a, "Gone")
    Album.update(deleted_at=now).where(Album.id == gone.id).execute()
    b = artists["published, then an album deleted and a slot cleared; a stray album NFO"] = artist("Bravo Trio")
    logo = world.art("artist", b.id, "clearlogo", 400, 155, fmt=".png", pattern=25)
    b1, b2 = album(b, "One"), album(b, "Two")
    world.art("album", b2.id, "thumb", 500, 500, pattern=26)
    publish.apply_plan(db, publish.make_plan(services.config.data_dir, "artist", b.id), services.config.recycle_dir)
    Album.update(deleted_at=now).where(Album.id == b2.id).execute()
    ArtworkSlot.delete().where(ArtworkSlot.cache_file_id == logo.id).execute()
    (root / b1.key / "One.nfo").write_text("<album><title>old</title></album>")
    world.file(music, f"{b1.key}/One.nfo", kind="nfo", entity=("album", b1.id))
    albums["published with its artist, a stray NFO"] = b1
    artists["no albums"] = artist("Charlie Solo")
    u = artists["unidentified"] = artist("Delta")
    Artist.update(musicbrainz_id=None, identify_reason="no_match").where(Artist.id == u.id).execute()
    albums["its artist deleted"] = orphan = album(artist("Echo"), "Left")
    Artist.update(deleted_at=now).where(Artist.id == orphan.artist_id).execute()
    albums["of an unidentified artist"] = album(u, "Lone")
    return artists, albums


def test_a_page_of_varied_artists_or_albums_plans_each_as_it_is_published_alone(services, world):
    artists, albums = varied_music(services, world)
    data_dir = services.config.data_dir
    for kind, items in (("artist", artists), ("album", albums)):
        ids = [x.id for x in items.values()] + [999_999]
        for kw in ({}, {"fanart_count": 2}, {"allow_unidentified": True}):
            page = dict(publish.make_plans(data_dir, kind, ids, **kw))
            assert list(page) == ids
            for name, x in items.items():
                assert fingerprint(page[x.id]) == fingerprint(alone(data_dir, x.id, kind=kind, **kw)), (name, kw)
            backwards = dict(publish.make_plans(data_dir, kind, ids[::-1], **kw))
            assert all(fingerprint(backwards[i]) == fingerprint(page[i]) for i in ids), kw

    page = dict(publish.make_plans(data_dir, "artist", [x.id for x in artists.values()], fanart_count=2))
    named = {name: page[x.id] for name, x in artists.items()}
    assert isinstance(named["unidentified"], publish_errors().Unidentified)
    alpha = {a.rel: a for a in named["art, lists, albums with art and lists, a deleted album"].actions}
    assert sorted(alpha) == [   # one backdrop: artists have no extra fanart names
        "Alpha Band/First/album.nfo", "Alpha Band/First/discart.png", "Alpha Band/First/folder.jpg",
        "Alpha Band/Second/album.nfo", "Alpha Band/artist.nfo", "Alpha Band/fanart.jpg", "Alpha Band/folder.jpg"], sorted(alpha)
    artist_nfo = alpha["Alpha Band/artist.nfo"].desired.data.decode()
    assert artist_nfo.index("<genre>Rock</genre>") < artist_nfo.index("<genre>Blues</genre>") and "<mood>Loud</mood>" in artist_nfo
    assert "<style>Garage</style>" in alpha["Alpha Band/First/album.nfo"].desired.data.decode()
    bravo = {a.rel: a.op for a in named["published, then an album deleted and a slot cleared; a stray album NFO"].actions}
    assert bravo["Bravo Trio/clearlogo.png"] == "remove" and bravo["Bravo Trio/Two/folder.jpg"] == "remove"
    assert bravo["Bravo Trio/Two/album.nfo"] == "remove" and bravo["Bravo Trio/One/One.nfo"] == "remove"
    assert bravo["Bravo Trio/One/album.nfo"] == "keep"
    assert [a.rel for a in named["no albums"].actions] == ["Charlie Solo/artist.nfo"]
    solo = dict(publish.make_plans(data_dir, "album", [x.id for x in albums.values()]))
    assert isinstance(solo[albums["its artist deleted"].id], publish_errors().Gone)
    # an album on its own writes its folder only, with its artist's name in its NFO
    (nfo,) = [a for a in solo[albums["of an unidentified artist"].id].actions]
    assert nfo.rel == "Delta/Lone/album.nfo" and "<artistdesc>Delta</artistdesc>" in nfo.desired.data.decode()
    assert {a.rel: a.op for a in solo[albums["published with its artist, a stray NFO"].id].actions} == {
        "Bravo Trio/One/album.nfo": "keep", "Bravo Trio/One/One.nfo": "remove"}
