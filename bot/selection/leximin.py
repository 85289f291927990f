"""LEXIMIN selection on HiGHS: the fairest lottery over quota-satisfying panels, then a draw.

The algorithm of Flanigan, Gölz, Gupta, Hennig and Procaccia, "Fair algorithms for
selecting citizens' assemblies" (Nature 596, 2021), with open-source solvers only:

1. Find a distribution over panels that maximises the lowest selection probability of
   any applicant; fix the probabilities that are at that minimum in every optimal
   distribution; maximise the lowest of the rest subject to the fixed ones; repeat
   until every probability is fixed. Each stage is a linear program with one variable
   per panel, far too many to list, so it is solved by column generation on its dual:
   the dual LP over the panels found so far gives a weight per applicant, a pricing ILP
   finds the panel of greatest total weight, and if that panel violates the dual it is
   added and the dual re-solved. A converged stage fixes the applicants whose dual
   weight is positive in the simplex (vertex) solution: by complementary slackness
   they are at the stage's optimum in every optimal distribution. (The reference
   implementation takes an interior-point solution to fix more per stage; with HiGHS's
   interior point without crossover that over-fixed applicants in our tests — it gave
   lexicographically worse results — so we keep the exact vertex duals.)
2. A final LP finds probabilities for the panels found that give everyone their fixed
   probability.
3. The lottery draws one panel with a recorded seed.

Applicants who agree on every quota feature are interchangeable, and the leximin
probabilities are unique, so interchangeable applicants get the same probability. The
LPs therefore run on applicant *types* and panels are type profiles (how many of each
type); the draw then picks that many members of each type uniformly. This is exact
and turns thousands of applicants into a few hundred variables.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import version

from bot.selection.lottery import (
    InfeasibleQuotasError,
    ProfileDistribution,
    Selection,
    lottery_random,
    new_seed,
)
from bot.selection.pool import SelectionProblem, TypeSpace
from bot.selection.solver import (
    INF,
    OPTIMAL,
    Row,
    SolverError,
    add_columns,
    add_row,
    column_values,
    new_highs,
    panel_model,
    set_objective,
    solve,
)

logger = logging.getLogger(__name__)

PRICING_TOLERANCE = 1e-7
"""A found panel improves the dual only if it beats the current bound by more than this."""
FIX_THRESHOLD = 1e-6
"""Simplex dual weights above this mark a type whose probability is fixed at the stage's optimum."""
FEASIBLE_SOLUTION = 2
"""HiGHS's solution status for "a feasible point is known"."""
RELAX_STEP = 1e-6
"""When rounding makes the fixed probabilities jointly unreachable, they are lowered by this much."""


Profile = tuple[int, ...]


class PanelOracle:
    """The pricing ILP: among panels meeting the quotas, the one of greatest total weight."""

    def __init__(self, types: TypeSpace, problem: SelectionProblem) -> None:
        self.sizes = types.sizes
        rows: list[Row] = [
            (types.quota_types[i], float(q.min), float(q.max)) for i, q in enumerate(problem.quotas)
        ]
        self.highs = panel_model(self.sizes, problem.seats, rows)
        self.highs.setOptionValue("mip_improving_solution_save", True)
        self.deadline: float | None = None
        self.proven = True

    def best(self, weights: Sequence[float]) -> tuple[Profile, float]:
        """The best panel; after the deadline, the best found so far (then `proven` is False)."""
        set_objective(self.highs, weights, maximize=True)
        if self.deadline is not None:
            self.highs.setOptionValue("time_limit", max(0.5, self.deadline - time.monotonic()))
        status = solve(self.highs)
        self.proven = status == OPTIMAL
        if not self.proven and self.highs.getInfo().primal_solution_status != FEASIBLE_SOLUTION:
            raise SolverError(f"the pricing ILP ended with {status.name} and no panel")
        profile = tuple(round(v) for v in column_values(self.highs))
        return profile, self.value(weights, profile)

    def runners_up(self) -> list[Profile]:
        """The other panels the last ILP found on its way to the best one."""
        return [tuple(round(v) for v in saved.col_value) for saved in self.highs.getSavedMipSolutions()]

    @staticmethod
    def value(weights: Sequence[float], profile: Profile) -> float:
        return sum(w * c for w, c in zip(weights, profile, strict=True))


@dataclass
class LeximinRun:
    """What the algorithm did, for the report and the benchmark."""

    stages: int = 0
    pricing_calls: int = 0
    relaxations: int = 0
    impossible_types: int = 0
    complete: bool = True
    maximin: float | None = None
    """The optimum of the first stage: the best possible lowest probability."""


