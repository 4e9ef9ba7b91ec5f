"""What an advertiser bids on and is called, learned from its own account, so a negative never blocks it.

A marketer rejects a negative keyword that blocks the account's own theme: a term containing one of the scope's
keywords ("solar quote" in the ad group "Solar Quotes/Estimates"), a word of its campaign or ad-group names
("solar austin" out of "TX - Austin", "nem3" beside "CA - NEM 3.0") or the advertiser's brand. The theme is
built from those names and keywords, compared after light normalisation (lower case, accents dropped, a
plural's "s"/"es"/"ies" folded, one typo tolerated in words of five letters or more) so misspelled and
plural search terms still count as on-theme.

    theme = AccountTheme(keywords={10: ("solar quote",)}, campaign_of={10: 1},
                         ad_group_names={10: "Solar Quotes/Estimates"}, campaign_names={1: "Solar"})
    theme.off_theme_words(("solar", "eclipse"), campaign_ids=(1,))  # -> ("eclipse",)
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

# Words that say nothing about intent (English and Spanish); never a negative on their own, never a theme word.
STOPWORDS = frozenset(
    "a an and are as at be by de del el en es for from how i in is it la las los me my near of on or para "
    "por que the to un una what where with y".split()
)
# Shopping modifiers: they change how someone searches, not what for, so they never make a term irrelevant
# ("solar quote free", "powerwall 3 vs enphase") and are not the off-theme word a negative needs.
MODIFIERS = frozenset(
    "vs versus best top cheap cheapest cheaper price prices cost costs free online review reviews buy near nearby "
    "me new used sale deal deals comparison compare local service services company companies "
    "precio precios barato baratos barata baratas mejor mejores comprar cerca oferta ofertas opiniones".split()
)
# Intents no advertiser sells to, whatever the product: jobs, courses, how-to videos, games and toys.
UNIVERSAL_WASTE = frozenset(
    "job jobs career careers salary hiring empleo empleos trabajo trabajos curso cursos course courses tutorial "
    "youtube pdf wikipedia meaning definition lyrics game games juego juegos toy toys juguete juguetes minecraft lego "
    "login".split()
)
_REGION_CODE = re.compile(r"\b[A-Z]{2}\b")
# Company-form suffixes stripped from an organization's name before it becomes a brand term.
LEGAL_FORMS = frozenset("s l sl sa sas srl slu inc llc ltd gmbh co corp company limited".split())

_WORD = re.compile(r"\w+", re.UNICODE)
MIN_FUZZY_LEN = 5


def tokens(text: str) -> tuple[str, ...]:
    """Lower-cased words of a term, as the platforms' negative matching compares them."""
    return tuple(_WORD.findall(text.lower()))


def stem(word: str) -> str:
    """A word folded for theme comparison: no accents, no plural ending, no final "e" ("quotes" → "quot")."""
    word = "".join(c for c in unicodedata.normalize("NFKD", word.lower()) if not unicodedata.combining(c))
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s"):
        word = word[:-1]
    if len(word) > 3 and word.endswith("e"):
        word = word[:-1]
    return word


def stems(words: Iterable[str]) -> tuple[str, ...]:
    return tuple(stem(w) for w in words)


