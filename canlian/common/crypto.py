"""Field encryption and blind indexes for ID and bank account numbers (PIPL Art. 51; design rule 10).

A sensitive number is stored twice, and never in clear:

* ``encrypt(value, purpose=...)``: AES-256-GCM under the key ``base64decode(settings.CANLIAN_DATA_KEY)``
  with a fresh random 96-bit nonce per value; the stored bytes are ``nonce (12) + ciphertext + tag (16)``.
  The purpose ("id_number", "bank_account") is bound as associated data, so a ciphertext copied from one
  column into another does not decrypt. A changed byte anywhere fails the tag check (``DecryptionError``).
* ``blind_index(value, purpose=...)``: HMAC-SHA256 of the value under a key derived from the same secret
  with HKDF-SHA256 (one derived key per purpose), as 64 hex characters. Equal numbers give equal hashes,
  so a number is found (and kept unique) by an indexed equality lookup without decrypting anything; the
  hash cannot be reversed by enumerating ID numbers without the secret.

Values are canonicalised by the callers (``parse_id_number(...).number``, digits of a bank account) before
they reach these functions: the blind index of two spellings of the same number must be equal.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import os
from collections.abc import Callable
from functools import lru_cache
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

NONCE_BYTES: Final = 12
TAG_BYTES: Final = 16
PURPOSES: Final = frozenset({"id_number", "bank_account"})


class DecryptionError(ValueError):
    """The stored bytes are not a ciphertext of this key and purpose (tampered, truncated or wrong key)."""


class DataKeyError(ValueError):
    """CANLIAN_DATA_KEY is not base64 of exactly 32 bytes."""


@lru_cache(maxsize=4)
def _keys(secret: str) -> tuple[AESGCM, dict[str, bytes]]:
    """The AES-GCM cipher and the per-purpose HMAC keys for one secret (cached: HKDF once per process)."""
    try:
        key = base64.b64decode(secret, validate=True)
    except (binascii.Error, ValueError) as error:
        raise DataKeyError("CANLIAN_DATA_KEY is not valid base64") from error
    if len(key) != 32:
        raise DataKeyError("CANLIAN_DATA_KEY must decode to 32 bytes (AES-256)")
    index_keys = {
        purpose: HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=f"canlian-blind-index:{purpose}".encode()
        ).derive(key)
        for purpose in PURPOSES
    }
    return AESGCM(key), index_keys


def _check(purpose: str) -> None:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown encryption purpose {purpose!r}")


def encrypt(value: str, *, purpose: str) -> bytes:
    """AES-GCM ciphertext of `value` as nonce + ciphertext + tag; a new random nonce every call."""
    _check(purpose)
    cipher, _ = _keys(settings.CANLIAN_DATA_KEY)
    nonce = os.urandom(NONCE_BYTES)
    return nonce + cipher.encrypt(nonce, value.encode(), purpose.encode())


def decrypt(blob: bytes | memoryview, *, purpose: str) -> str:
    """The plain value of `encrypt(value, purpose=purpose)`; DecryptionError if anything does not match."""
    _check(purpose)
    data = bytes(blob)
    if len(data) < NONCE_BYTES + TAG_BYTES:
        raise DecryptionError("ciphertext too short")
    cipher, _ = _keys(settings.CANLIAN_DATA_KEY)
    try:
        return cipher.decrypt(data[:NONCE_BYTES], data[NONCE_BYTES:], purpose.encode()).decode()
    except InvalidTag as error:
        raise DecryptionError("ciphertext does not authenticate: tampered, or encrypted under another key") from error


def blind_index(value: str, *, purpose: str) -> str:
    """Keyed hash (HMAC-SHA256, hex) of a canonical value, for exact-match lookups and uniqueness."""
    _check(purpose)
    _, index_keys = _keys(settings.CANLIAN_DATA_KEY)
    return hmac.digest(index_keys[purpose], value.encode(), "sha256").hex()  # one-shot: hmac.new(…).hexdigest()


def encryptor(purpose: str) -> Callable[[str], bytes]:
    """`encrypt(…, purpose=purpose)` with the key looked up once: for imports that encrypt a value per row."""
    _check(purpose)
    cipher, _ = _keys(settings.CANLIAN_DATA_KEY)
    associated, urandom = purpose.encode(), os.urandom

    def encrypt_one(value: str) -> bytes:
        nonce = urandom(NONCE_BYTES)
        return nonce + cipher.encrypt(nonce, value.encode(), associated)

    return encrypt_one


def blind_indexer(purpose: str) -> Callable[[str], str]:
    """`blind_index(…, purpose=purpose)` with the key looked up once: for imports that hash a value per row."""
    _check(purpose)
    _, index_keys = _keys(settings.CANLIAN_DATA_KEY)
    key, digest = index_keys[purpose], hmac.digest
    return lambda value: digest(key, value.encode(), "sha256").hex()
