"""Every model, imported here so Alembic and `Base.metadata` see the whole schema."""

from storage.models.audit import AuditEntry
from storage.models.base import Base, UtcDateTime
from storage.models.dialogs import DialogState
from storage.models.keys import KeyCanary
from storage.models.people import Channel, ChannelAddress, Consent, ConsentPurpose, Person
from storage.models.staff import StaffMember, StaffRole

__all__ = [
    "AuditEntry",
    "Base",
    "Channel",
    "ChannelAddress",
    "Consent",
    "ConsentPurpose",
    "DialogState",
    "KeyCanary",
    "Person",
    "StaffMember",
    "StaffRole",
    "UtcDateTime",
]
