"""Keys of confidential reports: readable by staff only, never by the server alone.

The model (the same idea as GlobaLeaks):

- Each case has its own **case secret** (32 random bytes), the private half of an X25519
  key pair. Its public half is stored with the case, so anything written to the case
  later (the reporter's follow-ups, staff replies) can be encrypted by the server
  without being able to read it back.
- Every piece of content gets a fresh **content key** (XChaCha20-Poly1305, bound to its
  case, row and purpose as associated data); the content key is sealed (libsodium
  sealed box) to the case public key, and, for staff messages to an anonymous
  reporter, also to the reporter's public key.
- The case secret is sealed to each liaison staff member's public key and to the
  offline recovery public key. Those sealed copies are the only copies: deleting them
  destroys the case (crypto-shredding).
- A staff member's private key is stored encrypted under a key derived from their
  passphrase with Argon2id. It is unlocked in memory for a limited time
  (`StaffKeyVault`).
- An anonymous reporter's key pair is derived from their receipt code; the same slow
  derivation gives the receipt's lookup hash, peppered with a key the server holds.

A copy of the database plus the server's AES keyring therefore opens nothing: every
path to content goes through a staff passphrase, the offline recovery key, or a
receipt code. Nothing here logs or puts secrets into exception messages.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import struct
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import datetime

import nacl.bindings as sodium
import nacl.exceptions
import nacl.pwhash.argon2id as argon2id
from nacl.public import PrivateKey, PublicKey, SealedBox
from nacl.secret import SecretBox

KEY_BYTES = 32
RECEIPT_DIGITS = 24  # six groups of four: about 80 bits
RECEIPT_GROUP = 4
_AAD_LABEL = b"liaison.report.v1"
_NONCE_BYTES = sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES

# Argon2id limits. Staff passphrases get libsodium's "moderate" preset (about 0.7 s and
# 256 MiB on a small server); receipts carry 80 random bits, so "interactive" is plenty.
PASSPHRASE_OPSLIMIT = argon2id.OPSLIMIT_MODERATE
PASSPHRASE_MEMLIMIT = argon2id.MEMLIMIT_MODERATE
RECEIPT_OPSLIMIT = argon2id.OPSLIMIT_INTERACTIVE
RECEIPT_MEMLIMIT = argon2id.MEMLIMIT_INTERACTIVE
# The smallest limits libsodium accepts; for tests only.
TEST_OPSLIMIT = argon2id.OPSLIMIT_MIN
TEST_MEMLIMIT = argon2id.MEMLIMIT_MIN

MIN_PASSPHRASE = 12
MAX_PASSPHRASE = 256


class ReportCryptoError(Exception):
    """A report secret did not open: wrong key, wrong passphrase, or altered data. Never quotes secrets."""


@dataclass(frozen=True)
class KdfLimits:
    """Argon2id cost: operations and memory (bytes)."""

    opslimit: int
    memlimit: int


# --- content -------------------------------------------------------------------------------


def content_aad(case_id: uuid.UUID | str, purpose: str, row_id: uuid.UUID | str) -> bytes:
    """Associated data binding a ciphertext to its case, purpose and row (length-prefixed parts)."""
    parts = [_AAD_LABEL, str(case_id).encode(), purpose.encode(), str(row_id).encode()]
    return b"".join(struct.pack(">I", len(part)) + part for part in parts)


def _aead_encrypt(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(_NONCE_BYTES)
    return nonce + sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, aad, nonce, key)


def _aead_decrypt(key: bytes, data: bytes, aad: bytes) -> bytes:
    try:
        return sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
            data[_NONCE_BYTES:], aad, data[:_NONCE_BYTES], key
        )
    except (nacl.exceptions.CryptoError, ValueError, TypeError):
        raise ReportCryptoError("report content did not open: wrong key or altered data") from None


@dataclass(frozen=True)
class EncryptedContent:
    """One piece of content: its body and its content key sealed to the case (and maybe the reporter)."""

    body: bytes
    key_for_case: bytes
    key_for_reporter: bytes | None = None


def encrypt_content(
    plaintext: bytes, aad: bytes, case_public: bytes, reporter_public: bytes | None = None
) -> EncryptedContent:
    """Encrypt for the case's readers (and the anonymous reporter when their key is given)."""
    content_key = os.urandom(KEY_BYTES)
    return EncryptedContent(
        body=_aead_encrypt(content_key, plaintext, aad),
        key_for_case=SealedBox(PublicKey(case_public)).encrypt(content_key),
        key_for_reporter=(
            SealedBox(PublicKey(reporter_public)).encrypt(content_key) if reporter_public else None
        ),
    )


