"""The arithmetic of the scaling steps, free of scikit-learn.

:class:`MinMaxThenNormalize` and :class:`SpectrogramStandardizer` transform with these
functions after validating their input, and so does the inference plan of a saved model
(:mod:`skgenre.inference._plan`), which also applies a fitted
:class:`sklearn.preprocessing.StandardScaler` by :func:`standard_scale`.
"""

import numpy as np

__all__ = ["minmax_then_normalize", "standard_scale", "standardize_bands"]


def minmax_then_normalize(X, data_min, data_range, *, clip, norm):
    """Min-max scale each column of ``X`` in place, then normalize each row; return ``X``.

    Examples
    --------
    >>> import numpy as np
    >>> from skgenre.preprocessing._scale_ops import minmax_then_normalize
    >>> X = np.array([[1.0, 4.0], [3.0, 4.0]])
    >>> minmax_then_normalize(X, np.array([1.0, 2.0]), np.array([2.0, 2.0]), clip=False,
    ...                       norm="l2").round(3).tolist()
    [[0.0, 1.0], [0.707, 0.707]]
    """
    X -= data_min.astype(X.dtype, copy=False)
    X /= data_range.astype(X.dtype, copy=False)
    if clip:
        np.clip(X, 0, 1, out=X)
    with np.errstate(over="ignore"):  # handled below
        norms = _norms(X, norm)
    big = np.isinf(norms) & np.isfinite(X).all(axis=1)
    if big.any():
        # far outside the training range a float32 sum of squares overflows: those rows
        # are divided by their largest value first (the others keep their exact bits)
        peak = np.abs(X[big]).max(axis=1)
        X[big] /= peak[:, None]
        norms[big] = _norms(X[big], norm)
    # a row at every feature's minimum up to rounding stays (near) zero, as an exact one
    # does, instead of blowing its rounding up to unit length
    norms[norms <= 10 * np.finfo(X.dtype).eps] = 1
    X /= norms[:, None]
    return X


def _norms(X, norm):
    if norm == "l2":
        return np.sqrt(np.einsum("ij,ij->i", X, X))
    if norm == "l1":
        return np.abs(X).sum(axis=1)
    return np.abs(X).max(axis=1) if X.shape[1] else np.zeros(len(X), X.dtype)


def standardize_bands(X, mean, scale):
    """``(X - mean) / scale`` per band: axis 1 of 2-D features or 3-D spectrograms.

    Examples
    --------
    >>> import numpy as np
    >>> from skgenre.preprocessing._scale_ops import standardize_bands
    >>> standardize_bands(np.ones((1, 2, 3), np.float32), np.array([1.0, 0.0]),
    ...                   np.array([1.0, 2.0]))[0].tolist()
    [[0.0, 0.0, 0.0], [0.5, 0.5, 0.5]]
    """
    shape = (1, -1, 1) if X.ndim == 3 else (1, -1)
    mean = mean.astype(X.dtype).reshape(shape)
    scale = scale.astype(X.dtype).reshape(shape)
    return (X - mean) / scale


def standard_scale(X, mean, scale):
    """A fitted ``StandardScaler``'s transform of a dense float array, in place.

    As scikit-learn (1.7 and later) computes it: the statistics cast to ``X``'s dtype,
    then ``X -= mean`` and ``X /= scale`` (either may be None: pass None for
    ``with_mean=False``, whose scaler still holds a ``mean_``, or ``with_std=False``).
    scikit-learn 1.6 subtracts the float64 statistics before the cast back, which can
    differ in the last bit of a float32.

    Examples
    --------
    >>> import numpy as np
    >>> from skgenre.preprocessing._scale_ops import standard_scale
    >>> standard_scale(np.array([[2.0, 4.0]]), np.array([1.0, 1.0]), None).tolist()
    [[1.0, 3.0]]
    """
    if mean is not None:
        X -= mean.astype(X.dtype, copy=False)
    if scale is not None:
        X /= scale.astype(X.dtype, copy=False)
    return X
