"""The household page (农户档案) over HTTP: the full record for staff in scope, audited, with
its readers listed on the next load; 404 outside scope; visit photos served only in scope,
each read audited; read-only for a department officer."""
from __future__ import annotations

import io
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import pytest
from PIL import Image

import factories
from conftest import TODAY
from core.extensions import db
from domain.workflow import CaseState
from http_support import audit_rows, by_testid, signed_in, text_of
from office_support import drive, new_case, put_on_elimination_list
from services.fieldwork import visits
from services.fieldwork.visits import VisitInput

START = date(2026, 9, 1)


@dataclass(frozen=True)
class Scene:
    household: int       # grid A1, village A: one case under help, one visit with a photo
    other_grid: int      # grid A2, village A
    village_b: int       # village B
    head_id_number: str
    head_phone: str
    case: int
    photo: int


@pytest.fixture
def scene(app, monkeypatch):
    monkeypatch.setattr("portal.views.today", lambda: TODAY)
    world = factories.build_world()
    case = drive(world, new_case(world, START), CaseState.HELPING, START)
    household = case.household
    head = household.head
    head.phone = "13955556666"
    put_on_elimination_list(world, case, date(2026, 10, 20))
    buf = io.BytesIO()
    Image.new("RGB", (1200, 900), "blue").save(buf, "JPEG")
    photo, _ = visits.upload_photo(world.users["grid_a1"], str(uuid.uuid4()), buf.getvalue())
    visits.record_visit(world.users["grid_a1"], VisitInput(
        client_uuid=str(uuid.uuid4()), household_id=household.id, method="home",
        visited_at=datetime(2026, 10, 2, 1, 0, tzinfo=timezone.utc).isoformat(),
        answers={"should_monitor": "yes"}, photos=[photo.client_uuid], notes="房屋漏雨"),
        now=datetime(2026, 10, 2, 1, 30, tzinfo=timezone.utc))
    other_grid = factories.household(world.grid_a2, START)
    village_b = factories.household(world.village_b, START)
    db.session.commit()
    return Scene(household.id, other_grid.id, village_b.id, head.id_number, "13955556666", case.id, photo.id)


@pytest.fixture
def as_user(app, scene):
    """A logged-in client for one of the factory users."""
    return lambda name: signed_in(app, name)


def _forms(html: str) -> int:
    return len(re.findall(r"<form\b", html))


def test_staff_in_scope_see_the_full_record_and_the_read_is_audited(as_user, scene):
    response = as_user("village_a").get(f"/households/{scene.household}")

    assert response.status_code == 200
    html = text_of(response)
    assert scene.head_id_number in html and scene.head_phone in html
    assert f'href="/cases/{scene.case}"' in html
    assert by_testid(html, "category") == "边缘易致贫户"
    assert "帮扶中" in html and "房屋漏雨" in html and "2026Q4 帮扶效果评估" in html
    assert f'src="/photos/{scene.photo}/thumb"' in html and 'loading="lazy"' in html
    assert f'href="/photos/{scene.photo}"' in html
    [read] = audit_rows(action="read", object_type="household")
    assert read.object_id == str(scene.household) and read.role == "village_staff"
    # No personal number in a link or in the audit log.
    assert not any(scene.head_id_number in href for href in re.findall(r'href="([^"]*)"', html))
    assert all(scene.head_id_number not in (row.detail or "") for row in audit_rows())


def test_a_reader_appears_under_who_viewed_it_on_the_next_load(as_user, scene):
    as_user("county").get(f"/households/{scene.household}")
    # A read of the household's case (here through the H5 API, which audits it like the case page).
    assert as_user("village_a").get(f"/api/v1/cases/{scene.case}", headers={"X-Shoudi-Client": "h5"}).status_code == 200

    html = text_of(as_user("township").get(f"/households/{scene.household}"))

    viewers = html[html.index('data-testid="viewers"'):]
    assert by_testid(html, "viewer-total") == "3"
    rows = re.findall(r"<tr><td>[^<]*</td><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td></tr>", viewers)
    assert rows == [("TOWNSHIP", "乡镇工作人员", "农户档案"), ("VILLAGE_A", "村级工作人员", f"案件 {scene.case}"),
                    ("COUNTY", "县级工作人员", "农户档案")]  # latest first


@pytest.mark.parametrize("name, target", [
    ("village_b", "household"), ("grid_b1", "household"), ("grid_a1", "other_grid"), ("village_a", "village_b")])
def test_outside_scope_is_404_and_not_audited(as_user, scene, name, target):
    response = as_user(name).get(f"/households/{getattr(scene, target)}")

    assert response.status_code == 404
    assert scene.head_id_number not in text_of(response)
    assert audit_rows(action="read") == []


def test_grid_worker_sees_a_household_of_their_grid(as_user, scene):
    html = text_of(as_user("grid_a1").get(f"/households/{scene.household}"))

    assert scene.head_id_number in html
    assert "网格员只能看到指派给自己或自己上报的线索" in html
    assert f'href="/cases/{scene.case}"' in html  # they verified it


def test_department_officer_never_reads_the_full_record(as_user, scene):
    """Least privilege: a department works from its measures (head, village, masked number),
    never from the household's full record."""
    response = as_user("dept").get(f"/households/{scene.household}")

    assert response.status_code == 404
    assert scene.head_id_number not in text_of(response)
    assert audit_rows(action="read", object_type="household") == []


def test_login_is_required(client, scene):
    for url in (f"/households/{scene.household}", f"/photos/{scene.photo}", f"/photos/{scene.photo}/thumb"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert audit_rows(action="read") == []


# --- photos --------------------------------------------------------------------------------------

def test_photos_are_served_in_scope_and_every_read_audited(as_user, scene):
    client = as_user("village_a")

    thumb = client.get(f"/photos/{scene.photo}/thumb")
    full = client.get(f"/photos/{scene.photo}")

    for response in (thumb, full):
        assert response.status_code == 200 and response.mimetype == "image/jpeg"
        assert response.headers["Cache-Control"] == "no-store"
    with Image.open(io.BytesIO(thumb.data)) as small, Image.open(io.BytesIO(full.data)) as big:
        assert small.size == (320, 240) and big.size == (1200, 900)
    reads = audit_rows(action="read", object_type="photo")
    assert [(r.object_id, r.detail) for r in reads] == [
        (str(scene.photo), f"household={scene.household} thumbnail"),
        (str(scene.photo), f"household={scene.household} full")]


@pytest.mark.parametrize("name", ["village_b", "grid_b1"])
def test_photos_outside_scope_are_404_and_not_audited(as_user, scene, name):
    client = as_user(name)

    assert client.get(f"/photos/{scene.photo}").status_code == 404
    assert client.get(f"/photos/{scene.photo}/thumb").status_code == 404
    assert client.get("/photos/987654").status_code == 404
    assert audit_rows(action="read") == []
