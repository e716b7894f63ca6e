"""The `metarr` command. It lives in `web/` because it is the outermost layer: it composes the
domain (metarr/), the actors (actors/) and the web application."""
from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import shutil
import signal
import socket
import sys
import threading
import time

from metarr.config import ConfigError, load_config
from metarr.service.logsetup import setup_logging

log = logging.getLogger("metarr")


def _services(args, role: str, console: bool = True):
    from actors.system import open_services
    config = load_config()
    setup_logging(config.log_dir, config.log_level, config.secrets(), console=console)
    return open_services(config, role=role)


def _claim_data_dir(config) -> object | int:
    """The data-dir lock on SQLite (several processes share only a PostgreSQL database); an int is
    the exit code after the one line that says why not."""
    if not config.is_sqlite:
        return None
    from metarr.db.database import sqlite_path
    from metarr.service.datadir import DataDirBusy, lock
    try:
        return lock(config.data_dir, sqlite_path(config.database_url))
    except DataDirBusy as e:
        print(f"metarr: {e}; stop it first (or use PostgreSQL to run several workers)", file=sys.stderr)
        return 2


def _listen(host: str, port: int) -> socket.socket | None:
    from .listen import bind
    return bind(host, port, "set METARR_PORT")


def cmd_serve(args) -> int:
    from aiohttp import web

    from .app import create_app
    config = load_config()
    held = _claim_data_dir(config)
    if isinstance(held, int):
        return held
    sock = _listen(config.host, config.port)
    if sock is None:
        return 2
    s = _services(args, "serve")
    app = create_app(s)
    log.info("Metarr listening on http://%s:%d (data dir %s)", s.config.host, s.config.port, s.config.data_dir)
    print(serve_banner(s.config), flush=True)
    # the objects of the start (modules, services, actors: most of the heap) are kept out of the
    # collector from now on: a full collection, which stops every request while it runs, no longer
    # walks them all (33-80 ms each in this process when it did)
    gc.collect()
    gc.freeze()
    web.run_app(app, sock=sock, access_log=None, print=None, shutdown_timeout=10)
    return 0


def cmd_worker(args) -> int:
    """Workers only (no web): for scale-out on PostgreSQL."""
    from actors.system import ActorSystem
    held = _claim_data_dir(load_config())
    if isinstance(held, int):
        return held
    s = _services(args, "worker")
    system = ActorSystem(s)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    system.start()
    log.info("worker %s started", s.actors["ledger"].worker_id.get())
    stop.wait()
    system.stop()
    return 0


def cmd_migrate(args) -> int:
    from metarr.db.database import open_database
    from metarr.db.migrate import migrate
    config = load_config()
    config.data_dir.mkdir(parents=True, exist_ok=True)
    done = migrate(open_database(config.database_url))
    print("applied: " + (", ".join(done) if done else "nothing (up to date)"))
    return 0


def serve_banner(config) -> str:
    """What a user needs after `metarr serve`: where to open it, where its data is, how to log in."""
    host = "localhost" if config.host in ("0.0.0.0", "::", "") else config.host
    key = ("from METARR_API_KEY" if config.api_key_env
           else f"in {config.data_dir / 'api_key'} (print it with `metarr apikey`)")
    return (f"Metarr is running: open http://{host}:{config.port}/ (listening on {config.host}:{config.port})\n"
            f"  data directory: {config.data_dir}\n"
            f"  API key: {key}\n"
            f"  stop with Ctrl+C")


def cmd_apikey(args) -> int:
    """The key `serve` uses, from the same data directory; never a new one (a key made here would
    not be the running service's)."""
    config = load_config()
    if config.api_key_env:
        print(config.api_key_env)
        return 0
    path = config.data_dir / "api_key"
    key = path.read_text().strip() if path.is_file() else ""
    if not key:
        print(f"metarr: no API key in {config.data_dir}: `metarr serve` makes one at its first start there. "
              "Run this where you started the service, or set METARR_DATA_DIR to its data directory.",
              file=sys.stderr)
        return 1
    print(key)
    return 0


