"""The stakeholder types of the Global Compact for Migration (REQUIREMENTS.md, "Who is who")."""

from __future__ import annotations

from enum import StrEnum

from bot.i18n import N_


class StakeholderType(StrEnum):
    MIGRANTS = "migrants"
    MIGRANT_DIASPORA = "migrant_diaspora"
    CIVIL_SOCIETY = "civil_society"
    FAITH_BASED = "faith_based"
    LOCAL_AUTHORITIES = "local_authorities"
    PRIVATE_SECTOR = "private_sector"
    EMPLOYERS = "employers"
    WORKERS_UNIONS = "workers_unions"
    PARLIAMENTARIANS = "parliamentarians"
    HUMAN_RIGHTS_INSTITUTIONS = "nhri"
    RED_CROSS_RED_CRESCENT = "red_cross"
    ACADEMIA = "academia"
    MEDIA = "media"
    WOMEN_CHILDREN_YOUTH = "women_children_youth"
    OTHER = "other"


LABELS: dict[StakeholderType, str] = {
    StakeholderType.MIGRANTS: N_("Migrants"),
    StakeholderType.MIGRANT_DIASPORA: N_("Migrant and diaspora organisations"),
    StakeholderType.CIVIL_SOCIETY: N_("Civil society organisations"),
    StakeholderType.FAITH_BASED: N_("Faith-based organisations"),
    StakeholderType.LOCAL_AUTHORITIES: N_("Local authorities and communities"),
    StakeholderType.PRIVATE_SECTOR: N_("Private sector"),
    StakeholderType.EMPLOYERS: N_("Employers' organisations"),
    StakeholderType.WORKERS_UNIONS: N_("Workers' organisations and trade unions"),
    StakeholderType.PARLIAMENTARIANS: N_("Parliamentarians"),
    StakeholderType.HUMAN_RIGHTS_INSTITUTIONS: N_("National human rights institutions"),
    StakeholderType.RED_CROSS_RED_CRESCENT: N_("Red Cross and Red Crescent Movement"),
    StakeholderType.ACADEMIA: N_("Academia"),
    StakeholderType.MEDIA: N_("Media"),
    StakeholderType.WOMEN_CHILDREN_YOUTH: N_("Women, children and youth organisations"),
    StakeholderType.OTHER: N_("Other"),
}


def parse(value: str | None) -> StakeholderType | None:
    """The type stored or sent in a button, or None when it is not one of ours."""
    try:
        return StakeholderType(value) if value else None
    except ValueError:
        return None
