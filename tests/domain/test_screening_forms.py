"""The header layouts of seed 004's forms, checked against the seed's attachments: 附件1 到户排查表
(three header levels, 43 columns), 附件3 排查情况统计表 (two levels, 21 columns), 附件2 and 附件4."""
from datetime import date
from decimal import Decimal

from domain import screening_forms as forms
from domain.campaigns import ProblemArea
from domain.screening import QUESTION_KEYS

FORM1 = forms.form1_header(date(2021, 5, 1), date(2022, 4, 30), Decimal("7000"))


def _cell(cells, title):
    return next(c for c in cells if c.title == title)


def test_form1_has_the_seeds_columns_over_three_header_rows():
    leaves = forms.leaves(FORM1)
    assert len(leaves) == 43 and forms.depth(FORM1) == 3
    titles = [leaf.title for leaf in leaves]
    assert titles[:6] == ["序号", "村组", "户主姓名", "家庭人口数", "户属性（脱贫户、监测户、一般农户）",
                          "排查方式（入户排查、电话核查）"]
    assert titles[6] == "上年度家庭人均纯收入（2021年5月1日-2022年4月30日，单位：元）"
    assert titles[7] == "是否高于本市监测范围（7000元）"
    assert titles[-4:] == ["系统数据信息是否全面准确（脱贫户监测户填写）", "该户是否应纳入监测对象（非监测对象填写）",
                           "该户还存在哪些困难和诉求", "备注"]
    # Every question of the screening form has its column, once.
    question_keys = [leaf.key for leaf in leaves if leaf.key in QUESTION_KEYS]
    assert sorted(question_keys) == sorted(QUESTION_KEYS)


def test_form1_merges_its_groups_as_the_seed_draws_them():
    cells = forms.header_cells(FORM1)
    securities = _cell(cells, "“三保障”及饮水安全")
    assert (securities.row, securities.col, securities.last_row, securities.last_col) == (0, 9, 0, 12)
    groups = _cell(cells, "重点人群和特殊群体")
    assert (groups.row, groups.col, groups.last_col - groups.col + 1) == (0, 13, 17)
    lifted = _cell(cells, "脱贫户")
    assert (lifted.row, lifted.col, lifted.last_col) == (1, 14, 15)
    no_labour = _cell(cells, "是否整户无劳动力")
    assert (no_labour.row, no_labour.last_row) == (1, 2)  # a leaf under a group spans down to the last row
    assert (_cell(cells, "序号").row, _cell(cells, "序号").last_row) == (0, 2)
    assert _cell(cells, "是否2020年脱贫").row == 2
    assert [c.title for c in cells if c.row == 0 and c.merged and c.last_col > c.col] == [
        "“三保障”及饮水安全", "重点人群和特殊群体", "已消除风险监测对象", "脱贫户和监测对象帮扶措施落实"]


def test_form3_has_the_seeds_twenty_one_columns():
    header = forms.form3_header(2022)
    assert len(forms.leaves(header)) == 21 and forms.depth(header) == 2
    cells = forms.header_cells(header)
    survey = _cell(cells, "调查情况")
    assert (survey.col, survey.last_col) == (2, 3)
    assert _cell(cells, "脱贫户和已消除风险的监测对象2022年帮扶措施条数").row == 1
    assert set(forms.FORM3_ENTERED) <= {leaf.key for leaf in forms.leaves(header)}


def test_form2_and_form4_headers_and_titles():
    assert forms.FORM2_COLUMNS[:3] == ("序号", "乡镇", "行政村") and forms.FORM2_COLUMNS[-1] == "备注"
    assert len(forms.FORM2_COLUMNS) == 4 + len(ProblemArea) == 12
    assert forms.FORM4_COLUMNS == ("单位", "村（社区）", "户主姓名", "身份证号码", "问题类型", "具体问题", "整改措施",
                                   "整改责任人", "整改时限", "备注")
    assert forms.form1_title("马店镇", "青山村", 2022) == "马店镇青山村（社区）2022年防止返贫监测帮扶集中排查到户排查表"
    assert forms.form3_title(2022) == "2022年防止返贫监测帮扶集中排查情况统计表"
