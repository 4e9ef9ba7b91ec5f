"""Where a campaign stops spending: the spend cap learned from days that left budget unspent.

On a manual bid (and on many smooth curves) a campaign spends its whole budget until the auctions its bid can
win run out; past that point extra budget stays unspent and buys nothing. A day's spend then tells one of two
things about the day's cap ``C_t``:

* budget was left unspent (spend below 90 % of the budget): ``C_t = spend`` -- the cap itself;
* otherwise ``C_t >= 0.9 * budget`` -- a censored observation. (Not ``C_t >= spend``: a day that ran out between
  90 and 100 % of its budget would then count as bound, and its cap be imputed far above where it was.)

``log C_t = mu_i + omega_weekday + eps`` with ``eps ~ Normal(0, sigma^2)``: ``mu_i`` per campaign, the weekday
factors and ``sigma`` pooled over the account (day-of-week swings and daily volume noise move every campaign's
volume alike). EM on the censored normal (Tobit) gives all three; ignoring the censoring would read only the
days of low volume (the ones that ran out) and ratchet the cap down a little every day a budget sits at it.

A campaign that never left budget unspent has no cap (``inf``): as far as anyone knows, its budget binds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import erfcx

# Share of the budget below which a day's spend counts as stopped by volume (platforms pace to ~100 %).
UNSPENT_SHARE = 0.9
_EM_STEPS = 10
# Only the last six weeks (whole weeks, so every weekday counts alike): caps move with the market, and the EM
# over (campaigns x days) is the planner's largest cost at 10,000 campaigns.
_WINDOW_DAYS = 42
_SIGMA_START = 0.2
_SIGMA_FLOOR = 0.05
# Pseudo-days of "no weekday effect" behind each weekday factor.
_WEEKDAY_PRIOR_DAYS = 20.0
# Discounted unspent days a campaign needs before its cap is believed.
_MIN_UNSPENT_WEIGHT = 0.5
_SQRT_2 = float(np.sqrt(2.0))
_SQRT_2_OVER_PI = float(np.sqrt(2.0 / np.pi))


@dataclass(frozen=True)
class SpendCap:
    """The learned caps, in currency units, and the evidence behind them.

    Attributes:
        cap: Shape (N,): tomorrow's median spend cap, ``inf`` where no day left budget unspent.
        unspent_days: Shape (N,): days (in the window) that left budget unspent.
        bound_days: Shape (N,): days whose spend reached the budget.
        unspent: Shape (N, H): True on the days that left budget unspent.
        sigma: The account's day-to-day spread of log caps.
    """

    cap: np.ndarray
    unspent_days: np.ndarray
    bound_days: np.ndarray
    unspent: np.ndarray
    sigma: float


def no_cap(n_campaigns: int, n_days: int) -> SpendCap:
    """What is known without reported budgets: nothing."""
    zeros = np.zeros(n_campaigns)
    return SpendCap(np.full(n_campaigns, np.inf), zeros, zeros, np.zeros((n_campaigns, n_days), dtype=bool), 0.0)


def fit_spend_cap(spend: np.ndarray, budget: np.ndarray, valid: np.ndarray, weight: np.ndarray) -> SpendCap:
    """Fit the caps from (N, H) spend and budgets (currency units, newest day last) and day weights.

    Tomorrow is one week after the day of age 6, so its weekday factor is that day's.
    """
    spend, budget, valid, weight = (a[:, -_WINDOW_DAYS:] for a in (spend, budget, valid, weight))
    n_campaigns, n_days = spend.shape
    seen = valid & (spend > 0) & (budget > 0)
    unspent = seen & (spend < UNSPENT_SHARE * budget)
    bound = seen & ~unspent
    unspent_weight = (weight * unspent).sum(axis=1)
    has_cap = unspent_weight >= _MIN_UNSPENT_WEIGHT
    if not has_cap.any():
        return SpendCap(np.full(n_campaigns, np.inf), unspent.sum(axis=1), bound.sum(axis=1), unspent, 0.0)
    rows = np.flatnonzero(has_cap)
    # float32 and the censored entries alone through erfcx: this loop is the cost at 10,000 campaigns.
    y = np.log(np.where(seen[rows], np.where(bound[rows], UNSPENT_SHARE * budget[rows], spend[rows]), 1.0))
    y = y.astype(np.float32)
    w = np.where(seen[rows], weight[rows], 0.0).astype(np.float32)
    w_rows, w_days, w_total = w.sum(axis=1), w.sum(axis=0), float(w.sum())
    censored = np.flatnonzero(bound[rows])
    y_censored, w_censored = y.ravel()[censored], w.ravel()[censored]
    weekday = (n_days - 1 - np.arange(n_days)) % 7
    days_per_weekday = np.bincount(weekday, w_days, minlength=7) + _WEEKDAY_PRIOR_DAYS
    omega = np.zeros(7, dtype=np.float32)
    mu = (w * y).sum(axis=1) / w_rows
    sigma = _SIGMA_START
    for _ in range(_EM_STEPS):
        mean = mu[:, None] + omega[weekday][None, :]
        mean_censored = mean.ravel()[censored]
        a = (y_censored - mean_censored) / sigma
        # Inverse Mills ratio of the upper tail, phi(a) / Q(a), through erfcx so a far tail does not divide 0 by 0.
        mills = _SQRT_2_OVER_PI / erfcx(a / _SQRT_2)
        expected = y.copy()
        expected.ravel()[censored] = mean_censored + sigma * mills
        # E[(z - mean)^2 | z >= y] = sigma^2 (1 + a * mills) for a censored entry.
        squares = (w * (y - mean) ** 2).sum() - (w_censored * (y_censored - mean_censored) ** 2).sum()
        squares += sigma**2 * (w_censored * (1.0 + a * mills)).sum()
        mu = (w * (expected - omega[weekday][None, :])).sum(axis=1) / w_rows
        omega = np.bincount(weekday, (w * (expected - mu[:, None])).sum(axis=0), minlength=7) / days_per_weekday
        omega = (omega - omega.mean()).astype(np.float32)
        sigma = float(max(np.sqrt(max(float(squares), 0.0) / w_total), _SIGMA_FLOOR))
    cap = np.full(n_campaigns, np.inf)
    tomorrow = omega[weekday[n_days - 7]] if n_days >= 7 else 0.0
    cap[rows] = np.exp(mu + tomorrow)
    return SpendCap(cap, unspent.sum(axis=1), bound.sum(axis=1), unspent, sigma)
