"""Approving a generated headline or description adds it to the ad group's ad once, where there is room."""

from __future__ import annotations

from functools import partial

import pytest

from campaigns.models import Ad
from campaigns.services.suggestions import SuggestionError, decide
from tests.factories import AdGroupFactory, suggestion_for

pytestmark = pytest.mark.django_db


def ad(group, headlines: int, status: str = "enabled") -> Ad:
    return Ad.objects.create(
        ad_group=group,
        final_url="https://example.com/",
        status=status,
        headlines=[{"text": f"Titular {n}", "pin": None} for n in range(headlines)],
        descriptions=[{"text": f"Descripción {n}.", "pin": None} for n in range(2)],
    )


suggest = partial(suggestion_for, source="generation:test")  # a pending suggestion for an ad group


def test_a_headline_goes_to_the_first_live_ad_with_room_and_is_never_repeated(organization):
    group = AdGroupFactory(campaign__organization=organization)
    paused, full, roomy = ad(group, 3, status="paused"), ad(group, 15), ad(group, 3)
    decide(suggest(group, "headline", "Cemento Cola Porcelánico").pk, approve=True, user=None)
    decide(suggest(group, "headline", "titular  0").pk, approve=True, user=None)  # already in every ad
    decide(suggest(group, "description", "Envío a obra en 24 horas.").pk, approve=True, user=None)
    assert [len(Ad.objects.get(pk=a.pk).headlines) for a in (paused, full, roomy)] == [3, 15, 4]
    assert Ad.objects.get(pk=roomy.pk).headlines[-1] == {"text": "Cemento Cola Porcelánico", "pin": None}
    assert Ad.objects.get(pk=full.pk).description_texts[-1] == "Envío a obra en 24 horas."


def test_no_ad_or_no_room_refuses_the_approval_and_changes_nothing(organization):
    group = AdGroupFactory(campaign__organization=organization)
    headline = suggest(group, "headline", "Cemento Cola Porcelánico")
    with pytest.raises(SuggestionError, match="^this ad group has no ad to add the text to; create an ad first$"):
        decide(headline.pk, approve=True, user=None)
    full = ad(group, 15)
    with pytest.raises(SuggestionError, match="^every ad of this ad group already has 15 headlines$"):
        decide(headline.pk, approve=True, user=None)
    headline.refresh_from_db()
    assert (headline.status, len(Ad.objects.get(pk=full.pk).headlines)) == ("pending", 15)
