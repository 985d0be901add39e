"""The application factory: ``create_app(test_config)`` (Flask's ``flask --app shoudi`` finds it)."""
from __future__ import annotations

import logging
import os
from datetime import timedelta

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.middleware.proxy_fix import ProxyFix

import models  # noqa: F401  (registers every table on the metadata)
from api import bp as api_bp
from core.config import decode_data_key, load_config, prepare_threshold
from core.crypto import DataProtector
from core import boundary, logscrub, ratelimit
from core.extensions import compress, csrf, db, limiter, login_manager, migrate
from core.filestore import STORE_EXTENSION, make_store
from core.template_cache import COMPILED_TEMPLATES
from domain.workflow import TransitionRefused
from models import User
from models.types import PROTECTOR_EXTENSION
from portal import bp as portal_bp
from portal.admin import bp as admin_bp
from portal.session import lock_idle_session, require_password_change
from portal.assets import bp as assets_bp
from portal.farmer import bp as farmer_bp
from portal.field import bp as field_bp
from portal.jobs import bp as jobs_bp
from portal.register import bp as register_bp
from portal.office import bp as office_bp
from portal.office.nav import UNREAD_COUNTER
from portal.sheets import bp as sheets_bp
from portal.warnings import bp as warnings_bp
from portal.campaigns import bp as campaigns_bp
from services.errors import NOT_FOUND as NOT_FOUND_MESSAGE
from services.errors import Conflict, NotFound, PermissionDenied, ValidationFailed, answer_for
from services.notifications.centre import unread_count
from services.notifications.notify import NOTIFIERS_EXTENSION, InAppNotifier, LoggingNotifier
from services.notifications import channels
from shoudi.cli import register_cli
from shoudi.queue import init_queue
from core.unit_of_work import register_unit_of_work

MIGRATIONS_DIR = os.path.join(os.path.dirname(__file__), "migrations")


def _database_options(config) -> dict:
    """PostgreSQL without JIT compilation: every query here is a short one served by indexes, and
    compiling one the planner guesses is large cost 100–170 ms a request at a million households.
    Statements are prepared on the server as ``SHOUDI_DB_PREPARE_THRESHOLD`` says, and always
    planned for their values (``plan_cache_mode``): a plan made once for any value cannot turn
    ``path LIKE $1`` into an index range nor use a partial index, and after a prepared
    statement's fifth run PostgreSQL may choose such a plan (a county's search went from 33 to
    75–100 ms at a million households)."""
    url = config.get("SQLALCHEMY_DATABASE_URI") or ""
    if not url.startswith("postgresql"):
        return {}
    return {"connect_args": {"options": "-c jit=off -c plan_cache_mode=force_custom_plan",
                             "prepare_threshold": prepare_threshold(config)}}


