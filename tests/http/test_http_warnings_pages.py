"""The 部门筛查预警 pages over HTTP: upload a list with its columns documented and a template per
kind, the check's report, the comparison confirmed once, the warnings list (overdue first, masked
ID numbers, the feedback table), the county's overview, the unmatched rows, and who may open what."""
import io
import re

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

import factories
from core import clock
from core.extensions import db
from domain.enums import HouseholdAttribute
from http_support import signed_in, text_of
from models import DepartmentWarning, Job
from services.accounts import users

CIVIL_HEADER = ["姓名", "身份证号码", "事项", "日期", "金额（元）"]
# The template's first row for each kind, as the column lists give them (姓名 and
# 身份证号码 first, then the kind's own columns).
TEMPLATE_HEADERS = {
    "medical": ["姓名", "身份证号码", "统计开始日期", "统计结束日期", "医疗总费用（元）", "个人自付费用（元）",
                "单次住院最高自付（元）"],
    "civil": CIVIL_HEADER,
    "disability": ["姓名", "身份证号码", "残疾类别", "残疾等级", "发证日期"],
    "education": ["姓名", "身份证号码", "情况", "学段", "学校", "日期"],
    "housing": ["姓名", "身份证号码", "鉴定等级", "鉴定日期"],
    "water": ["姓名", "身份证号码", "问题", "停水天数", "日期"],
    "disaster": ["姓名", "身份证号码", "灾害种类", "受灾日期", "直接经济损失（元）"],
    "employment": ["姓名", "身份证号码", "情况", "日期"],
}


@pytest.fixture
def world(app):
    made = factories.build_world()
    db.session.commit()
    return made


