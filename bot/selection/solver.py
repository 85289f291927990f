"""Thin helpers over HiGHS (`highspy`): quiet, single-threaded solvers and the panel ILP.

Single-threaded on purpose: the same input then gives the same output, which makes a
selection reproducible from its seed.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import highspy
import numpy as np

INF = highspy.kHighsInf
OPTIMAL = highspy.HighsModelStatus.kOptimal
INFEASIBLE = highspy.HighsModelStatus.kInfeasible

Row = tuple[Sequence[int], float, float]
"""A constraint `lower <= sum of the listed columns <= upper`."""


class SolverError(RuntimeError):
    """HiGHS did not reach a usable answer."""


@contextmanager
def _stdout_silenced() -> Iterator[None]:
    """HiGHS prints a banner on stdout from C++ the first time a solver is made; hide it."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        yield
        return
    sys.stdout.flush()
    saved = os.dup(fd)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), fd)
            yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)


def new_highs(*, time_limit: float | None = None) -> highspy.Highs:
    """A silent, single-threaded HiGHS instance."""
    with _stdout_silenced():
        highs = highspy.Highs()  # type: ignore[no-untyped-call]
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("threads", 1)
    highs.setOptionValue("random_seed", 0)
    if time_limit is not None:
        highs.setOptionValue("time_limit", max(0.01, float(time_limit)))
    return highs


def _ints(values: Sequence[int]) -> np.ndarray:
    return np.asarray(values, dtype=np.int32)


def _floats(values: Sequence[float]) -> np.ndarray:
    return np.asarray(values, dtype=np.float64)


def add_columns(
    highs: highspy.Highs, lower: Sequence[float], upper: Sequence[float], *, integer: bool
) -> int:
    """Add columns with zero cost and no coefficients; return the index of the first."""
    first = int(highs.getNumCol())
    count = len(lower)
    empty = np.zeros(0)
    highs.addCols(count, np.zeros(count), _floats(lower), _floats(upper), 0, _ints([]), _ints([]), empty)
    if integer:
        highs.changeColsIntegrality(
            count, _ints(range(first, first + count)), np.array([highspy.HighsVarType.kInteger] * count)
        )
    return first


def add_row(
    highs: highspy.Highs, columns: Sequence[int], coefficients: Sequence[float], lower: float, upper: float
) -> None:
    highs.addRow(float(lower), float(upper), len(columns), _ints(columns), _floats(coefficients))


def set_objective(highs: highspy.Highs, costs: Sequence[float], *, maximize: bool) -> None:
    count = len(costs)
    highs.changeColsCost(count, _ints(range(count)), _floats(costs))
    highs.changeObjectiveSense(highspy.ObjSense.kMaximize if maximize else highspy.ObjSense.kMinimize)


def panel_model(
    sizes: Sequence[int], seats: int, rows: Sequence[Row], *, time_limit: float | None = None
) -> highspy.Highs:
    """The panel ILP over types: x_t whole in [0, size_t], sum x = seats, and each row's bounds."""
    highs = new_highs(time_limit=time_limit)
    highs.setOptionValue("mip_rel_gap", 1e-9)
    highs.setOptionValue("mip_abs_gap", 1e-10)
    add_columns(highs, [0.0] * len(sizes), [float(s) for s in sizes], integer=True)
    add_row(highs, range(len(sizes)), [1.0] * len(sizes), seats, seats)
    for columns, lower, upper in rows:
        add_row(highs, columns, [1.0] * len(columns), lower, upper)
    return highs


def solve(highs: highspy.Highs) -> highspy.HighsModelStatus:
    highs.run()
    return highs.getModelStatus()


def column_values(highs: highspy.Highs) -> list[float]:
    return list(highs.getSolution().col_value)


def feasible(
    sizes: Sequence[int], seats: int, rows: Sequence[Row], *, time_limit: float | None = None
) -> bool:
    """Whether some panel meets every row; raises SolverError if HiGHS cannot tell in time."""
    highs = panel_model(sizes, seats, rows, time_limit=time_limit)
    status = solve(highs)
    if status == OPTIMAL:
        return True
    if status == INFEASIBLE:
        return False
    raise SolverError(f"HiGHS could not decide feasibility: {status.name}")
