"""Storage on SQLite and PostgreSQL: sealed fields, blind indexes, key checks and rotation, audit chain."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.orm import selectinload

from storage.crypto.keyring import DataKey, DecryptionError, Keyring
from storage.db import Database, KeyMismatchError
from storage.key_rotation import reseal_all, rotation_in_progress
from storage.migrate import downgrade, upgrade
from storage.models import AuditEntry, Base, Channel, ChannelAddress, Person
from storage.repositories import audit, people
from storage.sealed import Envelope, PlaintextWriteError

NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
CANARY_NAME = "Canary Amina Xylophone"
CANARY_ORG = "Canary Frontline Migrants Collective"
CANARY_EMAIL = "canary.amina@example.org"


async def _person_with_email(db: Database, n: int = 0) -> uuid.UUID:
    async with db.session() as session:
        person = await people.create(session, now=NOW, language="ar")
        person.display_name = CANARY_NAME
        person.organisation = CANARY_ORG
        email = CANARY_EMAIL if n == 0 else f"{n}.{CANARY_EMAIL}"
        await people.add_address(session, db.keyring, person, Channel.EMAIL, email, now=NOW, verified=True)
        await people.add_address(
            session, db.keyring, person, Channel.TELEGRAM, str(770011223344 + n), now=NOW, verified=True
        )
        return person.id


async def _raw_dump(db: Database) -> bytes:
    """Every value of every table as the database returns it without the ORM."""
    chunks: list[bytes] = []
    async with db.engine.connect() as connection:
        tables = ["people", "channel_addresses", "consents", "staff_members", "audit_log", "dialog_states"]
        for table in tables:
            for row in (await connection.exec_driver_sql(f"SELECT * FROM {table}")).all():
                for value in row:
                    chunks.append(
                        bytes(value) if isinstance(value, bytes | memoryview) else str(value).encode()
                    )
    return b"\x00".join(chunks)


async def test_sealed_fields_round_trip(database: Database) -> None:
    person_id = await _person_with_email(database)
    async with database.session() as session:
        person = await session.get(Person, person_id, options=[selectinload(Person.addresses)])
        assert person is not None
        assert person.display_name == CANARY_NAME
        assert person.organisation == CANARY_ORG
        assert {a.address for a in person.addresses} == {CANARY_EMAIL, "770011223344"}
        person.organisation = "Renamed collective"
    async with database.session() as session:
        reloaded = await session.get(Person, person_id)
        assert reloaded is not None and reloaded.organisation == "Renamed collective"


async def test_no_personal_value_in_raw_rows(database: Database) -> None:
    await _person_with_email(database)
    raw = await _raw_dump(database)
    for secret in (CANARY_NAME, CANARY_ORG, CANARY_EMAIL, "770011223344", "canary"):
        assert secret.encode() not in raw


async def test_no_personal_value_in_sqlite_file(sqlite_database: Database) -> None:
    await _person_with_email(sqlite_database)
    await sqlite_database.dispose()  # checkpoints the WAL into the main file
    path = Path(sqlite_database.url.split(":///", 1)[1])
    files = [path, *path.parent.glob(path.name + "-*")]
    content = b"".join(f.read_bytes() for f in files if f.exists())
    assert b"people" in content  # the schema is there, so this really is the database file
    for secret in (CANARY_NAME, CANARY_ORG, CANARY_EMAIL, CANARY_EMAIL.upper(), "770011223344"):
        assert secret.encode() not in content


async def test_ciphertext_moved_to_another_row_does_not_open(database: Database) -> None:
    first = await _person_with_email(database)
    async with database.session() as session:
        other = await people.create(session, now=NOW)
        other_id = other.id
    async with database.engine.begin() as connection:
        envelope = (
            await connection.execute(
                select(Person.__table__.c.display_name).where(Person.__table__.c.id == first)
            )
        ).scalar_one()
        assert isinstance(envelope, Envelope)
        await connection.execute(
            update(Person.__table__).where(Person.__table__.c.id == other_id).values(display_name=envelope)
        )
    with pytest.raises(DecryptionError):
        async with database.session() as session:
            await session.get(Person, other_id)


async def test_plaintext_cannot_be_written_past_the_orm(database: Database) -> None:
    with pytest.raises(Exception) as caught:
        async with database.engine.begin() as connection:
            await connection.execute(
                Person.__table__.insert().values(id=uuid.uuid4(), created_at=NOW, display_name=CANARY_NAME)
            )
    assert isinstance(caught.value, PlaintextWriteError) or isinstance(
        caught.value.__cause__, PlaintextWriteError
    )
    assert CANARY_NAME not in str(caught.value)


async def test_email_lookup_by_blind_index_ignores_case_and_spaces(database: Database) -> None:
    person_id = await _person_with_email(database)
    async with database.session() as session:
        found = await people.find_by_email(session, database.keyring, "  Canary.Amina@EXAMPLE.org ")
        assert found is not None and found.id == person_id
        assert await people.find_by_email(session, database.keyring, "someone.else@example.org") is None
        assert (await people.find_by_telegram(session, database.keyring, 770011223344)) is not None


async def test_blind_index_differs_under_another_index_key(database: Database) -> None:
    stranger = Keyring([DataKey.generate("k1")], b"\x02" * 32)
    assert people.address_index(stranger, Channel.EMAIL, CANARY_EMAIL) != people.address_index(
        database.keyring, Channel.EMAIL, CANARY_EMAIL
    )


async def test_wrong_or_missing_key_fails_clearly(database: Database) -> None:
    await database.verify_keys(now=NOW)
    await _person_with_email(database)

    missing = Database(database.url, Keyring([DataKey.generate("k9")], b"\x00" * 32))
    with pytest.raises(KeyMismatchError, match="k1") as caught:
        await missing.verify_keys(now=NOW)
    assert "LIAISON_DATA_KEYS" in str(caught.value)
    await missing.dispose()

    wrong = Database(database.url, Keyring([DataKey.generate("k1")], b"\x00" * 32))
    with pytest.raises(KeyMismatchError, match="does not match"):
        await wrong.verify_keys(now=NOW)
    await wrong.dispose()


async def test_rotation_reseals_everything_and_resumes(database: Database) -> None:
    await database.verify_keys(now=NOW)
    ids = [await _person_with_email(database, n) for n in range(3)]
    old = database.keyring
    rotated, new_key = old.with_new_key()
    db2 = Database(database.url, rotated)
    await db2.verify_keys(now=NOW)
    assert await rotation_in_progress(db2)

    report = await reseal_all(db2, batch_size=2)
    assert report.resealed >= 9  # 3 people + 6 addresses
    assert report.retired_keys == ["k1"]
    assert not await rotation_in_progress(db2)
    again = await reseal_all(db2, batch_size=2)
    assert again.resealed == 0  # a second run finds nothing left: safe to resume or repeat
    await db2.dispose()

    only_new = Database(database.url, Keyring([new_key], _index_key(old)))
    await only_new.verify_keys(now=NOW)
    async with only_new.session() as session:
        for person_id in ids:
            person = await session.get(Person, person_id)
            assert person is not None and person.display_name == CANARY_NAME
        assert await people.find_by_email(session, only_new.keyring, CANARY_EMAIL) is not None
    await only_new.dispose()


def _index_key(keyring: Keyring) -> bytes:
    secret = keyring._index_key  # the blind index key does not rotate with data keys
    assert isinstance(secret, bytes)
    return secret


async def test_naive_datetimes_are_refused(database: Database) -> None:
    with pytest.raises(Exception, match="timezone-aware"):
        async with database.session() as session:
            session.add(Person(id=uuid.uuid4(), created_at=datetime(2026, 1, 1)))


async def test_times_come_back_aware_utc(database: Database) -> None:
    async with database.session() as session:
        person = await people.create(session, now=NOW + timedelta(hours=1))
        person_id = person.id
    async with database.session() as session:
        found = await session.get(Person, person_id)
        assert found is not None and found.created_at == NOW + timedelta(hours=1)
        assert found.created_at.utcoffset() == timedelta(0)


async def test_audit_chain_detects_edits_and_deletions(database: Database) -> None:
    async with database.session() as session:
        for n in range(4):
            await audit.append(
                session,
                at=NOW + timedelta(minutes=n),
                actor="staff:1",
                action="case.open",
                subject_type="case",
                subject_id=f"C-{n}",
            )
    async with database.session() as session:
        assert await audit.verify(session) == []
    async with database.engine.begin() as connection:
        await connection.execute(
            update(AuditEntry.__table__)
            .where(AuditEntry.__table__.c.subject_id == "C-1")
            .values(actor="staff:2")
        )
    async with database.session() as session:
        problems = await audit.verify(session)
        assert [p.entry_id for p in problems] == [2]
    async with database.engine.begin() as connection:
        await connection.execute(
            AuditEntry.__table__.delete().where(AuditEntry.__table__.c.subject_id == "C-2")
        )
    async with database.session() as session:
        assert {p.entry_id for p in await audit.verify(session)} == {2, 4}


async def test_sqlite_pragmas(sqlite_database: Database) -> None:
    async with sqlite_database.engine.connect() as connection:
        assert (await connection.exec_driver_sql("PRAGMA journal_mode")).scalar() == "wal"
        assert (await connection.exec_driver_sql("PRAGMA foreign_keys")).scalar() == 1
        assert (await connection.exec_driver_sql("PRAGMA secure_delete")).scalar() == 1


async def test_deleting_a_person_cascades_to_addresses(database: Database) -> None:
    person_id = await _person_with_email(database)
    async with database.session() as session:
        person = await session.get(Person, person_id)
        await session.delete(person)
    async with database.session() as session:
        assert (await session.scalars(select(ChannelAddress))).all() == []


def test_migrations_go_down_and_up_again(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "m.db"
    url = f"sqlite+aiosqlite:///{path}"

    def tables() -> set[str]:
        with sqlite3.connect(path) as connection:
            return {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}

    upgrade(url)
    assert {"people", "outbox", "events", "report_cases"} <= tables()
    downgrade(url, "base")
    assert tables() <= {"alembic_version"}
    upgrade(url)
    assert set(Base.metadata.tables) <= tables()


async def test_migrations_on_postgres_go_down_and_up_again(postgres_url: str | None) -> None:
    if postgres_url is None:
        pytest.skip("LIAISON_TEST_POSTGRES_URL is not set")
    import asyncio

    await asyncio.to_thread(downgrade, postgres_url, "base")
    await asyncio.to_thread(upgrade, postgres_url)
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(postgres_url)
    async with engine.connect() as connection:
        count = (await connection.execute(text("SELECT count(*) FROM people"))).scalar()
    await engine.dispose()
    assert count == 0
