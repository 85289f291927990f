"""The registration rules (R4–R6, R9) as plain functions, without a bot or a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain import eligibility
from bot.domain.eligibility import FloorCriteria, Window
from bot.domain.registration_texts import REASONS, status_notice
from bot.i18n import Translator
from storage.models import Event, RegistrationKind, RegistrationStatus

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
TRANSLATOR = Translator()


def event(kind: str = "consultation", **fields: object) -> Event:
    values: dict[str, object] = {
        "code": "AFR26",
        "region": "africa",
        "kind": kind,
        "titles": {"en": "Consultation", "zh": "磋商"},
        "descriptions": {},
        "starts_at": NOW + timedelta(days=30),
        "time_zone": "Africa/Nairobi",
        "status": "scheduled",
        "registration_opens_at": None,
        "registration_closes_at": None,
        "view_link": "https://example.org/watch",
        "participant_link": "https://example.org/join",
    }
    values.update(fields)
    return Event(**values)


def test_what_each_kind_of_event_offers() -> None:
    assert eligibility.kinds_for("consultation") == (
        RegistrationKind.PARTICIPANT,
        RegistrationKind.PANEL_SPEAKER,
        RegistrationKind.RAPPORTEUR,
        RegistrationKind.AGENDA_DESIGN,
    )
    assert eligibility.kinds_for("review_meeting") == (
        RegistrationKind.FLOOR,
        RegistrationKind.OBSERVER,
        RegistrationKind.PANEL_SPEAKER,
    )
    assert eligibility.kinds_for("submission_deadline") == () == eligibility.kinds_for("nonsense")
    assert (
        eligibility.slot_of(RegistrationKind.FLOOR)
        == eligibility.slot_of(RegistrationKind.OBSERVER)
        == "attend"
    )
    assert eligibility.slot_of(RegistrationKind.RAPPORTEUR) == "rapporteur"
    assert eligibility.other_kinds(RegistrationKind.OBSERVER, "review_meeting") == [RegistrationKind.FLOOR]
    assert eligibility.other_kinds(RegistrationKind.PARTICIPANT, "consultation") == []
    assert eligibility.other_kinds(RegistrationKind.PANEL_SPEAKER, "review_meeting") == []


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, Window.OPEN),
        ({"registration_opens_at": NOW + timedelta(days=1)}, Window.NOT_YET),
        ({"registration_closes_at": NOW}, Window.CLOSED),
        ({"starts_at": NOW - timedelta(minutes=1)}, Window.CLOSED),
        ({"status": "cancelled"}, Window.CANCELLED),
        ({"status": "rescheduled"}, Window.OPEN),
        ({"kind": "submission_deadline"}, Window.NONE),
    ],
)
def test_registration_window(fields: dict[str, object], expected: Window) -> None:
    kind = str(fields.pop("kind", "consultation"))
    assert eligibility.registration_window(event(kind, **fields), NOW) is expected


def test_floor_criteria_need_all_three() -> None:
    assert FloorCriteria(True, True, True).met
    assert not FloorCriteria(True, False, True).met
    assert not FloorCriteria(False, True, True).met
    assert not FloorCriteria(True, True, False).met


def test_review_withdraw_and_change_rules() -> None:
    assert eligibility.can_review("pending", "accepted") and eligibility.can_review("accepted", "declined")
    assert not eligibility.can_review("withdrawn", "accepted")
    assert not eligibility.can_review("pending", "withdrawn")  # only the person withdraws
    assert eligibility.can_withdraw("waitlisted") and not eligibility.can_withdraw("declined")
    assert eligibility.can_change("accepted", Window.OPEN) and not eligibility.can_change(
        "accepted", Window.CLOSED
    )
    assert not eligibility.can_change(RegistrationStatus.WITHDRAWN, Window.OPEN)


def test_status_notices_in_each_language() -> None:
    meeting = event("review_meeting")
    for language in ("en", "ar", "zh", "fr", "ru", "es"):
        t = TRANSLATOR.get(language)
        for status in ("accepted", "waitlisted", "declined", "pending"):
            notice = status_notice(
                t,
                status=status,
                reason_key="capacity" if status != "accepted" else None,
                reference="R-2026-0042",
                kind="floor",
                event=meeting,
                time_zone="Asia/Shanghai",
            )
            assert (
                "R-2026-0042" in notice.body
                and "/registrations" in notice.body
                and "R-2026-0042" in notice.subject
            )
            if status != "accepted":
                assert t._(REASONS["capacity"]) in notice.body
    zh = status_notice(
        TRANSLATOR.get("zh"),
        status="accepted",
        reason_key=None,
        reference="R-2026-0042",
        kind="observer",
        event=meeting,
        time_zone="Asia/Shanghai",
    )
    assert zh.body.startswith("好消息") and "磋商" in zh.body and "上海" in zh.body
    assert "https://example.org/watch" in zh.body and "join" not in zh.body
