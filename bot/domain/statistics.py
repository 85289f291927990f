"""Registration statistics (R22): tallies per dimension, as text tables and as a PNG chart.

Plain functions over category rows (`storage.repositories.review.StatRow`); no names.
The chart uses matplotlib's Agg backend (no display); matplotlib (with numpy, about 55 MB of
memory) is imported when a chart is first drawn, not with the bot (issue 16). Its labels come
translated from the caller; Arabic labels are joined (arabic-reshaper) and laid out right to
left (python-bidi), because matplotlib draws characters one by one, left to right. Fonts are
found among those installed (`chart_fonts`); a language whose script none of them covers is
charted in English, and the caller says so (`chart_language`).
"""

from __future__ import annotations

import functools
import io
import re
from collections import Counter
from collections.abc import Sequence

CHART_DIMENSIONS = ("status", "stakeholder_type", "subregion", "gender", "age_group", "migrant_led")
# Families tried in order for each character (matplotlib's per-glyph fallback): Latin, Cyrillic
# and Arabic are in DejaVu Sans, which matplotlib ships; Chinese needs a CJK font of the system.
PREFERRED_FONTS = (
    "DejaVu Sans",
    "Noto Sans",
    "Noto Sans Arabic",
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Droid Sans Fallback",
    "AR PL UMing CN",
)
CJK_FONTS = frozenset(PREFERRED_FONTS[3:])
ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")


def ordered(counts: Counter[str]) -> list[tuple[str, int]]:
    """Largest first, then by name, so tables and charts read the same every time."""
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


@functools.cache
def chart_fonts() -> tuple[str, ...]:
    """The preferred families that are installed here, in order of preference."""
    from matplotlib import font_manager

    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    return tuple(family for family in PREFERRED_FONTS if family in installed)


def chart_language(language: str) -> str:
    """`language`, unless no installed font draws its script: then English."""
    if language == "zh" and not CJK_FONTS & set(chart_fonts()):
        return "en"
    return language


def shown(label: str) -> str:
    """`label` as matplotlib must be given it: Arabic letters joined and in visual order."""
    if not ARABIC.search(label):
        return label
    import arabic_reshaper
    from bidi import get_display

    return str(get_display(arabic_reshaper.reshape(label)))


def render_chart(title: str, tallies: Sequence[tuple[str, Counter[str]]]) -> bytes:
    """One horizontal bar chart per dimension, in a grid, as PNG bytes; names and categories
    are drawn as given (translate them first)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    panels = [(name, counts) for name, counts in tallies if counts]
    columns = 2
    rows = max(1, (len(panels) + columns - 1) // columns)
    with rc_context({"font.family": list(chart_fonts()) or ["sans-serif"]}):
        figure = Figure(figsize=(10, 3.2 * rows), dpi=100)
        figure.suptitle(shown(title))
        for index, (name, counts) in enumerate(panels, start=1):
            axes = figure.add_subplot(rows, columns, index)
            items = ordered(counts)[:12]
            labels = [shown(label) for label, _ in items][::-1]
            values = [value for _, value in items][::-1]
            axes.barh(range(len(values)), values, color="#3b6ea5")
            axes.set_yticks(range(len(values)), labels)
            axes.set_title(shown(name))
            axes.tick_params(axis="y", labelsize=8)
            for y, value in enumerate(values):
                axes.text(value, y, f" {value}", va="center", fontsize=8)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
    return buffer.getvalue()
