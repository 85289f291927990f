"""Every Arabic message, rendered by a Unicode bidi algorithm, shows its commands, codes and dates in order."""

from __future__ import annotations

import re
import string
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.pofile import read_po
from bidi import get_display

from bot.bidi import ISOLATE_MARKS, LRI, PDI, isolate, strip_isolates
from bot.i18n import Translator
from tests.bot_fixtures import RunningBot
from tests.test_events import PersonFactory

ROOT = Path(__file__).resolve().parent.parent
# Values a message may embed, each of a kind that a right-to-left sentence scrambles without isolates.
SAMPLES = (
    "/mydata",
    "3141-5926-5358-9793-2384-6264",  # a receipt code
    "2026-06-10 09:00",
    "liaison-office@example.org",
    "https://example.org/calendar.ics",
    "R-2026-0042",
    "ECE-RR-2026",
)
# What must read left to right in the rendered line: commands, links, emails, digit groups with
# their separators (dates, times, codes, references).
TOKENS = re.compile(
    r"https?://[^\s\u2066-\u2069()]*[^\s\u2066-\u2069().,]"
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    r"|(?<![\w/:])/[a-z][a-z_]*"
    r"|[A-Z0-9]+(?:[-:][A-Z0-9]+)+(?: \d\d:\d\d)?"
)


def visual(text: str) -> str:
    """`text` as a bidi renderer lays it out, left to right on the screen, marks removed."""
    return "\n".join(strip_isolates(get_display(line, base_dir="R")) for line in text.split("\n"))


def readable_in_order(logical: str) -> list[str]:
    """The embedded tokens of `logical` that a reader does not see in their own order."""
    shown = visual(logical)
    return [token for token in TOKENS.findall(strip_isolates(logical)) if token not in shown]


def fields(message: str) -> list[str]:
    return [name for _literal, name, _spec, _conv in string.Formatter().parse(message) if name]


def arabic_messages() -> list[tuple[str, int]]:
    with (ROOT / "locales" / "ar" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="ar")
    found: list[tuple[str, int]] = []
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            found.extend((str(message.id[0]), count) for count in (0, 1, 2, 3, 11, 100))
        else:
            found.append((str(message.id), -1))
    return found


def test_the_check_catches_what_isolates_prevent() -> None:
    """Without isolates the renderer scrambles the very things the test looks for."""
    plain = "أرسل /mydata لعرض بياناتك قبل 2026-06-10 09:00. رمزك 3141-5926-5358."
    assert readable_in_order(plain) != []
    isolated = f"أرسل {isolate('/mydata')} لعرض بياناتك قبل {isolate('2026-06-10 09:00')}. رمزك {isolate('3141-5926-5358')}."
    assert readable_in_order(isolated) == []


def test_every_arabic_message_keeps_its_embedded_pieces_in_order() -> None:
    translator = Translator()
    arabic = translator.get("ar")
    english = translator.get("en")
    failures: list[str] = []
    messages = arabic_messages()
    assert len(messages) > 600, "the Arabic catalog is almost empty"
    plural_ids: dict[str, str] = {}
    with (ROOT / "locales" / "ar" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        for message in read_po(handle, locale="ar"):
            if isinstance(message.id, tuple):
                plural_ids[message.id[0]] = message.id[1]
    for msgid, count in messages:
        if count >= 0:
            template = arabic.ngettext(msgid, plural_ids[msgid], count)
            assert english.ngettext(msgid, plural_ids[msgid], count) != template
        else:
            template = arabic._(msgid)
        values: dict[str, object] = {}
        for index, name in enumerate(fields(template)):
            values[name] = count if count >= 0 and name in {"count", "hours", "days"} else SAMPLES[index % 7]
        rendered = template.format(**values)
        wrong = readable_in_order(rendered)
        if wrong:
            failures.append(f"{msgid!r}: {wrong}")
    assert failures == [], "\n".join(failures[:10])


def test_a_date_in_arabic_reads_in_order_with_the_arabic_comma() -> None:
    arabic = Translator().get("ar")
    shown = arabic.datetime(datetime(2026, 6, 10, 7, 0, tzinfo=UTC), "Africa/Cairo")
    assert "(القاهرة، غرينتش" in shown
    assert "+03:00" in visual(shown)
    assert "10:00" in visual(shown)


def test_a_receipt_code_is_one_left_to_right_block() -> None:
    arabic = Translator().get("ar")
    text = arabic._(
        "Your receipt code, shown only this once:\n{receipt}\nWrite it down somewhere safe, away "
        "from this phone if you can. Send /followup with it to read our replies. Anyone with this "
        "code can read them."
    )
    rendered = text.format(receipt="3141-5926-5358-9793-2384-6264")
    assert f"{LRI}3141-5926-5358-9793-2384-6264{PDI}" in rendered
    assert "3141-5926-5358-9793-2384-6264" in visual(rendered)
    assert "/followup" in visual(rendered)


def test_left_to_right_languages_are_left_alone() -> None:
    english = Translator().get("en")
    rendered = english._("Your reference is {reference}.").format(reference="R-1")
    assert not set(rendered) & ISOLATE_MARKS


def test_the_arabic_transcript_reads_in_order_and_is_drawn(tmp_path: Path) -> None:
    """The chat in docs/transcript-ar.png: onboarding, a report with its receipt, a reminder."""
    from bench.render_transcript import main, mirrored, transcript

    messages = transcript(Translator())
    texts = "\n".join(text for _who, text in messages)
    for needed in ("/start", "/report", "/followup", "/mute", "3141-5926-5358-9793-2384-6264", "C-2026-0042"):
        assert needed in texts
    ours = [text for who, text in messages if who == "bot"]  # what people type is theirs
    assert [(text, readable_in_order(text)) for text in ours if readable_in_order(text)] == []
    # Brackets of a right-to-left line are mirrored, except in a left-to-right isolate.
    assert mirrored("x(\u2069(a)\u2066)") == "x)\u2069(a)\u2066("
    out = tmp_path / "transcript.png"
    main([str(out)])
    assert out.read_bytes().startswith(b"\x89PNG") and out.stat().st_size > 20_000


async def test_arabic_help_shows_each_command_in_order(
    running_bot: RunningBot, new_person: PersonFactory
) -> None:
    """/help in Arabic: "/start — …" lines put together in code keep the command readable."""
    omar = new_person(first_name="Omar", language_code="ar")
    await omar.send("/help")
    shown = await omar.next_reply()
    commands = [line for line in shown.text.split("\n") if "/" in line and " — " in line]
    assert len(commands) >= 5
    assert all(readable_in_order(line) == [] for line in commands), visual(shown.text)


def test_a_receipt_copied_from_an_arabic_message_is_still_recognised() -> None:
    """Copying the code from the Arabic message brings its invisible isolates along."""
    from storage.crypto.report_keys import contains_receipt, new_receipt, normalise_receipt

    receipt = new_receipt()
    copied = isolate(receipt)
    assert copied != receipt and copied.startswith(LRI)
    assert normalise_receipt(copied) == receipt.replace(" ", "")
    assert contains_receipt(f"رمزي {copied}")
