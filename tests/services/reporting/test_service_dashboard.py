"""Dashboard figures per scope, the monthly trend in Beijing months, and the CSV: each test read
once from the roll-ups (refreshed just before) and once counted live, as before the first
refresh (tests/services/reporting/test_service_rollups.py compares the two on generated data)."""
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from core.extensions import db
from domain.enums import CaseSource
from domain.workflow import Action, CaseState
from factories import build_world, household
from models import CaseEvent
from office_support import drive, new_case
from services.notifications import escalation
from services.reporting import dashboard, rollups
from services.workflow import cases

TODAY = date(2026, 11, 20)
S = CaseState


@pytest.fixture
def scene(app):
    """Village A: 2 monitored households (one marginal/illness and overdue for its pair cadre,
    one paired), 1 clue verifying (overdue), 1 fresh clue; village B: 1 fresh clue, 1 rejected."""
    world = build_world()
    a_monitored = drive(world, new_case(world, date(2026, 11, 1)), S.MONITORED, date(2026, 11, 1))
    a_paired = drive(world, new_case(world, date(2026, 11, 2)), S.PAIRED, date(2026, 11, 2))
    a_verifying = drive(world, new_case(world, date(2026, 11, 1)), S.VERIFYING, date(2026, 11, 1))
    a_new = new_case(world, date(2026, 11, 19))
    b_new = cases.open_case(None, world.village_b, CaseSource.GRID_VISIT, today=TODAY,
                            household=household(world.village_b, TODAY), risk_types=["housing"])
    b_rejected = cases.open_case(None, world.village_b, CaseSource.GRID_VISIT, today=TODAY,
                                 household=household(world.village_b, TODAY))
    b_rejected.state = S.REJECTED.value  # seeding shortcut: only the state matters here
    db.session.flush()
    return world, dict(a_monitored=a_monitored, a_paired=a_paired, a_verifying=a_verifying,
                       a_new=a_new, b_new=b_new, b_rejected=b_rejected)


@pytest.fixture(params=["rolled_up", "live"])
def build(request):
    """``dashboard.build`` after a refresh of the roll-ups, or before any (counted live)."""
    def build_(user, today):
        if request.param == "rolled_up":
            rollups.refresh(today)
        board = dashboard.build(user, today)
        assert board.freshness.startswith("数据更新于") == (request.param == "rolled_up" and user.role != "grid_worker")
        return board
    return build_


def table(board, key):
    return next(t for t in board.tables if t.key == key)


def as_dict(t):
    return {row[0]: row[1:] if len(row) > 2 else row[1] for row in t.rows}


def totals(board):
    return {testid: n for _, n, testid in board.totals}


def test_counts_for_a_village(scene, build):
    world, c = scene
    board = build(world.users["village_a"], TODAY)
    # a_monitored: pairing due 15 Nov (overdue); a_verifying: identification due 16 Nov (overdue);
    # a_paired: first visit due 21 Nov (due soon); a_new: due 4 Dec.
    assert totals(board) == {"open": 4, "monitored": 2, "overdue": 2, "due-soon": 1, "long-unresolved": 0,
                             "escalated": 0}
    assert as_dict(table(board, "state")) == {"已提交": 1, "入户核实中": 1, "已纳入监测": 1, "已结对": 1}
    assert as_dict(table(board, "category")) == {"脱贫不稳定户": 0, "边缘易致贫户": 2, "突发严重困难户": 0}
    assert as_dict(table(board, "risk")) == {"因病": 2}
    regions = as_dict(table(board, "region"))
    assert regions["青山村一组"] == [4, 2, 2, 0] and regions["青山村二组"] == [0, 0, 0, 0]


def test_counts_for_the_other_village_township_and_county(scene, build):
    world, c = scene
    b = build(world.users["village_b"], TODAY)
    assert totals(b) == {"open": 1, "monitored": 0, "overdue": 0, "due-soon": 0, "long-unresolved": 0,
                         "escalated": 0}
    assert as_dict(table(b, "state")) == {"已提交": 1, "未纳入": 1}
    assert as_dict(table(b, "risk")) == {}
    assert as_dict(table(b, "region")) == {"石门村一组": [0, 0, 0, 0], "石门村（本级）": [1, 0, 0, 0]}

    township = build(world.users["township"], TODAY)
    assert totals(township) == {"open": 5, "monitored": 2, "overdue": 2, "due-soon": 1, "long-unresolved": 0,
                                "escalated": 0}
    assert as_dict(table(township, "region")) == {"青山村": [4, 2, 2, 0], "石门村": [1, 0, 0, 0]}
    assert table(township, "region").columns[0] == "村"

    county = build(world.users["county"], TODAY)
    assert totals(county) == totals(township)
    assert as_dict(table(county, "region")) == {"青山镇": [5, 2, 2, 0]}
    assert table(county, "region").columns[0] == "乡镇"
    # Department officers and the administrator see the county's figures (aggregates only).
    assert totals(build(world.users["dept"], TODAY)) == totals(county)


