"""The campaign data model. Money is integer micros (1 currency unit = 1,000,000) everywhere."""

from campaigns.models.accounts import AccountConfirmation
from campaigns.models.audit import SettingsChange
from campaigns.models.budgets import (
    BudgetChange,
    BudgetPlan,
    BudgetPlanItem,
    BudgetPolicy,
    GlobalKillSwitch,
    PlanStatus,
    RebalanceMode,
)
from campaigns.models.credentials import CredentialPlatform, PlatformCredential
from campaigns.models.exports import ExportFindings
from campaigns.models.imports import ImportJob, MatchingJob
from campaigns.models.jobs import FINISHED_STATUSES, GenerationJob, JobStatus
from campaigns.models.metrics import (
    DAYS_ONLY,
    DailyMetric,
    MetricLevel,
    ReportImport,
    ReportKind,
    SearchTerm,
    SearchTermDaily,
    in_span,
    overlapping,
)
from campaigns.models.organizations import (
    InjectionPolicy,
    Invitation,
    Membership,
    Organization,
    Role,
    UserPreference,
)
from campaigns.models.structure import (
    Ad,
    AdGroup,
    BudgetType,
    Campaign,
    CampaignStatus,
    CampaignType,
    Keyword,
    KeywordLevel,
    MatchType,
    NegativeKeywordList,
    Platform,
)
from campaigns.models.suggestions import SearchTermMatch, Suggestion, SuggestionKind, SuggestionStatus

__all__ = [
    "AccountConfirmation",
    "InjectionPolicy",
    "Invitation",
    "SettingsChange",
    "CredentialPlatform",
    "ExportFindings",
    "FINISHED_STATUSES",
    "GenerationJob",
    "ImportJob",
    "MatchingJob",
    "JobStatus",
    "PlatformCredential",
    "UserPreference",
    "BudgetChange",
    "BudgetPlan",
    "BudgetPlanItem",
    "BudgetPolicy",
    "GlobalKillSwitch",
    "PlanStatus",
    "RebalanceMode",
    "Ad",
    "AdGroup",
    "Campaign",
    "CampaignStatus",
    "DAYS_ONLY",
    "BudgetType",
    "CampaignType",
    "DailyMetric",
    "in_span",
    "overlapping",
    "Keyword",
    "KeywordLevel",
    "MatchType",
    "Membership",
    "MetricLevel",
    "NegativeKeywordList",
    "Organization",
    "Platform",
    "ReportImport",
    "ReportKind",
    "Role",
    "SearchTerm",
    "SearchTermDaily",
    "SearchTermMatch",
    "Suggestion",
    "SuggestionKind",
    "SuggestionStatus",
]
