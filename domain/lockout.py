"""Locking an account after wrong passwords in a row.

GB/T 22239-2019 (等保 2.0), 安全计算环境 · 身份鉴别, level 2 (7.1.4.1) and level 3 (8.1.4.1):

    b) 应具有登录失败处理功能，应配置并启用结束会话、限制非法登录次数和当登录连接超时自动退出等相关措施；

"限制非法登录次数" is this rule: after ``max_failures`` wrong passwords in a row the account is
locked for ``lock_minutes``; while it is locked no password opens it, not even the right one,
and tries during the lock neither count nor lengthen it. A successful login, the lock running
out, or an administrator's unlock starts the count again. ("结束会话" and "超时自动退出" are the
idle lock and the session's absolute lifetime, in portal/session.py.)

Plain functions: the time is always passed in.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class LockoutPolicy:
    max_failures: int = 5
    lock_minutes: int = 30


@dataclass(frozen=True)
class LoginState:
    """What an account remembers between tries: wrong passwords in a row, and the lock."""

    failures: int = 0
    locked_until: datetime | None = None


CLEAR = LoginState()


def is_locked(state: LoginState, now: datetime) -> bool:
    return state.locked_until is not None and now < state.locked_until


def after_failure(state: LoginState, now: datetime, policy: LockoutPolicy) -> LoginState:
    """The state after one more wrong password (not to be called while the account is locked)."""
    if is_locked(state, now):
        return state
    # A lock that has run out starts a new count.
    failures = 1 if state.locked_until is not None else state.failures + 1
    if failures >= policy.max_failures:
        return LoginState(failures, now + timedelta(minutes=policy.lock_minutes))
    return LoginState(failures, None)


def after_success(state: LoginState) -> LoginState:
    return CLEAR


def just_locked(before: LoginState, after: LoginState) -> bool:
    """Did this failure lock the account (the moment worth an audit entry)?"""
    return after.locked_until is not None and after.locked_until != before.locked_until


def seconds_left(locked_until: datetime, now: datetime) -> int:
    """For ``Retry-After``: whole seconds until the lock ends, at least 1."""
    return max(1, math.ceil((locked_until - now).total_seconds()))


def lock_message(unlock_at_local: datetime, now_local: datetime) -> str:
    """The refusal, saying when to try again (both times in the users' own zone). The same
    words whether or not the account exists. The minute shown is rounded up, so trying again
    at that minute always succeeds."""
    if unlock_at_local.second or unlock_at_local.microsecond:
        unlock_at_local = unlock_at_local.replace(second=0, microsecond=0) + timedelta(minutes=1)
    if unlock_at_local.date() == now_local.date():
        when = unlock_at_local.strftime("%H:%M")
    else:
        when = f"{unlock_at_local.month}月{unlock_at_local.day}日 {unlock_at_local.strftime('%H:%M')}"
    return f"密码错误次数过多，账号已暂时锁定，请在 {when} 以后再试，或请管理员解锁"
