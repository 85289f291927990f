"""Every model, imported here so Alembic and `Base.metadata` see the whole schema."""

from storage.models.audit import AuditEntry
from storage.models.base import Base, UtcDateTime
from storage.models.calendar import (
    CalendarSetting,
    EventChange,
    EventReminderSettings,
    InvitationRecord,
    ReminderMute,
    ReminderWave,
)
from storage.models.contacts import Contact, InvitationState
from storage.models.dialogs import DialogState
from storage.models.events import Event, EventKind, EventStatus
from storage.models.inbox import FaqEntry, Question, QuestionReply, QuestionStatus
from storage.models.keys import KeyCanary
from storage.models.outbox import Broadcast, BroadcastState, OutboxMessage, OutboxState, OutboxTemplate
from storage.models.people import NEEDS_VERIFICATION, Channel, ChannelAddress, Consent, ConsentPurpose, Person
from storage.models.profiles import (
    BalanceData,
    ChannelPreference,
    EmailVerification,
    Preferences,
    Subscription,
)
from storage.models.proposals import CommunityEvent, EventProposal, ProposalStatus
from storage.models.registrations import (
    UNKNOWN_CATEGORY,
    ReferenceCounter,
    Registration,
    RegistrationKind,
    RegistrationStatement,
    RegistrationStatus,
)
from storage.models.reports import (
    CaseKey,
    CaseStatus,
    MessageAuthor,
    RecoveryKey,
    ReportCase,
    ReportEvidence,
    ReportKind,
    ReportMessage,
    StaffReportKey,
)
from storage.models.seen_updates import SeenUpdate
from storage.models.staff import StaffMember, StaffRole
from storage.models.submissions import Submission, SubmissionDocument, SubmissionStatus
from storage.models.triage import CaseOutcome, CaseTriage, Risk
from storage.models.web import WebSession, WebSignInLink

__all__ = [
    "NEEDS_VERIFICATION",
    "UNKNOWN_CATEGORY",
    "AuditEntry",
    "BalanceData",
    "Base",
    "Broadcast",
    "BroadcastState",
    "CalendarSetting",
    "CaseKey",
    "CaseOutcome",
    "CaseStatus",
    "CaseTriage",
    "Channel",
    "ChannelAddress",
    "ChannelPreference",
    "CommunityEvent",
    "Consent",
    "ConsentPurpose",
    "Contact",
    "DialogState",
    "EmailVerification",
    "Event",
    "EventChange",
    "EventKind",
    "EventProposal",
    "EventReminderSettings",
    "EventStatus",
    "FaqEntry",
    "InvitationRecord",
    "InvitationState",
    "KeyCanary",
    "MessageAuthor",
    "OutboxMessage",
    "OutboxState",
    "OutboxTemplate",
    "Person",
    "Preferences",
    "ProposalStatus",
    "Question",
    "QuestionReply",
    "QuestionStatus",
    "RecoveryKey",
    "ReferenceCounter",
    "Registration",
    "RegistrationKind",
    "RegistrationStatement",
    "RegistrationStatus",
    "ReminderMute",
    "ReminderWave",
    "ReportCase",
    "ReportEvidence",
    "ReportKind",
    "ReportMessage",
    "Risk",
    "SeenUpdate",
    "StaffMember",
    "StaffReportKey",
    "StaffRole",
    "Submission",
    "SubmissionDocument",
    "SubmissionStatus",
    "Subscription",
    "UtcDateTime",
    "WebSession",
    "WebSignInLink",
]
