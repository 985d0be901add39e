import pytest

from domain.masking import mask_id_number, mask_name, mask_phone


@pytest.mark.parametrize("raw,expected", [
    ("110101199003071234", "110101********1234"),
    ("11010519491231002X", "110105********002X"),
    (" 110101199003071234 ", "110101********1234"),
    ("110101900307123", "110101*****7123"),  # old 15-digit number
    ("1101019003", "**********"),
    ("123", "***"),
    ("", ""),
    (None, ""),
])
def test_mask_id_number(raw, expected):
    assert mask_id_number(raw) == expected


@pytest.mark.parametrize("raw,expected", [
    ("13812345678", "138****5678"),
    ("1381234", "*******"),
    ("", ""),
    (None, ""),
])
def test_mask_phone(raw, expected):
    assert mask_phone(raw) == expected


@pytest.mark.parametrize("raw,expected", [
    ("张三丰", "张*丰"),
    ("张三", "张*"),
    ("欧阳娜娜", "欧**娜"),
    ("张", "*"),
    (" 李四 ", "李*"),
    ("", ""),
    (None, ""),
])
def test_mask_name(raw, expected):
    assert mask_name(raw) == expected


@pytest.mark.parametrize("fn", [mask_id_number, mask_phone, mask_name])
def test_never_returns_the_raw_value(fn):
    for raw in ("1", "12", "张", "13812345678", "110101199003071234", "abcdefg"):
        assert fn(raw) != raw
