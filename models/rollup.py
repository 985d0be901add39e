"""The dashboard's roll-ups: its figures counted ahead of time, per region node, so a page reads a
few dozen rows instead of aggregating the case table (``services.reporting.rollups``).

Each row of a node at county level or below counts the cases of the node's whole subtree (its own
cases and those of every node below it), so a person's figures are the rows of their own node and
the region table the rows of its children. Rows of a county are replaced together, in one
transaction, and ``dashboard_refresh`` records when that was.

``region_id`` carries no foreign key: the rows are derived and rebuilt at every refresh, and a
key would refuse a region's merge (``services.regions.tree.merge`` deletes the merged node); the
rows of a node that is gone are dropped by the next refresh of its county.
"""
from __future__ import annotations

from sqlalchemy import Date, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from models.types import UTCDateTime


class DashboardRollup(db.Model):
    """Cases of a node's subtree in one state and category ('' for none), with the deadline
    figures as of the refresh's day: overdue, due within ``DUE_SOON_DAYS``, monitored long
    enough to be analysed (纳入2年以上未消除, ``services.reporting.unresolved``), and escalated
    (逾期升级, ``services.notifications.escalation``)."""

    __tablename__ = "dashboard_rollup"
    __table_args__ = (UniqueConstraint("region_id", "state", "category", name="uq_dashboard_rollup_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_id: Mapped[int] = mapped_column(Integer, nullable=False)
    state: Mapped[str] = mapped_column(String(24), nullable=False)
    category: Mapped[str] = mapped_column(String(24), nullable=False, default="")
    cases: Mapped[int] = mapped_column(Integer, nullable=False)
    overdue: Mapped[int] = mapped_column(Integer, nullable=False)
    due_soon: Mapped[int] = mapped_column(Integer, nullable=False)
    long_unresolved: Mapped[int] = mapped_column(Integer, nullable=False)
    # Open cases whose current step was escalated (逾期升级) to the desk above.
    escalated: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")


class DashboardRisk(db.Model):
    """Monitored households of a node's subtree with one risk type (a household with two counts
    under both). Nodes from the village up: nobody reads a grid's risks from the roll-up."""

    __tablename__ = "dashboard_risk"
    __table_args__ = (UniqueConstraint("region_id", "risk_type", name="uq_dashboard_risk_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_id: Mapped[int] = mapped_column(Integer, nullable=False)
    risk_type: Mapped[str] = mapped_column(String(24), nullable=False)
    households: Mapped[int] = mapped_column(Integer, nullable=False)


class DashboardTrend(db.Model):
    """Steps of a node's subtree in one calendar month (Beijing time) of the twelve up to the
    refresh's day: clues opened, households included, risks eliminated. Nodes from the village up."""

    __tablename__ = "dashboard_trend"
    __table_args__ = (UniqueConstraint("region_id", "month", "series", name="uq_dashboard_trend_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_id: Mapped[int] = mapped_column(Integer, nullable=False)
    month = mapped_column(Date, nullable=False)  # the month's first day
    series: Mapped[str] = mapped_column(String(16), nullable=False)
    number: Mapped[int] = mapped_column(Integer, nullable=False)


class DashboardRefresh(db.Model):
    """The last refresh of one county's roll-ups: the day its figures are counted as of, when it
    was written, and how long it took."""

    __tablename__ = "dashboard_refresh"
    __table_args__ = (UniqueConstraint("region_id", name="uq_dashboard_refresh_region"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_id: Mapped[int] = mapped_column(Integer, nullable=False)
    as_of = mapped_column(Date, nullable=False)
    refreshed_at = mapped_column(UTCDateTime, nullable=False)
    duration_ms: Mapped[int] = mapped_column(Integer, nullable=False)
