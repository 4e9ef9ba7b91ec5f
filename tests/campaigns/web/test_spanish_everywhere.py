"""Every page of the web UI, signed in as a Spanish-speaking owner, editor and viewer: each answers (a page the role
may not open with a 403 page), and no English string that the catalog translates is left on it.

The pages are every named URL of ``campaigns.urls`` whose arguments are ids (filled from the test's own rows);
those taking a secret token are left out. The English strings are the catalog's own: each msgid with a Spanish
translation different from it (from the compiled ``locale/es/LC_MESSAGES/django.mo``) must not appear as a whole
phrase in a page's visible text (text nodes, titles, placeholders, labels and button values).
"""

from __future__ import annotations

import gettext
import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, reverse

from campaigns import urls as web_urls
from campaigns.models import (
    BudgetChange,
    GenerationJob,
    ImportJob,
    Invitation,
    MatchingJob,
    Membership,
    Suggestion,
    UserPreference,
)
from tests.factories import member

pytestmark = pytest.mark.django_db

# Views that only take a POST (or only redirect) answer a GET with these; any other page must answer 200.
NOT_PAGES = {
    "home": 302,
    "logout": 405,
    "create_token": 405,
    "set_language": 405,
    "switch_organization": 405,
    "decide_plan": 405,
    "roll_back": 405,
    "plan_now": 405,
    "generate_decide": 405,
    "cancel_generation": 405,
    "suggestion_edit": 405,
    "suggestion_validate": 405,
    "invite_member": 405,
    "revoke_invitation": 405,
    "change_member": 405,
    "signup": 302,
}
# The pages a role may not open: each answers 403, a page in the reader's language that says why.
REFUSED: dict[str, dict[str, int]] = {
    "owner": {},
    "editor": {"members": 403},
    "viewer": {"members": 403, "edit_budget": 403},
}
SECRET_ARGUMENTS = {"token", "token_key", "uidb64", "kind"}  # links from emails, token revocation, file downloads
# Attributes a person reads or hears (button values, placeholders, titles, labels for screen readers).
READ_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt", "value"}
# Product names are not English to translate ("Google Ads" holds the msgid "Ads").
BRANDS = re.compile(r"Google Ads( Editor)?|Microsoft Advertising")


class VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._hidden += 1
        kind = dict(attrs).get("type")
        for name, value in attrs:
            if value and name in READ_ATTRIBUTES and not (name == "value" and kind not in ("submit", "button")):
                self.texts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.texts.append(" ".join(data.split()))


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return BRANDS.sub("", "\n".join(parser.texts))


def english_phrases() -> list[tuple[str, re.Pattern]]:
    """Each translated msgid as a whole-phrase pattern; a msgid with placeholders is matched by its longest
    literal part (at least 12 characters, or it is too generic to tell English from data)."""
    with (Path(settings.BASE_DIR) / "locale" / "es" / "LC_MESSAGES" / "django.mo").open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
    phrases = []
    for msgid, msgstr in catalog.items():
        english = msgid[0] if isinstance(msgid, tuple) else msgid
        if not english or english == msgstr:
            continue
        parts = re.split(r"%\(\w+\)[sdf]|%[sd]|\{\w*\}", english)
        literal = max(parts, key=len).strip() if len(parts) > 1 else english.strip()
        if len(parts) > 1 and len(literal) < 12:
            continue
        words = " ".join(literal.split())
        phrases.append((english, re.compile(r"(?<![\w-])" + re.escape(words) + r"(?![\w-])")))
    return phrases


@pytest.fixture
def ids(organization, owner, account) -> dict[str, int]:
    change = BudgetChange.objects.create(
        organization=organization,
        campaign=account["campaign"],
        plan=account["plan"],
        plan_date=date(2025, 3, 10),
        plan_version=1,
        before_micros=40_000_000,
        after_micros=44_000_000,
        actor=f"user:{owner.username}",
        reasons=["raised: high sampled return", "limited by the maximum change per day"],
    )
    invitation = Invitation.objects.create(organization=organization, email="luis@example.com", token_sha256="0" * 64)
    Suggestion.objects.create(  # a proposed new ad group, for its page
        organization=organization,
        kind="ad_group",
        text="pintura fachada",
        source="matching:test",
        evidence={"terms": ["pintura fachada"], "clicks": 3, "cost_micros": 1_500_000, "conversions": 1.0},
    )
    return {
        "plan_id": account["plan"].pk,
        "change_id": change.pk,
        "campaign_id": account["campaign"].pk,
        "ad_group_id": account["ad_group"].pk,
        "suggestion_id": account["negative"].pk,
        "invitation_id": invitation.pk,
        "membership_id": Membership.objects.get(user=owner).pk,
        "import_job": ImportJob.objects.create(organization=organization, filename="informe.csv").pk,
        "generation_job": GenerationJob.objects.create(organization=organization, campaign=account["campaign"]).pk,
        "matching_job": MatchingJob.objects.create(organization=organization).pk,
    }


def pages(ids: dict[str, int]) -> dict[str, str]:
    found = {}
    for pattern in web_urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        arguments = set(pattern.pattern.converters)
        if not pattern.name or arguments & SECRET_ARGUMENTS:
            continue
        values = {name: ids[name] for name in arguments if name != "job_id"}
        if "job_id" in arguments:
            values["job_id"] = ids[pattern.name if pattern.name in ("import_job", "matching_job") else "generation_job"]
        found[pattern.name] = reverse(f"campaigns:{pattern.name}", kwargs=values)
    return found


def read_every_page(user, ids: dict[str, int]) -> tuple[dict[str, int], dict[str, list[str]]]:
    """Each page's status, and the English phrases left on each page that answered HTML, read as ``user`` with
    Spanish saved as their language."""
    UserPreference.objects.create(user=user, language="es")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")  # the browser asks for English: the saved preference wins
    signed_in = client.post(reverse("campaigns:login"), {"username": user.username, "password": "pw-for-tests-only"})
    assert signed_in.status_code == 302
    phrases = english_phrases()
    assert len(phrases) > 300  # the catalog was read

    statuses, english = {}, {}
    for name, url in pages(ids).items():
        response = client.get(url)
        statuses[name] = response.status_code
        if response.status_code not in (200, 403) or not response["Content-Type"].startswith("text/html"):
            continue
        html = response.content.decode()
        assert '<html lang="es">' in html or "<html" not in html, name
        text = visible_text(html)
        left = sorted({msgid for msgid, phrase in phrases if phrase.search(text)})
        if left:
            english[name] = left
    return statuses, english


@pytest.mark.parametrize("role", ["owner", "editor", "viewer"])
def test_every_page_answers_in_spanish_with_no_english_left(organization, owner, ids, role):
    user = owner if role == "owner" else member(organization, role)

    statuses, english = read_every_page(user, ids)

    assert {name: status for name, status in statuses.items() if status != 200} == NOT_PAGES | REFUSED[role]
    assert english == {}, "\n".join(f"{name}: {left}" for name, left in english.items())
