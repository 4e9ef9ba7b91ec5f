"""The generator's own checks of a line a marketer would publish: whole, true, clean, on topic, in language.

:mod:`ml.ad_rules` says whether a platform accepts a line; this module says whether a marketer would. A line fails
with one reason code (the first that applies), which the API and the Generate page show for every dropped line:

* ``cut``: the width limit or the token cap ended it, not the model (:meth:`ScoredLine.ended_by_model`), or it ends
  on the first digits of a number the brief writes longer ("Sacos de 5" for 50 kg);
* ``dangling``: it ends on a word that needs a next one ("y", "de", "with", "are"), a comma, colon, hyphen, an
  open bracket or a currency sign with no amount ("Fees from $");
* ``fragment``: too few words to say anything (a one-word headline, a description under five words);
* ``repeated_word``: a content word or a word pair twice in the line;
* ``invented_number`` / ``invented_claim``: a number, price, percentage or time, or a claim ("free shipping",
  "garantía", "certified"), that the brief does not state;
* ``example_copy``: a line of a prompt example, or one with a word that only the examples use ("locksmiths" in
  an ad for bike repair);
* ``boilerplate``: the prompt's own text (a field header, the data delimiters ``<<<`` ``>>>``, a ``|``);
* ``unsupported``: more words than a line may add to the brief's (keywords: only the brief's words and search
  words like "comprar", "near me"; headlines one more, descriptions three);
* ``wrong_language``: written in the other language;
* ``off_topic``: no content word of the brief (a line that would fit any business).

Independent of the benchmark's judge (``bench/ad_judge.py``), which scores the output apart from these rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from ml.ad_rules import DESCRIPTION_LIMIT, HEADLINE_LIMIT, KEYWORD_LIMIT, fold, text_width
from ml.generation.lines import ScoredLine

# a line the model ends has a newline it gives at least this probability; below, the limit chose the end
MIN_END_PROBABILITY = 0.1

STOP_WORDS = {
    "es": frozenset(
        "a al ante con contra de del desde e el en entre hacia hasta la las lo los mas más o para pero por que se "
        "sin sobre su sus tu tus u un una unas unos y mi mis nuestro nuestra nuestros nuestras cada muy ya te le "
        "les es son está están como cuando donde todo toda todos todas este esta estos estas".split()
    ),
    "en": frozenset(
        "a an and are as at be by for from in into is it its of on or our than that the their this to with your "
        "you we us all any each every has have how just more most no not now only so very what when where which "
        "who will".split()
    ),
}
# words a line cannot end on: they need a next word
DANGLING = {
    "es": frozenset(
        "a al ante con de del desde e el en entre hacia hasta la las los mas más o para por que sin "
        "sobre su sus tu tus u un una unas unos y mi mis nuestro nuestra nuestros nuestras cada muy "
        "como".split()
    ),
    "en": frozenset(
        "a an and as at by for from in into of on or our than that the their this to with your every each are is "
        "was were".split()
    ),
}
# claim stems (accent-free, lower case): a line may make the claim only when the brief makes it
CLAIMS = {
    "es": (
        "gratis",
        "gratuit",
        "regalo",
        "garantia",
        "garantiz",
        "certific",
        "homolog",
        "oficial",
        "mejor",
        "lider",
        "numero 1",
        "n.º 1",
        "descuento",
        "oferta",
        "rebaja",
        "promocion",
        "urgente",
        "inmediat",
        "mismo dia",
        "24 h",
        "24/7",
        "ecologic",
        "organic",
        "artesan",
        "hecho a mano",
        "premi",
        "barat",
        "economic",
        "asequible",
        "low cost",
        "sin compromiso",
        "devolucion",
        "financia",
        "plazos",
        "envio",
    ),
    "en": (
        "free",
        "gift",
        "guarantee",
        "warrant",
        "certified",
        "accredited",
        "official",
        "best",
        "leading",
        "number one",
        "#1",
        "no. 1",
        "discount",
        "sale",
        "offer",
        "deal",
        "save",
        "cheap",
        "affordable",
        "low-cost",
        "low cost",
        "lowest",
        "same day",
        "same-day",
        "next day",
        "next-day",
        "24/7",
        "24 hour",
        "24-hour",
        "organic",
        "eco",
        "handmade",
        "hand-made",
        "award",
        "no obligation",
        "refund",
        "money back",
        "finance",
        "shipping",
        "delivery",
    ),
}
_UNITS = frozenset("kg cm mm km ml mes meses dia dias day days hour hours hora horas min eur usd".split())
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_BAD_END = re.compile(r"[,:;\-–—&/+(\[{«\"“]$|(?<![\d\s])\s?[$€£]$")  # also a currency sign with no amount


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def stem(word: str) -> str:
    """A crude stem for Spanish and English: enough to match "collars" to "collar", "clases" to "clase"."""
    for suffix in ("iones", "ion", "ing", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)][:6]
    return word[:6]


@dataclass(frozen=True)
class Brief:
    """What the marketer gave, folded once for the checks.

    Args:
        text: description, selling points, landing page and brand terms, joined.
        language: ``es`` or ``en``.
        example_lines: every line of the prompt examples of this language (answers the model may copy).
    """

    text: str
    language: str
    example_lines: frozenset[str] = frozenset()
    example_stems: frozenset[str] = frozenset()
    brand_terms: tuple[str, ...] = ()

    @cached_property
    def folded(self) -> str:
        return fold(self.text)

    @cached_property
    def checked_language(self) -> str:
        """The language whose word lists check the lines (English for one without lists)."""
        return self.language if self.language in STOP_WORDS else "en"

    @cached_property
    def claims(self) -> frozenset[str]:
        """The claims of :data:`CLAIMS` the brief makes: a line may repeat these, and no others."""
        return frozenset(claims_in(self.folded, self.checked_language))

    @cached_property
    def numbers(self) -> frozenset[str]:
        return frozenset(n.replace(",", ".") for n in _NUMBER.findall(self.text))

    @cached_property
    def names(self) -> tuple[str, ...]:
        """Names of several capitalised words the brief writes ("San Diego", "Lake Tahoe"): never cut in two."""
        found = re.findall(r"\b[A-ZÁÉÍÓÚÑ][\w'’-]*(?:\s+[A-ZÁÉÍÓÚÑ][\w'’-]*)+", self.text)
        return tuple(dict.fromkeys(found))

    @cached_property
    def word_set(self) -> frozenset[str]:
        return frozenset(words(self.text))

    @cached_property
    def ranges(self) -> frozenset[tuple[str, str]]:
        """The ranges the brief writes ("de 2 a 6": ``("2", "6")``)."""
        return frozenset(_RANGE.findall(self.folded))

    @cached_property
    def number_units(self) -> tuple[tuple[str, str], ...]:
        """Each number the brief writes with the word after it ("60 seconds": ``("60", "seconds")``)."""
        return tuple(_NUMBER_UNIT.findall(self.folded))

    @cached_property
    def content_stems(self) -> frozenset[str]:
        stops = STOP_WORDS.get(self.language, frozenset())
        return frozenset(stem(w) for w in words(self.text) if w not in stops and len(w) > 2 and not w.isdigit())


# words a buyer adds to a product in a search, and verbs and words an ad adds to a brief without claiming anything
SEARCH_WORDS = {
    "es": frozenset("comprar compra precio precios online cerca tienda donde venta mejor barato madrid".split())
    - {"mejor", "barato", "madrid"},
    "en": frozenset("buy price prices online near me shop store cost where order".split()),
}
AD_WORDS = {
    "es": frozenset(
        "pide reserva descubre compra elige consigue llama contacta visita prueba aprovecha encuentra "
        "ahora hoy tienda online nuestro nuestra nuestros nuestras calidad servicio servicios web "
        "atención cliente clientes casa tu tus".split()
    ),
    "en": frozenset(
        "order book discover shop buy choose get call contact visit try find today now online store "
        "quality service services customer customers home".split()
    ),
}
EXTRA_WORDS = {"keywords": 1, "headlines": 1, "descriptions": 2}
_BOILERPLATE = re.compile(r"<<|>>|\||\(m[aá]x|^\w[\w ]{0,20}:$|;", re.IGNORECASE)


def check_line(line: ScoredLine, kind: str, brief: Brief) -> str | None:
    """The reason a marketer would not publish ``line`` as a ``kind`` (``headlines``, ``descriptions``,
    ``keywords``) for ``brief``, or None when it passes."""
    text = line.text
    folded = fold(text)
    tokens = words(text)
    language = brief.checked_language
    stops = STOP_WORDS[language]
    if not line.ended_by_model(MIN_END_PROBABILITY):
        return "cut"
    if _BOILERPLATE.search(text):
        return "boilerplate"
    numbers = [n.replace(",", ".") for n in _NUMBER.findall(text)]
    known_numbers = brief.numbers
    last = tokens[-1] if tokens else ""
    if last.isdigit() and last not in known_numbers and any(k.startswith(last) for k in known_numbers):
        return "cut"
    if (
        last.isdigit()
        and re.search(rf"(?<![\d.,]){last}\s?(?:[%€$£]|[^\W\d_]+)", brief.text)
        and not re.search(rf"(?<![\d.,]){last}(?![\d%€$£])(?!\s?(?:[%€$£]|[^\W\d_]))", brief.text)
        and not re.search(rf"{last}\s?[%€$£]", text)
    ):
        return "cut"  # "99" where the brief only writes "99%", "7" where it writes "7 days", "19" for "19 €"
    if _cut_at_limit(text, last, kind, brief):
        return "cut"
    glued = _NUMBER_GLUED.fullmatch(last)
    if glued and last not in brief.word_set and glued.group(1) not in _MEASURES | {"st", "nd", "rd", "th"}:
        return "cut"  # "máximo 8a." of "máximo 8 alumnos": a number with the first letters of the next word
    if (
        kind != "keywords"
        and text[:1].islower()
        and fold(tokens[0] if tokens else "") not in words(" ".join(brief.brand_terms))
    ):
        return "cut"  # the rest of a line the limit cut ("from recycled paper")
    if len(last) == 1 and last.isalpha() and last not in words(brief.text) and last not in _ONE_LETTER[language]:
        return "cut"
    if _BAD_END.search(text.rstrip()) or (tokens and tokens[-1] in DANGLING[language]) or _unbalanced(text):
        return "dangling"
    content = [w for w in tokens if w not in stops and not w.isdigit() and w not in _UNITS]
    min_words = {"headlines": 2, "descriptions": 5, "keywords": 1}.get(kind, 1)
    if len(tokens) < min_words or len(text.split()) < min_words or not content:
        return "fragment"  # "Dust-free", "45-minute": one word with a hyphen is still one word
    repeatable = [w for w in content if len(w) > 2 and w not in _UNITS]
    if len(set(repeatable)) < len(repeatable) or _plural_repeat(repeatable) or _repeated_pair(tokens):
        return "repeated_word"
    if any(_misspelled(w, brief) for w in tokens):
        return "misspelled"
    if any(n not in known_numbers for n in numbers) or _unit_changed(folded, brief) or _range_changed(folded, brief):
        return "invented_number"
    if _invented_claim(folded, brief, language):
        return "invented_claim"
    stems = {stem(w) for w in repeatable}
    known = brief.content_stems
    if _key(text) in brief.example_lines or (stems - known) & brief.example_stems:
        return "example_copy"
    if _other_language(tokens, language, brief.word_set):
        return "wrong_language"
    if not stems & known or stems <= _GENERIC_STEMS[language]:
        return "off_topic"  # "Book online", "Online booking": words any business's ad uses
    if extra_words(text, kind, brief) > EXTRA_WORDS.get(kind, 0):
        return "unsupported"
    return None


# units of time and size that a number carries: "60 seconds" written as "60-Day" is a different fact
_MEASURES = frozenset(
    "s sec secs second seconds min mins minute minutes h hr hrs hour hours day days week weeks month months year "
    "years yr seg segundo segundos minuto minutos hora horas dia dias semana semanas mes meses ano anos "
    "kg g gr mg cm mm m km ml l lb lbs oz".split()
)
_NUMBER_GLUED = re.compile(r"\d+([^\W\d_]+)")
_NUMBER_UNIT = re.compile(r"(?<![\d.,])(\d+)(?:[.,]\d+)*\s?-?\s?([^\W\d_]+)")
_RANGE = re.compile(r"(?<![\d.,])(\d+)\s*(?:-|–|a|to|hasta|al)\s*(\d+)(?![\d.,])")


def _range_changed(folded: str, brief: Brief) -> bool:
    """A range whose ends are numbers of the brief but not its range: "grupos de 3 a 6" where it writes "de 2 a
    6"."""
    return any(pair not in brief.ranges for pair in _RANGE.findall(folded))


