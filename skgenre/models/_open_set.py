"""OpenSetClassifier: answer "unknown" where a track is unlike the training music."""

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    _fit_context,
    clone,
)
from sklearn.covariance import OAS, LedoitWolf
from sklearn.model_selection import check_cv
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import _safe_indexing, get_tags
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.metadata_routing import (
    UNUSED,
    _routing_enabled,
    get_routing_for_object,
)
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    _check_method_params,
    _num_features,
    _num_samples,
    check_array,
    check_consistent_length,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from ..utils._stack import user_stacklevel
from ._routing import check_child_params, child_fit_params, child_router, fit_child

__all__ = ["OpenSetClassifier"]

_COVARIANCES = {"ledoit_wolf": LedoitWolf, "oas": OAS}


def _estimator_has(attr):
    def check(self):
        est = self.estimator_ if hasattr(self, "estimator_") else self.estimator
        return hasattr(est, attr)

    return check


def _is_pipeline(estimator):
    return isinstance(estimator, Pipeline) and len(estimator.steps) > 1


class OpenSetClassifier(ClassifierMixin, MetaEstimatorMixin, BaseEstimator):
    """Wrap a classifier; answer ``unknown_label`` for inputs unlike the training data.

    A genre classifier names one of its genres for any music, including music of a genre it
    never saw. This meta-estimator fits the classifier and, beside it, a model of where the
    training tracks lie in the classifier's own representation: the input of a
    :class:`~sklearn.pipeline.Pipeline`'s final step (``estimator[:-1].transform(X)``, e.g.
    the standardised musicnn embedding of :func:`~skgenre.make_embedding_pipeline`), the
    feature columns of the input of a :class:`~skgenre.TagPriorClassifier`, alone or as
    a Pipeline's final step (the embedding of :func:`~skgenre.make_combined_pipeline`:
    its tag columns are left out, as they
    recognised Emotify's electronic songs less well and set aside far more known songs), or
    ``X`` itself for any other classifier. The representation is standardised and a shrunk
    covariance (Ledoit-Wolf or OAS) is fitted to it; the novelty score of a track
    (:meth:`unknown_score`) is its Mahalanobis distance to the nearest class mean of the
    training tracks (or to their overall mean, ``class_means=False``).

    The threshold on that score is fitted by cross-validation so that a share
    ``known_rate`` of known music is kept: for each fold, the representation (all steps but
    the last, cloned) and the covariance are fitted on the training folds and the held-out
    fold is scored; ``threshold_`` is the ``known_rate`` quantile of these out-of-fold
    scores. Then the classifier and the covariance are refitted on all the data.

    Parameters
    ----------
    estimator : classifier or Pipeline
        The classifier (anything with ``fit`` and ``predict``), cloned and fitted in
        :meth:`fit`. A Pipeline of two or more steps is scored in the input of its final
        step; any other estimator in its own input ``X``, which must then be numeric.
    known_rate : float in (0, 1], default=0.95
        Share of the training tracks, scored out of fold, that the threshold keeps as known.
        The share of new known-genre tracks kept is about the same when they resemble the
        training tracks, and lower when they come from another collection.
    cv : int, cross-validation generator or iterable, default=5
        Splits for the threshold's out-of-fold scores, as in
        :func:`~sklearn.model_selection.cross_val_predict`: an int is a
        :class:`~sklearn.model_selection.StratifiedKFold` with that many folds. Pass a
        grouped splitter (e.g. :class:`~sklearn.model_selection.StratifiedGroupKFold`)
        and ``groups`` to :meth:`fit` to hold out whole artists.
    unknown_label : str, int, float or None, default="unknown"
        What :meth:`predict` answers for an input whose score is above ``threshold_``. It
        must not be one of the classes. Give numeric classes a numeric ``unknown_label``
        (e.g. ``-1``): a mix of numbers and strings is refused by scikit-learn's metrics.
        :meth:`predict` returns one dtype for every batch: the classes' and the label's
        common one (an object array where they have none, e.g. strings and numbers).
    covariance : {"ledoit_wolf", "oas"}, default="ledoit_wolf"
        The shrunk covariance estimator (:class:`~sklearn.covariance.LedoitWolf` or
        :class:`~sklearn.covariance.OAS`); with a few hundred tracks and hundreds of
        dimensions, the empirical covariance would be singular.
    class_means : bool, default=True
        Score the distance to the nearest class mean, with one covariance of the
        within-class residuals shared by all classes, rather than the distance to the mean
        of all the training data (K. Lee et al., "A simple unified framework for detecting
        out-of-distribution samples and adversarial attacks", NeurIPS 2018). A song far
        from every genre but near the middle of them all is then unknown too.

    Attributes
    ----------
    estimator_ : estimator
        The classifier fitted on all the training data.
    classes_ : ndarray of shape (n_classes,)
        The classes of ``estimator_``; ``unknown_label`` is not among them, so that
        ``classes_`` names the columns of :meth:`predict_proba` as scikit-learn expects.
    threshold_ : float
        Inputs whose :meth:`unknown_score` is above it are predicted ``unknown_label``.
    oof_scores_ : ndarray of shape (n_samples,)
        The out-of-fold scores of the training data that ``threshold_`` is a quantile of
        (to choose another ``known_rate`` without refitting:
        ``np.quantile(oof_scores_, rate, method="inverted_cdf")``).
    scaler_ : StandardScaler
        Standardises the representation of all the training data.
    centres_ : ndarray of shape (n_classes, n_dims) or (1, n_dims)
        The class means (or the overall mean) of the standardised representation.
    covariance_ : LedoitWolf or OAS
        The shrunk covariance of the standardised representation of all the training data
        around ``centres_`` (fitted with ``assume_centered=True`` to the residuals).
    n_features_in_ : int
        Number of features of ``X``; only set when ``estimator_`` or this meta-estimator
        (for a non-Pipeline ``estimator``) has it.

    See Also
    --------
    skgenre.make_embedding_pipeline : A classifier of files whose representation works well.

    Notes
    -----
    Scores and predictions: :meth:`predict` is the estimator's prediction where
    ``unknown_score(X) <= threshold_`` and ``unknown_label`` elsewhere;
    :meth:`predict_proba` and :meth:`predict_log_proba` are the wrapped classifier's, over
    ``classes_`` only (they do not know about "unknown"). A scikit-learn scorer that uses
    ``predict`` (accuracy, F1) counts an "unknown" answer for a known track as an error; a
    scorer that uses probabilities (log loss, ROC AUC) scores the wrapped classifier alone.
    To score the detector, use :meth:`unknown_score` with
    :func:`~sklearn.metrics.roc_auc_score` (unknown as the positive class).

    Cost: :meth:`fit` fits the representation ``n_splits + 1`` times and transforms the
    training data ``n_splits + 2`` times (each fold's held-out part once, and all the data
    after the refit); for a musicnn pipeline that is about ``n_splits + 2`` embeddings of
    the training tracks.

    Measured (``benchmarks/bench_open_set.py``): trained on the 100 tracks of GTZAN mini
    with :func:`~skgenre.make_embedding_pipeline`, Emotify's electronic tracks (a genre
    GTZAN lacks) against its classical, pop and rock tracks: see ``benchmarks/README.md``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skgenre.models import OpenSetClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = np.r_[rng.normal(0, 1, (60, 2)), rng.normal(4, 1, (60, 2))]
    >>> y = np.repeat(["a", "b"], 60)
    >>> clf = OpenSetClassifier(LogisticRegression(), known_rate=0.95).fit(X, y)
    >>> clf.predict([[0.0, 0.0], [4.0, 4.0], [30.0, -30.0]]).tolist()
    ['a', 'b', 'unknown']
    >>> bool(np.mean(clf.oof_scores_ <= clf.threshold_) >= 0.95)
    True
    """

    _parameter_constraints = {
        "estimator": [HasMethods(["fit", "predict"])],
        "known_rate": [Interval(Real, 0, 1, closed="right")],
        "cv": ["cv_object"],
        "unknown_label": [str, Real, None],
        "covariance": [StrOptions(set(_COVARIANCES))],
        "class_means": ["boolean"],
    }

    def __init__(
        self,
        estimator,
        *,
        known_rate=0.95,
        cv=5,
        unknown_label="unknown",
        covariance="ledoit_wolf",
        class_means=True,
    ):
        self.estimator = estimator
        self.known_rate = known_rate
        self.cv = cv
        self.unknown_label = unknown_label
        self.covariance = covariance
        self.class_means = class_means

    # sample_weight only passes through to the estimator: not a request of this object's
    # own, which a parent would otherwise have to set before routing weights through it.
    __metadata_request__fit = {"sample_weight": UNUSED}

    # The wrapped estimator's own parameters are validated by its fit, not skipped here.
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, groups=None, sample_weight=None, **fit_params):
        """Fit the threshold by cross-validation, then the classifier and covariance.

        Parameters
        ----------
        X : array-like or what ``estimator`` takes
            Training inputs: numeric ``(n_samples, n_features)`` for a plain classifier,
            anything the Pipeline takes (e.g. file paths) for a Pipeline.
        y : array-like of shape (n_samples,)
            Class labels.
        groups : array-like of shape (n_samples,) or None, default=None
            Group labels for a grouped ``cv`` splitter (e.g. one artist per group).
        sample_weight : array-like of shape (n_samples,), default=None
            Weights for the wrapped classifier's ``fit`` (its last step's, for a
            Pipeline; with metadata routing, every step that requests them, in the
            threshold's folds as in the final fit). The distance and its threshold count
            every sample once.
        **fit_params : dict
            Other metadata for the classifier, with metadata routing enabled only
            (``sklearn.set_config(enable_metadata_routing=True)``).

        Returns
        -------
        self : OpenSetClassifier
            The fitted meta-estimator.

        Raises
        ------
        ValueError
            If the training set is too small for ``cv`` (the message says which parameter
            to change), among them a fold that trains on one sample of each class (with
            ``class_means=True`` its scores would all be 0), or ``unknown_label`` is one
            of the classes.
        """
        X, y = self._check_X_y(X, y)
        check_classification_targets(y)
        classes = np.unique(y)
        if len(classes) < 2:
            raise ValueError(
                f"{type(self).__name__} needs at least 2 classes to fit a classifier; got "
                f"1 class ({classes[0]!r})."
            )
        if self.unknown_label in set(classes.tolist()):
            raise ValueError(
                f"unknown_label={self.unknown_label!r} is one of the classes of y; choose "
                "a label that no training sample has."
            )
        if self._predict_dtype(classes.dtype) == object:
            # predict's object array of numbers and strings works, but scikit-learn's
            # metrics refuse it as soon as one input is unknown: every fold of a
            # cross-validation then scores NaN, with a message that names no parameter
            warnings.warn(
                f"unknown_label={self.unknown_label!r} is not of the type of the classes "
                f"({classes[:3].tolist()}...): predict returns an object array of both, "
                "which scikit-learn's metrics (score, cross_validate, GridSearchCV) refuse "
                "('a mix of multiclass and unknown targets') once an input is unknown. "
                "Give numeric classes a numeric unknown_label (e.g. -1) and string "
                "classes a string.",
                UserWarning,
                stacklevel=user_stacklevel(),
            )
        estimator = clone(self.estimator)
        # checked before the threshold's cross-validation, which may take minutes
        params = check_child_params(
            estimator, child_fit_params(self, sample_weight, fit_params, groups=groups),
            _num_samples(X),
        )
        self.oof_scores_ = self._out_of_fold_scores(X, y, groups, params)
        # the smallest threshold that keeps at least known_rate of the out-of-fold scores
        self.threshold_ = float(np.quantile(self.oof_scores_, self.known_rate,
                                            method="inverted_cdf"))
        self.estimator_ = fit_child(estimator, X, y, params)
        if not hasattr(self.estimator_, "classes_"):
            raise ValueError(
                f"estimator must be a classifier, but the fitted "
                f"{type(self.estimator_).__name__} has no classes_ attribute."
            )
        self.classes_ = np.asarray(self.estimator_.classes_)
        if _is_pipeline(self.estimator_) and hasattr(self.estimator_, "n_features_in_"):
            self.n_features_in_ = self.estimator_.n_features_in_
        Z = _represent(_prefix(self.estimator_), X)
        self.scaler_, self.centres_, self.covariance_ = self._fit_distance(Z, y)
        return self

    def unknown_score(self, X):
        """How unlike the training data each input is: higher is more unknown.

        Parameters
        ----------
        X : array-like or what ``estimator`` takes
            Inputs, as in :meth:`fit`.

        Returns
        -------
        score : ndarray of shape (n_samples,)
            The Mahalanobis distance of each input's standardised representation to the
            nearest of ``centres_``, with the shrunk covariance; in the units of
            ``threshold_``.
        """
        check_is_fitted(self)
        return self._unknown_score(self._check_X(X, reset=False))

    def _unknown_score(self, X):
        # X validated already: validating it twice would drop a DataFrame's column names
        # and warn that X has none.
        Z = _represent(_prefix(self.estimator_), X, width=self.scaler_.n_features_in_)
        return _distance(self.scaler_, self.centres_, self.covariance_, Z)

    def predict(self, X):
        """The wrapped classifier's prediction, or ``unknown_label`` above the threshold.

        Parameters
        ----------
        X : array-like or what ``estimator`` takes
            Inputs, as in :meth:`fit`.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            A class of ``classes_`` or ``unknown_label``, of their common dtype (an object
            array when ``unknown_label`` does not fit the classes' dtype).
        """
        check_is_fitted(self)
        X = self._check_X(X, reset=False)
        pred = np.asarray(self.estimator_.predict(X))
        unknown = self._unknown_score(X) > self.threshold_
        # One dtype whatever the batch holds, so that a batch with no unknown input
        # compares and concatenates with one that has some.
        out = pred.astype(self._predict_dtype(pred.dtype), copy=False)
        out[unknown] = self.unknown_label
        return out

    def _predict_dtype(self, dtype):
        """The dtype that holds both the classes (of ``dtype``) and ``unknown_label``."""
        label = self.unknown_label
        numeric = isinstance(label, Real) and not isinstance(label, bool)
        if (isinstance(label, str) and dtype.kind == "U") or (numeric and dtype.kind in "iuf"):
            return np.result_type(dtype, np.asarray(label).dtype)
        # e.g. a string label beside numeric classes: only an object array holds both
        return np.dtype(object)

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X):
        """The wrapped classifier's class probabilities (no "unknown" column).

        Parameters
        ----------
        X : array-like or what ``estimator`` takes
            Inputs, as in :meth:`fit`.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns follow ``classes_``.
        """
        check_is_fitted(self)
        return self.estimator_.predict_proba(self._check_X(X, reset=False))

    @available_if(_estimator_has("predict_log_proba"))
    def predict_log_proba(self, X):
        """The wrapped classifier's log-probabilities (no "unknown" column).

        Parameters
        ----------
        X : array-like or what ``estimator`` takes
            Inputs, as in :meth:`fit`.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Columns follow ``classes_``.
        """
        check_is_fitted(self)
        return self.estimator_.predict_log_proba(self._check_X(X, reset=False))

    # -- helpers --------------------------------------------------------------------------

    def _check_X_y(self, X, y):
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        if _is_pipeline(self.estimator):
            # The pipeline's first step validates its own input (paths, waveforms, tables).
            y = column_or_1d(y, warn=True)
            check_consistent_length(X, y)
            return X, y
        return validate_data(self, X, y, reset=True)

    def _check_X(self, X, *, reset):
        if _is_pipeline(self.estimator_ if hasattr(self, "estimator_") else self.estimator):
            return X
        return validate_data(self, X, reset=reset)

    def _fit_distance(self, Z, y):
        scaler = StandardScaler().fit(Z)
        S = scaler.transform(Z)
        if self.class_means:
            classes, index = np.unique(y, return_inverse=True)
            centres = np.stack([S[index == k].mean(axis=0) for k in range(len(classes))])
            residuals = S - centres[index]
        else:
            centres = S.mean(axis=0, keepdims=True)
            residuals = S - centres
        cov = _COVARIANCES[self.covariance](assume_centered=True).fit(residuals)
        return scaler, centres, cov

    def _out_of_fold_scores(self, X, y, groups, params):
        n = _num_samples(X)
        cv = check_cv(self.cv, y, classifier=True)
        shown = repr(self.cv) if isinstance(self.cv, Integral) or hasattr(self.cv, "split") \
            else "the given splits"

        def refuse(cause, advice, exc=None):
            raise ValueError(
                f"{type(self).__name__} could not split the {n} training samples for the "
                f"threshold's cross-validation (cv={shown}): {cause}{advice}"
            ) from exc

        if groups is None and get_routing_for_object(cv).consumes("split", {"groups"}):
            # Checked before splitting: a group splitter without groups fails for that
            # reason, with its own message (StratifiedGroupKFold counted one group and
            # said to fit on more samples), or, in scikit-learn 1.6, with empty folds.
            refuse("", (
                "it splits by group, but fit got no groups: pass fit(X, y, "
                "groups=artists). Inside cross_validate or a grid search, which give "
                "groups to their own splitter only, turn on metadata routing "
                "(sklearn.set_config(enable_metadata_routing=True)) and request them: "
                f"{type(self).__name__}(...).set_fit_request(groups=True)."
            ))
        try:
            splits = list(cv.split(_placeholder(n), y, groups))
        except ValueError as exc:
            refuse(f"{exc} ", "Fit on more samples (at least 2 per fold and class) or pass a "
                              "smaller cv.", exc)
        scores = np.full(n, np.nan)
        for train, test in splits:
            if len(train) < 2:
                raise ValueError(
                    f"{type(self).__name__}: a fold of cv={shown} trains on "
                    f"{len(train)} sample(s) of {n}; the threshold's covariance needs at "
                    "least 2. Fit on more samples or pass a smaller cv."
                )
            X_train, X_test = _safe_indexing(X, train), _safe_indexing(X, test)
            steps, columns = _prefix(self.estimator)
            if steps is not None:
                steps = clone(steps).fit(X_train, y[train],
                                         **_prefix_params(steps, params, n, train))
            prefix = steps, columns
            if self.class_means and len(np.unique(y[train])) == len(train):
                # every residual from its class mean is 0: a zero covariance scores every
                # held-out sample 0, the threshold is 0 and every input "unknown"
                raise ValueError(
                    f"{type(self).__name__}: a fold of cv={shown} trains on one sample of "
                    "each class, so the spread within the classes, which the threshold "
                    "measures, is zero. Fit on more samples per class (each fold must train "
                    "on two or more of some class), pass a smaller cv, or pass "
                    "class_means=False."
                )
            scaler, centres, cov = self._fit_distance(_represent(prefix, X_train), y[train])
            scores[test] = _distance(scaler, centres, cov, _represent(prefix, X_test))
        missed = np.isnan(scores)
        if missed.any():
            raise ValueError(
                f"cv={shown} left {int(missed.sum())} of the {n} training samples out of "
                "every test fold; the threshold needs an out-of-fold score for each. Pass a "
                "cv whose test folds cover all samples (a KFold-like splitter)."
            )
        return scores

    def get_metadata_routing(self):
        """How :meth:`fit` routes metadata (see scikit-learn's user guide).

        ``groups`` feed this estimator's ``cv`` (request them with
        ``set_fit_request(groups=True)``), and the wrapped classifier's ``fit`` too if it
        requests them; the rest goes to the wrapped classifier's ``fit``.

        Returns
        -------
        routing : MetadataRouter
        """
        return child_router(self, self.estimator)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self.estimator)
        tags.input_tags = inner.input_tags
        tags.input_tags.sparse = False
        tags.non_deterministic = inner.non_deterministic
        return tags


