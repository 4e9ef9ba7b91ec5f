"""The Bayesian response model behind the budget policies: spend -> clicks -> conversions (-> value).

For campaign ``i`` with daily spend ``s`` (currency units):

* clicks ``~ Poisson(k_i * b_i * (1 - exp(-s / b_i)))``: ``k_i`` clicks per unit at low spend (1 / CPC), ``b_i``
  the spend at which limited search volume starts to bite, so clicks saturate at ``k_i * b_i``;
* conversions ``~ Binomial(clicks, cvr_i)``;
* so expected conversions are ``v_i * b_i * (1 - exp(-s / b_i))`` with ``v_i = cvr_i * k_i`` and the marginal
  return at spend ``s`` is ``v_i * exp(-s / b_i)``.

Inference is exact on a grid: ``b_i`` takes one of ``grid_size`` values relative to the campaign's spend scale,
``k_i | b_i`` is Gamma (conjugate to the Poisson clicks) and ``cvr_i`` is Beta (conjugate to the Binomial
conversions). Priors are empirical Bayes, pooled over the account, so a campaign with a handful of conversions
borrows the account's conversion rate and saturation shape instead of trusting its own noise. Older days count
less so the posterior follows drift: ``discount`` per day for a campaign converting once a day or more, and a
longer memory for sparser ones (the steady state of a Kalman filter on a drifting rate,
:func:`conversion_discounts`): with a few conversions a month, three weeks of half-life leave too little to read
the rate from, and the noise of that reading costs more than the drift it follows.

A day that left part of its budget unspent (spend below 90 % of the day's budget) ran out of auctions to win at
the bid: past that spend, budget buys nothing. So the curve has a cap, ``v_i * b_i * (1 - exp(-min(s, c_i) /
b_i))``: the cap ``c_i`` is learned from the spends of such days, the days whose budget bound telling only that
it lies above their spend (``ml.budgets.spend_cap``); the curve itself is read from every day at its spend. A
manual bid is then linear up to a kink (``b_i`` large, ``c_i`` at the kink), automated bidding has no cap, and a
smooth curve may bend and stop. Reading an unspent day's clicks as the whole volume at infinite spend instead
turns a manual bid's kink into a gentle bend and cuts the budget of a campaign that is not saturated at all.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import digamma, gammaln

from ml.budgets.spend_cap import SpendCap, fit_spend_cap, no_cap

# Saturation grid relative to each campaign's spend scale: from "saturates at a fifth of today's spend" to
# "practically linear". Log-spaced because what matters is the order of magnitude.
_GRID_LOW, _GRID_HIGH = 0.2, 20.0
# Weight of the uniform component mixed into the pooled saturation prior, so no grid point is ruled out a priori.
_UNIFORM_MIX = 0.05
_EM_STEPS = 15
_EM_TOLERANCE = 1e-4
# Candidate strengths (pseudo-clicks) of the pooled Beta prior: from "barely informative" to "a few weeks of
# a typical campaign's clicks".
_STRENGTH_GRID = np.geomspace(5.0, 3000.0, 24)
# Prior strength when fewer than two campaigns have clicks, so nothing can be pooled yet.
_DEFAULT_PRIOR_CLICKS = 100.0
# A weekly volume cycle is fitted from two weeks of history on; its log factors get this much prior information
# (in expected counts), so a cycle is only read from accounts with enough volume.
_WEEKLY_MIN_DAYS = 14
_WEEKLY_PRIOR_INFORMATION = 50.0
_WEEKLY_CAMPAIGNS = 1000
# Conversions per day below which a campaign's memory stops growing (a day in ~3 years: every day counts alike).
_MIN_CONVERSIONS_PER_DAY = 1e-3
# Pseudo-clicks at the account's conversion rate behind each campaign's first look at its conversions per day.
_RATE_PRIOR_CLICKS = 50.0
# Pseudo-conversions for the per-campaign value per conversion shrinkage (objective "value").
_VALUE_PRIOR_CONVERSIONS = 3.0


@dataclass(frozen=True)
class HistoryArrays:
    """Day-by-campaign history, newest day last, in currency units (not micros).

    Attributes:
        spend: Shape (N, H).
        clicks: Shape (N, H).
        conversions: Shape (N, H), already clipped to at most ``clicks``.
        value: Shape (N, H).
        valid: Shape (N, H), False where a campaign has fewer than H days.
        scale: Shape (N,): the campaign's spend scale, the unit of its saturation grid.
        impressions: Shape (N, H), or None when the account does not report them for every campaign-day with
            clicks; then the saturation is learned from the clicks alone.
        budget: Shape (N, H), the day's budget (0 where unknown), or None when not reported.
    """

    spend: np.ndarray
    clicks: np.ndarray
    conversions: np.ndarray
    value: np.ndarray
    valid: np.ndarray
    scale: np.ndarray
    impressions: np.ndarray | None = None
    budget: np.ndarray | None = None


@dataclass(frozen=True)
class Posterior:
    """Per-campaign posterior, ready to sample (all arrays have leading dimension N).

    Attributes:
        saturation_grid: Shape (N, K), candidate ``b`` values in currency units.
        saturation_prob: Shape (N, K), posterior probabilities over the grid.
        click_shape: Shape (N,), Gamma shape of ``k`` (same for every grid point).
        click_rate: Shape (N, K), Gamma rate of ``k`` given each grid point.
        cvr_alpha: Shape (N,), Beta posterior alpha.
        cvr_beta: Shape (N,), Beta posterior beta.
        value_per_conversion: Shape (N,), shrunk estimate; 1.0 everywhere when the objective is conversions.
        conversions_seen: Shape (N,), discounted conversions the posterior has seen.
        spend_cap: Where each campaign stops spending (``inf``: nowhere seen), with its evidence.
    """

    saturation_grid: np.ndarray
    saturation_prob: np.ndarray
    click_shape: np.ndarray
    click_rate: np.ndarray
    cvr_alpha: np.ndarray
    cvr_beta: np.ndarray
    value_per_conversion: np.ndarray
    conversions_seen: np.ndarray
    spend_cap: SpendCap


def make_history(
    spend: np.ndarray,
    clicks: np.ndarray,
    conversions: np.ndarray,
    value: np.ndarray,
    valid: np.ndarray,
    current_budgets: np.ndarray,
    impressions: np.ndarray | None = None,
    budgets: np.ndarray | None = None,
) -> HistoryArrays:
    """Build :class:`HistoryArrays` (currency units, newest day last); the spend scale is the largest of the
    current budget, the largest day's spend and the account's mean budget (at least 1).

    ``impressions`` are kept only if every day with clicks reports at least as many impressions as clicks (a
    platform or an importer that leaves them at 0 falls back to the click curve)."""
    # View-through and cross-device conversions can exceed clicks; the Binomial model cannot, so clip.
    conversions = np.minimum(conversions, clicks)
    # A campaign held at its floor is measured on the account's scale: its own tiny budget says nothing about
    # where its volume runs out, and a grid on it would force it to look saturated.
    account_scale = max(float(current_budgets.mean()), 1.0)
    scale = np.maximum(np.maximum(current_budgets, spend.max(axis=1)), account_scale)
    if impressions is not None and (valid & (clicks > 0) & (impressions < clicks)).any():
        impressions = None
    return HistoryArrays(spend, clicks, conversions, value, valid, scale, impressions, budgets)


def fit_posterior(
    history: HistoryArrays, *, discount: float, click_discount: float, grid_size: int, objective: str
) -> Posterior:
    """Fit the pooled priors (empirical Bayes) and the per-campaign posteriors.

    Args:
        history: The recent history of every campaign.
        discount: Weight multiplier per day of age for conversions and value, in (0, 1].
        click_discount: The same for the click curve. Saturation is learned from days when the budget was
            different, which grow rare once budgets settle, so old days should keep their weight longer.
        grid_size: Number of saturation grid points.
        objective: ``"conversions"`` or ``"value"``.

    Returns:
        The posterior of every campaign.
    """
    n_days = history.spend.shape[1]
    age = np.arange(n_days - 1, -1, -1, dtype=float)
    conv_weight = conversion_weights(history, discount, age)
    weight = history.valid * click_discount**age
    clicks_w = history.clicks * weight
    conv_w = history.conversions * conv_weight
    total_clicks = clicks_w.sum(axis=1)
    cvr_clicks = (history.clicks * conv_weight).sum(axis=1)
    total_conv = conv_w.sum(axis=1)
    total_spend = (history.spend * weight).sum(axis=1)

    grid = history.scale[:, None] * np.geomspace(_GRID_LOW, _GRID_HIGH, grid_size)[None, :]
    curve_counts = history.clicks
    if history.impressions is not None:
        # Billing is per click: a day that served impressions but won no click cost nothing, so its impressions
        # sit at a spend of 0, where the curve allows none. Read as data they would say the curve flattens (and
        # their residuals would inflate the dispersion that tempers every campaign's fit); the day says nothing
        # about the curve, so it leaves the impressions series. (Its clicks, 0 at a spend of 0, are harmless.)
        curve_counts = np.where(history.spend > 0, history.impressions, 0)
    # Each count series times its day weights, once: every fit below reads these.
    series_w = [clicks_w] if history.impressions is None else [clicks_w, curve_counts * weight]
    curve_counts_w = series_w[-1]
    spend = history.spend
    if history.budget is None:
        spend_cap = no_cap(*spend.shape)
    else:
        spend_cap = fit_spend_cap(spend, history.budget, history.valid, weight)
    volume = np.ones(n_days)
    if n_days >= _WEEKLY_MIN_DAYS:
        # Search volume follows the week (trade buyers search on weekdays); a constant curve would read Monday's
        # extra volume as noise and tomorrow's Sunday as a weekday. One factor per weekday, shared by the account.
        volume = _account_week(grid, spend, curve_counts, curve_counts_w, weight, total_spend)
    curves = _effective_spend(grid, spend, volume, weight, series_w)
    log_lik, prior_shape, prior_rate, dispersion = _curve_fit(clicks_w, weight, curves, 0, total_spend)
    click_shape = prior_shape + total_clicks / dispersion
    click_rate = prior_rate + curves.effective_sum / dispersion
    if history.impressions is not None:
        # Impressions follow the same curve as clicks (the click-through rate does not depend on the budget) but
        # come in counts ~20x larger, so their Poisson noise hides the bend of the curve far less: they carry
        # the saturation, the clicks keep the clicks-per-unit given it.
        log_lik = _curve_fit(series_w[1], weight, curves, 1, total_spend)[0]
    # Empirical Bayes for the saturation: EM on the account-wide distribution of b / scale over the grid, so
    # many weakly informative campaigns together say where accounts like this one saturate.
    # The likelihood is exponentiated once; each step only reweights it by the pooled prior.
    likelihood = np.exp(log_lik - log_lik.max(axis=1, keepdims=True))
    pooled = np.full(grid_size, 1.0 / grid_size)
    for _ in range(_EM_STEPS):
        saturation_prob = _reweight(likelihood, pooled)
        updated = (1.0 - _UNIFORM_MIX) * saturation_prob.mean(axis=0) + _UNIFORM_MIX / grid_size
        converged = np.abs(updated - pooled).max() < _EM_TOLERANCE
        pooled = updated
        if converged:
            break
    saturation_prob = _reweight(likelihood, pooled)

    cvr_alpha_prior, cvr_beta_prior = _pooled_beta_prior(total_conv, cvr_clicks)
    if objective == "value":
        value_w = (history.value * conv_weight).sum(axis=1)
        account_value = value_w.sum() / total_conv.sum() if total_conv.sum() > 0 else 1.0
        value_per_conversion = (value_w + _VALUE_PRIOR_CONVERSIONS * account_value) / (
            total_conv + _VALUE_PRIOR_CONVERSIONS
        )
    else:
        value_per_conversion = np.ones(len(total_conv))
    # Tomorrow is one week after the day of age 6.
    tomorrow = volume[n_days - 7] if n_days >= _WEEKLY_MIN_DAYS else 1.0
    return Posterior(
        saturation_grid=grid * tomorrow,
        saturation_prob=saturation_prob,
        click_shape=click_shape,
        click_rate=click_rate,
        cvr_alpha=cvr_alpha_prior + total_conv,
        cvr_beta=cvr_beta_prior + cvr_clicks - total_conv,
        value_per_conversion=value_per_conversion,
        conversions_seen=total_conv,
        spend_cap=spend_cap,
    )


def conversion_discounts(conversions_per_day: np.ndarray, discount: float) -> np.ndarray:
    """Each campaign's memory for its conversion rate: the steady-state gain of a local-level (Kalman) filter.

    The log conversion rate is taken to drift as a random walk; a day of ``lambda`` expected conversions measures
    it with variance about ``1 / lambda``. The filter's steady state weights a day of age ``a`` by ``(1 - K)^a``
    with ``K = P / (P + R)``, ``R = 1 / lambda`` and ``P = (Q + sqrt(Q^2 + 4 Q R)) / 2``. ``discount`` fixes the
    drift ``Q``: it is the memory of a campaign converting once a day. A campaign converting once a week then
    remembers about 2.6 times longer (a sparse rate needs months to be read at all), one converting ten times a
    day forgets about 3 times faster, and a campaign that does not convert keeps every day it has.

    Args:
        conversions_per_day: Shape (N,), each campaign's expected conversions per day at its recent spend.
        discount: Memory at one conversion a day, in (0, 1]; 1 means no drift, so every day counts alike.

    Returns:
        Shape (N,): the day-weight multipliers, in (0, 1].
    """
    gain = 1.0 - discount
    if gain <= 0.0:
        return np.ones(len(conversions_per_day))
    prior = gain / (1.0 - gain)  # P at R = 1
    drift = prior**2 / (prior + 1.0)  # Q with P^2 = Q (P + R)
    noise = 1.0 / np.maximum(conversions_per_day, _MIN_CONVERSIONS_PER_DAY)
    prior = 0.5 * (drift + np.sqrt(drift**2 + 4.0 * drift * noise))
    return 1.0 - prior / (prior + noise)


def conversion_weights(history: HistoryArrays, discount: float, age: np.ndarray) -> np.ndarray:
    """Day weights (N, H) for conversions and value: :func:`conversion_discounts` per campaign (never below
    ``discount``), from a first look at each campaign's conversions per day (``discount`` weights, its
    conversion rate shrunk towards the account's by a few pseudo-clicks)."""
    first = history.valid * discount**age
    days = first.sum(axis=1)
    clicks = (history.clicks * first).sum(axis=1)
    conversions = (history.conversions * first).sum(axis=1)
    # A few pseudo-clicks at the account's rate keep a campaign with no clicks yet from reading as "never".
    account_cvr = (conversions.sum() + 1.0) / (clicks.sum() + 100.0)
    cvr = (conversions + _RATE_PRIOR_CLICKS * account_cvr) / (clicks + _RATE_PRIOR_CLICKS)
    per_day = cvr * clicks / np.maximum(days, 1e-12)
    # Never forget faster than ``discount``: a busy campaign's rate can jump (a price change, a broken landing
    # page) rather than drift, and the configured memory is what the markets with shocks were judged on.
    memory = np.maximum(conversion_discounts(per_day, discount), discount)
    return history.valid * memory[:, None] ** age[None, :]


