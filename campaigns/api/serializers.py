"""API representations. Money is integer micros; budgets are read-only here (they change only through the
rebalancing flow, under its invariants)."""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ValidationError as ModelValidationError
from django.core.validators import RegexValidator
from django.db.models import Field, Model
from rest_framework import serializers

from campaigns.api.permissions import EDIT_ROLES, organizations_of
from campaigns.exporters.validation import ad_findings
from campaigns.models import (
    Ad,
    AdGroup,
    Campaign,
    DailyMetric,
    Invitation,
    Keyword,
    Membership,
    Organization,
    ReportImport,
    SearchTerm,
    Suggestion,
)
from campaigns.models.validators import validate_currency
from campaigns.services.policy import MAX_BLOCKED_TERM_CHARS, MAX_BLOCKED_TERMS, clean_blocked_terms
from campaigns.services.suggestions import AD_TEXT_FIELDS, SuggestionError, clean_ad_text


def clean_keyword_text(value: str) -> str:
    text = " ".join(value.split())
    if len(text) > 80 or len(text.split()) > 10:
        raise serializers.ValidationError("A keyword has at most 80 characters and 10 words.")
    return text


class EditableRelatedField(serializers.PrimaryKeyRelatedField):
    """A foreign key that only accepts rows of organizations where the caller holds the view's ``write_roles``:
    the *target* organization decides, for create and update (owners only for memberships; owners and editors
    elsewhere; owners and editors when no view names roles, as for the exports' inputs).

    Anything else is "does not exist", so the API never confirms another organization's ids.
    """

    def __init__(self, organization_path: str, **kwargs) -> None:
        self.organization_path = organization_path
        super().__init__(**kwargs)

    def get_queryset(self):
        user = self.context["request"].user
        roles = getattr(self.context.get("view"), "write_roles", EDIT_ROLES)
        writable = organizations_of(user, roles)
        key = f"{self.organization_path}__in" if self.organization_path != "pk" else "pk__in"
        queryset = super().get_queryset()
        assert queryset is not None  # every EditableRelatedField is given its queryset
        return queryset.filter(**{key: writable})


_Row = TypeVar("_Row", bound=Model)


class ConstrainedSerializer(serializers.ModelSerializer[_Row]):
    """Writes that break a model constraint (a check or a uniqueness rule) are a 400 naming it, not a database error.

    The fields' own validators catch the usual cases with a clearer message; this is the net under them.

    Ownership is set once: the foreign keys in ``placed_by`` put the row in a tenant (its organization, or the
    parent that belongs to one) and never change after creation. An update that gives another value is a 400
    naming the field, checked before anything else; repeating the current value (a PUT) is accepted.
    """

    placed_by: tuple[str, ...] = ()

    def to_internal_value(self, data):
        instance = self.instance
        if instance is not None and hasattr(data, "get"):
            moved = [
                name
                for name in self.placed_by
                if name in data and str(data.get(name)) != str(getattr(instance, f"{name}_id"))
            ]
            if moved:
                errors = {}
                for name in moved:
                    field = instance._meta.get_field(name)
                    assert isinstance(field, Field)  # placed_by names foreign keys
                    errors[name] = [
                        f"The {field.verbose_name} is set when the {instance._meta.verbose_name} is "
                        "created and cannot change."
                    ]
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)

    def create(self, validated_data: dict) -> _Row:
        return self._checked_save(self.Meta.model(**validated_data))  # type: ignore[misc]  # the stubs' Meta.model

    # True: an update saves only the fields it was given (other fields of the row are written elsewhere, under a lock)
    saves_given_fields_only = False

    def update(self, instance: _Row, validated_data: dict) -> _Row:
        for name, value in validated_data.items():
            setattr(instance, name, value)
        return self._checked_save(instance, list(validated_data) if self.saves_given_fields_only else None)

    def _checked_save(self, instance: _Row, update_fields: list[str] | None = None) -> _Row:
        try:
            instance.validate_constraints()
        except ModelValidationError as exc:
            raise serializers.ValidationError(serializers.as_serializer_error(exc)) from None
        instance.save(update_fields=update_fields)
        return instance


NON_NEGATIVE = {"min_value": 0}
CURRENCY = {"validators": [validate_currency]}


