"""`liaison select --pool FILE.csv`: preview, confirm, outcome file, reports, infeasible quotas."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from typer.testing import CliRunner

from bot.cli.main import app
from bot.selection.synthetic import generated_pool, write_csv


def pool_file(tmp_path: Path, size: int = 60) -> Path:
    path = tmp_path / "pool.csv"
    write_csv(generated_pool(size, seed=2), path)
    return path


def test_preview_then_confirm_writes_accepted_and_waitlisted(tmp_path: Path) -> None:
    pool = pool_file(tmp_path)
    out, report = tmp_path / "outcome.csv", tmp_path / "report.json"
    args = ["select", "--pool", str(pool), "--seats", "10", "--quota", "gender:woman:5:6", "--seed", "777"]
    result = CliRunner().invoke(app, [*args, "--out", str(out), "--report-json", str(report)], input="y\n")
    assert result.exit_code == 0, result.output
    assert "# Selection report: 10 of 60 applicants" in result.output
    assert "Seed: `777`" in result.output
    assert "Accept these 10 and waitlist the other 50?" in result.output
    rows = list(csv.DictReader(out.open()))
    accepted = {r["id"] for r in rows if r["decision"] == "accepted"}
    assert len(rows) == 60 and len(accepted) == 10
    data = json.loads(report.read_text())
    assert data["all_quotas_met"] and data["seed"] == 777
    assert {r["id"] for r in data["probabilities"] if r["selected"]} == accepted
    women = next(q for q in data["quotas"] if q["feature"] == "gender" and q["value"] == "woman")
    assert (women["min"], women["max"]) == (5, 6) and 5 <= women["selected"] <= 6

    again = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "again.csv"), "--yes"])
    assert again.exit_code == 0, again.output
    assert (tmp_path / "again.csv").read_text() == out.read_text()


def test_declining_records_nothing(tmp_path: Path) -> None:
    out = tmp_path / "outcome.csv"
    result = CliRunner().invoke(
        app, ["select", "--pool", str(pool_file(tmp_path)), "--seats", "10", "--out", str(out)], input="n\n"
    )
    assert result.exit_code == 1
    assert "Nothing recorded." in result.output
    assert not out.exists()


def test_infeasible_quotas_are_explained_and_can_be_relaxed(tmp_path: Path) -> None:
    pool = pool_file(tmp_path)
    args = ["select", "--pool", str(pool), "--seats", "10", "--dry-run"]
    quotas = ["--quota", "gender:woman:7:8", "--quota", "gender:man:6:8"]
    result = CliRunner().invoke(app, [*args, *quotas])
    assert result.exit_code == 1
    assert "gender=woman [7..8]" in result.output and "gender=man [6..8]" in result.output
    assert "the minimums for gender add up to 13, more than the 10 seats" in result.output
    assert "Nearest feasible quotas" in result.output
    relaxed = CliRunner().invoke(app, [*args, *quotas, "--relax", "--algorithm", "greedy"])
    assert relaxed.exit_code == 0, relaxed.output
    assert "All quotas met: yes" in relaxed.output


def test_bad_input_gets_one_clear_line(tmp_path: Path) -> None:
    pool = pool_file(tmp_path)
    bad_quota = CliRunner().invoke(
        app, ["select", "--pool", str(pool), "--seats", "5", "--quota", "gender=woman"]
    )
    assert bad_quota.exit_code == 2
    assert "must look like feature:value:min:max" in bad_quota.output
    missing = CliRunner().invoke(app, ["select", "--pool", str(tmp_path / "nope.csv"), "--seats", "5"])
    assert missing.exit_code == 2 and "no such pool file" in missing.output
    too_many = CliRunner().invoke(app, ["select", "--pool", str(pool), "--seats", "61"])
    assert too_many.exit_code == 2 and "no selection is needed" in too_many.output
