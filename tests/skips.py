"""What a test run may skip. Every skip is listed by name at the end of the run; with
METARR_TEST_STRICT_SKIPS=1 (set by .ci/run) a skip that is not on the allow-list below fails the
run, so CI cannot go green without the real Kodi, the browser or an unprivileged run.

An entry allows one test (or every test of a module) to skip under one condition only: the
PostgreSQL-only tests on SQLite, the SQLite-only test on PostgreSQL. Anything else that skips on
the CI machine kind (Kodi, Chromium, Playwright, schemathesis, openssl, an ffmpeg encoder, tmpfs
mounts, namespaces: all installed or allowed there) is a failure to fix, not to allow."""
from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

STRICT_ENV = "METARR_TEST_STRICT_SKIPS"


def _on_postgresql() -> bool:
    return bool(os.environ.get("METARR_TEST_DATABASE_URL"))


@dataclass(frozen=True)
class Allowed:
    test: str                      # a node id, or a module path (every test in it)
    why: str
    when: Callable[[], bool]       # the only condition under which the skip is allowed

    def covers(self, nodeid: str) -> bool:
        return (nodeid == self.test or nodeid.startswith(self.test + "::")) and self.when()


ALLOWED = (
    Allowed("tests/jobs/test_job_connections.py", "PostgreSQL only (the connection budget), on SQLite",
            lambda: not _on_postgresql()),
    Allowed("tests/integration/test_scale_out.py", "PostgreSQL only (workers share a server), on SQLite",
            lambda: not _on_postgresql()),
    Allowed("tests/faults/test_serve_worker_outage.py", "PostgreSQL only (a serve and a worker share it), on SQLite",
            lambda: not _on_postgresql()),
    Allowed("tests/jobs/test_enqueue_batch.py::test_a_key_whose_job_finished_between_the_insert_and_the_lookup_is_"
            "inserted_again", "PostgreSQL only (its unique index decides a batch's keys), on SQLite",
            lambda: not _on_postgresql()),
    Allowed("tests/jobs/test_enqueue_locks.py", "PostgreSQL only (writers in parallel), on SQLite",
            lambda: not _on_postgresql()),
    Allowed("tests/domain/test_deferred.py::test_held_writes_reach_the_next_read_in_one_round_trip",
            "PostgreSQL only (round trips), on SQLite", lambda: not _on_postgresql()),
    Allowed("tests/domain/test_pool_reuse.py", "PostgreSQL only (its connection pool), on SQLite",
            lambda: not _on_postgresql()),
    Allowed("tests/domain/test_prepared.py::test_postgresql_runs_a_prepared_select_prepared_on_the_server_and_"
            "survives_losing_it", "PostgreSQL only (server-side PREPARE), on SQLite", lambda: not _on_postgresql()),
    Allowed("tests/api/test_list_scale.py::test_a_list_the_planner_thought_short_but_is_not_is_paged_and_"
            "estimated_right", "PostgreSQL only (the planner's estimate), on SQLite", lambda: not _on_postgresql()),
    Allowed("tests/security/test_smaller_holes.py::test_a_second_serve_naming_the_first_s_database_file_is_refused",
            "SQLite only (the database file's lock), on PostgreSQL", _on_postgresql),
    Allowed("tests/security/test_startup.py::test_the_lock_goes_with_a_killed_process",
            "SQLite only (the data-dir lock), on PostgreSQL", _on_postgresql),
    Allowed("tests/faults/test_health.py::test_a_busy_database_is_a_503_with_retry_after_not_a_500",
            "SQLite only (its write lock), on PostgreSQL", _on_postgresql),
)


def allowed(nodeid: str) -> Allowed | None:
    return next((a for a in ALLOWED if a.covers(nodeid)), None)


class SkipLedger:
    """A pytest plugin (registered by tests/conftest.py): records every skipped test with its
    reason, lists them at the end, and in strict mode fails a run with one not allowed."""

    def __init__(self) -> None:
        self.skipped: dict[str, str] = {}

    def pytest_runtest_logreport(self, report) -> None:
        if report.skipped and report.when in ("setup", "call"):
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
            self.skipped.setdefault(report.nodeid, reason.removeprefix("Skipped: "))

    def not_allowed(self) -> dict[str, str]:
        return {n: r for n, r in self.skipped.items() if allowed(n) is None}

    def pytest_sessionfinish(self, session, exitstatus) -> None:
        if strict() and self.not_allowed() and exitstatus == 0:
            session.exitstatus = 1   # pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if not self.skipped:
            return
        terminalreporter.section("skipped tests (tests/skips.py)")
        for nodeid, reason in self.skipped.items():
            a = allowed(nodeid)
            terminalreporter.write_line(f"{'allowed' if a else 'NOT ALLOWED'}  {nodeid}: {reason}"
                                        + (f" [{a.why}]" if a else ""))
        if strict() and self.not_allowed():
            terminalreporter.write_line(f"{len(self.not_allowed())} skip(s) not on the allow-list: "
                                        f"the run fails ({STRICT_ENV}=1)", red=True, bold=True)


def strict() -> bool:
    return os.environ.get(STRICT_ENV, "") not in ("", "0")


def pytest_configure(config) -> None:
    """Registered by tests/conftest.py (or `-p tests.skips` for a run outside tests/)."""
    if not config.pluginmanager.has_plugin("metarr-skips"):
        config.pluginmanager.register(SkipLedger(), "metarr-skips")
