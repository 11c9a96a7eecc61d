"""Which engine computes a fitted model's networks: NumPy (no TensorFlow) or Keras.

A fitted :class:`~skgenre.GenreClassifier` holds its network in ``model_``: a
``keras.Model`` after ``fit``, a :class:`~skgenre.models._numpy_net.NumpyNetwork` after
:func:`skgenre.load_model` (by default). Both predict the same probabilities (to float32
rounding, see ``tests/test_numpy_net.py``) for networks trained in float32; a network
trained under ``precision="mixed_bfloat16"`` (which ``"auto"`` picks on CPUs with native
bfloat16) computes in bfloat16 under Keras and in float32 under NumPy, so the two differ
by bfloat16's rounding (in one check of the CNN presets on such a CPU: the same genres,
probabilities up to 0.008 apart). The
NumPy one needs neither TensorFlow nor Keras. Training always runs in Keras: ``fit`` with ``warm_start`` and ``partial_fit`` turn a
NumPy network back into its Keras model first. :func:`use_engine` switches every network of
an estimator (a pipeline, a :class:`~skgenre.TrackClassifier`, an ensemble) either way.
"""

from ._numpy_net import NumpyNetwork, UnsupportedLayerError

__all__ = ["ENGINES", "use_engine"]

#: Values of ``engine``: ``"auto"`` is NumPy for every network it computes, Keras otherwise.
ENGINES = ("auto", "numpy", "keras")

_SKIPPED_MODULES = ("numpy", "keras", "tensorflow", "scipy", "pandas")


def check_engine(engine):
    """Return ``engine`` if it is one of :data:`ENGINES`, else raise ``ValueError``."""
    if not isinstance(engine, str) or engine not in ENGINES:
        raise ValueError(f"engine must be one of {list(ENGINES)}, got {engine!r}.")
    return engine


def _is_keras_model(obj):
    import sys

    keras = sys.modules.get("keras")
    return keras is not None and isinstance(obj, keras.Model)


def convert_network(net, engine):
    """``net`` (a Keras model or a NumpyNetwork) for ``engine``; other objects unchanged.

    Raises
    ------
    UnsupportedLayerError
        For ``engine="numpy"`` and a network the NumPy engine does not compute.
    """
    if engine == "keras":
        return net.to_keras() if isinstance(net, NumpyNetwork) else net
    if _is_keras_model(net):
        try:
            return NumpyNetwork.from_keras_model(net)
        except UnsupportedLayerError:
            if engine == "numpy":
                raise
            return net
    return net


def use_engine(estimator, engine="numpy"):
    """Switch every network of a fitted estimator to the NumPy or the Keras engine, in place.

    Parameters
    ----------
    estimator : estimator object
        A fitted :class:`~skgenre.GenreClassifier`, or anything that holds some (a pipeline,
        a :class:`~skgenre.TrackClassifier`, a voting or stacking ensemble).
    engine : {"numpy", "keras", "auto"}, default="numpy"
        ``"numpy"``: each network predicts with a NumPy forward pass of its weights
        (no TensorFlow needed once switched). ``"keras"``: each network is a ``keras.Model``
        again (this imports TensorFlow), e.g. to inspect it or to predict with Keras.
        ``"auto"``: NumPy where the NumPy engine computes the network, Keras otherwise.

    Returns
    -------
    estimator : estimator object
        The same object.

    Raises
    ------
    skgenre.models.UnsupportedLayerError
        For ``engine="numpy"`` and a network with a layer the NumPy engine does not
        compute (the message names it); networks switched before it stay switched.

    See Also
    --------
    skgenre.load_model : Loads with the NumPy engine unless ``engine="keras"``.

    Examples
    --------
    >>> from sklearn.datasets import make_blobs
    >>> from skgenre import GenreClassifier
    >>> from skgenre.models import use_engine
    >>> X, y = make_blobs(n_samples=30, centers=3, random_state=0)
    >>> clf = GenreClassifier(epochs=2, model__hidden_layer_sizes=(8,), random_state=0)
    >>> p_keras = clf.fit(X, y).predict_proba(X)
    >>> type(use_engine(clf, "numpy").model_).__name__
    'NumpyNetwork'
    >>> bool(abs(clf.predict_proba(X) - p_keras).max() < 1e-5)
    True
    """
    check_engine(engine)
    seen = set()
    stack = [estimator]
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, (str, bytes, int, float, bool, type(None), type)):
            continue
        seen.add(id(obj))
        if isinstance(obj, NumpyNetwork) or _is_keras_model(obj):
            continue
        if type(obj).__module__.split(".")[0] in _SKIPPED_MODULES:
            continue
        if isinstance(obj, dict):
            for key, value in list(obj.items()):
                new = convert_network(value, engine)
                if new is not value:
                    obj[key] = new
                stack.append(new)
        elif isinstance(obj, list):
            for i, value in enumerate(list(obj)):
                new = convert_network(value, engine)
                if new is not value:
                    obj[i] = new
                stack.append(new)
        elif isinstance(obj, (tuple, set, frozenset)):
            stack.extend(obj)
        else:
            state = getattr(obj, "__dict__", None)
            if not isinstance(state, dict):
                continue
            for key, value in list(state.items()):
                new = convert_network(value, engine)
                if new is not value:
                    setattr(obj, key, new)
                stack.append(new)
    return estimator
