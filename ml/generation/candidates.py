"""Lines taken from what the marketer wrote: selling points and brief phrases are strong assets as they are.

The model writes most candidates; these join them before ranking (:mod:`ml.generation.ranking`), each marked with
its source so a suggestion says where it came from. Only whole phrases are taken (a clause between punctuation, a
selling point, a sentence), never a cut one: a phrase that does not fit the field's width is left out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ml.ad_rules import DESCRIPTION_LIMIT, HEADLINE_LIMIT, KEYWORD_LIMIT
from ml.generation.quality import AD_WORDS, DANGLING, SEARCH_WORDS, STOP_WORDS, claims_in, fold, stem, words

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
_CONJUNCTIONS = frozenset("y e o u and or".split())
JOIN_BEFORE = frozenset("con para sin with for without plus".split()) | _CONJUNCTIONS
JOIN_AFTER = JOIN_BEFORE | frozenset("en desde in at".split())
# English verbs after a noun in -ing: "Water testing is free" names no product
_EN_VERBS = frozenset("is are was were has have can will".split())
# a phrase holding one of these is half a clause ("tutors who scored")
_CLAUSE_WORDS = frozenset(
    "que quien quienes cuyo donde si cuando cuanto cuanta cuantos cuantas who whom whose that which where if when how "
    "made hecho hecha".split()
)


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
    description: str,
    selling_points: Sequence[str],
    language: str,
    brand_terms: Sequence[str] = (),
    landing_page: str = "",
) -> list[str]:
    """Selling points, and whole phrases of the description, that fit a headline (2 words or more); then the
    same phrases of the landing page that are about what the description sells."""
    out = _description_headlines(description, selling_points, language, brand_terms)
    if landing_page:
        topic = _content_stems(" ".join([description, *selling_points]), language)
        page = _description_headlines(landing_page[:LANDING_CHARS], [], language, brand_terms, page=True)
        out += [h for h in page if _content_stems(h, language) & topic]
    return list(dict.fromkeys(out))


# what of a landing page is read (the prompts show as much): a long page adds menus and footers, not the product
LANDING_CHARS = 300


def _content_stems(text: str, language: str) -> set[str]:
    stops = STOP_WORDS.get(language, frozenset())
    return {stem(w) for w in words(text) if w not in stops and len(w) > 2 and not w.isdigit()}


def _description_headlines(
    description: str, selling_points: Sequence[str], language: str, brand_terms: Sequence[str], page: bool = False
) -> list[str]:
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
    if not page:  # a page's sentences open on what to do ("Calcula cuánto ahorras"), not on the product
        out += [_sentence_case(p) for p in attached(description, language, brand_terms, width)]
    # what the business does, as it is searched, and where: "Fugas de agua en Zaragoza", "Ramos de flores"
    nouns = [n for n in noun_phrases(description, language, brand_terms) if len(n.split()) >= 2]
    out += [_sentence_case(n) for n in nouns if len(n) <= width]
    out += with_place(nouns, description, language, brand_terms, width, title=True, at_most=1)
    if page:
        return list(dict.fromkeys(out))
    out += with_brand(nouns[:1], language, brand_terms, width)
    # a selling point where the business is ("Urgencias 24 horas en Zaragoza", "We come to you in Portland")
    out += with_place(_placeable(selling_points, language), description, language, brand_terms, width, True, 1)
    for items, conjunction in noun_lists(description, language):
        out += _list_lines(items, conjunction, description, language, brand_terms, width)
    return list(dict.fromkeys(out))


def with_brand(heads: Sequence[str], language: str, brand_terms: Sequence[str], width: int) -> list[str]:
    """The brand with what it sells, as ads name a product: "PawPure clumping cat litter", "Alquiler de coches
    AutoSol" (the first brand term only; a head that already names it is left)."""
    if not brand_terms:
        return []
    brand = brand_terms[0].strip()
    out = []
    for head in heads:
        if fold(brand) in fold(head):
            continue
        line = f"{brand} {head[:1].lower() + head[1:]}" if language == "en" else f"{_sentence_case(head)} {brand}"
        if len(line) <= width:
            out.append(line)
    return out


