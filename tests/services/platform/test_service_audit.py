import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from core.extensions import db
from factories import build_world, household, new_id
from models import AuditLog
from models.audit import AuditLogIsAppendOnly
from services.households import records
from services.platform import audit


def test_entries_record_who_what_when_and_address(app):
    world = build_world()
    with app.test_request_context("/", environ_base={"REMOTE_ADDR": "10.1.2.3"}):
        audit.record(world.users["village_a"], "read", "household", 42, "full record")
    # read back in the same unit of work, by columns or as an object
    assert db.session.execute(select(AuditLog.detail).where(AuditLog.object_id == "42")).scalar_one() == "full record"
    entry = db.session.execute(select(AuditLog).where(AuditLog.object_id == "42")).scalar_one()
    assert (entry.user_id, entry.role, entry.ip) == (world.users["village_a"].id, "village_staff", "10.1.2.3")
    assert entry.at is not None and entry.object_id == "42" and entry.detail == "full record"


def test_entries_are_written_with_the_commit_and_dropped_with_a_rollback(app):
    audit.record(None, "login_failed", "user", detail="kept")
    db.session.commit()
    audit.record(None, "login_failed", "user", detail="rolled back")
    db.session.rollback()
    audit.record(None, "login_failed", "user", detail="second")
    audit.record(None, "login_failed", "user", detail="third")
    db.session.commit()
    details = db.session.execute(select(AuditLog.detail).order_by(AuditLog.id)).scalars().all()
    assert details == ["kept", "second", "third"]


def test_orm_refuses_update_and_delete(app):
    audit.record(None, "login_failed", "user")
    db.session.commit()
    entry = db.session.execute(select(AuditLog)).scalar_one()
    entry.detail = "tampered"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(AuditLog, entry.id))
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET detail = 'x'", "DELETE FROM audit_log"])
def test_database_refuses_update_and_delete(app, statement):
    audit.record(None, "login_failed", "user")
    db.session.commit()
    with pytest.raises(DatabaseError):
        db.session.execute(text(statement))
    db.session.rollback()
    assert db.session.execute(select(AuditLog)).scalars().all()[0].detail == ""


def test_audit_never_holds_personal_data(app, today):
    world = build_world()
    id_number, phone = new_id(), "13911112222"
    h = household(world.grid_a1, today, id_number=id_number, phone=phone)
    records.read_household(world.users["county"], h.id)
    records.find_member_by_id_number(world.users["county"], id_number)
    db.session.commit()
    rows = db.session.execute(text("SELECT * FROM audit_log")).all()
    assert len(rows) >= 10
    dump = " ".join(str(v) for row in rows for v in row)
    assert id_number not in dump and phone not in dump and "户主" not in dump

