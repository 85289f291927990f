"""Telegram's text formatting: turns text sent with a parse_mode into the plain text and entities.

Telegram stores and shows the plain text, and checks length limits on it, so the sandbox does too.
Markup Telegram would reject (an unsupported HTML tag, an unescaped "." in MarkdownV2, an unclosed
entity) fails with "Bad Request: can't parse entities: ...", which catches real bugs such as a
person's name pasted into HTML unescaped. Entity offsets and lengths are in UTF-16 code units,
as in the Bot API.
"""

import html
import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

from bot.sandbox.errors import ApiError, bad_request

JSON = dict[str, Any]

_HTML_TAG: Final = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>\"']+))?)*)\s*>"
)
_HTML_ATTRIBUTE: Final = re.compile(r"([a-zA-Z-]+)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>\"']+))?")
_HTML_CHARREF: Final = re.compile(r"&(#[0-9]+|#x[0-9a-fA-F]+|[a-zA-Z]+);")
_HTML_SIMPLE_TAGS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "b": "bold",
        "strong": "bold",
        "i": "italic",
        "em": "italic",
        "u": "underline",
        "ins": "underline",
        "s": "strikethrough",
        "strike": "strikethrough",
        "del": "strikethrough",
        "tg-spoiler": "spoiler",
        "code": "code",
        "pre": "pre",
        "blockquote": "blockquote",
    }
)
_MARKDOWN_V2_RESERVED: Final = frozenset("_*[]()~`>#+-=|{}.!")
_MARKDOWN_V2_MARKERS: Final[Mapping[str, str]] = MappingProxyType(
    {"*": "bold", "_": "italic", "__": "underline", "~": "strikethrough", "||": "spoiler"}
)
_MARKDOWN_MARKERS: Final[Mapping[str, str]] = MappingProxyType({"*": "bold", "_": "italic"})


def parse_formatted(
    text: str, parse_mode: str | None, entities: list[JSON] | None = None
) -> tuple[str, list[JSON]]:
    """The plain text and entities Telegram would store for `text` sent with `parse_mode`."""
    if not parse_mode:
        return text, list(entities or [])
    mode = parse_mode.lower()
    if mode == "html":
        return _HtmlParser(text).parse()
    if mode == "markdownv2":
        return _MarkdownParser(text, v2=True).parse()
    if mode == "markdown":
        return _MarkdownParser(text, v2=False).parse()
    raise bad_request(f"unsupported parse_mode {parse_mode!r}")


def _cannot_parse(reason: str) -> ApiError:
    return bad_request(f"can't parse entities: {reason}")


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _link_entity(offset: int, length: int, url: str) -> JSON:
    if url.startswith("tg://user?id="):
        user_id = url.removeprefix("tg://user?id=")
        if user_id.isdigit():
            return {
                "type": "text_mention",
                "offset": offset,
                "length": length,
                "user": {"id": int(user_id), "is_bot": False, "first_name": ""},
            }
    return {"type": "text_link", "offset": offset, "length": length, "url": url}


