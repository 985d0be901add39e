"""The 明白纸 (plain-language policy sheet): default texts, drawn from the seeds.

County staff may replace any section for their county, a township or a village; the nearest
region's text wins. Texts may name the region's deadlines as ``{identification_days}`` and
the like, so a village whose deadlines differ never shows the wrong number.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from domain.settings import PolicySettings

HOTLINE = "12317"  # 全国防止返贫监测和乡村振兴咨询服务热线


@dataclass(frozen=True)
class SectionSpec:
    key: str
    title: str
    default: str  # one item per line


SECTIONS: tuple[SectionSpec, ...] = (
    SectionSpec("intro", "写在前面", (
        "家里遇到困难，可以自己申报，也可以请村干部、网格员帮忙申报。\n"
        "符合条件的，政府会及时帮扶，防止因病、因灾、因意外等陷入困境。\n"
        "申报不收任何费用。")),
    SectionSpec("who", "哪些家庭可以申报", (
        "脱贫户，特别是家里没有劳动力、或者近几年收入一直在减少的\n"
        "家庭收入低，或者收入明显减少的\n"
        "分散供养的特困人员，特别是一个人生活的\n"
        "低保户，特别是全家没有劳动力、近两年新申请低保的\n"
        "家里有残疾人的，特别是刚致残或重度残疾的\n"
        "孩子多，特别是上高中、中专、大学的孩子多的\n"
        "主要靠外出打工，但活儿不稳定的\n"
        "老人单独生活，子女没有能力或不尽赡养义务的\n"
        "因为生病、受灾、出意外，花钱多或收入大减，生活出现严重困难的")),
    SectionSpec("help", "能得到哪些帮扶", (
        "开发式帮扶：发展庭院经济、小额信贷、公益岗位、帮扶车间就业、外出务工对接\n"
        "保障式帮扶：低保兜底、特困供养，生活不能自理的可以托管托养\n"
        "政策式帮扶：教育助学、雨露计划、医疗救助、先诊疗后付费、住房和饮水安全改造\n"
        "关怀式帮扶：看病上学花钱多、收入低的，发动社会力量关心帮助\n"
        "改善式帮扶：改善生产生活条件，纳入后先帮助改造厕所")),
    SectionSpec("steps", "怎么办、要多久", (
        "申报：扫码填表，或者找村干部、网格员代为申报\n"
        "入户核实：工作人员上门（家里没人的打电话、微信）了解情况\n"
        "村里评议公示：村里开会评议，公示不少于{notice_min_days}天\n"
        "乡镇审核、县里确定：从发现困难到确定，一般不超过{identification_days}天\n"
        "纳入后：{pairing_days}天内明确帮扶干部，帮扶干部{first_visit_days}天内上门，"
        "{help_plan_days}天内制定帮扶计划\n"
        "因灾、因病、因意外突然遇到严重困难的，走“绿色通道”，先帮扶、后认定")),
)


_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def render(text: str, settings: PolicySettings) -> list[str]:
    """The lines of a section with the region's numbers filled in.

    Only plain ``{name}`` placeholders of known settings are replaced (no format-string
    attribute access); anything else, stray braces included, stays as the staff typed it.
    """
    values = {name: str(getattr(settings, name)) for name in settings.__dataclass_fields__}
    lines = []
    for line in text.splitlines():
        line = line.strip()
        if line:
            lines.append(_PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), line))
    return lines


def section(key: str) -> SectionSpec:
    return next(s for s in SECTIONS if s.key == key)