class OrganizationSerializer(ConstrainedSerializer):
    """The organization and its generation guardrails (owners change them; the view saves the guardrails through
    the settings service, which audits them)."""

    blocked_terms = serializers.ListField(
        child=serializers.CharField(allow_blank=True, trim_whitespace=False),
        required=False,
        help_text=f"Terms generated text never contains: at most {MAX_BLOCKED_TERMS}, each at most "
        f"{MAX_BLOCKED_TERM_CHARS} characters; spaces are collapsed, blanks and repeats (ignoring case) "
        "dropped.",
    )
    saves_given_fields_only = True  # the guardrails are saved apart; this copy must not write them back

    class Meta:
        model = Organization
        fields = ["id", "name", "slug", "currency", "time_zone", "blocked_terms", "injection_policy", "created_at"]
        read_only_fields = ["slug", "created_at"]  # time zone and currency: the model's validators

    def validate_blocked_terms(self, value: list[str]) -> list[str]:
        try:
            return clean_blocked_terms(value, numbered="item")
        except ModelValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None


class MembershipSerializer(ConstrainedSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    organization = EditableRelatedField("pk", queryset=Organization.objects.all())
    placed_by = ("organization", "user")  # another user would be a grant nobody made

    class Meta:
        model = Membership
        fields = ["id", "organization", "user", "username", "role", "created_at"]
        read_only_fields = ["created_at"]


class InvitationSerializer(serializers.ModelSerializer):
    """An owner's invitation; the answer is the same whether an account with that email exists or not, and the
    token is only in the email."""

    organization = EditableRelatedField("pk", queryset=Organization.objects.all())

    class Meta:
        model = Invitation
        fields = ["id", "organization", "email", "role", "invited_by", "created_at", "accepted_at"]
        read_only_fields = ["invited_by", "created_at", "accepted_at"]


class AcceptInvitationSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=200, help_text="the token from the invitation email")


