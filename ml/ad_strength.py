"""Ad strength of a responsive search ad, in the spirit of Google Ads' meter: Poor, Average, Good or Excellent.

Google does not publish its formula; this is our own documented, deterministic one, built from what Google's help
pages say moves the meter: more headlines (up to 15; at least 8 to 10 recommended) and descriptions (up to 4),
headlines that differ from each other, the ad group's popular keywords in the headlines, and headlines of varied
length. Plain values in, a frozen :class:`AdStrength` out; no Django.

Scoring (0 to 100, integer points, no rounding anywhere):

==========================  ======  ========================================================================
part                        points  how
==========================  ======  ========================================================================
distinct headlines              50  5 per distinct headline, up to ``HEADLINES_TARGET`` (10)
distinct descriptions           20  5 per distinct description, up to ``DESCRIPTIONS_MAX`` (4)
headlines with a keyword        18  6 per distinct headline holding one of the ad group's keywords, up to 3
length variety                  12  6 for a short headline (<= 20 characters), 6 for a long one (>= 25)
==========================  ======  ========================================================================

Level: ``poor`` below 50, ``average`` below 70, ``good`` below 90, ``excellent`` from 90, so the fewest assets an
ad runs with (3 headlines, 2 descriptions) stay ``poor`` unless everything else is right. An ad that cannot run
(fewer than 3 distinct headlines or 2 distinct descriptions) is ``poor`` whatever its score.

Two texts are near-duplicates when, after case folding, removing accents and punctuation, the Jaccard index of
their word sets is at least ``NEAR_DUPLICATE_JACCARD`` (0.8): "Cemento Portland" and "¡Portland, cemento!" count
once. A keyword is "in" a headline when its words occur in it consecutively, under the same folding.

Example:
    >>> strength = ad_strength(["Cemento Portland", "Entrega en 24 h", "Sacos de 25 kg a buen precio"],
    ...                        ["Sacos de 25 kg.", "Entrega en obra."], keywords=["cemento portland"])
    >>> strength.level, strength.score, [hint.message for hint in strength.hints][:2]
    ('poor', 43, ['Add 7 more distinct headlines', 'Include a keyword in 2 more headlines'])
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ml.ad_rules import DESCRIPTIONS_MAX, DESCRIPTIONS_MIN, HEADLINES_MAX, HEADLINES_MIN

Level = Literal["poor", "average", "good", "excellent"]
LEVELS: tuple[Level, ...] = ("poor", "average", "good", "excellent")
# The lowest score of each level above poor.
LEVEL_FLOORS: dict[Level, int] = {"average": 50, "good": 70, "excellent": 90}

HEADLINES_TARGET = 10
KEYWORD_HEADLINES_TARGET = 3
SHORT_HEADLINE_MAX = 20
LONG_HEADLINE_MIN = 25
NEAR_DUPLICATE_JACCARD = 0.8
POINTS_PER_HEADLINE = 5
POINTS_PER_DESCRIPTION = 5
POINTS_PER_KEYWORD_HEADLINE = 6
POINTS_PER_LENGTH = 6

HintCode = Literal[
    "add_headlines",
    "unique_headlines",
    "keyword_headlines",
    "add_keywords",
    "add_descriptions",
    "short_headline",
    "long_headline",
]
HINT_CODES: tuple[HintCode, ...] = (
    "add_headlines",
    "unique_headlines",
    "keyword_headlines",
    "add_keywords",
    "add_descriptions",
    "short_headline",
    "long_headline",
)
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Hint:
    """What would improve the ad, most valuable first.

    Attributes:
        code: one of :data:`HINT_CODES`; callers translate by code and ``count``.
        count: how many more (headlines, descriptions); 1 for the length hints, 0 for ``add_keywords``.
        message: the same hint in English.
    """

    code: HintCode
    count: int
    message: str


@dataclass(frozen=True)
class AdStrength:
    """The meter's reading and what it was computed from.

    Attributes:
        level: ``poor``, ``average``, ``good`` or ``excellent``.
        score: 0 to 100.
        hints: what would raise the score, in the order of the scoring table.
        distinct_headlines: headlines counted once per near-duplicate group.
        distinct_descriptions: descriptions counted the same way.
        keyword_headlines: distinct headlines holding one of the keywords.
        short_headline: a distinct headline has at most ``SHORT_HEADLINE_MAX`` characters.
        long_headline: a distinct headline has at least ``LONG_HEADLINE_MIN`` characters.
    """

    level: Level
    score: int
    hints: tuple[Hint, ...]
    distinct_headlines: int
    distinct_descriptions: int
    keyword_headlines: int
    short_headline: bool
    long_headline: bool


def words(text: str) -> tuple[str, ...]:
    """The words of ``text`` case-folded, without accents or punctuation: the key for every comparison here."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return tuple(_WORD.findall("".join(c for c in decomposed if not unicodedata.combining(c))))


def near_duplicates(a: str, b: str, threshold: float = NEAR_DUPLICATE_JACCARD) -> bool:
    """Whether two texts say the same: the Jaccard index of their word sets is at least ``threshold``."""
    left, right = set(words(a)), set(words(b))
    if not left or not right:
        return left == right
    return len(left & right) / len(left | right) >= threshold


