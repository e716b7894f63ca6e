"""The chain declaration is the one place job types, subjects and handlers come from."""
import ast
from pathlib import Path

from metarr.jobs import chain

ROOT = Path(__file__).resolve().parents[2]


def test_every_declared_job_type_is_bound_to_its_handler(system, services):
    assert set(chain.BY_NAME) <= set(services.registry.types())
    assert len(chain.BY_NAME) == len(chain.JOB_TYPES), "a job type is declared twice"
    assert services.registry.get("sync.player").concurrency == chain.BY_NAME["sync.player"].concurrency


def test_the_same_work_gets_the_same_idempotency_key():
    # the subject is part of the dedupe key: two sites asking for the same work must collide
    a = chain.entity_job("enrich", "movie", 7, 1, 3)
    b = chain.entity_job("enrich", "movie", 7, None, 9, force=True)
    assert a.idem_key == b.idem_key == "enrich.movie|movie:7"
    assert chain.library_job("scan", 4).idem_key == "scan.library|library:4"
    scan = chain.path_scan(chain.PathScanPayload(4, "Alien (1979)", trigger="webhook"), 2)
    assert scan.idem_key == "scan.path|library:4:Alien (1979)"
    assert scan.payload == {"library_id": 4, "path": "Alien (1979)", "trigger": "webhook", "upgrade": False}


def test_no_job_is_spelled_outside_the_chain():
    # JobSpec(...) built by hand outside metarr/jobs/ is how a typo'd subject slips in
    offenders = []
    for pkg in ("metarr", "actors", "web"):
        for path in (ROOT / pkg).rglob("*.py"):
            if "metarr/jobs/" in path.as_posix():
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "JobSpec":
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not offenders, offenders
