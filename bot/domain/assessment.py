"""The minimal assessment of a written submission (R7): length, and a flag for improper language.

This is deliberately minimal, as R7 asks: a length check and a short word list per
language (a handful of common profanities and slurs). It flags for a human to look; it
never rejects by itself, misses anything not on the list, and can flag a word used
innocently. The task team decides.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MIN_LENGTH = 100
MAX_LENGTH = 4000

# A few words per language; matched as whole words (Chinese: as substrings, having no spaces).
IMPROPER_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset({"fuck", "fucking", "shit", "bitch", "bastard", "asshole", "cunt", "motherfucker"}),
    "fr": frozenset({"merde", "putain", "connard", "connasse", "salope", "enculé", "encule"}),
    "es": frozenset({"mierda", "puta", "cabrón", "cabron", "gilipollas", "pendejo", "coño"}),
    "ru": frozenset({"блядь", "бля", "сука", "хуй", "пизда", "ебать", "мудак"}),
    "ar": frozenset({"شرموطة", "منيوك", "كس", "خول", "عرص", "يلعن"}),
    "zh": frozenset({"傻逼", "他妈的", "操你", "妈的", "狗日的", "混蛋"}),
}
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Assessment:
    length: int
    too_short: bool
    too_long: bool
    improper_words: tuple[str, ...]  # the listed words found, for the reviewer only

    @property
    def flagged(self) -> bool:
        return self.too_short or self.too_long or bool(self.improper_words)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


def improper_words(text: str) -> tuple[str, ...]:
    """Listed words found in `text`, in any of the six languages (a text may mix them)."""
    folded = _fold(text)
    words = set(_WORD.findall(folded))
    found = set()
    for language, listed in IMPROPER_WORDS.items():
        if language == "zh":
            found |= {word for word in listed if word in folded}
        else:
            found |= words & {_fold(word) for word in listed}
    return tuple(sorted(found))


def assess(text: str | None, *, has_document: bool = False) -> Assessment:
    """Length and word checks of a submission's text; a document is checked by the reviewer reading it."""
    body = (text or "").strip()
    length = len(body)
    return Assessment(
        length=length,
        too_short=not has_document and length < MIN_LENGTH,
        too_long=length > MAX_LENGTH,
        improper_words=improper_words(body),
    )
