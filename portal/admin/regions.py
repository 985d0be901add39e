"""区划管理: the region tree under the person's node, level by level, searchable; import from a
CSV or an .xlsx (check first, then import), add a grid, rename, merge into a sibling.

Admins and county staff only (403 for anyone else); nodes outside their part of the tree 404.
Handlers stay thin: form → ``services.regions.manage`` → template. The request commits once
(``core.unit_of_work``), so a refused change (4xx) leaves nothing behind.
"""
from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_login import current_user, login_required

from core import clock
from core.extensions import db
from portal.admin.blueprint import bp
from services.errors import ValidationFailed
from services.regions import manage

MAX_TEXT = 200  # what a form field may carry back into the page


def _typed(*names: str) -> dict[str, str]:
    return {name: request.form.get(name, "")[:MAX_TEXT] for name in names}


def _node_page(region, errors=None, typed=None, status=200, query="", hits=None, query_error=""):
    page = manage.node_page(current_user, region)
    return render_template("admin/regions.html", page=page, errors=errors or {}, typed=typed or {},
                           query=query, hits=hits, query_error=query_error,
                           done=request.args.get("done", "")), status


@bp.get("/regions", endpoint="regions")
@login_required
def regions_root():
    """The person's own node, with the search box; ``?q=`` finds a node by name or code."""
    manage.check_manager(current_user)
    query = request.args.get("q", "")[:MAX_TEXT]
    hits, error = None, ""
    if query.strip():
        try:
            hits = manage.search(current_user, query)
        except ValidationFailed as exc:
            error = exc.fields.get("q", "查找内容有误")
    return _node_page(current_user.region, query=query, hits=hits, query_error=error,
                      status=400 if error else 200)


@bp.get("/regions/<int:region_id>")
@login_required
def region(region_id: int):
    return _node_page(manage.node(current_user, region_id))


@bp.post("/regions/<int:region_id>/grids")
@login_required
def region_add_grid(region_id: int):
    village = manage.node(current_user, region_id)
    typed = _typed("code", "name")
    try:
        grid = manage.add_grid(current_user, village, request.form.get("code", ""), request.form.get("name", ""))
    except ValidationFailed as exc:
        db.session.rollback()
        return _node_page(manage.node(current_user, region_id), errors=exc.fields, typed=typed, status=400)
    return redirect(url_for("admin.region", region_id=village.id, done=f"已添加网格 {grid.name}"), code=303)


@bp.route("/regions/<int:region_id>/rename", methods=["GET", "POST"])
@login_required
def region_rename(region_id: int):
    target = manage.node(current_user, region_id)
    errors: dict[str, str] = {}
    typed = {"name": target.name, "code": ""}
    if request.method == "POST":
        typed = _typed("name", "code")
        try:
            manage.rename(current_user, target, request.form.get("name", ""), request.form.get("code", ""),
                          clock.today())
        except ValidationFailed as exc:
            db.session.rollback()
            errors = exc.fields
            target = manage.node(current_user, region_id)
        else:
            return redirect(url_for("admin.region", region_id=target.id, done="已改名"), code=303)
    return render_template("admin/region_rename.html", region=target, errors=errors,
                           typed=typed), 400 if errors else 200


@bp.route("/regions/<int:region_id>/merge", methods=["GET", "POST"])
@login_required
def region_merge(region_id: int):
    """Step 1 (GET): choose the sibling. Step 2 (POST): what moves, to confirm. Step 3 (POST
    with ``confirm``): the merge; the page of the node it went into."""
    source = manage.node(current_user, region_id)
    choices = manage.merge_targets(current_user, source)
    errors: dict[str, str] = {}
    plan = None
    raw_target = request.form.get("target", "")[:MAX_TEXT]
    if request.method == "POST":
        try:
            if request.form.get("confirm") == "yes":
                target = manage.merge(current_user, source, raw_target, clock.today())
                return redirect(url_for("admin.region", region_id=target.id,
                                        done="合并完成，原代码仍可查到本区划"), code=303)
            plan = manage.merge_plan(current_user, source, raw_target)
        except ValidationFailed as exc:
            db.session.rollback()
            errors = exc.fields
            source = manage.node(current_user, region_id)
    return render_template("admin/region_merge.html", region=source, choices=choices, plan=plan,
                           errors=errors, typed={"target": raw_target},
                           own_node=source.id == current_user.region_id), 400 if errors else 200


@bp.route("/regions/import", methods=["GET", "POST"])
@login_required
def region_import():
    """Upload → check (nothing changes; the report by line) → import the checked rows.

    The checked rows travel back in the confirmation form and are checked again on import:
    all or nothing, whatever was sent."""
    manage.check_manager(current_user)
    errors: dict[str, str] = {}
    report, text, imported = None, "", False
    if request.method == "POST":
        try:
            if request.form.get("mode") == "import":
                text = request.form.get("rows", "")
                report = manage.import_text(current_user, text, dry_run=False)
                imported = report.ok
            else:
                sent = request.files.get("file")
                text = manage.file_text(sent.filename if sent else "", sent.read() if sent else b"")
                report = manage.import_text(current_user, text, dry_run=True)
        except ValidationFailed as exc:
            db.session.rollback()
            errors = exc.fields
            text = ""
        if report is not None and not report.ok:
            db.session.rollback()
    status = 400 if errors or (report is not None and not report.ok) else 200
    return render_template("admin/region_import.html", errors=errors, report=report, rows=text,
                           imported=imported, root=current_user.region), status
