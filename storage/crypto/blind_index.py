"""Normalisation of values before they are blind-indexed.

A blind index only finds a value if it is computed from exactly the same string at
write and at lookup time, so these functions must stay stable: changing one means
recomputing every stored index for that purpose (hence the version in each purpose).
Errors never quote the value, which is personal data.
"""

from __future__ import annotations

import unicodedata

# Purposes for `Keyring.blind_index`; each names what is indexed and how it was normalised.
EMAIL_PURPOSE = "email/v1"
PHONE_PURPOSE = "phone/v1"
TEXT_PURPOSE = "text/v1"


def normalise_email(value: str) -> str:
    """The lookup form of an email address: trimmed, NFKC, lower-cased, ASCII domain.

    The whole address is lower-cased. RFC 5321 lets a server treat the local part as
    case-sensitive, but no common provider does, and people type their address with
    whatever capitals they like; failing to find "Amal@x.org" for "amal@x.org" is the
    worse error. The domain is IDNA-encoded (Python's built-in IDNA 2003 codec, which
    is stable) so "bücher.de" and "xn--bcher-kva.de" index alike.
    """
    address = unicodedata.normalize("NFKC", value.strip()).lower()
    # rpartition: a quoted local part may itself contain "@", a domain may not.
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        raise ValueError("not an email address: expected local-part@domain")
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValueError("not an email address: the domain is not a valid host name") from None
    return f"{local}@{ascii_domain}"


def normalise_phone(value: str) -> str:
    """The lookup form of a phone number: its digits, with "+" kept if the number starts with one.

    Digits from any script count (Arabic-Indic "٠٧٩" becomes "079"), since people type
    numbers on their own keyboards. No country-code inference is done: "0049…" and
    "+49…" stay different, which callers should account for by asking for "+" numbers.
    """
    text = unicodedata.normalize("NFKC", value).strip()
    digits = "".join(str(unicodedata.decimal(char)) for char in text if char.isdecimal())
    if not digits:
        raise ValueError("not a phone number: it has no digits")
    return f"+{digits}" if text.startswith("+") else digits


def normalise_text(value: str) -> str:
    """The lookup form of free text: NFKC, case-folded, runs of whitespace as one space, trimmed."""
    return " ".join(unicodedata.normalize("NFKC", value).casefold().split())
