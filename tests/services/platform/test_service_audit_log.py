"""Reading the audit log (scope, filters, pages, export) and its retention job (archive to the file
store, record the range, only then delete; never a younger entry)."""
from __future__ import annotations

import csv
import gzip
import io
from datetime import date, datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import DatabaseError

import factories
from conftest import TODAY
from core.config import ConfigError, load_config
from core.extensions import db
from core.filestore import store
from domain.jobs import JobKind, JobState
from models import AuditArchive, AuditLog, Job
from models.types import utcnow
from services.accounts import users
from services.errors import NotFound, PermissionDenied
from services.platform import audit_archive, audit_log, files, jobs, scheduled
from services.platform.audit_log import Filters

CST = timezone(timedelta(hours=8))


@pytest.fixture
def world(app):
    world = factories.with_a_neighbour(factories.build_world())
    db.session.commit()
    _clear_log()  # the accounts' creation: start each test from an empty log
    return world


def _clear_log():
    """Empty the log the only way the trigger allows: as an archived range (test set-up)."""
    last = db.session.execute(select(func.max(AuditLog.id))).scalar()
    if last:
        db.session.add(AuditArchive(first_id=1, last_id=last, entries=0, cutoff=utcnow(), file_key="setup/none"))
        db.session.flush()
        db.session.execute(text("DELETE FROM audit_log"))
        db.session.execute(text("DELETE FROM audit_archive"))
        db.session.commit()


def _entries(*rows) -> list[int]:
    """Write entries as (user or None, action, object_type, object_id, at); returns their ids."""
    table = AuditLog.__table__
    ids = []
    for user, action, object_type, object_id, at in rows:
        ids.append(db.session.execute(insert(table).values(
            at=at, user_id=user.id if user else None, role=user.role if user else None, action=action,
            object_type=object_type, object_id=None if object_id is None else str(object_id), ip="10.0.0.1",
            detail="d")).inserted_primary_key[0])
    db.session.commit()
    return ids


def _shown(page) -> list[int]:
    """The entries a page shows, leaving out the reading of the log itself (each search is one)."""
    return [e.id for e in page.entries if not (e.action_code == "read" and e.object == "审计日志")]


AT = datetime(2026, 11, 10, 2, 0, tzinfo=timezone.utc)


# --- who reads it ----------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["county", "township", "village_a", "grid_a1", "cadre_a", "dept"])
def test_only_auditors_and_admins_read_the_log(world, name):
    with pytest.raises(PermissionDenied):
        audit_log.search(world.users[name], Filters())
    with pytest.raises(PermissionDenied):
        audit_log.start_export(world.users[name], Filters())


def test_an_auditor_sees_the_people_of_their_region_and_an_admin_everything(world):
    u = world.users
    mine = _entries((u["village_a"], "read", "household", 1, AT), (u["grid_a1"], "read", "case", 2, AT),
                    (u["county"], "login", "user", u["county"].id, AT), (u["auditor"], "export", "audit_log", None, AT))
    theirs = _entries((u["other_county"], "read", "household", 9, AT))
    nobody = _entries((None, "login_failed", "user", None, AT), (None, "create", "case", 5, AT))
    assert _shown(audit_log.search(u["auditor"], Filters())) == sorted(mine, reverse=True)
    assert _shown(audit_log.search(u["other_auditor"], Filters())) == theirs
    assert _shown(audit_log.search(u["admin"], Filters())) == sorted(mine + theirs + nobody, reverse=True)


def test_every_search_is_audited_with_its_filters_by_ids(world):
    u = world.users
    _entries((u["village_a"], "read", "household", 12, AT))
    filters, errors = audit_log.read_form(u["auditor"], {"person": "VILLAGE_A", "object_type": "household",
                                                          "object_id": "12", "from": "2026-11-01", "to": "2026-11-30"})
    assert errors == {} and filters.user_ids == (u["village_a"].id,)
    page = audit_log.search(u["auditor"], filters)
    db.session.commit()
    assert len(page.entries) == 1
    entry = db.session.execute(select(AuditLog).where(AuditLog.object_type == "audit_log")).scalar_one()
    assert (entry.user_id, entry.action) == (u["auditor"].id, "read")
    assert entry.detail == (f"user={u['village_a'].id} object=household:12 from=2026-11-01 to=2026-11-30: 1 shown")
    assert "VILLAGE_A" not in entry.detail


# --- filters ---------------------------------------------------------------------------------

