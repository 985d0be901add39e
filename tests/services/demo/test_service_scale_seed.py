"""``flask seed-scale``: a county generated through the project's own tables, encryption and blind
indexes, usable at once by its staff."""
from __future__ import annotations

import random
import re
from collections import Counter, defaultdict
from datetime import datetime, timezone

import pytest
from sqlalchemy import Integer, func, select
from sqlalchemy.orm import aliased

from conftest import make_app
from core import clock
from core.extensions import db
from domain.deadlines import earliest_elimination
from domain.enums import RegionLevel, Role
from domain.members import whole_household_without_labour
from domain.regions import code_problem, parent_problem
from domain.settings import PolicySettings
from domain.validation import is_valid_id_number
from domain.workflow import CaseState
from models import Case, CaseEvent, Evaluation, Household, Member, PlanMeasure, Region, User, Visit
from models.personal import ID_NUMBER, tail_index
from services.accounts import users
from services.demo import scale
from services.demo.scale_common import Ids
from services.demo.scale_regions import build_tree
from services.households import records

HOUSEHOLDS = 300
LOGINS = {"s-county-1": "/inbox", "s-township-1-1": "/inbox", "s-village-1-1-1": "/inbox",
          "s-grid-1-1-1-1": "/field/", "s-cadre-1-1-1-1": "/", "s-dept-1": "/", "s-admin": "/"}


@pytest.fixture
def seeded(app):
    result = app.test_cli_runner().invoke(args=["seed-scale", "--households", str(HOUSEHOLDS), "--seed", "7"])
    assert result.exit_code == 0, result.output
    return result.output


def _count(model) -> int:
    return db.session.execute(select(func.count(model.id))).scalar_one()


def test_the_county_has_its_households_members_cases_and_field_work(seeded):
    assert f"已生成 {HOUSEHOLDS}/{HOUSEHOLDS} 户" in seeded and "每秒" in seeded
    assert _count(Household) == HOUSEHOLDS
    present = db.session.execute(select(Member.household_id, func.count(), func.sum(Member.is_head.cast(Integer)))
                                 .where(Member.status == "present").group_by(Member.household_id)).all()
    assert len(present) == HOUSEHOLDS and all(heads == 1 for _, _, heads in present)
    assert 2.5 <= sum(n for _, n, _ in present) / HOUSEHOLDS <= 3.6
    assert 0.2 <= _count(Case) / HOUSEHOLDS <= 0.45
    assert _count(Visit) > HOUSEHOLDS // 2 and _count(PlanMeasure) > 0 and _count(Evaluation) > 0
    levels = Counter(db.session.execute(select(Region.level)).scalars())
    assert levels["county"] == 1 and levels["township"] >= 1 and levels["village"] >= 1
    assert 3 * levels["village"] <= levels["grid"] <= 5 * levels["village"]
    grid_codes = db.session.execute(select(Region.code).where(Region.level == RegionLevel.GRID.value)).scalars()
    assert all(re.fullmatch(r"\d{12}-\d{2}", code) for code in grid_codes)
    health = Counter(db.session.execute(select(Member.health)).scalars())
    assert health["disabled"] and health["serious_illness"] and health["chronic"]


def test_the_households_without_labour_are_flagged_as_their_members_say(seeded):
    """The seed writes past the ORM, so it sets 整户无劳动力 itself: each household's flag is what
    its present members make of it (domain rule), and some elderly households have it."""
    flagged = {h.id: h.without_labour for h in db.session.execute(select(Household)).scalars()}
    members = defaultdict(list)
    for member in db.session.execute(select(Member)).scalars():
        members[member.household_id].append(member)
    assert flagged == {i: whole_household_without_labour(members[i]) for i in flagged}
    assert 0 < sum(flagged.values()) < HOUSEHOLDS // 4


def test_every_state_is_there_each_case_with_its_region_path_and_the_steps_that_led_to_it(seeded):
    states = set(db.session.execute(select(Case.state)).scalars())
    assert states == set(CaseState.codes())
    wrong_path = db.session.execute(select(func.count(Case.id)).join(Region, Case.region_id == Region.id)
                                    .where(Case.region_path != Region.path)).scalar_one()
    assert wrong_path == 0
    events = defaultdict(list)
    for event in db.session.execute(select(CaseEvent).order_by(CaseEvent.id)).scalars():
        events[event.case_id].append(event)
    for case in db.session.execute(select(Case)).scalars():
        steps = events[case.id]
        assert steps[0].action is None and steps[0].from_state is None
        assert [e.from_state for e in steps[1:]] == [e.to_state for e in steps[:-1]]
        assert steps[-1].to_state == case.state
        assert [e.at for e in steps] == sorted(e.at for e in steps)
        assert steps[-1].at <= datetime.now(timezone.utc)
        if case.state_enum.is_monitored:
            assert case.category and case.identified_on and case.household.attribute == "monitored"
    assert 5 <= _count(CaseEvent) / _count(Case) <= 25
    proposals = db.session.execute(select(CaseEvent.at, Case.identified_on).join(Case, CaseEvent.case_id == Case.id)
                                   .where(CaseEvent.action == "propose_elimination")).all()
    assert proposals and all(at.astimezone(clock.WORK_TZ).date() >= earliest_elimination(since, PolicySettings())
                             for at, since in proposals)  # six months of monitoring first


