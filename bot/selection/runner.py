"""Running a selection: which algorithm, how staff set the quotas, the problem they make over a pool.
Shared by `liaison select`, `liaison select EVENT` and the web console's selection page."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.selection.lottery import Selection
from bot.selection.pool import Pool, Quota, SelectionProblem, merge_quotas, proportional_quotas


class Algorithm(StrEnum):
    leximin = "leximin"
    maximin = "maximin"
    greedy = "greedy"


@dataclass(frozen=True)
class QuotaChoice:
    """How staff set the quotas: defaults proportional to the pool, then their own overrides."""

    overrides: tuple[Quota, ...] = ()
    default_features: tuple[str, ...] | None = None
    """Features that get proportional defaults; None means every feature of the pool."""
    tolerance: float = 0.2
    defaults: bool = True


def build_problem(pool: Pool, seats: int, choice: QuotaChoice) -> SelectionProblem:
    defaults: list[Quota] = []
    if choice.defaults:
        defaults = proportional_quotas(
            pool, seats, features=choice.default_features, tolerance=choice.tolerance
        )
    return SelectionProblem(pool=pool, seats=seats, quotas=tuple(merge_quotas(defaults, choice.overrides)))


def run_selection(
    problem: SelectionProblem, algorithm: Algorithm, *, seed: int | None, time_limit: float | None
) -> Selection:
    if algorithm is Algorithm.leximin:
        from bot.selection.leximin import select_leximin

        return select_leximin(problem, seed=seed, time_limit=time_limit)
    if algorithm is Algorithm.maximin:
        from bot.selection.maximin import select_maximin

        return select_maximin(problem, seed=seed)
    from bot.selection.greedy import select_greedy

    return select_greedy(problem, seed=seed, time_limit=time_limit)
