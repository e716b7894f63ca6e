"""What a job ledger holds outside its actor (so that a restarted ledger carries on with it), the
thread that wakes it, and the events of the outcomes it records."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import pykka

from metarr.jobs.model import JobSpec, Outcome, Progress


@dataclass
class LedgerState:
    """What a ledger holds that is not (yet) in the database. Kept outside the actor: a ledger the
    supervisor restarts gets the same one and carries on with the same workers, jobs and outcomes."""
    worker_id: str
    proxy: Any = None                                          # the live ledger: what workers tell
    workers: dict[str, list] = field(default_factory=dict)
    load: dict[str, list[int]] = field(default_factory=dict)   # jobs handed to each worker of a type
    owner: dict[int, tuple[str, int]] = field(default_factory=dict)   # job id -> (type, worker index)
    done: list[Outcome] = field(default_factory=list)          # outcomes not written yet
    backlog: list[JobSpec] = field(default_factory=list)       # told enqueues not written yet
    progress: dict[int, Progress] = field(default_factory=dict)
    closing: bool = False                                      # the system is stopping

    def mine(self) -> set[int]:
        """The running jobs this process answers for: those its workers run, those it holds the
        outcome of. Only these leases are renewed; any other row with its id is taken back."""
        return set(self.owner) | {o.job_id for o in self.done}


class Ticker(threading.Thread):
    """Wakes the ledger periodically (due retries, leases, schedules) by tell, never by ask."""

    def __init__(self, ledger_proxy, interval: float) -> None:
        super().__init__(name="ledger-ticker", daemon=True)
        self.proxy = ledger_proxy
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                self.proxy.tick.defer()
            except pykka.ActorDeadError:
                return


def publish_changes(bus, changes: list[dict], by_id: dict[int, Outcome]) -> None:
    """The bus events of recorded outcomes (and of the chained jobs they created)."""
    for ch in changes:
        o = by_id[ch["id"]]
        if ch["status"] == "succeeded":
            bus.publish("job.succeeded", id=ch["id"], type=ch["type"], subject=ch["subject"],
                        duration=round(o.duration, 4), result=(o.result.data if o.result else None))
        elif ch["status"] == "retrying":
            bus.publish("job.failed", id=ch["id"], type=ch["type"], subject=ch["subject"],
                        error=ch.get("error"), attempts=ch["attempts"], run_after=ch["run_after"],
                        **({"waiting": ch["waiting"]} if ch.get("waiting") else {}))
        else:
            bus.publish("job.dead", id=ch["id"], type=ch["type"], subject=ch["subject"], error=ch.get("error"))
        for jid, jtype, created in ch["next"]:
            if created:
                bus.publish("job.created", id=jid, type=jtype, parent_id=ch["id"])
