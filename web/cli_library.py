"""`metarr library`, the headless phases (`scan`, `enrich`, `publish`, `verify`) with a progress bar
and an end-of-command summary, and `metarr recycle`."""
from __future__ import annotations

import os
import sys
import threading
import time

from metarr.config import load_config
from metarr.service.logsetup import setup_logging


def _open(role: str = "cli"):
    from actors.system import open_services
    config = load_config()
    setup_logging(config.log_dir, config.log_level, config.secrets(), console=False)
    return open_services(config, role=role)


def _find_library(name_or_id: str):
    from metarr.db.models import Library
    if name_or_id.isdigit():
        return Library.get_or_none(Library.id == int(name_or_id))
    return Library.get_or_none(Library.name == name_or_id)


# ------------------------------------------------------------------ library

def cmd_library(args) -> int:
    from metarr.db.models import Library
    from metarr.library import libraries
    s = _open()
    if args.action == "add":
        if not (args.name and args.path):
            print("usage: metarr library add NAME PATH [--kind movie|tv|music] [--publish] [--no-watch] "
                  "[--players kodi,jellyfin,emby,plex]", file=sys.stderr)
            return 2
        kind, why = args.kind, ""
        if kind is None:
            from metarr.scanning.kind_guess import guess_kind
            kind, why = guess_kind(os.path.abspath(args.path)) if os.path.isdir(args.path) else (None, "")
            if kind is None:
                print(f"metarr: which kind of library is {args.path}? {why + ': ' if why else ''}"
                      "give --kind movie, --kind tv or --kind music", file=sys.stderr)
                return 2
        try:
            players = tuple(p.strip() for p in args.players.split(",") if p.strip()) if args.players \
                else libraries.DEFAULT_PLAYERS
            lib = libraries.create(s.db, libraries.LibraryInput(args.name, kind, os.path.abspath(args.path),
                                                                watch=not args.no_watch, auto_publish=args.publish,
                                                                players=players),
                                   own_dirs=s.config.own_dirs())
        except libraries.LibraryError as e:
            print(f"metarr: {e}", file=sys.stderr)
            return 1
        print(f"library {lib.id} '{lib.name}' ({lib.kind}) at {lib.path}, read by {', '.join(lib.players)}")
        if why:
            print(f"  kind: {lib.kind}, guessed from the folder ({why}); remove it and add it again with --kind "
                  "to choose another")
        print("  " + publishing_words(lib.name, lib.auto_publish, lib.path))
    elif args.action == "list":
        for lib in Library.select().order_by(Library.id):
            print(f"{lib.id:>4} {lib.kind:<6} {lib.name:<24} {lib.path}  watch={'on' if lib.watch else 'off'} "
                  f"enrich={'on' if lib.auto_enrich else 'off'} publish={'on' if lib.auto_publish else 'off'}")
    elif args.action == "remove":
        lib = _find_library(args.name or "")
        if lib is None:
            print("no such library", file=sys.stderr)
            return 1
        libraries.remove(s.db, lib.id, s.bus)
        print(f"removed library {lib.id} (files on disk untouched)")
    return 0


def publishing_words(name: str, on: bool, path: str) -> str:
    """What publishing does, and whether this library does it (a new library does not)."""
    if on:
        return (f"publishing: on. After enrichment Metarr writes NFO files and artwork into {path} "
                "(what Kodi, Jellyfin and Plex read).")
    return (f"publishing: off. Metarr reads and enriches this library but writes no NFO or artwork into {path} "
            f"until you run `metarr publish {name}` (or turn publishing on in the web UI's Libraries page).")


# ------------------------------------------------------------------ headless phases

class ProgressBar:
    """One line on a terminal, updated from bus events (any thread)."""

    def __init__(self, stream=sys.stderr) -> None:
        self.stream = stream
        self.lock = threading.Lock()
        self.tty = stream.isatty()
        self.last = ""

    def show(self, label: str, current: int, total: int) -> None:
        width = 30
        frac = (current / total) if total else 0
        bar = "#" * int(frac * width) + "-" * (width - int(frac * width))
        line = f"\r{label[:40]:<40} [{bar}] {current}/{total}" if total else f"\r{label[:40]:<40} …"
        with self.lock:
            if self.tty:
                self.stream.write(line)
                self.stream.flush()
            elif line != self.last and (not total or current == total):
                self.stream.write(line.strip() + "\n")
            self.last = line

    def done(self) -> None:
        if self.tty:
            self.stream.write("\n")


