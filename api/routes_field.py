"""A grid worker's lists, households and cases, and the screening form (附件1) as data.

Everything is limited to the caller's scope by services.accounts.scoping; an id outside it answers 404,
exactly like an id that does not exist.
"""
from __future__ import annotations


from flask import jsonify

from api import adapters, schemas
from api.fields import shared
from api.registry import Answer, api
from core import clock
from domain.fieldwork import AwayReason, VisitMethod
from domain.screening import INCOME_ITEMS, QUESTIONS
from services.fieldwork import visits, worklists
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


@api.route("/screening/form", "GET", summary="到户排查表", tag=TAG,
           answers={200: Answer("排查项目、收入项目、走访方式、外出原因", schemas.ScreeningForm)})
def screening_form(user):
    return jsonify(shared(schemas.ScreeningForm).dump({
        "questions": QUESTIONS,
        "income_items": [{"key": key, "label": label} for key, label in INCOME_ITEMS],
        "methods": [{"code": m.value, "label": m.label, "remote": m.remote} for m in VisitMethod],
        "away_reasons": [{"code": code, "label": label} for code, label in AwayReason.choices()],
    }))
