"""Whether a text says anything: a message of direction marks, zero-width characters or
filler letters looks empty on a phone, and must not pass as an answer."""

from __future__ import annotations

import unicodedata

# Characters that render as nothing but are not in the "format" or "separator" categories.
_FILLERS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u180e\u034f")
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Cc", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"})


def visible(text: str) -> str:
    """`text` without invisible, direction and filler characters (for checking, not for storing:
    zero-width joiners matter inside Persian words and emoji)."""
    return "".join(
        ch for ch in text if ch not in _FILLERS and unicodedata.category(ch) not in _INVISIBLE_CATEGORIES
    )


def visible_length(text: str) -> int:
    return len(visible(text))