def _xlsx(header, rows, title="民政部门共享数据") -> bytes:
    book = Workbook()
    book.active.append([title])
    book.active.append(header)
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _upload(client, content: bytes, kind="civil", name="民政11月.xlsx"):
    return client.post("/warnings/upload", data={"kind": kind, "file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


@pytest.fixture
def registered(world):
    """Two registered households: a 脱贫户 in village A and an ordinary one in village B."""
    lifted = factories.household(world.village_a, clock.today())
    lifted.attribute = HouseholdAttribute.LIFTED.value
    ordinary = factories.household(world.village_b, clock.today())
    ids = {"lifted": lifted.head.id_number, "ordinary": ordinary.head.id_number, "stranger": factories.new_id()}
    db.session.commit()
    return ids


def _civil_rows(ids, day):
    return [["王大山", ids["lifted"], "特困申请", day, None],        # severe, 脱贫户: red
            ["李秀英", ids["ordinary"], "低保申请", day, None],      # ordinary: yellow
            ["张三", ids["stranger"], "临时救助", day, 2000],        # on nobody's register
            ["赵四", factories.new_id(), "低保申请", "明天以后", None]]  # a date that is no date


def _warnings() -> int:
    db.session.rollback()
    return db.session.execute(select(func.count(DepartmentWarning.id))).scalar_one()


def test_upload_check_confirm_and_read_the_warnings(app, world, registered):
    officer = signed_in(app, "dept")  # 民政
    day = clock.today().isoformat()
    sent = _upload(officer, _xlsx(CIVIL_HEADER, _civil_rows(registered, day)))
    assert sent.status_code == 303
    check_url = sent.headers["Location"]
    page = text_of(officer.get(check_url))
    assert "检查结果（尚未比对）" in page
    counts = {name: re.search(rf'data-testid="{name}">(\d+)<', page).group(1)
              for name in ("count-rows", "count-problems", "count-new", "count-unmatched", "count-warnings",
                           "grade-red", "grade-orange", "grade-yellow")}
    assert counts == {"count-rows": "3", "count-problems": "1", "count-new": "3", "count-unmatched": "1",
                      "count-warnings": "2", "grade-red": "1", "grade-orange": "0", "grade-yellow": "1"}
    assert 'data-testid="warnings-problems"' in page and "日期" in page
    assert not any(number in page for number in registered.values())
    assert _warnings() == 0  # a check writes nothing

    confirmed = officer.post(check_url + "/confirm")
    assert confirmed.status_code == 303 and confirmed.headers["Location"] != check_url
    done = text_of(officer.get(confirmed.headers["Location"]))
    assert "比对结果" in done and 'data-testid="to-warnings"' in done and "确认比对" not in done
    assert _warnings() == 2
    again = officer.post(check_url + "/confirm")
    assert again.status_code == 409 and "已经确认比对过了" in text_of(again)
    assert _warnings() == 2

    listed = text_of(officer.get("/warnings"))
    assert re.search(r'data-testid="warnings-total">2<', listed)
    assert not any(number in listed for number in registered.values())
    lifted = registered["lifted"]
    assert lifted[:6] + "********" + lifted[-4:] in listed  # masked as the policy says, not left out
    assert 'name="department"' not in listed  # an officer sees their own department only
    assert listed.index("红色预警") < listed.index("黄色预警")  # the red one is due first (3 days)
    upload_page = text_of(officer.get("/warnings/upload"))
    assert 'data-testid="lists-sent"' in upload_page and "民政11月.xlsx" in upload_page


def test_the_village_sees_the_grade_in_its_inbox_and_the_county_the_overview(app, world, registered):
    officer = signed_in(app, "dept")
    sent = _upload(officer, _xlsx(CIVIL_HEADER, _civil_rows(registered, clock.today().isoformat())))
    officer.post(sent.headers["Location"] + "/confirm")
    inbox = text_of(signed_in(app, "village_a").get("/inbox"))
    assert re.search(r'data-testid="warning-\d+">红色预警<', inbox)
    assert "黄色预警" not in inbox  # village B's warning stays in village B

    overview = text_of(signed_in(app, "county").get("/warnings/overview"))
    rows = re.findall(r'<tr data-line="民政-(\w+)"><td>民政</td><td>.*?</td>\s*'
                      r'<td>(\d+)</td><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td>', overview)
    # sent, in time, late, included, pending: nothing answered yet, nothing due yet
    assert rows == [("red", "1", "0", "0", "0", "1"), ("yellow", "1", "0", "0", "0", "1")]
    assert re.search(r'data-testid="overview-total">.*?<td>2</td>', overview, re.S)

    county = signed_in(app, "county")
    unmatched = text_of(county.get("/warnings/unmatched"))
    assert re.search(r'data-testid="unmatched-total">1<', unmatched) and "张三" in unmatched
    assert registered["stranger"] not in unmatched
    assert officer.get("/warnings?grade=purple").status_code == 400  # said beside the filter, not a 500
    assert "预警等级无效" in text_of(officer.get("/warnings?grade=purple"))


def test_the_unmatched_table_carries_the_full_numbers(app, world, registered):
    officer = signed_in(app, "dept")
    sent = _upload(officer, _xlsx(CIVIL_HEADER, _civil_rows(registered, clock.today().isoformat())))
    officer.post(sent.headers["Location"] + "/confirm")
    table = signed_in(app, "county").get("/warnings/unmatched.xlsx")
    assert table.status_code == 200 and table.headers["Cache-Control"] == "no-store"
    sheet = [[c.value for c in r] for r in load_workbook(io.BytesIO(table.data)).active.iter_rows()]
    assert sheet[1][4:6] == ["张三", registered["stranger"]]  # the full number, to check with the department


def test_the_feedback_table_follows_the_filters(app, world, registered):
    officer = signed_in(app, "dept")
    sent = _upload(officer, _xlsx(CIVIL_HEADER, _civil_rows(registered, clock.today().isoformat())))
    officer.post(sent.headers["Location"] + "/confirm")
    answer = officer.get("/warnings/feedback.xlsx?grade=red")
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    assert answer.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = [[c.value for c in r] for r in load_workbook(io.BytesIO(answer.data)).active.iter_rows()]
    assert sheet[1][:5] == ["预警编号", "名单", "行号", "姓名", "身份证号码"]
    assert len(sheet) == 3 and sheet[2][3] == "王大山" and sheet[2][7] == "红色预警" and sheet[2][11] == "未反馈"


@pytest.mark.parametrize("kind", sorted(TEMPLATE_HEADERS))
def test_each_kind_has_its_columns_on_the_page_and_a_template(app, world, kind):
    county = signed_in(app, "county")
    page = text_of(county.get("/warnings/upload"))
    section = page.split(f'data-kind="{kind}"', 1)[1].split("</details>", 1)[0]
    assert all(f"<strong>{title}</strong>" in section for title in TEMPLATE_HEADERS[kind])
    answer = county.get(f"/warnings/template/{kind}.xlsx")
    assert answer.status_code == 200
    first = [c.value for c in next(load_workbook(io.BytesIO(answer.data)).worksheets[0].iter_rows())]
    assert first == TEMPLATE_HEADERS[kind]


def test_an_officer_is_offered_their_own_kinds_and_an_unknown_template_is_not_found(app, world):
    officer = signed_in(app, "dept")
    page = text_of(officer.get("/warnings/upload"))
    assert 'data-kind="civil"' in page and 'data-kind="medical"' not in page
    assert re.search(r'<option value="civil" selected>', page)  # their only kind, chosen already
    assert officer.get("/warnings/template/nothing.xlsx").status_code == 404


def test_bad_uploads_are_refused_beside_their_field(app, world):
    county = signed_in(app, "county")
    empty = _upload(county, b"", kind="medical")
    html = text_of(empty)
    assert empty.status_code == 400 and 'data-testid="error-file"' in html and "请选择要上传的名单文件" in html
    assert '<option value="medical" selected>' in html  # the kind chosen is kept
    no_kind = _upload(county, _xlsx(CIVIL_HEADER, []), kind="")
    assert no_kind.status_code == 400 and "请选择名单类别" in text_of(no_kind)
    odd_kind = _upload(county, _xlsx(CIVIL_HEADER, []), kind="medical\x00²")
    assert odd_kind.status_code == 400
    officer = signed_in(app, "dept")
    not_theirs = _upload(officer, _xlsx(CIVIL_HEADER, []), kind="medical")
    assert not_theirs.status_code == 400 and "不是本部门的名单" in text_of(not_theirs)
    db.session.rollback()
    assert db.session.execute(select(func.count(Job.id))).scalar_one() == 0

    broken = _upload(county, b"PK\x03\x04 not really a workbook", kind="civil")
    page = text_of(county.get(broken.headers["Location"]))
    assert 'data-testid="error-file"' in page and "文件已损坏" in page and "Traceback" not in page
    assert '<option value="civil" selected>' in page
    medical_file_as_civil = _upload(county, _xlsx(TEMPLATE_HEADERS["medical"], []), kind="civil")
    page = text_of(county.get(medical_file_as_civil.headers["Location"]))
    assert 'data-testid="error-file"' in page and "没有找到表头" in page


def test_a_list_with_nothing_new_cannot_be_confirmed(app, world):
    county = signed_in(app, "county")
    sent = _upload(county, _xlsx(CIVIL_HEADER, [["赵四", factories.new_id(), "低保申请", "明天以后", None]]))
    page = text_of(county.get(sent.headers["Location"]))
    assert 'data-testid="nothing-new"' in page and 'data-testid="warnings-confirm"' not in page
    refused = county.post(sent.headers["Location"] + "/confirm")
    assert refused.status_code == 409 and "没有可以比对的新数据" in text_of(refused)


# who may open what: (path, roles answered 200; every other role gets 403)
PAGES = [
    ("/warnings/upload", {"dept", "county"}),
    ("/warnings/template/civil.xlsx", {"dept", "county"}),
    ("/warnings", {"dept", "county", "township", "village_a"}),
    ("/warnings/feedback.xlsx", {"dept", "county", "township", "village_a"}),
    ("/warnings/overview", {"dept", "county"}),
    ("/warnings/unmatched", {"dept", "county"}),
    ("/warnings/unmatched.xlsx", {"dept", "county"}),
]
ROLES = ["county", "admin", "auditor", "dept", "township", "village_a", "grid_a1", "cadre_a"]


@pytest.mark.parametrize("path,allowed", PAGES)
def test_every_page_as_each_role(app, world, path, allowed):
    for login in ROLES:
        expected = 200 if login in allowed else 403
        assert signed_in(app, login).get(path).status_code == expected, (login, path)


def test_jobs_are_their_starters_own_and_huge_ids_are_not_found(app, world, registered):
    county = signed_in(app, "county")
    sent = _upload(county, _xlsx(CIVIL_HEADER, _civil_rows(registered, clock.today().isoformat())))
    url = sent.headers["Location"]
    officer = signed_in(app, "dept")
    assert officer.get(url).status_code == 404
    assert officer.post(url + "/confirm").status_code == 404
    medical = users.create_user("med", "医保干部", factories.PASSWORD, "department", world.county.code,
                                "medical_insurance")
    db.session.commit()
    assert medical.department == "medical_insurance"
    assert signed_in(app, "med").get(url).status_code == 404
    for path in ("/warnings/upload/2147483648", "/warnings/upload/99999999999999999999"):
        assert county.get(path).status_code == 404
        assert county.post(path + "/confirm").status_code == 404
    assert signed_in(app, "village_a").get(url).status_code == 403  # not an uploader at all


def test_the_menu_and_the_landing_lead_to_the_pages(app, world):
    officer_home = text_of(signed_in(app, "dept").get("/"))
    assert ">部门预警<" in officer_home and ">名单上传<" in officer_home
    assert 'data-testid="landing-upload-list"' in officer_home
    village_home = text_of(signed_in(app, "village_a").get("/"))
    assert ">部门预警<" in village_home and ">名单上传<" not in village_home
    assert ">部门预警<" not in text_of(signed_in(app, "grid_a1").get("/"))
