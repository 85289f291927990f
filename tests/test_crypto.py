"""Field encryption: envelopes, keyring, rotation, blind indexes and where keys come from."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import pickle
import stat
import uuid
from pathlib import Path

import pytest

from storage.crypto import key_source
from storage.crypto.blind_index import (
    EMAIL_PURPOSE,
    PHONE_PURPOSE,
    normalise_email,
    normalise_phone,
    normalise_text,
)
from storage.crypto.envelope import ENVELOPE_VERSION, key_id_of, pack, unpack
from storage.crypto.key_source import (
    KeySourceError,
    add_key_to_file,
    encode_data_keys,
    generate_key_file_contents,
    load_keyring,
    parse_data_keys,
    parse_index_key,
)
from storage.crypto.keyring import (
    CryptoError,
    DataKey,
    DecryptionError,
    Keyring,
    MalformedEnvelopeError,
    UnknownKeyError,
    field_aad,
)

EMAIL = "amal.haddad@example.org"
AAD = field_aad("people", "email", "4f1c2a9e-0000-4000-8000-000000000001")


def secret(fill: int) -> bytes:
    return bytes([fill]) * 32


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


@pytest.fixture
def k1() -> DataKey:
    return DataKey("k1", secret(1))


@pytest.fixture
def index_key() -> bytes:
    return secret(9)


@pytest.fixture
def keyring(k1: DataKey, index_key: bytes) -> Keyring:
    return Keyring([k1], index_key)


def secret_forms(raw: bytes) -> list[bytes]:
    """Every way a key could leak into a message: raw, standard and URL-safe base64, hex."""
    standard = base64.b64encode(raw)
    return [
        raw,
        standard,
        standard.rstrip(b"="),
        base64.urlsafe_b64encode(raw).rstrip(b"="),
        raw.hex().encode(),
    ]


def assert_no_secret(text: str, *secrets: bytes) -> None:
    encoded = text.encode("utf-8", "surrogateescape")
    for raw in secrets:
        for form in secret_forms(raw):
            assert form not in encoded
        assert repr(raw) not in text


# --- sealing and opening -------------------------------------------------------------


def test_round_trip(keyring: Keyring) -> None:
    envelope = keyring.seal_text(EMAIL, AAD)
    assert keyring.open_text(envelope, AAD) == EMAIL
    assert keyring.open(keyring.seal(b"\x00\xffbinary", AAD), AAD) == b"\x00\xffbinary"
    assert keyring.open(keyring.seal(b"", AAD), AAD) == b""


def test_envelope_layout(keyring: Keyring) -> None:
    envelope = keyring.seal_text(EMAIL, AAD)
    assert envelope[0] == ENVELOPE_VERSION
    assert envelope[1] == 2
    assert envelope[2:4] == b"k1"
    key_id, nonce, ciphertext = unpack(envelope)
    assert (key_id, len(nonce), len(ciphertext)) == ("k1", 12, len(EMAIL) + 16)
    assert pack(key_id, nonce, ciphertext) == envelope
    assert key_id_of(envelope) == "k1"


def test_same_value_sealed_twice_differs(keyring: Keyring) -> None:
    first, second = keyring.seal_text(EMAIL, AAD), keyring.seal_text(EMAIL, AAD)
    assert first != second
    assert unpack(first)[1] != unpack(second)[1]  # a fresh nonce each time


def test_plaintext_does_not_appear_in_envelope(keyring: Keyring) -> None:
    envelope = keyring.seal_text(EMAIL, AAD)
    assert EMAIL.encode() not in envelope
    assert b"amal" not in envelope


def test_value_copied_to_another_row_does_not_open(keyring: Keyring) -> None:
    envelope = keyring.seal_text(EMAIL, field_aad("people", "email", 1))
    with pytest.raises(DecryptionError):
        keyring.open_text(envelope, field_aad("people", "email", 2))
    with pytest.raises(DecryptionError):
        keyring.open_text(envelope, field_aad("people", "phone", 1))
    with pytest.raises(DecryptionError):
        keyring.open_text(envelope, field_aad("staff", "email", 1))


def test_field_aad_is_unambiguous() -> None:
    assert field_aad("ab", "c", 1) != field_aad("a", "bc", 1)
    assert field_aad("t", "c", "1:2") != field_aad("t", "c:1", "2")
    # One row id, whichever form the caller holds it in.
    row = uuid.uuid4()
    assert field_aad("t", "c", row) == field_aad("t", "c", str(row))
    assert field_aad("t", "c", 7) == field_aad("t", "c", "7")


def test_a_column_sealed_in_one_batch_opens_per_row_and_only_in_its_place(keyring: Keyring) -> None:
    rows: list[tuple[uuid.UUID | int | str, str | None]] = [
        (uuid.uuid4(), EMAIL),
        (uuid.uuid4(), None),
        (7, "second"),
        ("row-3", EMAIL),
    ]
    sealed = keyring.seal_column("outbox", "body", rows)
    assert sealed[1] is None
    for (row_id, value), envelope in zip(rows, sealed, strict=True):
        if value is None:
            continue
        assert envelope is not None and EMAIL.encode() not in envelope
        assert key_id_of(envelope) == keyring.active_key_id
        assert keyring.open_text(envelope, field_aad("outbox", "body", row_id)) == value
        with pytest.raises(DecryptionError):
            keyring.open_text(envelope, field_aad("outbox", "subject", row_id))
    # Same text, different rows: different nonces, and neither opens in the other's row.
    first, last = sealed[0], sealed[3]
    assert first is not None and last is not None and unpack(first)[1] != unpack(last)[1]
    with pytest.raises(DecryptionError):
        keyring.open_text(first, field_aad("outbox", "body", "row-3"))
    with pytest.raises(TypeError, match="row id is None"):
        keyring.seal_column("outbox", "body", [(None, "x")])  # type: ignore[list-item]


def test_field_aad_refuses_a_row_without_an_id() -> None:
    with pytest.raises(TypeError, match="row id is None"):
        field_aad("people", "email", None)
    with pytest.raises(TypeError):
        field_aad("people", "email", True)


@pytest.mark.parametrize("position", [0, 1, 2, 4, 10, -1])
def test_tampered_byte_does_not_open(keyring: Keyring, position: int) -> None:
    envelope = bytearray(keyring.seal_text(EMAIL, AAD))
    envelope[position] ^= 0x01
    with pytest.raises(CryptoError):
        keyring.open_text(bytes(envelope), AAD)


def test_tampered_ciphertext_is_a_decryption_error(keyring: Keyring) -> None:
    envelope = bytearray(keyring.seal_text(EMAIL, AAD))
    envelope[-20] ^= 0x80
    with pytest.raises(DecryptionError):
        keyring.open_text(bytes(envelope), AAD)


def test_wrong_key_with_same_id_is_a_decryption_error(keyring: Keyring, index_key: bytes) -> None:
    envelope = keyring.seal_text(EMAIL, AAD)
    impostor = Keyring([DataKey("k1", secret(2))], index_key)
    with pytest.raises(DecryptionError, match="'k1'"):
        impostor.open_text(envelope, AAD)


def test_unknown_key_id_is_named(k1: DataKey, index_key: bytes) -> None:
    newer = Keyring([k1, DataKey("k2", secret(2))], index_key)
    envelope = newer.seal_text(EMAIL, AAD)
    older = Keyring([k1], index_key)
    with pytest.raises(UnknownKeyError, match="key 'k2'") as caught:
        older.open_text(envelope, AAD)
    assert caught.value.key_id == "k2"
    assert "LIAISON_DATA_KEYS" in str(caught.value)
    assert str(pickle.loads(pickle.dumps(caught.value))) == str(caught.value)


@pytest.mark.parametrize(
    "envelope",
    [
        b"",
        b"\x01",
        b"\x02\x02k1" + bytes(28),  # unknown version
        b"\x01\x00" + bytes(28),  # empty key id
        b"\x01\x02k1" + bytes(27),  # shorter than nonce + tag
        b"\x01\x02k\xff" + bytes(28),  # key id not ASCII
        b"\x01\x02k " + bytes(28),  # key id outside the allowed characters
        "not bytes",
    ],
)
def test_malformed_envelope(keyring: Keyring, envelope: bytes) -> None:
    with pytest.raises(MalformedEnvelopeError):
        keyring.open(envelope, AAD)


def test_plain_text_in_a_sealed_column_is_refused_not_returned(keyring: Keyring) -> None:
    with pytest.raises(MalformedEnvelopeError):
        keyring.open_text(EMAIL.encode(), AAD)


def test_binary_value_opened_as_text_does_not_quote_it(keyring: Keyring) -> None:
    envelope = keyring.seal(b"\xff\xfesecret-ish", AAD)
    with pytest.raises(CryptoError) as caught:
        keyring.open_text(envelope, AAD)
    assert "secret-ish" not in str(caught.value)
    assert "\\xff" not in str(caught.value)


# --- rotation ----------------------------------------------------------------------


def test_rotation_keeps_old_values_readable_and_reseals_them(keyring: Keyring) -> None:
    old_envelope = keyring.seal_text(EMAIL, AAD)
    assert not keyring.needs_reseal(old_envelope)

    rotated, new_key = keyring.with_new_key()
    assert new_key.key_id == "k2"
    assert rotated.key_ids == ("k1", "k2")
    assert rotated.active_key_id == "k2"
    assert new_key.secret != secret(1)
    assert keyring.key_ids == ("k1",)  # the original keyring is unchanged

    assert rotated.open_text(old_envelope, AAD) == EMAIL
    assert rotated.needs_reseal(old_envelope)
    resealed = rotated.reseal(old_envelope, AAD)
    assert key_id_of(resealed) == "k2"
    assert not rotated.needs_reseal(resealed)
    assert rotated.open_text(resealed, AAD) == EMAIL
    assert rotated.reseal(resealed, AAD) == resealed  # already current: left as it is
    assert key_id_of(rotated.seal_text(EMAIL, AAD)) == "k2"


def test_retired_key_no_longer_opens_but_resealed_values_and_indexes_do(keyring: Keyring) -> None:
    old_envelope = keyring.seal_text(EMAIL, AAD)
    rotated, _ = keyring.with_new_key()
    resealed = rotated.reseal(old_envelope, AAD)
    retired = rotated.without_keys("k1")
    assert retired.key_ids == ("k2",)
    assert retired.open_text(resealed, AAD) == EMAIL
    with pytest.raises(UnknownKeyError, match="'k1'"):
        retired.open_text(old_envelope, AAD)
    assert retired.blind_index(EMAIL_PURPOSE, EMAIL) == keyring.blind_index(EMAIL_PURPOSE, EMAIL)
    with pytest.raises(CryptoError, match="active key"):
        rotated.without_keys("k2")
    with pytest.raises(CryptoError, match="not in the keyring: k9"):
        rotated.without_keys("k9")


def test_reseal_refuses_a_value_it_cannot_open(keyring: Keyring) -> None:
    rotated, _ = keyring.with_new_key()
    envelope = keyring.seal_text(EMAIL, field_aad("people", "email", 1))
    with pytest.raises(DecryptionError):
        rotated.reseal(envelope, field_aad("people", "email", 2))


def test_next_key_id_follows_the_highest_number(index_key: bytes) -> None:
    keys = [DataKey("k1", secret(1)), DataKey("k7", secret(7)), DataKey("legacy", secret(3))]
    _, new_key = Keyring(keys, index_key).with_new_key()
    assert new_key.key_id == "k8"


def test_keyring_refuses_bad_key_sets(k1: DataKey, index_key: bytes) -> None:
    with pytest.raises(CryptoError, match="at least one"):
        Keyring([], index_key)
    with pytest.raises(CryptoError, match="more than once"):
        Keyring([k1, DataKey("k1", secret(2))], index_key)
    with pytest.raises(CryptoError, match="index key must differ"):
        Keyring([k1], secret(1))
    with pytest.raises(CryptoError, match="32 bytes"):
        Keyring([k1], b"short")
    with pytest.raises(ValueError, match="32 bytes"):
        DataKey("k1", b"short")
    with pytest.raises(ValueError, match="key id"):
        DataKey("k 1", secret(1))
    with pytest.raises(ValueError, match="key id"):
        DataKey("k" * 33, secret(1))


# --- blind index ---------------------------------------------------------------------


def test_blind_index_matches_however_the_email_was_typed(keyring: Keyring) -> None:
    typed = ["  Amal.Haddad@Example.ORG ", "amal.haddad@example.org", "ＡＭＡＬ.haddad@example.org\n"]
    digests = {keyring.blind_index(EMAIL_PURPOSE, normalise_email(value)) for value in typed}
    assert len(digests) == 1
    (digest,) = digests
    assert len(digest) == 32
    assert digest != keyring.blind_index(EMAIL_PURPOSE, normalise_email("amal.hadad@example.org"))


def test_blind_index_differs_per_purpose(keyring: Keyring) -> None:
    value = normalise_phone("+49 170 1234567")
    assert keyring.blind_index(PHONE_PURPOSE, value) != keyring.blind_index(EMAIL_PURPOSE, value)
    # The NUL delimiter keeps purpose and value apart.
    assert keyring.blind_index("ab", "c") != keyring.blind_index("a", "bc")


def test_blind_index_differs_per_index_key(k1: DataKey) -> None:
    value = normalise_email(EMAIL)
    first = Keyring([k1], secret(8)).blind_index(EMAIL_PURPOSE, value)
    second = Keyring([k1], secret(9)).blind_index(EMAIL_PURPOSE, value)
    assert first != second


def test_blind_index_uses_the_index_key_not_a_data_key(keyring: Keyring, index_key: bytes) -> None:
    value = normalise_email(EMAIL)
    digest = keyring.blind_index(EMAIL_PURPOSE, value)
    assert digest != hmac.new(secret(1), value.encode(), hashlib.sha256).digest()
    assert digest != hmac.new(secret(1), f"{EMAIL_PURPOSE}\x00{value}".encode(), hashlib.sha256).digest()
    assert digest != hashlib.sha256(value.encode()).digest()
    # And it is exactly the documented construction, so other implementations can match it.
    assert digest == hmac.new(index_key, f"{EMAIL_PURPOSE}\x00{value}".encode(), hashlib.sha256).digest()
    # Rotating data keys does not change blind indexes.
    rotated, _ = keyring.with_new_key()
    assert rotated.blind_index(EMAIL_PURPOSE, value) == digest


def test_blind_index_refuses_an_ambiguous_purpose(keyring: Keyring) -> None:
    with pytest.raises(ValueError, match="purpose"):
        keyring.blind_index("email\x00x", "a")
    with pytest.raises(ValueError, match="purpose"):
        keyring.blind_index("", "a")


def test_normalise_email() -> None:
    assert normalise_email("  Amal@Example.ORG\t") == "amal@example.org"
    assert normalise_email("yusuf@Bücher.de") == "yusuf@xn--bcher-kva.de"
    assert normalise_email("yusuf@xn--bcher-kva.de") == "yusuf@xn--bcher-kva.de"
    assert normalise_email('"a@b"@example.org') == '"a@b"@example.org'
    for bad in ["", "no-at-sign", "@example.org", "amal@", "amal@exa..mple.org"]:
        with pytest.raises(ValueError, match="not an email address") as caught:
            normalise_email(bad)
        if bad:
            assert bad not in str(caught.value)


def test_normalise_phone() -> None:
    assert normalise_phone(" +49 (170) 123-4567 ") == "+491701234567"
    assert normalise_phone("0170 1234567") == "01701234567"
    assert normalise_phone("+٩٦٢ ٧٩ ١٢٣ ٤٥٦٧") == "+962791234567"  # Arabic-Indic digits
    assert normalise_phone("＋４９１７０") == "+49170"  # full-width
    with pytest.raises(ValueError, match="no digits"):
        normalise_phone("call me")


def test_normalise_text() -> None:
    assert normalise_text("  Straße \n  Nummer\t5 ") == "strasse nummer 5"
    assert normalise_text("ＡＢＣ") == "abc"


# --- keys from the environment -------------------------------------------------------


def test_parse_data_keys_accepts_standard_and_urlsafe_base64() -> None:
    raw = bytes(range(250, 256)) + bytes(range(26))  # bytes whose base64 has '+' or '/'
    assert b"/" in base64.b64encode(raw) or b"+" in base64.b64encode(raw)
    standard = base64.b64encode(raw).decode()
    urlsafe = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    keys = parse_data_keys(f"k1:{standard}, k2:{urlsafe}\n")
    assert keys == [DataKey("k1", raw), DataKey("k2", raw)]
    assert parse_data_keys(encode_data_keys(keys)) == keys


def test_env_keys_make_a_keyring_with_the_last_key_active(tmp_path: Path) -> None:
    keyring = load_keyring(
        data_keys_env=f"k1:{b64(secret(1))},k2:{b64(secret(2))}",
        index_key_env=b64(secret(9)),
        key_file=tmp_path / "keys.json",
        create=True,
    )
    assert keyring.key_ids == ("k1", "k2")
    assert keyring.active_key_id == "k2"
    assert not (tmp_path / "keys.json").exists()  # the environment wins; no file is made


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("", "empty"),
        (b64(secret(1)), "not 'id:key'"),  # id forgotten
        (f"k1:{b64(secret(1))[:-8]}", "32 bytes"),  # truncated
        (f"k1:{b64(secret(1) + b'x')}", "32 bytes"),  # too long
        (f"k1:{b64(secret(1)).replace('A', '*')}", "32 bytes"),  # not base64
        (f"k1:{b64(secret(1))},k1:{b64(secret(2))}", "more than once"),
        (f"k 1:{b64(secret(1))}", "key id"),
        (f"k1:{b64(secret(1))},,k2:{b64(secret(2))}", "entry 2"),
    ],
)
def test_bad_data_keys_name_the_variable_without_echoing_keys(value: str, problem: str) -> None:
    with pytest.raises(KeySourceError) as caught:
        parse_data_keys(value)
    message = str(caught.value)
    assert "LIAISON_DATA_KEYS" in message
    assert problem in message
    for part in value.replace(":", ",").split(","):
        if len(part) > 3:
            assert part not in message
    assert_no_secret(message + repr(caught.value), secret(1), secret(2))


def test_bad_index_key_names_the_variable() -> None:
    bad = b64(secret(9))[:-4]
    with pytest.raises(KeySourceError, match="LIAISON_INDEX_KEY") as caught:
        parse_index_key(bad)
    assert bad not in str(caught.value)


@pytest.mark.parametrize(
    ("data_keys_env", "index_key_env", "missing"),
    [
        (f"k1:{b64(secret(1))}", None, "LIAISON_INDEX_KEY is not"),
        (None, b64(secret(9)), "LIAISON_DATA_KEYS is not"),
    ],
)
def test_half_the_env_is_refused(
    tmp_path: Path, data_keys_env: str | None, index_key_env: str | None, missing: str
) -> None:
    with pytest.raises(KeySourceError, match=missing):
        load_keyring(
            data_keys_env=data_keys_env,
            index_key_env=index_key_env,
            key_file=tmp_path / "k.json",
            create=True,
        )
    assert not (tmp_path / "k.json").exists()


def test_env_index_key_equal_to_a_data_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(KeySourceError, match="index key must differ") as caught:
        load_keyring(
            data_keys_env=f"k1:{b64(secret(1))}",
            index_key_env=b64(secret(1)),
            key_file=tmp_path / "k.json",
            create=False,
        )
    assert_no_secret(str(caught.value), secret(1))


# --- keys from a file ------------------------------------------------------------------


def test_key_file_is_created_0600_and_reused(tmp_path: Path) -> None:
    key_file = tmp_path / "state" / "keys.json"
    first = load_keyring(data_keys_env=None, index_key_env=None, key_file=key_file, create=True)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert first.key_ids == ("k1",)
    assert [p.name for p in key_file.parent.iterdir()] == ["keys.json"]  # no temporary left behind
    document = json.loads(key_file.read_text())
    assert [entry["id"] for entry in document["data_keys"]] == ["k1"]

    second = load_keyring(data_keys_env=None, index_key_env=None, key_file=key_file, create=True)
    envelope = first.seal_text(EMAIL, AAD)
    assert second.open_text(envelope, AAD) == EMAIL
    assert second.blind_index(EMAIL_PURPOSE, EMAIL) == first.blind_index(EMAIL_PURPOSE, EMAIL)


def test_key_file_made_by_another_process_meanwhile_is_used_not_overwritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key_file = tmp_path / "keys.json"
    other_process = load_keyring(data_keys_env=None, index_key_env=None, key_file=key_file, create=True)
    written = key_file.read_text()
    real_read = key_source._read_key_file
    calls: list[Path] = []

    def read_after_losing_the_race(path: Path) -> tuple[list[DataKey], bytes]:
        calls.append(path)
        if len(calls) == 1:
            raise FileNotFoundError(path)  # our first look happened just before the other process wrote
        return real_read(path)

    monkeypatch.setattr(key_source, "_read_key_file", read_after_losing_the_race)
    ours = load_keyring(data_keys_env=None, index_key_env=None, key_file=key_file, create=True)
    assert key_file.read_text() == written
    assert ours.open_text(other_process.seal_text(EMAIL, AAD), AAD) == EMAIL
    assert [p.name for p in tmp_path.iterdir()] == ["keys.json"]


def test_key_file_is_created_0600_despite_a_permissive_umask(tmp_path: Path) -> None:
    previous = os.umask(0)
    try:
        load_keyring(data_keys_env=None, index_key_env=None, key_file=tmp_path / "keys.json", create=True)
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "keys.json").stat().st_mode) == 0o600


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o620])
def test_key_file_readable_by_others_is_refused(tmp_path: Path, mode: int) -> None:
    key_file = tmp_path / "keys.json"
    load_keyring(data_keys_env=None, index_key_env=None, key_file=key_file, create=True)
    key_file.chmod(mode)
    with pytest.raises(KeySourceError, match="chmod 600") as caught:
        load_keyring(data_keys_env=None, index_key_env=None, key_file=key_file, create=True)
    assert str(key_file) in str(caught.value)
    assert f"{mode:04o}" in str(caught.value)


def test_missing_key_file_without_create_is_a_clear_error(tmp_path: Path) -> None:
    key_file = tmp_path / "keys.json"
    with pytest.raises(KeySourceError, match="LIAISON_DATA_KEYS") as caught:
        load_keyring(data_keys_env=None, index_key_env=None, key_file=key_file, create=False)
    assert str(key_file) in str(caught.value)
    assert not key_file.exists()


def write_key_file(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(0o600)


@pytest.mark.parametrize(
    "text",
    [
        "not json " + b64(secret(1)),
        json.dumps({"data_keys": [], "index_key": b64(secret(9))}),
        json.dumps({"data_keys": [{"id": "k1", "key": b64(secret(1))[:-6]}], "index_key": b64(secret(9))}),
        json.dumps({"data_keys": [{"id": "k1", "key": b64(secret(1))}], "index_key": "short"}),
        json.dumps(
            {"data_keys": [{"id": b64(secret(1)), "key": b64(secret(1))}], "index_key": b64(secret(9))}
        ),
    ],
)
def test_broken_key_file_is_named_without_echoing_keys(tmp_path: Path, text: str) -> None:
    key_file = tmp_path / "keys.json"
    write_key_file(key_file, text)
    with pytest.raises(KeySourceError) as caught:
        load_keyring(data_keys_env=None, index_key_env=None, key_file=key_file, create=True)
    assert str(key_file) in str(caught.value)
    assert_no_secret(str(caught.value), secret(1), secret(9))
    assert key_file.read_text() == text  # a broken file is never replaced by new keys


def test_add_key_to_file_rotates(tmp_path: Path) -> None:
    key_file = tmp_path / "keys.json"
    before = load_keyring(data_keys_env=None, index_key_env=None, key_file=key_file, create=True)
    envelope = before.seal_text(EMAIL, AAD)

    new_key = add_key_to_file(key_file)
    assert new_key.key_id == "k2"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    after = load_keyring(data_keys_env=None, index_key_env=None, key_file=key_file, create=False)
    assert after.key_ids == ("k1", "k2")
    assert after.active_key_id == "k2"
    assert after.open_text(envelope, AAD) == EMAIL
    assert after.needs_reseal(envelope)
    assert after.blind_index(EMAIL_PURPOSE, EMAIL) == before.blind_index(EMAIL_PURPOSE, EMAIL)
    assert add_key_to_file(key_file).key_id == "k3"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keys.json"]


def test_add_key_to_file_refuses_a_missing_or_exposed_file(tmp_path: Path) -> None:
    key_file = tmp_path / "keys.json"
    with pytest.raises(KeySourceError, match="does not exist"):
        add_key_to_file(key_file)
    load_keyring(data_keys_env=None, index_key_env=None, key_file=key_file, create=True)
    key_file.chmod(0o644)
    with pytest.raises(KeySourceError, match="chmod 600"):
        add_key_to_file(key_file)


def test_generated_env_values_load() -> None:
    lines = dict(line.split("=", 1) for line in generate_key_file_contents().splitlines())
    keyring = load_keyring(
        data_keys_env=lines["LIAISON_DATA_KEYS"],
        index_key_env=lines["LIAISON_INDEX_KEY"],
        key_file=Path("/nonexistent/keys.json"),
        create=False,
    )
    assert keyring.key_ids == ("k1",)
    assert generate_key_file_contents() != generate_key_file_contents()


# --- nothing secret in repr, str or errors ---------------------------------------------


def test_reprs_and_errors_show_no_secrets(k1: DataKey, index_key: bytes) -> None:
    k2 = DataKey("k2", secret(2))
    keyring = Keyring([k1, k2], index_key)
    envelope = keyring.seal_text(EMAIL, AAD)
    texts = [repr(k1), str(k1), repr(keyring), str(keyring)]
    assert "k1" in repr(k1)
    assert "k2" in repr(keyring)

    errors: list[CryptoError] = []
    for attempt in (
        lambda: keyring.open_text(envelope, field_aad("people", "email", "another-row")),
        lambda: Keyring([k1], index_key).open_text(envelope, AAD),
        lambda: keyring.open_text(envelope[:10], AAD),
        lambda: parse_data_keys(f"k1:{b64(secret(1))[:-2]}"),
        lambda: Keyring([k1, DataKey("k3", secret(1))], index_key),
        lambda: Keyring([k1], secret(1)),
    ):
        with pytest.raises(CryptoError) as caught:
            attempt()
        errors.append(caught.value)
    assert {type(error) for error in errors} >= {DecryptionError, UnknownKeyError, MalformedEnvelopeError}
    texts += [text for error in errors for text in (str(error), repr(error))]

    for text in texts:
        assert_no_secret(text, secret(1), secret(2), index_key)
        assert EMAIL not in text
        assert envelope.hex() not in text
        assert b64(envelope) not in text
        assert repr(envelope) not in text