def _account_week(
    grid: np.ndarray,
    spend: np.ndarray,
    counts: np.ndarray,
    counts_w: np.ndarray,
    weight: np.ndarray,
    total_spend: np.ndarray,
) -> np.ndarray:
    """The account's weekly volume factors (see :func:`_weekly_volume`), one per day of the history.

    ``counts_w`` is ``counts * weight``. The cycle belongs to the account, so the ``_WEEKLY_CAMPAIGNS`` campaigns
    with the most counts tell it: a flat-curve fit of 10,000 campaigns would cost as much as the real one.
    """
    top = np.sort(np.argsort(-counts_w.sum(axis=1), kind="stable")[:_WEEKLY_CAMPAIGNS])
    grid, spend, counts, counts_w, weight = grid[top], spend[top], counts[top], counts_w[top], weight[top]
    curves = _effective_spend(grid, spend, np.ones(spend.shape[1]), weight, [counts_w])
    log_lik, shape, rate, _ = _curve_fit(counts_w, weight, curves, 0, total_spend[top])
    return _weekly_volume(log_lik, counts, counts_w, weight, curves, shape, rate, grid, spend)


@dataclass(frozen=True)
class _Curves:
    """What the saturation likelihood needs from the (N, K, H) block of effective spends
    ``w_t * b * (1 - exp(-s_t / (w_t * b)))`` (w_t: the day's volume factor), per campaign and grid point.

    Attributes:
        effective_sum: Shape (N, K): the discounted sum over days.
        data_terms: One (N, K) per count series ``c``: ``sum_t c_t * log(effective_t)`` (weighted counts).
        grid, spend, volume: The inputs, for :meth:`at`.
        spend_per_volume: ``spend / volume`` in float32 as the block used it, or None to compute it again.
    """

    effective_sum: np.ndarray
    data_terms: list[np.ndarray]
    grid: np.ndarray
    spend: np.ndarray
    volume: np.ndarray
    spend_per_volume: np.ndarray | None = None

    def at(self, index: np.ndarray) -> np.ndarray:
        """The effective spends at one grid point per campaign, shape (N, H) (float32, as in the block)."""
        grid = self.grid[np.arange(len(index)), index]
        if self.spend_per_volume is None:
            return _effective_block(grid[:, None], self.spend, self.volume)[:, 0, :]
        grid32 = grid.astype(np.float32)[:, None, None]
        return _fill_block(self.spend_per_volume, grid32, self.volume.astype(np.float32), None)[:, 0, :]


