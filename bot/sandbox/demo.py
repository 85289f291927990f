"""Demo data for the sandbox: events in every region, a staff member of each role, a report key.

Made through the same repository functions the `liaison` commands use (events add, staff add,
reports recovery-key generate; the staff key as /setpassphrase makes it), so the demo shows the
real thing. The passphrase and the recovery key are printed as DEMO-ONLY: anyone who reads the
terminal has them, which is the point of a demo and why `liaison run` with a token never offers it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.application import events as event_service
from bot.application import registrations as decisions
from bot.reference import countries
from bot.reference.countries import Region
from bot.services import Services
from storage.crypto.report_keys import new_recovery_key
from storage.models import Event, EventKind, RegistrationStatus, StaffRole
from storage.repositories import audit, events, people, registrations, reports, staff

DEMO_PASSPHRASE = "demo-only passphrase"


@dataclass(frozen=True)
class DemoEvent:
    code: str
    region: Region
    kind: EventKind
    starts_in: timedelta
    time_zone: str
    capacity: int | None = None


# One per region. AFR starts in eight days, so `/clock +7d` shows its reminders; ARB is a review
# meeting inside the six-week invitation window; ASP has two places, taken, and a waiting list.
DEMO_EVENTS: tuple[DemoEvent, ...] = (
    DemoEvent("DEMOAFR", Region.AFRICA, EventKind.CONSULTATION, timedelta(days=8), "Africa/Nairobi"),
    DemoEvent("DEMOARB", Region.ARAB_STATES, EventKind.REVIEW_MEETING, timedelta(weeks=5), "Asia/Amman"),
    DemoEvent("DEMOASP", Region.ASIA_PACIFIC, EventKind.CONSULTATION, timedelta(weeks=3), "Asia/Bangkok", 2),
    DemoEvent(
        "DEMOENA", Region.EUROPE_NORTH_AMERICA, EventKind.BRIEFING, timedelta(weeks=9), "Europe/Brussels"
    ),
    DemoEvent(
        "DEMOLAC",
        Region.LATIN_AMERICA_CARIBBEAN,
        EventKind.CONSULTATION,
        timedelta(weeks=7),
        "America/Bogota",
    ),
    DemoEvent("DEMOGLO", Region.GLOBAL, EventKind.BRIEFING, timedelta(weeks=2), "UTC"),
)

# Event titles are data, not interface text: each event carries its own, per language.
DEMO_TITLES: dict[str, dict[str, str]] = {
    "DEMOAFR": {
        "en": "Africa regional consultation (demo)",
        "fr": "Consultation régionale Afrique (démo)",
        "es": "Consulta regional de África (demo)",
        "ar": "مشاورة إقليمية لأفريقيا (تجريبي)",
        "zh": "非洲区域磋商（演示）",
        "ru": "Региональная консультация по Африке (демо)",
    },
    "DEMOARB": {
        "en": "Arab States review meeting (demo)",
        "fr": "Réunion d'examen des États arabes (démo)",
        "es": "Reunión de examen de los Estados Árabes (demo)",
        "ar": "اجتماع الاستعراض للدول العربية (تجريبي)",
        "zh": "阿拉伯国家审查会议（演示）",
        "ru": "Обзорное совещание арабских государств (демо)",
    },
    "DEMOASP": {
        "en": "Asia-Pacific consultation, two places (demo)",
        "fr": "Consultation Asie-Pacifique, deux places (démo)",
        "es": "Consulta de Asia y el Pacífico, dos plazas (demo)",
        "ar": "مشاورة آسيا والمحيط الهادئ، مقعدان (تجريبي)",
        "zh": "亚太磋商，两个名额（演示）",
        "ru": "Консультация по Азиатско-Тихоокеанскому региону, два места (демо)",
    },
    "DEMOENA": {
        "en": "Europe and North America briefing (demo)",
        "fr": "Séance d'information Europe et Amérique du Nord (démo)",
        "es": "Sesión informativa de Europa y América del Norte (demo)",
        "ar": "إحاطة أوروبا وأمريكا الشمالية (تجريبي)",
        "zh": "欧洲和北美情况介绍会（演示）",
        "ru": "Брифинг по Европе и Северной Америке (демо)",
    },
    "DEMOLAC": {
        "en": "Latin America and Caribbean consultation (demo)",
        "fr": "Consultation Amérique latine et Caraïbes (démo)",
        "es": "Consulta de América Latina y el Caribe (demo)",
        "ar": "مشاورة أمريكا اللاتينية والكاريبي (تجريبي)",
        "zh": "拉丁美洲和加勒比磋商（演示）",
        "ru": "Консультация по Латинской Америке и Карибскому бассейну (демо)",
    },
    "DEMOGLO": {
        "en": "Global civil society briefing (demo)",
        "fr": "Séance d'information mondiale de la société civile (démo)",
        "es": "Sesión informativa mundial de la sociedad civil (demo)",
        "ar": "إحاطة عالمية للمجتمع المدني (تجريبي)",
        "zh": "全球民间社会情况介绍会（演示）",
        "ru": "Глобальный брифинг для гражданского общества (демо)",
    },
}
DEMO_DESCRIPTION = {
    "en": "Demo data of the local sandbox.",
    "fr": "Données de démonstration du bac à sable local.",
    "es": "Datos de demostración del entorno de prueba local.",
    "ar": "بيانات تجريبية من بيئة الاختبار المحلية.",
    "zh": "本地沙盒的演示数据。",
    "ru": "Демонстрационные данные локальной песочницы.",
}

# Applicants already registered for the event with two places: two accepted, one on the waiting
# list, so a newcomer's registration there shows what a full event looks like in /review.
DEMO_APPLICANTS: tuple[tuple[str, str, RegistrationStatus], ...] = (
    ("Bangkok Migrant Workers Network (demo)", "TH", RegistrationStatus.ACCEPTED),
    ("Manila Diaspora Forum (demo)", "PH", RegistrationStatus.ACCEPTED),
    ("Jakarta Migrant Care (demo)", "ID", RegistrationStatus.WAITLISTED),
)

# Terminal names of the demo staff (`/as Liaison`), their roles, and whether they get a report key.
DEMO_STAFF: tuple[tuple[str, StaffRole, bool], ...] = (
    ("Admin", StaffRole.ADMINISTRATOR, True),
    ("Liaison", StaffRole.LIAISON, True),
    ("TaskTeam", StaffRole.TASK_TEAM, False),
)


class DemoAlreadyLoadedError(Exception):
    """The demo events exist in this database already (its people file was lost or deleted)."""


@dataclass(frozen=True)
class DemoCredentials:
    """What the demo prints once: the staff passphrase and the recovery key, both DEMO-ONLY."""

    passphrase: str
    recovery_key: str
    event_codes: tuple[str, ...]


async def _fill_with_applicants(
    session: AsyncSession, services: Services, event: Event, now: datetime
) -> None:
    """Demo organisations (no Telegram or email address) registered, decided as staff would."""
    for organisation, country, status in DEMO_APPLICANTS:
        person = await people.create(session, now=now, language="en", time_zone=event.time_zone)
        person.organisation, person.stakeholder_type, person.country = organisation, "civil_society", country
        await session.refresh(person, ["addresses"])  # none: the decision's notice has nowhere to go
        categories = registrations.Categories(
            stakeholder_type="civil_society",
            country=country,
            subregion=countries.subregion_of(country),
            region=countries.region_of(country).value,
        )
        registered = await registrations.register(
            session,
            event=event,
            person=person,
            kind="participant",
            slot="attend",
            categories=categories,
            now=now,
        )
        reason = "capacity" if status is RegistrationStatus.WAITLISTED else None
        await decisions.decide(
            session, services.notices, registered.registration.id, status.value,
            reason_key=reason, actor="sandbox", now=now,
        )  # fmt: skip


def _start(now: datetime, after: timedelta) -> datetime:
    """A round hour in the afternoon (UTC), `after` from now, so times read naturally."""
    day = (now + after).date()
    return datetime.combine(day, time(13, 0), tzinfo=now.tzinfo)


async def load_demo(services: Services, staff_ids: dict[str, int]) -> DemoCredentials:
    """Create the demo events, staff (Telegram ids by terminal name), report keys and a recovery key."""
    now = services.clock()
    private_text, public = new_recovery_key()
    async with services.db.session() as session:
        if await events.by_code(session, DEMO_EVENTS[0].code) is not None:
            raise DemoAlreadyLoadedError("the demo data is in this database already")
        for spec in DEMO_EVENTS:
            new = event_service.NewEvent(
                code=spec.code,
                region=spec.region.value,
                kind=spec.kind.value,
                titles=DEMO_TITLES[spec.code],
                descriptions=DEMO_DESCRIPTION,
                starts_at=_start(now, spec.starts_in),
                ends_at=_start(now, spec.starts_in) + timedelta(hours=3),
                time_zone=spec.time_zone,
                participant_link="https://meet.example.org/" + spec.code.lower(),
                view_link="https://watch.example.org/" + spec.code.lower(),
                capacity=spec.capacity,
            )
            event = (await event_service.publish(session, new, actor="sandbox", now=now)).event
            if spec.capacity is not None:
                await _fill_with_applicants(session, services, event, now)
        for name, role, reads_reports in DEMO_STAFF:
            member = await staff.add(
                session, services.keyring, staff_ids[name], role, now=now, display_name=f"{name} (demo)"
            )
            await audit.append(
                session,
                at=now,
                actor="sandbox",
                action="staff.add",
                subject_type="staff",
                subject_id=str(member.id),
            )
            if reads_reports:
                await reports.create_staff_key(
                    session, member.id, DEMO_PASSPHRASE, services.reports.passphrase_limits, now=now
                )
        row = await reports.add_recovery_key(session, public, now=now)
        await audit.append(
            session, at=now, actor="sandbox", action="report.recovery_key", subject_type="recovery_key",
            subject_id=str(row.id),
        )  # fmt: skip
    return DemoCredentials(DEMO_PASSPHRASE, private_text, tuple(spec.code for spec in DEMO_EVENTS))
