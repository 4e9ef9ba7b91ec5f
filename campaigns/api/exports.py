"""Exports and the account import over the API: scoped to the caller's organizations (another one is a 404)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns.api.permissions import EDIT_ROLES, organizations_of
from campaigns.api.serializers import EditableRelatedField
from campaigns.exporters import google_ads_api
from campaigns.exporters.google_editor import export_google_editor
from campaigns.exporters.microsoft_bulk import export_microsoft_bulk
from campaigns.exporters.support import left_out_csv
from campaigns.exporters.validation import Problem
from campaigns.models import Organization
from campaigns.services.account_import import AccountImportError, import_account
from campaigns.services.credentials import CredentialError
from campaigns.services.google_ads_sending import SendError, send_google_ads

MAX_ID = 2**63 - 1  # the database's largest key: anything above is "not found" as a 400, not an overflow


def row_id() -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID)


class ExportQuery(serializers.Serializer):
    organization = row_id()
    campaign = serializers.ListField(child=row_id(), required=False)
    customer_id = serializers.RegexField(r"^\d{1,20}$", required=False, default="0")
    left_out = serializers.BooleanField(required=False, default=False)


EXPORT_PARAMETERS = [
    OpenApiParameter("organization", int, required=True, description="The organization to export."),
    OpenApiParameter("campaign", int, many=True, explode=True, description="Only these campaigns (all if absent)."),
    OpenApiParameter("customer_id", str, pattern=r"^\d{1,20}$", description="Google Ads customer id (digits)."),
]
LEFT_OUT_PARAMETER = OpenApiParameter(
    "left_out", bool, description="true: instead of the file, the CSV of the items it leaves out (item, rule, reason)."
)
EXPORT_FILE = extend_schema(
    parameters=[*EXPORT_PARAMETERS, LEFT_OUT_PARAMETER],
    responses={
        (200, "text/csv"): OpenApiResponse(
            OpenApiTypes.BINARY,
            description="The file; X-Export-Problems counts the items left out, and X-Export-Left-Out is where they "
            "are listed (this request with left_out=true).",
        ),
    },
)


class _ExportView(APIView):
    permission_classes = [IsAuthenticated]
    left_out = False  # ?left_out=true: the list of what the file leaves out, instead of the file

    def query(self, request: Request) -> tuple[Organization, list[int] | None, str]:
        given: dict[str, str | list[str] | None] = {
            "organization": request.query_params.get("organization"),
            "customer_id": request.query_params.get("customer_id", "0"),
            "left_out": request.query_params.get("left_out", "false"),
        }
        if request.query_params.getlist("campaign"):
            given["campaign"] = request.query_params.getlist("campaign")
        params = ExportQuery(data=given)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        organization = get_object_or_404(organizations_of(request.user), pk=data["organization"])
        self.left_out = data["left_out"]
        return organization, data.get("campaign"), data["customer_id"]


class ProblemSerializer(serializers.Serializer):
    item = serializers.CharField()
    rule = serializers.CharField()
    detail = serializers.CharField()


def _file(request: Request, content: bytes, name: str, problems: list[Problem], left_out: bool) -> HttpResponse:
    """The export file, or with ``left_out`` the CSV of what it leaves out: a file of its own, so that the
    platform's importer reads the export unchanged."""
    if left_out:
        content, name = left_out_csv(problems), name.removesuffix(".csv") + "-left-out.csv"
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Export-Problems"] = str(len(problems))  # the items left out
    if problems and not left_out:
        query = request.query_params.copy()
        query["left_out"] = "true"
        response["X-Export-Left-Out"] = f"{request.path}?{query.urlencode()}"
    return response


class GoogleEditorExportView(_ExportView):
    """The organization's account as a Google Ads Editor CSV (invalid items left out, counted in a header)."""

    @EXPORT_FILE
    def get(self, request: Request) -> HttpResponse:
        organization, campaign_ids, _ = self.query(request)
        content, account = export_google_editor(organization, campaign_ids)
        return _file(request, content, f"{organization.slug}-google-ads-editor.csv", account.problems, self.left_out)


class MicrosoftBulkExportView(_ExportView):
    """The organization's account as a Microsoft Advertising bulk file."""

    @EXPORT_FILE
    def get(self, request: Request) -> HttpResponse:
        organization, campaign_ids, _ = self.query(request)
        content, account = export_microsoft_bulk(organization, campaign_ids)
        return _file(request, content, f"{organization.slug}-microsoft-bulk.csv", account.problems, self.left_out)


