"""Keyword and ad suggestions for a campaign's ad groups from the local LLM, saved for the marketer's approval.

Runs in the worker on queue ``llm``; one model per worker process, shared by every task through the batcher.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from campaigns.models import Ad, Campaign, CampaignStatus, Suggestion, SuggestionKind, SuggestionStatus

SOURCE = "generation"


@dataclass(frozen=True)
class GenerationSummary:
    ad_groups: int
    keywords: int
    headlines: int
    descriptions: int
    refused: dict[str, str]  # ad group name -> why its text was refused


def _description(ad_group) -> str:  # type: ignore[no-untyped-def]
    """What the ad group sells, from its name and its ads' text (marketer text: the model sees it as data)."""
    ads = Ad.objects.filter(ad_group=ad_group).order_by("pk")
    parts = [ad_group.name, *(text for ad in ads for text in ad.headline_texts + ad.description_texts)]
    return ". ".join(parts)[:1500]


def generate_for_campaign(campaign: Campaign, *, batcher=None, embedder=None) -> GenerationSummary:  # type: ignore[no-untyped-def]
    """Replace the campaign's pending generated suggestions with fresh ones, one request per live ad group."""
    from campaigns.services.matching import shared_embedder
    from ml.generation.generate import GenerationRequest, InjectionRefused, generate_many, worker_batcher
    from ml.generation.model import ModelSettings

    groups = list(campaign.ad_groups.exclude(status=CampaignStatus.REMOVED).prefetch_related("keywords")
                  .order_by("pk"))
    requests = [
        GenerationRequest(
            description=_description(group), language="en" if campaign.language == "en" else "es",
            existing_keywords=tuple(k.text for k in group.keywords.all() if not k.negative),
            platforms=(campaign.platform,), seed=group.pk,
        )
        for group in groups
    ]
    batcher = batcher or worker_batcher(ModelSettings(cache_dir=str(Path(settings.VAR_DIR) / "models")))
    results = generate_many(requests, batcher, embedder or shared_embedder()) if requests else []
    rows, refused = [], {}
    for group, result in zip(groups, results, strict=True):
        if isinstance(result, InjectionRefused):
            refused[group.name] = str(result)
            continue
        p = result.provenance
        source = f"{SOURCE}:{p.model}:{p.quantization}:{p.prompt_version}"[:100]
        base = dict(organization_id=campaign.organization_id, campaign=campaign, ad_group=group, source=source)
        rows += [Suggestion(kind=SuggestionKind.KEYWORD, text=k.text, match_type=k.match_type,
                            evidence={"similarity": k.similarity, "seed": p.seed}, **base) for k in result.keywords]
        rows += [Suggestion(kind=SuggestionKind.HEADLINE, text=text, evidence={"seed": p.seed}, **base)
                 for text in result.headlines]
        rows += [Suggestion(kind=SuggestionKind.DESCRIPTION, text=text, evidence={"seed": p.seed}, **base)
                 for text in result.descriptions]
    with transaction.atomic():
        # A rerun (or a redelivered task) replaces what is still pending: no duplicated suggestions.
        Suggestion.objects.filter(campaign=campaign, status=SuggestionStatus.PENDING, source__startswith=SOURCE,
                                  kind__in=[SuggestionKind.KEYWORD, SuggestionKind.HEADLINE,
                                            SuggestionKind.DESCRIPTION]).delete()
        Suggestion.objects.bulk_create(rows)
    kinds = [row.kind for row in rows]
    return GenerationSummary(ad_groups=len(groups), keywords=kinds.count(SuggestionKind.KEYWORD),
                             headlines=kinds.count(SuggestionKind.HEADLINE),
                             descriptions=kinds.count(SuggestionKind.DESCRIPTION), refused=refused)