def run_phase_headless(phase: str, target: str | None, timeout: float = 24 * 3600) -> int:
    """Enqueue a phase for a library (or a folder inside one) and run the actors until the chain
    has drained, showing progress."""
    from actors.system import ActorSystem
    from metarr.db.models import Library
    from metarr.jobs import chain, tree
    from metarr.jobs.model import PRIORITY
    from metarr.library import libraries
    s = _open()
    libs = []
    sub = ""
    if target:
        lib = _find_library(target)
        if lib is None and os.path.exists(target):
            lib = libraries.find_for_path(s.db, os.path.abspath(target))
            if lib is not None:
                sub = os.path.relpath(os.path.abspath(target), lib.path)
                sub = "" if sub == "." else sub
        if lib is None:
            print(f"no library named or containing {target!r} (see `metarr library list`)", file=sys.stderr)
            return 1
        libs = [lib]
    else:
        libs = list(Library.select().where(Library.enabled == True))  # noqa: E712
    if not libs:
        print("no libraries yet: metarr library add NAME PATH --kind movie", file=sys.stderr)
        return 1
    bar = ProgressBar()
    from metarr.service.clitext import phase_words
    s.bus.subscribe(lambda e: bar.show(f"{phase_words(e.data.get('phase', ''))} {e.data.get('path', '')}",
                                       e.data.get("current", 0), e.data.get("total", 0))
                    if e.type == "scan.progress" else None)
    system = ActorSystem(s)
    system.start()
    try:
        specs = []
        for lib in libs:
            if phase == "scan" and sub:
                specs.append(chain.path_scan(chain.PathScanPayload(lib.id, sub, trigger="cli"), PRIORITY["user"]))
            else:
                specs.append(chain.library_job(phase, lib.id))
        roots = list(s.actors["ledger"].enqueue(specs).get(timeout=30))
        end = time.monotonic() + timeout
        time.sleep(0.3)
        # wait for this command's jobs and what they chain, not for the whole queue
        while time.monotonic() < end and not tree.tree_done(tree.tree_counts(roots)):
            time.sleep(0.3)
        bar.done()
        return _summary(s, phase, roots, [lib.id for lib in libs])
    finally:
        system.stop()


def _summary(s, phase: str, roots: list[int], library_ids: list[int]) -> int:
    """What this command did (its jobs and the jobs they chained, not the queue's history), and
    what now needs the user."""
    from metarr import attention
    from metarr.jobs import tree
    counts = tree.tree_counts(roots)
    dead = counts.get("dead", 0)
    print(f"{phase} finished: {counts.get('succeeded', 0)} job(s) succeeded"
          + (f", {dead} failed for good (metarr jobs list --status dead)" if dead else ""))
    base = f"http://{s.config.host}:{s.config.port}"
    for line in attention.summary_lines(attention.not_identified(library_ids), base):
        print(line)
    return 0 if dead == 0 else 3


def _phase_cmd(phase: str):
    def run(args) -> int:
        if getattr(args, "dry_run", False):
            return run_dry_run(args.target, args.samples, args.json)
        return run_phase_headless(phase, args.target)
    return run


def run_dry_run(target: str | None, samples: int, as_json: bool) -> int:
    """`metarr publish [LIBRARY] --dry-run`: what publishing would write, planned here (no actors, no
    job: nothing is written, not even a job row), with a progress bar. Exit 0 when nothing would
    change, 2 when something would (scripts can tell), 1 on a usage error."""
    import json

    from metarr.db.models import Library
    from metarr.publishing import library_plan
    s = _open()
    libs = [_find_library(target)] if target else list(Library.select().where(Library.enabled == True))  # noqa: E712
    if not libs or libs[0] is None:
        print(f"no library named {target!r} (see `metarr library list`)" if target else "no libraries yet",
              file=sys.stderr)
        return 1
    bar = ProgressBar()
    changed = False
    out = []
    for lib in libs:
        summary = library_plan.plan_library(s.config.data_dir, lib.id, library_plan.options(s.db, samples),
                                            lambda done, total, name=lib.name: bar.show(f"planning {name}", done,
                                                                                        total))
        bar.done()
        res = summary.to_json()
        changed |= not res["nothing_to_do"]
        if as_json:
            out.append(res)
            continue
        print(f"{lib.name} ({lib.path}), dry run: nothing was written")
        for line in library_plan.summary_lines(res):
            print(line)
    if as_json:
        print(json.dumps(out))
    return 2 if changed else 0


# ------------------------------------------------------------------ recycle bin

