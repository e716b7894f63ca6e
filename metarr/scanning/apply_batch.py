"""A batch of units (top-level folders) applied in one write transaction.

Together first: every unit's items with their writes deferred (`deferred_writes`: on PostgreSQL a
round trip per read instead of one per statement and savepoint) and the scan's report counted
aside, added only once the batch is committed. If anything fails, the batch is rolled back and
applied again as before, each unit in a savepoint of its own, a broken folder only its own problem.
"""
from __future__ import annotations

import logging

from metarr.db.database import write_tx
from metarr.db.deferred import together_or_each
from metarr.db.models import Library
from metarr.scanning import followups
from metarr.scanning.apply_unit import apply_unit
from metarr.scanning.art_import import AppliedUnit
from metarr.scanning.report import Progress, ScanContext, ScanReport
from metarr.scanning.unit_reads import read_units

log = logging.getLogger(__name__)
Batch = list[tuple[str, list[int], set[str]]]   # (unit, backlog row ids, touched paths)


def apply_batch(db, lib: Library, batch: Batch, context: ScanContext, rep: ScanReport, progress: Progress,
                start: int, total: int, job_id: int | None, now: float) -> list[AppliedUnit]:
    """The batch's units applied; `start`: how many units of the scan came before (for progress)."""
    touched = {p for _, _, paths in batch for p in paths}
    units = [u for u, _, _ in batch]

    def together() -> tuple[list[AppliedUnit], ScanReport, int]:
        part = ScanReport(lib.id)
        applied = []
        reads = read_units(db, lib, units)
        for i, (unit, _, _) in enumerate(batch, start):
            progress("units", i, total, unit or "/")
            applied.append(apply_unit(db, lib, unit, touched, context, part, now, reads.get(unit)))
        stored = 0
        if job_id is not None and followups.overflows(len(rep.targets) + len(part.targets), rep.targets_stored):
            # past the direct limit: the batch's targets are written with its items, not held (#32)
            stored = followups.store(db, job_id, [*rep.targets, *part.targets])
        return applied, part, stored

    def each() -> tuple[list[AppliedUnit], None, int]:
        applied = []
        # read again, not taken from together(): a transaction committed beside it since may have
        # changed the rows (read committed); a unit rolled back to its savepoint below leaves the
        # others' rows as read, and writes no row of another unit
        try:
            with write_tx(db):   # a savepoint: a failed read must not end the transaction
                reads = read_units(db, lib, units)
        except Exception:   # e.g. a row that does not load: each unit reads its own, failing alone
            log.exception("the reads of a batch of %s failed: each unit reads its own", lib.path)
            reads = {}
        for i, (unit, _, _) in enumerate(batch, start):
            progress("units", i, total, unit or "/")
            part = ScanReport(lib.id)
            try:
                applied.append(apply_unit(db, lib, unit, touched, context, part, now, reads.get(unit)))
                rep.absorb(part)
            except Exception as e:  # one broken folder must not stop the library
                log.exception("scan of %s/%s failed", lib.path, unit)
                # its items were rolled back: not counted, not chained on; what it found stays
                rep.problems += part.problems
                rep.problems.append((unit or "/", f"could not be processed: {type(e).__name__}: {e}"))
        stored = 0
        if job_id is not None and followups.overflows(len(rep.targets), rep.targets_stored):
            stored = followups.store(db, job_id, rep.targets.drain())
        return applied, None, stored

    applied, part, stored = together_or_each(db, together, each)
    if part is not None:   # committed together: its counts are the scan's now
        if stored:
            rep.targets.drain()
            part.targets.drain()
        rep.absorb(part)
    rep.targets_stored += stored
    return applied