def cmd_jobs(args) -> int:
    from metarr.jobs import store
    from metarr.jobs.model import STATUSES
    from metarr.service import clitext
    from metarr.service.timefmt import iso
    if args.action is None or (args.action == "retry" and not (args.id or args.dead)):
        args.parser.print_usage(sys.stderr)
        print("metarr jobs: say what to do: list, retry ID… (or --dead) or stats; metarr jobs --help explains",
              file=sys.stderr)
        return 2
    s = _services(args, "cli", console=False)
    if args.action == "list":
        statuses = [x for x in (args.status or "").split(",") if x]
        err = clitext.bad_statuses(statuses, STATUSES)
        if err:
            print(f"metarr: {err}", file=sys.stderr)
            return 2
        rows, total = store.list_jobs(s.db, statuses or None, None, args.limit, 0, "-id")
        for r in rows:
            prog = f"{r['progress_current']}/{r['progress_total']}" if r["progress_total"] else ""
            print(f"{r['id']:>7} {r['status']:<10} p{r['priority']} {r['type']:<22} {r['subject']:<30} "
                  f"tries={r['attempts']} {prog} {iso(r['run_after'])} {r['last_error'] or ''}")
        print(f"{total} job(s)")
    elif args.action == "retry":
        ids = args.id
        if args.dead:
            rows, _ = store.list_jobs(s.db, ["dead"], None, 500, 0, "id")
            ids = [r["id"] for r in rows]
        if args.dead and not ids:
            print("no dead jobs: nothing to retry")
        again = 0
        for jid in ids:
            status, other = store.retry(s.db, int(jid), time.time())
            row = store.get_job(s.db, int(jid)) if status else None
            what = f"job {jid}" + (f" ({row['type']} {row['subject']})".rstrip() if row else "")
            if status == "pending":
                again += 1
                print(f"{what}: runs again")
            elif status == "duplicate":
                print(f"{what}: not retried, job {other} does the same and is already queued")
            else:
                print(f"{what}: {'not found' if status is None else f'not retried, it is {status}'}")
        if len(ids) > 1 or args.dead:
            print(f"{again} of {len(ids)} job(s) put back in the queue")
    elif args.action == "stats":
        st = store.stats(s.db, time.time())
        print(json.dumps(vars(st), indent=2) if args.json else clitext.stats_table(st))
    return 0


def cmd_doctor(args) -> int:
    from metarr.db.database import (
        PROCESS_CONNECTIONS,
        close_database,
        connection_headroom,
        open_database,
        ping,
    )
    config = load_config()
    problems = 0

    def line(ok: bool, what: str, detail: str = "") -> None:
        nonlocal problems
        problems += 0 if ok else 1
        print(f"{'ok  ' if ok else 'FAIL'} {what}{(': ' + detail) if detail else ''}")
    line(sys.version_info >= (3, 11), "python >= 3.11", sys.version.split()[0])
    from metarr.scanning.probe_av import pyav_version
    pyav = pyav_version()
    ffprobe = shutil.which("ffprobe")
    # stream details need one of the two; PyAV reads them in-process, ffprobe is its fallback
    line(pyav is not None or ffprobe is not None, "stream details",
         f"PyAV {pyav} in use (probe processes), ffprobe as fallback for containers PyAV cannot open"
         if pyav else "PyAV not installed: ffprobe for every file (one process per file, ~30x slower)")
    line(ffprobe is not None or pyav is not None, "ffprobe on PATH",
         ffprobe or "not found (files PyAV cannot open get no stream details)")
    line(shutil.which("ffmpeg") is not None, "ffmpeg on PATH", shutil.which("ffmpeg") or "not found")
    # doctor looks and creates nothing: a data dir that is not there yet is reported, not made
    if not config.data_dir.exists():
        parent = next((p for p in config.data_dir.parents if p.exists()), None)
        can = parent is not None and os.access(parent, os.W_OK | os.X_OK)
        where = ("Run doctor where you start the service, or set METARR_DATA_DIR to the service's data "
                 "directory; nothing was created")
        if can:
            print(f"info data dir: {config.data_dir} does not exist yet (`metarr serve` makes it at its first "
                  f"start). {where}")
        else:
            line(False, "data dir", f"{config.data_dir} does not exist and cannot be made ({parent} is not "
                                    f"writable). {where}")
    else:
        try:
            probe = config.data_dir / ".doctor"
            probe.write_text("x")
            probe.unlink()
            line(True, "data dir writable", str(config.data_dir))
        except OSError as e:
            line(False, "data dir writable", str(e))
    sqlite_file = config.database_url.split("sqlite:///", 1)[1] if config.database_url.startswith("sqlite:///") else None
    if sqlite_file is not None and not os.path.exists(sqlite_file):
        print(f"info database: {sqlite_file} not created yet (sqlite; made at the first start)")
    else:
        try:
            db = open_database(config.database_url)
            line(ping(db), "database reachable", "sqlite" if config.is_sqlite else "postgresql")
            room = connection_headroom(db)   # None on SQLite
            if room:
                used, most, need = room
                line(most - used >= need, "postgresql connections",
                     f"{used} of max_connections {most} in use; a Metarr process takes up to {need} "
                     f"(job_connections in the URL + {PROCESS_CONNECTIONS})")
            close_database(db)
        except Exception as e:
            line(False, "database reachable", str(e))
    try:
        with open("/proc/sys/fs/inotify/max_user_watches") as f:
            watches = int(f.read())
        line(watches >= 8192, "inotify watches", f"{watches} (raise fs.inotify.max_user_watches for big libraries)")
    except OSError:
        line(True, "inotify watches", "not Linux; the watcher polls")
    from metarr.sources import registry
    for name in registry.key_vars():
        has = name in config.provider_keys
        print(f"{'ok  ' if has else 'info'} provider {name}: {'key set' if has else 'no key (provider disabled)'}")
    return 1 if problems else 0


