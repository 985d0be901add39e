"""The vocabulary of the policy: roles, region levels, household and case attributes.

Each enum's value is the stable code stored in the database; ``label`` is the Chinese text
shown to people. Codes never change once data exists; labels may.
"""
from enum import Enum


class LabelledEnum(str, Enum):
    """A string enum whose members carry a Chinese label: ``Member("code", "标签")``."""

    def __new__(cls, code: str, label: str):
        obj = str.__new__(cls, code)
        obj._value_ = code
        obj.label = label
        return obj

    def __str__(self) -> str:  # the code, so f-strings and SQL parameters stay stable
        return self.value

    @classmethod
    def codes(cls) -> list[str]:
        return [m.value for m in cls]

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(m.value, m.label) for m in cls]


class RegionLevel(LabelledEnum):
    # A deployment may start at the county, or serve a city or a whole province above it.
    PROVINCE = ("province", "省")
    CITY = ("city", "地市")
    COUNTY = ("county", "县")
    TOWNSHIP = ("township", "乡镇")
    VILLAGE = ("village", "村/社区")
    GRID = ("grid", "网格/村民组")

    def child_level(self) -> "RegionLevel | None":
        order = list(RegionLevel)
        i = order.index(self)
        return order[i + 1] if i + 1 < len(order) else None

    @property
    def above_county(self) -> bool:
        return self in (RegionLevel.PROVINCE, RegionLevel.CITY)


class Role(LabelledEnum):
    GRID_WORKER = ("grid_worker", "网格员")
    PAIR_CADRE = ("pair_cadre", "结对帮扶干部")
    VILLAGE_STAFF = ("village_staff", "村级工作人员")
    TOWNSHIP_STAFF = ("township_staff", "乡镇工作人员")
    COUNTY_STAFF = ("county_staff", "县级工作人员")
    DEPARTMENT = ("department", "行业部门")
    ADMIN = ("admin", "系统管理员")
    CITY_STAFF = ("city_staff", "市级工作人员")
    PROVINCE_STAFF = ("province_staff", "省级工作人员")
    # 纪检监察 / 审计: reads the audit log of their region, never the records themselves.
    AUDITOR = ("auditor", "审计监督人员")


# The level of region node each role is bound to. Grid workers may also be bound to a village
# when the village is not divided into grids; pair cadres to a village or township.
ROLE_REGION_LEVELS: dict[Role, tuple[RegionLevel, ...]] = {
    Role.GRID_WORKER: (RegionLevel.GRID, RegionLevel.VILLAGE),
    Role.PAIR_CADRE: (RegionLevel.VILLAGE, RegionLevel.TOWNSHIP),
    Role.VILLAGE_STAFF: (RegionLevel.VILLAGE,),
    Role.TOWNSHIP_STAFF: (RegionLevel.TOWNSHIP,),
    Role.COUNTY_STAFF: (RegionLevel.COUNTY,),
    Role.DEPARTMENT: (RegionLevel.COUNTY,),
    Role.ADMIN: (RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.COUNTY),
    Role.CITY_STAFF: (RegionLevel.CITY,),
    Role.PROVINCE_STAFF: (RegionLevel.PROVINCE,),
    Role.AUDITOR: (RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.COUNTY),
}


class Department(LabelledEnum):
    EDUCATION = ("education", "教育")
    HEALTH = ("health", "卫健")
    MEDICAL_INSURANCE = ("medical_insurance", "医保")
    HOUSING = ("housing", "住建")
    WATER = ("water", "水利")
    CIVIL_AFFAIRS = ("civil_affairs", "民政")
    DISABLED_FEDERATION = ("disabled_federation", "残联")
    EMERGENCY = ("emergency", "应急")
    HUMAN_RESOURCES = ("human_resources", "人社")
    AGRICULTURE = ("agriculture", "农业农村")
    RURAL_REVITALIZATION = ("rural_revitalization", "乡村振兴")


class HouseholdAttribute(LabelledEnum):
    LIFTED = ("lifted", "脱贫户")
    MONITORED = ("monitored", "监测户")
    ORDINARY = ("ordinary", "一般农户")


class MonitoringCategory(LabelledEnum):
    UNSTABLE_LIFTED = ("unstable_lifted", "脱贫不稳定户")
    MARGINAL = ("marginal", "边缘易致贫户")
    SUDDEN_HARDSHIP = ("sudden_hardship", "突发严重困难户")


class RiskType(LabelledEnum):
    ILLNESS = ("illness", "因病")
    DISABILITY = ("disability", "因残")
    SCHOOLING = ("schooling", "因学")
    DISASTER = ("disaster", "因灾")
    ACCIDENT = ("accident", "因意外事故")
    EPIDEMIC = ("epidemic", "因疫")
    LACK_LABOUR = ("lack_labour", "缺劳力")
    LACK_SKILLS = ("lack_skills", "缺技术")
    LACK_FUNDS = ("lack_funds", "缺资金")
    UNSTABLE_WORK = ("unstable_work", "务工就业不稳")
    FAILED_INDUSTRY = ("failed_industry", "产业项目失败")
    HOUSING = ("housing", "住房安全")
    WATER = ("water", "饮水安全")
    DROPOUT = ("dropout", "义务教育（辍学）")
    NO_INSURANCE = ("no_insurance", "基本医疗（未参保）")
    OTHER = ("other", "其他")


