"""How far predicted probabilities are from observed accuracy: top-label calibration.

A classifier is calibrated when, among the tracks it predicts with confidence 0.8, about
80 % are right. These functions measure that for the top label (the predicted genre and
its probability), the measure of Guo et al., "On Calibration of Modern Neural Networks"
(ICML 2017).
"""

from numbers import Integral

import numpy as np
from sklearn.utils import Bunch
from sklearn.utils.validation import check_consistent_length, column_or_1d

from ._labels import check_no_missing

__all__ = ["expected_calibration_error", "make_ece_scorer", "reliability_curve"]


def _check_n_bins(n_bins):
    if isinstance(n_bins, bool) or not isinstance(n_bins, Integral) or n_bins < 1:
        raise ValueError(f"n_bins must be an int >= 1, got {n_bins!r}.")
    return int(n_bins)


def _check_inputs(y_true, y_proba, labels):
    """``(y_true, y_proba, labels)`` checked: 1-D labels, 2-D probabilities, matching."""
    y_true = column_or_1d(np.asarray(y_true))
    check_no_missing(y_true, "y_true", "label(s)", "; give every sample its label.")
    y_proba = np.asarray(y_proba)
    if y_proba.ndim == 1:
        # one column: the probability of the second label (binary, as sklearn's metrics)
        y_proba = np.column_stack([1.0 - y_proba, y_proba]) if y_proba.size else (
            y_proba.reshape(0, 2)
        )
    if y_proba.ndim != 2:
        raise ValueError(
            f"y_proba must be a 2-D array of shape (n_samples, n_classes), got an array of "
            f"shape {y_proba.shape}."
        )
    check_consistent_length(y_true, y_proba)
    if len(y_true) == 0:
        raise ValueError("y_true and y_proba hold no sample; at least one is needed.")
    if not np.issubdtype(y_proba.dtype, np.number):
        raise ValueError(f"y_proba must be numeric, got dtype {y_proba.dtype}.")
    y_proba = y_proba.astype(np.float64)
    if not np.all(np.isfinite(y_proba)):
        raise ValueError("y_proba holds NaN or infinite values.")
    if y_proba.min() < 0 or y_proba.max() > 1:
        raise ValueError(
            f"y_proba must hold probabilities in [0, 1], got values in "
            f"[{y_proba.min():.3g}, {y_proba.max():.3g}] (decision_function scores?)."
        )
    sums = y_proba.sum(axis=1)
    if not np.allclose(sums, 1.0, atol=1e-3):
        worst = sums[np.argmax(np.abs(sums - 1.0))]
        raise ValueError(
            f"each row of y_proba must sum to 1 (a probability per class), but a row sums "
            f"to {worst:.4g}."
        )
    n_classes = y_proba.shape[1]
    if labels is None:
        labels = np.unique(y_true)
        if len(labels) != n_classes:
            raise ValueError(
                f"y_proba has {n_classes} columns but y_true has {len(labels)} distinct "
                "labels, so the columns cannot be matched to labels; pass labels= (the "
                "classifier's classes_, in the order of its predict_proba columns)."
            )
    else:
        labels = column_or_1d(np.asarray(labels))
        if len(labels) != n_classes:
            raise ValueError(
                f"labels has {len(labels)} entries but y_proba has {n_classes} columns; "
                "they must match one to one."
            )
        if len(np.unique(labels)) != len(labels):
            raise ValueError("labels must not repeat a label.")
        unknown = np.setdiff1d(np.unique(y_true), labels)
        if len(unknown):
            raise ValueError(
                f"y_true holds labels that are not in labels: {unknown[:5].tolist()}."
            )
    return y_true, y_proba, labels