class CampaignSerializer(ConstrainedSerializer):
    organization = EditableRelatedField("pk", queryset=Organization.objects.all())
    placed_by = ("organization",)

    class Meta:
        model = Campaign
        fields = [
            "id",
            "organization",
            "platform",
            "external_id",
            "name",
            "status",
            "language",
            "currency",
            "daily_budget_micros",
            "monthly_cap_micros",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["daily_budget_micros", "created_at", "updated_at"]
        extra_kwargs = {
            "monthly_cap_micros": NON_NEGATIVE,
            "currency": CURRENCY,
            "language": {"validators": [RegexValidator(r"^[a-z]{2}$", "An ISO 639-1 code: es, en…")]},
        }


class AdGroupSerializer(ConstrainedSerializer):
    campaign = EditableRelatedField("organization", queryset=Campaign.objects.all())
    placed_by = ("campaign",)

    class Meta:
        model = AdGroup
        fields = ["id", "campaign", "external_id", "name", "status", "max_cpc_micros"]
        extra_kwargs = {"max_cpc_micros": NON_NEGATIVE}


class KeywordSerializer(ConstrainedSerializer):
    ad_group = EditableRelatedField("campaign__organization", queryset=AdGroup.objects.all())
    placed_by = ("ad_group",)  # campaign and organization follow from it

    class Meta:
        model = Keyword
        fields = ["id", "ad_group", "campaign", "level", "text", "match_type", "negative", "status", "max_cpc_micros"]
        read_only_fields = ["campaign", "level"]
        extra_kwargs = {"max_cpc_micros": NON_NEGATIVE}

    def validate_text(self, value: str) -> str:
        return clean_keyword_text(value)

    def validate(self, attrs: dict) -> dict:
        ad_group = attrs.get("ad_group") or getattr(self.instance, "ad_group", None)
        assert ad_group is not None  # required on create; the row's own on update
        attrs["campaign"] = ad_group.campaign
        attrs["organization"] = ad_group.campaign.organization
        return attrs


class HeadlineSerializer(serializers.Serializer):
    text = serializers.CharField()
    pin = serializers.ChoiceField(choices=[1, 2, 3], allow_null=True, default=None)


class DescriptionSerializer(serializers.Serializer):
    text = serializers.CharField()
    pin = serializers.ChoiceField(choices=[1, 2], allow_null=True, default=None)


class AdSerializer(ConstrainedSerializer):
    ad_group = EditableRelatedField("campaign__organization", queryset=AdGroup.objects.all())
    headlines = HeadlineSerializer(many=True)
    descriptions = DescriptionSerializer(many=True)
    placed_by = ("ad_group",)

    class Meta:
        model = Ad
        fields = ["id", "ad_group", "external_id", "headlines", "descriptions", "path1", "path2", "final_url", "status"]

    def validate(self, attrs: dict) -> dict:
        for field, low, high in (("headlines", 3, 15), ("descriptions", 2, 4)):
            if field in attrs:
                attrs[field] = [dict(item) for item in attrs[field]]  # plain JSON, exactly {"text", "pin"}
            if not low <= len(attrs.get(field, getattr(self.instance, field, []))) <= high:
                raise serializers.ValidationError({field: f"A responsive search ad has {low} to {high} {field}."})
        if attrs.get("path2", getattr(self.instance, "path2", "")) and not attrs.get(
            "path1", getattr(self.instance, "path1", "")
        ):
            raise serializers.ValidationError({"path2": "A second path needs a first one."})
        problems = ad_text_problems(attrs, self.instance)
        if problems:
            raise serializers.ValidationError(problems)
        return attrs


def ad_text_problems(attrs: dict, instance: Ad | None) -> dict[str, list[str]]:
    """The shared validator's findings (the campaign's platform and the organization's blocked terms) for the ad
    as it would be saved, by field: "Headline 1: headline is 41 wide; the limit is 30."."""

    def value(name: str) -> Any:
        return attrs[name] if name in attrs else getattr(instance, name, "")  # "": not given on create

    for name in ("headlines", "descriptions"):
        if name in attrs:  # the same spacing rule as an edited suggestion (clean_ad_text)
            attrs[name] = [{**item, "text": " ".join(str(item["text"]).split())} for item in attrs[name]]
    campaign = value("ad_group").campaign
    findings = ad_findings(
        value("headlines"),
        value("descriptions"),
        value("path1") or "",
        value("path2") or "",
        value("final_url") or "",
        campaign.platform,
        campaign.organization.blocked_terms,
    )
    problems: dict[str, list[str]] = {}
    for finding in findings:
        where = f"{finding.field[:-1].capitalize()} {finding.index + 1}: " if finding.index is not None else ""
        problems.setdefault(finding.field, []).append(f"{where}{finding.detail}.")
    return problems


class DailyMetricSerializer(serializers.ModelSerializer):
    class Meta:
        model = DailyMetric
        fields = [
            "id",
            "date",
            "level",
            "campaign",
            "ad_group",
            "keyword",
            "ad",
            "impressions",
            "clicks",
            "cost_micros",
            "conversions",
            "conversion_value_micros",
        ]


class SearchTermSerializer(serializers.ModelSerializer):
    clicks = serializers.IntegerField(read_only=True)
    cost_micros = serializers.IntegerField(read_only=True)
    conversions = serializers.FloatField(read_only=True)
    matched_ad_group = serializers.IntegerField(
        source="match.ad_group_id", read_only=True, allow_null=True, default=None
    )
    relevance = serializers.FloatField(source="match.score", read_only=True, allow_null=True, default=None)

    class Meta:
        model = SearchTerm
        fields = [
            "id",
            "text",
            "campaign",
            "ad_group",
            "clicks",
            "cost_micros",
            "conversions",
            "matched_ad_group",
            "relevance",
        ]


class SuggestionSerializer(ConstrainedSerializer):
    class Meta:
        model = Suggestion
        fields = [
            "id",
            "organization",
            "kind",
            "status",
            "campaign",
            "ad_group",
            "shared_list",
            "level",
            "text",
            "match_type",
            "evidence",
            "source",
            "created_at",
            "decided_by",
            "decided_at",
        ]
        read_only_fields = [name for name in fields if name not in ("text", "match_type")]

    def validate(self, attrs: dict) -> dict:
        if self.instance is not None and self.instance.status != "pending":
            raise serializers.ValidationError("Only pending suggestions can be edited.")
        kind = self.instance.kind if self.instance else None
        if "text" in attrs and self.instance is not None and kind in AD_TEXT_FIELDS:
            try:  # the shared validator: a headline past 30 (a description past 90) is refused with the reason
                attrs["text"] = clean_ad_text(kind, attrs["text"], self.instance.organization.blocked_terms)
            except SuggestionError as exc:
                raise serializers.ValidationError({"text": f"{exc}."}) from None
        elif "text" in attrs:
            attrs["text"] = (
                clean_keyword_text(attrs["text"])
                if kind in ("keyword", "negative")
                else " ".join(attrs["text"].split())
            )
        if kind == "negative" and attrs.get("match_type") == "broad":
            raise serializers.ValidationError(
                {"match_type": "Negatives are exact or phrase (Microsoft accepts no broad negatives)."}
            )
        return attrs


class ReportImportSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReportImport
        fields = [
            "id",
            "organization",
            "platform",
            "kind",
            "filename",
            "sha256",
            "rows",
            "date_from",
            "date_to",
            "created_by",
            "created_at",
        ]


class ReportUploadSerializer(serializers.Serializer):
    organization = EditableRelatedField("pk", queryset=Organization.objects.all())
    file = serializers.FileField()
    decimal = serializers.ChoiceField(choices=[",", "."], required=False)
