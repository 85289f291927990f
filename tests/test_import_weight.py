"""A lighter process (issue 16): what an idle `liaison run` or `liaison worker` does not load.

Each check imports in a fresh interpreter what the command imports and asserts that the
packages made lazy are absent, so moving one of their imports back to a module's top fails
here. The memory itself is measured by bench/idle_rss.py, not here. The shortcuts that avoid
loading a library at start (the schema check without Alembic, the writing direction without
CLDR's locale data) are checked against that library's own answer.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

from babel import Locale

from bot.i18n import RIGHT_TO_LEFT
from bot.settings import LANGUAGES
from storage.migrate import alembic_config, revision_graph, schema_state, upgrade

# Loaded where they are used (a chart, an image, a calendar file, an FAQ search, a web page, an
# email, a YAML import, a country lookup, a CLI progress bar, `liaison migrate`, PostgreSQL),
# never by starting the bot.
LAZY = (
    "matplotlib",
    "numpy",
    "PIL",
    "icalendar",
    "rapidfuzz",
    "jinja2",
    "aiosmtplib",
    "yaml",
    "pycountry",
    "alembic",
    "sqlalchemy.dialects.postgresql",
    "openpyxl",
    "highspy",
)
# What `liaison run` imports: the entry point, then the runner and the application factory.
RUN_IMPORTS = ("bot.cli.main", "bot.run", "bot.app")
# The runtime install (requirements.lock) has no `click`; the dev tools bring it, and with it httpx
# imports its own command-line client (rich, pygments). Made unimportable, as on the runtime install,
# so that rich is expected absent too: only the CLI commands that draw tables or progress load it.
AS_INSTALLED = 'import sys\nsys.modules["click"] = None\n'
# What `liaison worker` imports besides the entry point (bot/cli/broadcast.py's `worker`).
WORKER_IMPORTS = ("bot.cli.main", "bot.bootstrap", "scheduler.delivery", "scheduler.delivery_settings")


def loaded_after(code: str, watched: tuple[str, ...]) -> list[str]:
    """Which of `watched` are in sys.modules after `code` runs in a fresh interpreter."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps([m for m in {watched!r} if m in sys.modules]))"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    found: list[str] = json.loads(result.stdout.strip().splitlines()[-1])
    return found


def test_starting_the_bot_imports_none_of_the_lazy_packages() -> None:
    code = AS_INSTALLED + "\n".join(f"import {module}" for module in RUN_IMPORTS)
    assert loaded_after(code, (*LAZY, "rich", "pygments")) == []


def test_the_worker_imports_neither_the_lazy_packages_nor_the_http_server() -> None:
    code = "\n".join(f"import {module}" for module in WORKER_IMPORTS)
    assert loaded_after(code, (*LAZY, "aiohttp", "scheduler.http")) == []


def test_the_schema_check_at_start_does_not_load_alembic(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'liaison.db'}"
    upgrade(url)
    code = (
        "import asyncio\n"
        "from storage.db import create_engine\n"
        "from storage.migrate import check_schema\n"
        "async def check():\n"
        f"    engine = create_engine({url!r})\n"
        f"    await check_schema(engine, {url!r})\n"
        "    await engine.dispose()\n"
        "asyncio.run(check())"
    )
    assert loaded_after(code, ("alembic",)) == []


def test_translations_load_no_locale_data() -> None:
    # Babel keeps each loaded locale in `babel.localedata._cache`: about 1.5 MB per language.
    code = "import babel.localedata\nfrom bot.i18n import Translator\nTranslator()"
    probe = f"{code}\nprint(len(babel.localedata._cache))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0"


def test_the_right_to_left_languages_are_those_cldr_names() -> None:
    assert {code for code in LANGUAGES if Locale.parse(code).character_order == "right-to-left"} == set(
        RIGHT_TO_LEFT
    )


def test_the_revision_graph_read_from_the_scripts_is_alembics(tmp_path: Path) -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    graph = revision_graph()
    assert set(graph) == {revision.revision for revision in script.walk_revisions()}
    for revision in script.walk_revisions():
        down = revision.down_revision
        assert graph[revision.revision] == frozenset((down,) if isinstance(down, str) else down or ())
    url = f"sqlite+aiosqlite:///{tmp_path / 'liaison.db'}"

    async def state() -> tuple[frozenset[str], frozenset[str]]:
        from storage.db import create_engine

        engine = create_engine(url)
        try:
            found = await schema_state(engine, url)
        finally:
            await engine.dispose()
        return found.heads, found.current

    heads, current = asyncio.run(state())
    assert heads == frozenset(script.get_heads())
    assert current == frozenset()
    upgrade(url)
    heads, current = asyncio.run(state())
    assert current == heads
