"""The top-level names `web` and `actors` are generic: make sure ours are the ones imported, and
that the domain package keeps out of the actor and web runtimes."""
import ast
from pathlib import Path

import actors
import metarr
import web

ROOT = Path(__file__).resolve().parent.parent


def test_generic_package_names_are_ours():
    for mod in (web, actors, metarr):
        assert Path(mod.__file__).resolve().parent.parent == ROOT, mod.__file__


def test_domain_never_imports_pykka_or_aiohttp_web():
    bad = []
    for path in (ROOT / "metarr").rglob("*.py"):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            for n in names:
                if n == "pykka" or n.startswith("pykka.") or n.startswith("aiohttp.web") or n in ("actors", "web") \
                        or n.startswith(("actors.", "web.")):
                    bad.append(f"{path.relative_to(ROOT)}: {n}")
    assert not bad, bad
