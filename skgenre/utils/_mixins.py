"""Methods that several of skgenre's estimators share, given by mixins with one hook each."""

import numpy as np
from sklearn.base import _fit_context
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted


class _CheckingFitMixin:
    """``fit`` of the transformers that learn nothing from the data but its layout.

    ``fit`` validates the parameters against the class's ``_parameter_constraints``, then
    runs its ``_check_fit(X)``, which checks the input and sets the fitted attributes that
    ``transform`` relies on (``n_features_in_`` and the like).
    """

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Check the parameters and the input; nothing is learned from the data.

        Parameters
        ----------
        X : array-like
            Input of the kind ``transform`` takes; see the class.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted transformer.
        """
        self._check_fit(X)
        return self


class _FeatureNamesMixin:
    """``get_feature_names_out`` of the transformers whose names do not depend on the input's.

    The class's ``_feature_names()`` gives the names of the output columns of a fitted
    transformer.
    """

    def get_feature_names_out(self, input_features=None):
        """Names of the output features; the class docstring says what they are.

        Parameters
        ----------
        input_features : array-like of str or None
            Only checked against ``feature_names_in_`` and ``n_features_in_`` where the
            transformer has them; the output names do not depend on it.

        Returns
        -------
        names : ndarray of str
        """
        check_is_fitted(self)
        # generate_names=False: transformers of waveform containers have no
        # n_features_in_ to generate input names from, and need none.
        _check_feature_names_in(self, input_features, generate_names=False)
        return np.asarray(self._feature_names(), dtype=object)
