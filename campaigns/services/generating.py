"""Keyword and ad suggestions for a campaign's ad groups from the local LLM, saved for the marketer's approval.

Runs in the worker on queue ``llm``; one model per worker process, shared by every task through the batcher.
``generate_for_campaign`` is the one-shot command path; ``campaigns.services.generation_jobs`` runs the same
requests as a job the marketer can watch and cancel. Both build requests and rows with the helpers here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from campaigns.models import (
    Ad,
    AdGroup,
    Campaign,
    CampaignStatus,
    GenerationJob,
    InjectionPolicy,
    Suggestion,
    SuggestionKind,
    SuggestionStatus,
)

SOURCE = "generation"
GENERATED_KINDS = (SuggestionKind.KEYWORD, SuggestionKind.HEADLINE, SuggestionKind.DESCRIPTION)


@dataclass(frozen=True)
class GenerationSummary:
    ad_groups: int
    keywords: int
    headlines: int
    descriptions: int
    refused: dict[str, str]  # ad group name -> why its text was refused


def ad_group_description(ad_group: AdGroup, product_text: str = "") -> str:
    """What the ad group sells: the marketer's product text, then its name and its ads' text.

    All of it is marketer text: the model sees it only as delimited data (``ml.generation.prompts.as_data``).
    """
    ads = Ad.objects.filter(ad_group=ad_group).order_by("pk")
    parts = [
        product_text.strip(),
        ad_group.name,
        *(text for ad in ads for text in ad.headline_texts + ad.description_texts),
    ]
    return ". ".join(part for part in parts if part)[:1500]


def live_ad_groups(campaign: Campaign, ad_group_id: int | None = None) -> list[AdGroup]:
    groups = campaign.ad_groups.exclude(status=CampaignStatus.REMOVED).prefetch_related("keywords").order_by("pk")
    if ad_group_id is not None:
        groups = groups.filter(pk=ad_group_id)
    return list(groups)


def build_request(
    campaign: Campaign,
    group: AdGroup,
    product_text: str = "",
    selling_points: tuple[str, ...] = (),
    brand_terms: tuple[str, ...] = (),
) -> Any:
    """The generation request for one ad group (an ``ml.generation.api.GenerationRequest``), under the
    organization's blocked terms and injection policy; the marketer's selling points and brand terms are the
    full pipeline's strongest candidates."""
    from ml.ad_rules import as_platform
    from ml.generation.api import GenerationRequest

    organization = campaign.organization
    return GenerationRequest(
        description=ad_group_description(group, product_text),
        selling_points=selling_points,
        brand_terms=brand_terms,
        language="en" if campaign.language == "en" else "es",
        existing_keywords=tuple(k.text for k in group.keywords.all() if not k.negative),
        blocked_terms=tuple(organization.blocked_terms),
        guard_mode="strip" if organization.injection_policy == InjectionPolicy.STRIP else "refuse",
        platforms=(as_platform(campaign.platform),),
        seed=group.pk,
    )


def worker_batcher() -> Any:
    from ml.generation.api import worker_batcher as batcher_for
    from ml.generation.model.loading import ModelSettings

    return batcher_for(ModelSettings(cache_dir=str(Path(settings.VAR_DIR) / "models")))


def suggestion_rows(
    campaign: Campaign, group: AdGroup, result: Any, job: GenerationJob | None = None
) -> list[Suggestion]:
    """Unsaved suggestions for one ad group's generated assets, with the model, quantization and prompt version."""
    p = result.provenance
    source = f"{SOURCE}:{p.model}:{p.quantization}:{p.prompt_version}"[:100]
    base = dict(organization_id=campaign.organization_id, campaign=campaign, ad_group=group, source=source, job=job)
    sources = getattr(result, "sources", {}) or {}

    def origin(field: str, i: int) -> str:
        return sources.get(field, [])[i] if i < len(sources.get(field, [])) else "model"

    rows = [
        Suggestion(
            kind=SuggestionKind.KEYWORD,
            text=k.text,
            match_type=k.match_type,
            evidence={"similarity": k.similarity, "seed": p.seed, "origin": origin("keywords", i)},
            **base,
        )
        for i, k in enumerate(result.keywords)
    ]
    rows += [
        Suggestion(
            kind=SuggestionKind.HEADLINE, text=text, evidence={"seed": p.seed, "origin": origin("headlines", i)}, **base
        )
        for i, text in enumerate(result.headlines)
    ]
    rows += [
        Suggestion(
            kind=SuggestionKind.DESCRIPTION,
            text=text,
            evidence={"seed": p.seed, "origin": origin("descriptions", i)},
            **base,
        )
        for i, text in enumerate(result.descriptions)
    ]
    return rows


def generate_for_campaign(campaign: Campaign, *, batcher=None, embedder=None) -> GenerationSummary:
    """Replace the campaign's pending generated suggestions with fresh ones, one request per live ad group."""
    from campaigns.services.matching import shared_embedder
    from ml.generation.api import InjectionRefused, generate_many

    groups = live_ad_groups(campaign)
    requests = [build_request(campaign, group) for group in groups]
    batcher = batcher or worker_batcher()
    results = generate_many(requests, batcher, embedder or shared_embedder()) if requests else []
    rows, refused = [], {}
    for group, result in zip(groups, results, strict=True):
        if isinstance(result, InjectionRefused):
            refused[group.name] = str(result)
            continue
        rows += suggestion_rows(campaign, group, result)
    with transaction.atomic():
        # A rerun (or a redelivered task) replaces what is still pending: no duplicated suggestions.
        Suggestion.objects.filter(
            campaign=campaign, status=SuggestionStatus.PENDING, source__startswith=SOURCE, kind__in=GENERATED_KINDS
        ).delete()
        Suggestion.objects.bulk_create(rows)
    kinds = [row.kind for row in rows]
    return GenerationSummary(
        ad_groups=len(groups),
        keywords=kinds.count(SuggestionKind.KEYWORD),
        headlines=kinds.count(SuggestionKind.HEADLINE),
        descriptions=kinds.count(SuggestionKind.DESCRIPTION),
        refused=refused,
    )
