from __future__ import annotations

import pytest

from ml.arithmetic import (
    Projection,
    TermStats,
    break_even_cpa_micros,
    break_even_roas,
    cpa_micros,
    cpc_micros,
    ctr,
    cvr,
    project,
    roas,
    summarize,
    wasted_spend,
)


def test_rates_exact_values():
    assert ctr(25, 1000) == 0.025
    assert cpc_micros(10_000_000, 3) == 3_333_333
    assert cpc_micros(5_000_000, 3) == 1_666_667  # half up
    assert cvr(3, 60) == 0.05
    assert cpa_micros(10_000_000, 1.5) == 6_666_667
    assert cpa_micros(120_000_000, 4) == 30_000_000
    assert roas(450_000_000, 150_000_000) == 3.0


def test_zero_denominators_give_none():
    assert ctr(0, 0) is None
    assert cpc_micros(0, 0) is None
    assert cpc_micros(12_000_000, 0) is None
    assert cvr(0, 0) is None
    assert cpa_micros(50_000_000, 0) is None
    assert cpa_micros(50_000_000, 0.0) is None
    assert roas(0, 0) is None
    assert roas(100, 0) is None


def test_zero_numerators_are_zero_not_none():
    assert ctr(0, 100) == 0.0
    assert cpc_micros(0, 10) == 0
    assert cvr(0, 10) == 0.0
    assert roas(0, 10) == 0.0


def test_break_even():
    assert break_even_cpa_micros(120_000_000, 0.3) == 36_000_000
    assert break_even_cpa_micros(99_990_000, 0.333) == 33_296_670
    assert break_even_roas(0.25) == 4.0
    for margin in (0, -0.1, 1.5):
        with pytest.raises(ValueError, match="margin must be in"):
            break_even_cpa_micros(100, margin)
    with pytest.raises(ValueError, match="cannot be negative"):
        break_even_cpa_micros(-1, 0.3)


def test_wasted_spend_with_threshold():
    rows = [
        TermStats("cemento cola", 40, 22_000_000, 3),
        TermStats("cemento dental", 12, 5_400_000, 0),
        TermStats("ladrillos lego", 30, 9_000_000, 0),
        TermStats("ladrillo raro", 2, 1_000_000, 0),
    ]
    waste = wasted_spend(rows, min_clicks=3)
    assert waste.total_micros == 14_400_000
    assert [t.text for t in waste.terms] == ["ladrillos lego", "cemento dental"]
    assert waste.share_of_cost == 14_400_000 / 37_400_000
    assert wasted_spend(rows, min_clicks=1).total_micros == 15_400_000
    empty = wasted_spend([])
    assert (empty.total_micros, empty.share_of_cost, empty.terms) == (0, None, ())
    with pytest.raises(ValueError):
        wasted_spend(rows, min_clicks=0)


def test_projection_linear_then_capped_by_volume():
    observed = dict(cost_micros=100_000_000, clicks=50, conversions=2, conversion_value_micros=300_000_000)
    assert project(**observed, new_budget_micros=50_000_000) == Projection(
        budget_micros=50_000_000,
        clicks=25.0,
        cost_micros=50_000_000,
        conversions=1.0,
        conversion_value_micros=150_000_000,
        limited_by_volume=False,
    )
    assert project(**observed, new_budget_micros=300_000_000, impression_share=0.5) == Projection(
        budget_micros=300_000_000,
        clicks=100.0,
        cost_micros=200_000_000,
        conversions=4.0,
        conversion_value_micros=600_000_000,
        limited_by_volume=True,
    )
    assert project(cost_micros=0, clicks=0, conversions=0, conversion_value_micros=0, new_budget_micros=10) is None
    with pytest.raises(ValueError, match="impression_share"):
        project(**observed, new_budget_micros=1, impression_share=0)


def test_summarize_all_rates():
    summary = summarize(1000, 50, 25_000_000, 2, 80_000_000)
    assert (summary.ctr, summary.cpc_micros, summary.cvr, summary.cpa_micros, summary.roas) == (
        0.05,
        500_000,
        0.04,
        12_500_000,
        3.2,
    )
    none = summarize(0, 0, 0, 0, 0)
    assert (none.ctr, none.cpc_micros, none.cvr, none.cpa_micros, none.roas) == (None, None, None, None, None)
