"""Strict numbers: ASCII digits only, never what int() or Decimal() would refuse or stretch."""
import pytest

from domain.numbers import count_digits, is_digits, whole


@pytest.mark.parametrize("text", ["\u00b2", "\u2460", "\u0663", "\uff11", "1.5", "-1", " 1", "1e9", "", "NaN", None, 12])
def test_anything_but_ascii_digits_is_not_a_number(text):
    assert not is_digits(text) and whole(text) is None


def test_digits_within_their_length_and_range():
    assert is_digits("123456789") and not is_digits("1234567890")
    assert whole("2147483647") == 2**31 - 1 and whole("2147483648") is None
    assert whole("0", low=1) is None and whole("007") == 7 and whole("12", high=10) is None


def test_digits_are_counted_in_ascii_only():
    assert count_digits("电话138²①") == 3
