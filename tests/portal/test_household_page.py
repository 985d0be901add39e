"""The household page's view model: every section built from rows made through the real
services (register, open and drive cases, record visits with photos, evaluate), scoped to the
reader, and loaded with a number of queries that does not grow with the history."""
from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import pytest
from PIL import Image
from sqlalchemy import event, select

import factories
from core.extensions import db
from domain.enums import (CaseSource, Health, HouseholdAttribute, IncomeSource, LabourCapacity, MeasureStatus,
                          Relation)
from domain.workflow import Action, CaseState
from models import AuditLog, Case, Household, Measure, PlanMeasure, Visit
from office_support import PDF, drive, put_on_elimination_list, review
from portal import household_page
from services.errors import NotFound
from services.fieldwork import visits
from services.fieldwork.visits import VisitInput
from services.households import incomes, records
from services.households.history import READS_SHOWN
from services.households.records import MemberInput
from services.workflow import cases
from services.workflow.cases import Evidence, StepInput

START = date(2026, 6, 1)
TODAY = date(2026, 11, 20)


def _jpeg(size=(800, 600)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, "green").save(buf, "JPEG")
    return buf.getvalue()


@dataclass
class History:
    world: factories.World
    household: Household
    head_id: str
    child_id: str
    rejected: Case
    main: Case
    merged: Case
    visit: Visit
    photo_ids: list[int]


def _register(world, *, size_extra: int = 0) -> tuple[Household, str, str]:
    head_id, child_id = factories.new_id(), factories.new_id(birth=date(2012, 3, 1))
    members = [
        MemberInput(name="王大山", relation=Relation.HEAD.value, labour_capacity=LabourCapacity.WEAK.value,
                    id_number=head_id, health=Health.DISABLED.value, disability_grade=2,
                    phone="13912345678", health_detail="腿部残疾"),
        MemberInput(name="李秀英", relation=Relation.SPOUSE.value, labour_capacity=LabourCapacity.ORDINARY.value,
                    id_number=factories.new_id(), health=Health.CHRONIC.value),
        MemberInput(name="王小明", relation=Relation.CHILD.value, labour_capacity=LabourCapacity.NONE.value,
                    id_number=child_id, schooling="compulsory"),
    ]
    members += [MemberInput(name=f"亲属{i}", relation=Relation.OTHER.value,
                            labour_capacity=LabourCapacity.ORDINARY.value) for i in range(size_extra)]
    h = records.register_household(
        None, world.grid_a1, members, today=START, address="青山村一组18号", code=f"HH-{uuid.uuid4().hex[:6]}",
        attribute=HouseholdAttribute.MONITORED.value, monitoring_category="marginal",
        risk_types=["illness", "disability"], key_groups=["disabled"])
    # 收入台账: last year's record, and this year's with 9,000 of medical spending beside it.
    incomes.record_income(None, h, year=START.year - 1, measured_on=START.replace(year=START.year - 1),
                          net_total="21000", source=IncomeSource.STAFF, today=START)
    incomes.record_income(None, h, year=START.year, measured_on=START, source=IncomeSource.STAFF, today=START,
                          items={"wages": "15000", "medical_spending": "9000"})
    h.sanitary_toilet = False
    return h, head_id, child_id


def _record_visit(world, h: Household, case: Case | None, photos: int = 1, **kw) -> Visit:
    worker = world.users["grid_a1"]
    uuids = []
    for _ in range(photos):
        client_uuid = str(uuid.uuid4())
        visits.upload_photo(worker, client_uuid, _jpeg())
        uuids.append(client_uuid)
    data = dict(client_uuid=str(uuid.uuid4()), household_id=h.id, method="phone",
                visited_at=datetime(2026, 7, 1, 2, 30, tzinfo=timezone.utc).isoformat(),
                case_id=case.id if case else None, reached_person="儿子王小军", reached_via="13800001111",
                away_reason="work", answers={"should_monitor": "yes"}, photos=uuids, notes="全家在外务工",
                income={"wages": "12000"})
    data.update(kw)
    sent = datetime.fromisoformat(data["visited_at"]) + timedelta(minutes=30)
    visit, _ = visits.record_visit(worker, VisitInput(**data), now=sent)
    return visit


