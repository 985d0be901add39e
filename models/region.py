"""The region tree: county → township → village → grid.

``path`` is the chain of ancestor ids (``/1/7/42/``) so "everything under this node" is one
indexed prefix match on every database.
"""
from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String, Boolean, Date
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from domain.enums import RegionLevel
from models.types import UTCDateTime, enum_check, utcnow


class Region(db.Model):
    __tablename__ = "region"
    __table_args__ = (enum_check("level", RegionLevel),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    level: Mapped[str] = mapped_column(String(16), nullable=False)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"), index=True)
    path: Mapped[str] = mapped_column(String(255), nullable=False, index=True, default="")
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    parent: Mapped["Region | None"] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["Region"]] = relationship(back_populates="parent", order_by="Region.code")
    aliases: Mapped[list["RegionAlias"]] = relationship(back_populates="region")

    @property
    def level_enum(self) -> RegionLevel:
        return RegionLevel(self.level)

    @property
    def ancestor_ids(self) -> list[int]:
        return [int(p) for p in self.path.strip("/").split("/") if p]

    @property
    def village(self) -> "Region":
        """The village (村/社区) a grid lies in. Households and cases sit on a village or a grid,
        so any node other than a grid is its own answer."""
        if self.level == RegionLevel.GRID.value and self.parent is not None:
            return self.parent
        return self

    def contains(self, other: "Region") -> bool:
        """True when ``other`` is this node or lies under it."""
        return other.path.startswith(self.path)

    def __repr__(self) -> str:
        return f"<Region {self.code} {self.level}>"


class RegionAlias(db.Model):
    """An old code of a renamed or merged region, kept so printed codes stay resolvable."""

    __tablename__ = "region_alias"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), nullable=False, index=True)
    old_code: Mapped[str] = mapped_column(String(20), unique=True, nullable=False)
    old_name: Mapped[str] = mapped_column(String(100), nullable=False)
    reason: Mapped[str] = mapped_column(String(16), nullable=False)  # rename | merge
    changed_on = mapped_column(Date, nullable=True)

    region: Mapped[Region] = relationship(back_populates="aliases")
