"""The apps stay in layers: every import runs down, and no two apps import each other in a loop.

An import back up the layers (an engine reaching for a page, a cache or a view) is how the
knots of issue 19 grew, so this walks the import statements themselves, function-level ones
included, over every module of the project (management commands and migrations count as
their app).
"""

from __future__ import annotations

import ast
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("coolpapers", "search")

# Each app's layer: an app imports only apps of its own layer or lower ones.
LAYERS: dict[str, int] = {
    # The project's configuration: settings and the Celery app every task and probe uses.
    "config": 0,
    "papers": 1,
    "jobs": 1,
    "ingestion": 2,
    "rendering": 2,
    "search": 2,
    "related": 2,
    "semantic": 2,
    "llm": 2,
    "faq": 2,
    # A reader's collections, ratings and marks, and the profile models trained on them.
    "library": 2,
    "ranking": 2,
    "web": 3,
    "interests": 4,
    # Digest emails and feeds: a profile's ranking of the day, rendered for a mailbox.
    "digests": 4,
    "browse": 5,
    "api": 5,
    "ops": 5,
    "accounts": 5,
    "personal": 5,
    # The project's wiring (root URLs, WSGI) sits on top of everything.
    "coolpapers": 6,
}


def app_of(module: str) -> str | None:
    """The app a dotted module name belongs to, or None for a module outside the project."""
    parts = module.split(".")
    if parts[0] == "search":
        return "search"
    if parts[0] != "coolpapers":
        return None
    if len(parts) > 1 and parts[1] in LAYERS:
        return parts[1]
    if len(parts) > 1 and parts[1] in ("celery", "settings"):
        return "config"
    return "coolpapers"


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, root: Path = ROOT) -> list[tuple[int, str]]:
    """(line, imported module) for every import in the file, relative ones resolved."""
    module = module_name(path, root)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.append((node.lineno, target))
            # `from coolpapers import browse` names the app in the alias, not the module.
            found += [(node.lineno, f"{target}.{alias.name}") for alias in node.names]
    return found


def project_files() -> list[Path]:
    return sorted(
        path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "node_modules" not in path.parts
    )


def app_imports() -> list[tuple[str, str, str]]:
    """(location, importing app, imported app) for every import from one app into another."""
    edges = []
    for path in project_files():
        source = app_of(module_name(path))
        for line, target in imports_of(path):
            imported = app_of(target)
            if imported and imported != source:
                edges.append((f"{path.relative_to(ROOT)}:{line}", source, imported))
    return edges


def test_every_app_has_a_layer():
    apps = {app_of(module_name(path)) for path in project_files()}
    assert apps <= set(LAYERS), f"apps with no layer: {sorted(apps - set(LAYERS))}"


def test_no_import_runs_up_the_layers():
    upward = sorted(
        {
            f"{where}: {source} (layer {LAYERS[source]}) imports {target} (layer {LAYERS[target]})"
            for where, source, target in app_imports()
            if LAYERS[target] > LAYERS[source]
        }
    )
    assert not upward, "imports up the layers:\n" + "\n".join(upward)


def test_apps_import_each_other_in_no_cycle():
    graph: dict[str, set[str]] = {}
    where: dict[tuple[str, str], str] = {}
    for location, source, target in app_imports():
        graph.setdefault(source, set()).add(target)
        where.setdefault((source, target), location)
    cycles = []
    # A cycle through app a: a path from one of a's imports back to a.
    for start in sorted(graph):
        stack = [(start, [start])]
        seen: set[str] = set()
        while stack:
            node, trail = stack.pop()
            for nxt in sorted(graph.get(node, ())):
                if nxt == start:
                    loop = [*trail, start]
                    if min(loop[:-1]) == start:
                        cycles.append(
                            " -> ".join(loop)
                            + "  ("
                            + "; ".join(where[pair] for pair in pairwise(loop))
                            + ")"
                        )
                elif nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, [*trail, nxt]))
    assert not cycles, "apps import each other in a cycle:\n" + "\n".join(sorted(set(cycles)))


def test_the_walk_sees_function_level_and_relative_imports(tmp_path):
    """The checker itself: an import inside a function and a relative import are both found."""
    package = tmp_path / "coolpapers" / "related"
    package.mkdir(parents=True)
    source = package / "views.py"
    source.write_text("from ..browse.views import x\n\ndef f():\n    from coolpapers import web\n")
    found = {app_of(target) for _, target in imports_of(source, tmp_path)}
    assert {"browse", "web"} <= found
