"""关联农户 over HTTP: the panel on the case page of an open clue without a household, for
village and township staff only; searches by POST (never in the URL) audited without their
terms; linking lets the county confirm; other roles 403, other scopes 404."""
from __future__ import annotations

from datetime import date

from core.extensions import db
from domain.enums import CaseSource, LabourCapacity, Relation
from domain.masking import mask_id_number
from domain.workflow import CaseState
from factories import new_id
from http_support import audit_rows, signed_in, text_of
from identification_support import START, fresh, post, world  # noqa: F401  (fixtures)
from identification_support import today_is  # noqa: F401  (fixture)
from office_support import drive, new_case
from services.households import records
from services.households.records import MemberInput
from services.workflow import cases

PHONE = "13912345678"
PANEL = 'data-testid="match-panel"'


def family(region, head: str, *, phone: str | None = None, head_id: str | None = None) -> int:
    work = LabourCapacity.ORDINARY.value
    h = records.register_household(None, region, [
        MemberInput(name=head, relation=Relation.HEAD.value, labour_capacity=work,
                    id_number=head_id or new_id(), phone=phone),
        MemberInput(name="李小花", relation=Relation.SPOUSE.value, labour_capacity=work, id_number=new_id()),
    ], today=START)
    return h.id


def clue(world, *, reporter_id: str | None = None, state: CaseState | None = None) -> int:
    case = cases.open_case(None, world.village_a, CaseSource.SELF_REPORT, today=START, claimed_name="王秀英",
                           claimed_id_number=reporter_id or new_id(), claimed_phone=PHONE,
                           risk_types=["illness"], words="老人住院")
    if state is not None:
        drive(world, case, state, START)
    db.session.commit()
    return case.id


def link(client, case_id: int, household_id) -> object:
    return client.post(f"/cases/{case_id}/match", data={"household_id": str(household_id)})


def test_the_panel_suggests_households_to_village_and_township_staff_with_masked_numbers(app, world):
    head_id = new_id()
    h = family(world.grid_a1, "周强", phone=PHONE, head_id=head_id)
    case_id = clue(world)
    db.session.commit()
    for who in ("village_a", "township"):
        page = text_of(signed_in(app, who).get(f"/cases/{case_id}"))
        assert PANEL in page and f'data-household="{h}"' in page
        assert "户主：周强" in page and "青山村 / 青山村一组 · 全户 2 人" in page and "手机号相同" in page
        assert mask_id_number(head_id) in page and "139****5678" in page
        assert head_id not in page and PHONE not in page
        assert f'action="/cases/{case_id}/match"' in page and 'name="csrf_token"' in page
    page = text_of(signed_in(app, "county").get(f"/cases/{case_id}"))
    assert "尚未关联农户" in page and PANEL not in page
    assert signed_in(app, "cadre_a").get(f"/cases/{case_id}").status_code == 404  # not paired with them


def test_no_panel_on_a_matched_or_closed_case(app, world):
    matched = new_case(world, START)
    closed = cases.open_case(None, world.village_a, CaseSource.SELF_REPORT, today=START, claimed_name="某")
    closed.state = CaseState.REJECTED.value  # seeding shortcut: only "is it open" matters here
    db.session.commit()
    village = signed_in(app, "village_a")
    for case_id in (matched.id, closed.id):
        page = village.get(f"/cases/{case_id}")
        assert page.status_code == 200 and PANEL not in text_of(page)
    refused = link(village, closed.id, matched.household_id)
    assert refused.status_code == 409 and "已办结的线索不能再关联农户" in text_of(refused)
    again = village.post(f"/cases/{matched.id}/match/search", data={"q": "王秀英"})
    assert again.status_code == 409 and "该线索已关联农户" in text_of(again)