def _prefix(estimator):
    """``(steps, columns)``: the representation is ``steps.transform(X)`` (``X`` itself for
    None), of which the classifier names the ``columns`` it is measured by with
    ``_open_set_columns`` (all for None): a TagPriorClassifier, alone or as a Pipeline's
    final step."""
    steps = estimator[:-1] if _is_pipeline(estimator) else None
    last = estimator[-1] if _is_pipeline(estimator) else estimator
    columns = getattr(last, "_open_set_columns", None)
    return steps, (columns() if columns is not None else None)


def _prefix_params(prefix, params, n, train):
    """The metadata of ``params`` that the steps of ``prefix`` request, for rows ``train``.

    With routing on, a step before the classifier may request weights (a weighted
    scaler); the folds that fit the threshold then fit it as the final model is fitted.
    Without routing, metadata goes to the last step only, which is not in ``prefix``.
    """
    if not params or not _routing_enabled():
        return {}
    wanted = prefix.get_metadata_routing().consumes("fit", set(params))
    return _check_method_params(_placeholder(n), {k: params[k] for k in wanted}, indices=train)


def _represent(prefix, X, width=None):
    """The representation of ``X`` by ``prefix`` (see :func:`_prefix`).

    ``width``: the number of columns that the fitted distance reads. A model fitted by an
    earlier skgenre, before TagPriorClassifier named its feature columns, read all of
    them, and a saved one keeps doing so.
    """
    steps, columns = prefix
    Z = X if steps is None else steps.transform(X)
    if columns is not None and _num_features(Z) != width:
        Z = _safe_indexing(Z, columns, axis=1)
    return check_array(Z, dtype=np.float64, input_name="representation")


def _distance(scaler, centres, cov, Z):
    """Mahalanobis distance of each row to the nearest centre."""
    S = scaler.transform(Z)
    # mahalanobis() gives the squared distance (the covariance is centred at 0); the
    # square root keeps the score in the units of the standardised features
    squared = np.min([cov.mahalanobis(S - c) for c in centres], axis=0)
    return np.sqrt(np.maximum(squared, 0.0))


def _placeholder(n):
    """An ``(n, 1)`` array to split: splitters only look at its length."""
    return np.zeros((n, 1))
