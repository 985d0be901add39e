"""A grid worker's lists, households and cases, and the screening form (附件1) as data; the whole
grid for a day offline (/grid) and a household's numbers for a remote check (/households/<id>/phones).

Everything is limited to the caller's scope by services.accounts.scoping; an id outside it answers 404,
exactly like an id that does not exist.
"""
from __future__ import annotations


from flask import jsonify
from marshmallow import validate

from api import adapters, schemas
from api.fields import ApiSchema, Boolean, Date, Integer, List, Nested, QueryInteger, String, shared
from api.registry import Answer, api
from core import clock
from domain.fieldwork import AwayReason, VisitMethod
from domain.screening import INCOME_ITEMS, QUESTIONS
from services.fieldwork import call_numbers, grid_bundle, visits, worklists
from services.households import records
from services.workflow import cases

TAG = "外业"


@api.route("/work", "GET", summary="我的工作", tag=TAG,
           answers={200: Answer("待核实线索、本轮未走访农户、需跟进农户", schemas.Work)},
           description="每个列表最多200条。")
def work(user):
    mine = worklists.my_work(user, clock.today())
    return jsonify(shared(schemas.Work).dump({"round": mine.round_name, "to_verify": mine.to_verify,
                                        "not_visited": mine.not_visited, "follow_ups": mine.follow_ups}))


@api.route("/households", "GET", summary="农户列表与查找", tag=TAG, query=schemas.HouseholdQuery,
           answers={200: Answer("一页农户（号码已遮挡）", schemas.HouseholdPage)},
           description="不带 q：辖区内全部农户，按编号排序。带 q：按姓名或号码后四位查找，最多200条。")
def household_list(user, query):
    rows, total = worklists.household_page(user, query["q"], query["page"], query["per_page"])
    return jsonify(shared(schemas.HouseholdPage).dump(
        {"items": rows, "page": query["page"], "per_page": query["per_page"], "total": total}))


@api.route("/households/<int:household_id>", "GET", summary="农户完整信息", tag=TAG, errors=(404,),
           answers={200: Answer("完整信息（号码不遮挡，每次查看记入审计日志）", schemas.Household)},
           params={"household_id": "农户编号"})
def household_detail(user, household_id: int):
    household = records.read_household(user, household_id)
    record = adapters.household_record(household, visits.visits_of(household))
    return jsonify(shared(schemas.Household).dump(record))


@api.route("/cases", "GET", summary="线索列表", tag=TAG, query=schemas.PageQuery,
           answers={200: Answer("一页线索，按编号排序", schemas.CasePage)},
           description="网格员只看到指派给自己或自己上报的线索。")
def case_list(user, query):
    found, total = cases.page_in_scope(user, query["page"], query["per_page"])
    return jsonify(shared(schemas.CasePage).dump(
        {"items": [adapters.case_summary(c) for c in found], "page": query["page"], "per_page": query["per_page"], "total": total}))


@api.route("/cases/<int:case_id>", "GET", summary="线索详情与办理经过", tag=TAG, errors=(404,),
           answers={200: Answer("线索及其时间线（每次查看记入审计日志）", schemas.Case)},
           params={"case_id": "线索编号"})
def case_detail(user, case_id: int):
    case = cases.read_case(user, case_id)
    record = adapters.case_record(case, cases.events_of(case))
    return jsonify(shared(schemas.Case).dump(record))


def _screening_form() -> dict:
    return {
        "questions": QUESTIONS,
        "income_items": [{"key": key, "label": label} for key, label in INCOME_ITEMS],
        "methods": [{"code": m.value, "label": m.label, "remote": m.remote} for m in VisitMethod],
        "away_reasons": [{"code": code, "label": label} for code, label in AwayReason.choices()],
    }


@api.route("/screening/form", "GET", summary="到户排查表", tag=TAG,
           answers={200: Answer("排查项目、收入项目、走访方式、外出原因", schemas.ScreeningForm)})
def screening_form(user):
    return jsonify(shared(schemas.ScreeningForm).dump(_screening_form()))


# --- the whole grid on the phone, and the numbers for a remote check ------------------------------

NO_STORE = "no-store"
_id = validate.Range(1, 2**31 - 1, error="编号无效")

GridMember = schemas.output(
    "GridMember", name=String(), relation=String(**schemas.d("与户主关系")), head=Boolean(),
    id_masked=String(**schemas.d("身份证号（遮挡）")), phone_masked=String(**schemas.d("手机号（遮挡）")))
GridHousehold = schemas.output(
    "GridHousehold", id=Integer(), head=String(**schemas.d("户主姓名")), address=String(),
    region=String(**schemas.d("所在网格或村")), size=Integer(**schemas.d("家庭人口")),
    last_visit=Date(allow_none=True, **schemas.d("最近一次走访日期")), members=List(Nested(GridMember)))
GridCase = schemas.output(
    "GridCase", id=Integer(), household_id=Integer(allow_none=True), name=String(**schemas.d("户主或申报人姓名")),
    village=String(), state=String(**schemas.d("所在环节")),
    verifying=Boolean(**schemas.d("为 true 时，为它走访即完成入户核实")),
    due=Date(allow_none=True), days_left=Integer(allow_none=True, **schemas.d("剩余天数，负数为已超期")),
    overdue=Boolean())
GridBundle = schemas.output(
    "GridBundle", region=String(**schemas.d("网格名称")),
    day=Date(**schemas.d("下载当天（北京时间）；当天结束时手机上清除")),
    households=List(Nested(GridHousehold)), cases=List(Nested(GridCase), **schemas.d("指派给我核实、尚未办结的线索")),
    truncated=Boolean(**schemas.d(f"本网格超过{grid_bundle.MAX_HOUSEHOLDS}户时为 true，只含前{grid_bundle.MAX_HOUSEHOLDS}户")),
    limit=Integer(**schemas.d("最多保存的户数")), form=Nested(schemas.ScreeningForm))
CallNumber = schemas.output("CallNumber", name=String(), relation=String(), phone=String(**schemas.d("完整号码")))
CallNumbers = schemas.output("CallNumbers", items=List(Nested(CallNumber)))


class CallQuery(ApiSchema):
    case_id = QueryInteger(load_default=None, validate=_id, **schemas.d("为这条线索核查时填写（核实人可看完整号码）"))


def _no_store(response):
    response.headers["Cache-Control"] = NO_STORE
    return response


@api.route("/grid", "GET", summary="本网格离线包", tag=TAG, errors=(403,),
           answers={200: Answer("本网格农户（号码遮挡）、指派给我的线索和排查表", GridBundle)},
           description="只给网格员：手机上保存一天，没有信号也能打开本网格任何一户的走访表。"
                       f"最多{grid_bundle.MAX_HOUSEHOLDS}户。每次下载记入审计日志（只记户数、人数、线索数）。")
def grid(user):
    found = grid_bundle.grid_bundle(user, clock.today())
    return _no_store(jsonify(shared(GridBundle).dump({**vars(found), "form": _screening_form()})))


@api.route("/households/<int:household_id>/phones", "GET", summary="远程核查：农户的完整号码", tag=TAG,
           errors=(403, 404), query=CallQuery, params={"household_id": "农户编号"},
           answers={200: Answer("家庭成员的完整手机号（每次查看记入审计日志）", CallNumbers)},
           description="只给负责这户的网格员，或这条线索的核实人（带 case_id）；辖区内的其他人答 403，辖区外答 404。")
def household_phones(user, household_id: int, query):
    found = call_numbers.numbers(user, household_id, query["case_id"])
    return _no_store(jsonify(shared(CallNumbers).dump({"items": found})))
