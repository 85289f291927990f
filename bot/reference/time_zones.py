"""Finding any IANA time zone from what a person types: a zone name or a city, in any of the six languages.

The cities are CLDR's exemplar cities as Babel gives them ("Paris", "باريس", "巴黎", "Париж"),
so "Europe/Paris", "paris", "Париж" and "巴黎" all find Europe/Paris. Zones whose clocks never
differ from another's still count: a person picks the city they know.
"""

from __future__ import annotations

import functools
import zoneinfo
from datetime import datetime

from babel.dates import get_timezone_location

from bot.reference.countries import all_zone_names, distinct_time_zones, normalise
from bot.settings import LANGUAGES


@functools.cache
def _index() -> tuple[tuple[str, frozenset[str]], ...]:
    """(zone, its normalised names: the whole name, its last part, its city in each language),
    for the zones of tzdata's zone.tab; aliases (Asia/Calcutta, US/Pacific) are found by full name only."""
    rows: list[tuple[str, frozenset[str]]] = [("UTC", frozenset({"utc", "gmt"}))]
    for zone in sorted(all_zone_names()):
        names = {normalise(zone), normalise(zone.rsplit("/", 1)[-1].replace("_", " "))}
        for language in LANGUAGES:
            try:
                names.add(normalise(get_timezone_location(zone, locale=language, return_city=True)))
            except (LookupError, ValueError):
                continue
        rows.append((zone, frozenset(name for name in names if name)))
    return tuple(rows)


def search(query: str, limit: int = 8) -> list[str]:
    """Zones matching `query`, best first: a whole name or city, then names starting with it,
    then (from three letters) names containing it."""
    wanted = normalise(query)
    if not wanted:
        return []
    exact = _by_folded_name().get(query.strip().casefold())
    if exact is not None:
        return [exact]
    ranked: list[tuple[int, str]] = []
    for zone, names in _index():
        if wanted in names:
            ranked.append((0, zone))
        elif any(name.startswith(wanted) for name in names):
            ranked.append((1, zone))
        elif len(wanted) >= 3 and any(wanted in name for name in names):
            ranked.append((2, zone))
    ranked.sort()
    if ranked and ranked[0][0] == 0:
        ranked = [entry for entry in ranked if entry[0] == 0]
    return [zone for _rank, zone in ranked[:limit]]


@functools.cache
def _by_folded_name() -> dict[str, str]:
    """Every zone tzdata knows, aliases too, by its case-folded name (built once, not per search)."""
    return {zone.casefold(): zone for zone in zoneinfo.available_timezones()}


def offered(country: str | None, now: datetime) -> list[str]:
    """The zones to offer as buttons before anything is typed: one per distinct clock of the country."""
    return distinct_time_zones(country, now) if country else []