def distinct_texts(texts: Sequence[str]) -> list[str]:
    """The texts in order, each dropped when it is a near-duplicate of one kept before it."""
    kept: list[str] = []
    for text in texts:
        if not any(near_duplicates(text, other) for other in kept):
            kept.append(text)
    return kept


def has_keyword(headline: str, keywords: Sequence[tuple[str, ...]]) -> bool:
    """Whether one of the (folded) keywords occurs in the headline as consecutive words."""
    tokens = words(headline)
    return any(
        keyword and any(tokens[i : i + len(keyword)] == keyword for i in range(len(tokens))) for keyword in keywords
    )


def _plural(count: int, one: str, many: str) -> str:
    return one if count == 1 else many


def _hints(
    headlines: Sequence[str],
    distinct: list[str],
    descriptions: int,
    keyword_headlines: int,
    any_keywords: bool,
    short: bool,
    long: bool,
) -> tuple[Hint, ...]:
    out: list[Hint] = []
    room = HEADLINES_MAX - min(len(headlines), HEADLINES_MAX)
    missing = min(HEADLINES_TARGET - len(distinct), room)
    if missing > 0:
        out.append(
            Hint("add_headlines", missing, f"Add {missing} more distinct {_plural(missing, 'headline', 'headlines')}")
        )
    repeated = len(headlines) - len(distinct)
    if repeated > 0:
        out.append(
            Hint(
                "unique_headlines",
                repeated,
                f"Rewrite {repeated} {_plural(repeated, 'headline that repeats', 'headlines that repeat')} another",
            )
        )
    if not any_keywords:
        out.append(Hint("add_keywords", 0, "Add keywords to the ad group, then use them in headlines"))
    elif keyword_headlines < KEYWORD_HEADLINES_TARGET:
        more = KEYWORD_HEADLINES_TARGET - keyword_headlines
        out.append(
            Hint(
                "keyword_headlines", more, f"Include a keyword in {more} more {_plural(more, 'headline', 'headlines')}"
            )
        )
    if descriptions < DESCRIPTIONS_MAX:
        more = DESCRIPTIONS_MAX - descriptions
        out.append(
            Hint("add_descriptions", more, f"Add {more} more distinct {_plural(more, 'description', 'descriptions')}")
        )
    if not short:
        out.append(Hint("short_headline", 1, f"Add a short headline ({SHORT_HEADLINE_MAX} characters or fewer)"))
    if not long:
        out.append(Hint("long_headline", 1, f"Add a long headline ({LONG_HEADLINE_MIN} characters or more)"))
    return tuple(out)


def level_for(score: int, *, complete: bool = True) -> Level:
    """The level of a score; an ad that cannot run (``complete`` false) is poor."""
    if not complete:
        return "poor"
    level: Level = "poor"
    for name, floor in LEVEL_FLOORS.items():
        if score >= floor:
            level = name
    return level


def ad_strength(headlines: Sequence[str], descriptions: Sequence[str], keywords: Sequence[str] = ()) -> AdStrength:
    """Score a responsive search ad's assets.

    Args:
        headlines: the ad's headlines, in order (the platforms take up to 15).
        descriptions: its descriptions (up to 4).
        keywords: the ad group's keyword texts; match-type marks such as ``[...]`` or quotes are ignored.

    Returns:
        The level, the 0-100 score and the hints, as the module docstring's table computes them.
    """
    headlines = [h for h in headlines[:HEADLINES_MAX] if h.strip()]
    descriptions = [d for d in descriptions[:DESCRIPTIONS_MAX] if d.strip()]
    distinct = distinct_texts(headlines)
    distinct_descriptions = len(distinct_texts(descriptions))
    folded_keywords = [k for k in (words(keyword) for keyword in keywords) if k]
    keyword_headlines = sum(1 for headline in distinct if has_keyword(headline, folded_keywords))
    lengths = [len(" ".join(h.split())) for h in distinct]
    short = any(n <= SHORT_HEADLINE_MAX for n in lengths)
    long = any(n >= LONG_HEADLINE_MIN for n in lengths)
    score = (
        POINTS_PER_HEADLINE * min(len(distinct), HEADLINES_TARGET)
        + POINTS_PER_DESCRIPTION * distinct_descriptions
        + POINTS_PER_KEYWORD_HEADLINE * min(keyword_headlines, KEYWORD_HEADLINES_TARGET)
        + POINTS_PER_LENGTH * (short + long)
    )
    complete = len(distinct) >= HEADLINES_MIN and distinct_descriptions >= DESCRIPTIONS_MIN
    return AdStrength(
        level=level_for(score, complete=complete),
        score=score,
        hints=_hints(headlines, distinct, distinct_descriptions, keyword_headlines, bool(folded_keywords), short, long),
        distinct_headlines=len(distinct),
        distinct_descriptions=distinct_descriptions,
        keyword_headlines=keyword_headlines,
        short_headline=short,
        long_headline=long,
    )
