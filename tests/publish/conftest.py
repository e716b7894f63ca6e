"""Entities as a scan + enrichment would leave them, built directly for publishing tests."""
import time

import pytest

from metarr import metadata as md
from metarr.assets import cache
from metarr.db.media import ArtworkSlot, Episode, MediaFile, Movie, Season, Series
from metarr.db.models import Library
from web.demo.media import make_clip, make_image


class World:
    def __init__(self, services, root):
        self.s = services
        self.root = root
        self.store = cache.open_store(services.config.data_dir)
        now = time.time()
        self.movies = Library.create(name="Movies", kind="movie", path=str(root / "movies"), created_at=now,
                                     updated_at=now, auto_sync=False)
        self.tv = Library.create(name="TV", kind="tv", path=str(root / "tv"), created_at=now, updated_at=now,
                                 auto_sync=False)

    def file(self, lib, rel, kind="video", entity=None, streams=None):
        path = lib_path(lib) / rel
        if kind == "video":
            make_clip(path)
        st = path.stat()
        return MediaFile.create(library_id=lib.id, path=rel, size=st.st_size, mtime_ns=st.st_mtime_ns, inode=st.st_ino,
                                kind=kind, entity_type=entity[0] if entity else None,
                                entity_id=entity[1] if entity else None, streams=streams, first_seen=time.time(),
                                updated_at=time.time())

    def art(self, entity_type, entity_id, slot, w=400, h=600, pattern=0, season=None, fmt=".jpg", rank=0):
        img = make_image(self.root / "src" / f"{entity_type}{entity_id}{slot}{rank}{pattern}{fmt}", w, h,
                         pattern=pattern + 7 * rank)
        cf = cache.ingest_local(self.s.db, self.store, self.s.config.data_dir, img)
        ArtworkSlot.delete().where((ArtworkSlot.entity_type == entity_type) & (ArtworkSlot.entity_id == entity_id)
                                   & (ArtworkSlot.slot == slot) & (ArtworkSlot.season == season)
                                   & (ArtworkSlot.rank == rank)).execute()
        ArtworkSlot.create(entity_type=entity_type, entity_id=entity_id, slot=slot, season=season, rank=rank,
                           cache_file_id=cf.id, source="provider:tmdb", updated_at=time.time())
        return cf

    def movie(self, title="Night of the Living Dead", year=1968, folder=None, video=None):
        folder = folder or f"{title} ({year})"
        video = video or f"{folder}.mkv"
        now = time.time()
        m = Movie.create(library_id=self.movies.id, key=f"{folder}/{video}", folder=folder, title=title, year=year,
                         date_added=1_700_000_000, created_at=now, updated_at=now, tmdb_id=10331, imdb_id="tt0063350",
                         plot="Ghouls attack.")
        md.apply(self.s.db, "movie", m.id, md.Update("provider:tmdb", {}, {"genres": ["Horror"]},
                                                    cast=(md.CastEntry("Duane Jones", "Ben", 0),),
                                                    ratings=(md.RatingEntry("themoviedb", 7.5, 1200, 10, True),)))
        self.file(self.movies, f"{folder}/{video}", entity=("movie", m.id),
                  streams={"duration_s": 1.0, "video": [{"codec": "h264", "width": 160, "height": 120, "aspect": "1.33"}],
                           "audio": [{"codec": "aac", "channels": 1, "language": "eng"}], "subtitles": []})
        return Movie.get_by_id(m.id)

    def series(self):
        now = time.time()
        s = Series.create(library_id=self.tv.id, key="Sherlock Holmes (1954)", title="Sherlock Holmes", year=1954,
                          tvdb_id=75597, date_added=now, created_at=now, updated_at=now)
        season = Season.create(series_id=s.id, number=1, library_id=self.tv.id, date_added=now, created_at=now,
                               updated_at=now)
        f1 = self.file(self.tv, "Sherlock Holmes (1954)/Season 01/Sherlock Holmes - S01E01.mkv", entity=("series", s.id))
        f2 = self.file(self.tv, "Sherlock Holmes (1954)/Season 01/Sherlock Holmes - S01E02E03.mkv",
                       entity=("series", s.id))
        eps = []
        for n, f, part in ((1, f1, 0), (2, f2, 0), (3, f2, 1)):
            eps.append(Episode.create(series_id=s.id, season=1, episode=n, title=f"Case {n}", file_id=f.id, part=part,
                                      library_id=self.tv.id, date_added=now, created_at=now, updated_at=now))
        return s, season, eps


def lib_path(lib):
    from pathlib import Path
    return Path(lib.path)


@pytest.fixture
def world(services, tmp_path):
    (tmp_path / "movies").mkdir()
    (tmp_path / "tv").mkdir()
    return World(services, tmp_path)
