"""The one validator of both ad platforms' text rules, shared by generation, import and export.

Plain values in, plain values out: :class:`AdAssets` and :class:`KeywordText` dataclasses go in, a list of
:class:`Violation` comes out (empty when everything passes). Each violation names the field, the 0-based index of
the asset inside that field (``None`` for field-level rules such as counts) and a stable reason code, so the
Django import can turn it into "row 12, column Headline 4: too_long" and generation can drop the one bad asset.

Width is counted per platform. Google Ads counts characters; Microsoft Advertising counts an East Asian wide or
fullwidth character as two. A text is valid only if it fits on every platform it is meant for, so the default
checks both and therefore uses the stricter (Microsoft) width.

Example:
    >>> validate_ad(AdAssets(headlines=["Cemento Portland", "Entrega Hoy"], descriptions=["Sacos de 50 kg."]))[0]
    Violation(field='headlines', index=None, reason='too_few', detail='2 headlines; at least 3 are required')
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

Platform = Literal["google", "microsoft"]
MatchType = Literal["broad", "phrase", "exact"]

BOTH_PLATFORMS: tuple[Platform, ...] = ("google", "microsoft")
_PLATFORM_NAMED: dict[str, Platform] = {platform: platform for platform in BOTH_PLATFORMS}
HEADLINE_MAX = 30
DESCRIPTION_MAX = 90
PATH_MAX = 15
KEYWORD_MAX_CHARS = 80
KEYWORD_MAX_WORDS = 10
HEADLINES_MIN, HEADLINES_MAX = 3, 15
DESCRIPTIONS_MIN, DESCRIPTIONS_MAX = 2, 4
MATCH_TYPES: frozenset[str] = frozenset({"broad", "phrase", "exact"})

# Upper-case words that are not "shouting": acronyms and units common in Spanish and English ads. Organizations
# add their own (brand names written in capitals) through Rules.acronyms.
KNOWN_ACRONYMS: frozenset[str] = frozenset(
    """
    AI IA API B2B B2C BBVA CE CEO CRM CV DIY DNI DVD EEUU EU UE ERP FAQ GB GPS HD IBM ISO IT IVA KG KM KW LED LCD
    LTE MB MM CM ML ONG OK PC PDF PVC PYME PYMES RFC RRHH SA SAS SEO SEM SL SMS SPA SUV TB TI TV UK UN UNAM US USA
    USB UV VIP WIFI XL XXL AM PM NASA GMAT ISO9001 SAT SII DGT ATM QR RGB USD EUR MXN COP ARS CLP PEN CEM
    """.split()
)
# Characters Google Ads rejects inside keywords.
KEYWORD_INVALID_CHARS = frozenset("!@%^*()={};~`<>?\\|,")
# First characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection"): ad text and keywords
# starting with one are refused, as they cannot be written safely into the CSV files the platforms import
# (docs/security.md, "Spreadsheet formulas in exports"). Empty strings are not in it: `"" in` would be true.
FORMULA_STARTS = frozenset("=+-@\t\r")


@dataclass(frozen=True)
class Violation:
    """One broken rule.

    Attributes:
        field: ``headlines``, ``descriptions``, ``path1``, ``path2`` or ``keywords``.
        index: position of the asset within the field, or None for field-level rules (counts).
        reason: stable code: ``too_few``, ``too_many``, ``empty``, ``too_long``, ``too_many_words``,
            ``duplicate``, ``exclamation``, ``all_caps``, ``blocked_term``, ``invalid_character``,
            ``match_type``, ``formula_start``.
        detail: a sentence a marketer can read.
        text: the line it is about, when there is one (a dropped suggestion says what was dropped).
        params: the values ``detail`` is written from (widths, limits, terms), so a caller that speaks the
            marketer's language (the Django side, through gettext) can write the same sentence in it.
    """

    field: str
    index: int | None
    reason: str
    detail: str
    text: str = ""
    params: tuple[tuple[str, object], ...] = dataclasses.field(default=(), repr=False, compare=False)


@dataclass(frozen=True)
class Rules:
    """What an organization adds to the platforms' rules.

    Attributes:
        blocked_terms: competitor trademarks and banned claims; matched as whole words, ignoring case and accents.
        acronyms: extra upper-case words that are allowed (brand names, product codes).
        platforms: the platforms the text must fit; the stricter width wins.
    """

    blocked_terms: tuple[str, ...] = ()
    acronyms: frozenset[str] = frozenset()
    platforms: tuple[Platform, ...] = BOTH_PLATFORMS


@dataclass(frozen=True)
class AdAssets:
    """A responsive search ad's texts."""

    headlines: Sequence[str]
    descriptions: Sequence[str]
    path1: str = ""
    path2: str = ""


@dataclass(frozen=True)
class KeywordText:
    """A keyword with its match type."""

    text: str
    match_type: str = "phrase"


@dataclass(frozen=True)
class _Limits:
    max_width: int
    exclamations: int  # how many '!' are allowed


