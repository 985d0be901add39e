"""The region tree: (province → city →) county → township → village → grid.

``path`` is the chain of ancestor ids (``/1/7/42/``) so "everything under this node" is one
indexed prefix match on every database.
"""
from __future__ import annotations

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from domain.enums import RegionLevel
from models.types import UTCDateTime, enum_check, utcnow


class Region(db.Model):
    __tablename__ = "region"
    __table_args__ = (
        enum_check("level", RegionLevel),
        # LIKE 'prefix%' from an index on PostgreSQL whatever the database's collation.
        Index("ix_region_path_prefix", "path", postgresql_ops={"path": "varchar_pattern_ops"}),
    )

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

    @property
    def village_id(self) -> int | None:
        return village_id_in(self.ancestor_ids, self.level)

    @property
    def county_id(self) -> int | None:
        """The county this node lies in (itself for a county); None above the county."""
        return county_id_in(self.ancestor_ids, self.level)

    @property
    def from_village_ids(self) -> list[int]:
        """The ids of the village and, for a grid, the grid: what names a place to a villager."""
        return from_village_in(self.ancestor_ids, self.level)

    def contains(self, other: "Region") -> bool:
        """True when ``other`` is this node or lies under it."""
        return other.path.startswith(self.path)

    def __repr__(self) -> str:
        return f"<Region {self.code} {self.level}>"


def from_village_in(path_ids: list[int], level: str) -> list[int]:
    """Of a node's path (root first), the village's id and the grid's below it: counting from
    the end, since a tree may start at the county, the city or the province."""
    if level == RegionLevel.GRID.value:
        return path_ids[-2:]
    if level == RegionLevel.VILLAGE.value:
        return path_ids[-1:]
    return []


_LEVELS = list(RegionLevel)


def county_id_in(path_ids: list[int], level: str) -> int | None:
    """The county's id in a node's path: the levels below a county are fixed (township, village,
    grid), so it is found counting from the end whatever lies above it."""
    below = _LEVELS.index(RegionLevel(level)) - _LEVELS.index(RegionLevel.COUNTY)
    return path_ids[-1 - below] if 0 <= below < len(path_ids) else None


def village_id_in(path_ids: list[int], level: str) -> int | None:
    ids = from_village_in(path_ids, level)
    return ids[0] if ids else None


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