def _effective_block(
    grid: np.ndarray, spend: np.ndarray, volume: np.ndarray, out: np.ndarray | None = None
) -> np.ndarray:
    """``w_t * b * -expm1(-s_t / (w_t * b))`` for grid (n, K), spend (n, H), volume (H,): shape (n, K, H), float32,
    filled in place (fresh temporaries of this size cost more in page faults than the arithmetic itself); ``out``,
    when given, is a float32 buffer of at least that size to fill instead of a new array."""
    return _fill_block(
        (spend / volume).astype(np.float32), grid.astype(np.float32)[:, :, None], volume.astype(np.float32), out
    )


def _fill_block(
    spend_per_volume: np.ndarray, grid32: np.ndarray, volume32: np.ndarray, out: np.ndarray | None
) -> np.ndarray:
    """:func:`_effective_block` from its float32 inputs: ``s_t / w_t`` (n, H), the grid (n, K, 1), ``w_t`` (H,)."""
    shape = (grid32.shape[0], grid32.shape[1], spend_per_volume.shape[1])
    block = None if out is None else out.reshape(-1)[: shape[0] * shape[1] * shape[2]].reshape(shape)
    block = np.multiply(spend_per_volume[:, None, :], np.float32(-1.0) / grid32, out=block)
    np.expm1(block, out=block)
    np.multiply(block, -grid32, out=block)
    np.multiply(block, volume32[None, None, :], out=block)
    return block


