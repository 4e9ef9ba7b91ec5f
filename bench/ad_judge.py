"""An independent judge of generated ad text: is a returned line something a marketer can publish as it is?

Written apart from the generator (it never imports ``ml.generation``; only :mod:`ml.ad_rules` for the platforms'
widths) so that the quality benchmark measures the generator instead of agreeing with its filters. A line is
usable when it passes every criterion of issue 17; each failed one adds a reason ``"<criterion>: <detail>"``:

1. ``whole``: ends on a complete word or number, not on a dangling word, a comma, colon, hyphen, ampersand or
   slash, not on a number cut from one of the brief (``Sacos de 5`` for 50 kg), not on the start of a brief word,
   no unclosed bracket or quote, not on a short stop word of the other language (``juradas de or``: a cut word).
2. ``spelled``: every word is a word of the language (wordfreq, accents optional), a number or unit, or a word of
   the brief (brands, product names); not a brief word with two or three letters of its middle left out (``Pies``
   for ``Piensos``, a real word but a mangled one).
3. ``clean``: no content word repeated, no boilerplate (``click here``, ``www.``, template markers).
4. ``true``: every number and every claim of :data:`bench.ad_lexicon.CLAIMS` is in the brief.
5. ``topic``: shares a content word (stem) with the brief that is not a word any business would use.
6. ``distinct``: not a near-duplicate (token-set Jaccard >= 0.8 after folding and stemming) of an earlier line.
7. ``language``: reads as the brief's language.

Also ``limit`` (wider than the platforms allow) and ``fragment`` (a one-word headline or description).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from bench.ad_lexicon import (
    BOILERPLATE,
    CLAIMS,
    COMPLETE_ENDINGS,
    DANGLING,
    FOREIGN_WORDS,
    INGREDIENT_FREE,
    NUMBER_WORDS,
    STOP_WORDS,
    UNITS,
)
from bench.ad_text import (
    SPELLED_MIN_ZIPF,
    Brief,
    base,
    fold,
    frequency,
    is_content,
    is_generic,
    is_number,
    number_forms,
    parts,
    stem,
    tokens,
)
from ml.ad_rules import DESCRIPTION_MAX, HEADLINE_MAX, KEYWORD_MAX_CHARS, KEYWORD_MAX_WORDS, text_width

Kind = Literal["headline", "description", "keyword"]
LIMITS = {"headline": HEADLINE_MAX, "description": DESCRIPTION_MAX, "keyword": KEYWORD_MAX_CHARS}
FULL_AD = {"headlines": 10, "descriptions": 3, "keywords": 8}
NEAR_DUPLICATE_JACCARD = 0.8

_COMPOUND_END = re.compile(r"\b\d+-(?:year|month|week|day|night|hour|minute|inch|foot|pound|step|piece)$")
NEAR_LIMIT = 3  # characters: a line this close to its limit may have been cut by it
_TRAILING_CUT = ",:;-–—&/($#@"

__all__ = ["FULL_AD", "AdVerdict", "Brief", "Kind", "Verdict", "judge_ad", "judge_line"]


@dataclass(frozen=True)
class Verdict:
    """The judge's verdict on one line: usable, or the reasons it is not (``"<criterion>: <detail>"``)."""

    usable: bool
    reasons: list[str] = field(default_factory=list)

    @property
    def criteria(self) -> list[str]:
        """The failed criteria, without details (``whole``, ``true``, ...)."""
        return [r.split(":", 1)[0] for r in self.reasons]


