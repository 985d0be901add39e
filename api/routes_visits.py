"""Visits and their photos, sent from a queue on the phone, recorded exactly once.

Both carry a client UUID made on the phone. The first POST answers 201; a resend of the same
content answers 200 with the same body (the phone lost the first answer); the same UUID with
other content answers 409. Concurrent duplicates are settled by the unique constraint.
"""
from __future__ import annotations

import io

from flask import jsonify, request, send_file

from api import adapters, schemas
from api.errors import invalid
from api.fields import shared
from api.registry import Answer, api
from services.fieldwork import visits
from services.fieldwork.visits import VisitInput

TAG = "走访"
PHOTO_CACHE = "no-store"  # a family's photo is personal data: the phone keeps its own copy, not the browser cache
UUID_PARAM = {"client_uuid": "手机上生成的编号（UUID）"}


def _created(created: bool) -> int:
    return 201 if created else 200


@api.route("/photos", "POST", summary="上传走访照片", tag=TAG, form=schemas.PhotoForm, files=("file",),
           errors=(404, 409), answers={201: Answer("已保存", schemas.Photo),
                                       200: Answer("同一编号、同一内容的重发：与第一次相同", schemas.Photo)},
           description="multipart/form-data：file（JPEG、PNG、WebP 或 HEIC）和 client_uuid。"
                       "照片会转正、去掉 EXIF 和 GPS、重新编码为 JPEG。同一编号不同内容答 409。")
def photo_upload(user, form):
    upload = request.files.get("file")
    data = upload.read() if upload is not None else b""
    if not data:
        raise invalid({"file": "请选择照片"})
    photo, created = visits.upload_photo(user, form["client_uuid"], data)
    return jsonify(shared(schemas.Photo).dump(adapters.photo(photo))), _created(created)


def _send(found):
    response = send_file(io.BytesIO(found.content), mimetype=found.content_type, conditional=True,
                         etag=found.etag, last_modified=found.modified)
    response.headers["Cache-Control"] = PHOTO_CACHE
    response.headers.pop("Expires", None)
    response.vary.update(("Authorization", "Cookie"))
    return response


@api.route("/photos/<client_uuid>", "GET", summary="照片", tag=TAG, errors=(404,), params=UUID_PARAM,
           answers={200: Answer("照片（JPEG）", media_type="image/jpeg")},
           description="自己上传的，或辖区内走访记录所附的照片。")
def photo_file(user, client_uuid: str):
    return _send(visits.photo_file(user, client_uuid, thumbnail=False))


@api.route("/photos/<client_uuid>/thumb", "GET", summary="照片缩略图", tag=TAG, errors=(404,),
           params=UUID_PARAM, answers={200: Answer("缩略图（JPEG）", media_type="image/jpeg")})
def photo_thumb(user, client_uuid: str):
    return _send(visits.photo_file(user, client_uuid, thumbnail=True))


@api.route("/visits", "POST", summary="记录一次走访", tag=TAG, body=schemas.VisitBody, errors=(404, 409),
           answers={201: Answer("已记录", schemas.Visit),
                    200: Answer("同一编号、同一内容的重发：与第一次相同", schemas.Visit)},
           description="农户不在辖区内答 404，什么也不保存。带 case_id 且该线索正由本人入户核实时，"
                       "这次走访完成核实（线索变为“已核实待评议”）。同一编号不同内容答 409（conflict）；"
                       "核实步骤被流程拒绝时答 409：不是本角色办理的环节（wrong_role，先于其他字段检查）、"
                       "线索已不在核实环节（wrong_state）或条件不满足（refused）。")
def visit_create(user, body):
    visit, created = visits.record_visit(user, VisitInput(**body))
    return jsonify(shared(schemas.Visit).dump(adapters.visit(visit))), _created(created)


@api.route("/visits/<client_uuid>/signature", "GET", summary="走访签字图片", tag=TAG, errors=(404,),
           params=UUID_PARAM, answers={200: Answer("签字（PNG）", media_type="image/png")},
           description="自己记录的，或辖区内农户的走访所附的签字；每次读取都记入查看记录。没有签字答 404。")
def visit_signature(user, client_uuid: str):
    return _send(visits.signature_file(user, client_uuid))


@api.route("/visits/<client_uuid>", "GET", summary="一次走访", tag=TAG, errors=(404,), params=UUID_PARAM,
           answers={200: Answer("走访记录", schemas.Visit)},
           description="自己记录的，或辖区内农户的走访。")
def visit_detail(user, client_uuid: str):
    return jsonify(shared(schemas.Visit).dump(adapters.visit(visits.visit_for(user, client_uuid))))
