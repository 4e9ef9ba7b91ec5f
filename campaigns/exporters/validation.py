"""Export-time checks: the shared validator (``ml.ad_rules``) plus the few rules it does not hold yet.

TODO: pins, final URLs, positive budgets and Microsoft's "no broad negatives" belong in ``ml/ad_rules.py``,
the one place these rules should live; they are here only until that module grows them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

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


@dataclass(frozen=True)
class Problem:
    """One item that was not exported: which item, which rule, and why."""

    item: str
    rule: str
    detail: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class Finding:
    """A broken rule inside one item: ``field`` names the asset (``headlines``, ``final_url``…), ``index`` its place."""

    field: str
    index: int | None
    rule: str
    detail: str


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
    found = [Finding(v.field, v.index, v.reason, v.detail) for v in ad_rules.validate_ad(assets, rules)]
    for field_name, items, pins in (
        ("headlines", headlines, HEADLINE_PINS),
        ("descriptions", descriptions, DESCRIPTION_PINS),
    ):
        for index, item in enumerate(items):
            if item.get("pin") not in (None, *pins):
                found.append(Finding(field_name, index, "pin", f"pin {item.get('pin')!r} is not one of {pins}"))
    if path2 and not path1:
        found.append(Finding("path2", None, "empty", "path 2 needs a path 1"))
    url = urlsplit(final_url or "")
    if url.scheme not in ("http", "https") or not url.netloc:
        found.append(Finding("final_url", None, "final_url", f"{final_url!r} is not an http(s) URL"))
    return found


def keyword_findings(
    text: str, match_type: str, negative: bool, platform: str, blocked_terms: Sequence[str] = ()
) -> list[Finding]:
    """Every rule a keyword (or negative keyword) breaks on ``platform``. ``blocked_terms`` apply to keywords only:
    a negative keyword naming a competitor ("-cemex") is how a marketer keeps their searches out."""
    rules = _platforms(platform, () if negative else blocked_terms)
    violations = ad_rules.check_keyword(ad_rules.KeywordText(text, match_type), None, rules)
    found = [Finding(v.field, v.index, v.reason, v.detail) for v in violations]
    if negative and match_type == "broad" and platform == "microsoft":
        found.append(Finding("keywords", None, "broad_negative", "Microsoft Advertising has no broad negatives"))
    return found


def budget_findings(daily_budget_micros: int) -> list[Finding]:
    if daily_budget_micros <= 0:
        return [Finding("daily_budget", None, "budget", "the platforms need a daily budget above zero")]
    return []


def as_problems(item: str, findings: list[Finding]) -> list[Problem]:
    return [
        Problem(item, f.rule, f"{f.field}{'' if f.index is None else f' {f.index + 1}'}: {f.detail}") for f in findings
    ]
