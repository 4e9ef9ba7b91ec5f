"""The full pipeline (issue 17): more candidates than an ad needs, only whole and true lines, the best kept.

Per request, :func:`plan_rows` asks the model for each field several times (each row with a different pair of the
worked examples closest to the brief, so rows differ), and :func:`assemble_full` turns the rows into an ad:

1. every line is scored by the model while it is written (:mod:`ml.generation.lines`);
2. each must pass the platforms' rules (:mod:`ml.ad_rules`), the guardrails' canaries and the marketer's checks
   (:mod:`ml.generation.quality`: not cut, not dangling, no invented number or claim, no copied example, on topic);
3. selling points and whole phrases of the brief join as candidates (:mod:`ml.generation.candidates`);
4. descriptions far from the brief (embedding similarity) are dropped (headlines and keywords may use only the
   brief's words, :mod:`ml.generation.quality`, so a short line's similarity says little), and the rest are
   ranked by fluency and similarity and picked for variety (:mod:`ml.generation.ranking`).

A field gets fewer lines than asked rather than a bad one. Every dropped line is reported with its reason.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ml.ad_rules import (
    KeywordText,
    Rules,
    Violation,
    check_keyword,
    check_text,
)
from ml.generation.candidates import description_candidates, headline_candidates, keyword_candidates
from ml.generation.guardrails import GuardResult, contains_canary
from ml.generation.items import Completion, GenerationItem
from ml.generation.lines import ScoredLine, scored_lines
from ml.generation.prompts import (
    PromptInput,
    build_bank_prompt,
    example_bank,
    nearest_examples,
)
from ml.generation.quality import (
    FIELD_LIMITS,
    MIN_END_PROBABILITY,
    Brief,
    check_line,
    example_keys,
    example_stems,
    extra_words,
)
from ml.generation.ranking import Candidate, select
from ml.generation.tables import LANGUAGE_ALPHABET

# sampling temperature of the rows: more varied rows leave more distinct lines after the checks (measured on the
# development briefs: 1 of 12 full ads at 0.5 with 6 / 2 / 4 rows, 5 of 12 at 0.7 with 10 / 2 / 6; on all 40, 12 full
# ads with 10 headline rows, 19 with 14: the pool of whole, true lines runs out before the ranking does)
TEMPERATURE = 0.7
# rows asked per field, and lines per row: over-generation, so that whole, true, distinct lines are left
ROWS = {"headlines": 18, "descriptions": 2, "keywords": 8}
# rows of the first round: a field that round leaves short of what was asked gets the rest of ROWS in a second
# round (bench/ad_rows_study.py, replayed on the 40 development and 12 held-out briefs: the same full ads and usable
# lines as all rows at once, with 21-27 % fewer tokens; the rows thrown away are most of the tokens)
FIRST_ROWS = {"headlines": 8, "descriptions": 1, "keywords": 4}
# more rows for a field that all of ROWS still leaves below what a full ad needs (the briefs whose pool of whole,
# true lines runs out first): a third round, for those fields only
EXTRA_ROWS = {"headlines": 10, "descriptions": 2, "keywords": 8}
# a full ad: Google's ad strength counts 10+ distinct headlines and 3+ descriptions as good; 8 keywords
FULL_AD = {"headlines": 10, "descriptions": 3, "keywords": 8}
# what a request asks by default (a full responsive search ad; GenerationRequest's defaults): the first round's rows
# are sized for it
ASKED = {"headlines": 15, "descriptions": 4, "keywords": 10}
LINES_PER_ROW = {"headlines": 10, "descriptions": 4, "keywords": 10}
TOKENS_PER_LINE = {"keywords": 9, "headlines": 10, "descriptions": 26}
KINDS = ("keywords", "headlines", "descriptions")
# a line with a word the brief does not use must be at least this close to the brief by meaning
EXTRA_SIMILARITY = 0.5


def row_tokens() -> int:
    """The most tokens the full pipeline's rows of one request can write, every round's (for quotas)."""
    return sum((ROWS[k] + EXTRA_ROWS[k]) * (TOKENS_PER_LINE[k] * LINES_PER_ROW[k] + 2) for k in KINDS)


def first_rows(wanted: Mapping[str, int] | None = None) -> dict[str, int]:
    """How many rows of each field the first round decodes: :data:`FIRST_ROWS` for a full ad (what a request asks
    by default, :data:`ASKED`), and in proportion for a request that asks fewer lines (3 headlines need about a
    fifth of the rows of 15), at least one. A field the first round leaves short gets the rest of its rows next.

    Only the first round is sized: on the injection corpus's thin briefs (3 headlines, 2 descriptions, 3 keywords
    asked) a second round sized the same way left most requests short, and the third round then decoded more rows
    and took longer than a second round of every row left."""
    wanted = wanted or ASKED
    return {
        kind: min(FIRST_ROWS[kind], max(1, math.ceil(FIRST_ROWS[kind] * wanted[kind] / ASKED[kind]))) for kind in KINDS
    }


def first_round(wanted: Mapping[str, int] | None = None) -> dict[str, range]:
    """The rows of the first round, per field (indices into each field's :data:`ROWS`)."""
    return {kind: range(rows) for kind, rows in first_rows(wanted).items()}


def second_round(short: Iterable[str], wanted: Mapping[str, int] | None = None) -> dict[str, range]:
    """The rows of :data:`ROWS` the first round (for ``wanted``) left for the fields it left short."""
    first = first_rows(wanted)
    return {kind: range(first[kind], ROWS[kind]) for kind in short if first[kind] < ROWS[kind]}


def third_round(short: Iterable[str]) -> dict[str, range]:
    """The :data:`EXTRA_ROWS` for the fields that every row of :data:`ROWS` left below a full ad."""
    return {kind: range(ROWS[kind], ROWS[kind] + EXTRA_ROWS[kind]) for kind in short if EXTRA_ROWS[kind]}


def short_fields(chosen: Mapping[str, Sequence[Any]], wanted: Mapping[str, int]) -> list[str]:
    """The fields with fewer chosen lines than ``wanted``."""
    return [kind for kind in KINDS if len(chosen.get(kind, ())) < wanted[kind]]


def next_rows(round_: int, chosen: Mapping[str, Sequence[Any]], wanted: Mapping[str, int]) -> dict[str, range]:
    """The rows of round ``round_`` (2 or 3) after the earlier rounds chose ``chosen``: the second for the fields
    short of what was asked, the third for those still short of a full ad (:data:`FULL_AD`, or what was asked
    when that is less)."""
    if round_ == 2:
        return second_round(short_fields(chosen, wanted), wanted)
    return third_round(short_fields(chosen, {k: min(wanted[k], FULL_AD[k]) for k in KINDS}))


def plan_rows(
    item: PromptInput, embedder: Any = None, rows: Mapping[str, range] | None = None
) -> list[tuple[str, GenerationItem]]:
    """The rows to decode for one product: ``(field, item)`` per row.

    Each row of a field shows a different pair of the three closest examples and starts its list with a different
    phrase of the brief, so that the rows write different lines. ``rows`` picks which of each field's
    :data:`ROWS` to plan (all of them by default; :func:`first_round`, :func:`second_round`).
    """
    rows = rows if rows is not None else {kind: range(ROWS[kind]) for kind in KINDS}
    # the three closest examples; the third round's extra rows show the next three: a brief very like one example
    # (a locksmith beside the bank's locksmith) has its rows copy that example's lines, which the checks drop
    nearest = nearest_examples(" ".join([item.description, *item.selling_points]), item.language, embedder, k=6)
    phrases = brief_phrases(item.description, item.selling_points, item.language, item.brand_terms, item.landing_page)
    planned = []
    for kind in KINDS:
        for r in rows.get(kind, range(0)):
            examples = (nearest[3:] if r >= ROWS[kind] else None) or nearest[:3]
            shown = [examples[r % len(examples)], examples[(r + 1) % len(examples)]] if len(examples) > 1 else examples
            primed = [phrases[kind][r % len(phrases[kind])]] if phrases[kind] else []
            planned.append(
                (
                    kind,
                    GenerationItem(
                        prompt=build_bank_prompt(item, kind, shown, primed),  # type: ignore[arg-type]
                        limit=FIELD_LIMITS[kind],
                        max_lines=LINES_PER_ROW[kind],
                        max_new_tokens=TOKENS_PER_LINE[kind] * LINES_PER_ROW[kind] + 2,
                        alphabet=LANGUAGE_ALPHABET.get(item.language),
                    ),
                )
            )
    return planned


def brief_phrases(
    description: str,
    selling_points: Sequence[str],
    language: str,
    brand_terms: Sequence[str] = (),
    landing_page: str = "",
) -> dict[str, list[str]]:
    """Per field, the whole phrases of the brief that fit it (:mod:`ml.generation.candidates`)."""
    return {
        "headlines": headline_candidates(description, selling_points, language, brand_terms, landing_page),
        "descriptions": description_candidates(description, selling_points, language, brand_terms),
        "keywords": keyword_candidates(description, selling_points, language, brand_terms),
    }


def match_type_for(keyword: str) -> str:
    """Match type by length: short head terms as exact (broad would spend on everything), 3-5 words as phrase,
    longer tail as broad (exact would almost never match)."""
    words = len(keyword.split())
    if words <= 2:
        return "exact"
    return "phrase" if words <= 5 else "broad"


_KEYWORD_CLEAN = re.compile(r"[^\w\s'&.+/-]")


def clean_keyword(text: str) -> str:
    """A generated keyword as a search phrase: lower case, signs a keyword cannot hold turned into spaces."""
    return " ".join(_KEYWORD_CLEAN.sub(" ", text).lower().split())


def _normalise(text: str, kind: str) -> str:
    return clean_keyword(text).strip(" .") if kind == "keywords" else text


def platform_problems(text: str, kind: str, index: int, rules: Rules, guard: GuardResult) -> list[Violation]:
    """What the platforms' rules (:mod:`ml.ad_rules`, a keyword with the match type its length gives) and the
    guardrails' canaries say of one line, for either strategy."""
    if kind == "keywords":
        problems = check_keyword(KeywordText(text, match_type_for(text)), index, rules)
    else:
        problems = check_text(text, kind, index, rules)
    if contains_canary(text, guard.canaries):
        problems.append(Violation(kind, index, "canary", "repeats text removed by the guardrails"))
    return problems


def candidates_for(
    kind: str,
    lines: Sequence[ScoredLine],
    brief: Brief,
    rules: Rules,
    guard: GuardResult,
    brief_lines: Sequence[str],
    dropped: list[Violation],
) -> list[Candidate]:
    """The lines of one field that pass every check, the model's and the brief's, each text once."""
    found: dict[str, Candidate] = {}
    sources = [(line, "model") for line in lines] + [(ScoredLine(text), "brief") for text in brief_lines]
    for index, (line, source) in enumerate(sources):
        text = _normalise(line.text, kind)
        line = ScoredLine(text, line.mean_logprob, line.end_logprob)
        problems = platform_problems(text, kind, index, rules, guard)
        reason = None if problems else check_line(line, kind, brief)
        if problems or reason:
            if source == "brief":  # the brief's own phrase: only a term the organization blocked is news
                dropped.extend(
                    Violation(kind, None, p.reason, p.detail, text, p.params)
                    for p in problems
                    if p.reason == "blocked_term"
                )
            else:
                dropped.extend(Violation(kind, index, p.reason, p.detail, text, p.params) for p in problems)
                if reason:
                    dropped.append(Violation(kind, index, reason, _REASONS.get(reason, reason), text))
            continue
        key = text.casefold()
        candidate = Candidate(text, source, line.mean_logprob)
        if key not in found or candidate.score() > found[key].score():
            found[key] = candidate
    return list(found.values())


_REASONS = {
    "cut": "the line was ended by the width limit, not finished",
    "dangling": "the line ends on a word or sign that needs more after it",
    "fragment": "too few words to make a line",
    "repeated_word": "a word is repeated in the line",
    "misspelled": "a word of the brief misspelled or two of its words glued together",
    "invented_number": "a number the brief does not give",
    "invented_claim": "a claim the brief does not make",
    "example_copy": "copied from a prompt example, not about this product",
    "wrong_language": "written in another language",
    "off_topic": "not about this product",
}


def bank_lines(language: str) -> list[str]:
    """Every answer line of the bank's examples (and the plain prompt's) of ``language``."""
    from ml.generation.prompts import _EXAMPLES

    out: list[str] = []
    for ex in [*example_bank(language), *_EXAMPLES.get(language, [])]:
        out.append(ex["product"])
        for kind in KINDS:
            out.extend(ex[kind])
    return out


def assemble_full(
    request: Any,
    guard: GuardResult,
    kinds: Sequence[str],
    completions: Sequence[Completion],
    tokenizer: Any,
    embedder: Any = None,
    min_similarity: float | None = 0.2,
) -> tuple[dict[str, list[Candidate]], list[Violation], dict[str, list[str]]]:
    """Turn a request's rows into its chosen lines per field.

    Returns:
        ``(chosen, dropped, raw)``: per field the chosen candidates in order, every dropped line with its reason,
        and per field every line the model wrote.
    """
    text = (
        guard.text
        if guard.flagged
        else " | ".join([request.description, *request.selling_points, request.landing_page, *request.brand_terms])
    )
    examples = bank_lines(request.language)
    brief = Brief(
        text,
        request.language,
        example_keys(examples),
        example_stems(examples, request.language),
        tuple(request.brand_terms),
    )
    rules = Rules(
        blocked_terms=request.blocked_terms, acronyms=frozenset(request.brand_terms), platforms=request.platforms
    )
    description = guard.text if guard.flagged else request.description
    points = () if guard.flagged else request.selling_points
    landing = "" if guard.flagged else request.landing_page
    from_brief = brief_phrases(description, points, request.language, request.brand_terms, landing)
    wanted = {"keywords": request.n_keywords, "headlines": request.n_headlines, "descriptions": request.n_descriptions}
    dropped: list[Violation] = []
    raw: dict[str, list[str]] = {kind: [] for kind in KINDS}
    lines: dict[str, list[ScoredLine]] = {kind: [] for kind in KINDS}
    for kind, completion in zip(kinds, completions, strict=True):
        scored = _continuations_cut(scored_lines(completion, tokenizer, LINES_PER_ROW[kind]))
        lines[kind].extend(scored)
        raw[kind].extend(line.text for line in scored)
    chosen: dict[str, list[Candidate]] = {}
    for kind in KINDS:
        pool = candidates_for(kind, lines[kind], brief, rules, guard, from_brief[kind], dropped)
        anchor = " ".join([description, *points])
        pool = _with_similarity(pool, kind, anchor, embedder, min_similarity, dropped, brief)
        taken = request.existing_keywords if kind == "keywords" else ()
        kept, duplicates = select(pool, wanted[kind], request.language, taken)
        dropped.extend(
            Violation(kind, None, "duplicate", "repeats a line already chosen", c.text)
            for c in duplicates
            if c.source == "model"
        )
        chosen[kind] = kept
    return chosen, dropped, raw


def _continuations_cut(lines: list[ScoredLine]) -> list[ScoredLine]:
    """A line after one the limit cut goes on with the cut word ("Matemát" / "icas y Física"): cut too."""
    out, after_cut = [], False
    for line in lines:
        cut = not line.ended_by_model(MIN_END_PROBABILITY)
        out.append(ScoredLine(line.text, line.mean_logprob, float("-inf")) if after_cut and not cut else line)
        after_cut = cut
    return out


def _with_similarity(
    pool: list[Candidate],
    kind: str,
    anchor: str,
    embedder: Any,
    min_similarity: float | None,
    dropped: list[Violation],
    brief: Brief,
) -> list[Candidate]:
    if embedder is None or not pool:
        return pool
    vectors = embedder.encode([anchor, *[c.text for c in pool]])
    kept = []
    for candidate, vector in zip(pool, vectors[1:], strict=True):
        similarity = float(vector @ vectors[0])
        floor = (
            EXTRA_SIMILARITY
            if extra_words(candidate.text, kind, brief)
            else (min_similarity if kind == "descriptions" else None)
        )
        if floor is not None and similarity < floor and candidate.source == "model":
            dropped.append(
                Violation(kind, None, "off_topic", f"similarity {similarity:.2f} < {min_similarity}", candidate.text)
            )
            continue
        kept.append(Candidate(candidate.text, candidate.source, candidate.logprob, similarity))
    return kept
