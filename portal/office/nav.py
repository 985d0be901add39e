"""The staff navigation bar: the back-office pages this person's role uses.

Items whose page is not registered in this build are left out, so the bar never links to a
missing page. ``unread`` is the number of unread notifications shown beside 消息.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, url_for
from flask_login import current_user

from domain.enums import Role

R = Role
_DESK = (R.VILLAGE_STAFF, R.TOWNSHIP_STAFF, R.COUNTY_STAFF)
_EVERYONE = tuple(R)

# (endpoint, label, roles that use it)
ITEMS = [
    ("office.todo", "我的待办", _DESK + (R.PAIR_CADRE, R.DEPARTMENT)),
    ("portal.home", "工作台", _EVERYONE),
    ("office.inbox", "线索受理", _DESK),
    ("office.households", "农户台账", _DESK),
    ("office.overdue", "逾期", _DESK + (R.PAIR_CADRE, R.DEPARTMENT, R.CITY_STAFF, R.PROVINCE_STAFF)),
    ("office.tasks", "部门任务", (R.DEPARTMENT, R.COUNTY_STAFF)),
    ("warnings.index", "部门预警", _DESK + (R.DEPARTMENT, R.CITY_STAFF, R.PROVINCE_STAFF)),
    ("warnings.upload_form", "名单上传", (R.DEPARTMENT, R.COUNTY_STAFF)),
    ("campaigns.index", "集中排查", _DESK),
    ("office.lookback", "回头看", _DESK),
    ("office.unresolved_list", "两年未消除", _DESK),
    ("office.head_visits_page", "党政主职遍访", (R.TOWNSHIP_STAFF, R.COUNTY_STAFF)),
    ("office.dashboard", "统计", _DESK + (R.DEPARTMENT, R.ADMIN, R.CITY_STAFF, R.PROVINCE_STAFF)),
    ("office.measures", "措施库", (R.COUNTY_STAFF, R.TOWNSHIP_STAFF, R.VILLAGE_STAFF, R.DEPARTMENT)),
    ("register.upload_form", "导入档案", (R.COUNTY_STAFF, R.TOWNSHIP_STAFF)),
    ("admin.users", "账号", (R.ADMIN, R.COUNTY_STAFF)),
    ("admin.regions", "区划", (R.ADMIN, R.COUNTY_STAFF)),
    ("admin.settings", "参数设置", (R.ADMIN, R.COUNTY_STAFF, R.TOWNSHIP_STAFF)),
    ("admin.audit", "审计日志", (R.ADMIN, R.AUDITOR)),
    ("office.notifications", "消息", _EVERYONE),
]

# Set by the notification centre: a function (user) -> number of unread notifications.
UNREAD_COUNTER = "shoudi_unread_counter"


@dataclass(frozen=True)
class NavItem:
    url: str
    label: str
    badge: int = 0


def nav_items() -> list[NavItem]:
    if not current_user.is_authenticated:
        return []
    role = current_user.role_enum
    counter = current_app.extensions.get(UNREAD_COUNTER)
    items = []
    for endpoint, label, roles in ITEMS:
        if role not in roles or endpoint not in current_app.view_functions:
            continue
        badge = counter(current_user) if counter and endpoint == "office.notifications" else 0
        items.append(NavItem(url_for(endpoint), label, badge))
    return items
