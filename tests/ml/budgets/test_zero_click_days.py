"""A day that served impressions but won no click cost nothing (billing is per click): the response model must not
read its impressions at a spend of 0 as a curve that flattens (``ml.budgets.model.fit_posterior``)."""

from __future__ import annotations

import numpy as np

from ml.budgets.model import fit_posterior, make_history

_SETTINGS = {"discount": 0.97, "click_discount": 0.99, "grid_size": 16, "objective": "conversions"}


def _linear_account(clicks_per_day: float, seed: int = 0, n_campaigns: int = 30, days: int = 60):
    """Campaigns far below their volume (clicks proportional to spend), each with its own budget path and CPC;
    impressions at a 5 % click-through rate; a day without a click costs nothing."""
    rng = np.random.default_rng(seed)
    cpc = rng.lognormal(np.log(3.5), 0.4, (n_campaigns, 1))
    budget = clicks_per_day * cpc * rng.uniform(0.6, 1.4, (n_campaigns, days))
    expected = budget / cpc
    clicks = rng.poisson(expected).astype(float)
    impressions = clicks + rng.poisson(expected * 19.0).astype(float)
    spend = np.where(clicks > 0, budget, 0.0)
    conversions = rng.binomial(clicks.astype(int), 0.02).astype(float)
    valid = np.ones_like(spend, dtype=bool)
    return spend, clicks, conversions, impressions, budget, valid


def _saturation_over_spend(spend, clicks, conversions, impressions, budget, valid) -> np.ndarray:
    """Each campaign's posterior-mean saturation (geometric, on the grid) over its largest spend."""
    history = make_history(spend, clicks, conversions, conversions * 300.0, valid, budget[:, -1], impressions, budget)
    posterior = fit_posterior(history, **_SETTINGS)
    log_saturation = (posterior.saturation_prob * np.log(posterior.saturation_grid)).sum(axis=1)
    return np.exp(log_saturation) / spend.max(axis=1)


def test_a_linear_campaign_with_days_without_clicks_is_not_read_as_saturated():
    data = _linear_account(clicks_per_day=1.5)
    assert (data[0] == 0).mean() > 0.15  # about a fifth of the days won no click and spent nothing

    ratio = _saturation_over_spend(*data)

    # Linear in truth: the curve should bend, if anywhere, well above the spends it was seen at. Read with the
    # impressions of the days that spent nothing, the median campaign saturated below its own spend.
    assert np.median(ratio) > 3.0


def test_impressions_of_days_that_spent_nothing_leave_the_fit_unchanged():
    spend, clicks, conversions, impressions, budget, valid = _linear_account(clicks_per_day=1.5, seed=1)
    without = np.where(spend > 0, impressions, 0.0)

    assert np.allclose(
        _saturation_over_spend(spend, clicks, conversions, impressions, budget, valid),
        _saturation_over_spend(spend, clicks, conversions, without, budget, valid),
    )


def test_busy_campaigns_that_always_win_clicks_are_unaffected():
    data = _linear_account(clicks_per_day=40.0, seed=2)
    assert (data[0] > 0).all()

    assert np.median(_saturation_over_spend(*data)) > 3.0
