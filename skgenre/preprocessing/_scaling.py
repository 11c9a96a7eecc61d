"""The paper's feature scaling: per-feature min-max, then per-vector normalization."""

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin, _fit_context
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ._scale_ops import minmax_then_normalize

__all__ = ["MinMaxThenNormalize"]


class MinMaxThenNormalize(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Min-max each feature to [0, 1] (fitted on training data), then normalize each row.

    The paper's feature scaling: "each feature min-max fitted to [0, 1], then each vector
    normalized". For a row ``x``::

        z = (x - data_min_) / data_range_        # per feature
        out = z / ||z||                          # per row, with the chosen norm

    A constant training feature (up to rounding: a range within 10 machine epsilons of its
    values' size) has ``data_range_ = 1``, so its training value maps to 0 instead of
    dividing by zero (another test value maps to its distance from it); an all-zero row
    stays all zero, as does one that is zero up to rounding (a norm within 10 machine
    epsilons). Test values outside the training range are not clipped unless
    ``clip=True``, so the output may leave [0, 1]; it is finite for finite scaled values.

    Parameters
    ----------
    norm : {"l2", "l1", "max"}, default="l2"
        Norm used to normalize each row after min-max scaling.
    clip : bool, default=False
        Clip the min-max scaled values to [0, 1] before normalizing.

    Attributes
    ----------
    data_min_ : ndarray of shape (n_features,)
        Per-feature minimum of the training data.
    data_max_ : ndarray of shape (n_features,)
        Per-feature maximum of the training data.
    data_range_ : ndarray of shape (n_features,)
        ``data_max_ - data_min_``, with 1 where the feature is constant.
    n_features_in_ : int
        Number of features seen in :meth:`fit`.
    feature_names_in_ : ndarray of str
        Feature names seen in :meth:`fit`, when ``X`` has string column names.

    Examples
    --------
    >>> import numpy as np
    >>> from skgenre import MinMaxThenNormalize
    >>> X = np.array([[0.0, 10.0], [2.0, 20.0], [4.0, 20.0]])
    >>> MinMaxThenNormalize().fit_transform(X).round(3)
    array([[0.   , 0.   ],
           [0.447, 0.894],
           [0.707, 0.707]])
    """

    _parameter_constraints = {
        "norm": [StrOptions({"l1", "l2", "max"})],
        "clip": ["boolean"],
    }

    def __init__(self, norm="l2", clip=False):
        self.norm = norm
        self.clip = clip

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn each feature's minimum and maximum.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : None
            Ignored.

        Returns
        -------
        self : MinMaxThenNormalize
        """
        X = validate_data(self, X, dtype=[np.float64, np.float32])
        self.data_min_ = X.min(axis=0)
        self.data_max_ = X.max(axis=0)
        rng = self.data_max_ - self.data_min_
        # constant up to rounding (0.1 + 0.2 beside 0.3): dividing by a range of a few
        # ulps would blow the rounding up to the whole row (scikit-learn's rule, made
        # relative to the values' size)
        size = np.maximum(1.0, np.maximum(np.abs(self.data_min_), np.abs(self.data_max_)))
        rng[rng <= 10 * np.finfo(rng.dtype).eps * size] = 1
        self.data_range_ = rng
        return self

    def transform(self, X):
        """Min-max scale each feature, then normalize each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        X_scaled : ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32], copy=True)
        return minmax_then_normalize(X, self.data_min_, self.data_range_, clip=self.clip,
                                     norm=self.norm)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
