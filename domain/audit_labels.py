"""The audit log's action and object codes, in the words the audit page shows.

The log stores short English codes (``services.platform.audit.record``); a code missing here is
shown as it is, so a new action never breaks the page. Collected from every ``audit.record``
call; keep them in step when a new one is added.
"""
from __future__ import annotations

ACTIONS: dict[str, str] = {
    "read": "查看",
    "search": "查找",
    "create": "新建",
    "update": "修改",
    "transition": "办理环节",
    "export": "导出",
    "download": "下载",
    "import": "导入",
    "import_register": "导入农户档案",
    "import_register_preview": "导入检查",
    "import_create": "导入新建",
    "import_update": "导入更新",
    "member_joined": "成员增加",
    "member_left": "成员减少",
    "rename": "改名",
    "merge": "合并",
    "track": "查询进度",
    "login": "登录",
    "logout": "退出",
    "login_failed": "登录失败",
    "login_locked": "账号锁定",
    "unlock": "解锁",
    "password_reset": "重置密码",
    "token_issued": "签发令牌",
    "token_revoked": "吊销令牌",
    "start_job": "发起任务",
    "retry_job": "重试任务",
    "archive": "归档",
    "deactivate": "停用",
    "activate": "启用",
    "delete": "删除",
    "submit": "报送",
    "return": "退回",
}

OBJECT_TYPES: dict[str, str] = {
    "household": "农户",
    "member": "家庭成员",
    "case": "案件",
    "channel_preference": "消息接收方式",
    "visit": "走访",
    "photo": "照片",
    "signature": "签名",
    "evidence": "佐证材料",
    "household_income": "家庭收入",
    "help_plan": "帮扶计划",
    "plan_measure": "帮扶措施（计划）",
    "measure": "措施库",
    "evaluation": "帮扶评估",
    "notice": "公示",
    "announcement": "公告",
    "confirmation_notice": "确认通知",
    "monitoring_line": "监测标准",
    "policy_text": "政策文本",
    "region_policy": "区划参数",
    "setting": "参数设置",
    "region": "区划",
    "user": "账号",
    "job": "任务",
    "overdue_list": "逾期清单",
    "audit_log": "审计日志",
    "audit_archive": "审计日志归档",
    "dibao_standard": "低保标准",
    "head_visit": "党政主职遍访",
    "review_request": "复核申请",
    "department_list": "部门名单",
    "department_row": "部门名单数据",
    "department_warning": "部门预警",
    "warning_threshold": "部门预警标准",
    "screening_round": "集中排查",
    "village_problem": "村级排查问题",
    "ledger_item": "问题整改台账",
    "weekly_report": "每周报送",
}


def action_label(code: str | None) -> str:
    return ACTIONS.get(code or "", code or "")


def object_label(code: str | None) -> str:
    return OBJECT_TYPES.get(code or "", code or "")
