"""A real Chromium (Debian's package, installed by `make browser`) driven by Playwright, and axe-core.

No browser is downloaded: Playwright launches /usr/bin/chromium. Where it is missing (set-up
run without root), the browser tests skip and say why.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("LIAISON_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = Path(__file__).with_name("data") / "axe.min.js"
# Set (e.g. by `make screenshots`) to a folder: the browser tests save a screenshot of each page there.
SCREENSHOTS = os.environ.get("LIAISON_SCREENSHOTS")


def browser_missing() -> str | None:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"Chromium not found at {CHROMIUM}: run `make browser` as root (it installs Debian's chromium)"
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed: run `make .venv/.installed` (it is a dev dependency)"
    return None


@pytest.fixture
async def chromium() -> AsyncIterator[Any]:
    reason = browser_missing()
    if reason is not None:
        pytest.skip(reason)
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


async def serious_violations(page: Any) -> list[str]:
    """axe-core's serious and critical findings on the page (WCAG 2.1 A and AA rules)."""
    await page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = await page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"
    )
    return [
        f"{v['id']} ({v['impact']}): {json.dumps([n['target'] for n in v['nodes']][:3])}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


async def screenshot(page: Any, name: str) -> None:
    if SCREENSHOTS:
        # Playwright makes the folder if need be.
        await page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)
