"""`metarr batch KIND ACTION …`: the API's batch actions headless: the items by ids or by the list's
filters, one job tree run by the actors of this process with a progress bar, then a summary."""
from __future__ import annotations

import json
import sys
import time

from .cli_library import ProgressBar, _open

KINDS = ("movies", "series", "artists", "albums")


def _filter_args(pairs: list[str]) -> dict:
    out: dict[str, list[str]] = {}
    for p in pairs:
        key, sep, value = p.partition("=")
        if not sep or not key:
            raise ValueError(f"--filter takes NAME=VALUE (e.g. missing=poster), not {p!r}")
        out.setdefault(key.strip(), []).append(value.strip())
    return {k: v if len(v) > 1 else v[0] for k, v in out.items()}


def _value(kind: str, field: str, raw: str):
    """A --value as the field's type (a list field takes a comma list, numbers are numbers)."""
    from metarr import metadata as md
    from web.api.media import FLOAT_FIELDS, INT_FIELDS
    if field in md.LISTS[kind]:
        return [x.strip() for x in raw.split(",") if x.strip()]
    if field in INT_FIELDS and raw.isdigit():
        return int(raw)
    if field in FLOAT_FIELDS:
        try:
            return float(raw)
        except ValueError:
            return raw
    return raw


def cmd_batch(args) -> int:
    from actors.system import ActorSystem
    from metarr import batch
    from metarr.jobs import tree
    from metarr.library import filters as item_filters
    from metarr.service import settings
    from web.envelope import ApiError
    kind = batch.KINDS[args.kind]
    params: dict = {}
    if args.fields:
        params["fields"] = [f.strip() for f in args.fields.split(",") if f.strip()]
    if args.field:
        params["field"] = args.field
    if args.value is not None:
        params["value"] = _value(kind, args.field or "", args.value)
    for name in ("add", "remove"):
        if getattr(args, name):
            params[name] = [x.strip() for x in getattr(args, name).split(",") if x.strip()]
    if args.slot:
        params["slot"] = args.slot
    if args.force:
        params["force"] = True
    if args.take_best:
        params["take_best"] = True
    s = _open()
    try:
        params = batch.check_params(kind, args.action, params)
        if args.action == "set" and "value" in params:
            from web.api.media import parse_edit
            try:
                parse_edit(kind, {params["field"]: params["value"]})
            except ApiError as e:
                raise batch.BatchError(e.message) from None
        if bool(args.ids) == bool(args.filter):
            raise batch.BatchError("give either --ids 1,2,3 or --filter NAME=VALUE (one or more)")
        ids = [int(i) for i in args.ids.split(",")] if args.ids else None
        fl = _filter_args(args.filter or [])
        spec = item_filters.parse(kind, fl, strict=True) if fl else None
        chosen = batch.select(kind, ids, spec, fl.get("q"))
        sel = batch.eligible(kind, args.action, chosen, bool(settings.get(s.db, "publish.unidentified")))
    except (ValueError, batch.BatchError, item_filters.FilterError) as e:
        print(f"metarr batch: {e}", file=sys.stderr)
        return 2
    if sel.refused:
        reasons: dict[str, int] = {}
        for why in sel.refused.values():
            reasons[why] = reasons.get(why, 0) + 1
        print("left out: " + ", ".join(f"{n} {why}" for why, n in reasons.items()))
    print(f"{batch.WORDS[args.action]}: {len(sel.ids)} {args.kind}")
    system = ActorSystem(s)
    system.start()
    try:
        root = s.actors["ledger"].enqueue(batch.specs(kind, args.action, sel.ids, params)).get(timeout=30)[0]
        bar = ProgressBar()
        while True:
            p = tree.tree_progress(root)
            bar.show(batch.WORDS[args.action], p["finished"], p["total"])
            if p["done"]:
                break
            time.sleep(0.3)
        bar.done()
        p = tree.tree_progress(root)
        print(json.dumps(p) if args.json else
              f"batch {root} finished: {p['by_status'].get('succeeded', 0)} job(s) succeeded"
              + (f", {p['by_status']['dead']} failed for good" if p["by_status"].get("dead") else ""))
        return 0 if not p["by_status"].get("dead") else 3
    finally:
        system.stop()


def add_batch(sub) -> None:
    from .cli_help import command
    p = command(sub, "batch", "one action on many items (by ids or by the list's filters)",
                "Run one action on many movies, shows, artists or albums, headless: the actors run in this "
                "process, a progress bar shows the batch's job tree, and the command exits when it is done "
                "(0; 3 when jobs failed for good; 2 for a request that makes no sense).\n\n"
                "  metarr batch movies publish --filter missing=poster --filter library_id=1\n"
                "  metarr batch movies lock --ids 3,4,5 --fields title,list:genres\n"
                "  metarr batch series set --filter genre=Sci-Fi --field tags --add space\n"
                "  metarr batch movies set --ids 7,8 --field set_name --value \"Alien Collection\"\n"
                "  metarr batch movies reject_artwork --filter state=enriched --slot poster\n"
                "  metarr batch movies apply_mappings --filter genre=Sci-Fi", "run",
                extra="Filters are the list's query parameters (README, Filters): library_id, state, missing, "
                      "locked, published, publish_pending, resolution, hdr, video_codec, audio_channels, "
                      "audio_channels_min, subtitle, duplicates, added_days (days), genre, tag, year, year_min, "
                      "year_max, certification, artist_id, q.")
    p.add_argument("kind", choices=KINDS, help="which items")
    p.add_argument("action", choices=("enrich", "publish", "identify", "lock", "unlock", "set", "reject_artwork",
                                      "apply_mappings"), help="what to do with them")
    p.add_argument("--ids", help="comma list of item ids")
    p.add_argument("--filter", action="append", metavar="NAME=VALUE", help="a filter of the list (repeatable)")
    p.add_argument("--fields", help="lock/unlock: comma list of fields (title, list:genres, art:poster …)")
    p.add_argument("--field", help="set: the field to set (title, tags, set_name …)")
    p.add_argument("--value", help="set: its value (a comma list for a list field)")
    p.add_argument("--add", help="set: names to add to a list field (comma list)")
    p.add_argument("--remove", help="set: names to remove from a list field (comma list)")
    p.add_argument("--slot", help="reject_artwork: the artwork slot (poster, fanart …)")
    p.add_argument("--force", action="store_true", help="enrich: skip the providers' cached answers")
    p.add_argument("--take-best", action="store_true",
                   help="identify: an ambiguous item takes its top-scored candidate (locked, as a pick on its page)")
    p.add_argument("--json", action="store_true", help="the final summary as JSON")
    p.set_defaults(fn=cmd_batch)


COMMANDS = [add_batch]
