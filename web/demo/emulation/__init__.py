"""Local emulators of the external services, used by the tests and by `metarr demo`.

    emu = await start_emulators()           # inside a running loop
    env = emu.env()                         # METARR_*_URL / *_API_KEY / METARR_ALLOW_HOSTS
    ...
    await emu.close()

or, from synchronous code, `EmulatorThread().start()` runs them on a background loop.
"""
from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field

from aiohttp import web

from . import servers
from .servers import FANART_KEY, OMDB_KEY, TMDB_KEY, TVDB_KEY, Faults, Stats

__all__ = ["EmulatorProcess", "Emulators", "EmulatorThread", "Faults", "start_emulators"]


@dataclass
class Emulators:
    urls: dict[str, str] = field(default_factory=dict)
    stats: dict[str, Stats] = field(default_factory=dict)
    runners: list = field(default_factory=list)
    changes: servers.ChangeFeed = field(default_factory=lambda: servers.ChangeFeed())
    image_trouble: servers.ImageTrouble = field(default_factory=lambda: servers.ImageTrouble())  # the image host failing
    tvdb_auth: servers.TvdbAuth = field(default_factory=lambda: servers.TvdbAuth())   # TheTVDB's tokens (expiry)

    def env(self) -> dict[str, str]:
        return {"METARR_TMDB_URL": self.urls["tmdb"], "METARR_TMDB_IMAGE_URL": self.urls["images"] + "/t/p",
                "METARR_TVDB_URL": self.urls["tvdb"], "METARR_FANART_URL": self.urls["fanart"],
                "METARR_MUSICBRAINZ_URL": self.urls["musicbrainz"], "METARR_COVERART_URL": self.urls["coverart"],
                "METARR_OMDB_URL": self.urls["omdb"], "METARR_TMDB_API_KEY": TMDB_KEY,
                "METARR_TVDB_API_KEY": TVDB_KEY, "METARR_FANART_API_KEY": FANART_KEY,
                "METARR_OMDB_API_KEY": OMDB_KEY, "METARR_ALLOW_HOSTS": "127.0.0.1,localhost"}

    async def close(self) -> None:
        for r in self.runners:
            await r.cleanup()
        self.runners.clear()


async def _serve(app: web.Application, host: str) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    return runner, f"http://{host}:{port}"


async def start_emulators(host: str = "127.0.0.1", faults: Faults | None = None, tmdb_rps: int | None = None,
                          image_rps: int | None = 40, image_faults: Faults | None = None) -> Emulators:
    """Every emulator on its own port. Each refuses requests over its service's documented limit
    (common.DOCUMENTED_LIMITS); `tmdb_rps` sets another TMDB ceiling (a benchmark's). `faults`
    apply to every service, the image host too unless `image_faults` are given for it."""
    faults = faults or Faults()
    emu = Emulators()
    emu.stats = {n: Stats() for n in ("tmdb", "images", "tvdb", "fanart", "musicbrainz", "coverart", "omdb")}
    images = servers.image_app(image_faults or faults, emu.stats["images"], image_rps, emu.image_trouble)
    img_runner, img_url = await _serve(images, host)
    emu.runners.append(img_runner)
    emu.urls["images"] = img_url
    apps = {"tmdb": servers.tmdb_app(faults, emu.stats["tmdb"], tmdb_rps),
            "tvdb": servers.tvdb_app(faults, emu.stats["tvdb"], emu.tvdb_auth),
            "fanart": servers.fanart_app(faults, emu.stats["fanart"]),
            "musicbrainz": servers.musicbrainz_app(faults, emu.stats["musicbrainz"]),
            "coverart": servers.coverart_app(faults, emu.stats["coverart"]),
            "omdb": servers.omdb_app(faults, emu.stats["omdb"])}
    emu.changes = servers.ChangeFeed()   # what changed upstream: the change feeds and revised details
    for name, app in apps.items():
        app[servers.ART_HOST] = img_url
        app[servers.CHANGES] = emu.changes
        app[servers.URLS] = {}   # filled once the port is known (the app is frozen by then)
        runner, url = await _serve(app, host)
        app[servers.URLS]["self"] = url
        emu.urls[name] = url
        emu.runners.append(runner)
    return emu


class EmulatorThread:
    """The emulators on their own loop thread, for synchronous callers (demo, subprocess tests)."""

    def __init__(self, **kw) -> None:
        self.kw = kw
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="emulators", daemon=True)
        self.emulators: Emulators | None = None

    def start(self) -> Emulators:
        self.thread.start()
        self.emulators = asyncio.run_coroutine_threadsafe(start_emulators(**self.kw), self.loop).result(30)
        return self.emulators

    def stop(self) -> None:
        if self.emulators:
            asyncio.run_coroutine_threadsafe(self.emulators.close(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


class EmulatorProcess:
    """The emulators in a process of their own, as a real provider is on another machine. Beside a
    busy caller (a test process full of threads, a benchmark) they would share its GIL: arrivals are
    then stamped late and in bunches, and the caller runs slower. `kw` as for EmulatorThread. Their
    figures come back over a pipe when stopped: {provider: {"times", "throttled", "requests"}}.

    `start_method`: "spawn" (the default) is safe from a process with threads, whose locks a forked
    copy may hold; "fork" starts a copy that served about 15 % more requests per second here (a
    benchmark that measures rates on a CPU budget wants the cheaper emulator)."""

    def __init__(self, start_method: str = "spawn", **kw) -> None:
        import multiprocessing as mp
        ctx = mp.get_context(start_method)
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_serve_emulators, args=(child, kw), name="emulators", daemon=True)
        self.proc.start()
        if not self.conn.poll(60):
            self.proc.kill()
            raise RuntimeError("the emulator process did not start within 60 s")
        self._env = self.conn.recv()
        self._stats: dict | None = None

    def env(self) -> dict[str, str]:
        return dict(self._env)

    def stop(self) -> dict:
        """Stop the emulators (once; later calls return the same figures)."""
        if self._stats is None:
            self.conn.send("stop")
            self._stats = self.conn.recv() if self.conn.poll(30) else {}
            self.proc.join(10)
            if self.proc.is_alive():
                self.proc.kill()
        return self._stats


def _serve_emulators(conn, kw: dict) -> None:
    et = EmulatorThread(**kw)
    emu = et.start()
    conn.send(emu.env())
    conn.recv()   # "stop"
    conn.send({name: {"times": list(st.times), "throttled": st.throttled, "requests": st.requests}
               for name, st in emu.stats.items()})
    et.stop()