_HEADLINE = _Limits(HEADLINE_MAX, 0)
_DESCRIPTION = _Limits(DESCRIPTION_MAX, 1)
_PATH = _Limits(PATH_MAX, 0)
_TOKEN = re.compile(r"[^\W_]+")  # letters and digits: "C2TE" is one token, not "C" and "TE"
# Roman numerals up to 39 (CEM II, Fase III, siglo XXI): a numbering, not emphasis.
_ROMAN = re.compile(r"X{0,3}(IX|IV|V?I{0,3})")
_DEFAULT_RULES = Rules()


def char_width(char: str, platform: Platform) -> int:
    """Width of one character on a platform: 2 for East Asian wide/fullwidth on Microsoft, otherwise 1."""
    if platform == "microsoft" and unicodedata.east_asian_width(char) in ("W", "F"):
        return 2
    return 1


def as_platform(name: str) -> Platform:
    """``name`` (a campaign's platform, as stored) as a :data:`Platform`; ValueError for any other name."""
    try:
        return _PLATFORM_NAMED[name]
    except KeyError:
        raise ValueError(f"unknown platform {name!r}; expected one of {BOTH_PLATFORMS}") from None


def text_width(text: str, platforms: Platform | Iterable[Platform] = BOTH_PLATFORMS) -> int:
    """The width a platform's editor counts for ``text``; with several platforms, the largest."""
    if isinstance(platforms, str):
        platforms = (platforms,)
    return max(sum(char_width(c, p) for c in text) for p in platforms)


def normalise_for_duplicates(text: str) -> str:
    """Key under which two texts count as duplicates: case-folded, all whitespace removed."""
    return "".join(text.casefold().split())


