"""Field encryption: round trip, fresh nonces, tamper detection, purpose binding, blind index properties."""

from __future__ import annotations

import base64

import pytest
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from canlian.common import crypto

OTHER_KEY = base64.b64encode(b"k" * 32).decode()


@given(st.text(max_size=64))
def test_round_trip(value: str) -> None:
    assert crypto.decrypt(crypto.encrypt(value, purpose="id_number"), purpose="id_number") == value


def test_layout_is_nonce_then_ciphertext_and_tag() -> None:
    blob = crypto.encrypt("340302198001010012", purpose="id_number")
    assert len(blob) == crypto.NONCE_BYTES + len("340302198001010012") + crypto.TAG_BYTES
    assert b"340302198001010012" not in blob


def test_each_encryption_uses_a_new_nonce() -> None:
    a = crypto.encrypt("340302198001010012", purpose="id_number")
    b = crypto.encrypt("340302198001010012", purpose="id_number")
    assert a[: crypto.NONCE_BYTES] != b[: crypto.NONCE_BYTES]
    assert a != b


@pytest.mark.parametrize("position", [0, 5, 12, 20, -1])
def test_any_changed_byte_is_detected(position: int) -> None:
    blob = bytearray(crypto.encrypt("340302198001010012", purpose="id_number"))
    blob[position] ^= 0x01
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(bytes(blob), purpose="id_number")


def test_truncated_ciphertext_is_refused() -> None:
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(b"short", purpose="id_number")


def test_ciphertext_is_bound_to_its_purpose() -> None:
    blob = crypto.encrypt("6222021234567890123", purpose="bank_account")
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(blob, purpose="id_number")


def test_another_key_cannot_decrypt() -> None:
    blob = crypto.encrypt("340302198001010012", purpose="id_number")
    with override_settings(CANLIAN_DATA_KEY=OTHER_KEY), pytest.raises(crypto.DecryptionError):
        crypto.decrypt(blob, purpose="id_number")


def test_blind_index_is_deterministic_keyed_and_per_purpose() -> None:
    a = crypto.blind_index("340302198001010012", purpose="id_number")
    assert a == crypto.blind_index("340302198001010012", purpose="id_number")
    assert len(a) == 64 and int(a, 16) >= 0
    assert a != crypto.blind_index("340302198001010013", purpose="id_number")
    assert a != crypto.blind_index("340302198001010012", purpose="bank_account")
    with override_settings(CANLIAN_DATA_KEY=OTHER_KEY):
        assert a != crypto.blind_index("340302198001010012", purpose="id_number")


def test_bad_keys_and_purposes_are_refused() -> None:
    with override_settings(CANLIAN_DATA_KEY=base64.b64encode(b"short").decode()), pytest.raises(crypto.DataKeyError):
        crypto.encrypt("x", purpose="id_number")
    with override_settings(CANLIAN_DATA_KEY="not base64!"), pytest.raises(crypto.DataKeyError):
        crypto.encrypt("x", purpose="id_number")
    with pytest.raises(ValueError, match="purpose"):
        crypto.encrypt("x", purpose="phone")


def test_masking() -> None:
    from canlian.common.masking import bank_account_digits, mask_bank_account, mask_id_number

    assert mask_id_number("34030219800101123X") == "340302********123X"
    assert mask_bank_account("6222021234567891234") == "6222 **** **** 1234"
    assert bank_account_digits("6222 0212-3456 ７８９") == "622202123456789"


@given(st.text(max_size=64))
def test_the_per_row_forms_agree_with_encrypt_and_blind_index(value: str) -> None:
    """encryptor/blind_indexer (keys looked up once, for imports) give what encrypt/blind_index give."""
    blob = crypto.encryptor("id_number")(value)
    assert crypto.decrypt(blob, purpose="id_number") == value
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(blob, purpose="bank_account")
    assert crypto.blind_indexer("id_number")(value) == crypto.blind_index(value, purpose="id_number")
    assert crypto.blind_indexer("bank_account")(value) == crypto.blind_index(value, purpose="bank_account")


def test_the_per_row_forms_refuse_an_unknown_purpose() -> None:
    with pytest.raises(ValueError, match="unknown encryption purpose"):
        crypto.encryptor("nothing")
    with pytest.raises(ValueError, match="unknown encryption purpose"):
        crypto.blind_indexer("nothing")
