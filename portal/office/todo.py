"""我的待办: GET /todo lists the steps that are this person's now (``services.todo``), soonest
deadline first, 50 rows of each list a page (``?page=N``). GET /todo/facts/<case_id> is the
facts a reviewer decides on for one case: the to-do page fetches it into the row's
``<details>`` when opened (``?part=1``: the fragment alone); without script the same link opens
it as a page. Reading it is reading the full record, audited as the case page is; a case
outside the person's scope answers 404."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import render_template, request, url_for
from flask_login import current_user, login_required

from core.clock import today
from domain.deadlines import DUE_SOON_DAYS
from portal.office.blueprint import bp
from services.todo import board as service, facts as case_facts


def _page_url(page: int) -> str:
    return url_for("office.todo") + ("?" + urlencode({"page": page}) if page > 1 else "")


@bp.route("/todo")
@login_required
def todo():
    service.require(current_user)
    page, error = service.read_page(request.args.get("page"))
    found = service.board(current_user, today(), page)
    pager = [(n, _page_url(n)) for n in found.page_numbers]
    html = render_template("office/todo.html", board=found, today=today().isoformat(), page_error=error,
                           pager=pager, page_size=service.lists_page_size(), soon_days=DUE_SOON_DAYS)
    return html, 400 if error else 200


@bp.route("/todo/facts/<int:case_id>")
@login_required
def todo_facts(case_id: int):
    service.require(current_user)
    found = case_facts.facts(current_user, case_id, today())
    template = "office/todo_facts.html" if request.args.get("part") == "1" else "office/todo_facts_page.html"
    return render_template(template, f=found)
