"""What makes a staff password acceptable, and when it is too old.

GB/T 22239-2019 (等保 2.0), 安全计算环境 · 身份鉴别, level 2 (7.1.4.1) and level 3 (8.1.4.1):

    a) 应对登录的用户进行身份标识和鉴别，身份标识具有唯一性，身份鉴别信息具有复杂度要求并定期更换；

The complexity rule used here is the one assessors usually check for that clause: at least
8 characters, drawn from at least 3 of the 4 classes (lower-case letters, upper-case letters,
digits, other characters), not containing the login name, and not one of the passwords that
guessing lists try first (``domain.common_passwords``). "定期更换" is a maximum age in days,
which a deployment sets (0: no maximum).
"""
from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta

from domain.common_passwords import COMMON_PASSWORDS

MIN_LENGTH = 8
MAX_LENGTH = 128
MIN_CLASSES = 3
# A login name shorter than this is not looked for inside the password (a 2-letter name such
# as "li" would forbid every password containing those letters); Windows uses the same floor.
MIN_NAME_CHECKED = 3

CLASSES = ("小写字母", "大写字母", "数字", "符号")


def character_classes(password: str) -> set[str]:
    """Which of the four classes the password draws on. Only ASCII letters and digits count
    as letters and digits; everything else (punctuation, spaces, Chinese characters) is 符号."""
    found = set()
    for char in password:
        if "a" <= char <= "z":
            found.add(CLASSES[0])
        elif "A" <= char <= "Z":
            found.add(CLASSES[1])
        elif "0" <= char <= "9":
            found.add(CLASSES[2])
        else:
            found.add(CLASSES[3])
    return found


def _unusable(char: str) -> bool:
    # Control characters cannot be typed on a phone; a lone surrogate cannot even be stored.
    return unicodedata.category(char) in ("Cc", "Cs")


def is_common(password: str) -> bool:
    return password.lower() in COMMON_PASSWORDS


def password_problems(password: str, username: str = "") -> list[str]:
    """Every reason the password is refused, in Chinese (empty when it is acceptable).

    The messages describe the rule and never repeat the password."""
    password = password or ""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"密码至少{MIN_LENGTH}位")
    elif len(password) > MAX_LENGTH:
        problems.append(f"密码不超过{MAX_LENGTH}位")
    if any(_unusable(c) for c in password):
        problems.append("密码不能包含控制字符或无法识别的字符")
    if len(character_classes(password)) < MIN_CLASSES:
        problems.append(f"密码须包含{'、'.join(CLASSES)}中的至少{MIN_CLASSES}类")
    name = (username or "").strip().lower()
    if len(name) >= MIN_NAME_CHECKED and name in password.lower():
        problems.append("密码不能包含用户名")
    if is_common(password):
        problems.append("这个密码太常见，容易被猜到，请换一个")
    return problems


def password_expired(changed_at: datetime | None, now: datetime, max_days: int) -> bool:
    """定期更换: a password older than ``max_days`` must be changed (``max_days`` 0: never).
    A password of unknown age (``changed_at`` None) is not judged old."""
    if max_days <= 0 or changed_at is None:
        return False
    return now - changed_at >= timedelta(days=max_days)
