"""Every module imports, and every import written inside a function names a module that exists.

A deferred import (inside a function, or under `if TYPE_CHECKING:`) runs only when that code
path does, so a test that never takes the path never sees a missing module: `liaison select
EVENT` once failed with `ModuleNotFoundError: bot.cli.select_event` while its tests passed.
Here each file is read with `ast` and every such import is resolved with `find_spec`.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "scheduler", "storage", "bench")


def modules(*, importable: bool = False) -> list[str]:
    """Every module of the packages; with `importable`, without the migrations, which Alembic loads
    by path inside its own context (test_storage runs them)."""
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).with_suffix("")
            parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
            if importable and "migrations" in parts:
                continue
            found.append(".".join(parts))
    return found


def _source_of(module: str) -> tuple[Path, bool]:
    path = ROOT.joinpath(*module.split("."))
    if path.is_dir():
        return path / "__init__.py", True
    return path.with_suffix(".py"), False


def not_executed_at_import(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """Imports inside functions or `if TYPE_CHECKING:` blocks: the ones importing the module does not run."""
    found: list[ast.Import | ast.ImportFrom] = []
    functions = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)

    def visit(nodes: list[ast.AST], deferred: bool) -> None:
        for node in nodes:
            if isinstance(node, ast.Import | ast.ImportFrom):
                if deferred:
                    found.append(node)
            elif isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                visit(list(node.body), True)
                visit(list(node.orelse), deferred)
            else:
                visit(list(ast.iter_child_nodes(node)), deferred or isinstance(node, functions))

    visit(list(tree.body), False)
    return found


def missing_imports(source: str, module: str, is_package: bool) -> list[str]:
    """The deferred imports in `source` (of `module`) whose module does not exist, as 'line N: name'."""
    package = module if is_package else module.rpartition(".")[0]
    missing = []
    for node in not_executed_at_import(ast.parse(source)):
        if isinstance(node, ast.Import):
            wanted = [alias.name for alias in node.names]
        else:
            base = "." * node.level + (node.module or "")
            resolved = importlib.util.resolve_name(base, package) if node.level else base
            # `from package import name` may name a submodule or an attribute of the package.
            wanted = [resolved]
            for alias in node.names:
                if _exists(resolved) and _is_package(resolved) and not _has_attribute(resolved, alias.name):
                    wanted.append(f"{resolved}.{alias.name}")
        missing += [f"line {node.lineno}: {name}" for name in wanted if not _exists(name)]
    return missing


def _exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # a parent package is missing
        return False


def _is_package(name: str) -> bool:
    spec = importlib.util.find_spec(name)
    return spec is not None and spec.submodule_search_locations is not None


def _has_attribute(module: str, name: str) -> bool:
    return hasattr(importlib.import_module(module), name)


@pytest.mark.parametrize("package", PACKAGES)
def test_every_module_imports(package: str) -> None:
    failures = []
    for module in (m for m in modules(importable=True) if m.split(".")[0] == package):
        try:
            importlib.import_module(module)
        except Exception as exc:
            failures.append(f"{module}: {type(exc).__name__}: {exc}")
    assert failures == []


@pytest.mark.parametrize("package", PACKAGES)
def test_every_deferred_import_names_a_module_that_exists(package: str) -> None:
    failures = []
    for module in (m for m in modules() if m.split(".")[0] == package):
        path, is_package = _source_of(module)
        failures += [
            f"{module} {problem}"
            for problem in missing_imports(path.read_text(encoding="utf-8"), module, is_package)
        ]
    assert failures == []


def test_the_check_finds_a_missing_deferred_import() -> None:
    source = """
from __future__ import annotations
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from storage.models.nothing_here import Missing

def select() -> None:
    from bot.cli.select_event import select_for_event
    from bot.cli import select_nowhere
    from .select_gone import something
    import scheduler.no_such_clock
"""
    assert missing_imports(source, "bot.cli.select", is_package=False) == [
        "line 6: storage.models.nothing_here",
        "line 10: bot.cli.select_nowhere",
        "line 11: bot.cli.select_gone",
        "line 12: scheduler.no_such_clock",
    ]
    assert len(modules()) > 100 and "bot.cli.select_event" in modules()
