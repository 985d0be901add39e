"""The audit log page (/audit) as each role: auditors and admins read it, everyone else is refused;
the search, its pages and the export; the archives and their download."""
from __future__ import annotations

import gzip
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import insert, select

import factories
from core.extensions import db
from domain.enums import RegionLevel
from models import AuditLog, Job
from models.types import utcnow
from http_support import audit_rows, signed_in, text_of
from services.accounts import users
from services.platform import audit_archive
from services.regions import tree

AT = datetime(2026, 11, 10, 2, 0, tzinfo=timezone.utc)  # 10:00 in China


@pytest.fixture
def world(app):
    world = factories.with_a_neighbour(factories.build_world())
    db.session.commit()
    return world


def _entry(user, action="read", object_type="household", object_id=12, at=AT) -> int:
    entry_id = db.session.execute(insert(AuditLog.__table__).values(
        at=at, user_id=user.id if user else None, role=user.role if user else None, action=action,
        object_type=object_type, object_id=str(object_id) if object_id else None, ip="10.0.0.9",
        detail="planted")).inserted_primary_key[0]
    db.session.commit()
    return entry_id


def _shown(html: str) -> set[int]:
    return {int(n) for n in re.findall(r'data-entry="(\d+)"', html)}


@pytest.mark.parametrize("name", ["auditor", "admin"])
def test_auditors_and_admins_open_the_page_from_the_menu(app, world, name):
    client = signed_in(app, name)
    home = text_of(client.get("/"))
    assert 'href="/audit"' in home and "审计日志" in home
    page = client.get("/audit")
    assert page.status_code == 200
    html = text_of(page)
    assert "审计日志" in html and 'data-testid="audit-search"' in html and 'data-testid="audit-archives"' in html


@pytest.mark.parametrize("name", ["county", "township", "village_a", "grid_a1", "cadre_a", "dept"])
def test_everyone_else_is_refused(app, world, name):
    client = signed_in(app, name)
    assert 'href="/audit"' not in text_of(client.get("/"))
    assert client.get("/audit").status_code == 403
    assert client.post("/audit", data={"person": "county"}).status_code == 403
    assert client.post("/audit/export", data={}).status_code == 403
    assert client.get("/audit/archives/1").status_code == 403
    assert db.session.execute(select(Job)).scalars().all() == []


def test_a_visitor_is_sent_to_log_in(app, world):
    response = app.test_client().get("/audit")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_auditor_sees_their_region_only_and_the_admin_everything(app, world):
    u = world.users
    mine, theirs, nobody = _entry(u["village_a"]), _entry(u["other_county"]), _entry(None, "create", "case", 5)
    html = text_of(signed_in(app, "auditor").get("/audit"))
    assert mine in _shown(html) and theirs not in _shown(html) and nobody not in _shown(html)
    row = re.search(rf'<tr data-entry="{mine}">(.*?)</tr>', html, re.S).group(1)
    assert "2026-11-10 10:00:00" in row and "VILLAGE_A（village_a）" in row and "村级工作人员" in row
    assert "查看" in row and "农户 12" in row and "10.0.0.9" in row
    assert "/households/12" not in html  # the object is named, never linked: auditors read no records
    other = _shown(text_of(signed_in(app, "other_auditor").get("/audit")))
    assert theirs in other and mine not in other
    admin = _shown(text_of(signed_in(app, "admin").get("/audit")))
    assert {mine, theirs, nobody} <= admin


def test_a_search_is_posted_and_shown_at_an_address_of_ids(app, world):
    u = world.users
    wanted = _entry(u["village_a"], object_id=12)
    _entry(u["village_a"], object_id=13)
    _entry(u["grid_a1"], object_id=12)
    client = signed_in(app, "auditor")
    response = client.post("/audit", data={"person": "VILLAGE_A", "object_type": "household", "object_id": "12",
                                           "action": "read", "from": "2026-11-10", "to": "2026-11-10"})
    assert response.status_code == 303
    location = response.headers["Location"]
    assert "VILLAGE_A" not in location and "village_a" not in location
    assert parse_qs(urlsplit(location).query) == {"user": [str(u["village_a"].id)], "object_type": ["household"],
                                                  "object_id": ["12"], "action": ["read"], "from": ["2026-11-10"],
                                                  "to": ["2026-11-10"]}
    page = client.get(location)
    html = text_of(page)
    assert page.status_code == 200 and _shown(html) == {wanted}
    assert 'value="village_a"' in html  # the person field shows the account found
    read = audit_rows(action="read", object_type="audit_log")[-1]
    assert read.user_id == u["auditor"].id
    assert read.detail == (f"user={u['village_a'].id} object=household:12 action=read from=2026-11-10 "
                           "to=2026-11-10: 1 shown")


