"""MAXIMIN for comparison, from the Sortition Foundation's `sortition-algorithms` package.

The package's MAXIMIN runs on HiGHS (no commercial solver) and works on individual
applicants, independently of our type-based LEXIMIN, so it is a genuine cross-check:
LEXIMIN's lowest probability must equal MAXIMIN's optimum (within tolerance) and its
next-lowest ones must be at least as high. We adapt our pool and quotas to the
package's `FeatureCollection` and `People`, seed its random provider from our seed,
and draw from its distribution with our seeded lottery.

Its initial panels come from sets whose iteration order depends on Python's string
hashing, so the distribution can differ between processes; the report records the
distribution, and the draw is reproducible from it and the seed.
"""

from __future__ import annotations

import logging
import time

from sortition_algorithms.committee_generation import find_distribution_maximin
from sortition_algorithms.features import FeatureCollection, FeatureValueMinMax
from sortition_algorithms.people import People
from sortition_algorithms.utils import set_random_provider

from bot.selection.lottery import PanelDistribution, Selection, new_seed
from bot.selection.pool import SelectionProblem


def to_package(problem: SelectionProblem) -> tuple[FeatureCollection, People]:
    """Our quotas and pool as the package's features (every value bounded) and people."""
    features: FeatureCollection = {}
    for feature in problem.quota_features:
        features[feature] = {
            value: FeatureValueMinMax(min=0, max=problem.seats) for value in problem.pool.counts(feature)
        }
    for quota in problem.quotas:
        features[quota.feature][quota.value] = FeatureValueMinMax(min=quota.min, max=quota.max)
    people = People(columns_to_keep=[])
    for row, applicant in enumerate(problem.pool.applicants, start=2):
        people.add(applicant.id, {f: applicant.value(f) for f in problem.quota_features}, features, row)
    return features, people


def maximin_distribution(problem: SelectionProblem, *, seed: int) -> PanelDistribution:
    features, people = to_package(problem)
    chatty = [logging.getLogger(name) for name in ("sortition_algorithms", "sortition_algorithms_user")]
    levels = [log.level for log in chatty]
    for log in chatty:
        log.setLevel(logging.WARNING)
    set_random_provider(seed)
    try:
        committees, weights, _report = find_distribution_maximin(
            features, people, problem.seats, [], "highspy"
        )
    finally:
        set_random_provider(None)
        for log, level in zip(chatty, levels, strict=True):
            log.setLevel(level)
    pairs = sorted((tuple(sorted(c)), w) for c, w in zip(committees, weights, strict=True) if w > 1e-9)
    total = sum(w for _, w in pairs)
    return PanelDistribution(panels=tuple(p for p, _ in pairs), weights=tuple(w / total for _, w in pairs))


def select_maximin(problem: SelectionProblem, *, seed: int | None = None) -> Selection:
    """The package's MAXIMIN lottery, and one panel drawn from it with `seed`."""
    seed = new_seed() if seed is None else seed
    started = time.monotonic()
    distribution = maximin_distribution(problem, seed=seed)
    index, panel = distribution.draw(seed)
    return Selection(
        problem=problem,
        algorithm="maximin",
        seed=seed,
        panel=panel,
        probabilities=distribution.probabilities(problem.pool.ids),
        exact=True,
        complete=True,
        seconds=time.monotonic() - started,
        distribution=distribution,
        details={
            "panels_in_lottery": len(distribution.panels),
            "drawn_panel_index": index,
            "solver": "sortition-algorithms MAXIMIN on HiGHS",
        },
    )
