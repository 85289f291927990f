"""/stats, its chart and the exports in the reader's language: names, not codes; every script readable."""

from __future__ import annotations

import csv
import warnings
from collections import Counter
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from bot.application.submission_exports import export as export_submissions
from bot.cli.main import app
from bot.cli.stats import COLUMNS, participant_list, write
from bot.domain import statistics
from bot.domain.statistics import chart_language, render_chart
from scheduler.clock import system_clock
from storage.repositories import people, submission_review, submissions
from storage.repositories.submissions import Document
from tests.report_fixtures import ReportWorld, report_world
from tests.test_staff_review import _world_with_event

__all__ = ["report_world"]

RAW_CODES = ("woman", "25_34", "yes", "civil_society", "014", "participant", "pending")


async def test_participant_export_names_categories_in_arabic_with_every_balance_column(
    report_world: ReportWorld, tmp_path: Path
) -> None:
    await _world_with_event(report_world)
    rows = await participant_list(report_world.services, "NBO26", statuses=None)
    arabic = report_world.services.translator.get("ar")
    path = tmp_path / "participants.csv"
    write(path, rows, arabic)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "no byte-order mark: Excel would garble Arabic"
    table = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert table[0] == list(COLUMNS) and {"gender", "age_group", "migrant_led"} <= set(table[0])
    amal = next(row for row in table[1:] if "Amal Hassan" in row)
    shown = dict(zip(table[0], amal, strict=True))
    assert shown["subregion"] == "شرق أفريقيا" and shown["country"] == "كينيا"
    assert shown["gender"] == "امرأة" and shown["migrant_led"] == "نعم"
    assert shown["stakeholder_type"] == "منظمات المجتمع المدني"
    assert not set(RAW_CODES) & {cell for row in table[1:] for cell in row}

    workbook_path = tmp_path / "participants.xlsx"
    write(workbook_path, rows, arabic)
    sheet = load_workbook(workbook_path).active
    assert sheet is not None
    cells = list(sheet.iter_rows(values_only=True))
    assert list(cells[0]) == list(COLUMNS) and "امرأة" in cells[1] + cells[2] and "شرق أفريقيا" in cells[1]


def test_the_export_refuses_a_language_it_does_not_have(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["stats", "export", "NBO26", str(tmp_path / "x.csv"), "--language", "de"]
    )
    assert result.exit_code == 2 and "the language must be one of" in " ".join(result.output.split())


async def test_stats_in_arabic_show_names_not_codes(report_world: ReportWorld) -> None:
    await _world_with_event(report_world)
    staffer = report_world.person("Sami", language_code="ar")
    await report_world.reader(staffer.id)
    await staffer.send("/stats NBO26")
    table = await staffer.next_reply()
    assert "حسب الجنس" in table.content and "امرأة: 1" in table.content and "رجل: 1" in table.content
    assert "شرق أفريقيا" in table.content and "نعم" in table.content
    for code in ("woman", "man:", "25_34", "yes:", "014"):
        assert code not in table.content
    chart = await staffer.next_reply()
    assert chart.photo is not None and chart.protect_content


def test_an_arabic_chart_draws_every_glyph_and_chinese_falls_back_clearly() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph … missing from font(s)"
        png = render_chart("مشاورة نيروبي", [("حسب الجنس", Counter({"امرأة": 3, "رجل": 2}))])
    assert png.startswith(b"\x89PNG")
    # Chinese is charted in Chinese only where a CJK font is installed; otherwise in English.
    assert chart_language("zh") in ("zh", "en") and chart_language("ar") == "ar"


async def test_the_submissions_export_includes_the_published_files(
    report_world: ReportWorld, tmp_path: Path
) -> None:
    db = report_world.services.db
    pdf = b"%PDF-1.4\n% a written input\n%%EOF\n"
    async with db.session() as session:
        person = await people.create(session, now=system_clock(), language="ar")
        made = await submissions.create(
            session, person=person, title="مساهمة مكتوبة", body=None,
            document=Document("مساهمة.pdf", "pdf", pdf), language="ar", publish_consent=True,
            disclaimer_version="d1", now=system_clock(),
        )  # fmt: skip
        await submission_review.publish(session, made.id, actor="test", now=system_clock())
        reference = made.reference
    count, page, table = await export_submissions(report_world.services, tmp_path / "site")
    assert count == 1
    assert (tmp_path / "site" / "files" / f"{reference}.pdf").read_bytes() == pdf
    assert f'href="files/{reference}.pdf"' in page.read_text(encoding="utf-8")
    raw = table.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and f"files/{reference}.pdf".encode() in raw
    assert "مساهمة مكتوبة" in raw.decode("utf-8-sig")


async def test_stats_chart_in_chinese_or_said_to_be_in_english(report_world: ReportWorld) -> None:
    """Where the server has a CJK font the chart is in Chinese; where it has none, in English, and
    its caption tells the staff member why."""
    await _world_with_event(report_world)
    staffer = report_world.person("Wang", language_code="zh")
    await report_world.reader(staffer.id)
    await staffer.send("/stats NBO26")
    table = await staffer.next_reply()
    assert "按性别" in table.content and "女性: 1" in table.content
    chart = await staffer.next_reply()
    assert chart.photo is not None
    if chart_language("zh") == "zh":
        assert not chart.caption
    else:
        assert chart.caption == "此服务器没有适用于您语言文字的字体，因此图表以英文显示。"


async def test_without_a_cjk_font_the_chinese_chart_is_in_english_and_says_so(
    report_world: ReportWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(statistics, "chart_fonts", lambda: ("DejaVu Sans",))  # a server without CJK fonts
    await _world_with_event(report_world)
    staffer = report_world.person("Wang", language_code="zh")
    await report_world.reader(staffer.id)
    await staffer.send("/stats NBO26")
    await staffer.next_reply()
    chart = await staffer.next_reply()
    assert chart.photo is not None
    assert chart.caption == "此服务器没有适用于您语言文字的字体，因此图表以英文显示。"