@pytest.mark.parametrize("form, field, kept", [
    ({"person": "没有这个人"}, "person", "没有这个人"),
    ({"person": "other_county"}, "person", "other_county"),
    ({"object_type": "household", "object_id": "²"}, "object_id", "²"),
    ({"object_type": "household", "object_id": "2147483648"}, "object_id", "2147483648"),
    ({"object_id": "7"}, "object_type", "7"),
    ({"from": "2026-02-30"}, "from", "2026-02-30"),
    ({"to": "NaN"}, "to", "NaN"),
    ({"from": "2026-11-20", "to": "2026-11-01"}, "to", "2026-11-01"),
])
def test_bad_input_is_shown_next_to_its_field_with_what_was_typed(app, world, form, field, kept):
    response = signed_in(app, "auditor").post("/audit", data=form)
    html = text_of(response)
    assert response.status_code == 400
    assert re.search(rf'<div class="field has-error">\s*<label for="f-{field}">', html), html
    assert f'value="{kept}"' in html and 'role="alert"' in html
    assert 'data-testid="audit-list"' not in html  # nothing read, nothing shown


@pytest.mark.parametrize("query, field", [("from=2026-13-01", "from"), ("to=%C2%B2", "to"),
                                          ("user=abc", "person"), ("object_type=nope", "object_type"),
                                          ("action=DROP%20TABLE", "action")])
def test_a_bad_address_is_a_field_error(app, world, query, field):
    response = signed_in(app, "auditor").get("/audit?" + query)
    assert response.status_code == 400
    assert re.search(rf'<div class="field has-error">\s*<label for="f-{field}">', text_of(response))


def test_an_account_outside_the_auditors_region_is_not_found(app, world):
    u = world.users
    client = signed_in(app, "auditor")
    assert client.get(f"/audit?user={u['other_county'].id}").status_code == 404
    assert client.get("/audit?user=2147483647").status_code == 404
    assert client.post("/audit/export", data={"user": str(u["other_county"].id)}).status_code == 404
    assert signed_in(app, "admin").get(f"/audit?user={u['other_county'].id}").status_code == 200


def test_pages_of_fifty_newest_first(app, world):
    u = world.users
    ids = [_entry(u["village_a"], object_id=n) for n in range(1, 71)]
    client = signed_in(app, "auditor")
    first = text_of(client.get(f"/audit?user={u['village_a'].id}"))
    assert _shown(first) == set(ids[20:])
    older = re.search(r'href="([^"]+)" data-testid="audit-older"', first).group(1).replace("&amp;", "&")
    assert f"before={ids[20]}" in older and f"user={u['village_a'].id}" in older
    second = text_of(client.get(older))
    assert _shown(second) == set(ids[:20]) and 'data-testid="audit-older"' not in second
    newer = re.search(r'href="([^"]+)" data-testid="audit-newer"', second).group(1).replace("&amp;", "&")
    assert _shown(text_of(client.get(newer))) == set(ids[20:])


@pytest.mark.parametrize("page", ["before=%C2%B2", "after=99999999999", "before=-1"])
def test_a_bad_page_shows_the_newest_with_a_message(app, world, page):
    mine = _entry(world.users["village_a"])
    response = signed_in(app, "auditor").get("/audit?" + page)
    html = text_of(response)
    assert response.status_code == 400 and 'data-testid="page-error"' in html and mine in _shown(html)
    assert audit_rows(action="read", object_type="audit_log")  # what was shown was read, and recorded