def test_filters_by_person_object_action_and_china_days(world):
    u = world.users
    late_on_19th = datetime(2026, 11, 19, 15, 59, tzinfo=timezone.utc)   # 23:59 on the 19th in China
    early_on_20th = datetime(2026, 11, 19, 16, 0, tzinfo=timezone.utc)  # 00:00 on the 20th in China
    a, b, c, d = _entries((u["village_a"], "read", "household", 12, late_on_19th),
                          (u["village_a"], "update", "household", 12, early_on_20th),
                          (u["village_b"], "read", "household", 12, early_on_20th),
                          (u["village_a"], "read", "case", 12, early_on_20th))
    auditor = u["auditor"]

    def found(**form):
        filters, errors = audit_log.read_form(auditor, form)
        assert errors == {}
        return _shown(audit_log.search(auditor, filters))

    assert found(person="village_a") == [d, b, a]
    assert found(object_type="household", object_id="12") == [c, b, a]
    assert found(object_type="household") == [c, b, a]
    assert found(action="read") == [d, c, a]
    assert found(**{"from": "2026-11-20"}) == [d, c, b]
    assert found(to="2026-11-19") == [a]
    assert found(**{"from": "2026-11-19", "to": "2026-11-19"}) == [a]
    assert found(person="village_a", action="read", object_type="household") == [a]


def test_a_name_shared_by_several_accounts_finds_them_all(world):
    u = world.users
    twin = users.create_user("village_a2", "VILLAGE_A", factories.PASSWORD, "village_staff", world.village_a.code)
    db.session.commit()
    ids = _entries((u["village_a"], "read", "household", 1, AT), (twin, "read", "household", 2, AT))
    filters, errors = audit_log.read_form(u["auditor"], {"person": "VILLAGE_A"})
    assert errors == {} and set(filters.user_ids) == {u["village_a"].id, twin.id}
    assert _shown(audit_log.search(u["auditor"], filters)) == ids[::-1]
    assert audit_log.person_text(filters) == "VILLAGE_A"


@pytest.mark.parametrize("form, field", [
    ({"person": "nobody"}, "person"),
    ({"person": "other_county"}, "person"),          # outside the auditor's region
    ({"person": "x" * 65}, "person"),
    ({"person": "a\x00b"}, "person"),
    ({"object_id": "12"}, "object_type"),            # an id needs its type
    ({"object_type": "secrets", "object_id": "1"}, "object_type"),
    ({"object_type": "household", "object_id": "²"}, "object_id"),
    ({"object_type": "household", "object_id": "2147483648"}, "object_id"),
    ({"object_type": "household", "object_id": "13812345678"}, "object_id"),  # a phone is no id
    ({"object_type": "household", "object_id": "NaN"}, "object_id"),
    ({"action": "DROP TABLE"}, "action"),
    ({"from": "2026-02-30"}, "from"),
    ({"from": "20261120"}, "from"),
    ({"from": "２０２６-11-20"}, "from"),
    ({"to": "0001-01-01"}, "to"),
    ({"to": "9999-12-31"}, "to"),
    ({"from": "2026-11-20", "to": "2026-11-19"}, "to"),
])
def test_bad_input_is_a_field_error(world, form, field):
    filters, errors = audit_log.read_form(world.users["auditor"], form)
    assert field in errors and errors[field]
    assert all(not "\u4e00" <= c <= "\u9fff" for c in field)  # the field's name; its message is Chinese
    assert any("\u4e00" <= c <= "\u9fff" for c in errors[field])


def test_an_account_outside_the_scope_in_the_address_is_not_found(world):
    u = world.users
    with pytest.raises(NotFound):
        audit_log.read_query(u["auditor"], {"user": [str(u["other_county"].id)]})
    with pytest.raises(NotFound):
        audit_log.read_query(u["auditor"], {"user": ["999999"]})
    filters, errors = audit_log.read_query(u["admin"], {"user": [str(u["other_county"].id)]})
    assert errors == {} and filters.user_ids == (u["other_county"].id,)
    _, errors = audit_log.read_query(u["auditor"], {"user": ["1e3"]})
    assert "person" in errors


# --- pages -----------------------------------------------------------------------------------

