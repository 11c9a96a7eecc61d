"""Save and load fitted skgenre models, stamped with the versions that wrote them.

A saved model is a joblib file holding a small envelope: a magic marker, the format
number, the versions of skgenre, scikit-learn, Keras, TensorFlow and NumPy at save time,
and the estimator itself. :func:`load_model` checks the marker (so that a file that is not
a skgenre model fails with a clear :class:`~skgenre.ModelFileError` instead of an obscure
unpickling error) and warns with :class:`~skgenre.VersionMismatchWarning` when the versions
differ from the running ones.

.. warning::
   Loading a model unpickles it, and unpickling runs code chosen by whoever wrote the
   file. Only load model files you trust.
"""

import importlib.metadata
import os
import sys
import warnings
from pathlib import Path

import joblib

from ._errors import ModelFileError, VersionMismatchWarning
from ._version import __version__

__all__ = ["load_model", "save_model"]

_MAGIC = "skgenre-model"
_FORMAT = 1

# envelope key -> distributions that provide it (the first one installed wins)
_DISTRIBUTIONS = {
    "skgenre": (),
    "scikit-learn": ("scikit-learn",),
    "keras": ("keras",),
    "tensorflow": ("tensorflow", "tensorflow-cpu", "tensorflow-macos", "tf-nightly"),
    "numpy": ("numpy",),
}


def _installed_versions():
    """Versions of the packages a saved model depends on, without importing them."""
    versions = {}
    for key, dists in _DISTRIBUTIONS.items():
        if key == "skgenre":
            versions[key] = __version__
            continue
        found = None
        for dist in dists:
            try:
                found = importlib.metadata.version(dist)
                break
            except importlib.metadata.PackageNotFoundError:
                continue
        if found is None and key in sys.modules:
            # Installed without metadata (e.g. a source tree on sys.path).
            found = getattr(sys.modules[key], "__version__", None)
        versions[key] = found
    return versions


def _is_estimator(obj):
    return hasattr(obj, "fit") and hasattr(obj, "get_params") and (
        hasattr(obj, "predict") or hasattr(obj, "transform")
    )


def save_model(estimator, path, *, compress=3):
    """Save a fitted estimator (typically a skgenre pipeline) to a file.

    The file is a joblib pickle of an envelope that records the versions of skgenre,
    scikit-learn, Keras, TensorFlow and NumPy, so that :func:`load_model` can warn when a
    model is loaded under different versions.

    Parameters
    ----------
    estimator : estimator object
        The (fitted) scikit-learn compatible estimator or pipeline to save.
    path : str or path-like
        Destination file; its parent folder must exist. Conventionally ``*.joblib``.
    compress : int from 0 to 9, default=3
        joblib compression level (0 writes uncompressed).

    Returns
    -------
    path : pathlib.Path
        The file written.

    Raises
    ------
    TypeError
        If ``estimator`` is not an estimator (it has no ``fit``/``get_params``).

    See Also
    --------
    load_model : Load a file written by this function.

    Examples
    --------
    >>> import tempfile, os
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skgenre._persist import save_model, load_model
    >>> clf = LogisticRegression().fit([[0.0], [1.0]], [0, 1])
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = save_model(clf, os.path.join(d, "model.joblib"))
    ...     load_model(p).predict([[0.9]])
    array([1])
    """
    if not _is_estimator(estimator):
        raise TypeError(
            "save_model expects a scikit-learn compatible estimator (with fit and "
            f"get_params); got an object of type {type(estimator).__name__}."
        )
    path = Path(path)
    envelope = {
        "magic": _MAGIC,
        "format": _FORMAT,
        "versions": _installed_versions(),
        "estimator": estimator,
    }
    joblib.dump(envelope, path, compress=compress)
    return path


def load_model(path):
    """Load a model saved with :func:`save_model`.

    .. warning::
       Loading unpickles the file, and unpickling can run arbitrary code. Only load
       model files you trust.

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`save_model`.

    Returns
    -------
    estimator : estimator object
        The saved estimator.

    Raises
    ------
    ModelFileError
        If the file does not exist, is empty, cannot be unpickled, or does not hold a
        model saved by skgenre (for instance a text file, or a joblib dump of something
        that is not an estimator).

    Warns
    -----
    VersionMismatchWarning
        If the model was saved under other versions of skgenre, scikit-learn, Keras,
        TensorFlow or NumPy (the warning names each package and both versions), or
        holds a bare estimator saved without version stamps.

    See Also
    --------
    save_model : Write a model file.

    Examples
    --------
    >>> import tempfile, os
    >>> from skgenre import ModelFileError
    >>> from skgenre._persist import load_model
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = os.path.join(d, "notes.txt")
    ...     _ = open(p, "w").write("not a model")
    ...     try:
    ...         load_model(p)
    ...     except ModelFileError as exc:
    ...         print("refused")
    refused
    """
    path = Path(path)
    if not path.exists():
        raise ModelFileError(f"model file {str(path)!r} does not exist.")
    if path.is_dir():
        raise ModelFileError(f"model file {str(path)!r} is a directory, not a file.")
    if os.path.getsize(path) == 0:
        raise ModelFileError(f"model file {str(path)!r} is empty; it is not a skgenre model.")
    try:
        obj = joblib.load(path)
    except Exception as exc:  # unpickling garbage can fail in any way
        # The unpickler's own message ("pop from empty list", ...) says nothing to a user.
        raise ModelFileError(
            f"{str(path)!r} is not a skgenre model file: it cannot be read as one. "
            "Model files are written by skgenre.save_model or `skgenre train`."
        ) from exc

    if isinstance(obj, dict) and obj.get("magic") == _MAGIC:
        fmt = obj.get("format")
        if not isinstance(fmt, int) or fmt > _FORMAT:
            raise ModelFileError(
                f"model file {str(path)!r} uses format {fmt!r}, which this skgenre "
                f"({__version__}) cannot read; upgrade skgenre."
            )
        estimator = obj.get("estimator")
        if not _is_estimator(estimator):
            raise ModelFileError(
                f"model file {str(path)!r} has a skgenre envelope but holds no estimator."
            )
        _warn_on_mismatch(path, obj.get("versions") or {})
        return estimator

    if _is_estimator(obj):
        warnings.warn(
            f"{str(path)!r} holds a bare {type(obj).__name__} saved without skgenre's "
            "version stamps, so the versions it needs cannot be checked; save it again "
            "with skgenre.save_model.",
            VersionMismatchWarning,
            stacklevel=2,
        )
        return obj
    raise ModelFileError(
        f"{str(path)!r} is not a skgenre model: it holds a {type(obj).__name__}, not an "
        "estimator saved by skgenre.save_model or `skgenre train`."
    )


def _warn_on_mismatch(path, saved):
    current = _installed_versions()
    diffs = [
        f"{name} {saved.get(name) or 'absent'} (installed: {current.get(name) or 'absent'})"
        for name in _DISTRIBUTIONS
        if saved.get(name) != current.get(name)
    ]
    if diffs:
        warnings.warn(
            f"model file {str(path)!r} was saved under other versions: "
            + "; ".join(diffs)
            + ". It may fail to load or predict differently; re-train or re-save it under "
            "the installed versions.",
            VersionMismatchWarning,
            stacklevel=3,
        )
