"""Golden files: rendering is byte-for-byte stable, well-formed, and reads back to the same document.

Regenerate after an intended format change with METARR_UPDATE_GOLDEN=1 and review the diff.
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from metarr.nfo import parse_nfo, render_nfo
from tests.nfo.docs import GOLDEN

GOLDEN_DIR = Path(__file__).resolve().parent.parent / "golden"


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_render_matches_golden(name: str) -> None:
    rendered = render_nfo(GOLDEN[name])
    path = GOLDEN_DIR / name
    if os.environ.get("METARR_UPDATE_GOLDEN"):
        path.write_bytes(rendered)
    assert rendered == path.read_bytes()


def test_render_is_the_same_in_every_process() -> None:
    """Stable across runs, not only within one: another interpreter with other hash seeds (set and
    dict-of-set orders change with them) renders every document to the same bytes."""
    script = ("import hashlib, json; from metarr.nfo import render_nfo; from tests.nfo.docs import GOLDEN; "
              "print(json.dumps({n: hashlib.sha256(render_nfo(d)).hexdigest() for n, d in GOLDEN.items()}))")
    here = {n: hashlib.sha256(render_nfo(d)).hexdigest() for n, d in GOLDEN.items()}
    root = str(GOLDEN_DIR.parent.parent)
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": root}
        out = subprocess.run([sys.executable, "-c", script], env=env, cwd=root, capture_output=True, text=True,
                             timeout=60, check=True)
        assert json.loads(out.stdout) == here


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_golden_is_well_formed_utf8_xml(name: str) -> None:
    data = (GOLDEN_DIR / name).read_bytes()
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<')
    assert data.endswith(b">\n")
    data.decode("utf-8")
    # Stacked <episodedetails> are several roots (Kodi's format): check each one.
    body = data.split(b"?>\n", 1)[1]
    roots = ET.fromstring(b"<wrap>" + body + b"</wrap>")
    assert len(roots) >= 1
    if name != "episode-multi.nfo":
        ET.fromstring(data)


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_round_trip_gives_same_document(name: str) -> None:
    result = parse_nfo(render_nfo(GOLDEN[name]))
    assert result.error is None
    assert result.warnings == ()
    assert result.doc == GOLDEN[name]


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_golden_file_reads_back(name: str) -> None:
    result = parse_nfo((GOLDEN_DIR / name).read_bytes())
    assert result.ok
    assert result.doc == GOLDEN[name]
    assert render_nfo(result.doc) == (GOLDEN_DIR / name).read_bytes()
