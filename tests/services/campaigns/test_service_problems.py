"""附件2 村级排查表: a village's problems by area (add, correct, remove), who may see and fill
them, "列入整改台账" in one step and only once, and the exported form read back."""
import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from core.extensions import db
from domain.enums import Role
from factories import build_world, with_a_neighbour
from models import AuditLog, ScreeningRound
from services.accounts import users
from services.campaigns import ledger, problems
from services.errors import NotFound, PermissionDenied, ValidationFailed
from services.platform import jobs

TODAY = date(2026, 11, 20)
# The seed's 附件2 header (seed 004), word for word.
SEED_HEADER = ["序号", "乡镇", "行政村", "防返贫动态监测方面存在问题", "网格化管理方面存在问题（网格划分、网格员调整等方面）",
               "规模性返贫风险隐患方面存在问题（自然灾害、农副产品价格下跌、生产经营性成本上涨、疫情影响等方面）",
               "教育、医疗、住房、饮水、产业、就业、兜底保障等政策落实方面存在问题",
               "衔接推进乡村振兴补助资金使用管理（含资产管理）方面存在问题",
               "乡村建设（包括农村基础设施建设和基本公共服务、农村改厕、农村人居环境整治）情况方面存在问题",
               "乡村治理方面存在问题", "其他方面问题", "备注"]


@pytest.fixture
def world(app):
    return with_a_neighbour(build_world())


def make_campaign(world, area=None) -> ScreeningRound:
    found = ScreeningRound(county_id=world.county.id, name="2026年第二次集中排查", year=2026,
                           starts_on=date(2026, 11, 1), ends_on=date(2026, 12, 20), area=area or [])
    db.session.add(found)
    db.session.flush()
    return found


def _add(world, found, who="village_a", village=None, **typed):
    actor = world.users[who]
    return problems.add(actor, found, village or actor.region, typed)


def test_a_village_lists_its_problems_by_area_in_the_forms_order(world):
    found = make_campaign(world)
    _add(world, found, area="other", text="村务公开栏破损")
    first = _add(world, found, area="monitoring", text="2户因病支出大未及时申报监测", remarks="已入户核实")
    _add(world, found, area="monitoring", text="网格员对监测标准掌握不准")
    _add(world, found, who="village_b", area="monitoring", text="石门村的问题")
    blocks = problems.by_area(found, world.village_a)
    assert [b.short for b in blocks] == ["防返贫动态监测", "网格化管理", "规模性返贫风险隐患", "政策落实",
                                         "资金使用管理", "乡村建设", "乡村治理", "其他"]
    assert [p.text for p in blocks[0].problems] == ["2户因病支出大未及时申报监测", "网格员对监测标准掌握不准"]
    assert blocks[0].problems[0].remarks == "已入户核实" and blocks[0].problems[0].id == first.id
    assert [p.text for p in blocks[7].problems] == ["村务公开栏破损"]
    assert all(not b.problems for b in blocks[1:7])
    counted = {c.name: (c.problems, c.on_ledger) for c in problems.counts(world.users["township"], found)}
    assert counted == {"青山村": (3, 0), "石门村": (1, 0)}


def test_correct_and_remove_a_problem(world):
    found = make_campaign(world)
    row = _add(world, found, area="grids", text="网格划分不合理")
    problems.edit(world.users["village_a"], found, row.id, {"area": "governance", "text": "村规民约未修订", "remarks": ""})
    assert (row.area, row.text, row.remarks) == ("governance", "村规民约未修订", None)
    problems.remove(world.users["village_a"], found, row.id)
    assert all(not b.problems for b in problems.by_area(found, world.village_a))


def test_what_is_typed_is_checked_field_by_field(world):
    found = make_campaign(world)
    with pytest.raises(ValidationFailed) as refused:
        _add(world, found, area="weather", text="  ", remarks="备" * 201)
    assert refused.value.fields == {"area": "问题所属方面无效", "text": "请填写发现的问题", "remarks": "备注不超过200个字"}
    with pytest.raises(ValidationFailed) as refused:
        _add(world, found, area="", text="问" * 1001)
    assert refused.value.fields == {"area": "请选择问题所属方面", "text": "问题不超过1000个字"}


def test_village_staff_fill_their_own_village_only(world):
    found = make_campaign(world)
    row = _add(world, found, area="policy", text="危房改造未完成")
    u = world.users
    with pytest.raises(NotFound):
        problems.problem(u["village_b"], found, row.id)
    with pytest.raises(NotFound):
        problems.village(u["village_b"], found, world.village_a.code)
    with pytest.raises(NotFound):
        problems.problem(u["village_a"], found, 2**31)
    assert problems.problem(u["township"], found, row.id).id == row.id  # the township reads it
    with pytest.raises(PermissionDenied):
        problems.add(u["township"], found, world.village_a, {"area": "policy", "text": "乡镇代填"})
    with pytest.raises(PermissionDenied):
        problems.remove(u["county"], found, row.id)
    for role in ("grid_a1", "dept", "cadre_a", "admin", "auditor"):
        with pytest.raises(PermissionDenied):
            problems.campaign(u[role], found.id)
    with pytest.raises(NotFound):
        problems.campaign(u["other_county"], found.id)


