"""Exports (download each platform's file) and imports (upload a report: it lands whole or says where it failed)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from campaigns.exporters.google_editor import export_google_editor
from campaigns.exporters.microsoft_bulk import export_microsoft_bulk
from campaigns.models import Membership, ReportImport
from campaigns.reports import ReportError
from campaigns.services.importing import import_report
from campaigns.web.context import organization_view, require_edit

EXPORTERS = {
    "google-ads-editor": (export_google_editor, "google-ads-editor.csv"),
    "microsoft-bulk": (export_microsoft_bulk, "microsoft-advertising-bulk.csv"),
}


@require_GET
@organization_view
def exports(request: HttpRequest, membership: Membership) -> HttpResponse:
    return render(request, "campaigns/exports.html", {})


@require_GET
@organization_view
def download(request: HttpRequest, membership: Membership, kind: str) -> HttpResponse:
    if kind not in EXPORTERS:
        raise Http404
    export, suffix = EXPORTERS[kind]
    content, account = export(membership.organization)
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{membership.organization.slug}-{suffix}"'
    response["X-Export-Problems"] = str(len(account.problems))
    return response


class ReportUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Report file"))
    decimal = forms.ChoiceField(label=gettext_lazy("Decimal mark"), required=False,
                                choices=[("", gettext_lazy("Detect")), (",", ","), (".", ".")])


@require_http_methods(["GET", "POST"])
@organization_view
def imports(request: HttpRequest, membership: Membership) -> HttpResponse:
    form = ReportUploadForm()
    error = None
    if request.method == "POST":
        require_edit(membership)
        form = ReportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                result = _import(request, membership, form.cleaned_data)
            except ReportError as exc:
                error = exc
            else:
                messages.success(request, _("Imported %(rows)d rows (%(start)s – %(end)s).") % {
                    "rows": result.rows, "start": result.date_from, "end": result.date_to})
                return redirect("campaigns:imports")
    history = ReportImport.objects.filter(organization=membership.organization).select_related("created_by")[:20]
    return render(request, "campaigns/imports.html", {"form": form, "error": error, "history": history},
                  status=400 if error else 200)


def _import(request: HttpRequest, membership: Membership, data: dict):  # type: ignore[no-untyped-def]
    upload = data["file"]
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / Path(upload.name).name
        with path.open("wb") as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
        return import_report(membership.organization, path, user=request.user, decimal=data.get("decimal") or None)