def _whole(line: str, words: list[str], brief: Brief, kind: Kind) -> list[str]:
    stripped = line.strip()
    reasons = []
    if not stripped:
        return ["whole: empty"]
    near_limit = text_width(stripped) >= LIMITS[kind] - NEAR_LIMIT
    first = next((c for c in stripped if c.isalnum()), "")
    if kind != "keyword" and first.islower() and words[0] not in brief.brand_words:
        reasons.append("whole: starts in lower case, mid-sentence")
    if stripped[-1] in _TRAILING_CUT:
        reasons.append(f"whole: ends on {stripped[-1]!r}")
    if stripped.endswith(("...", "…")):
        reasons.append("whole: trails off")
    folded = fold(stripped)
    compound = _COMPOUND_END.search(folded) if brief.language == "en" else None
    if compound:
        reasons.append(f"whole: ends on {compound.group(0)!r} without its noun")
    if words and not is_number(words[-1]):
        last = words[-1]
        after_number = len(words) > 1 and is_number(words[-2])
        if last in DANGLING[brief.language] and not COMPLETE_ENDINGS.search(folded.rstrip(".!?")):
            reasons.append(f"whole: ends on {last!r}")
        elif (
            len(last) == 1
            and not after_number
            and stripped[-1].isalpha()
            and not (len(words) > 1 and re.search(rf"\b{re.escape(words[-2])} {re.escape(last)}\b", brief.text))
        ):  # "carnet B", "vitamina C": a term of the brief, not a cut word
            reasons.append(f"whole: ends on the letter {last!r}")
        elif last not in brief.words and _foreign_stop_word(last, brief.language):
            # "Traducciones juradas de or": a cut word that happens to be a stop word of the other language
            reasons.append(f"whole: ends on {last!r}, a cut word (not a word of the line's language)")
        elif last not in brief.words and (near_limit or frequency(last, brief.language) < 3.0):
            cut_from = _completes(last, brief)
            if cut_from:
                reasons.append(f"whole: {last!r} cut from {cut_from!r}")
    elif words:
        last_forms = number_forms(words[-1])
        line_numbers = {f for w in words if is_number(w) for f in number_forms(w)}
        if not last_forms & brief.numbers:
            longer = sorted(n for n in brief.numbers - line_numbers if any(n.startswith(f) for f in last_forms))
            if longer:
                reasons.append(f"whole: {words[-1]} cut from {longer[0]}")
        unit = next((brief.number_units[f] for f in last_forms if f in brief.number_units), None)
        if unit and re.search(r"\d$", stripped):
            reasons.append(f"whole: {words[-1]} without its {unit!r}")
    for brand in brief.brands:
        cut_at = next((k for k in range(len(brand) - 1, 0, -1) if tuple(words[-k:]) == brand[:k]), 0)
        if cut_at and stripped[-1].isalnum():
            reasons.append(f"whole: brand {' '.join(brand)!r} cut after {cut_at} of its {len(brand)} words")
    if kind == "description" and near_limit and stripped[-1] not in '.!?)»”"':
        reasons.append("whole: stops at the limit mid-sentence")
    pairs = (("(", ")"), ("¿", "?"), ("¡", "!"), ("«", "»"), ("“", "”"))
    for opening, closing in pairs:
        if stripped.count(opening) > stripped.count(closing):
            reasons.append(f"whole: unclosed {opening}")
    if stripped.count('"') % 2:
        reasons.append('whole: unclosed "')
    return reasons


def _foreign_stop_word(word: str, language: str) -> bool:
    """A short stop word of the other language that is none of this one's ("or" in a Spanish line)."""
    other = "en" if language == "es" else "es"
    return len(word) <= 3 and word in STOP_WORDS[other] and word not in STOP_WORDS[language]


MANGLED_MIN_PREFIX = 3  # letters a mangled word keeps of the start of the brief word
# letters of the middle it leaves out: a token's worth ("nso"); more is another word ("fotos" / "fotografías")
MANGLED_LEFT_OUT = (2, 3)


def _mangled(word: str, brief: Brief) -> str | None:
    """The brief word (or its plural) that ``word`` is a mangled copy of: its start and its end with letters of the
    middle left out ("Pies" for "Piensos": the model skipped "nso"). Inflections keep a word's start whole ("perro"
    / "perros"), so they never match; a stop word ("pues", "tras") is never taken for one."""
    if word in brief.words or is_number(word) or word in STOP_WORDS[brief.language] or len(word) < 4:
        return None
    if base(word) in brief.bases:
        return None
    plurals = [f"{w}s" for w in sorted(brief.words) if w.isalpha() and w[-1] in "aeiou"]  # "Pies": "piensos"
    for other in [*sorted(brief.words), *plurals]:
        if len(other) - len(word) not in MANGLED_LEFT_OUT or word[-1:] != other[-1:]:
            continue
        k = 0
        while k < len(word) and word[k] == other[k]:
            k += 1
        if k < MANGLED_MIN_PREFIX or k == len(word):
            continue
        if other.endswith(word[k:]):
            return other
    return None