def _unit_changed(folded: str, brief: Brief) -> bool:
    """A number of the brief with a unit the brief never gives it: "in 60-Day" where it writes "in 60 seconds",
    "30 horas" for "30 minutos". A unit is the brief's when one starts as the other ("min" of "minutos", "h" of
    "horas")."""
    for number, unit in _NUMBER_UNIT.findall(folded):
        if unit not in _MEASURES:
            continue
        given = [u for n, u in brief.number_units if n == number]
        if not any(g.startswith(unit) or unit.startswith(g[:3]) for g in given):
            return True
    return False


_GENERIC_STEMS = {
    language: frozenset(stem(w) for w in AD_WORDS[language] | SEARCH_WORDS[language]) for language in AD_WORDS
}


def _plural_repeat(content: list[str]) -> bool:
    """The same word twice, once in the plural ("Charter charters")."""
    seen = set(content)
    return any(w + "s" in seen or w + "es" in seen for w in seen)


def _misspelled(word: str, brief: Brief) -> bool:
    """A word the brief does not write that is one of its words with a letter of the middle left out ("publicitaras"
    for "publicitarias"), or two of its words glued ("escaperoom" for "escape room", "sunsetsailing"; English has
    short compounds, "campervan", so there both words and the whole must be longer)."""
    known = brief.word_set
    if word in known or len(word) < 6 or word.isdigit():
        return False
    ordered = words(brief.text)
    shortest = 3 if brief.language == "es" else 4  # English compounds are shorter: "campervan" stays, "sunsetsailing"
    for first, second in zip(ordered, ordered[1:], strict=False):
        if (
            len(first) >= shortest
            and len(second) >= shortest
            and (brief.language == "es" or len(word) >= 10)
            and word.startswith(first)
            and len(word) - len(first) >= 3
            and word[len(first) :][:2] == second[:2]  # "escaperoy" too: the second word misspelled as well
        ):
            return True
    for known_word in known:
        if len(known_word) == len(word) + 1 and len(known_word) >= 7:
            for i in range(1, len(known_word) - 2):  # not the ending: "clase"/"clases" is a form, not a typo
                if known_word[:i] + known_word[i + 1 :] == word:
                    return True
    return False


