"""The demo's department list: last month's 医保 list from 县医保局, compared as the comparison job
does, so 部门预警, the villages' inboxes and the county overview have something to show.

Rows: a 脱贫户 of 石门村 more than twice over its line (红), a household of the grid worker's grid
whose case is open (the warning joins it), an ordinary household just over 26,000 (黄), one below
every line (no warning), a hospital stay over the line for a 脱贫户 of 柳溪村 (橙, already answered
经核实无风险 by 柳溪乡, which has no village account in the demo), and a person the register does not
know (未匹配).
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from core.extensions import db
from domain.department_lists import ListKind, ListRow
from domain.enums import HouseholdAttribute
from domain.validation import make_id_number
from models import DepartmentList, DepartmentWarning, Household, User
from services.warnings import compare, feedback


def _row(line: int, household: Household, out_of_pocket: str, start: date, end: date,
         largest_stay: str | None = None) -> ListRow:
    head = household.head
    facts = {"period_start": start, "period_end": end, "out_of_pocket": Decimal(out_of_pocket)}
    if largest_stay is not None:
        facts["largest_stay"] = Decimal(largest_stay)
    return ListRow(line, head.name, head.id_number, facts)


def seed_medical_list(staff: dict[str, User], made: list[Household], open_case_household: Household,
                      today: date) -> DepartmentList:
    officer = staff["yibao"]
    sent_on = today - timedelta(days=9)
    start, end = date(today.year, 1, 1), min(today, date(today.year, 10, 31))
    in_village = {h.region.village.code: [] for h in made}
    for h in made:
        in_village[h.region.village.code].append(h)
    lifted = [h for h in in_village["341599101002"] if h.attribute == HouseholdAttribute.LIFTED.value]
    ordinary = [h for h in in_village["341599101002"] if h.attribute == HouseholdAttribute.ORDINARY.value]
    lifted_far = [h for h in in_village["341599102001"] if h.attribute == HouseholdAttribute.LIFTED.value]
    rows = [_row(2, lifted[0], "23600", start, end),
            _row(3, open_case_household, "28600", start, end),
            _row(4, ordinary[0], "26800", start, end),
            _row(5, ordinary[1], "3200", start, end),
            _row(6, lifted_far[0], "8400", start, end, largest_stay="7100"),
            ListRow(7, "孙立新", make_id_number("341599", date(1968, 3, 9), 517),
                    {"period_start": start, "period_end": end, "out_of_pocket": Decimal("31000")})]
    dlist = DepartmentList(county_id=officer.region_id, kind=ListKind.MEDICAL.value,
                           department=ListKind.MEDICAL.department.value, filename=f"{end.month}月医疗费用负担较重人员.xlsx",
                           uploaded_by=officer)
    db.session.add(dlist)
    db.session.flush()
    compare.write(officer, dlist, compare.plan(ListKind.MEDICAL, officer.region, rows, sent_on), sent_on)
    answered = db.session.execute(db.select(DepartmentWarning).where(
        DepartmentWarning.list_id == dlist.id, DepartmentWarning.household_id == lifted_far[0].id)).scalar_one()
    feedback.answer(staff["township2"], answered.id, "no_risk",
                    "入户核实：住院费用已由大病保险和医疗救助报销大部分，家庭务工收入稳定", sent_on + timedelta(days=4))
    return dlist
