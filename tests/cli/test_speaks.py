"""The CLI speaks for itself: every --help says what the command does, its options and the
environment it reads; `library add` says which kind it chose (or asks) and whether it publishes;
`metarr jobs` alone prints its usage; `demo --port` wins over METARR_PORT and a busy port is one
line; `doctor` in a folder without a data dir says so and creates nothing."""
import argparse
import socket

from tests.conftest import free_port
from web.cli import build_parser
from web.demo.media import make_clip, make_track

from .test_first_hour import clean
from .test_summary import metarr


def _commands():
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices


def test_every_command_says_what_it_does_its_options_and_its_environment():
    commands = _commands()
    assert {"serve", "worker", "migrate", "apikey", "doctor", "jobs", "library", "scan", "enrich", "publish",
            "verify", "recycle", "demo"} <= set(commands)
    for name, p in commands.items():
        text = p.format_help()
        assert p.description and len(p.description) > 40, name
        assert "environment:\n  METARR_DATA_DIR" in text, name
        for action in p._actions:
            if not isinstance(action, argparse._HelpAction):
                assert action.help, f"{name} {action.dest} has no help"
    assert "METARR_PORT" in commands["serve"].format_help() and "METARR_TMDB_API_KEY" in commands["serve"].format_help()
    assert "--older-than DAYS" in commands["recycle"].format_help() and "days" in commands["recycle"].format_help()


def test_library_add_says_which_kind_it_chose_and_whether_it_publishes(env, tmp_path):
    env = clean(env, tmp_path)
    show = tmp_path / "Shows" / "Sherlock Holmes (1954)" / "Season 01"
    make_clip(show / "Sherlock Holmes (1954) - S01E01.mkv")
    r = metarr(env, "library", "add", "Shows", str(tmp_path / "Shows"))
    assert r.returncode == 0, r.stderr
    assert "(tv)" in r.stdout and "kind: tv, guessed from the folder (1 of 1 video(s) named or filed as episodes)" \
        in r.stdout
    assert "publishing: off. Metarr reads and enriches this library but writes no NFO or artwork" in r.stdout
    assert "metarr publish Shows" in r.stdout
    make_track(tmp_path / "Tunes" / "A" / "B" / "01.flac", "A", "B", "C", 1)
    r = metarr(env, "library", "add", "Tunes", str(tmp_path / "Tunes"), "--publish")
    assert "(music)" in r.stdout and "publishing: on." in r.stdout
    (tmp_path / "Empty").mkdir()
    r = metarr(env, "library", "add", "Empty", str(tmp_path / "Empty"))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "which kind of library is" in r.stderr and "give --kind movie, --kind tv or --kind music" in r.stderr
    r = metarr(env, "library", "add", "Empty", str(tmp_path / "Empty"), "--kind", "movie")
    assert r.returncode == 0 and "kind:" not in r.stdout       # chosen by the user: nothing guessed to say


def test_jobs_without_an_action_prints_its_usage(env, tmp_path):
    env = clean(env, tmp_path)
    for args in (("jobs",), ("jobs", "retry")):
        r = metarr(env, *args)
        assert r.returncode == 2 and "Traceback" not in r.stderr
        assert r.stderr.startswith("usage: metarr jobs") and "say what to do: list, retry" in r.stderr
        assert "id is required" not in r.stderr


def test_demo_port_wins_over_metarr_port_and_a_busy_one_is_one_line(env, tmp_path):
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    port = busy.getsockname()[1]
    try:
        r = metarr(clean(env, tmp_path, METARR_PORT=str(free_port())), "demo", "--dir", str(tmp_path / "demo"),
                   "--port", str(port))
    finally:
        busy.close()
    assert r.returncode == 2
    assert r.stderr.strip() == (f"metarr: cannot listen on 127.0.0.1:{port}: address already in use (another "
                                "service on that port? choose another with --port)")


def test_doctor_without_a_data_dir_says_so_and_creates_nothing(env, tmp_path):
    where = tmp_path / "elsewhere"
    where.mkdir()
    env = clean(env, tmp_path, METARR_DATA_DIR=str(where / "data"))
    env.pop("METARR_DATABASE_URL", None)
    r = metarr(env, "doctor")
    assert f"info data dir: {where / 'data'} does not exist yet" in r.stdout and "nothing was created" in r.stdout
    assert "not created yet" in r.stdout
    assert list(where.iterdir()) == []


def test_jobs_retry_dead_says_what_it_put_back(env, services, tmp_path):
    """`metarr jobs retry --dead` names each job it put back (#28: it printed its usage line)."""
    import time

    from metarr.jobs import chain, store
    from metarr.jobs.model import Outcome
    now = time.time()
    (jid, _), = store.enqueue(services.db, [chain.entity_job("publish", "movie", 7, None, 5)], now)
    for i in range(5):   # five failed tries (each after its backoff): dead
        later = now + 10_000 * i
        (job,) = store.claim(services.db, "w", {"publish.movie": 1}, later, 30)
        store.finish(services.db, [Outcome(job.id, job.lease_token, False, error="OSError: boom")], later)
    assert store.get_job(services.db, jid)["status"] == "dead"
    env = clean(env, tmp_path)
    r = metarr(env, "jobs", "retry", "--dead")
    assert r.returncode == 0 and "usage" not in r.stdout + r.stderr, r.stdout + r.stderr
    assert r.stdout.splitlines() == [f"job {jid} (publish.movie movie:7): runs again",
                                     "1 of 1 job(s) put back in the queue"]
    assert store.get_job(services.db, jid)["status"] == "pending"
    r = metarr(env, "jobs", "retry", "--dead")
    assert r.returncode == 0 and r.stdout.splitlines()[0] == "no dead jobs: nothing to retry"
