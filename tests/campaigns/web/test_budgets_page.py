"""The Budgets page in the marketer's words: moves, a truthful dry run, confirmed apply, rollback only where the
rules allow it, plan now, and a daily budget set by hand through the invariants and the audit."""

from __future__ import annotations

import pytest
from django.urls import reverse

from campaigns.models import (
    BudgetChange,
    BudgetPlan,
    BudgetPlanItem,
    BudgetPolicy,
    Campaign,
    SettingsChange,
    UserPreference,
)
from campaigns.services import budget_edits, rebalancing
from tests.campaigns.web.conftest import DAY
from tests.factories import CampaignFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def approval(organization):
    return BudgetPolicy.objects.create(organization=organization, mode="approval")


@pytest.fixture
def two_way_plan(organization, account):
    """Ladrillos gives 10.00 a day to Cemento (50 -> 40 and 40 -> 50); Arena keeps its budget."""
    plan, cemento = account["plan"], account["campaign"]
    Campaign.objects.filter(pk=cemento.pk).update(name="Cemento")
    ladrillos = CampaignFactory(organization=organization, name="Ladrillos", daily_budget_micros=50_000_000)
    arena = CampaignFactory(organization=organization, name="Arena", daily_budget_micros=30_000_000)
    BudgetPlanItem.objects.filter(plan=plan).update(
        after_micros=50_000_000,
        reasons=["raised: high sampled return", "limited by the maximum change per day"],
        posterior={"marginal_return_mean": 0.05, "marginal_return_p05": 0.04, "marginal_return_p95": 0.06},
    )
    BudgetPlanItem.objects.create(
        plan=plan,
        campaign=ladrillos,
        before_micros=50_000_000,
        proposed_micros=40_000_000,
        after_micros=40_000_000,
        reasons=["cut: low sampled return"],
        posterior={"marginal_return_mean": 0.0125},
    )
    BudgetPlanItem.objects.create(
        plan=plan,
        campaign=arena,
        before_micros=30_000_000,
        proposed_micros=30_000_000,
        after_micros=30_000_000,
        reasons=["held: sampled return close to the account's marginal return"],
    )
    return {"plan": plan, "cemento": cemento, "ladrillos": ladrillos, "arena": arena}


def _budgets(organization) -> dict[str, int]:
    return dict(Campaign.objects.filter(organization=organization).values_list("name", "daily_budget_micros"))


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_the_plan_reads_as_moves_in_the_organizations_currency(client, teammate, two_way_plan):
    client.force_login(teammate)
    body = client.get(reverse("campaigns:budgets")).content.decode()
    assert (
        "<li>Move 10.00 EUR a day from Ladrillos to Cemento: each extra EUR is expected to bring 0.050 conversions "
        "in Cemento, against 0.013 in Ladrillos; limited by the largest change allowed in one day.</li>"
    ) in body
    assert "sampled return" not in body and f"campaign {two_way_plan['cemento'].pk}" not in body
    assert "it returns about as much as the rest of the account: kept as it is" in body  # Arena's row


def test_the_dry_run_shows_exactly_what_apply_changes_and_writes_nothing(
    client, teammate, approval, organization, two_way_plan
):
    # Arena was changed since the plan was made: applying leaves its (now different) change out.
    BudgetPlanItem.objects.filter(campaign=two_way_plan["arena"]).update(after_micros=33_000_000)
    Campaign.objects.filter(pk=two_way_plan["arena"].pk).update(daily_budget_micros=31_000_000)
    client.force_login(teammate)
    before = _budgets(organization)

    response = client.get(reverse("campaigns:review_plan", args=[two_way_plan["plan"].pk]))

    assert response.status_code == 200
    assert [row["item"].campaign.name for row in response.context["made"]] == ["Cemento", "Ladrillos"]
    assert [row["item"].campaign.name for row in response.context["left_out"]] == ["Arena"]
    body = response.content.decode()
    assert "Arena: left out: the budget changed since the plan was made" in body
    assert '<td class="num" id="total-change">0.00 EUR</td>' in body
    assert "Confirm: apply 2 changes (0.00 EUR a day in all)" in body
    assert not BudgetChange.objects.exists() and not SettingsChange.objects.exists()
    assert not BudgetPolicy.objects.exclude(pk=approval.pk).exists()
    assert _budgets(organization) == before
    assert BudgetPlan.objects.get().status == "proposed"

    client.post(
        reverse("campaigns:decide_plan", args=[two_way_plan["plan"].pk]), {"decision": "apply", "confirm": "yes"}
    )

    made = {(c.campaign.name, c.before_micros, c.after_micros) for c in BudgetChange.objects.select_related("campaign")}
    assert made == {("Cemento", 40_000_000, 50_000_000), ("Ladrillos", 50_000_000, 40_000_000)}
    assert _budgets(organization)["Arena"] == 31_000_000


