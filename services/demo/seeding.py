"""``flask seed-demo``: a demo county with households, a measure library, staff and live cases.

Cases are driven through ``services.workflow.cases`` step by step with past dates, so every demo case
reached its state the way a real one would.
"""
from __future__ import annotations

import io
import random
import uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Callable, TypeVar

from PIL import Image
from sqlalchemy import func, select, update

from core import clock
from core.clock import WORK_TZ
from core.extensions import db
from domain.enums import (CaseSource, Health, HouseholdAttribute, IncomeSource, KeyGroup, LabourCapacity,
                          MonitoringCategory, RegionLevel, Relation, RiskType, Schooling)
from domain.evidence import ELIMINATION_PAPERS
from domain.fieldwork import VisitMethod
from domain.helpplan import PlanMaker
from domain.relief import ReliefKind
from domain.validation import make_id_number
from domain.workflow import Action
from models import CaseEvent, Measure, Region, User
from services.accounts import users
from services.demo.scale_people import likely_labour
from services.fieldwork import visits
from services.fieldwork.visits import VisitInput
from services.help import evaluations, measure_tasks, measures, plans
from services.help.evaluations import EvaluationInput
from services.households import incomes, records
from services.regions import tree
from services.workflow import cases
from services.workflow.cases import Evidence, StepInput
from services.demo import campaign_demo, warnings_demo
from services.demo.data import (CITY, COUNTY, DEMO_PASSWORD, GIVEN, GRIDS_PER_VILLAGE, PROVINCE,
                                HOUSEHOLDS_PER_VILLAGE, MEASURES, STAFF, SURNAMES, TOWNSHIPS)
from services.help.plans import PlanChoice
from services.households.records import MemberInput


T = TypeVar("T")


def _demo_paper() -> bytes:
    """A placeholder for the demo's attached papers (a real county attaches scans): a real
    one-page PDF, an empty A4 page at 72 dpi, as an uploaded paper would have to be."""
    out = io.BytesIO()
    Image.new("1", (595, 842), 1).save(out, "PDF", resolution=72)
    return out.getvalue()


def has_data() -> bool:
    return db.session.execute(select(Region.id).limit(1)).first() is not None


def seed(today: date | None = None, seed_value: int = 2026) -> str:
    today = today or clock.today()
    rng = random.Random(seed_value)
    county = _regions()
    staff = {u[0]: users.create_user(u[0], u[1], DEMO_PASSWORD, u[2], u[3], u[4], phone=u[5]) for u in STAFF}
    for name, kind, department, risks in MEASURES:
        db.session.add(Measure(county=county, name=name, kind=kind.value,
                               department=department.value if department else None,
                               risk_types=[r.value for r in risks], toilet_upgrade=name == "户厕改造",
                               is_temporary_relief=name == "临时救助"))
    made = _households(rng, today)
    case_count = _cases(staff, made, today)
    warnings_demo.seed_medical_list(staff, made, _grid_households(staff, made)[0], today)
    # A concentrated screening running now, so the field app has households to visit.
    campaign_demo.seed_campaign(county, staff, today)
    db.session.flush()
    lines = [f"演示数据已生成：{county.name}，{len(made)} 户，{len(MEASURES)} 项帮扶措施，{case_count} 条案件。",
             f"演示账号（密码均为 {DEMO_PASSWORD}）："]
    lines += [f"  {u[0]:<10} {u[1]}" for u in STAFF]
    return "\n".join(lines)


def _regions() -> Region:
    province = tree.create_region(PROVINCE[0], PROVINCE[1], RegionLevel.PROVINCE, None)
    city = tree.create_region(CITY[0], CITY[1], RegionLevel.CITY, province)
    county = tree.create_region(COUNTY[0], COUNTY[1], RegionLevel.COUNTY, city)
    for t_code, t_name, villages in TOWNSHIPS:
        township = tree.create_region(t_code, t_name, RegionLevel.TOWNSHIP, county)
        for v_code, v_name in villages:
            village = tree.create_region(v_code, v_name, RegionLevel.VILLAGE, township)
            for n in range(1, GRIDS_PER_VILLAGE + 1):
                tree.create_region(f"{v_code}-{n:02d}", f"{v_name}第{n}网格", RegionLevel.GRID, village)
    return county


