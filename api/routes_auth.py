"""Login for the mini program: a bearer token for a working day; logout revokes it."""
from __future__ import annotations

from flask import Response, jsonify
from flask_login import logout_user

from api import adapters, schemas
from api.auth import used_token
from api.errors import ApiError
from api.fields import shared
from api.registry import Answer, api
from core.unit_of_work import keep_on_refusal
from services.accounts import tokens, users

TAG = "登录"


@api.route("/auth/login", "POST", summary="登录，取得令牌", tag=TAG, auth=False, body=schemas.LoginBody,
           limit="SHOUDI_TRACK_RATE_LIMIT",
           answers={200: Answer("令牌和用户信息", schemas.LoginResult)},
           description="login 为用户名或手机号。用户名或密码不对时答 401，代码 bad_credentials。"
                       "按客户端地址限制频率（与查询码查询相同的限额）。")
def login(body):
    user = users.authenticate(body["login"], body["password"])
    if user is None:
        keep_on_refusal()  # keep the audit entry of the failed attempt
        raise ApiError(401, "bad_credentials", "用户名或密码不正确")
    token, expires_at = tokens.issue(user)
    return jsonify(shared(schemas.LoginResult).dump(
        {"token": token, "expires_at": expires_at, "user": adapters.user(user)}))


@api.route("/auth/logout", "POST", summary="退出登录", tag=TAG,
           answers={204: Answer("已退出：令牌作废（网页会话则结束该账号在所有设备上的会话）")})
def logout(user):
    token = used_token()
    if token is not None:
        tokens.revoke(token)
    else:
        users.log_out(user)
        logout_user()
    return Response(status=204)


@api.route("/me", "GET", summary="当前用户", tag=TAG, answers={200: Answer("当前用户", schemas.User)})
def me(user):
    return jsonify(shared(schemas.User).dump(adapters.user(user)))
