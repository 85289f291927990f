"""Every user-facing string is translated into all six UN languages, in their own scripts."""

from __future__ import annotations

import gettext
import re
import unicodedata
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.settings import LANGUAGES

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
METHOD_MAP = [("bot/**.py", "python"), ("scheduler/**.py", "python"), ("storage/**.py", "python")]
SCRIPTS = {"ar": "ARABIC", "zh": "CJK", "ru": "CYRILLIC"}
PLACEHOLDER = re.compile(r"\{[^{}\s]*\}|%\([^)]+\)[sd]")
COMMAND = re.compile(r"/[a-z_]+")
# Words that are spelled the same in English and in that language; anything else identical is a copy.
SAME_AS_ENGLISH = {"es": {"no"}, "fr": {"Contact", "Date", "Message", "Stop"}}


def source_messages() -> set[str]:
    found: set[str] = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), METHOD_MAP, keywords=KEYWORDS
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def load(language: str) -> Catalog:
    with (LOCALES / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=language)


def strings_of(message: object) -> list[str]:
    if isinstance(message, tuple):
        return [str(item) for item in message]
    return [str(message)]


def in_script(text: str, script: str) -> bool:
    return any(script in unicodedata.name(char, "") for char in text)


@pytest.fixture(scope="module")
def in_code() -> set[str]:
    messages = source_messages()
    assert len(messages) >= 10, "extraction found almost nothing; the keyword list or paths are wrong"
    return messages


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_in_the_code_is_translated(language: str, in_code: set[str]) -> None:
    catalog = load(language)
    missing = sorted(m for m in in_code if m not in catalog or not all(strings_of(catalog[m].string)))
    assert missing == [], f"{language}: untranslated: {missing[:5]}"
    fuzzy = sorted(str(m.id) for m in catalog if m.id and m.fuzzy)
    assert fuzzy == [], f"{language}: fuzzy entries: {fuzzy[:5]}"


def single_number_forms(catalog: Catalog) -> set[int]:
    """Plural forms that only one number takes (Arabic 0, 1 and 2): they may spell the number out,
    as in "يومان" (two days), and leave out its placeholder."""
    choose = gettext.c2py(catalog.plural_expr)
    numbers: dict[int, set[int]] = {}
    for n in range(1000):
        numbers.setdefault(choose(n), set()).add(n)
    return {form for form, taken_by in numbers.items() if len(taken_by) == 1}


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_and_commands_match(language: str) -> None:
    catalog = load(language)
    spelled_out = single_number_forms(catalog)
    for message in catalog:
        if not message.id:
            continue
        source = " ".join(strings_of(message.id))
        for form, translated in enumerate(strings_of(message.string)):
            found, wanted = set(PLACEHOLDER.findall(translated)), set(PLACEHOLDER.findall(source))
            if isinstance(message.id, tuple) and form in spelled_out:
                assert found <= wanted, f"{language}: unknown placeholder in {source!r}"
            else:
                assert found == wanted, f"{language}: placeholders differ in {source!r}"
            assert set(COMMAND.findall(translated)) == set(COMMAND.findall(source)), (
                f"{language}: commands differ in {source!r}"
            )


@pytest.mark.parametrize("language", [code for code in LANGUAGES if code != "en"])
def test_translations_are_not_english_copies(language: str) -> None:
    for message in load(language):
        if not message.id:
            continue
        source = strings_of(message.id)[0]
        for translated in strings_of(message.string):
            if PLACEHOLDER.sub("", COMMAND.sub("", source)).strip(" .:—-") == "":
                continue  # nothing to translate: only a command or placeholder
            if source in SAME_AS_ENGLISH.get(language, set()):
                continue
            assert translated != source, f"{language}: English copy of {source!r}"
            if language in SCRIPTS:
                assert in_script(translated, SCRIPTS[language]), f"{language}: not in its script: {source!r}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_fit_a_phone_screen(language: str) -> None:
    for message in load(language):
        if not message.id:
            continue
        source = strings_of(message.id)[0]
        for translated in strings_of(message.string):
            assert len(translated) <= max(int(len(source) * 1.8), len(source) + 30), (
                f"{language}: much longer than the English: {source!r}"
            )
            assert len(translated) <= 1000, f"{language}: over 1000 characters: {source!r}"


def test_compiled_catalogs_are_current() -> None:
    for language in LANGUAGES:
        po = LOCALES / language / "LC_MESSAGES" / "messages.po"
        mo = po.with_suffix(".mo")
        assert mo.exists(), f"{mo} is missing: run `make compile-catalogs`"
        assert mo.stat().st_mtime >= po.stat().st_mtime, (
            f"{mo} is older than its .po: run `make compile-catalogs`"
        )
