"""Deadlines of a case, computed only from dates passed in (never from the clock).

Sources: identification within 15 days of the clue (seed 004); pair cadre within 3 days of
identification, first visit within 7 days of pairing, help plan within 10 days of identification,
quarterly effect evaluation, flag after 2 years unresolved unless the whole household has no
labour (seed 000); at least half a year of stable income before elimination, except for risk that
vanished by itself, and a look-back on stability over at least half a year (seed 004). The day
counts and month counts are ``PolicySettings`` so regions can differ (seed 001 says one year).
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from .case_states import CaseState
from .enums import LabelledEnum
from .settings import PolicySettings


# "即将到期" means at most this many days left. Three days is the shortest clock in the policy
# (naming a pair cadre, seed 000), so a reminder this early still leaves time for every step;
# it is also where the case page and the inbox turn a deadline orange, and where a plan measure
# counts as due soon (``domain.measures``). PolicySettings has no such setting.
DUE_SOON_DAYS = 3

# A look-back due within this many days is listed with the overdue ones (回头看清单).
LOOKBACK_SOON_DAYS = 30


# --- calendar arithmetic -------------------------------------------------------------------

def add_days(d: date, n: int) -> date:
    return d + timedelta(days=n)


def add_months(d: date, n: int) -> date:
    """Same day ``n`` months later, clamped to the month's last day (31 Jan + 1 = 28/29 Feb)."""
    month_index = d.year * 12 + (d.month - 1) + n
    year, month = divmod(month_index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(d.day, last))


def add_years(d: date, n: int) -> date:
    """Same date ``n`` years later; 29 Feb becomes 28 Feb in a non-leap year."""
    return add_months(d, 12 * n)