def test_pages_go_both_ways_without_gaps_or_overlaps(world):
    u = world.users
    ids = _entries(*[(u["village_a"], "read", "household", n, AT) for n in range(1, 121)])
    _entries((u["other_county"], "read", "household", 1, AT))  # outside: never on the auditor's pages
    auditor, newest_first = u["auditor"], ids[::-1]
    first = audit_log.search(auditor, Filters())
    assert _shown(first) == newest_first[:50] and first.newer is None and first.newest
    second = audit_log.search(auditor, Filters(), direction="before", cursor=first.older)
    assert _shown(second) == newest_first[50:100] and second.newer == newest_first[50]
    third = audit_log.search(auditor, Filters(), direction="before", cursor=second.older)
    assert _shown(third) == newest_first[100:] and third.older is None
    back = audit_log.search(auditor, Filters(), direction="after", cursor=third.newer)
    assert _shown(back) == newest_first[50:100]
    assert _shown(audit_log.search(auditor, Filters(), direction="after", cursor=back.newer)) == newest_first[:50]
    # a cursor past either end shows the newest page
    past_the_end = audit_log.search(auditor, Filters(), direction="before", cursor=1)
    assert past_the_end.newest and _shown(past_the_end)[0] == ids[-1]


@pytest.mark.parametrize("args, page_error", [({"before": "12"}, False), ({"after": "7"}, False),
                                               ({"before": "²"}, True), ({"after": "99999999999"}, True),
                                               ({}, False)])
def test_the_page_is_read_strictly(args, page_error):
    direction, cursor, error = audit_log.read_cursor(args)
    assert bool(error) is page_error
    assert (direction, cursor) == (("", None) if page_error or not args else (next(iter(args)), int(next(iter(args.values())))))


def _plan(actor, filters) -> str:
    query = (select(AuditLog.id).where(*audit_log.conditions(actor, filters))
             .order_by(AuditLog.id.desc()).limit(51))
    sql = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
    if db.engine.dialect.name == "sqlite":
        return " | ".join(row[-1] for row in db.session.execute(text("EXPLAIN QUERY PLAN " + sql)))
    db.session.execute(text("SET LOCAL enable_seqscan = off"))  # the test's tables are tiny
    return " | ".join(row[0] for row in db.session.execute(text("EXPLAIN " + sql)))


def test_the_search_stands_on_indexes(world):
    """An auditor's newest page reads the entries newest first by the primary key, checking each
    one's account by primary keys, and stops after a page (no sort of the region's entries); an
    object search reads the object index."""
    u = world.users
    _entries(*[(u["village_a"], "read", "household", n, AT) for n in range(1, 30)])
    by_object = _plan(u["auditor"], Filters(object_type="household", object_id=3))
    assert "ix_audit_log_object" in by_object, by_object
    if db.engine.dialect.name == "sqlite":
        page = _plan(u["auditor"], Filters())
        assert page.startswith("SCAN audit_log") and "TEMP B-TREE" not in page, page
        assert "TEMP B-TREE" not in by_object, by_object
    db.session.rollback()


# --- export ----------------------------------------------------------------------------------

def test_the_export_is_a_job_of_the_search_only_its_starter_downloads(world):
    u = world.users
    mine = _entries((u["village_a"], "read", "household", 12, AT), (u["grid_a1"], "update", "case", 3, AT))
    _entries((u["other_county"], "read", "household", 12, AT), (None, "login_failed", "user", None, AT))
    job = audit_log.start_export(u["auditor"], Filters())
    db.session.commit()  # the job runs at once in tests
    db.session.refresh(job)
    # the two entries, and the start of the job itself (the auditor's own)
    assert (job.kind, job.state, job.message) == (JobKind.AUDIT_EXPORT.value, JobState.DONE.value, "共 3 条")
    _, data = jobs.result_file(u["auditor"], job.id)
    rows = list(load_workbook(io.BytesIO(data), read_only=True).active.iter_rows(values_only=True))
    assert rows[1][:5] == ("编号", "时间（北京时间）", "人员", "角色", "操作")
    assert rows[2][2:7] == ("AUDITOR（auditor）", "审计监督人员", "发起任务", "start_job", "任务")
    assert [r[0] for r in rows[3:]] == mine[::-1]
    assert rows[3][1:9] == ("2026-11-10 10:00:00", "GRID_A1（grid_a1）", "网格员", "修改", "update", "案件", "3",
                            "10.0.0.1")
    for other in ("admin", "other_auditor", "county"):
        with pytest.raises(NotFound):
            jobs.result_file(u[other], job.id)
    exported = db.session.execute(select(AuditLog).where(AuditLog.action == "export")).scalar_one()
    assert (exported.user_id, exported.object_type, exported.detail) == (u["auditor"].id, "audit_log",
                                                                         "xlsx: 3 entries; all")


