"""The audit log page (审计日志, /audit): search, pages, the .xlsx export, the archive runs.

Auditors and admins only (403 for anyone else). The search form is posted: the person is typed
as a login name or a name, which never goes into an address; it is resolved to account ids and
the page is shown at an address holding ids, codes and dates only, so its pages can be linked.
An account outside the auditor's scope in that address answers 404. Every page of results is
audited with its filters (``services.platform.audit_log``).
"""
from __future__ import annotations

import io
from urllib.parse import urlencode

from flask import redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from core.unit_of_work import keep_on_refusal
from domain.enums import Role
from portal.admin.blueprint import bp
from services.platform import audit_archive as archive
from services.platform import audit_log as service

GZIP = "application/gzip"


def _url(filters: service.Filters, **extra) -> str:
    args = [(name, v) for name, value in filters.args().items()
            for v in (value if isinstance(value, list) else [value])]
    args += [(name, str(value)) for name, value in extra.items()]
    return url_for("admin.audit") + ("?" + urlencode(args) if args else "")


def _values(filters: service.Filters) -> dict[str, str]:
    """The form's fields for filters that were read: what they show again."""
    args = filters.args()
    return {"person": service.person_text(filters), "object_type": args.get("object_type", ""),
            "object_id": args.get("object_id", ""), "action": args.get("action", ""),
            "from": args.get("from", ""), "to": args.get("to", "")}


def _typed(source) -> dict[str, str]:
    return {name: (source.get(name) or "") for name in ("person", "object_type", "object_id", "action", "from", "to")}


def _render(*, values: dict, errors: dict, filters: service.Filters | None = None, view=None, status: int = 200):
    is_admin = current_user.role_enum is Role.ADMIN
    html = render_template(
        "admin/audit.html", values=values, errors=errors, choices=service.choices(), view=view,
        filters=filters, filter_args=filters.args() if filters else {},
        newer_url=_url(filters, after=view.newer) if view and view.newer else None,
        older_url=_url(filters, before=view.older) if view and view.older else None,
        newest_url=_url(filters) if view and not view.newest else None,
        archives=archive.archives(current_user), runs=archive.archive_runs(current_user), is_admin=is_admin,
        page_size=service.PAGE_SIZE)
    return html, status


@bp.route("/audit", methods=["GET", "POST"])
@login_required
def audit():
    service.require_reader(current_user)
    if request.method == "POST":
        filters, errors = service.read_form(current_user, request.form)
        if errors:
            return _render(values=_typed(request.form), errors=errors, status=400)
        return redirect(_url(filters), code=303)
    filters, errors = service.read_query(current_user, request.args)  # NotFound: a person out of scope
    if errors:
        return _render(values={**_typed(request.args), "person": service.person_text(filters)}, errors=errors,
                       status=400)
    direction, cursor, page_error = service.read_cursor(request.args)
    view = service.search(current_user, filters, direction=direction, cursor=cursor)
    if page_error:
        keep_on_refusal()  # the page was shown (the newest one): its reading stays audited
        return _render(values=_values(filters), errors={"page": page_error}, filters=filters, view=view,
                       status=400)
    return _render(values=_values(filters), errors={}, filters=filters, view=view)


@bp.post("/audit/export")
@login_required
def audit_export():
    """The search's entries as an .xlsx, written by a job (watched on /jobs/<id>)."""
    service.require_reader(current_user)
    filters, errors = service.read_query(current_user, request.form)
    if errors:
        return _render(values={**_typed(request.form), "person": service.person_text(filters)}, errors=errors,
                       status=400)
    job = service.start_export(current_user, filters)
    return redirect(url_for("jobs.page", job_id=job.id), code=303)


@bp.get("/audit/archives/<int:archive_id>")
@login_required
def audit_archive(archive_id: int):
    filename, data = archive.archive_file(current_user, archive_id)  # admins only; audited
    response = send_file(io.BytesIO(data), mimetype=GZIP, as_attachment=True, download_name=filename, max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response
