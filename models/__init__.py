"""Database models. Importing this package registers every table on ``db.metadata``."""
from models.audit import AuditArchive, AuditLog
from models.campaign import LedgerItem, VillageProblem, WeeklyReport
from models.case import Case, CaseEvent, EventEvidence
from models.delivery import ChannelPreference, Delivery, SubmissionWechat
from models.dibao import DibaoStandard
from models.farmer import ConsentWording, FormSubmission, PolicyText, ReviewRequest, ScanCount
from models.fieldwork import ApiToken, HeadVisit, PhotoUpload, ScreeningRound, Visit
from models.help import Evaluation, PlanMeasure
from models.household import Household, HouseholdIncome, Member
from models import labour  # noqa: F401  (keeps Household.without_labour true to its members)
from models.measure import Measure
from models.notification import Notification
from models.platform import Job, OutboxItem
from models.region import Region, RegionAlias
from models.rollup import DashboardRefresh, DashboardRisk, DashboardRollup, DashboardTrend  # noqa: F401  (the dashboard's roll-ups)
from models.settings import MonitoringLine, RegionPolicy, SettingChange
from models.user import User
from models.warning import DepartmentList, DepartmentRow, DepartmentWarning, WarningThreshold

__all__ = [
    "ApiToken", "AuditArchive", "AuditLog", "Case", "CaseEvent", "ChannelPreference", "Delivery", "SubmissionWechat", "ConsentWording", "DepartmentList",
    "DepartmentRow", "DepartmentWarning", "WarningThreshold", "LedgerItem", "VillageProblem", "WeeklyReport", "DibaoStandard", "Evaluation", "EventEvidence", "FormSubmission", "HeadVisit", "Household", "HouseholdIncome", "Job", "Member",
    "Measure", "MonitoringLine", "Notification", "OutboxItem", "PlanMeasure", "PhotoUpload", "PolicyText", "Region", "RegionAlias", "RegionPolicy", "ReviewRequest", "ScanCount", "SettingChange",
    "ScreeningRound", "User", "Visit",
]
