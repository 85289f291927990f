"""Reference data and text rules, without a bot or a database."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from bot.i18n import Translator
from bot.reference import countries, stakeholders, validation
from bot.reference.countries import Region
from storage.models import EmailVerification
from storage.repositories.profiles import CodeCheck, judge_code

NOW = datetime(2025, 1, 15, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("typed", "language", "code"),
    [
        ("مصر", "ar", "EG"),
        ("الجزائر", "ar", "DZ"),
        ("المانيا", "ar", "DE"),  # alef without hamza still finds ألمانيا
        ("埃及", "zh", "EG"),
        ("Égypte", "fr", "EG"),
        ("egypte", "fr", "EG"),
        ("Египет", "ru", "EG"),
        ("Kenia", "es", "KE"),
        ("Frnace", "en", "FR"),
        ("kenya", "ar", "KE"),  # a name in another of the six languages is found too
        ("USA", "en", "US"),
    ],
)
def test_country_search_in_each_language(typed: str, language: str, code: str) -> None:
    assert countries.search(typed, language)[0] == code


def test_country_search_offers_choices_and_nothing_for_nonsense() -> None:
    found = countries.search("united", "en")
    assert {"US", "GB", "AE"} <= set(found) and len(found) <= 8
    assert countries.search("Xyzzyland", "en") == []
    assert countries.search("  ", "en") == []


def test_every_country_has_a_sub_region_and_region() -> None:
    missing = [code for code in countries.all_codes() if countries.subregion_of(code) is None]
    assert missing == ["AQ", "HM"]  # uninhabited: no M49 sub-region
    assert countries.region_of("AQ") is Region.GLOBAL


@pytest.mark.parametrize(
    ("code", "region", "subregion"),
    [
        ("KE", Region.AFRICA, "014"),
        ("KM", Region.AFRICA, "014"),  # Arab League, not an ESCWA member
        ("EG", Region.ARAB_STATES, "015"),  # ECA and ESCWA member: Arab States first
        ("JO", Region.ARAB_STATES, "145"),
        ("KZ", Region.ASIA_PACIFIC, "143"),
        ("TR", Region.EUROPE_NORTH_AMERICA, "145"),
        ("US", Region.EUROPE_NORTH_AMERICA, "021"),
        ("MX", Region.LATIN_AMERICA_CARIBBEAN, "013"),
        ("JM", Region.LATIN_AMERICA_CARIBBEAN, "029"),
        ("PH", Region.ASIA_PACIFIC, "035"),
        ("FJ", Region.ASIA_PACIFIC, "054"),
    ],
)
def test_regions_and_sub_regions(code: str, region: Region, subregion: str) -> None:
    found = countries.country(code)
    assert found is not None and (found.region, found.subregion) == (region, subregion)


def test_countries_in_two_commissions_list_both() -> None:
    assert countries.regions_of("MA") == [Region.ARAB_STATES, Region.AFRICA]
    assert countries.regions_of("KZ") == [Region.ASIA_PACIFIC, Region.EUROPE_NORTH_AMERICA]
    assert countries.regions_of("KE") == [Region.AFRICA]


def test_names_in_the_persons_language() -> None:
    assert countries.country_name("EG", "ar") == "مصر"
    assert countries.subregion_name("015", "zh") == "北非"


def test_time_zones_one_per_clock() -> None:
    assert countries.distinct_time_zones("KE", NOW) == ["Africa/Nairobi"]
    us = countries.distinct_time_zones("US", NOW)
    assert (
        us[0] == "America/New_York"
        and "America/Phoenix" in us
        and len(us) < len(countries.country_time_zones("US"))
    )
    assert countries.distinct_time_zones("OM", NOW) == ["Asia/Muscat"]  # zone.tab names it in the country
    assert countries.time_zone_label("Asia/Kolkata", "en", NOW) == "Kolkata (UTC+05:30)"
    assert countries.time_zone_label("America/Chicago", "ru", NOW).endswith("(UTC−06:00)")
    assert countries.distinct_time_zones("AQ", NOW)  # research stations have zones
    assert countries.is_time_zone("Africa/Cairo") and not countries.is_time_zone("Mars/Olympus")


def test_stakeholder_types_are_the_gcm_list() -> None:
    assert len(stakeholders.StakeholderType) == 15
    assert stakeholders.parse("academia") is stakeholders.StakeholderType.ACADEMIA
    assert stakeholders.parse("robots") is None and stakeholders.parse(None) is None


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", validation.Problem.EMPTY),
        ("A", validation.Problem.TOO_SHORT),
        ("A" * 121, validation.Problem.TOO_LONG),
        ("See http://x.example", validation.Problem.URL),
        ("www.spam.org", validation.Problem.URL),
        ("Bad\x00name", validation.Problem.CONTROL),
        ("Right\u202eto-left trick", validation.Problem.CONTROL),
        ("1234", validation.Problem.NO_LETTERS),
        ("جمعية النور", None),
        ("Zero\u200dwidth joiner kept", None),
        ("妇女之家", None),
    ],
)
def test_text_rules(text: str, problem: validation.Problem | None) -> None:
    assert validation.check_text(validation.clean(text), validation.ORGANISATION) == problem


def test_cleaning_and_email_rules() -> None:
    assert validation.clean("  Two   spaces\n here ") == "Two spaces here"
    assert validation.check_email("name@example.org") is None
    assert validation.check_email("name@example") is validation.Problem.EMAIL
    assert validation.check_email("a b@example.org") is validation.Problem.EMAIL
    assert validation.check_email("x" * 250 + "@example.org") is validation.Problem.TOO_LONG


def test_explanations_are_translated() -> None:
    t = Translator().get("ar")
    text = validation.explain(validation.Problem.TOO_LONG, t, validation.ORGANISATION)
    assert "120" in text and "طويل" in text


def _pending(tries: int = 5, expires: datetime = NOW + timedelta(minutes=15)) -> EmailVerification:
    return EmailVerification(
        address_id=uuid.uuid4(), code_hash=b"right", expires_at=expires, tries_left=tries, created_at=NOW
    )


def test_email_code_rules() -> None:
    assert judge_code(_pending(), b"right", NOW) == (CodeCheck.ACCEPTED, 5)
    assert judge_code(_pending(), b"wrong", NOW) == (CodeCheck.WRONG, 4)
    assert judge_code(_pending(tries=1), b"wrong", NOW) == (CodeCheck.NO_TRIES, 0)
    assert judge_code(_pending(tries=0), b"right", NOW) == (CodeCheck.NO_TRIES, 0)
    assert judge_code(_pending(expires=NOW), b"right", NOW) == (CodeCheck.EXPIRED, 5)
    assert judge_code(None, b"right", NOW) == (CodeCheck.NONE_PENDING, 0)
