"""The 附件2 and 附件4 pages: a village fills its form by area, puts a problem on the ledger in one
step (once), the ledger shows masked ID numbers and overdue items first, an item is marked fixed
with its evidence, the two forms are exported as jobs, and who may (403 for roles without the
forms, 404 outside the scope; broken input answers 400, never 500)."""
import io
import re
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import select

import factories
from core import clock
from core.extensions import db
from domain.validation import make_id_number
from http_support import audit_rows, signed_in, text_of
from models import LedgerItem, ScreeningRound, VillageProblem

ID_NUMBER = make_id_number("341599", date(1968, 3, 9), 77)


@pytest.fixture
def scene(app):
    world = factories.build_world()
    day = clock.today()
    home = factories.household(world.village_a, day, id_number=ID_NUMBER)
    found = ScreeningRound(county_id=world.county.id, name="第二次集中排查", year=2026,
                           starts_on=day - timedelta(days=20), ends_on=day + timedelta(days=20), area=[])
    db.session.add(found)
    db.session.commit()
    return {"round": found.id, "home": home.id, "village_a": world.village_a.code, "village_b": world.village_b.code,
            "grid_a1": world.users["grid_a1"].id}


def _problem(client, scene, **data):
    return client.post(f"/campaigns/{scene['round']}/problems", data={"village": scene["village_a"], **data})


def _item(client, scene, **changes):
    data = {"village": scene["village_a"], "unit": "青山村委会", "household_id": "", "problem_type": "policy",
            "problem": "低保未应保尽保", "measure": "报民政办复核", "responsible_id": "", "responsible_name": "王支书",
            "deadline": _day(10), "remarks": "", "source": ""}
    data.update(changes)
    return client.post(f"/campaigns/{scene['round']}/ledger/new", data=data)


def _day(offset: int) -> str:
    return (clock.today() + timedelta(days=offset)).isoformat()


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 20), (0, 120, 0)).save(out, "PNG")
    return out.getvalue()


def test_a_village_fills_its_form_by_area(app, scene):
    village = signed_in(app, "village_a")
    page = text_of(village.get(f"/campaigns/{scene['round']}/problems"))
    assert "村级排查表（附件2）" in page and page.count('class="panel area-block"') == 8
    assert "规模性返贫风险隐患方面存在问题（自然灾害、农副产品价格下跌" in page
    added = _problem(village, scene, area="policy", text="3户危房未改造", remarks="已上报")
    assert added.status_code == 303 and f"village={scene['village_a']}" in added.location
    page = text_of(village.get(added.location))
    assert "已添加问题" in page and "3户危房未改造" in page and "备注：已上报" in page
    refused = _problem(village, scene, area="funds", text="  ", remarks="我写的备注")
    page = text_of(refused)
    assert refused.status_code == 400 and "请填写发现的问题" in page and 'value="我写的备注"' in page
    assert _problem(village, scene, area="²", text="x").status_code == 400
    row = db.session.execute(select(VillageProblem)).scalar_one()
    edited = village.post(f"/campaigns/{scene['round']}/problems/{row.id}/edit",
                          data={"area": "construction", "text": "3户危房改造未验收", "remarks": ""})
    assert edited.status_code == 303
    removed = village.post(f"/campaigns/{scene['round']}/problems/{row.id}/remove")
    assert removed.status_code == 303 and "3户危房改造未验收" not in text_of(village.get(removed.location))


def test_a_problem_goes_on_the_ledger_in_one_step_once(app, scene):
    village = signed_in(app, "village_a")
    _problem(village, scene, area="grids", text="二组网格员空缺")
    problem_id = db.session.execute(select(VillageProblem.id)).scalar_one()
    page = text_of(village.get(f"/campaigns/{scene['round']}/problems"))
    assert f"/campaigns/{scene['round']}/ledger/new?problem={problem_id}" in page
    form = text_of(village.get(f"/campaigns/{scene['round']}/ledger/new?problem={problem_id}"))
    assert ">二组网格员空缺</textarea>" in form and '<option value="monitoring" selected>' in form
    assert f'name="source" value="{problem_id}"' in form
    made = _item(village, scene, problem_type="monitoring", problem="二组网格员空缺", measure="补选网格员",
                 source=str(problem_id))
    assert made.status_code == 303
    item = db.session.execute(select(LedgerItem)).scalar_one()
    assert item.source_problem_id == problem_id and made.location.endswith(f"/ledger/{item.id}?done=added")
    assert f"已列入整改台账（第{item.id}项）" in text_of(village.get(f"/campaigns/{scene['round']}/problems"))
    again = _item(signed_in(app, "township"), scene, source=str(problem_id))
    assert again.status_code == 400 and "该问题已列入整改台账" in text_of(again)
    kept = village.post(f"/campaigns/{scene['round']}/problems/{problem_id}/remove")
    assert kept.status_code == 409 and "不能删除" in text_of(kept)