def fold(text: str) -> str:
    """Case-folded, accents removed: how two texts are compared word for word."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def blocked_terms_in(text: str, blocked_terms: Sequence[str]) -> list[str]:
    """The blocked terms that occur in ``text`` as whole words, ignoring case and accents."""
    folded = fold(text)
    found = []
    for term in blocked_terms:
        needle = fold(term).strip()
        if needle and re.search(rf"(?<!\w){re.escape(needle)}(?!\w)", folded):
            found.append(term)
    return found


def shouted_words(text: str, acronyms: frozenset[str] = frozenset()) -> list[str]:
    """Words written entirely in capitals for emphasis ("OFERTA"), which the platforms refuse.

    Not counted: single letters, known acronyms and the organization's own, small Roman numerals, and tokens with a
    digit in them, which are product codes and standards ("C2TE", "A1", "42,5"), not shouting.
    """
    allowed = KNOWN_ACRONYMS | {a.upper() for a in acronyms}
    return [
        w
        for w in _TOKEN.findall(text)
        if len(w) >= 2
        and w.isupper()
        and not any(c.isdigit() for c in w)
        and w.upper() not in allowed
        and not _ROMAN.fullmatch(w)
    ]


def check_text(text: str, field_name: str, index: int | None, rules: Rules = _DEFAULT_RULES) -> list[Violation]:
    """Rules about one headline, description or path, independent of its siblings.

    Args:
        text: the asset.
        field_name: ``headlines``, ``descriptions``, ``path1`` or ``path2``.
        index: its position, reported back in violations.
        rules: the organization's additions.

    Returns:
        The violations, empty when the text passes.
    """
    limits = {"headlines": _HEADLINE, "descriptions": _DESCRIPTION}.get(field_name, _PATH)
    noun = field_name.rstrip("s")
    out: list[Violation] = []
    if not text.strip():
        return [Violation(field_name, index, "empty", f"{noun} is empty")]
    width = text_width(text, rules.platforms)
    if width > limits.max_width:
        detail = f"{noun} is {width} wide; the limit is {limits.max_width}"
        params = (("width", width), ("limit", limits.max_width))
        out.append(Violation(field_name, index, "too_long", detail, params=params))
    out += _formula_start(text, field_name, index, noun)
    bangs = text.count("!") + (text.count("¡") if limits.exclamations == 0 else 0)
    if bangs > limits.exclamations:
        allowed = "no exclamation mark" if limits.exclamations == 0 else "at most one exclamation mark"
        detail = f"{noun} has {bangs}; {allowed} allowed"
        params = (("count", bangs), ("allowed", limits.exclamations))
        out.append(Violation(field_name, index, "exclamation", detail, params=params))
    shouted = shouted_words(text, rules.acronyms)
    if shouted:
        detail = f"{noun} writes {', '.join(shouted)} in capitals"
        out.append(Violation(field_name, index, "all_caps", detail, params=(("words", ", ".join(shouted)),)))
    for term in blocked_terms_in(text, rules.blocked_terms):
        detail = f"{noun} contains the blocked term {term!r}"
        out.append(Violation(field_name, index, "blocked_term", detail, params=(("term", repr(term)),)))
    return out


def _formula_start(text: str, field_name: str, index: int | None, noun: str) -> list[Violation]:
    if text[:1] not in FORMULA_STARTS:
        return []
    detail = f"{noun} starts with {text[0]!r}, which a spreadsheet opening the export runs as a formula"
    return [Violation(field_name, index, "formula_start", detail, params=(("char", repr(text[0])),))]


def _duplicates(texts: Sequence[str], field_name: str) -> list[Violation]:
    seen: dict[str, int] = {}
    out = []
    for i, text in enumerate(texts):
        key = normalise_for_duplicates(text)
        if key in seen:
            detail = f"repeats item {seen[key] + 1}"
            out.append(Violation(field_name, i, "duplicate", detail, params=(("item", seen[key] + 1),)))
        elif key:
            seen[key] = i
    return out


def _count(n: int, low: int, high: int, field_name: str) -> list[Violation]:
    if n < low:
        detail = f"{n} {field_name}; at least {low} are required"
        return [Violation(field_name, None, "too_few", detail, params=(("count", n), ("limit", low)))]
    if n > high:
        detail = f"{n} {field_name}; at most {high} are allowed"
        return [Violation(field_name, None, "too_many", detail, params=(("count", n), ("limit", high)))]
    return []


def validate_ad(ad: AdAssets, rules: Rules = _DEFAULT_RULES) -> list[Violation]:
    """Every rule of a responsive search ad on the requested platforms.

    Args:
        ad: headlines, descriptions and the two display-URL path fields.
        rules: the organization's blocked terms, extra acronyms and target platforms.

    Returns:
        Violations in field order (counts first, then per asset); empty when the ad can be uploaded.
    """
    out = _count(len(ad.headlines), HEADLINES_MIN, HEADLINES_MAX, "headlines")
    out += _count(len(ad.descriptions), DESCRIPTIONS_MIN, DESCRIPTIONS_MAX, "descriptions")
    for field_name, texts in (("headlines", ad.headlines), ("descriptions", ad.descriptions)):
        for i, text in enumerate(texts):
            out += check_text(text, field_name, i, rules)
        out += _duplicates(texts, field_name)
    for field_name, path in (("path1", ad.path1), ("path2", ad.path2)):
        if path:
            out += [v for v in check_text(path, field_name, None, rules) if v.reason != "empty"]
    return out


def check_keyword(keyword: KeywordText, index: int | None, rules: Rules = _DEFAULT_RULES) -> list[Violation]:
    """Rules about one keyword: length, word count, characters, match type and blocked terms."""
    text = keyword.text
    out: list[Violation] = []
    if not text.strip():
        return [Violation("keywords", index, "empty", "keyword is empty")]
    if len(text) > KEYWORD_MAX_CHARS:
        detail = f"keyword is {len(text)} characters; the limit is {KEYWORD_MAX_CHARS}"
        params = (("width", len(text)), ("limit", KEYWORD_MAX_CHARS))
        out.append(Violation("keywords", index, "too_long", detail, params=params))
    words = len(text.split())
    if words > KEYWORD_MAX_WORDS:
        detail = f"keyword has {words} words; the limit is {KEYWORD_MAX_WORDS}"
        params = (("count", words), ("limit", KEYWORD_MAX_WORDS))
        out.append(Violation("keywords", index, "too_many_words", detail, params=params))
    out += _formula_start(text, "keywords", index, "keyword")
    bad = sorted({c for c in text if c in KEYWORD_INVALID_CHARS})
    if bad:
        detail = f"keyword contains {''.join(bad)!r}"
        out.append(Violation("keywords", index, "invalid_character", detail, params=(("chars", repr("".join(bad))),)))
    if keyword.match_type not in MATCH_TYPES:
        detail = f"match type {keyword.match_type!r} is not one of broad, phrase, exact"
        out.append(
            Violation("keywords", index, "match_type", detail, params=(("match_type", repr(keyword.match_type)),))
        )
    for term in blocked_terms_in(text, rules.blocked_terms):
        detail = f"keyword contains the blocked term {term!r}"
        out.append(Violation("keywords", index, "blocked_term", detail, params=(("term", repr(term)),)))
    return out


def validate_keywords(keywords: Sequence[KeywordText], rules: Rules = _DEFAULT_RULES) -> list[Violation]:
    """Every keyword rule, plus duplicates within the list (same text and match type).

    Args:
        keywords: the keywords of one ad group.
        rules: the organization's blocked terms.

    Returns:
        Violations in list order; empty when all keywords can be uploaded.
    """
    out: list[Violation] = []
    seen: dict[tuple[str, str], int] = {}
    for i, keyword in enumerate(keywords):
        out += check_keyword(keyword, i, rules)
        key = (normalise_for_duplicates(keyword.text), keyword.match_type)
        if key in seen:
            detail = f"repeats keyword {seen[key] + 1}"
            out.append(Violation("keywords", i, "duplicate", detail, params=(("item", seen[key] + 1),)))
        else:
            seen[key] = i
    return out


@dataclass(frozen=True)
class AssetLimit:
    """The decoding-time limit of one kind of generated line (used by :mod:`ml.generation.rules`)."""

    max_width: int
    banned_chars: frozenset[str] = field(default_factory=frozenset)


HEADLINE_LIMIT = AssetLimit(HEADLINE_MAX, frozenset("!¡"))
DESCRIPTION_LIMIT = AssetLimit(DESCRIPTION_MAX)
KEYWORD_LIMIT = AssetLimit(KEYWORD_MAX_CHARS, frozenset(KEYWORD_INVALID_CHARS))