class KeyGroup(LabelledEnum):
    """The nine key groups to watch (九类重点人群, seed 004)."""

    LIFTED = ("lifted", "脱贫户（特别是2020年脱贫、整户无劳动力或近三年收入持续减少）")
    LOW_INCOME = ("low_income", "家庭人均纯收入较低或明显减少的农户")
    EXTREME_POVERTY = ("extreme_poverty", "分散特困供养人员（特别是单人户）")
    MINIMUM_LIVING = ("minimum_living", "农村低保对象（特别是整户无劳动力、近两年新识别和申请低保）")
    DISABLED = ("disabled", "农村残疾人家庭（特别是新致残和重度残疾）")
    MANY_CHILDREN = ("many_children", "多子女特别是非义务教育阶段在读子女较多的农户")
    UNSTABLE_MIGRANT = ("unstable_migrant", "务工收入占比高但务工时间不稳定的农户")
    ELDERLY_ALONE = ("elderly_alone", "分户独居且子女无赡养能力或不履行赡养义务的老人户")
    SUDDEN_HARDSHIP = ("sudden_hardship", "因病因灾因意外事故刚性支出较大或收入大幅缩减的农户")


class Relation(LabelledEnum):
    HEAD = ("head", "户主")
    SPOUSE = ("spouse", "配偶")
    CHILD = ("child", "子女")
    CHILD_IN_LAW = ("child_in_law", "儿媳/女婿")
    GRANDCHILD = ("grandchild", "孙子女")
    PARENT = ("parent", "父母")
    GRANDPARENT = ("grandparent", "祖父母")
    SIBLING = ("sibling", "兄弟姐妹")
    OTHER = ("other", "其他")


class Health(LabelledEnum):
    HEALTHY = ("healthy", "健康")
    CHRONIC = ("chronic", "长期慢性病")
    SERIOUS_ILLNESS = ("serious_illness", "患有大病")
    DISABLED = ("disabled", "残疾")


class LabourCapacity(LabelledEnum):
    ORDINARY = ("ordinary", "普通劳动力")
    SKILLED = ("skilled", "技能劳动力")
    WEAK = ("weak", "弱劳动力或半劳动力")
    LOST = ("lost", "丧失劳动力")
    NONE = ("none", "无劳动力")

    @property
    def can_work(self) -> bool:
        """Labour capacity in the sense of the help rules (有劳动能力或弱劳动力)."""
        return self in (LabourCapacity.ORDINARY, LabourCapacity.SKILLED, LabourCapacity.WEAK)


class Schooling(LabelledEnum):
    PRESCHOOL = ("preschool", "学前")
    COMPULSORY = ("compulsory", "义务教育")
    HIGH_SCHOOL = ("high_school", "高中")
    VOCATIONAL = ("vocational", "中职")
    COLLEGE = ("college", "高校")


class Gender(LabelledEnum):
    MALE = ("male", "男")
    FEMALE = ("female", "女")


class MemberStatus(LabelledEnum):
    """Whether a person still belongs to the household (自然变更). People are never deleted: one
    who dies, marries out or moves out stays on record with the date and reason."""

    PRESENT = ("present", "在户")
    DECEASED = ("deceased", "死亡")
    MARRIED_OUT = ("married_out", "婚出")
    MOVED_OUT = ("moved_out", "迁出")
    OTHER_LEFT = ("other_left", "其他原因减少")


class JoinReason(LabelledEnum):
    """How a person came to join a household after it was registered."""

    BORN = ("born", "新生儿")
    MARRIED_IN = ("married_in", "婚入")
    MOVED_IN = ("moved_in", "迁入")
    OTHER = ("other", "其他原因增加")


class IncomeSource(LabelledEnum):
    """Where a year's income record came from."""

    IMPORT = ("import", "全国系统导入")
    VISIT = ("visit", "走访核实")
    STAFF = ("staff", "工作人员录入")


class CaseSource(LabelledEnum):
    SELF_REPORT = ("self_report", "农户自主申报")
    PROXY_REPORT = ("proxy_report", "代申报")
    GRID_VISIT = ("grid_visit", "干部排查/网格反馈")
    DEPARTMENT_WARNING = ("department_warning", "部门筛查预警")
    PETITION_MEDIA = ("petition_media", "媒体/信访/舆情（旧分类）")
    PETITION = ("petition", "信访")
    MEDIA = ("media", "媒体/舆情")
    HOTLINE = ("hotline", "12317热线")


class HelpKind(LabelledEnum):
    """The five kinds of help (五帮, seed 000)."""

    DEVELOPMENT = ("development", "开发式")
    SECURITY = ("security", "保障式")
    POLICY = ("policy", "政策式")
    CARE = ("care", "关怀式")
    IMPROVEMENT = ("improvement", "改善式")


class MeasureStatus(LabelledEnum):
    """A measure of a help plan, followed to done by whoever is responsible (seed 000)."""

    PLANNED = ("planned", "已安排")
    IN_PROGRESS = ("in_progress", "落实中")
    DONE = ("done", "已落实")
    CANCELLED = ("cancelled", "已取消")


class NotificationKind(LabelledEnum):
    DUE_SOON = ("due_soon", "即将到期")
    OVERDUE = ("overdue", "已逾期")
    ASSIGNED = ("assigned", "新的待办")
    MEASURE = ("measure", "措施交办")
    WARNING_ANSWERED = ("warning", "预警已反馈")
    ESCALATED = ("escalated", "逾期升级")  # a step overdue by N days, told to the desk above
