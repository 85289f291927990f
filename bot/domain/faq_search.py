"""The FAQ entries closest to a question, in any of the six scripts, without a model.

`rapidfuzz` (a maintained C++ library with wheels for every platform) scores texts; we compare
sets of character n-grams rather than words, because Chinese has no spaces and Arabic and
Russian inflect words (the n-grams of "migración" and "migrante" still mostly agree). Each
entry is matched on its question and its hidden keywords in the person's language; an entry
qualifies only above a threshold, so an unrelated question goes to staff rather than to a
wrong answer.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

# Scores are 0-100; below this an entry is not offered (tuned on the seed FAQ in six languages).
THRESHOLD = 60.0
# n-gram length per language: Chinese characters carry a word's meaning each, so pairs suffice.
GRAM = {"zh": 2}
DEFAULT_GRAM = 3
# Words so common in questions that matching them says nothing.
STOP_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        [
            "what",
            "is",
            "the",
            "of",
            "a",
            "an",
            "how",
            "does",
            "do",
            "can",
            "in",
            "to",
            "and",
            "are",
            "who",
            "why",
            "for",
            "on",
            "network",
            "un",
        ]
    ),
    "fr": frozenset(
        [
            "quel",
            "quelle",
            "est",
            "le",
            "la",
            "les",
            "du",
            "de",
            "des",
            "un",
            "une",
            "comment",
            "et",
            "en",
            "à",
            "qui",
            "pourquoi",
            "réseau",
        ]
    ),
    "es": frozenset(
        [
            "qué",
            "cuál",
            "cuáles",
            "es",
            "el",
            "la",
            "los",
            "las",
            "de",
            "del",
            "un",
            "una",
            "cómo",
            "y",
            "en",
            "a",
            "quién",
            "por",
            "red",
        ]
    ),
    "ru": frozenset(
        [
            "что",
            "как",
            "какова",
            "каковы",
            "каков",
            "в",
            "и",
            "на",
            "кто",
            "почему",
            "для",
            "сеть",
            "сети",
            "оон",
        ]
    ),
    "ar": frozenset(["ما", "هو", "هي", "من", "في", "كيف", "على", "عن", "هل", "لماذا", "الشبكة"]),
    "zh": frozenset(),
}


@dataclass(frozen=True)
class Candidate:
    """An entry's searchable text in one language (question and keywords) and its id."""

    key: str
    text: str


def normalise(text: str, language: str) -> str:
    """Lower case, compatibility forms, punctuation out, stop words out; letters of every script kept."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    cleaned = "".join(" " if unicodedata.category(ch)[0] in "PSZC" else ch for ch in folded)
    stop = STOP_WORDS.get(language, frozenset())
    return " ".join(word for word in cleaned.split() if word not in stop)


def grams(text: str, language: str) -> frozenset[str]:
    size = GRAM.get(language, DEFAULT_GRAM)
    found: set[str] = set()
    for word in text.split():
        if len(word) <= size:
            found.add(word)
        found.update(word[i : i + size] for i in range(len(word) - size + 1))
    return frozenset(found)


@lru_cache(maxsize=4096)
def _entry_grams(text: str, language: str) -> tuple[frozenset[str], str]:
    """An entry's n-grams and their sorted text, computed once per entry text (entries change rarely)."""
    found = grams(normalise(text, language), language)
    return found, " ".join(sorted(found))


def _score(asked: frozenset[str], asked_text: str, candidate: str, language: str) -> float:
    offered, offered_text = _entry_grams(candidate, language)
    if not asked or not offered:
        return 0.0
    coverage = 100.0 * len(asked & offered) / len(asked)
    similarity = fuzz.token_set_ratio(asked_text, offered_text)
    return 0.7 * coverage + 0.3 * similarity


def score(question: str, candidate: str, language: str) -> float:
    """How well `candidate` covers `question`, 0-100: mostly the share of the question's n-grams it
    holds, smoothed by rapidfuzz's token-set ratio of the two n-gram sets."""
    asked = grams(normalise(question, language), language)
    return _score(asked, " ".join(sorted(asked)), candidate, language)


def closest(
    question: str,
    candidates: Sequence[Candidate],
    language: str,
    *,
    limit: int = 2,
    threshold: float = THRESHOLD,
) -> list[tuple[str, float]]:
    """(key, score) of the best candidates above the threshold, best first."""
    asked = grams(normalise(question, language), language)
    asked_text = " ".join(sorted(asked))
    scored = [(c.key, _score(asked, asked_text, c.text, language)) for c in candidates]
    scored = [item for item in scored if item[1] >= threshold]
    scored.sort(key=lambda item: -item[1])
    return scored[:limit]
