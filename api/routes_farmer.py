"""Farmers (no account): the village list, the policy page, self-report and progress lookup.

The same services as the H5 farmer pages, with the same rate limits per client address.
"""
from __future__ import annotations


from flask import jsonify
from marshmallow import validate

from api import schemas
from api.errors import ApiError, invalid
from api.fields import ApiSchema, String, shared
from api.registry import Answer, api
from core import clock
from core.unit_of_work import keep_on_refusal
from domain.consent import CONSENT_TEXT, CONSENT_VERSION, NOTICE, NOTICE_TITLE
from domain.lookup import format_lookup_code
from domain.selfreport import ReportInput
from services.farmer import policy, selfreport, tracking

TAG = "农户"


class VillageQuery(ApiSchema):
    county = String(load_default="", validate=validate.Length(max=20, error="县的代码不超过20位"),
                    **schemas.d("县的代码（见 /counties；县内任一地方的代码、改名前的旧代码也可以）。"
                                "系统里只有一个县时可以不填"))


@api.route("/counties", "GET", summary="县列表", tag=TAG, auth=False,
           answers={200: Answer("可选的县（区），按代码排序；label 为“地市 县”", schemas.Village, many=True)})
def counties():
    return jsonify(shared(schemas.Village, many=True).dump(
        [{"code": code, "label": label} for code, label in policy.county_choices()]))


@api.route("/villages", "GET", summary="村列表", tag=TAG, auth=False, query=VillageQuery, errors=(404,),
           answers={200: Answer("一个县的村，按代码排序", schemas.Village, many=True)},
           description="只列出所选县的村，不是全部的村。系统里有多个县而未指定 county 时答 400；"
                       "county 不是已有的县（或县内的地方）时答 404。")
def villages(query):
    picker = policy.picker(county_code=query["county"])
    if picker.county_unknown:
        raise ApiError(404, "not_found", "没有找到这个县")
    if not picker.county_code:
        raise invalid({"county": "请先选择县（见 /counties）"})
    return jsonify(shared(schemas.Village, many=True).dump(
        [{"code": code, "label": label} for code, label in picker.villages]))


@api.route("/policy/<village_code>", "GET", summary="政策明白纸", tag=TAG, auth=False, errors=(404,),
           params={"village_code": "村的代码（改名、合并前的旧代码也可以）"},
           answers={200: Answer("该村的明白纸：监测范围、申请条件、帮扶措施、办理流程、联系人", schemas.PolicyPage)},
           description="不计入扫码次数（扫码计数只在 /q/<代码> 页面）。")
def policy_page(village_code: str):
    page = policy.policy_page(policy.village_for_code(village_code), clock.today())
    return jsonify(shared(schemas.PolicyPage).dump(page))


@api.route("/consent", "GET", summary="申报同意内容和个人信息保护说明", tag=TAG, auth=False,
           answers={200: Answer("申报前请农户阅读并勾选同意的内容，及其版本", schemas.Consent)})
def consent():
    return jsonify(shared(schemas.Consent).dump({
        "version": CONSENT_VERSION, "text": CONSENT_TEXT, "notice_title": NOTICE_TITLE,
        "notice": [{"key": s.key, "title": s.title, "lines": list(s.lines)} for s in NOTICE]}))


@api.route("/reports", "POST", summary="自主申报", tag=TAG, auth=False, body=schemas.ReportBody,
           limit="SHOUDI_REPORT_RATE_LIMIT",
           answers={202: Answer("已收到，正在登记（查询码稍后用同一 token 重发取得）", schemas.ReportResult),
                    200: Answer("同一 token 的重发：已登记时给出查询码，仍在登记时 status 为 received",
                                schemas.ReportResult)},
           description="每个 token 只形成一条线索：连点、重发、同时提交都只算一次。申报先被收下（202），"
                       "随后在后台登记成线索，通常不到一秒；用同一 token 再发一次即得到结果（200）。"
                       "无论所填身份证号是否属于已登记农户、是否已有未办结的线索，答复都一样：每份申报一个查询码，"
                       "joined 总是 false。该户已有未办结的线索时，申报内容并入该线索供工作人员办理；"
                       "查询码查到的是这份申报本身，只有所留手机号与该户登记相符时才显示该户的办理进度。"
                       "申报时记下同意的时间和同意内容的版本（consent_version，见 GET /consent）。"
                       "JSON 版本 v1 不支持上传照片（照片请走网页表单 /report）。")
def report_create(body):
    token = body.pop("token")
    result = selfreport.submit(ReportInput(**body), None, token, clock.today())
    code = format_lookup_code(result.lookup_code) if result.lookup_code else None
    answer = {"status": "recorded" if result.recorded else "received", "lookup_code": code,
              "joined": result.joined if result.recorded else None}
    return jsonify(shared(schemas.ReportResult).dump(answer)), 200 if result.resent else 202


@api.route("/track", "POST", summary="查询办理进度", tag=TAG, auth=False, body=schemas.TrackBody,
           limit="SHOUDI_TRACK_RATE_LIMIT", errors=(404,),
           answers={200: Answer("办理进度", schemas.TrackResult)},
           description="查询码和申报时所留手机号的后四位。两者任一不对都答同样的 404，以免被用来试探查询码。")
def track(body):
    view = tracking.track(body["code"], body["phone_tail"])
    keep_on_refusal()  # the audit entry of the lookup
    if view is None:
        raise ApiError(404, "not_found", "查询码或手机号后四位不对")
    progress = view.progress
    return jsonify(shared(schemas.TrackResult).dump({
        "code": view.code, "name": view.name, "village": view.village, "reported_on": view.reported_on,
        "headline": progress.headline, "outcome": progress.outcome, "steps": progress.steps,
        "expected_by": view.expected_by, "rejection_reason": view.rejection_reason,
        "green_channel": view.green_channel, "contacts": view.contacts, "hotline": view.hotline}))
