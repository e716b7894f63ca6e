"""What a new user reads from the command line in the first hour: version, API key, job tables,
errors that say what is valid, duplicate libraries refused, progress in words."""
import json

from metarr.config import load_config
from metarr.jobs.model import Stats
from metarr.service.clitext import phase_words, stats_table
from web.cli import serve_banner

from .test_summary import metarr


def clean(env, tmp_path, **extra):
    env = {k: v for k, v in env.items() if k != "METARR_API_KEY"}
    env.update(HOME=str(tmp_path), LANG="C.UTF-8", **extra)
    return env


def test_version(env, tmp_path):
    r = metarr(clean(env, tmp_path), "--version")
    assert r.returncode == 0 and r.stdout.startswith("metarr ") and r.stdout.split()[1][0].isdigit()


def test_apikey_never_makes_a_key_of_its_own(env, tmp_path):
    env = clean(env, tmp_path, METARR_DATA_DIR=str(tmp_path / "elsewhere"))
    r = metarr(env, "apikey")
    assert r.returncode == 1 and r.stdout == ""
    assert f"no API key in {tmp_path / 'elsewhere'}" in r.stderr and "METARR_DATA_DIR" in r.stderr
    assert not (tmp_path / "elsewhere" / "api_key").exists()


def test_apikey_prints_the_key_of_the_service_using_that_data_dir(env, tmp_path):
    from metarr.config import ensure_api_key
    env = clean(env, tmp_path)
    key = ensure_api_key(load_config(env))           # what `serve` made at its first start
    r = metarr(env, "apikey")
    assert r.returncode == 0 and r.stdout.strip() == key


def test_serve_says_where_it_listens_where_its_data_is_and_where_the_key_is(env, tmp_path):
    config = load_config(clean(env, tmp_path, METARR_PORT="3999", METARR_HOST="0.0.0.0"))
    text = serve_banner(config)
    assert "open http://localhost:3999/" in text
    assert f"data directory: {config.data_dir}" in text
    assert f"API key: in {config.data_dir / 'api_key'} (print it with `metarr apikey`)" in text


def test_jobs_list_with_an_unknown_status_is_an_error_naming_the_valid_ones(env, tmp_path):
    r = metarr(clean(env, tmp_path), "jobs", "list", "--status", "bogus")
    assert r.returncode == 2 and "0 job(s)" not in r.stdout
    assert "unknown status 'bogus': use one of pending, running, succeeded, dead, cancelled" in r.stderr


def test_jobs_stats_is_a_table_and_json_for_scripts(env, tmp_path):
    env = clean(env, tmp_path)
    r = metarr(env, "jobs", "stats")
    assert r.returncode == 0 and r.stdout.splitlines()[0].startswith("job type")
    assert r.stdout.splitlines()[-1].startswith("total")
    r = metarr(env, "jobs", "stats", "--json")
    assert {"due", "running", "dead", "by_type"} <= set(json.loads(r.stdout))


def test_stats_table_aligns_types_and_states():
    st = Stats(succeeded=12, dead=1, by_type={"scan.library": {"succeeded": 2},
                                             "enrich.movie": {"succeeded": 10, "dead": 1}})
    assert stats_table(st).splitlines() == [
        "job type      succeeded  dead",
        "enrich.movie         10     1",
        "scan.library          2     0",
        "-----------------------------",
        "total                12     1"]


def test_library_add_refuses_a_duplicate_name(env, tmp_path):
    env = clean(env, tmp_path)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert metarr(env, "library", "add", "Movies", str(tmp_path / "a"), "--kind", "movie").returncode == 0
    r = metarr(env, "library", "add", "movies", str(tmp_path / "b"), "--kind", "movie")
    assert r.returncode == 1 and "a library named 'Movies' already exists (library 1)" in r.stderr
    assert metarr(env, "library", "list").stdout.count("Movies") == 1


def test_progress_is_named_in_words():
    assert [phase_words(p) for p in ("walk", "units", "probe", "diff")] == [
        "reading folders", "reading items", "probing streams", "comparing with last scan"]


async def test_the_api_answers_409_for_a_duplicate_library_name(api, tmp_path):
    for n, sub in enumerate(("a", "b")):
        (tmp_path / sub).mkdir()
        r = await api.post("/api/v1/libraries", json={"name": "Movies", "kind": "movie", "path": str(tmp_path / sub)})
        assert r.status == (201 if n == 0 else 409)
    assert (await r.json())["error"]["code"] == "conflict"


async def test_the_login_page_names_the_data_directory(api, services):
    r = await api.get("/login")
    assert f"<code>{services.config.data_dir}/api_key</code>" in await r.text()


def test_the_demo_progress_line_counts_phases_in_words_without_periodic_jobs():
    from metarr.service.clitext import chain_progress
    line = chain_progress({"scan.library": {"succeeded": 3}, "scan.all": {"scheduled": 1},
                           "enrich.movie": {"succeeded": 5, "due": 2}, "publish.movie": {"running": 1},
                           "sync.player": {"dead": 1}})
    assert line == "scanning 3/3 · enriching 5/7 · publishing 0/1 · telling players 1/1"