# Campaigns per block of :func:`_effective_spend`: 256 x 16 x 90 float32 (1.5 MB) stays in the cache.
_CHUNK = 256


def _effective_spend(
    grid: np.ndarray, spend: np.ndarray, volume: np.ndarray, weight: np.ndarray, weighted_counts: list[np.ndarray]
) -> _Curves:
    """The sums of :class:`_Curves` over the (N, K, H) block of effective spends, a chunk of campaigns at a time.

    The block is the cost at 10,000 campaigns: float32 halves it, batched matmuls do the sums, and chunks that
    stay in the cache spare its 58 MB round trip through memory (the whole block is never held).
    """
    n_campaigns, n_days = spend.shape
    effective_sum = np.empty(grid.shape)
    data_terms = [np.empty(grid.shape) for _ in weighted_counts]
    weight32 = weight.astype(np.float32)[:, :, None]
    counts32 = [counts.astype(np.float32)[:, :, None] for counts in weighted_counts]
    # The float32 inputs once for every chunk, and one block buffer that every chunk reuses.
    spend_per_volume, grid32 = (spend / volume).astype(np.float32), grid.astype(np.float32)[:, :, None]
    volume32 = volume.astype(np.float32)
    buffer = np.empty(min(_CHUNK, n_campaigns) * grid.shape[1] * n_days, dtype=np.float32)
    for start in range(0, n_campaigns, _CHUNK):
        rows = slice(start, start + _CHUNK)
        block = _fill_block(spend_per_volume[rows], grid32[rows], volume32, buffer)
        effective_sum[rows] = (block @ weight32[rows])[:, :, 0]
        # Counts on a day without spend cannot happen under the model; a tiny floor keeps them harmless.
        np.maximum(block, np.float32(1e-9), out=block)
        np.log(block, out=block)
        for data_term, counts in zip(data_terms, counts32, strict=True):
            data_term[rows] = (block @ counts[rows])[:, :, 0]
    return _Curves(effective_sum, data_terms, grid, spend, volume, spend_per_volume)


