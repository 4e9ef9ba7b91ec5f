"""A budget plan in the marketer's words: "move 4.00 EUR a day from A to B because …", reasons in plain sentences.

The allocator and the rules record their reasons as fixed English strings (in the audit, in the API); this module
is where the pages turn each one into a translated sentence. A reason this table does not know is shown as it is.
The audit stores no reason codes apart from these strings: each string is its code, and the few with a value in
them (a shared budget's name, a rolled-back change's id) are matched by pattern, so plans made long ago read in the
reader's language too.
"""

from __future__ import annotations

import ast
import re
import string
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaigns.services import budget_checks, budget_edits, rebalancing
from campaigns.services import budget_rules as rules
from campaigns.templatetags.campaign_money import money
from campaigns.templatetags.campaign_numbers import localize_number

SHOW_ONLY = gettext_lazy(
    "The budget mode is “Dry run (show only)”: plans are shown and never applied. An owner can change the mode in "
    "Settings."
)
# The allocator's reasons (ml.budgets.allocator), then the rules' (campaigns.services.budget_rules).
PLAIN: dict[str, Promise] = {
    "raised: high sampled return": gettext_lazy("each extra unit of budget is likely to bring more here"),
    "cut: low sampled return": gettext_lazy("each extra unit of budget brings less here than elsewhere"),
    "held: sampled return close to the account's marginal return": gettext_lazy(
        "it returns about as much as the rest of the account: kept as it is"
    ),
    "held at floor": gettext_lazy("kept at the lowest budget set for it"),
    "capped by ceiling": gettext_lazy("kept at the highest budget set for it"),
    "raised, capped by max change": gettext_lazy("raised as much as one day allows"),
    "cut, limited by max change": gettext_lazy("cut as much as one day allows"),
    "raised to floor (beyond max change)": gettext_lazy("raised to the lowest budget set for it"),
    "cut to ceiling (beyond max change)": gettext_lazy("cut to the highest budget set for it"),
    "cut beyond max change: total below the sum of minimum budgets": gettext_lazy(
        "cut more than one day allows: the total is below the campaigns' minimum budgets"
    ),
    rebalancing.NO_HISTORY: gettext_lazy("no performance data yet: kept as it is"),
    rules.KILL_SWITCH: gettext_lazy("the kill switch is on: budgets are not changed"),
    rules.ALREADY_CHANGED: gettext_lazy("already changed today: one automatic change a day"),
    rules.STALE: gettext_lazy("the newest report is too old: no raises until fresh data arrives"),
    rules.OUTSIDE: gettext_lazy("the budget was changed outside this tool: no raises until the next plan"),
    rules.CHANGE_LIMIT: gettext_lazy("limited by the largest change allowed in one day"),
    rules.FLOOR: gettext_lazy("kept at the lowest budget set for it"),
    rules.CEILING: gettext_lazy("kept at the highest budget set for it"),
    rules.CAMPAIGN_CAP: gettext_lazy("cut to stay under the campaign's monthly limit"),
    rules.ORG_CAP: gettext_lazy("cut to stay under the organization's monthly limit"),
    rules.TOTAL: gettext_lazy("raise reduced to keep the total daily budget the same"),
    rules.BELOW_FLOOR: gettext_lazy("below its lowest budget: raised only as far as one day allows"),
    budget_checks.REJECTED: gettext_lazy("This plan was rejected."),
    budget_checks.ALREADY_APPLIED: gettext_lazy("already applied"),
    budget_checks.CHANGED_SINCE: gettext_lazy("left out: the budget changed since the plan was made"),
    budget_checks.NOT_A_REBALANCE: gettext_lazy("only a plan's change can be rolled back"),
    budget_checks.ROLLED_BACK: gettext_lazy("already rolled back"),
    budget_checks.SHOW_ONLY: SHOW_ONLY,
    budget_edits.SET_BY_HAND: gettext_lazy("set by hand"),
    budget_edits.UNCHANGED: gettext_lazy("The daily budget is already this amount."),
    rebalancing.CAMPAIGN_TOTAL: gettext_lazy(
        "a budget for the campaign's whole life, not a daily budget to move: kept as it is"
    ),
}


