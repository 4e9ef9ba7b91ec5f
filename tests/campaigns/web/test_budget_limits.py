"""The Budgets page says what holds each campaign back, with the days and spends the model learned from, in the
user's language: the figures come from a real allocator run, stored in the plan item as the service stores them."""

from __future__ import annotations

from dataclasses import asdict

import numpy as np
import pytest
from django.test import Client
from django.urls import reverse

from campaigns.models import BudgetPlanItem
from ml.budgets import BudgetAllocator, CampaignState, DayStats
from tests.factories import CampaignFactory

UNIT = 1_000_000
DAYS = 42


def _state(cid: str, budgets: np.ndarray, spends: np.ndarray, clicks: np.ndarray) -> CampaignState:
    history = [
        DayStats(int(b * UNIT), int(s * UNIT), int(c), float(c) * 0.05, int(c) * 10 * UNIT, int(c) * 20)
        for b, s, c in zip(budgets, spends, clicks, strict=True)
    ]
    return CampaignState(cid, int(budgets[-1] * UNIT), history)


@pytest.fixture
def limited_plan(account):
    """Three campaigns, one per label (the markets of tests/ml/budgets/test_limits.py), in the fixture's plan."""
    linear = np.full(DAYS, 100.0)  # whole budget spent every day, far below its kink
    stops = 80.0 * np.random.default_rng(0).lognormal(0.0, 0.1, DAYS)  # auctions run out near 80 on a 200 budget
    swings = np.tile([50.0, 100.0, 200.0, 400.0, 300.0, 150.0], 7)  # a curve that saturates at 100 clicks a day
    states = [
        _state("linear", linear, linear, np.round(linear / 1.1)),
        _state("stops", np.full(DAYS, 200.0), stops, np.round(stops / 1.1)),
        _state("curve", swings, swings, np.round(100.0 * -np.expm1(-swings / 100.0))),
    ]
    plan = BudgetAllocator(random_state=0).allocate(states, sum(s.daily_budget_micros for s in states))
    organization = account["plan"].organization
    for state in states:
        explanation = plan.explanations[state.campaign_id]
        campaign = CampaignFactory(organization=organization, name=f"Campaign {state.campaign_id}")
        BudgetPlanItem.objects.create(
            plan=account["plan"],
            campaign=campaign,
            before_micros=explanation.previous_budget_micros,
            proposed_micros=explanation.budget_micros,
            after_micros=explanation.budget_micros,
            reasons=[explanation.reason],
            posterior=asdict(explanation),
        )
    return plan


def _limits(client: Client) -> list[str]:
    body = client.get(reverse("campaigns:budgets")).content.decode()
    return [line.split("</div>")[0] for line in body.split('<div class="limit">')[1:]]


def test_each_campaign_says_what_holds_it_back_in_plain_words(client, teammate, limited_plan):
    client.force_login(teammate)
    currency = teammate.memberships.get().organization.currency

    curve, linear, stops = _limits(client)  # campaigns by name

    assert linear == (
        "<strong>Limited by budget</strong>: It spent its whole budget on 42 of the last 42 days. The next 1.00 "
        f"{currency} still brings 89% of what the first 1.00 {currency} did: the budget, not the searches, sets how "
        f"much it sells. Learned from 42 days spending 100.00 {currency} a day."
    )
    assert stops == (
        "<strong>Limited by volume</strong>: It left budget unspent on 42 of the last 42 days, stopping at about "
        f"80.03 {currency} a day: a higher budget would not be spent. Learned from 42 days spending between 63.40 "
        f"{currency} and 93.08 {currency} a day."
    )
    assert curve == (
        f"<strong>Diminishing returns</strong>: The next 1.00 {currency} brings 21% of what the first 1.00 "
        f"{currency} did: each extra 1.00 {currency} buys less. Learned from 42 days spending between 50.00 "
        f"{currency} and 400.00 {currency} a day."
    )


def test_the_same_evidence_in_spanish(teammate, limited_plan):
    client = Client(HTTP_ACCEPT_LANGUAGE="es")
    client.force_login(teammate)
    currency = teammate.memberships.get().organization.currency

    curve, linear, stops = _limits(client)

    assert linear == (
        "<strong>Limitada por el presupuesto</strong>: Gastó todo su presupuesto 42 de los últimos 42 días. El "
        f"siguiente 1,00 {currency} aún aporta el 89% de lo que aportó el primero: el presupuesto, no las búsquedas, "
        f"marca cuánto vende. Aprendido de 42 días con un gasto de 100,00 {currency} al día."
    )
    assert stops == (
        "<strong>Limitada por el volumen de búsquedas</strong>: Dejó presupuesto sin gastar 42 de los últimos 42 "
        f"días y se detuvo en torno a 80,03 {currency} al día: un presupuesto mayor no se gastaría. Aprendido de 42 "
        f"días con un gasto de entre 63,40 {currency} y 93,08 {currency} al día."
    )
    assert curve == (
        f"<strong>Rendimientos decrecientes</strong>: El siguiente 1,00 {currency} aporta el 21% de lo que aportó el "
        f"primero: cada 1,00 {currency} de más rinde menos. Aprendido de 42 días con un gasto de entre 50,00 "
        f"{currency} y 400,00 {currency} al día."
    )


def test_a_campaign_without_spend_says_the_account_stands_in(client, teammate, account):
    BudgetPlanItem.objects.filter(plan=account["plan"]).update(
        posterior={"limit": "limited by budget", "limit_evidence": "no spend yet", "evidence_days": 0}
    )
    client.force_login(teammate)

    assert _limits(client) == [
        "<strong>Limited by budget</strong>: It has not spent yet: until it does, the account&#x27;s other campaigns "
        "stand in for it."
    ]
