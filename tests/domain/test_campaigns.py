"""Campaign rules: seed 004's timetable and income period, phases in order, the weekly Friday,
the ledger's states and the campaigns a county still owes this year."""
from datetime import date

from domain import campaigns
from domain.campaigns import LedgerState, Phase, ProblemArea, ProblemType


def test_the_default_timetable_is_seed_004s():
    phases = campaigns.default_phases(2022)
    assert [(p.name, p.ends_on) for p in phases] == [("全面工作部署", date(2022, 5, 10)),
                                                     ("开展集中排查", date(2022, 5, 25)),
                                                     ("信息采集录入", date(2022, 6, 10))]
    assert campaigns.check_phases(phases) == {}
    assert campaigns.default_income_period(2022) == (date(2021, 5, 1), date(2022, 4, 30))
    assert Phase.of(phases[1].as_dict()) == phases[1]


def test_phases_must_be_named_ordered_and_not_overlap():
    day = date(2026, 5, 1)
    assert "phases" in campaigns.check_phases([])
    assert "phase_0" in campaigns.check_phases([Phase(" ", day, day)])
    assert "phase_0" in campaigns.check_phases([Phase("排查", day, date(2026, 4, 30))])
    overlapping = [Phase("部署", day, date(2026, 5, 10)), Phase("排查", date(2026, 5, 10), date(2026, 5, 25))]
    assert "phase_1" in campaigns.check_phases(overlapping)
    assert campaigns.overlaps(date(2026, 5, 1), date(2026, 5, 31), date(2026, 5, 31), date(2026, 6, 30))
    assert not campaigns.overlaps(date(2026, 5, 1), date(2026, 5, 31), date(2026, 6, 1), date(2026, 6, 30))


def test_a_week_closes_on_friday():
    assert campaigns.week_ending(date(2026, 12, 4)) == date(2026, 12, 4)    # a Friday
    assert campaigns.week_ending(date(2026, 12, 5)) == date(2026, 12, 11)   # Saturday starts the next week
    assert campaigns.week_ending(date(2026, 11, 30)) == date(2026, 12, 4)   # Monday
    assert campaigns.previous_week(date(2026, 12, 4)) == date(2026, 11, 27)


def test_the_ledger_is_overdue_only_while_being_fixed():
    deadline = date(2026, 6, 30)
    assert campaigns.ledger_status(LedgerState.FIXING, deadline, date(2026, 6, 30)) == "整改中"
    assert campaigns.ledger_status(LedgerState.FIXING, deadline, date(2026, 7, 1)) == "已逾期"
    assert campaigns.ledger_status("fixed", deadline, date(2026, 7, 1)) == "已整改"


def test_campaigns_owed_and_the_forms_vocabularies():
    assert campaigns.campaigns_missing(0, 1) == 1 and campaigns.campaigns_missing(1, 2) == 1
    assert campaigns.campaigns_missing(3, 2) == 0
    assert len(ProblemArea) == 8 and len(ProblemType) == 7
    assert set(campaigns.TYPE_OF_AREA) == set(ProblemArea)
    assert [t.label for t in ProblemType] == ["防止返贫监测和帮扶", "三保障和饮水安全", "政策落实", "资金项目",
                                             "乡村建设", "乡村治理", "其他"]
