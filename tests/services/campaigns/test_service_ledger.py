"""附件4 问题整改台账: items with their household (masked on screen, in full only in the audited
export), 整改中 → 已整改 with a day and evidence, overdue by the dates passed in and listed first,
the responsible person reminded once before the deadline and once after, who may, and the
exported ledger read back."""
import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import select

from core.extensions import db
from domain.validation import make_id_number
from domain.enums import NotificationKind
from factories import build_world, household, with_a_neighbour
from models import AuditLog, Notification, ScreeningRound
from services.campaigns import form4, ledger
from services.errors import NotFound, PermissionDenied, ValidationFailed
from services.notifications import reminders
from services.platform import jobs

TODAY = date(2026, 11, 20)
ID_NUMBER = make_id_number("341599", date(1970, 5, 17), 12)  # born 1970-05-17 in 示范县, with its check digit
MASKED = ID_NUMBER[:6] + "********" + ID_NUMBER[-4:]
SEED_HEADER = ["单位", "村（社区）", "户主姓名", "身份证号码", "问题类型", "具体问题", "整改措施", "整改责任人", "整改时限", "备注"]


@pytest.fixture
def world(app):
    return with_a_neighbour(build_world())


@pytest.fixture
def found(world):
    made = ScreeningRound(county_id=world.county.id, name="2026年第二次集中排查", year=2026,
                          starts_on=date(2026, 11, 1), ends_on=date(2026, 12, 20), area=[])
    db.session.add(made)
    db.session.flush()
    return made


def _typed(world, **changes) -> dict:
    typed = {"village": world.village_a.code, "unit": "青山村委会", "household_id": "", "problem_type": "securities",
             "problem": "住房安全等级未鉴定", "measure": "请住建站鉴定并改造", "responsible_id": "",
             "responsible_name": "王支书", "deadline": "2026-12-10", "remarks": "", "source": ""}
    typed.update(changes)
    return typed


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 10, 10)).save(out, "PNG")
    return out.getvalue()


def test_an_item_names_the_household_with_a_masked_number(world, found):
    home = household(world.grid_a1, TODAY, id_number=ID_NUMBER)
    actor = world.users["village_a"]
    item = ledger.add(actor, found, _typed(world, household_id=str(home.id),
                                           responsible_id=str(world.users["grid_a1"].id)), TODAY)
    assert (item.region_id, item.household_id, item.responsible_id, item.responsible_name, item.state) == \
        (world.village_a.id, home.id, world.users["grid_a1"].id, "GRID_A1", "fixing")
    row = ledger.listing(actor, found, TODAY).rows[0]
    assert (row.head, row.id_masked, row.problem_type, row.status) == ("户主青山村一组", MASKED,
                                                                       "三保障和饮水安全", "整改中")
    assert ID_NUMBER not in repr(row)
    found_ones = ledger.find_households(actor, found, ID_NUMBER[-4:])
    assert [(h.id, h.id_masked) for h in found_ones] == [(home.id, MASKED)]


def test_what_is_typed_is_checked_field_by_field(world, found):
    other_home = household(world.village_b, TODAY)
    actor = world.users["village_a"]
    with pytest.raises(ValidationFailed) as refused:
        ledger.add(actor, found, _typed(world, village="", unit=" ", problem_type="weather", problem="",
                                        measure="", responsible_name="", deadline="2026-13-01"), TODAY)
    assert refused.value.fields == {
        "village": "请选择村（社区）", "unit": "请填写单位", "problem": "请填写具体问题", "measure": "请填写整改措施",
        "problem_type": "问题类型无效", "responsible_name": "请填写整改责任人（或从名单中选择）",
        "deadline": "整改时限格式应为 年-月-日，例如 2026-12-31"}
    with pytest.raises(ValidationFailed) as refused:
        ledger.add(actor, found, _typed(world, village=world.village_b.code, household_id=str(other_home.id),
                                        responsible_id=str(world.users["village_b"].id), deadline="2026-11-19"), TODAY)
    assert refused.value.fields == {"village": "所选村（社区）不在本次排查范围内",
                                    "household_id": "所选农户不在该村，请重新查找",
                                    "responsible_id": "所选责任人不在本辖区", "deadline": "整改时限不能早于今天"}
    with pytest.raises(ValidationFailed) as refused:  # a village household, but named for the other village
        ledger.add(world.users["township"], found, _typed(world, village=world.village_a.code,
                                                          household_id=str(other_home.id)), TODAY)
    assert refused.value.fields == {"household_id": "所选农户不在该村，请重新查找"}
    with pytest.raises(ValidationFailed) as refused:  # ids past 2**31, admins are never responsible
        ledger.add(world.users["county"], found, _typed(world, household_id=str(2**31),
                                                        responsible_id=str(world.users["admin"].id)), TODAY)
    assert set(refused.value.fields) == {"household_id", "responsible_id"}