def test_the_export_is_a_job_only_its_starter_downloads(app, world):
    u = world.users
    wanted = _entry(u["village_a"], object_type="case", object_id=7)
    _entry(u["village_a"], object_type="household", object_id=7)
    auditor = signed_in(app, "auditor")
    page = text_of(auditor.get(f"/audit?object_type=case&user={u['village_a'].id}"))
    export_form = re.search(r'<form method="post" action="/audit/export".*?</form>', page, re.S).group(0)
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', export_form))
    assert fields["object_type"] == "case" and fields["user"] == str(u["village_a"].id)
    response = auditor.post("/audit/export", data=fields)
    assert response.status_code == 303
    job_url = response.headers["Location"]
    job_id = int(job_url.rstrip("/").rsplit("/", 1)[1])
    job_page = text_of(auditor.get(job_url))
    assert "审计日志导出" in job_page and "已完成" in job_page and "共 1 条" in job_page
    download = auditor.get(f"/jobs/{job_id}/result")
    assert download.status_code == 200 and download.headers["Cache-Control"] == "no-store"
    from openpyxl import load_workbook
    import io
    rows = list(load_workbook(io.BytesIO(download.data), read_only=True).active.iter_rows(values_only=True))
    assert [r[0] for r in rows[2:]] == [wanted]
    for other in ("admin", "other_auditor", "county"):
        assert signed_in(app, other).get(f"/jobs/{job_id}/result").status_code == 404
    exports = audit_rows(action="export", object_type="audit_log")
    assert len(exports) == 1 and exports[0].detail == f"xlsx: 1 entries; user={u['village_a'].id} object=case:*"


def test_a_bad_export_request_is_a_field_error(app, world):
    response = signed_in(app, "auditor").post("/audit/export", data={"from": "2026-02-30"})
    assert response.status_code == 400 and "开始日期不是有效的日期" in text_of(response)
    assert db.session.execute(select(Job)).scalars().all() == []


def _archive(world) -> audit_archive.ArchiveRun:
    """Archive every entry so far (as seen a year and a month from now) but one written then."""
    later = utcnow() + timedelta(days=400)
    _entry(world.users["village_a"], at=later)
    run = audit_archive.archive(later, 365)
    assert run.entries > 0
    db.session.commit()
    return run


def test_the_admin_lists_and_downloads_the_archives(app, world):
    run = _archive(world)
    admin = signed_in(app, "admin")
    html = text_of(admin.get("/audit"))
    assert f'data-archive="{run.archive_id}"' in html and f"{run.first_id}–{run.last_id}" in html
    assert f'href="/audit/archives/{run.archive_id}"' in html
    download = admin.get(f"/audit/archives/{run.archive_id}")
    assert download.status_code == 200 and download.headers["Cache-Control"] == "no-store"
    assert gzip.decompress(download.data).splitlines()[1].startswith(f"{run.first_id},".encode())
    assert audit_rows(action="download", object_type="audit_archive")[0].user_id == world.users["admin"].id
    assert admin.get(f"/audit/archives/{run.archive_id + 1}").status_code == 404
    assert admin.get("/audit/archives/2147483648").status_code == 404


def test_an_auditor_sees_the_archive_runs_but_downloads_none(app, world):
    run = _archive(world)
    auditor = signed_in(app, "auditor")
    html = text_of(auditor.get("/audit"))
    assert f'data-archive="{run.archive_id}"' in html and "/audit/archives/" not in html
    assert auditor.get(f"/audit/archives/{run.archive_id}").status_code == 403
    assert signed_in(app, "other_auditor").get(f"/audit/archives/{run.archive_id}").status_code == 403


def test_the_page_fits_a_phone_and_carries_no_inline_script(app, world):
    html = text_of(signed_in(app, "auditor").get("/audit"))
    assert "<script>" not in html and "style=" not in html
    assert 'name="csrf_token"' in html and 'type="date"' in html


def test_above_the_county_an_auditor_reads_the_counties_below_and_staff_are_refused(app, world):
    """A province with a city and a county of its own: its auditor sees the county's accounts
    (not the separate demo county), its city and province staff may not read the log."""
    province = tree.create_region("350000000000", "某省", RegionLevel.PROVINCE, None)
    city = tree.create_region("350100000000", "某市", RegionLevel.CITY, province)
    county = tree.create_region("350102000000", "某县", RegionLevel.COUNTY, city)
    made = {name: users.create_user(name, name.upper(), factories.PASSWORD, role, region.code)
            for name, role, region in [("p_auditor", "auditor", province), ("c_auditor", "auditor", city),
                                       ("p_staff", "province_staff", province), ("c_staff", "city_staff", city),
                                       ("k_staff", "county_staff", county)]}
    db.session.commit()
    below, elsewhere = _entry(made["k_staff"]), _entry(world.users["village_a"])
    for name in ("p_auditor", "c_auditor"):
        shown = _shown(text_of(signed_in(app, name).get("/audit")))
        assert below in shown and elsewhere not in shown
    for name in ("p_staff", "c_staff"):
        staff = signed_in(app, name)
        assert staff.get("/audit").status_code == 403
        assert staff.post("/audit/export", data={}).status_code == 403
