"""Deadlines over HTTP: the notification centre (own only, mark read, badge) and the overdue
list (scope, filters, the .xlsx export), each refused where it should be."""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from core.extensions import db
from domain.enums import CaseSource
from domain.workflow import CaseState
from factories import build_world, household, new_id
from http_support import audit_rows, by_testid, signed_in, text_of
from models import Notification
from office_support import drive, new_case
from services.reporting import overdue_export
from services.workflow import cases

TODAY = date(2026, 11, 20)


@dataclass(frozen=True)
class Scene:
    late_a: int
    soon_a: int
    late_b: int
    head_a: str
    head_b: str
    id_numbers: tuple[str, ...]
    user_ids: dict
    village_b: int


@pytest.fixture
def scene(app, monkeypatch):
    monkeypatch.setattr("portal.office.overdue.today", lambda: TODAY)
    world = build_world()
    late = drive(world, new_case(world, date(2026, 11, 1)), CaseState.VERIFYING, date(2026, 11, 1))
    soon = drive(world, new_case(world, date(2026, 11, 7)), CaseState.RECEIVED, date(2026, 11, 7))
    new_case(world, date(2026, 11, 19))  # not accepted yet: village A's one unread to-do
    id_b = new_id()
    h_b = household(world.village_b, date(2026, 11, 1), id_number=id_b, phone="13800001234")
    late_b = cases.open_case(None, world.village_b, CaseSource.SELF_REPORT, today=date(2026, 11, 1), household=h_b)
    ids = tuple(m.id_number for c in (late, soon, late_b) for m in c.household.members)
    made = Scene(late.id, soon.id, late_b.id, late.household.head.name, h_b.head.name, ids,
                 {n: u.id for n, u in world.users.items()}, world.village_b.id)
    db.session.commit()
    return made


@pytest.fixture
def as_user(app, scene):
    """A logged-in client for one of the factory users."""
    return lambda name: signed_in(app, name)


def own_rows(user_id):
    db.session.expire_all()
    return list(db.session.execute(select(Notification).where(Notification.user_id == user_id)
                                   .order_by(Notification.id)).scalars())


# --- notification centre ------------------------------------------------------------------------

def test_the_centre_lists_own_notifications_with_the_unread_badge(as_user, scene):
    page = as_user("village_a").get("/notifications")
    assert page.status_code == 200
    html = text_of(page)
    mine = own_rows(scene.user_ids["village_a"])
    # Three reports came in; two were accepted since, so their to-dos count as read.
    assert [n.read_at is None for n in mine] == [False, False, True]
    for n in mine:
        assert n.title in html and f'data-testid="notification-{n.id}"' in html
    assert html.index(f'notification-{mine[2].id}"') < html.index(f'notification-{mine[0].id}"')  # unread first
    assert f"案件 {scene.late_b} " not in html  # village B's report went to village B
    assert by_testid(html, "unread") == "1"
    assert f'href="/cases/{scene.late_a}"' in html  # read rows link to their case
    assert f'action="/notifications/{mine[2].id}/read' in html and 'name="csrf_token"' in html


def test_opening_one_marks_it_read_and_goes_to_the_case(as_user, scene):
    client = as_user("grid_a1")
    [note] = own_rows(scene.user_ids["grid_a1"])
    answer = client.post(f"/notifications/{note.id}/read", data={"open": "1"})
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/cases/{scene.late_a}")
    assert own_rows(scene.user_ids["grid_a1"])[0].read_at is not None
    html = text_of(client.get("/notifications"))
    assert 'data-testid="unread"' not in html
    assert f'href="/cases/{scene.late_a}"' in html  # read: a plain link now


def test_someone_elses_notification_is_404_and_stays_unread(as_user, scene):
    [note] = own_rows(scene.user_ids["grid_a1"])
    answer = as_user("village_b").post(f"/notifications/{note.id}/read")
    assert answer.status_code == 404
    assert own_rows(scene.user_ids["grid_a1"])[0].read_at is None


def test_mark_all_read(as_user, scene):
    client = as_user("village_a")
    assert by_testid(text_of(client.get("/notifications")), "unread") == "1"
    answer = client.post("/notifications/read-all")
    assert answer.status_code == 302
    assert all(n.read_at is not None for n in own_rows(scene.user_ids["village_a"]))
    assert own_rows(scene.user_ids["grid_a1"])[0].read_at is None
    html = text_of(client.get(answer.headers["Location"]))
    assert 'data-testid="all-read"' in html and 'data-testid="unread"' not in html


