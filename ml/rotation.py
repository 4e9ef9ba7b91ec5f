"""Ad rotation: which ad variant (or ranking of variants) to serve, learned from clicks.

* :class:`BernoulliThompson`: a Beta posterior per variant; each request draws one click rate per variant and
  serves the best (or ranks them over several slots, as the policy in the Open Bandit Dataset does).
* :class:`LinearThompson`: contextual; a Bayesian linear model of the click per variant on features of the
  search intent or user, sampled per request, so different intents get different ads.

Both take a seed (``self.rng``), check their config at construction, learn with ``update`` and can report the
probability of each choice (``action_probabilities``) for logging and for :mod:`ml.ope`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ml.ope import LoggedRounds, estimate_all


@dataclass(frozen=True)
class RotationConfig:
    """Settings shared by the rotation policies.

    Attributes:
        prior_alpha: Beta prior successes per variant (Bernoulli TS).
        prior_beta: Beta prior failures per variant; with a 1 % click rate, (1, 99) says "about 1 %, 100 clicks' worth".
        prior_precision: Ridge precision of the linear model's weights (contextual TS).
        noise_variance: Assumed variance of a click around its mean (contextual TS); 0.25 is the Bernoulli maximum.
        simulations: Posterior draws used to estimate action probabilities.
    """

    prior_alpha: float = 1.0
    prior_beta: float = 1.0
    prior_precision: float = 1.0
    noise_variance: float = 0.25
    simulations: int = 1000

    def __post_init__(self) -> None:
        for name in ("prior_alpha", "prior_beta", "prior_precision", "noise_variance"):
            if not getattr(self, name) > 0:
                raise ValueError(f"RotationConfig: {name} must be > 0, got {getattr(self, name)!r}")
        if self.simulations < 1:
            raise ValueError(f"RotationConfig: simulations must be >= 1, got {self.simulations!r}")


class BernoulliThompson:
    """Thompson sampling over ad variants with Beta-Bernoulli posteriors.

    Args:
        n_variants: Number of ad variants, >= 1.
        random_state: Seed.
        config: Priors and simulation count.
    """

    def __init__(self, n_variants: int, random_state: int | None = None, config: RotationConfig | None = None):
        if n_variants < 1:
            raise ValueError(f"n_variants must be >= 1, got {n_variants}")
        self.config = config or RotationConfig()
        self.n_variants = n_variants
        self.rng = np.random.default_rng(random_state)
        self.clicks = np.zeros(n_variants)
        self.impressions = np.zeros(n_variants)

    def update(self, variants: np.ndarray, clicks: np.ndarray) -> None:
        """Learn from served variants and their 0/1 clicks (one entry per impression)."""
        variants, clicks = np.asarray(variants), np.asarray(clicks, dtype=float)
        _check_feedback(variants, clicks, self.n_variants)
        np.add.at(self.impressions, variants, 1.0)
        np.add.at(self.clicks, variants, clicks)

    def select(self, n_requests: int = 1, slots: int = 1) -> np.ndarray:
        """Rank variants for ``n_requests`` requests; returns shape (n_requests, slots) of variant indices."""
        if not 1 <= slots <= self.n_variants:
            raise ValueError(f"slots must be in [1, {self.n_variants}], got {slots}")
        draws = self._draw(n_requests)
        return np.argsort(-draws, axis=1, kind="stable")[:, :slots]

    def action_probabilities(self, slots: int = 1) -> np.ndarray:
        """Probability that each variant is served in each slot, shape (n_variants, slots), by simulation."""
        ranked = self.select(self.config.simulations, slots)
        counts = np.zeros((self.n_variants, slots))
        for slot in range(slots):
            counts[:, slot] = np.bincount(ranked[:, slot], minlength=self.n_variants)
        return counts / self.config.simulations

    def posterior_mean(self) -> np.ndarray:
        """Posterior mean click rate per variant."""
        alpha = self.config.prior_alpha + self.clicks
        return alpha / (alpha + self.config.prior_beta + self.impressions - self.clicks)

    def _draw(self, n: int) -> np.ndarray:
        alpha = self.config.prior_alpha + self.clicks
        beta = self.config.prior_beta + self.impressions - self.clicks
        return self.rng.beta(np.broadcast_to(alpha, (n, self.n_variants)), beta)


class LinearThompson:
    """Contextual Thompson sampling: per variant, Bayesian linear regression of the click on the context.

    Args:
        n_variants: Number of ad variants, >= 1.
        n_features: Context dimension, >= 1 (include a constant feature for a per-variant baseline).
        random_state: Seed.
        config: Prior precision, noise variance and simulation count.
    """

    def __init__(
        self,
        n_variants: int,
        n_features: int,
        random_state: int | None = None,
        config: RotationConfig | None = None,
    ):
        if n_variants < 1 or n_features < 1:
            raise ValueError(f"n_variants and n_features must be >= 1, got {n_variants}, {n_features}")
        self.config = config or RotationConfig()
        self.n_variants, self.n_features = n_variants, n_features
        self.rng = np.random.default_rng(random_state)
        self.precision = np.tile(np.eye(n_features) * self.config.prior_precision, (n_variants, 1, 1))
        self.moment = np.zeros((n_variants, n_features))

    def update(self, contexts: np.ndarray, variants: np.ndarray, clicks: np.ndarray) -> None:
        """Learn from (context, served variant, click) triples."""
        contexts = self._check_contexts(contexts)
        variants, clicks = np.asarray(variants), np.asarray(clicks, dtype=float)
        _check_feedback(variants, clicks, self.n_variants)
        if len(contexts) != len(variants):
            raise ValueError(f"contexts has {len(contexts)} rows, variants has {len(variants)}")
        scale = 1.0 / self.config.noise_variance
        for variant in np.unique(variants):
            rows = variants == variant
            x = contexts[rows]
            self.precision[variant] += scale * x.T @ x
            self.moment[variant] += scale * x.T @ clicks[rows]

    def select(self, contexts: np.ndarray) -> np.ndarray:
        """One variant per context row: the best under one posterior draw per row."""
        return self._sampled_scores(self._check_contexts(contexts)).argmax(axis=1)

    def action_probabilities(self, contexts: np.ndarray) -> np.ndarray:
        """Probability of each variant per context, shape (n, n_variants), by simulation."""
        contexts = self._check_contexts(contexts)
        counts = np.zeros((len(contexts), self.n_variants))
        rows = np.arange(len(contexts))
        for _ in range(self.config.simulations):
            np.add.at(counts, (rows, self._sampled_scores(contexts).argmax(axis=1)), 1.0)
        return counts / self.config.simulations

    def posterior_mean(self) -> np.ndarray:
        """Posterior mean weights, shape (n_variants, n_features)."""
        return np.linalg.solve(self.precision, self.moment[:, :, None])[:, :, 0]

    def _sampled_scores(self, contexts: np.ndarray) -> np.ndarray:
        # theta = mean + L^-T z with precision = L L^T, one draw per context row and variant.
        mean = self.posterior_mean()
        chol = np.linalg.cholesky(self.precision)
        z = self.rng.standard_normal((self.n_variants, self.n_features, len(contexts)))
        noise = np.linalg.solve(np.swapaxes(chol, 1, 2), z)
        theta = mean[:, :, None] + noise  # (variants, features, rows)
        return np.einsum("nf,vfn->nv", contexts, theta)

    def _check_contexts(self, contexts: np.ndarray) -> np.ndarray:
        contexts = np.asarray(contexts, dtype=float)
        if contexts.ndim != 2 or contexts.shape[1] != self.n_features:
            raise ValueError(f"contexts must have shape (n, {self.n_features}), got {contexts.shape}")
        if not np.isfinite(contexts).all():
            raise ValueError("contexts must be finite")
        return contexts


def _check_feedback(variants: np.ndarray, clicks: np.ndarray, n_variants: int) -> None:
    if variants.shape != clicks.shape or variants.ndim != 1:
        raise ValueError(f"variants and clicks must be 1-D of the same length, got {variants.shape}, {clicks.shape}")
    if len(variants) and (variants.min() < 0 or variants.max() >= n_variants):
        raise ValueError(f"variants must be in [0, {n_variants}), got {variants.min()}..{variants.max()}")
    if not np.isin(clicks, (0.0, 1.0)).all():
        raise ValueError("clicks must be 0 or 1")


def evaluate_bernoulli_thompson(
    train: LoggedRounds,
    test: LoggedRounds,
    n_variants: int,
    slots: int,
    random_state: int | None = None,
    config: RotationConfig | None = None,
    reward_prior_impressions: float = 100.0,
) -> dict[str, float]:
    """Train :class:`BernoulliThompson` on logged rounds and estimate its click rate on other logged rounds.

    The policy ranks variants over ``slots`` (slot ``k`` shows the ``k``-th best draw), so its probability of
    showing variant ``a`` in slot ``k`` is simulated. DR's reward model is the training click rate per
    (variant, slot), shrunk towards the slot's rate by ``reward_prior_impressions`` pseudo-impressions.

    Returns:
        ``{"ipw", "snipw", "dr"}`` estimates of the click rate per impression, and ``"logged"``, the test logs'
        own click rate.
    """
    policy = BernoulliThompson(n_variants, random_state, config)
    policy.update(train.action, train.reward)
    dist = np.broadcast_to(policy.action_probabilities(slots), (len(test.reward), n_variants, slots))
    clicks = np.zeros((n_variants, slots))
    shown = np.zeros((n_variants, slots))
    np.add.at(clicks, (train.action, train.position), train.reward)
    np.add.at(shown, (train.action, train.position), 1.0)
    slot_rate = clicks.sum(axis=0) / np.maximum(shown.sum(axis=0), 1.0)
    q = (clicks + reward_prior_impressions * slot_rate) / (shown + reward_prior_impressions)
    estimates = estimate_all(test, dist, np.broadcast_to(q, dist.shape))
    return {**estimates, "logged": float(test.reward.mean())}
