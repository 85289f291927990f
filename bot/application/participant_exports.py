"""An event's participant list (R22) as a file, one format for `liaison stats export` and the
browser console's CSV and XLSX links.

Each row has the registration's reference, status, kind, categories and balance answers
(gender, age group, migrant-led), each by its name in the reader's language, never its code;
name, organisation and email only where `review.participants` gives them (the person's consent
to share). The CSV is UTF-8 with a byte-order mark, so spreadsheet programs read Arabic and
Chinese. A value a person typed that starts like a formula is written with a leading apostrophe,
so a spreadsheet shows it as text instead of running it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.i18n import Translation
    from storage.repositories.review import Participant

COLUMNS = (
    "reference", "status", "kind", "stakeholder_type", "country", "subregion", "gender", "age_group",
    "migrant_led", "name", "organisation", "email",
)  # fmt: skip
# Columns holding a category code, written as its name in the export's language.
CATEGORY_COLUMNS = frozenset(
    ("status", "kind", "stakeholder_type", "country", "subregion", "gender", "age_group", "migrant_led")
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _text(value: str | None) -> str:
    text = value or ""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def cells(row: Participant, t: Translation) -> list[str]:
    """One participant as the export shows it: categories by name in `t`'s language, not by code."""
    from bot.reference.categories import category_label

    return [
        category_label(t, column, getattr(row, column))
        if column in CATEGORY_COLUMNS
        else _text(getattr(row, column))
        for column in COLUMNS
    ]


def as_csv(rows: Sequence[Participant], t: Translation) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    writer.writerows(cells(row, t) for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def as_xlsx(rows: Sequence[Participant], t: Translation) -> bytes:
    from openpyxl import Workbook  # heavy: loaded when someone exports

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "participants"
    sheet.append(list(COLUMNS))
    for row in rows:
        sheet.append(cells(row, t))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


FORMATS: dict[str, Callable[[Sequence[Participant], Translation], bytes]] = {"csv": as_csv, "xlsx": as_xlsx}
