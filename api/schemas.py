"""Every body the API reads or writes, as marshmallow schemas (the OpenAPI document is made from them).

Inputs refuse unknown fields; outputs are dumped through their schema, so an answer never carries
more than its schema says. Views per audience: a household row (masked numbers, for lists) is
not the full record (numbers in full, audited read); a case row has no timeline.
"""
from __future__ import annotations

import re

from marshmallow import ValidationError, post_load, validate, validates

from api.fields import (ApiSchema, Boolean, Date, DateTime, Decimal, Dict, Float, Integer, List,
                        Nested, QueryInteger, String, Text)
from domain.fieldwork import AwayReason, VisitMethod
from domain.selfreport import HARDSHIPS, MAX_DESCRIPTION, MAX_NAME
from domain.visit_proof import VISIT_CLOCK

MAX_PAGE = 100_000  # past it the offset would overflow the databases' integers
MAX_PER_PAGE = 100
TOKEN_PATTERN = r"^[A-Za-z0-9_-]{20,64}$"


def d(text: str, **more) -> dict:
    return {"metadata": {"description": text, **more}}


def _blank_nulls(data: dict, keys: tuple[str, ...]) -> dict:
    return {k: ("" if k in keys and v is None else v) for k, v in data.items()}


# --- inputs -----------------------------------------------------------------------------------

class LoginBody(ApiSchema):
    login = String(required=True, validate=validate.Length(1, 64, error="请填写用户名或手机号"),
                   **d("用户名或手机号"))
    password = String(required=True, validate=validate.Length(1, 200, error="请填写密码"), **d("密码"))


class PasswordBody(ApiSchema):
    old_password = String(required=True, validate=validate.Length(1, 200, error="请填写原密码"),
                          **d("原密码"))
    new_password = String(required=True, validate=validate.Length(1, 200, error="请填写新密码"),
                          **d("新密码：至少8位，含大写字母、小写字母、数字、符号中的至少3类，不含用户名，不是常见密码"))


class PageQuery(ApiSchema):
    page = QueryInteger(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE, error=f"页码应在1到{MAX_PAGE}之间"),
                        **d(f"页码，从1开始，最大{MAX_PAGE}", default=1))
    per_page = QueryInteger(load_default=20, validate=validate.Range(
        1, MAX_PER_PAGE, error=f"每页条数应在1到{MAX_PER_PAGE}之间"), **d("每页条数，最多100", default=20))


class HouseholdQuery(PageQuery):
    q = String(load_default="", validate=validate.Length(max=30, error="查找内容不超过30个字"),
               **d("按成员姓名，或身份证号、手机号的后四位查找（最多200条）。不接受完整的号码：个人信息不进地址栏"))

    @validates("q")
    def _no_full_numbers(self, value: str, **kwargs) -> None:
        if len(re.findall(r"[0-9]", value)) > 4:
            raise ValidationError("只能按姓名或号码后四位查找，请不要输入完整的身份证号或手机号")


class PhotoForm(ApiSchema):
    client_uuid = String(required=True, **d("手机上生成的照片编号（UUID），重发时不变"))


class GpsBody(ApiSchema):
    lat = Float(required=True, **d("纬度"))
    lng = Float(required=True, **d("经度"))
    accuracy = Float(allow_none=True, **d("精度（米）"))


class IncomeBody(ApiSchema):
    wages = Text(allow_none=True, **d("工资性收入（元）"))
    business = Text(allow_none=True, **d("生产经营性收入（元）"))
    property = Text(allow_none=True, **d("财产性收入（元）"))
    transfers = Text(allow_none=True, **d("转移性收入（元）"))
    business_costs = Text(allow_none=True, **d("生产经营性支出（元，扣除）"))

    @post_load
    def _drop_nulls(self, data: dict, **kwargs) -> dict:
        return {k: v for k, v in data.items() if v is not None}


