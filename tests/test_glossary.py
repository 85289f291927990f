"""The fixed UN terms of locales/GLOSSARY.md are used the same way in every message of each catalog."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.test_catalogs import COMMAND, load, strings_of

GLOSSARY = Path(__file__).resolve().parent.parent / "locales" / "GLOSSARY.md"
COLUMNS = ("ar", "zh", "fr", "ru", "es")
# Messages where the English term appears but the translation rightly says it another way.
# Keyed by English message; the value says why.
ALLOWED: dict[str, str] = {
    "What do you want to report?": "the verb: signaler, сообщить, denunciar, أبلغ",
    "Report a threat or a grievance in confidence": "the verb, as above",
    "Open report cases, urgent first": "a report's record is a case: dossier, дело, caso, حالة, 案件",
    "Your report key is locked.": "the staff member's own key, said as 'your key' for short",
    "You have no report key yet. Set a passphrase with /setpassphrase.": "as above",
    "Another gender": "Russian offers 'Другое' (other), as forms do",
    "That submission was stopped. Send /submit to start again.": "the act of sending: envoi, отправка, envío, الإرسال, 提交",
}


def glossary() -> list[tuple[str, dict[str, list[str]]]]:
    rows: list[tuple[str, dict[str, list[str]]]] = []
    in_terms = False
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            in_terms = line == "## Terms"
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if not in_terms or len(cells) != 1 + len(COLUMNS) or cells[0] in ("English", "---"):
            continue
        rows.append(
            (cells[0], {code: cell.split(" / ") for code, cell in zip(COLUMNS, cells[1:], strict=True)})
        )
    return rows


def mentions(english: str, term: str) -> bool:
    """`english` uses `term` as a word (plural included), not inside a /command or a longer word."""
    text = COMMAND.sub("", english)
    return re.search(rf"(?<![\w-]){re.escape(term)}s?(?![\w-])", text, re.IGNORECASE) is not None


def test_the_glossary_has_its_terms() -> None:
    terms = [english for english, _forms in glossary()]
    assert {"report", "receipt", "passphrase", "regional review", "consultation"} <= set(terms)


@pytest.mark.parametrize("language", COLUMNS)
def test_glossary_terms_are_used_consistently(language: str) -> None:
    wrong: list[str] = []
    for message in load(language):
        if not message.id:
            continue
        english = " ".join(strings_of(message.id))
        key = strings_of(message.id)[0]
        for term, forms in glossary():
            if not mentions(english, term) or key in ALLOWED:
                continue
            for translated in strings_of(message.string):
                if not any(form.casefold() in translated.casefold() for form in forms[language]):
                    wrong.append(f"{term!r} in {key[:60]!r}: {translated[:80]!r}")
    assert wrong == [], f"{language}: " + "\n".join(wrong)


# Informal address that the formal register (vous, usted, 您, вы) rules out.
INFORMAL = {
    "zh": re.compile(r"你"),
    "fr": re.compile(r"\b(tu|toi|ton|ta|tes|t’)\b", re.IGNORECASE),
    "es": re.compile(r"\b(tú|tu|tus|te|ti|contigo)\b", re.IGNORECASE),
    "ru": re.compile(r"\b(ты|тебя|тебе|тобой|твой|твоя|твоё|твои)\b", re.IGNORECASE),
}


@pytest.mark.parametrize("language", sorted(INFORMAL))
def test_people_are_addressed_formally(language: str) -> None:
    informal = [
        strings_of(message.id)[0][:60]
        for message in load(language)
        if message.id and any(INFORMAL[language].search(text) for text in strings_of(message.string))
    ]
    assert informal == [], f"{language}: informal address in {informal}"