def decrypt_content(body: bytes, sealed_key: bytes, aad: bytes, private: PrivateKey) -> bytes:
    """Open content with the case private key (staff) or the reporter's private key."""
    try:
        content_key = SealedBox(private).decrypt(sealed_key)
    except (nacl.exceptions.CryptoError, ValueError, TypeError):
        raise ReportCryptoError("report content key did not open: wrong key or altered data") from None
    return _aead_decrypt(content_key, body, aad)


# --- case secrets --------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseKeys:
    """A new case's key pair; `secret` must only ever be kept sealed to its readers."""

    secret: bytes = field(repr=False)
    public: bytes

    @classmethod
    def generate(cls) -> CaseKeys:
        private = PrivateKey.generate()
        return cls(bytes(private), bytes(private.public_key))

    @property
    def private(self) -> PrivateKey:
        return PrivateKey(self.secret)


def seal_case_secret(secret: bytes, reader_public: bytes) -> bytes:
    """The case secret sealed to one reader (a staff member or the recovery key)."""
    return SealedBox(PublicKey(reader_public)).encrypt(secret)


def open_case_secret(sealed: bytes, reader: PrivateKey) -> PrivateKey:
    """The case private key, from its copy sealed to `reader`."""
    try:
        return PrivateKey(SealedBox(reader).decrypt(sealed))
    except (nacl.exceptions.CryptoError, ValueError, TypeError):
        raise ReportCryptoError("the case key did not open with this reader's key") from None


# --- staff keys ----------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffKeyMaterial:
    """What is stored for a staff member: the public key and the passphrase-encrypted private key."""

    public_key: bytes
    encrypted_private: bytes
    salt: bytes
    opslimit: int
    memlimit: int


def check_passphrase(passphrase: str) -> str | None:
    """Why a new passphrase is not acceptable (a short code), or None when it is."""
    if len(passphrase) < MIN_PASSPHRASE:
        return "too_short"
    if len(passphrase) > MAX_PASSPHRASE:
        return "too_long"
    if len(set(passphrase)) < 5:
        return "too_simple"
    return None


def _passphrase_key(passphrase: str, salt: bytes, limits: KdfLimits) -> bytes:
    return argon2id.kdf(
        KEY_BYTES, passphrase.encode("utf-8"), salt, opslimit=limits.opslimit, memlimit=limits.memlimit
    )


def protect_private_key(private: PrivateKey, passphrase: str, limits: KdfLimits) -> StaffKeyMaterial:
    """Encrypt `private` under Argon2id(passphrase) with a fresh salt."""
    salt = os.urandom(argon2id.SALTBYTES)
    box = SecretBox(_passphrase_key(passphrase, salt, limits))
    return StaffKeyMaterial(
        public_key=bytes(private.public_key),
        encrypted_private=bytes(box.encrypt(bytes(private))),
        salt=salt,
        opslimit=limits.opslimit,
        memlimit=limits.memlimit,
    )


def new_staff_key(passphrase: str, limits: KdfLimits) -> tuple[PrivateKey, StaffKeyMaterial]:
    private = PrivateKey.generate()
    return private, protect_private_key(private, passphrase, limits)


def unlock_private_key(material: StaffKeyMaterial, passphrase: str) -> PrivateKey:
    """The staff private key, if `passphrase` is right; `ReportCryptoError` otherwise."""
    key = _passphrase_key(passphrase, material.salt, KdfLimits(material.opslimit, material.memlimit))
    try:
        private = PrivateKey(SecretBox(key).decrypt(material.encrypted_private))
    except (nacl.exceptions.CryptoError, ValueError, TypeError):
        raise ReportCryptoError("wrong passphrase") from None
    if bytes(private.public_key) != material.public_key:
        raise ReportCryptoError("the stored key pair does not match")
    return private


# --- the offline recovery key --------------------------------------------------------------


def new_recovery_key() -> tuple[str, bytes]:
    """A recovery key pair: the private key as text for administrators to keep offline, and the public key."""
    private = PrivateKey.generate()
    return format_recovery_key(bytes(private)), bytes(private.public_key)


def format_recovery_key(secret: bytes) -> str:
    text = secret.hex()
    return "LRK-" + "-".join(text[i : i + 8] for i in range(0, len(text), 8))


def parse_recovery_key(text: str) -> PrivateKey:
    cleaned = re.sub(r"[\s-]", "", text.strip()).upper().removeprefix("LRK")
    try:
        secret = bytes.fromhex(cleaned)
    except ValueError:
        raise ReportCryptoError("this is not a recovery key") from None
    if len(secret) != KEY_BYTES:
        raise ReportCryptoError("this is not a recovery key")
    return PrivateKey(secret)


