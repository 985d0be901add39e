"""Consent to process sensitive personal data (PIPL Art. 29) and the notice that goes with it
(个人信息保护说明, PIPL Art. 17), in the plain words a farmer reads on the report form.

This is the one place the wording lives. Each report records the version it was given under,
and the version is made from the text itself: change any word here (the checkbox, the words a
grid worker confirms for 代申报, or the notice) and the version changes with it, so a report's
consent can always be read back word for word from the wording table.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from domain.policy_text import HOTLINE

# The checkbox on the self-report form: what the farmer agrees to.
CONSENT_TEXT = ("我同意提供身份证号、电话和家庭困难情况（含健康、收入等敏感信息）。"
                "这些信息只用于核实和帮扶，由政府工作人员按规定保密。")
# 代申报: the grid worker (or village staff) reads the text above to the farmer and confirms this.
PROXY_CONSENT_TEXT = "我已当面或通过电话把下面这段话读给农户听，农户口头表示同意："

NOTICE_TITLE = "个人信息保护说明"


@dataclass(frozen=True)
class NoticeSection:
    key: str
    title: str
    lines: tuple[str, ...]


NOTICE: tuple[NoticeSection, ...] = (
    NoticeSection("what", "收集哪些信息", (
        "您的姓名、身份证号、手机号、所在的村。",
        "家里遇到的困难：看病、残疾、上学、受灾、收入等情况。其中健康和收入是敏感信息。",
        "您自己选择上传的照片，比如看病的票据。照片里的拍摄地点、手机型号等信息会被去掉。",
    )),
    NoticeSection("why", "用来做什么", (
        "只用于防止返贫监测和帮扶：核实您家的情况，看能不能纳入监测，安排帮扶。",
        "不用于别的事情，不卖给、不交给与帮扶无关的人。",
    )),
    NoticeSection("who", "谁能看到", (
        "负责您家的村干部、网格员、驻村工作队，以及乡镇、县里负责这项工作的工作人员。",
        "需要有关部门（比如医保、民政、教育）帮扶时，部门只看到办理帮扶需要的内容。",
        "身份证号、手机号、健康和收入情况都加密保存，谁查看过都有记录。",
    )),
    NoticeSection("how_long", "保存多久", (
        "您家在核实、监测和帮扶期间一直保存。",
        "办结以后，按国家档案保存的规定保存，到期删除。",
    )),
    NoticeSection("rights", "您可以做什么", (
        "查询：凭查询码和手机号后四位查看办理进度；想知道存了您家哪些信息，可以问村干部。",
        "更正：填错了或者情况变了，告诉村干部或网格员，他们会帮您改。",
        "撤回同意：不想再让我们使用您的信息，告诉村干部、网格员，或者拨打明白纸上的电话。"
        "撤回以后，已经办理的不受影响，但可能没法继续核实和帮扶。",
        f"有疑问或者要投诉：找村干部、网格员，或者拨打全国咨询热线{HOTLINE}。",
    )),
    NoticeSection("proxy", "请别人帮忙填写", (
        "网格员或村干部替您填写（代申报）时，要先把同意的内容读给您听，您同意了才能提交。",
        "系统会记下是谁替您填写、什么时候听取的您的同意。",
    )),
)


def _body() -> str:
    """The whole wording as one text: what is stored with the version."""
    lines = [f"【申报表上的同意】{CONSENT_TEXT}", f"【代申报时工作人员确认】{PROXY_CONSENT_TEXT}{CONSENT_TEXT}",
             f"【{NOTICE_TITLE}】"]
    for section in NOTICE:
        lines.append(f"{section.title}：")
        lines += [f"- {line}" for line in section.lines]
    return "\n".join(lines)


def version_of(body: str) -> str:
    """A short, stable name for a wording, made from its text (12 hex digits)."""
    return hashlib.sha256(body.encode("utf-8")).hexdigest()[:12]


CONSENT_BODY = _body()
CONSENT_VERSION = version_of(CONSENT_BODY)

SELF_REPORT_CHANNEL = "self_report"   # the farmer ticked the box
PROXY_REPORT_CHANNEL = "proxy_report"  # a worker took the farmer's spoken consent (代申报)
CHANNEL_LABELS = {SELF_REPORT_CHANNEL: "农户本人勾选同意", PROXY_REPORT_CHANNEL: "代申报，农户口头同意"}


def stale_version(shown: str) -> bool:
    """The form was shown with a wording that is no longer the current one (an empty value:
    a client that does not say which it showed, taken as the current one)."""
    return bool(shown) and shown != CONSENT_VERSION
