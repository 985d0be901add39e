"""Migration 0016 (部门筛查预警: department lists, rows and warnings, the yearly thresholds, the
pending warning on the case, the department list jobs and the 'warning' notification) on a
database that already holds cases, jobs and notifications at 0015, on SQLite and PostgreSQL;
its CHECK constraints; and back down and up again."""
from __future__ import annotations

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import DatabaseError

from core.extensions import db
from test_migration_upgrade import NOW, downgrade, fresh_app, fresh_database_url, upgrade  # noqa: F401
from test_migration_upgrade import _insert_region

pytestmark = pytest.mark.needs_db

NEW_TABLES = {"department_list", "department_row", "department_warning", "warning_threshold"}
JOB = text("INSERT INTO job (kind, state, params, done, attempts, created_at) VALUES (:kind, 'done', '{}', 0, 0, :at)")
NOTIFICATION = text("INSERT INTO notification (user_id, kind, title, dedupe_key, created_at) "
                    "VALUES (:u, :kind, '通知', :key, :at)")


def _data_at_0015(conn) -> dict:
    """A county with a village, a staff account, a household with an open case, a job and a
    notification: what a county running the system holds before the upgrade."""
    _insert_region(conn, "341599000000", "county")
    _insert_region(conn, "341599101001", "village")
    county, village = (conn.execute(text("SELECT id FROM region WHERE code = :c"), {"c": c}).scalar_one()
                       for c in ("341599000000", "341599101001"))
    conn.execute(text("INSERT INTO user_account (username, full_name, password_hash, role, region_id, active, "
                      "created_at, session_token) VALUES ('u', '某某', 'x', 'county_staff', :r, :a, :at, 't')"),
                 {"r": county, "a": True, "at": NOW})
    user = conn.execute(text("SELECT id FROM user_account")).scalar_one()
    conn.execute(text("INSERT INTO household (region_id, address, attribute, risk_types, key_groups, created_at, "
                      "updated_at) VALUES (:r, '', 'lifted', '[]', '[]', :at, :at)"), {"r": village, "at": NOW})
    household = conn.execute(text("SELECT max(id) FROM household")).scalar_one()
    conn.execute(text("INSERT INTO case_file (source, state, urgent, risk_types, region_id, household_id, clue_date, "
                      "created_at, updated_at) VALUES ('grid_visit', 'helping', false, '[]', :r, :h, '2026-11-01', "
                      ":at, :at)"), {"r": village, "h": household, "at": NOW})
    case = conn.execute(text("SELECT max(id) FROM case_file")).scalar_one()
    conn.execute(JOB, {"kind": "register_import", "at": NOW})
    conn.execute(NOTIFICATION, {"u": user, "kind": "overdue", "key": "old", "at": NOW})
    return {"county": county, "village": village, "user": user, "household": household, "case": case}


def _list(conn, ids, kind="medical", department="medical_insurance") -> int:
    conn.execute(text("INSERT INTO department_list (county_id, kind, department, filename, uploaded_by_id, "
                      "uploaded_at, rows, repeated, problems, unmatched, warnings) VALUES (:c, :k, :d, '医保.xlsx', "
                      ":u, :at, 1, 0, 0, 0, 1)"), {"c": ids["county"], "k": kind, "d": department, "u": ids["user"],
                                                  "at": NOW})
    return conn.execute(text("SELECT max(id) FROM department_list")).scalar_one()


def _row(conn, ids, list_id, fingerprint="f1", state="warning") -> int:
    conn.execute(text("INSERT INTO department_row (list_id, county_id, line, name, id_number_enc, id_number_index, "
                      "facts_enc, fingerprint, state) VALUES (:l, :c, 2, '王大山', 'enc', 'idx', 'enc', :f, :s)"),
                 {"l": list_id, "c": ids["county"], "f": fingerprint, "s": state})
    return conn.execute(text("SELECT max(id) FROM department_row")).scalar_one()


def _warning(conn, ids, list_id, row_id, **change) -> None:
    values = {"grade": "red", "kind": "medical", "department": "medical_insurance", "feedback": None, **change}
    conn.execute(text("INSERT INTO department_warning (row_id, list_id, county_id, region_id, household_id, case_id, "
                      "department, kind, grade, figures, sent_on, due_on, joined_open_case, feedback) VALUES (:row, "
                      ":l, :c, :v, :h, :case, :department, :kind, :grade, 'enc', '2026-11-20', '2026-11-23', :j, "
                      ":feedback)"),
                 {"row": row_id, "l": list_id, "c": ids["county"], "v": ids["village"], "h": ids["household"],
                  "case": ids["case"], "j": True, **values})


def _refused(statement: str, **params) -> None:
    with pytest.raises(DatabaseError):
        with db.engine.begin() as conn:
            conn.execute(text(statement), params)