def test_the_export_keeps_the_filters(world):
    u = world.users
    _entries((u["village_a"], "read", "household", 12, AT), (u["village_a"], "read", "case", 12, AT))
    filters, _ = audit_log.read_form(u["admin"], {"object_type": "case"})
    job = audit_log.start_export(u["admin"], filters)
    db.session.commit()
    db.session.refresh(job)
    assert job.message == "共 1 条" and job.params["filters"] == {"object_type": "case"}


def test_an_export_whose_starter_may_no_longer_read_the_log_fails(world):
    u = world.users
    auditor = u["auditor"]
    job = audit_log.start_export(auditor, Filters())
    auditor.active = False
    db.session.commit()
    db.session.refresh(job)
    assert job.state == JobState.FAILED.value and "停用" in job.message


# --- retention -------------------------------------------------------------------------------

def _archive_entries(world, now, ages_in_days):
    u = world.users
    return _entries(*[(u["village_a"], "read", "household", n, now - timedelta(days=age))
                      for n, age in enumerate(ages_in_days, 1)])


def _archived_rows(key):
    with gzip.open(io.BytesIO(store().get(key)), "rt", encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def test_old_entries_are_archived_then_removed_and_younger_ones_never_touched(world):
    now = utcnow()
    ids = _archive_entries(world, now, [400, 380, 366, 365, 10, 1, 0])
    run = audit_archive.archive(now, 365)
    db.session.commit()
    assert (run.entries, run.first_id, run.last_id) == (3, ids[0], ids[2])
    rows = _archived_rows(run.file_key)
    assert rows[0] == list(audit_archive.ARCHIVE_COLUMNS) and [int(r[0]) for r in rows[1:]] == ids[:3]
    assert rows[1][4:7] == ["read", "household", "1"]
    record = db.session.execute(select(AuditArchive)).scalar_one()
    assert (record.first_id, record.last_id, record.entries, record.file_key) == (ids[0], ids[2], 3, run.file_key)
    left = db.session.execute(select(AuditLog.id).where(AuditLog.action == "read").order_by(AuditLog.id)).scalars()
    assert list(left) == ids[3:]
    ran = db.session.execute(select(AuditLog).where(AuditLog.action == "archive")).scalar_one()
    assert ran.user_id is None and ran.object_id == str(record.id)
    # run again: nothing more is old enough
    again = audit_archive.archive(now, 365)
    assert again.entries == 0 and "没有" in again.summary()


def test_an_entry_written_out_of_order_stops_the_run_before_it(world):
    now = utcnow()
    ids = _archive_entries(world, now, [400, 390, 5, 380, 370, 0])
    run = audit_archive.archive(now, 365)
    db.session.commit()
    assert (run.first_id, run.last_id, run.entries) == (ids[0], ids[1], 2)
    left = db.session.execute(select(AuditLog.id).where(AuditLog.action == "read").order_by(AuditLog.id)).scalars()
    assert list(left) == ids[2:]


def test_the_newest_entry_always_stays(world):
    now = utcnow()
    ids = _archive_entries(world, now, [500, 450, 400])
    run = audit_archive.archive(now, 365)
    db.session.commit()
    assert (run.first_id, run.last_id) == (ids[0], ids[1])
    # SQLite numbers the next entry after the highest left: never inside the archived range
    later = _entries((None, "login_failed", "user", None, now))
    assert later[0] > run.last_id


def test_runs_in_batches_and_up_to_a_limit_then_continue(world):
    now = utcnow()
    ids = _archive_entries(world, now, [400] * 7 + [0])
    first = audit_archive.archive(now, 365, batch=2, limit=5)
    db.session.commit()
    second = audit_archive.archive(now, 365, batch=2, limit=5)
    db.session.commit()
    assert (first.first_id, first.last_id, first.entries) == (ids[0], ids[4], 5)
    assert (second.first_id, second.last_id, second.entries) == (ids[5], ids[6], 2)
    assert [int(r[0]) for r in _archived_rows(second.file_key)[1:]] == ids[5:7]


def test_the_database_still_refuses_deleting_what_no_archive_holds(world):
    now = utcnow()
    ids = _archive_entries(world, now, [400, 0])
    with pytest.raises(DatabaseError):
        db.session.execute(text(f"DELETE FROM audit_log WHERE id = {ids[0]}"))
    db.session.rollback()


def test_a_setting_below_the_floor_archives_nothing(world):
    now = utcnow()
    _archive_entries(world, now, [400, 200, 0])
    with pytest.raises(ValueError):
        audit_archive.archive(now, 90)


def test_the_scheduled_job_records_every_run_and_keeps_its_file_from_the_sweep(app, world):
    now = utcnow()
    ids = _archive_entries(world, now, [400, 399, 0])
    job = scheduled.start(JobKind.AUDIT_ARCHIVE, TODAY)
    empty = None
    db.session.commit()
    db.session.refresh(job)
    assert job.state == JobState.DONE.value and job.user_id is None
    assert job.message.startswith("已归档 2 条审计日志") and job.result_name == f"审计日志归档-{ids[0]}-{ids[1]}.csv.gz"
    record = db.session.execute(select(AuditArchive)).scalar_one()
    assert job.result_key == record.file_key
    empty = scheduled.start(JobKind.AUDIT_ARCHIVE, TODAY)
    db.session.commit()
    db.session.refresh(empty)
    assert empty.state == JobState.DONE.value and empty.message.startswith("没有早于") and empty.result_key is None
    assert [r.id for r in audit_archive.archive_runs(world.users["admin"])] == [empty.id, job.id]
    assert audit_archive.archive_runs(world.users["auditor"]) == []
    # the nightly sweep keeps the archive (a row names it)
    files.sweep_orphans(now + timedelta(days=3))
    assert store().exists(record.file_key)
    name, data = audit_archive.archive_file(world.users["admin"], record.id)
    assert name.endswith(".csv.gz") and gzip.decompress(data).startswith(b"id,at_utc")


def test_archives_are_listed_for_readers_and_downloaded_by_admins_only(world):
    now = utcnow()
    _archive_entries(world, now, [400, 0])
    run = audit_archive.archive(now, 365)
    db.session.commit()
    listed = audit_archive.archives(world.users["auditor"])
    assert [(a.first_id, a.last_id, a.entries) for a in listed] == [(run.first_id, run.last_id, 1)]
    with pytest.raises(PermissionDenied):
        audit_archive.archive_file(world.users["auditor"], run.archive_id)
    with pytest.raises(PermissionDenied):
        audit_archive.archives(world.users["county"])
    with pytest.raises(NotFound):
        audit_archive.archive_file(world.users["admin"], run.archive_id + 1)
    audit_archive.archive_file(world.users["admin"], run.archive_id)
    db.session.commit()
    download = db.session.execute(select(AuditLog).where(AuditLog.object_type == "audit_archive")).scalar_one()
    assert (download.action, download.user_id) == ("download", world.users["admin"].id)


# --- the setting -----------------------------------------------------------------------------

def test_the_retention_setting_defaults_to_a_year_and_refuses_less_than_180_days(tmp_path):
    base = {"SHOUDI_ENV": "testing"}
    assert load_config(str(tmp_path), base)["SHOUDI_AUDIT_RETENTION_DAYS"] == 365
    assert load_config(str(tmp_path), {**base, "SHOUDI_AUDIT_RETENTION_DAYS": "180"})["SHOUDI_AUDIT_RETENTION_DAYS"] == 180
    with pytest.raises(ConfigError, match="不能少于 180 天.*网络安全法第二十一条"):
        load_config(str(tmp_path), {**base, "SHOUDI_AUDIT_RETENTION_DAYS": "179"})
    with pytest.raises(ConfigError, match="应为整数"):
        load_config(str(tmp_path), {**base, "SHOUDI_AUDIT_RETENTION_DAYS": "half a year"})


def test_the_cli_command_runs_the_job_and_reports_it(app, world):
    now = utcnow()
    _archive_entries(world, now, [400, 0])
    result = app.test_cli_runner().invoke(args=["archive-audit-log"])
    assert result.exit_code == 0, result.output
    assert "已完成" in result.output and "已归档 1 条审计日志" in result.output
    db.session.expire_all()
    assert db.session.execute(select(func.count()).select_from(AuditArchive)).scalar_one() == 1
    assert db.session.execute(select(Job.kind)).scalars().all() == [JobKind.AUDIT_ARCHIVE.value]


def test_the_schedule_names_the_archive(app):
    from core.queue import QUEUE_EXTENSION
    queue = app.extensions[QUEUE_EXTENSION]
    assert "audit.archive" in {t.name for t in queue._registry.periodic_tasks}


def test_a_date_is_a_china_day(world):
    assert audit_log._bounds(date(2026, 11, 20)) == datetime(2026, 11, 20, tzinfo=CST)
