"""Export-time checks: the shared validator (``ml.ad_rules``) plus the few rules it does not hold yet.

TODO: pins, final URLs, positive budgets and Microsoft's "no broad negatives" belong in ``ml/ad_rules.py``,
the one place these rules should live; they are here only until that module grows them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy

from ml import ad_rules

HEADLINE_PINS = (1, 2, 3)
DESCRIPTION_PINS = (1, 2)
# Platform rules: an item that breaks one of these is refused by the platform. The other reasons of the shared
# validator (all_caps, blocked_term, formula_start) are the house's rules: they stop an export but not an import
# (formula_start: text a spreadsheet would run as a formula, docs/security.md).
HARD_REASONS = frozenset(
    {
        "too_few",
        "too_many",
        "empty",
        "too_long",
        "too_many_words",
        "duplicate",
        "exclamation",
        "invalid_character",
        "match_type",
        "pin",
        "final_url",
        "broad_negative",
        "budget",
    }
)


# what each rule code says to a marketer (the code stays in the CSV and the API, for scripts)
RULE_LABELS = {
    "too_few": pgettext_lazy("export rule", "Too few"),
    "too_many": pgettext_lazy("export rule", "Too many"),
    "empty": pgettext_lazy("export rule", "Empty"),
    "too_long": pgettext_lazy("export rule", "Too long"),
    "too_many_words": pgettext_lazy("export rule", "Too many words"),
    "duplicate": pgettext_lazy("export rule", "Duplicate"),
    "exclamation": pgettext_lazy("export rule", "Exclamation mark"),
    "invalid_character": pgettext_lazy("export rule", "Character not allowed"),
    "match_type": pgettext_lazy("export rule", "Match type"),
    "pin": pgettext_lazy("export rule", "Pin"),
    "final_url": pgettext_lazy("export rule", "Final URL"),
    "broad_negative": pgettext_lazy("export rule", "Broad negative"),
    "budget": pgettext_lazy("export rule", "Budget"),
    "daily_budget": pgettext_lazy("export rule", "Daily budget"),
    "shared_budget": pgettext_lazy("export rule", "Shared budget"),
    "budget_type": pgettext_lazy("export rule", "Budget type"),
    "campaign_type": pgettext_lazy("export rule", "Campaign type"),
    "currency": pgettext_lazy("export rule", "Currency"),
    "all_caps": pgettext_lazy("export rule", "Capitals"),
    "blocked_term": pgettext_lazy("export rule", "Blocked term"),
    "formula_start": pgettext_lazy("export rule", "Spreadsheet formula"),
    "keywords": pgettext_lazy("export rule", "Keywords"),
}


@dataclass(frozen=True)
class Problem:
    """One item that was not exported: which item, which rule, and why."""

    item: str
    rule: str
    detail: str

    @property
    def rule_label(self) -> str:
        """The rule in the marketer's words and language (the code when it has none)."""
        return str(RULE_LABELS.get(self.rule, self.rule))

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class Finding:
    """A broken rule inside one item: ``field`` names the asset (``headlines``, ``final_url``…), ``index`` its place."""

    field: str
    index: int | None
    rule: str
    detail: str


def _noun(field_name: str) -> str:
    """The asset a sentence is about, with its article in Spanish ("el título", "la descripción")."""
    nouns = {
        "headlines": pgettext("validator noun", "headline"),
        "descriptions": pgettext("validator noun", "description"),
        "path1": pgettext("validator noun", "path1"),
        "path2": pgettext("validator noun", "path2"),
        "keywords": pgettext("validator noun", "keyword"),
    }
    return nouns.get(field_name, field_name.rstrip("s"))


def say(violation: ad_rules.Violation) -> str:
    """``violation.detail`` in the active language: ``ml`` writes it in English without Django, so the sentence is
    written again here, through gettext, from its reason code and parameters (the English text is the same)."""
    params: dict[str, object] = dict(violation.params)
    keyword = violation.field == "keywords"
    counted = {
        ("too_few", "headlines"): _("%(count)d headlines; at least %(limit)d are required"),
        ("too_few", "descriptions"): _("%(count)d descriptions; at least %(limit)d are required"),
        ("too_many", "headlines"): _("%(count)d headlines; at most %(limit)d are allowed"),
        ("too_many", "descriptions"): _("%(count)d descriptions; at most %(limit)d are allowed"),
    }
    messages = {
        "empty": _("%(noun)s is empty"),
        "too_long": (
            _("keyword is %(width)d characters; the limit is %(limit)d")
            if keyword
            else _("%(noun)s is %(width)d wide; the limit is %(limit)d")
        ),
        "formula_start": _("%(noun)s starts with %(char)s, which a spreadsheet opening the export runs as a formula"),
        "exclamation": (
            _("%(noun)s has %(count)d; no exclamation mark allowed")
            if params.get("allowed") == 0
            else _("%(noun)s has %(count)d; at most one exclamation mark allowed")
        ),
        "all_caps": _("%(noun)s writes %(words)s in capitals"),
        "blocked_term": _("%(noun)s contains the blocked term %(term)s"),
        "duplicate": _("repeats keyword %(item)d") if keyword else _("repeats item %(item)d"),
        "too_many_words": _("keyword has %(count)d words; the limit is %(limit)d"),
        "invalid_character": _("keyword contains %(chars)s"),
        "match_type": _("match type %(match_type)s is not one of broad, phrase, exact"),
    }
    message = counted.get((violation.reason, violation.field)) or messages.get(violation.reason)
    if message is None or (violation.reason != "empty" and not params):
        return violation.detail
    try:
        return message % {"noun": _noun(violation.field), **params}
    except (KeyError, TypeError, ValueError):  # a rule ml grew without its sentence here: its English detail
        return violation.detail


