"""Registration categories as people read them, in their language: one place for /stats, its
chart and the exports, so no code ("woman", "25_34", "015") reaches a reader."""

from __future__ import annotations

from bot.domain.registration_texts import KIND_LABELS, STATUS_LABELS
from bot.i18n import N_, Translation
from bot.reference import stakeholders
from bot.reference.countries import REGION_LABELS, Region, country_name, subregion_name
from storage.models.registrations import UNKNOWN_CATEGORY

UNKNOWN = UNKNOWN_CATEGORY  # a category nobody gave

# The balance questions' answers (R10); age ranges read the same in every language.
BALANCE_LABELS: dict[str, str] = {
    "woman": N_("Woman"),
    "man": N_("Man"),
    "another": N_("Another gender"),
    "under_25": N_("Under 25"),
    "25_34": "25–34",
    "35_49": "35–49",
    "50_64": "50–64",
    "65_plus": N_("65 or over"),
    "yes": N_("Yes, it is"),
    "no": N_("No, it is not"),
    "undisclosed": N_("Prefer not to say"),
}
BALANCE_DIMENSIONS = frozenset({"gender", "age_group", "migrant_led"})
UNTRANSLATED = frozenset({"25_34", "35_49", "50_64"})


def balance_label(t: Translation, code: str) -> str:
    label = BALANCE_LABELS.get(code, code)
    return label if code in UNTRANSLATED or code not in BALANCE_LABELS else t._(label)


def category_label(t: Translation, dimension: str, value: str | None) -> str:
    """`value` of `dimension` (status, kind, stakeholder_type, region, country, subregion, gender,
    age_group, migrant_led) in `t`'s language; an unknown code is shown as it is."""
    if value is None or value in ("", UNKNOWN):
        return t._("not given")
    if dimension == "status" and value in STATUS_LABELS:
        return t._(STATUS_LABELS[value])
    if dimension == "kind" and value in KIND_LABELS:
        return t._(KIND_LABELS[value])
    if dimension == "stakeholder_type" and (kind := stakeholders.parse(value)) is not None:
        return t._(stakeholders.LABELS[kind])
    if dimension == "subregion":
        return subregion_name(value, t.language)
    if dimension == "country":
        return country_name(value, t.language)
    if dimension == "region" and value in {region.value for region in Region}:
        return t._(REGION_LABELS[Region(value)])
    if dimension in BALANCE_DIMENSIONS:
        return balance_label(t, value)
    return value