def _placeable(selling_points: Sequence[str], language: str) -> list[str]:
    """Selling points a place can follow: not one that opens on a preposition ("en grano o molido", "sin
    franquicia"), already has a place ("recogida en el aeropuerto") or ends on a figure ("tune-ups from $79")."""
    preps = PREPOSITIONS.get(language, frozenset()) | DANGLING.get(language, frozenset())
    out = []
    for point in selling_points:
        tokens = [fold(t) for t in point.strip(" .").split()]
        if len(tokens) < 2 or tokens[0] in preps or {"en", "in", "at", "near"} & set(tokens):
            continue
        if any(ch.isdigit() or ch in "$€£%" for ch in tokens[-1]):
            continue
        out.append(point.strip(" ."))
    return out


def noun_lists(description: str, language: str) -> list[tuple[list[str], str]]:
    """The lists of things a business offers, each item a noun phrase with its "de" / "of" phrase: "Desatascos,
    fugas de agua y cambio de calentadores" gives ``(["Desatascos", "fugas de agua", "cambio de calentadores"],
    "y")``. Only a list that opens its sentence or follows a colon, items joined by commas and one conjunction
    before the last, none with a figure, an article or a verb: a list of modifiers ("con urgencias, quirófano y
    peluquería") is :func:`attached`'s."""
    stops = STOP_WORDS.get(language, frozenset()) | _ARTICLES
    found = []
    for sentence in _SENTENCE.split(description):
        groups: list[_Segment] = []
        for seg in _segments(_tokens(sentence), language):
            if seg.opener in _BIND_BACK and not seg.joined and groups and not groups[-1].opener:
                groups[-1] = _Segment("", [*groups[-1].words, seg.opener, *seg.words], groups[-1].joined, seg.verb)
            else:
                groups.append(_Segment(seg.opener, list(seg.words), seg.joined, seg.verb))
        for start, first in enumerate(groups):
            if first.opener or (start and first.joined != ":"):
                continue
            items, conjunction = [first], ""
            for group in groups[start + 1 :]:
                if group.opener or group.joined not in (",", *_CONJUNCTIONS):
                    break
                items.append(group)
                if group.joined in _CONJUNCTIONS:
                    conjunction = group.joined
                    break
            if not conjunction or any(
                g.verb or not g.words or _has_digit(g.words) or fold(g.words[0]) in stops or len(g.words) > 5
                for g in items
            ):
                continue
            found.append(([" ".join(g.words) for g in items], conjunction))
    return found


def _joined(first: str, second: str, conjunction: str, language: str) -> str:
    if language == "es" and conjunction in ("y", "e"):
        conjunction = "e" if re.match(r"h?i(?![aeiouáéó])", fold(second)) else "y"
    elif language == "es" and conjunction in ("o", "u"):
        conjunction = "u" if re.match(r"h?o", fold(second)) else "o"
    return f"{first} {conjunction} {second}"


# Spanish adjective endings: a one-word item with one describes another item rather than naming a thing
_ADJECTIVE_ES = re.compile(r"(?:al|ales|os[oa]s?|ic[oa]s?|iv[oa]s?|ad[oa]s?|id[oa]s?|ables?|ibles?|e[oa]s?|ari[oa]s?)$")


def _describes(item: str, items: list[str], language: str) -> bool:
    """An English one-word item that is not a plural, before a longer item, describes it ("Natural, candid
    photos", "Weekly, biweekly or one-time deep cleans"): it is no thing of its own."""
    if language != "en" or len(item.split()) > 1 or fold(item).endswith("s"):
        return False
    return any(len(other.split()) > 1 for other in items[items.index(item) + 1 :])


