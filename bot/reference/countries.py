"""Countries, their UN regions and sub-regions, and their time zones.

Sources, all maintained packages rather than lists kept here:

- **ISO 3166-1 codes**: `pycountry` (the Debian iso-codes data).
- **Country and sub-region names in each language**: Babel's CLDR territory names, so a
  person types "مصر", "埃及" or "Égypte" and finds Egypt, and sub-regions read "شمال أفريقيا".
- **Sub-region of a country** (UN M49, the grouping CLDR's territory containment uses):
  `countryinfo`'s data (`intermediateregion`, else `subregion`), mapped to the M49 code by
  its English CLDR name. Babel ships CLDR names but not CLDR's containment table, so the
  containment comes from `countryinfo`; the M49 code then gives the name in every language.
- **Time zones of a country**: IANA's `zone.tab` from the `tzdata` package, the same database
  `zoneinfo` reads, so every suggestion resolves. `zone.tab` rather than `zone1970.tab` because
  it names a zone inside the country itself (Oman → Asia/Muscat), where `zone1970.tab` merges
  zones across borders (Oman → Asia/Dubai), which would confuse a person confirming it.

UN regional commission of a country (`region_of`): the commission whose GCM regional review
the country takes part in. Eight African countries are members of both ECA and ESCWA
(Algeria, Egypt, Libya, Mauritania, Morocco, Somalia, Sudan, Tunisia); Liaison puts them in
**Arab States (ESCWA)**, whose regional review covers the Arab region they usually engage in,
and `regions_of` lists both so the subscription step offers both. Comoros and Djibouti are
Arab League members outside ESCWA and stay in Africa (ECA). Countries that belong to ECE and
ESCAP (Central Asia, the South Caucasus, Russia, Türkiye) follow their M49 continent: Russia,
Türkiye and the South Caucasus → ECE; Central Asia → ESCAP; both are listed by `regions_of`.
"""

from __future__ import annotations

import difflib
import functools
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from importlib import resources
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import get_timezone_location

from bot.i18n import N_
from bot.settings import LANGUAGES

if TYPE_CHECKING:
    from pycountry import ExistingCountries


class Region(StrEnum):
    AFRICA = "africa"
    ARAB_STATES = "arab_states"
    ASIA_PACIFIC = "asia_pacific"
    EUROPE_NORTH_AMERICA = "europe_north_america"
    LATIN_AMERICA_CARIBBEAN = "latin_america_caribbean"
    GLOBAL = "global"


REGION_LABELS: dict[Region, str] = {
    Region.AFRICA: N_("Africa (ECA)"),
    Region.ARAB_STATES: N_("Arab States (ESCWA)"),
    Region.ASIA_PACIFIC: N_("Asia-Pacific (ESCAP)"),
    Region.EUROPE_NORTH_AMERICA: N_("Europe and North America (ECE)"),
    Region.LATIN_AMERICA_CARIBBEAN: N_("Latin America and the Caribbean (ECLAC)"),
    Region.GLOBAL: N_("Global (all regions)"),
}

# CLDR / M49 sub-regions, by continent.
_SUBREGIONS_OF: dict[str, tuple[str, ...]] = {
    "002": ("015", "011", "017", "014", "018"),  # Africa
    "019": ("021", "013", "029", "005"),  # Americas
    "142": ("143", "030", "035", "034", "145"),  # Asia
    "150": ("151", "154", "039", "155"),  # Europe
    "009": ("053", "054", "057", "061"),  # Oceania
}
_CONTINENT_OF_SUBREGION = {sub: continent for continent, subs in _SUBREGIONS_OF.items() for sub in subs}

ESCWA_IN_AFRICA = frozenset({"DZ", "EG", "LY", "MR", "MA", "SO", "SD", "TN"})
ESCWA_IN_ASIA = frozenset({"BH", "IQ", "JO", "KW", "LB", "OM", "PS", "QA", "SA", "SY", "AE", "YE"})
ECE_IN_ASIA = frozenset({"AM", "AZ", "GE", "TR", "CY", "IL", "KZ", "KG", "TJ", "TM", "UZ"})
ESCAP_AND_ECE = frozenset({"AM", "AZ", "GE", "TR", "RU", "KZ", "KG", "TJ", "TM", "UZ"})
CENTRAL_ASIA = "143"


@dataclass(frozen=True)
class Country:
    code: str  # ISO 3166-1 alpha-2
    subregion: str | None  # M49 code, e.g. "015" (Northern Africa)
    region: Region


