"""Names for ``flask seed-scale``: people (surname and given-name lists, surnames weighted the way
they are spread in the countryside) and places (two-character place names with their suffixes).

Every name is drawn from the generator's own ``random.Random``, so one seed gives one province.
"""
from __future__ import annotations

import random
from itertools import accumulate

# The hundred commonest surnames, commonest first; the weights fall off like their shares do.
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
            "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵"
            "万钱严覃武戴莫孔向汤")
_SURNAME_WEIGHTS = list(accumulate(1 / (rank + 6) for rank in range(len(SURNAMES))))

MALE_GIVEN = "伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆旭宁龙林洋志建国春海文德福贵成荣庆山松柏东"
FEMALE_GIVEN = "芳娜敏静丽艳娟霞秀英桂兰凤梅玉红燕萍琴云莲珍雪琳晶婷慧佳倩春花翠菊香"

_PLACE_FIRST = "青云龙临安桐白松泉柳枫凤兰梅桃竹金银清明春华阳平宁丰和顺永兴福康新太长乐高石黄红"
_PLACE_SECOND = "山水川江河湖溪岭峰原林田源泉州阳城坪湾坝冲塘桥岗庄集店"


def surname(rng: random.Random) -> str:
    return rng.choices(SURNAMES, cum_weights=_SURNAME_WEIGHTS)[0]


def given_name(rng: random.Random, male: bool) -> str:
    """One or (seven times in ten) two characters, from the list for the person's sex."""
    chars = MALE_GIVEN if male else FEMALE_GIVEN
    return rng.choice(chars) + (rng.choice(chars) if rng.random() < 0.7 else "")


def person(rng: random.Random, male: bool, family: str | None = None) -> str:
    return (family or surname(rng)) + given_name(rng, male)


class PlaceNames:
    """Place names, none repeated among the children of one parent."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def children(self, count: int, suffix: str | tuple[str, ...]) -> list[str]:
        """``count`` different names with the suffix (or one of the suffixes, at random)."""
        suffixes = (suffix,) if isinstance(suffix, str) else suffix
        names: list[str] = []
        taken: set[str] = set()
        while len(names) < count:
            stem = self.rng.choice(_PLACE_FIRST) + self.rng.choice(_PLACE_SECOND)
            if len(taken) >= len(_PLACE_FIRST) * len(_PLACE_SECOND) // 2:
                stem += str(len(names) + 1)  # never met at real sizes; keeps the loop finite
            if stem in taken:
                continue
            taken.add(stem)
            names.append(stem + self.rng.choice(suffixes))
        return names
