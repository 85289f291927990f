"""Evidence judged by its bytes, and images stripped of their metadata (plain functions)."""

from __future__ import annotations

import io
import zipfile

import pytest
from PIL import Image

from bot.domain.evidence import EvidenceType, UnreadableImageError, safe_filename, sniff, strip_metadata
from bot.domain.visible_text import visible_length
from tests.evidence_samples import jpeg_with_location, png_with_text, webp_with_exif

NOTE = "Lat-Canary-5521"


def _docx() -> bytes:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return output.getvalue()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (jpeg_with_location(NOTE), EvidenceType.JPEG),
        (png_with_text(NOTE), EvidenceType.PNG),
        (webp_with_exif(NOTE), EvidenceType.WEBP),
        (b"%PDF-1.7\n...", EvidenceType.PDF),
        (_docx(), EvidenceType.DOCX),
        (b"OggS\x00\x02" + b"\x00" * 20, EvidenceType.OGG),
        (b"ID3\x04\x00" + b"\x00" * 20, EvidenceType.MP3),
        (b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00", EvidenceType.M4A),
        (b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00", EvidenceType.MP4),
        (b"MZ\x90\x00\x03" + b"\x00" * 40, None),  # a Windows program
        (b"<!doctype html><script>alert(1)</script>", None),
        (b"\x7fELF\x02\x01\x01", None),
        (b"GIF89a\x01\x00\x01\x00", None),
        (b"\x00\x00\x00\x20ftypqt  ", None),
        (b"PK\x03\x04not really a zip", None),
        (b"", None),
    ],
    ids=[
        "jpeg", "png", "webp", "pdf", "docx", "ogg", "mp3", "m4a", "mp4",
        "exe", "html", "elf", "gif", "quicktime", "broken zip", "empty",
    ],
)  # fmt: skip
def test_types_are_told_by_their_bytes(content: bytes, expected: EvidenceType | None) -> None:
    assert sniff(content) is expected


@pytest.mark.parametrize("make", [jpeg_with_location, png_with_text, webp_with_exif])
def test_image_metadata_is_stripped(make: object) -> None:
    original = make(NOTE)  # type: ignore[operator]
    kind = sniff(original)
    assert kind is not None and NOTE.encode() in original
    stripped = strip_metadata(original, kind)
    assert NOTE.encode() not in stripped and sniff(stripped) is kind
    with Image.open(io.BytesIO(stripped)) as image:
        assert not image.getexif() and "xmp" not in image.info and "Comment" not in image.info


def test_a_sideways_photo_is_turned_upright_before_its_orientation_goes() -> None:
    with Image.open(io.BytesIO(strip_metadata(jpeg_with_location(NOTE), EvidenceType.JPEG))) as image:
        assert image.size == (12, 16)  # was 16x12 with "rotate 90" in its EXIF


def test_an_image_that_does_not_decode_is_refused() -> None:
    with pytest.raises(UnreadableImageError):
        strip_metadata(b"\xff\xd8\xff\xe0 not a picture", EvidenceType.JPEG)
    assert strip_metadata(b"%PDF-1.4", EvidenceType.PDF) == b"%PDF-1.4"


def test_file_names_follow_the_bytes() -> None:
    assert safe_filename("invoice.pdf.exe", EvidenceType.PDF) == "invoicepdf.pdf"
    assert safe_filename("../../etc/passwd", EvidenceType.PNG) == "passwd.png"
    assert safe_filename(None, EvidenceType.JPEG) == "evidence.jpg"
    assert safe_filename("протокол.docx", EvidenceType.DOCX) == "протокол.docx"


@pytest.mark.parametrize(
    "text", ["\u200f\u200e", "\u200b\u200b\u200b", "\u2066\u2069 \u202e", "\u3164\u3164", "\ufeff\u2800 "]
)
def test_invisible_text_is_empty(text: str) -> None:
    assert visible_length(text) == 0


def test_visible_text_keeps_its_letters() -> None:
    assert visible_length("می\u200cخواهم") == 7  # a Persian word with its zero-width non-joiner
    assert visible_length("\u200fمرحبا") == 5


def test_a_stripped_jpeg_keeps_its_quality_and_size() -> None:
    """Re-encoding at a fixed high quality would inflate photos past the size limit."""
    noisy = Image.effect_noise((600, 400), 60).convert("RGB")
    original = io.BytesIO()
    noisy.save(original, format="JPEG", quality=70)
    stripped = strip_metadata(original.getvalue(), EvidenceType.JPEG)
    assert abs(len(stripped) - len(original.getvalue())) < 0.05 * len(original.getvalue())