def test_apply_asks_for_confirmation_first(client, teammate, approval, account):
    client.force_login(teammate)
    url = reverse("campaigns:decide_plan", args=[account["plan"].pk])

    response = client.post(url, {"decision": "apply"})

    assert response.status_code == 302
    assert response["Location"] == reverse("campaigns:review_plan", args=[account["plan"].pk])
    assert not BudgetChange.objects.exists()
    assert client.get(reverse("campaigns:decide_plan", args=[account["plan"].pk])).status_code == 405
    client.post(url, {"decision": "apply", "confirm": "yes"})
    assert Campaign.objects.get(pk=account["campaign"].pk).daily_budget_micros == 44_000_000


def test_show_only_mode_never_applies(client, teammate, account):
    client.force_login(teammate)  # no policy saved: the default mode is "dry run (show only)"
    body = client.get(reverse("campaigns:budgets")).content.decode()
    assert "Mode: <strong>Dry run (show only)</strong>" in body and "Review and apply" not in body
    review = client.get(reverse("campaigns:review_plan", args=[account["plan"].pk])).content.decode()
    assert 'id="confirm-apply"' not in review

    response = client.post(
        reverse("campaigns:decide_plan", args=[account["plan"].pk]),
        {"decision": "apply", "confirm": "yes"},
        follow=True,
    )

    assert "plans are shown and never applied" in _messages(response)[0]
    assert not BudgetChange.objects.exists() and BudgetPlan.objects.get().status == "proposed"


def test_a_viewer_cannot_apply_edit_or_plan(client, viewer, approval, account):
    client.force_login(viewer)
    campaign = account["campaign"]
    body = client.get(reverse("campaigns:budgets")).content.decode()
    assert "Edit budget" not in body and 'id="plan-now"' not in body and 'id="plan-decision"' not in body
    review = client.get(reverse("campaigns:review_plan", args=[account["plan"].pk]))
    assert review.status_code == 200 and 'id="confirm-apply"' not in review.content.decode()
    decide = reverse("campaigns:decide_plan", args=[account["plan"].pk])
    assert client.post(decide, {"decision": "apply", "confirm": "yes"}).status_code == 403
    assert client.get(reverse("campaigns:edit_budget", args=[campaign.pk])).status_code == 403
    assert client.post(reverse("campaigns:edit_budget", args=[campaign.pk]), {"amount": "60"}).status_code == 403
    assert client.post(reverse("campaigns:plan_now")).status_code == 403
    assert not BudgetChange.objects.exists() and Campaign.objects.get(pk=campaign.pk).daily_budget_micros == 40_000_000


def test_plan_now_is_an_owners_button(client, teammate, account):
    client.force_login(teammate)
    assert client.post(reverse("campaigns:plan_now")).status_code == 403


def test_another_organizations_plan_campaign_and_change_are_404(client, outsider, approval, account):
    change = BudgetChange.objects.create(
        organization=account["campaign"].organization,
        campaign=account["campaign"],
        plan_date=DAY,
        plan_version=1,
        before_micros=36_000_000,
        after_micros=40_000_000,
        actor="automation:greedy",
    )
    client.force_login(outsider)  # an owner, of the other organization
    campaign = account["campaign"]
    assert client.get(reverse("campaigns:review_plan", args=[account["plan"].pk])).status_code == 404
    assert client.get(reverse("campaigns:edit_budget", args=[campaign.pk])).status_code == 404
    assert client.post(reverse("campaigns:edit_budget", args=[campaign.pk]), {"amount": "1"}).status_code == 404
    assert client.post(reverse("campaigns:roll_back", args=[change.pk])).status_code == 404
    assert BudgetChange.objects.count() == 1 and Campaign.objects.get(pk=campaign.pk).daily_budget_micros == 40_000_000


def test_rollback_is_offered_only_where_the_rules_allow_it(client, teammate, approval, organization, two_way_plan):
    rebalancing.apply(two_way_plan["plan"].pk, user=teammate)
    raised = BudgetChange.objects.get(campaign=two_way_plan["cemento"])  # 40 -> 50: back to 40 is a 20 % cut
    cut = BudgetChange.objects.get(campaign=two_way_plan["ladrillos"])  # 50 -> 40: back to 50 is a 25 % raise
    client.force_login(teammate)

    body = client.get(reverse("campaigns:budgets")).content.decode()

    assert f'action="{reverse("campaigns:roll_back", args=[raised.pk])}"' in body
    assert f'action="{reverse("campaigns:roll_back", args=[cut.pk])}"' not in body
    assert "Cannot be rolled back: limited by the largest change allowed in one day" in body
    refused = client.post(reverse("campaigns:roll_back", args=[cut.pk]), follow=True)
    assert _messages(refused) == ["This change cannot be rolled back: limited by the largest change allowed in one day"]
    assert BudgetChange.objects.count() == 2 and _budgets(organization)["Ladrillos"] == 40_000_000
    client.post(reverse("campaigns:roll_back", args=[raised.pk]))
    assert _budgets(organization)["Cemento"] == 40_000_000
    body = client.get(reverse("campaigns:budgets")).content.decode()
    assert "Cannot be rolled back: already rolled back" in body