class _PlainText:
    """Collects plain text and tracks its length in UTF-16 code units, the unit of entity offsets."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.offset = 0
        self.entities: list[JSON] = []

    def add(self, chunk: str) -> None:
        if chunk:
            self.parts.append(chunk)
            self.offset += len(chunk) + sum(1 for char in chunk if ord(char) > 0xFFFF)

    def entity(self, kind: str, start: int, **extra: Any) -> None:
        if self.offset > start:  # Telegram drops empty entities
            self.entities.append({"type": kind, "offset": start, "length": self.offset - start, **extra})

    def link(self, start: int, url: str) -> None:
        if self.offset > start:
            self.entities.append(_link_entity(start, self.offset - start, url))

    def result(self) -> tuple[str, list[JSON]]:
        self.entities.sort(key=lambda entity: (entity["offset"], -entity["length"]))
        return "".join(self.parts), self.entities


class _HtmlParser:
    """Telegram's HTML style: a fixed set of tags, &lt; &gt; &amp; &quot; and numeric references."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.out = _PlainText()
        # Open tags: (tag name, entity type or None, start offset, extra entity fields).
        self.stack: list[tuple[str, str | None, int, JSON]] = []

    def parse(self) -> tuple[str, list[JSON]]:
        text, pos = self.text, 0
        while pos < len(text):
            lt, amp = text.find("<", pos), text.find("&", pos)
            special = min((index for index in (lt, amp) if index >= 0), default=-1)
            if special < 0:
                self.out.add(text[pos:])
                break
            self.out.add(text[pos:special])
            pos = self._reference(special) if text[special] == "&" else self._tag(special)
        if self.stack:
            raise _cannot_parse(f'Can\'t find end tag corresponding to start tag "{self.stack[-1][0]}"')
        return self.out.result()

    def _reference(self, index: int) -> int:
        match = _HTML_CHARREF.match(self.text, index)
        if match is None:
            self.out.add("&")
            return index + 1
        self.out.add(html.unescape(match.group(0)))
        return match.end()

    def _tag(self, index: int) -> int:
        match = _HTML_TAG.match(self.text, index)
        if match is None:
            bad_tag = re.match(r"</?([^\s>]*)", self.text[index:])
            found = bad_tag.group(1) if bad_tag else ""
            raise _cannot_parse(
                f'Unsupported start tag "{found}" at byte offset {_byte_offset(self.text, index)}'
            )
        closing, name, raw_attributes = match.group(1), match.group(2).lower(), match.group(3)
        if closing:
            self._close(name, index)
        else:
            self._open(name, dict(_attributes(raw_attributes)), index)
        return match.end()

    def _open(self, name: str, attributes: dict[str, str], index: int) -> None:
        extra: JSON = {}
        if name in _HTML_SIMPLE_TAGS:
            kind: str | None = _HTML_SIMPLE_TAGS[name]
            if name == "code" and attributes.get("class", "").startswith("language-"):
                extra["language"] = attributes["class"].removeprefix("language-")
            if name == "blockquote" and "expandable" in attributes:
                kind = "expandable_blockquote"
        elif name == "span" and attributes.get("class") == "tg-spoiler":
            kind = "spoiler"
        elif name == "a":
            kind = "link"
            extra["url"] = attributes.get("href", "")
        elif name == "tg-emoji":
            kind = "custom_emoji"
            extra["custom_emoji_id"] = attributes.get("emoji-id", "")
        else:
            raise _cannot_parse(
                f'Unsupported start tag "{name}" at byte offset {_byte_offset(self.text, index)}'
            )
        self.stack.append((name, kind, self.out.offset, extra))

    def _close(self, name: str, index: int) -> None:
        if not self.stack:
            raise _cannot_parse(f"Unexpected end tag at byte offset {_byte_offset(self.text, index)}")
        open_name, kind, start, extra = self.stack.pop()
        if open_name != name:
            raise _cannot_parse(
                f"Unmatched end tag at byte offset {_byte_offset(self.text, index)}, "
                f'expected "</{open_name}>", found "</{name}>"'
            )
        if kind == "code" and self.stack and self.stack[-1][0] == "pre":
            # <pre><code class="language-x"> is one pre entity (with a language), as in Telegram.
            if "language" in extra:
                self.stack[-1][3]["language"] = extra["language"]
        elif kind == "link":
            self.out.link(start, extra["url"])
        elif kind is not None:
            self.out.entity(kind, start, **extra)


def _attributes(raw: str) -> list[tuple[str, str]]:
    return [(name.lower(), html.unescape(value.strip("\"'"))) for name, value in _HTML_ATTRIBUTE.findall(raw)]