def _stored(template: str) -> re.Pattern[str]:
    """The pattern of the reasons a service's format string writes ("rollback of change {pk}"): its text as it is,
    each field a named group (``{name!r}`` Python's repr of a string, any other field the digits of an id)."""
    parts = []
    for text, field, _spec, conversion in string.Formatter().parse(template):
        parts.append(re.escape(text))
        if field:
            parts.append(rf"(?P<{field}>'.*'|\".*\")" if conversion == "r" else rf"(?P<{field}>\d+)")
    return re.compile("".join(parts) + "$")


# Reasons stored with a value in them (the services' format strings), read back into the reader's language.
_WITH_VALUES = (
    (
        _stored(rebalancing.SHARED_BUDGET),
        gettext_lazy(
            "shared budget “%(name)s”: the platform spreads it over every campaign that uses it, so it is not one "
            "campaign's daily budget to move: kept as it is"
        ),
    ),
    (_stored(rebalancing.ROLLBACK_OF), gettext_lazy("undoes change %(pk)s")),
)
LIMITS: dict[str, Promise] = {
    "limited by volume": gettext_lazy("Searches run out"),
    "limited by budget": gettext_lazy("The budget holds it back"),
    "diminishing returns": gettext_lazy("Each extra unit brings less"),
}
# The allocator's evidence sentences (ml.budgets.limits), with their numbers.
_EVIDENCE = (
    (
        re.compile(
            r"left budget unspent on (?P<unspent>\d+) of the last (?P<days>\d+) days, stopping near (?P<cap>[\d,.]+) "
            r"a day: more budget would not be spent$"
        ),
        gettext_lazy(
            "left budget unspent on %(unspent)s of the last %(days)s days, stopping near %(cap)s a day: more budget "
            "would not be spent"
        ),
    ),
    (
        re.compile(
            r"spent its whole budget on (?P<bound>\d+) of the last (?P<days>\d+) days; the next unit buys "
            r"(?P<share>\d+%) of what the first did \(learned from (?P<n>\d+) days spending (?P<low>[\d,.]+) to "
            r"(?P<high>[\d,.]+)\)$"
        ),
        gettext_lazy(
            "spent its whole budget on %(bound)s of the last %(days)s days; the next unit buys %(share)s of what the "
            "first did (learned from %(n)s days spending %(low)s to %(high)s)"
        ),
    ),
    (
        re.compile(
            r"the next unit buys (?P<share>\d+%) of what the first did \(learned from (?P<n>\d+) days spending "
            r"(?P<low>[\d,.]+) to (?P<high>[\d,.]+)\)$"
        ),
        gettext_lazy(
            "the next unit buys %(share)s of what the first did (learned from %(n)s days spending %(low)s to %(high)s)"
        ),
    ),
    (
        re.compile(r"no spend yet: the account's other campaigns stand in for it$"),
        gettext_lazy("no spend yet: the account's other campaigns stand in for it"),
    ),
)


def plain(reason: str) -> str:
    """One recorded reason as a translated sentence (a refusal lists its reasons after a colon)."""
    for prefix, sentence in (
        (budget_checks.ROLLBACK_REFUSED, gettext_lazy("The rollback does not pass the checks: %(reasons)s.")),
        (budget_edits.REFUSED, gettext_lazy("The new budget does not pass the checks: %(reasons)s.")),
    ):
        if reason.startswith(prefix):
            parts = reason.removeprefix(prefix).split("; ")
            return str(sentence) % {"reasons": "; ".join(plain(part) for part in parts)}
    if reason in PLAIN:
        return str(PLAIN[reason])
    for pattern, words in _WITH_VALUES:
        found = pattern.match(reason)
        if found:
            values = found.groupdict()
            if "name" in values:  # stored as Python's repr of the name
                values["name"] = ast.literal_eval(values["name"])
            return str(words) % values
    return reason


