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


# ------------------------------------------------------------------ layering inside metarr/

def _units():
    """metarr's packages and top-level modules: name -> (the file with its docstring, its files)."""
    out = {}
    for p in sorted((ROOT / "metarr").iterdir()):
        if p.is_dir() and (p / "__init__.py").exists():
            out[p.name] = (p / "__init__.py", sorted(p.rglob("*.py")))
        elif p.suffix == ".py" and p.name != "__init__.py":
            out[p.stem] = (p, [p])
    return out


def _allowed(doc_file: Path) -> set[str]:
    doc = ast.get_docstring(ast.parse(doc_file.read_text())) or ""
    line = next((ln for ln in doc.splitlines() if ln.startswith("May import:")), None)
    assert line, f"{doc_file.relative_to(ROOT)}: its docstring says what it may import ('May import: …')"
    names = line.removeprefix("May import:").strip().rstrip(".")
    return set() if names == "nothing of metarr" else {n.strip() for n in names.split(",")}


def _runtime_imports(path: Path):
    """The metarr units a file imports when it runs (imports only for type checkers do not count)."""
    tree = ast.parse(path.read_text(), str(path))
    typing_only = {id(n) for node in ast.walk(tree)
                   if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.dump(node.test) for n in ast.walk(node)}
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            mods = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            mods = [f"metarr.{a.name}" for a in node.names] if node.module == "metarr" else [node.module]
        else:
            continue
        for m in mods:
            if m.startswith("metarr."):
                yield node.lineno, m.split(".")[1]


def test_each_package_imports_only_what_its_docstring_allows():
    units = _units()
    bad = []
    for name, (doc_file, files) in units.items():
        allowed = _allowed(doc_file) | {name}
        unknown = allowed - set(units)
        assert not unknown, f"{name}: 'May import' names no such package: {unknown}"
        for f in files:
            for line, used in _runtime_imports(f):
                if used not in allowed:
                    bad.append(f"{f.relative_to(ROOT)}:{line} imports metarr.{used} ({name} may import "
                               f"{', '.join(sorted(allowed - {name})) or 'nothing of metarr'})")
    assert not bad, "\n".join(bad)


def test_the_layers_form_no_circle():
    # the allowances themselves must be a hierarchy: no package may be allowed to import one that may
    # import it back, directly or around a circle
    graph = {name: _allowed(doc) for name, (doc, _) in _units().items()}
    done, path = set(), []

    def visit(n):
        if n in path:
            raise AssertionError("circle: " + " -> ".join(path[path.index(n):] + [n]))
        if n in done:
            return
        path.append(n)
        for m in graph[n]:
            visit(m)
        path.pop()
        done.add(n)

    for n in graph:
        visit(n)


def test_few_modules_directly_in_metarr():
    top = [p.name for p in (ROOT / "metarr").glob("*.py")]
    assert len(top) <= 8, top


def test_web_handlers_leave_writes_to_the_domain():
    # a write transaction belongs with the rule it serves (metarr/), so the CLI, the API and the
    # actors all get the same behaviour; the web layer only reads and calls
    bad = []
    for path in (ROOT / "web").rglob("*.py"):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            name = (node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else None)
            if name in ("write_tx", "atomic", "insert_many", "create_table"):
                bad.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}")
    assert not bad, bad


def _module_graph():
    """Every module of metarr/, web/ and actors/ -> the project modules it imports (relative ones resolved)."""
    mods = {}
    for top in ("metarr", "web", "actors"):
        for p in (ROOT / top).rglob("*.py"):
            name = ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            mods[name] = p

    def known(n):
        while n and n not in mods:
            n = n.rpartition(".")[0]
        return n

    graph = {}
    for name, p in mods.items():
        pkg = name if p.name == "__init__.py" else name.rpartition(".")[0]
        out = set()
        for node in ast.walk(ast.parse(p.read_text(), str(p))):
            if isinstance(node, ast.Import):
                out |= {known(a.name) for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    b = pkg
                    for _ in range(node.level - 1):
                        b = b.rpartition(".")[0]
                    base = f"{b}.{base}" if base else b
                out |= {f"{base}.{a.name}" if f"{base}.{a.name}" in mods else known(base) for a in node.names}
        graph[name] = {m for m in out if m and m != name}
    return graph


def test_no_import_circles():
    # a circle makes import order matter and hides which module owns a name (ratelimit <-> registry and
    # app <-> middlewares were two); imports inside functions count as well
    graph = _module_graph()
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(n):
        state[n] = 1
        path.append(n)
        for m in sorted(graph[n]):
            if state.get(m) == 1:
                raise AssertionError("import circle: " + " -> ".join(path[path.index(m):] + [m]))
            if m not in state:
                visit(m)
        path.pop()
        state[n] = 2

    for n in sorted(graph):
        if n not in state:
            visit(n)
