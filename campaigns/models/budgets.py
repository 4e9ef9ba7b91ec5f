"""Budget plans and the append-only audit of every applied budget change."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy, pgettext_lazy

from campaigns.models.append_only import AppendOnlyModel
from campaigns.models.organizations import Organization
from campaigns.models.structure import Campaign


class RebalanceMode(models.TextChoices):
    DRY_RUN = "dry_run", gettext_lazy("Dry run (show only)")
    APPROVAL = "approval", gettext_lazy("Wait for approval")
    AUTO = "auto", gettext_lazy("Apply automatically")


class PlanStatus(models.TextChoices):
    PROPOSED = "proposed", pgettext_lazy("budget plan status", "Proposed")
    APPLYING = "applying", pgettext_lazy("budget plan status", "Applying")
    APPLIED = "applied", pgettext_lazy("budget plan status", "Applied")
    REJECTED = "rejected", pgettext_lazy("budget plan status", "Rejected")


class BudgetPolicy(models.Model):
    """An organization's budget settings: mode, limits and its kill switch."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="budget_policy")
    mode = models.CharField(max_length=10, choices=RebalanceMode.choices, default=RebalanceMode.DRY_RUN)
    max_change_percent = models.PositiveSmallIntegerField(default=20)
    monthly_cap_micros = models.BigIntegerField(null=True, blank=True)
    freshness_days = models.PositiveSmallIntegerField(default=2, help_text="metrics older than this are stale")
    kill_switch = models.BooleanField(default=False)

    class Meta:
        verbose_name = gettext_lazy("budget policy")
        verbose_name_plural = gettext_lazy("budget policies")
        constraints = [
            models.CheckConstraint(condition=Q(max_change_percent__lte=100), name="budgetpolicy_change_le_100"),
            models.CheckConstraint(
                condition=Q(monthly_cap_micros__isnull=True) | Q(monthly_cap_micros__gte=0),
                name="budgetpolicy_cap_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization}: {self.get_mode_display()}"


class GlobalKillSwitch(models.Model):
    """One row (pk=1): when engaged, no organization gets an automated budget change."""

    engaged = models.BooleanField(default=False)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = gettext_lazy("global kill switch")
        verbose_name_plural = gettext_lazy("global kill switches")

    def __str__(self) -> str:
        return "engaged" if self.engaged else "released"

    @classmethod
    def is_engaged(cls) -> bool:
        return cls.objects.filter(pk=1, engaged=True).exists()


class BudgetPlan(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="budget_plans")
    plan_date = models.DateField()
    version = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=10, choices=PlanStatus.choices, default=PlanStatus.PROPOSED)
    mode = models.CharField(max_length=10, choices=RebalanceMode.choices)
    total_micros = models.BigIntegerField()
    policy = models.CharField(max_length=100)
    notes = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["-plan_date", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "plan_date", "version"], name="budgetplan_unique_version"),
            models.CheckConstraint(condition=Q(total_micros__gte=0), name="budgetplan_total_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.plan_date} v{self.version} ({self.status})"


class BudgetPlanItem(models.Model):
    plan = models.ForeignKey(BudgetPlan, on_delete=models.CASCADE, related_name="items")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    before_micros = models.BigIntegerField()
    proposed_micros = models.BigIntegerField(help_text="what the policy asked for, before the invariants")
    after_micros = models.BigIntegerField()
    reasons = models.JSONField(default=list)
    posterior = models.JSONField(default=dict)
    propensity = models.FloatField(null=True, blank=True)
    forced_cut = models.BooleanField(default=False)

    class Meta:
        ordering = ["campaign__name"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "campaign"], name="budgetplanitem_unique_campaign"),
            models.CheckConstraint(
                condition=Q(before_micros__gte=0, proposed_micros__gte=0, after_micros__gte=0),
                name="budgetplanitem_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}: {self.before_micros} -> {self.after_micros}"


class BudgetChange(AppendOnlyModel):
    """One applied budget change; rows are only ever added (a rollback is a new row). A plan's change is keyed by
    its plan's date and version; a person's edit ("manual") by its day and its number that day."""

    audit_name = "budget changes"

    class Kind(models.TextChoices):
        REBALANCE = "rebalance", gettext_lazy("Rebalance")
        ROLLBACK = "rollback", gettext_lazy("Rollback")
        MANUAL = "manual", gettext_lazy("Set by hand")

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="budget_changes")
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="budget_changes")
    plan = models.ForeignKey(BudgetPlan, null=True, blank=True, on_delete=models.PROTECT, related_name="changes")
    plan_date = models.DateField()
    plan_version = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.REBALANCE)
    before_micros = models.BigIntegerField()
    after_micros = models.BigIntegerField()
    actor = models.CharField(max_length=120, help_text="automation:<policy> or user:<username>")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    reasons = models.JSONField(default=list)
    posterior = models.JSONField(default=dict)
    propensity = models.FloatField(null=True, blank=True)
    platform_response = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    can_roll_back: bool  # not a column: the budgets page sets it for its template

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "campaign", "plan_date", "plan_version", "kind"],
                name="budgetchange_exactly_once",
            ),
            models.CheckConstraint(
                condition=Q(before_micros__gte=0, after_micros__gte=0), name="budgetchange_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.plan_date}: {self.before_micros} -> {self.after_micros}"
