"""Department lists through the check and compare jobs (services.warnings.lists), with files as
departments send them: every kind in .xlsx, .xls and .csv with good and bad rows; broken files;
the same file sent twice; persons not on the register; a county's own figures."""
import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, text

from conftest import TODAY
from core.extensions import db
from domain.department_lists import ListKind
from domain.enums import CaseSource, HouseholdAttribute
from domain.jobs import JobKind
from factories import build_world, household, new_id
from models import Case, CaseEvent, DepartmentList, DepartmentRow, DepartmentWarning, Job
from services.errors import NotFound, PermissionDenied, ValidationFailed
from services.platform import scheduled
from services.regions.warning_thresholds import set_threshold
from services.warnings import lists
from services.workflow import cases
from warning_support import HEADERS, check, check_and_confirm, csv_file, officer, warning_row, xls, xlsx

WRITERS = {"xlsx": xlsx, "xls": xls, "csv": csv_file}


@pytest.fixture
def world(app):
    made = build_world()
    db.session.commit()
    return made


def _count(model) -> int:
    return db.session.execute(select(func.count(model.id))).scalar_one()


def _bad_ids() -> tuple[str, str]:
    good = new_id()
    wrong_check = good[:17] + ("0" if good[17] != "0" else "1")
    return wrong_check, good[:6] + good[8:17]  # and a 15-digit number


# Cells of each kind that make a row unusable (title → value), one bad row each.
KIND_BAD_CELLS = {
    ListKind.MEDICAL: [("个人自付费用（元）", "30000²"), ("个人自付费用（元）", "NaN"), ("单次住院最高自付（元）", "-5"),
                       ("统计结束日期", "2025-06-30"), ("统计开始日期", "2026-12-25")],
    ListKind.CIVIL: [("事项", "低保续期"), ("金额（元）", "3000²"), ("金额（元）", "-200"), ("日期", "2027-01-05")],
    ListKind.DISABILITY: [("残疾等级", "五级"), ("残疾等级", "²"), ("残疾类别", "健康"), ("发证日期", "2026-11-21")],
    ListKind.EDUCATION: [("学段", "幼儿园"), ("情况", "转学"), ("日期", "2026-13-01")],
    ListKind.HOUSING: [("鉴定等级", "E级"), ("鉴定日期", "下个月")],
    ListKind.WATER: [("问题", "停水"), ("停水天数", "NaN"), ("问题", "水太凉")],
    ListKind.DISASTER: [("直接经济损失（元）", "12000²"), ("直接经济损失（元）", "-1"), ("灾害种类", "外星人"),
                        ("受灾日期", "2030-01-01")],
    ListKind.EMPLOYMENT: [("情况", "退休"), ("日期", "NaN")],
}


