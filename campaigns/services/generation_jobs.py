"""Generation jobs: a marketer asks for suggestions, a worker on queue ``llm`` writes them, the marketer watches.

Lifecycle. ``create_job`` checks the campaign and ad group belong to the organization, refuses product text that
the injection guardrail flags and refuses a job that could take the organization past its daily token quota, then
queues ``run_generation_job`` after the commit. ``run_job`` claims the job with a conditional update
(queued → running), so a duplicate or redelivered message finds nothing to claim and does nothing. It generates a
few ad groups per step (their prompts share the model's batches) and saves each step in one transaction with the
job's progress: **suggestions are saved per ad group, never half**. A cancelled job stops between steps, and a step
that finishes after the cancel is discarded, so nothing is saved after the marketer pressed cancel; the ad groups
finished before it keep their suggestions. A failed attempt puts the job back in the queue (up to ``MAX_ATTEMPTS``)
and the retry resumes at the first ad group not done (``result["done_ad_groups"]``), so no ad group is generated
or saved twice. Claiming, reclaiming a job whose worker was killed and retrying are ``campaigns.services.jobs``,
shared with import jobs.

Generated text that repeats (case- and space-insensitively) the ad group's ad text, its keywords, its pending
suggestions or an earlier line of the same job is dropped before saving (counted in ``result["duplicates"]``).
Every line not saved, by the generator's checks or by that one, is kept in ``job.dropped`` with its reason code
(``dropped_lines``), so the marketer can see what was left out and why.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import (
    AdGroup,
    Campaign,
    GenerationJob,
    JobStatus,
    Keyword,
    Organization,
    Suggestion,
    SuggestionKind,
    SuggestionStatus,
)
from campaigns.models.organizations import saved_user
from campaigns.services import generating, queue
from campaigns.services.jobs import JobRunner
from ml.ad_rules import normalise_for_duplicates as duplicate_key

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

GROUPS_PER_STEP = 4  # 3 prompts per ad group: 12 rows share a batch, and cancel is seen every few seconds
MAX_PRODUCT_TEXT = 2000
UNFINISHED = (JobStatus.QUEUED, JobStatus.RUNNING)
RUN_JOB_TASK = "campaigns.tasks.run_generation_job"


class GenerationJobError(ValueError):
    """A job that cannot be created or changed, with the reason for the marketer."""


# --- creating -------------------------------------------------------------------------------------------------


def day_start(organization: Organization, now: datetime | None = None) -> datetime:
    """Midnight of the organization's local day: the quota restarts there."""
    try:
        zone = ZoneInfo(organization.time_zone)
    except (ZoneInfoNotFoundError, ValueError):  # stored before the model validated it: a 400, not a 500
        raise GenerationJobError(
            f"The organization's time zone “{organization.time_zone}” is not an IANA time zone; "
            "an owner must set a valid one in the settings."
        ) from None
    local = (now or timezone.now()).astimezone(zone)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def tokens_committed_today(organization: Organization) -> int:
    """Tokens generated today plus the most that today's unfinished jobs may still generate."""
    from ml.generation.api import GenerationRequest, token_budget

    jobs = GenerationJob.objects.filter(organization=organization, created_at__gte=day_start(organization))
    used = jobs.aggregate(total=Sum("tokens_generated", default=0))["total"]
    left = jobs.filter(status__in=UNFINISHED).aggregate(left=Sum(F("total_requests") - F("done_requests"), default=0))[
        "left"
    ]
    return used + left * token_budget(GenerationRequest(description=""))


def check_product_text(text: str, policy: str = "refuse") -> str:
    """The product text, or a refusal: it is untrusted and must not carry instructions for the model. Under the
    organization's ``strip`` policy it is accepted (the worker removes the flagged sentences) unless nothing
    would be left."""
    from ml.generation.guardrails import InjectionRefused, inspect

    text = text.strip()
    if len(text) > MAX_PRODUCT_TEXT:
        raise GenerationJobError(
            _("The product text has %(count)d characters; the limit is %(limit)d.")
            % {"count": len(text), "limit": MAX_PRODUCT_TEXT}
        )
    try:
        inspect(text, mode="strip" if policy == "strip" else "refuse")
    except InjectionRefused as refused:
        if not refused.reasons:
            raise GenerationJobError(
                _("The text consists only of instructions to the AI model; nothing is left to use.")
            ) from None
        raise GenerationJobError(
            _(
                "The text contains what looks like instructions to the AI model (%(reasons)s), so nothing was "
                "generated. Remove them and try again, or ask an administrator to switch generation to removing "
                "suspicious text."
            )
            % {"reasons": ", ".join(refused.reasons)}
        ) from None
    return text


MAX_SELLING_POINTS = 10
MAX_POINT_LENGTH = 90


