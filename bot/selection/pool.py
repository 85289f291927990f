"""Applicants, their balance features, quotas, and the selection problem built from them.

Plain data and plain functions: no database, no bot. An applicant is an id (a
registration reference, never a name) and one value per feature; a quota bounds how
many selected applicants may have one value of one feature.
"""

from __future__ import annotations

import csv
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

MAX_FEATURE_VALUE_LENGTH = 80
MAX_POOL_SIZE = 50_000


class PoolError(ValueError):
    """The pool or the quotas are malformed; the message says what to fix."""


@dataclass(frozen=True)
class Applicant:
    """One person asking for a seat: an opaque id and their value of each balance feature."""

    id: str
    features: Mapping[str, str]

    def value(self, feature: str) -> str:
        return self.features[feature]


@dataclass(frozen=True, order=True)
class Quota:
    """Between `min` and `max` selected applicants (inclusive) must have `value` for `feature`."""

    feature: str
    value: str
    min: int
    max: int

    @property
    def label(self) -> str:
        return f"{self.feature}={self.value}"

    def describe(self) -> str:
        return f"{self.label} [{self.min}..{self.max}]"


@dataclass(frozen=True)
class Pool:
    """All applicants for one selection, each with a value for every feature."""

    applicants: tuple[Applicant, ...]
    features: tuple[str, ...]

    def __post_init__(self) -> None:
        seen: set[str] = set()
        for applicant in self.applicants:
            if applicant.id in seen:
                raise PoolError(f"applicant id {applicant.id!r} appears twice in the pool")
            seen.add(applicant.id)
            missing = [f for f in self.features if not applicant.features.get(f)]
            if missing:
                raise PoolError(f"applicant {applicant.id!r} has no value for {', '.join(missing)}")
        if len(self.applicants) > MAX_POOL_SIZE:
            raise PoolError(
                f"the pool has {len(self.applicants)} applicants; at most {MAX_POOL_SIZE} are supported"
            )

    def __len__(self) -> int:
        return len(self.applicants)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(a.id for a in self.applicants)

    def counts(self, feature: str) -> dict[str, int]:
        """How many applicants have each value of `feature`, values sorted."""
        counter = Counter(a.value(feature) for a in self.applicants)
        return {value: counter[value] for value in sorted(counter)}

    @classmethod
    def from_rows(
        cls,
        rows: Iterable[Mapping[str, str]],
        *,
        id_column: str = "id",
        features: Sequence[str] | None = None,
    ) -> Pool:
        """A pool from dict rows (CSV or database); `features` defaults to every column except the id."""
        materialised = list(rows)
        if features is None:
            columns: list[str] = []
            for row in materialised[:1]:
                columns = [c for c in row if c != id_column]
            features = columns
        chosen = tuple(_clean(f, "feature name") for f in features)
        if not chosen:
            raise PoolError("the pool has no feature columns to balance on")
        applicants = []
        for number, row in enumerate(materialised, start=2):
            raw_id = row.get(id_column)
            if not raw_id or not raw_id.strip():
                raise PoolError(f"row {number} has no {id_column!r} value")
            values = {}
            for feature in chosen:
                if feature not in row:
                    raise PoolError(f"the pool has no column {feature!r}")
                values[feature] = _clean(row[feature] or "", f"value of {feature!r} in row {number}")
            applicants.append(Applicant(id=raw_id.strip(), features=values))
        return cls(applicants=tuple(applicants), features=chosen)

    @classmethod
    def read_csv(cls, path: Path, *, id_column: str = "id", features: Sequence[str] | None = None) -> Pool:
        """A pool from a CSV file with a header row: an id column and one column per feature."""
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            if reader.fieldnames is None or id_column not in reader.fieldnames:
                raise PoolError(f"{path.name} needs a header row with an {id_column!r} column")
            return cls.from_rows(reader, id_column=id_column, features=features)


def _clean(text: str, what: str) -> str:
    cleaned = " ".join(text.split())
    if not cleaned:
        raise PoolError(f"the {what} is empty")
    if len(cleaned) > MAX_FEATURE_VALUE_LENGTH:
        raise PoolError(f"the {what} is longer than {MAX_FEATURE_VALUE_LENGTH} characters")
    return cleaned


def parse_quota(text: str) -> Quota:
    """`feature:value:min:max` (the value may itself contain colons)."""
    feature, sep, rest = text.partition(":")
    value, sep2, bounds = rest.rpartition(":")
    value, sep3, low = value.rpartition(":")
    if not (sep and sep2 and sep3):
        raise PoolError(f"quota {text!r} must look like feature:value:min:max")
    try:
        minimum, maximum = int(low), int(bounds)
    except ValueError:
        raise PoolError(f"quota {text!r}: min and max must be whole numbers") from None
    return Quota(_clean(feature, "quota feature"), _clean(value, "quota value"), minimum, maximum)


