"""Languages people speak (R2), found by name through Babel's language names.

A person may name a language in any of the six UN languages or in the language itself
("Swahili", "suajili", "Kiswahili"); we keep its ISO 639 code and show its name in the reader's
language.
"""

from __future__ import annotations

import json
import unicodedata
from functools import lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError

from bot.settings import LANGUAGES

MAX_SPOKEN = 12


def _key(name: str) -> str:
    return unicodedata.normalize("NFKC", name).casefold().strip()


# Each language's name in itself, made from Babel's CLDR data by `python -m tools.language_endonyms`:
# reading every language's locale data here would cost a second and about 150 MB at the first lookup.
ENDONYMS = Path(__file__).with_name("language_endonyms.json")


@lru_cache(maxsize=1)
def _by_name() -> dict[str, str]:
    """Every language name Babel knows in the six languages, and each language's own name, to its code."""
    found: dict[str, str] = {}
    for ui in LANGUAGES:
        for code, name in Locale.parse(ui).languages.items():
            if "_" in code:  # regional variants ("en_GB") are the same language for us
                continue
            found.setdefault(_key(name), code)
    for code, own in json.loads(ENDONYMS.read_text(encoding="utf-8")).items():
        found.setdefault(_key(own), code)
    return found


@lru_cache(maxsize=1)
def _codes() -> frozenset[str]:
    """The codes `_by_name` leads to, as a set (not a scan of its values on every lookup)."""
    return frozenset(_by_name().values())


def find_language(name: str) -> str | None:
    """The code of the language called `name` in any of the six languages or in itself, or None."""
    key = _key(name)
    if not key:
        return None
    if len(key) in (2, 3) and key in _codes():
        return key
    return _by_name().get(key)


def language_label(code: str, reader: str) -> str:
    """`code`'s name in the reader's language (the code itself if Babel has no name for it)."""
    try:
        return Locale.parse(reader).languages.get(code) or code
    except (UnknownLocaleError, ValueError):
        return code
