"""Text helpers of the ad judge (``bench/ad_judge.py``): folding, tokens, crude stems, numbers, word frequencies,
and :class:`Brief`, a product brief read once into the sets every criterion looks things up in."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from bench.ad_lexicon import GENERIC_WORDS, INGREDIENT_FREE, MEASURES, NUMBER_WORDS, STOP_WORDS, UNITS

# numbers with inner separators (1.200, 4,5, 7:00), then words with inner apostrophes or hyphens (e-bike, you'll)
_TOKEN = re.compile(r"\d+(?:[.,:]\d+)*|[^\W\d_]+(?:['’-][^\W\d_]+)*")
_NUMBER_THEN_UNIT = re.compile(r"(?<![\d.,:])(\d+(?:[.,:]\d+)*)(?![\d])\s*([€%]|[^\W\d_]+)?")
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
    if word.endswith("s") and len(word) > 3:
        word = word[:-1]
    if word[-1:] in ("a", "e", "o") and len(word) > 4:
        word = word[:-1]
    return word


def is_number(token: str) -> bool:
    return token[0].isdigit()


def number_forms(token: str) -> set[str]:
    """How a number may be written elsewhere: ``7:00`` also as ``7``, ``4,5`` as ``4.5`` (separators dropped)."""
    pieces = re.split(r"[.,:]", token)
    forms = {"".join(pieces)}
    if len(pieces) > 1 and all(set(p) == {"0"} for p in pieces[1:]):
        forms.add(pieces[0])
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
    brands: tuple[tuple[str, ...], ...] = ()

    @classmethod
    def of(cls, brief: Any) -> Brief:
        """Build from a mapping with the benchmark's fields (or a :class:`Brief` itself)."""
        if isinstance(brief, Brief):
            return brief
        language = brief["language"]
        brands = list(brief.get("brand_terms") or ())
        fields = [brief["description"], *(brief.get("selling_points") or ()), brief.get("landing_page") or "", *brands]
        text = INGREDIENT_FREE.sub(r"\1less", fold(" . ".join(fields)))
        words = tokens(text)
        content = [w for w in words if is_content(w, language)]
        brand_words = frozenset(w for b in brands for w in tokens(b))
        numbers = {f for w in words if is_number(w) for f in number_forms(w)}
        numbers |= {NUMBER_WORDS[language][w] for w in words if w in NUMBER_WORDS[language]}
        stems = {stem(p) for w in content for p in parts(w)}
        specific = {stem(p) for w in content for p in parts(w) if not is_generic(p, language)}
        return cls(
            language=language,
            text=text,
            words=frozenset(words) | {p for w in words for p in parts(w)},
            bases=frozenset(base(p) for w in words for p in parts(w)),
            stems=frozenset(stems),
            specific_stems=frozenset(specific | {stem(w) for w in brand_words}),
            numbers=frozenset(numbers),
            number_units=_number_units(text),
            brand_words=brand_words,
            brands=tuple(tuple(tokens(b)) for b in brands if tokens(b)),
        )


def _number_units(text: str) -> dict[str, str]:
    """The unit each number of the brief always comes with (``15`` → ``minutos``), for numbers that always have one."""
    units: dict[str, set[str]] = {}
    for match in _NUMBER_THEN_UNIT.finditer(text):
        unit = match.group(2) or ""
        unit = unit if unit in UNITS or unit in MEASURES or unit in ("€", "%") else ""  # "" = no unit
        for form in number_forms(match.group(1)):
            units.setdefault(form, set()).add(unit)
    return {n: u.pop() for n, u in units.items() if len(u) == 1 and "" not in u}


def is_generic(word: str, language: str) -> bool:
    generic = GENERIC_WORDS[language]
    return any(word.endswith(ending) and word[: len(word) - len(ending)] in generic for ending in ("", "s", "es"))


def parts(word: str) -> list[str]:
    return [p for p in re.split(r"['-]", word) if p]


def is_content(word: str, language: str) -> bool:
    return not is_number(word) and len(word) >= 3 and word not in STOP_WORDS[language]
