"""adapt_to_label_shift: a batch's class mix estimated from its unlabelled probabilities."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import InvalidParameterError

from skgenre.models import adapt_to_label_shift

MEANS = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 2.0]])


def _batch(rng, counts, train_prior=(1 / 3, 1 / 3, 1 / 3)):
    """Three unit Gaussians in 2-D, ``counts`` songs of each, and their exact posteriors
    under ``train_prior``: the classifier that label shift assumes."""
    y = np.repeat(np.arange(3), counts)
    x = MEANS[y] + rng.normal(size=(len(y), 2))
    log_lik = -0.5 * ((x[:, None, :] - MEANS[None]) ** 2).sum(axis=2)
    post = np.exp(log_lik - log_lik.max(axis=1, keepdims=True)) * np.asarray(train_prior)
    return post / post.sum(axis=1, keepdims=True), y


def _log_likelihood(P, t, pi):
    return np.log((P / t) @ pi).sum()


@pytest.mark.parametrize("counts", [(600, 300, 100), (100, 100, 800), (500, 500, 0)])
def test_the_mix_of_a_batch_is_found_and_accuracy_rises(rng, counts):
    P, y = _batch(rng, counts)
    Q, prior = adapt_to_label_shift(P)
    truth = np.asarray(counts) / sum(counts)
    assert_allclose(prior, truth, atol=0.05)
    assert np.mean(Q.argmax(1) == y) > np.mean(P.argmax(1) == y) + 0.02
    assert_allclose(Q.sum(axis=1), 1.0)


def test_the_answer_is_the_bayes_rule_at_the_maximum_likelihood_mix(rng):
    P, _ = _batch(rng, (300, 150, 50))
    t = np.full(3, 1 / 3)
    Q, prior = adapt_to_label_shift(P, tol=1e-12, max_iter=100_000)
    want = P * prior / t
    assert_allclose(Q, want / want.sum(axis=1, keepdims=True), rtol=1e-10)
    # the EM fixed point: the mix is the mean of the re-weighted posteriors
    assert_allclose(Q.mean(axis=0), prior, atol=1e-9)
    # and the likelihood of the batch is at its maximum over the simplex
    best = _log_likelihood(P, t, prior)
    for other in rng.dirichlet(np.ones(3), size=200):
        assert _log_likelihood(P, t, other) <= best + 1e-9
    for k in range(3):  # small steps from the optimum, towards each corner
        step = prior + 1e-3 * (np.eye(3)[k] - prior)
        assert _log_likelihood(P, t, step) <= best + 1e-9


def test_a_batch_with_the_training_mix_is_left_nearly_alone(rng):
    P, _ = _batch(rng, (400, 400, 400))
    Q, prior = adapt_to_label_shift(P)
    assert_allclose(prior, np.full(3, 1 / 3), atol=0.03)
    assert np.mean(Q.argmax(1) != P.argmax(1)) < 0.03


def test_an_unequal_training_mix_is_taken_into_account(rng):
    train = np.array([0.6, 0.3, 0.1])
    P, _ = _batch(rng, (100, 300, 600), train_prior=train)
    _, prior = adapt_to_label_shift(P, train * 10)  # shares are normalized
    assert_allclose(prior, [0.1, 0.3, 0.6], atol=0.05)
    _, wrong = adapt_to_label_shift(P)  # assuming equal training shares misreads the mix
    assert np.abs(wrong - [0.1, 0.3, 0.6]).max() > 0.1


def test_column_order_does_not_matter(rng):
    P, _ = _batch(rng, (200, 100, 50))
    t = np.array([0.5, 0.3, 0.2])
    order = [2, 0, 1]
    Q, prior = adapt_to_label_shift(P, t)
    Q2, prior2 = adapt_to_label_shift(P[:, order], t[order])
    assert_allclose(Q2, Q[:, order], atol=1e-5)
    assert_allclose(prior2, prior[order], atol=1e-5)


def test_it_does_not_change_its_input(rng):
    P, _ = _batch(rng, (50, 50, 50))
    before = P.copy()
    adapt_to_label_shift(P)
    assert_array_equal(P, before)


def test_too_few_steps_warn(rng):
    P, _ = _batch(rng, (300, 100, 10))
    with pytest.warns(ConvergenceWarning, match="raise max_iter"):
        adapt_to_label_shift(P, max_iter=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        adapt_to_label_shift(P)


def test_a_stated_mix_is_bayes_rule_song_by_song(rng):
    train = np.array([0.5, 0.3, 0.2])
    P, _ = _batch(rng, (100, 100, 100), train_prior=train)
    stated = np.array([2.0, 1.0, 1.0])
    Q, prior = adapt_to_label_shift(P, train, test_prior=stated)
    assert_allclose(prior, stated / 4)
    want = P * (stated / 4) / train
    assert_allclose(Q, want / want.sum(axis=1, keepdims=True), rtol=1e-12)
    # each song on its own: a batch of one gives the same row
    for i in (0, 17, 299):
        one, _ = adapt_to_label_shift(P[i:i + 1], train, test_prior=stated)
        assert_allclose(one[0], Q[i], rtol=1e-12)


def test_equal_stated_shares_over_some_classes_restrict_the_answers(rng):
    """From equal training shares, equal shares over a subset is the argmax over it."""
    P, y = _batch(rng, (0, 300, 300))
    Q, _ = adapt_to_label_shift(P, test_prior=[0, 1, 1])
    assert_array_equal(Q[:, 0], 0.0)
    assert_array_equal(Q.argmax(1), 1 + P[:, 1:].argmax(1))
    assert np.mean(Q.argmax(1) == y) > np.mean(P.argmax(1) == y)


def test_the_true_mix_stated_beats_or_equals_the_estimate(rng):
    counts = (50, 150, 800)
    P, y = _batch(rng, counts)
    stated, _ = adapt_to_label_shift(P, test_prior=counts)
    estimated, _ = adapt_to_label_shift(P)
    assert np.mean(stated.argmax(1) == y) >= np.mean(estimated.argmax(1) == y) - 0.01
    assert np.mean(stated.argmax(1) == y) > np.mean(P.argmax(1) == y) + 0.05


@pytest.mark.parametrize("test_prior, match", [
    ([1.0, 1.0], "2 share"),
    ([1.0, -1.0, 1.0], "0 or more"),
    ([0.0, 0.0, 0.0], "at least one above 0"),
    ([np.nan, 1.0, 1.0], "0 or more"),
])
def test_a_bad_stated_mix_says_what_is_wrong(rng, test_prior, match):
    P, _ = _batch(rng, (5, 5, 5))
    with pytest.raises(ValueError, match=match):
        adapt_to_label_shift(P, test_prior=test_prior)


def test_a_stated_mix_that_rules_out_a_songs_every_class_is_refused():
    P = np.array([[1.0, 0.0, 0.0], [0.2, 0.3, 0.5]])
    with pytest.raises(ValueError, match="row 0"):
        adapt_to_label_shift(P, test_prior=[0, 1, 1])


def test_shares_of_any_scale_are_shares(rng):
    P, _ = _batch(rng, (60, 30, 10))
    want = adapt_to_label_shift(P, [1, 2, 3])
    for scale in (1e-300, 1e300):  # their sum overflowed to inf, or underflowed
        got = adapt_to_label_shift(P, np.array([1, 2, 3]) * scale)
        assert_allclose(got[0], want[0]) and assert_allclose(got[1], want[1])
        assert_allclose(adapt_to_label_shift(P, test_prior=np.array([1, 0, 3]) * scale)[1],
                        [0.25, 0.0, 0.75])
    with pytest.raises(ValueError, match="train_prior's smallest share .* too small"):
        adapt_to_label_shift(P, [1e-320, 1.0, 1.0])


@pytest.mark.parametrize("proba, train_prior, match", [
    (np.array([0.5, 0.5]), None, "2-D table"),
    (np.array([[0.5, 0.5]]), None, "at least 2 songs"),
    (np.array([[0.5, 0.6], [0.5, 0.5]]), None, "row 0 sums to 1.1"),
    (np.array([[1.5, -0.5], [0.5, 0.5]]), None, "negative"),
    (np.array([[np.nan, 0.5], [0.5, 0.5]]), None, "NaN"),
    (np.array([[0.5, 0.5], [0.5, 0.5]]), [1.0], "1 share"),
    (np.array([[0.5, 0.5], [0.5, 0.5]]), [1.0, 0.0], "above 0"),
])
def test_bad_input_says_what_is_wrong(proba, train_prior, match):
    with pytest.raises(ValueError, match=match):
        adapt_to_label_shift(proba, train_prior)


@pytest.mark.parametrize("kwargs", [{"max_iter": 0}, {"tol": 0.0}, {"tol": "small"}])
def test_bad_parameters_are_refused_by_name(kwargs):
    with pytest.raises(InvalidParameterError, match=next(iter(kwargs))):
        adapt_to_label_shift(np.full((3, 2), 0.5), **kwargs)
