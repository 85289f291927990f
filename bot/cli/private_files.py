"""Files the CLI writes that hold personal data (participant lists, rejected contact rows).

They are created readable by their owner only (0600), like the database and the key file: an
export left in a shared directory must not be readable by every account on the machine.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TextIO


def _private_descriptor(path: Path) -> int:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    os.fchmod(descriptor, 0o600)  # an existing file keeps its mode through O_CREAT
    return descriptor


def open_private(path: Path, *, encoding: str = "utf-8") -> TextIO:
    """A text file for writing (CSV-ready: no newline translation), mode 0600."""
    return os.fdopen(_private_descriptor(path), "w", encoding=encoding, newline="")


def write_private(path: Path, data: bytes) -> None:
    with os.fdopen(_private_descriptor(path), "wb") as handle:
        handle.write(data)