def _initial_profiles(
    oracle: PanelOracle, types: TypeSpace, seed: int, rounds: int
) -> tuple[list[Profile], list[int]]:
    """Diverse starting panels by multiplicative weights, then one panel per type not yet covered.

    Returns the profiles and the types no panel can include (their probability is 0).
    """
    rng = lottery_random(seed, "initial-panels")
    sizes = types.sizes
    weights = [rng.uniform(0.99, 1.0) for _ in sizes]
    found: dict[Profile, None] = {}
    for _ in range(rounds):
        profile, _value = oracle.best(weights)
        if profile in found:
            weights = [0.9 * w + 0.1 for w in weights]
        else:
            found[profile] = None
            weights = [w * (1 - 0.2 * c / n) for w, c, n in zip(weights, profile, sizes, strict=True)]
        total = sum(weights)
        weights = [w * len(weights) / total for w in weights]
    covered = [False] * len(sizes)
    for profile in found:
        for t, count in enumerate(profile):
            covered[t] = covered[t] or count > 0
    while not all(covered):
        # One panel holding as many not-yet-covered applicants as possible; none means none can be.
        profile, value = oracle.best([0.0 if c else 1.0 / n for c, n in zip(covered, sizes, strict=True)])
        if value <= 0.5 / max(sizes):
            if not oracle.proven:
                return list(found), []  # out of time: nothing is known to be impossible
            break
        found.setdefault(profile, None)
        for t, count in enumerate(profile):
            covered[t] = covered[t] or count > 0
    impossible = [t for t, c in enumerate(covered) if not c]
    return list(found), impossible


class _Stage:
    """The dual LP of one leximin stage over the known panels.

    minimise  ŷ − Σ_{t fixed} f_t y_t
    s.t.      Σ_t (c_{P,t} / n_t) y_t ≤ ŷ      for every known panel profile P
              Σ_{t not fixed} y_t = 1
              y, ŷ ≥ 0

    It is the dual of the stage's LP over distributions (maximise z s.t. every unfixed
    probability ≥ z, every fixed one ≥ f_t); panels are added as rows, and a new stage
    reuses the model by moving the newly fixed types into the objective.
    """

    def __init__(self, sizes: Sequence[int], profiles: Sequence[Profile], fixed: dict[int, float]) -> None:
        self.sizes = sizes
        self.highs = new_highs()
        self.highs.setOptionValue("presolve", "off")
        n = len(sizes)
        add_columns(self.highs, [0.0] * (n + 1), [INF] * (n + 1), integer=False)
        self.cap = n
        unfixed = [t for t in range(n) if t not in fixed]
        add_row(self.highs, unfixed, [1.0] * len(unfixed), 1.0, 1.0)
        for profile in profiles:
            self.add(profile)
        costs = [-fixed.get(t, 0.0) for t in range(n)] + [1.0]
        set_objective(self.highs, costs, maximize=False)

    def fix(self, fixed: dict[int, float]) -> None:
        """Move newly fixed types out of the normalising row and into the objective."""
        for t, level in fixed.items():
            self.highs.changeCoeff(0, t, 0.0)
            self.highs.changeColCost(t, -level)

    def add(self, profile: Profile) -> None:
        columns = [t for t, c in enumerate(profile) if c]
        coefficients = [profile[t] / self.sizes[t] for t in columns]
        add_row(self.highs, [*columns, self.cap], [*coefficients, -1.0], -INF, 0.0)

    def solve(self) -> bool:
        return solve(self.highs) == OPTIMAL

    def solution(self) -> tuple[list[float], float, float]:
        """The weights y_t, the bound ŷ and the objective value."""
        values = column_values(self.highs)
        return values[: self.cap], values[self.cap], float(self.highs.getInfo().objective_function_value)


def _final_weights(
    sizes: Sequence[int], profiles: Sequence[Profile], fixed: dict[int, float], impossible: set[int]
) -> list[float]:
    """Probabilities for the panels that give each type its fixed probability.

    maximise z − 1000 ε  s.t.  Σ λ = 1,  p_t ≥ f_t − ε (fixed t),  p_t ≥ z (other t),  z ≤ 1
    where p_t = Σ_P λ_P c_{P,t} / n_t. With every type fixed, ε measures rounding only.
    """
    highs = new_highs()
    count = len(profiles)
    add_columns(highs, [0.0] * count, [1.0] * count, integer=False)
    epsilon = add_columns(highs, [0.0, 0.0], [1.0, 1.0], integer=False)
    z = epsilon + 1
    add_row(highs, range(count), [1.0] * count, 1.0, 1.0)
    for t, n in enumerate(sizes):
        if t in impossible:
            continue
        columns = [i for i, p in enumerate(profiles) if p[t]]
        coefficients = [profiles[i][t] / n for i in columns]
        if t in fixed:
            add_row(highs, [*columns, epsilon], [*coefficients, 1.0], fixed[t], INF)
        else:
            add_row(highs, [*columns, z], [*coefficients, -1.0], 0.0, INF)
    costs = [0.0] * count + [-1000.0, 1.0]
    set_objective(highs, costs, maximize=True)
    if solve(highs) != OPTIMAL:
        raise SolverError("the final LP of the leximin distribution did not solve")
    weights = [max(0.0, w) for w in column_values(highs)[:count]]
    total = sum(weights)
    return [w / total for w in weights]


