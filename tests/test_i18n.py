"""Language negotiation and local date formatting."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.i18n import Translator, language_name, negotiate


def test_saved_choice_beats_telegram_language_which_beats_default() -> None:
    assert negotiate("fr", "ru", "en") == "fr"
    assert negotiate(None, "ru-RU", "en") == "ru"
    assert negotiate(None, "zh-hans", "en") == "zh"
    assert negotiate(None, "de", "en") == "en"
    assert negotiate("xx", None, "es") == "es"


def test_language_names_are_in_their_own_language() -> None:
    assert [language_name(code) for code in ("ar", "zh", "ru")] == ["العربية", "中文", "Русский"]


def test_times_are_shown_in_the_persons_zone_across_daylight_saving() -> None:
    translator = Translator()
    before = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)  # Europe still on winter time
    after = datetime(2026, 3, 30, 12, 0, tzinfo=UTC)  # clocks moved forward on the 29th
    english = translator.get("en")
    assert "1:00" in english.datetime(before, "Europe/Paris")
    assert "2:00" in english.datetime(after, "Europe/Paris")
    assert "20:00" in translator.get("zh").datetime(before, "Asia/Shanghai")
    assert translator.get("ar").is_rtl
    assert not translator.get("ru").is_rtl


def test_unknown_zone_falls_back_to_utc() -> None:
    shown = Translator().get("en").datetime(datetime(2026, 1, 1, 9, 0, tzinfo=UTC), "Mars/Olympus")
    assert "9:00" in shown
