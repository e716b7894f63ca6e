"""A whole library's publish dry run (SPEC §5: the difference, without writing).

Every item a `publish.library` would publish is planned exactly as its publish job plans it
(`publish.make_plans`, same settings), nothing is applied, and only a summary is kept: items that
would change, files to write / replace / recycle per kind, and the first few items' differences
with their paths. Items are read a page of ids at a time (a page's items, with their seasons and
episodes or their albums, in one select per table: plan_inputs.py) and each plan is dropped once
counted, so memory stays flat at 166,667 movies or 50,000 episodes.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from metarr.db.media import Artist, Movie, Series
from metarr.db.models import Library
from metarr.library.fsutil import confine
from metarr.publishing.desired import Gone, PublishError, Unidentified
from metarr.publishing.publish import Action, Plan, make_plans

ROOTS = {"movie": Movie, "tv": Series, "music": Artist}
ROOT_TYPE = {"movie": "movie", "tv": "series", "music": "artist"}
PAGE = 500            # item ids read at a time
SAMPLES = 50          # items whose differences are listed in full, by default
MAX_SAMPLES = 1000
OPS = ("write", "replace", "recycle_replace", "remove")


@dataclass(frozen=True)
class Options:
    """The publish settings a real publish job would use (publisher.publish reads the same ones)."""
    with_actors: bool = True
    allow_unidentified: bool = False
    fanart_count: int = 1
    samples: int = SAMPLES


def options(db, samples: int | None = None) -> Options:
    """The publish settings as the publisher reads them for a real publish."""
    from metarr.service import settings
    return Options(bool(settings.get(db, "publish.actors")), bool(settings.get(db, "publish.unidentified")),
                   int(settings.get(db, "publish.fanart_count")), SAMPLES if samples is None else int(samples))


@dataclass
class Summary:
    library_id: int
    items: int = 0                 # items planned (the ones a library publish would queue)
    changed: int = 0               # items with at least one file to write, replace or remove
    unchanged: int = 0
    skipped: dict[str, int] = field(default_factory=dict)   # unidentified | gone
    errors: int = 0
    files: dict[str, dict[str, int]] = field(default_factory=lambda: {op: {} for op in OPS})
    recycled: int = 0              # files that would go to the recycle bin (replaced user files, removals)
    samples: list[dict] = field(default_factory=list)
    error_samples: list[dict] = field(default_factory=list)
    sample_limit: int = SAMPLES

    def to_json(self) -> dict:
        totals = {op: sum(k.values()) for op, k in self.files.items()}
        return {"library_id": self.library_id, "dry_run": True, "items": self.items, "changed": self.changed,
                "unchanged": self.unchanged, "skipped": dict(self.skipped), "errors": self.errors,
                "nothing_to_do": self.changed == 0,
                "files": {op: dict(sorted(k.items())) for op, k in self.files.items()},
                "totals": {**totals, "recycle": self.recycled},
                "samples": self.samples, "samples_truncated": self.changed > len(self.samples),
                "error_samples": self.error_samples}


# ------------------------------------------------------------------ decisions (pure)

def file_kind(a: Action) -> str:
    """What a summary counts a file as: `nfo`, the artwork slot (`poster`, `fanart` for every backdrop
    rank), `actor` for actor photos; a removal by its name (its desired entry is gone)."""
    if a.desired is None:
        return "nfo" if a.rel.endswith(".nfo") else "artwork"
    if a.desired.kind == "nfo":
        return "nfo"
    slot = a.desired.slot or "artwork"
    if slot.startswith("actor:"):
        return "actor"
    return slot.rstrip("0123456789") or slot


def recycles(a: Action, on_disk: bool) -> bool:
    """Whether applying the action puts a file in the recycle bin (as publish.apply_plan does)."""
    return a.op == "recycle_replace" or (a.op == "remove" and on_disk)


def count_plan(summary: Summary, plan: Plan, on_disk: Callable[[str], bool]) -> None:
    """Add one item's plan to the summary; keep its difference while samples are wanted."""
    summary.items += 1
    changes = plan.changes
    if not changes:
        summary.unchanged += 1
        return
    summary.changed += 1
    for a in changes:
        kinds = summary.files[a.op]
        k = file_kind(a)
        kinds[k] = kinds.get(k, 0) + 1
        if recycles(a, on_disk(a.rel) if a.op == "remove" else True):
            summary.recycled += 1
    if len(summary.samples) < summary.sample_limit:
        summary.samples.append(sample(plan))


