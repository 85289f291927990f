"""`make audit`'s verdict on pip-audit's report: a fixable vulnerability fails the build."""

from __future__ import annotations

from tools.dependency_audit import judge


def test_a_vulnerability_with_a_fix_fails() -> None:
    verdict = judge(
        {
            "dependencies": [
                {
                    "name": "aiohttp",
                    "version": "3.9.0",
                    "vulns": [{"id": "GHSA-1", "fix_versions": ["3.9.4"]}],
                },
                {"name": "pillow", "version": "13.0.0", "vulns": []},
            ]
        }
    )
    assert verdict.failed and verdict.fixable == ["aiohttp 3.9.0: GHSA-1 (fixed in 3.9.4)"]
    assert verdict.audited == 2


def test_a_vulnerability_without_a_fix_is_listed_but_passes() -> None:
    verdict = judge(
        {"dependencies": [{"name": "x", "version": "1", "vulns": [{"id": "PYSEC-9", "fix_versions": []}]}]}
    )
    assert not verdict.failed and verdict.unfixed == ["x 1: PYSEC-9 (no fix released yet)"]


def test_skipped_packages_are_counted_not_audited() -> None:
    verdict = judge({"dependencies": [{"name": "x", "skip_reason": "not found"}]})
    assert not verdict.failed and (verdict.audited, verdict.skipped) == (0, 1)