def _list_lines(
    items: list[str], conjunction: str, description: str, language: str, brand_terms: Sequence[str], width: int
) -> list[str]:
    """Headlines from one list of what the business offers: each item with the last joined by the list's own
    conjunction ("Despidos e incapacidades", "Weekly or one-time deep cleans": the last item keeps a noun the
    others share), and each item that is a thing of its own where the business is ("Desatascos en Zaragoza"). An
    English word before a longer last item describes it ("weekly, biweekly or one-time deep cleans"), and a
    capitalised one after the first is a name the first item's "de" phrase takes ("Orígenes de Etiopía, Colombia
    y Guatemala"): neither is an item of its own."""
    items = [i for i in items[:-1] if not _describes(i, items, language)] + items[-1:]
    last = items[-1]
    out = [_joined(item, last, conjunction, language) for item in items[:-1]]
    # two items that each say what they are ("Desatascos y fugas de agua", not "Reparación y mantenimiento")
    out += [
        _joined(a, b, conjunction, language)
        for a, b in zip(items[:-2], items[1:-1], strict=False)
        if len(a.split()) > 1 or len(b.split()) > 1
    ]
    own = []
    for index, item in enumerate(items):
        if index and item[:1].isupper():
            continue
        if len(item.split()) == 1 and language == "es" and _ADJECTIVE_ES.search(fold(item)):
            continue  # "fotos naturales y espontáneas": "espontáneas" describes the first
        if index and len(items[0].split()) > 1 and any(fold(w) in _OF for w in items[0].split()):
            continue  # "Cambio de aceite, frenos y ...": "frenos" may be another thing "de" takes
        own.append(item)
    out += [i for i in own if len(i.split()) >= 2]
    out += with_place(own, description, language, brand_terms, width, title=True, at_most=1)
    return [_sentence_case(line) for line in out if len(line) <= width and len(line.split()) >= 2]


def places(description: str, brand_terms: Sequence[str] = ()) -> list[str]:
    """Place names of the description: capitalised words after "in", "en", "de", "at" inside a sentence; a name of
    more than two words ("en Clínica Sonrisa Turia") or a brand is not a place."""
    brands = {fold(b) for b in brand_terms}
    found = re.findall(
        r"(?<=\s)(?:in|en|de|at|near)\s+(?:the\s+)?((?:[A-ZÁÉÍÓÚÑ][\w'’-]+)(?:\s+[A-ZÁÉÍÓÚÑ][\w'’-]+)*)",
        description,
    )
    out = []
    for place in found:
        parts = place.split()
        if len(parts) == 3 and fold(parts[-1]) in _PLACE_FEATURES:  # "San Diego Bay": the city, then the bay
            out += [" ".join(parts[:2]), place]
        elif len(parts) <= 2:
            out.append(place)
    return [p for p in dict.fromkeys(out) if fold(p) not in brands]


# the last word of a place name of three words ("San Diego Bay", "Palm Springs Valley"), not of a business's name
_PLACE_FEATURES = frozenset(
    "bay beach valley lake county city island islands park springs heights hills falls coast harbor harbour "
    "downtown area region mountains".split()
)


def combinations(description: str, language: str, brand_terms: Sequence[str], width: int, title: bool) -> list[str]:
    """What a brief says in two places joined the way ads and searches join them: the product with the place it
    is sold in ("Fontaneros en Zaragoza", "dentist austin")."""
    heads = [
        p
        for p in spans(description, language, 2, 3, width, no_conjunction=True)
        if not any(ch.isdigit() for ch in p) and not any(w[:1].isupper() for w in p.split()[1:])
    ][:3]
    return with_place(heads, description, language, brand_terms, width, title, at_most=2)


def with_place(
    heads: Sequence[str],
    description: str,
    language: str,
    brand_terms: Sequence[str],
    width: int,
    title: bool,
    at_most: int,
) -> list[str]:
    """Each of ``heads`` with each of the brief's first ``at_most`` places, as an ad writes it ("Fugas de agua en
    Zaragoza", ``title``) or as a buyer searches it ("fugas de agua zaragoza"); what does not fit ``width`` is left
    out."""
    joiner = " en " if language == "es" else " in "
    out = []
    for head in heads:
        for place in places(description, brand_terms)[:at_most]:
            if fold(place) not in fold(head):
                out.append(f"{head}{joiner}{place}" if title else f"{head} {place}")
    return [_sentence_case(c) if title else c.lower() for c in out if len(c) <= width and len(c.split()) >= 2]


