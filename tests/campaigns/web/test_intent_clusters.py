"""The new ad groups page: intent clusters no ad group covers, with their terms and figures, created or rejected."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from campaigns.models import AdGroup, Keyword, SearchTerm, SearchTermDaily, Suggestion
from tests.factories import CampaignFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cluster(organization, account):
    """A proposal as matching saves it: two terms the "Cemento" campaign served, 12.345678 EUR of cost."""
    campaign = account["campaign"]
    terms = [
        SearchTerm.objects.create(organization=organization, campaign=campaign, text=text)
        for text in ("pintura <b>fachada</b>", "pintura exterior")
    ]
    return Suggestion.objects.create(
        organization=organization,
        kind="ad_group",
        text="pintura <i>fachada</i>",
        source="matching:test",
        evidence={
            "terms": [t.text for t in terms],
            "term_ids": [t.pk for t in terms],
            "clicks": 1234,
            "cost_micros": 12_345_678,
            "conversions": 2.5,
            "starter_keywords": ["pintura fachada", "pintura exterior", "pintura fachada"],
        },
    )


def test_the_page_lists_a_cluster_with_its_terms_and_figures_in_the_currency(client, viewer, cluster):
    client.force_login(viewer)
    response = client.get(reverse("campaigns:intent_clusters"))
    assert response.status_code == 200
    row = response.context["clusters"][0]
    assert (row.suggestion.pk, row.clicks, row.cost_micros, row.conversions) == (cluster.pk, 1234, 12_345_678, 2.5)
    body = response.content.decode()
    assert "12.35 EUR" in body and "1,234" in body and "2.5" in body
    assert "pintura &lt;b&gt;fachada&lt;/b&gt;, pintura exterior" in body
    assert "<b>fachada</b>" not in body and "<i>fachada</i>" not in body
    assert f'name="create" value="{cluster.pk}"' not in body  # a viewer reads, does not decide
    assert 'href="/new-ad-groups/" class="active"' in body


def test_the_page_speaks_spanish(client, owner, cluster):
    client.force_login(owner)
    client.post(reverse("campaigns:set_language"), {"language": "es", "next": "/new-ad-groups/"})
    body = client.get(reverse("campaigns:intent_clusters")).content.decode()
    assert "Nuevos grupos de anuncios" in body and "Crear grupo de anuncios" in body
    assert "12,35 EUR" in body


def test_creating_the_ad_group_adds_it_with_phrase_keywords_once(client, teammate, cluster, account):
    client.force_login(teammate)
    campaign = account["campaign"]
    page = client.get(reverse("campaigns:intent_clusters")).content.decode()
    assert f'<option value="{campaign.pk}" selected>' in page  # the campaign that served its terms
    response = client.post(
        reverse("campaigns:intent_clusters"), {"create": cluster.pk, f"campaign-{cluster.pk}": campaign.pk}
    )
    assert response.status_code == 302
    group = AdGroup.objects.get(campaign=campaign, name="pintura <i>fachada</i>")
    keywords = Keyword.objects.filter(ad_group=group).order_by("text")
    assert [(k.text, k.match_type, k.negative) for k in keywords] == [
        ("pintura exterior", "phrase", False),
        ("pintura fachada", "phrase", False),
    ]
    cluster.refresh_from_db()
    assert (cluster.status, cluster.ad_group, cluster.decided_by) == ("approved", group, teammate)
    # a second decision changes nothing
    client.post(reverse("campaigns:intent_clusters"), {"create": cluster.pk, f"campaign-{cluster.pk}": campaign.pk})
    assert AdGroup.objects.filter(campaign=campaign, name="pintura <i>fachada</i>").count() == 1
    assert client.get(reverse("campaigns:intent_clusters")).context["clusters"] == []


def test_rejecting_records_the_decision_and_creates_nothing(client, teammate, cluster):
    client.force_login(teammate)
    groups = AdGroup.objects.count()
    client.post(reverse("campaigns:intent_clusters"), {"reject": cluster.pk})
    cluster.refresh_from_db()
    assert (cluster.status, AdGroup.objects.count()) == ("rejected", groups)


def test_another_organizations_campaign_or_proposal_is_refused(client, teammate, outsider, cluster, other_organization):
    elsewhere = CampaignFactory(organization=other_organization, name="Ajena")
    client.force_login(teammate)
    decision = {"create": cluster.pk, f"campaign-{cluster.pk}": elsewhere.pk}
    response = client.post(reverse("campaigns:intent_clusters"), decision, follow=True)
    assert "Choose one of your campaigns" in response.content.decode()
    assert not AdGroup.objects.filter(campaign=elsewhere).exists()
    client.force_login(outsider)
    client.post(reverse("campaigns:intent_clusters"), {"reject": cluster.pk})
    cluster.refresh_from_db()
    assert cluster.status == "pending"


def test_a_viewer_cannot_decide(client, viewer, cluster):
    client.force_login(viewer)
    assert client.post(reverse("campaigns:intent_clusters"), {"reject": cluster.pk}).status_code == 403
    cluster.refresh_from_db()
    assert cluster.status == "pending"


def test_an_ad_group_of_the_same_name_is_not_created_twice(client, teammate, cluster, account):
    AdGroup.objects.create(campaign=account["campaign"], name="Pintura <i>fachada</i>")
    client.force_login(teammate)
    response = client.post(
        reverse("campaigns:intent_clusters"),
        {"create": cluster.pk, f"campaign-{cluster.pk}": account["campaign"].pk},
        follow=True,
    )
    assert "already has an ad group named" in response.content.decode()
    cluster.refresh_from_db()
    assert cluster.status == "pending"


# --- on the demo account, with the real embedder ---------------------------------------------------------------

# Search terms of intents none of the demo's ad groups (cement, bricks, plasterboard, insulation, tiles) covers,
# seen but not yet clicked: worth an ad group, not waste.
UNCOVERED = (
    "pintura plastica blanca 15 litros",
    "pintura para fachadas exterior",
    "comprar pintura plastica interior",
    "pintura fachada precio litro",
    "taladro percutor inalambrico",
    "comprar taladro percutor",
    "taladro percutor precio",
    "mortero monocapa precio",
    "mortero de reparacion rapido",
    "comprar mortero monocapa",
    "mortero seco saco 25 kg",
    "impermeabilizante terraza",
    "pintura impermeabilizante tejado",
    "impermeabilizante para cubiertas",
    "comprar impermeabilizante liquido",
)


@pytest.fixture
def demo(settings, tmp_path):
    from campaigns.services.demo import seed_demo

    settings.VAR_DIR = tmp_path
    organization = seed_demo(seed=7, days=90, end=dt.date(2026, 11, 25))
    group = AdGroup.objects.get(campaign__organization=organization, name="Cemento gris")
    for i, text in enumerate(UNCOVERED):
        term = SearchTerm.objects.create(organization=organization, campaign=group.campaign, ad_group=group, text=text)
        SearchTermDaily.objects.create(
            search_term=term, campaign=group.campaign, date=dt.date(2026, 11, 20), impressions=20 + i
        )
    return organization


@pytest.mark.slow
def test_demo_clusters_are_listed_and_a_created_ad_group_then_covers_its_terms(client, demo):
    from campaigns.models import Membership
    from campaigns.services.matching import match_search_terms

    result = match_search_terms(demo)
    client.force_login(Membership.objects.get(organization=demo, role="owner").user)
    response = client.get(reverse("campaigns:intent_clusters"))
    rows = response.context["clusters"]
    assert len(rows) == result.clusters >= 2
    assert {t for row in rows for t in row.terms} <= set(UNCOVERED)  # none of the demo's own, covered terms
    assert all(len(row.terms) >= 3 and row.keywords for row in rows)
    body = response.content.decode()
    for row in rows:
        assert f'id="cluster-{row.suggestion.pk}"' in body and row.suggestion.text in body
    chosen = next(row for row in rows if "impermeabilizante" in row.suggestion.text)
    response = client.post(
        reverse("campaigns:intent_clusters"),
        {"create": chosen.suggestion.pk, f"campaign-{chosen.suggestion.pk}": chosen.campaign_id},
    )
    assert response.status_code == 302
    group = AdGroup.objects.get(campaign_id=chosen.campaign_id, name=chosen.suggestion.text)
    # the next matching routes the cluster's terms to the new ad group and proposes it no more: its keywords' own
    # terms match it; every term has it as nearest ad group. Whether a term with no keyword of its own clears the
    # match threshold differs between machines: "pintura plastica blanca 15 litros" scored 0.573 against a
    # threshold of 0.622 on one AMD EPYC (faiss without AVX2 there), above it on CI's machine
    match_search_terms(demo)
    terms = SearchTerm.objects.filter(organization=demo, text__in=chosen.terms)
    keywords = set(group.keywords.values_list("text", flat=True))
    assert set(terms.filter(text__in=keywords).values_list("match__ad_group", flat=True)) == {group.pk}
    assert set(terms.values_list("match__nearest_ad_group", flat=True)) == {group.pk}
    assert set(terms.values_list("match__ad_group", flat=True)) <= {group.pk, None}
    texts = [row.suggestion.text for row in client.get(reverse("campaigns:intent_clusters")).context["clusters"]]
    assert chosen.suggestion.text not in texts
