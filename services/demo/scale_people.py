"""Households and their members for ``flask seed-scale``: about three people a household, one
head, names from the surname and given-name lists, ages that fit their relation, health with some
ill and disabled, labour capacity and schooling by age, valid and unique 18-character ID numbers
(``domain.validation.make_id_number``: the sequence's parity is the person's sex) and a phone for
each head.

ID numbers and phones are written the way ``models.personal.ProtectedField`` writes them: the
plain value goes to the ``*_enc`` column, whose ``EncryptedText`` type encrypts it as it is bound,
beside ``blind_index`` and ``tail_index`` of the same value.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from types import SimpleNamespace
from datetime import date, datetime, timedelta
from decimal import Decimal

from domain.enums import (Gender, Health, HouseholdAttribute, KeyGroup, LabourCapacity, MemberStatus, Relation,
                          Schooling)
from domain.members import whole_household_without_labour
from domain.validation import make_id_number
from models import Household, Member
from models.personal import ID_NUMBER, PHONE, blind_index, tail_index
from services.demo import scale_names
from services.demo.scale_common import Ids
from services.demo.scale_regions import Grid

MEMBER_PHONE_PREFIX = "170"
_DETAILS = {Health.CHRONIC: ("高血压", "糖尿病", "慢性支气管炎", "风湿性关节炎"),
            Health.SERIOUS_ILLNESS: ("尿毒症，定期透析", "恶性肿瘤，化疗中", "重症肌无力", "脑梗后遗症"),
            Health.DISABLED: ("肢体残疾", "视力残疾", "听力残疾", "智力残疾", "精神残疾")}
_WORK, _WORK_CUMULATIVE = ("省外务工", "省内县外务工", "县内务工", "务农"), (30, 45, 65, 100)
_CHILDREN = (0, 1, 2, 3)
_CHILDREN_CUMULATIVE = {True: (50, 90, 100, 100), False: (28, 63, 90, 100)}  # by "the head is under 30"
_WORKING = frozenset(c.value for c in LabourCapacity if c.can_work)


class IdNumbers:
    """Unique ID numbers of one county: for each birth date and sex, the sequence numbers are
    handed out in a scrambled order, and a day that has run out of them moves the birthday on."""

    def __init__(self, area6: str):
        self.area = area6
        self.used: dict[int, int] = {}

    def new(self, birth: date, male: bool) -> str:
        while True:
            key = birth.toordinal() * 2 + male
            n = self.used.get(key, 0)
            if n < 500:
                self.used[key] = n + 1
                half = (key * 7919 + n * 13) % 500  # 13 is prime to 500: n -> half is one-to-one
                return make_id_number(self.area, birth, half * 2 + (1 if male else 0))
            birth += timedelta(days=1)


@dataclass
class Person:
    relation: Relation
    age: int
    male: bool
    name: str
    health: Health = Health.HEALTHY


@dataclass
class Family:
    """A household's row and what the cases and visits need to know about it."""
    row: dict
    grid: Grid
    size: int
    lifted: bool
    ill: bool
    disabled: bool
    workers: int
    elderly_alone: bool


def likely_labour(rng: random.Random, age: int, health: Health) -> LabourCapacity:
    """A plausible 劳动能力 for a made-up person of this age and health (demo and scale data)."""
    if age < 16 or age > 75 or health is Health.SERIOUS_ILLNESS:
        return LabourCapacity.NONE
    if health is Health.DISABLED:
        return rng.choice((LabourCapacity.LOST, LabourCapacity.WEAK))
    if age > 60 or health is Health.CHRONIC:
        return LabourCapacity.WEAK
    return rng.choice((LabourCapacity.ORDINARY, LabourCapacity.ORDINARY, LabourCapacity.SKILLED))


def _schooling(age: int) -> str | None:
    for upper, level in ((6, Schooling.PRESCHOOL), (15, Schooling.COMPULSORY), (18, Schooling.HIGH_SCHOOL)):
        if age < upper:
            return level.value
    return None


def _education(rng: random.Random, age: int) -> str:
    if age < 7:
        return "学龄前儿童"
    if age >= 60:
        return rng.choice(("文盲或半文盲", "小学", "小学", "初中"))
    if age >= 30:
        return rng.choice(("小学", "初中", "初中", "初中", "高中"))
    return rng.choice(("初中", "高中", "中职", "大专及以上"))