@functools.cache
def _m49_by_english_name() -> dict[str, str]:
    names = Locale.parse("en").territories
    found = {names[code]: code for code in _CONTINENT_OF_SUBREGION if code in names}
    # M49's English names where CLDR's short names differ.
    found.update({"South-eastern Asia": "035", "Australia and New Zealand": "053", "Micronesia": "057"})
    return found


@functools.cache
def _subregions() -> dict[str, str]:
    """ISO alpha-2 → M49 sub-region code, from countryinfo's data."""
    from countryinfo._cache import load_countries

    by_name = _m49_by_english_name()
    found: dict[str, str] = {}
    for info in load_countries()["countries"].values():
        code = str(info.get("ISO", {}).get("alpha2") or "").upper()
        if len(code) != 2 or code in found:
            continue
        for candidate in (info.get("intermediateregion"), info.get("subregion")):
            m49 = by_name.get(str(candidate or ""))
            if m49 is not None:
                found[code] = m49
                break
    return found


def subregion_of(code: str) -> str | None:
    return _subregions().get(code.upper())


def _region_for(code: str, subregion: str | None) -> Region:
    if code in ESCWA_IN_AFRICA or code in ESCWA_IN_ASIA:
        return Region.ARAB_STATES
    continent = _CONTINENT_OF_SUBREGION.get(subregion or "")
    if continent == "002":
        return Region.AFRICA
    if continent == "019":
        return Region.EUROPE_NORTH_AMERICA if subregion == "021" else Region.LATIN_AMERICA_CARIBBEAN
    if continent == "150":
        return Region.EUROPE_NORTH_AMERICA
    if continent == "142":
        if code in ECE_IN_ASIA and subregion != CENTRAL_ASIA:
            return Region.EUROPE_NORTH_AMERICA
        return Region.ASIA_PACIFIC
    if continent == "009":
        return Region.ASIA_PACIFIC
    return Region.GLOBAL


def region_of(code: str) -> Region:
    """The UN regional commission a country's regional review belongs to (see the module doc)."""
    code = code.upper()
    return _region_for(code, subregion_of(code))


def regions_of(code: str) -> list[Region]:
    """Every commission a country takes part in, the one of `region_of` first."""
    code = code.upper()
    primary = region_of(code)
    found = [primary]
    if code in ESCWA_IN_AFRICA:
        found.append(Region.AFRICA)
    if code in ESCAP_AND_ECE:
        found.append(
            Region.ASIA_PACIFIC if primary is Region.EUROPE_NORTH_AMERICA else Region.EUROPE_NORTH_AMERICA
        )
    return found


def _iso_countries() -> ExistingCountries:
    """pycountry's ISO 3166-1 database, imported on first use rather than with the bot (issue 16)."""
    import pycountry

    return pycountry.countries


def country(code: str) -> Country | None:
    code = code.upper()
    if _iso_countries().get(alpha_2=code) is None:
        return None
    sub = subregion_of(code)
    return Country(code, sub, _region_for(code, sub))


def all_codes() -> list[str]:
    return sorted(entry.alpha_2 for entry in _iso_countries())


def country_name(code: str, language: str) -> str:
    """The country's name in `language` (CLDR), else its ISO English name."""
    name = Locale.parse(language).territories.get(code.upper())
    if name:
        return str(name)
    entry = _iso_countries().get(alpha_2=code.upper())
    return str(entry.name) if entry is not None else code


def subregion_name(m49: str, language: str) -> str:
    return str(Locale.parse(language).territories.get(m49, m49))


# --- search by typed name ---

