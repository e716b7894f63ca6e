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


def _imports(package: str):
    """(file, imported name) for every import in a top-level package."""
    for path in (ROOT / package).rglob("*.py"):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            for n in names:
                yield f"{path.relative_to(ROOT)}", n


def test_domain_never_imports_pykka_or_aiohttp_web():
    bad = [f"{p}: {n}" for p, n in _imports("metarr")
           if n == "pykka" or n.startswith(("pykka.", "aiohttp.web", "actors.", "web.")) or n in ("actors", "web")]
    assert not bad, bad


def test_actors_never_import_the_web_layer():
    # the web layer drives the actors, never the other way round (events flow up by the bus)
    bad = [f"{p}: {n}" for p, n in _imports("actors") if n == "web" or n.startswith(("web.", "aiohttp.web"))]
    assert not bad, bad
