"""worker/pipeline/ stays pure: no broker, network, database or settings imports, no clock.

Read with ``ast`` (never imported, never regex): aliases, ``from`` imports, relative imports
and imports inside functions are all resolved to dotted names before checking.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PIPELINE = ROOT / "worker" / "pipeline"
FORBIDDEN_MODULES = ("celery", "kombu", "redis", "httpx", "sqlalchemy", "worker.core.settings")
CLOCK_READS = {
    "datetime.datetime.now",
    "datetime.datetime.utcnow",
    "datetime.datetime.today",
    "datetime.date.today",
    "time.time",
    "time.time_ns",
}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def absolute(node: ast.ImportFrom, path: Path) -> str:
    """The dotted module an ``ImportFrom`` names, relative levels resolved."""
    if not node.level:
        return node.module or ""
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    base = package[: len(package) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def imports(tree: ast.AST, path: Path) -> dict[str, str]:
    """Every local name bound by an import -> the dotted name it stands for."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    names[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    names[top] = top
        elif isinstance(node, ast.ImportFrom):
            module = absolute(node, path)
            for alias in node.names:
                names[alias.asname or alias.name] = f"{module}.{alias.name}"
    return names


def imported_modules(tree: ast.AST, path: Path) -> list[str]:
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = absolute(node, path)
            found += [module, *(f"{module}.{alias.name}" for alias in node.names)]
    return found


def is_forbidden(module: str) -> bool:
    return any(module == bad or module.startswith(bad + ".") for bad in FORBIDDEN_MODULES)


def dotted(node: ast.expr, names: dict[str, str]) -> str | None:
    """``a.b.c`` with the leading name replaced by what it was imported as."""
    attrs: list[str] = []
    while isinstance(node, ast.Attribute):
        attrs.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return ".".join([names.get(node.id, node.id), *reversed(attrs)])


def clock_reads(tree: ast.AST, names: dict[str, str]) -> list[str]:
    calls = (dotted(n.func, names) for n in ast.walk(tree) if isinstance(n, ast.Call))
    return sorted({c for c in calls if c in CLOCK_READS})


def findings(source: str, path: Path) -> list[str]:
    tree = ast.parse(source, filename=str(path))
    bad = sorted({m for m in imported_modules(tree, path) if is_forbidden(m)})
    return [f"imports {m}" for m in bad] + [
        f"reads the clock: {c}()" for c in clock_reads(tree, imports(tree, path))
    ]


def violations(path: Path) -> list[str]:
    return findings(path.read_text(encoding="utf-8"), path)


SOURCES = sorted(PIPELINE.rglob("*.py"))


def test_the_pipeline_is_found() -> None:
    names = {p.relative_to(PIPELINE).as_posix() for p in SOURCES}
    assert {"articles.py", "normalise.py", "dedup.py", "prepare.py", "language.py"} <= names


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.relative_to(PIPELINE).as_posix())
def test_pipeline_module_is_pure(path: Path) -> None:
    assert violations(path) == []


# --- the checker itself must catch what it claims to catch ----------------------------------

IMPURE = [
    ("import celery", "imports celery"),
    ("import kombu.utils as k", "imports kombu.utils"),
    ("from redis.asyncio import Redis", "imports redis.asyncio"),
    ("def f():\n    import httpx", "imports httpx"),
    ("from sqlalchemy import select", "imports sqlalchemy"),
    ("from worker.core.settings import Settings", "imports worker.core.settings"),
    ("from worker.core import settings", "imports worker.core.settings"),
    ("from ...core import settings", "imports worker.core.settings"),
    ("from ...core.settings import Settings", "imports worker.core.settings"),
    (
        "from datetime import datetime\nx = datetime.now()",
        "reads the clock: datetime.datetime.now()",
    ),
    (
        "import datetime\nx = datetime.datetime.utcnow()",
        "reads the clock: datetime.datetime.utcnow()",
    ),
    ("import datetime as dt\nx = dt.date.today()", "reads the clock: datetime.date.today()"),
    (
        "from datetime import datetime as D\nx = D.now(tz=None)",
        "reads the clock: datetime.datetime.now()",
    ),
    ("import time\nx = time.time()", "reads the clock: time.time()"),
    ("from time import time\nx = time()", "reads the clock: time.time()"),
    (
        "from time import time as clock\ndef f():\n    return clock()",
        "reads the clock: time.time()",
    ),
]
PURE = [
    "from datetime import datetime\ndef f(now: datetime) -> datetime:\n    return now",
    "import time\nx = time.perf_counter()",
    "from worker.pipeline.neardup import near_signature",
    "from .normalise import fingerprint",
    "import redislike",
    "x = now()",
]


@pytest.mark.parametrize(("source", "expected"), IMPURE)
def test_checker_catches(source: str, expected: str) -> None:
    # A path two levels inside the pipeline, so "from ... import x" means worker.x.
    assert expected in findings(source, PIPELINE / "enrich" / "fake.py")


@pytest.mark.parametrize("source", PURE)
def test_checker_allows(source: str) -> None:
    assert findings(source, PIPELINE / "fake.py") == []