_ONE_LETTER = {"es": frozenset("yeoua"), "en": frozenset("a")}
# a line this close to its field's width may have been ended by the limit inside a word
_NEAR_LIMIT = 3
# each field's platform limit (the width a line may fill)
FIELD_LIMITS = {"headlines": HEADLINE_LIMIT, "descriptions": DESCRIPTION_LIMIT, "keywords": KEYWORD_LIMIT}


def _cut_at_limit(text: str, last: str, kind: str, brief: Brief) -> bool:
    """A line at its width that ends on the start of a longer word of the brief ("urgenc" of "urgencias",
    "consult" of "consultation"), or on the first words of a brand or name of several ("Clínica Sonrisa" of
    "Sonrisa Turia", "tours in San" of "San Diego"): the limit cut it, whatever probability the model gave."""
    folded = words(text)
    for brand in brief.brand_terms:
        parts = words(brand)
        if any(folded[-k:] == parts[:k] for k in range(1, len(parts))):
            return True
    for name in brief.names:  # "San Diego Bay": "San" is cut, "San Diego" a name of its own
        parts = words(name)
        if len(parts) > 1 and folded[-1:] == parts[:1]:
            return True
    width = FIELD_LIMITS[kind].max_width if kind in FIELD_LIMITS else 0
    if not last or last.isdigit() or text_width(text) < width - _NEAR_LIMIT:
        return False
    if last in brief.word_set:
        return False
    # at the limit, a short stop word of the other language is the start of a cut word ("Tours in San De[go]")
    language = brief.checked_language
    other = {w for lang, stops in STOP_WORDS.items() if lang != language for w in stops}
    if len(last) <= 3 and last in other and last not in STOP_WORDS[language]:
        return True
    return any(w.startswith(last) and len(w) > len(last) for w in brief.word_set)


