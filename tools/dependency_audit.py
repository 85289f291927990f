"""`make audit`: known vulnerabilities in the locked dependencies, judged from pip-audit's report.

pip-audit asks the package index about every pinned version in `requirements.lock`. This
fails the build (exit 1) when a dependency has a known vulnerability that a newer release
fixes; one without a fix is listed but does not fail. When the index could not answer for
any package (no route to its vulnerability data), nothing was audited: that is said loudly,
and fails only with AUDIT_STRICT=1, so a machine without that route can still build.

    python -m tools.dependency_audit [requirements.lock]
"""

from __future__ import annotations

import json
import os
import subprocess  # runs pip-audit: a fixed argument list, no shell
import sys
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Verdict:
    fixable: list[str] = field(default_factory=list)  # "name version: ID (fixed in x, y)"
    unfixed: list[str] = field(default_factory=list)
    audited: int = 0
    skipped: int = 0

    @property
    def failed(self) -> bool:
        return bool(self.fixable)


def judge(report: dict[str, Any]) -> Verdict:
    """Sort pip-audit's JSON report into what fails the build and what does not."""
    verdict = Verdict()
    for dependency in report.get("dependencies", []):
        if "skip_reason" in dependency:
            verdict.skipped += 1
            continue
        verdict.audited += 1
        for vulnerability in dependency.get("vulns", []):
            fixes = ", ".join(vulnerability.get("fix_versions") or [])
            line = f"{dependency['name']} {dependency.get('version', '?')}: {vulnerability.get('id', '?')}"
            if fixes:
                verdict.fixable.append(f"{line} (fixed in {fixes})")
            else:
                verdict.unfixed.append(f"{line} (no fix released yet)")
    return verdict


def main(argv: list[str]) -> int:
    lock = argv[0] if argv else "requirements.lock"
    command = [
        sys.executable, "-m", "pip_audit", "--requirement", lock, "--disable-pip", "--no-deps",
        "--progress-spinner", "off", "--format", "json",
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        # Typically no route to the index: nothing could be audited, which is not a finding.
        sys.stderr.write(done.stderr[-2000:])
        print("dependency audit: WARNING: pip-audit gave no report; nothing was audited", file=sys.stderr)
        return 1 if os.environ.get("AUDIT_STRICT") == "1" else 0
    verdict = judge(report)
    for line in verdict.fixable:
        print(f"VULNERABLE {line}")
    for line in verdict.unfixed:
        print(f"known, unfixed {line}")
    if verdict.audited == 0 and verdict.skipped:
        print(
            f"dependency audit: WARNING: the index answered for none of {verdict.skipped} packages; "
            "nothing was audited",
            file=sys.stderr,
        )
        return 1 if os.environ.get("AUDIT_STRICT") == "1" else 0
    print(
        f"dependency audit: {verdict.audited} audited, {verdict.skipped} skipped, {len(verdict.fixable)} to fix"
    )
    return 1 if verdict.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
