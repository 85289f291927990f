"""Which documents a written submission may be (R7): PDF, DOCX or ODT, told by their bytes, not their name."""

from __future__ import annotations

import io
import zipfile
from enum import StrEnum

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"


class DocumentType(StrEnum):
    PDF = "pdf"
    DOCX = "docx"
    ODT = "odt"


def sniff(content: bytes) -> DocumentType | None:
    """The type `content` really is, or None when it is none of the three."""
    if content.startswith(b"%PDF-"):
        return DocumentType.PDF
    if not content.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            entries = archive.infolist()
            names = {entry.filename for entry in entries}
            # ODF: the first entry is an uncompressed "mimetype" holding the media type.
            first = entries[0] if entries else None
            if (
                first is not None
                and first.filename == "mimetype"
                and first.file_size <= len(ODT_MIMETYPE)
                and archive.read(first).strip() == ODT_MIMETYPE
            ):
                return DocumentType.ODT
            if "[Content_Types].xml" in names and "word/document.xml" in names:
                return DocumentType.DOCX
    except (zipfile.BadZipFile, ValueError, RuntimeError, NotImplementedError, OSError):
        return None
    return None