def _platforms(platform: str, blocked_terms: Sequence[str] = ()) -> ad_rules.Rules:
    return ad_rules.Rules(platforms=(ad_rules.as_platform(platform),), blocked_terms=tuple(blocked_terms))


def ad_findings(
    headlines: list[dict],
    descriptions: list[dict],
    path1: str,
    path2: str,
    final_url: str,
    platform: str,
    blocked_terms: Sequence[str] = (),
) -> list[Finding]:
    """Every rule an RSA breaks on ``platform`` (texts, counts, pins, paths, final URL), and the organization's
    ``blocked_terms`` (competitor trademarks, banned claims) when given."""
    assets = ad_rules.AdAssets(
        headlines=[str(item.get("text", "")) for item in headlines],
        descriptions=[str(item.get("text", "")) for item in descriptions],
        path1=path1,
        path2=path2,
    )
    rules = _platforms(platform, blocked_terms)
    found = [Finding(v.field, v.index, v.reason, say(v)) for v in ad_rules.validate_ad(assets, rules)]
    for field_name, items, pins in (
        ("headlines", headlines, HEADLINE_PINS),
        ("descriptions", descriptions, DESCRIPTION_PINS),
    ):
        for index, item in enumerate(items):
            if item.get("pin") not in (None, *pins):
                detail = _("pin %(pin)s is not one of %(pins)s") % {"pin": repr(item.get("pin")), "pins": pins}
                found.append(Finding(field_name, index, "pin", detail))
    if path2 and not path1:
        found.append(Finding("path2", None, "empty", _("path 2 needs a path 1")))
    url = urlsplit(final_url or "")
    if url.scheme not in ("http", "https") or not url.netloc:
        detail = _("%(url)s is not an http(s) URL") % {"url": repr(final_url)}
        found.append(Finding("final_url", None, "final_url", detail))
    return found


def keyword_findings(
    text: str, match_type: str, negative: bool, platform: str, blocked_terms: Sequence[str] = ()
) -> list[Finding]:
    """Every rule a keyword (or negative keyword) breaks on ``platform``. ``blocked_terms`` apply to keywords only:
    a negative keyword naming a competitor ("-cemex") is how a marketer keeps their searches out."""
    rules = _platforms(platform, () if negative else blocked_terms)
    violations = ad_rules.check_keyword(ad_rules.KeywordText(text, match_type), None, rules)
    found = [Finding(v.field, v.index, v.reason, say(v)) for v in violations]
    if negative and match_type == "broad" and platform == "microsoft":
        detail = _("Microsoft Advertising has no broad negatives")
        found.append(Finding("keywords", None, "broad_negative", detail))
    return found


def budget_findings(daily_budget_micros: int) -> list[Finding]:
    if daily_budget_micros <= 0:
        return [Finding("daily_budget", None, "budget", _("the platforms need a daily budget above zero"))]
    return []


# What a problem is about, as the export page names it (the English names are the fields' own).
FIELD_WORDS = {
    "headlines": pgettext_lazy("export field", "headlines"),
    "descriptions": pgettext_lazy("export field", "descriptions"),
    "path1": pgettext_lazy("export field", "path1"),
    "path2": pgettext_lazy("export field", "path2"),
    "final_url": pgettext_lazy("export field", "final_url"),
    "keywords": pgettext_lazy("export field", "keywords"),
    "daily_budget": pgettext_lazy("export field", "daily_budget"),
    "campaign_type": pgettext_lazy("export field", "campaign_type"),
    "budget_type": pgettext_lazy("export field", "budget_type"),
    "shared_budget": pgettext_lazy("export field", "shared_budget"),
    "currency": pgettext_lazy("export field", "currency"),
}
# One of several (the second headline): singular in Spanish, as the fields' own names in English.
ONE_OF_WORDS = {
    "headlines": pgettext_lazy("export field, one of several", "headlines"),
    "descriptions": pgettext_lazy("export field, one of several", "descriptions"),
}


def as_problems(item: str, findings: list[Finding]) -> list[Problem]:
    return [Problem(item, f.rule, _problem_detail(f)) for f in findings]


def _problem_detail(finding: Finding) -> str:
    if finding.index is None:
        return _("%(field)s: %(detail)s") % {
            "field": FIELD_WORDS.get(finding.field, finding.field),
            "detail": finding.detail,
        }
    words: dict[str, object] = {
        "field": ONE_OF_WORDS.get(finding.field) or FIELD_WORDS.get(finding.field, finding.field),
        "position": finding.index + 1,
        "detail": finding.detail,
    }
    return _("%(field)s %(position)s: %(detail)s") % words
