"""Does a question look like a threat or reprisal report? A short word list per language.

Such a message belongs in /report (encrypted, confidential, visible to few), not in the
office's inbox, so the person is pointed there before anything is kept. The list errs on
the side of asking: a false alarm costs one extra tap ("send it anyway").
"""

from __future__ import annotations

import unicodedata

# Word beginnings, lower case: "threat" also catches "threatened", "угроз" catches "угрозы".
STEMS: dict[str, tuple[str, ...]] = {
    "en": (
        "threat",
        "reprisal",
        "retaliat",
        "intimidat",
        "harass",
        "arrest",
        "detained",
        "attack",
        "beaten",
        "kill",
        "persecut",
        "surveil",
        "blackmail",
    ),
    "fr": (
        "menac",
        "représaill",
        "intimid",
        "harcel",
        "arrêt",
        "détenu",
        "agress",
        "attaqu",
        "tué",
        "tuer",
        "persécut",
        "surveill",
        "chantage",
    ),
    "es": (
        "amenaz",
        "represalia",
        "intimid",
        "acos",
        "arrest",
        "detenid",
        "agred",
        "atac",
        "golpe",
        "matar",
        "persegu",
        "persecu",
        "vigila",
        "chantaje",
    ),
    "ru": (
        "угроз",
        "угрожа",
        "репресс",
        "месть",
        "запугива",
        "преследова",
        "арест",
        "задержа",
        "напад",
        "избил",
        "убить",
        "убий",
        "слежк",
        "шантаж",
    ),
    "ar": (
        "تهديد",
        "هدد",
        "انتقام",
        "ترهيب",
        "تخويف",
        "مضايق",
        "اعتقال",
        "احتجاز",
        "اعتداء",
        "هجوم",
        "ضرب",
        "قتل",
        "ملاحق",
        "ابتزاز",
    ),
    "zh": ("威胁", "恐吓", "报复", "骚扰", "逮捕", "拘留", "袭击", "殴打", "杀", "迫害", "监视", "勒索"),
}
# Arabic words often carry a prefix (و، ف، ب، ال …) before the stem, and Chinese has no spaces:
# in both, a stem anywhere in the text counts.
ANYWHERE = frozenset({"ar", "zh"})


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def looks_like_reprisal(text: str) -> bool:
    """Whether any language's list matches: people write in the language they are most at ease in,
    which need not be the one the bot speaks with them."""
    folded = _fold(text)
    words = ["".join(ch for ch in word if ch.isalnum()) for word in folded.split()]
    for language, stems in STEMS.items():
        if language in ANYWHERE:
            if any(stem in folded for stem in stems):
                return True
        elif any(word.startswith(stem) for word in words for stem in stems):
            return True
    return False
