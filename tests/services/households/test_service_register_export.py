"""The register export: the import's layout, so export → import again changes nothing."""
import io

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from conftest import TODAY
from core.extensions import db
from factories import build_world, new_id
from models import AuditLog
from services.households import register_list
from services.households.register_export import LAYOUT, register_xlsx
from services.households.register_import import import_register

HEADER = ["户编号", "乡（镇）", "行政村", "自然村（组）", "姓名", "证件号码", "与户主关系", "健康状况", "残疾等级",
          "劳动技能", "在校生状况", "联系电话", "户类型", "监测对象类别", "风险类型", "家庭纯收入（元）"]


@pytest.fixture
def world(app):
    return build_world()


def _xlsx(rows) -> bytes:
    book = Workbook()
    book.active.append(HEADER)
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _imported(world):
    rows = [["H001", "青山镇", "青山村", "青山村一组", "王大山", new_id(), "户主", "残疾", "二级", "弱劳动力或半劳动力",
             "", "13812345678", "监测户", "边缘易致贫户", "因病、因残", 12000],
            ["H001", "青山镇", "青山村", "青山村一组", "王小明", new_id(), "之子", "健康", "", "无劳动力",
             "初中", "", "", "", "", None],
            ["H002", "青山镇", "石门村", "", "赵四", new_id(), "户主", "长期慢性病", "", "普通劳动力",
             "", "", "一般农户", "", "", 30000]]
    report = import_register(world.users["county"], _xlsx(rows), today=TODAY, dry_run=False)
    assert report.problems == [] and report.count("new") == 2
    db.session.commit()
    return rows


def test_the_export_is_in_the_import_layout(world):
    rows = _imported(world)
    data, households, people = register_xlsx(world.users["county"], register_list.Filters(), TODAY)
    assert (households, people) == (2, 3)
    table = [[c.value for c in row] for row in load_workbook(io.BytesIO(data)).active.iter_rows()]
    assert table[1] == [title for _, title in LAYOUT]
    head = dict(zip(table[1], table[2]))
    assert head["户编号"] == "H001" and head["县（市、区）"] == "示范县" and head["自然村（组）"] == "青山村一组"
    assert head["证件号码"] == rows[0][5] and head["联系电话"] == "13812345678" and head["残疾等级"] == "二级"
    assert head["风险类型"] == "因病、因残" and head["监测对象类别"] == "边缘易致贫户" and head["家庭纯收入（元）"] == 12000
    child = dict(zip(table[1], table[3]))
    assert child["与户主关系"] == "子女" and child["在校生状况"] == "义务教育" and child["家庭纯收入（元）"] is None


def test_export_then_import_changes_nothing(world):
    _imported(world)
    data, _, _ = register_xlsx(world.users["county"], register_list.Filters(), TODAY)
    again = import_register(world.users["county"], data, today=TODAY, dry_run=True)
    assert again.problems == [] and again.warnings == []
    assert (again.count("new"), again.count("updated"), again.count("unchanged")) == (0, 0, 2)
    assert (again.people("new"), again.people("updated"), again.people("unchanged")) == (0, 0, 3)


def test_the_export_follows_the_scope_and_the_filters(world):
    _imported(world)
    _, households, _ = register_xlsx(world.users["village_b"], register_list.Filters(), TODAY)
    assert households == 1
    _, monitored, _ = register_xlsx(world.users["county"], register_list.Filters(attribute="monitored"), TODAY)
    assert monitored == 1