def test_overdue_by_the_dates_passed_in_and_listed_first(world, found):
    actor = world.users["township"]
    fixed = ledger.add(actor, found, _typed(world, deadline="2026-11-25", problem="已整改的"), TODAY)
    later = ledger.add(actor, found, _typed(world, deadline="2026-12-30", problem="还早的"), TODAY)
    soon = ledger.add(actor, found, _typed(world, deadline="2026-11-22", problem="快到期的"), TODAY)
    ledger.mark_fixed(actor, found, fixed.id, {"fixed_on": "2026-11-20"}, _png(), TODAY)
    first = ledger.listing(actor, found, TODAY)
    assert [(r.id, r.status) for r in first.rows] == [(soon.id, "整改中"), (later.id, "整改中"), (fixed.id, "已整改")]
    day = date(2026, 11, 23)  # the 22nd has passed
    view = ledger.listing(actor, found, day)
    assert [(r.id, r.status) for r in view.rows] == [(soon.id, "已逾期"), (later.id, "整改中"), (fixed.id, "已整改")]
    assert view.counts == {"overdue": 1, "fixing": 1, "fixed": 1}
    assert [r.id for r in ledger.listing(actor, found, day, status="overdue").rows] == [soon.id]
    assert [r.id for r in ledger.listing(actor, found, day, chosen=world.village_b).rows] == []


def test_fixed_with_a_day_and_evidence(world, found):
    actor = world.users["village_a"]
    item = ledger.add(actor, found, _typed(world), TODAY)
    with pytest.raises(ValidationFailed) as refused:
        ledger.mark_fixed(actor, found, item.id, {"fixed_on": "2026-11-21"}, None, TODAY)
    assert refused.value.fields == {"fixed_on": "整改完成日期不能晚于今天", "evidence": "请上传整改佐证材料（PDF、JPG或PNG）"}
    with pytest.raises(ValidationFailed) as refused:
        ledger.mark_fixed(actor, found, item.id, {"fixed_on": "2026-11-19"}, b"<html>not a picture", TODAY)
    assert refused.value.fields == {"evidence": "整改佐证材料只能是PDF、JPG或PNG文件"}
    assert item.state == "fixing"
    ledger.mark_fixed(actor, found, item.id, {"fixed_on": "2026-11-19", "fixed_note": "已鉴定为C级并改造"}, _png(), TODAY)
    db.session.commit()
    assert (item.state, item.fixed_on, item.fixed_note, item.evidence_type) == \
        ("fixed", date(2026, 11, 19), "已鉴定为C级并改造", "image/png")
    served = ledger.evidence_file(world.users["county"], found, item.id)
    assert served.content_type == "image/png" and Image.open(io.BytesIO(served.content)).size == (40, 30)
    read = db.session.execute(select(AuditLog).where(AuditLog.action == "read",
                                                     AuditLog.object_type == "ledger_item")).scalar_one()
    assert read.user_id == world.users["county"].id
    with pytest.raises(NotFound):
        ledger.evidence_file(world.users["village_b"], found, item.id)
    with pytest.raises(ValidationFailed):
        ledger.mark_fixed(actor, found, item.id, {"fixed_on": "2026-11-19"}, _png(), TODAY)
    with pytest.raises(ValidationFailed):
        ledger.edit(actor, found, item.id, _typed(world), TODAY)


def test_an_item_being_fixed_is_corrected_its_past_deadline_kept(world, found):
    actor = world.users["village_a"]
    item = ledger.add(actor, found, _typed(world, deadline="2026-11-21"), TODAY)
    later = TODAY + timedelta(days=5)
    ledger.edit(actor, found, item.id, _typed(world, deadline="2026-11-21", measure="改为危改资金补助"), later)
    assert (item.measure, item.deadline) == ("改为危改资金补助", date(2026, 11, 21))
    with pytest.raises(ValidationFailed) as refused:
        ledger.edit(actor, found, item.id, _typed(world, deadline="2026-11-22"), later)
    assert refused.value.fields == {"deadline": "整改时限不能早于今天"}


def test_who_may_see_an_item(world, found):
    item = ledger.add(world.users["village_a"], found, _typed(world), TODAY)
    u = world.users
    assert ledger.item(u["county"], found, item.id).id == item.id
    assert ledger.item(u["township"], found, item.id).id == item.id
    for outside in ("village_b",):
        with pytest.raises(NotFound):
            ledger.item(u[outside], found, item.id)
    assert ledger.listing(u["village_b"], found, TODAY).total == 0
    for role in ("grid_a1", "dept", "cadre_a"):
        with pytest.raises(PermissionDenied):
            ledger.campaign(u[role], found.id)
    with pytest.raises(NotFound):
        ledger.campaign(u["other_county"], found.id)


