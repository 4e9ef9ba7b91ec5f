"""A seeded search-ads market for tests, benchmarks and the demo data: spend -> clicks -> conversions -> value.

Each campaign has a true response curve with saturation (search volume runs out): expected clicks at spend ``s``
are ``m * (1 - exp(-s / (m * cpc)))`` where ``m`` is the day's available clicks and ``cpc`` the cost per click
at low spend, so the marginal CPC rises as a campaign buys deeper into its auctions. Conversions are Binomial
on the clicks, order values Gamma around the campaign's average order value. On top: day-of-week seasonality,
daily volume noise, optional drift and shocks of the conversion rate, and "waste" campaigns (broad match on
informational searches) that spend without converting.

Parameter ranges follow published search-ads benchmarks (rounded; read the current reports for exact figures):

* WordStream / LocaliQ, *Google Ads Benchmarks* 2021 and *Search Advertising Benchmarks* 2023-2024: average
  search CTR about 3-6.5 % across industries; average CPC about $3.5-4.7 overall, Home & Home Improvement
  $5.75 (2021) to about $7 (2024), Industrial & Commercial about $4; average conversion rate about 7 % overall,
  with the lowest industries (furniture, real estate, finance) at 2.5-3 %; average cost per lead about $67.
* LocaliQ, *Home Services Advertising Benchmarks*: CTR 4.8 % (3.3 % plumbing to 6.3 % construction and general
  contractors), CPC about $6.5.

So a building-materials producer is simulated with CPC at low spend around $3.5 (average paid CPC ends near
$4-6 once campaigns push into their volume), CTR 3-8 %, conversion rates around 4 % (1.2 % in the sparse
scenario, a handful of orders a day across the account) and orders worth a few hundred dollars. The weekday
profile (B2B trade buyers search on weekdays) and the noise levels are assumptions, not measurements.

Three families of response, one per way a platform turns a budget into clicks (``ScenarioConfig.response``; a
``"mixed"`` account draws each campaign's family at random, as real accounts mix bidding strategies):

* ``"manual"`` -- manual CPC bids (Google Ads "Manual CPC", Microsoft Advertising "Manual CPC"): every click costs
  about the bid, so clicks are ``min(budget / cpc, volume)``: linear, then flat. Past the kink the auctions the bid
  can win are used up and the rest of the budget stays unspent; below it the platform throttles serving to pace
  the budget, so the whole budget is spent.
* ``"smooth"`` -- a bid that wins cheap auctions first and dearer ones later (enhanced CPC, or a keyword set whose
  queries differ in competition): clicks rise with diminishing returns, ``volume * (1 - exp(-s / (volume * cpc)))``,
  and the bid stops winning auctions at ``s = volume * cpc``: past it (63 % of the volume, while the next click
  still costs only e times the first) the budget is left unspent, well before the curve flattens.
* ``"auto"`` -- automated bidding (Maximize clicks / conversions, target CPA): the platform raises bids until the
  whole budget is spent, so clicks get dearer as the budget grows and nothing is left unspent until the volume
  is exhausted (three times the saturation spend). The original simulator; ``SCENARIO_CONFIGS`` use it.

``FAMILY_SCENARIOS`` are the markets the budget bench (``bench/bandit_bench.py``) runs every family on: 30 % of
campaigns wasteful, sparse conversions (the median campaign converts less than twice a day), a budget that binds
for some campaigns and not others, the marketer's uneven split as the start.

Public API for scripts and the demo seeder::

    market = Market.from_scenario("waste_heavy", n_campaigns=50, seed=0)
    budgets = market.initial_budgets_micros               # {campaign_id: int}
    day = market.step(budgets)                            # {campaign_id: DayStats}, then the day advances
    market.campaign_names["c000"]                         # "Roof membranes - exact"

    # or a market of known campaigns (the demo account): Market.from_curves([CampaignCurve(...), ...], seed=7)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ml.budgets.types import MICROS, DayStats

SCENARIOS = ("stationary", "sparse", "waste_heavy", "drift")
SIZES = (10, 50, 200)
RESPONSES = ("manual", "smooth", "auto", "mixed")
_FAMILIES = RESPONSES[:3]
# Spend, in units of the saturation spend ``volume * cpc``, past which no auction is left at the bid.
_SPEND_CAP = {"manual": 1.0, "smooth": 1.0, "auto": 3.0}
# The manual family's curve is linear up to the kink; the solvers' exponential family stands for it with a
# saturation this many times the kink, so its marginal return falls by 1 % between zero and the kink.
_LINEAR_SATURATION = 100.0

# Mon..Sun multipliers on search volume; trade buyers search on weekdays (assumption, mean 1).
WEEKDAY_VOLUME = np.array([1.10, 1.12, 1.10, 1.06, 0.98, 0.80, 0.84])
_PRODUCTS = (
    "Roof membranes",
    "Insulation boards",
    "Cement & mortar",
    "Drywall",
    "Timber decking",
    "Floor tiles",
    "Paving stones",
    "Waterproofing",
    "Facade panels",
    "Windows",
    "Steel beams",
    "Plasterboard screws",
    "Bricks",
    "Concrete blocks",
    "Gutters",
    "Skylights",
    "Acoustic panels",
    "Adhesives",
    "Primers",
    "Sealants",
)
_MATCH_TYPES = ("exact", "phrase", "broad")
_WASTE_THEMES = ("DIY ideas", "How to build", "Free samples", "Building jobs", "Cheap materials near me")


@dataclass(frozen=True)
class ScenarioConfig:
    """Distribution of campaign parameters for one scenario (money in currency units).

    Attributes:
        name: Scenario name.
        cvr_median: Median conversion rate per click.
        cvr_sigma: Log-normal spread of conversion rates across campaigns.
        cpc_median: Median cost per click at low spend.
        cpc_sigma: Log-normal spread of CPCs.
        clicks_median: Median clicks available per day (search volume after CTR).
        clicks_sigma: Log-normal spread of volumes.
        waste_share: Share of campaigns that spend without converting.
        waste_cvr_factor: Their conversion rate relative to a normal campaign.
        waste_budget_weight: How much more of the starting budget they get (the marketer's current split).
        order_value_median: Median average order value.
        budget_tightness: Total budget as a share of the spend at which all campaigns saturate (1 - 1/e).
        volume_noise: Log-normal day-to-day noise of volume.
        drift_sigma: Daily random-walk step of log conversion rates (0 = stationary).
        shock_share: Share of campaigns whose conversion rate jumps once, between days 20 and 70.
        response: How budget becomes clicks, one of :data:`RESPONSES` (see the module docstring).
        start_sigma: Log-normal spread of the marketer's starting split (before the waste weight).
    """

    name: str
    cvr_median: float = 0.04
    cvr_sigma: float = 0.6
    cpc_median: float = 3.5
    cpc_sigma: float = 0.4
    clicks_median: float = 40.0
    clicks_sigma: float = 0.8
    waste_share: float = 0.1
    waste_cvr_factor: float = 0.05
    waste_budget_weight: float = 1.0
    order_value_median: float = 300.0
    budget_tightness: float = 0.5
    volume_noise: float = 0.15
    drift_sigma: float = 0.0
    shock_share: float = 0.0
    response: str = "auto"
    start_sigma: float = 0.5

    def __post_init__(self) -> None:
        if self.response not in RESPONSES or self.start_sigma < 0:
            raise ValueError(f"ScenarioConfig {self.name!r}: response must be one of {RESPONSES}, start_sigma >= 0")
        if not 0.0 < self.cvr_median < 1.0 or not 0.0 <= self.waste_share <= 1.0:
            raise ValueError(f"ScenarioConfig {self.name!r}: cvr_median must be in (0, 1), waste_share in [0, 1]")
        if min(self.cpc_median, self.clicks_median, self.order_value_median, self.budget_tightness) <= 0:
            raise ValueError(f"ScenarioConfig {self.name!r}: medians and budget_tightness must be > 0")


SCENARIO_CONFIGS = {
    "stationary": ScenarioConfig("stationary"),
    "sparse": ScenarioConfig("sparse", cvr_median=0.012, clicks_median=15.0),
    "waste_heavy": ScenarioConfig("waste_heavy", waste_share=0.4, waste_budget_weight=2.5),
    "drift": ScenarioConfig("drift", drift_sigma=0.03, shock_share=0.25),
}
# Markets for every response family: the base one is the "new user" account, its total 30 % of what
# would saturate every campaign (about half of what the converting ones could use, so the budget binds for some
# and not others); "unexplored" starts the split so uneven that many good campaigns sit far below their kink,
# where nothing yet shows where it is.
FAMILY_SCENARIOS = {
    "base": ScenarioConfig("base", waste_share=0.3, budget_tightness=0.3),
    "waste_heavy": ScenarioConfig("waste_heavy", waste_share=0.4, waste_budget_weight=2.5, budget_tightness=0.3),
    "drift": ScenarioConfig("drift", waste_share=0.3, budget_tightness=0.3, drift_sigma=0.03, shock_share=0.25),
    "unexplored": ScenarioConfig("unexplored", waste_share=0.3, budget_tightness=0.3, start_sigma=1.5),
}


@dataclass(frozen=True)
class CampaignCurve:
    """One known campaign's true parameters, for a market built by hand (money in currency units).

    Attributes:
        campaign_id: Identifier used in :meth:`Market.step`.
        name: Display name.
        cpc: Cost per click at low spend.
        clicks_per_day: Clicks available per day on an average weekday (search volume after CTR).
        cvr: Conversion rate per click.
        order_value: Average order value.
        ctr: Click-through rate (impressions = clicks / ctr on average).
        budget_micros: The marketer's current daily budget.
        is_waste: True for a campaign that spends without converting (reporting only).
    """

    campaign_id: str
    name: str
    cpc: float
    clicks_per_day: float
    cvr: float
    order_value: float
    ctr: float
    budget_micros: int
    is_waste: bool = False

    def __post_init__(self) -> None:
        if min(self.cpc, self.clicks_per_day, self.order_value) <= 0 or self.budget_micros < 0:
            raise ValueError(
                f"CampaignCurve {self.campaign_id!r}: cpc, clicks_per_day and order_value must be > 0, "
                "budget_micros >= 0"
            )
        if not 0.0 <= self.cvr < 1.0 or not 0.0 < self.ctr <= 1.0:
            raise ValueError(f"CampaignCurve {self.campaign_id!r}: cvr must be in [0, 1), ctr in (0, 1]")


@dataclass(frozen=True)
class DayArrays:
    """One simulated day for all campaigns as arrays (money in micros)."""

    budget_micros: np.ndarray
    spend_micros: np.ndarray
    impressions: np.ndarray
    clicks: np.ndarray
    conversions: np.ndarray
    conversion_value_micros: np.ndarray
    expected_conversions: np.ndarray


@dataclass(frozen=True)
class _Campaigns:
    """A market's campaigns as arrays (money in currency units, budgets and floors in micros)."""

    ids: list[str]
    names: dict[str, str]
    is_waste: np.ndarray
    cpc: np.ndarray
    clicks_cap: np.ndarray
    base_cvr: np.ndarray
    order_value: np.ndarray
    ctr: np.ndarray
    shock_day: np.ndarray  # -1: never
    shock_factor: np.ndarray
    total_budget_micros: int
    budgets: np.ndarray
    floors: np.ndarray
    family: np.ndarray | None = None  # index into _FAMILIES per campaign; None: automated bidding everywhere


def _draw_campaigns(config: ScenarioConfig, n: int, seed: int) -> _Campaigns:
    """Campaigns drawn from a scenario's distributions; the same (seed, n) always gives the same campaigns."""
    rng = np.random.default_rng([seed, n])
    is_waste = np.zeros(n, dtype=bool)
    is_waste[rng.permutation(n)[: int(round(config.waste_share * n))]] = True
    cpc = rng.lognormal(np.log(config.cpc_median), config.cpc_sigma, n)
    clicks_cap = rng.lognormal(np.log(config.clicks_median), config.clicks_sigma, n)
    clicks_cap[is_waste] *= 2.0  # broad informational queries have plenty of volume
    cvr = np.clip(rng.lognormal(np.log(config.cvr_median), config.cvr_sigma, n), 0.002, 0.3)
    base_cvr = np.where(is_waste, cvr * config.waste_cvr_factor, cvr)
    order_value = rng.lognormal(np.log(config.order_value_median), 0.3, n)
    ctr = rng.uniform(0.03, 0.08, n)
    shocked = rng.random(n) < config.shock_share
    shock_day = np.where(shocked, rng.integers(20, 71, n), -1)
    shock_factor = np.where(rng.random(n) < 0.5, 0.35, 2.5)
    saturation_spend = clicks_cap * cpc
    total_budget_micros = int(config.budget_tightness * saturation_spend.sum()) * MICROS
    weights = rng.lognormal(0.0, config.start_sigma, n) * np.where(is_waste, config.waste_budget_weight, 1.0)
    start = weights / weights.sum() * total_budget_micros
    ids = [f"c{i:03d}" for i in range(n)]
    # Budgets in whole cents, as the platforms require; the floors keep every campaign minimally explored.
    budgets = (np.floor(start / 10_000) * 10_000).astype(np.int64)
    floors = np.full(n, (total_budget_micros // n // 20) // 10_000 * 10_000, dtype=np.int64)
    names = {cid: _name(i, bool(is_waste[i]), rng) for i, cid in enumerate(ids)}
    # A stream of its own, so adding families left every earlier market's numbers as they were.
    if config.response == "mixed":
        family = np.random.default_rng([seed, n, 7]).integers(len(_FAMILIES), size=n)
    else:
        family = np.full(n, _FAMILIES.index(config.response))
    return _Campaigns(
        ids,
        names,
        is_waste,
        cpc,
        clicks_cap,
        base_cvr,
        order_value,
        ctr,
        shock_day,
        shock_factor,
        total_budget_micros,
        budgets,
        floors,
        family,
    )


def _name(i: int, is_waste: bool, rng: np.random.Generator) -> str:
    if is_waste:
        return f"{_WASTE_THEMES[i % len(_WASTE_THEMES)]} - broad"
    product = _PRODUCTS[i % len(_PRODUCTS)]
    return f"{product} - {_MATCH_TYPES[int(rng.integers(len(_MATCH_TYPES)))]}"


class Market:
    """A seeded market of campaigns; each :meth:`step` plays one day.

    Two markets with the same scenario, size and seed see the same volumes, drift and noise streams whatever
    budgets they are given (the noise of day ``t`` is seeded by ``(seed, t)``), so policies compare on common
    random numbers.

    Args:
        config: The scenario.
        n_campaigns: Number of campaigns, >= 1.
        seed: Seed of the campaign parameters and of every day's noise.
        campaigns: Known campaigns (see :meth:`from_curves`) instead of ones drawn from the scenario.
        start_weekday: Weekday of day 0 (0 = Monday).
    """

    def __init__(
        self,
        config: ScenarioConfig,
        n_campaigns: int,
        seed: int,
        *,
        campaigns: _Campaigns | None = None,
        start_weekday: int = 0,
    ) -> None:
        if n_campaigns < 1:
            raise ValueError(f"n_campaigns must be >= 1, got {n_campaigns}")
        self.config = config
        self.seed = seed
        self.day = 0
        self.weekday_offset = start_weekday  # WEEKDAY_VOLUME index of day 0 (0 = Monday)
        c = campaigns or _draw_campaigns(config, n_campaigns, seed)
        self.campaign_ids, self.campaign_names, self.is_waste = c.ids, c.names, c.is_waste
        self.cpc, self.clicks_cap, self.base_cvr = c.cpc, c.clicks_cap, c.base_cvr
        self.order_value, self.ctr = c.order_value, c.ctr
        self.shock_day, self.shock_factor = c.shock_day, c.shock_factor
        self.total_budget_micros, self.initial_budgets, self.floors = c.total_budget_micros, c.budgets, c.floors
        self.log_cvr_drift = np.zeros(n_campaigns)
        family = np.full(n_campaigns, _FAMILIES.index("auto")) if c.family is None else c.family
        self.family = [_FAMILIES[f] for f in family.tolist()]
        self.spend_cap = np.array([_SPEND_CAP[f] for f in _FAMILIES])[family]
        # Manual bids: clicks linear in spend up to the kink (every click costs the bid).
        self.is_linear = family == _FAMILIES.index("manual")

    @classmethod
    def from_scenario(cls, name: str, n_campaigns: int = 50, seed: int = 0) -> Market:
        """Build a market from a named scenario (one of :data:`SCENARIOS`)."""
        if name not in SCENARIO_CONFIGS:
            raise ValueError(f"scenario must be one of {SCENARIOS}, got {name!r}")
        return cls(SCENARIO_CONFIGS[name], n_campaigns, seed)

    @classmethod
    def from_family(cls, response: str, scenario: str, n_campaigns: int = 20, seed: int = 0) -> Market:
        """A market of one :data:`FAMILY_SCENARIOS` scenario whose campaigns answer as ``response`` does."""
        if scenario not in FAMILY_SCENARIOS:
            raise ValueError(f"scenario must be one of {tuple(FAMILY_SCENARIOS)}, got {scenario!r}")
        if response not in RESPONSES:
            raise ValueError(f"response must be one of {RESPONSES}, got {response!r}")
        config = FAMILY_SCENARIOS[scenario]
        return cls(ScenarioConfig(**{**config.__dict__, "response": response}), n_campaigns, seed)

    @classmethod
    def from_curves(
        cls, curves: Sequence[CampaignCurve], *, seed: int, start_weekday: int = 0, volume_noise: float = 0.15
    ) -> Market:
        """A market of known campaigns (the demo account), with the scenario's noise and weekday profile.

        Args:
            curves: The campaigns, at least one, with distinct ids.
            seed: Seed of every day's noise.
            start_weekday: Weekday of day 0 (0 = Monday), so the weekly cycle falls on the calendar.
            volume_noise: Log-normal day-to-day noise of volume.
        """
        if not curves or len({c.campaign_id for c in curves}) != len(curves):
            raise ValueError("curves: give at least one campaign, with distinct campaign ids")
        if not 0 <= start_weekday <= 6:
            raise ValueError(f"start_weekday must be in 0..6, got {start_weekday}")
        n = len(curves)
        budgets = np.array([c.budget_micros for c in curves], dtype=np.int64)
        campaigns = _Campaigns(
            ids=[c.campaign_id for c in curves],
            names={c.campaign_id: c.name for c in curves},
            is_waste=np.array([c.is_waste for c in curves]),
            cpc=np.array([c.cpc for c in curves], dtype=float),
            # clicks_per_day is an average weekday's volume; the profile's mean is not exactly 1
            clicks_cap=np.array([c.clicks_per_day for c in curves], dtype=float) / WEEKDAY_VOLUME.mean(),
            base_cvr=np.array([c.cvr for c in curves], dtype=float),
            order_value=np.array([c.order_value for c in curves], dtype=float),
            ctr=np.array([c.ctr for c in curves], dtype=float),
            shock_day=np.full(n, -1),
            shock_factor=np.ones(n),
            total_budget_micros=int(budgets.sum()),
            budgets=budgets,
            floors=np.zeros(n, dtype=np.int64),
        )
        config = ScenarioConfig("custom", waste_share=0.0, volume_noise=volume_noise)
        return cls(config, n, seed, campaigns=campaigns, start_weekday=start_weekday)

    @property
    def initial_budgets_micros(self) -> dict[str, int]:
        """The marketer's current split of the total, before any policy acts."""
        return dict(zip(self.campaign_ids, (int(b) for b in self.initial_budgets), strict=True))

    @property
    def floors_micros(self) -> dict[str, int]:
        """Exploration floors: 5 % of an equal share, per campaign."""
        return dict(zip(self.campaign_ids, (int(b) for b in self.floors), strict=True))

    def true_curves(self) -> tuple[np.ndarray, np.ndarray]:
        """Today's expected curve per campaign as ``(log v, b)`` in currency units, for the oracle only.

        Expected conversions at spend ``s`` are ``v * b * (1 - exp(-s / b))``; the day's volume noise is unknown
        even to the oracle, the weekday profile and drift are known.
        """
        volume = self.clicks_cap * WEEKDAY_VOLUME[(self.day + self.weekday_offset) % 7]
        return np.log(self._cvr_today() / self.cpc), volume * self.cpc

    def true_response(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Today's expected response of every family as ``(log v, b, cap)`` in currency units, for the oracles.

        Expected conversions at budget ``s`` are ``v * b * (1 - exp(-min(s, cap) / b))``; a manual-bid campaign's
        linear piece is stood for by ``b`` = 100 kinks (see ``_LINEAR_SATURATION``).
        """
        log_return, saturation = self.true_curves()
        cap = self.spend_cap * saturation
        return log_return, np.where(self.is_linear, _LINEAR_SATURATION * saturation, saturation), cap

    def step(self, budgets_micros: Mapping[str, int]) -> dict[str, DayStats]:
        """Play one day with the given budgets (every campaign id needed) and return its stats per campaign."""
        missing = [cid for cid in self.campaign_ids if cid not in budgets_micros]
        if missing:
            raise ValueError(f"budgets_micros: no budget for campaign {missing[0]!r}")
        budgets = np.array([budgets_micros[cid] for cid in self.campaign_ids], dtype=np.int64)
        day = self.step_arrays(budgets)
        return {
            cid: DayStats(
                budget_micros=int(day.budget_micros[i]),
                spend_micros=int(day.spend_micros[i]),
                clicks=int(day.clicks[i]),
                conversions=float(day.conversions[i]),
                conversion_value_micros=int(day.conversion_value_micros[i]),
                impressions=int(day.impressions[i]),
            )
            for i, cid in enumerate(self.campaign_ids)
        }

    def step_arrays(self, budgets_micros: np.ndarray) -> DayArrays:
        """Array form of :meth:`step` (order of :attr:`campaign_ids`), for benchmarks."""
        if np.any(budgets_micros < 0):
            raise ValueError("budgets_micros: budgets must be >= 0")
        rng = np.random.default_rng([self.seed, len(self.campaign_ids), self.day + 1])
        n = len(self.campaign_ids)
        # Draw every random number up front, in a fixed order, so the streams do not depend on the budgets.
        volume_noise = rng.lognormal(0.0, self.config.volume_noise, n)
        pacing = rng.uniform(0.95, 1.0, n)
        click_u, conv_u, value_u, impression_u = (rng.random(n) for _ in range(4))
        cvr = self._cvr_today()
        volume = self.clicks_cap * WEEKDAY_VOLUME[(self.day + self.weekday_offset) % 7] * volume_noise
        saturation = volume * self.cpc
        # Past the family's spend cap (~95 % of the volume for automated bidding, the kink for manual bids) no
        # auction is left at the bid, so the rest of the budget stays unspent.
        spend_target = np.minimum(budgets_micros / MICROS, self.spend_cap * saturation) * pacing
        expected_clicks = np.where(
            self.is_linear, spend_target / self.cpc, volume * -np.expm1(-spend_target / saturation)
        )
        clicks = _poisson_quantile(expected_clicks, click_u)
        conversions = _binomial_quantile(clicks, cvr, conv_u)
        # The platform paces spend to the budget; how many clicks that buys is the auction's luck. A day without
        # a click costs nothing (billing is per click).
        spend = np.where(clicks > 0, spend_target, 0.0)
        value = _gamma_quantile(conversions, self.order_value, value_u)
        impressions = clicks + _poisson_quantile(expected_clicks * (1.0 - self.ctr) / self.ctr, impression_u)
        self.day += 1
        self._advance_drift(rng)
        return DayArrays(
            budget_micros=budgets_micros.astype(np.int64),
            spend_micros=np.round(spend * MICROS).astype(np.int64),
            impressions=impressions.astype(np.int64),
            clicks=clicks.astype(np.int64),
            conversions=conversions.astype(float),
            conversion_value_micros=np.round(value * MICROS).astype(np.int64),
            expected_conversions=cvr * expected_clicks,
        )

    def _cvr_today(self) -> np.ndarray:
        shocked = (self.shock_day >= 0) & (self.day >= self.shock_day)
        cvr = self.base_cvr * np.exp(self.log_cvr_drift) * np.where(shocked, self.shock_factor, 1.0)
        return np.clip(cvr, 0.0, 0.5)

    def _advance_drift(self, rng: np.random.Generator) -> None:
        steps = rng.normal(0.0, 1.0, len(self.campaign_ids))
        if self.config.drift_sigma > 0:
            self.log_cvr_drift = self.log_cvr_drift + self.config.drift_sigma * steps


def _poisson_quantile(mean: np.ndarray, uniform: np.ndarray) -> np.ndarray:
    """Poisson draws by inversion, so each campaign-day uses exactly one uniform (common random numbers)."""
    from scipy.special import pdtrik

    quantile = np.ceil(np.nan_to_num(pdtrik(uniform, np.maximum(mean, 1e-12))))
    return np.where(mean > 0, np.maximum(quantile, 0.0), 0.0)


def _binomial_quantile(trials: np.ndarray, p: np.ndarray, uniform: np.ndarray) -> np.ndarray:
    from scipy.special import bdtrik

    quantile = np.clip(np.ceil(np.nan_to_num(bdtrik(uniform, trials, p))), 0.0, trials)
    return np.where(trials > 0, quantile, 0.0)


def _gamma_quantile(conversions: np.ndarray, order_value: np.ndarray, uniform: np.ndarray) -> np.ndarray:
    """Total order value of the day: Gamma with shape 4 per order (coefficient of variation 0.5)."""
    from scipy.special import gammaincinv

    shape = 4.0 * conversions
    return np.where(conversions > 0, gammaincinv(np.maximum(shape, 1e-12), uniform) * order_value / 4.0, 0.0)
