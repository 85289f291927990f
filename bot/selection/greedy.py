"""The simple greedy baseline: fill the most urgent quota first, with a random applicant.

This is the kind of algorithm selection bodies used before LEXIMIN (the Sortition
Foundation's "legacy" procedure): while seats remain, find the quota furthest from its
minimum relative to the applicants still available for it, pick one of those at
random (anyone available if no minimum is pending), and drop everyone whose value has
reached its maximum. A dead end restarts the draw. It meets the quotas but does not
control who gets which chance; its selection probabilities are estimated by running
it many times with seeds derived from the recorded one.
"""

from __future__ import annotations

import math
import random
import time

from bot.selection.lottery import InfeasibleQuotasError, Selection, lottery_random, new_seed
from bot.selection.pool import SelectionProblem, TypeSpace

MAX_ATTEMPTS = 100


def _greedy_profile(
    problem: SelectionProblem, types: TypeSpace, rng: random.Random
) -> tuple[int, ...] | None:
    """One greedy draw at the level of types (members of a type are interchangeable); None on a dead end."""
    sizes = types.sizes
    available = list(sizes)
    taken = [0] * len(sizes)
    counts = [0] * len(problem.quotas)
    quotas_of: list[list[int]] = [[] for _ in sizes]
    for q, members in enumerate(types.quota_types):
        for t in members:
            quotas_of[t].append(q)
    for _ in range(problem.seats):
        urgent, urgency = -1, 0.0
        for q, quota in enumerate(problem.quotas):
            missing = quota.min - counts[q]
            if missing <= 0:
                continue
            left = sum(available[t] for t in types.quota_types[q])
            if left < missing:
                return None
            ratio = missing / left
            if ratio > urgency:
                urgent, urgency = q, ratio
        candidates = types.quota_types[urgent] if urgent >= 0 else range(len(sizes))
        weights = [available[t] for t in candidates]
        if not any(weights):
            return None
        t = rng.choices(list(candidates), weights=weights)[0]
        available[t] -= 1
        taken[t] += 1
        for q in quotas_of[t]:
            counts[q] += 1
            if counts[q] >= problem.quotas[q].max:
                for other in types.quota_types[q]:
                    available[other] = 0
    if any(not quota.min <= counts[q] <= quota.max for q, quota in enumerate(problem.quotas)):
        return None
    return tuple(taken)


def greedy_profile(
    problem: SelectionProblem, types: TypeSpace, rng: random.Random
) -> tuple[tuple[int, ...], int]:
    """A greedy panel profile and the number of restarts it took."""
    for attempt in range(MAX_ATTEMPTS):
        profile = _greedy_profile(problem, types, rng)
        if profile is not None:
            return profile, attempt
    raise InfeasibleQuotasError(f"the greedy draw hit a dead end {MAX_ATTEMPTS} times in a row")


def greedy_probabilities(
    problem: SelectionProblem, *, seed: int, runs: int, time_limit: float | None = None
) -> tuple[dict[str, float], int, int]:
    """Selection probabilities estimated from up to `runs` greedy draws; also the draws made and restarts."""
    types = TypeSpace.of(problem)
    rng = lottery_random(seed, "greedy-estimate")
    totals = [0] * len(types)
    started = time.monotonic()
    done = restarts = 0
    for _ in range(runs):
        profile, retries = greedy_profile(problem, types, rng)
        restarts += retries
        done += 1
        for t, count in enumerate(profile):
            totals[t] += count
        if time_limit is not None and time.monotonic() - started > time_limit:
            break
    probabilities = {}
    for t, members in enumerate(types.members):
        for member in members:
            probabilities[member] = totals[t] / (done * len(members))
    return probabilities, done, restarts


def select_greedy(
    problem: SelectionProblem, *, seed: int | None = None, runs: int = 1000, time_limit: float | None = None
) -> Selection:
    """Draw one greedy panel with `seed`, and estimate everyone's probability from `runs` more draws."""
    seed = new_seed() if seed is None else seed
    started = time.monotonic()
    types = TypeSpace.of(problem)
    rng = lottery_random(seed, "lottery")
    profile, _retries = greedy_profile(problem, types, rng)
    chosen: list[str] = []
    for members, count in zip(types.members, profile, strict=True):
        chosen.extend(rng.sample(members, count))
    probabilities, done, restarts = greedy_probabilities(problem, seed=seed, runs=runs, time_limit=time_limit)
    lowest = min(probabilities.values())
    return Selection(
        problem=problem,
        algorithm="greedy",
        seed=seed,
        panel=tuple(sorted(chosen)),
        probabilities=probabilities,
        exact=False,
        complete=done == runs,
        seconds=time.monotonic() - started,
        details={
            "types": len(types),
            "estimate_runs": done,
            "restarts": restarts,
            "minimum_standard_error": math.sqrt(max(lowest * (1 - lowest), 0.0) / done),
        },
    )