def _build_history(world) -> History:
    village, grid = world.users["village_a"], world.users["grid_a1"]
    h, head_id, child_id = _register(world)

    # A first clue, turned down at the village review, with the minutes attached.
    rejected = cases.open_case(None, h.region, CaseSource.SELF_REPORT, today=START, household=h)
    cases.perform(village, rejected.id, Action.ACCEPT, StepInput(), today=START)
    cases.perform(village, rejected.id, Action.ASSIGN_VERIFIER, StepInput(assignee_id=grid.id), today=START)
    cases.perform(grid, rejected.id, Action.VERIFY, StepInput(comment="入户核实"), today=START)
    cases.perform(village, rejected.id, Action.VILLAGE_REVIEW_FAIL, StepInput(
        review=review(START), reason="家庭收入高于监测范围",
        evidence=[Evidence("评议记录.pdf", PDF, "application/pdf")]), today=START + timedelta(days=1))

    # A second clue that went all the way to help.
    second = START + timedelta(days=10)
    main = cases.open_case(None, h.region, CaseSource.GRID_VISIT, today=second, household=h,
                           risk_types=["illness"])
    drive(world, main, CaseState.HELPING, second)

    # A report by name that turned out to be the same household: matched, then merged.
    merged = cases.open_case(village, world.village_a, CaseSource.PROXY_REPORT, today=second + timedelta(days=20),
                             claimed_name="王大山", claimed_id_number=head_id)
    cases.perform(village, merged.id, Action.ACCEPT, StepInput(), today=second + timedelta(days=20))
    cases.match_household(village, merged.id, h.id)
    cases.perform(village, merged.id, Action.MERGE, StepInput(target_case_id=main.id),
                  today=second + timedelta(days=20))

    visit = _record_visit(world, h, main, photos=2)
    loan = Measure(county_id=world.county.id, name="小额信贷", kind="development", department="rural_revitalization")
    toilet = Measure(county_id=world.county.id, name="户厕改造", kind="improvement", department="agriculture",
                     toilet_upgrade=True)
    db.session.add_all([loan, toilet])
    db.session.add_all([
        PlanMeasure(case=main, measure=toilet, position=0, department="agriculture", status=MeasureStatus.DONE.value,
                    planned_on=second + timedelta(days=18), due_on=date(2026, 8, 31), done_on=date(2026, 8, 20),
                    created_by=village, updated_by=world.users["dept"]),
        PlanMeasure(case=main, measure=loan, position=1, department="rural_revitalization",
                    status=MeasureStatus.IN_PROGRESS.value, planned_on=second + timedelta(days=18),
                    due_on=date(2026, 10, 31), note="已提交贷款申请", created_by=village, updated_by=village),
    ])
    put_on_elimination_list(world, main, date(2026, 10, 15))
    db.session.flush()
    return History(world, h, head_id, child_id, rejected, main, merged, visit, [p.id for p in visit.photos])


@pytest.fixture
def world(app):
    return factories.build_world()


@pytest.fixture
def history(world):
    return _build_history(world)


def _page(user, h: Household, today: date = TODAY):
    return household_page.build(user, records.read_household(user, h.id), today)


# --- the household and its members -------------------------------------------------------------

def test_facts_and_income_against_the_monitoring_line(history):
    page = _page(history.world.users["village_a"], history.household)

    p = page.profile
    assert p.region_chain == "示范县 / 青山镇 / 青山村 / 青山村一组"
    assert (p.head, p.size, p.address) == ("王大山", 3, "青山村一组18号")
    # The county's confirmation set the category and risk types the household now carries.
    assert (p.attribute, p.category, p.risk_types) == ("监测户", "边缘易致贫户", "因病")
    assert p.toilet == "无卫生厕所（需户厕改造）" and p.toilet_upgrade_needed
    assert p.key_groups == ("农村残疾人家庭（特别是新致残和重度残疾）",)
    inc = page.income
    # 15,000 yuan for 3 people is 5,000 a head, under the 7,000 line in force since 2022.
    assert (inc.net_income, inc.per_capita, inc.line, inc.line_year) == ("15,000 元", "5,000.00 元", "7,000 元", 2026)
    assert inc.below_line is True
    assert (inc.last_year_income, inc.rigid_spending) == ("21,000 元", "9,000 元")


def test_income_not_recorded_is_neither_above_nor_below(world):
    h = factories.household(world.grid_a1, START)

    inc = _page(world.users["village_a"], h).income

    assert (inc.net_income, inc.per_capita, inc.below_line) == ("", "", None)
    assert inc.line == "7,000 元"


