"""The table of languages' own names (bot/reference/language_endonyms.json) is what Babel says.

It is made by `python -m tools.language_endonyms` so that the bot never loads every language's
locale data; after a Babel upgrade this fails until the table is made again.
"""

from __future__ import annotations

from bot.reference.languages import ENDONYMS, find_language, language_label
from tools.language_endonyms import endonyms, render


def test_the_table_matches_babel() -> None:
    assert ENDONYMS.read_text(encoding="utf-8") == render(endonyms()), "run python -m tools.language_endonyms"


def test_a_language_is_found_by_its_own_name_and_by_name_in_the_six() -> None:
    assert find_language("Kiswahili") == find_language("suajili") == find_language("Swahili") == "sw"
    assert find_language("Tagalog") == find_language("tagalo") == "tl"
    assert find_language("አማርኛ") == "am"  # Amharic, by its own name only
    assert language_label("sw", "fr") == "swahili"
