"""Methods that several of skgenre's estimators share, given by mixins with one hook each,
and the parameter constraints they share."""

import functools
from numbers import Integral

import numpy as np
from sklearn.base import _fit_context
from sklearn.utils._param_validation import Interval
from sklearn.utils._set_output import ADAPTERS_MANAGER, _get_output_config
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted

#: ``n_jobs`` as joblib takes it: 0 means nothing to joblib, so it is refused by
#: validation, with the parameter's name, instead of by joblib at the first transform.
N_JOBS_CONSTRAINT = [Interval(Integral, 1, None, closed="left"),
                     Interval(Integral, None, -1, closed="right"), None]

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


def _waveform_names(estimator, input_features):
    """The one output column, ``"waveform"``, of a step whose rows are whole waveforms."""
    _check_feature_names_in(estimator, input_features, generate_names=False)
    return np.asarray(["waveform"], dtype=object)


class _TableOutputMixin:
    """``set_output`` for the steps whose output is audio or spectrograms, or sometimes a table.

    scikit-learn's wrapping makes a DataFrame of whatever ``transform`` returns: it fails
    on a batch of spectrograms (3-D), and makes a column of every audio sample of a clip.
    With this mixin, ``transform`` and ``fit_transform`` wrap only tables, 2-D arrays from
    a class whose ``_table_output`` is true, as ``set_output`` or the global
    ``transform_output`` asks; audio, spectrograms and the lazy
    :class:`~skgenre.io.AudioFiles` stay as they are. ``set_output`` exists even where the
    output never is a table, so that ``Pipeline.set_output`` configures a whole skgenre
    pipeline. List the mixin before ``TransformerMixin`` among the bases.
    """

    #: Whether 2-D output is a table (feature vectors); false where it is audio (clips).
    _table_output = True

    def __init_subclass__(cls, **kwargs):
        # scikit-learn's own wrappers (this class's and TransformerMixin.fit_transform's)
        # stay no-ops; ours wrap tables only.
        super().__init_subclass__(auto_wrap_output_keys=None, **kwargs)
        for name in ("transform", "fit_transform"):
            if name in cls.__dict__:
                setattr(cls, name, _wrap_tables(cls.__dict__[name]))

    def set_output(self, *, transform=None):
        """Set the output container of ``transform`` and ``fit_transform`` for tables.

        Parameters
        ----------
        transform : {"default", "pandas", "polars"} or None, default=None
            Container of table output; audio and spectrograms are never wrapped (see the
            class). None leaves the setting unchanged.

        Returns
        -------
        self : estimator instance
        """
        if transform is None:
            return self
        supported = sorted(ADAPTERS_MANAGER.supported_outputs)
        if transform not in supported:
            # checked here: steps that never make tables would not look at it again
            raise ValueError(
                f"set_output(transform={transform!r}) of {type(self).__name__}: transform "
                f"must be one of {supported} or None."
            )
        # scikit-learn's own attribute: its config lookup reads it and clone() keeps it
        if not hasattr(self, "_sklearn_output_config"):
            self._sklearn_output_config = {}
        self._sklearn_output_config["transform"] = transform
        return self


def _wrap_tables(method):
    @functools.wraps(method)
    def wrapped(self, X, *args, **kwargs):
        out = method(self, X, *args, **kwargs)
        if not (self._table_output and isinstance(out, np.ndarray) and out.ndim == 2):
            return out
        container = _get_output_config("transform", self)["dense"]
        if container == "default" or not hasattr(self, "get_feature_names_out"):
            return out
        adapter = ADAPTERS_MANAGER.adapters[container]
        return adapter.create_container(out, X, columns=self.get_feature_names_out)

    return wrapped