def _completes(fragment: str, brief: Brief) -> str | None:
    """The brief word that ``fragment`` is the cut-off start of, if any."""
    if len(fragment) < 2:
        return None
    if base(fragment) in brief.bases and frequency(fragment, brief.language) >= SPELLED_MIN_ZIPF:
        return None  # an inflection of a brief word ("bici" of "bicis"), not a cut
    longer = sorted(w for w in brief.words if w.startswith(fragment) and len(w) > len(fragment))
    return longer[0] if longer else None


def _spelled(words: list[str], brief: Brief) -> list[str]:
    unknown = []
    for word in words:
        if is_number(word) or word in UNITS or word in brief.words:
            continue
        mangled = _mangled(word, brief)
        if mangled:
            unknown.append(f"{word} (mangled {mangled})")
            continue
        if all(p in brief.words or base(p) in brief.bases or _spelled_word(p, brief.language) for p in parts(word)):
            if frequency(word, brief.language) < 2.5 and _completes(word, brief):
                unknown.append(word)
            continue
        unknown.append(word)
    return [f"spelled: {w!r}" for w in dict.fromkeys(unknown)]


def _spelled_word(word: str, language: str) -> bool:
    return frequency(word, language) >= SPELLED_MIN_ZIPF or (len(word) <= 2 and frequency(word, language) > 0)


def _clean(line: str, words: list[str], brief: Brief) -> list[str]:
    reasons = []
    content = [base(w) for w in words if is_content(w, brief.language)]
    repeated = sorted({s for s in content if content.count(s) > 1})
    if repeated:
        reasons.append(f"clean: repeats {', '.join(repeated)}")
    if any(a == b for a, b in zip(words, words[1:], strict=False)) and not repeated:
        reasons.append("clean: a word twice in a row")
    match = BOILERPLATE.search(fold(line))
    if match:
        reasons.append(f"clean: boilerplate {match.group(0).strip()!r}")
    return reasons


def _true(line: str, words: list[str], brief: Brief) -> list[str]:
    reasons = []
    numbers = [w for w in words if is_number(w)] + [w for w in words if w in NUMBER_WORDS[brief.language]]
    for number in dict.fromkeys(numbers):
        forms = {NUMBER_WORDS[brief.language][number]} if number in NUMBER_WORDS[brief.language] else None
        if not (forms or number_forms(number)) & brief.numbers:
            reasons.append(f"true: number {number} not in the brief")
    text = INGREDIENT_FREE.sub(r"\1less", fold(line))
    for code, pattern in CLAIMS:
        if pattern.search(text) and not pattern.search(brief.text):
            reasons.append(f"true: claim {code} not in the brief")
    return reasons


def _topic(words: list[str], brief: Brief, kind: Kind) -> list[str]:
    content = [p for w in words if is_content(w, brief.language) for p in parts(w)]
    foreign = [p for p in content if p in FOREIGN_WORDS and stem(p) not in brief.stems]
    if foreign:
        return [f"topic: {foreign[0]!r} belongs to the prompt's examples or the demo catalog, not this brief"]
    stems = {stem(p) for p in content}
    specific = {stem(p) for p in content if not is_generic(p, brief.language)}
    specific |= {stem(w) for w in words if w in brief.brand_words}
    if specific & brief.specific_stems:
        return []
    if stems & brief.stems:
        return ["topic: generic, only words any business uses"]
    return ["topic: no content word of the brief" if kind == "keyword" else "topic: shares no word with the brief"]


def _key(words: list[str]) -> frozenset[str]:
    return frozenset(stem(p) for w in words for p in parts(w))


def _distinct(words: list[str], others: Sequence[str]) -> list[str]:
    key = _key(words)
    for other in others:
        other_key = _key(tokens(other))
        if key and other_key and len(key & other_key) / len(key | other_key) >= NEAR_DUPLICATE_JACCARD:
            return [f"distinct: near-duplicate of {other!r}"]
    return []