# description candidates of the brief's own sentences that make the ones built from its phrases unneeded
ENOUGH_DESCRIPTIONS = 6


def description_candidates(
    description: str, selling_points: Sequence[str], language: str, brand_terms: Sequence[str] = ()
) -> list[str]:
    """Description sentences that fit whole, and selling points joined into sentences: after a sentence or clause
    of the description, or after what the business sells and where ("Ramos de flores en Madrid. Entrega el mismo
    día. Tarjeta personalizada.") when its sentences are too long to take whole."""
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
            if _fits(candidate, limit) and _edges_ok(clause, language) and fold(point) not in fold(clause):
                out.append(candidate)
    if len(out) >= ENOUGH_DESCRIPTIONS:
        return list(dict.fromkeys(out))
    # too few: the brief's sentences are too long to take whole ("Floristería online con entrega de ramos de flores
    # el mismo día en Madrid si pides antes de las 14:00."): what it sells, then its selling points
    nouns = [n for n in noun_phrases(description, language, brand_terms) if len(n.split()) >= 2]
    width = HEADLINE_LIMIT.max_width
    leads = with_place(nouns[:2], description, language, brand_terms, width, title=True, at_most=1)
    leads += [_sentence_case(n) for n in nouns[:1]]  # what it sells: the first noun phrase
    for lead in leads:
        fresh = [p for p in points if fold(p) not in fold(lead) and fold(lead) not in fold(p)]
        for count in (2, 1):
            for start in range(len(fresh) - count + 1):
                candidate = " ".join([f"{lead}.", *(f"{p}." for p in fresh[start : start + count])])
                if _fits(candidate, limit):
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
    out += [
        k.lower()
        for p in attached(description, language, brand_terms, KEYWORD_LIMIT.max_width)
        if (k := _without_figures(p, language))
    ]
    nouns = noun_phrases(description, language, brand_terms)
    out += [n.lower() for n in nouns]
    out += with_place(nouns, description, language, brand_terms, KEYWORD_LIMIT.max_width, title=False, at_most=1)
    # when the description names too few things, a selling point that names a product or service ("private
    # charters"), alone and with the place
    enough = [k for k in dict.fromkeys(out) if not _says_not_names(k, language)]
    pointed = (
        []
        if len(enough) >= KEYWORDS_FROM_DESCRIPTION
        else [
            n
            for point in selling_points
            for n in noun_phrases(point, language, brand_terms)
            if len(n.split()) <= 3 and not claims_in(fold(n), language)  # an ad says it, nobody searches it
        ]
    )
    out += [n.lower() for n in pointed]
    out += with_place(pointed, description, language, brand_terms, KEYWORD_LIMIT.max_width, title=False, at_most=1)
    # the advertiser's own brand with what it sells ("enigma escape room"): a search its ad group should own
    out += [f"{brand} {n}".lower() for brand in brand_terms[:1] for n in nouns[:1] if fold(brand) not in fold(n)]
    return [
        k
        for k in dict.fromkeys(out)
        if len(k) <= KEYWORD_LIMIT.max_width and 2 <= len(k.split()) <= 5 and not _says_not_names(k, language)
    ]


# keyword phrases of the description above which the selling points are left to the headlines
KEYWORDS_FROM_DESCRIPTION = 8