class VisitBody(ApiSchema):
    """一次走访（字段与 services.fieldwork.visits.VisitInput 相同）。"""

    client_uuid = String(required=True, **d("手机上生成的走访编号（UUID），重发时不变"))
    household_id = Integer(required=True, **d("农户编号"))
    method = String(required=True, **d("走访方式", enum=VisitMethod.codes()))
    visited_at = String(required=True, **d("走访时间，ISO 8601，须带时区，如 2026-11-20T09:30:00+08:00",
                                           format="date-time"))
    case_id = Integer(allow_none=True, **d("本次走访核实的线索编号（可选）"))
    reached_person = String(allow_none=True, validate=validate.Length(max=50),
                            **d("远程排查：联系上的是谁"))
    reached_via = String(allow_none=True, validate=validate.Length(max=100),
                         **d("远程排查：电话号码、微信号、QQ号或视频账号"))
    away_reason = String(allow_none=True, **d("远程排查：全家外出的原因", enum=AwayReason.codes()))
    answers = Dict(keys=String(), values=String(allow_none=True),
                   **d("排查表答案：键见 /screening/form 的 questions；是否题填 yes 或 no"))
    household_size = Integer(allow_none=True, validate=validate.Range(1, 50, error="家庭人口应在1到50之间"),
                             **d("家庭人口"))
    income = Nested(IncomeBody, **d("近12个月收入，按来源"))
    photos = List(String(), **d("已上传照片的编号（POST /photos 的 client_uuid），最多9张"))
    gps = Nested(GpsBody, allow_none=True, **d("定位"))
    signature_png = String(allow_none=True, **d("签字图片，data:image/png;base64,…"))
    signer_name = String(allow_none=True, validate=validate.Length(max=30), **d("签字人姓名"))
    notes = String(allow_none=True, validate=validate.Length(max=2000), **d("备注"))

    @post_load
    def _blanks(self, data: dict, **kwargs) -> dict:
        return _blank_nulls(data, ("reached_person", "reached_via", "signer_name", "notes"))


class ReportBody(ApiSchema):
    token = String(required=True, validate=validate.Regexp(TOKEN_PATTERN, error="编号应为20到64位字母、数字、_或-"),
                   **d("客户端生成的一次性编号（20-64位 A-Z a-z 0-9 _ -）；同一编号重发得到同一结果",
                       pattern=TOKEN_PATTERN))
    name = String(required=True, **d(f"姓名（不超过{MAX_NAME}字）"))
    id_number = String(required=True, **d("身份证号"))
    phone = String(required=True, **d("手机号"))
    village_code = String(required=True, **d("村的代码（见 /villages）"))
    hardships = List(String(), required=True, **d("困难类型，至少一项", enum=[r.value for r in HARDSHIPS]))
    description = String(required=True, **d(f"简单说说遇到了什么困难（不超过{MAX_DESCRIPTION}字）"))
    consent = Boolean(required=True, **d("同意提供敏感个人信息（须为 true）"))
    consent_version = String(allow_none=True, validate=validate.Length(max=32),
                             **d("向农户显示的同意内容的版本（GET /consent 的 version）；不是当前版本时答 400，"
                                 "请重新显示并请农户再次同意。不填视为当前版本"))
    urgent = String(required=True, **d("是否突然出现严重困难（绿色通道）", enum=["yes", "no"]))
    household_size = Text(allow_none=True, **d("家庭人口（可选，1-30）"))
    income = Text(allow_none=True, **d("家庭年收入估计，元（可选）"))

    @post_load
    def _blanks(self, data: dict, **kwargs) -> dict:
        return _blank_nulls(data, ("household_size", "income", "consent_version"))


class TrackBody(ApiSchema):
    code = String(required=True, validate=validate.Length(max=20), **d("查询码，如 ABCD-EFGH"))
    phone_tail = String(required=True, validate=validate.Length(max=8), **d("申报时所留手机号的后四位"))


# --- outputs ----------------------------------------------------------------------------------

class Output(ApiSchema):
    # Every field of an answer is always present (null where the schema allows it).
    always_present = True


def output(schema_name: str, /, **declared) -> type[Output]:
    """A small answer schema in one line."""
    return type(schema_name, (Output,), declared)


