"""Loading the register on a phone: upload the national export, read the check's report,
confirm, watch the import finish, find the households in the list."""
from __future__ import annotations

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

import factories
from browser_support import PHONE_WIDTH, serving
from browser_support import browser, phone, phones, shot  # noqa: F401  (fixtures)
from core.extensions import db

pytestmark = pytest.mark.browser

HEADER = ["户编号", "乡（镇）", "行政村", "自然村（组）", "姓名", "证件号码", "与户主关系", "劳动技能", "家庭纯收入（元）"]


@pytest.fixture
def site(app):
    factories.build_world()
    db.session.commit()
    with serving(app) as url:
        yield url


def _export_file(tmp_path) -> str:
    book = Workbook()
    book.active.append(["户成员信息（全国防返贫监测信息系统导出）"])
    book.active.append(HEADER)
    book.active.append(["H901", "青山镇", "青山村", "青山村一组", "钱小花", factories.new_id(), "户主", "普通劳动力", 8000])
    book.active.append(["H901", "青山镇", "青山村", "青山村一组", "钱大壮", factories.new_id(), "配偶", "普通劳动力", None])
    book.active.append(["H902", "青山镇", "石门村", "", "孙七", "341599197001011234", "户主", "普通劳动力", 9000])
    path = tmp_path / "户成员信息.xlsx"
    book.save(path)
    return str(path)


def test_upload_check_confirm_and_find_the_households(phone, site, shot, tmp_path):
    url = site
    phone.goto(url + "/login")
    phone.fill("#login", "county")
    phone.fill("#password", factories.PASSWORD)
    phone.click("button.primary")
    phone.get_by_role("link", name="导入档案").click()
    phone.set_input_files("#file", _export_file(tmp_path))
    phone.get_by_test_id("register-check").click()

    expect(phone.get_by_test_id("count-new")).to_have_text("1")
    expect(phone.get_by_test_id("count-rejected")).to_have_text("1")
    expect(phone.get_by_test_id("register-problems")).to_contain_text("证件号码")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    shot(phone, "checked")

    phone.get_by_test_id("register-confirm").click()
    expect(phone.get_by_test_id("job-state")).to_have_text("已完成")
    expect(phone.get_by_test_id("register-report")).to_contain_text("导入结果")
    shot(phone, "imported")

    phone.get_by_role("link", name="农户台账").click()
    expect(phone.get_by_test_id("households-list")).to_contain_text("钱小花")
    expect(phone.get_by_test_id("households-total")).to_have_text("1")
