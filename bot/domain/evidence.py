"""Which evidence files a report may carry, told by their bytes, and photos without metadata.

The client's file name and MIME type are claims; the bytes decide. Accepted: JPEG, PNG and
WebP images, PDF, DOCX and ODT documents, OGG, MP3 and M4A recordings, MP4 videos. Anything
else (an .exe, an .html page, a .zip) is refused, because staff open evidence on their
phones. Images are decoded and encoded again with Pillow, which keeps the pixels and
drops EXIF (with GPS), XMP, IPTC and text chunks: the reporter's location stays with them.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from bot.domain.documents import DocumentType
from bot.domain.documents import sniff as sniff_document

if TYPE_CHECKING:
    from PIL import Image


class EvidenceType(StrEnum):
    JPEG = "jpeg"
    PNG = "png"
    WEBP = "webp"
    PDF = "pdf"
    DOCX = "docx"
    ODT = "odt"
    OGG = "ogg"
    MP3 = "mp3"
    M4A = "m4a"
    MP4 = "mp4"


@dataclass(frozen=True)
class Format:
    extension: str
    mime_type: str


FORMATS: dict[EvidenceType, Format] = {
    EvidenceType.JPEG: Format("jpg", "image/jpeg"),
    EvidenceType.PNG: Format("png", "image/png"),
    EvidenceType.WEBP: Format("webp", "image/webp"),
    EvidenceType.PDF: Format("pdf", "application/pdf"),
    EvidenceType.DOCX: Format(
        "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    ),
    EvidenceType.ODT: Format("odt", "application/vnd.oasis.opendocument.text"),
    EvidenceType.OGG: Format("ogg", "audio/ogg"),
    EvidenceType.MP3: Format("mp3", "audio/mpeg"),
    EvidenceType.M4A: Format("m4a", "audio/mp4"),
    EvidenceType.MP4: Format("mp4", "video/mp4"),
}
IMAGES = frozenset({EvidenceType.JPEG, EvidenceType.PNG, EvidenceType.WEBP})
_PIL_FORMATS = {EvidenceType.JPEG: "JPEG", EvidenceType.PNG: "PNG", EvidenceType.WEBP: "WEBP"}
_AUDIO_BRANDS = (b"M4A ", b"M4B ")
_VIDEO_BRANDS = (b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"MSNV", b"dash")
_SAFE_NAME = re.compile(r"[^\w\- ]+")


def sniff(content: bytes) -> EvidenceType | None:
    """The type `content` really is, or None when it is not on the allow-list."""
    if content.startswith(b"\xff\xd8\xff"):
        return EvidenceType.JPEG
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return EvidenceType.PNG
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return EvidenceType.WEBP
    if content.startswith(b"OggS"):
        return EvidenceType.OGG
    if content.startswith(b"ID3") or (len(content) > 1 and content[0] == 0xFF and content[1] & 0xE0 == 0xE0):
        return EvidenceType.MP3
    if content[4:8] == b"ftyp":
        brand = content[8:12]
        if brand in _AUDIO_BRANDS:
            return EvidenceType.M4A
        if brand in _VIDEO_BRANDS:
            return EvidenceType.MP4
        return None
    document = sniff_document(content)
    if document is not None:
        return {DocumentType.PDF: EvidenceType.PDF, DocumentType.DOCX: EvidenceType.DOCX}.get(
            document, EvidenceType.ODT
        )
    return None


def safe_filename(claimed: str | None, kind: EvidenceType) -> str:
    """The person's name for the file, tamed, with the extension of what the bytes are."""
    name = (claimed or "").replace("\\", "/").rsplit("/", 1)[-1]
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = _SAFE_NAME.sub("", stem).strip()[:60] or "evidence"
    return f"{stem}.{FORMATS[kind].extension}"


class UnreadableImageError(Exception):
    """The bytes start like an image but do not decode as one."""


def strip_metadata(content: bytes, kind: EvidenceType) -> bytes:
    """An image's pixels only, encoded again in its own format: no EXIF, GPS, XMP, IPTC or comments.

    The EXIF orientation is applied first, so the photo still looks the right way up.
    Other types are returned unchanged.
    """
    if kind not in IMAGES:
        return content
    # Pillow (about 3 MB) is loaded by the first image a person sends, not with the bot (issue 16).
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(content)) as opened:
            opened.load()
            options = _same_quality(opened, kind)
            upright = ImageOps.exif_transpose(opened)
            # A new image from the pixels alone: nothing of `info` (exif, xmp, icc, text) is carried.
            clean = Image.frombytes(upright.mode, upright.size, upright.tobytes())
            palette = upright.getpalette() if upright.mode == "P" else None
            if palette is not None:
                clean.putpalette(palette)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise UnreadableImageError(type(exc).__name__) from None
    if kind is EvidenceType.JPEG and clean.mode not in ("RGB", "L", "CMYK"):
        clean = clean.convert("RGB")
    output = io.BytesIO()
    clean.save(output, format=_PIL_FORMATS[kind], **options)
    return output.getvalue()


def _same_quality(opened: Image.Image, kind: EvidenceType) -> dict[str, object]:
    """Encoder settings that keep a photo's quality and size about as they were: a JPEG is
    written with its own quantisation tables and chroma subsampling."""
    from PIL import JpegImagePlugin

    if kind is EvidenceType.JPEG and isinstance(opened, JpegImagePlugin.JpegImageFile):
        return {"qtables": opened.quantization, "subsampling": JpegImagePlugin.get_sampling(opened)}
    if kind is EvidenceType.WEBP:
        return {"quality": 90}
    return {}