class Error(Output):
    code = String(**d("错误代码：unauthorized, bad_credentials, invalid, bad_json, not_found, conflict, "
                      "refused, forbidden, method_not_allowed, too_large, rate_limited, …"))
    message = String(**d("给人看的中文说明"))
    fields = Dict(keys=String(), values=String(), **d("出错的字段及其中文说明，如 answers.water_safe"))


class ErrorResponse(Output):
    error = Nested(Error, required=True)


Health = output("Health", status=String(**d("ok")))
Region = output("Region", code=String(), name=String())


class User(Output):
    id = Integer()
    name = String(**d("姓名"))
    role = String(**d("角色代码，如 grid_worker"))
    role_label = String(**d("角色名称，如 网格员"))
    region = Nested(Region, **d("所属区划"))


class LoginResult(Output):
    token = String(**d("放在 Authorization: Bearer 后面"))
    expires_at = DateTime(**d("过期时间（UTC）"))
    user = Nested(User)
    must_change_password = Boolean(**d("为 true 时须先修改密码（POST /auth/password），此前其他接口答 403"))


class CaseToVerify(Output):
    id = Integer()
    household_id = Integer(allow_none=True)
    name = String(**d("户主或申报人姓名"))
    village = String()
    state = String(**d("状态名称"))
    due = Date(allow_none=True, **d("办理期限"))
    days_left = Integer(allow_none=True, **d("剩余天数，负数为已超期"))
    overdue = Boolean()


class HouseholdRow(Output):
    id = Integer()
    head = String(**d("户主姓名"))
    id_masked = String(**d("户主身份证号（遮挡）"))
    phone_masked = String(**d("户主手机号（遮挡）"))
    address = String()
    region = String(**d("所在网格或村"))
    last_visit = Date(allow_none=True, **d("最近一次走访日期"))


class Work(Output):
    round = String(allow_none=True, **d("当前集中排查轮次名称"))
    to_verify = List(Nested(CaseToVerify), **d("指派给我核实的线索"))
    not_visited = List(Nested(HouseholdRow), **d("本轮还没有走访的农户"))
    follow_ups = List(Nested(HouseholdRow), **d("最近走访认为应纳入监测、但还没有线索的农户"))


class Page(Output):
    page = Integer()
    per_page = Integer()
    total = Integer(**d("总条数"))


class HouseholdPage(Page):
    items = List(Nested(HouseholdRow))


class Member(Output):
    id = Integer()
    name = String()
    relation = String(**d("与户主关系代码"))
    relation_label = String()
    id_number = String(allow_none=True, **d("身份证号（完整，本次查看已记入审计日志）"))
    phone = String(allow_none=True)
    health = String(**d("健康状况代码"))
    health_label = String()
    labour_capacity = String(**d("劳动能力代码"))
    labour_capacity_label = String()
    schooling = String(allow_none=True, **d("在校情况代码"))
    schooling_label = String(allow_none=True)
    disability_grade = Integer(allow_none=True)


VisitBrief = output("VisitBrief", client_uuid=String(), method=String(), visited_at=DateTime())


class Household(Output):
    id = Integer()
    code = String(allow_none=True, **d("户编号"))
    region = String(**d("所在网格或村"))
    address = String()
    attribute = String(**d("户属性代码：lifted 脱贫户, monitored 监测户, ordinary 一般农户"))
    attribute_label = String()
    members = List(Nested(Member))
    visits = List(Nested(VisitBrief), **d("走访记录，最新的在前"))


class CaseSummary(Output):
    id = Integer()
    state = String(**d("状态代码"))
    state_label = String()
    source = String(**d("线索来源代码"))
    source_label = String()
    urgent = Boolean()
    risk_types = List(String(), **d("风险类型代码"))
    due_date = Date(allow_none=True)
    household_id = Integer(allow_none=True)
    claimed_name = String(allow_none=True)
    claimed_id_masked = String(allow_none=True)


class CaseEvent(Output):
    at = DateTime()
    action = String(allow_none=True, **d("操作代码；null 为提交线索"))
    action_label = String()
    state = String(**d("操作后的状态代码"))
    state_label = String()
    actor = String(**d("经办人（角色）；农户本人提交时为“农户本人”"))