def test_the_ledger_shows_masked_numbers_and_the_export_the_full_ones(app, scene):
    township = signed_in(app, "township")
    searched = township.post(f"/campaigns/{scene['round']}/ledger/new",
                             data={"action": "search", "household_q": ID_NUMBER[-4:], "problem": "我写的问题"})
    page = text_of(searched)
    masked = ID_NUMBER[:6] + "********" + ID_NUMBER[-4:]
    assert searched.status_code == 200 and masked in page and ID_NUMBER not in page
    assert f'name="household_id" value="{scene["home"]}"' in page and ">我写的问题</textarea>" in page
    assert _item(township, scene, household_id=str(scene["home"]), deadline=_day(30)).status_code == 303
    assert _item(township, scene, village=scene["village_b"], unit="石门村委会").status_code == 303
    late = db.session.execute(select(LedgerItem).where(LedgerItem.unit == "石门村委会")).scalar_one()
    late.deadline = clock.today() - timedelta(days=1)  # its deadline has passed
    db.session.commit()
    listing = text_of(township.get(f"/campaigns/{scene['round']}/ledger"))
    assert masked in listing and ID_NUMBER not in listing and "户主青山村" in listing
    assert re.search(r'data-testid="ledger-total">2<', listing)
    assert re.findall(r'data-testid="status-\d+">([^<]+)<', listing) == ["已逾期", "整改中"]  # overdue first
    started = township.post(f"/campaigns/{scene['round']}/ledger/export", data={"village": ""})
    assert started.status_code == 303 and "/jobs/" in started.location
    job_id = int(started.location.rsplit("/", 1)[1])
    download = township.get(f"/jobs/{job_id}/result")
    sheet = load_workbook(io.BytesIO(download.data)).active
    assert sheet["A1"].value == "集中排查发现问题整改台账" and sheet["D4"].value == ID_NUMBER
    assert [(r.user_id is not None, r.object_type) for r in audit_rows(action="export")] == [(True, "ledger_item")]
    started = township.post(f"/campaigns/{scene['round']}/problems/export", data={"village": scene["village_b"]})
    sheet = load_workbook(io.BytesIO(township.get(started.location + "/result").data)).active
    assert sheet["A1"].value == "青山镇石门村2026年防止返贫监测帮扶集中排查村级排查表"


def test_an_item_is_marked_fixed_with_its_evidence(app, scene):
    village = signed_in(app, "village_a")
    _item(village, scene, responsible_id=str(scene["grid_a1"]))
    item_id = db.session.execute(select(LedgerItem.id)).scalar_one()
    url = f"/campaigns/{scene['round']}/ledger/{item_id}"
    page = text_of(village.get(url))
    assert 'data-testid="item-status">整改中<' in page and "GRID_A1" in page
    wrong = village.post(url + "/fixed", data={"fixed_on": _day(0), "fixed_note": "已复核",
                                               "evidence": (io.BytesIO(b"MZ\x90\x00"), "x.exe")},
                         content_type="multipart/form-data")
    page = text_of(wrong)
    assert wrong.status_code == 400 and "只能是PDF、JPG或PNG文件" in page and ">已复核</textarea>" in page
    done = village.post(url + "/fixed", data={"fixed_on": _day(-1), "evidence": (io.BytesIO(_png()), "照片.png")},
                        content_type="multipart/form-data")
    assert done.status_code == 303
    page = text_of(village.get(done.location))
    assert 'data-testid="item-status">已整改<' in page and _day(-1) in page and 'data-testid="fixed-form"' not in page
    evidence = signed_in(app, "county").get(url + "/evidence")
    assert evidence.status_code == 200 and evidence.mimetype == "image/png"
    assert evidence.headers["Cache-Control"] == "no-store"
    assert signed_in(app, "village_b").get(url + "/evidence").status_code == 404


def test_who_may(app, scene):
    village = signed_in(app, "village_a")
    _problem(village, scene, area="other", text="青山村的问题")
    _item(village, scene)
    problem_id = db.session.execute(select(VillageProblem.id)).scalar_one()
    item_id = db.session.execute(select(LedgerItem.id)).scalar_one()
    base = f"/campaigns/{scene['round']}"
    for name in ("grid_a1", "dept", "cadre_a"):
        other = signed_in(app, name)
        assert other.get(base + "/problems").status_code == 403
        assert other.get(base + "/ledger").status_code == 403
    neighbour = signed_in(app, "village_b")
    assert neighbour.get(base + f"/problems?village={scene['village_a']}").status_code == 404
    assert neighbour.get(base + f"/ledger/{item_id}").status_code == 404
    assert neighbour.get(base + f"/ledger/new?problem={problem_id}").status_code == 404
    assert neighbour.post(base + f"/problems/{problem_id}/remove").status_code == 404
    assert neighbour.post(base + "/ledger/export", data={"village": scene["village_a"]}).status_code == 404
    assert "青山村的问题" not in text_of(neighbour.get(base + "/problems"))
    township = signed_in(app, "township")
    assert _problem(township, scene, area="other", text="乡镇代填").status_code == 403
    overview = text_of(township.get(base + "/problems"))
    assert 'data-village="341599101001"' in overview and 'data-village="341599101002"' in overview
    assert village.get(f"/campaigns/{2**31 + 5}/problems").status_code == 404
    assert village.get(base + f"/ledger/{2**40}").status_code == 404
    assert village.get(base + "/ledger/new?problem=abc").status_code == 404


def test_broken_input_is_refused_beside_its_field(app, scene):
    village = signed_in(app, "village_a")
    answer = _item(village, scene, household_id="9" * 30, responsible_id="NaN", deadline=_day(1) + "²",
                   problem_type="\u00b2", village="341599101001\u00b2")
    page = text_of(answer)
    assert answer.status_code == 400
    for message in ("所选农户不在该村", "所选责任人不在本辖区", "整改时限格式应为", "问题类型无效", "所选村（社区）不在本次排查范围内"):
        assert message in page
    assert 'value="王支书"' in page  # what was typed is kept
    listing = village.get(f"/campaigns/{scene['round']}/ledger?status=²&page=99999999999999&village=")
    assert listing.status_code == 200