def _list_file(kind: ListKind, fmt: str, registered_id: str, stranger_id: str):
    """A department's file: a title row, the header, a warning for a registered person, one for
    a person not on the register, a blank line, then bad rows. Returns (bytes, bad lines, ids)."""
    header = HEADERS[kind]
    wrong_check, fifteen = _bad_ids()
    rows = [[f"{kind.short}部门 2026年11月推送名单"], header,
            warning_row(kind, "王大山", registered_id), warning_row(kind, "张三", stranger_id), []]
    rows.append(warning_row(kind, "李四", wrong_check))
    rows.append(warning_row(kind, "赵五", fifteen))
    rows.append(warning_row(kind, "", new_id()))
    if fmt == "xls":  # only the old format can carry a NUL in a cell
        rows.append(warning_row(kind, "孙\x00六", new_id()))
    for title, value in KIND_BAD_CELLS[kind]:
        cells = warning_row(kind, "周七", new_id())
        cells[header.index(title)] = value
        if kind is ListKind.WATER and title == "问题":
            cells[header.index("停水天数")] = None  # 停水 without its days
        rows.append(cells)
    bad_lines = set(range(6, len(rows) + 1))
    return WRITERS[fmt](rows), bad_lines, [registered_id, stranger_id, wrong_check, fifteen]


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "csv"])
@pytest.mark.parametrize("kind", list(ListKind))
def test_every_kind_in_every_format_gives_problems_rows_and_warnings(world, kind, fmt):
    made = household(world.village_a, TODAY)
    who = officer(world, kind)
    db.session.commit()
    content, bad_lines, ids = _list_file(kind, fmt, made.head.id_number, new_id())
    checked, compared = check_and_confirm(who, kind, content, f"名单.{fmt}")

    assert {p["line"] for p in checked.problems} == bad_lines
    for problem in checked.problems:
        assert problem["column"] in HEADERS[kind], problem
        assert any("\u4e00" <= c <= "\u9fff" for c in problem["reason"]), problem
        assert not any(i in problem["reason"] or i[6:14] in problem["reason"] for i in ids), problem
    assert checked.counts == {"rows": 2, "problem_rows": len(bad_lines), "repeated": 0, "new": 2, "unmatched": 1,
                              "no_warning": 0, "warnings": 1}
    assert checked.grades == {"red": 0, "orange": 0, "yellow": 1} and checked.comparable

    assert not compared.dry_run and compared.counts["warnings"] == 1
    dlist = db.session.get(DepartmentList, compared.list_id)
    assert (dlist.kind, dlist.department, dlist.filename) == (kind.value, kind.department.value, f"名单.{fmt}")
    assert (dlist.rows, dlist.problems, dlist.unmatched, dlist.warnings) == (2, len(bad_lines), 1, 1)
    warning = db.session.execute(select(DepartmentWarning)).scalar_one()
    assert (warning.household_id, warning.grade, warning.kind) == (made.id, "yellow", kind.value)
    assert warning.due_on == TODAY + timedelta(days=15)
    case = warning.case
    assert case.source == CaseSource.DEPARTMENT_WARNING.value and case.region_id == world.village_a.id
    assert case.household_id == made.id and case.warning_grade == "yellow" and not warning.joined_open_case


def test_the_template_of_each_kind_is_the_header_the_lists_are_read_by(world):
    for kind in ListKind:
        name, content = lists.template(kind)
        assert name.endswith(".xlsx") and kind.short in name
        book = load_workbook(io.BytesIO(content))
        assert [c.value for c in book.worksheets[0][1]] == HEADERS[kind]
        assert book.worksheets[1].title == "填写说明"


def test_a_filled_template_is_read_back(world):
    made = household(world.village_b, TODAY)
    who = officer(world, ListKind.HOUSING)
    _, content = lists.template(ListKind.HOUSING)
    book = load_workbook(io.BytesIO(content))
    book.worksheets[0].append(["王大山", made.head.id_number, "D级", date(2026, 10, 9)])
    out = io.BytesIO()
    book.save(out)
    db.session.commit()
    checked, _ = check_and_confirm(who, ListKind.HOUSING, out.getvalue(), "住建名单模板.xlsx")
    assert checked.counts["warnings"] == 1 and checked.grades["orange"] == 1  # D级 for 一般农户: severe → 橙


# --- broken files -------------------------------------------------------------------------------

def _failed(job: Job) -> str:
    assert job.state == "failed"
    return job.message


