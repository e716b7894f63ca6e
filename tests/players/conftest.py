"""Player emulators and a small world of libraries, movies and players for the sync tests."""
from __future__ import annotations

import time

import pytest

from metarr.db.database import connection
from metarr.db.integrations import PathMapping, Player, PlayerGroup
from metarr.db.media import Movie, Series
from metarr.db.models import Library
from metarr.jobs import store
from metarr.service import settings
from tests.conftest import wait_for
from web.demo.emulation.players import PlayerEmulators

MOVIES_ROOT = "/data/movies"
TV_ROOT = "/data/tv"
MUSIC_ROOT = "/data/music"
KODI_MOVIES = "smb://nas/movies"        # what Kodi (group mapping) sees
JF_MOVIES = "/media/movies"             # what Jellyfin / Plex see


@pytest.fixture
def emu():
    with PlayerEmulators() as e:
        yield e


class World:
    def __init__(self, services, emu):
        self.s = services
        self.emu = emu
        now = time.time()
        with connection(services.db):
            self.movies = Library.create(name="Movies", kind="movie", path=MOVIES_ROOT, created_at=now,
                                         updated_at=now, watch=False)
            self.tv = Library.create(name="TV", kind="tv", path=TV_ROOT, created_at=now,
                                         updated_at=now, watch=False)
            self.music = Library.create(name="Music", kind="music", path=MUSIC_ROOT, created_at=now,
                                         updated_at=now, watch=False)

    def movie(self, i: int) -> Movie:
        # on the disk Plex sees (the movies root mapped to JF_MOVIES): a scan of its folder adds it
        self.emu.plex.library.put_on_disk(f"{JF_MOVIES}/Movie {i} (2001)/Movie {i} (2001).mkv")
        with connection(self.s.db):
            now = time.time()
            return Movie.create(library_id=self.movies.id, key=f"Movie {i} (2001)/Movie {i} (2001).mkv",
                                folder=f"Movie {i} (2001)", title=f"Movie {i}", year=2001, date_added=now,
                                created_at=now, updated_at=now)

    def series(self, name: str) -> Series:
        with connection(self.s.db):
            now = time.time()
            return Series.create(library_id=self.tv.id, key=name, title=name, date_added=now, created_at=now,
                                 updated_at=now)

    def group(self, name: str = "Living room") -> PlayerGroup:
        with connection(self.s.db):
            return PlayerGroup.create(name=name, created_at=time.time())

    def kodi(self, server, name="Kodi", group=None, **options) -> Player:
        with connection(self.s.db):
            return Player.create(name=name, kind="kodi", url=server.url, username="kodi", password="secret",
                                 group_id=group.id if group else None, options=options or None, created_at=time.time())

    def jellyfin(self, name="Jellyfin") -> Player:
        with connection(self.s.db):
            return Player.create(name=name, kind="jellyfin", url=self.emu.jellyfin.url, token=self.emu.jellyfin.token,
                                 created_at=time.time())

    def emby(self, name="Emby") -> Player:
        with connection(self.s.db):
            return Player.create(name=name, kind="emby", url=self.emu.emby.url, token=self.emu.emby.token,
                                 created_at=time.time())

    def plex(self, name="Plex") -> Player:
        with connection(self.s.db):
            return Player.create(name=name, kind="plex", url=self.emu.plex.url, token=self.emu.plex.token,
                                 created_at=time.time())

    def mapping(self, scope: str, src: str, dst: str) -> None:
        with connection(self.s.db):
            PathMapping.create(scope=scope, from_prefix=src, to_prefix=dst, created_at=time.time())

    def setting(self, **values) -> None:
        with connection(self.s.db):
            settings.put_many(self.s.db, {k.replace("__", "."): v for k, v in values.items()})

    def jobs(self, type_: str, statuses=None) -> list[dict]:
        with connection(self.s.db):
            return store.list_jobs(self.s.db, statuses=statuses, types=[type_], limit=500, sort="id")[0]

    def wait_jobs(self, type_: str, n: int, status: str = "succeeded", timeout: float = 15) -> list[dict]:
        return wait_for(lambda: (lambda js: js if len(js) >= n else None)(self.jobs(type_, [status])), timeout)

    def enqueue(self, *specs):
        return self.s.actor("ledger").enqueue(list(specs)).get(timeout=10)


@pytest.fixture
def world(services, emu):
    return World(services, emu)
