"""The marketer's words, translated, for ad strength and for generated lines that were not suggested.

``ml.ad_strength`` and the generator speak in codes (a level, a hint code with a count, a reason code); the page and
the API turn them into sentences here, in the request's language. Reason codes the generator may not emit yet are
listed too, so a new generator needs no new translation.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from ml.ad_strength import LONG_HEADLINE_MIN, SHORT_HEADLINE_MAX, AdStrength, Hint

LEVEL_LABELS = {
    "poor": pgettext_lazy("ad strength", "Poor"),
    "average": pgettext_lazy("ad strength", "Average"),
    "good": pgettext_lazy("ad strength", "Good"),
    "excellent": pgettext_lazy("ad strength", "Excellent"),
}

# Why a generated line was not suggested, one short sentence per reason code.
DROP_REASONS = {
    "too_long": gettext_lazy("Too long for the ad platforms."),
    "cut": gettext_lazy("Cut off in the middle of a word."),
    "dangling": gettext_lazy("Ends on a word that needs more after it, such as “and” or “with”."),
    "fragment": gettext_lazy("Not a complete phrase."),
    "duplicate": gettext_lazy("Repeats another line, a keyword or text the ad already has."),
    "repeated_word": gettext_lazy("Repeats the same word."),
    "off_topic": gettext_lazy("Not about what you sell."),
    "wrong_language": gettext_lazy("Not in the campaign's language."),
    "example_copy": gettext_lazy("Copies the examples the AI was shown instead of describing your product."),
    "invented_number": gettext_lazy("Gives a number (a price, a discount, a time) that your description does not."),
    "invented_claim": gettext_lazy(
        "Promises something (free shipping, a guarantee, “the best”) that your description does not."
    ),
    "canary": gettext_lazy("Repeats text removed from your description because it looked like instructions to the AI."),
    "all_caps": gettext_lazy("Writes words in capitals, which the platforms refuse."),
    "exclamation": gettext_lazy("Has more exclamation marks than the platforms allow."),
    "blocked_term": gettext_lazy("Contains one of your organization's blocked terms."),
    "invalid_character": gettext_lazy("Contains a character the platforms refuse."),
    "formula_start": gettext_lazy("Starts with a character a spreadsheet would run as a formula."),
    "too_many_words": gettext_lazy("Has more words than a keyword may have."),
    "match_type": gettext_lazy("Has a match type the platforms do not know."),
    "empty": gettext_lazy("Empty."),
    "too_few": gettext_lazy("Fewer lines than an ad needs."),
    "too_many": gettext_lazy("More lines than an ad can hold."),
}
OTHER_REASON = gettext_lazy("Did not pass the checks.")
FIELD_LABELS = {
    "headlines": gettext_lazy("Headline"),
    "descriptions": gettext_lazy("Description"),
    "keywords": gettext_lazy("Keyword"),
}


def hint_text(hint: Hint) -> str:
    """A hint from ``ml.ad_strength`` as a translated sentence."""
    n = hint.count
    texts = {
        "add_headlines": lambda: ngettext(
            "Add %(count)d more distinct headline", "Add %(count)d more distinct headlines", n
        ),
        "unique_headlines": lambda: ngettext(
            "Rewrite %(count)d headline that repeats another", "Rewrite %(count)d headlines that repeat another", n
        ),
        "keyword_headlines": lambda: ngettext(
            "Include a keyword in %(count)d more headline", "Include a keyword in %(count)d more headlines", n
        ),
        "add_keywords": lambda: _("Add keywords to the ad group, then use them in headlines"),
        "add_descriptions": lambda: ngettext(
            "Add %(count)d more distinct description", "Add %(count)d more distinct descriptions", n
        ),
        "short_headline": lambda: _("Add a short headline (%(limit)d characters or fewer)"),
        "long_headline": lambda: _("Add a long headline (%(limit)d characters or more)"),
    }
    limit = SHORT_HEADLINE_MAX if hint.code == "short_headline" else LONG_HEADLINE_MIN
    make = texts.get(hint.code)
    return make() % {"count": n, "limit": limit} if make else hint.message


def level_label(level: str) -> str:
    return str(LEVEL_LABELS.get(level, level))


def strength_data(strength: AdStrength) -> dict[str, Any]:
    """The meter for a page or the API: level code and label, score, and the hints as code, count and sentence."""
    return {
        "level": strength.level,
        "level_label": level_label(strength.level),
        "score": strength.score,
        "hints": [{"code": hint.code, "count": hint.count, "message": hint_text(hint)} for hint in strength.hints],
    }


def reason_text(reason: str) -> str:
    return str(DROP_REASONS.get(reason, OTHER_REASON))


def dropped_data(entry: dict[str, Any]) -> dict[str, Any]:
    """One stored dropped line with its reason in the marketer's words."""
    return {
        "ad_group": entry.get("ad_group"),
        "field": entry.get("field", ""),
        "index": entry.get("index"),
        "text": entry.get("text", ""),
        "reason": entry.get("reason", ""),
        "reason_text": reason_text(entry.get("reason", "")),
        "detail": entry.get("detail", ""),
    }


def field_label(field_name: str) -> str:
    return str(FIELD_LABELS.get(field_name, field_name))