def test_files_that_cannot_be_read_fail_with_a_chinese_reason(world):
    who = officer(world, ListKind.MEDICAL)
    db.session.commit()
    good = xlsx([HEADERS[ListKind.MEDICAL], warning_row(ListKind.MEDICAL, "王大山", new_id())])
    random_bytes = bytes(range(256)) * 8
    assert "不是表格文件" in _failed(check(who, ListKind.MEDICAL, random_bytes, "名单.xlsx"))
    assert "损坏" in _failed(check(who, ListKind.MEDICAL, good[: len(good) // 2], "名单.xlsx"))
    fake_xls = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600
    assert "损坏" in _failed(check(who, ListKind.MEDICAL, fake_xls, "名单.xls"))
    with pytest.raises(ValidationFailed) as raised:
        lists.start_check(who, ListKind.MEDICAL.value, "空.xlsx", b"", TODAY)
    assert "file" in raised.value.fields
    db.session.rollback()
    assert _count(DepartmentList) == 0


def test_a_missing_required_column_is_named(world):
    who = officer(world, ListKind.MEDICAL)
    db.session.commit()
    header = [t for t in HEADERS[ListKind.MEDICAL] if t != "个人自付费用（元）"]
    message = _failed(check(who, ListKind.MEDICAL, xlsx([header, ["王大山", new_id(), "2026-01-01", "2026-10-31"]])))
    assert "个人自付费用（元）" in message
    civil_file = xlsx([HEADERS[ListKind.CIVIL], warning_row(ListKind.CIVIL, "王大山", new_id())])
    county = world.users["county"]
    assert "统计开始日期" in _failed(check(county, ListKind.MEDICAL, civil_file))  # a 民政 file sent as 医保


def test_a_gbk_csv_a_title_row_and_another_column_order_are_read(world):
    made = household(world.village_a, TODAY)
    who = officer(world, ListKind.EMPLOYMENT)
    db.session.commit()
    rows = [["2026年11月 失业人员名单"], ["日期", "情况", "身份证号", "姓名"],
            ["2026-10-15", "失业", made.head.id_number, "王大山"]]
    checked = lists.report(who, check(who, ListKind.EMPLOYMENT, csv_file(rows, "gbk"), "失业.csv").id)
    assert checked.problems == [] and checked.counts["warnings"] == 1


# --- who uploads what -----------------------------------------------------------------------------

def test_an_officer_uploads_only_their_department_s_kinds(world):
    civil = world.users["dept"]
    content = xlsx([HEADERS[ListKind.MEDICAL]])
    assert lists.kinds_of(civil) == [ListKind.CIVIL]
    assert lists.kinds_of(world.users["county"]) == list(ListKind)
    with pytest.raises(ValidationFailed) as raised:
        lists.start_check(civil, ListKind.MEDICAL.value, "医保.xlsx", content, TODAY)
    assert "kind" in raised.value.fields
    for name in ("village_a", "township", "grid_a1", "auditor"):
        with pytest.raises(PermissionDenied):
            lists.start_check(world.users[name], ListKind.CIVIL.value, "民政.xlsx", content, TODAY)


def test_only_the_uploader_sees_the_report(world):
    who = officer(world, ListKind.CIVIL)
    db.session.commit()
    job = check(who, ListKind.CIVIL, xlsx([HEADERS[ListKind.CIVIL], warning_row(ListKind.CIVIL, "王", new_id())]))
    for other in ("county", "village_a"):
        with pytest.raises(NotFound):
            lists.report(world.users[other], job.id)
        with pytest.raises(NotFound):
            lists.confirm(world.users[other], job.id, TODAY)
    with pytest.raises(NotFound):
        lists.report(who, 2**40)


# --- repeated uploads -----------------------------------------------------------------------------

def test_the_same_file_sent_again_raises_nothing_and_counts_as_repeated(world):
    made = household(world.village_a, TODAY)
    who = officer(world, ListKind.DISASTER)
    db.session.commit()
    content = xlsx([HEADERS[ListKind.DISASTER], warning_row(ListKind.DISASTER, "王大山", made.head.id_number),
                    warning_row(ListKind.DISASTER, "张三", new_id())])
    assert lists.report(who, check(who, ListKind.DISASTER, content).id).counts["warnings"] == 1
    assert (_count(DepartmentRow), _count(DepartmentWarning)) == (0, 0)  # a check writes nothing
    first_check, _ = check_and_confirm(who, ListKind.DISASTER, content, "应急11月.xlsx")
    with pytest.raises(ValidationFailed):
        lists.confirm(who, first_check.job_id, TODAY)  # the same check confirmed twice
    db.session.rollback()
    again = lists.report(who, check(who, ListKind.DISASTER, content, "应急11月(1).xlsx").id)
    assert again.counts["repeated"] == 2 and again.counts["new"] == 0 and not again.comparable
    with pytest.raises(ValidationFailed):
        lists.confirm(who, again.job_id, TODAY)
    db.session.rollback()
    assert (_count(DepartmentWarning), _count(DepartmentRow), _count(Case)) == (1, 2, 1)


def test_two_checks_of_one_file_confirmed_both_raise_one_warning(world):
    made = household(world.village_a, TODAY)
    who = officer(world, ListKind.DISASTER)
    db.session.commit()
    content = xlsx([HEADERS[ListKind.DISASTER], warning_row(ListKind.DISASTER, "王大山", made.head.id_number)])
    first, second = check(who, ListKind.DISASTER, content), check(who, ListKind.DISASTER, content)
    for job in (first, second):
        done = lists.confirm(who, job.id, TODAY)
        db.session.commit()
        db.session.refresh(done)
        assert done.state == "done", done.message
    assert _count(DepartmentWarning) == 1
    later = db.session.execute(select(DepartmentList).order_by(DepartmentList.id.desc())).scalars().first()
    assert (later.rows, later.repeated, later.warnings) == (0, 1, 0)


def test_a_row_repeated_inside_one_file_counts_once(world):
    made = household(world.village_a, TODAY)
    who = officer(world, ListKind.EMPLOYMENT)
    db.session.commit()
    row = warning_row(ListKind.EMPLOYMENT, "王大山", made.head.id_number)
    checked, _ = check_and_confirm(who, ListKind.EMPLOYMENT, xlsx([HEADERS[ListKind.EMPLOYMENT], row, row]))
    assert checked.counts["repeated"] == 1 and checked.counts["warnings"] == 1
    assert _count(DepartmentWarning) == 1


def test_the_same_person_with_new_facts_raises_a_new_warning_on_the_same_case(world):
    made = household(world.village_a, TODAY)
    made.attribute = HouseholdAttribute.MONITORED.value
    who = officer(world, ListKind.MEDICAL)
    db.session.commit()
    header = HEADERS[ListKind.MEDICAL]
    october = [header, ["王大山", made.head.id_number, "2026-01-01", "2026-10-31", None, 12000, None]]
    november = [header, ["王大山", made.head.id_number, "2026-01-01", "2026-11-15", None, 21000, None]]
    check_and_confirm(who, ListKind.MEDICAL, xlsx(october), "医保10月.xlsx")
    checked, _ = check_and_confirm(who, ListKind.MEDICAL, xlsx(november), "医保11月.xlsx")
    assert checked.counts["repeated"] == 0 and checked.grades == {"red": 1, "orange": 0, "yellow": 0}
    found = db.session.execute(select(DepartmentWarning).order_by(DepartmentWarning.id)).scalars().all()
    assert [w.grade for w in found] == ["orange", "red"]
    assert found[0].case_id == found[1].case_id and found[1].joined_open_case
    assert _count(Case) == 1
    case = found[1].case
    assert case.warning_grade == "red" and case.warning_due == TODAY + timedelta(days=3)
    joined = [e for e in db.session.execute(select(CaseEvent).where(CaseEvent.case_id == case.id)).scalars()
              if (e.data or {}).get("joined_report") == CaseSource.DEPARTMENT_WARNING.value]
    assert len(joined) == 1 and "医保11月.xlsx" in joined[0].comment


def test_two_rows_of_one_person_in_one_file_are_both_compared(world):
    made = household(world.village_a, TODAY)
    who = officer(world, ListKind.CIVIL)
    db.session.commit()
    rows = [HEADERS[ListKind.CIVIL], ["王大山", made.head.id_number, "低保申请", "2026-10-01", None],
            ["王大山", made.head.id_number, "临时救助", "2026-10-05", 3000]]
    checked, _ = check_and_confirm(who, ListKind.CIVIL, xlsx(rows))
    assert (checked.counts["unmatched"], checked.counts["warnings"]) == (0, 2)
    found = db.session.execute(select(DepartmentWarning).order_by(DepartmentWarning.id)).scalars().all()
    assert len(found) == 2 and found[0].case_id == found[1].case_id and _count(Case) == 1


def test_a_warning_for_a_household_with_an_open_case_joins_it(world):
    made = household(world.village_b, TODAY)
    open_case = cases.open_case(world.users["village_b"], made.region, CaseSource.GRID_VISIT, today=TODAY,
                                risk_types=["illness"], household=made)
    who = officer(world, ListKind.WATER)
    db.session.commit()
    row = ["王大山", made.head.id_number, "停水", 20, "2026-10-02"]  # 20 days ≥ 2 × 7: severe
    check_and_confirm(who, ListKind.WATER, xlsx([HEADERS[ListKind.WATER], row]), "水利11月.xlsx")
    warning = db.session.execute(select(DepartmentWarning)).scalar_one()
    assert warning.case_id == open_case.id and warning.joined_open_case and warning.grade == "orange"
    assert _count(Case) == 1 and open_case.source == CaseSource.GRID_VISIT.value
    assert open_case.warning_grade == "orange" and "water" in open_case.risk_types
    joined = [e for e in db.session.execute(select(CaseEvent).where(CaseEvent.case_id == open_case.id)).scalars()
              if (e.data or {}).get("joined_report") == CaseSource.DEPARTMENT_WARNING.value]
    assert len(joined) == 1 and "停水20天" in joined[0].comment and "水利11月.xlsx" in joined[0].comment


# --- persons not on the register ------------------------------------------------------------------

def test_a_person_not_on_the_register_is_kept_encrypted_and_found_by_the_monthly_job(world):
    stranger = new_id()
    who = officer(world, ListKind.CIVIL)
    db.session.commit()
    content = xlsx([HEADERS[ListKind.CIVIL], ["张三", stranger, "特困申请", "2026-10-08", None]])
    checked, compared = check_and_confirm(who, ListKind.CIVIL, content)
    assert checked.counts["unmatched"] == 1 and compared.counts["warnings"] == 0
    raw = db.session.execute(text("SELECT id_number_enc, id_number_index, facts_enc FROM department_row")).one()
    assert stranger not in "".join(raw) and "特困" not in raw[2] and "2026-10-08" not in raw[2]
    assert _count(DepartmentWarning) == 0 and _count(Case) == 0

    made = household(world.village_b, TODAY, id_number=stranger)
    made.attribute = HouseholdAttribute.LIFTED.value
    monthly = scheduled.start(JobKind.DEPARTMENT_MONTHLY, TODAY + timedelta(days=12))
    db.session.commit()
    db.session.refresh(monthly)
    assert monthly.state == "done" and "新找到 1 人" in monthly.message and "新预警 1 条" in monthly.message
    warning = db.session.execute(select(DepartmentWarning)).scalar_one()
    assert warning.household_id == made.id and warning.grade == "red"  # 特困 for a 脱贫户
    assert warning.case.region_id == world.village_b.id
    dlist = db.session.get(DepartmentList, compared.list_id)
    assert (dlist.unmatched, dlist.warnings) == (0, 1)

    again = scheduled.start(JobKind.DEPARTMENT_MONTHLY, TODAY + timedelta(days=40))
    db.session.commit()
    db.session.refresh(again)
    assert again.state == "done" and _count(DepartmentWarning) == 1


# --- a county's own figures -----------------------------------------------------------------------

def test_a_county_s_own_yearly_figure_grades_its_lists(world):
    made = household(world.village_a, TODAY)
    set_threshold(None, world.county, "medical_other", 2026, "20000", "按上年全省农村居民人均可支配收入折算")
    who = officer(world, ListKind.MEDICAL)
    db.session.commit()
    row = ["王大山", made.head.id_number, "2026-01-01", "2026-10-31", None, 21000, None]
    checked, _ = check_and_confirm(who, ListKind.MEDICAL, xlsx([HEADERS[ListKind.MEDICAL], row]))
    assert checked.counts["warnings"] == 1  # 21,000: under the default 26,000, over the county's 20,000
    old_year = ["王大山", made.head.id_number, "2025-01-01", "2025-12-31", None, 21000, None]
    checked, _ = check_and_confirm(who, ListKind.MEDICAL, xlsx([HEADERS[ListKind.MEDICAL], old_year]))
    assert checked.counts["warnings"] == 0 and checked.counts["no_warning"] == 1  # 2025 keeps the default