def _toilet(draw: float) -> bool | None:
    """A sanitary toilet: most have one, a few do not, a few were never checked."""
    return True if draw < 0.92 else False if draw < 0.97 else None


def _ethnicity(draw: float) -> str:
    return "汉族" if draw < 0.97 else "回族" if draw < 0.99 else "畲族"


class People:
    def __init__(self, rng: random.Random, ids: Ids, today: date, now: datetime):
        self.rng, self.ids, self.today, self.now = rng, ids, today, now
        self.id_numbers: dict[str, IdNumbers] = {}
        self.heads = 0
        self.phone_offset = rng.randrange(10**8)
        self.members = 0

    def id_number(self, area6: str, age: int, male: bool) -> str:
        numbers = self.id_numbers.setdefault(area6, IdNumbers(area6))
        birth = self.today - timedelta(days=age * 365 + self.rng.randrange(1, 365))
        return numbers.new(birth, male)

    def _phone(self) -> str:
        # 7919 is prime to 10^8, so consecutive heads get different, scattered numbers.
        self.heads += 1
        return f"{MEMBER_PHONE_PREFIX}{(self.heads * 7919 + self.phone_offset) % 10**8:08d}"

    def _people(self) -> list[Person]:
        rng = self.rng
        head_age = int(rng.triangular(24, 90, 56))
        head_male = rng.random() < 0.86
        family = scale_names.surname(rng)
        people = [Person(Relation.HEAD, head_age, head_male, family + scale_names.given_name(rng, head_male))]
        if rng.random() < (0.82 if head_age < 75 else 0.5):
            age = max(20, head_age + rng.randint(-5, 3))
            people.append(Person(Relation.SPOUSE, age, not head_male, scale_names.person(rng, not head_male)))
        children = rng.choices(_CHILDREN, cum_weights=_CHILDREN_CUMULATIVE[head_age < 30])[0]
        for _ in range(children):
            age = head_age - rng.randint(20, 34)
            if age < 0 or (age > 30 and rng.random() < 0.6):  # grown children mostly keep their own
                continue
            male = rng.random() < 0.52
            people.append(Person(Relation.CHILD, age, male, family + scale_names.given_name(rng, male)))
        if head_age < 55 and rng.random() < 0.25:
            male = rng.random() < 0.4
            people.append(Person(Relation.PARENT, min(98, head_age + rng.randint(22, 32)), male,
                                 family + scale_names.given_name(rng, male)))
        if head_age >= 55 and rng.random() < 0.3:
            for _ in range(rng.choice((1, 1, 2))):
                male = rng.random() < 0.52
                people.append(Person(Relation.GRANDCHILD, rng.randint(0, min(15, head_age - 40)), male,
                                     family + scale_names.given_name(rng, male)))
        for person in people:
            old = person.age > 60
            draw = rng.random()
            if draw < (0.07 if old else 0.03):
                person.health = Health.DISABLED
            elif draw < (0.12 if old else 0.045):
                person.health = Health.SERIOUS_ILLNESS
            elif draw < (0.32 if old else 0.09):
                person.health = Health.CHRONIC
        return people

    def household(self, grid: Grid, number: int, area6: str) -> tuple[Family, list[dict]]:
        """One household on ``grid`` (the ``number``-th of its village) and its member rows."""
        rng = self.rng
        household_id = self.ids.take(Household.__table__)
        people = self._people()
        lifted = rng.random() < 0.22
        dibao = rng.random() < (0.18 if lifted else 0.04)
        alone = len(people) == 1 and people[0].age >= 65
        rows = [self._member(household_id, p, area6, dibao, alone and rng.random() < 0.3) for p in people]
        if rng.random() < 0.015:  # a parent who died since registration stays on record
            rows.append(self._departed(household_id, people[0], area6))
        workers = sum(r["labour_capacity"] in _WORKING for r in rows if r["status"] == MemberStatus.PRESENT.value)
        # Written past the ORM, so the flag models.labour keeps is set here, by the same rule.
        without_labour = whole_household_without_labour(SimpleNamespace(**r) for r in rows)
        ill = any(p.health in (Health.CHRONIC, Health.SERIOUS_ILLNESS) for p in people)
        disabled = any(p.health is Health.DISABLED for p in people)
        key_groups = [g.value for g, on in ((KeyGroup.LIFTED, lifted), (KeyGroup.MINIMUM_LIVING, dibao),
                                            (KeyGroup.DISABLED, disabled), (KeyGroup.ELDERLY_ALONE, alone)) if on]
        village = grid.village
        row = {
            "id": household_id, "region_id": grid.id, "code": f"{village.code}{number:04d}",
            "address": f"{village.township.name}{village.name}{grid.number}组{rng.randint(1, 120)}号",
            "attribute": (HouseholdAttribute.LIFTED if lifted else HouseholdAttribute.ORDINARY).value,
            "monitoring_category": None, "risk_types": [], "key_groups": key_groups,
            "net_income": None, "last_year_income": None, "rigid_spending": None,
            "sanitary_toilet": _toilet(rng.random()),
            "housing_safe": rng.random() < 0.97, "water_safe": rng.random() < 0.98,
            "risk_eliminated": None, "risk_eliminated_on": None,
            "income_period_start": date(self.today.year - 1, 1, 1),
            "income_period_end": date(self.today.year - 1, 12, 31),
            "dibao_phaseout_start": None, "dibao_phaseout_end": None, "without_labour": without_labour,
            "created_at": self.now, "updated_at": self.now}
        family = Family(row, grid, len(people), lifted, ill, disabled, workers, alone)
        return family, rows

    def _member(self, household_id: int, person: Person, area6: str, dibao: bool, extreme: bool) -> dict:
        rng = self.rng
        self.members += 1
        id_number = self.id_number(area6, person.age, person.male)
        head = person.relation is Relation.HEAD
        phone = self._phone() if head else None
        labour = likely_labour(rng, person.age, person.health)
        migrant = labour.can_work and person.age >= 18
        work, months = (rng.choices(_WORK, cum_weights=_WORK_CUMULATIVE)[0], None) if migrant else (None, None)
        if work and work != "务农":
            months = rng.randint(4, 12)
        details = _DETAILS.get(person.health)
        return {
            "id": self.ids.take(Member.__table__), "household_id": household_id, "name": person.name,
            "is_head": head, "relation": person.relation.value, "health": person.health.value,
            "disability_grade": rng.randint(1, 4) if person.health is Health.DISABLED else None,
            "labour_capacity": labour.value, "schooling": _schooling(person.age),
            "health_detail": rng.choice(details) if details else None,
            "id_number_enc": id_number, "id_number_index": blind_index(ID_NUMBER, id_number),
            "id_number_tail_index": tail_index(ID_NUMBER, id_number),
            "phone_enc": phone, "phone_index": blind_index(PHONE, phone) if phone else None,
            "phone_tail_index": tail_index(PHONE, phone) if phone else None,
            "gender": (Gender.MALE if person.male else Gender.FEMALE).value,
            "ethnicity": _ethnicity(rng.random()),
            "education": _education(rng, person.age), "work_status": work, "work_months": months,
            "medical_insured": rng.random() < 0.985, "minimum_living": dibao, "extreme_poverty": extreme,
            "status": MemberStatus.PRESENT.value, "joined_on": None, "join_reason": None, "left_on": None,
            "left_note": None}

    def _departed(self, household_id: int, head: Person, area6: str) -> dict:
        male = self.rng.random() < 0.45
        parent = Person(Relation.PARENT, min(99, head.age + self.rng.randint(22, 32)), male,
                        scale_names.person(self.rng, male))
        row = self._member(household_id, parent, area6, False, False)
        row.update(status=MemberStatus.DECEASED.value, left_on=self.today - timedelta(days=self.rng.randint(30, 1000)))
        return row


def set_income(family: Family, rng: random.Random) -> None:
    """Income as the household's standing makes likely: monitored households still at risk
    lowest, then those whose risk was eliminated and the lifted-out, then everyone else."""
    row = family.row
    if row["attribute"] == HouseholdAttribute.MONITORED.value:
        low, high = (9_000, 16_000) if row["risk_eliminated"] else (4_500, 9_000)
    elif row["attribute"] == HouseholdAttribute.LIFTED.value:
        low, high = 9_000, 22_000
    else:
        low, high = 12_000, 45_000
    per_capita = rng.randrange(low, high, 50)
    net = Decimal(per_capita * family.size)
    row["net_income"] = net
    row["last_year_income"] = (net * Decimal(rng.randrange(85, 116)) / 100).quantize(Decimal("1"))
    if family.ill or family.disabled:
        row["rigid_spending"] = Decimal(rng.randrange(3_000, 60_000, 100))