def test_a_grid_worker_counts_only_their_own_cases(scene, build):
    world, c = scene
    board = build(world.users["grid_a1"], TODAY)
    # grid_a1 verified a_monitored and a_paired, and is verifying a_verifying.
    assert totals(board)["open"] == 3


def _at(event_filter, when):
    for event in db.session.execute(select(CaseEvent).where(event_filter)).scalars():
        event.at = when
    db.session.flush()


def test_monthly_trend_in_beijing_months(scene, build):
    world, c = scene
    # Every event in October first, then move a few.
    _at(CaseEvent.id > 0, datetime(2026, 10, 10, 4, tzinfo=timezone.utc))
    # 31 Oct 17:00 UTC is 1 Nov 01:00 in Beijing: November.
    _at((CaseEvent.case_id == c["a_new"].id) & CaseEvent.action.is_(None),
        datetime(2026, 10, 31, 17, tzinfo=timezone.utc))
    # Twelve months back from November 2026 starts in December 2025: November 2025 is out.
    _at((CaseEvent.case_id == c["b_new"].id) & CaseEvent.action.is_(None),
        datetime(2025, 11, 30, 1, tzinfo=timezone.utc))
    _at((CaseEvent.case_id == c["a_paired"].id) & (CaseEvent.action == Action.COUNTY_CONFIRM.value),
        datetime(2026, 11, 3, 1, tzinfo=timezone.utc))

    trend = table(build(world.users["county"], TODAY), "trend")
    assert trend.columns == ["月份", "新增线索", "纳入监测", "风险消除"]
    assert [r[0] for r in trend.rows][0] == "2025年12月" and trend.rows[-1][0] == "2026年11月"
    months = {r[0]: r[1:] for r in trend.rows}
    # Opened: a_monitored, a_paired, a_verifying, b_rejected in October; a_new in November.
    assert months["2026年10月"] == [4, 1, 0]
    assert months["2026年11月"] == [1, 1, 0]
    assert sum(r[1] for r in trend.rows) == 5
    village_b = {r[0]: r[1:] for r in table(build(world.users["village_b"], TODAY), "trend").rows}
    assert village_b["2026年10月"] == [1, 0, 0] and sum(v[0] for v in village_b.values()) == 1


def test_month_starts_cross_the_year():
    assert dashboard.month_starts(date(2026, 2, 28), 3) == [date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1)]


def test_every_table_in_order_and_the_trend_month_by_month(scene, build):
    world, c = scene
    board = build(world.users["township"], TODAY)
    assert [t.key for t in board.tables] == ["state", "category", "risk", "region", "trend"]
    trend = table(board, "trend")
    assert len(trend.months) == len(trend.rows) == 12 and trend.months[-1] == date(2026, 11, 1)
    assert all(not t.months for t in board.tables if t.key != "trend")


def test_csv_holds_every_table_with_a_bom(scene, build):
    world, c = scene
    build(world.users["township"], TODAY)
    body = dashboard.export(world.users["township"], TODAY)
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    for title in ("案件按环节", "监测户按类别", "监测户按风险类型", "按村统计", "近12个月趋势"):
        assert title in text
    assert "青山村,4,2,2,0" in text
    for case in c.values():
        head = case.household.head
        assert head.name not in text and head.id_number not in text


def test_escalated_cases_are_counted_per_region_beside_the_overdue_ones(scene, build):
    """a_monitored (due 15 Nov) and a_verifying (due 16 Nov) are overdue by 5 and 4 days on 20
    November: both escalated. A step taken since leaves its case's escalation behind."""
    world, c = scene
    assert escalation.escalate_overdue(TODAY).cases == 2
    db.session.commit()
    township = build(world.users["township"], TODAY)
    assert totals(township)["overdue"] == totals(township)["escalated"] == 2
    assert as_dict(table(township, "region")) == {"青山村": [4, 2, 2, 2], "石门村": [1, 0, 0, 0]}
    assert table(township, "region").columns[-1] == "逾期已升级"
    assert "青山村,4,2,2,2" in dashboard.export(world.users["township"], TODAY).decode("utf-8-sig")
    assert totals(build(world.users["village_b"], TODAY))["escalated"] == 0

    cases.perform(world.users["township"], c["a_monitored"].id, Action.ASSIGN_PAIR_CADRE,
                  cases.StepInput(assignee_id=world.users["cadre_a"].id), today=TODAY)
    db.session.commit()
    county = build(world.users["county"], TODAY)
    assert totals(county)["escalated"] == 1
    assert as_dict(table(county, "region")) == {"青山镇": [5, 2, 1, 1]}
