"""Distributions over panels, the seeded lottery that draws one panel, and the selection result."""

from __future__ import annotations

import random
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bot.selection.pool import SelectionProblem, TypeSpace


class InfeasibleQuotasError(ValueError):
    """No panel meets the quotas; `feasibility.check_feasibility` explains which and how to fix it."""


def new_seed() -> int:
    """A fresh lottery seed: twelve decimal digits, short enough to read out and write down."""
    return 10**11 + secrets.randbelow(9 * 10**11)


def lottery_random(seed: int, purpose: str) -> random.Random:
    """A generator determined by the seed and what it is for (the same across machines and runs)."""
    return random.Random(f"liaison-selection:{purpose}:{seed}")


def _pick(weights: Sequence[float], rng: random.Random) -> int:
    point = rng.random() * sum(weights)
    running = 0.0
    for index, weight in enumerate(weights):
        running += weight
        if point < running:
            return index
    return max(i for i, w in enumerate(weights) if w > 0)


@dataclass(frozen=True)
class ProfileDistribution:
    """A lottery over panel profiles: how many of each applicant type sit on the panel.

    Drawing picks a profile with its probability, then for each type that many members
    uniformly at random, so every member of type t is selected with probability
    E[count_t] / size_t.
    """

    types: TypeSpace
    profiles: tuple[tuple[int, ...], ...]
    weights: tuple[float, ...]

    def type_probabilities(self) -> list[float]:
        sizes = self.types.sizes
        expected = [0.0] * len(sizes)
        for profile, weight in zip(self.profiles, self.weights, strict=True):
            for t, count in enumerate(profile):
                if count:
                    expected[t] += weight * count
        return [min(1.0, e / n) for e, n in zip(expected, sizes, strict=True)]

    def probabilities(self) -> dict[str, float]:
        result = {}
        for probability, members in zip(self.type_probabilities(), self.types.members, strict=True):
            for member in members:
                result[member] = probability
        return result

    def draw(self, seed: int) -> tuple[int, tuple[str, ...]]:
        """The index of the drawn profile and the selected ids, sorted."""
        rng = lottery_random(seed, "lottery")
        index = _pick(self.weights, rng)
        chosen: list[str] = []
        for members, count in zip(self.types.members, self.profiles[index], strict=True):
            if count:
                chosen.extend(rng.sample(members, count))
        return index, tuple(sorted(chosen))


@dataclass(frozen=True)
class PanelDistribution:
    """A lottery over explicit panels (lists of applicant ids)."""

    panels: tuple[tuple[str, ...], ...]
    weights: tuple[float, ...]

    def probabilities(self, ids: Sequence[str]) -> dict[str, float]:
        result = dict.fromkeys(ids, 0.0)
        for panel, weight in zip(self.panels, self.weights, strict=True):
            for member in panel:
                result[member] += weight
        return {k: min(1.0, v) for k, v in result.items()}

    def draw(self, seed: int) -> tuple[int, tuple[str, ...]]:
        index = _pick(self.weights, lottery_random(seed, "lottery"))
        return index, self.panels[index]


@dataclass(frozen=True)
class Selection:
    """One selection: the drawn panel, everyone's probability, and how it was made."""

    problem: SelectionProblem
    algorithm: str
    seed: int
    panel: tuple[str, ...]
    probabilities: Mapping[str, float]
    exact: bool
    """True when the probabilities are computed exactly (LP), False when estimated by repeated runs."""
    complete: bool
    """False when a time limit stopped the algorithm early (the result is still a valid lottery)."""
    seconds: float
    distribution: ProfileDistribution | PanelDistribution | None = None
    details: Mapping[str, object] = field(default_factory=dict)

    @property
    def waitlisted(self) -> tuple[str, ...]:
        chosen = set(self.panel)
        return tuple(sorted(i for i in self.problem.pool.ids if i not in chosen))

    def sorted_probabilities(self) -> list[float]:
        return sorted(self.probabilities.values())

    @property
    def minimum(self) -> float:
        return min(self.probabilities.values())