def cmd_recycle(args) -> int:
    from metarr.library import recyclebin
    s = _open()
    if args.action == "list":
        rows, total = recyclebin.list_entries(args.limit, 0, "present")
        for r in rows:
            print(f"{r['id']:>6} {r['deleted_at']} {r['size']:>10} {r['reason']:<40} {r['original_path']}")
        print(f"{total} item(s) in the recycle bin")
    elif args.action == "restore":
        for eid in args.ids:
            try:
                e = recyclebin.restore_entry(s.db, s.config.recycle_dir, int(eid), overwrite=args.overwrite,
                                             cache_root=s.config.cache_dir)
            except (recyclebin.RestoreRefused, ValueError) as r:   # ValueError: the path leaves its root
                print(f"{eid}: refused: {r}")
                continue
            print(f"{eid}: {'restored to ' + e.original_path if e else 'not found'}")
    elif args.action == "purge":
        from metarr.service import settings
        days = args.older_than if args.older_than is not None else int(settings.get(s.db, "recycle.retention_days"))
        print(f"purged {recyclebin.purge(s.db, s.config.recycle_dir, days)} item(s) older than {days} days")
    return 0


def add_library(sub) -> None:
    from .cli_help import command
    p = command(sub, "library", "add, list or remove libraries",
                "Manage libraries (a folder of movies, TV shows or music).\n\n"
                "  metarr library add NAME PATH [--kind movie|tv|music] [--publish] [--no-watch]\n"
                "  metarr library list\n"
                "  metarr library remove NAME|ID          (the files on disk are not touched)\n\n"
                "Without --kind, add looks at the folder's first files and says which kind it chose (audio: "
                "music; episodes named S01E02 or in Season folders: tv; other videos: movie), or asks.\n"
                "Publishing (writing NFOs and artwork into the folder after enrichment) is off unless --publish: "
                "until then Metarr writes nothing there.")
    p.add_argument("action", choices=("add", "list", "remove"), help="what to do (see above)")
    p.add_argument("name", nargs="?", help="the library's name (add, remove) or id (remove)")
    p.add_argument("path", nargs="?", help="add: the library's folder (must exist)")
    p.add_argument("--kind", choices=("movie", "tv", "music"), default=None,
                   help="add: what the folder holds (default: guessed from its files, and said)")
    p.add_argument("--publish", action="store_true",
                   help="add: write NFOs and artwork into the folder after enrichment (default: off)")
    p.add_argument("--no-watch", action="store_true", help="add: do not watch the folder for changes")
    p.add_argument("--players", default=None, metavar="KINDS",
                   help="add: the players that read the folder, comma-separated (kodi, jellyfin, emby, plex; "
                        "default kodi): the file names written are the ones they read")
    p.set_defaults(fn=cmd_library)


def add_phases(sub) -> None:
    from .cli_help import command
    for phase, text in (("scan", "scan a library (or a folder inside one)"), ("enrich", "enrich a library"),
                        ("publish", "publish a library"), ("verify", "verify a library")):
        p = command(sub, phase, f"{text}, headless with a progress bar; exits when the chain drains",
                    f"{text[0].upper()}{text[1:]} without the web service: the actors run in this process, "
                    "a progress bar shows the work in words, and at the end a summary says what this command "
                    "did and what needs a decision. Exit 0 when every job succeeded, 3 when some failed for "
                    "good (metarr jobs list --status dead).", "run")
        p.add_argument("target", nargs="?", help="library name or id, or a path inside a library (default: all)")
        if phase == "publish":
            p.add_argument("--dry-run", action="store_true",
                           help="write nothing: say which files a publish would write, replace or recycle, per "
                                "kind, and list the first items' changes (exit 2 when something would change)")
            p.add_argument("--samples", type=int, default=20, metavar="N",
                           help="--dry-run: items listed with their changes (default 20)")
            p.add_argument("--json", action="store_true", help="--dry-run: the summaries as JSON")
        p.set_defaults(fn=_phase_cmd(phase))


def add_recycle(sub) -> None:
    from .cli_help import command
    p = command(sub, "recycle", "list, restore or purge the recycle bin",
                "The recycle bin: every file Metarr removed or replaced.\n\n"
                "  metarr recycle list [--limit N]\n"
                "  metarr recycle restore ID [ID …] [--overwrite]\n"
                "  metarr recycle purge [--older-than DAYS]")
    p.add_argument("action", choices=("list", "restore", "purge"), help="what to do (see above)")
    p.add_argument("ids", nargs="*", help="restore: entry ids (see list)")
    p.add_argument("--overwrite", action="store_true", help="restore over a newer file (which is recycled first)")
    p.add_argument("--older-than", type=int, default=None, metavar="DAYS",
                   help="purge: entries older than this many days (default: the recycle.retention_days setting)")
    p.add_argument("--limit", type=int, default=200, help="list: how many entries to show (default 200)")
    p.set_defaults(fn=cmd_recycle)


COMMANDS: list = [add_library, add_phases, add_recycle]
