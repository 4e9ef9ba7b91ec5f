"""REST API views: declarative, scoped to the caller's organizations in get_queryset()."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import ProtectedError, Sum
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from campaigns.api import serializers as s
from campaigns.api.import_jobs import ImportJobSerializer
from campaigns.api.permissions import EDIT_ROLES, OWNER_ROLES, RolePermission, signed_in
from campaigns.api.schema import CONFLICT
from campaigns.models import (
    Ad,
    AdGroup,
    Campaign,
    DailyMetric,
    ImportJob,
    Invitation,
    Keyword,
    Membership,
    Organization,
    ReportImport,
    Role,
    SearchTerm,
    Suggestion,
)
from campaigns.reports import ReportError
from campaigns.services import invitations
from campaigns.services.import_jobs import create_job
from campaigns.services.memberships import MembershipError, check_an_owner_stays, remove_member
from campaigns.services.policy import GUARDRAIL_FIELDS, update_settings
from campaigns.services.suggestions import SuggestionError, decide


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


# For the type checker the mixin is the generic view it is mixed into; at run time it is a plain mixin.
if TYPE_CHECKING:
    _ScopedBase = GenericAPIView
else:
    _ScopedBase = object


class ScopedMixin(_ScopedBase):
    """Rows of the caller's organizations only; ``organization_field`` is the path from the model."""

    organization_field = "organization"
    write_roles: tuple[str, ...] = EDIT_ROLES
    permission_classes = [IsAuthenticated, RolePermission]

    def get_queryset(self):
        path = (
            "memberships__user"
            if self.organization_field == "pk"
            else (f"{self.organization_field}__memberships__user")
        )
        return super().get_queryset().filter(**{path: self.request.user})

    def perform_destroy(self, instance) -> None:
        try:
            instance.delete()
        except ProtectedError:  # the append-only budget audit keeps its campaigns
            raise Conflict(
                f"This {instance._meta.verbose_name} has budget changes on record, which are kept; pause it instead."
            ) from None


class OrganizationViewSet(
    ScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet
):
    queryset = Organization.objects.order_by("name")
    serializer_class = s.OrganizationSerializer
    organization_field = "pk"
    write_roles = OWNER_ROLES

    @transaction.atomic
    def perform_update(self, serializer: BaseSerializer[Organization]) -> None:
        # The guardrails go through the settings service (row lock, a SettingsChange row); the serializer saves
        # only the other fields it was given.
        organization = serializer.instance
        assert organization is not None  # an update has its row
        guardrails = {
            name: serializer.validated_data.pop(name) for name in GUARDRAIL_FIELDS if name in serializer.validated_data
        }
        update_settings(organization, user=self.request.user, **guardrails)
        serializer.save()


