"""Off-policy evaluation: judge a new policy on logs that carry the logging policy's propensities.

The estimators follow the definitions used by Open Bandit Pipeline (Saito et al., 2021), so their numbers can
be checked against ``obp.ope`` on identical inputs:

* IPW: ``mean(w * r)`` with ``w = pi_e(a | x, k) / pi_b(a | x, k)``;
* SNIPW: ``sum(w * r) / sum(w)``, biased but far steadier when weights are large;
* DR: ``mean(sum_a pi_e(a | x, k) q(x, a, k) + w * (r - q(x, a_logged, k)))``, unbiased if either the
  propensities or the reward model ``q`` is right.

Inputs are per logged round ``i``: the reward, the logged action, the slot (position) it was shown in (0 for
single-slot problems), the logging policy's probability of that action (``pscore``) and the evaluation policy's
action distribution ``action_dist[i, a, k]``.

Budget plans fit the same shape: each campaign-day is a round whose action is the direction of the budget move
(index into ``ml.budgets.types.ACTIONS``), ``pscore`` is ``plan.propensities[cid].probability`` and the new policy's
``probabilities`` give ``action_dist``; see :func:`budget_rounds`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ml.budgets.types import ACTIONS, Propensity


@dataclass(frozen=True)
class LoggedRounds:
    """Logged bandit feedback, validated at construction.

    Attributes:
        reward: Shape (n,).
        action: Shape (n,), integer action indices.
        pscore: Shape (n,), logging probabilities of the logged actions, in (0, 1].
        position: Shape (n,), integer slots; zeros for single-slot problems.
    """

    reward: np.ndarray
    action: np.ndarray
    pscore: np.ndarray
    position: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.reward)
        for name in ("action", "pscore", "position"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"LoggedRounds: {name} has {len(getattr(self, name))} rows, reward has {n}")
        if n == 0:
            raise ValueError("LoggedRounds: no rounds")
        if not np.isfinite(self.reward).all():
            raise ValueError("LoggedRounds: reward must be finite")
        bad = np.flatnonzero(~((self.pscore > 0) & (self.pscore <= 1)))
        if len(bad):
            raise ValueError(f"LoggedRounds: pscore must be in (0, 1], row {bad[0]} has {self.pscore[bad[0]]!r}")
        if (self.action < 0).any() or (self.position < 0).any():
            raise ValueError("LoggedRounds: action and position must be >= 0")

    @classmethod
    def from_arrays(
        cls,
        reward: Sequence[float] | np.ndarray,
        action: Sequence[int] | np.ndarray,
        pscore: Sequence[float] | np.ndarray,
        position: Sequence[int] | np.ndarray | None = None,
    ) -> LoggedRounds:
        """Build from array-likes; ``position`` defaults to slot 0 everywhere."""
        action = np.asarray(action, dtype=np.int64)
        position = np.zeros(len(action), dtype=np.int64) if position is None else np.asarray(position, np.int64)
        return cls(np.asarray(reward, dtype=float), action, np.asarray(pscore, dtype=float), position)


def importance_weights(rounds: LoggedRounds, action_dist: np.ndarray) -> np.ndarray:
    """``pi_e(a_i | x_i, k_i) / pscore_i`` for every round; ``action_dist`` has shape (n, n_actions, n_slots)."""
    _check_action_dist(rounds, action_dist)
    rows = np.arange(len(rounds.reward))
    return action_dist[rows, rounds.action, rounds.position] / rounds.pscore


def ipw(rounds: LoggedRounds, action_dist: np.ndarray) -> float:
    """Inverse propensity weighting estimate of the evaluation policy's mean reward per round."""
    return float(np.mean(importance_weights(rounds, action_dist) * rounds.reward))


def snipw(rounds: LoggedRounds, action_dist: np.ndarray) -> float:
    """Self-normalised IPW: divides by the mean weight instead of trusting it to be one."""
    weights = importance_weights(rounds, action_dist)
    return float(np.mean(weights * rounds.reward) / np.mean(weights))


def doubly_robust(rounds: LoggedRounds, action_dist: np.ndarray, estimated_rewards: np.ndarray) -> float:
    """Doubly robust estimate; ``estimated_rewards[i, a, k]`` is the reward model ``q(x_i, a, k)``."""
    weights = importance_weights(rounds, action_dist)
    if estimated_rewards.shape != action_dist.shape:
        raise ValueError(f"estimated_rewards has shape {estimated_rewards.shape}, action_dist has {action_dist.shape}")
    rows = np.arange(len(rounds.reward))
    q_slot = estimated_rewards[rows, :, rounds.position]
    direct = (action_dist[rows, :, rounds.position] * q_slot).sum(axis=1)
    logged = q_slot[rows, rounds.action]
    return float(np.mean(direct + weights * (rounds.reward - logged)))


def estimate_all(
    rounds: LoggedRounds, action_dist: np.ndarray, estimated_rewards: np.ndarray | None = None
) -> dict[str, float]:
    """IPW, SNIPW and (when a reward model is given) DR in one dict."""
    estimates = {"ipw": ipw(rounds, action_dist), "snipw": snipw(rounds, action_dist)}
    if estimated_rewards is not None:
        estimates["dr"] = doubly_robust(rounds, action_dist, estimated_rewards)
    return estimates


def budget_rounds(
    logged: Sequence[Mapping[str, Propensity]],
    rewards: Sequence[Mapping[str, float]],
    target: Sequence[Mapping[str, Propensity]],
) -> tuple[LoggedRounds, np.ndarray]:
    """Turn logged budget plans into OPE inputs: one round per campaign-day.

    Args:
        logged: Per day, the logged plan's ``propensities`` (``{campaign_id: Propensity}``).
        rewards: Per day, the reward that followed per campaign (e.g. next-day conversions).
        target: Per day, the evaluated policy's ``propensities`` on the same states.

    Returns:
        The rounds and ``action_dist`` with shape (n, 3, 1) over ``ml.budgets.types.ACTIONS``.
    """
    reward, action, pscore, dist = [], [], [], []
    for day, (plan, outcome, new) in enumerate(zip(logged, rewards, target, strict=True)):
        for cid, propensity in plan.items():
            if cid not in outcome or cid not in new:
                raise ValueError(f"day {day}: campaign {cid!r} has no reward or no target propensity")
            reward.append(outcome[cid])
            action.append(ACTIONS.index(propensity.action))
            pscore.append(propensity.probability)
            dist.append([new[cid].probabilities[a] for a in ACTIONS])
    return LoggedRounds.from_arrays(reward, action, pscore), np.asarray(dist, dtype=float)[:, :, None]


def _check_action_dist(rounds: LoggedRounds, action_dist: np.ndarray) -> None:
    if action_dist.ndim != 3 or action_dist.shape[0] != len(rounds.reward):
        raise ValueError(f"action_dist must have shape (n_rounds, n_actions, n_slots), got {action_dist.shape}")
    if rounds.action.max() >= action_dist.shape[1] or rounds.position.max() >= action_dist.shape[2]:
        raise ValueError("action_dist is too small for the logged actions or positions")
    if not np.allclose(action_dist.sum(axis=1), 1.0):
        raise ValueError("action_dist must sum to 1 over actions for every round and slot")
