"""Keep personal data out of logs, whatever library writes the line.

The code never logs message text or ids on purpose; this is the second line of defence
for what libraries print (request URLs with the bot token, update dumps at DEBUG,
exception texts). It works on the final formatted line, so arguments, exception
messages and tracebacks are all covered.
"""

from __future__ import annotations

import logging
import re
import sys

REDACTED = "[redacted]"

_FIELD_NAMES = (
    "text|caption|first_name|last_name|username|data|email|phone_number|title|query|file_name"
    "|address|display_name|organisation|description|bio|name"
    # With the bot token, a file id or path fetches the file again (report evidence included).
    "|file_id|file_unique_id|file_path|thumbnail_file_id"
)
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # File download URLs: https://api.telegram.org/file/bot<token>/<file_path>
    (re.compile(r"(/file/bot)\S+"), rf"\1{REDACTED}"),
    # Bot tokens, as in https://api.telegram.org/bot123:ABC.../sendMessage
    (re.compile(r"(?<!\d)\d{5,}:[A-Za-z0-9_-]{20,}"), REDACTED),
    # Quoted fields in JSON or dict reprs: "text": "...", 'username': '...'
    (re.compile(rf"""(["'](?:{_FIELD_NAMES})["']\s*:\s*)(["'])(?:\\.|(?!\2).)*\2""", re.S), rf"\1{REDACTED}"),
    # Keyword reprs of Telegram objects: text='...', first_name="..."
    (re.compile(rf"""\b((?:{_FIELD_NAMES})=)(["'])(?:\\.|(?!\2).)*\2""", re.S), rf"\1{REDACTED}"),
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), REDACTED),
    (re.compile(r"(?<![\w/])@[A-Za-z][A-Za-z0-9_]{3,31}\b"), REDACTED),
    (re.compile(r"\+\d[\d \-]{7,}\d"), REDACTED),
    # Telegram file ids (AgAC…, BQAC…, CQAC…) wherever they appear, e.g. in a bare repr.
    (re.compile(r"\b(?:Ag|BQ|CQ|Aw|BA|CA|DQ|AQ|Ac)AC[A-Za-z0-9_-]{16,}"), REDACTED),
    # Chat and user ids are long integers; short numbers (counts, status codes) stay readable.
    (re.compile(r"(?<![\w.])-?\d{6,}(?![\w.])"), REDACTED),
)


def redact(line: str) -> str:
    for pattern, replacement in _PATTERNS:
        line = pattern.sub(replacement, line)
    return line


class RedactingFormatter(logging.Formatter):
    """A formatter whose every output line, traceback included, has personal data removed."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class _CurrentStderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stderr` is at the time of each record, not the one at set-up."""

    def __init__(self) -> None:
        super().__init__()

    @property  # type: ignore[override]
    def stream(self) -> object:
        return sys.stderr

    @stream.setter
    def stream(self, _value: object) -> None:
        return None


def configure_logging(level: str = "INFO", stream: object | None = None) -> logging.Handler:
    """Route all logging through one redacting handler; quiet the libraries that log requests."""
    handler: logging.Handler = (
        logging.StreamHandler(stream) if stream is not None else _CurrentStderrHandler()  # type: ignore[call-overload]
    )
    handler.setFormatter(
        RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y-%m-%dT%H:%M:%S")
    )
    root = logging.getLogger()
    for existing in list(root.handlers):
        if isinstance(existing.formatter, RedactingFormatter):
            root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)
    # httpx logs every request URL, which carries the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    return handler
