"""Name search: the start of a name or of its given name, the same in every search box."""
from datetime import date

import pytest
from sqlalchemy import select

from core.extensions import db
from domain.enums import LabourCapacity, Relation
from factories import build_world, new_id
from models import Member
from services.households import records
from services.households.name_search import name_prefix
from services.households.records import MemberInput

TODAY = date(2026, 11, 20)


@pytest.fixture
def names(app):
    world = build_world()
    for name in ("王小河", "欧阳娜", "李河", "小王"):
        records.register_household(None, world.village_a, [
            MemberInput(name=name, relation=Relation.HEAD.value, labour_capacity=LabourCapacity.ORDINARY.value,
                        id_number=new_id())], today=TODAY)
    db.session.flush()


def found(text: str) -> set[str]:
    return set(db.session.execute(select(Member.name).where(name_prefix(Member.name, text))).scalars())


@pytest.mark.parametrize("text, expected", [
    ("王小河", {"王小河"}), ("王小", {"王小河"}), ("小河", {"王小河"}),  # whole, start, given name
    ("王", {"王小河", "小王"}),      # 小王's given name is 王
    ("小", {"王小河", "小王"}),
    ("欧阳", {"欧阳娜"}), ("阳娜", {"欧阳娜"}),  # a two-character surname: its start, or after 欧
    ("河", {"李河"}),               # the middle of 王小河 is not searched
    ("张", set()),
])
def test_a_name_is_found_by_its_start_or_its_given_names_start(names, text, expected):
    assert found(text) == expected


def test_wildcards_typed_are_plain_characters(names):
    assert found("%") == set() and found("_") == set() and found("王%") == set()
