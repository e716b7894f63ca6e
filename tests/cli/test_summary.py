"""The CLI's words at the end of `metarr scan`: what this command did, and what needs the user."""
import os
import subprocess
import sys
from pathlib import Path

from web.demo.media import make_clip

ROOT = Path(__file__).resolve().parents[2]


def metarr(env, *args):
    return subprocess.run([sys.executable, "-c", "import sys; from web.cli import main; sys.exit(main(sys.argv[1:]))",
                           *args], env={**env, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=120)


def test_scan_summary_names_unidentified_items_with_the_reason_and_where_to_click(env, tmp_path):
    env = {k: v for k, v in env.items() if not k.endswith("_API_KEY") or k == "METARR_API_KEY"}
    env.update(HOME=str(tmp_path), METARR_PORT="3123", LANG="C.UTF-8")
    make_clip(tmp_path / "Movies" / "The General (1926)" / "The General (1926).mkv")
    r = metarr(env, "library", "add", "Movies", str(tmp_path / "Movies"), "--kind", "movie")
    assert r.returncode == 0, r.stderr
    r = metarr(env, "scan", "Movies")
    assert r.returncode == 0, r.stderr + r.stdout
    out = r.stdout
    assert "1 item(s) not identified; nothing was written into the library for them:" in out
    assert "The General: no TMDB API key set -> http://127.0.0.1:3123/movies/1" in out
    # the jobs of this command, not the queue's history: a second scan counts its own again
    first = next(line for line in out.splitlines() if line.startswith("scan finished"))
    r2 = metarr(env, "scan", "Movies")
    second = next(line for line in r2.stdout.splitlines() if line.startswith("scan finished"))
    assert first.split(":")[1].split("job")[0].strip() != "0"
    assert int(second.split(":")[1].split("job")[0]) <= int(first.split(":")[1].split("job")[0])
    assert os.path.exists(tmp_path / "Movies" / "The General (1926)" / "The General (1926).mkv")
