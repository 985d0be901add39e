"""账号管理 pages: the list with its filters, an account's page with its actions, a new account,
and staff accounts from a spreadsheet. A one-time password is shown once, in the answer to the
request that set it (never in an address, never stored by a browser: every answer is no-store)."""
from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_login import current_user, login_required

from core import clock
from core.extensions import db
from domain.enums import Department
from domain.head_visits import HeadTitle
from domain.numbers import whole
from portal.admin.blueprint import bp
from services.accounts import staff, staff_import
from services.accounts.staff import AccountFilters, AccountInput
from services.errors import ValidationFailed

_FIELDS = ("full_name", "username", "phone", "role", "region", "department", "head_title")


def _choices() -> dict:
    return {"role": staff.role_choices(current_user), "department": Department.choices(),
            "state": list(staff.STATES.items()), "head_title": HeadTitle.choices()}


@bp.get("/users", endpoint="users")
@login_required
def users_list():
    staff.require_manager(current_user)
    filters = AccountFilters(**{name: request.args.get(name, "")[:200] for name in ("role", "region", "state", "q")})
    page = whole(request.args.get("page", "1")) or 1
    view = staff.accounts(current_user, filters, page, clock.now())
    args = {k: v for k, v in vars(filters).items() if v}
    return render_template("admin/users.html", view=view, filters=args, choices=_choices(),
                           pages=[(n, url_for("admin.users", page=n, **args)) for n in _around(view.page, view.pages)])


def _around(page: int, pages: int) -> list[int]:
    """The first, the last and the pages near the current one."""
    return sorted({1, pages, *range(max(1, page - 3), min(pages, page + 3) + 1)})


@bp.route("/users/new", methods=["GET", "POST"])
@login_required
def user_new():
    staff.require_manager(current_user)
    typed = {name: request.form.get(name, "") for name in _FIELDS}
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            made, password = staff.create(current_user, AccountInput(**typed))
        except ValidationFailed as exc:
            db.session.rollback()
            errors = exc.fields
        else:
            db.session.commit()
            return render_template("admin/user_password.html", user=made, password=password, created=True)
    return render_template("admin/user_new.html", typed=typed, errors=errors, choices=_choices()), \
        400 if errors else 200


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@login_required
def user(user_id: int):
    account = staff.account(current_user, user_id) if user_id != current_user.id else current_user
    staff.require_manager(current_user)
    errors: dict[str, str] = {}
    typed = _typed_of(account)
    if request.method == "POST":
        typed = {name: request.form.get(name, "") for name in _FIELDS}
        try:
            staff.update(current_user, user_id, AccountInput(**typed))
        except ValidationFailed as exc:
            db.session.rollback()
            errors = exc.fields
        else:
            db.session.commit()
            return redirect(url_for("admin.user", user_id=user_id, saved="1"), code=303)
        account = staff.account(current_user, user_id) if user_id != current_user.id else current_user
    return _account_page(account, typed, errors), 400 if errors else 200


def _account_page(account, typed: dict, errors: dict, notice: str = ""):
    return render_template("admin/user.html", account=account, typed=typed, errors=errors, choices=_choices(),
                           state=staff.state_of(account, clock.now()), own=account.id == current_user.id,
                           saved=request.args.get("saved") == "1", notice=notice,
                           last_login=clock.local_text(account.last_login_at) if account.last_login_at else "从未登录")


@bp.post("/users/<int:user_id>/active")
@login_required
def user_active(user_id: int):
    turn_on = request.form.get("active") == "1"
    try:
        staff.set_active(current_user, user_id, turn_on)
    except ValidationFailed as exc:
        db.session.rollback()
        account = staff.account(current_user, user_id) if user_id != current_user.id else current_user
        return _account_page(account, _typed_of(account), exc.fields), 400
    db.session.commit()
    return redirect(url_for("admin.user", user_id=user_id, saved="1"), code=303)


def _typed_of(account) -> dict:
    return {"full_name": account.full_name, "role": account.role, "region": account.region.code,
            "department": account.department or "", "phone": "", "head_title": account.head_title or ""}


@bp.post("/users/<int:user_id>/password")
@login_required
def user_reset(user_id: int):
    account, password = staff.reset_password(current_user, user_id)
    db.session.commit()
    return render_template("admin/user_password.html", user=account, password=password, created=False)


@bp.post("/users/<int:user_id>/unlock")
@login_required
def user_unlock(user_id: int):
    staff.unlock(current_user, user_id)
    db.session.commit()
    return redirect(url_for("admin.user", user_id=user_id, saved="1"), code=303)


@bp.route("/users/import", methods=["GET", "POST"])
@login_required
def users_import():
    staff.require_manager(current_user)
    if request.method == "GET":
        return render_template("admin/users_import.html", report=None, errors={})
    sent = request.files.get("file")
    dry_run = request.form.get("commit") != "1"
    try:
        report = staff_import.import_accounts(current_user, sent.read() if sent else b"", dry_run=dry_run)
    except ValidationFailed as exc:
        db.session.rollback()
        return render_template("admin/users_import.html", report=None, errors=exc.fields), 400
    if report.errors or dry_run:
        db.session.rollback()  # nothing half-done; a dry run keeps nothing
        return render_template("admin/users_import.html", report=report, errors={}, dry_run=dry_run), \
            400 if report.errors else 200
    db.session.commit()
    return render_template("admin/users_import.html", report=report, errors={}, dry_run=False)