def test_a_daily_budget_set_by_hand_is_checked_and_audited(client, teammate, organization, account):
    imported = CampaignFactory(organization=organization, name="Importada", daily_budget_micros=0)
    client.force_login(teammate)
    url = reverse("campaigns:edit_budget", args=[imported.pk])
    assert client.get(url).status_code == 200

    response = client.post(url, {"amount": "25.50"})

    assert response.status_code == 302
    change = BudgetChange.objects.get()
    assert (change.kind, change.before_micros, change.after_micros, change.user, change.actor) == (
        "manual",
        0,
        25_500_000,
        teammate,
        f"user:{teammate.username}",
    )
    assert change.reasons == ["set by hand"] and change.plan_date == budget_edits.today_of(organization)
    assert Campaign.objects.get(pk=imported.pk).daily_budget_micros == 25_500_000
    history = client.get(reverse("campaigns:budgets")).content.decode()
    assert "Set by hand" in history and "25.50 EUR" in history


def test_a_budget_over_the_monthly_limit_is_refused_and_changes_nothing(client, teammate, organization, account):
    campaign = account["campaign"]
    Campaign.objects.filter(pk=campaign.pk).update(monthly_cap_micros=100_000_000)
    client.force_login(teammate)

    response = client.post(reverse("campaigns:edit_budget", args=[campaign.pk]), {"amount": "90"})

    assert response.status_code == 400
    assert "The new budget does not pass the checks: cut to stay under the campaign&#x27;s monthly limit." in (
        response.content.decode()
    )
    assert not BudgetChange.objects.exists() and Campaign.objects.get(pk=campaign.pk).daily_budget_micros == 40_000_000


def test_the_kill_switch_stops_a_hand_edit(client, teammate, organization, account):
    BudgetPolicy.objects.create(organization=organization, kill_switch=True)
    client.force_login(teammate)
    response = client.post(reverse("campaigns:edit_budget", args=[account["campaign"].pk]), {"amount": "41"})
    assert response.status_code == 400 and "the kill switch is on" in response.content.decode()
    assert not BudgetChange.objects.exists()


def test_more_decimals_than_the_currency_has_are_refused(client, teammate, account):
    client.force_login(teammate)
    response = client.post(reverse("campaigns:edit_budget", args=[account["campaign"].pk]), {"amount": "41.555"})
    assert response.status_code == 400 and not BudgetChange.objects.exists()


def test_plan_now_makes_todays_plan_once(
    client, owner, organization, account, eager_tasks, django_capture_on_commit_callbacks
):
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("campaigns:plan_now"), follow=True)
    assert _messages(response) == ["Planning started: today's plan appears on this page when it is ready."]
    assert BudgetPlan.objects.get(plan_date__gt=DAY).plan_date == budget_edits.today_of(organization)
    again = client.post(reverse("campaigns:plan_now"), follow=True)
    assert _messages(again) == ["Today's plan is already made; the next one is made tomorrow."]
    assert BudgetPlan.objects.count() == 2


def test_plan_now_shows_its_progress_and_the_plan_when_made(client, owner, organization, account, monkeypatch):
    """The page polls (htmx) while the worker plans, then opens itself again once the plan is made: no reload."""
    client.force_login(owner)
    response = client.post(reverse("campaigns:plan_now"))  # queued after the commit: no worker runs it here
    assert response.status_code == 302 and response["Location"].startswith(f"{reverse('campaigns:budgets')}?planning=")
    body = client.get(response["Location"]).content.decode()
    since = response["Location"].rsplit("=", 1)[1]
    poll = f'hx-get="{reverse("campaigns:plan_progress")}?since={since}" hx-trigger="every 1s"'
    assert '<section id="plan-progress"' in body and poll in body and "Making today's plan…" in body

    fragment = client.get(reverse("campaigns:plan_progress"), {"since": since}, headers={"HX-Request": "true"})
    assert poll in fragment.content.decode() and "HX-Redirect" not in fragment

    rebalancing.propose(organization, budget_edits.today_of(organization))  # the worker's plan
    made = client.get(reverse("campaigns:plan_progress"), {"since": since}, headers={"HX-Request": "true"})
    assert made.status_code == 200 and made["HX-Redirect"] == reverse("campaigns:budgets")
    assert "plan-progress" not in client.get(response["Location"]).content.decode()  # the plan itself is shown