class _MarkdownParser:
    """Telegram's MarkdownV2 style (`v2=True`, strict escaping) or its legacy Markdown style."""

    def __init__(self, text: str, *, v2: bool) -> None:
        self.text = text
        self.v2 = v2
        self.out = _PlainText()
        self.open: dict[str, tuple[int, int]] = {}  # marker -> (plain offset, source index)
        self.link: tuple[int, int] | None = None
        self.quote_start: int | None = None
        self.markers = _MARKDOWN_V2_MARKERS if v2 else _MARKDOWN_MARKERS

    def parse(self) -> tuple[str, list[JSON]]:
        text, i = self.text, 0
        while i < len(text):
            i = self._step(i)
        if self.quote_start is not None:
            self.out.entity("blockquote", self.quote_start)
        if self.open:
            marker, (_, source) = next(iter(self.open.items()))
            raise self._unclosed(self.markers[marker], source)
        if self.link is not None:
            raise self._unclosed("text_link", self.link[1])
        return self.out.result()

    def _step(self, i: int) -> int:
        text = self.text
        char = text[i]
        if char == "\\" and i + 1 < len(text) and (self.v2 or text[i + 1] in "_*`["):
            self.out.add(text[i + 1])
            return i + 2
        if char == "`":
            return self._code(i)
        for marker in (char * 2, char):
            if marker in self.markers and text.startswith(marker, i):
                self._toggle(marker, i)
                return i + len(marker)
        if char == "[" and self.link is None:
            self.link = (self.out.offset, i)
            return i + 1
        if char == "]" and self.link is not None and text.startswith("(", i + 1):
            return self._link_target(i + 2)
        if self.v2 and char == ">" and (i == 0 or text[i - 1] == "\n"):
            if self.quote_start is None:
                self.quote_start = self.out.offset
            return i + 1
        if self.v2 and char in _MARKDOWN_V2_RESERVED:
            raise _cannot_parse(f"Character '{char}' is reserved and must be escaped with the preceding '\\'")
        if char == "\n" and self.quote_start is not None and not text.startswith(">", i + 1):
            self.out.entity("blockquote", self.quote_start)
            self.quote_start = None
        self.out.add(char)
        return i + 1

    def _toggle(self, marker: str, index: int) -> None:
        if marker in self.open:
            start, _ = self.open.pop(marker)
            self.out.entity(self.markers[marker], start)
        else:
            self.open[marker] = (self.out.offset, index)

    def _code(self, index: int) -> int:
        text = self.text
        fence = "```" if text.startswith("```", index) else "`"
        body_start = index + len(fence)
        end = self._find_unescaped(fence, body_start)
        if end < 0:
            raise self._unclosed("pre" if fence == "```" else "code", index)
        body = text[body_start:end]
        language = ""
        if fence == "```" and "\n" in body:
            first_line, rest = body.split("\n", 1)
            if first_line and not first_line.isspace():
                language, body = first_line.strip(), rest
        if self.v2:
            body = re.sub(r"\\([`\\])", r"\1", body)
        start = self.out.offset
        self.out.add(body)
        if fence == "```":
            self.out.entity("pre", start, **({"language": language} if language else {}))
        else:
            self.out.entity("code", start)
        return end + len(fence)

    def _link_target(self, url_start: int) -> int:
        end = self._find_unescaped(")", url_start)
        assert self.link is not None
        if end < 0:
            raise self._unclosed("text_link", self.link[1])
        url = re.sub(r"\\([)\\])", r"\1", self.text[url_start:end])
        self.out.link(self.link[0], url)
        self.link = None
        return end + 1

    def _find_unescaped(self, needle: str, start: int) -> int:
        i = start
        while True:
            i = self.text.find(needle, i)
            if i < 0 or not self.v2:
                return i
            backslashes = len(self.text[start:i]) - len(self.text[start:i].rstrip("\\"))
            if backslashes % 2 == 0:
                return i
            i += 1

    def _unclosed(self, kind: str, source_index: int) -> ApiError:
        offset = _byte_offset(self.text, source_index)
        if self.v2:
            return _cannot_parse(f"Can't find end of {kind.capitalize()} entity at byte offset {offset}")
        return _cannot_parse(f"Can't find end of the entity starting at byte offset {offset}")
