"""`metarr demo`: a sample library with real media, the provider emulators on loopback, and Metarr
served against them, printing the chain's progress and what needs a decision."""
from __future__ import annotations

import asyncio
import os
import time

from .cli_library import _open

GERMAN_MOVIES = ("Die Nacht der lebenden Toten (1968)", "Der General (1926)", "Metropolis (1927)")


def cmd_demo(args) -> int:
    """A sample library with real media, the provider emulators on loopback, and Metarr served
    against them: the whole chain offline (the emulators and sample media live in web/demo/)."""
    import pathlib

    from .demo.emulation import EmulatorThread
    from .demo.media import make_clip, make_image, make_track

    base = pathlib.Path(args.dir).resolve()
    lib = base / "library"
    movies = {"Night of the Living Dead (1968)": None, "The General (1926)": None, "Nosferatu (1922)": None,
              "Metropolis (1927)": None, "Dracula": None}
    for name in movies:
        if not (lib / "Movies" / name).exists():
            make_clip(lib / "Movies" / name / f"{name}.mkv")
    make_image(lib / "Movies" / "Metropolis (1927)" / "poster.jpg", 300, 450)   # the user's own poster
    # a German library: German texts where TMDB has them, English where not, FSK certifications
    for name in GERMAN_MOVIES:
        if not (lib / "Filme" / name).exists():
            make_clip(lib / "Filme" / name / f"{name}.mkv")
    show = lib / "TV" / "Sherlock Holmes (1954)"
    for ep in ("Season 01/Sherlock Holmes (1954) - S01E01.mkv", "Season 01/Sherlock Holmes (1954) - S01E02E03.mkv",
               "Specials/Sherlock Holmes (1954) - S00E01.mkv"):
        if not (show / ep).exists():
            make_clip(show / ep)
    # episode orders: an anime released by absolute number, a daily show released by date
    for ep in ("Tidebound Corsairs/Tidebound Corsairs - 1071.mkv",
               "Tidebound Corsairs/[Corsair Subs] Tidebound Corsairs - 057 [1080p].mkv",
               "The Evening Desk/Season 2024/The.Evening.Desk.2024.03.14.mkv"):
        if not (lib / "TV" / ep).exists():
            make_clip(lib / "TV" / ep)
    album = lib / "Music" / "Scott Joplin" / "Ragtime (1902)"
    if not (album / "01 - The Entertainer.flac").exists():
        make_track(album / "01 - The Entertainer.flac", "Scott Joplin", "Ragtime", "The Entertainer", 1)
    os.environ.setdefault("METARR_DATA_DIR", str(base / "data"))
    if args.port is not None:   # the option given on the command line wins over METARR_PORT
        os.environ["METARR_PORT"] = str(args.port)
    from metarr.config import load_config

    from .listen import bind
    config = load_config()
    sock = bind(config.host, config.port, "choose another with --port")
    if sock is None:
        return 2
    emu = EmulatorThread().start()   # daemon thread: ends with the process
    os.environ.update(emu.env())
    from metarr.db.models import Library
    from metarr.library import libraries
    s = _open("serve")
    for name, kind, locale in (("Movies", "movie", {}), ("TV", "tv", {}), ("Music", "music", {}),
                               ("Filme", "movie", {"language": "de", "certification_country": "DE"})):
        if Library.get_or_none(Library.name == name) is None:
            libraries.create(s.db, libraries.LibraryInput(name, kind, str(lib / name), auto_publish=True, **locale))
    from aiohttp import web as aioweb

    from metarr.jobs import chain

    from .app import create_app
    from .keys import services_key
    app = create_app(s)

    base = f"http://{'localhost' if s.config.host in ('0.0.0.0', '::') else s.config.host}:{s.config.port}"

    async def kick(app):
        ledger = app[services_key].actor("ledger")
        libs = [x.id for x in Library.select(Library.id)]
        ledger.submit.defer([chain.library_job("scan", i) for i in libs])
        app["demo_watch"] = asyncio.get_running_loop().create_task(_demo_progress(app, base))
    app.on_startup.append(kick)
    from .keys import api_key_key
    key = app[api_key_key]
    print(f"Metarr demo on {base}/  (API key: {key})")
    print(f"library: {lib}   data: {s.config.data_dir}", flush=True)
    aioweb.run_app(app, sock=sock, access_log=None, print=None)
    return 0


async def _demo_progress(app, base: str) -> None:
    """The demo's chain as it runs, one line per change, then what needs a decision and where."""
    from metarr import attention
    from metarr.jobs import store
    from metarr.service.clitext import chain_progress

    from .keys import bridge_key, services_key
    s = app[services_key]
    bridge = app[bridge_key]
    last, idle = "", 0
    while idle < 3:
        await asyncio.sleep(1.0)
        st = await bridge.run(store.stats, s.db, time.time())
        line = chain_progress(st.by_type)
        if line and line != last:
            print(f"  {line}", flush=True)
            last = line
        idle = idle + 1 if line and st.due == st.running == st.retrying == 0 else 0
    items = await bridge.run(attention.not_identified, None)
    for text in attention.summary_lines(items, base):
        print(text)
    print(f"Demo ready: open {base}/" + (f" — {items[0]['title']} needs your decision: {base}{items[0]['path']}"
                                         if items else ""), flush=True)


def add_demo(sub) -> None:
    from .cli_help import command
    p = command(sub, "demo", "sample library + provider emulators + Metarr, all offline",
                "Build a small library of real media (movies, a TV show, an album) in DIR/library, start "
                "emulators of TMDB, TheTVDB, Fanart.tv, MusicBrainz and OMDb on loopback, and serve Metarr "
                "against them: the whole chain runs and its progress is printed in words. Stop it with Ctrl+C.",
                "serve")
    p.add_argument("--dir", default="./metarr-demo", help="where the library and data go (default ./metarr-demo)")
    p.add_argument("--port", type=int, default=None,
                   help="port of the web UI (default: METARR_PORT, else 3000; this option wins over METARR_PORT)")
    p.set_defaults(fn=cmd_demo)


