"""Login for the mini program: a bearer token for a working day; logout ends every session of
the account; changing a password someone else chose comes first."""
from __future__ import annotations

from flask import Response, jsonify
from flask_login import login_user, logout_user

from api import adapters, schemas
from api.auth import used_token
from api.errors import ApiError
from api.fields import shared
from api.registry import Answer, RateLimit, api
from core import ratelimit
from core.unit_of_work import keep_on_refusal
from services.accounts import tokens, users
from services.errors import ValidationFailed

TAG = "登录"

# Failed logins per address and login name (one person's mistakes never hold up a colleague
# behind the same carrier NAT), and per address over all names, shared with the web login.
LOGIN_LIMITS = (
    RateLimit("SHOUDI_LOGIN_RATE_LIMIT", key=ratelimit.address_and_login, failures_only=True,
              per="每个客户端地址和登录名"),
    RateLimit("SHOUDI_LOGIN_ADDRESS_LIMIT", key=ratelimit.address, scope=ratelimit.LOGIN_ADDRESS_SCOPE,
              failures_only=True, per="每个客户端地址，网页登录与小程序登录合计"),
)


def _locked(exc: users.AccountLocked) -> ApiError:
    return ApiError(429, "account_locked", exc.message, headers={"Retry-After": str(exc.retry_after)})


def _login_result(user) -> Response:
    token, expires_at = tokens.issue(user)
    return jsonify(shared(schemas.LoginResult).dump(
        {"token": token, "expires_at": expires_at, "user": adapters.user(user),
         "must_change_password": user.must_change_password}))


@api.route("/auth/login", "POST", summary="登录，取得令牌", tag=TAG, auth=False, body=schemas.LoginBody,
           limits=LOGIN_LIMITS,
           answers={200: Answer("令牌和用户信息", schemas.LoginResult)},
           description="login 为用户名或手机号。用户名或密码不对时答 401，代码 bad_credentials。"
                       "密码连续输错次数过多（网页和小程序合计）时账号暂时锁定：答 429，代码 account_locked，"
                       "message 说明何时可再试，Retry-After 为秒数。"
                       "别人为您设置的密码（新账号、重置）登录后须先修改：调用 POST /auth/password。"
                       "按客户端地址和登录名限制失败次数，另有每个地址的总上限。")
def login(body):
    try:
        user = users.authenticate(body["login"], body["password"])
    except users.AccountLocked as exc:
        keep_on_refusal()  # keep the count, the lock and their audit entries
        raise _locked(exc) from None
    if user is None:
        keep_on_refusal()  # keep the audit entry of the failed attempt
        raise ApiError(401, "bad_credentials", "用户名或密码不正确")
    return _login_result(user)


@api.route("/auth/logout", "POST", summary="退出登录", tag=TAG, before_password_change=True,
           answers={204: Answer("已退出：该账号的所有令牌作废，网页会话也在所有设备上结束")})
def logout(user):
    users.log_out(user)
    if used_token() is None:
        logout_user()
    return Response(status=204)


@api.route("/auth/password", "POST", summary="修改密码", tag=TAG, body=schemas.PasswordBody,
           before_password_change=True, limits=LOGIN_LIMITS[1:],
           answers={200: Answer("已修改：该账号原有的令牌和网页会话全部作废，这是本机的新令牌", schemas.LoginResult),
                    204: Answer("已修改（H5 会话调用时）：其他设备上的登录全部结束，本会话继续")},
           description="原密码不对答 400（fields.old_password），并计入连续输错次数；新密码不合要求答 400"
                       "（fields.new_password，说明全部原因）。次数过多时账号锁定并退出：答 429，代码 account_locked。")
def change_password(user, body):
    try:
        users.change_password(user, body["old_password"], body["new_password"])
    except users.AccountLocked as exc:
        keep_on_refusal()  # the lock, and the end of every session of the account
        raise _locked(exc) from None
    except ValidationFailed:
        keep_on_refusal()  # a wrong current password counts like a wrong login
        raise
    if used_token() is None:
        login_user(user)  # the H5 session carries on with the account's new session token
        return Response(status=204)
    return _login_result(user)


@api.route("/me", "GET", summary="当前用户", tag=TAG, before_password_change=True,
           answers={200: Answer("当前用户", schemas.User)})
def me(user):
    return jsonify(shared(schemas.User).dump(adapters.user(user)))
