"""Real image files with the metadata a phone writes (GPS, a description, a text chunk), for tests."""

from __future__ import annotations

import io

from PIL import ExifTags, Image
from PIL.PngImagePlugin import PngInfo


def jpeg_with_location(note: str) -> bytes:
    """A small JPEG whose EXIF holds a GPS position and `note` as its description."""
    image = Image.new("RGB", (16, 12), (200, 30, 30))
    exif = Image.Exif()
    exif[ExifTags.Base.ImageDescription] = note
    exif[ExifTags.Base.Orientation] = 6  # taken sideways: the stripped copy must be turned upright
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (52.0, 31.0, 12.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (13.0, 24.0, 36.5)
    output = io.BytesIO()
    image.save(output, format="JPEG", exif=exif, comment=note.encode())
    return output.getvalue()


def png_with_text(note: str) -> bytes:
    image = Image.new("RGBA", (10, 10), (0, 120, 200, 255))
    info = PngInfo()
    info.add_text("Comment", note)
    info.add_itxt("XML:com.adobe.xmp", f"<x:xmpmeta>{note}</x:xmpmeta>")
    output = io.BytesIO()
    image.save(output, format="PNG", pnginfo=info)
    return output.getvalue()


def webp_with_exif(note: str) -> bytes:
    image = Image.new("RGB", (10, 10), (10, 200, 10))
    exif = Image.Exif()
    exif[ExifTags.Base.ImageDescription] = note
    output = io.BytesIO()
    image.save(output, format="WEBP", exif=exif)
    return output.getvalue()