def _language(words: list[str], brief: Brief) -> list[str]:
    own = brief.language
    other = "en" if own == "es" else "es"
    votes = {own: 0, other: 0}
    for word in words:
        if is_number(word) or word in brief.words or word in UNITS or len(word) < 2:
            continue
        if word in STOP_WORDS[own] and word not in STOP_WORDS[other]:
            votes[own] += 1
        elif word in STOP_WORDS[other] and word not in STOP_WORDS[own]:
            votes[other] += 1
        else:
            gap = frequency(word, own) - frequency(word, other)
            if abs(gap) >= 1.0:
                votes[own if gap > 0 else other] += 1
    if votes[other] > votes[own]:
        return [f"language: reads as {other} ({votes[other]} words against {votes[own]})"]
    return []


def _limits(line: str, words: list[str], kind: Kind) -> list[str]:
    reasons = []
    width = text_width(line)
    if width > LIMITS[kind]:
        reasons.append(f"limit: {width} > {LIMITS[kind]}")
    if kind == "keyword" and len(line.split()) > KEYWORD_MAX_WORDS:
        reasons.append(f"limit: {len(line.split())} words > {KEYWORD_MAX_WORDS}")
    if kind != "keyword" and len(words) == 1:
        reasons.append("fragment: one word")
    return reasons


def judge_line(line: str, kind: Kind, brief: Any, others: Sequence[str] = ()) -> Verdict:
    """Judge one returned line.

    Args:
        line: the text as the generator returned it.
        kind: ``headline``, ``description`` or ``keyword``.
        brief: the brief (a mapping with the fields of ``bench/data/ad_briefs/*.jsonl``, or a :class:`Brief`).
        others: the earlier lines of the same field to check near-duplicates against (``judge_ad`` passes the
            earlier usable ones, so a whole line after its cut copy still counts).

    Returns:
        The verdict with every failed criterion's reason.
    """
    info = Brief.of(brief)
    words = tokens(line)
    if not words:
        return Verdict(False, ["whole: no words"])
    reasons = [
        *_limits(line, words, kind),
        *_whole(line, words, info, kind),
        *_spelled(words, info),
        *_clean(line, words, info),
        *_true(line, words, info),
        *_topic(words, info, kind),
        *_language(words, info),
        *_distinct(words, others),
    ]
    return Verdict(not reasons, reasons)


@dataclass(frozen=True)
class AdVerdict:
    """The verdicts on one brief's returned lines and whether they make a full ad."""

    headlines: list[tuple[str, Verdict]]
    descriptions: list[tuple[str, Verdict]]
    keywords: list[tuple[str, Verdict]]

    def usable(self, field_name: str) -> list[str]:
        """The usable lines of ``headlines``, ``descriptions`` or ``keywords`` (distinct by construction)."""
        return [line for line, verdict in getattr(self, field_name) if verdict.usable]

    @property
    def distinct_usable_headlines(self) -> int:
        """Usable headlines that are not near-duplicates of each other."""
        return len(self.usable("headlines"))

    @property
    def full_ad(self) -> bool:
        """At least 10 distinct usable headlines, 3 usable descriptions and 8 usable keywords."""
        return all(len(self.usable(name)) >= n for name, n in FULL_AD.items())


def _judge_field(lines: Sequence[str], kind: Kind, brief: Brief) -> list[tuple[str, Verdict]]:
    kept: list[str] = []
    verdicts = []
    for line in lines:
        verdict = judge_line(line, kind, brief, kept)
        if verdict.usable:
            kept.append(line)
        verdicts.append((line, verdict))
    return verdicts


def judge_ad(brief: Any, headlines: Sequence[str], descriptions: Sequence[str], keywords: Sequence[str]) -> AdVerdict:
    """Judge every returned line of one brief, each field in its order."""
    info = Brief.of(brief)
    return AdVerdict(
        headlines=_judge_field(headlines, "headline", info),
        descriptions=_judge_field(descriptions, "description", info),
        keywords=_judge_field(keywords, "keyword", info),
    )