def test_linking_lets_the_county_confirm(app, world, today_is):
    reporter_id = new_id()
    h = family(world.grid_a1, "王秀英", head_id=reporter_id)  # registered after the report
    case_id = clue(world, reporter_id=reporter_id, state=CaseState.COUNTY_REVIEW)
    today_is.day = date(2026, 11, 12)
    county = signed_in(app, "county")
    confirm = {"category": "marginal", "risk_types": ["illness"], "signed": "1"}
    early = post(county, case_id, "county_confirm", confirm)
    assert early.status_code == 400 and "该线索尚未关联到农户" in text_of(early)
    assert link(county, case_id, h).status_code == 403
    village = signed_in(app, "village_a")
    page = text_of(village.get(f"/cases/{case_id}"))
    assert "身份证号相同" in page and "姓名相同" in page
    done = link(village, case_id, h)
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/cases/{case_id}?done=match#match")
    after = text_of(village.get(done.headers["Location"]))
    assert 'data-testid="match-linked"' in after and "户主 王秀英（青山村 / 青山村一组）" in after
    assert "线索已关联到农户档案" in after and PANEL not in after
    case = fresh(case_id)
    assert case.household_id == h and case.region_id == world.grid_a1.id
    assert [r.detail for r in audit_rows(action="update", object_id=str(case_id))] == ["fields=household"]
    assert post(county, case_id, "county_confirm", confirm).status_code == 302
    assert fresh(case_id).state == "monitored"


def test_other_roles_are_refused_and_nothing_changes(app, world):
    h = family(world.grid_a1, "周强", phone=PHONE)
    case_id = clue(world)
    db.session.commit()
    for who in ("county", "cadre_a", "dept", "admin"):
        client = signed_in(app, who)
        assert link(client, case_id, h).status_code == 403
        assert client.post(f"/cases/{case_id}/match/search", data={"q": "周强"}).status_code == 403
    assert fresh(case_id).household_id is None
    assert audit_rows(action="search") == []


def test_outside_the_scope_is_not_found(app, world):
    mine = family(world.grid_a1, "周强", phone=PHONE)
    theirs = family(world.village_b, "孙丽", phone=PHONE)
    case_id = clue(world)
    db.session.commit()
    stranger = signed_in(app, "village_b")
    assert stranger.get(f"/cases/{case_id}").status_code == 404
    assert link(stranger, case_id, theirs).status_code == 404
    assert stranger.post(f"/cases/{case_id}/match/search", data={"q": "周强"}).status_code == 404
    village = signed_in(app, "village_a")
    assert f'data-household="{theirs}"' not in text_of(village.get(f"/cases/{case_id}"))
    assert link(village, case_id, theirs).status_code == 404
    assert link(village, case_id, 999999).status_code == 404
    assert fresh(case_id).household_id is None
    township = text_of(signed_in(app, "township").get(f"/cases/{case_id}"))
    assert f'data-household="{theirs}"' in township and f'data-household="{mine}"' in township


def test_search_is_posted_kept_audited_without_its_terms_and_errors_are_in_chinese(app, world):
    wanted = new_id()
    h = family(world.grid_a2, "吴刚", head_id=wanted)
    family(world.village_b, "吴刚")
    case_id = clue(world)
    db.session.commit()
    village = signed_in(app, "village_a")
    assert village.get(f"/cases/{case_id}/match/search").status_code == 405
    by_id = village.post(f"/cases/{case_id}/match/search", data={"q": wanted})
    page = text_of(by_id)
    assert by_id.status_code == 200 and 'data-testid="match-results"' in page
    assert "按身份证号查找的结果" in page and f'data-household="{h}"' in page and mask_id_number(wanted) in page
    assert page.count(wanted) == 1 and f'value="{wanted}"' in page  # only what was typed, kept
    by_name = text_of(village.post(f"/cases/{case_id}/match/search", data={"q": "吴刚"}))
    assert "按姓名查找的结果" in by_name and by_name.count('data-testid="match-candidate"') == 1
    nothing = text_of(village.post(f"/cases/{case_id}/match/search", data={"q": "欧阳修"}))
    assert 'data-testid="match-no-results"' in nothing and 'value="欧阳修"' in nothing
    bad = village.post(f"/cases/{case_id}/match/search", data={"q": "3415991970"})
    html = text_of(bad)
    assert bad.status_code == 400 and "身份证号应为18位，当前为10位" in html and 'value="3415991970"' in html
    details = [r.detail for r in audit_rows(action="search", object_id=str(case_id))]
    assert details == ["household match search by id_number: 1 found",
                       "household match search by name: 1 found",
                       "household match search by name: 0 found"]
    assert not any(wanted in (r.detail or "") or "吴刚" in (r.detail or "") for r in audit_rows())


def test_linking_without_a_household_is_answered_next_to_the_panel(app, world):
    case_id = clue(world)
    db.session.commit()
    village = signed_in(app, "village_a")
    for value in ("", "abc", "１２"):
        response = link(village, case_id, value)
        assert response.status_code == 400 and "请选择要关联的农户" in text_of(response)
        assert PANEL in text_of(response)
    assert fresh(case_id).household_id is None
