"""Write bot/reference/language_endonyms.json: each language's name in itself, from Babel's CLDR.

Finding a language by its own name ("Kiswahili", "Tagalog") needs every language's locale
data; loading it at run time took a second of CPU and about 150 MB on the first `/languages`
with a name. The table is made here once instead (`python -m tools.language_endonyms` after a
Babel upgrade); tests/test_language_endonyms.py fails when it no longer matches Babel.
"""

from __future__ import annotations

import json
from pathlib import Path

from babel import Locale, UnknownLocaleError

from bot.settings import LANGUAGES

TABLE = Path(__file__).resolve().parent.parent / "bot" / "reference" / "language_endonyms.json"


def endonyms() -> dict[str, str]:
    """The code → own name of every language the six languages have a name for (no regional variants)."""
    codes = {code for ui in LANGUAGES for code in Locale.parse(ui).languages if "_" not in code}
    found: dict[str, str] = {}
    for code in sorted(codes):
        try:
            own = Locale.parse(code).get_display_name(code)
        except (UnknownLocaleError, ValueError):
            continue
        if own:
            found[code] = own
    return found


def render(table: dict[str, str]) -> str:
    return json.dumps(table, ensure_ascii=False, indent=0, sort_keys=True) + "\n"


def main() -> None:
    table = endonyms()
    TABLE.write_text(render(table), encoding="utf-8")
    print(f"{TABLE}: {len(table)} languages")


if __name__ == "__main__":
    main()
