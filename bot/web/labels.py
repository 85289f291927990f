"""Categories as staff read them in the console: translated where the category has a label."""

from __future__ import annotations

from bot.domain.registration_texts import EVENT_KIND_LABELS, KIND_LABELS, STATUS_LABELS
from bot.i18n import Translation
from bot.reference import stakeholders
from bot.reference.countries import REGION_LABELS, Region, country_name, subregion_name
from storage.repositories.registration_table import UNKNOWN


def category(t: Translation, dimension: str, value: str) -> str:
    if value == UNKNOWN:
        return t._("not given")
    if dimension == "status" and value in STATUS_LABELS:
        return t._(STATUS_LABELS[value])
    if dimension == "kind" and value in KIND_LABELS:
        return t._(KIND_LABELS[value])
    if dimension == "event_kind":
        return t._(EVENT_KIND_LABELS.get(value, EVENT_KIND_LABELS["other"]))
    if dimension == "stakeholder_type" and (kind := stakeholders.parse(value)) is not None:
        return t._(stakeholders.LABELS[kind])
    if dimension == "subregion":
        return subregion_name(value, t.language)
    if dimension == "country":
        return country_name(value, t.language)
    if dimension == "region" and value in {r.value for r in Region}:
        return t._(REGION_LABELS[Region(value)])
    return value
