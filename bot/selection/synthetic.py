"""Generated applicant pools for tests, the benchmark and staff rehearsals (no real people).

Six features shaped like a regional review's requests: stakeholder type, sub-region,
nationality (nested in the sub-region), gender, age group and migrant-led. Shares are
skewed and features correlated (migrant-led is likelier for diaspora and migrant
organisations, youth groups are younger), as in real pools, which is what makes a
fair selection hard.
"""

from __future__ import annotations

import csv
import math
import random
from collections.abc import Sequence
from pathlib import Path

from bot.selection.pool import Applicant, Pool, Quota

FEATURES = ("stakeholder", "subregion", "nationality", "gender", "age", "migrant_led")

STAKEHOLDERS = {
    "ngo": 0.34,
    "diaspora": 0.16,
    "trade_union": 0.1,
    "academia": 0.12,
    "youth": 0.08,
    "migrant_org": 0.14,
    "private_sector": 0.06,
}
SUBREGIONS = {
    "north": (0.38, ("n1", "n2", "n3", "n4")),
    "south": (0.22, ("s1", "s2", "s3")),
    "east": (0.18, ("e1", "e2", "e3")),
    "west": (0.14, ("w1", "w2")),
    "islands": (0.08, ("i1", "i2")),
}
GENDERS = {"woman": 0.5, "man": 0.46, "other": 0.04}
AGES = ("18-29", "30-44", "45-59", "60+")


def _choice(rng: random.Random, shares: dict[str, float]) -> str:
    return rng.choices(list(shares), weights=list(shares.values()))[0]


def generated_pool(size: int, *, seed: int = 1, features: Sequence[str] = FEATURES) -> Pool:
    """`size` synthetic applicants with ids `a00001`..., reproducible from `seed`."""
    rng = random.Random(seed)
    applicants = []
    for number in range(1, size + 1):
        stakeholder = _choice(rng, STAKEHOLDERS)
        subregion = _choice(rng, {k: v[0] for k, v in SUBREGIONS.items()})
        countries = SUBREGIONS[subregion][1]
        nationality = rng.choices(countries, weights=[2**-i for i in range(len(countries))])[0]
        gender = _choice(rng, GENDERS)
        age_weights = [0.55, 0.35, 0.08, 0.02] if stakeholder == "youth" else [0.15, 0.38, 0.32, 0.15]
        age = rng.choices(AGES, weights=age_weights)[0]
        migrant_share = 0.8 if stakeholder in ("diaspora", "migrant_org") else 0.15
        migrant_led = "yes" if rng.random() < migrant_share else "no"
        values = {
            "stakeholder": stakeholder,
            "subregion": subregion,
            "nationality": nationality,
            "gender": gender,
            "age": age,
            "migrant_led": migrant_led,
        }
        applicants.append(Applicant(id=f"a{number:05d}", features={f: values[f] for f in features}))
    return Pool(applicants=tuple(applicants), features=tuple(features))


def write_csv(pool: Pool, path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", *pool.features])
        for applicant in pool.applicants:
            writer.writerow([applicant.id, *(applicant.value(f) for f in pool.features)])


TARGETS: dict[str, dict[str, float]] = {
    "stakeholder": dict.fromkeys(STAKEHOLDERS, 1 / len(STAKEHOLDERS)),
    "subregion": dict.fromkeys(SUBREGIONS, 1 / len(SUBREGIONS)),
    "gender": {"woman": 0.48, "man": 0.48, "other": 0.04},
    "age": {"18-29": 0.3, "30-44": 0.3, "45-59": 0.25, "60+": 0.15},
    "migrant_led": {"yes": 0.5, "no": 0.5},
}
"""Target shares of the panel, which differ from the pool's shares on purpose."""


def target_quotas(pool: Pool, seats: int, *, band: float = 0.15) -> list[Quota]:
    """Quotas around the target shares (±`band` of the seats' share), as staff would set them.

    Every nationality present gets at least one seat when there are enough seats to go
    round, and at most a third of the seats. A quota never asks for more applicants of a
    value than the pool has.
    """
    quotas = []
    for feature, shares in TARGETS.items():
        if feature not in pool.features:
            continue
        counts = pool.counts(feature)
        for value, count in counts.items():
            share = shares.get(value, 0.0) * seats
            low = min(count, math.floor(share * (1 - band)))
            high = min(count, max(low, math.ceil(share * (1 + band))))
            quotas.append(Quota(feature, value, low, high))
    if "nationality" in pool.features:
        counts = pool.counts("nationality")
        floor_one = 1 if seats >= 2 * len(counts) else 0
        for value, count in counts.items():
            quotas.append(Quota("nationality", value, min(floor_one, count), min(count, max(1, seats // 3))))
    return sorted(quotas)
