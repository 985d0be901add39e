"""The password rule, from GB/T 22239-2019 (等保 2.0) 安全计算环境 · 身份鉴别 a), levels 2 and 3
(7.1.4.1 / 8.1.4.1): "身份鉴别信息具有复杂度要求并定期更换" — at least 8 characters, 3 of the 4
classes, not the login name, not a common password; and a maximum age a deployment sets."""
from datetime import datetime, timedelta, timezone

import pytest

from domain.common_passwords import COMMON_PASSWORDS
from domain.passwords import character_classes, password_expired, password_problems

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("password", [
    "correct-horse-9",      # lower, symbol, digit
    "Qingshan2026",         # upper, lower, digit
    "QINGSHAN-2026",        # upper, symbol, digit
    "青山村2026ab",           # Chinese characters count as 符号
    "a" * 100 + "B1",       # long is fine
    "Tr0ub4dor&3",
])
def test_acceptable_passwords(password):
    assert password_problems(password, "village_a") == []


def test_what_was_observed_is_refused():
    # The issue: "any 8 characters pass (12345678, eight spaces)".
    assert password_problems("12345678")
    assert password_problems(" " * 8)


@pytest.mark.parametrize("password, expected", [
    ("Ab1-", "密码至少8位"),
    ("abcdefgh", "至少3类"),              # one class
    ("abcd1234", "至少3类"),              # two classes
    ("ABCD-EFGH", "至少3类"),
    ("        ", "至少3类"),              # spaces are one class
    ("x" * 129 + "A1", "密码不超过128位"),
])
def test_length_and_classes(password, expected):
    problems = password_problems(password)
    assert any(expected in p for p in problems), problems


def test_only_ascii_letters_and_digits_count_as_letters_and_digits():
    # Full-width digits and superscripts are not 数字; they are other characters.
    assert character_classes("ａ１²") == {"符号"}
    assert character_classes("aA1!") == {"小写字母", "大写字母", "数字", "符号"}


@pytest.mark.parametrize("password", ["Village_a-99", "xxVILLAGE_A1!", "1!village_a"])
def test_the_login_name_may_not_be_inside(password):
    assert "密码不能包含用户名" in password_problems(password, "village_a")


def test_a_very_short_login_name_is_not_looked_for():
    # "li" would otherwise forbid every password containing those two letters.
    assert password_problems("Reliable-2026", "li") == []
    assert "密码不能包含用户名" in password_problems("Zhangli-2026", "zhangli")


@pytest.mark.parametrize("password", ["Admin@123", "P@ssw0rd", "1qaz@WSX", "Huawei@123",
                                      "Qwer1234!", "Aa123456", "PASSWORD1!".lower().capitalize()])
def test_common_passwords_are_refused_whatever_their_case(password):
    assert "这个密码太常见，容易被猜到，请换一个" in password_problems(password)


def test_the_common_list_is_kept_in_lower_case():
    assert COMMON_PASSWORDS and all(p == p.lower() for p in COMMON_PASSWORDS)


def test_control_characters_and_lone_surrogates_are_refused_without_error():
    assert "密码不能包含控制字符或无法识别的字符" in password_problems("Abc-1234\x07")
    assert "密码不能包含控制字符或无法识别的字符" in password_problems("Abc-1234\ud800")


def test_messages_never_repeat_the_password():
    secret = "Zz9-Admin@123"
    for problem in password_problems(secret, "admin"):
        assert secret not in problem and "Admin@123" not in problem


def test_every_reason_is_given_at_once():
    problems = password_problems("village", "village")
    assert {"密码至少8位", "密码不能包含用户名"} <= set(problems)
    assert any("至少3类" in p for p in problems)


def test_maximum_age_定期更换():
    assert not password_expired(NOW - timedelta(days=400), NOW, 0)  # 0: no maximum
    assert not password_expired(NOW - timedelta(days=89), NOW, 90)
    assert password_expired(NOW - timedelta(days=90), NOW, 90)
    assert not password_expired(None, NOW, 90)
