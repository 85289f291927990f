"""The layers point one way: storage imports neither bot nor scheduler; scheduler imports no handler,
CLI or sandbox; application services import no entry point; the chat and the web console import
no CLI, and the console's pages no chat handler. Deferred imports count too."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(path: Path) -> Iterator[str]:
    """Every module `path` imports, at the top or inside a function."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


RULES = [
    ("storage", ("bot", "scheduler")),
    ("scheduler", ("bot.handlers", "bot.cli", "bot.sandbox", "bot.application", "bot.app")),
    ("bot/application", ("bot.handlers", "bot.cli", "bot.sandbox", "bot.app")),
    ("bot/domain", ("bot.handlers", "bot.cli", "bot.application", "scheduler")),
    # Entry points share rules through bot/application, never through each other.
    ("bot/handlers", ("bot.cli",)),
    ("bot/web", ("bot.cli",)),
    # The console's pages reach the chat's texts and rules through bot/application and bot/domain.
    ("bot/web/pages", ("bot.handlers",)),
]


@pytest.mark.parametrize(("package", "forbidden"), RULES, ids=[rule[0] for rule in RULES])
def test_imports_point_down(package: str, forbidden: tuple[str, ...]) -> None:
    offending = sorted(
        f"{path.relative_to(ROOT)} imports {module}"
        for path in (ROOT / package).rglob("*.py")
        for module in imported_modules(path)
        if any(module == name or module.startswith(name + ".") for name in forbidden)
    )
    assert offending == []


def test_the_check_sees_deferred_imports(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from bot.i18n import Translator\n    import scheduler.outbox\n")
    assert list(imported_modules(sample)) == ["bot.i18n", "scheduler.outbox"]
