import random
from datetime import date, timedelta

import pytest

from domain.validation import (
    PROVINCE_CODES,
    IdNumber,
    InvalidIdNumber,
    InvalidPhone,
    id_check_digit,
    is_valid_id_number,
    is_valid_mobile,
    make_id_number,
    normalize_id_number,
    normalize_mobile,
    parse_id_number,
)

# Examples printed in GB 11643-1999 itself.
GB_EXAMPLE_1949 = "11010519491231002X"
GB_EXAMPLE_1880 = "440524188001010014"


def _message(raw, **kw):
    with pytest.raises(InvalidIdNumber) as exc:
        parse_id_number(raw, **kw)
    return str(exc.value)


def test_published_examples_are_valid():
    assert id_check_digit(GB_EXAMPLE_1949[:17]) == "X"
    assert id_check_digit(GB_EXAMPLE_1880[:17]) == "4"
    parsed = parse_id_number(GB_EXAMPLE_1949)
    assert parsed == IdNumber(GB_EXAMPLE_1949, date(1949, 12, 31), "女", "110105")
    old = parse_id_number(GB_EXAMPLE_1880, min_birth_year=1800)
    assert (old.birth_date, old.gender, old.region_code) == (date(1880, 1, 1), "男", "440524")


def test_birth_year_before_1900_is_refused_by_default():
    assert _message(GB_EXAMPLE_1880) == "身份证号中的出生年份早于1900年，请核对"


@pytest.mark.parametrize("example,kw", [(GB_EXAMPLE_1949, {}), (GB_EXAMPLE_1880, {"min_birth_year": 1800})])
def test_changing_any_single_character_invalidates(example, kw):
    for i, original in enumerate(example):
        for replacement in "0123456789X":
            if replacement == original:
                continue
            changed = example[:i] + replacement + example[i + 1:]
            assert not is_valid_id_number(changed, **kw), changed


def test_generated_numbers_round_trip():
    rng = random.Random(20240501)
    provinces = sorted(PROVINCE_CODES)
    for _ in range(2000):
        region = rng.choice(provinces) + f"{rng.randrange(10000):04d}"
        birth = date(1900, 1, 1) + timedelta(days=rng.randrange(45000))
        seq = rng.randrange(1000)
        number = make_id_number(region, birth, seq)
        parsed = parse_id_number(number, today=date(2030, 1, 1))
        assert parsed.birth_date == birth
        assert parsed.region_code == region
        assert parsed.gender == ("男" if seq % 2 else "女")
        # Any other check character must be refused.
        wrong = next(c for c in "0123456789X" if c != number[-1])
        assert _message(number[:17] + wrong) == "身份证号校验位不正确，请核对后重新填写"


def test_leap_days():
    assert parse_id_number(make_id_number("410102", date(2000, 2, 29), 12)).birth_date == date(2000, 2, 29)
    # 1900 and 2100 are not leap years; the check digit is right, the date is not.
    for first8 in ("41010219000229", "41010221000229"):
        first17 = first8 + "123"
        assert _message(first17 + id_check_digit(first17)) == "身份证号中的出生日期不存在，请核对"
    first17 = "41010220230229001"
    assert _message(first17 + id_check_digit(first17)) == "身份证号中的出生日期不存在，请核对"


def test_future_birth_date_only_when_today_given():
    number = make_id_number("410102", date(2030, 5, 1), 1)
    assert is_valid_id_number(number)
    assert _message(number, today=date(2030, 4, 30)) == "身份证号中的出生日期晚于今天，请核对"
    assert is_valid_id_number(number, today=date(2030, 5, 1))


def test_full_width_spaces_and_lower_x_are_normalized():
    full = "１１０１０５ １９４９１２３１ ００２ｘ"
    assert normalize_id_number(full) == GB_EXAMPLE_1949
    assert normalize_id_number(" 11010519491231002x\n") == GB_EXAMPLE_1949
    assert parse_id_number(full).value == GB_EXAMPLE_1949
    assert normalize_id_number(None) == ""


@pytest.mark.parametrize("raw,message", [
    ("", "请填写身份证号"),
    ("   ", "请填写身份证号"),
    ("1101051949123100", "身份证号应为18位，当前为16位"),
    ("110105491231002", "身份证号应为18位，15位旧号码请换用18位新号码"),
    ("1101051949123100X1", "身份证号只能包含数字，最后一位可以是X"),
    ("11010519491231002Y", "身份证号只能包含数字，最后一位可以是X"),
    ("910105194912310021", "身份证号前两位不是有效的省级行政区划代码"),
    ("160105194912310021", "身份证号前两位不是有效的省级行政区划代码"),
    ("110105194913310021", "身份证号中的出生日期不存在，请核对"),
    ("110105194902300021", "身份证号中的出生日期不存在，请核对"),
    ("110105194912310021", "身份证号校验位不正确，请核对后重新填写"),
])
def test_distinct_messages_never_contain_the_number(raw, message):
    got = _message(raw)
    assert got == message
    digits = normalize_id_number(raw)
    if len(digits) >= 6:
        assert digits not in got


def test_province_codes():
    for code in ("11", "15", "21", "23", "31", "37", "41", "46", "50", "54", "61", "65", "71", "81", "82"):
        assert code in PROVINCE_CODES
    for code in ("10", "16", "20", "24", "30", "38", "47", "49", "55", "60", "66", "70", "80", "91", "99"):
        assert code not in PROVINCE_CODES
    assert len(PROVINCE_CODES) == 31 + 4


def test_make_id_number_rejects_bad_parts():
    with pytest.raises(ValueError):
        make_id_number("11010", date(1990, 1, 1), 1)
    with pytest.raises(ValueError):
        make_id_number("110105", date(1990, 1, 1), 1000)
    with pytest.raises(InvalidIdNumber):
        id_check_digit("1101051949123100")


@pytest.mark.parametrize("raw,expected", [
    ("13812345678", "13812345678"),
    ("138 1234 5678", "13812345678"),
    ("138-1234-5678", "13812345678"),
    ("+86 138 1234 5678", "13812345678"),
    ("8613812345678", "13812345678"),
    ("0086-13812345678", "13812345678"),
    ("１３８１２３４５６７８", "13812345678"),
    ("19912345678", "19912345678"),
])
def test_mobile_normalization(raw, expected):
    assert normalize_mobile(raw) == expected
    assert is_valid_mobile(raw)


@pytest.mark.parametrize("raw,message", [
    ("", "请填写手机号"),
    (None, "请填写手机号"),
    ("138123456a8", "手机号只能包含数字"),
    ("1381234567", "手机号应为11位数字，以1开头"),
    ("138123456789", "手机号应为11位数字，以1开头"),
    ("23812345678", "手机号应为11位数字，以1开头"),
    ("07738822479", "手机号应为11位数字，以1开头"),
    ("12812345678", "手机号第二位应为3至9，请核对后重新填写"),
])
def test_mobile_errors(raw, message):
    with pytest.raises(InvalidPhone) as exc:
        normalize_mobile(raw)
    assert str(exc.value) == message
    assert not is_valid_mobile(raw)


def test_age_on():
    person = parse_id_number(make_id_number("410102", date(2000, 2, 29), 5))
    assert person.age_on(date(2018, 2, 28)) == 17
    assert person.age_on(date(2018, 3, 1)) == 18
    assert person.gender == "男"
