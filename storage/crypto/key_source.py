"""Where keys come from: the environment, or a key file made on first run.

Environment: ``LIAISON_DATA_KEYS="k1:<base64>,k2:<base64>"`` (oldest first, the last
is active) and ``LIAISON_INDEX_KEY="<base64>"``, each key 32 bytes in standard or
URL-safe base64, padding optional.

Key file (JSON, mode 0600)::

    {"data_keys": [{"id": "k1", "key": "<base64>"}], "index_key": "<base64>"}

Errors name the variable or file and the entry at fault, never the key material.
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import json
import os
import re
import stat
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from storage.crypto.envelope import CryptoError, is_valid_key_id
from storage.crypto.keyring import KEY_SIZE, DataKey, Keyring, next_key_id

ENV_DATA_KEYS = "LIAISON_DATA_KEYS"
ENV_INDEX_KEY = "LIAISON_INDEX_KEY"

_BASE64 = re.compile(r"[A-Za-z0-9+/_-]+={0,2}")
_FORMAT_HINT = "'k1:<base64 of 32 bytes>,k2:<base64 of 32 bytes>' (oldest first)"


class KeySourceError(CryptoError):
    """The keys could not be loaded; the message names the variable or file and what is expected."""


def _decode_secret(text: str) -> bytes | None:
    """32 bytes from standard or URL-safe base64 (padding optional), or None if it is not that."""
    text = text.strip()
    if not _BASE64.fullmatch(text):
        return None
    standard = text.rstrip("=").translate(str.maketrans("-_", "+/"))
    try:
        secret = base64.b64decode(standard + "=" * (-len(standard) % 4), validate=True)
    except binascii.Error:
        return None
    return secret if len(secret) == KEY_SIZE else None


def _encode_secret(secret: bytes) -> str:
    # URL-safe, so the value needs no quoting in shells, .env files or URLs.
    return base64.urlsafe_b64encode(secret).decode("ascii")


def _data_key(key_id: Any, key_text: Any, *, where: str) -> DataKey:
    """A DataKey from one entry; `where` locates the entry for the error message."""
    if not isinstance(key_id, str) or not is_valid_key_id(key_id):
        # The id is not echoed: a malformed one may be key material pasted in the wrong place.
        raise KeySourceError(f"{where}: the key id must be 1 to 32 characters of A-Z, a-z, 0-9, '_' or '-'")
    secret = _decode_secret(key_text) if isinstance(key_text, str) else None
    if secret is None:
        raise KeySourceError(f"{where} (key {key_id!r}): the key must be base64 of exactly {KEY_SIZE} bytes")
    return DataKey(key_id, secret)


def _check_unique(keys: Sequence[DataKey], source: str) -> None:
    seen: set[str] = set()
    for key in keys:
        if key.key_id in seen:
            raise KeySourceError(f"{source}: key id {key.key_id!r} appears more than once")
        seen.add(key.key_id)


def parse_data_keys(value: str, *, source: str = ENV_DATA_KEYS) -> list[DataKey]:
    """Data keys from "k1:BASE64,k2:BASE64", oldest first (the last is the active key)."""
    if not value.strip():
        raise KeySourceError(f"{source} is empty; expected {_FORMAT_HINT}")
    keys: list[DataKey] = []
    for number, entry in enumerate(value.split(","), start=1):
        key_id, colon, key_text = entry.strip().partition(":")
        if not colon:
            raise KeySourceError(f"{source}: entry {number} is not 'id:key'; expected {_FORMAT_HINT}")
        keys.append(_data_key(key_id, key_text, where=f"{source}: entry {number}"))
    _check_unique(keys, source)
    return keys


def encode_data_keys(keys: Sequence[DataKey]) -> str:
    """The LIAISON_DATA_KEYS value for `keys` (the inverse of `parse_data_keys`)."""
    return ",".join(f"{key.key_id}:{_encode_secret(key.secret)}" for key in keys)


def parse_index_key(value: str, *, source: str = ENV_INDEX_KEY) -> bytes:
    """The blind-index key from base64 of 32 bytes."""
    secret = _decode_secret(value)
    if secret is None:
        raise KeySourceError(f"{source}: expected base64 of exactly {KEY_SIZE} bytes")
    return secret


def encode_index_key(index_key: bytes) -> str:
    """The LIAISON_INDEX_KEY value for `index_key`."""
    return _encode_secret(index_key)


def _keyring(data_keys: Sequence[DataKey], index_key: bytes, source: str) -> Keyring:
    try:
        return Keyring(data_keys, index_key)
    except CryptoError as exc:
        raise KeySourceError(f"{source}: {exc}") from None


def _key_file_json(data_keys: Sequence[DataKey], index_key: bytes) -> str:
    document = {
        "data_keys": [{"id": key.key_id, "key": _encode_secret(key.secret)} for key in data_keys],
        "index_key": _encode_secret(index_key),
    }
    return json.dumps(document, indent=2) + "\n"


def _parse_key_file(text: str, path: Path) -> tuple[list[DataKey], bytes]:
    where = f"key file {path}"
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        # Only the position: the decoder's exception also carries the whole document.
        raise KeySourceError(f"{where} is not valid JSON (line {exc.lineno}, column {exc.colno})") from None
    entries = document.get("data_keys") if isinstance(document, dict) else None
    if not isinstance(entries, list) or not entries:
        raise KeySourceError(
            f'{where}: expected {{"data_keys": [{{"id": "k1", "key": "<base64>"}}], "index_key": "<base64>"}}'
        )
    keys: list[DataKey] = []
    for number, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise KeySourceError(f'{where}: data_keys[{number}] must be {{"id": ..., "key": ...}}')
        keys.append(_data_key(entry.get("id"), entry.get("key"), where=f"{where}: data_keys[{number}]"))
    _check_unique(keys, where)
    index_text = document.get("index_key")
    index_key = _decode_secret(index_text) if isinstance(index_text, str) else None
    if index_key is None:
        raise KeySourceError(f"{where}: index_key must be base64 of exactly {KEY_SIZE} bytes")
    return keys, index_key


def _read_key_file(path: Path) -> tuple[list[DataKey], bytes]:
    """Keys from an existing key file; FileNotFoundError if there is none."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise KeySourceError(f"cannot read key file {path}: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as file:
        # fstat on the open file, so the mode checked is that of the bytes read.
        mode = os.fstat(file.fileno()).st_mode
        if not stat.S_ISREG(mode):
            raise KeySourceError(f"key file {path} is not a regular file")
        if mode & 0o077:
            raise KeySourceError(
                f"key file {path} has mode {stat.S_IMODE(mode):04o}, so other users can read or change it; "
                f"run `chmod 600 {path}` (and rotate the keys if someone else may have copied them)"
            )
        raw = file.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise KeySourceError(f"key file {path} is not UTF-8 text") from None
    return _parse_key_file(text, path)


