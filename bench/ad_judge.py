"""An independent judge of generated ad text: is a returned line something a marketer can publish as it is?

Written apart from the generator (it never imports ``ml.generation``; only :mod:`ml.ad_rules` for the platforms'
widths) so that the quality benchmark measures the generator instead of agreeing with its filters. A line is
usable when it passes every criterion of issue 17; each failed one adds a reason ``"<criterion>: <detail>"``:

1. ``whole``: ends on a complete word or number, not on a dangling word, a comma, colon, hyphen, ampersand or
   slash, not on a number cut from one of the brief (``Sacos de 5`` for 50 kg), not on the start of a brief word,
   no unclosed bracket or quote.
2. ``spelled``: every word is a word of the language (wordfreq, accents optional), a number or unit, or a word of
   the brief (brands, product names).
3. ``clean``: no content word repeated, no boilerplate (``click here``, ``www.``, template markers).
4. ``true``: every number and every claim of :data:`bench.ad_lexicon.CLAIMS` is in the brief.
5. ``topic``: shares a content word (stem) with the brief that is not a word any business would use.
6. ``distinct``: not a near-duplicate (token-set Jaccard >= 0.8 after folding and stemming) of an earlier line.
7. ``language``: reads as the brief's language.

Also ``limit`` (wider than the platforms allow) and ``fragment`` (a one-word headline or description).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

from bench.ad_lexicon import (
    BOILERPLATE,
    CLAIMS,
    COMPLETE_ENDINGS,
    DANGLING,
    FOREIGN_WORDS,
    GENERIC_WORDS,
    INGREDIENT_FREE,
    MEASURES,
    NUMBER_WORDS,
    STOP_WORDS,
    UNITS,
)
from ml.ad_rules import DESCRIPTION_MAX, HEADLINE_MAX, KEYWORD_MAX_CHARS, KEYWORD_MAX_WORDS, text_width

Kind = Literal["headline", "description", "keyword"]
LIMITS = {"headline": HEADLINE_MAX, "description": DESCRIPTION_MAX, "keyword": KEYWORD_MAX_CHARS}
FULL_AD = {"headlines": 10, "descriptions": 3, "keywords": 8}
NEAR_DUPLICATE_JACCARD = 0.8

# numbers with inner separators (1.200, 4,5, 7:00), then words with inner apostrophes or hyphens (e-bike, you'll)
_TOKEN = re.compile(r"\d+(?:[.,:]\d+)*|[^\W\d_]+(?:['’-][^\W\d_]+)*")
_COMPOUND_END = re.compile(r"\b\d+-(?:year|month|week|day|night|hour|minute|inch|foot|pound|step|piece)$")
_NUMBER_THEN_UNIT = re.compile(r"(?<![\d.,:])(\d+(?:[.,:]\d+)*)(?![\d])\s*([€%]|[^\W\d_]+)?")
NEAR_LIMIT = 3  # characters: a line this close to its limit may have been cut by it
_TRAILING_CUT = ",:;-–—&/($#@"
_SUFFIXES = ("aciones", "iciones", "amientos", "imientos", "amiento", "imiento", "ciones", "siones", "cion", "sion",
             "mente", "ings", "ing", "ies", "ed")  # fmt: skip
SPELLED_MIN_ZIPF = 2.0  # below this wordfreq holds typos and cut words ("reparaci" 1.0, "calid" 1.4)


def fold(text: str) -> str:
    """Lower case without accents: the form every comparison uses (keywords are often typed without accents)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("’", "'"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def tokens(text: str) -> list[str]:
    """The folded words and numbers of a text, in order."""
    return _TOKEN.findall(fold(text))


def stem(word: str) -> str:
    """A crude stem shared by Spanish and English inflections: ``reparación``/``reparamos`` → ``repar``."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)][:5]
    return base(word)[:5]


def base(word: str) -> str:
    """The word without a plural ending and a final gender vowel: ``perros``, ``perra`` → ``perr``."""
    if word.endswith("s") and len(word) > 4:
        word = word[:-1]
    if word[-1:] in ("a", "e", "o") and len(word) > 4:
        word = word[:-1]
    return word


def _is_number(token: str) -> bool:
    return token[0].isdigit()


def number_forms(token: str) -> set[str]:
    """How a number may be written elsewhere: ``7:00`` also as ``7``, ``4,5`` as ``4.5`` (separators dropped)."""
    parts = re.split(r"[.,:]", token)
    forms = {"".join(parts)}
    if len(parts) > 1 and all(set(p) == {"0"} for p in parts[1:]):
        forms.add(parts[0])
    return {f.lstrip("0") or "0" for f in forms}


@lru_cache(maxsize=4)
def _folded_frequencies(language: str) -> dict[str, float]:
    from wordfreq import get_frequency_dict

    folded: dict[str, float] = {}
    for word, freq in get_frequency_dict(language).items():
        if not word.isascii():  # only accented words fold to another key
            key = fold(word)
            folded[key] = max(folded.get(key, 0.0), freq)
    return folded


@lru_cache(maxsize=65536)
def frequency(word: str, language: str) -> float:
    """wordfreq's Zipf frequency of a folded word, the highest over its accented spellings (0 = unknown)."""
    import math

    from wordfreq import zipf_frequency

    zipf = zipf_frequency(word, language)
    if zipf >= 3.0:  # common enough for every use; spare loading the folded list
        return zipf
    freq = _folded_frequencies(language).get(word, 0.0)
    return max(zipf, round(math.log10(freq) + 9, 2) if freq > 0 else 0.0)


@dataclass(frozen=True)
class Brief:
    """A product brief as the judge reads it: its folded words, stems and numbers."""

    language: str
    text: str
    words: frozenset[str]
    bases: frozenset[str]
    stems: frozenset[str]
    specific_stems: frozenset[str]
    numbers: frozenset[str]
    number_units: dict[str, str]
    brand_words: frozenset[str]

    @classmethod
    def of(cls, brief: Any) -> Brief:
        """Build from a mapping with the benchmark's fields (or a :class:`Brief` itself)."""
        if isinstance(brief, Brief):
            return brief
        language = brief["language"]
        brands = list(brief.get("brand_terms") or ())
        parts = [brief["description"], *(brief.get("selling_points") or ()), brief.get("landing_page") or "", *brands]
        text = INGREDIENT_FREE.sub(r"\1less", fold(" . ".join(parts)))
        words = tokens(text)
        content = [w for w in words if _is_content(w, language)]
        brand_words = frozenset(w for b in brands for w in tokens(b))
        numbers = {f for w in words if _is_number(w) for f in number_forms(w)}
        numbers |= {NUMBER_WORDS[language][w] for w in words if w in NUMBER_WORDS[language]}
        stems = {stem(p) for w in content for p in _parts(w)}
        specific = {stem(p) for w in content for p in _parts(w) if not _generic(p, language)}
        return cls(
            language=language,
            text=text,
            words=frozenset(words) | {p for w in words for p in _parts(w)},
            bases=frozenset(base(p) for w in words for p in _parts(w)),
            stems=frozenset(stems),
            specific_stems=frozenset(specific | {stem(w) for w in brand_words}),
            numbers=frozenset(numbers),
            number_units=_number_units(text),
            brand_words=brand_words,
        )


def _number_units(text: str) -> dict[str, str]:
    """The unit each number of the brief always comes with (``15`` → ``minutos``), for numbers that always have one."""
    units: dict[str, set[str | None]] = {}
    for match in _NUMBER_THEN_UNIT.finditer(text):
        unit = match.group(2)
        unit = unit if unit and (unit in UNITS or unit in MEASURES or unit in "€%") else None
        for form in number_forms(match.group(1)):
            units.setdefault(form, set()).add(unit)
    return {n: next(iter(u)) for n, u in units.items() if len(u) == 1 and None not in u}  # type: ignore[misc]


def _generic(word: str, language: str) -> bool:
    generic = GENERIC_WORDS[language]
    return any(word.endswith(ending) and word[: len(word) - len(ending)] in generic for ending in ("", "s", "es"))


def _parts(word: str) -> list[str]:
    return [p for p in re.split(r"['-]", word) if p]


def _is_content(word: str, language: str) -> bool:
    return not _is_number(word) and len(word) >= 3 and word not in STOP_WORDS[language]


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
    if words and not _is_number(words[-1]):
        last = words[-1]
        after_number = len(words) > 1 and _is_number(words[-2])
        if last in DANGLING[brief.language] and not COMPLETE_ENDINGS.search(folded.rstrip(".!?")):
            reasons.append(f"whole: ends on {last!r}")
        elif len(last) == 1 and not after_number and stripped[-1].isalpha():
            reasons.append(f"whole: ends on the letter {last!r}")
        elif last not in brief.words and (near_limit or frequency(last, brief.language) < 3.0):
            cut_from = _completes(last, brief)
            if cut_from:
                reasons.append(f"whole: {last!r} cut from {cut_from!r}")
    elif words:
        last_forms = number_forms(words[-1])
        line_numbers = {f for w in words if _is_number(w) for f in number_forms(w)}
        if not last_forms & brief.numbers:
            longer = sorted(n for n in brief.numbers - line_numbers if any(n.startswith(f) for f in last_forms))
            if longer:
                reasons.append(f"whole: {words[-1]} cut from {longer[0]}")
        unit = next((brief.number_units[f] for f in last_forms if f in brief.number_units), None)
        if unit and re.search(r"\d$", stripped):
            reasons.append(f"whole: {words[-1]} without its {unit!r}")
    if kind == "description" and near_limit and stripped[-1] not in '.!?)»”"':
        reasons.append("whole: stops at the limit mid-sentence")
    pairs = (("(", ")"), ("¿", "?"), ("¡", "!"), ("«", "»"), ("“", "”"))
    for opening, closing in pairs:
        if stripped.count(opening) > stripped.count(closing):
            reasons.append(f"whole: unclosed {opening}")
    if stripped.count('"') % 2:
        reasons.append('whole: unclosed "')
    return reasons


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
        if _is_number(word) or word in UNITS or word in brief.words:
            continue
        if all(p in brief.words or base(p) in brief.bases or _spelled_word(p, brief.language) for p in _parts(word)):
            if frequency(word, brief.language) < 2.5 and _completes(word, brief):
                unknown.append(word)
            continue
        unknown.append(word)
    return [f"spelled: {w!r}" for w in dict.fromkeys(unknown)]


def _spelled_word(word: str, language: str) -> bool:
    return frequency(word, language) >= SPELLED_MIN_ZIPF or (len(word) <= 2 and frequency(word, language) > 0)


def _clean(line: str, words: list[str], brief: Brief) -> list[str]:
    reasons = []
    content = [base(w) for w in words if _is_content(w, brief.language)]
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
    numbers = [w for w in words if _is_number(w)] + [w for w in words if w in NUMBER_WORDS[brief.language]]
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
    parts = [p for w in words if _is_content(w, brief.language) for p in _parts(w)]
    foreign = [p for p in parts if p in FOREIGN_WORDS and stem(p) not in brief.stems]
    if foreign:
        return [f"topic: {foreign[0]!r} belongs to the prompt's examples or the demo catalog, not this brief"]
    stems = {stem(p) for p in parts}
    specific = {stem(p) for p in parts if not _generic(p, brief.language)}
    specific |= {stem(w) for w in words if w in brief.brand_words}
    if specific & brief.specific_stems:
        return []
    if stems & brief.stems:
        return ["topic: generic, only words any business uses"]
    return ["topic: no content word of the brief" if kind == "keyword" else "topic: shares no word with the brief"]


def _key(words: list[str]) -> frozenset[str]:
    return frozenset(stem(p) for w in words for p in _parts(w))


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
        if _is_number(word) or word in brief.words or word in UNITS or len(word) < 2:
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
