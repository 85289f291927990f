"""How long `liaison` commands take to start, against the limits of issue 15.

    python -m bench.cli_startup [--runs 7]

Each command runs as a subprocess of the installed entry point (`.venv/bin/liaison`, else
`python -m bot.cli.main`'s equivalent), on a migrated throwaway data directory, `--runs` times;
the median wall-clock time is printed with its ratio to the limit (below 1.00 is within it).
A timed test would fail on a busy machine; this is measured and written down in docs/benchmarks.md.
"""

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LIMITS: tuple[tuple[tuple[str, ...], float], ...] = (
    (("--help",), 1.0),
    (("staff", "list"), 1.5),
)


def liaison_command() -> list[str]:
    """The `liaison` script beside this interpreter, as `make` installs it; else the same via -c."""
    script = Path(sys.executable).with_name("liaison")
    if script.exists():
        return [str(script)]
    found = shutil.which("liaison")
    if found:
        return [found]
    return [sys.executable, "-c", "from bot.cli.main import main; main()"]


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall-clock and CPU seconds (user + system) of one run; CPU time barely moves with the load
    of a shared machine, so it says what the command costs when the wall clock is noisy."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    liaison = liaison_command()
    with tempfile.TemporaryDirectory() as data_dir:
        env = {
            k: v for k, v in os.environ.items() if not k.startswith("LIAISON_") and k != "TELEGRAM_BOT_TOKEN"
        }
        env["LIAISON_DATA_DIR"] = data_dir
        subprocess.run([*liaison, "migrate"], env=env, check=True, stdout=subprocess.DEVNULL)
        worst = 0.0
        for arguments, limit in LIMITS:
            timed([*liaison, *arguments], env)  # warm the file cache; not counted
            runs = [timed([*liaison, *arguments], env) for _ in range(args.runs)]
            walls = [wall for wall, _ in runs]
            median = statistics.median(walls)
            cpu = statistics.median(cpu for _, cpu in runs)
            ratio = median / limit
            worst = max(worst, ratio)
            print(
                f"liaison {' '.join(arguments):<12} median {median:.3f} s of {args.runs} runs "
                f"(min {min(walls):.3f}, max {max(walls):.3f}; CPU {cpu:.3f} s); limit {limit:.1f} s; "
                f"ratio {ratio:.2f}"
            )
    print("within the limits" if worst < 1 else "OVER a limit (on a busy machine, compare the CPU times)")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
