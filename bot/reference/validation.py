"""Rules for free-text answers: plain functions that return what is wrong, and its translated explanation."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from bot.i18n import Translation

_URL = re.compile(r"(https?://|www\.|\b[\w-]+\.(com|org|net|info|io|ru|cn|xyz|top|link)\b)", re.IGNORECASE)
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+$")
_SPACES = re.compile(r"\s+")


class Problem(StrEnum):
    EMPTY = "empty"
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    CONTROL = "control"
    URL = "url"
    NO_LETTERS = "no_letters"
    EMAIL = "email"


@dataclass(frozen=True)
class TextRule:
    """Limits of one kind of answer."""

    min_length: int = 1
    max_length: int = 120
    allow_urls: bool = False
    needs_letters: bool = True


ORGANISATION = TextRule(min_length=2, max_length=120)
CITY = TextRule(min_length=2, max_length=80)
COUNTRY_QUERY = TextRule(min_length=2, max_length=60)
EMAIL_MAX = 254
EMAIL = TextRule(min_length=3, max_length=EMAIL_MAX, allow_urls=True)


def clean(text: str) -> str:
    """Unicode-normalised, with runs of spaces made one and the ends trimmed."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def check_text(text: str, rule: TextRule) -> Problem | None:
    """What is wrong with `text` under `rule`, or None when it is fine (check the `clean`ed text)."""
    if any(
        unicodedata.category(char) in {"Cc", "Cf", "Co", "Cs"} and char not in "\u200c\u200d" for char in text
    ):
        return Problem.CONTROL
    if not text:
        return Problem.EMPTY
    if len(text) < rule.min_length:
        return Problem.TOO_SHORT
    if len(text) > rule.max_length:
        return Problem.TOO_LONG
    if not rule.allow_urls and _URL.search(text):
        return Problem.URL
    if rule.needs_letters and not any(unicodedata.category(char).startswith("L") for char in text):
        return Problem.NO_LETTERS
    return None


def check_email(text: str) -> Problem | None:
    if not text:
        return Problem.EMPTY
    if len(text) > EMAIL_MAX:
        return Problem.TOO_LONG
    if any(unicodedata.category(char).startswith("C") for char in text) or not _EMAIL.match(text):
        return Problem.EMAIL
    return None


def explain(problem: Problem, t: Translation, rule: TextRule | None = None) -> str:
    """The person's-language explanation of `problem`."""
    rule = rule or TextRule()
    if problem is Problem.EMPTY:
        return t._("Please type an answer.")
    if problem is Problem.TOO_SHORT:
        return t.ngettext(
            "That is too short: please use at least {count} character.",
            "That is too short: please use at least {count} characters.",
            rule.min_length,
        ).format(count=rule.min_length)
    if problem is Problem.TOO_LONG:
        return t.ngettext(
            "That is too long: please use at most {count} character.",
            "That is too long: please use at most {count} characters.",
            rule.max_length,
        ).format(count=rule.max_length)
    if problem is Problem.CONTROL:
        return t._("Your answer contains invisible control characters. Please type it again.")
    if problem is Problem.URL:
        return t._("Please do not put web links here; type the name only.")
    if problem is Problem.NO_LETTERS:
        return t._("Please type a name with letters, not only numbers or symbols.")
    return t._("That does not look like an email address. Please check it, for example name@example.org.")