def test_plan_progress_stops_asking_after_five_minutes(client, owner, account):
    import time

    client.force_login(owner)
    since = int(time.time()) - 301
    body = client.get(reverse("campaigns:plan_progress"), {"since": since}).content.decode()
    assert "hx-trigger" not in body and "No plan yet after five minutes" in body


def test_a_spanish_marketer_reads_the_plan_and_types_amounts_in_spanish(client, teammate, organization, two_way_plan):
    BudgetPlanItem.objects.filter(campaign=two_way_plan["ladrillos"]).update(
        posterior={
            "marginal_return_mean": 0.0125,
            "limit": "limited by volume",
            "limit_evidence": "left budget unspent on 9 of the last 42 days, stopping near 38.00 a day: more budget "
            "would not be spent",
        }
    )
    UserPreference.objects.create(user=teammate, language="es")
    client.force_login(teammate)
    body = client.get(reverse("campaigns:budgets")).content.decode()
    assert (
        "<li>Pasar 10,00 EUR al día de Ladrillos a Cemento: se espera que cada EUR extra traiga 0,050 conversiones en "
        "Cemento, frente a 0,013 en Ladrillos; limitado por el mayor cambio permitido en un día.</li>"
    ) in body
    assert (
        '<div class="limit"><strong>Se acaban las búsquedas</strong>: dejó presupuesto sin gastar 9 de los últimos 42 '
        "días, parando cerca de 38,00 al día: más presupuesto no se gastaría</div>"
    ) in body

    client.post(reverse("campaigns:edit_budget", args=[two_way_plan["arena"].pk]), {"amount": "31,50"})

    assert Campaign.objects.get(pk=two_way_plan["arena"].pk).daily_budget_micros == 31_500_000


def test_reasons_stored_in_english_with_a_value_read_in_spanish(client, teammate, organization, two_way_plan):
    # The audit keeps each reason as the service's English string (its code); a plan made long ago reads in the
    # reader's language too, values (a shared budget's name, a change's id) kept.
    shared = rebalancing.SHARED_BUDGET.format(name="Obra 'norte'")
    BudgetPlanItem.objects.filter(campaign=two_way_plan["arena"]).update(reasons=[shared])
    BudgetPlanItem.objects.filter(campaign=two_way_plan["ladrillos"]).update(reasons=[rebalancing.CAMPAIGN_TOTAL])
    BudgetPolicy.objects.create(organization=organization, mode="approval")
    rebalancing.apply(two_way_plan["plan"].pk)
    change = BudgetChange.objects.get(campaign=two_way_plan["cemento"])
    rolled = rebalancing.rollback(change.pk, user=teammate)
    assert rolled.reasons == [f"rollback of change {change.pk}"]
    UserPreference.objects.create(user=teammate, language="es")
    client.force_login(teammate)

    body = client.get(reverse("campaigns:budgets")).content.decode()

    assert (
        "presupuesto compartido «Obra &#x27;norte&#x27;»: la plataforma lo reparte entre todas las campañas que lo "
        "usan, así que no es el presupuesto diario de una campaña que se pueda mover: se mantiene igual"
    ) in body
    assert (
        "un presupuesto para toda la vida de la campaña, no un presupuesto diario que se pueda mover: se mantiene igual"
    ) in body
    assert f"deshace el cambio {change.pk}" in body
    assert "shared budget" not in body and "campaign-total" not in body and "rollback of change" not in body


def test_the_page_shows_the_latest_plan_and_every_campaign_by_name(client, teammate, organization, two_way_plan):
    """The newest plan (by date, then version) with its items on their campaigns' rows, every campaign of the
    organization in name order (one without an item too), no other organization's."""
    from datetime import timedelta

    from tests.factories import OrganizationFactory

    older = BudgetPlan.objects.create(
        organization=organization, plan_date=DAY - timedelta(days=1), version=5, total_micros=1, policy="thompson"
    )
    BudgetPlanItem.objects.create(
        plan=older, campaign=two_way_plan["arena"], before_micros=1, proposed_micros=2, after_micros=2
    )
    CampaignFactory(organization=organization, name="Bloques")  # in no plan
    CampaignFactory(organization=OrganizationFactory(slug="otra"), name="Azulejos")
    client.force_login(teammate)
    response = client.get(reverse("campaigns:budgets"))
    assert response.context["plan"] == two_way_plan["plan"]
    rows = [
        (row["campaign"].name, row["item"] and (row["item"].before_micros, row["item"].after_micros))
        for row in response.context["rows"]
    ]
    assert rows == [
        ("Arena", (30_000_000, 30_000_000)),
        ("Bloques", None),
        ("Cemento", (40_000_000, 50_000_000)),
        ("Ladrillos", (50_000_000, 40_000_000)),
    ]
    assert all(row["item"] is None or row["item"].campaign is row["campaign"] for row in response.context["rows"])