def _says_not_names(keyword: str, language: str) -> bool:
    """A phrase that says something of the product rather than names it, which nobody searches: "snacks included",
    "dermatologist tested", "desayuno incluido" (a participle after the noun)."""
    tokens = keyword.split()
    stops = STOP_WORDS.get(language, frozenset())
    if language == "es":
        return any(fold(t) in ("incluido", "incluida", "incluidos", "incluidas") for t in tokens)
    return any(
        i and len(t) > 4 and t.endswith("ed") and not tokens[i - 1].endswith("ly") and tokens[i - 1] not in stops
        for i, t in enumerate(tokens)
    )  # "fully equipped vans", "plumbers for clogged drains" name them


def _without_figures(phrase: str, language: str) -> str:
    """A keyword holds no price or size: "Sérum con vitamina C al 15%" searches as "sérum con vitamina c"; a phrase
    whose figure is not at its end is dropped."""
    tokens = phrase.split()
    while tokens and any(ch.isdigit() for ch in tokens[-1]):
        tokens.pop()
        while tokens and fold(tokens[-1]) in DANGLING.get(language, frozenset()):
            tokens.pop()
    if any(ch.isdigit() for t in tokens for ch in t):
        return ""
    return " ".join(tokens) if len(tokens) >= 2 else ""


def _phrase_end(words: list[str], stops: frozenset[str]) -> int:
    """Where a run of words stops being one phrase: at an article or stop word after its first word."""
    return next((i for i, w in enumerate(words) if i and fold(w) in stops | _ARTICLES), len(words))


def noun_phrases(description: str, language: str, brand_terms: Sequence[str] = ()) -> list[str]:
    """The noun phrases a buyer searches for, with what "de" / "of" adds to them ("ramos de flores", "vacunas"):
    each run of words between prepositions, conjunctions and signs, with the "de" phrase after it, up to 4 words."""
    stops = STOP_WORDS.get(language, frozenset())
    brands = {fold(b) for b in brand_terms} | {fold(p) for p in places(description, brand_terms)}
    out: list[str] = []
    for sentence in _SENTENCE.split(description):
        segments = _segments(_tokens(sentence), language)
        for index, seg in enumerate(segments):
            if language != "es" and index and not seg.opener:
                continue  # English leaves verbs unmarked ("our mechanics come"): only the object of a preposition
            words = list(seg.words)
            while words and fold(words[0]) in stops | _ARTICLES:
                words = words[1:]
            cut = _phrase_end(words, stops)
            if cut < len(words):  # "flores el mismo día": the article starts another phrase
                words, following = words[:cut], None
            if not words or _has_digit(words) or fold(" ".join(words)) in brands:
                continue
            if language == "en" and any(len(w) > 4 and fold(w).endswith("ed") for w in words):
                continue  # "referral needed", "baked fresh": a clause, not what is searched
            following = segments[index + 1] if index + 1 < len(segments) and cut == len(seg.words) else None
            if following and following.opener in _OF and not following.joined and not _has_digit(following.words):
                after = following.words[: _phrase_end(following.words, stops)]
                with_of = [*words, following.opener, *after]
                if len(with_of) <= 4 and fold(with_of[-1]) not in stops:
                    out.append(" ".join(with_of))
            if 2 <= len(words) <= 4 and fold(words[-1]) not in stops:
                out.append(" ".join(words))
    return list(dict.fromkeys(out))


# prepositions that open a modifier ("de matemáticas", "for sensitive skin")
PREPOSITIONS = {
    "es": frozenset("de del para con sin en a al por desde hasta".split()),
    "en": frozenset("of for with without in at from near on by to".split()),
}
# these bind to the word just before them ("entrega de ramos", "desde 8 hasta 14"): only the product's own first
# modifier may be one of them
_BIND_BACK = frozenset("de del al a hasta of to".split())
_OF = frozenset("de del of".split())
# words before a noun in Spanish ("primera consulta"): not a product on their own
_BEFORE_NOUN = frozenset("primer primera primeros primeras nuevo nueva nuevos nuevas gran mejor".split())
_ARTICLES = frozenset("a an the un una unos unas el la los las".split())
_PUNCT = frozenset(",;:.")
_PARTICIPLE = {
    "es": re.compile(r"\w{3,}(?:ados?|adas?|idos?|idas?)$"),
    "en": re.compile(r"\w{3,}(?:ing|ed)$"),
}
_GERUND = {"es": re.compile(r"\w{3,}(?:ando|iendo)$")}


