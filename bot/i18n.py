"""Translations: one gettext catalog per UN language, chosen per person, and local dates and times."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel.dates import (
    format_skeleton,
    format_time,
    get_datetime_format,
    get_timezone_gmt,
    get_timezone_location,
)
from babel.support import NullTranslations, Translations

from bot.bidi import RtlText, isolate, isolate_embedded, isolate_offsets
from bot.settings import LANGUAGES

DEFAULT_LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
# Of the six languages only Arabic is written right to left. Asking CLDR (Babel's `Locale.character_order`)
# would load each language's whole locale data, about 1.5 MB each, at every start, for one fact
# (issue 16); `tests/test_import_weight.py` checks this set against CLDR.
RIGHT_TO_LEFT = frozenset({"ar"})


def N_(message: str) -> str:
    """Marks a string for extraction where it is defined; it is translated where it is shown."""
    return message


def language_name(code: str) -> str:
    """A language's name in that language, as people look for it in a picker."""
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


def negotiate(saved: str | None, telegram_code: str | None, default: str = "en") -> str:
    """The saved choice first, then the language Telegram reports for the account, else the default."""
    if saved in LANGUAGES:
        return saved
    if telegram_code:
        base = telegram_code.replace("_", "-").split("-")[0].lower()
        if base in LANGUAGES:
            return base
    return default


class Translation:
    """The strings and date formats of one language."""

    def __init__(self, language: str, catalog: NullTranslations) -> None:
        self.language = language
        self._catalog = catalog
        self.is_rtl = language in RIGHT_TO_LEFT
        # Right-to-left messages get their links and /commands isolated once, on first lookup.
        self._isolated: dict[str, RtlText] = {}

    def _(self, message: str) -> str:
        return self._directed(self._catalog.gettext(message))

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        return self._directed(self._catalog.ngettext(singular, plural, count))

    def isolated(self, value: str) -> str:
        """`value` kept in its own order inside this language's text: for pieces put together in
        code rather than through a message ("/start — …" in /help)."""
        return isolate(value) if self.is_rtl else value

    def _directed(self, text: str) -> str:
        """In a right-to-left language, `text` with its embedded pieces and future values isolated."""
        if not self.is_rtl:
            return text
        found = self._isolated.get(text)
        if found is None:
            found = self._isolated[text] = RtlText(isolate_embedded(text))
        return found

    def datetime(self, moment: datetime, time_zone: str | None) -> str:
        """`moment` (aware UTC) as a weekday, date and time without seconds, in the person's zone and language."""
        zone = zone_or_utc(time_zone)
        date_part = format_skeleton("yMMMEd", moment, tzinfo=zone, locale=self.language)
        time_part = format_time(moment, format="short", tzinfo=zone, locale=self.language)
        # CLDR's pattern for joining a date and a time: "{1}, {0}" in English, "{1} {0}" in Chinese.
        joined = (
            str(get_datetime_format("medium", locale=self.language))
            .replace("{1}", date_part)
            .replace("{0}", time_part)
        )
        # The city and the offset on that date: unambiguous across daylight-saving changes.
        if zone.key == "UTC":
            return f"{joined} (UTC)"
        city = get_timezone_location(zone, locale=self.language, return_city=True)
        offset = get_timezone_gmt(moment.astimezone(zone), width="long", locale=self.language)
        if self.is_rtl:
            offset = isolate_offsets(offset)
        return f"{joined} ({city}{self.list_comma}{offset})"

    @property
    def list_comma(self) -> str:
        """The comma between two items in this language: "، " in Arabic, "，" in Chinese."""
        return LIST_COMMAS.get(self.language, ", ")


# CLDR's list patterns ("{0}، {1}" in Arabic, "{0}、{1}" / "，" in Chinese) as one separator each.
LIST_COMMAS = {"ar": "، ", "zh": "，"}


def zone_or_utc(time_zone: str | None) -> ZoneInfo:
    if time_zone:
        try:
            return ZoneInfo(time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return ZoneInfo("UTC")


class Translator:
    """Loads each catalog once; hands out `Translation`s by language code."""

    def __init__(self, locales_dir: Path = DEFAULT_LOCALES_DIR, default: str = "en") -> None:
        self.default = default
        self._translations: dict[str, Translation] = {}
        for language in LANGUAGES:
            catalog = Translations.load(str(locales_dir), [language], domain="messages")
            self._translations[language] = Translation(language, catalog)

    def get(self, language: str | None) -> Translation:
        return self._translations.get(language or self.default, self._translations[self.default])

    def negotiate(self, saved: str | None, telegram_code: str | None) -> Translation:
        return self.get(negotiate(saved, telegram_code, self.default))

    def language_question(self, first: str) -> str:
        """ "Choose your language." in all six languages, one line each in its own language, the
        best guess (`first`, from the app's language) on top: a person who reads only one of them
        finds the question before choosing. Each line is a paragraph of its own, so a renderer
        gives each its own direction from its first letter."""
        order = [first, *(code for code in LANGUAGES if code != first)] if first in LANGUAGES else LANGUAGES
        return "\n".join(str(self.get(code)._("Choose your language.")) for code in order)
