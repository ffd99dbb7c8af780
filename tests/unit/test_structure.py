"""The floor plan holds: layers import one way, no cycles, small modules, few rooms.

Read with ``ast`` like the purity test (never imported): imports inside functions count.
"""

from __future__ import annotations

import ast
import sys
from importlib import metadata
from pathlib import Path

import pytest

from tests.unit.test_purity import absolute, module_name

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "worker"
# Lower layers first; a module may import its own layer's folder and any layer before it.
# broker and api are two adapters side by side (Celery; HTTP): neither imports the other.
LAYERS = [
    ("core",), ("readers", "pipeline"), ("store",), ("ingest",), ("observe",), ("broker", "api"),
]  # fmt: skip
ENTRIES = {"worker.app", "worker.producer", "worker.__main__", "worker"}
ENTRY_FOLDERS = ("worker.cli",)  # the command line: the top, it may import anything
MAX_LINES = 300
MAX_ROOM_ENTRIES = 13  # 12 until the HTTP API (worker/api) got its own room
SOURCES = sorted(PACKAGE.rglob("*.py"))
MODULES = {module_name(p): p for p in SOURCES}


def worker_imports(path: Path) -> set[str]:
    """Modules of the package that ``path`` imports, anywhere in the file."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {resolve(a.name) for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = absolute(node, path)
            found |= {resolve(f"{base}.{a.name}") for a in node.names}
    return {m for m in found if m} - {module_name(path)}


def resolve(dotted: str) -> str:
    """The longest module of the package that ``dotted`` names ('' if none)."""
    while dotted and dotted not in MODULES:
        dotted = dotted.rpartition(".")[0]
    return "" if dotted == "worker" else dotted


GRAPH = {name: worker_imports(path) for name, path in MODULES.items()}


def layer(module: str) -> int | None:
    parts = module.split(".")
    folder = parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in _FOLDERS) else None
    for n, names in enumerate(LAYERS):
        if folder in names:
            return n
    return None


_FOLDERS = {name for names in LAYERS for name in names}


def upward_imports() -> list[str]:
    bad = []
    for module, deps in GRAPH.items():
        mine = layer(module)
        if mine is None:  # an entry point: it may import anything
            assert module in ENTRIES or module.startswith(ENTRY_FOLDERS), f"{module}: no layer"
            continue
        for dep in deps:
            theirs = layer(dep)
            same_folder = dep.split(".")[1] == module.split(".")[1]
            if theirs is None or theirs > mine or (theirs == mine and not same_folder):
                bad.append(f"{module} -> {dep}")
    return sorted(bad)


def cycles() -> list[list[str]]:
    found: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for dep in sorted(GRAPH.get(node, ())):
            if state.get(dep) == 1:
                found.append([*stack[stack.index(dep) :], dep])
            elif dep not in state:
                visit(dep)
        stack.pop()
        state[node] = 2

    for module in sorted(GRAPH):
        if module not in state:
            visit(module)
    return found


def test_imports_run_one_way() -> None:
    assert upward_imports() == []


def test_no_import_cycles_even_inside_functions() -> None:
    assert cycles() == []


def test_core_imports_nothing_else_of_the_package() -> None:
    for module, deps in GRAPH.items():
        if module.startswith("worker.core"):
            assert {d for d in deps if not d.startswith("worker.core")} == set(), module


@pytest.mark.parametrize("folder", ["ingest", "pipeline", "store", "readers", "core"])
def test_use_cases_and_below_never_import_celery_or_click(folder: str) -> None:
    for path in (PACKAGE / folder).rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        names |= {absolute(n, path) for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        roots = {name.split(".")[0] for name in names}
        assert not roots & {"celery", "kombu", "click", "rich"}, path


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_module_is_small(path: Path) -> None:
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_LINES


def test_few_entries_at_the_top_of_the_package() -> None:
    entries = [p for p in PACKAGE.iterdir() if p.name != "__pycache__"]
    assert len(entries) <= MAX_ROOM_ENTRIES, sorted(p.name for p in entries)


# --- dependencies are declared exactly as imported ------------------------------------------


def third_party_imports() -> set[str]:
    roots: set[str] = set()
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                roots |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                roots.add(node.module.split(".")[0])
    return {r for r in roots if r != "worker" and r not in sys.stdlib_module_names}


def declared() -> set[str]:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = {_name(spec) for spec in project["dependencies"]}
    return {n.lower().replace("_", "-") for n in names}


def _name(spec: str) -> str:
    for stop in "[=<>~!; ":
        spec = spec.split(stop)[0]
    return spec


def test_every_imported_package_is_declared() -> None:
    owners = metadata.packages_distributions()
    missing = {}
    for module in third_party_imports():
        dists = {d.lower().replace("_", "-") for d in owners.get(module, [module])}
        if not dists & declared():
            missing[module] = sorted(dists)
    assert missing == {}


def test_every_declared_package_is_imported() -> None:
    owners = metadata.packages_distributions()
    imported = {
        d.lower().replace("_", "-") for m in third_party_imports() for d in owners.get(m, [m])
    }
    # Declared for what they bring rather than imported by name: the Redis transport extra,
    # lxml's html cleaner (imported by trafilatura), Flower (run as a command), psycopg (a
    # SQLAlchemy dialect, loaded from the store URL), alembic (migrations scripts), tzdata
    # (the time zone database zoneinfo reads where the system has none).
    used_indirectly = {"flower", "lxml-html-clean", "psycopg", "tzdata"}
    assert declared() - imported - used_indirectly == set()