def _tokens(sentence: str) -> list[str]:
    out: list[str] = []
    for raw in sentence.split():
        word = raw.rstrip(",;:.")
        if raw[:1] in "([" or word[-1:] in ")]":
            return out  # a parenthesis is an aside: stop before it
        if word:
            out.append(word)
        if len(word) < len(raw):
            out.append(raw[len(word) :][0])
    return out


@dataclass
class _Segment:
    opener: str  # the preposition that opens it, or "" for a noun phrase
    words: list[str]
    joined: str  # what comes before it: "," ":" a conjunction, or "" when it follows directly
    verb: bool = False  # it held a verb form, cut before it: nothing after it belongs to the product


def _is_verb(
    tokens: list[str], index: int, position: int, language: str, preps: frozenset[str], first: bool = False
) -> bool:
    """Whether ``tokens[index]`` (the ``position``-th word of its segment) starts a verb phrase: "tostado cada
    semana", "fabricados en", "offering cleanings", "roasted to order" — not an adjective ("kilometraje ilimitado",
    "clogged drains") or an English noun in -ing at the end of a noun phrase ("house cleaning in")."""
    low = fold(tokens[index])
    if low in _CLAUSE_WORDS:
        return True
    gerund = _GERUND.get(language)
    if gerund and gerund.match(low):
        return True
    if not _PARTICIPLE.get(language, _PARTICIPLE["en"]).match(low) or position == 0:
        return False
    after = fold(tokens[index + 1]) if index + 1 < len(tokens) else "."
    if after in _PUNCT or after in _CONJUNCTIONS:
        return False
    before = fold(tokens[index - 1]) if index else ""
    proper = index > 1 and tokens[index - 1][:1].isupper()  # "in Brooklyn specializing in": a verb after a name
    if language == "en" and low.endswith("ing") and after in preps and not before.endswith("s") and not proper:
        return False  # "house cleaning in Chicago", not "plans starting at"
    if language == "en" and low.endswith("ing") and first and after not in preps | _ARTICLES | _EN_VERBS:
        return False  # the sentence's first words name the product: "Sunset sailing tours", "Dog grooming salon"
    return True


def _segments(tokens: list[str], language: str) -> list[_Segment]:
    preps = PREPOSITIONS.get(language, frozenset())
    segments: list[_Segment] = []
    current = _Segment("", [], "")
    tokens = [*tokens, "."]
    for index, token in enumerate(tokens):
        low = fold(token)
        if token in _PUNCT or low in _CONJUNCTIONS or low in preps:
            if current.words or current.opener:
                segments.append(current)
                current = _Segment("", [], "")
            if token in _PUNCT or low in _CONJUNCTIONS:
                current.joined = token if token in _PUNCT and current.joined in ("", ",") else current.joined or low
            else:
                current.opener = low
        elif _is_verb(tokens, index, len(current.words), language, preps, not segments and not current.opener):
            current.verb = True
            segments.append(current)
            break
        else:
            current.words.append(token)
    return segments


