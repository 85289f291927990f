"""Benchmark of balanced selection: LEXIMIN vs MAXIMIN vs greedy on generated pools.

    .venv/bin/python -m bench.selection                       # 200, 1,000 and 5,000 applicants, 60 seats
    .venv/bin/python -m bench.selection --sizes 200 --time-limit 60

Six features (stakeholder type, sub-region, nationality, gender, age group, migrant-led)
with quotas around target shares that differ from the pool's, as staff would set them.
For each algorithm: wall time and the lowest selection probability of any applicant;
then the ratio LEXIMIN / greedy. Each algorithm runs in its own process and is stopped
at the time limit (LEXIMIN stops itself and still returns a valid lottery; its lowest
probability is exact once its first stage is done). The CPU may be shared: times are
wall-clock and vary with load.
"""

from __future__ import annotations

import argparse
import multiprocessing
import time
from multiprocessing.connection import Connection
from typing import Any

from bot.selection.pool import SelectionProblem, TypeSpace
from bot.selection.synthetic import generated_pool, target_quotas


def _problem(size: int, seats: int, pool_seed: int) -> SelectionProblem:
    pool = generated_pool(size, seed=pool_seed)
    return SelectionProblem(pool, seats, tuple(target_quotas(pool, seats)))


def _run(
    algorithm: str, size: int, seats: int, pool_seed: int, time_limit: float, runs: int, out: Connection
) -> None:
    import logging

    logging.getLogger("sortition_algorithms").setLevel(logging.WARNING)
    logging.getLogger("sortition_algorithms_user").setLevel(logging.WARNING)
    problem = _problem(size, seats, pool_seed)
    started = time.monotonic()
    note = ""
    if algorithm == "leximin":
        from bot.selection.leximin import select_leximin

        selection = select_leximin(problem, seed=1, time_limit=time_limit)
        if not selection.complete:
            exact = (
                "lowest exact"
                if selection.details["lowest_exact"]
                else "first stage unfinished: a lower bound"
            )
            note = f"time limit in stage {selection.details['stages']} ({exact})"
    elif algorithm == "maximin":
        from bot.selection.maximin import select_maximin

        selection = select_maximin(problem, seed=1)
    else:
        from bot.selection.greedy import select_greedy

        selection = select_greedy(problem, seed=1, runs=runs, time_limit=time_limit)
        note = f"estimated from {selection.details['estimate_runs']} draws"
    violations = problem.violations(selection.panel)
    out.send(
        {
            "seconds": time.monotonic() - started,
            "minimum": selection.minimum,
            "note": note + ("; QUOTAS VIOLATED" if violations else ""),
        }
    )


def measure(
    algorithm: str, size: int, seats: int, pool_seed: int, time_limit: float, runs: int
) -> dict[str, Any]:
    """Run one algorithm in a child process; give up a little after the time limit."""
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_run, args=(algorithm, size, seats, pool_seed, time_limit, runs, sender))
    started = time.monotonic()
    process.start()
    grace = time_limit * 1.5 + 30
    result: dict[str, Any]
    if receiver.poll(grace):
        result = receiver.recv()
    else:
        result = {"seconds": time.monotonic() - started, "minimum": None, "note": "stopped at the time limit"}
    process.join(5)
    if process.is_alive():
        process.terminate()
        process.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="200,1000,5000", help="comma-separated pool sizes")
    parser.add_argument("--seats", type=int, default=60)
    parser.add_argument("--time-limit", type=float, default=300.0, help="seconds per algorithm and pool")
    parser.add_argument(
        "--greedy-runs", type=int, default=1000, help="draws to estimate greedy's probabilities"
    )
    parser.add_argument("--algorithms", default="leximin,maximin,greedy")
    parser.add_argument("--pool-seed", type=int, default=3)
    args = parser.parse_args()
    algorithms = args.algorithms.split(",")
    print(
        f"{args.seats} seats, 6 features, time limit {args.time_limit:.0f} s per run (wall clock, shared CPU)"
    )
    print(f"{'pool':>6} {'types':>6} {'algorithm':<9} {'seconds':>8} {'min prob':>9}  note")
    for size in (int(s) for s in args.sizes.split(",")):
        types = len(TypeSpace.of(_problem(size, args.seats, args.pool_seed)))
        minima: dict[str, float | None] = {}
        for algorithm in algorithms:
            result = measure(algorithm, size, args.seats, args.pool_seed, args.time_limit, args.greedy_runs)
            minima[algorithm] = result["minimum"]
            shown = "-" if result["minimum"] is None else f"{result['minimum']:.4f}"
            print(
                f"{size:>6} {types:>6} {algorithm:<9} {result['seconds']:>8.1f} {shown:>9}  {result['note']}",
                flush=True,
            )
        lex, greedy = minima.get("leximin"), minima.get("greedy")
        if lex is not None and greedy is not None:
            ratio = "infinite (greedy's lowest is 0)" if greedy == 0 else f"{lex / greedy:.1f}"
            print(f"{size:>6} {'':>6} LEXIMIN/greedy lowest-probability ratio: {ratio}", flush=True)


if __name__ == "__main__":
    main()
