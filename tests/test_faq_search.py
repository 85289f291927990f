"""The FAQ search and the reprisal check, over the seeded FAQ, in all six languages."""

from __future__ import annotations

import importlib.util
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.application.inbox import answer_of, offer
from bot.domain.reprisal import looks_like_reprisal
from storage.db import Database
from storage.models import FaqEntry
from storage.repositories import inbox

MIGRATION = Path(__file__).parents[1] / "storage" / "migrations" / "versions" / "0018a_two_way.py"


def seed_of_the_migration() -> list[dict[str, Any]]:
    spec = importlib.util.spec_from_file_location("faq_migration", MIGRATION)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(module.SEED_FAQ)


@pytest.fixture
async def database(database: Database) -> Database:
    """The migrated database with its seeded FAQ (PostgreSQL tests empty every table between tests,
    so the migration's rows are put back as the migration wrote them)."""
    async with database.session() as session:
        if not await inbox.faq(session):
            now = datetime.now(UTC)
            for row in seed_of_the_migration():
                session.add(FaqEntry(id=uuid.uuid4(), created_at=now, updated_at=now, **row))
    return database


# A person's own wording (not the FAQ's) → the entry it should find.
ASKED = [
    ("en", "Who are the members of the network?", "network-structure"),
    ("fr", "À quoi sert le Réseau ?", "network-purpose"),
    ("es", "¿Para qué sirve la Red de la ONU sobre migración?", "network-purpose"),
    ("ru", "Зачем нужна сеть ООН по миграции?", "network-purpose"),
    ("ar", "من هم أعضاء الشبكة؟", "network-structure"),
    ("zh", "联合国移民网络的目的是什么", "network-purpose"),
]
# Questions the FAQ cannot answer: they go to staff.
UNRELATED = [
    ("en", "How do I get a visa for Geneva?"),
    ("es", "¿Dónde puedo pedir un visado para viajar a Ginebra?"),
    ("ar", "هل يمكنكم مساعدتي في الحصول على تأشيرة للسفر إلى جنيف؟"),
    ("zh", "我怎样申请签证去日内瓦？"),
    ("ru", "Как получить визу в Женеву?"),
    ("fr", "Comment obtenir un visa pour Genève ?"),
]


async def test_the_seed_is_in_six_languages_and_each_question_finds_itself(database: Database) -> None:
    async with database.session() as session:
        entries = await inbox.faq(session)
        assert len(entries) == 6
        for entry in entries:
            assert set(entry.questions) == set(entry.answers) == {"en", "fr", "es", "ru", "ar", "zh"}
            for language, question in entry.questions.items():
                found = await offer(session, question)
                assert found.matches and found.matches[0].slug == entry.slug, (language, entry.slug)


@pytest.mark.parametrize(("language", "question", "slug"), ASKED)
async def test_own_wording_finds_the_entry(
    database: Database, language: str, question: str, slug: str
) -> None:
    async with database.session() as session:
        found = await offer(session, question)
    assert [entry.slug for entry in found.matches][:1] == [slug]


@pytest.mark.parametrize(("language", "question"), UNRELATED)
async def test_unrelated_questions_are_not_answered_from_the_faq(
    database: Database, language: str, question: str
) -> None:
    async with database.session() as session:
        found = await offer(session, question)
    assert found.matches == () and not found.reprisal


@pytest.mark.parametrize(
    "text",
    [
        "I was threatened after the consultation",
        "On m'a menacé après la réunion",
        "Me amenazaron por hablar",
        "Мне угрожают после встречи",
        "تلقيت تهديدات بعد مشاركتي",
        "会后我受到威胁",
    ],
)
def test_reprisal_words_in_each_language(text: str) -> None:
    assert looks_like_reprisal(text)


def test_ordinary_questions_are_not_reprisals() -> None:
    for _language, question, _slug in ASKED:
        assert not looks_like_reprisal(question)
    for _language, question in UNRELATED:
        assert not looks_like_reprisal(question)


async def test_a_question_in_another_language_than_the_bots_still_finds_its_entry(database: Database) -> None:
    """Someone whose app is in English writes Spanish: the entry is found, and shown in English."""
    async with database.session() as session:
        found = await offer(session, "¿Para qué sirve la Red de la ONU?")
    assert [entry.slug for entry in found.matches] == ["network-purpose"]
    assert answer_of(found.matches[0], "en").startswith("The Secretary-General set up the Network")


@pytest.mark.parametrize("question", ["What is the GCM?", "visa", "Hello", "hola"])
async def test_one_word_in_common_is_not_evidence(database: Database, question: str) -> None:
    async with database.session() as session:
        assert (await offer(session, question)).matches == ()