def reliability_curve(y_true, y_proba, *, n_bins=10, labels=None):
    """Reliability-diagram data: per confidence bin, its count, confidence and accuracy.

    A sample's confidence is its highest predicted probability, and the prediction is the
    label of that column (the first one on ties). The interval [0, 1] is cut into
    ``n_bins`` bins of equal width, closed on the right: ``[0, 1/n_bins]``,
    ``(1/n_bins, 2/n_bins]``, ... A calibrated classifier has, in every bin, an accuracy
    close to its mean confidence.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    y_proba : array-like of shape (n_samples, n_classes) or (n_samples,)
        Predicted probabilities; each row sums to 1. Columns follow ``labels``. A 1-D array
        is the probability of the second of two labels.
    n_bins : int, default=10
        Number of equal-width confidence bins.
    labels : array-like of shape (n_classes,) or None, default=None
        The label of each column of ``y_proba`` (e.g. the classifier's ``classes_``).
        ``None``: the sorted distinct labels of ``y_true``, which must then be as many as
        the columns. Pass it when a test fold misses a class.

    Returns
    -------
    curve : :class:`~sklearn.utils.Bunch`
        ``bin_edges`` (``n_bins + 1`` edges), and per bin: ``count`` (samples in the bin),
        ``confidence`` (their mean confidence) and ``accuracy`` (the share of them
        predicted right); the last two are NaN for an empty bin.

    Raises
    ------
    ValueError
        If ``n_bins`` is not an int >= 1, if the shapes do not match, if ``y_proba`` holds
        values outside [0, 1] or rows that do not sum to 1, or if columns and labels do
        not match.

    See Also
    --------
    expected_calibration_error : The count-weighted mean gap of this curve.

    Examples
    --------
    >>> from skgenre.evaluation import reliability_curve
    >>> y_true = ["rock", "rock", "pop", "pop"]
    >>> y_proba = [[0.1, 0.9], [0.3, 0.7], [0.6, 0.4], [0.4, 0.6]]  # columns: pop, rock
    >>> curve = reliability_curve(y_true, y_proba, n_bins=5)
    >>> curve.count.tolist()
    [0, 0, 2, 1, 1]
    >>> curve.accuracy[2:].tolist(), curve.confidence[2:].round(2).tolist()
    ([0.5, 1.0, 1.0], [0.6, 0.7, 0.9])
    """
    n_bins = _check_n_bins(n_bins)
    y_true, y_proba, labels = _check_inputs(y_true, y_proba, labels)
    top = np.argmax(y_proba, axis=1)
    confidence = y_proba[np.arange(len(top)), top]
    correct = (labels[top] == y_true).astype(np.float64)
    # k / n_bins exactly rounded: linspace's k * (1 / n_bins) can fall just below it and put
    # a confidence such as 5/6 (5 votes of 6 clips) in the bin above its edge
    edges = np.arange(n_bins + 1) / n_bins
    # Right-closed bins (lo, hi], the first one [0, hi]: a confidence on an edge belongs
    # to the bin below it, and 1.0 to the last bin.
    which = np.clip(np.searchsorted(edges, confidence, side="left") - 1, 0, n_bins - 1)
    count = np.bincount(which, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_conf = np.bincount(which, weights=confidence, minlength=n_bins) / count
        accuracy = np.bincount(which, weights=correct, minlength=n_bins) / count
    return Bunch(bin_edges=edges, count=count, confidence=mean_conf, accuracy=accuracy)


def expected_calibration_error(y_true, y_proba, *, n_bins=10, labels=None):
    """Top-label expected calibration error (ECE) with equal-width bins.

    Each sample's confidence is its highest predicted probability and its prediction the
    label of that column. With the ``n`` samples grouped into ``M = n_bins`` equal-width
    confidence bins over [0, 1] (see :func:`reliability_curve`)::

        ECE = sum over bins m of  (n_m / n) * |acc_m - conf_m|

    where ``n_m`` is the number of samples in bin ``m``, ``acc_m`` the share of them
    predicted right and ``conf_m`` their mean confidence (Guo et al. 2017); empty bins
    add nothing. It is 0 for a perfectly calibrated classifier and at most 1; lower is
    better. On a few hundred samples even a calibrated classifier measures a few hundredths
    (each bin's accuracy is estimated from its few samples).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    y_proba : array-like of shape (n_samples, n_classes) or (n_samples,)
        Predicted probabilities (``predict_proba``); columns follow ``labels``.
    n_bins : int, default=10
        Number of equal-width confidence bins.
    labels : array-like of shape (n_classes,) or None, default=None
        The label of each column of ``y_proba``, e.g. ``clf.classes_``. ``None``: the
        sorted distinct labels of ``y_true`` (then as many as the columns).

    Returns
    -------
    ece : float
        In [0, 1].

    Raises
    ------
    ValueError
        As :func:`reliability_curve`.

    See Also
    --------
    reliability_curve : The per-bin counts, confidences and accuracies.
    make_ece_scorer : This measure as a scorer for ``cross_validate``.

    Examples
    --------
    Two tracks predicted with confidence 0.9 (one right) and two with 0.6 (both right):
    ``0.5 * |0.5 - 0.9| + 0.5 * |1.0 - 0.6| = 0.4``.

    >>> from skgenre.evaluation import expected_calibration_error
    >>> y_true = ["pop", "rock", "pop", "rock"]
    >>> y_proba = [[0.9, 0.1], [0.9, 0.1], [0.6, 0.4], [0.4, 0.6]]
    >>> round(expected_calibration_error(y_true, y_proba), 6)
    0.4
    """
    curve = reliability_curve(y_true, y_proba, n_bins=n_bins, labels=labels)
    filled = curve.count > 0
    weights = curve.count[filled] / curve.count.sum()
    gaps = np.abs(curve.accuracy[filled] - curve.confidence[filled])
    return float(np.sum(weights * gaps))


class _ECEScorer:
    """Negative ECE of ``estimator.predict_proba(X)``, its columns named by ``classes_``."""

    def __init__(self, n_bins):
        self.n_bins = n_bins

    def __call__(self, estimator, X, y_true):
        proba = np.asarray(estimator.predict_proba(X))
        labels = np.asarray(estimator.classes_)
        # A fold by artist can train without a genre that its test tracks hold (a genre of
        # one artist): such a track is a wrong answer at the confidence given, not a reason
        # to score the fold NaN. A column of zeros names the genre and is never the top one.
        unseen = np.setdiff1d(np.unique(np.asarray(y_true)), labels)
        if len(unseen):
            labels = np.concatenate([labels.astype(object), unseen.astype(object)])
            proba = np.hstack([proba, np.zeros((len(proba), len(unseen)))])
        return -expected_calibration_error(y_true, proba, n_bins=self.n_bins, labels=labels)

    def __repr__(self):
        return f"make_ece_scorer(n_bins={self.n_bins})"


def make_ece_scorer(*, n_bins=10):
    """A scorer of the expected calibration error, for ``cross_validate`` or a grid search.

    The scorer calls ``estimator.predict_proba(X)`` and returns the *negative*
    :func:`expected_calibration_error` (columns named by ``estimator.classes_``, so a
    test fold that misses a class is scored right), since scikit-learn maximises scores,
    as for its ``"neg_log_loss"``. A test track of a class that the estimator never saw
    (a fold by artist that trains without a genre of one artist) counts as a wrong
    prediction at the confidence the estimator gave it.

    Parameters
    ----------
    n_bins : int, default=10
        Number of equal-width confidence bins.

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y_true) -> float``, at most 0; higher is better.

    Raises
    ------
    ValueError
        If ``n_bins`` is not an int >= 1.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.model_selection import cross_validate
    >>> from skgenre.evaluation import make_ece_scorer
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(60, 3))
    >>> y = np.where(X[:, 0] + 0.5 * rng.normal(size=60) > 0, "rock", "pop")
    >>> scores = cross_validate(LogisticRegression(), X, y, cv=3,
    ...                         scoring={"accuracy": "accuracy", "ece": make_ece_scorer()})
    >>> ece = -scores["test_ece"]
    >>> bool(np.all((ece >= 0) & (ece <= 1)))
    True
    """
    return _ECEScorer(_check_n_bins(n_bins))
