"""Each campaign's memory for its conversion rate follows how much it converts (``ml.budgets.model``)."""

from __future__ import annotations

import numpy as np

from ml.budgets.model import conversion_discounts, conversion_weights, fit_posterior, make_history


def _steady_gain(drift: float, noise: float, days: int = 5000) -> float:
    """The Kalman gain of a local-level filter, iterated day by day until it settles."""
    variance = 1.0
    for _ in range(days):
        prior = variance + drift
        gain = prior / (prior + noise)
        variance = (1.0 - gain) * prior
    return gain


def test_one_conversion_a_day_keeps_the_configured_memory_and_sparser_campaigns_remember_longer():
    rates = np.array([0.0, 0.01, 0.05, 0.2, 1.0, 3.0, 10.0])
    memory = conversion_discounts(rates, 0.97)

    assert np.isclose(memory[4], 0.97)
    assert (np.diff(memory) < 0).all()
    assert memory[0] > 0.998 and 0.985 < memory[3] < 0.99
    assert (conversion_discounts(rates, 1.0) == 1.0).all()


def test_the_memory_is_the_steady_state_of_a_kalman_filter_on_a_drifting_rate():
    # Drift fixed by "0.97 at one conversion a day": Q = P^2 / (P + 1) with P = K / (1 - K).
    prior = 0.03 / 0.97
    drift = prior**2 / (prior + 1.0)
    rates = np.array([0.05, 0.3, 1.0, 4.0])
    expected = [1.0 - _steady_gain(drift, 1.0 / rate) for rate in rates]

    assert np.allclose(conversion_discounts(rates, 0.97), expected, atol=1e-6)


def test_a_sparse_campaign_reads_its_rate_from_more_days_and_a_busy_one_never_from_fewer():
    rng = np.random.default_rng(3)
    days = 90
    clicks = np.stack([rng.poisson(10.0, days), rng.poisson(200.0, days)]).astype(float)
    conversions = rng.binomial(clicks.astype(int), [[0.01], [0.02]]).astype(float)
    spend = clicks * 3.5
    ones = np.ones_like(spend, dtype=bool)
    history = make_history(spend, clicks, conversions, conversions * 300.0, ones, spend[:, -1])
    age = np.arange(days - 1, -1, -1, dtype=float)

    weights = conversion_weights(history, 0.97, age)
    # Sparse (0.1 a day): a day 60 days old still counts more than a third, where 0.97 would leave a sixth.
    assert weights[0, days - 61] > 0.35 > 0.97**60
    # Busy (4 a day): the configured memory, not a shorter one.
    assert np.allclose(weights[1], 0.97**age)
    posterior = fit_posterior(history, discount=0.97, click_discount=0.99, grid_size=8, objective="conversions")
    assert posterior.conversions_seen[0] > conversions[0] @ 0.97**age
