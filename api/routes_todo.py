"""我的待办 in the mini program: the same lists as the /todo page (``services.todo``), the same
scope, masking and order, and the facts a reviewer decides on for one case (an audited read of
the full record; 404 outside the scope). Roles that take no step answer 403."""
from __future__ import annotations

from flask import jsonify

from api.fields import Boolean, Integer, List, Nested, String, shared
from api.registry import Answer, api
from api.schemas import Output, PageQuery, d, output
from core import clock
from services.todo import board, facts

TAG = "待办"


class TodoRow(Output):
    """一条待办（姓名、身份证号已遮挡）"""
    case_id = Integer(**d("案件编号"))
    step = String(**d("待办环节"))
    state = String(**d("案件当前状态"))
    name = String(**d("户主或申报人姓名（已遮挡）"))
    id_masked = String(**d("身份证号（已遮挡），可能为空"))
    village = String()
    due = String(**d("期限（YYYY-MM-DD），没有期限时为空"))
    days_left = Integer(allow_none=True, **d("剩余天数，已逾期为负数"))
    tone = String(**d("overdue（已逾期）、soon（即将到期）、ok，没有期限时为空"))
    notes = List(String(), **d("线索来源、公示日期等"))
    measure_id = Integer(allow_none=True, **d("帮扶措施编号：有值时到措施落实页登记"))
    facts = Boolean(**d("可查看审核依据（GET /todo/facts/{case_id}）"))


class TodoSection(Output):
    key = String(**d("clues, notices, verifications, township, rereviews, county, paired, measures"))
    title = String()
    empty = String(**d("清单为空时的说明"))
    total = Integer(**d("总条数"))
    overdue = Integer(**d("已逾期条数"))
    pages = Integer()
    rows = List(Nested(TodoRow))


class TodoBoard(Output):
    page = Integer()
    pages = Integer(**d("各清单中最多的页数，每页50条"))
    sections = List(Nested(TodoSection))


Answered = output("Answered", question=String(), answer=String(), risk=Boolean(**d("提示风险的回答")))
TodoVerification = output(
    "TodoVerification", by=String(), at=String(), method=String(), on=String(), findings=String(),
    visit=String(**d("所依据的走访记录：时间、方式、走访人")), answers=List(Nested(Answered)))
TodoEligibility = output(
    "TodoEligibility", known=Boolean(), why=String(), per_capita=String(**d("家庭人均纯收入，元")),
    line=String(**d("监测范围，元")), rigid_spending=String(**d("刚性支出，元")), last_year_income=String(),
    in_scope=Boolean(), reasons=List(String()), attention=List(String()))
TodoReview = output("TodoReview", on=String(), participants=String(), result=String(), by=String(),
                    notice_start=String(), notice_end=String(), earliest_end=String())


class TodoFacts(Output):
    """审核依据：入户核实、收入测算、村级评议和公示"""
    case_id = Integer()
    name = String(**d("已遮挡"))
    id_masked = String()
    state = String()
    verification = Nested(TodoVerification, allow_none=True)
    eligibility = Nested(TodoEligibility)
    review = Nested(TodoReview, allow_none=True)


def _row(row) -> dict:
    return {"case_id": row.case_id, "step": row.step, "state": row.state, "name": row.name,
            "id_masked": row.id_masked, "village": row.village, "due": row.due,
            "days_left": row.clock.days_left, "tone": row.clock.tone, "notes": list(row.notes),
            "measure_id": row.measure_id, "facts": row.facts}


@api.route("/todo", "GET", summary="我的待办", tag=TAG, query=PageQuery, errors=(403,),
           answers={200: Answer("现在由我办理的环节，期限早的在前", TodoBoard)},
           description="与网页“我的待办”相同的清单和范围；每个清单每页50条（per_page 不起作用）。")
def todo_board(user, query):
    found = board.board(user, clock.today(), query["page"])
    return jsonify(shared(TodoBoard).dump({
        "page": query["page"], "pages": found.pages,
        "sections": [{"key": s.key, "title": s.title, "empty": s.empty, "total": s.total, "overdue": s.overdue,
                      "pages": s.pages, "rows": [_row(r) for r in s.rows]} for s in found.sections]}))


@api.route("/todo/facts/<int:case_id>", "GET", summary="待办案件的审核依据", tag=TAG, errors=(403, 404),
           answers={200: Answer("核实、测算和评议情况（每次查看记入审计日志）", TodoFacts)},
           params={"case_id": "案件编号"})
def todo_facts(user, case_id: int):
    board.require(user)
    return jsonify(shared(TodoFacts).dump(facts.facts(user, case_id, clock.today())))
