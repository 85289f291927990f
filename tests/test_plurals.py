"""Plural messages take the CLDR form of each number: six in Arabic, three in Russian."""

from __future__ import annotations

import gettext
import string

import pytest
from babel import Locale

from bot.bidi import strip_isolates
from bot.i18n import Translator
from tests.test_catalogs import load

# CLDR's categories in the order gettext catalogs number their forms.
CATEGORIES = ("zero", "one", "two", "few", "many", "other")
NUMBERS = {"ar": (0, 1, 2, 3, 11, 100), "ru": (1, 2, 5, 21)}
# Forms that must read differently: each of these categories is a different word form.
# (Russian "few" and "many" may coincide: "из 2 мест", "из 5 мест".)
DISTINCT = {"ar": ("one", "two", "few", "many"), "ru": ("one", "many")}


def cldr_form(language: str, count: int) -> int:
    """The index of the catalog form that CLDR's rules give `count` in `language`."""
    plural = Locale.parse(language).plural_form
    used = [category for category in CATEGORIES if category in plural.tags | {"other"}]
    if language == "ru":
        used.remove("other")  # Russian "other" is for fractions only; whole numbers use three forms
    return used.index(plural(count))


@pytest.mark.parametrize("language", ["ar", "ru"])
def test_the_catalog_header_picks_the_cldr_form(language: str) -> None:
    choose = gettext.c2py(load(language).plural_expr)
    for count in (*range(0, 230), 1000, 1001, 1002, 1011, 3000):
        assert choose(count) == cldr_form(language, count), f"{language}: {count}"


@pytest.mark.parametrize("language", ["ar", "ru"])
def test_each_plural_message_reads_right_for_each_number(language: str) -> None:
    translation = Translator().get(language)
    plurals = [message for message in load(language) if isinstance(message.id, tuple)]
    assert len(plurals) >= 20, "the plural messages went missing"
    for message in plurals:
        singular, plural = message.id[0], message.id[1]
        shown: dict[str, str] = {}
        for count in NUMBERS[language]:
            template = translation.ngettext(singular, plural, count)
            names = [name for _text, name, _spec, _conv in string.Formatter().parse(template) if name]
            rendered = strip_isolates(template.format(**{name: count for name in names}))
            category = Locale.parse(language).plural_form(count)
            assert strip_isolates(template) == list(message.string or ())[cldr_form(language, count)]
            shown.setdefault(category, strip_isolates(template))
            if str(count) not in rendered:
                # Only a form that one number alone takes may spell the number out (يومان: two days).
                assert category in ("zero", "one", "two"), f"{language}: {count} lost in {singular!r}"
        forms = [shown[category] for category in DISTINCT[language]]
        assert len(set(forms)) == len(forms), f"{language}: forms alike in {singular!r}: {forms}"


def test_arabic_three_thousand_characters_takes_the_singular_noun() -> None:
    arabic = Translator().get("ar")
    text = arabic.ngettext(
        "What happened? Write it in your own words, in up to {limit} character.",
        "What happened? Write it in your own words, in up to {limit} characters.",
        3000,
    ).format(limit=3000)
    assert "3000" in text and "حرف." in text and "حرفًا" not in text
    assert "يومًا" in arabic.ngettext("{count} day", "{count} days", 34).format(count=34)


def test_web_and_chat_limits_agree_with_their_number_in_arabic() -> None:
    """Limits that were single messages (a web form's title, a question's length) now agree with
    their number: 200 and 2000 take the singular noun, 50 the accusative, 5 the plural."""
    arabic = Translator().get("ar")
    title = arabic.ngettext(
        "A title has at most {limit} character. Please send a shorter one.",
        "A title has at most {limit} characters. Please send a shorter one.",
        200,
    ).format(limit=200)
    assert "200 حرف." in strip_isolates(title)
    question = arabic.ngettext(
        "That is too long: at most {limit} character. Please send a shorter question.",
        "That is too long: at most {limit} characters. Please send a shorter question.",
        50,
    ).format(limit=50)
    assert "50 حرفًا" in strip_isolates(question)
    files = arabic.ngettext(
        "You can send photos or documents as evidence: up to {count} file, {size} MB each. "
        "Press Done when you have finished, or if you have none.",
        "You can send photos or documents as evidence: up to {count} files, {size} MB each. "
        "Press Done when you have finished, or if you have none.",
        5,
    ).format(count=5, size=10)
    assert "5 ملفات" in strip_isolates(files)
