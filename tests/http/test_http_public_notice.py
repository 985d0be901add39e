"""The printable 公示 and the county's written notice over HTTP: who may open them (404 for
everyone else), masked IDs and no household phone on the page, A4 print styles, the audit."""
from __future__ import annotations

import re
from datetime import date

import pytest

from http_support import audit_rows, signed_in, text_of
from notice_support import PHONE_A1, STAFF_PHONE, build_notice_scene

TODAY = date(2026, 12, 5)


def _masked(id_number: str) -> str:
    return id_number[:6] + "********" + id_number[-4:]


@pytest.fixture
def scene(app, monkeypatch):
    monkeypatch.setattr("portal.office.notices.today", lambda: TODAY)
    monkeypatch.setattr("portal.office.case_page.today", lambda: TODAY)
    return build_notice_scene()


def test_village_staff_print_the_identification_notice(app, scene):
    client = signed_in(app, "village_a")
    response = client.get(f"/notices/{scene.village_a_code}")
    page = text_of(response)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert "防止返贫监测对象识别公示" in page and "示范县青山镇青山村" in page
    assert "公示时间：2026年11月5日 至 2026年11月10日（不少于5天）" in page
    assert "公示时间：2026年11月7日 至 2026年11月12日（不少于5天）" in page
    for full in scene.ids_on_notice:
        assert _masked(full) in page and full not in page
    assert re.search(r"\d{17}[\dX]", page) is None
    assert PHONE_A1 not in page and PHONE_A1[:3] + "****" + PHONE_A1[-4:] not in page
    assert _masked(scene.id_village_b) not in page and _masked(scene.id_not_listed) not in page
    assert "VILLAGE_A" in page and STAFF_PHONE in page  # whom to tell of an objection
    assert "office-notice." in page and 'data-print' in page and "/assets/print." in page
    assert "青山村村民委员会" in page
    rows = audit_rows(object_type="notice")
    assert [(r.action, r.object_id, r.detail) for r in rows] == [
        ("read", str(scene.village_a_id), "stage=identification households=2")]


def test_the_elimination_notice_is_the_same_page_for_the_other_stage(app, scene):
    page = text_of(signed_in(app, "township").get(f"/notices/{scene.village_a_code}?stage=elimination"))
    assert "防止返贫监测对象风险消除公示" in page and "边缘易致贫户" in page
    assert "公示时间：2026年12月1日 至 2026年12月6日" in page
    assert all(_masked(full) not in page for full in scene.ids_on_notice)


def test_a_bad_stage_is_a_plain_400(app, scene):
    response = signed_in(app, "county").get(f"/notices/{scene.village_a_code}?stage=whatever")
    assert response.status_code == 400 and "填写的内容有误" in text_of(response)


@pytest.mark.parametrize("who", ["village_b", "grid_a1", "cadre_a", "dept"])
def test_others_do_not_find_the_notice(app, scene, who):
    client = signed_in(app, who)
    assert client.get(f"/notices/{scene.village_a_code}").status_code == 404
    assert audit_rows(object_type="notice") == []


def test_unknown_villages_are_not_found_and_anonymous_readers_must_log_in(app, scene):
    assert signed_in(app, "county").get("/notices/999999999999").status_code == 404
    anonymous = app.test_client().get(f"/notices/{scene.village_a_code}")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_the_case_page_links_to_the_notice_while_the_case_is_on_it(app, scene):
    client = signed_in(app, "village_a")
    on_notice = text_of(client.get(f"/cases/{scene.on_notice[0]}"))
    assert f'href="/notices/{scene.village_a_code}?stage=identification"' in on_notice
    eliminating = text_of(client.get(f"/cases/{scene.eliminating}"))
    assert f'href="/notices/{scene.village_a_code}?stage=elimination"' in eliminating
    assert 'data-testid="notice-link"' not in text_of(client.get(f"/cases/{scene.monitored}"))
    grid = text_of(signed_in(app, "grid_a1").get(f"/cases/{scene.on_notice[0]}"))
    assert 'data-testid="notice-link"' not in grid  # grid workers do not print notices


def test_the_written_notice_of_inclusion_is_printable_and_audited(app, scene):
    client = signed_in(app, "county")
    response = client.get(f"/cases/{scene.monitored}/confirmation-notice")
    page = text_of(response)
    assert response.status_code == 200
    assert "纳入防止返贫监测对象告知书" in page and "户主青山村一组 户" in page
    assert '<dd data-testid="category">边缘易致贫户</dd>' in page
    assert '<dd data-testid="risk-types">因病</dd>' in page
    assert "2026年11月12日" in page and "示范县乡村振兴部门（盖章）" in page
    assert re.search(r"户主身份证号 341599\*{8}\d{3}[\dX]）", page)
    assert re.search(r"\d{17}[\dX]", page) is None  # no ID number in full
    assert "住院" not in page and "收入" not in page
    assert [r.object_id for r in audit_rows(object_type="confirmation_notice")] == [str(scene.monitored)]
    assert 'data-testid="confirmation-link"' in text_of(client.get(f"/cases/{scene.monitored}"))


def test_the_written_notice_exists_only_after_confirmation_and_within_the_scope(app, scene):
    assert signed_in(app, "county").get(f"/cases/{scene.on_notice[0]}/confirmation-notice").status_code == 404
    assert signed_in(app, "village_b").get(f"/cases/{scene.monitored}/confirmation-notice").status_code == 404
    assert signed_in(app, "grid_b1").get(f"/cases/{scene.monitored}/confirmation-notice").status_code == 404
    assert signed_in(app, "village_a").get(f"/cases/{scene.monitored}/confirmation-notice").status_code == 200