def _modifiers(segments: list[_Segment]) -> list[str]:
    """The modifiers of the sentence's product (the first segment), coordinated ones sharing their preposition."""
    out: list[str] = []
    shared = ""  # the preposition a bare item of a list takes ("para ESO y Bachillerato")
    after_list = False  # a list of items separated by commas was seen: a new modifier after it is the list's
    skip = 0
    for index, seg in enumerate(segments[1:], start=1):
        if seg.joined in (":", ";", "."):
            break
        if skip:
            skip -= 1
        elif seg.opener:
            if (fold(seg.opener) in _BIND_BACK and index > 1 and not seg.joined) or (after_list and seg.joined):
                break
            words = list(seg.words)
            # "en el centro de Sevilla", "for up to 5 clients": one modifier, never half of it
            for following in segments[index + 1 :]:
                if following.opener not in _BIND_BACK or following.joined or len(words) + len(following.words) > 4:
                    break
                words += [following.opener, *following.words]
                skip += 1
            # a list shares "de" only after one short item ("de matemáticas y física"), others after any
            simple = len(seg.words) <= 2 and not _has_digit(seg.words) and not skip
            shared = seg.opener if simple or (seg.opener not in _OF and len(seg.words) <= 4) else ""
            if 1 <= len(words) <= 5:
                out.append(f"{seg.opener} {' '.join(words)}")
        elif (
            shared
            and seg.joined
            and seg.words
            and len(seg.words) <= 2
            and not _has_digit(seg.words)
            and fold(seg.words[0]) not in _ARTICLES
            and (seg.joined in _CONJUNCTIONS or _list_ends_with_conjunction(segments[index:]))
            and not (shared in _OF and seg.joined == ",")
        ):
            after_list = after_list or seg.joined == ","
            out.append(f"{shared} {' '.join(seg.words)}")
        else:
            shared = ""
            after_list = after_list or seg.joined == ","
        if seg.verb:
            break
    return out


def _has_digit(words: list[str]) -> bool:
    return any(ch.isdigit() for w in words for ch in w)


def _list_ends_with_conjunction(segments: list[_Segment]) -> bool:
    for seg in segments[1:]:
        if seg.opener or seg.joined not in (",", *_CONJUNCTIONS):
            return False
        if seg.joined in _CONJUNCTIONS:
            return True
    return False


def attached(description: str, language: str, brand_terms: Sequence[str], width: int) -> list[str]:
    """The sentence's product with each thing the brief says of it, one at a time: "Clases particulares de
    matemáticas y física para ESO y Bachillerato, a domicilio o por videollamada" gives "Clases de física", "Clases
    para Bachillerato", "Clases por videollamada"; "moisturizer for sensitive skin with ceramides and niacinamide"
    gives "Moisturizer with niacinamide". Coordinated words share their preposition; a modifier that binds to the
    word before it ("entrega de ramos") is not moved to the product; a sentence whose first words are one item of a
    list ("Estudio gratuito, gestión de subvenciones...") or that has a verb in them is left alone."""
    stops = STOP_WORDS.get(language, frozenset())
    plain = AD_WORDS.get(language, frozenset()) | SEARCH_WORDS.get(language, frozenset())
    brands = {fold(b) for b in brand_terms}
    out: list[str] = []
    for sentence in _SENTENCE.split(description):
        segments = _segments(_tokens(sentence), language)
        if len(segments) < 2 or segments[0].opener or segments[0].verb or not segments[1].opener:
            continue  # no product first, or the product is one item of a list
        noun = list(segments[0].words)
        while noun and fold(noun[0]) in stops:
            noun = noun[1:]
        if not noun or len(noun) > 4 or _has_digit(noun):
            continue
        if language == "es":  # the noun first, then what describes it
            heads = [" ".join(noun[:n]) for n in range(1, min(len(noun), 2) + 1)]
            heads = [h for h in heads if fold(h) not in _BEFORE_NOUN]
            first = segments[1]
            if first.opener in _OF and not first.joined and len(first.words) <= 2:
                heads += [f"{h} {first.opener} {' '.join(first.words)}" for h in heads]
        else:  # what describes it, then the noun
            heads = [" ".join(noun[-n:]) for n in range(1, min(len(noun), 2) + 1)]
        heads = [h for h in heads if fold(h.split()[-1 if language != "es" else 0]) not in plain]
        for head in heads:
            for modifier in _modifiers(segments):
                if fold(modifier.split(" ", 1)[1]) in brands or fold(modifier) in fold(head):
                    continue
                phrase = f"{head} {modifier}"
                tokens = phrase.split()
                if len(phrase) <= width and 2 <= len(tokens) <= 6 and _edges_ok(phrase, language):
                    out.append(phrase)
    return list(dict.fromkeys(out))