def _weekly_volume(
    log_lik: np.ndarray,
    counts: np.ndarray,
    counts_w: np.ndarray,
    weight: np.ndarray,
    curves: _Curves,
    shape: float,
    rate: float,
    grid: np.ndarray,
    spend: np.ndarray,
) -> np.ndarray:
    """One volume factor per day of the week (mean 1), repeated over the H days, from a curve fitted without.

    A day's counts depend on its volume only as far as the campaign is saturated: the elasticity is
    ``1 - x e^-x / (1 - e^-x)`` at ``x = s / b``, 0 at low spend. One Poisson scoring step from "no weekly
    cycle" per weekday, pooled over campaigns at their most likely saturation, gives the log factor.
    """
    n_campaigns, n_days = counts.shape
    rows = np.arange(n_campaigns)
    best = log_lik.argmax(axis=1)
    total = counts_w.sum(axis=1)
    effective = curves.at(best)
    per_unit = (shape + total) / (rate + (effective * weight).sum(axis=1))
    expected = per_unit[:, None] * effective
    x = np.clip(spend / grid[rows, best][:, None], 1e-6, 50.0)
    elasticity = 1.0 - x / np.expm1(x)
    weekday = (n_days - 1 - np.arange(n_days)) % 7
    score = np.bincount(weekday, ((counts - expected) * elasticity).sum(axis=0), minlength=7)
    information = np.bincount(weekday, (expected * elasticity**2).sum(axis=0), minlength=7)
    log_factor = np.clip(score / (information + _WEEKLY_PRIOR_INFORMATION), -0.7, 0.7)
    log_factor -= log_factor.mean()
    return np.exp(log_factor)[weekday]


