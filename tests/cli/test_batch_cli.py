"""`metarr batch`: the API's batch actions headless, by filter and by ids, with a summary; a
request that makes no sense is one line and exit 2."""
import json

from tests.cli.test_summary import metarr
from web.demo.media import make_clip


def test_batch_locks_by_filter_and_refuses_in_words(env, tmp_path):
    env = {k: v for k, v in env.items() if not k.endswith("_API_KEY") or k == "METARR_API_KEY"}
    env.update(HOME=str(tmp_path), LANG="C.UTF-8")
    for title in ("The General (1926)", "Nosferatu (1922)"):
        make_clip(tmp_path / "Movies" / title / f"{title}.mkv")
    assert metarr(env, "library", "add", "Movies", str(tmp_path / "Movies"), "--kind", "movie").returncode == 0
    assert metarr(env, "scan", "Movies").returncode == 0
    r = metarr(env, "batch", "movies", "lock", "--filter", "state=unidentified", "--fields", "title,year", "--json")
    assert r.returncode == 0, r.stderr + r.stdout
    assert "lock fields: 2 movies" in r.stdout
    summary = json.loads(r.stdout.strip().splitlines()[-1])
    assert summary["done"] and summary["by_status"] == {"succeeded": 2}
    # nothing identified: a publish would write nothing, and says so
    r = metarr(env, "batch", "movies", "publish", "--ids", "1,2")
    assert r.returncode == 2 and "cannot publish: all 2 selected items are not identified" in r.stderr
    r = metarr(env, "batch", "movies", "lock", "--filter", "state=lost", "--fields", "title")
    assert r.returncode == 2 and "'lost' is not a state" in r.stderr
    r = metarr(env, "batch", "movies", "set", "--ids", "1", "--field", "year", "--value", "soon")
    assert r.returncode == 2 and "non-negative integer" in r.stderr
    r = metarr(env, "batch", "--help")
    assert "metarr batch movies publish --filter missing=poster" in r.stdout and "METARR_DATA_DIR" in r.stdout
