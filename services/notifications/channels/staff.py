"""Staff choose how they hear of their work: in the app only, or also by SMS or WeChat.

``StaffChannels`` is the notifier the application factory registers: for each message the
ledger committed it queues one SMS or WeChat message to the person, by their choice, with the
fields the in-app title carries (case number, step, due date) and nothing else.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.extensions import db
from domain.channels import Channel, StaffChoice, Template, staff_params
from models import ChannelPreference, User
from models.types import utcnow
from services.errors import ValidationFailed
from services.notifications.channels import ledger
from services.notifications.channels.registry import current
from services.notifications.channels.wechat import WechatLoginFailed, WechatMiniProgram, WechatUnavailable
from services.notifications.notify import Message
from services.platform import audit

CHANNEL_OFF = {Channel.SMS: "短信通道尚未开通，请联系管理员", Channel.WECHAT: "微信订阅消息尚未开通，请联系管理员"}
NO_PHONE = "您的账号没有登记手机号，请联系管理员登记后再选短信"
NOT_BOUND = "请先在守底小程序中绑定微信（我的 → 绑定微信），再选微信"
BAD_CHOICE = "请选择一种接收方式"
WECHAT_TAKEN = "这个微信已绑定另一个账号，请先在那个账号中解除绑定"


class ChannelOff(Exception):
    """The channel asked for is not configured."""


def preference(user: User) -> ChannelPreference | None:
    return db.session.get(ChannelPreference, user.id)


def choice_of(user: User) -> StaffChoice:
    row = preference(user)
    return StaffChoice(row.choice) if row is not None else StaffChoice.IN_APP


def _row(user: User) -> ChannelPreference:
    row = preference(user)
    if row is None:
        row = ChannelPreference(user_id=user.id, choice=StaffChoice.IN_APP.value)
        db.session.add(row)
    return row


def choose(user: User, text: str | None) -> StaffChoice:
    """Record the person's choice; a choice that cannot work is refused with the reason."""
    try:
        choice = StaffChoice(text or "")
    except ValueError:
        raise ValidationFailed({"choice": BAD_CHOICE}) from None
    channel = choice.channel
    if channel is not None and not current().on(channel, Template.STAFF):
        raise ValidationFailed({"choice": CHANNEL_OFF[channel]})
    if channel is Channel.SMS and not user.phone:
        raise ValidationFailed({"choice": NO_PHONE})
    row = preference(user)
    if channel is Channel.WECHAT and (row is None or not row.wechat_openid):
        raise ValidationFailed({"choice": NOT_BOUND})
    row = _row(user)
    row.choice = choice.value
    audit.record(user, "update", "channel_preference", user.id, detail=choice.value)
    return choice


def bind_wechat(user: User, code: str) -> None:
    """Bind the WeChat whose ``wx.login`` gave ``code`` to the person (one account per WeChat)."""
    wechat = current().wechat
    if wechat is None:
        raise ChannelOff()
    openid = openid_from(wechat, code)
    index = ledger.address_index(Channel.WECHAT, openid)
    other = db.session.execute(select(ChannelPreference.user_id).where(
        ChannelPreference.wechat_index == index, ChannelPreference.user_id != user.id)).scalar_one_or_none()
    if other is not None:
        raise ValidationFailed({"code": WECHAT_TAKEN})
    try:
        with db.session.begin_nested():  # two accounts binding one WeChat at once: the index decides
            row = _row(user)
            row.wechat_openid, row.wechat_index, row.wechat_bound_at = openid, index, utcnow()
    except IntegrityError:
        raise ValidationFailed({"code": WECHAT_TAKEN}) from None
    audit.record(user, "update", "channel_preference", user.id, detail="wechat_bound")


def openid_from(wechat: WechatMiniProgram, code: str) -> str:
    """The openid behind a ``wx.login`` code, or a ValidationFailed on the code field."""
    try:
        return wechat.openid_for(code)
    except WechatLoginFailed:
        raise ValidationFailed({"code": "微信登录凭证无效或已用过，请重新打开小程序再试"}) from None
    except WechatUnavailable:
        raise ValidationFailed({"code": "暂时连不上微信，请稍后再试"}) from None


def unbind_wechat(user: User) -> None:
    row = preference(user)
    if row is None:
        return
    row.wechat_openid = row.wechat_index = row.wechat_bound_at = None
    if row.choice == StaffChoice.WECHAT.value:
        row.choice = StaffChoice.IN_APP.value
    audit.record(user, "update", "channel_preference", user.id, detail="wechat_unbound")


class StaffChannels:
    """The notifier for SMS and WeChat: not the ledger, so it hears after the ledger commits."""

    def deliver(self, message: Message) -> None:
        setup = current()
        user = message.recipient
        choice = choice_of(user)
        channel = choice.channel
        if channel is None or not user.active or not setup.on(channel, Template.STAFF):
            return
        address = user.phone if channel is Channel.SMS else preference(user).wechat_openid
        if not address:
            return
        params = staff_params(message.case_id, message.step, message.due.isoformat() if message.due else None)
        ledger.queue(channel, Template.STAFF, params, message.dedupe_key, address, utcnow(),
                     user=user, case_id=message.case_id)


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    available: bool
    note: str  # why it cannot be chosen now, or what it sends to


@dataclass(frozen=True)
class ChoicePage:
    choice: str
    options: list[Option]
    phone_masked: str
    wechat_bound: bool


def choice_page(user: User) -> ChoicePage:
    """What the 消息接收方式 page shows: each option, whether it can be chosen and why not."""
    setup, row = current(), preference(user)
    bound = bool(row is not None and row.wechat_openid)
    options = [Option(StaffChoice.IN_APP.value, StaffChoice.IN_APP.label, True, "消息中心和待办角标")]
    sms_note = (CHANNEL_OFF[Channel.SMS] if not setup.on(Channel.SMS, Template.STAFF)
                else NO_PHONE if not user.phone else f"发到 {user.phone_masked}")
    options.append(Option(StaffChoice.SMS.value, StaffChoice.SMS.label,
                          setup.on(Channel.SMS, Template.STAFF) and bool(user.phone), sms_note))
    wechat_note = (CHANNEL_OFF[Channel.WECHAT] if not setup.on(Channel.WECHAT, Template.STAFF)
                   else NOT_BOUND if not bound else "发到已绑定的微信")
    options.append(Option(StaffChoice.WECHAT.value, StaffChoice.WECHAT.label,
                          setup.on(Channel.WECHAT, Template.STAFF) and bound, wechat_note))
    return ChoicePage(choice_of(user).value, options, user.phone_masked, bound)