class MembershipViewSet(
    ScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Members, their roles, leaving. Nobody is added here: people join by accepting an invitation."""

    queryset = Membership.objects.select_related("user").order_by("organization_id", "user__username")
    serializer_class = s.MembershipSerializer
    write_roles = OWNER_ROLES
    filterset_fields = ["organization", "role"]

    def perform_update(self, serializer: BaseSerializer[Membership]) -> None:
        membership, values = serializer.instance, serializer.validated_data
        assert membership is not None  # an update has its row
        try:
            with transaction.atomic():
                # the organization cannot change (MembershipSerializer.placed_by): only the role can demote
                check_an_owner_stays(membership.organization, membership.pk, role=values.get("role", membership.role))
                serializer.save()
        except MembershipError as exc:
            raise ValidationError({"role": [str(exc)]}) from None

    def perform_destroy(self, instance: Membership) -> None:
        try:
            remove_member(instance.organization, instance.pk)
        except MembershipError as exc:
            raise Conflict(str(exc)) from None


class InvitationViewSet(
    ScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Owners invite an email address to a role (and withdraw invitations); the invited person accepts with the
    emailed token, and only then becomes a member."""

    queryset = Invitation.objects.order_by("-created_at", "-pk")
    serializer_class = s.InvitationSerializer
    write_roles = OWNER_ROLES
    filterset_fields = ["organization", "role"]

    def get_queryset(self):
        # Invited addresses are personal data: owners see them, other members do not.
        return (
            super()
            .get_queryset()
            .filter(organization__memberships__user=self.request.user, organization__memberships__role__in=OWNER_ROLES)
        )

    def perform_create(self, serializer: BaseSerializer[Invitation]) -> None:
        data = serializer.validated_data
        serializer.instance = invitations.invite(
            data["organization"],
            data["email"],
            data.get("role", Role.VIEWER),
            invited_by=signed_in(self.request),
            site_url=self.request.build_absolute_uri("/"),
        )

    # 400 is the schema's ValidationErrors: a blank token is a field error, a refused one {"detail"} (unknown, used
    # or expired token, another email address, or already a member).
    @extend_schema(request=s.AcceptInvitationSerializer, responses={201: s.MembershipSerializer})
    @action(detail=False, methods=["post"], permission_classes=[IsAuthenticated])
    def accept(self, request: Request) -> Response:
        """Accept an invitation sent to the signed-in user's email address: the membership it offered."""
        given = s.AcceptInvitationSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            membership = invitations.accept(given.validated_data["token"], signed_in(request))
        except invitations.InvitationError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(s.MembershipSerializer(membership).data, status=status.HTTP_201_CREATED)


class CampaignViewSet(ScopedMixin, viewsets.ModelViewSet):
    queryset = Campaign.objects.order_by("name", "pk")
    serializer_class = s.CampaignSerializer
    filterset_fields = ["organization", "platform", "status"]


class AdGroupViewSet(ScopedMixin, viewsets.ModelViewSet):
    queryset = AdGroup.objects.order_by("campaign_id", "name")
    serializer_class = s.AdGroupSerializer
    organization_field = "campaign__organization"
    filterset_fields = ["campaign", "status"]


class KeywordViewSet(ScopedMixin, viewsets.ModelViewSet):
    queryset = Keyword.objects.order_by("pk")
    serializer_class = s.KeywordSerializer
    filterset_fields = ["ad_group", "campaign", "match_type", "negative", "level"]


class AdViewSet(ScopedMixin, viewsets.ModelViewSet):
    queryset = Ad.objects.order_by("pk")
    serializer_class = s.AdSerializer
    organization_field = "ad_group__campaign__organization"
    filterset_fields = ["ad_group", "status"]


class DailyMetricViewSet(ScopedMixin, viewsets.ReadOnlyModelViewSet):
    queryset = DailyMetric.objects.order_by("date", "pk")
    serializer_class = s.DailyMetricSerializer
    filterset_fields = {"campaign": ["exact"], "level": ["exact"], "date": ["gte", "lte", "exact"]}


class SearchTermViewSet(ScopedMixin, viewsets.ReadOnlyModelViewSet):
    queryset = (
        SearchTerm.objects.select_related("match")
        .annotate(
            clicks=Sum("daily__clicks", default=0),
            cost_micros=Sum("daily__cost_micros", default=0),
            conversions=Sum("daily__conversions", default=0.0),
        )
        .order_by("-cost_micros", "pk")
    )
    serializer_class = s.SearchTermSerializer
    filterset_fields = ["campaign", "ad_group"]


class SuggestionViewSet(
    ScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet
):
    queryset = Suggestion.objects.order_by("-created_at", "pk")
    serializer_class = s.SuggestionSerializer
    filterset_fields = ["kind", "status", "campaign", "ad_group", "level"]

    def _decide(self, approve: bool) -> Response:
        suggestion = self.get_object()  # scoped and permission-checked
        try:
            decided = decide(suggestion.pk, approve=approve, user=self.request.user)
        except SuggestionError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(self.get_serializer(decided).data)

    @extend_schema(request=None, responses={200: s.SuggestionSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        return self._decide(approve=True)

    @extend_schema(request=None, responses={200: s.SuggestionSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        return self._decide(approve=False)


class ReportImportViewSet(
    ScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Upload a report file (multipart ``file``): 202 with an import job to poll (it lands whole, or fails with line
    and column); a file whose head is not a report is refused at once (400), an oversized one unread (413)."""

    queryset = ReportImport.objects.order_by("-created_at", "pk")
    serializer_class = s.ReportImportSerializer
    throttle_scope = "imports"
    filterset_fields = ["organization", "kind", "platform"]

    def get_serializer_class(self):
        return s.ReportUploadSerializer if self.action == "create" else s.ReportImportSerializer

    @extend_schema(
        request={"multipart/form-data": s.ReportUploadSerializer},
        responses={202: ImportJobSerializer, 400: OpenApiTypes.OBJECT, 413: OpenApiTypes.OBJECT},
    )
    def create(self, request: Request, *args, **kwargs) -> Response:
        upload = s.ReportUploadSerializer(data=request.data, context=self.get_serializer_context())
        upload.is_valid(raise_exception=True)
        data = upload.validated_data
        try:
            job = create_job(data["organization"], data["file"], user=request.user, decimal=data.get("decimal"))
        except ReportError as exc:
            return Response(
                {"detail": str(exc), "line": exc.line, "column": exc.column}, status=status.HTTP_400_BAD_REQUEST
            )
        body = ImportJobSerializer(job, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})


class ImportJobViewSet(ScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Report import jobs: poll one after uploading to ``/api/imports/``."""

    queryset = ImportJob.objects.order_by("-created_at", "-pk")
    serializer_class = ImportJobSerializer
    filterset_fields = ["organization", "status"]
