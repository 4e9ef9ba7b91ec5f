"""The public entry: a product description in, validated keywords, headlines and descriptions out.

Pipeline per request: guardrails on the untrusted text (refuse, or strip suspicious spans) → one prompt per field
(keywords, headlines, descriptions) → the shared :class:`~ml.generation.batching.DynamicBatcher` decodes them with
the width limits enforced per row → every line is parsed, validated with :mod:`ml.ad_rules`, checked for
canaries, deduplicated (keywords also against the ad group's existing ones) and kept only when its embedding is
close enough to the product description. Every result records the model, quantization, prompt version and seed.

Example (a Celery worker, once per process)::

    loaded = load_model(ModelSettings(cache_dir="var/models"))
    batcher = DynamicBatcher(loaded)
    assets = generate_assets(GenerationRequest(description="Cemento Portland ..."), batcher)
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from ml.ad_rules import (
    BOTH_PLATFORMS,
    DESCRIPTION_LIMIT,
    HEADLINE_LIMIT,
    KEYWORD_LIMIT,
    Platform,
    Rules,
    Violation,
    normalise_for_duplicates,
)
from ml.generation import compose
from ml.generation.batching import DynamicBatcher
from ml.generation.compose import match_type_for
from ml.generation.guardrails import GuardMode, GuardResult, InjectionRefused, inspect
from ml.generation.items import Completion, GenerationItem
from ml.generation.model.loading import ModelSettings, load_model
from ml.generation.prompts import (
    PROMPT_VERSION,
    PROMPT_VERSION_FULL,
    AssetKind,
    Language,
    PromptInput,
    build_prompt,
    parse_lines,
)
from ml.generation.tables import LANGUAGE_ALPHABET

__all__ = [
    "GeneratedAssets",
    "GenerationRequest",
    "InjectionRefused",
    "KeywordSuggestion",
    "Provenance",
    "generate_assets",
    "generate_many",
    "token_budget",
    "worker_batcher",
]

# tokens a line may take, generously: limits are enforced by the logits processor, this only caps runaway rows
_TOKENS_PER_LINE = {"keywords": 9, "headlines": 10, "descriptions": 26}


@dataclass(frozen=True)
class GenerationRequest:
    """Everything the marketer gave for one ad group; all text is untrusted.

    Attributes:
        description: the product or service description.
        language: ``es`` or ``en``.
        landing_page: landing-page text, optional.
        selling_points: optional selling points.
        brand_terms: brand names (also allowed in capitals).
        existing_keywords: the ad group's current keywords; suggestions repeating one are dropped.
        blocked_terms: the organization's blocked terms.
        platforms: the platforms the ads must fit; the stricter width counting wins.
        guard_mode: ``refuse`` or ``strip`` (organization setting).
        n_keywords: keywords to ask the model for.
        n_headlines: headlines to ask for (3 to 15 end up in an ad; 15 by default, a full responsive ad).
        n_descriptions: descriptions to ask for (2 to 4).
        seed: sampling seed recorded with the result.
        strategy: ``full`` (over-generate, keep whole, true, distinct lines, ranked) or ``plain`` (one sample per
            field, validated only: the pipeline before issue 17, kept as the quality benchmark's baseline).
    """

    description: str
    language: Language = "es"
    landing_page: str = ""
    selling_points: tuple[str, ...] = ()
    brand_terms: tuple[str, ...] = ()
    existing_keywords: tuple[str, ...] = ()
    blocked_terms: tuple[str, ...] = ()
    platforms: tuple[Platform, ...] = BOTH_PLATFORMS
    guard_mode: GuardMode = "refuse"
    n_keywords: int = compose.ASKED["keywords"]
    n_headlines: int = compose.ASKED["headlines"]
    n_descriptions: int = compose.ASKED["descriptions"]
    seed: int = 0
    strategy: Literal["full", "plain"] = "full"


@dataclass(frozen=True)
class Provenance:
    """What produced a suggestion, stored with it so versions can be compared."""

    model: str
    quantization: str
    prompt_version: str
    seed: int


@dataclass(frozen=True)
class KeywordSuggestion:
    """A suggested keyword with its match type and its similarity to the product description."""

    text: str
    match_type: str
    similarity: float | None = None


@dataclass(frozen=True)
class GeneratedAssets:
    """The validated output for one request.

    Attributes:
        keywords: new keywords with match types.
        headlines: headlines, each within every platform's rules.
        descriptions: descriptions, each within every platform's rules.
        provenance: model, quantization, prompt version, seed.
        guard: the guardrail verdict (``flagged`` and removed spans in strip mode).
        dropped: why generated lines were dropped (field, index in the model's list, reason).
        raw_lines: generated lines per field before validation (for measuring the decoder's limits).
        tokens: generated tokens (up to each row's stop), for the organization's quota.
        sources: per field, where each kept line came from: ``model`` or ``brief`` (a selling point or phrase of
            the marketer's, kept whole).
    """

    keywords: list[KeywordSuggestion]
    headlines: list[str]
    descriptions: list[str]
    provenance: Provenance
    guard: GuardResult
    dropped: list[Violation] = field(default_factory=list)
    raw_lines: dict[str, list[str]] = field(default_factory=dict)
    tokens: int = 0
    sources: dict[str, list[str]] = field(default_factory=dict)


_worker_lock = threading.Lock()
_worker_batchers: dict[ModelSettings, DynamicBatcher] = {}


def worker_batcher(settings: ModelSettings | None = None) -> DynamicBatcher:
    """The process-wide batcher around the process's one loaded model, created on first use.

    Call it inside a Celery task (never at import time): every task of a ``--pool=threads`` worker then shares
    one model and one queue, so their prompts share batches. A CUDA worker runs with ``--pool=solo``.
    """
    settings = settings or ModelSettings()
    with _worker_lock:
        if settings not in _worker_batchers:
            _worker_batchers[settings] = DynamicBatcher(load_model(settings), temperature=compose.TEMPERATURE)
        return _worker_batchers[settings]


def _wanted(request: GenerationRequest) -> dict[str, int]:
    return {"keywords": request.n_keywords, "headlines": request.n_headlines, "descriptions": request.n_descriptions}


def token_budget(request: GenerationRequest) -> int:
    """The most tokens a request can generate (its rows' caps): what a quota must reserve for it."""
    if request.strategy == "full":
        return compose.row_tokens()
    return sum(_TOKENS_PER_LINE[kind] * n + 2 for kind, n in _wanted(request).items())


def _guarded_input(request: GenerationRequest) -> tuple[GuardResult, PromptInput]:
    """Guard the untrusted text; what the prompts may show of it.

    Raises:
        InjectionRefused: the text was flagged and the mode is ``refuse``.
    """
    untrusted = " ".join([request.description, request.landing_page, *request.selling_points, *request.brand_terms])
    guard = inspect(untrusted, mode=request.guard_mode)
    if guard.flagged:
        return guard, PromptInput(description=guard.text, language=request.language, brand_terms=request.brand_terms)
    return guard, PromptInput(
        description=request.description,
        language=request.language,
        landing_page=request.landing_page,
        selling_points=request.selling_points,
        brand_terms=request.brand_terms,
    )


def prepare(request: GenerationRequest, tokenizer: Any) -> tuple[GuardResult, list[GenerationItem]]:
    """Guard the untrusted text and build the three prompts of a ``plain`` request.

    Raises:
        InjectionRefused: the text was flagged and the mode is ``refuse``.
    """
    guard, item = _guarded_input(request)
    wanted = _wanted(request)
    limits = {"keywords": KEYWORD_LIMIT, "headlines": HEADLINE_LIMIT, "descriptions": DESCRIPTION_LIMIT}
    kinds: tuple[AssetKind, ...] = ("keywords", "headlines", "descriptions")
    items = [
        GenerationItem(
            prompt=build_prompt(item, kind, tokenizer),
            limit=limits[kind],
            max_lines=wanted[kind],
            max_new_tokens=_TOKENS_PER_LINE[kind] * wanted[kind] + 2,
            alphabet=LANGUAGE_ALPHABET.get(request.language),
        )
        for kind in kinds
    ]
    return guard, items


def _similarities(embedder: Any, anchor: str, texts: list[str]) -> list[float]:
    if not texts:
        return []
    vectors = embedder.encode([anchor, *texts])
    return [float(v) for v in vectors[1:] @ vectors[0]]


def _keep_close(
    texts: list[str],
    field_name: str,
    anchor: str,
    embedder: Any,
    min_similarity: float | None,
    dropped: list[Violation],
) -> list[tuple[str, float | None]]:
    if embedder is None or min_similarity is None:
        return [(t, None) for t in texts]
    kept: list[tuple[str, float | None]] = []
    for text, sim in zip(texts, _similarities(embedder, anchor, texts), strict=True):
        if sim >= min_similarity:
            kept.append((text, sim))
        else:
            dropped.append(Violation(field_name, None, "off_topic", f"similarity {sim:.2f} < {min_similarity}", text))
    return kept


def assemble(
    request: GenerationRequest,
    guard: GuardResult,
    completions: Sequence[Completion],
    loaded: Any,
    embedder: Any = None,
    min_similarity: float | None = 0.2,
) -> GeneratedAssets:
    """Turn a request's three completions into validated assets.

    Args:
        request: the request.
        guard: its guardrail verdict.
        completions: keywords, headlines, descriptions, in that order.
        loaded: the model (for provenance).
        embedder: anything with ``encode(texts) -> unit rows``; None skips the similarity filter.
        min_similarity: cosine similarity to the description below which a suggestion is dropped.

    Returns:
        The validated assets.
    """
    rules = Rules(
        blocked_terms=request.blocked_terms, acronyms=frozenset(request.brand_terms), platforms=request.platforms
    )
    wanted = _wanted(request)
    kinds: tuple[AssetKind, ...] = ("keywords", "headlines", "descriptions")
    raw: dict[str, list[str]] = {
        kind: parse_lines(c.text, wanted[kind]) for kind, c in zip(kinds, completions, strict=True)
    }
    dropped: list[Violation] = []
    seen = {normalise_for_duplicates(k) for k in request.existing_keywords}
    clean: dict[str, list[str]] = {}
    for kind in kinds:
        clean[kind] = []
        for i, line in enumerate(raw[kind]):
            text = compose.clean_keyword(line) if kind == "keywords" else line
            problems = compose.platform_problems(text, kind, i, rules, guard)
            key = normalise_for_duplicates(text)
            if key in seen:
                problems.append(Violation(kind, i, "duplicate", "repeats an existing or earlier item"))
            if problems:
                dropped.extend(replace(p, text=text) for p in problems)
                continue
            seen.add(key)
            clean[kind].append(text)
    anchor = guard.text if guard.flagged else request.description
    keywords = [
        KeywordSuggestion(text, match_type_for(text), sim)
        for text, sim in _keep_close(clean["keywords"], "keywords", anchor, embedder, min_similarity, dropped)
    ]
    headlines = [t for t, _ in _keep_close(clean["headlines"], "headlines", anchor, embedder, min_similarity, dropped)]
    descriptions = [
        t for t, _ in _keep_close(clean["descriptions"], "descriptions", anchor, embedder, min_similarity, dropped)
    ]
    return GeneratedAssets(
        keywords=keywords,
        headlines=headlines,
        descriptions=descriptions,
        provenance=Provenance(loaded.name, loaded.quantization, PROMPT_VERSION, request.seed),
        guard=guard,
        dropped=dropped,
        raw_lines=raw,
        tokens=sum(c.new_tokens for c in completions),
    )


def generate_many(
    requests: Sequence[GenerationRequest],
    batcher: DynamicBatcher,
    embedder: Any = None,
    min_similarity: float | None = 0.2,
) -> list[GeneratedAssets | InjectionRefused]:
    """Generate for many requests at once, so their prompts share batches.

    A ``full`` request is decoded in up to three rounds: the first round's rows (:func:`compose.first_round`) of
    every request go to the batcher together; a request whose ad then lacks lines of a field gets that field's
    remaining rows (:func:`compose.next_rows`), again all such requests together; a field still short of a full
    ad gets a third round of extra rows. Each ad is assembled from all its rows. Rows that over-generation throws
    away are most of the tokens: they are spent only where they are needed.

    Args:
        requests: the requests (e.g. every ad group of a campaign).
        batcher: the worker's batcher around its one loaded model.
        embedder: see :func:`assemble`.
        min_similarity: see :func:`assemble`.

    Returns:
        Per request, the assets or the :class:`InjectionRefused` explaining why nothing was generated.
    """
    tokenizer = batcher.loaded.tokenizer
    planned: list[_Planned | InjectionRefused] = []
    for request in requests:
        try:
            if request.strategy == "full":
                guard, item = _guarded_input(request)
                rows = compose.plan_rows(item, embedder, compose.first_round(_wanted(request)))
                planned.append(_Planned(request, guard, [kind for kind, _ in rows], [row for _, row in rows], item))
            else:
                guard, items = prepare(request, tokenizer)
                planned.append(_Planned(request, guard, ["keywords", "headlines", "descriptions"], items))
        except InjectionRefused as refused:
            planned.append(refused)
    live = [entry for entry in planned if not isinstance(entry, InjectionRefused)]
    _decode(batcher, live)
    # later rounds: the rows left for the fields the earlier rounds left short, every such request's at once
    growing = [entry for entry in live if entry.request.strategy == "full"]
    for round_ in (2, 3, None):  # None: the last round's requests are assembled, nothing more is planned
        again = []
        for entry in growing:
            entry.chosen = compose.assemble_full(
                entry.request, entry.guard, entry.kinds, entry.completions, tokenizer, embedder, min_similarity
            )
            wanted = compose.next_rows(round_, entry.chosen[0], _wanted(entry.request)) if round_ else {}
            if wanted and entry.item is not None:
                rows = compose.plan_rows(entry.item, embedder, wanted)
                again.append((entry, _Planned(entry.request, entry.guard, [k for k, _ in rows], [r for _, r in rows])))
        if not again:
            break
        _decode(batcher, [more for _, more in again])
        for entry, more in again:
            entry.kinds += more.kinds
            entry.completions += more.completions
        growing = [entry for entry, _ in again]
    results: list[GeneratedAssets | InjectionRefused] = []
    for each in planned:
        if isinstance(each, InjectionRefused):
            results.append(each)
            continue
        entry = each
        if entry.request.strategy != "full":
            results.append(
                assemble(entry.request, entry.guard, entry.completions, batcher.loaded, embedder, min_similarity)
            )
        else:
            results.append(_full_assets(entry, batcher.loaded))
    return results


@dataclass
class _Planned:
    """One request's rows on their way through the batcher, and (``full``) what its rounds chose."""

    request: GenerationRequest
    guard: GuardResult
    kinds: list[str]
    items: list[GenerationItem]
    item: PromptInput | None = None
    completions: list[Completion] = field(default_factory=list)
    chosen: tuple[dict[str, list[Any]], list[Violation], dict[str, list[str]]] | None = None


def _decode(batcher: DynamicBatcher, entries: Sequence[_Planned]) -> None:
    """Decode every entry's rows, all queued at once so that they share batches (none left over for a batch of its
    own), and store each entry's completions in order."""
    futures = iter(batcher.submit_many([item for entry in entries for item in entry.items]))
    claimed = [(entry, [next(futures) for _ in entry.items]) for entry in entries]
    for entry, mine in claimed:
        entry.completions = [f.result() for f in mine]


def _full_assets(entry: _Planned, loaded: Any) -> GeneratedAssets:
    assert entry.chosen is not None
    chosen, dropped, raw = entry.chosen
    return GeneratedAssets(
        keywords=[KeywordSuggestion(c.text, match_type_for(c.text), c.similarity) for c in chosen["keywords"]],
        headlines=[c.text for c in chosen["headlines"]],
        descriptions=[c.text for c in chosen["descriptions"]],
        provenance=Provenance(loaded.name, loaded.quantization, PROMPT_VERSION_FULL, entry.request.seed),
        guard=entry.guard,
        dropped=dropped,
        raw_lines=raw,
        tokens=sum(c.new_tokens for c in entry.completions),
        sources={kind: [c.source for c in chosen[kind]] for kind in chosen},
    )


def generate_assets(
    request: GenerationRequest,
    batcher: DynamicBatcher,
    embedder: Any = None,
    min_similarity: float | None = 0.2,
) -> GeneratedAssets:
    """Generate validated keywords, headlines and descriptions for one request.

    Args:
        request: the marketer's input.
        batcher: the worker's batcher (one per process, around one loaded model).
        embedder: for the similarity filter; pass ``ml.matching.default_embedder()`` in production, None to skip.
        min_similarity: cosine similarity to the description below which a suggestion is dropped.

    Returns:
        The assets, each within every platform's rules.

    Raises:
        InjectionRefused: the text was flagged and the request's guard mode is ``refuse``.
    """
    result = generate_many([request], batcher, embedder, min_similarity)[0]
    if isinstance(result, InjectionRefused):
        raise result
    return result