def leximin_distribution(
    problem: SelectionProblem, *, seed: int, time_limit: float | None = None
) -> tuple[ProfileDistribution, LeximinRun]:
    """The leximin lottery over quota-satisfying panels (see the module docstring)."""
    started = time.monotonic()
    deadline = None if time_limit is None else started + time_limit
    types = TypeSpace.of(problem)
    sizes = types.sizes
    oracle = PanelOracle(types, problem)
    oracle.deadline = deadline
    if solve(oracle.highs) != OPTIMAL:
        raise InfeasibleQuotasError("no panel meets the quotas")
    run = LeximinRun()
    profiles, impossible_list = _initial_profiles(oracle, types, seed, rounds=min(len(sizes), 40))
    run.impossible_types = len(impossible_list)
    impossible = set(impossible_list)
    fixed: dict[int, float] = dict.fromkeys(impossible, 0.0)
    known = set(profiles)
    stage: _Stage | None = None

    while len(fixed) < len(sizes):
        if deadline is not None and time.monotonic() > deadline:
            run.complete = False
            break
        run.stages += 1
        if stage is None:
            stage = _Stage(sizes, profiles, fixed)
        else:
            stage.fix(fixed)
        while True:
            if not stage.solve():
                # Rounding can leave the fixed probabilities just out of reach (the primal is
                # infeasible, the dual unbounded): lower them all a hair and rebuild.
                for t in fixed:
                    if t not in impossible:
                        fixed[t] = max(0.0, fixed[t] - RELAX_STEP)
                run.relaxations += 1
                stage = _Stage(sizes, profiles, fixed)
                continue
            weights, bound, objective = stage.solution()
            run.pricing_calls += 1
            if run.pricing_calls % 20 == 0:
                logger.debug("pricing %d: bound %.6f objective %.6f", run.pricing_calls, bound, objective)
            per_member = [w / n for w, n in zip(weights, sizes, strict=True)]
            profile, value = oracle.best(per_member)
            timed_out = not oracle.proven or (deadline is not None and time.monotonic() > deadline)
            if value > bound + PRICING_TOLERANCE and profile not in known and not timed_out:
                for found in [profile, *oracle.runners_up()]:
                    if found not in known and oracle.value(per_member, found) > bound + PRICING_TOLERANCE:
                        known.add(found)
                        profiles.append(found)
                        stage.add(found)
                continue
            if not oracle.proven or (timed_out and value > bound + PRICING_TOLERANCE):
                run.complete = False
                break
            level = max(0.0, objective)
            if run.maximin is None:
                run.maximin = level
            to_fix = [t for t in range(len(sizes)) if t not in fixed and weights[t] > FIX_THRESHOLD]
            if not to_fix:
                to_fix = [max((t for t in range(len(sizes)) if t not in fixed), key=lambda t: weights[t])]
            for t in to_fix:
                fixed[t] = level
            logger.debug(
                "leximin stage %d: fixed %d types at %.6f; %d/%d fixed, %d panels, %.1f s",
                run.stages,
                len(to_fix),
                level,
                len(fixed),
                len(sizes),
                len(profiles),
                time.monotonic() - started,
            )
            break
        if not run.complete:
            break

    final = _final_weights(sizes, profiles, fixed, impossible)
    kept = [(p, w) for p, w in zip(profiles, final, strict=True) if w > 1e-9]
    total = sum(w for _, w in kept)
    distribution = ProfileDistribution(
        types=types,
        profiles=tuple(p for p, _ in kept),
        weights=tuple(w / total for _, w in kept),
    )
    return distribution, run


def select_leximin(
    problem: SelectionProblem, *, seed: int | None = None, time_limit: float | None = None
) -> Selection:
    """Compute the leximin lottery and draw one panel from it with `seed` (a fresh one if None)."""
    seed = new_seed() if seed is None else seed
    started = time.monotonic()
    distribution, run = leximin_distribution(problem, seed=seed, time_limit=time_limit)
    index, panel = distribution.draw(seed)
    return Selection(
        problem=problem,
        algorithm="leximin",
        seed=seed,
        panel=panel,
        probabilities=distribution.probabilities(),
        exact=True,
        complete=run.complete,
        seconds=time.monotonic() - started,
        distribution=distribution,
        details={
            "types": len(distribution.types),
            "panels_in_lottery": len(distribution.profiles),
            "drawn_panel_index": index,
            "stages": run.stages,
            "lowest_exact": run.maximin is not None,
            "pricing_calls": run.pricing_calls,
            "relaxations": run.relaxations,
            "types_in_no_panel": run.impossible_types,
            "solver": f"HiGHS (highspy {version('highspy')})",
        },
    )
