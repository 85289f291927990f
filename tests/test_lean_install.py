"""The lean install: MAXIMIN is an optional extra, and the CLI imports heavy packages only when a
command needs them (the timings themselves are measured by bench/cli_startup.py, not here)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bot.selection.synthetic import generated_pool, write_csv

HEAVY = ("matplotlib", "numpy", "highspy", "openpyxl", "sortition_algorithms", "telegram.ext", "aiosmtpd")

# Runs the real entry point with sortition-algorithms made unimportable, as on a lean install.
WITHOUT_MAXIMIN = """
import sys
sys.modules["sortition_algorithms"] = None
sys.argv = ["liaison", *sys.argv[1:]]
from bot.cli.main import main
main()
"""


def test_importing_the_cli_loads_no_heavy_package() -> None:
    probe = f"import sys, json, bot.cli.main; print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert json.loads(result.stdout) == []


def test_help_loads_no_heavy_package() -> None:
    probe = (
        "import sys, json\n"
        "from bot.cli.main import main\n"
        "sys.argv = ['liaison', '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert "Usage" in result.stdout
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


def test_maximin_without_its_extra_says_how_to_install_it(tmp_path: Path) -> None:
    pool = tmp_path / "pool.csv"
    write_csv(generated_pool(30, seed=2), pool)
    command = [sys.executable, "-c", WITHOUT_MAXIMIN, "select", "--pool", str(pool), "--seats", "5"]
    result = subprocess.run(
        [*command, "--algorithm", "maximin", "--dry-run"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        '--algorithm maximin needs the optional package sortition-algorithms: pip install -e ".[maximin]" '
        "(leximin and greedy work without it)"
    ]
    assert "Traceback" not in result.stderr


def test_leximin_needs_no_maximin_extra(tmp_path: Path) -> None:
    pool = tmp_path / "pool.csv"
    write_csv(generated_pool(30, seed=2), pool)
    command = [sys.executable, "-c", WITHOUT_MAXIMIN, "select", "--pool", str(pool), "--seats", "5"]
    result = subprocess.run(
        [*command, "--seed", "7", "--dry-run"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "# Selection report: 5 of 30 applicants" in result.stdout


def test_staff_list_loads_neither_the_bot_nor_heavy_packages(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIAISON_") and k != "TELEGRAM_BOT_TOKEN"}
    env["LIAISON_DATA_DIR"] = str(tmp_path / "data")
    liaison = [sys.executable, "-c", "from bot.cli.main import main; main()"]
    subprocess.run([*liaison, "migrate"], env=env, check=True, capture_output=True, timeout=60)
    probe = (
        "import atexit, json, sys\n"
        f"atexit.register(lambda: print(json.dumps([m for m in {(*HEAVY, 'telegram')!r} if m in sys.modules])))\n"
        "sys.argv = ['liaison', 'staff', 'list']\n"
        "from bot.cli.main import main\n"
        "main()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