def _told(user):
    return [(n.kind, n.title) for n in db.session.execute(
        select(Notification).where(Notification.user_id == user.id, Notification.dedupe_key.like("ledger:%"))
        .order_by(Notification.id)).scalars()]


def test_the_responsible_person_is_reminded_once_before_and_once_after(world, found):
    worker = world.users["grid_a1"]
    item = ledger.add(world.users["village_a"], found, _typed(world, responsible_id=str(worker.id),
                                                              deadline="2026-11-30"), TODAY)
    named = ledger.add(world.users["village_a"], found, _typed(world, deadline="2026-12-30"), TODAY)
    assert reminders.remind_deadlines(date(2026, 11, 26)).ledger == 0  # 4 days before: not yet
    first = reminders.remind_deadlines(date(2026, 11, 27))
    assert first.ledger == 1 and "整改台账待整改 1" in first.summary()
    assert reminders.remind_deadlines(date(2026, 11, 29)).ledger == 0  # told already
    assert reminders.remind_deadlines(date(2026, 12, 1)).ledger == 1   # now late
    assert reminders.remind_deadlines(date(2026, 12, 5)).ledger == 0
    assert _told(worker) == [
        (NotificationKind.DUE_SOON.value, f"整改台账第 {item.id} 项请于 2026-11-30 前完成整改（还剩 3 天）"),
        (NotificationKind.OVERDUE.value, f"整改台账第 {item.id} 项已逾期（整改时限 2026-11-30），请尽快整改并上传佐证")]
    link = db.session.execute(select(Notification.link).where(Notification.user_id == worker.id)).scalars().first()
    assert link == f"/campaigns/{found.id}/ledger/{item.id}"
    # A responsible person typed by name only: the village staff hear of it.
    assert reminders.ledger_reminders(date(2026, 12, 28))[-1].recipient.id == world.users["village_a"].id
    assert _told(world.users["village_a"]) == []
    ledger.mark_fixed(world.users["village_a"], found, named.id, {"fixed_on": "2026-12-28"}, _png(), date(2026, 12, 28))
    assert [m.dedupe_key for m in reminders.ledger_reminders(date(2026, 12, 31))] == \
        [f"ledger:{item.id}:2026-11-30:late"]  # a fixed item is not reminded


def _export(actor, found, code=""):
    job = form4.start_export(actor, found, code, TODAY)
    db.session.commit()  # the job runs at once in tests
    db.session.refresh(job)
    assert job.state == "done", job.message
    _, data = jobs.result_file(actor, job.id)
    return load_workbook(io.BytesIO(data)).active


def test_the_export_in_the_seeds_layout_with_full_numbers_audited(world, found):
    home = household(world.village_a, TODAY, id_number=ID_NUMBER)
    actor = world.users["township"]
    item = ledger.add(actor, found, _typed(world, household_id=str(home.id), remarks="县住建局协助"), TODAY)
    ledger.add(world.users["village_b"], found, _typed(world, village=world.village_b.code, unit="石门村委会",
                                                       problem_type="governance", problem="村规民约未修订",
                                                       measure="召开村民代表大会修订", deadline="2026-12-01"), TODAY)
    ledger.mark_fixed(actor, found, item.id, {"fixed_on": "2026-11-20"}, _png(), TODAY)
    db.session.commit()
    sheet = _export(actor, found)
    assert sheet["A1"].value == "集中排查发现问题整改台账" and sheet["A2"].value == "日期：2026年11月20日"
    assert [c.value for c in sheet[3]] == SEED_HEADER
    assert [c.value for c in sheet[4]] == ["青山村委会", "青山村", "户主青山村", ID_NUMBER, "三保障和饮水安全",
                                           "住房安全等级未鉴定", "请住建站鉴定并改造", "王支书", "2026-12-10",
                                           "已整改（2026-11-20）；县住建局协助"]
    assert [c.value for c in sheet[5]][:6] == ["石门村委会", "石门村", None, None, "乡村治理", "村规民约未修订"]
    assert sheet["A6"].value.startswith("备注：1.若是涉及乡镇的问题")
    assert {str(r) for r in sheet.merged_cells.ranges} == {"A1:J1", "A2:J2", "A6:J6"}
    assert sheet.print_title_rows == "$3:$3" and sheet.page_setup.orientation == "landscape"
    done = db.session.execute(select(AuditLog).where(AuditLog.action == "export",
                                                     AuditLog.object_type == "ledger_item")).scalar_one()
    assert done.user_id == actor.id and "items=2 id_numbers=1" in done.detail
    own = _export(world.users["village_b"], found)
    assert own.max_row == 5 and own["B4"].value == "石门村"  # title, date, header, its item, the notes
