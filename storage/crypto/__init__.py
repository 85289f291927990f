"""Field encryption: AES-256-GCM envelopes under rotatable keys, and keyed blind indexes.

Import from here or from the submodules; nothing is set up at import time.
"""

from storage.crypto.blind_index import (
    EMAIL_PURPOSE,
    PHONE_PURPOSE,
    TEXT_PURPOSE,
    normalise_email,
    normalise_phone,
    normalise_text,
)
from storage.crypto.envelope import ENVELOPE_VERSION, key_id_of, pack, unpack
from storage.crypto.key_source import (
    ENV_DATA_KEYS,
    ENV_INDEX_KEY,
    KeySourceError,
    add_key_to_file,
    encode_data_keys,
    encode_index_key,
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

__all__ = [
    "EMAIL_PURPOSE",
    "ENVELOPE_VERSION",
    "ENV_DATA_KEYS",
    "ENV_INDEX_KEY",
    "PHONE_PURPOSE",
    "TEXT_PURPOSE",
    "CryptoError",
    "DataKey",
    "DecryptionError",
    "KeySourceError",
    "Keyring",
    "MalformedEnvelopeError",
    "UnknownKeyError",
    "add_key_to_file",
    "encode_data_keys",
    "encode_index_key",
    "field_aad",
    "generate_key_file_contents",
    "key_id_of",
    "load_keyring",
    "normalise_email",
    "normalise_phone",
    "normalise_text",
    "pack",
    "parse_data_keys",
    "parse_index_key",
    "unpack",
]