def extra_words(text: str, kind: str, brief: Brief) -> int:
    """How many content words of ``text`` are neither the brief's nor words any ad or search adds."""
    language = brief.checked_language
    common = SEARCH_WORDS[language] | (AD_WORDS[language] if kind != "keywords" else frozenset())
    allowed = brief.content_stems | {stem(w) for w in common}
    stems = {
        stem(w)
        for w in words(text)
        if w not in STOP_WORDS[language] and len(w) > 2 and w not in _UNITS and not w.isdigit()
    }
    return len(stems - allowed)


def example_keys(lines: Iterable[str]) -> frozenset[str]:
    """The keys :func:`check_line` compares example lines by."""
    return frozenset(_key(line) for line in lines)


def example_stems(texts: Iterable[str], language: str) -> frozenset[str]:
    """The content-word stems of the prompt examples' products and answers (brief words are exempted later)."""
    stops = STOP_WORDS.get(language, frozenset())
    common = AD_WORDS.get(language, frozenset()) | SEARCH_WORDS.get(language, frozenset())
    return frozenset(
        stem(w)
        for t in texts
        for w in words(t)
        if w not in stops and w not in common and not w.isdigit() and len(w) > 2
    )


def _key(text: str) -> str:
    return " ".join(words(text))


def _unbalanced(text: str) -> bool:
    return (
        text.count("(") != text.count(")")
        or text.count('"') % 2 == 1
        or text.count("¿") > text.count("?")
        or text.count("¡") > text.count("!")
    )