_ARABIC_FOLDS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي", "ـ": None})
_DROP = {"Mn", "Me", "Mc", "Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "Zs", "Cf", "Sk"}


def normalise(text: str) -> str:
    """Case, accents, Arabic letter variants, spaces and punctuation folded away."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_ARABIC_FOLDS))
    return "".join(char for char in decomposed if unicodedata.category(char) not in _DROP)


def _words(text: str) -> list[str]:
    return [normalise(word) for word in text.replace("-", " ").split() if normalise(word)]


@functools.cache
def _search_index() -> list[tuple[str, str, str, tuple[str, ...]]]:
    """(code, language, normalised name, normalised words) for every name in every language."""
    rows: list[tuple[str, str, str, tuple[str, ...]]] = []
    for code in all_codes():
        entry = _iso_countries().get(alpha_2=code)
        names = {(language, country_name(code, language)) for language in LANGUAGES}
        for extra in (getattr(entry, "name", None), getattr(entry, "common_name", None)):
            if extra:
                names.add(("en", str(extra)))
        official = getattr(entry, "official_name", None)
        if official:
            names.add(("official", str(official)))  # ranked after names in the person's language
        for language, name in names:
            rows.append((code, language, normalise(name), tuple(_words(name))))
    return rows


def search(query: str, language: str, limit: int = 8) -> list[str]:
    """Country codes whose name (in any of the six languages) matches what the person typed,
    best first: exact, then name prefix, word prefix, contained, then close spellings."""
    ranked = _ranked(query, language)
    if ranked and ranked[0][1][0] == 0:
        return [ranked[0][0]]
    return [code for code, _rank in ranked[:limit]]


def identify(text: str, language: str = "en") -> str | None:
    """The one country `text` names, as onboarding's search understands it (a name in any of the
    six languages, close spellings, ISO codes), or None when it names none or several equally well.

    For where nobody can be asked which one was meant, such as an imported contact list.
    """
    ranked = _ranked(text, language)
    if not ranked:
        return None
    if len(ranked) > 1 and ranked[1][1][0] == ranked[0][1][0]:
        return None  # "Korea": two countries match the same way
    return ranked[0][0]


def _ranked(query: str, language: str) -> list[tuple[str, tuple[int, int]]]:
    """Matching codes with their rank (how well, then whether in `language`), best first."""
    wanted = normalise(query)
    if not wanted:
        return []
    best: dict[str, tuple[int, int]] = {}
    if len(wanted) in (2, 3):
        entry = _iso_countries().get(alpha_2=wanted.upper()) or _iso_countries().get(alpha_3=wanted.upper())
        if entry is not None:
            best[entry.alpha_2] = (1, 0)
    for code, name_language, name, words in _search_index():
        other_language = 0 if name_language == language else 1
        if name == wanted:
            score = 0
        elif name.startswith(wanted):
            score = 2
        elif any(word.startswith(wanted) for word in words):
            score = 3
        elif len(wanted) >= 3 and wanted in name:
            score = 4
        else:
            continue
        rank = (score, other_language)
        if code not in best or rank < best[code]:
            best[code] = rank
    if not best and len(wanted) >= 4:
        # Nothing matched as typed: close spellings ("Frnace"), cheap bounds first.
        for code, name_language, name, _words in _search_index():
            matcher = difflib.SequenceMatcher(None, wanted, name)
            if matcher.real_quick_ratio() >= 0.8 and matcher.quick_ratio() >= 0.8 and matcher.ratio() >= 0.8:
                rank = (5, 0 if name_language == language else 1)
                if code not in best or rank < best[code]:
                    best[code] = rank
    ordered = sorted(best, key=lambda code: (best[code], country_name(code, language)))
    return [(code, best[code]) for code in ordered]


# --- time zones ---


@functools.cache
def _zone_tab() -> dict[str, tuple[str, ...]]:
    text = resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text(encoding="utf-8")
    zones: dict[str, list[str]] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        fields = line.split("\t")
        zones.setdefault(fields[0], []).append(fields[2])
    return {code: tuple(names) for code, names in zones.items()}


def all_zone_names() -> set[str]:
    """Every zone of zone.tab: one canonical name per place, no aliases."""
    return {zone for zones in _zone_tab().values() for zone in zones}


def country_time_zones(code: str) -> tuple[str, ...]:
    """IANA zones of a country, as listed in tzdata's zone.tab (most populous area first)."""
    return _zone_tab().get(code.upper(), ())


def distinct_time_zones(code: str, now: datetime) -> list[str]:
    """One zone per distinct clock in the country (same offset now and in half a year),
    so a country with many zone names offers a short list."""
    seen: set[tuple[timedelta | None, timedelta | None]] = set()
    chosen: list[str] = []
    later = now + timedelta(days=182)
    for name in country_time_zones(code):
        zone = ZoneInfo(name)
        key = (now.astimezone(zone).utcoffset(), later.astimezone(zone).utcoffset())
        if key not in seen:
            seen.add(key)
            chosen.append(name)
    return chosen


def utc_offset_label(name: str, now: datetime) -> str:
    offset = now.astimezone(ZoneInfo(name)).utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "−"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{rest:02d}"


def time_zone_label(name: str, language: str, now: datetime) -> str:
    """ "Chicago (UTC−05:00)" in the person's language: the zone's city, then its offset now."""
    try:
        city = get_timezone_location(ZoneInfo(name), locale=language, return_city=True)
    except (LookupError, ValueError):
        city = name.rsplit("/", 1)[-1].replace("_", " ")
    return f"{city} ({utc_offset_label(name, now)})"


def is_time_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        return False
    return True
