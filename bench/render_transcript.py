"""`python -m bench.render_transcript [OUT.png]`: an Arabic chat, drawn as a phone would show it.

The chat is onboarding, a confidential report with its receipt code, and a reminder, each
message taken from the Arabic catalog through the translation layer (so with its Unicode
isolates), then laid out by the Unicode bidi algorithm (python-bidi), its letters joined
(arabic-reshaper), and drawn with Pillow. `tests/test_bidi.py` checks the same lines read in
order. The picture goes to docs/transcript-ar.png unless another path is given.

Fonts: DejaVu Sans (shipped with matplotlib) for Arabic, Latin and Cyrillic; for the Chinese
line of the language question, the first CJK font found among those installed (see
`bot.domain.statistics.PREFERRED_FONTS`); without one that line is drawn in DejaVu and says so.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.bidi import strip_isolates
from bot.i18n import Translation, Translator

OUT = Path(__file__).resolve().parent.parent / "docs" / "transcript-ar.png"
WIDTH, MARGIN, BUBBLE, LINE, SIZE = 720, 24, 520, 30, 20
RECEIPT = "3141-5926-5358-9793-2384-6264"
MEETING = datetime(2026, 6, 10, 7, 0, tzinfo=UTC)


def transcript(translator: Translator) -> list[tuple[str, str]]:
    """(who, text) for each message: "bot" or "person", text as the bot sends it (logical order)."""
    t: Translation = translator.get("ar")
    title = "مشاورة الاستعراض الإقليمي للدول العربية"
    return [
        ("person", "/start"),
        ("bot", translator.language_question("ar")),
        ("person", "العربية"),
        (
            "bot",
            t._(
                "Liaison is the civil society liaison office of the migration network. Here you can "
                "follow regional reviews, register for meetings and get reminders in your time zone."
            ),
        ),
        ("bot", t._("In which country do you work? Type its name.")),
        ("person", "مصر"),
        (
            "bot",
            t._("{country}: region {region}, sub-region {subregion}.").format(
                country="مصر", region=t._("Arab States (ESCWA)"), subregion="شمال أفريقيا"
            ),
        ),
        (
            "bot",
            t._("Is your time zone {zone}? The time there is now {time}.").format(
                zone="القاهرة (UTC+03:00)", time="10:00 ص"
            )
            + "\n"
            + t._("You can also type a city or a time zone name, such as Nairobi or America/Bogota."),
        ),
        ("person", "/report"),
        ("bot", t._("What do you want to report?")),
        ("person", t._("A threat or reprisal for taking part")),
        (
            "bot",
            t.ngettext(
                "Your report is ready, with {count} file.", "Your report is ready, with {count} files.", 2
            ).format(count=2),
        ),
        (
            "bot",
            t._("Thank you. We received your report as case {reference}.").format(reference="C-2026-0042"),
        ),
        (
            "bot",
            t._(
                "Your receipt code, shown only this once:\n{receipt}\nWrite it down somewhere safe, away "
                "from this phone if you can. Send /followup with it to read our replies. Anyone with this "
                "code can read them."
            ).format(receipt=RECEIPT),
        ),
        (
            "bot",
            t._("Reminder: {title} starts {when}.").format(
                title=title, when=t.datetime(MEETING, "Africa/Cairo")
            )
            + "\n"
            + t._("Link to join: {link}").format(link="https://example.org/join/ESCWA-RR-2026")
            + "\n"
            + t._("To stop reminders for this event, send /mute to the bot."),
        ),
    ]


def visual_lines(text: str, fits: object) -> list[str]:
    """`text` wrapped to the bubble (in logical order, word by word), then each line reordered for
    display by the bidi algorithm and shaped; isolate marks removed once they have done their work."""
    import arabic_reshaper
    from bidi import get_display

    assert callable(fits)
    shown: list[str] = []
    for paragraph in text.split("\n"):
        words, line = paragraph.split(" "), ""
        logical: list[str] = []
        for word in words:
            candidate = f"{line} {word}".strip()
            if line and not fits(strip_isolates(arabic_reshaper.reshape(candidate))):
                logical.append(line)
                line = word
            else:
                line = candidate
        logical.append(line)
        # The paragraph's direction comes from its first strong letter, as Telegram does.
        direction = (
            "R" if any("\u0600" <= char <= "\u06ff" for char in strip_isolates(paragraph)[:40]) else "L"
        )
        for part in logical:
            laid_out = get_display(arabic_reshaper.reshape(part), base_dir=direction)
            shown.append(strip_isolates(mirrored(laid_out) if direction == "R" else laid_out))
    return shown


MIRRORS = str.maketrans("()[]«»", ")(][»«")
ISOLATE_END, ISOLATE_STARTS = "\u2069", "\u2066\u2068"


def mirrored(visual: str) -> str:
    """Brackets of a right-to-left line drawn as their mirror images (UAX #9, rule L4): python-bidi
    reorders but does not mirror. In its output each isolate stands reversed, between its PDI and
    its LRI/FSI; brackets in a left-to-right isolate keep their shape, the rest are mirrored."""
    # A stack of open isolates, each a list of (text, already decided) pieces; the line itself is
    # the bottom one, right to left. An isolate cut by the line's end counts as the line's direction.
    stack: list[list[tuple[str, bool]]] = [[]]

    def close(pieces: list[tuple[str, bool]], rtl: bool) -> str:
        return "".join(text if done or not rtl else text.translate(MIRRORS) for text, done in pieces)

    for char in visual:
        if char == ISOLATE_END:
            stack.append([(char, True)])
        elif char in ISOLATE_STARTS and len(stack) > 1:
            pieces = stack.pop()
            text = "".join(text for text, _done in pieces)
            rtl = char != "\u2066" and any("\u0600" <= letter <= "\ufeff" for letter in text)
            stack[-1].append((close(pieces, rtl) + char, True))
        else:
            stack[-1].append((char, False))
    while len(stack) > 1:
        pieces = stack.pop()
        stack[-1].append((close(pieces, True), True))
    return close(stack[0], True)


def _fonts() -> tuple[str, str | None]:
    import matplotlib
    from matplotlib import font_manager

    from bot.domain.statistics import CJK_FONTS

    dejavu = str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf")
    cjk = next((entry.fname for entry in font_manager.fontManager.ttflist if entry.name in CJK_FONTS), None)
    return dejavu, cjk


def render(messages: list[tuple[str, str]], out: Path) -> Path:
    from PIL import Image, ImageDraw, ImageFont

    dejavu, cjk = _fonts()
    basic = ImageFont.Layout.BASIC  # the layout is ours (python-bidi), not Pillow's
    font = ImageFont.truetype(dejavu, SIZE, layout_engine=basic)
    cjk_font = ImageFont.truetype(cjk, SIZE, layout_engine=basic) if cjk else font

    def font_for(line: str) -> ImageFont.FreeTypeFont:
        return cjk_font if any("\u4e00" <= char <= "\u9fff" for char in line) else font

    def fits(line: str) -> bool:
        return font_for(line).getlength(line) <= BUBBLE - 2 * 14

    laid = [(who, visual_lines(text, fits)) for who, text in messages]
    height = MARGIN + sum(len(lines) * LINE + 28 + 14 for _who, lines in laid) + MARGIN
    image = Image.new("RGB", (WIDTH, height), "#dfe7ee")
    draw = ImageDraw.Draw(image)
    y = MARGIN
    for who, lines in laid:
        box_width = max(font_for(line).getlength(line) for line in lines) + 28
        box_height = len(lines) * LINE + 28
        # The bot writes from the left, the person from the right, as in Telegram.
        left = MARGIN if who == "bot" else WIDTH - MARGIN - box_width
        colour = "#ffffff" if who == "bot" else "#d9fdd3"
        draw.rounded_rectangle((left, y, left + box_width, y + box_height), radius=14, fill=colour)
        for index, line in enumerate(lines):
            line_font = font_for(line)
            # Right-to-left lines hug the right edge of the bubble, left-to-right ones the left.
            rtl = any("\u0600" <= char <= "\ufeff" for char in line)
            x = left + box_width - 14 - line_font.getlength(line) if rtl else left + 14
            draw.text((x, y + 14 + index * LINE), line, font=line_font, fill="#111111")
        y += box_height + 14
    out.parent.mkdir(parents=True, exist_ok=True)
    image.save(out, optimize=True)
    return out


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else OUT
    written = render(transcript(Translator()), out)
    _dejavu, cjk = _fonts()
    print(f"wrote {written} ({written.stat().st_size} bytes); CJK font: {cjk or 'none found, DejaVu used'}")


if __name__ == "__main__":
    main()