def quarter_end(d: date) -> date:
    """Last day of the calendar quarter containing ``d``."""
    last_month = ((d.month - 1) // 3 + 1) * 3
    return date(d.year, last_month, calendar.monthrange(d.year, last_month)[1])


def quarter_code(d: date) -> str:
    """The calendar quarter of ``d`` as "2026Q4" (evaluations are recorded per quarter)."""
    return f"{d.year}Q{(d.month - 1) // 3 + 1}"


def days_left(due: date, today: date) -> int:
    """Days until ``due``: 0 on the due day, negative once overdue."""
    return (due - today).days


def is_overdue(due: date, today: date) -> bool:
    return today > due


def is_due_soon(due: date, today: date) -> bool:
    """Not overdue, and at most ``DUE_SOON_DAYS`` days left (the due day itself included)."""
    return 0 <= days_left(due, today) <= DUE_SOON_DAYS


# --- policy deadlines ----------------------------------------------------------------------

def identification_due(clue_date: date, s: PolicySettings) -> date:
    return add_days(clue_date, s.identification_days)


def pairing_due(identified_on: date, s: PolicySettings) -> date:
    return add_days(identified_on, s.pairing_days)


def first_visit_due(paired_on: date, s: PolicySettings) -> date:
    return add_days(paired_on, s.first_visit_days)


def help_plan_due(identified_on: date, s: PolicySettings) -> date:
    # Seed 000: "识别纳入后10天内" counts from identification, not from pairing or the visit.
    return add_days(identified_on, s.help_plan_days)


def notice_earliest_end(start: date, s: PolicySettings) -> date:
    return add_days(start, s.notice_min_days)


def next_evaluation_due(monitored_since: date, last_evaluation_on: date | None) -> date:
    """End of the calendar quarter after the quarter of the later of the two dates.

    Seed 000 only says "每季度组织开展一次": we read it as one evaluation per calendar quarter,
    and give a household included (or evaluated) during a quarter until the end of the next
    quarter, so one included on 30 March is not overdue the next day.
    """
    later = max(monitored_since, last_evaluation_on or monitored_since)
    return quarter_end(add_days(quarter_end(later), 1))


def unresolved_flag_date(monitored_since: date, s: PolicySettings) -> date:
    return add_years(monitored_since, s.unresolved_years)


def is_long_unresolved(monitored_since: date, today: date, whole_household_without_labour: bool,
                       s: PolicySettings) -> bool:
    """Seed 000: "纳入2年以上未消除风险、不是整户无劳动能力" households get analysed.

    "2年以上" includes the second anniversary itself, as 以上 does in Chinese regulations.
    """
    if whole_household_without_labour:
        return False
    return today >= unresolved_flag_date(monitored_since, s)


def earliest_elimination(monitored_since: date, s: PolicySettings, natural: bool = False) -> date:
    """First day risk elimination may be proposed; natural elimination has no minimum (seed 004)."""
    if natural:
        return monitored_since
    return add_months(monitored_since, s.min_monitoring_months)


def lookback_due(eliminated_on: date, s: PolicySettings) -> date:
    return add_months(eliminated_on, s.lookback_months)


# --- the deadline that applies to a case now -----------------------------------------------

class DeadlineKind(LabelledEnum):
    IDENTIFICATION = ("identification", "识别认定")
    PAIRING = ("pairing", "明确结对干部")
    FIRST_VISIT = ("first_visit", "首次走访")
    HELP_PLAN = ("help_plan", "制定帮扶计划")
    EVALUATION = ("evaluation", "季度评估")
    NOTICE = ("notice", "公示期")
    LOOKBACK = ("lookback", "回头看")
    REVIEW = ("review", "复核")


@dataclass(frozen=True)
class CaseDates:
    clue_date: date
    identified_on: date | None = None
    paired_on: date | None = None
    monitored_since: date | None = None
    last_evaluation_on: date | None = None
    notice_start: date | None = None
    eliminated_on: date | None = None
    lookback_on: date | None = None


@dataclass(frozen=True)
class Deadline:
    kind: DeadlineKind
    due: date

    def days_left(self, today: date) -> int:
        return days_left(self.due, today)

    def is_overdue(self, today: date) -> bool:
        return is_overdue(self.due, today)


def current_deadline(state: CaseState, dates: CaseDates, s: PolicySettings) -> Deadline | None:
    """The deadline the case is working towards in ``state``; None when there is none (or the
    date it counts from has not been recorded)."""
    state = CaseState(state)
    if state.is_terminal:
        return None
    if state.in_identification:
        # The 15 days cover the whole chain, notice included (seed 004: "从发现风险线索之日起").
        return Deadline(DeadlineKind.IDENTIFICATION, identification_due(dates.clue_date, s))
    # Identification and inclusion happen on the same day (county confirmation); either date
    # serves when the other was not recorded.
    identified = dates.identified_on or dates.monitored_since
    if state is CaseState.MONITORED:
        return Deadline(DeadlineKind.PAIRING, pairing_due(identified, s)) if identified else None
    if state is CaseState.PAIRED:
        return Deadline(DeadlineKind.FIRST_VISIT, first_visit_due(dates.paired_on, s)) if dates.paired_on else None
    if state is CaseState.VISITED:
        return Deadline(DeadlineKind.HELP_PLAN, help_plan_due(identified, s)) if identified else None
    if state is CaseState.ELIMINATED:
        if dates.eliminated_on is None or dates.lookback_on is not None:
            return None  # the look-back found it stable: nothing more is due
        return Deadline(DeadlineKind.LOOKBACK, lookback_due(dates.eliminated_on, s))
    # helping and every elimination step: the household stays monitored and evaluated.
    since = dates.monitored_since or dates.identified_on
    if since is None:
        return None
    return Deadline(DeadlineKind.EVALUATION, next_evaluation_due(since, dates.last_evaluation_on))


def notice_deadline(state: CaseState, dates: CaseDates, s: PolicySettings) -> Deadline | None:
    """During a public notice, the earliest day it may close (shown next to the main deadline)."""
    state = CaseState(state)
    if state not in (CaseState.PUBLICIZING, CaseState.ELIM_PUBLICIZING) or dates.notice_start is None:
        return None
    return Deadline(DeadlineKind.NOTICE, notice_earliest_end(dates.notice_start, s))
