"""Locking an account after wrong passwords, from GB/T 22239-2019 (等保 2.0) 安全计算环境 ·
身份鉴别 b), levels 2 and 3 (7.1.4.1 / 8.1.4.1): "应具有登录失败处理功能，应配置并启用结束会话、
限制非法登录次数和当登录连接超时自动退出等相关措施" — here: 5 wrong passwords in a row lock the
account for 30 minutes (the issue "Security, privacy and hostile input", point 3)."""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from domain.lockout import (CLEAR, LockoutPolicy, LoginState, after_failure, after_success, is_locked,
                            just_locked, lock_message, seconds_left)

POLICY = LockoutPolicy(max_failures=5, lock_minutes=30)
T0 = datetime(2026, 11, 20, 1, 0, tzinfo=timezone.utc)  # 09:00 in Beijing
BEIJING = ZoneInfo("Asia/Shanghai")


def fail(times: int, state: LoginState = CLEAR, at: datetime = T0) -> LoginState:
    for _ in range(times):
        state = after_failure(state, at, POLICY)
    return state


def test_four_failures_do_not_lock():
    state = fail(4)
    assert state == LoginState(4, None)
    assert not is_locked(state, T0)


def test_the_fifth_locks_for_thirty_minutes():
    before = fail(4)
    after = after_failure(before, T0, POLICY)
    assert after.locked_until == T0 + timedelta(minutes=30)
    assert just_locked(before, after)
    assert is_locked(after, T0 + timedelta(minutes=29, seconds=59))
    assert not is_locked(after, T0 + timedelta(minutes=30))


def test_tries_during_the_lock_neither_count_nor_lengthen_it():
    locked = fail(5)
    later = after_failure(locked, T0 + timedelta(minutes=10), POLICY)
    assert later == locked
    assert not just_locked(locked, later)


def test_after_the_lock_runs_out_the_count_starts_again():
    locked = fail(5)
    after = after_failure(locked, T0 + timedelta(minutes=31), POLICY)
    assert after == LoginState(1, None)
    assert not is_locked(after, T0 + timedelta(minutes=31))


def test_a_success_clears_the_count():
    assert after_success(fail(4)) == CLEAR
    assert fail(4, after_success(fail(4))) == LoginState(4, None)  # four more still do not lock


def test_the_rule_follows_the_policy():
    strict = LockoutPolicy(max_failures=3, lock_minutes=60)
    state = CLEAR
    for _ in range(3):
        state = after_failure(state, T0, strict)
    assert state.locked_until == T0 + timedelta(hours=1)


def test_retry_after_is_whole_seconds_and_at_least_one():
    until = T0 + timedelta(minutes=30)
    assert seconds_left(until, T0) == 1800
    assert seconds_left(until, T0 + timedelta(seconds=1799, microseconds=1)) == 1
    assert seconds_left(until, until + timedelta(seconds=5)) == 1


def test_the_message_says_when_in_beijing_time_rounded_up():
    now = T0.astimezone(BEIJING)
    until = (T0 + timedelta(minutes=30, seconds=20)).astimezone(BEIJING)
    message = lock_message(until, now)
    assert "09:31" in message and "锁定" in message and "管理员" in message


def test_the_message_names_the_day_across_midnight():
    now = datetime(2026, 11, 20, 23, 50, tzinfo=BEIJING)
    assert "11月21日 00:20" in lock_message(now + timedelta(minutes=30), now)