def test_members_are_shown_in_full(history):
    members = _page(history.world.users["village_a"], history.household).members

    head, spouse, child = members
    assert head.is_head and head.relation == "户主"
    assert head.id_number == history.head_id and head.phone == "13912345678"
    assert (head.health, head.health_detail, head.labour) == ("残疾（2级）", "腿部残疾", "弱劳动力或半劳动力")
    assert spouse.health == "长期慢性病"
    assert (child.id_number, child.schooling, child.labour) == (history.child_id, "义务教育", "无劳动力")


# --- cases, visits, measures, evaluations -------------------------------------------------------

def test_every_case_in_every_state(history):
    rows = {c.id: c for c in _page(history.world.users["village_a"], history.household).cases}

    assert set(rows) == {history.rejected.id, history.main.id, history.merged.id}
    rejected, main, merged = rows[history.rejected.id], rows[history.main.id], rows[history.merged.id]
    assert (rejected.state, rejected.is_open, rejected.rejection_reason) == ("未纳入", False, "家庭收入高于监测范围")
    assert (merged.state, merged.merged_into, merged.source) == ("已合并", history.main.id, "代申报")
    assert (main.state, main.category, main.pair_cadre) == ("帮扶中", "边缘易致贫户", "CADRE_A")
    assert main.identified_on == "2026-06-22" and main.clue_date == "2026-06-11"
    assert rejected.due == "" and not rejected.overdue


def test_grid_worker_sees_the_household_but_only_their_own_cases(history):
    page = _page(history.world.users["grid_a1"], history.household)

    assert page.own_cases_only
    assert {c.id for c in page.cases} == {history.rejected.id, history.main.id}  # they verified both
    assert all(t.case_id != history.merged.id for t in page.timeline)
    assert page.members[0].id_number == history.head_id


def test_visits_with_remote_details_and_photos(history):
    [v] = _page(history.world.users["village_a"], history.household).visits

    assert (v.at, v.method, v.remote, v.worker) == ("2026-07-01 10:30", "电话", True, "GRID_A1")
    assert (v.reached_person, v.reached_via, v.away_reason) == ("儿子王小军", "13800001111", "务工")
    assert (v.should_monitor, v.notes, v.case_id) == ("建议纳入监测", "全家在外务工", history.main.id)
    assert v.per_capita_income == "4,000.00 元"
    assert [p.id for p in v.photos] == history.photo_ids
    assert {(p.thumb_width, p.thumb_height) for p in v.photos} == {(320, 240)}


def test_visit_linked_to_a_case_the_reader_cannot_open_shows_no_link(history):
    village = history.world.users["village_a"]
    other = cases.open_case(village, history.household.region, CaseSource.GRID_VISIT, today=TODAY,
                            household=history.household)  # not the grid worker's
    history.visit.case_id = other.id
    db.session.flush()

    [v] = _page(history.world.users["grid_a1"], history.household).visits

    assert v.case_id is None


def test_measures_and_evaluations(history):
    page = _page(history.world.users["village_a"], history.household, today=date(2026, 11, 20))

    toilet, loan = page.measures
    assert (toilet.name, toilet.kind, toilet.department, toilet.status) == ("户厕改造", "改善式", "农业农村", "已落实")
    assert (toilet.done_on, toilet.overdue) == ("2026-08-20", False)
    assert (loan.status, loan.due_on, loan.note) == ("落实中", "2026-10-31", "已提交贷款申请")
    assert loan.overdue  # due 31 October, still in progress on 20 November
    [e] = page.evaluations
    assert (e.quarter, e.evaluated_on, e.in_place, e.working, e.risk_gone) == ("2026Q4", "2026-10-15", "是", "是", "是")
    assert e.propose_elimination and e.actor == "VILLAGE_A" and e.case_id == history.main.id


# --- the timeline and its readers ----------------------------------------------------------------

