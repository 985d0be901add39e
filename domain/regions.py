"""Rules for region codes (统计用区划代码) and the shape of the region tree.

Division codes are 12 digits down to the village: 2 for the province (then ten 0s), 4 for the
city (then eight), 6 for the county (then 000000), 9 for the township (then 000), 12 for the
village. Grids (网格/村民组) have local codes. A tree starts at a county, a city or a province.
"""
from __future__ import annotations

import re

from domain.enums import RegionLevel

_DIGITS12 = re.compile(r"^\d{12}$")
_LOCAL_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,19}$")

LEVEL_ALIASES: dict[str, RegionLevel] = {
    **{lvl.value: lvl for lvl in RegionLevel},
    "省": RegionLevel.PROVINCE, "自治区": RegionLevel.PROVINCE, "直辖市": RegionLevel.PROVINCE,
    "市": RegionLevel.CITY, "地市": RegionLevel.CITY, "地级市": RegionLevel.CITY, "州": RegionLevel.CITY,
    "盟": RegionLevel.CITY,
    "县": RegionLevel.COUNTY, "区": RegionLevel.COUNTY, "县/区": RegionLevel.COUNTY,
    "乡镇": RegionLevel.TOWNSHIP, "乡": RegionLevel.TOWNSHIP, "镇": RegionLevel.TOWNSHIP,
    "街道": RegionLevel.TOWNSHIP,
    "村": RegionLevel.VILLAGE, "社区": RegionLevel.VILLAGE, "村/社区": RegionLevel.VILLAGE,
    "网格": RegionLevel.GRID, "村民组": RegionLevel.GRID, "网格/村民组": RegionLevel.GRID,
}


def parse_level(text: str) -> RegionLevel | None:
    return LEVEL_ALIASES.get(text.strip())


def code_problem(code: str, level: RegionLevel) -> str | None:
    """Why ``code`` cannot be the code of a region at ``level``, or None when it can."""
    if level is RegionLevel.GRID:
        if not _LOCAL_CODE.match(code):
            return "网格代码应为1至20位字母、数字、横线或下划线"
        return None
    if not _DIGITS12.match(code):
        return "区划代码应为12位数字"
    if level is RegionLevel.PROVINCE and (not code.endswith("0" * 10) or code[:2] == "00"):
        return "省级区划代码后10位应为0，前2位不能为00"
    if level is RegionLevel.CITY and (not code.endswith("0" * 8) or code[2:4] == "00"):
        return "地市区划代码后8位应为0，第3至4位不能为00"
    if level is RegionLevel.COUNTY and not code.endswith("000000"):
        return "县级区划代码后6位应为000000"
    if level is RegionLevel.TOWNSHIP and (not code.endswith("000") or code.endswith("000000")):
        return "乡镇区划代码后3位应为000，且第7至9位不能全为0"
    if level is RegionLevel.VILLAGE and code.endswith("000"):
        return "村级区划代码后3位不能为000"
    return None


def parent_problem(level: RegionLevel, code: str, parent_level: RegionLevel | None,
                   parent_code: str | None) -> str | None:
    """Why a node at ``level`` cannot hang under the given parent, or None when it can."""
    if level is RegionLevel.PROVINCE:
        return None if parent_level is None else "省级区划不能有上级"
    if level is RegionLevel.COUNTY and parent_level is None:
        return None  # a deployment for one county starts there
    if level is RegionLevel.CITY and parent_level is None:
        return None  # a deployment for one city starts there
    if parent_level is None:
        return "缺少上级区划"
    if parent_level.child_level() is not level:
        return f"{level.label}的上级应为{_expected_parent(level).label}，而不是{parent_level.label}"
    if level is RegionLevel.CITY and code[:2] != (parent_code or "")[:2]:
        return "地市区划代码前2位应与所属省一致"
    if level is RegionLevel.COUNTY and code[:4] != (parent_code or "")[:4]:
        return "县级区划代码前4位应与所属地市一致"
    if level is RegionLevel.TOWNSHIP and code[:6] != (parent_code or "")[:6]:
        return "乡镇区划代码前6位应与所属县一致"
    if level is RegionLevel.VILLAGE and code[:9] != (parent_code or "")[:9]:
        return "村级区划代码前9位应与所属乡镇一致"
    return None


def _expected_parent(level: RegionLevel) -> RegionLevel:
    order = list(RegionLevel)
    return order[order.index(level) - 1]
