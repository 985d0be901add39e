"""What a visit record proves: when it was made (and where), checked against when it arrived.

A visit's time comes from the phone (``visited_at``, set when the worker saves the form); the
server writes down when the record arrived (``created_at``). A phone without signal keeps the
record in its queue and sends it later, so the two may be days apart; that is normal in the
hills and is shown, not hidden. What cannot be true is refused:

* a time in the future, beyond a small margin for a phone clock running fast (a time within the
  margin is recorded as the arrival time: the visit cannot have happened later than that);
* a date before the clue the visit verifies was found (the case did not exist yet);
* a time more than the region's ``visit_max_delay_days`` (a ``PolicySettings`` value) before the
  record arrived: a record made that long after the fact is no proof of a visit, and would let a
  visit be back-dated to any day.

A record that arrived more than ``late_after`` after the visit is accepted and shown as 补录
(recorded late) with both times. Visits name no screening round: a round counts the visits dated
within its dates, so a visit before a round began simply does not count for it.

Pure rules: the times, the zone and the settings are passed in; nothing here reads the clock.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from domain.settings import SETTING_FIELDS


@dataclass(frozen=True)
class VisitClock:
    """The margins of a visit's time that hold everywhere (phones and servers, not local policy)."""

    # Phone clocks set by hand run a few minutes off; more than this ahead is a wrong date.
    future_margin: timedelta = timedelta(minutes=10)
    # A record that arrives later than this after the visit is shown as 补录 with both times.
    late_after: timedelta = timedelta(days=2)


VISIT_CLOCK = VisitClock()
# The shortest delay any region may set: a record arriving sooner after its visit is never
# refused for its delay, so its region's setting need not be read.
SHORTEST_MAX_DELAY_DAYS: int = int(SETTING_FIELDS["visit_max_delay_days"][1])


def recorded_time(visited_at: datetime, arrived_at: datetime) -> datetime:
    """The time to record: the phone's, but never later than the arrival (a clock running fast
    within the margin)."""
    return min(visited_at, arrived_at)


def delay_may_matter(visited_at: datetime, arrived_at: datetime) -> bool:
    """Whether the region's ``visit_max_delay_days`` must be read to judge this visit."""
    return arrived_at - visited_at > timedelta(days=SHORTEST_MAX_DELAY_DAYS)


def time_problem(visited_at: datetime, arrived_at: datetime, *, zone: tzinfo, max_delay_days: int | None,
                 clue_date: date | None = None, clock: VisitClock = VISIT_CLOCK) -> str | None:
    """Why a visit at ``visited_at`` cannot be recorded on ``arrived_at``, in words for the
    worker; None when it can. ``max_delay_days`` None: not read, because ``delay_may_matter``
    said it cannot matter. ``clue_date``: the date the clue the visit verifies was found."""
    local = visited_at.astimezone(zone)
    if visited_at - arrived_at > clock.future_margin:
        return f"走访时间（{local:%Y-%m-%d %H:%M}）晚于现在，请检查手机的日期和时间是否正确，改正后再保存"
    if clue_date is not None and local.date() < clue_date:
        return f"走访日期（{local.date().isoformat()}）早于这条线索的发现日期（{clue_date.isoformat()}），请检查走访时间"
    if max_delay_days is not None and arrived_at - visited_at > timedelta(days=max_delay_days):
        return (f"这次走访（{local.date().isoformat()}）距今已超过{max_delay_days}天，不能再补录；"
                f"请重新走访后记录")
    return None


def is_late(visited_at: datetime, arrived_at: datetime, clock: VisitClock = VISIT_CLOCK) -> bool:
    """The record arrived long after the visit (补录): both times are shown."""
    return arrived_at - visited_at > clock.late_after


# --- where -------------------------------------------------------------------------------------

# A browser locating by network alone reports tens of kilometres; more than this is not a reading.
MAX_ACCURACY_METRES = 1_000_000

@dataclass(frozen=True)
class Position:
    lat: float
    lng: float
    accuracy: int  # metres, as the phone estimated it

    def words(self) -> str:
        """位置：北纬31.700000°，东经116.500000°，精度约25米"""
        ns = "北纬" if self.lat >= 0 else "南纬"
        ew = "东经" if self.lng >= 0 else "西经"
        accuracy = f"，精度约{self.accuracy}米" if self.accuracy > 0 else "，精度未知"
        return f"{ns}{abs(self.lat):.6f}°，{ew}{abs(self.lng):.6f}°{accuracy}"


def read_position(lat, lng, accuracy=None) -> Position | None:
    """A position from the phone's numbers; None unless they are finite and on the globe."""
    try:
        lat, lng = float(lat), float(lng)
        accuracy = float(accuracy or 0)
    except (TypeError, ValueError, OverflowError):
        return None
    if not all(math.isfinite(v) for v in (lat, lng, accuracy)):
        return None
    if not (-90 <= lat <= 90 and -180 <= lng <= 180 and 0 <= accuracy <= MAX_ACCURACY_METRES):
        return None
    return Position(lat, lng, round(accuracy))


def stored_position(text: str | None) -> Position | None:
    """The position kept on a visit as "lat,lng,accuracy"; None when there is none."""
    parts = (text or "").split(",")
    return read_position(*parts) if len(parts) == 3 else None


def stored_text(position: Position) -> str:
    return f"{position.lat:.6f},{position.lng:.6f},{position.accuracy}"
