"""部门筛查预警 on phones: a 医保 officer uploads the month's list, reads the check and confirms;
the village sees the clue with its grade in the inbox, opens the case and answers 经核实无风险
with its reason; the officer reads the answer on the warnings list."""
from __future__ import annotations

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

import factories
from browser_support import PHONE_WIDTH, serving
from browser_support import browser, phones, shot  # noqa: F401  (fixtures)
from core import clock
from core.extensions import db
from domain.enums import HouseholdAttribute
from services.accounts import users

pytestmark = pytest.mark.browser

MEDICAL_HEADER = ["姓名", "身份证号码", "统计开始日期", "统计结束日期", "医疗总费用（元）", "个人自付费用（元）",
                  "单次住院最高自付（元）"]


@pytest.fixture
def site(app):
    world = factories.build_world()
    users.create_user("med", "医保干部", factories.PASSWORD, "department", world.county.code, "medical_insurance")
    home = factories.household(world.village_a, clock.today())
    home.attribute = HouseholdAttribute.LIFTED.value  # 脱贫户: the lower line, 10,000 yuan
    id_number = home.head.id_number
    db.session.commit()
    with serving(app) as url:
        yield url, id_number


def _medical_list(tmp_path, id_number: str) -> str:
    year = clock.today().year
    book = Workbook()
    book.active.append(["县医保局：医疗费用负担较高人员名单"])
    book.active.append(MEDICAL_HEADER)
    book.active.append(["钱小花", id_number, f"{year}-01-01", f"{year}-01-31", 60000, 15000, None])  # 15,000 > 10,000
    book.active.append(["孙七", factories.new_id(), f"{year}-01-01", f"{year}-01-31", 90000, 40000, None])  # nobody's
    path = tmp_path / "医保名单.xlsx"
    book.save(path)
    return str(path)


def _sign_in(page, url: str, login: str) -> None:
    page.goto(url + "/login")
    page.fill("#login", login)
    page.fill("#password", factories.PASSWORD)
    page.click("button.primary")


def test_a_list_becomes_a_clue_and_the_answer_goes_back(phones, site, shot, tmp_path):
    url, id_number = site
    officer = phones()
    _sign_in(officer, url, "med")
    officer.get_by_role("link", name="名单上传").click()
    officer.set_input_files("#file", _medical_list(tmp_path, id_number))
    officer.get_by_test_id("warnings-check").click()
    expect(officer.get_by_test_id("count-warnings")).to_have_text("1")
    expect(officer.get_by_test_id("grade-orange")).to_have_text("1")
    expect(officer.get_by_test_id("count-unmatched")).to_have_text("1")
    assert officer.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    shot(officer, "checked")
    officer.get_by_test_id("warnings-confirm").click()
    expect(officer.get_by_test_id("job-state")).to_have_text("已完成")
    expect(officer.get_by_test_id("warnings-report")).to_contain_text("比对结果")

    village = phones()
    _sign_in(village, url, "village_a")
    village.get_by_role("link", name="线索受理").click()
    tag = village.locator("[data-testid^='warning-']")
    expect(tag).to_have_text("橙色预警")
    village.locator("tr", has=tag).get_by_role("link", name="案件").click()
    section = village.get_by_test_id("case-warnings")
    expect(section).to_contain_text("医保部门")
    expect(section).to_contain_text("“医保名单.xlsx”第3行")
    section.get_by_label("经核实无风险").check()
    section.get_by_label("理由").fill("已入户核实：住院费用已由大病保险报销，家庭收入稳定")
    section.get_by_role("button", name="反馈核实结果").click()
    expect(village.get_by_test_id("step-done")).to_be_visible()
    expect(village.get_by_test_id("case-warnings")).to_contain_text("经核实无风险：已入户核实")
    assert village.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    shot(village, "answered")

    officer.get_by_role("link", name="部门预警", exact=True).click()  # the menu
    expect(officer.get_by_test_id("warnings-list")).to_contain_text("经核实无风险")
    expect(officer.get_by_test_id("warnings-list")).to_contain_text("住院费用已由大病保险报销")
    assert id_number not in officer.content()
    shot(officer, "answer-read")