def check_phrases(phrases: Sequence[str], what: str, policy: str = "refuse") -> list[str]:
    """Selling points or brand terms, one phrase each: trimmed, blank ones dropped, at most
    :data:`MAX_SELLING_POINTS` of at most :data:`MAX_POINT_LENGTH` characters, each checked like the product text."""
    out = [" ".join(p.split()) for p in phrases if p and p.strip()]
    name = {"selling points": _("Selling points"), "brand terms": _("Brand terms")}.get(what, what.capitalize())
    if len(out) > MAX_SELLING_POINTS:
        raise GenerationJobError(
            _("%(what)s: %(count)d were given; the limit is %(limit)d.")
            % {"what": name, "count": len(out), "limit": MAX_SELLING_POINTS}
        )
    for number, phrase in enumerate(out, start=1):
        if len(phrase) > MAX_POINT_LENGTH:
            raise GenerationJobError(
                _("%(what)s %(number)d has %(count)d characters; the limit is %(limit)d.")
                % {"what": name, "number": number, "count": len(phrase), "limit": MAX_POINT_LENGTH}
            )
        try:
            check_product_text(phrase, policy)
        except GenerationJobError as exc:
            raise GenerationJobError(f"{name} {number}: {exc}") from None
    return list(dict.fromkeys(out))


@transaction.atomic
def create_job(
    organization: Organization,
    campaign_id: int,
    *,
    ad_group_id: int | None = None,
    product_text: str = "",
    selling_points: Sequence[str] = (),
    brand_terms: Sequence[str] = (),
    user: User | AnonymousUser | None = None,
) -> GenerationJob:
    """Queue a generation job for a campaign (or one of its ad groups) of ``organization``."""
    from ml.generation.api import GenerationRequest, token_budget

    # One creation at a time per organization, so two requests cannot both fit under the quota.
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    campaign = Campaign.objects.filter(pk=campaign_id, organization=organization).first()
    if campaign is None:
        raise GenerationJobError(_("That campaign does not exist in this organization."))
    if ad_group_id is not None and not AdGroup.objects.filter(pk=ad_group_id, campaign=campaign).exists():
        raise GenerationJobError(_("That ad group does not exist in this campaign."))
    text = check_product_text(product_text, organization.injection_policy)
    points = check_phrases(selling_points, "selling points", organization.injection_policy)
    brands = check_phrases(brand_terms, "brand terms", organization.injection_policy)
    groups = generating.live_ad_groups(campaign, ad_group_id)
    if not groups:
        raise GenerationJobError(_("This campaign has no active ad group to write suggestions for."))
    quota = settings.GENERATION_DAILY_TOKEN_QUOTA
    needed = len(groups) * token_budget(GenerationRequest(description=""))
    committed = tokens_committed_today(organization)
    if committed + needed > quota:
        raise GenerationJobError(
            _(
                "Today's generation quota is used up: %(committed)d of %(quota)d tokens are used or reserved, and "
                "this job may need %(needed)d. It restarts at midnight (%(time_zone)s)."
            )
            % {"committed": committed, "quota": quota, "needed": needed, "time_zone": organization.time_zone}
        )
    job = GenerationJob.objects.create(
        organization=organization,
        campaign=campaign,
        ad_group_id=ad_group_id,
        product_text=text,
        selling_points=points,
        brand_terms=brands,
        total_requests=len(groups),
        created_by=saved_user(user),
    )
    transaction.on_commit(lambda: _queue(job.pk))
    return job


def _queue(job_id: int) -> None:
    queue.delay(RUN_JOB_TASK, job_id)


def cancel_job(job: GenerationJob) -> GenerationJob:
    """Cancel a queued or running job; the worker stops before its next step and saves nothing more."""
    cancelled = GenerationJob.objects.filter(pk=job.pk, status__in=UNFINISHED).update(
        status=JobStatus.CANCELLED, finished_at=timezone.now()
    )
    job.refresh_from_db()
    if not cancelled:
        finished: dict[str, str] = {
            JobStatus.SUCCEEDED: _("This job has already succeeded."),
            JobStatus.FAILED: _("This job has already failed."),
            JobStatus.CANCELLED: _("This job has already cancelled."),
        }
        raise GenerationJobError(finished.get(job.status, _("This job has already finished.")))
    return job


# --- running (in the worker) ----------------------------------------------------------------------------------

_jobs = JobRunner(GenerationJob)
claim = _jobs.claim
seconds_until_reclaimable = _jobs.seconds_until_reclaimable


def run_job(
    job_id: int, *, batcher: Any = None, embedder: Any = None, groups_per_step: int = GROUPS_PER_STEP
) -> GenerationJob | None:
    """Run a queued job; None when there was nothing to claim (a duplicate, a cancelled or finished job).

    Raises:
        RetryLater: the attempt failed and the job is queued again for another attempt.
    """
    if not claim(job_id):
        return None
    job = GenerationJob.objects.select_related("campaign__organization").get(pk=job_id)
    try:
        _run_steps(job, batcher, embedder, groups_per_step)
    except Exception as exc:  # any failure of the model or the database: counted, retried, then failed
        _jobs.attempt_failed(job, exc)
    job.refresh_from_db()
    return job