def test_the_people_of_a_case_are_staff_of_its_area(seeded):
    for role_column in (Case.verifier_id, Case.pair_cadre_id, Case.reported_by_id):
        person = aliased(User)
        place = aliased(Region)
        rows = db.session.execute(select(Case.region_path, place.path, person.role)
                                  .join(person, role_column == person.id)
                                  .join(place, person.region_id == place.id)).all()
        assert rows
        for case_path, staff_path, role in rows:
            assert case_path.startswith(staff_path) or staff_path.startswith(case_path), role
    cadres = db.session.execute(select(User.role).join(Case, Case.pair_cadre_id == User.id)).scalars()
    assert set(cadres) == {Role.PAIR_CADRE.value}


def test_id_numbers_decrypt_to_valid_unique_numbers_found_through_the_blind_index(seeded):
    members = db.session.execute(select(Member)).scalars().all()
    numbers = [m.id_number for m in members]
    assert all(is_valid_id_number(n) for n in numbers) and len(set(numbers)) == len(numbers)
    assert all(m.gender == ("male" if int(m.id_number[16]) % 2 else "female") for m in members)
    heads = [m for m in members if m.is_head]
    assert all(m.phone and m.phone_masked for m in heads)
    county = db.session.execute(select(User).where(User.username == "s-county-1")).scalar_one()
    someone = random.Random(3).choice(members)
    assert records.find_member_by_id_number(county, someone.id_number).id == someone.id
    by_tail = db.session.execute(select(Member.id).where(
        Member.id_number_tail_index == tail_index(ID_NUMBER, someone.id_number[-4:]))).scalars().all()
    assert someone.id in by_tail


def test_staff_at_every_level_log_in_on_the_login_page_and_work_at_once(seeded, app):
    for username, page in LOGINS.items():
        client = app.test_client()
        answer = client.post("/login", data={"login": username, "password": scale.DEFAULT_PASSWORD})
        assert answer.status_code == 302 and "password" not in answer.headers["Location"], username
        assert client.get(page).status_code == 200, username
    roles = set(db.session.execute(select(User.role)).scalars())
    assert {r.value for r in (Role.GRID_WORKER, Role.PAIR_CADRE, Role.VILLAGE_STAFF, Role.TOWNSHIP_STAFF,
                              Role.COUNTY_STAFF, Role.DEPARTMENT, Role.ADMIN)} <= roles
    hashes = set(db.session.execute(select(User.password_hash)).scalars())
    assert len(hashes) == 1  # hashed once for all


def test_a_database_with_households_is_refused_and_left_as_it_was(seeded, app):
    again = app.test_cli_runner().invoke(args=["seed-scale", "--households", "10"])
    assert again.exit_code == 1
    assert f"已有 {HOUSEHOLDS} 户农户" in again.output
    assert _count(Household) == HOUSEHOLDS
    # The ids were given by the generator: the sequences were moved past them.
    county = db.session.execute(select(Region).where(Region.level == RegionLevel.COUNTY.value)).scalar_one()
    added = users.create_user("s-new", "新来的", scale.DEFAULT_PASSWORD, Role.COUNTY_STAFF.value, county.code)
    db.session.commit()
    assert added.id > _count(User) - 1


def test_a_password_the_rules_refuse_writes_nothing(app):
    refused = app.test_cli_runner().invoke(args=["seed-scale", "--households", "10", "--password", "abc"])
    assert refused.exit_code == 1 and "密码不符合要求" in refused.output
    assert _count(Region) == 0 and _count(User) == 0


def _people_and_cases() -> list[tuple]:
    members = db.session.execute(select(Member.name, Member.id_number_index, Member.relation).order_by(Member.id))
    cases = db.session.execute(select(Case.state, Case.clue_date, Case.household_id).order_by(Case.id))
    return [tuple(row) for row in [*members, *cases]]


def test_one_seed_gives_the_same_people_and_cases_on_any_database(seeded, tmp_path):
    here = _people_and_cases()
    elsewhere = make_app(f"sqlite:///{tmp_path / 'again.db'}", tmp_path / "again")
    with elsewhere.app_context():
        db.create_all()
        for _ in scale.seed_scale(HOUSEHOLDS, 7):
            db.session.commit()
        again = _people_and_cases()
        db.session.remove()
        db.engine.dispose()
    assert again == here


def test_from_200000_households_a_province_of_cities_and_counties_with_valid_codes(app):
    now = datetime.now(timezone.utc)
    tree = build_tree(1_000_000, random.Random(1), Ids([Region.__table__]), now)
    other = build_tree(1_000_000, random.Random(2), Ids([Region.__table__]), now)
    assert [r["name"] for r in tree.rows] != [r["name"] for r in other.rows]  # the seed matters
    assert len(tree.counties) == 10 and [n.level for n in tree.above].count(RegionLevel.CITY) == 4
    assert sum(c.households for c in tree.counties) == 1_000_000
    assert all(13 <= len(c.townships) <= 17 and 250 <= len(c.villages) <= 350 for c in tree.counties)
    by_id = {row["id"]: row for row in tree.rows}
    assert len({row["code"] for row in tree.rows}) == len(tree.rows)
    for row in tree.rows:
        level = RegionLevel(row["level"])
        parent = by_id.get(row["parent_id"])
        assert code_problem(row["code"], level) is None, row["code"]
        assert parent_problem(level, row["code"], RegionLevel(parent["level"]) if parent else None,
                              parent["code"] if parent else None) is None, row["code"]
        assert row["path"] == (parent["path"] if parent else "/") + f"{row['id']}/"
