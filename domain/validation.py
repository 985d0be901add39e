"""Checks for the identity data collected on every household member (DOMAIN: households and people).

ID numbers follow GB 11643-1999 (公民身份号码): 6-digit region code, 8-digit birth date, 3-digit
sequence (odd for men, even for women) and a mod-11 check digit. Phone numbers are mainland
mobile numbers, the contact the grid worker calls when the family is away (seed 004).

Error messages never repeat the number itself: they end up in logs and on screens (PIPL).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"

# First two digits of GB/T 2260 province-level codes used in ID numbers: the 31 mainland
# provinces, 71 for Taiwan, and 81/82/83 used by residence permits of Hong Kong, Macau and
# Taiwan residents (港澳台居民居住证, 2018). 91 and other codes never appear on ID cards.
PROVINCE_CODES: frozenset[str] = frozenset(
    [str(c) for c in range(11, 16)]
    + [str(c) for c in range(21, 24)]
    + [str(c) for c in range(31, 38)]
    + [str(c) for c in range(41, 47)]
    + [str(c) for c in range(50, 55)]
    + [str(c) for c in range(61, 66)]
    + ["71", "81", "82", "83"]
)

# Nobody alive and registered in a village was born before 1900; such a date is a typo.
# GB 11643's own example uses 1880, so callers (and tests) may lower the floor.
MIN_BIRTH_YEAR = 1900


class InvalidIdNumber(ValueError):
    """An ID number that fails validation; the message is Chinese and safe to show."""


class InvalidPhone(ValueError):
    """A phone number that is not a mainland mobile number; the message is Chinese."""


@dataclass(frozen=True)
class IdNumber:
    value: str
    birth_date: date
    gender: str  # "男" or "女"
    region_code: str

    def age_on(self, on: date) -> int:
        """Full years of age on ``on``."""
        years = on.year - self.birth_date.year
        if (on.month, on.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years


# Full-width ASCII forms (U+FF01–U+FF5E) and the ideographic space, as Chinese input methods type
# them, mapped to their ASCII twins.
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def fold_full_width(text: str) -> str:
    """Full-width digits, letters and signs as ASCII; every other character unchanged. Unlike
    NFKC, a superscript or circled digit (², ①) stays what it is and is refused where a digit is
    wanted, instead of silently becoming one ("5000²" is not 50002)."""
    return text.translate(_FULL_WIDTH)


def normalize_id_number(raw: str) -> str:
    """Remove all whitespace, fold full-width characters to ASCII and upper-case the final x."""
    if raw is None:
        return ""
    return "".join(fold_full_width(str(raw)).split()).upper()


def id_check_digit(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise InvalidIdNumber("身份证号前17位应为数字")
    total = sum(int(ch) * w for ch, w in zip(first17, _WEIGHTS))
    return _CHECK_CHARS[total % 11]


def parse_id_number(raw: str, today: date | None = None, *, min_birth_year: int = MIN_BIRTH_YEAR) -> IdNumber:
    """Validate and decompose an ID number; raise ``InvalidIdNumber`` naming what is wrong.

    Checks run from the most basic to the most specific so the message points at the first
    thing the person should fix.
    """
    value = normalize_id_number(raw)
    if not value:
        raise InvalidIdNumber("请填写身份证号")
    if len(value) != 18:
        if len(value) == 15 and value.isdigit():
            raise InvalidIdNumber("身份证号应为18位，15位旧号码请换用18位新号码")
        raise InvalidIdNumber(f"身份证号应为18位，当前为{len(value)}位")
    if not re.fullmatch(r"[0-9]{17}[0-9X]", value):
        raise InvalidIdNumber("身份证号只能包含数字，最后一位可以是X")
    if value[:2] not in PROVINCE_CODES:
        raise InvalidIdNumber("身份证号前两位不是有效的省级行政区划代码")
    birth = _birth_date(value[6:14])
    if birth.year < min_birth_year:
        raise InvalidIdNumber(f"身份证号中的出生年份早于{min_birth_year}年，请核对")
    if today is not None and birth > today:
        raise InvalidIdNumber("身份证号中的出生日期晚于今天，请核对")
    if id_check_digit(value[:17]) != value[17]:
        raise InvalidIdNumber("身份证号校验位不正确，请核对后重新填写")
    gender = "男" if int(value[16]) % 2 == 1 else "女"
    return IdNumber(value=value, birth_date=birth, gender=gender, region_code=value[:6])


def _birth_date(yyyymmdd: str) -> date:
    try:
        # date() rejects 30 Feb, 29 Feb in non-leap years, month 13 and so on.
        return date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        raise InvalidIdNumber("身份证号中的出生日期不存在，请核对") from None


def is_valid_id_number(raw: str, today: date | None = None, *, min_birth_year: int = MIN_BIRTH_YEAR) -> bool:
    try:
        parse_id_number(raw, today, min_birth_year=min_birth_year)
    except InvalidIdNumber:
        return False
    return True


def make_id_number(region_code6: str, birth: date, seq3: int) -> str:
    """Build a well-formed ID number (for fictitious demo and test data only)."""
    if len(region_code6) != 6 or not region_code6.isascii() or not region_code6.isdigit():
        raise ValueError("行政区划代码应为6位数字")
    if not 0 <= seq3 <= 999:
        raise ValueError("顺序码应在0到999之间")
    first17 = f"{region_code6}{birth:%Y%m%d}{seq3:03d}"
    if len(first17) != 17:  # years before 1000 would not fit the 8-digit date
        raise ValueError("出生日期超出身份证号可表示的范围")
    return first17 + id_check_digit(first17)


_MOBILE = re.compile(r"1[3-9][0-9]{9}")


def normalize_mobile(raw: str) -> str:
    """Return the 11 digits of a mainland mobile number; raise ``InvalidPhone`` otherwise.

    Accepts spaces, dashes, full-width digits and a +86 / 86 / 0086 country prefix, which
    is how numbers get copied from WeChat and contact cards.
    """
    text = fold_full_width("" if raw is None else str(raw))
    text = re.sub(r"[\s\-]", "", text)
    if not text:
        raise InvalidPhone("请填写手机号")
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("0086"):
        text = text[4:]
    elif text.startswith("86") and len(text) == 13:
        text = text[2:]
    if not (text.isascii() and text.isdigit()):
        raise InvalidPhone("手机号只能包含数字")
    if len(text) != 11 or not text.startswith("1"):
        raise InvalidPhone("手机号应为11位数字，以1开头")
    if not _MOBILE.fullmatch(text):
        raise InvalidPhone("手机号第二位应为3至9，请核对后重新填写")
    return text


def is_valid_mobile(raw: str) -> bool:
    try:
        normalize_mobile(raw)
    except InvalidPhone:
        return False
    return True
