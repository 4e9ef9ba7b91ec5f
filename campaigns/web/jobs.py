"""The progress of a background job (an upload being imported, a matching, a generation): the fragment htmx
polls."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from campaigns.models import GenerationJob, ImportJob, JobStatus, MatchingJob, Membership, Organization
from campaigns.models.jobs import BackgroundJob
from campaigns.services.matching_jobs import latest_and_shown
from campaigns.web.context import organization_view

# Each kind's fragment extends campaigns/_job_progress.html (the bar, the status, the polling).
FRAGMENTS: dict[type[BackgroundJob], str] = {
    ImportJob: "campaigns/_import_job.html",
    GenerationJob: "campaigns/_generation_job.html",
    MatchingJob: "campaigns/_matching_job.html",
}


@require_GET
@organization_view
def job_progress(request: HttpRequest, membership: Membership, job_id: int, model: type[BackgroundJob]) -> HttpResponse:
    """A job of the organization (``model``, from the URL, says which kind); once it has finished, htmx reloads the
    page, which shows the outcome (the import history, the suggestions)."""
    job = get_object_or_404(model, pk=job_id, organization=membership.organization)
    response = render(request, FRAGMENTS[model], {"job": job})
    if job.finished and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


def matching_status(organization: Organization) -> dict:
    """What the pages that show matches say about them: the matching shown (``shown``, and so its import) and the
    newest matching while it is queued or running, or if it failed (``matching_job``, whose fragment polls until it
    ends)."""
    latest, shown = latest_and_shown(organization)
    # shown while it runs, and after a failure (the matches shown are then older than the newest import)
    said = latest is not None and (not latest.finished or latest.status == JobStatus.FAILED)
    return {"shown": shown, "matching_job": latest if said else None}
