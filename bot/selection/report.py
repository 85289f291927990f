"""The transparency report of a selection: quotas and how each is met, everyone's chance, seed.

Exportable as JSON (everything, including the lottery itself so the draw can be
re-checked from the seed), CSV (one row per applicant) and markdown (for staff and
for publication). Applicants appear by id only — never by name.
"""

from __future__ import annotations

import csv
import io
import json
import statistics
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from bot.selection.lottery import PanelDistribution, ProfileDistribution, Selection

ALGORITHM_NAMES = {
    "leximin": "LEXIMIN (Flanigan et al., Nature 2021) on HiGHS",
    "maximin": "MAXIMIN (sortition-algorithms) on HiGHS",
    "greedy": "greedy baseline (most urgent quota first)",
}

LOTTERY_RULE = (
    "Python random.Random seeded with the string 'liaison-selection:lottery:<seed>'; one uniform number "
    "picks a panel by cumulative probability (panels in the order listed); for a panel given as counts per "
    "type, random.sample then picks that many members of each type, types in the order listed, members "
    "sorted by id."
)


@dataclass(frozen=True)
class QuotaLine:
    feature: str
    value: str
    min: int
    max: int
    in_pool: int
    selected: int
    expected: float
    """Average number selected over the whole lottery."""

    @property
    def met(self) -> bool:
        return self.min <= self.selected <= self.max


@dataclass(frozen=True)
class Spread:
    minimum: float
    maximum: float
    mean: float
    median: float
    p10: float
    p90: float
    stdev: float
    equal_share: float
    """seats / applicants: everyone's chance if there were no quotas."""
    at_minimum: int
    """How many applicants have the lowest probability."""


@dataclass(frozen=True)
class SelectionReport:
    algorithm: str
    seed: int
    created_at: str
    seats: int
    applicants: int
    exact: bool
    complete: bool
    seconds: float
    quotas: tuple[QuotaLine, ...]
    spread: Spread
    probabilities: tuple[tuple[str, float, bool], ...]
    """(id, selection probability, selected in this draw), lowest probability first."""
    details: dict[str, Any]
    lottery: dict[str, Any] | None

    @property
    def all_quotas_met(self) -> bool:
        return all(line.met for line in self.quotas)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["probabilities"] = [{"id": i, "probability": p, "selected": s} for i, p, s in self.probabilities]
        data["all_quotas_met"] = self.all_quotas_met
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["id", "probability", "selected"])
        for applicant, probability, selected in sorted(self.probabilities):
            writer.writerow([applicant, f"{probability:.6f}", "yes" if selected else "no"])
        return out.getvalue()

    def to_markdown(self) -> str:
        s = self.spread
        lines = [
            f"# Selection report: {self.seats} of {self.applicants} applicants",
            "",
            f"- Algorithm: {ALGORITHM_NAMES.get(self.algorithm, self.algorithm)}",
            f"- Seed: `{self.seed}` (the draw can be repeated from it)",
            f"- Run at: {self.created_at}, {self.seconds:.1f} s",
            f"- Probabilities: {'computed exactly' if self.exact else 'estimated from repeated draws'}"
            + ("" if self.complete else " — stopped at the time limit, still a valid lottery"),
            f"- All quotas met: {'yes' if self.all_quotas_met else 'NO'}",
            "",
            "## Chances of selection",
            "",
            f"Without quotas everyone would have {_pct(s.equal_share)}. With these quotas:",
            "",
            f"- lowest: {_pct(s.minimum)} ({s.at_minimum} applicants)",
            f"- 10% of applicants have at most {_pct(s.p10)}; 90% have at most {_pct(s.p90)}",
            f"- median {_pct(s.median)}, mean {_pct(s.mean)}, highest {_pct(s.maximum)}, "
            f"standard deviation {_pct(s.stdev)}",
            "",
            "## Quotas",
            "",
            "| feature | value | in pool | min | max | selected | average over the lottery | met |",
            "|---|---|---:|---:|---:|---:|---:|:---:|",
        ]
        for q in self.quotas:
            lines.append(
                f"| {q.feature} | {q.value} | {q.in_pool} | {q.min} | {q.max} | {q.selected} | "
                f"{q.expected:.2f} | {'yes' if q.met else 'NO'} |"
            )
        return "\n".join(lines) + "\n"


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def _lottery(selection: Selection) -> dict[str, Any] | None:
    distribution = selection.distribution
    if isinstance(distribution, ProfileDistribution):
        types = distribution.types
        return {
            "rule": LOTTERY_RULE,
            "type_features": list(types.features),
            "types": [
                {"values": list(k), "members": list(m)}
                for k, m in zip(types.keys, types.members, strict=True)
            ],
            "panels": [
                {"probability": w, "counts": {str(t): c for t, c in enumerate(p) if c}}
                for p, w in zip(distribution.profiles, distribution.weights, strict=True)
            ],
        }
    if isinstance(distribution, PanelDistribution):
        return {
            "rule": LOTTERY_RULE,
            "panels": [
                {"probability": w, "members": list(p)}
                for p, w in zip(distribution.panels, distribution.weights, strict=True)
            ],
        }
    return None


def build_report(selection: Selection, *, now: datetime) -> SelectionReport:
    """The report of `selection`, stamped with `now` (aware UTC)."""
    problem = selection.problem
    chosen = set(selection.panel)
    quota_lines = []
    for quota in problem.quotas:
        holders = [a.id for a in problem.pool.applicants if a.value(quota.feature) == quota.value]
        quota_lines.append(
            QuotaLine(
                feature=quota.feature,
                value=quota.value,
                min=quota.min,
                max=quota.max,
                in_pool=len(holders),
                selected=sum(1 for h in holders if h in chosen),
                expected=sum(selection.probabilities[h] for h in holders),
            )
        )
    values = sorted(selection.probabilities.values())
    deciles = statistics.quantiles(values, n=10, method="inclusive") if len(values) > 1 else values * 9
    lowest = values[0]
    spread = Spread(
        minimum=lowest,
        maximum=values[-1],
        mean=statistics.fmean(values),
        median=statistics.median(values),
        p10=deciles[0],
        p90=deciles[-1],
        stdev=statistics.pstdev(values),
        equal_share=problem.seats / len(problem.pool),
        at_minimum=sum(1 for v in values if v <= lowest + 1e-6),
    )
    rows = sorted(
        ((i, p, i in chosen) for i, p in selection.probabilities.items()), key=lambda row: (row[1], row[0])
    )
    return SelectionReport(
        algorithm=selection.algorithm,
        seed=selection.seed,
        created_at=now.isoformat(timespec="seconds"),
        seats=problem.seats,
        applicants=len(problem.pool),
        exact=selection.exact,
        complete=selection.complete,
        seconds=round(selection.seconds, 3),
        quotas=tuple(quota_lines),
        spread=spread,
        probabilities=tuple(rows),
        details=dict(selection.details),
        lottery=_lottery(selection),
    )