def build_parser() -> argparse.ArgumentParser:
    from .cli_help import command, epilog, wrap
    p = argparse.ArgumentParser(prog="metarr", description=wrap("Metadata and artwork manager for media libraries: "
                                "scans your movie, TV and music folders, fetches metadata and artwork, writes "
                                "Kodi-named NFOs and images, tells your players."),
                                epilog=epilog("data", "Every command takes --help."),
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"metarr {_version()}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    command(sub, "serve", "run the web service, actors and workers",
            "Run Metarr: the web UI and REST API, the library watcher, the job workers. It prints the "
            "address, the data directory and where the API key is; stop it with Ctrl+C.", "serve").set_defaults(
        fn=cmd_serve)
    command(sub, "worker", "run workers only (scale-out on PostgreSQL)",
            "Run job workers without the web service, to share the work of a `metarr serve` on the same "
            "PostgreSQL database (SQLite allows one process per data directory).", "run").set_defaults(fn=cmd_worker)
    command(sub, "migrate", "apply database migrations",
            "Bring the database schema up to date (every start does this too) and say what was applied."
            ).set_defaults(fn=cmd_migrate)
    command(sub, "apikey", "print the API key of the service using this data directory",
            "Print the API key `metarr serve` uses with this data directory (METARR_API_KEY when set). It "
            "never makes a key: with none there it says so and exits 1.").set_defaults(fn=cmd_apikey)
    command(sub, "doctor", "check the environment",
            "Check what Metarr needs: python, stream-detail readers (PyAV, ffprobe), the data directory, the "
            "database (on PostgreSQL: room for one more process), inotify limits, provider keys. It creates "
            "nothing: a data directory that does not exist yet is reported, not made. Exit 1 on a failed check."
            ).set_defaults(fn=cmd_doctor)
    j = command(sub, "jobs", "list, retry or count jobs",
                "Inspect the job ledger.\n\n"
                "  metarr jobs list [--status dead,pending] [--limit N]   newest jobs first\n"
                "  metarr jobs retry ID [ID …] | --dead                   run failed or cancelled jobs again\n"
                "  metarr jobs stats [--json]                             jobs per type and state")
    j.add_argument("action", nargs="?", choices=("list", "retry", "stats"), help="what to do (see above)")
    j.add_argument("id", nargs="*", help="job ids, for retry")
    j.add_argument("--status", default="", help="list: comma list of pending, running, succeeded, dead, cancelled")
    j.add_argument("--limit", type=int, default=50, help="list: how many jobs to show (default 50)")
    j.add_argument("--dead", action="store_true", help="retry: every dead job")
    j.add_argument("--json", action="store_true", help="stats: as JSON, for scripts")
    j.set_defaults(fn=cmd_jobs, parser=j)
    for extra in _extra_commands():
        extra(sub)
    return p


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("metarr")
    except PackageNotFoundError:
        return "unknown (not installed)"


def _extra_commands():
    """The other command groups, each in a module of its own."""
    from . import cli_batch, cli_demo, cli_library
    return [*cli_library.COMMANDS, *cli_batch.COMMANDS, cli_demo.add_demo]


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.fn(args) or 0
    except ConfigError as e:   # a bad METARR_* value: say which, without a traceback
        print(f"metarr: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
