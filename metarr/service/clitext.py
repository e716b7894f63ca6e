"""Words for the command line: pure functions from values to the text a user reads."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:   # only a type: the words need no job code
    from metarr.jobs.model import Stats

# scan phases (the `phase` of scan.progress events) as a user would name them
PHASE_WORDS = {"walk": "reading folders", "diff": "comparing with last scan", "units": "reading items",
               "probe": "probing streams", "done": "done"}

STAT_COLUMNS = ("due", "running", "retrying", "scheduled", "succeeded", "dead", "cancelled")


def phase_words(phase: str) -> str:
    return PHASE_WORDS.get(phase, phase.replace("_", " "))


def stats_table(st: Stats) -> str:
    """Jobs by type and state as an aligned table, with a total row; empty columns are left out."""
    cols = [c for c in STAT_COLUMNS if getattr(st, c)] or ["due"]
    rows = [(t, [st.by_type[t].get(c, 0) for c in cols]) for t in sorted(st.by_type)]
    rows.append(("total", [getattr(st, c) for c in cols]))
    w0 = max(len("job type"), *(len(t) for t, _ in rows))
    widths = [max(len(c), *(len(str(v[i])) for _, v in rows)) for i, c in enumerate(cols)]
    out = ["  ".join([f"{'job type':<{w0}}", *(f"{c:>{w}}" for c, w in zip(cols, widths, strict=True))])]
    for n, (t, vals) in enumerate(rows):
        if n == len(rows) - 1:
            out.append("-" * len(out[0]))
        out.append("  ".join([f"{t:<{w0}}", *(f"{v:>{w}}" for v, w in zip(vals, widths, strict=True))]))
    return "\n".join(out)


def bad_statuses(given: list[str], valid: tuple[str, ...]) -> str | None:
    """The error for unknown job statuses, or None."""
    bad = [g for g in given if g not in valid]
    if not bad:
        return None
    return f"unknown status {', '.join(repr(b) for b in bad)}: use one of {', '.join(valid)}"


CHAIN = (("scan", "scanning"), ("enrich", "enriching"), ("cache", "caching artwork"), ("publish", "publishing"),
         ("sync", "telling players"))


def chain_progress(by_type: dict[str, dict[str, int]]) -> str:
    """One line of where the chain stands, phase by phase: "scanning 3/3 · enriching 2/7 · …"."""
    parts = []
    for phase, words in CHAIN:
        done = total = 0
        for jtype, buckets in by_type.items():
            if jtype.split(".", 1)[0] == phase:
                # periodic jobs waiting for their hour are not part of this run
                total += sum(n for b, n in buckets.items() if b != "scheduled")
                done += buckets.get("succeeded", 0) + buckets.get("dead", 0) + buckets.get("cancelled", 0)
        if total:
            parts.append(f"{words} {done}/{total}")
    return " · ".join(parts)