def _fsync_directory(directory: Path) -> None:
    # Makes the rename or link itself durable; losing it after sealing with a new key loses data.
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_key_file(path: Path, contents: str, *, replace: bool) -> None:
    """Write `contents` to a 0600 temporary file beside `path`, then move it into place.

    With `replace` the old file is atomically replaced; without it the file is linked
    into place, which fails with FileExistsError if another process got there first
    (a rename would silently overwrite that process's freshly made keys).
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            os.fchmod(file.fileno(), 0o600)  # mkstemp already uses 0600; say so rather than rely on it.
            file.write(contents)
            file.flush()
            os.fsync(file.fileno())
        if replace:
            os.replace(temporary, path)
        else:
            os.link(temporary, path)
    finally:
        with suppress(FileNotFoundError):
            os.unlink(temporary)
    _fsync_directory(path.parent)


@contextmanager
def _directory_lock(directory: Path) -> Iterator[None]:
    """Serialise read-modify-write of key files in `directory` between processes.

    The lock is on the directory because the key file itself is replaced by a new
    inode on every rewrite, so a lock on it would not exclude a second writer.
    """
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def load_keyring(
    *, data_keys_env: str | None, index_key_env: str | None, key_file: Path, create: bool
) -> Keyring:
    """The keyring from the environment values if given, otherwise from `key_file`.

    Pass the environment values as read (None when unset); an empty string counts as
    set, so a blank variable is reported instead of silently falling back to a file.
    With `create`, a missing key file is made with one data key "k1" and an index key.
    """
    if data_keys_env is not None or index_key_env is not None:
        if data_keys_env is None:
            raise KeySourceError(f"{ENV_INDEX_KEY} is set but {ENV_DATA_KEYS} is not; set both or neither")
        if index_key_env is None:
            raise KeySourceError(f"{ENV_DATA_KEYS} is set but {ENV_INDEX_KEY} is not; set both or neither")
        return _keyring(
            parse_data_keys(data_keys_env), parse_index_key(index_key_env), f"{ENV_DATA_KEYS}/{ENV_INDEX_KEY}"
        )
    try:
        data_keys, index_key = _read_key_file(key_file)
    except FileNotFoundError:
        if not create:
            raise KeySourceError(
                f"no keys: {ENV_DATA_KEYS} and {ENV_INDEX_KEY} are not set and key file {key_file} does not "
                "exist; set the variables (see `liaison keys generate`) or restore the key file"
            ) from None
        data_keys, index_key = [DataKey.generate("k1")], os.urandom(KEY_SIZE)
        try:
            _write_key_file(key_file, _key_file_json(data_keys, index_key), replace=False)
        except FileExistsError:
            # Another process created it between our read and our link: use its keys.
            data_keys, index_key = _read_key_file(key_file)
        except OSError as exc:
            raise KeySourceError(f"cannot create key file {key_file}: {exc.strerror}") from None
    return _keyring(data_keys, index_key, f"key file {key_file}")


def add_key_to_file(key_file: Path) -> DataKey:
    """Rotation: append a new random data key (the new active key) to `key_file` and return it."""
    try:
        with _directory_lock(key_file.parent):
            try:
                data_keys, index_key = _read_key_file(key_file)
            except FileNotFoundError:
                raise KeySourceError(f"key file {key_file} does not exist; nothing to rotate") from None
            new_key = DataKey.generate(next_key_id([key.key_id for key in data_keys]))
            keys = [*data_keys, new_key]
            _keyring(keys, index_key, f"key file {key_file}")  # same checks as loading, before writing
            _write_key_file(key_file, _key_file_json(keys, index_key), replace=True)
    except OSError as exc:
        raise KeySourceError(f"cannot rewrite key file {key_file}: {exc.strerror}") from None
    return new_key


def generate_key_file_contents() -> str:
    """Fresh keys as environment assignments, for `liaison keys generate` to print.

    The text is also a valid env file (Docker ``--env-file``, systemd ``EnvironmentFile``).
    """
    data_keys = [DataKey.generate("k1")]
    return (
        f"{ENV_DATA_KEYS}={encode_data_keys(data_keys)}\n"
        f"{ENV_INDEX_KEY}={encode_index_key(os.urandom(KEY_SIZE))}\n"
    )