def _repeated_pair(tokens: list[str]) -> bool:
    pairs = list(zip(tokens, tokens[1:], strict=False))
    return len(set(pairs)) < len(pairs)


def claims_in(folded: str, language: str) -> list[str]:
    """The claims of :data:`CLAIMS` that folded text makes ("free", "garantia")."""
    return [c for c in CLAIMS.get(language, ()) if re.search(r"(?<![\w])" + re.escape(c), folded)]


def _invented_claim(line: str, brief: Brief, language: str) -> bool:
    return bool(set(claims_in(line, language)) - brief.claims)


def _other_language(tokens: list[str], language: str, known: frozenset[str] = frozenset()) -> bool:
    """Written in the other language: more of its stop words than the line's own, or one of them that the brief
    never writes in a line with none of its own ("escape in valladolid" in a Spanish ad; "Tacos de birria" stays
    in an English ad whose brief writes it)."""
    other = "en" if language == "es" else "es"
    own = sum(t in STOP_WORDS[language] for t in tokens)
    foreign = [t for t in tokens if t in STOP_WORDS[other] and t not in STOP_WORDS[language]]
    single = [t for t in foreign if t not in known and t not in _BOTH_LANGUAGES]
    return (len(foreign) >= 2 and len(foreign) > own) or (own == 0 and bool(single))


# short words each language writes ("No franquicia", "Plan B"): never a sign of the other language on their own
_BOTH_LANGUAGES = frozenset("no me he a e o y u".split())