def sample(plan: Plan) -> dict:
    """One item's difference as the per-item dry run shows it, without the files that stay."""
    return {"entity_type": plan.entity_type, "entity_id": plan.entity_id, "root": plan.root,
            "changes": [{"op": a.op, "path": a.rel, "kind": file_kind(a), "reason": a.reason} for a in plan.changes],
            "nfo_diff": plan.nfo_diffs}


def count_skip(summary: Summary, reason: str) -> None:
    summary.items += 1
    summary.skipped[reason] = summary.skipped.get(reason, 0) + 1


def count_error(summary: Summary, entity_type: str, entity_id: int, message: str) -> None:
    summary.items += 1
    summary.errors += 1
    if len(summary.error_samples) < summary.sample_limit:
        summary.error_samples.append({"entity_type": entity_type, "entity_id": entity_id, "error": message})


# ------------------------------------------------------------------ the run (reads only)

def item_ids(library_id: int, kind: str) -> Iterator[list[int]]:
    """The ids a `publish.library` fans out to (live items of the library), a page at a time, by id."""
    model = ROOTS[kind]
    after = 0
    while True:
        page = [i for (i,) in model.select(model.id).where((model.library_id == library_id)
                                                           & model.deleted_at.is_null(True) & (model.id > after))
                .order_by(model.id).limit(PAGE).tuples()]
        if not page:
            return
        after = page[-1]
        yield page


def count_items(library_id: int, kind: str) -> int:
    model = ROOTS[kind]
    return model.select().where((model.library_id == library_id) & model.deleted_at.is_null(True)).count()


def plan_library(data_dir: Path, library_id: int, opts: Options,
                 progress: Callable[[int, int], None] | None = None) -> Summary:
    """Plan every item of the library without writing anything (no file, no row): the summary."""
    lib = Library.get_by_id(library_id)
    et = ROOT_TYPE[lib.kind]
    root = Path(lib.path)
    summary = Summary(library_id, sample_limit=max(0, min(MAX_SAMPLES, opts.samples)))
    total = count_items(library_id, lib.kind)
    done = 0

    def on_disk(rel: str) -> bool:
        return confine(root, rel).exists()

    def listed() -> bool:   # NFO diffs only for the items the summary lists
        return len(summary.samples) < summary.sample_limit

    for page in item_ids(library_id, lib.kind):
        for eid, got in make_plans(data_dir, et, page, opts.with_actors, opts.allow_unidentified, opts.fanart_count,
                                   nfo_diffs=listed):
            if isinstance(got, Unidentified):
                count_skip(summary, "unidentified")
            elif isinstance(got, Gone):
                count_skip(summary, "gone")
            elif isinstance(got, PublishError):
                count_error(summary, et, eid, str(got))
            else:
                count_plan(summary, got, on_disk)
            done += 1
        if progress is not None:
            progress(done, max(total, done))
    return summary


def summary_lines(s: dict) -> list[str]:
    """The summary in words (the CLI's `metarr publish --dry-run`)."""
    if s["nothing_to_do"]:
        lines = [f"nothing to do: {s['items']} item(s) planned, every published file is up to date"]
    else:
        t = s["totals"]
        lines = [f"{s['changed']} of {s['items']} item(s) would change: {t['write']} file(s) to write, "
                 f"{t['replace'] + t['recycle_replace']} to replace, {t['remove']} to remove, "
                 f"{t['recycle']} into the recycle bin"]
        for op in OPS:
            if s["files"][op]:
                lines.append(f"  {op}: " + ", ".join(f"{k} {n}" for k, n in s["files"][op].items()))
    for reason, n in s["skipped"].items():
        lines.append(f"  skipped {n}: " + ("not identified (nothing is published for them)" if reason == "unidentified"
                                            else "gone since the last scan"))
    if s["errors"]:
        lines.append(f"  {s['errors']} item(s) cannot be published (first: {s['error_samples'][0]['error']})")
    for item in s["samples"]:
        lines.append(f"{item['entity_type']} {item['entity_id']}:")
        lines += [f"  {c['op']:<15} {c['path']}" for c in item["changes"]]
    if s["samples_truncated"]:
        lines.append(f"… and {s['changed'] - len(s['samples'])} more item(s)")
    return lines