class Case(CaseSummary):
    events = List(Nested(CaseEvent))


class CasePage(Page):
    items = List(Nested(CaseSummary))


Question = output("Question", key=String(), label=String(), group=String(), kind=String(**d("yes_no 或 text")))
IncomeItem = output("IncomeItem", key=String(), label=String())
Method = output("Method", code=String(), label=String(),
                remote=Boolean(**d("远程排查须填 reached_person、reached_via、away_reason")))
Choice = output("Choice", code=String(), label=String())


class ScreeningForm(Output):
    questions = List(Nested(Question))
    income_items = List(Nested(IncomeItem))
    methods = List(Nested(Method))
    away_reasons = List(Nested(Choice))


class Photo(Output):
    client_uuid = String()
    width = Integer()
    height = Integer()
    url = String(**d("照片地址（需登录）"))
    thumb_url = String(**d("缩略图地址（需登录）"))


Position = output("Position", lat=Float(**d("纬度")), lng=Float(**d("经度")),
                  accuracy=Integer(**d("精度（米），0 为未知")), text=String(**d("中文说明，如 北纬31.700000°，东经116.500000°，精度约25米")))


class Visit(Output):
    client_uuid = String()
    id = Integer()
    household_id = Integer()
    case_id = Integer(allow_none=True)
    method = String()
    visited_at = DateTime()
    should_monitor = Boolean(allow_none=True, **d("排查结论：是否应纳入监测"))
    per_capita_income = Decimal(allow_none=True, **d("人均纯收入（元），字符串"))
    photos = List(String(), **d("照片编号"))
    signed = Boolean(**d("是否有签字"))
    signature_url = String(allow_none=True, **d("签字图片地址（PNG，需登录）；没有签字为 null"))
    received_at = DateTime(**d("服务器收到这条记录的时间"))
    late = Boolean(**d(f"是否补录：收到时距走访已超过{VISIT_CLOCK.late_after.days}天（两个时间都应显示）"))
    gps = Nested(Position, allow_none=True, **d("走访时的定位；没有定位为 null"))
    case_state = String(allow_none=True, **d("所核实线索的当前状态代码（核实后为 verified），无线索为 null"))


Village = output("Village", code=String(), label=String(**d("乡镇 村")))
Section = output("Section", key=String(), title=String(), lines=List(String()))
Contact = output("Contact", role=String(), name=String(), phone=String(allow_none=True))


class PolicyPage(Output):
    village_code = String()
    village_name = String()
    township_name = String()
    county_name = String()
    place = String()
    year = Integer()
    line = Decimal(allow_none=True, **d("当年监测范围（元/人/年）"))
    line_text = String()
    sections = List(Nested(Section))
    contacts = List(Nested(Contact))
    hotline = String()


class ReportResult(Output):
    status = String(**d("received：已收到，正在登记；recorded：已登记", enum=["received", "recorded"]))
    lookup_code = String(allow_none=True, **d("查询码 ABCD-EFGH，每份申报一个；仍在登记时为 null"))
    joined = Boolean(allow_none=True, **d("农户自主申报总是 false（是否已有线索不对外透露）；仍在登记时为 null"))


class Consent(Output):
    version = String(**d("同意内容的版本：由文字生成，文字一改版本就变；申报时放在 consent_version"))
    text = String(**d("勾选“同意”旁显示的文字"))
    notice_title = String(**d("个人信息保护说明"))
    notice = List(Nested(Section), **d("个人信息保护说明：收集什么、做什么用、谁能看到、保存多久、您可以做什么"))


Step = output("Step", label=String(), status=String(**d("done, current 或 todo")))


class TrackResult(Output):
    code = String()
    name = String(**d("申报人姓名（遮挡）"))
    village = String()
    reported_on = Date()
    headline = String()
    outcome = String(**d("pending, included 或 rejected"))
    steps = List(Nested(Step))
    expected_by = Date(allow_none=True)
    rejection_reason = String()
    green_channel = Boolean()
    contacts = List(Nested(Contact))
    hotline = String()