def test_everyone_has_a_centre_and_strangers_are_sent_to_log_in(app, as_user, scene):
    for name in ("admin", "dept", "county"):
        page = as_user(name).get("/notifications")
        assert page.status_code == 200 and 'data-testid="no-notifications"' in text_of(page)
    assert app.test_client().get("/notifications").status_code == 302
    assert app.test_client().post("/notifications/read-all").status_code in (302, 401)


def test_marking_read_needs_post(as_user, scene):
    [note] = own_rows(scene.user_ids["grid_a1"])
    assert as_user("grid_a1").get(f"/notifications/{note.id}/read").status_code == 405


# --- overdue list --------------------------------------------------------------------------------

def case_links(html: str, testid: str) -> list[int]:
    match = re.search(rf'data-testid="{testid}".*?</table>', html, re.S)
    return [int(n) for n in re.findall(r'href="/cases/(\d+)"', match.group(0))] if match else []


def test_overdue_list_per_scope(as_user, scene):
    html_a = text_of(as_user("village_a").get("/overdue"))
    assert case_links(html_a, "overdue-list") == [scene.late_a]
    assert case_links(html_a, "soon-list") == [scene.soon_a]
    assert scene.head_a in html_a and scene.head_b not in html_a
    html_b = text_of(as_user("village_b").get("/overdue"))
    assert case_links(html_b, "overdue-list") == [scene.late_b] and case_links(html_b, "soon-list") == []
    html_t = text_of(as_user("township").get("/overdue"))
    assert sorted(case_links(html_t, "overdue-list")) == sorted([scene.late_a, scene.late_b])
    for html in (html_a, html_b, html_t):
        assert not any(number in html for number in scene.id_numbers)
        assert "13800001234" not in html


def _export_table(client, data: dict) -> list[list]:
    """Start the list's export as the page's form does, and read the job's file."""
    started = client.post("/overdue/export", data=data)
    assert started.status_code == 303 and "/jobs/" in started.headers["Location"]
    download = client.get(started.headers["Location"] + "/result")
    assert download.status_code == 200 and download.mimetype == overdue_export.XLSX
    return [[c.value for c in row] for row in load_workbook(io.BytesIO(download.data)).active.iter_rows()]


def test_overdue_filters_and_bad_filters(as_user, scene):
    client = as_user("township")
    html = text_of(client.get("/overdue?kind=pairing"))
    assert case_links(html, "overdue-list") == []
    html = text_of(client.get(f"/overdue?village={scene.village_b}"))
    assert case_links(html, "overdue-list") == [scene.late_b]
    export_form = re.search(r'data-testid="overdue-export".*?</form>', html, re.S).group(0)
    assert f'name="village" value="{scene.village_b}"' in export_form  # the export keeps the filter
    table = _export_table(client, {"village": str(scene.village_b)})
    assert [row[1:3] for row in table[1:]] == [[scene.late_b, scene.head_b]]
    bad = client.get("/overdue?village=99999&kind=nonsense")
    assert bad.status_code == 400
    text = text_of(bad)
    assert "所选村不在您的管辖范围内" in text and "期限类型无效" in text
    assert client.post("/overdue/export", data={"kind": "nonsense"}).status_code == 400
    assert client.get("/overdue.csv").status_code == 404  # the unbounded download is gone


def test_the_overdue_export_names_heads_but_no_id_numbers_and_is_audited(as_user, scene):
    table = _export_table(as_user("township"), {})
    assert table[0][:3] == ["区段", "案件编号", "户主"] and len(table) == 1 + 3
    text = repr(table)
    assert scene.head_a in text and scene.head_b in text
    assert not any(number in text for number in scene.id_numbers) and "13800001234" not in text
    assert [r.detail for r in audit_rows(action="export", object_type="overdue_list")] == ["xlsx rows=3 filters=-"]


def test_overdue_roles(as_user, scene):
    assert as_user("admin").get("/overdue").status_code == 403
    assert as_user("admin").post("/overdue/export").status_code == 403
    dept = as_user("dept").get("/overdue")
    assert dept.status_code == 200
    html = text_of(dept)
    assert 'data-testid="measure-count"' in html and 'data-testid="overdue-list"' not in html
    assert by_testid(html, "measure-count") == "0"
