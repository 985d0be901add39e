"""Static material for the demo: the region tree, staff accounts and the measure library.

The county code 341599 is fictitious (六安市 has no such county); every ID number made for the
demo carries it, so demo data can never be mistaken for a real person's.
"""
from domain.enums import Department, HelpKind, RiskType

DEMO_PASSWORD = "shoudi-demo-2026"

# The county lies in a real province and city, so the roll-up to 地市 and 省 can be shown.
PROVINCE = ("340000000000", "安徽省")
CITY = ("341500000000", "六安市")
COUNTY = ("341599000000", "守底示范县")
TOWNSHIPS = [
    ("341599101000", "青山镇", [("341599101001", "青山村"), ("341599101002", "石门村")]),
    ("341599102000", "柳溪乡", [("341599102001", "柳溪村"), ("341599102002", "桃园社区")]),
]
GRIDS_PER_VILLAGE = 3
HOUSEHOLDS_PER_VILLAGE = 50

# (username, name, role, region code, department, phone). Phones are fictitious (170 numbers);
# village staff and grid workers appear with them on the policy page as tap-to-call contacts.
STAFF = [
    ("admin", "系统管理员", "admin", "340000000000", None, None),
    ("province", "省乡村振兴局 何静", "province_staff", "340000000000", None, None),
    ("city", "市乡村振兴局 孙伟", "city_staff", "341500000000", None, None),
    ("auditor", "县纪委监委 林涛", "auditor", "341599000000", None, None),
    ("county", "县乡村振兴局 周明", "county_staff", "341599000000", None, None),
    ("minzheng", "县民政局 吴芳", "department", "341599000000", Department.CIVIL_AFFAIRS.value, None),
    ("yibao", "县医保局 许亮", "department", "341599000000", Department.MEDICAL_INSURANCE.value, None),
    ("township", "青山镇工作站 郑强", "township_staff", "341599101000", None, None),
    ("township2", "柳溪乡工作站 钱丽", "township_staff", "341599102000", None, None),
    ("village", "青山村第一书记 王磊", "village_staff", "341599101001", None, "17000000101"),
    ("village2", "石门村村委 冯敏", "village_staff", "341599101002", None, "17000000102"),
    ("grid", "青山村网格员 李娟", "grid_worker", "341599101001-01", None, "17000000201"),
    ("cadre", "结对帮扶干部 陈刚", "pair_cadre", "341599101001", None, None),
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰凤梅建国志红德福春海文"

R = RiskType
# (name, kind, department, risk types answered)
MEASURES = [
    ("发展庭院经济", HelpKind.DEVELOPMENT, Department.AGRICULTURE, [R.LACK_FUNDS, R.LACK_SKILLS]),
    ("发展林下经济", HelpKind.DEVELOPMENT, Department.AGRICULTURE, [R.LACK_FUNDS, R.FAILED_INDUSTRY]),
    ("脱贫人口小额信贷", HelpKind.DEVELOPMENT, Department.RURAL_REVITALIZATION, [R.LACK_FUNDS]),
    ("消费帮扶", HelpKind.DEVELOPMENT, Department.RURAL_REVITALIZATION, [R.FAILED_INDUSTRY]),
    ("乡村公益性岗位", HelpKind.DEVELOPMENT, Department.HUMAN_RESOURCES, [R.UNSTABLE_WORK, R.LACK_LABOUR]),
    ("帮扶车间就业", HelpKind.DEVELOPMENT, Department.HUMAN_RESOURCES, [R.UNSTABLE_WORK]),
    ("劳务协作转移就业", HelpKind.DEVELOPMENT, Department.HUMAN_RESOURCES, [R.UNSTABLE_WORK, R.EPIDEMIC]),
    ("职业技能培训", HelpKind.DEVELOPMENT, Department.HUMAN_RESOURCES, [R.LACK_SKILLS]),
    ("农村低保兜底", HelpKind.SECURITY, Department.CIVIL_AFFAIRS, [R.LACK_LABOUR, R.ILLNESS, R.DISABILITY]),
    ("特困人员供养", HelpKind.SECURITY, Department.CIVIL_AFFAIRS, [R.LACK_LABOUR]),
    ("托管托养", HelpKind.SECURITY, Department.CIVIL_AFFAIRS, [R.DISABILITY, R.LACK_LABOUR]),
    ("临时救助", HelpKind.SECURITY, Department.CIVIL_AFFAIRS, [R.DISASTER, R.ACCIDENT, R.ILLNESS]),
    ("教育助学", HelpKind.POLICY, Department.EDUCATION, [R.SCHOOLING, R.DROPOUT]),
    ("雨露计划", HelpKind.POLICY, Department.RURAL_REVITALIZATION, [R.SCHOOLING]),
    ("医疗救助", HelpKind.POLICY, Department.MEDICAL_INSURANCE, [R.ILLNESS]),
    ("先诊疗后付费", HelpKind.POLICY, Department.HEALTH, [R.ILLNESS]),
    ("城乡居民医保参保资助", HelpKind.POLICY, Department.MEDICAL_INSURANCE, [R.NO_INSURANCE]),
    ("一次性交通补贴", HelpKind.POLICY, Department.HUMAN_RESOURCES, [R.UNSTABLE_WORK]),
    ("农村危房改造", HelpKind.POLICY, Department.HOUSING, [R.HOUSING, R.DISASTER]),
    ("饮水安全保障", HelpKind.POLICY, Department.WATER, [R.WATER]),
    ("残疾人两项补贴", HelpKind.POLICY, Department.DISABLED_FEDERATION, [R.DISABILITY]),
    ("社会帮扶（慈善救助）", HelpKind.CARE, None, [R.ILLNESS, R.SCHOOLING, R.ACCIDENT]),
    ("结对关爱走访", HelpKind.CARE, None, [R.OTHER]),
    ("户厕改造", HelpKind.IMPROVEMENT, Department.AGRICULTURE, [R.HOUSING, R.OTHER]),
    ("人居环境整治", HelpKind.IMPROVEMENT, Department.AGRICULTURE, [R.HOUSING]),
]