def test_a_campaign_of_other_townships_is_not_the_villages(world):
    other = users.create_user("t2", "另一镇", "correct-horse-9", Role.COUNTY_STAFF.value, world.county.code)
    found = make_campaign(world, area=[world.county.id + 999])  # some other township only
    with pytest.raises(NotFound):
        problems.campaign(world.users["village_a"], found.id)
    with pytest.raises(NotFound):
        problems.campaign(world.users["township"], found.id)
    assert problems.campaign(other, found.id).id == found.id
    assert problems.villages(other, found) == []


def test_on_the_ledger_in_one_step_and_once_only(world):
    found = make_campaign(world)
    row = _add(world, found, area="grids", text="网格员空缺2个月", remarks="村里反映")
    actor = world.users["village_a"]
    typed = ledger.blank(actor, found, row.id)
    # 网格化管理 is a matter of 防止返贫监测和帮扶 (TYPE_OF_AREA); the village and the words follow.
    assert (typed["village"], typed["problem_type"], typed["problem"], typed["source"]) == \
        ("341599101001", "monitoring", "网格员空缺2个月", str(row.id))
    typed.update(measure="补选网格员", responsible_name="李主任", deadline="2026-12-10")
    item = ledger.add(actor, found, typed, TODAY)
    assert (item.source_problem_id, item.region_id, item.problem_type, item.state) == \
        (row.id, world.village_a.id, "monitoring", "fixing")
    blocks = problems.by_area(found, world.village_a)
    assert blocks[1].problems[0].ledger_item_id == item.id
    assert {c.name: c.on_ledger for c in problems.counts(world.users["county"], found)} == {"青山村": 1, "石门村": 0}
    with pytest.raises(ValidationFailed) as again:
        ledger.add(world.users["township"], found, typed, TODAY)
    assert again.value.fields == {"": "该问题已列入整改台账"}
    with pytest.raises(ValidationFailed) as kept:
        problems.remove(actor, found, row.id)
    assert kept.value.fields == {"": "该问题已列入整改台账，不能删除"}


def test_a_policy_problem_becomes_a_policy_item(world):
    found = make_campaign(world)
    row = _add(world, found, area="construction", text="自来水管网未通到三组")
    assert ledger.blank(world.users["township"], found, row.id)["problem_type"] == "construction"
    row = _add(world, found, area="funds", text="扶贫资产台账不全")
    assert ledger.blank(world.users["township"], found, row.id)["problem_type"] == "funds"
    with pytest.raises(NotFound):
        ledger.blank(world.users["village_b"], found, row.id)


def _export(actor, found, code):
    job = problems.start_export(actor, found, code, TODAY)
    db.session.commit()  # the job runs at once in tests
    db.session.refresh(job)
    assert job.state == "done", job.message
    _, data = jobs.result_file(actor, job.id)
    return job, load_workbook(io.BytesIO(data)).active


def test_the_village_form_in_the_seeds_layout(world):
    found = make_campaign(world)
    _add(world, found, area="monitoring", text="2户未及时申报", remarks="已入户")
    _add(world, found, area="monitoring", text="监测标准不清")
    _add(world, found, area="other", text="公开栏破损", remarks="本周修复")
    _add(world, found, who="village_b", area="funds", text="石门村资金问题")
    db.session.commit()
    job, sheet = _export(world.users["village_a"], found, "")
    assert sheet["A1"].value == "青山镇青山村2026年防止返贫监测帮扶集中排查村级排查表"
    assert [str(r) for r in sheet.merged_cells.ranges] == ["A1:L1"]
    assert [c.value for c in sheet[2]] == SEED_HEADER
    assert [c.value for c in sheet[3]] == [1, "青山镇", "青山村", "2户未及时申报；监测标准不清", None, None, None, None,
                                           None, None, "公开栏破损", "已入户；本周修复"]
    assert sheet.max_row == 3
    assert sheet.page_setup.orientation == "landscape" and sheet.print_title_rows == "$2:$2"
    assert job.result_name == "附件2村级排查表-青山村-2026-11-20.xlsx"
    done = db.session.execute(select(AuditLog).where(AuditLog.action == "export",
                                                     AuditLog.object_type == "village_problem")).scalar_one()
    assert done.user_id == world.users["village_a"].id and "problems=3" in done.detail


def test_the_township_form_has_a_row_per_village(world):
    found = make_campaign(world)
    _add(world, found, who="village_b", area="funds", text="石门村资金问题")
    db.session.commit()
    _, sheet = _export(world.users["township"], found, "")
    assert sheet["A1"].value == "青山镇2026年防止返贫监测帮扶集中排查村级排查表"
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=3)]
    assert [r[:3] for r in rows] == [[1, "青山镇", "青山村"], [2, "青山镇", "石门村"]]
    assert rows[0][3:] == [None] * 9 and rows[1][7] == "石门村资金问题"
    with pytest.raises(NotFound):  # a village outside the person's scope
        problems.start_export(world.users["village_a"], found, world.village_b.code, TODAY)
