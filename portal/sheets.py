"""Printable 明白纸 for staff: A4 print page, PNG, and a township's sheets in one PDF."""
from __future__ import annotations

import io

from flask import Blueprint, current_app, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from core import clock
from domain import public_url
from services.farmer import policy, sheet_drawing, sheets

bp = Blueprint("sheets", __name__, url_prefix="/sheets")


def _address() -> public_url.PublicAddress:
    """The address printed in QR codes (the configured public one, else the one staff used),
    with the warning shown in red when farmers' phones may not open it."""
    return public_url.public_address(current_app.config.get("SHOUDI_PUBLIC_URL"), request.url_root)


def _font() -> str:
    return current_app.config["SHOUDI_CJK_FONT"]


def _sheet(code: str, address: public_url.PublicAddress):
    village = sheets.village_in_scope(current_user, code)
    page = policy.policy_page(village, clock.today())
    return page, sheet_drawing.qr_target(address.base, page.village_code)


def _download(data: bytes, mimetype: str, filename: str):
    # Flask writes both an ASCII filename and the RFC 5987 filename*=UTF-8''… for the Chinese one.
    response = send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True,
                         download_name=filename, max_age=0)
    response.headers["Cache-Control"] = "no-store"  # the text changes when the county edits it
    return response


@bp.errorhandler(sheet_drawing.SheetFontMissing)
def font_missing(exc: sheet_drawing.SheetFontMissing):
    """The server lacks a Chinese font: say so plainly (the message names the fix)."""
    current_app.logger.error("%s", exc)
    return render_template("error.html", status=500, message=str(exc)), 500


@bp.get("/")
@login_required
def index():
    return render_template("sheets/index.html", townships=sheets.sheet_index(current_user),
                           address_warning=_address().warning)


@bp.get("/<village_code>")
@login_required
def print_page(village_code: str):
    address = _address()
    page, target = _sheet(village_code, address)
    return render_template("sheets/print.html", page=page, target=target, address_warning=address.warning,
                           qr_svg=sheet_drawing.qr_svg(target), title=sheet_drawing.TITLE,
                           caption=sheet_drawing.QR_CAPTION, contacts_heading=sheet_drawing.CONTACTS_HEADING)


@bp.get("/<village_code>.png")
@login_required
def png(village_code: str):
    page, target = _sheet(village_code, _address())
    data = sheet_drawing.render_sheet_png(page, target, _font())
    return _download(data, "image/png", f"明白纸-{page.village_code}.png")


@bp.post("/township/<township_code>/pdf")
@login_required
def township_pdf(township_code: str):
    """A township's sheets in one PDF: drawn by the job queue, watched and downloaded on /jobs."""
    address = _address()
    job = sheets.start_township_pdf(current_user, township_code, address.base, clock.today(),
                                    address_warning=address.warning)
    return redirect(url_for("jobs.page", job_id=job.id))
