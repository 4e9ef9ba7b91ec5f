"""Exports and the account import over the API: scoped to the caller's organizations (another one is a 404)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
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
from campaigns.models import Organization
from campaigns.services.account_import import AccountImportError, import_account


class ExportQuery(serializers.Serializer):
    organization = serializers.IntegerField()
    campaign = serializers.ListField(child=serializers.IntegerField(), required=False)
    customer_id = serializers.RegexField(r"^\d{1,20}$", required=False, default="0")


class _ExportView(APIView):
    permission_classes = [IsAuthenticated]

    def query(self, request: Request) -> tuple[Organization, list[int] | None, str]:
        data = {"organization": request.query_params.get("organization"),
                "customer_id": request.query_params.get("customer_id", "0")}
        if request.query_params.getlist("campaign"):
            data["campaign"] = request.query_params.getlist("campaign")
        params = ExportQuery(data=data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        organization = get_object_or_404(organizations_of(request.user), pk=data["organization"])
        return organization, data.get("campaign"), data["customer_id"]


def _file(content: bytes, name: str, problems: int) -> HttpResponse:
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Export-Problems"] = str(problems)  # the items left out; the JSON export lists them
    return response


class GoogleEditorExportView(_ExportView):
    """The organization's account as a Google Ads Editor CSV (invalid items left out, counted in a header)."""

    def get(self, request: Request) -> HttpResponse:
        organization, campaign_ids, _ = self.query(request)
        content, account = export_google_editor(organization, campaign_ids)
        return _file(content, f"{organization.slug}-google-ads-editor.csv", len(account.problems))


class MicrosoftBulkExportView(_ExportView):
    """The organization's account as a Microsoft Advertising bulk file."""

    def get(self, request: Request) -> HttpResponse:
        organization, campaign_ids, _ = self.query(request)
        content, account = export_microsoft_bulk(organization, campaign_ids)
        return _file(content, f"{organization.slug}-microsoft-bulk.csv", len(account.problems))


class GoogleAdsPayloadsView(_ExportView):
    """The Google Ads API mutate request (validate_only) and the items that were left out, with why."""

    def get(self, request: Request) -> Response:
        organization, campaign_ids, customer_id = self.query(request)
        mutate, account = google_ads_api.build_request(organization, customer_id, campaign_ids)
        return Response({"requests": [google_ads_api.as_json(mutate)],
                         "problems": [problem.as_dict() for problem in account.problems]})


class AccountImportUpload(serializers.Serializer):
    organization = EditableRelatedField("pk", queryset=Organization.objects.all())
    file = serializers.FileField()


class AccountImportView(APIView):
    """Upload a Google Ads Editor CSV or a Microsoft bulk file: imported whole, or 400 with line and column."""

    permission_classes = [IsAuthenticated]
    throttle_scope = "imports"

    def post(self, request: Request) -> Response:
        if not organizations_of(request.user, EDIT_ROLES).exists():
            return Response({"detail": "Your role in this organization does not allow this change."},
                            status=status.HTTP_403_FORBIDDEN)
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
                return Response({"detail": str(exc), "line": exc.line, "column": exc.column},
                                status=status.HTTP_400_BAD_REQUEST)
        return Response(result.__dict__, status=status.HTTP_201_CREATED)