def _run_steps(job: GenerationJob, batcher: Any, embedder: Any, groups_per_step: int) -> None:
    from campaigns.services.matching import shared_embedder
    from ml.generation.api import generate_many

    done = set(job.result.get("done_ad_groups", []))
    groups = [g for g in generating.live_ad_groups(job.campaign, job.ad_group_id) if g.pk not in done]
    batcher = batcher or generating.worker_batcher()
    embedder = embedder or shared_embedder()
    for start in range(0, len(groups), groups_per_step):
        if not GenerationJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).exists():
            return  # cancelled between steps
        step = groups[start : start + groups_per_step]
        requests = [
            generating.build_request(
                job.campaign, group, job.product_text, tuple(job.selling_points), tuple(job.brand_terms)
            )
            for group in step
        ]
        results = generate_many(requests, batcher, embedder)
        if not _save_step(job, step, results):
            return
    GenerationJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
        status=JobStatus.SUCCEEDED, finished_at=timezone.now()
    )


def _save_step(job: GenerationJob, groups: list[AdGroup], results: list[Any]) -> bool:
    """Save one step's suggestions with the job's progress, in one transaction; False if the job was cancelled."""
    from ml.generation.api import InjectionRefused

    with transaction.atomic():
        locked = GenerationJob.objects.select_for_update().get(pk=job.pk)
        if locked.status != JobStatus.RUNNING:
            return False  # cancelled while the step ran: what it made is discarded
        result = dict(locked.result)
        rows: list[Suggestion] = []
        for group, generated in zip(groups, results, strict=True):
            if isinstance(generated, InjectionRefused):
                result.setdefault("refused", {})[str(group.pk)] = str(generated)
            else:
                kept, duplicates = drop_duplicates(
                    group, generating.suggestion_rows(job.campaign, group, generated, job=locked)
                )
                rows += kept
                result["duplicates"] = result.get("duplicates", 0) + len(duplicates)
                locked.dropped = [*locked.dropped, *dropped_lines(group.pk, generated, duplicates)]
                locked.tokens_generated += generated.tokens
        Suggestion.objects.bulk_create(rows)
        for kind in SuggestionKind.values:
            count = sum(1 for row in rows if row.kind == kind)
            if count:
                result[f"{kind}s"] = result.get(f"{kind}s", 0) + count
        result["done_ad_groups"] = [*result.get("done_ad_groups", []), *(g.pk for g in groups)]
        locked.result = result
        locked.done_requests = min(locked.total_requests, locked.done_requests + len(groups))
        locked.save(update_fields=["result", "dropped", "done_requests", "tokens_generated"])
    return True


def drop_duplicates(group: AdGroup, rows: list[Suggestion]) -> tuple[list[Suggestion], list[Suggestion]]:
    """Rows whose text is new for the ad group (not its ad text, keywords or pending suggestions, nor repeated),
    and the rows dropped for repeating one."""
    ads = list(group.ads.all())
    seen: dict[str, set[str]] = {
        SuggestionKind.HEADLINE: {duplicate_key(t) for ad in ads for t in ad.headline_texts},
        SuggestionKind.DESCRIPTION: {duplicate_key(t) for ad in ads for t in ad.description_texts},
        SuggestionKind.KEYWORD: {
            duplicate_key(t)
            for t in Keyword.objects.filter(ad_group=group, negative=False).values_list("text", flat=True)
        },
    }
    pending = Suggestion.objects.filter(
        ad_group=group, status=SuggestionStatus.PENDING, kind__in=generating.GENERATED_KINDS
    ).values_list("kind", "text")
    for kind, text in pending:
        seen[kind].add(duplicate_key(text))
    kept, dropped = [], []
    for row in rows:
        key = duplicate_key(row.text)
        if key not in seen[row.kind]:
            seen[row.kind].add(key)
            kept.append(row)
        else:
            dropped.append(row)
    return kept, dropped


def dropped_lines(ad_group_id: int, generated: Any, duplicates: Sequence[Suggestion] = ()) -> list[dict[str, Any]]:
    """What ``job.dropped`` keeps of one ad group's generated lines that were not saved: the generator's
    ``GeneratedAssets.dropped`` (each carries its line's text; an older result's index into ``raw_lines`` is the
    fallback) and the lines ``drop_duplicates`` removed."""
    out = []
    for violation in generated.dropped:
        lines = generated.raw_lines.get(violation.field, [])
        index = violation.index
        text = getattr(violation, "text", "") or (lines[index] if index is not None and 0 <= index < len(lines) else "")
        out.append(
            {
                "ad_group": ad_group_id,
                "field": violation.field,
                "index": index,
                "reason": violation.reason,
                "detail": violation.detail,
                "text": text,
            }
        )
    for row in duplicates:
        out.append(
            {
                "ad_group": ad_group_id,
                "field": f"{row.kind}s",
                "index": None,
                "reason": "duplicate",
                "detail": "repeats the ad group's text, keywords or a pending suggestion",
                "text": row.text,
            }
        )
    return out