def _curve_fit(
    counts_w: np.ndarray,
    weight: np.ndarray,
    curves: _Curves,
    series: int,
    total_spend: np.ndarray,
) -> tuple[np.ndarray, float, float, float]:
    """Saturation log-likelihood on the grid from daily counts (clicks or impressions) on the curve
    ``Poisson(k * b * (1 - exp(-s / b)))``, with the pooled Gamma prior of ``k`` and the overdispersion.

    ``counts_w`` are the counts times their day weights; ``series`` picks their data term in ``curves``.

    Returns:
        ``(log_lik, prior_shape, prior_rate, dispersion)``; ``log_lik`` has shape (N, K) and is already tempered.
    """
    total = counts_w.sum(axis=1)
    data_term, effective_sum = curves.data_terms[series], curves.effective_sum
    # Counts per unit at low spend (1 / CPC for clicks): first a weak prior centred on the account's average
    # rate, then an empirical-Bayes prior fitted to the campaigns' posteriors. CPCs of one account are alike, so
    # a campaign whose average CPC is far above the account's low-spend CPC is probably deep into its volume:
    # that is what identifies saturation when a budget has barely moved.
    account_rate = (total.sum() + 1.0) / (total_spend.sum() + 1.0)
    prior_shape, prior_rate = 1.0, 1.0 / account_rate
    log_lik = _click_log_lik(data_term, total, effective_sum, prior_shape, prior_rate)
    prior_shape, prior_rate = _pooled_gamma_prior(_normalise(log_lik), total, effective_sum, prior_shape, prior_rate)
    log_lik = _click_log_lik(data_term, total, effective_sum, prior_shape, prior_rate)
    # Daily volume swings make counts overdispersed; a Poisson likelihood would be confidently wrong about the
    # saturation, so temper it by the account's Pearson dispersion (quasi-likelihood).
    dispersion = _dispersion(log_lik, counts_w, weight, curves, prior_shape + total, prior_rate + effective_sum)
    log_lik = _click_log_lik(
        data_term / dispersion, total / dispersion, effective_sum / dispersion, prior_shape, prior_rate
    )
    return log_lik, prior_shape, prior_rate, dispersion


