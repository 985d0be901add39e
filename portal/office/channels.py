"""消息接收方式: each staff member picks in-app only, + SMS or + WeChat (bound in the mini
program through POST /api/v1/me/wechat), and may unbind their WeChat here."""
from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_login import current_user, login_required

from portal.office.blueprint import bp
from services.errors import ValidationFailed
from services.notifications.channels import staff


def _page(errors: dict | None = None, typed: str | None = None, status: int = 200):
    view = staff.choice_page(current_user)
    return render_template("office/channels.html", view=view, chosen=typed or view.choice, errors=errors or {},
                           done=request.args.get("done", "")), status


@bp.get("/notifications/channels")
@login_required
def channels():
    return _page()


@bp.post("/notifications/channels")
@login_required
def channels_choose():
    typed = request.form.get("choice", "")
    try:
        staff.choose(current_user, typed)
    except ValidationFailed as exc:
        return _page(exc.fields, typed if len(typed) <= 16 else "", 400)
    return redirect(url_for("office.channels", done="saved"), code=303)


@bp.post("/notifications/channels/wechat/unbind")
@login_required
def channels_unbind_wechat():
    staff.unbind_wechat(current_user)
    return redirect(url_for("office.channels", done="unbound"), code=303)
