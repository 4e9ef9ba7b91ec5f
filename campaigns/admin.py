"""The Django admin for every model; staff who are not superusers see only their organizations' rows."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy

from campaigns import models
from campaigns.web.organizations import currency_choices, time_zone_choices
from campaigns.web.settings_page import BlockedTermsField


class OrganizationScopedAdmin(admin.ModelAdmin):
    organization_path = "organization"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**{f"{self.organization_path}__memberships__user": request.user})


class MembershipInline(admin.TabularInline):
    model = models.Membership
    extra = 0
    autocomplete_fields = ["user"]


class OrganizationAdminForm(forms.ModelForm):
    """Currency and time zone chosen from their lists; blocked terms one per line (the settings page's field), not
    the JSON list the model stores."""

    currency = forms.ChoiceField(
        choices=currency_choices, initial=models.Organization._meta.get_field("currency").default
    )
    time_zone = forms.ChoiceField(
        choices=time_zone_choices, initial=models.Organization._meta.get_field("time_zone").default
    )
    blocked_terms = BlockedTermsField(
        required=False,
        help_text=gettext_lazy(
            "One per line: generated text never contains them (whole words, ignoring case and accents)."
        ),
    )

    class Meta:
        model = models.Organization
        fields = ["name", "slug", "currency", "time_zone", "blocked_terms", "injection_policy"]


@admin.register(models.Organization)
class OrganizationAdmin(OrganizationScopedAdmin):
    organization_path = "pk"
    form = OrganizationAdminForm
    list_display = ["name", "slug", "currency", "time_zone"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = admin.ModelAdmin.get_queryset(self, request)
        return queryset if request.user.is_superuser else queryset.filter(memberships__user=request.user)


@admin.register(models.Membership)
class MembershipAdmin(OrganizationScopedAdmin):
    list_display = ["user", "organization", "role"]
    list_filter = ["role"]


@admin.register(models.Campaign)
class CampaignAdmin(OrganizationScopedAdmin):
    list_display = [
        "name",
        "organization",
        "platform",
        "status",
        "language",
        "currency",
        "daily_budget_micros",
        "monthly_cap_micros",
    ]
    list_filter = ["platform", "status", "organization"]
    search_fields = ["name", "external_id"]


@admin.register(models.AdGroup)
class AdGroupAdmin(OrganizationScopedAdmin):
    organization_path = "campaign__organization"
    list_display = ["name", "campaign", "status"]
    list_filter = ["status", "campaign__organization"]
    search_fields = ["name"]


@admin.register(models.NegativeKeywordList)
class NegativeKeywordListAdmin(OrganizationScopedAdmin):
    list_display = ["name", "organization"]


@admin.register(models.Keyword)
class KeywordAdmin(OrganizationScopedAdmin):
    list_display = ["text", "match_type", "negative", "level", "ad_group", "campaign", "shared_list", "status"]
    list_filter = ["match_type", "negative", "level", "status"]
    search_fields = ["text"]
    list_select_related = ["ad_group", "campaign", "shared_list"]


@admin.register(models.Ad)
class AdAdmin(OrganizationScopedAdmin):
    organization_path = "ad_group__campaign__organization"
    list_display = ["__str__", "ad_group", "path1", "path2", "status"]
    list_select_related = ["ad_group"]


@admin.register(models.DailyMetric)
class DailyMetricAdmin(OrganizationScopedAdmin):
    list_display = [
        "date",
        "level",
        "campaign",
        "ad_group",
        "keyword",
        "impressions",
        "clicks",
        "cost_micros",
        "conversions",
        "conversion_value_micros",
    ]
    list_filter = ["level", "organization"]
    date_hierarchy = "date"
    list_select_related = ["campaign", "ad_group", "keyword"]


@admin.register(models.SearchTerm)
class SearchTermAdmin(OrganizationScopedAdmin):
    list_display = ["text", "campaign", "ad_group"]
    search_fields = ["text"]
    list_select_related = ["campaign", "ad_group"]


@admin.register(models.SearchTermDaily)
class SearchTermDailyAdmin(OrganizationScopedAdmin):
    organization_path = "campaign__organization"
    list_display = ["search_term", "date", "keyword_text", "match_type", "clicks", "cost_micros", "conversions"]
    date_hierarchy = "date"
    list_select_related = ["search_term"]


@admin.register(models.ReportImport)
class ReportImportAdmin(OrganizationScopedAdmin):
    list_display = ["filename", "organization", "platform", "kind", "rows", "date_from", "date_to", "created_at"]
    list_filter = ["platform", "kind"]


@admin.register(models.BudgetPolicy)
class BudgetPolicyAdmin(OrganizationScopedAdmin):
    list_display = ["organization", "mode", "max_change_percent", "monthly_cap_micros", "freshness_days", "kill_switch"]


@admin.register(models.GlobalKillSwitch)
class GlobalKillSwitchAdmin(admin.ModelAdmin):
    list_display = ["pk", "engaged", "changed_at"]


class BudgetPlanItemInline(admin.TabularInline):
    model = models.BudgetPlanItem
    extra = 0
    can_delete = False
    readonly_fields = [
        "campaign",
        "before_micros",
        "proposed_micros",
        "after_micros",
        "reasons",
        "propensity",
        "forced_cut",
    ]
    exclude = ["posterior"]


@admin.register(models.BudgetPlan)
class BudgetPlanAdmin(OrganizationScopedAdmin):
    list_display = ["organization", "plan_date", "version", "status", "mode", "total_micros", "policy"]
    list_filter = ["status", "mode"]
    inlines = [BudgetPlanItemInline]


@admin.register(models.BudgetChange)
class BudgetChangeAdmin(OrganizationScopedAdmin):
    """Read-only: the audit is append-only."""

    list_display = ["created_at", "organization", "campaign", "kind", "before_micros", "after_micros", "actor"]
    list_filter = ["kind"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(models.PlatformCredential)
class PlatformCredentialAdmin(OrganizationScopedAdmin):
    """Which organizations have credentials, under which key; never the secrets (``manage.py set_credentials``)."""

    list_display = ["organization", "platform", "key_id", "updated_at"]
    list_filter = ["platform", "key_id"]
    fields = readonly_fields = ("organization", "platform", "key_id", "created_at", "updated_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