def evidence(text: str) -> str:
    """The allocator's evidence sentence, translated (its amounts localized); an unknown one as it is."""
    for pattern, sentence in _EVIDENCE:
        found = pattern.match(text)
        if found:
            values = found.groupdict()
            for name in ("cap", "low", "high"):  # amounts in the active language's number format
                if name in values:
                    values[name] = localize_number(float(values[name].replace(",", "")), 2)
            return str(sentence) % values
    return text


@dataclass(frozen=True)
class Move:
    amount_micros: int
    source: Any  # BudgetPlanItem giving budget, or None
    target: Any  # BudgetPlanItem taking it, or None


def moves(items: list) -> list[Move]:
    """The plan's cuts paired with its raises, largest first: each euro taken from one campaign and given to
    another is one "move"; what is left over is a plain raise (source None) or cut (target None)."""
    cuts = sorted(
        (i for i in items if i.after_micros < i.before_micros), key=lambda i: i.after_micros - i.before_micros
    )
    raises = sorted(
        (i for i in items if i.after_micros > i.before_micros), key=lambda i: i.before_micros - i.after_micros
    )
    left = {id(i): abs(i.after_micros - i.before_micros) for i in cuts + raises}
    found: list[Move] = []
    c = r = 0
    while c < len(cuts) and r < len(raises):
        amount = min(left[id(cuts[c])], left[id(raises[r])])
        found.append(Move(amount, cuts[c], raises[r]))
        left[id(cuts[c])] -= amount
        left[id(raises[r])] -= amount
        c += left[id(cuts[c])] == 0
        r += left[id(raises[r])] == 0
    found += [Move(left[id(i)], i, None) for i in cuts[c:] if left[id(i)]]
    found += [Move(left[id(i)], None, i) for i in raises[r:] if left[id(i)]]
    return found


def sentence(move: Move, currency: str) -> str:
    """One move in words: why by the two campaigns' expected returns where both have them, else by the receiving
    (or giving) campaign's reasons; the rules that bound either side follow."""
    amount = money(move.amount_micros, currency)
    source, target = move.source, move.target
    bounds = [plain(reason) for item in (source, target) if item is not None for reason in item.reasons[1:]]
    if source is not None and target is not None:
        gain, loss = _return(target), _return(source)
        if gain is not None and loss is not None:
            why = _(
                "each extra %(currency)s is expected to bring %(gain)s conversions in %(target)s, "
                "against %(loss)s in %(source)s"
            ) % {
                "currency": currency,
                "gain": _number(gain),
                "loss": _number(loss),
                "target": target.campaign.name,
                "source": source.campaign.name,
            }
        else:
            why = plain(target.reasons[0]) if target.reasons else ""
        text = _("Move %(amount)s a day from %(source)s to %(target)s: %(why)s") % {
            "amount": amount,
            "source": source.campaign.name,
            "target": target.campaign.name,
            "why": "; ".join(dict.fromkeys([why, *bounds])),
        }
    else:
        item = target if target is not None else source
        words = (
            _("Raise %(campaign)s by %(amount)s a day: %(why)s")
            if target is not None
            else _("Lower %(campaign)s by %(amount)s a day: %(why)s")
        )
        reasons = [plain(reason) for reason in item.reasons]
        text = words % {"campaign": item.campaign.name, "amount": amount, "why": "; ".join(dict.fromkeys(reasons))}
    return text + "."


def _return(item: Any) -> float | None:
    value = (item.posterior or {}).get("marginal_return_mean")
    return float(value) if value is not None else None


def _number(value: float) -> str:
    return localize_number(value, 3 if abs(value) < 1 else 2)
