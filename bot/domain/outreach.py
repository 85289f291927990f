"""Outreach list import (R21): mapping columns, validating rows. Plain functions over plain rows.

A list from a regional network member arrives as CSV or XLSX with whatever headers they
used. Headers are matched to our fields by common names in the six languages (or by an
explicit `--map field=Header`); every row is validated, and a row with a problem is
reported with its line and the problem, never dropped silently. Countries are understood
as onboarding understands them (`countries.identify`: names in the six languages, ISO
codes); a country that names none, or several, leaves the contact without one and is
reported as a warning, since the email alone is worth keeping.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bot.reference import countries
from bot.reference.validation import ORGANISATION, Problem, check_email, check_text, clean
from bot.settings import LANGUAGES
from storage.crypto.blind_index import normalise_email

FIELDS = ("email", "name", "organisation", "country", "language")
REQUIRED = ("email",)
MAX_NAME = 120

SYNONYMS: dict[str, tuple[str, ...]] = {
    "email": ("email", "e-mail", "mail", "email address", "courriel", "correo", "correo electrónico",
              "адрес электронной почты", "электронная почта", "почта", "البريد الإلكتروني", "البريد", "电子邮件", "邮箱"),
    "name": ("name", "full name", "contact", "contact name", "nom", "nombre", "имя", "фио", "الاسم", "姓名", "名字"),
    "organisation": ("organisation", "organization", "org", "organisation name", "organization name",
                     "organisme", "organización", "организация", "المنظمة", "组织", "机构"),
    "country": ("country", "country code", "pays", "país", "страна", "البلد", "الدولة", "国家"),
    "language": ("language", "lang", "langue", "idioma", "язык", "اللغة", "语言"),
}  # fmt: skip


def _key(header: str) -> str:
    return unicodedata.normalize("NFKC", header).strip().casefold()


def map_columns(headers: Sequence[str], overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """Our field → the file's header. Explicit overrides win; otherwise the first header matching a synonym."""
    mapping: dict[str, str] = {}
    for wanted, header in (overrides or {}).items():
        if wanted not in FIELDS:
            raise ValueError(f"unknown field {wanted!r}; one of {', '.join(FIELDS)}")
        if header not in headers:
            raise ValueError(f"the file has no column {header!r}")
        mapping[wanted] = header
    for wanted in FIELDS:
        if wanted in mapping:
            continue
        for header in headers:
            if _key(header) in {_key(s) for s in SYNONYMS[wanted]} and header not in mapping.values():
                mapping[wanted] = header
                break
    return mapping


@dataclass(frozen=True)
class ContactRow:
    line: int  # the line in the file (1 is the header)
    email: str = field(repr=False)
    email_key: str = field(repr=False)  # normalised, for de-duplication
    name: str | None = field(default=None, repr=False)
    organisation: str | None = field(default=None, repr=False)
    country: str | None = None
    language: str | None = None
    warnings: tuple[str, ...] = ()  # field: what was left out, in English for the desk; no values


@dataclass(frozen=True)
class BadRow:
    line: int
    problems: tuple[str, ...]  # field: problem, in English for the desk; no values
    original: dict[str, str] = field(repr=False)


def validate(line: int, raw: Mapping[str, str], mapping: Mapping[str, str]) -> ContactRow | BadRow:
    values = {f: clean(str(raw.get(h, "") or "")) for f, h in mapping.items()}
    problems: list[str] = []
    email = values.get("email", "")
    if email_problem := check_email(email):
        problems.append("email: missing" if email_problem is Problem.EMPTY else "email: not a valid address")
    name = values.get("name") or None
    if name is not None and (len(name) > MAX_NAME or check_text(name, ORGANISATION) is Problem.CONTROL):
        problems.append(f"name: longer than {MAX_NAME} characters or has control characters")
    organisation = values.get("organisation") or None
    if organisation is not None and check_text(organisation, ORGANISATION) not in (None, Problem.TOO_SHORT):
        problems.append(f"organisation: longer than {ORGANISATION.max_length} characters or not a name")
    language = (values.get("language") or "").lower() or None
    if language is not None and language not in LANGUAGES:
        problems.append(f"language: not one of {', '.join(LANGUAGES)}")
    if problems:
        return BadRow(line, tuple(problems), dict(raw))
    warnings: list[str] = []
    typed_country = values.get("country", "")
    country = countries.identify(typed_country, language or "en") if typed_country else None
    if typed_country and country is None:
        warnings.append(
            "country: not recognised (no country, or several, match it); imported without a country"
        )
    return ContactRow(
        line, email, normalise_email(email), name, organisation, country, language, tuple(warnings)
    )
