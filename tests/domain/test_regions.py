"""Region codes and the tree's shape (统计用区划代码), province and city levels included."""
from __future__ import annotations

import pytest

from domain.enums import RegionLevel as L
from domain.regions import code_problem, parent_problem, parse_level


@pytest.mark.parametrize("text, level", [("省", L.PROVINCE), ("自治区", L.PROVINCE), ("地市", L.CITY),
                                         ("市", L.CITY), ("州", L.CITY), ("县", L.COUNTY), ("街道", L.TOWNSHIP),
                                         ("社区", L.VILLAGE), ("村民组", L.GRID), (" city ", L.CITY)])
def test_level_names_officials_write(text, level):
    assert parse_level(text) is level


@pytest.mark.parametrize("code, level", [("340000000000", L.PROVINCE), ("341500000000", L.CITY),
                                         ("341522000000", L.COUNTY), ("341522101000", L.TOWNSHIP),
                                         ("341522101001", L.VILLAGE), ("G-01", L.GRID)])
def test_well_formed_codes(code, level):
    assert code_problem(code, level) is None


@pytest.mark.parametrize("code, level, says", [
    ("341500000000", L.PROVINCE, "后10位"), ("000000000000", L.PROVINCE, "前2位"),
    ("341522000000", L.CITY, "后8位"), ("340000000000", L.CITY, "第3至4位"),
    ("341522101000", L.COUNTY, "000000"), ("34152210100", L.VILLAGE, "12位"),
])
def test_malformed_codes_say_what_is_wrong(code, level, says):
    assert says in code_problem(code, level)


def test_a_tree_may_start_at_a_province_a_city_or_a_county():
    assert parent_problem(L.PROVINCE, "340000000000", None, None) is None
    assert parent_problem(L.CITY, "341500000000", None, None) is None
    assert parent_problem(L.COUNTY, "341522000000", None, None) is None
    assert parent_problem(L.TOWNSHIP, "341522101000", None, None) == "缺少上级区划"


def test_each_level_hangs_under_the_level_above_with_a_matching_code():
    assert parent_problem(L.CITY, "341500000000", L.PROVINCE, "340000000000") is None
    assert parent_problem(L.COUNTY, "341522000000", L.CITY, "341500000000") is None
    assert parent_problem(L.CITY, "351500000000", L.PROVINCE, "340000000000") == "地市区划代码前2位应与所属省一致"
    assert parent_problem(L.COUNTY, "341622000000", L.CITY, "341500000000") == "县级区划代码前4位应与所属地市一致"
    assert parent_problem(L.COUNTY, "341522000000", L.PROVINCE, "340000000000") == "县的上级应为地市，而不是省"
    assert parent_problem(L.PROVINCE, "340000000000", L.CITY, "341500000000") == "省级区划不能有上级"