def test_0016_keeps_what_is_there_and_its_checks_refuse_bad_codes(fresh_app):
    upgrade("0015")
    with db.engine.begin() as conn:
        ids = _data_at_0015(conn)
    with pytest.raises(DatabaseError):  # the department jobs do not exist before 0016
        with db.engine.begin() as conn:
            conn.execute(JOB, {"kind": "department_check", "at": NOW})
    upgrade("0016")
    with db.engine.begin() as conn:
        assert NEW_TABLES <= set(inspect(conn).get_table_names())
        assert conn.execute(text("SELECT household_id, warning_grade, warning_due FROM case_file")).one() == (
            ids["household"], None, None)
        assert conn.execute(text("SELECT kind FROM job")).scalars().all() == ["register_import"]
        assert conn.execute(text("SELECT kind FROM notification")).scalars().all() == ["overdue"]
        for kind in ("department_check", "department_compare", "department_monthly"):
            conn.execute(JOB, {"kind": kind, "at": NOW})
        conn.execute(NOTIFICATION, {"u": ids["user"], "kind": "warning", "key": "answered", "at": NOW})
        list_id = _list(conn, ids)
        row_id = _row(conn, ids, list_id)
        _warning(conn, ids, list_id, row_id, feedback="no_risk")
        conn.execute(text("UPDATE case_file SET warning_grade = 'red', warning_due = '2026-11-23'"))
        conn.execute(text("INSERT INTO warning_threshold (region_id, year, key, value) "
                          "VALUES (:c, 2026, 'medical_other', '20000')"), {"c": ids["county"]})
    with db.engine.begin() as conn:
        other_row = _row(conn, ids, list_id, fingerprint="f2", state="unmatched")
    for change in ({"grade": "purple"}, {"kind": "tax"}, {"department": "navy"}, {"feedback": "maybe"}):
        with pytest.raises(DatabaseError):
            with db.engine.begin() as conn:
                _warning(conn, ids, list_id, other_row, **change)
    _refused("UPDATE department_row SET state = 'lost' WHERE id = :id", id=row_id)
    _refused("UPDATE department_list SET kind = 'tax' WHERE id = :id", id=list_id)
    _refused("UPDATE case_file SET warning_grade = 'blue'")
    _refused("INSERT INTO notification (user_id, kind, title, dedupe_key, created_at) "
             "VALUES (:u, 'warnings', 't', 'k', :at)", u=ids["user"], at=NOW)
    with pytest.raises(DatabaseError):  # the same row twice in a county: one fingerprint
        with db.engine.begin() as conn:
            _row(conn, ids, list_id, fingerprint="f1")
    with pytest.raises(DatabaseError):  # one warning per row
        with db.engine.begin() as conn:
            _warning(conn, ids, list_id, row_id)
    with pytest.raises(DatabaseError):  # one value per region, year and figure
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO warning_threshold (region_id, year, key, value) "
                              "VALUES (:c, 2026, 'medical_other', '21000')"), {"c": ids["county"]})
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM department_warning")).scalar_one() == 1
        assert conn.execute(text("SELECT grade, feedback FROM department_warning")).one() == ("red", "no_risk")


def test_0016_downgrades_cleanly_and_upgrades_again(fresh_app):
    upgrade("0016")
    with db.engine.begin() as conn:
        ids = _data_at_0015(conn)
        list_id = _list(conn, ids)
        _warning(conn, ids, list_id, _row(conn, ids, list_id))
        conn.execute(JOB, {"kind": "department_compare", "at": NOW})
        conn.execute(NOTIFICATION, {"u": ids["user"], "kind": "warning", "key": "answered", "at": NOW})
        conn.execute(text("UPDATE case_file SET warning_grade = 'red', warning_due = '2026-11-23'"))
    downgrade("0015")
    with db.engine.connect() as conn:
        assert not NEW_TABLES & set(inspect(conn).get_table_names())
        assert not {"warning_grade", "warning_due"} & {c["name"] for c in inspect(conn).get_columns("case_file")}
        assert conn.execute(text("SELECT kind FROM job")).scalars().all() == ["register_import"]
        assert conn.execute(text("SELECT kind FROM notification")).scalars().all() == ["overdue"]
        assert conn.execute(text("SELECT count(*) FROM case_file")).scalar_one() == 1
    with pytest.raises(DatabaseError):  # 0015's checks are back
        with db.engine.begin() as conn:
            conn.execute(JOB, {"kind": "department_check", "at": NOW})
    upgrade()
    with db.engine.begin() as conn:
        assert NEW_TABLES <= set(inspect(conn).get_table_names())
        conn.execute(JOB, {"kind": "department_check", "at": NOW})
        assert conn.execute(text("SELECT warning_grade FROM case_file")).scalar_one() is None
