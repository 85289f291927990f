"""Right-to-left text that keeps what it embeds in order: Unicode isolates around values and commands.

In an Arabic sentence a bidi renderer reorders weak and neutral characters by the sentence's
direction: "/mydata" shows as "mydata/", "2026-06-10 09:00" as "09:00 10-06-2026", and a receipt
code's groups come out in reverse. Wrapping each embedded piece in an isolate (UAX #9: FSI … PDI,
or LRI … PDI for what is always left to right) lets it keep its own order without affecting the
words around it. This is done here, once, for every catalog message of a right-to-left language,
so that call sites keep writing `t._("…").format(name=value)`.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from typing import Any

FSI = "\u2068"  # first strong isolate: the value's own first letter decides its direction
LRI = "\u2066"  # left-to-right isolate: codes, commands, emails, links
PDI = "\u2069"  # pop directional isolate
ISOLATE_MARKS = frozenset((FSI, LRI, "\u2067", PDI))

# What is written inside a message itself and must read left to right: links, emails, /commands,
# and example dates ("like 2026-06-10 09:00").
# A placeholder ({name}) is left alone here; its value is isolated when the message is formatted.
EMBEDDED_LTR = re.compile(
    r"https?://[^\s{}()]*[^\s{}().,:;!?]"
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    r"|(?<![\w/:])/[a-z][a-z_]*"
    r"|\d{4}-\d{2}-\d{2}(?: \d{1,2}:\d{2})?"
)
# A value made of ASCII only (a code, a reference, a command, an email, a link, a number, a
# date written with digits) is shown as a left-to-right block whatever its first character.
ASCII_ONLY = re.compile(r"[\x20-\x7e]+")
# "+03:00" in "غرينتش+03:00": the sign would otherwise move to the far side of the digits.
UTC_OFFSET = re.compile(r"[+\-\u2212]\d{1,2}(?::\d{2})?")


def isolate(value: str) -> str:
    """`value` as an isolate: LRI for ASCII-only values (codes, dates, links), FSI for the rest.

    Empty values, values already isolated and values of several lines (each line is its own
    paragraph, where an isolate would not reach) are returned as they are.
    """
    if not value or value[0] in ISOLATE_MARKS or "\n" in value:
        return value
    opening = LRI if ASCII_ONLY.fullmatch(value) else FSI
    return f"{opening}{value}{PDI}"


def isolate_embedded(message: str) -> str:
    """`message` with every link, email and /command written in it wrapped in LRI … PDI."""
    return EMBEDDED_LTR.sub(lambda found: f"{LRI}{found.group(0)}{PDI}", message)


def isolate_offsets(text: str) -> str:
    """Each UTC offset ("+03:00") in `text` kept left to right."""
    return UTC_OFFSET.sub(lambda found: f"{LRI}{found.group(0)}{PDI}", text)


class _IsolatingFormatter(string.Formatter):
    """`str.format` that isolates every field after formatting it with its own spec."""

    def format_field(self, value: Any, format_spec: str) -> str:
        return isolate(super().format_field(value, format_spec))


_FORMATTER = _IsolatingFormatter()  # stateless: one for every message


class RtlText(str):
    """A right-to-left catalog message whose `.format(...)` isolates every value it receives."""

    __slots__ = ()

    def format(self, *args: Any, **kwargs: Any) -> str:  # type: ignore[override]
        return _FORMATTER.vformat(str(self), args, kwargs)

    def format_map(self, mapping: Mapping[str, Any]) -> str:  # type: ignore[override]
        return _FORMATTER.vformat(str(self), (), mapping)


def strip_isolates(text: str) -> str:
    """`text` without isolate marks: for comparing what a person typed with a label."""
    return "".join(char for char in text if char not in ISOLATE_MARKS)
