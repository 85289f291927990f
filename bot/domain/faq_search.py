"""The FAQ entries closest to a question, in any of the six scripts, without a model.

`rapidfuzz` (a maintained C++ library with wheels for every platform) scores texts; we compare
sets of character n-grams rather than words, because Chinese has no spaces and Arabic and
Russian inflect words (the n-grams of "migración" and "migrante" still mostly agree). Each
entry is matched on its question and its hidden keywords in every language it has, so a person
who writes Spanish while the bot speaks English to them is still understood; an entry qualifies
only above a threshold, so an unrelated question goes to staff rather than to a wrong answer.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

# Scores are 0-100; below this an entry is not offered (tuned on the seed FAQ in six languages).
THRESHOLD = 60.0
# And at least this many shared n-grams: one word in common ("GCM", "visa") is not evidence.
MIN_SHARED = 3
# n-gram length per language: Chinese characters carry a word's meaning each, so pairs suffice.
GRAM = {"zh": 2}
DEFAULT_GRAM = 3
# Words so common in questions that matching them says nothing (space-separated, per language).
STOP_WORDS: dict[str, str] = {
    "en": "what is the of a an how does do can in to and are who why for on network un",
    "fr": "quel quelle est le la les du de des un une comment et en à qui pourquoi réseau",
    "es": "qué cuál cuáles es el la los las de del un una cómo y en a quién por red",
    "ru": "что как какова каковы каков в и на кто почему для сеть сети оон",
    "ar": "ما هو هي من في كيف على عن هل لماذا الشبكة",
}


@dataclass(frozen=True)
class Candidate:
    """An entry's searchable text in one language (question and keywords) and the entry's key."""

    key: str
    text: str
    language: str


@lru_cache(maxsize=16)
def _stop_words(language: str) -> frozenset[str]:
    return frozenset(STOP_WORDS.get(language, "").split())


def normalise(text: str, language: str) -> str:
    """Lower case, compatibility forms, punctuation out, stop words out; letters of every script kept."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    cleaned = "".join(" " if unicodedata.category(ch)[0] in "PSZC" else ch for ch in folded)
    stop = _stop_words(language)
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
    """An entry's n-grams and their sorted text; entries change rarely, so each is computed once.
    (Never used for what people write: their words are not kept, not even in a cache.)"""
    return _grams_and_text(text, language)


def _grams_and_text(text: str, language: str) -> tuple[frozenset[str], str]:
    found = grams(normalise(text, language), language)
    return found, " ".join(sorted(found))


def _score(asked: tuple[frozenset[str], str], candidate: str, language: str) -> float:
    (asked_grams, asked_text), (offered, offered_text) = asked, _entry_grams(candidate, language)
    shared = len(asked_grams & offered)
    if not asked_grams or not offered or shared < MIN_SHARED:
        return 0.0
    # Imported on the first question, not with the bot: an idle bot need not hold rapidfuzz.
    from rapidfuzz import fuzz

    coverage = 100.0 * shared / len(asked_grams)
    similarity = fuzz.token_set_ratio(asked_text, offered_text)
    return 0.7 * coverage + 0.3 * similarity


def score(question: str, candidate: str, language: str) -> float:
    """How well `candidate` covers `question`, 0-100: mostly the share of the question's n-grams it
    holds, smoothed by rapidfuzz's token-set ratio of the two n-gram sets."""
    return _score(_grams_and_text(question, language), candidate, language)


def closest(
    question: str, candidates: Sequence[Candidate], *, limit: int = 2, threshold: float = THRESHOLD
) -> list[tuple[str, float]]:
    """(key, best score over its languages) of the best entries above the threshold, best first."""
    asked: dict[str, tuple[frozenset[str], str]] = {}
    best: dict[str, float] = {}
    for candidate in candidates:
        language = candidate.language
        if language not in asked:
            asked[language] = _grams_and_text(question, language)
        found = _score(asked[language], candidate.text, language)
        if found >= threshold and found > best.get(candidate.key, 0.0):
            best[candidate.key] = found
    return sorted(best.items(), key=lambda item: -item[1])[:limit]
