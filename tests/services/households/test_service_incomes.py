"""收入台账 through services.households.incomes: a year's record written (items or the national
file's total), the household's cached figures kept from the records, a visit's income confirmed
by staff once, checked amounts with Chinese messages, audit without amounts, scope."""
import uuid
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text

from conftest import TODAY
from core.extensions import db
from domain.enums import IncomeSource
from factories import build_world, household
from models import AuditLog, HouseholdIncome
from services.errors import NotFound, PermissionDenied, ValidationFailed
from services.fieldwork import visits
from services.fieldwork.visits import VisitInput
from services.households import incomes

STAFF = IncomeSource.STAFF


@pytest.fixture
def world(app):
    return build_world()


def _record(h, year, measured_on, items=None, **kw):
    return incomes.record_income(None, h, year=year, measured_on=measured_on, source=kw.pop("source", STAFF),
                                 today=TODAY, items=items, **kw)


def _audits() -> list[str]:
    db.session.flush()
    return list(db.session.execute(select(AuditLog.detail).where(AuditLog.object_type == "household_income")
                                   .order_by(AuditLog.id)).scalars())


def _visit(world, h, when: datetime, income: dict, size=None):
    visit, _ = visits.record_visit(world.users["grid_a1"], VisitInput(
        client_uuid=str(uuid.uuid4()), household_id=h.id, method="home", visited_at=when.isoformat(),
        household_size=size, income=income), now=when + timedelta(minutes=30))
    return visit


# --- writing a year's record ----------------------------------------------------------------

def test_items_give_the_net_and_the_household_takes_the_latest_year(world):
    h = household(world.grid_a1, TODAY, size=3)
    village = world.users["village_a"]
    record = incomes.record_income(
        village, h, year=2026, measured_on=date(2026, 10, 31), source=STAFF, today=TODAY,
        items={"wages": "24,000", "business": "6000", "property": "", "transfers": "1500.50",
               "business_costs": "2000", "medical_spending": "9000", "schooling_spending": "1200"})
    db.session.flush()
    # 24,000 + 6,000 + 1,500.50 − 2,000 = 29,500.50
    assert record.net_income == Decimal("29500.50") and record.household_size == 3
    assert (record.period_start, record.measured_on) == (date(2025, 11, 1), date(2026, 10, 31))
    assert (record.property, record.disaster_spending) == (None, None)
    assert (record.source, record.recorded_by_id, record.visit_id) == ("staff", village.id, None)
    assert h.net_income == Decimal("29500.50") and h.rigid_spending == Decimal("10200.00")
    assert (h.income_period_start, h.income_period_end) == (date(2025, 11, 1), date(2026, 10, 31))
    assert h.last_year_income is None
    [detail] = _audits()
    assert detail == ("year=2026 fields=wages,business,transfers,business_costs,medical_spending,"
                      "schooling_spending,net_income,measured_on,period_start,household_size,source")


def test_last_year_income_is_the_record_of_the_year_before_the_latest(world):
    h = household(world.grid_a1, TODAY, size=2)
    _record(h, 2024, date(2024, 12, 31), net_total="16000")
    _record(h, 2026, date(2026, 6, 30), net_total="20000")
    assert (h.net_income, h.last_year_income) == (Decimal("20000.00"), None)  # no 2025 record
    _record(h, 2025, date(2025, 12, 31), {"wages": "18000", "disaster_spending": "30000"})
    # Writing an earlier year leaves the latest (2026) in charge and fills 上年度.
    assert (h.net_income, h.last_year_income, h.rigid_spending) == (Decimal("20000.00"), Decimal("18000.00"), None)
    assert h.income_period_end == date(2026, 6, 30)
    assert [r.year for r in h.incomes] == [2024, 2025, 2026]


def test_the_same_year_is_corrected_in_place_and_the_audit_names_what_changed(world):
    h = household(world.grid_a1, TODAY, size=2)
    _record(h, 2026, date(2026, 5, 1), {"wages": "20000", "medical_spending": "5000"})
    _record(h, 2026, date(2026, 5, 1), {"wages": "22000", "medical_spending": "5000"})
    assert db.session.execute(select(func.count(HouseholdIncome.id))).scalar_one() == 1
    assert h.net_income == Decimal("22000.00")
    _record(h, 2026, date(2026, 5, 1), {"wages": "22000", "medical_spending": "5000"})  # saved as it was
    audits = _audits()
    assert audits[1:] == ["year=2026 fields=wages,net_income"]  # nothing recorded for the unchanged save
    assert all("22000" not in a and "20000" not in a for a in audits)


