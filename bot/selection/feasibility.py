"""Can the quotas be met together? If not, which quotas conflict and what is the nearest fix.

Both answers come from integer programs on HiGHS over applicant types:

* the conflict: a minimal set of quotas that cannot all hold with the given number of
  seats (a deletion filter: drop each quota in turn and keep it only if the rest become
  feasible without it), so staff see the few quotas to look at, not all thirty;
* the nearest feasible relaxation: the smallest total change to the quota bounds (seats
  moved, summed over all minimums lowered and maximums raised) that makes a panel exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.selection.pool import Quota, SelectionProblem, TypeSpace
from bot.selection.solver import (
    INFEASIBLE,
    OPTIMAL,
    Row,
    SolverError,
    add_columns,
    add_row,
    column_values,
    feasible,
    new_highs,
    set_objective,
    solve,
)


@dataclass(frozen=True)
class QuotaChange:
    """A quota as staff set it, and the bounds the nearest feasible relaxation needs."""

    quota: Quota
    relaxed: Quota

    def describe(self) -> str:
        parts = []
        if self.relaxed.min != self.quota.min:
            parts.append(f"min {self.quota.min} -> {self.relaxed.min}")
        if self.relaxed.max != self.quota.max:
            parts.append(f"max {self.quota.max} -> {self.relaxed.max}")
        return f"{self.quota.label}: {', '.join(parts)}"

    @property
    def moved(self) -> int:
        return (self.quota.min - self.relaxed.min) + (self.relaxed.max - self.quota.max)


@dataclass(frozen=True)
class Feasibility:
    feasible: bool
    conflicts: tuple[Quota, ...] = ()
    reasons: tuple[str, ...] = ()
    relaxation: tuple[QuotaChange, ...] = ()

    def explain(self) -> list[str]:
        """Plain lines for staff: what conflicts, why, and what would fix it."""
        if self.feasible:
            return ["The quotas can be met together."]
        lines = [
            "The quotas cannot all be met. These quotas conflict with each other and the number of seats:"
        ]
        lines += [f"  - {q.describe()}" for q in self.conflicts]
        lines += [f"  ({reason})" for reason in self.reasons]
        if self.relaxation:
            total = sum(c.moved for c in self.relaxation)
            lines.append(f"Nearest feasible quotas (bounds moved by {total} in total):")
            lines += [f"  - {change.describe()}" for change in self.relaxation]
        return lines


def _rows(types: TypeSpace, quotas: tuple[Quota, ...], indices: list[int]) -> list[Row]:
    return [(types.quota_types[i], float(quotas[i].min), float(quotas[i].max)) for i in indices]


def check_feasibility(problem: SelectionProblem, *, time_limit: float | None = 60.0) -> Feasibility:
    """Whether a panel meeting every quota exists; if not, the conflicting quotas and the nearest fix."""
    types = TypeSpace.of(problem)
    quotas = problem.quotas
    everything = list(range(len(quotas)))
    if feasible(types.sizes, problem.seats, _rows(types, quotas, everything), time_limit=time_limit):
        return Feasibility(feasible=True)
    kept = list(everything)
    for index in everything:
        trial = [i for i in kept if i != index]
        if not feasible(types.sizes, problem.seats, _rows(types, quotas, trial), time_limit=time_limit):
            kept = trial
    conflicts = tuple(quotas[i] for i in kept)
    return Feasibility(
        feasible=False,
        conflicts=conflicts,
        reasons=tuple(_arithmetic_reasons(problem, types, conflicts)),
        relaxation=tuple(nearest_relaxation(problem, time_limit=time_limit)),
    )


def _arithmetic_reasons(
    problem: SelectionProblem, types: TypeSpace, conflicts: tuple[Quota, ...]
) -> list[str]:
    """The simple explanations, where one applies, of why the conflicting quotas clash."""
    reasons = []
    for quota in conflicts:
        available = sum(len(types.members[t]) for t in types.quota_types[problem.quotas.index(quota)])
        if quota.min > available:
            reasons.append(
                f"only {available} applicants have {quota.label}, the quota asks for at least {quota.min}"
            )
    by_feature: dict[str, list[Quota]] = {}
    for quota in conflicts:
        by_feature.setdefault(quota.feature, []).append(quota)
    for feature, group in by_feature.items():
        minimums = sum(q.min for q in group)
        if minimums > problem.seats:
            reasons.append(
                f"the minimums for {feature} add up to {minimums}, more than the {problem.seats} seats"
            )
        all_values = set(problem.pool.counts(feature))
        if {q.value for q in group} >= all_values and sum(q.max for q in group) < problem.seats:
            reasons.append(
                f"the maximums for {feature} add up to {sum(q.max for q in group)}, "
                f"fewer than the {problem.seats} seats"
            )
    return reasons


def nearest_relaxation(problem: SelectionProblem, *, time_limit: float | None = 60.0) -> list[QuotaChange]:
    """The quota changes of least total size (seats moved) that make the quotas feasible.

    Each quota row becomes `min <= count + lowered - raised <= max` with whole slack
    variables, `lowered <= min`; the ILP minimises the sum of all slack.
    """
    types = TypeSpace.of(problem)
    highs = new_highs(time_limit=time_limit)
    highs.setOptionValue("mip_rel_gap", 0.0)
    n = len(types)
    add_columns(highs, [0.0] * n, [float(s) for s in types.sizes], integer=True)
    add_row(highs, range(n), [1.0] * n, problem.seats, problem.seats)
    quota_count = len(problem.quotas)
    lowered = add_columns(highs, [0.0] * quota_count, [float(q.min) for q in problem.quotas], integer=True)
    raised = add_columns(highs, [0.0] * quota_count, [float(problem.seats)] * quota_count, integer=True)
    for i, quota in enumerate(problem.quotas):
        columns = [*types.quota_types[i], lowered + i, raised + i]
        coefficients = [1.0] * len(types.quota_types[i]) + [1.0, -1.0]
        add_row(highs, columns, coefficients, quota.min, quota.max)
    set_objective(highs, [0.0] * n + [1.0] * (2 * quota_count), maximize=False)
    status = solve(highs)
    if status == INFEASIBLE:
        raise SolverError(
            "no relaxation of the quotas is feasible; check the number of seats against the pool"
        )
    if status != OPTIMAL:
        raise SolverError(f"HiGHS could not find the nearest relaxation: {status.name}")
    values = column_values(highs)
    changes = []
    for i, quota in enumerate(problem.quotas):
        down, up = round(values[lowered + i]), round(values[raised + i])
        if down or up:
            relaxed = Quota(quota.feature, quota.value, quota.min - down, quota.max + up)
            changes.append(QuotaChange(quota=quota, relaxed=relaxed))
    return changes


def relaxed_quotas(
    problem: SelectionProblem, changes: list[QuotaChange] | tuple[QuotaChange, ...]
) -> tuple[Quota, ...]:
    """The problem's quotas with `changes` applied, same order."""
    replaced = {(c.quota.feature, c.quota.value): c.relaxed for c in changes}
    return tuple(replaced.get((q.feature, q.value), q) for q in problem.quotas)
