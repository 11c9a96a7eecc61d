"""Per-band standardization of spectrograms, learned in ``fit``."""

from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted, validate_data

from ..utils._mixins import _TableOutputMixin
from ._scale_ops import standardize_bands

__all__ = ["SpectrogramStandardizer"]


class SpectrogramStandardizer(
    _TableOutputMixin, OneToOneFeatureMixin, TransformerMixin, BaseEstimator
):
    """Standardize each mel band (row) of spectrograms with statistics fitted on training data.

    For images ``X`` of shape ``(n_samples, n_mels, n_frames)``, :meth:`fit` learns one mean
    and one standard deviation per band over all training samples and frames, and
    :meth:`transform` maps band ``b`` to ``(X[:, b, :] - mean_[b]) / scale_[b]``. A 2-D input
    ``(n_samples, n_features)`` is standardized per column, as
    :class:`~sklearn.preprocessing.StandardScaler` does; with ``set_output`` its output
    becomes a DataFrame, while 3-D output stays an array.

    This is the input scaling of the tuned CNN. The statistics are fixed once ``fit`` has
    seen the training data, so training and prediction see exactly the same transform. A
    ``BatchNormalization`` layer on the raw dB input instead predicts with moving averages
    that after a few hundred optimizer steps are still far from the data's statistics
    (early stopping may even restore an epoch with fewer steps), which shifted every input
    at prediction time and left the tuned CNN of skgenre 0.1.0 at chance on real music.

    Parameters
    ----------
    min_scale : float, default=1e-3
        Floor of ``scale_``: a band that is constant in the training data (digital silence
        above the audio's bandwidth) is shifted, not blown up.

    Attributes
    ----------
    mean_ : ndarray of shape (n_mels,)
        Per-band mean of the training data.
    scale_ : ndarray of shape (n_mels,)
        Per-band standard deviation of the training data, at least ``min_scale``.
    n_features_in_ : int
        Number of bands (``X.shape[1]``) seen in :meth:`fit`.

    See Also
    --------
    skgenre.MelSpectrogram : Produces the ``(n, n_mels, n_frames)`` images.
    sklearn.preprocessing.StandardScaler : The same for feature vectors.

    Examples
    --------
    >>> import numpy as np
    >>> from skgenre.preprocessing import SpectrogramStandardizer
    >>> rng = np.random.default_rng(0)
    >>> S = rng.normal(-40.0, 10.0, size=(8, 4, 50)).astype(np.float32)
    >>> Z = SpectrogramStandardizer().fit_transform(S)
    >>> Z.shape, Z.dtype
    ((8, 4, 50), dtype('float32'))
    >>> bool(np.allclose(Z.mean(axis=(0, 2)), 0, atol=1e-5))
    True
    >>> bool(np.allclose(Z.std(axis=(0, 2)), 1, atol=1e-4))
    True
    """

    _parameter_constraints = {
        "min_scale": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(self, min_scale=1e-3):
        self.min_scale = min_scale

    def _check(self, X, reset):
        X = validate_data(
            self, X, reset=reset, allow_nd=True, dtype=[np.float32, np.float64]
        )
        if X.ndim not in (2, 3):
            raise ValueError(
                "SpectrogramStandardizer takes spectrograms of shape (n_samples, n_mels, "
                f"n_frames) or vectors (n_samples, n_features); got shape {X.shape}."
            )
        if X.ndim == 3 and X.shape[2] == 0:
            # the statistics of no frames are NaN, and so would be every band it transforms
            raise ValueError(
                f"SpectrogramStandardizer got spectrograms of shape {X.shape}: no frames "
                "(the last axis is empty)."
            )
        return X

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the mean and standard deviation of every band.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_mels, n_frames) or (n_samples, n_features)
            Training spectrograms.
        y : None
            Ignored.

        Returns
        -------
        self : SpectrogramStandardizer
            The fitted transformer.
        """
        X = self._check(X, reset=True)
        axes = (0, 2) if X.ndim == 3 else (0,)
        # float64 sums: 1000 images of 128 x 216 float32 values lose digits otherwise.
        self.mean_ = X.mean(axis=axes, dtype=np.float64)
        self.scale_ = np.maximum(X.std(axis=axes, dtype=np.float64), self.min_scale)
        return self

    def transform(self, X):
        """Standardize every band with the fitted statistics.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_mels, n_frames) or (n_samples, n_features)
            Spectrograms with the band count seen in :meth:`fit`.

        Returns
        -------
        X_std : ndarray of the same shape and floating dtype as ``X``
            Standardized data.
        """
        check_is_fitted(self)
        X = self._check(X, reset=False)
        return standardize_bands(X, self.mean_, self.scale_)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