def test_a_total_alone_as_the_national_file_gives_it(world):
    h = household(world.grid_a1, TODAY, size=4)
    record = _record(h, 2025, date(2025, 12, 31), net_total=Decimal("-1200"), source=IncomeSource.IMPORT)
    assert record.net_income == Decimal("-1200.00") and record.source == "import"
    assert all(getattr(record, key) is None for key in incomes.AMOUNTS)
    assert h.net_income == Decimal("-1200.00") and h.rigid_spending is None
    # Items replace the total-only record of the same year, and the other way round.
    _record(h, 2025, date(2025, 12, 31), {"wages": "30000"})
    _record(h, 2025, date(2025, 12, 31), net_total="28000", source=IncomeSource.IMPORT)
    assert (record.wages, record.net_income) == (None, Decimal("28000.00"))


@pytest.mark.parametrize("kw, field, message", [
    (dict(items={"wages": "两万"}), "wages", "工资性收入应为数字（元）"),
    (dict(items={"transfers": "-300"}), "transfers", "转移性收入不能为负数"),
    (dict(items={"business": "1e999"}), "business", "生产经营性收入应为数字（元）"),
    (dict(items={"property": "NaN"}), "property", "财产性收入应为数字（元）"),
    (dict(items={"wages": "2²"}), "wages", "工资性收入应为数字（元）"),
    (dict(items={"wages": "1\x00"}), "wages", "工资性收入应为数字（元）"),
    (dict(items={"medical_spending": "99999999"}), "medical_spending", "医疗自付支出不能超过1,000万元，请核对"),
    (dict(items={"medical_spending": "3000"}), "wages", "请至少填写一项收入（没有的填0）"),
    (dict(items={"bonus": "1"}), "bonus", "没有这个收入项目"),
    (dict(net_total=""), "net_total", "请填写家庭纯收入"),
    (dict(net_total="Infinity"), "net_total", "家庭纯收入应为数字（元）"),
    (dict(items={"wages": "1"}, household_size=0), "household_size", "家庭人口应在1到50人之间"),
    (dict(items={"wages": "1"}, household_size=51), "household_size", "家庭人口应在1到50人之间"),
    (dict(items={"wages": "1"}, measured_on=date(2026, 11, 21)), "measured_on", "核定日期不能晚于今天"),
    (dict(items={"wages": "1"}, measured_on=date(2025, 12, 31)), "measured_on", "核定日期应在2026年内"),
    (dict(items={"wages": "1"}, year=2**40), "year", "年度应在2015年到2026年之间"),
])
def test_refused_amounts_and_dates_say_why_and_write_nothing(world, kw, field, message):
    h = household(world.grid_a1, TODAY, size=2)
    args = dict(year=2026, measured_on=date(2026, 11, 1), source=STAFF, today=TODAY) | kw
    with pytest.raises(ValidationFailed) as info:
        incomes.record_income(world.users["village_a"], h, **args)
    assert info.value.fields[field] == message
    assert db.session.execute(select(func.count(HouseholdIncome.id))).scalar_one() == 0
    assert h.net_income is None and _audits() == []


def test_amounts_are_stored_encrypted(world):
    h = household(world.grid_a1, TODAY)
    _record(h, 2026, date(2026, 9, 1), {"wages": "31234.56", "medical_spending": "8765.43"})
    db.session.commit()
    raw = " ".join(str(v) for row in db.session.execute(text("SELECT * FROM household_income")) for v in row)
    raw += " ".join(str(v) for row in db.session.execute(text("SELECT * FROM household")) for v in row)
    for secret in ("31234", "8765", "15617"):  # the wage, the spending, the per-capita figure
        assert secret not in raw


# --- confirming a visit's income -------------------------------------------------------------

VISITED = datetime(2026, 11, 10, 2, 0, tzinfo=timezone.utc)  # 10:00 in Beijing, 2026-11-10


