"""Registration statistics (R22): tallies per dimension, as text tables and as a PNG chart.

Plain functions over category rows (`storage.repositories.review.StatRow`); no names.
The chart uses matplotlib's Agg backend (no display) and category codes as labels, so
it renders the same in every language whatever fonts the server has.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure

CHART_DIMENSIONS = ("status", "stakeholder_type", "subregion", "gender", "age_group", "migrant_led")


def ordered(counts: Counter[str]) -> list[tuple[str, int]]:
    """Largest first, then by name, so tables and charts read the same every time."""
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def render_chart(title: str, tallies: Sequence[tuple[str, Counter[str]]]) -> bytes:
    """One horizontal bar chart per dimension, in a grid, as PNG bytes."""
    panels = [(name, counts) for name, counts in tallies if counts]
    columns = 2
    rows = max(1, (len(panels) + columns - 1) // columns)
    figure = Figure(figsize=(10, 3.2 * rows), dpi=100)
    figure.suptitle(title)
    for index, (name, counts) in enumerate(panels, start=1):
        axes = figure.add_subplot(rows, columns, index)
        items = ordered(counts)[:12]
        labels = [label for label, _ in items][::-1]
        values = [value for _, value in items][::-1]
        axes.barh(labels, values, color="#3b6ea5")
        axes.set_title(name)
        axes.tick_params(axis="y", labelsize=8)
        for y, value in enumerate(values):
            axes.text(value, y, f" {value}", va="center", fontsize=8)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