def sample_parameters(
    posterior: Posterior, rng: np.random.Generator, n_draws: int, spread: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``(log v, b)`` jointly from the posterior, each of shape (n_draws, N).

    ``spread < 1`` tempers the draws: ``log k`` and ``log cvr`` move towards their posterior means by that factor
    and the saturation is drawn from the grid probabilities raised to ``1 / spread**2`` (a Gaussian's variance
    shrinks by ``spread**2``). The random numbers drawn are the same whatever the spread.
    """
    n_campaigns = posterior.saturation_prob.shape[0]
    prob = posterior.saturation_prob
    if spread != 1.0:
        prob = _normalise(np.log(np.maximum(prob, 1e-300)) / spread**2)
    cumulative = np.cumsum(prob, axis=1)
    uniforms = rng.random((n_draws, n_campaigns, 1))[:, :, 0]
    # The grid point each uniform falls in: how many cumulative probabilities lie below it, the last point also
    # taking any rounding excess. One (draws, N) comparison per grid point, never a (draws, N, K) block.
    index = np.zeros((n_draws, n_campaigns), dtype=np.intp)
    for column in np.ascontiguousarray(cumulative[:, :-1].T):
        np.add(index, uniforms > column, out=index)
    rows = np.arange(n_campaigns)[None, :]
    saturation = posterior.saturation_grid[rows, index]
    rate = posterior.click_rate[rows, index]
    clicks_per_unit = rng.gamma(posterior.click_shape[None, :], 1.0 / rate)
    cvr = rng.beta(np.broadcast_to(posterior.cvr_alpha, (n_draws, n_campaigns)), posterior.cvr_beta)
    log_return = _log_return(cvr, clicks_per_unit, posterior.value_per_conversion)
    if spread != 1.0:
        a, b = posterior.cvr_alpha, posterior.cvr_beta
        mean = digamma(a) - digamma(a + b) + digamma(posterior.click_shape) - np.log(rate)
        mean = mean + np.log(posterior.value_per_conversion)
        log_return = mean + spread * (log_return - mean)
    return log_return, saturation


def point_parameters(posterior: Posterior, optimism: float) -> tuple[np.ndarray, np.ndarray]:
    """Posterior-mean parameters, optionally made optimistic; returns ``(log v, b)`` of shape (1, N).

    ``optimism = 0`` is the greedy plug-in; ``optimism = c > 0`` moves ``k`` and ``cvr`` up by ``c`` posterior
    standard deviations (a Bayes-UCB style index). ``b`` is the posterior mean on the log grid either way.
    """
    rows = np.arange(posterior.saturation_prob.shape[0])
    log_grid = np.log(posterior.saturation_grid)
    saturation = np.exp((posterior.saturation_prob * log_grid).sum(axis=1))
    nearest = np.abs(log_grid - np.log(saturation)[:, None]).argmin(axis=1)
    rate = posterior.click_rate[rows, nearest]
    clicks_per_unit = posterior.click_shape / rate + optimism * np.sqrt(posterior.click_shape) / rate
    a, b = posterior.cvr_alpha, posterior.cvr_beta
    cvr_sd = np.sqrt(a * b / ((a + b) ** 2 * (a + b + 1.0)))
    cvr = np.minimum(a / (a + b) + optimism * cvr_sd, 1.0)
    return _log_return(cvr, clicks_per_unit, posterior.value_per_conversion)[None, :], saturation[None, :]


def _log_return(cvr: np.ndarray, clicks_per_unit: np.ndarray, value_per_conversion: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.log(cvr) + np.log(clicks_per_unit) + np.log(value_per_conversion)


def _click_log_lik(
    data_term: np.ndarray, clicks: np.ndarray, effective: np.ndarray, shape: float, rate: float
) -> np.ndarray:
    """Gamma-Poisson marginal log-likelihood of each saturation grid point, up to terms free of ``b``."""
    return data_term - (shape + clicks)[:, None] * np.log(rate + effective) + shape * np.log(rate)


def _dispersion(
    log_lik: np.ndarray,
    clicks: np.ndarray,
    weight: np.ndarray,
    curves: _Curves,
    shape: np.ndarray,
    rate: np.ndarray,
) -> float:
    """Pearson dispersion of the clicks at each campaign's most likely grid point, pooled by the median."""
    rows = np.arange(log_lik.shape[0])
    best = log_lik.argmax(axis=1)
    expected = (shape / rate[rows, best])[:, None] * curves.at(best)
    days = weight.sum(axis=1)
    seen = (clicks.sum(axis=1) >= 1.0) & (days > 1.0)
    if seen.sum() < 2:
        return 1.0
    # weight * (clicks / max(weight, 1e-12) - expected) ** 2 / max(expected, 1e-9), in two (N, H) buffers
    pearson = np.maximum(weight, 1e-12)
    np.divide(clicks, pearson, out=pearson)
    np.subtract(pearson, expected, out=pearson)
    np.square(pearson, out=pearson)
    np.multiply(weight, pearson, out=pearson)
    np.divide(pearson, np.maximum(expected, 1e-9, out=expected), out=pearson)
    pearson = pearson.sum(axis=1)
    return float(np.clip(np.median(pearson[seen] / days[seen]), 1.0, 50.0))


def _pooled_gamma_prior(
    saturation_prob: np.ndarray, clicks: np.ndarray, effective: np.ndarray, shape: float, rate: float
) -> tuple[float, float]:
    """Fit a Gamma prior for ``k`` to the campaigns' posteriors, matching the spread of ``log k``.

    The spread across campaigns minus the average posterior variance estimates the true spread, floored at a
    CPC coefficient of variation of 0.1 and capped at 1.5 so the prior never claims more than it knows.
    """
    seen = clicks >= 1.0
    if seen.sum() < 3:
        return shape, rate
    log_k = np.log(shape + clicks)[:, None] - np.log(rate + effective)
    mean_i = (saturation_prob * log_k).sum(axis=1)
    var_i = (saturation_prob * log_k**2).sum(axis=1) - mean_i**2 + 1.0 / (shape + clicks)
    centre = mean_i[seen].mean()
    spread = float(np.clip(mean_i[seen].var() - var_i[seen].mean(), 0.1**2, 1.5**2))
    new_shape = 1.0 / np.expm1(spread)
    return new_shape, new_shape / np.exp(centre + spread / 2.0)


def _reweight(likelihood: np.ndarray, prior: np.ndarray) -> np.ndarray:
    """Posterior over the grid from a row-scaled likelihood (N, K) and a prior (K,)."""
    joint = likelihood * prior[None, :]
    joint /= joint.sum(axis=1, keepdims=True)
    return joint


def _normalise(log_weights: np.ndarray) -> np.ndarray:
    shifted = np.exp(log_weights - log_weights.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def _pooled_beta_prior(conversions: np.ndarray, clicks: np.ndarray) -> tuple[float, float]:
    """Empirical-Bayes Beta prior over the campaigns' conversion rates.

    The mean is the account's conversion rate; the strength (pseudo-clicks) maximises the beta-binomial
    marginal likelihood of all campaigns on a log grid, so accounts whose campaigns convert alike pool hard
    and accounts with a few dead campaigns (waste) pool little.
    """
    mean = (conversions.sum() + 1.0) / (clicks.sum() + 100.0)
    seen = clicks >= 1.0
    if seen.sum() < 2:
        return mean * _DEFAULT_PRIOR_CLICKS, (1.0 - mean) * _DEFAULT_PRIOR_CLICKS
    y, n = conversions[seen][None, :], clicks[seen][None, :]
    strength = _STRENGTH_GRID[:, None]
    a, b = mean * strength, (1.0 - mean) * strength
    log_lik = (
        gammaln(strength) - gammaln(a) - gammaln(b) + gammaln(a + y) + gammaln(b + n - y) - gammaln(strength + n)
    ).sum(axis=1)
    best = float(_STRENGTH_GRID[int(np.argmax(log_lik))])
    return mean * best, (1.0 - mean) * best
