from __future__ import annotations

import numpy as np
import pytest

from ml.rotation import BernoulliThompson, LinearThompson, RotationConfig


def test_bernoulli_selection_is_seeded_and_exact():
    policy = BernoulliThompson(4, random_state=0)
    policy.update(np.array([0, 0, 1, 2, 3, 3]), np.array([1, 0, 0, 1, 0, 0]))

    assert policy.select(5).ravel().tolist() == [3, 0, 2, 2, 0]
    assert policy.posterior_mean().tolist() == [0.5, 1 / 3, 2 / 3, 0.25]


def test_bernoulli_finds_the_best_ad_and_stops_wasting_impressions():
    rng = np.random.default_rng(0)
    true_ctr = np.array([0.02, 0.05, 0.03])
    policy = BernoulliThompson(3, random_state=0)
    served = []
    for _ in range(200):
        variants = policy.select(50)[:, 0]
        policy.update(variants, rng.binomial(1, true_ctr[variants]))
        served.append(variants)

    late = np.concatenate(served[-50:])
    assert np.bincount(late, minlength=3).tolist() == [15, 2481, 4]
    assert policy.action_probabilities()[:, 0].tolist() == [0.011, 0.983, 0.006]


def test_bernoulli_slot_probabilities_sum_to_one_per_slot():
    policy = BernoulliThompson(5, random_state=1, config=RotationConfig(simulations=400))
    policy.update(np.arange(5), np.array([1, 0, 0, 1, 0]))

    probabilities = policy.action_probabilities(slots=3)

    assert probabilities.shape == (5, 3)
    assert probabilities.sum(axis=0) == pytest.approx([1.0, 1.0, 1.0], abs=1e-12)
    ranked = policy.select(10, slots=3)
    assert all(len(set(row)) == 3 for row in ranked.tolist())


def test_linear_thompson_serves_each_intent_its_own_best_ad():
    # Two intents ("price" and "installation"), three ads; ad 0 wins on price, ad 2 on installation.
    rng = np.random.default_rng(0)
    true_ctr = np.array([[0.08, 0.04, 0.01], [0.01, 0.04, 0.09]])
    policy = LinearThompson(3, n_features=2, random_state=0)
    for _ in range(150):
        intent = rng.integers(0, 2, 40)
        contexts = np.eye(2)[intent]
        variants = policy.select(contexts)
        policy.update(contexts, variants, rng.binomial(1, true_ctr[intent, variants]))

    probabilities = policy.action_probabilities(np.eye(2))
    assert probabilities.tolist() == [[0.832, 0.14, 0.028], [0.011, 0.042, 0.947]]


def test_linear_thompson_is_seeded():
    contexts = np.array([[1.0, 0.2], [1.0, -0.5], [1.0, 0.0]])
    first, second = (LinearThompson(4, 2, random_state=7) for _ in range(2))

    assert first.select(contexts).tolist() == second.select(contexts).tolist() == [2, 1, 2]


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: RotationConfig(prior_alpha=0.0), "prior_alpha must be > 0"),
        (lambda: RotationConfig(noise_variance=-1.0), "noise_variance must be > 0"),
        (lambda: RotationConfig(simulations=0), "simulations must be >= 1"),
        (lambda: BernoulliThompson(0), "n_variants must be >= 1"),
        (lambda: LinearThompson(2, 0), "n_variants and n_features must be >= 1"),
        (lambda: BernoulliThompson(3).update(np.array([0, 3]), np.array([1, 0])), r"variants must be in \[0, 3\)"),
        (lambda: BernoulliThompson(3).update(np.array([0, 1]), np.array([1, 2])), "clicks must be 0 or 1"),
        (lambda: BernoulliThompson(3).update(np.array([0, 1]), np.array([1])), "same length"),
        (lambda: BernoulliThompson(3).select(slots=4), r"slots must be in \[1, 3\]"),
        (lambda: LinearThompson(2, 3).select(np.ones((2, 2))), r"contexts must have shape \(n, 3\)"),
        (lambda: LinearThompson(2, 1).select(np.array([[np.nan]])), "contexts must be finite"),
    ],
)
def test_invalid_rotation_inputs_are_rejected(build, message):
    with pytest.raises(ValueError, match=message):
        build()