def create_app(test_config: dict | None = None) -> Flask:
    # Tests hand their own instance folder ("INSTANCE_PATH", not a config key): they must never
    # read the instance/shoudi.env that ``make run`` writes.
    test_config = dict(test_config or {})
    instance_path = test_config.pop("INSTANCE_PATH", None) or os.environ.get("SHOUDI_INSTANCE_PATH") or None
    app = Flask(__name__, instance_path=instance_path, instance_relative_config=True,
                template_folder=None, static_folder=None)
    app.jinja_env.bytecode_cache = COMPILED_TEMPLATES
    app.config.update(load_config(app.instance_path, overrides=test_config))
    boundary.install(app)
    os.makedirs(app.instance_path, exist_ok=True)
    proxies = app.config["SHOUDI_TRUSTED_PROXIES"]
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    logging.basicConfig(level=app.config["SHOUDI_LOG_LEVEL"])
    logscrub.install()
    # SQL errors never carry their parameters (typed phones, names, ID numbers) into a log.
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}),
                                               "hide_parameters": True, **_database_options(app.config)}

    app.extensions[PROTECTOR_EXTENSION] = DataProtector(decode_data_key(app.config["SHOUDI_DATA_KEY"]))
    app.extensions[NOTIFIERS_EXTENSION] = [InAppNotifier(), LoggingNotifier()]
    channels.install(app)  # SMS and WeChat, when configured
    app.extensions[STORE_EXTENSION] = make_store(app.config)
    init_queue(app)
    app.extensions[UNREAD_COUNTER] = unread_count  # the 消息 badge in the staff navigation

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True)
    csrf.init_app(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["SHOUDI_REDIS_URL"] or "memory://")
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    limiter.init_app(app)
    app.config.setdefault("COMPRESS_ALGORITHM", "gzip")
    app.config.setdefault("COMPRESS_MIN_SIZE", 256)
    app.config.setdefault("COMPRESS_MIMETYPES", [
        "text/html", "text/css", "application/javascript", "application/json", "image/svg+xml"])
    compress.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "portal.login"
    login_manager.login_message = "请先登录"
    login_manager.session_protection = "strong"

    app.permanent_session_lifetime = timedelta(hours=app.config["SHOUDI_SESSION_HOURS"])
    app.before_request(lock_idle_session)
    app.before_request(require_password_change)
    app.after_request(ratelimit.add_retry_after)
    app.register_blueprint(portal_bp)
    app.register_blueprint(assets_bp)
    app.register_blueprint(farmer_bp)
    app.register_blueprint(sheets_bp)
    app.register_blueprint(field_bp)
    app.register_blueprint(office_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(jobs_bp)
    app.register_blueprint(register_bp)
    app.register_blueprint(warnings_bp)
    app.register_blueprint(campaigns_bp)
    app.register_blueprint(api_bp)
    csrf.exempt(api_bp)  # the API authenticates with bearer tokens, not cookies
    _register_error_handlers(app)
    _register_response_headers(app)
    register_unit_of_work(app)
    register_cli(app)
    return app


@login_manager.user_loader
def _load_user(login_id: str) -> User | None:
    """The session holds "<user id>.<session token>": a rotated token ends the session."""
    user_id, _, token = login_id.partition(".")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or not user.session_matches(token):
        return None
    return user


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _error(status: int, code: str, message: str, fields: dict | None = None):
    if _wants_json():
        return jsonify({"error": {"code": code, "message": message, "fields": fields or {}}}), status
    return render_template("error.html", status=status, message=message), status


def _register_error_handlers(app: Flask) -> None:
    @app.errorhandler(404)
    def not_found(exc):
        return _error(404, "not_found", NOT_FOUND_MESSAGE)

    # The error contract (services.errors), the same for pages and the API.
    @app.errorhandler(NotFound)
    @app.errorhandler(PermissionDenied)
    @app.errorhandler(ValidationFailed)
    @app.errorhandler(TransitionRefused)
    @app.errorhandler(Conflict)
    def contract_error(exc: Exception):
        answer = answer_for(exc)
        if answer.status in (400, 409):  # a refused write is never kept, even by keep_on_refusal
            db.session.rollback()
        return _error(answer.status, answer.code, answer.message, answer.fields)

    @app.errorhandler(CSRFError)
    def csrf_failed(exc):
        return _error(400, "csrf", "页面已过期，请刷新后重新提交")

    @app.errorhandler(400)
    def bad_request(exc):
        db.session.rollback()
        message = exc.description if exc.description == boundary.NUL_MESSAGE else "提交的内容无法识别，请检查后重新提交"
        return _error(400, "bad_request", message)

    @app.errorhandler(405)
    def method_not_allowed(exc):
        return _error(405, "method_not_allowed", "不支持此操作")

    @app.errorhandler(413)
    def too_large(exc):
        return _error(413, "too_large", "上传的内容太大")

    @app.errorhandler(429)
    def too_many(exc):
        return _error(429, "rate_limited", "操作太频繁，请过一会儿再试")

    @app.errorhandler(500)
    def server_error(exc):
        return _error(500, "server_error", "系统出了点问题，请稍后再试")


# Scripts only from our own files (no inline script, no eval); inline styles are allowed (a few
# templates carry them), images also from data:/blob: URLs (photo previews before upload).
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                           "img-src 'self' data: blob:; connect-src 'self'; worker-src 'self'; "
                           "manifest-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
                           "frame-ancestors 'none'")


def _register_response_headers(app: Flask) -> None:
    @app.after_request
    def headers(response):
        # WeChat's browser caches aggressively; pages, downloads, photos and evidence carry
        # personal data: nothing is stored but the content-hashed assets (immutable).
        if "immutable" not in response.headers.get("Cache-Control", ""):
            response.headers["Cache-Control"] = "no-store"
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response
