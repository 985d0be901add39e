"""我的待办 for one person: the lists of their role family, one page number for all of them.

Village staff: clues to accept and verifiers to assign, notices to close. Township staff:
cases waiting for the township's review, and the farmers' re-review requests. County staff:
cases waiting for the county's confirmation or approval. Pair cadres: their households. Department
officers: their measures. Grid workers (and any desk whom a case names as its verifier): the
verifications assigned to them. Other roles take no step and have no list (403).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Callable

from domain import numbers
from domain.enums import Role
from models import User
from services.errors import PermissionDenied
from services.identification.inbox import page_window
from services.todo import department, desk, pair_cadre
from services.todo.cases import PAGE_SIZE, Section

Build = Callable[[User, date, int], Section]


def _rereviews(actor: User, today: date, page: int) -> Section:
    return desk.rereviews(actor, today)


LISTS: dict[Role, tuple[Build, ...]] = {
    Role.VILLAGE_STAFF: (desk.clues, desk.notices, desk.verifications),
    Role.TOWNSHIP_STAFF: (desk.township, _rereviews, desk.verifications),
    Role.COUNTY_STAFF: (desk.county,),
    Role.PAIR_CADRE: (pair_cadre.households,),
    Role.DEPARTMENT: (department.measures,),
    Role.GRID_WORKER: (desk.verifications,),
}
ROLES = frozenset(LISTS)
PAGE_ERROR = "页码无效，已显示第1页"


@dataclass(frozen=True)
class Board:
    sections: list[Section]
    page: int
    pages: int
    page_numbers: list[int]

    @property
    def total(self) -> int:
        return sum(s.total for s in self.sections)


def require(actor: User) -> None:
    if actor.role_enum not in ROLES:
        raise PermissionDenied(f"{actor.role_enum.label}没有需要办理的环节，没有待办清单")


def lists_page_size() -> int:
    return PAGE_SIZE


def read_page(value: str | None) -> tuple[int, str | None]:
    text = (value or "").strip()
    if not text:
        return 1, None
    page = numbers.whole(text, low=1, high=999_999)
    return (1, PAGE_ERROR) if page is None else (page, None)


def board(actor: User, today: date, page: int = 1) -> Board:
    require(actor)
    sections = [build(actor, today, page) for build in LISTS[actor.role_enum]]
    pages = max(s.pages for s in sections)
    return Board(sections, page, pages, page_window(min(page, pages), pages))