def test_staff_confirm_a_visit_into_its_years_record_once(world):
    h = household(world.grid_a1, TODAY, size=2)
    _record(h, 2026, date(2026, 3, 31), {"wages": "10000", "medical_spending": "6000"})
    visit = _visit(world, h, VISITED, {"wages": "20,000", "business": "5000", "business_costs": "1000"}, size=3)
    assert incomes.visit_statuses(h) == {visit.id: incomes.PENDING}
    shown = incomes.visit_incomes(h)[visit.id]
    assert shown.items == (("工资性收入", "20,000 元"), ("生产经营性收入", "5,000 元"), ("生产经营性支出", "1,000 元"))
    assert (shown.net_income, shown.household_size) == ("24,000 元", 3)
    done = incomes.confirm_visit_income(world.users["village_a"], visit.id, TODAY, household_id=h.id)
    record = done.record
    assert not done.already
    # 20,000 + 5,000 − 1,000 = 24,000, for the 3 people the visit counted; measured on the visit's day.
    assert (record.year, record.measured_on, record.household_size) == (2026, date(2026, 11, 10), 3)
    assert (record.net_income, record.source, record.visit_id) == (Decimal("24000.00"), "visit", visit.id)
    assert record.medical_spending == Decimal("6000.00")  # not asked at a visit: kept
    assert h.net_income == Decimal("24000.00")
    assert incomes.visit_statuses(h) == {visit.id: incomes.CONFIRMED}
    again = incomes.confirm_visit_income(world.users["township"], visit.id, TODAY)
    assert again.already and again.record.id == record.id
    assert _audits()[-1] == f"year=2026 fields=wages,business,business_costs,net_income,measured_on," \
                            f"period_start,household_size,source,visit_id visit={visit.id}"
    assert len(_audits()) == 2


def test_an_older_visit_does_not_overwrite_a_newer_measurement(world):
    h = household(world.grid_a1, TODAY, size=2)
    visit = _visit(world, h, VISITED, {"wages": "9000"})
    _record(h, 2026, date(2026, 11, 15), {"wages": "30000"})
    assert incomes.visit_statuses(h) == {visit.id: incomes.SUPERSEDED}
    with pytest.raises(ValidationFailed) as info:
        incomes.confirm_visit_income(world.users["village_a"], visit.id, TODAY)
    assert info.value.fields["visit"] == "2026年的收入台账已按2026-11-15的核定记录，这次走访不晚于该日期，不再计入"
    assert h.net_income == Decimal("30000.00")


def test_who_may_confirm_and_where(world):
    h = household(world.grid_a1, TODAY)
    visit = _visit(world, h, VISITED, {"wages": "9000"})
    for role in ("grid_a1", "cadre_a", "dept", "admin"):
        with pytest.raises(PermissionDenied):
            incomes.confirm_visit_income(world.users[role], visit.id, TODAY)
    for visit_id in (visit.id + 1, 0, -1, 2**31, 2**63):
        with pytest.raises(NotFound):
            incomes.confirm_visit_income(world.users["village_a"], visit_id, TODAY)
    with pytest.raises(NotFound):  # another village
        incomes.confirm_visit_income(world.users["village_b"], visit.id, TODAY)
    with pytest.raises(NotFound):  # the visit is not this household's
        incomes.confirm_visit_income(world.users["village_a"], visit.id, TODAY, household_id=h.id + 1)
    without = _visit(world, h, VISITED, {})
    assert without.id not in incomes.visit_statuses(h)
    with pytest.raises(ValidationFailed) as info:
        incomes.confirm_visit_income(world.users["county"], without.id, TODAY)
    assert info.value.fields["visit"] == "这次走访没有填写收入，无需确认"
    assert db.session.execute(select(func.count(HouseholdIncome.id))).scalar_one() == 0


# --- reading -------------------------------------------------------------------------------

def test_rows_show_each_year_against_its_own_line(world):
    h = household(world.grid_a1, TODAY, size=2)
    _record(h, 2021, date(2021, 12, 31), net_total="13000", source=IncomeSource.IMPORT)  # 6,500 a head
    _record(h, 2026, date(2026, 6, 30), {"wages": "12000", "business": "3000", "business_costs": "1000",
                                         "schooling_spending": "2500"})  # 14,000: 7,000 a head
    lines = {2020: Decimal("6000"), 2022: Decimal("7000")}
    latest, earlier = incomes.income_rows(h, lines)
    assert (latest.year, latest.period, latest.net_income, latest.per_capita, latest.line, latest.above) == (
        2026, "2025-07-01 至 2026-06-30", "14,000 元", "7,000.00 元", "7,000 元", False)
    assert latest.items == (("工资性收入", "12,000 元"), ("生产经营性收入", "3,000 元"), ("生产经营性支出", "1,000 元"))
    assert latest.spending == (("就学支出", "2,500 元"),) and not latest.total_only
    assert latest.source == "工作人员录入"
    assert latest.values == {"year": "2026", "measured_on": "2026-06-30", "household_size": "2", "wages": "12000",
                             "business": "3000", "property": "", "transfers": "", "business_costs": "1000",
                             "medical_spending": "", "schooling_spending": "2500", "disaster_spending": ""}
    assert (earlier.line, earlier.above, earlier.total_only, earlier.items, earlier.source) == (
        "6,000 元", True, True, (), "全国系统导入")
    assert incomes.income_rows(h, {})[0].line == ""
