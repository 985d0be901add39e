"""Messages by WeChat: staff bind their WeChat with a ``wx.login`` code (then choose it on the
消息接收方式 page or here), and a farmer who reported through the mini program subscribes to
their report's progress with the report's token."""
from __future__ import annotations

from flask import Response, jsonify
from marshmallow import validate

from api import schemas
from api.errors import ApiError
from api.fields import ApiSchema, Boolean, String, shared
from api.registry import Answer, api
from domain.channels import Channel, Template
from services.notifications.channels import farmers, staff
from services.notifications.channels.registry import current

TAG = "登录"  # beside GET /me: the account's own settings
WECHAT_OFF = "微信订阅消息尚未开通，请联系管理员"


def _code_field() -> String:
    return String(required=True, validate=validate.Length(1, 128, error="请提供 wx.login 得到的 code"),
                  **schemas.d("小程序 wx.login() 得到的 code（只能用一次，五分钟内有效）"))


class WechatCodeBody(ApiSchema):
    code = _code_field()


class ChoiceBody(ApiSchema):
    choice = String(required=True, validate=validate.Length(1, 16, error="请选择一种接收方式"),
                    **schemas.d("in_app（只在系统内）、sms（+短信）或 wechat（+微信订阅消息）"))


class ReportWechatBody(ApiSchema):
    token = String(required=True, validate=validate.Regexp(schemas.TOKEN_PATTERN, error="token 格式不对"),
                   **schemas.d("申报时用的 token（POST /reports 的 token）"))
    code = _code_field()


Channels = schemas.output(
    "Channels",
    choice=String(**schemas.d("当前的接收方式：in_app、sms 或 wechat")),
    wechat_bound=Boolean(**schemas.d("是否已绑定微信")),
    sms_available=Boolean(**schemas.d("短信通道是否已开通")),
    wechat_available=Boolean(**schemas.d("微信订阅消息是否已开通")),
    wechat_template=String(allow_none=True, **schemas.d("请用户订阅的模板 id（wx.requestSubscribeMessage）")),
)


def _channels(user) -> Response:
    setup, page = current(), staff.choice_page(user)
    return jsonify(shared(Channels).dump({
        "choice": page.choice, "wechat_bound": page.wechat_bound,
        "sms_available": setup.on(Channel.SMS, Template.STAFF),
        "wechat_available": setup.on(Channel.WECHAT, Template.STAFF),
        "wechat_template": setup.template_id(Channel.WECHAT, Template.STAFF)}))


@api.route("/me/channels", "GET", summary="我的消息接收方式", tag=TAG,
           answers={200: Answer("当前的接收方式和可用的通道", Channels)})
def my_channels(user):
    return _channels(user)


@api.route("/me/channels", "PUT", summary="选择消息接收方式", tag=TAG, body=ChoiceBody,
           answers={200: Answer("已保存", Channels)},
           description="系统内消息总会有；另选短信须账号登记了手机号，选微信须先绑定微信（POST /me/wechat）。"
                       "不能用的选择答 400，fields.choice 说明原因。")
def choose_channel(user, body):
    staff.choose(user, body["choice"])
    return _channels(user)


@api.route("/me/wechat", "POST", summary="绑定微信", tag=TAG, body=WechatCodeBody, errors=(409,),
           limit="SHOUDI_TRACK_RATE_LIMIT",
           answers={200: Answer("已绑定；choice 未变，要用微信接收请再 PUT /me/channels", Channels)},
           description="用 wx.login() 的 code 换取 openid 并绑定到当前账号（一个微信只能绑定一个账号）。"
                       "code 无效或已用过答 400（fields.code）；微信订阅消息未开通答 409，代码 channel_off。")
def bind_wechat(user, body):
    try:
        staff.bind_wechat(user, body["code"])
    except staff.ChannelOff:
        raise ApiError(409, "channel_off", WECHAT_OFF) from None
    return _channels(user)


@api.route("/me/wechat", "DELETE", summary="解除微信绑定", tag=TAG,
           answers={204: Answer("已解除；如原来选的是微信，改为只在系统内接收")})
def unbind_wechat(user):
    staff.unbind_wechat(user)
    return Response(status=204)


@api.route("/reports/wechat", "POST", summary="农户订阅办理进展（微信）", tag="农户", auth=False,
           body=ReportWechatBody, errors=(404,), limit="SHOUDI_TRACK_RATE_LIMIT",
           answers={204: Answer("已订阅：受理、是否纳入监测、帮扶开始时发微信订阅消息（代替短信）")},
           description="小程序里申报后，先 wx.requestSubscribeMessage 请农户允许，再用申报的 token 和 "
                       "wx.login() 的 code 调用。token 不对答 404；code 无效答 400（fields.code）。")
def report_wechat(body):
    farmers.subscribe(body["token"], body["code"])
    return Response(status=204)

