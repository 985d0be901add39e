"""Nothing personal reaches a log: SQL errors hide their parameters, and every record's text and
traceback are scrubbed of phones, ID numbers and the values the database quotes back."""
import logging

import pytest
from sqlalchemy import text

from core.extensions import db
from core.logscrub import install, scrub

PHONE, ID_NUMBER, NAME = "13812345678", "341522196003010119", "王大山"


def test_phones_id_numbers_and_quoted_values_are_masked():
    assert scrub(f"登录账号 {PHONE}") == "登录账号 138****5678"
    assert scrub(f"证件 {ID_NUMBER}。") == "证件 341522************。"
    assert scrub(f'invalid input syntax for type integer: "{NAME}{PHONE}"') == 'invalid input syntax for type integer: "…"'
    assert scrub(f"DETAIL:  Key (claimed_name)=({NAME}) already exists.") == "DETAIL:  Key (claimed_name)=(…) already exists."
    assert scrub("GET /cases/17?page=2 200") == "GET /cases/17?page=2 200"  # what is not personal stays


def test_a_record_with_arguments_and_a_traceback_is_scrubbed_for_every_handler(caplog):
    install()  # as create_app does
    log = logging.getLogger("shoudi.test")
    try:
        raise ValueError(f"电话 {PHONE} 证件 {ID_NUMBER}")
    except ValueError:
        with caplog.at_level(logging.ERROR):
            log.exception("查找 %s 失败", PHONE)
    assert caplog.text and PHONE not in caplog.text and ID_NUMBER not in caplog.text
    assert "查找 138****5678 失败" in caplog.text and "ValueError" in caplog.text


def test_a_failing_query_with_a_phone_and_an_id_number_leaves_neither_in_any_log(app, caplog):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the error is logged, a 500 answered

    @app.route("/test-failing-query")
    def failing_query():
        typed = f"{NAME} {PHONE} {ID_NUMBER}"
        # PostgreSQL quotes the value back in its message; SQLite casts it, then fails on the table.
        db.session.execute(text("SELECT CAST(:typed AS INTEGER)"), {"typed": typed})
        db.session.execute(text("SELECT * FROM no_such_table WHERE name = :typed"), {"typed": typed})
        return "unreachable"

    with caplog.at_level(logging.DEBUG):
        answer = app.test_client().get("/test-failing-query")
    assert answer.status_code == 500 and "系统出了点问题" in answer.get_data(as_text=True)
    logged = caplog.text
    assert "Exception on /test-failing-query" in logged and "SQL parameters hidden" in logged
    assert PHONE not in logged and ID_NUMBER not in logged and NAME not in logged