class GoogleAdsPayloadsView(_ExportView):
    """The Google Ads API mutate request (validate_only) and the items that were left out, with why."""

    @extend_schema(
        parameters=EXPORT_PARAMETERS,
        responses=inline_serializer(
            "GoogleAdsPayloads",
            {
                "requests": serializers.ListField(child=serializers.DictField()),
                "problems": ProblemSerializer(many=True),
            },
        ),
    )
    def get(self, request: Request) -> Response:
        organization, campaign_ids, customer_id = self.query(request)
        mutate, account = google_ads_api.build_request(organization, customer_id, campaign_ids)
        return Response(
            {
                "requests": [google_ads_api.as_json(mutate)],
                "problems": [problem.as_dict() for problem in account.problems],
            }
        )


class AccountImportUpload(serializers.Serializer):
    organization = EditableRelatedField("pk", queryset=Organization.objects.all())
    file = serializers.FileField()


class AccountImportResultSerializer(serializers.Serializer):
    platform = serializers.CharField()
    campaigns = serializers.IntegerField()
    ad_groups = serializers.IntegerField()
    keywords = serializers.IntegerField()
    ads = serializers.IntegerField()
    shared_lists = serializers.IntegerField()
    created = serializers.IntegerField()
    skipped = serializers.DictField(child=serializers.IntegerField())


def refuse_viewers(request: Request) -> Response | None:
    """A 403 for callers who edit no organization; per organization, EditableRelatedField answers "does not exist"."""
    if organizations_of(request.user, EDIT_ROLES).exists():
        return None
    return Response(
        {"detail": "Your role in this organization does not allow this change."}, status=status.HTTP_403_FORBIDDEN
    )


class AccountImportView(APIView):
    """Upload a Google Ads Editor CSV or a Microsoft bulk file: imported whole, or 400 with line and column."""

    permission_classes = [IsAuthenticated]
    throttle_scope = "imports"

    @extend_schema(request={"multipart/form-data": AccountImportUpload}, responses={201: AccountImportResultSerializer})
    def post(self, request: Request) -> Response:
        refused = refuse_viewers(request)
        if refused is not None:
            return refused
        upload = AccountImportUpload(data=request.data, context={"request": request})
        upload.is_valid(raise_exception=True)
        data = upload.validated_data
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "account.csv"
            with path.open("wb") as handle:
                for chunk in data["file"].chunks():
                    handle.write(chunk)
            try:
                result = import_account(data["organization"], path)
            except AccountImportError as exc:
                return Response(
                    {"detail": str(exc), "line": exc.line, "column": exc.column}, status=status.HTTP_400_BAD_REQUEST
                )
        return Response(result.__dict__, status=status.HTTP_201_CREATED)


class GoogleAdsSendInput(serializers.Serializer):
    organization = EditableRelatedField("pk", queryset=Organization.objects.all())
    validate_only = serializers.BooleanField(
        default=True, help_text="true: a dry run that Google checks and does not apply; false: apply it"
    )
    campaign = serializers.ListField(child=row_id(), required=False, help_text="only these campaigns (all if absent)")


class GoogleAdsSendResult(serializers.Serializer):
    sent = serializers.BooleanField(help_text="false when nothing left this machine")
    validate_only = serializers.BooleanField()
    customer_id = serializers.CharField()
    operations = serializers.IntegerField(help_text="mutate operations in the request")
    results = serializers.ListField(child=serializers.CharField(), help_text="resource names Google returned")
    problems = ProblemSerializer(many=True, help_text="items left out by the shared validator")
    detail = serializers.CharField()


class GoogleAdsSendView(APIView):
    """Send the Google Ads mutate request with the organization's stored credentials: a dry run (validate_only,
    the default) or for real. Owners and editors only."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=GoogleAdsSendInput,
        responses={
            200: GoogleAdsSendResult,
            502: OpenApiResponse(
                inline_serializer(
                    "GoogleAdsRefusal",
                    {
                        "detail": serializers.CharField(),
                        "platform_errors": serializers.ListField(child=serializers.CharField()),
                    },
                ),
                description="Google refused the request; nothing was applied",
            ),
        },
    )
    def post(self, request: Request) -> Response:
        refused = refuse_viewers(request)
        if refused is not None:
            return refused
        params = GoogleAdsSendInput(data=request.data, context={"request": request})
        params.is_valid(raise_exception=True)
        data = params.validated_data
        try:
            result = send_google_ads(
                data["organization"], validate_only=data["validate_only"], campaign_ids=data.get("campaign")
            )
        except SendError as exc:
            if exc.platform_errors:
                return Response(
                    {"detail": str(exc), "platform_errors": exc.platform_errors}, status=status.HTTP_502_BAD_GATEWAY
                )
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        except CredentialError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(GoogleAdsSendResult(result.as_dict()).data)
