"""What a staff member sees on landing: their region, what lies in scope, what their role does."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.enums import Department, Role
from models import User
from services.farmer import policy
from services.households import records
from services.regions import settings, settings_page, tree
from services.warnings import lists, views as warning_views
from services.workflow import cases

# Roles that visit households and use the field app first.
FIELD_ROLES = (Role.GRID_WORKER.value, Role.PAIR_CADRE.value, Role.VILLAGE_STAFF.value)

ROLE_DUTIES = {
    Role.GRID_WORKER: "入户走访排查，核实指派给您的线索，为农户代申报。",
    Role.PAIR_CADRE: "结对后7天内首次走访，参与制定帮扶计划，跟踪措施落实。",
    Role.VILLAGE_STAFF: "受理线索并指派核实人，组织民主评议和公示，提出风险消除名单。",
    Role.TOWNSHIP_STAFF: "审核村级上报（谁核查、谁签字、谁负责），明确结对帮扶干部。",
    Role.COUNTY_STAFF: "确定监测对象，维护监测范围和帮扶措施库，审定风险消除。",
    Role.DEPARTMENT: "共享部门数据形成预警，落实交办给本部门的帮扶措施。",
    Role.ADMIN: "管理账号、区划和各地参数设置。",
    Role.CITY_STAFF: "查看所辖各县的线索办理、监测帮扶和逾期情况，督促落实。",
    Role.PROVINCE_STAFF: "查看所辖各地市、各县的线索办理、监测帮扶和逾期情况，督促落实。",
    Role.AUDITOR: "查阅本辖区的审计日志：谁在什么时候查看、修改了什么。",
}


@dataclass(frozen=True)
class Landing:
    user_name: str
    role_label: str
    region_chain: str
    region_code: str
    households: int
    open_cases: int
    duties: str
    department: str | None
    scans_30_days: int
    may_edit_policy: bool
    field_work: bool
    # Counties whose monitoring line for this year is not set yet (county staff and admins):
    # the year silently uses the latest earlier line until someone sets it.
    line_gaps: tuple[settings_page.LineGap, ...] = ()
    may_set_lines: bool = False
    # 部门筛查预警: who sends department lists, and who reads the warnings and their answers.
    sends_lists: bool = False
    reads_warnings: bool = False


def landing_for(user: User, today: date) -> Landing:
    department = Department(user.department).label if user.department else None
    return Landing(
        user_name=user.full_name, role_label=user.role_enum.label,
        region_chain=" / ".join(r.name for r in tree.chain(user.region)), region_code=user.region.code,
        households=records.count_in_scope(user), open_cases=cases.count_open_in_scope(user),
        duties=ROLE_DUTIES[user.role_enum], department=department,
        scans_30_days=policy.scans_in_scope(user, today),
        may_edit_policy=policy.may_edit_texts(user),
        field_work=user.role in FIELD_ROLES,
        line_gaps=tuple(settings_page.line_gaps(user, today.year)), may_set_lines=settings.may_change(user),
        sends_lists=lists.may_upload(user), reads_warnings=warning_views.may_view(user))