# --- receipt codes of anonymous reporters --------------------------------------------------

_RECEIPT_PATTERN = re.compile(r"(?<!\d)(?:\d{4}[ \-.]?){4,7}\d{4}(?!\d)")


def new_receipt() -> str:
    """A fresh receipt: 24 random digits in groups of four."""
    digits = "".join(secrets.choice("0123456789") for _ in range(RECEIPT_DIGITS))
    return format_receipt(digits)


def format_receipt(digits: str) -> str:
    return " ".join(digits[i : i + RECEIPT_GROUP] for i in range(0, len(digits), RECEIPT_GROUP))


def normalise_receipt(text: str) -> str | None:
    """The receipt's digits if `text` is exactly a receipt (spaces, dashes or dots between groups).
    Invisible format characters are dropped: a code copied from an Arabic message carries the bidi
    isolates that keep it in order there."""
    digits = "".join(
        ch for ch in text if not ch.isspace() and ch not in "-." and unicodedata.category(ch) != "Cf"
    )
    digits = "".join(str(int(ch)) if ch.isdecimal() else ch for ch in digits)  # Arabic-Indic digits too
    if len(digits) == RECEIPT_DIGITS and digits.isascii() and digits.isdigit():
        return digits
    return None


def contains_receipt(text: str) -> bool:
    """Whether `text` holds something shaped like a receipt (20-32 digits in groups of four)."""
    translated = "".join(str(int(ch)) if ch.isdecimal() else ch for ch in text)
    return _RECEIPT_PATTERN.search(translated) is not None


def receipt_pepper(index_key_digest: bytes) -> bytes:
    """The pepper, from a 32-byte server secret (see `ReportRepository` for where it comes from)."""
    return hmac.new(index_key_digest, b"liaison.report.receipt-pepper.v1", hashlib.sha256).digest()


@dataclass(frozen=True)
class ReceiptKeys:
    """What a receipt gives: the stored lookup hash and the reporter's key pair (never stored)."""

    lookup: bytes
    private: PrivateKey = field(repr=False)

    @property
    def public(self) -> bytes:
        return bytes(self.private.public_key)


def derive_receipt_keys(digits: str, pepper: bytes, limits: KdfLimits) -> ReceiptKeys:
    """One slow Argon2id run over the receipt, salted by the pepper, split into a lookup hash and a key.

    The lookup hash is an HMAC (under the pepper) of half of the output, so the stored
    value reveals nothing about the other half, which seeds the reporter's private key.
    """
    salt = hmac.new(pepper, b"salt", hashlib.sha256).digest()[: argon2id.SALTBYTES]
    slow = argon2id.kdf(
        2 * KEY_BYTES, digits.encode("ascii"), salt, opslimit=limits.opslimit, memlimit=limits.memlimit
    )
    lookup = hmac.new(pepper, b"lookup\x00" + slow[KEY_BYTES:], hashlib.sha256).digest()
    seed = hashlib.blake2b(slow[:KEY_BYTES], digest_size=KEY_BYTES, person=b"liaison-reporter").digest()
    return ReceiptKeys(lookup=lookup, private=PrivateKey(seed))


# --- unlocked staff keys, in memory only ---------------------------------------------------


@dataclass
class _Unlocked:
    private: PrivateKey = field(repr=False)
    expires_at: datetime


class StaffKeyVault:
    """Unlocked staff private keys by staff member id, in this process's memory until they expire.

    Never persisted: a restart locks everyone, which is the safe direction.
    """

    def __init__(self) -> None:
        self._keys: dict[uuid.UUID, _Unlocked] = {}

    def put(self, staff_id: uuid.UUID, private: PrivateKey, *, until: datetime) -> None:
        self._keys[staff_id] = _Unlocked(private, until)

    def get(self, staff_id: uuid.UUID, *, now: datetime) -> PrivateKey | None:
        found = self._keys.get(staff_id)
        if found is None:
            return None
        if now >= found.expires_at:
            del self._keys[staff_id]
            return None
        return found.private

    def expires_at(self, staff_id: uuid.UUID, *, now: datetime) -> datetime | None:
        return self._keys[staff_id].expires_at if self.get(staff_id, now=now) is not None else None

    def lock(self, staff_id: uuid.UUID) -> bool:
        return self._keys.pop(staff_id, None) is not None

    def lock_all(self) -> None:
        self._keys.clear()

    def __repr__(self) -> str:
        return f"StaffKeyVault({len(self._keys)} unlocked)"
