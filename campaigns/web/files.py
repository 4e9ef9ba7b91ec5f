"""Exports (download each platform's file) and imports (upload a report: it lands whole or says where it failed)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from campaigns.exporters.account import load_account
from campaigns.exporters.google_editor import export_google_editor
from campaigns.exporters.left_out import left_out_by_format
from campaigns.exporters.microsoft_bulk import export_microsoft_bulk
from campaigns.exporters.support import EDITOR, MICROSOFT_BULK, left_out_csv
from campaigns.models import ImportJob, Membership, Organization
from campaigns.reports import ReportError
from campaigns.services import page_sql
from campaigns.services.import_history import import_history
from campaigns.services.import_jobs import create_job
from campaigns.web.context import organization_view, require_edit
from campaigns.web.jobs import matching_status

EXPORTERS = {
    "google-ads-editor": (export_google_editor, "google-ads-editor.csv"),
    "microsoft-bulk": (export_microsoft_bulk, "microsoft-advertising-bulk.csv"),
}
FORMATS = [  # what the page lists per file: (kind, label, platform, what the format holds)
    ("google-ads-editor", gettext_lazy("Google Ads Editor (CSV)"), "google", EDITOR),
    ("microsoft-bulk", gettext_lazy("Microsoft Advertising bulk file (CSV)"), "microsoft", MICROSOFT_BULK),
]


@require_GET
@organization_view
def exports(request: HttpRequest, membership: Membership) -> HttpResponse:
    """Each file with what it leaves out, by name and with the reason: the same checks the download runs, on the
    account read once for both, and not again while its content stays the same (campaigns/exporters/left_out.py)."""
    left_out = left_out_by_format(
        membership.organization, [(kind, platform, support) for kind, _label, platform, support in FORMATS]
    )
    files = [{"kind": kind, "label": label, "left_out": left_out[kind]} for kind, label, _platform, _support in FORMATS]
    return render(request, "campaigns/exports.html", {"files": files})


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
    if account.problems:  # where the list of them is: the file itself stays as the platform's importer reads it
        response["X-Export-Left-Out"] = reverse("campaigns:download_left_out", args=[kind])
    return response


@require_GET
@organization_view
def download_left_out(request: HttpRequest, membership: Membership, kind: str) -> HttpResponse:
    """What the download of ``kind`` leaves out, by name, rule and reason, as a CSV beside it: the account checked
    as the exporter checks it (as the page lists it), without rendering the file."""
    format_of = {format_kind: (platform, support) for format_kind, _label, platform, support in FORMATS}
    if kind not in EXPORTERS or kind not in format_of:
        raise Http404
    _export, suffix = EXPORTERS[kind]
    platform, support = format_of[kind]
    account = load_account(membership.organization, platform, None, support)
    response = HttpResponse(left_out_csv(account.problems), content_type="text/csv; charset=utf-8")
    name = f"{membership.organization.slug}-{suffix.removesuffix('.csv')}-left-out.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Export-Problems"] = str(len(account.problems))
    return response


class ReportUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Report file"))
    decimal = forms.ChoiceField(
        label=gettext_lazy("Decimal mark"),
        required=False,
        choices=[("", gettext_lazy("Detect")), (",", ","), (".", ".")],
    )


@require_http_methods(["GET", "POST"])
@organization_view
def imports(request: HttpRequest, membership: Membership) -> HttpResponse:
    """Upload a report: it is stored and imported by a worker while a progress bar shows how far it got."""
    form = ReportUploadForm()
    error = None
    if request.method == "POST":
        require_edit(membership)
        form = ReportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                create_job(
                    membership.organization,
                    form.cleaned_data["file"],
                    user=request.user,
                    decimal=form.cleaned_data.get("decimal") or None,
                )
            except ReportError as exc:  # the file's head is not a report: refused now, nothing kept
                error = exc
            else:
                messages.success(request, _("The report is uploaded; it is being imported."))
                return redirect("campaigns:imports")
    organization = membership.organization
    job = latest_import_job(organization)
    context = {"form": form, "error": error, "history": import_history(organization), "job": job}
    return render(
        request, "campaigns/imports.html", {**context, **matching_status(organization)}, status=400 if error else 200
    )


def latest_import_job(organization: Organization) -> ImportJob | None:
    """The organization's newest upload (its progress or outcome heads the page), in SQL: the page reads it on
    every view, and the ORM's building of this one-row query was most of its time."""
    jobs = ImportJob.objects.raw(
        f"SELECT * FROM {page_sql.table(ImportJob)} WHERE organization_id = %s "
        "ORDER BY created_at DESC, id DESC LIMIT 1",
        [organization.pk],
    )
    return next(iter(jobs), None)