def test_timeline_merges_everything_newest_first(history):
    timeline = _page(history.world.users["village_a"], history.household).timeline

    kinds = {t.kind for t in timeline}
    assert kinds == {"case", "visit", "measure", "evaluation"}
    # Newest first; an entry with a date only counts as the end of its day.
    stamps = [t.at if " " in t.at else t.at + " 23:59" for t in timeline]
    assert stamps == sorted(stamps, reverse=True)
    assert stamps.index("2026-10-15 23:59") < stamps.index("2026-07-01 10:30") < stamps.index("2026-06-29 23:59")
    titles = [t.title for t in timeline]
    assert "2026Q4 帮扶效果评估" in titles and "措施已落实：户厕改造" in titles
    assert "措施落实中：小额信贷" in titles and "安排措施：小额信贷" in titles
    assert "电话走访" in titles
    assert "民主评议未通过 → 未纳入" in titles and "合并重复线索 → 已合并" in titles
    [rejection] = [t for t in timeline if t.title == "民主评议未通过 → 未纳入"]
    assert rejection.actor == "VILLAGE_A（村级工作人员）" and rejection.case_id == history.rejected.id
    assert [f.label for f in rejection.evidence] == ["评议记录.pdf"]
    # Records that are not steps say so, instead of looking like a new report.
    assert "补充记录（已受理）" in titles and "线索已关联到本户" in [line for t in timeline for line in t.lines]
    assert any(t.title == "补充记录（帮扶中）" and f"案件 {history.merged.id} 已合并到本案" in t.lines for t in timeline)
    assert titles.count("提交线索 → 已提交") == 3
    [visit] = [t for t in timeline if t.kind == "visit"]
    assert visit.visit_id == history.visit.id and "照片 2 张" in visit.lines
    assert any("外出原因：务工" in line for line in visit.lines)


def test_readers_of_the_household_and_its_cases(history):
    world = history.world
    cases.read_case(world.users["village_a"], history.main.id)
    records.read_household(world.users["county"], history.household.id)
    other = factories.household(world.grid_a1, START)
    records.read_household(world.users["township"], other.id)  # another household: not listed

    page = _page(world.users["township"], history.household)

    assert page.viewer_total == 3  # including this very read
    assert [(v.name, v.role, v.what) for v in page.viewers] == [
        ("TOWNSHIP", "乡镇工作人员", "农户档案"), ("COUNTY", "县级工作人员", "农户档案"),
        ("VILLAGE_A", "村级工作人员", f"案件 {history.main.id}")]


def test_only_the_latest_readers_are_listed_with_the_total(world):
    h = factories.household(world.grid_a1, START)
    for _ in range(READS_SHOWN + 5):
        records.read_household(world.users["village_a"], h.id)

    page = _page(world.users["village_a"], h)

    assert page.viewer_total == READS_SHOWN + 6
    assert len(page.viewers) == READS_SHOWN


def test_the_number_of_queries_does_not_grow_with_the_history(world, history):
    reader = world.users["village_a"]

    def queries_for_page() -> int:
        db.session.expire_all()
        household = records.read_household(reader, history.household.id)
        seen = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731  (the SQL statement)
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            household_page.build(reader, household, TODAY)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(seen)

    before = queries_for_page()
    for _ in range(4):
        _record_visit(world, history.household, history.main, photos=3)
    for day in (date(2026, 7, 15), date(2026, 8, 15)):
        cases.read_case(reader, history.main.id)
        put_on_elimination_list(world, history.main, day)
    db.session.flush()

    assert queries_for_page() == before


# --- photos -------------------------------------------------------------------------------------

def test_photo_in_scope_is_served_and_audited(history):
    village = history.world.users["village_a"]
    photo_id = history.photo_ids[0]

    full = visits.visit_photo_file(village, photo_id, thumbnail=False)
    thumb = visits.visit_photo_file(village, photo_id, thumbnail=True)

    assert full.content != thumb.content and full.etag != thumb.etag
    assert full.content_type == thumb.content_type == "image/jpeg"
    with Image.open(io.BytesIO(thumb.content)) as img:
        assert img.size == (320, 240)
    reads = db.session.execute(select(AuditLog).where(AuditLog.object_type == "photo", AuditLog.action == "read")
                               ).scalars().all()
    assert [(r.user_id, r.object_id, r.detail) for r in reads] == [
        (village.id, str(photo_id), f"household={history.household.id} full"),
        (village.id, str(photo_id), f"household={history.household.id} thumbnail")]


def test_photo_outside_scope_or_not_on_a_visit_is_not_found(history):
    world = history.world
    with pytest.raises(NotFound):
        visits.visit_photo_file(world.users["village_b"], history.photo_ids[0], thumbnail=True)
    with pytest.raises(NotFound):
        visits.visit_photo_file(world.users["grid_b1"], history.photo_ids[0], thumbnail=False)
    loose, _ = visits.upload_photo(world.users["grid_a1"], str(uuid.uuid4()), _jpeg())
    with pytest.raises(NotFound):  # uploaded, never attached to a visit
        visits.visit_photo_file(world.users["village_a"], loose.id, thumbnail=False)
    with pytest.raises(NotFound):
        visits.visit_photo_file(world.users["village_a"], 987654, thumbnail=False)
    assert db.session.execute(select(AuditLog).where(AuditLog.object_type == "photo", AuditLog.action == "read")
                              ).scalars().all() == []