def one_typo_apart(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` differ by at most one insertion, deletion, substitution or transposition."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        return a[i + 1 :] == b[i + 1 :] or (a[i + 2 :] == b[i + 2 :] and a[i : i + 2] == b[i : i + 2][::-1])
    return a[i:] == b[i + 1 :]


def contains_phrase(term: Sequence[str], phrase: Sequence[str]) -> bool:
    n = len(phrase)
    return n > 0 and any(tuple(term[i : i + n]) == tuple(phrase) for i in range(len(term) - n + 1))


def _name_words(name: str) -> set[str]:
    """A name's words, plus adjacent pairs joined ("CA - NEM 3.0" also gives "nem3", "30") as people type them."""
    words = tokens(name)
    joined = {a + b for a, b in zip(words, words[1:], strict=False)}
    joined |= {a + b + c for a, b, c in zip(words, words[1:], words[2:], strict=False)}
    return {stem(w) for w in (*words, *joined) if w not in STOPWORDS}


@dataclass(frozen=True)
class AccountTheme:
    """The account's own vocabulary: keywords, campaign and ad-group names, brand terms.

    Attributes:
        keywords: ad group id → its positive keyword texts.
        campaign_of: ad group id → campaign id.
        ad_group_names: ad group id → name.
        campaign_names: campaign id → name.
        brand_terms: the advertiser's brand names (account-wide: a brand term is never blocked anywhere).
    """

    keywords: Mapping[int, Sequence[str]] = field(default_factory=dict)
    campaign_of: Mapping[int, int] = field(default_factory=dict)
    ad_group_names: Mapping[int, str] = field(default_factory=dict)
    campaign_names: Mapping[int, str] = field(default_factory=dict)
    brand_terms: Sequence[str] = ()

    @cached_property
    def _brands(self) -> tuple[tuple[str, ...], ...]:
        account_words = self.theme_words(self.campaign_of)
        out = []
        for brand in self.brand_terms:
            words = tuple(w for w in tokens(brand) if w not in LEGAL_FORMS and w not in STOPWORDS)
            if words:
                out.append(stems(words))
                if len(words) > 1:
                    out.append((stem("".join(words)),))  # "SunPeak" typed as "sun peak" and the reverse
                    # a brand's distinctive word alone is the brand ("sunpeak reviews"); its category word
                    # ("solar") is not
                    out.extend((stem(w),) for w in words if stem(w) not in account_words and len(w) >= 4)
        return tuple(dict.fromkeys(out))

    def ad_groups(self, campaign_ids: Iterable[int], ad_group_id: int | None = None) -> list[int]:
        """The ad groups a negative at this scope applies to."""
        if ad_group_id is not None:
            return [ad_group_id]
        campaigns = set(campaign_ids)
        return [g for g, c in self.campaign_of.items() if c in campaigns]

    def keyword_stems(self, ad_group_ids: Iterable[int]) -> list[tuple[str, ...]]:
        return [stems(tokens(k)) for g in ad_group_ids for k in self.keywords.get(g, ())]

    def theme_words(self, ad_group_ids: Iterable[int]) -> frozenset[str]:
        """Stems of the scope's keyword words and of its ad groups' and campaigns' names."""
        groups = tuple(sorted(set(ad_group_ids)))
        memo = self.__dict__.setdefault("_theme_memo", {})  # the proposer asks once per candidate negative
        if groups not in memo:
            memo[groups] = self._theme_words(groups)
        return memo[groups]

    def _theme_words(self, groups: tuple[int, ...]) -> frozenset[str]:
        words: set[str] = set()
        for group in groups:
            words |= _name_words(self.ad_group_names.get(group, ""))
            if group in self.campaign_of:
                words |= _name_words(self.campaign_names.get(self.campaign_of[group], ""))
            for keyword in self.keywords.get(group, ()):
                words |= {stem(w) for w in tokens(keyword) if w not in STOPWORDS}
        return frozenset(words)

    def off_theme_words(self, words: Sequence[str], ad_group_ids: Iterable[int]) -> tuple[str, ...]:
        """The words of a negative that are neither stopwords, modifiers, numbers nor (a typo away from) a theme or
        brand word."""
        theme = self.theme_words(ad_group_ids) | {w for brand in self._brands for w in brand}
        out = []
        for word in words:
            s = stem(word)
            if word in STOPWORDS or word in MODIFIERS or len(word) < 2 or word.isdigit() or s in theme:
                continue
            if len(s) >= MIN_FUZZY_LEN and any(len(t) >= MIN_FUZZY_LEN and one_typo_apart(s, t) for t in theme):
                continue
            out.append(word)
        return tuple(out)

    def is_brand(self, words: Sequence[str]) -> bool:
        """Whether a term contains a brand term as a phrase (or its words run together, or one typo off)."""
        term = stems(words)
        joined = term + tuple(a + b for a, b in zip(term, term[1:], strict=False))
        for brand in self._brands:
            if contains_phrase(term, brand):
                return True
            if len(brand) == 1 and any(len(w) >= MIN_FUZZY_LEN and one_typo_apart(w, brand[0]) for w in joined):
                return True
        return False

    def protects(self, words: Sequence[str], ad_group_ids: Iterable[int]) -> bool:
        """Whether a search term must never be blocked in these ad groups: it contains one of their keywords of
        two or more words as a phrase (a specific intent the advertiser bid on), two adjacent words of their
        names, one of their region codes, or a brand term.

        One-word broad keywords are left out: they are where irrelevant traffic enters ("cemento" brings
        "cemento dental"), and a negative's own off-theme word is what keeps it from blocking them.
        """
        groups = list(ad_group_ids)
        term = stems(words)
        specific = [k for k in self.keyword_stems(groups) if len([w for w in k if w not in STOPWORDS]) > 1]
        if any(contains_phrase(term, k) for k in specific) or self.is_brand(words):
            return True
        content = stems(w for w in words if w not in STOPWORDS)
        if any(contains_phrase(content, pair) for pair in self.name_pairs(groups)):
            return True
        # a term naming a region the account targets by ad group ("TX - Austin"): its unknown words are most
        # likely places there ("san marcos tx solar"), unless they are a universal waste intent
        return bool(set(words) & self.region_codes(groups)) and not set(words) & UNIVERSAL_WASTE

    def region_codes(self, ad_group_ids: Iterable[int]) -> set[str]:
        """Two-capital-letter words of the scope's names ("TX", "CA"): how marketers name geo-targeted groups."""
        codes: set[str] = set()
        for group in ad_group_ids:
            campaign = self.campaign_names.get(self.campaign_of.get(group, -1), "")
            for name in (self.ad_group_names.get(group, ""), campaign):
                codes |= {code.lower() for code in _REGION_CODE.findall(name)}
        return codes - STOPWORDS

    def name_pairs(self, ad_group_ids: Iterable[int]) -> set[tuple[str, str]]:
        """Adjacent word pairs of the scope's ad-group and campaign names: each names an intent ("nem 3",
        "residential solar", "lana roca") that a term containing it expresses."""
        pairs: set[tuple[str, str]] = set()
        for group in ad_group_ids:
            campaign = self.campaign_names.get(self.campaign_of.get(group, -1), "")
            for name in (self.ad_group_names.get(group, ""), campaign):
                words = stems(w for w in tokens(name) if w not in STOPWORDS)
                pairs |= set(zip(words, words[1:], strict=False))
        return pairs

    def blocks_keyword(self, negative: Sequence[str], match_type: str, ad_group_ids: Iterable[int]) -> bool:
        """Whether the negative would block one of the scope's own keywords, were it typed as a search term."""
        neg = stems(negative)
        for keyword in self.keyword_stems(ad_group_ids):
            if (match_type == "exact" and keyword == neg) or (match_type != "exact" and contains_phrase(keyword, neg)):
                return True
        return False

    def path(self, ad_group_id: int) -> str:
        """``Campaign › Ad group`` by name, as the marketer knows them."""
        campaign = self.campaign_names.get(self.campaign_of.get(ad_group_id, -1), "")
        group = self.ad_group_names.get(ad_group_id, "")
        return f"{campaign} › {group}" if campaign else group or "another ad group"
