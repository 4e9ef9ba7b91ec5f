"""Lines taken from what the marketer wrote: selling points and brief phrases are strong assets as they are.

The model writes most candidates; these join them before ranking (:mod:`ml.generation.ranking`), each marked with
its source so a suggestion says where it came from. Only whole phrases are taken (a clause between punctuation, a
selling point, a sentence), never a cut one: a phrase that does not fit the field's width is left out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ml.ad_rules import DESCRIPTION_LIMIT, HEADLINE_LIMIT, KEYWORD_LIMIT
from ml.generation.quality import DANGLING, STOP_WORDS, fold

_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_CLAUSE = re.compile(r"\s*(?:[.;:!?](?=\s|$)|[|()]|,\s|\s[-–—]\s)\s*")


def _fits(text: str, limit: int) -> bool:
    return len(text) <= limit


def _sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


def _edges_ok(phrase: str, language: str) -> bool:
    tokens = fold(phrase).split()
    dangling = DANGLING.get(language, frozenset())
    return bool(tokens) and tokens[0] not in dangling - {"el", "la", "los", "las", "the"} and tokens[-1] not in dangling


# a phrase may start after these words, and end before these (they join two phrases)
JOIN_BEFORE = frozenset("con para sin with for without plus".split())
JOIN_AFTER = JOIN_BEFORE | frozenset("y e o u and or en desde in at".split())
_CONJUNCTIONS = frozenset("y e o u and or".split())
# a phrase holding one of these is half a clause ("tutors who scored")
_CLAUSE_WORDS = frozenset("que quien quienes cuyo donde who whom whose that which where made hecho hecha".split())


def spans(
    text: str, language: str, min_words: int, max_words: int, max_width: int, no_conjunction: bool = False
) -> list[str]:
    """Every run of ``min_words`` to ``max_words`` words inside one clause of ``text`` that starts and ends on a
    content word (or an article at the start) and fits ``max_width``, longest first."""
    stops = STOP_WORDS.get(language, frozenset())
    out = []
    for clause in _CLAUSE.split(text):
        tokens = clause.split()
        for size in range(min(max_words, len(tokens)), min_words - 1, -1):
            for start in range(len(tokens) - size + 1):
                run = tokens[start : start + size]
                first, last = fold(run[0]).strip(".,"), fold(run[-1]).strip(".,")
                if first in stops or last in stops or not first or not last:
                    continue
                # a phrase of its own: at the clause's edges or next to a word that joins phrases, never half a
                # noun phrase ("bicicletas en el centro") or half an expression ("envío gratis a partir")
                before = fold(tokens[start - 1]) if start > 0 else ""
                after = fold(tokens[start + size]) if start + size < len(tokens) else ""
                if (before and before not in JOIN_BEFORE) or (after and after not in JOIN_AFTER):
                    continue
                if no_conjunction and any(fold(t) in _CONJUNCTIONS for t in run):
                    continue
                if any(fold(t).strip(".,") in _CLAUSE_WORDS for t in run):
                    continue
                phrase = " ".join(run).strip(" .,")
                if len(phrase) <= max_width:
                    out.append(phrase)
    return list(dict.fromkeys(out))


def headline_candidates(
    description: str, selling_points: Sequence[str], language: str, brand_terms: Sequence[str] = ()
) -> list[str]:
    """Selling points, and whole phrases of the description, that fit a headline (2 words or more)."""
    phrases = [p.strip(" .") for p in selling_points]
    phrases += [c.strip(" .") for c in _CLAUSE.split(description)]
    out = []
    for phrase in phrases:
        phrase = " ".join(phrase.split())
        if len(phrase.split()) >= 2 and _fits(phrase, HEADLINE_LIMIT.max_width) and _edges_ok(phrase, language):
            out.append(_sentence_case(phrase))
    width = HEADLINE_LIMIT.max_width
    out += [_sentence_case(p) for p in spans(description, language, 2, 5, width)]
    out += [_sentence_case(p) for point in selling_points for p in spans(point, language, 2, 5, width)]
    out += combinations(description, language, brand_terms, width, title=True)
    return list(dict.fromkeys(out))


def places(description: str, brand_terms: Sequence[str] = ()) -> list[str]:
    """Place names of the description: capitalised words after "in", "en", "de", "at" inside a sentence."""
    brands = {fold(b) for b in brand_terms}
    found = re.findall(
        r"(?<=\s)(?:in|en|de|at|near)\s+((?:[A-ZÁÉÍÓÚÑ][\w'’-]+)(?:\s+[A-ZÁÉÍÓÚÑ][\w'’-]+)?)", description
    )
    return [p for p in dict.fromkeys(found) if fold(p) not in brands]


def combinations(description: str, language: str, brand_terms: Sequence[str], width: int, title: bool) -> list[str]:
    """What a brief says in two places joined the way ads and searches join them: the product with the place it
    is sold in ("Fontaneros en Zaragoza", "dentist austin")."""
    heads = [
        p
        for p in spans(description, language, 2, 3, width, no_conjunction=True)
        if not any(ch.isdigit() for ch in p) and not any(w[:1].isupper() for w in p.split()[1:])
    ][:3]
    joiner = " en " if language == "es" else " in "
    out = []
    for head in heads:
        for place in places(description, brand_terms)[:2]:
            if fold(place) not in fold(head):
                out.append(f"{head}{joiner}{place}" if title else f"{head} {place}")
    return [_sentence_case(c) if title else c.lower() for c in out if len(c) <= width and len(c.split()) >= 2]


def description_candidates(description: str, selling_points: Sequence[str], language: str) -> list[str]:
    """Description sentences that fit whole, and selling points joined into sentences."""
    limit = DESCRIPTION_LIMIT.max_width
    out = []
    sentences = [" ".join(s.split()) for s in _SENTENCE.split(description) if s.strip()]
    for sentence in sentences:
        sentence = sentence if sentence.endswith((".", "!", "?")) else sentence + "."
        if len(sentence.split()) >= 5 and _fits(sentence, limit):
            out.append(_sentence_case(sentence))
    points = [_sentence_case(p.strip(" .")) for p in selling_points if p.strip(" .")]
    joined = ""
    for point in points:
        candidate = f"{joined} {point}.".strip()
        if not _fits(candidate, limit):
            break
        joined = candidate
    if len(joined.split()) >= 5:
        out.append(joined)
    clauses = [c.strip(" .") for c in _CLAUSE.split(description) if len(c.split()) >= 3]
    for clause in [*(s.rstrip(".!?") for s in sentences), *clauses]:
        for point in points:
            candidate = f"{_sentence_case(clause)}. {point}."
            if _fits(candidate, limit) and _edges_ok(clause, language):
                out.append(candidate)
    return list(dict.fromkeys(out))


def keyword_candidates(
    description: str, selling_points: Sequence[str], language: str, brand_terms: Sequence[str] = ()
) -> list[str]:
    """Phrases of the description a buyer would type (2 to 4 words, content words at both ends), lower case."""
    out = [
        p.lower()
        for p in spans(description, language, 2, 4, KEYWORD_LIMIT.max_width, no_conjunction=True)
        if not any(ch.isdigit() for ch in p)
    ]
    out += combinations(description, language, brand_terms, KEYWORD_LIMIT.max_width, title=False)
    return [k for k in dict.fromkeys(out) if len(k) <= KEYWORD_LIMIT.max_width]