def _name(rng: random.Random, surname: str | None = None) -> str:
    return (surname or rng.choice(SURNAMES)) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _households(rng: random.Random, today: date) -> list:
    grids = db.session.execute(select(Region).where(Region.level == RegionLevel.GRID.value)
                               .order_by(Region.code)).scalars().all()
    used: set[str] = set()
    made = []
    for index in range(HOUSEHOLDS_PER_VILLAGE * len(grids) // GRIDS_PER_VILLAGE):
        grid = grids[index % len(grids)]
        members = _members(rng, today, used)
        size = len(members)
        per_capita = Decimal(rng.randrange(3800, 16000, 50))
        lifted = rng.random() < 0.25
        address = f"{grid.parent.name}{rng.randint(1, 60)}号"
        medical = Decimal(rng.randrange(0, 20000, 100))
        household = records.register_household(
            None, grid, members, today=today, address=address, code=f"{grid.parent.code}{index:04d}",
            attribute=HouseholdAttribute.LIFTED.value if lifted else HouseholdAttribute.ORDINARY.value,
            key_groups=[KeyGroup.LIFTED.value] if lifted else [])
        # 收入台账 from the yearly collection: the last two calendar years, the earlier 5% higher.
        last_year = today.year - 1
        _income(household, last_year - 1, date(last_year - 1, 12, 31), per_capita * size * Decimal("1.05"), today)
        _income(household, last_year, date(last_year, 12, 31), per_capita * size, today, medical=medical)
        made.append(household)
    return made


def _income(household, year: int, measured_on: date, net: Decimal, today: date,
            medical: Decimal | None = None) -> None:
    """A year's record: the net split into wages, production and business, and transfers."""
    wages = (net * Decimal("0.6")).quantize(Decimal("1"))
    business = (net * Decimal("0.3")).quantize(Decimal("1"))
    items = {"wages": wages, "business": business, "transfers": net - wages - business,
             "medical_spending": medical or None}
    incomes.record_income(None, household, year=year, measured_on=measured_on, items=items,
                          source=IncomeSource.STAFF, today=today)


def _members(rng: random.Random, today: date, used: set[str]) -> list[MemberInput]:
    surname = rng.choice(SURNAMES)
    head_birth = date(rng.randint(1945, 1990), rng.randint(1, 12), rng.randint(1, 28))
    people = [(Relation.HEAD, head_birth, surname)]
    if rng.random() < 0.8:
        people.append((Relation.SPOUSE, head_birth + timedelta(days=rng.randint(-1500, 1500)), None))
    for _ in range(rng.choice((0, 1, 1, 2, 3))):
        people.append((Relation.CHILD, head_birth + timedelta(days=365 * rng.randint(20, 32)), surname))
    if rng.random() < 0.3:
        people.append((Relation.PARENT, head_birth - timedelta(days=365 * rng.randint(22, 30)), surname))
    members = []
    for relation, birth, family in people:
        birth = min(birth, today - timedelta(days=400))
        id_number = _unique_id(rng, birth, used)
        age = (today - birth).days // 365
        health = rng.choices([Health.HEALTHY, Health.CHRONIC, Health.SERIOUS_ILLNESS, Health.DISABLED],
                             [80, 10, 5, 5])[0]
        members.append(MemberInput(
            name=_name(rng, family), relation=relation.value, id_number=id_number,
            health=health.value, disability_grade=rng.randint(1, 4) if health is Health.DISABLED else None,
            labour_capacity=likely_labour(rng, age, health).value,
            schooling=_schooling(age),
            phone=f"170{rng.randint(0, 99999999):08d}" if relation is Relation.HEAD else None))
    return members


def _unique_id(rng: random.Random, birth: date, used: set[str]) -> str:
    while True:
        value = make_id_number(COUNTY[0][:6], birth, rng.randint(0, 999))
        if value not in used:
            used.add(value)
            return value


def _schooling(age: int) -> str | None:
    for upper, level in ((6, Schooling.PRESCHOOL), (15, Schooling.COMPULSORY),
                         (18, Schooling.HIGH_SCHOOL), (22, Schooling.COLLEGE)):
        if age < upper:
            return level.value
    return None


def _cases(staff: dict[str, User], made: list, today: date) -> int:
    """A few cases in the demo grid worker's grid of 青山村, each taken as far as its story goes."""
    village = tree.by_code("341599101001")
    v, t, c = staff["village"], staff["township"], staff["county"]
    grid, cadre = staff["grid"], staff["cadre"]
    in_grid = _grid_households(staff, made)
    risk = (RiskType.ILLNESS.value,)

    def step(case, actor, action, day, **kw):
        return _on(day, lambda: cases.perform(actor, case.id, action, StepInput(**kw), today=day))

    def identify(household, start: date, until: str):
        case = _on(start, lambda: cases.open_case(
            grid, household.region, CaseSource.GRID_VISIT, today=start, risk_types=list(risk),
            household=household, words="入户排查发现大病支出较大"))
        chain = [
            (v, Action.ACCEPT, 0, {}),
            (v, Action.ASSIGN_VERIFIER, 0, {"assignee_id": grid.id}),
            (grid, Action.VERIFY, 2, {"comment": "已入户核实"}),
            (v, Action.VILLAGE_REVIEW_PASS, 4, {"review": {"date": str(start + timedelta(days=4)),
                                                           "participants": "村两委、驻村工作队、村民代表",
                                                           "result": "同意纳入"},
                                                "notice_start": start + timedelta(days=4)}),
            (v, Action.CLOSE_NOTICE, 9, {"notice_end": start + timedelta(days=9)}),
            (t, Action.TOWNSHIP_APPROVE, 10, {"signed": True}),
            (c, Action.COUNTY_CONFIRM, 12, {"category": MonitoringCategory.MARGINAL.value,
                                            "risk_types": risk, "signed": True,
                                            "reason": "经部门信息比对和入户核实，因病支出大、收入不稳定，确定纳入"}),
            (t, Action.ASSIGN_PAIR_CADRE, 13, {"assignee_id": cadre.id}),
            (cadre, Action.FIRST_VISIT, 15, {"comment": "入户走访，了解住院费用和家庭收入",
                                             "data": {"notes": ["走访方式：入户"]}}),
        ]
        for actor, action, offset, kw in chain:
            if case.state == until:
                break
            step(case, actor, action, start + timedelta(days=offset), **kw)
        if case.state != until:  # the help plan, chosen from the library by the rules
            day = start + timedelta(days=20)
            _on(day, lambda: plans.save_plan(
                v, case.id, Action.MAKE_HELP_PLAN, _demo_plan(case, day), today=day,
                comment="村两委、网格员、驻村工作队和结对干部共同研究制定",
                makers=[m.value for m in PlanMaker], development_will=True, will_given=True))
        return case

    in_grid[2].sanitary_toilet = False  # so its plan starts its 改善式 help with 户厕改造
    opened = [
        _on(today - timedelta(days=1), lambda: cases.open_case(
            None, village, CaseSource.SELF_REPORT, today=today - timedelta(days=1),
            risk_types=[RiskType.DISASTER.value], urgent=True, claimed_name="赵大山",
            words="房子被暴雨冲坏了一面墙")),
        identify(in_grid[0], today - timedelta(days=3), "verifying"),
        identify(in_grid[1], today - timedelta(days=12), "township_review"),
        identify(in_grid[2], today - timedelta(days=40), "helping"),
    ]
    # The department follows its measure: 民政 has started on one and another is overdue.
    for task in measure_tasks.tasks(staff["minzheng"], today)[:1]:
        measure_tasks.update(staff["minzheng"], task.id, status="in_progress", done_on=None,
                             note="已受理，正在审核", today=today - timedelta(days=5))
    rejected = identify(in_grid[3], today - timedelta(days=30), "county_review")
    step(rejected, c, Action.COUNTY_REJECT, today - timedelta(days=17),
         reason="经部门数据比对，家庭人均纯收入高于监测范围，且无大额刚性支出")
    done = identify(in_grid[4], today - timedelta(days=400), "helping")
    household = in_grid[4]  # re-measured after inclusion: 12,000 a head, above the line since
    remeasured = today - timedelta(days=130)
    _income(household, remeasured.year, remeasured, Decimal("12000") * household.size, today)
    for pm in plans.current(done):  # every measure carried out within a month of the plan
        measure_tasks.update(c, pm.id, status="done", done_on=pm.planned_on + timedelta(days=25),
                             note="已落实到位", today=pm.planned_on + timedelta(days=25))
    for quarter in (1, 2, 3):
        evaluated = today - timedelta(days=400 - 90 * quarter)
        _on(evaluated, lambda: evaluations.evaluate(
            cadre, done.id, EvaluationInput(True, True, False, comment="措施已落实，收入逐步恢复"), today=evaluated))
    day = today - timedelta(days=100)
    _on(day, lambda: evaluations.evaluate(
        v, done.id, EvaluationInput(True, True, True, True, comment="收入稳定，经集体研判拟消除风险"), today=day))
    step(done, v, Action.PROPOSE_ELIMINATION, day)
    step(done, grid, Action.ELIM_VERIFY, day + timedelta(days=3), household_signed=True, signed=True)
    step(done, v, Action.ELIM_VILLAGE_REVIEW, day + timedelta(days=5),
         review={"date": str(day + timedelta(days=5)), "participants": "村两委、村民代表", "result": "同意"},
         notice_start=day + timedelta(days=5), signed=True)
    step(done, v, Action.ELIM_CLOSE_NOTICE, day + timedelta(days=11), notice_end=day + timedelta(days=11))
    paper = _demo_paper()
    papers = [Evidence(f"{k.label}.pdf", paper, "application/pdf", k.value) for k in ELIMINATION_PAPERS]
    step(done, t, Action.ELIM_TOWNSHIP_APPROVE, day + timedelta(days=13), signed=True, evidence=papers)
    step(done, c, Action.ELIM_COUNTY_APPROVE, day + timedelta(days=15), signed=True, phone_survey_done=True)
    step(done, c, Action.ANNOUNCE, day + timedelta(days=16))
    # A visit this week whose income answers wait for the village to confirm them (收入台账).
    visited = datetime.combine(today - timedelta(days=2), time(10, 0), tzinfo=WORK_TZ)
    visits.record_visit(grid, VisitInput(
        client_uuid=str(uuid.uuid5(uuid.NAMESPACE_URL, "shoudi-demo/visit/income")), household_id=in_grid[5].id,
        method=VisitMethod.HOME.value, visited_at=visited.isoformat(), household_size=in_grid[5].size,
        answers={"should_monitor": "no"}, notes="务工收入比去年增加",
        income={"wages": "26000", "business": "8000", "transfers": "2400", "business_costs": "1500"}),
        now=visited + timedelta(minutes=20))  # sent from the household's yard
    return len(opened) + 2


def _grid_households(staff: dict[str, User], made: list) -> list:
    """The households of the demo grid worker's grid, in the order they were made."""
    return [h for h in made if staff["grid"].region.contains(h.region)]


def _on(day: date, take: Callable[[], T]) -> T:
    """Take a demo step "on" a past day: the events it writes are dated that morning, so the
    demo's timelines read like a real history instead of all happening at seeding time."""
    db.session.flush()
    last = db.session.execute(select(func.max(CaseEvent.id))).scalar() or 0
    result = take()
    db.session.flush()
    when = datetime.combine(day, time(9, 30), tzinfo=WORK_TZ)
    db.session.execute(update(CaseEvent).where(CaseEvent.id > last).values(at=when)
                       .execution_options(synchronize_session="evaluate"))
    return result


def _demo_plan(case, day: date) -> list[PlanChoice]:
    """Measures that satisfy the plan rules: one per risk type (policy help first), a 开发式
    measure where someone can work (else 保障式), the toilet upgrade where needed; some with a
    due date a fortnight after the plan, so the department list has something falling due."""
    library = measures.measures_of(measures.county_of(case.region), active_only=True)
    facts = plans.facts(case)
    chosen: list = []
    for risk in facts.risk_types:
        answering = sorted((m for m in library if risk in m.risk_types), key=lambda m: m.kind != "policy")
        chosen += answering[:1]
    wanted = "development" if facts.workers else "security"
    chosen += [m for m in library if m.kind == wanted][:1]
    if facts.lacks_toilet:
        chosen += [m for m in library if m.toilet_upgrade][:1]
    chosen += [m for m in library if m.name == "临时救助"]  # a civil-affairs measure to follow
    ordered = [m for m in library if m in chosen]
    # 临时救助 records its amount and kind (seed 003): a 支出型 grant has no minimum.
    return [PlanChoice(m.id, day + timedelta(days=15) if m.department else None,
                       *((Decimal("3000"), ReliefKind.EXPENSE.value) if m.is_temporary_relief else ()))
            for m in ordered]