def proportional_quotas(
    pool: Pool, seats: int, *, features: Sequence[str] | None = None, tolerance: float = 0.2
) -> list[Quota]:
    """Default quotas: each value's share of the pool, times the seats, widened by `tolerance`.

    With tolerance 0 the bounds are the floor and ceiling of the exact proportional share.
    """
    if not 0 <= tolerance <= 1:
        raise PoolError("the quota tolerance must be between 0 and 1")
    quotas = []
    for feature in features if features is not None else pool.features:
        if feature not in pool.features:
            raise PoolError(f"the pool has no feature {feature!r}")
        for value, count in pool.counts(feature).items():
            share = count / len(pool) * seats
            low = max(0, math.floor(share * (1 - tolerance) + 1e-9))
            high = min(count, seats, math.ceil(share * (1 + tolerance) - 1e-9))
            quotas.append(Quota(feature, value, min(low, high), high))
    return quotas


def merge_quotas(defaults: Iterable[Quota], overrides: Iterable[Quota]) -> list[Quota]:
    """`defaults` with every quota named in `overrides` replaced (or added), sorted."""
    merged = {(q.feature, q.value): q for q in defaults}
    merged.update({(q.feature, q.value): q for q in overrides})
    return sorted(merged.values())


@dataclass(frozen=True)
class SelectionProblem:
    """Choose exactly `seats` applicants from `pool` so that every quota holds."""

    pool: Pool
    seats: int
    quotas: tuple[Quota, ...]

    def __post_init__(self) -> None:
        if self.seats < 1:
            raise PoolError("the number of seats must be at least 1")
        if self.seats > len(self.pool):
            raise PoolError(
                f"{self.seats} seats but only {len(self.pool)} applicants: everyone can be accepted, "
                "no selection is needed"
            )
        seen: set[tuple[str, str]] = set()
        for quota in self.quotas:
            if quota.feature not in self.pool.features:
                raise PoolError(f"quota {quota.label}: the pool has no feature {quota.feature!r}")
            if quota.min < 0 or quota.max < quota.min:
                raise PoolError(f"quota {quota.describe()}: need 0 <= min <= max")
            if (quota.feature, quota.value) in seen:
                raise PoolError(f"quota {quota.label} is given twice")
            seen.add((quota.feature, quota.value))

    @property
    def quota_features(self) -> tuple[str, ...]:
        """The features some quota refers to, in pool order."""
        used = {q.feature for q in self.quotas}
        return tuple(f for f in self.pool.features if f in used)

    def count(self, quota: Quota, selected: Iterable[str]) -> int:
        chosen = set(selected)
        return sum(
            1 for a in self.pool.applicants if a.id in chosen and a.value(quota.feature) == quota.value
        )

    def violations(self, selected: Sequence[str]) -> list[str]:
        """Why `selected` is not a valid panel for this problem (empty when it is)."""
        problems = []
        if len(set(selected)) != self.seats:
            problems.append(f"{len(set(selected))} distinct applicants selected, {self.seats} seats")
        unknown = set(selected) - set(self.pool.ids)
        if unknown:
            problems.append(f"{len(unknown)} selected ids are not in the pool")
        for quota in self.quotas:
            n = self.count(quota, selected)
            if not quota.min <= n <= quota.max:
                problems.append(f"{quota.describe()} has {n}")
        return problems


@dataclass(frozen=True)
class TypeSpace:
    """Applicants grouped by their values of the quota features.

    Two applicants of the same type are interchangeable for every quota, so a fair
    selection gives them the same probability; the algorithms work on types (far fewer
    than applicants) and the lottery picks members of a type uniformly.
    """

    features: tuple[str, ...]
    keys: tuple[tuple[str, ...], ...]
    members: tuple[tuple[str, ...], ...]
    quota_types: tuple[tuple[int, ...], ...] = field(repr=False)
    """For each quota of the problem (same order), the indices of the types it counts."""

    @property
    def sizes(self) -> tuple[int, ...]:
        return tuple(len(m) for m in self.members)

    def __len__(self) -> int:
        return len(self.keys)

    @classmethod
    def of(cls, problem: SelectionProblem) -> TypeSpace:
        features = problem.quota_features
        groups: dict[tuple[str, ...], list[str]] = {}
        for applicant in problem.pool.applicants:
            groups.setdefault(tuple(applicant.value(f) for f in features), []).append(applicant.id)
        keys = tuple(sorted(groups))
        members = tuple(tuple(sorted(groups[k])) for k in keys)
        quota_types = []
        for quota in problem.quotas:
            position = features.index(quota.feature)
            quota_types.append(tuple(i for i, k in enumerate(keys) if k[position] == quota.value))
        return cls(features=features, keys=keys, members=members, quota_types=tuple(quota_types))

    def type_of(self) -> dict[str, int]:
        return {member: index for index, group in enumerate(self.members) for member in group}
