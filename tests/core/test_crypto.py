import os

import pytest

from core.crypto import DataProtector, DecryptionError

ID = "110105194912310021"


@pytest.fixture
def protector():
    return DataProtector(b"k" * 32)


def test_round_trip_and_ciphertext_hides_value(protector):
    token = protector.encrypt(ID, "member.id_number")
    assert ID not in token
    assert protector.decrypt(token, "member.id_number") == ID


def test_same_value_encrypts_differently_each_time(protector):
    assert protector.encrypt(ID, "p") != protector.encrypt(ID, "p")


def test_ciphertext_is_bound_to_its_purpose(protector):
    token = protector.encrypt(ID, "member.id_number")
    with pytest.raises(DecryptionError) as info:
        protector.decrypt(token, "member.phone")
    assert ID not in str(info.value)


def test_tampering_is_detected(protector):
    token = protector.encrypt(ID, "p")
    head, body = token.split(".")
    flipped = body[:-6] + ("A" if body[-6] != "A" else "B") + body[-5:]
    with pytest.raises(DecryptionError):
        protector.decrypt(f"{head}.{flipped}", "p")


def test_other_key_cannot_decrypt(protector):
    token = protector.encrypt(ID, "p")
    with pytest.raises(DecryptionError):
        DataProtector(os.urandom(32)).decrypt(token, "p")


def test_blind_index_is_stable_keyed_and_purpose_separated(protector):
    a = protector.blind_index(ID, "id_number")
    assert a == protector.blind_index(ID, "id_number")
    assert a != protector.blind_index(ID, "phone")
    assert a != DataProtector(b"j" * 32).blind_index(ID, "id_number")
    assert ID not in a and len(a) == 64


def test_master_key_must_be_32_bytes():
    with pytest.raises(ValueError):
        DataProtector(b"short")
