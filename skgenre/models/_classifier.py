"""GenreClassifier: a scikit-learn classifier around a Keras network, built with scikeras.

scikeras gives the parameter routing (``model__*``, ``optimizer__*``, ``fit__*`` ...), the
compilation of the network and the pickling of Keras models. skgenre uses its helpers and
runs the fit itself, because scikeras 0.13 (its last release) predates scikit-learn's tag
API (1.6) and is wrong there in silent ways:

* ``KerasClassifier`` inherits ``(BaseWrapper, ClassifierMixin)``: ``BaseEstimator`` comes
  before ``ClassifierMixin`` in its MRO, so ``ClassifierMixin.__sklearn_tags__`` never runs
  and ``is_classifier`` is False (``GridSearchCV(cv=5)`` and ``cross_val_score`` then split
  with plain ``KFold``).
* its fit validates ``X`` with its own rules (sparse input accepted, its own wording for an
  ``n_features_in_`` mismatch, a column-vector ``y`` taken as multi-output without a warning),
  turns a ``RandomState`` into seed 0, and multiplies the caller's ``sample_weight`` in place
  with ``class_weight``. ``fit`` here validates once with scikit-learn's ``validate_data`` and
  then builds, compiles and trains the network with scikeras' helpers.
* its ``predict_proba`` of one sample returns a 1-D array.
* ``BaseWrapper`` keeps the legacy ``_more_tags`` without ``__sklearn_tags__``, which
  scikit-learn's ``check_estimator_tags_renamed`` rejects for any class in the MRO.

:class:`GenreClassifier` derives from ``(ClassifierMixin, BaseEstimator)``, not from
``BaseWrapper``: scikeras' modules import Keras, and so TensorFlow, when they are imported,
and a fitted classifier loaded from a file must predict without them (its network then runs
on the NumPy engine of :mod:`skgenre.models._numpy_net`). The few ``BaseWrapper`` methods
the fit needs are called from scikeras when the fit runs (``_get_compile_kwargs``,
``_initialize_callbacks``, ``_ensure_compiled_model``, ``_check_model_compatibility``); the
small ones are copied (``set_params`` with routed parameters, ``current_epoch``,
``_get_metadata``), and the target encoder is skgenre's
(:class:`~skgenre.models._target.LabelIndexEncoder`, scikeras' encoding without Keras).
Nothing of scikeras is patched.
"""

import contextlib
import copy
import inspect
import numbers
import random
import threading
from collections import defaultdict

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.model_selection import train_test_split
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils._tags import ClassifierTags
from sklearn.utils.class_weight import compute_class_weight, compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from ..utils import check_seed

__all__ = ["GenreClassifier"]

# Prefixes under which extra keyword arguments are routed by scikeras (plus "callbacks" and
# "score", which scikeras routes without listing them).
_ROUTING_PREFIXES = (
    "callbacks",
    "compile",
    "fit",
    "loss",
    "metrics",
    "model",
    "optimizer",
    "predict",
    "score",
)
# Model.fit arguments that GenreClassifier sets itself, and the parameter to use instead.
_FIT_OWN = {
    "batch_size": "batch_size=",
    "callbacks": "callbacks= (or callbacks__*)",
    "epochs": "epochs=",
    "initial_epoch": "warm_start=True or partial_fit",
    "sample_weight": "fit(..., sample_weight=)",
    "shuffle": "shuffle=",
    "validation_data": "early_stopping=True",
    "validation_split": "early_stopping=True with validation_fraction=",
    "verbose": "verbose=",
    "x": "fit(X, y)",
    "y": "fit(X, y)",
}


def _builders():
    from ._networks import build_cnn, build_feature_dense, build_spec_dense

    return {"cnn": build_cnn, "feature_dense": build_feature_dense, "spec_dense": build_spec_dense}


MODEL_NAMES = ("cnn", "feature_dense", "spec_dense")


def _builder_params(name):
    """The ``model__`` names that the built-in network ``name`` accepts."""
    from ._networks import build_dense

    builder = _builders()[name]
    accepted = set()
    for fn in (builder, build_dense) if name != "cnn" else (builder,):
        accepted |= {
            p.name for p in inspect.signature(fn).parameters.values()
            if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
        }
    return accepted - {"meta"}  # scikeras' metadata, filled in by the classifier


def _cpu_has_native_bfloat16():
    """Whether this CPU computes bfloat16 natively (AVX512-BF16 or AMX-BF16).

    Without it, bfloat16 is emulated and slower than float32, so "auto" precision stays at
    float32.
    """
    try:
        with open("/proc/cpuinfo") as fh:
            flags = next((line for line in fh if line.startswith("flags")), "")
    except OSError:
        return False
    return bool({"avx512_bf16", "amx_bf16"} & set(flags.split()))


def resolve_precision(precision):
    """The Keras dtype policy name for a ``precision`` parameter value.

    Parameters
    ----------
    precision : {"float32", "mixed_bfloat16", "auto"}
        ``"auto"`` is ``"mixed_bfloat16"`` where the CPU has native bfloat16 arithmetic
        (AVX512-BF16 or AMX) and ``"float32"`` elsewhere.

    Returns
    -------
    policy : str

    Examples
    --------
    >>> from skgenre.models._classifier import resolve_precision
    >>> resolve_precision("float32")
    'float32'
    >>> resolve_precision("auto") in ("float32", "mixed_bfloat16")
    True
    """
    if precision == "auto":
        return "mixed_bfloat16" if _cpu_has_native_bfloat16() else "float32"
    return precision


@contextlib.contextmanager
def _dtype_policy(policy):
    """Build the network under a Keras dtype policy; restore the global policy after.

    Layers keep the policy they were built with, so the fitted model predicts (and
    pickles) with it after the global policy is restored.
    """
    import keras

    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(policy)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


# Seeded fits set process-wide state (the RNGs below): two at once in threads would
# interleave their draws and restore each other's seeded state, and an unseeded fit beside
# a seeded one would draw from the seeded fit's state, so fits in threads take turns.
# (Processes, joblib's default for GridSearchCV, each have their own state.)
_SEED_LOCK = threading.RLock()
# Keras' own global seed state (keras.utils.set_random_seed sets both).
_KERAS_SEED_ATTRIBUTES = ("global_random_seed", "global_seed_generator")


@contextlib.contextmanager
def _seeded(seed):
    """Seed Python, NumPy, TensorFlow and Keras for one fit; restore them all after.

    TensorFlow's op determinism is switched on for the fit: without it two fits with the same
    seed differ in the last bits on CPU (oneDNN picks reduction orders at run time), which
    breaks "same seed, same predictions". The caller's RNGs come back as they were (a
    TensorFlow global seed the caller had set starts its sequence again), so that a seeded
    fit does not make the caller's own ``tf.random`` draws or ``tf.data`` shuffles
    repeat across runs.
    """
    if seed is None:
        # An unseeded fit draws from the same process-wide generators: it must not run
        # while a seeded fit holds them (its draws shifted the seeded fit's).
        with _SEED_LOCK:
            yield
        return
    import keras

    # The switch-off and the queries are not public TF API; scikeras uses the same ones.
    from tensorflow.python.eager import context as tf_context
    from tensorflow.python.framework import config as tf_config

    try:
        from keras.src.backend.common import global_state
    except ImportError:  # pragma: no cover - a Keras that moved it: not restored
        global_state = None
    with _SEED_LOCK:
        py_state = random.getstate()
        np_state = np.random.get_state()
        tf_seed = tf_context.global_seed()
        keras_seed = ({a: global_state.get_global_attribute(a) for a in _KERAS_SEED_ATTRIBUTES}
                      if global_state is not None else {})
        was_deterministic = tf_config.is_op_determinism_enabled()
        keras.utils.set_random_seed(seed)
        if not was_deterministic:
            tf_config.enable_op_determinism()
        try:
            yield
        finally:
            random.setstate(py_state)
            np.random.set_state(np_state)
            tf_context.set_global_seed(tf_seed)
            for attribute, value in keras_seed.items():
                global_state.set_global_attribute(attribute, value)
            if not was_deterministic:
                tf_config.disable_op_determinism()


class GenreClassifier(ClassifierMixin, BaseEstimator):
    """Keras neural-network classifier with a scikit-learn interface.

    A Keras wrapper (trained with scikeras' helpers) that behaves as scikit-learn expects
    of a classifier: ``is_classifier`` is True (so cross-validation stratifies), input is
    validated with scikit-learn's ``validate_data`` (``n_features_in_``, feature names, a
    clear error on sparse input), ``sample_weight`` and ``class_weight`` are honoured
    without touching the caller's arrays, and ``random_state`` makes training reproducible.
    Training runs in Keras; a classifier loaded with :func:`~skgenre.load_model` predicts
    with a NumPy forward pass of its network, without importing TensorFlow.

    ``X`` may be 2-D ``(n_samples, n_features)`` (feature vectors) or 3-D
    ``(n_samples, n_mels, n_frames)`` (spectrograms; the CNN adds the channel axis itself).

    Parameters
    ----------
    model : {"feature_dense", "spec_dense", "cnn"} or callable, default="feature_dense"
        The network. A name picks one of skgenre's builders
        (:func:`~skgenre.models.build_feature_dense`, :func:`~skgenre.models.build_spec_dense`,
        :func:`~skgenre.models.build_cnn`); a callable is a scikeras model builder that
        returns a ``keras.Model`` (compiled or not) and may take ``meta``; a ``keras.Model``
        instance is copied, weights and compilation included, at every fit (it is never
        trained itself, and every fit starts from its weights; after
        :func:`~skgenre.load_model` it is a :class:`~skgenre.models.NumpyNetwork`, which
        fit turns back into that Keras model). Builder arguments
        are given as ``model__<name>=value`` keywords (e.g. ``model__kernel_size=5``), which
        ``set_params`` and grid search reach as well.
    optimizer : str, keras optimizer class or instance, default="adam"
        Optimizer; routed arguments as ``optimizer__<name>``.
    learning_rate : float or None, default=1e-3
        Learning rate of an optimizer given by name or class. ``None`` keeps the optimizer's
        own default. Ignored for an optimizer instance and when ``optimizer__learning_rate``
        is given.
    loss : str or keras loss, default="sparse_categorical_crossentropy"
        Training loss.
    metrics : list or None, default=None
        Keras metrics to record in ``history_``.
    epochs : int, default=100
        Maximal number of passes over the training data.
    batch_size : int, default=32
        Mini-batch size (also used for prediction); ``-1`` means the whole training set.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data (stratified) and stop when the
        validation loss has not improved for ``n_iter_no_change`` epochs, keeping the best
        weights.
    validation_fraction : float in (0, 1), default=0.1
        Fraction of the training data held out when ``early_stopping`` is True.
    n_iter_no_change : int, default=10
        Patience of early stopping, in epochs.
    class_weight : dict, "balanced" or None, default=None
        Class weights ``{label: weight}``, multiplied into ``sample_weight``
        (``"balanced"``: fit only; see ``partial_fit``).
    shuffle : bool, default=True
        Shuffle the training data every epoch.
    callbacks : list of keras callbacks or None, default=None
        Extra Keras callbacks for training.
    warm_start : bool, default=False
        Keep training the fitted network on the next call to ``fit``: ``epochs`` more
        epochs, counted on from the earlier ones (``history_``, ``n_epochs_`` and
        epoch-based schedules go on), on the classes of the first fit.
    random_state : int, RandomState instance or None, default=None
        Seed for weight initialization, shuffling, dropout and the early-stopping split.
        An int makes ``fit`` reproducible (same seed, same predictions on the same
        hardware and software; another CPU may round differently); ``None`` leaves
        training nondeterministic.
    verbose : int, default=0
        Keras verbosity.
    precision : {"float32", "mixed_bfloat16", "auto"}, default="float32"
        Numeric precision of the network. ``"mixed_bfloat16"`` computes layers in bfloat16
        with float32 weights and a float32 softmax (Keras mixed precision); on CPUs with
        native bfloat16 (AVX512-BF16, AMX) it trains convolutions about 2.4x faster than
        float32 (measured on the paper's CNN). ``"auto"`` picks ``"mixed_bfloat16"`` only on
        such CPUs, ``"float32"`` elsewhere.
    **kwargs : dict
        Routed parameters: ``model__*`` (the built-in networks' names are checked at
        ``fit``), ``optimizer__*``, ``fit__*``, ``compile__*``, ``loss__*``,
        ``metrics__*``, ``callbacks__*``, and ``predict__batch_size``. Other
        ``predict__*`` and ``score__*`` names are refused at ``fit``: nothing reads them.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    n_classes_ : int
        Number of classes.
    n_features_in_ : int
        ``X.shape[1]`` seen in ``fit`` (``n_mels`` for spectrograms).
    feature_names_in_ : ndarray of str
        Column names of a DataFrame ``X``, when it had string column names.
    X_shape_ : tuple
        Shape of the training ``X``; predictions need the same trailing shape.
    model_ : keras.Model or skgenre.models.NumpyNetwork
        The trained network: a ``keras.Model`` after ``fit``; after
        :func:`~skgenre.load_model` a :class:`~skgenre.models.NumpyNetwork` that predicts
        the same probabilities without TensorFlow (``load_model(..., engine="keras")`` or
        :func:`~skgenre.models.use_engine` give the Keras model). Training more
        (``partial_fit``, ``fit`` with ``warm_start``) turns it back into Keras.
    history_ : dict
        Per-epoch training (and validation) losses.

    See Also
    --------
    skgenre.models.get_preset : Parameters of the ``"paper"`` and ``"tuned"`` presets.
    skgenre.make_feature_pipeline : Pipeline from audio files to genre.

    Examples
    --------
    >>> from sklearn.datasets import make_blobs
    >>> from skgenre import GenreClassifier
    >>> X, y = make_blobs(n_samples=60, centers=3, cluster_std=0.5, random_state=0)
    >>> clf = GenreClassifier(epochs=50, learning_rate=0.01, model__hidden_layer_sizes=(16,),
    ...                       random_state=0)
    >>> clf.fit(X, y).score(X, y) > 0.9
    True
    >>> clf.predict_proba(X[:2]).shape
    (2, 3)
    """

    # (scikeras' legacy ``_more_tags``/``_tags``, which scikit-learn 1.6 merged into the tags
    # and read as multi-output, are not inherited any more: __sklearn_tags__ alone speaks.)

    _parameter_constraints: dict = {
        "model": [StrOptions(set(MODEL_NAMES)), callable],
        "optimizer": "no_validation",
        "learning_rate": [Interval(numbers.Real, 0, None, closed="neither"), None],
        "loss": "no_validation",
        "metrics": [list, None],
        "epochs": [Interval(numbers.Integral, 1, None, closed="left")],
        "batch_size": [
            Interval(numbers.Integral, 1, None, closed="left"),
            Options(numbers.Integral, {-1}),
        ],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(numbers.Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(numbers.Integral, 1, None, closed="left")],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "shuffle": ["boolean"],
        "callbacks": [list, None],
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "precision": [StrOptions({"float32", "mixed_bfloat16", "auto"})],
    }

    # scikeras' routing tables (BaseWrapper's class attributes), read by its helpers that
    # the fit calls (_get_compile_kwargs, route_params).
    _fit_kwargs = {
        "batch_size", "epochs", "verbose", "validation_split", "shuffle", "class_weight",
        "sample_weight", "initial_epoch", "validation_steps", "validation_batch_size",
        "validation_freq",
    }
    _predict_kwargs = {"batch_size", "verbose", "steps"}
    _compile_kwargs = {
        "optimizer", "loss", "metrics", "loss_weights", "weighted_metrics", "run_eagerly",
    }
    _wrapper_params = {"warm_start", "random_state"}

    def __init__(
        self,
        model="feature_dense",
        *,
        optimizer="adam",
        learning_rate=1e-3,
        loss="sparse_categorical_crossentropy",
        metrics=None,
        epochs=100,
        batch_size=32,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        class_weight=None,
        shuffle=True,
        callbacks=None,
        warm_start=False,
        random_state=None,
        verbose=0,
        precision="float32",
        **kwargs,
    ):
        # What scikeras' BaseWrapper.__init__ stores, less its parameters that skgenre does
        # not have (build_fn, run_eagerly, validation_split, validation_batch_size).
        self.model = model
        self.optimizer = optimizer
        self.loss = loss
        self.metrics = metrics
        self.epochs = epochs
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.callbacks = callbacks
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose
        # routed parameters (model__*, optimizer__*, ...) are attributes, named in _user_params
        vars(self).update(**kwargs)
        if kwargs:
            self._user_params = set(kwargs)
        self.class_weight = class_weight
        self.learning_rate = learning_rate
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.precision = precision

    # ------------------------------------------------------------------ parameters
    def _get_param_names(self):
        # scikeras' version lists every public attribute as a parameter, including the
        # attributes it sets for itself (build_fn, run_eagerly, ...). Parameters are the
        # signature's plus the routed keyword arguments the user gave.
        names = {
            name
            for name, p in inspect.signature(type(self).__init__).parameters.items()
            if name != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
        }
        names |= set(getattr(self, "_user_params", ()))
        return sorted(names)

    def __repr__(self, N_CHAR_MAX=700):
        # scikeras' version prints every parameter, one per line, whatever was changed.
        return BaseEstimator.__repr__(self, N_CHAR_MAX=N_CHAR_MAX)

    def _check_routed_params(self):
        bad = sorted(
            name
            for name in getattr(self, "_user_params", ())
            if name.split("__", 1)[0] not in _ROUTING_PREFIXES or "__" not in name
        )
        if bad:
            raise ValueError(
                f"Unknown parameter(s) {bad} for {type(self).__name__}. Extra keyword "
                "arguments must be routed with one of the prefixes "
                f"{[p + '__' for p in _ROUTING_PREFIXES]}, e.g. model__kernel_size=5."
            )
        loss = self.loss if isinstance(self.loss, str) else getattr(
            self.loss, "__name__", type(self.loss).__name__)
        if isinstance(self.model, str) and loss.replace("_", "").lower() in (
                "binarycrossentropy", "bce", "binaryfocalcrossentropy"):
            raise ValueError(
                f"loss={self.loss!r} needs a network with one sigmoid output, but the "
                f"built-in network {self.model!r} ends in a softmax over the classes: use "
                "'sparse_categorical_crossentropy' (the default) or "
                "'categorical_crossentropy', or a model builder of your own."
            )
        self._check_unused_params()
        clash = sorted(
            name for name in getattr(self, "_user_params", ())
            if name.startswith("fit__") and name[5:] in _FIT_OWN
        )
        if clash:
            raise ValueError(
                f"{clash} cannot be routed to Keras' Model.fit: {type(self).__name__} sets "
                "them itself; use "
                + ", ".join(_FIT_OWN[name[5:]] for name in clash) + " instead."
            )

    def _check_unused_params(self):
        """Refuse routed parameters that nothing would read.

        A misspelt ``model__`` name otherwise surfaced as the builder's TypeError, and
        ``predict__*`` (other than ``batch_size``) and ``score__*`` were ignored without a
        word: predictions call the network directly and ``score`` is accuracy.
        """
        names = getattr(self, "_user_params", ())
        if isinstance(self.model, str) and self.model in MODEL_NAMES:
            accepted = _builder_params(self.model)
            unknown = sorted(
                n for n in names if n.startswith("model__") and n[7:] not in accepted
            )
            if unknown:
                raise ValueError(
                    f"{unknown} are not parameters of the built-in network "
                    f"{self.model!r}; its model__ parameters are {sorted(accepted)}."
                )
        unused = sorted(
            n for n in names
            if n.startswith("score__")
            or (n.startswith("predict__") and n != "predict__batch_size")
        )
        if unused:
            raise ValueError(
                f"{unused} would be ignored: {type(self).__name__} predicts by calling the "
                "network directly (predict__batch_size is its one predict parameter) and "
                "score is accuracy, weighted through score(X, y, sample_weight=...)."
            )

    def set_params(self, **params):
        """Set parameters, routed ones (``model__*``, ``optimizer__*``, ...) included.

        Parameters
        ----------
        **params : dict
            Estimator parameters.

        Returns
        -------
        self : GenreClassifier
        """
        # As scikeras' BaseWrapper.set_params, a routed parameter is an attribute; unlike
        # it, the name joins _user_params, so that get_params, clone and so GridSearchCV
        # keep it (one that __init__ was not given was dropped silently before), and every
        # prefix that get_params can return (callbacks__, score__ included) is routed.
        for param, value in params.items():
            if any(param.startswith(prefix + "__") for prefix in _ROUTING_PREFIXES):
                setattr(self, param, value)
                self._user_params = set(getattr(self, "_user_params", ())) | {param}
            else:
                try:
                    super().set_params(**{param: value})
                except ValueError:
                    # (scikeras' message suggested passing it to the constructor, where
                    # fit refuses it too)
                    raise ValueError(
                        f"Invalid parameter {param!r} for estimator {type(self).__name__}; "
                        f"its parameters are {sorted(self._get_param_names())}, and routed "
                        "ones take a prefix: "
                        f"{', '.join(p + '__' for p in _ROUTING_PREFIXES)} (e.g. "
                        f"model__{param})."
                    ) from None
        return self

    # ------------------------------------------------------------------ scikeras' helpers
    # GenreClassifier does not derive from scikeras' BaseWrapper: scikeras' modules import
    # Keras (and so TensorFlow) when imported, and a fitted classifier must load and predict
    # without them (skgenre.models._numpy_net). The few BaseWrapper methods the fit uses
    # are called from here, importing scikeras only then; the small ones are copied.
    @property
    def current_epoch(self):
        """int: Number of epochs trained (scikeras' ``current_epoch``)."""
        if not hasattr(self, "history_"):
            return 0
        return len(self.history_["loss"])

    @property
    def initialized_(self):
        """bool: Whether the network exists (scikeras' ``initialized_``)."""
        return hasattr(self, "model_")

    def _get_metadata(self):
        return {
            k: v
            for k, v in self.__dict__.items()
            if (len(k) > 1 and k[-1] == "_" and k[-2] != "_" and k[0] != "_")
        }

    def _initialize_callbacks(self):
        from scikeras.wrappers import BaseWrapper

        BaseWrapper._initialize_callbacks(self)

    def _ensure_compiled_model(self):
        from scikeras.wrappers import BaseWrapper

        BaseWrapper._ensure_compiled_model(self)

    def _check_model_compatibility(self, y):
        from scikeras.wrappers import BaseWrapper

        BaseWrapper._check_model_compatibility(self, y)

    @property
    def feature_encoder(self):
        """The transformer of the features (scikeras' hook): the identity, on arrays.

        Returns
        -------
        encoder : sklearn.preprocessing.FunctionTransformer
            Unfitted; its output stays an array whatever ``transform_output`` scikit-learn
            is configured with, since the network reads arrays.
        """
        from sklearn.preprocessing import FunctionTransformer

        return FunctionTransformer().set_output(transform="default")

    @property
    def target_encoder(self):
        """The transformer of the targets (scikeras' hook): class labels to indices.

        Returns
        -------
        encoder : skgenre.models._target.LabelIndexEncoder
            Unfitted; its categories are ``classes_`` when set before fitting (as
            ``partial_fit(classes=...)`` does). It encodes as scikeras'
            ``ClassifierLabelEncoder`` does, without importing Keras.
        """
        from ._target import LabelIndexEncoder

        categories = "auto" if getattr(self, "classes_", None) is None else [self.classes_]
        return LabelIndexEncoder(loss=self.loss, categories=categories)

    # ------------------------------------------------------------------ tags
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = True
        tags.input_tags.three_d_array = True
        tags.input_tags.sparse = False
        tags.input_tags.allow_nan = False
        tags.target_tags.multi_output = False
        tags.classifier_tags = ClassifierTags(multi_class=True, multi_label=False)
        return tags

    def __sklearn_is_fitted__(self):
        return hasattr(self, "model_")

    # ------------------------------------------------------------------ the fit
    def _check_input(self, X, y=None, *, reset=False):
        """Validate ``X`` (and ``y``) with scikit-learn's rules: once per fit and predict."""
        if sp.issparse(X):
            raise TypeError(
                f"{type(self).__name__} does not accept sparse input (got "
                f"{type(X).__name__}): Keras trains on dense arrays. Convert with X.toarray() "
                "if it fits in memory."
            )
        kwargs = dict(reset=reset, accept_sparse=False, allow_nd=True, dtype=np.float32)
        if y is not None:
            X, y = validate_data(self, X, y, multi_output=False, **kwargs)
            check_classification_targets(y)
        else:
            X = validate_data(self, X, **kwargs)
        if X.ndim > 4:
            raise ValueError(
                f"X must be 2-D (n_samples, n_features) or 3-D (n_samples, n_mels, n_frames); "
                f"got an array of shape {X.shape}."
            )
        if reset:
            # scikeras' metadata, read by its encoders and by network builders (``meta``)
            self.X_shape_ = X.shape
            self.X_dtype_ = X.dtype
            if y is not None:
                self.y_dtype_ = y.dtype
                self.y_ndim_ = y.ndim
                self.target_type_ = type_of_target(y)
        elif X.shape[1:] != tuple(self.X_shape_[1:]):
            raise ValueError(
                f"X has samples of shape {X.shape[1:]}, but {type(self).__name__} was fitted "
                f"on samples of shape {tuple(self.X_shape_[1:])}."
            )
        return X, y

    def _sample_weight(self, X, y, sample_weight, *, min_classes=2, classes=None):
        """The weights to train with: a fresh array (never the caller's), class weights in.

        ``min_classes`` is what the data must hold: 2 for a whole fit, 1 for a batch of
        ``partial_fit`` once the classes are known. ``classes``: all the classes, for a
        batch of ``partial_fit`` (see :meth:`_batch_weights`).
        """
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float32, copy=True)
            if np.any(sample_weight < 0):
                raise ValueError("sample_weight must be non-negative.")
        if classes is not None:
            sample_weight = self._batch_weights(y, sample_weight, classes)
        elif self.class_weight is not None:
            cw = compute_sample_weight(self.class_weight, y).astype(np.float32)
            sample_weight = cw if sample_weight is None else sample_weight * cw
        trained_on = y if sample_weight is None else y[sample_weight > 0]
        if min_classes == 1 and not len(trained_on):
            raise ValueError(
                f"{type(self).__name__}.partial_fit got no sample with a non-zero "
                "sample_weight: there is nothing to train on."
            )
        if len(np.unique(trained_on)) < min_classes:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes in the data "
                f"(with non-zero sample_weight), but the data contains only one class: "
                f"{np.unique(trained_on)[:1]!r}."
            )
        return sample_weight

    def _batch_weights(self, y, sample_weight, classes):
        """The weights of a ``partial_fit`` batch, final (``_train`` does not rescale them).

        The caller's weights are scaled to mean 1 within the batch (over the samples
        trained on), as :meth:`fit` scales them over all the data; the class weights are
        scaled to mean 1 over all ``classes`` and multiplied in after. Scaling the product
        within the batch, as ``fit`` does, cancelled a class weight in a batch of one
        class (which ``partial_fit`` takes): the class weights then changed nothing.
        """
        if isinstance(self.class_weight, str):
            raise ValueError(
                "class_weight='balanced' weighs the classes by their frequencies in all "
                "the training data, which partial_fit sees one batch at a time (in a batch "
                "of one class it would weigh nothing). Pass the weights as a dict: "
                "dict(zip(classes, compute_class_weight('balanced', classes=classes, "
                "y=y_all))) with y_all the labels of all the batches (or of a large "
                "sample of them), or train with fit."
            )
        if sample_weight is not None:
            kept = sample_weight[sample_weight != 0]
            if kept.size:
                sample_weight = (sample_weight / kept.mean(dtype=np.float64)).astype(np.float32)
        if self.class_weight is None:
            return sample_weight
        classes = np.asarray(classes)
        per_class = compute_class_weight(self.class_weight, classes=classes, y=classes)
        per_class = per_class / per_class.mean()
        # classes_ is sorted and unique, and y holds only its labels (checked before)
        cw = per_class[np.searchsorted(classes, y)].astype(np.float32)
        return cw if sample_weight is None else sample_weight * cw

    def _network_builder(self):
        model = self.model
        if isinstance(model, str):
            return _builders()[model]
        import keras

        if isinstance(model, keras.Model):
            # A copy, weights and compilation included: training the instance itself
            # changed the caller's parameter, and a second fit went on from the weights
            # the first one left (same seed, other predictions).
            return lambda: copy.deepcopy(model)
        from ._numpy_net import NumpyNetwork

        if isinstance(model, NumpyNetwork):
            # A keras.Model parameter that load_model (or use_engine) switched to the NumPy
            # engine: it is callable, but as a network, not as a builder. Each fit trains a
            # fresh Keras model read from its bytes, weights and compilation included.
            return model.to_keras
        if callable(model):
            return model
        raise TypeError(
            f"model must be one of {sorted(MODEL_NAMES)} or a callable; got {model!r}."
        )

    def _build_network(self):
        """Build the Keras model with scikeras' argument routing, under the dtype policy."""
        from scikeras._utils import accepts_kwargs, has_param, route_params

        build_fn = self._network_builder()
        params = self.get_params()
        build_params = route_params(params, destination="model", pass_filter=set(), strict=True)
        if has_param(build_fn, "meta") or accepts_kwargs(build_fn):
            build_params["meta"] = self._get_metadata()
        if has_param(build_fn, "compile_kwargs") or accepts_kwargs(build_fn):
            build_params["compile_kwargs"] = self._get_compile_kwargs()
        if has_param(build_fn, "params") or accepts_kwargs(build_fn):
            build_params["params"] = params
        # Seeding is done once for the whole fit (see _seeded).
        with _dtype_policy(resolve_precision(self.precision)):
            return build_fn(**build_params)

    def _get_compile_kwargs(self):
        # scikeras has no learning_rate parameter (only a routed optimizer__learning_rate);
        # it is set on the optimizer that scikeras makes from a name or class.
        from scikeras.wrappers import BaseWrapper

        kwargs = BaseWrapper._get_compile_kwargs(self)
        if (
            self.learning_rate is not None
            and isinstance(self.optimizer, (str, type))
            and "optimizer__learning_rate" not in getattr(self, "_user_params", ())
        ):
            kwargs["optimizer"].learning_rate = float(self.learning_rate)
        optimizer = kwargs.get("optimizer")
        if optimizer is not None and optimizer is self.optimizer:
            # an optimizer instance is bound to the variables it first updated: each new
            # network (a second fit, a refit) gets a fresh copy of it
            kwargs["optimizer"] = type(optimizer).from_config(optimizer.get_config())
        metrics = kwargs.get("metrics")
        if isinstance(metrics, (list, tuple)):
            import keras

            # a metric instance keeps its running totals: shared by two fits, the first
            # epoch of the second one reported the mean with the last epoch of the first
            kwargs["metrics"] = [
                type(m).from_config(m.get_config()) if isinstance(m, keras.metrics.Metric)
                else m
                for m in metrics
            ]
        return kwargs

    def _start(self, X, y, classes=None):
        """Encoders, network and callbacks for a fresh fit (scikeras' ``_initialize``)."""
        self._random_state = self._seed  # scikeras' name; read by its callbacks
        self.classes_ = None if classes is None else np.asarray(classes)
        self.target_encoder_ = self.target_encoder.fit(y)
        vars(self).update(**getattr(self.target_encoder_, "get_metadata", dict)())
        self.feature_encoder_ = self.feature_encoder.fit(X)
        vars(self).update(**getattr(self.feature_encoder_, "get_metadata", dict)())
        self.model_ = self._build_network()
        self._initialize_callbacks()
        self._ensure_compiled_model()

    def _train(self, X, y, sample_weight, *, epochs, initial_epoch, rescale=True):
        """Encode and train ``epochs`` epochs from ``initial_epoch``; record ``history_``.

        ``rescale``: scale the weights to mean 1 (``fit``); a batch of ``partial_fit``
        comes with its weights scaled already (:meth:`_batch_weights`).
        """
        from ._numpy_net import NumpyNetwork

        if isinstance(self.model_, NumpyNetwork):
            # Loaded with the NumPy engine: training goes on in the Keras model (with its
            # optimizer state) that the network was read from.
            self.model_ = self.model_.to_keras()
        if sample_weight is not None:
            # samples with weight 0 are left out, as scikeras and scikit-learn do
            keep = sample_weight != 0
            X, y, sample_weight = X[keep], y[keep], sample_weight[keep]
            # Keras divides a batch's weighted loss by its number of rows, not by the sum of
            # its weights: weights of mean 1 make integer weights train as repeated rows
            # would (exactly so in one full batch) and make the scale of the weights
            # irrelevant, as in scikit-learn.
            if rescale:
                sample_weight = sample_weight / sample_weight.mean(dtype=np.float64)
            sample_weight = sample_weight.astype(np.float32)
        y = self.target_encoder_.transform(y)
        X = self.feature_encoder_.transform(X)
        self._check_model_compatibility(y)
        self._fit_network(X, y, sample_weight, epochs=epochs, initial_epoch=initial_epoch)
        self.n_epochs_ = len(self.history_.get("loss", ()))

    def _split_validation(self, X, y, sample_weight):
        labels = np.asarray(y)
        if labels.ndim > 1:
            labels = labels.argmax(axis=1)
        n = len(labels)
        n_val = int(np.ceil(self.validation_fraction * n))
        if n < 2 or n_val >= n:
            raise ValueError(
                f"early_stopping=True holds out validation_fraction={self.validation_fraction} "
                f"of the training data, which leaves nothing to train on with {n} sample(s); "
                "use more data or early_stopping=False."
            )
        counts = np.unique(labels, return_counts=True)[1]
        stratify = labels if counts.min() >= 2 and n_val >= len(counts) else None
        idx_train, idx_val = train_test_split(
            np.arange(n), test_size=n_val, stratify=stratify, random_state=self._random_state
        )
        sw_train = sw_val = None
        if sample_weight is not None:
            sw_train, sw_val = sample_weight[idx_train], sample_weight[idx_val]
        return (X[idx_train], y[idx_train], sw_train), (X[idx_val], y[idx_val], sw_val)

    def _dataset(self, X, y, sample_weight, batch_size, shuffle):
        import tensorflow as tf

        arrays = (X, y) if sample_weight is None else (X, y, sample_weight)
        ds = tf.data.Dataset.from_tensor_slices(arrays)
        if shuffle:
            ds = ds.shuffle(len(X), seed=self._random_state, reshuffle_each_iteration=True)
        return ds.batch(batch_size)

    def _fit_network(self, X, y, sample_weight, *, epochs, initial_epoch):
        # scikeras hands NumPy arrays to Model.fit, for which Keras 3 rebuilds a tf.data
        # pipeline every epoch (~0.1 s per epoch on a small CPU: more than the training
        # itself for the feature table). One dataset built here, reshuffled each epoch,
        # trains 4-5x faster.
        import keras
        from scikeras._utils import route_params
        from scikeras.utils import metric_name

        fit_args = route_params(self.get_params(), destination="fit", pass_filter=set())
        batch_size = len(X) if self.batch_size == -1 else min(int(self.batch_size), len(X))
        callbacks = list(self._fit_callbacks)
        validation = None
        if self.early_stopping:
            (X, y, sample_weight), val = self._split_validation(X, y, sample_weight)
            validation = self._dataset(*val, batch_size=max(batch_size, 256), shuffle=False)
            # The stopper holds the Keras model; it lives for this fit only (pickling).
            callbacks.append(
                keras.callbacks.EarlyStopping(
                    monitor="val_loss", patience=self.n_iter_no_change, restore_best_weights=True
                )
            )
        train = self._dataset(X, y, sample_weight, batch_size=batch_size, shuffle=self.shuffle)
        hist = self.model_.fit(
            train,
            epochs=initial_epoch + epochs,
            initial_epoch=initial_epoch,
            validation_data=validation,
            callbacks=callbacks,
            verbose=self.verbose,
            # The dataset shuffles itself; Keras must not (it warns for datasets).
            **{**fit_args, "shuffle": False},
        )
        if initial_epoch == 0 or not hasattr(self, "history_"):
            self.history_ = defaultdict(list)
        for key, val in hist.history.items():
            if not (key == "loss" or key.startswith("val_")):
                try:
                    key = metric_name(key)
                except ValueError:
                    pass
            self.history_[key] += val

    def _predict_network(self, X):
        # Model.predict (what scikeras calls) traces a tf.function and builds a tf.data
        # pipeline per call; a direct call in inference mode gives the same numbers without
        # that overhead, which dominates a small predict.
        # A NumpyNetwork (what load_model gives) computes the same function without
        # TensorFlow (skgenre.models._numpy_net).
        from ._numpy_net import NumpyNetwork

        check_is_fitted(self)
        X, _ = self._check_input(X)
        X = self.feature_encoder_.transform(X)
        batch = getattr(self, "predict__batch_size", None) or self._predict_batch_size()
        if isinstance(self.model_, NumpyNetwork):
            forward = self.model_.predict
        else:
            def forward(chunk):
                return self.model_(chunk, training=False)
        out = [np.asarray(forward(X[i : i + batch])) for i in range(0, len(X), batch)]
        return np.concatenate(out, axis=0)

    def _predict_batch_size(self):
        """Samples per prediction batch: up to 256, fewer where one sample's activations
        are large, so that the memory of ``predict`` stays bounded by the network's size."""
        from ._numpy_net import NumpyNetwork, predict_batch_size

        largest = 0
        if isinstance(self.model_, NumpyNetwork):
            largest = self.model_.largest_activation()
        for layer in [] if largest else self.model_.layers:
            try:
                outputs = layer.output
            except (AttributeError, ValueError):  # a layer never called symbolically
                continue
            for out in outputs if isinstance(outputs, (list, tuple)) else [outputs]:
                dims = [d for d in tuple(out.shape)[1:] if d is not None]
                largest = max(largest, int(np.prod(dims)) if dims else 0)
        return predict_batch_size(largest)

    # ------------------------------------------------------------------ public API
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Build the network and train it on ``(X, y)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, n_mels, n_frames)
            Training data.
        y : array-like of shape (n_samples,)
            Class labels (any type ``np.unique`` sorts).
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights; samples with weight 0 are left out. The weights (times
            ``class_weight``'s) are scaled to mean 1 over the samples trained on, so an
            integer weight counts as that many copies of the sample and only the weights'
            ratios matter.

        Returns
        -------
        self : GenreClassifier
            The fitted classifier.
        """
        self._check_routed_params()
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        warm = bool(self.warm_start) and self.__sklearn_is_fitted__()
        X, y = self._check_input(X, y, reset=not warm)
        sample_weight = self._sample_weight(X, y, sample_weight)
        self._seed = check_seed(self.random_state)
        if warm:
            # as partial_fit: a label the network has no output for is named, not an
            # encoder's error
            self._check_known_labels(y, self.classes_, "classes_, fixed by the first fit")
        with _seeded(self._seed):
            if not warm:
                self._start(X, y)
            # warm: the epochs, history and epoch-based schedules go on from where they
            # stopped, as MLPClassifier's n_iter_ does
            self._train(X, y, sample_weight, epochs=self.epochs,
                        initial_epoch=self.current_epoch if warm else 0)
        return self

    @staticmethod
    def _check_known_labels(y, allowed, where):
        unseen = sorted(set(np.unique(y).tolist()) - set(np.asarray(allowed).tolist()),
                        key=str)
        if unseen:
            raise ValueError(
                f"y holds label(s) {unseen} that are not in {where} "
                f"({np.asarray(allowed).tolist()}); pass every class of the data as "
                "classes= on the first partial_fit call, or fit without warm_start."
            )

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Train for one epoch, starting from the current weights.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, n_mels, n_frames)
            Training data.
        y : array-like of shape (n_samples,)
            Class labels.
        classes : array-like of shape (n_classes,), default=None
            All classes, in any order (``classes_`` sorts them); needed on the first call
            when ``y`` may lack some, ignored on later calls. Given (or once fitted), a
            batch may hold samples of one class only, and a label outside them is an
            error.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights, scaled to mean 1 within the batch as in :meth:`fit`.
            ``class_weight`` is multiplied in after that scaling (its weights scaled to
            mean 1 over ``classes_``), so that it weighs the classes across batches, a
            batch of one class included; ``class_weight="balanced"`` is refused here, as
            the class frequencies of all the batches are unknown (pass them as a dict).

        Returns
        -------
        self : GenreClassifier
            The updated classifier.
        """
        first = not self.__sklearn_is_fitted__()
        if first:
            self._validate_params()
            self._check_routed_params()
        X, y = self._check_input(X, y, reset=first)
        # As SGDClassifier and MLPClassifier: once the classes are known (given on the
        # first call, or fitted), a batch may hold any of them, one alone included.
        known = not first or classes is not None
        if first and classes is not None:
            # sorted and unique, as classes_ is documented (SGDClassifier's unique_labels)
            classes = np.unique(np.asarray(classes))
        allowed = classes if first else self.classes_
        if allowed is not None:
            self._check_known_labels(
                y, allowed,
                "classes" if first else "classes_, fixed by the first partial_fit call")
        sample_weight = self._sample_weight(
            X, y, sample_weight, min_classes=1 if known else 2,
            classes=np.unique(y) if allowed is None else allowed,
        )
        if first:
            self._seed = check_seed(self.random_state)
        with _seeded(self._seed if first else None):
            if first:
                self._start(X, y, classes)
            self._train(X, y, sample_weight, epochs=1, initial_epoch=self.current_epoch,
                        rescale=False)
        return self

    def initialize(self, X, y):
        """Build the network for ``(X, y)`` without training it (scikeras' ``initialize``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, n_mels, n_frames)
            Data of the shape to train on.
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self : GenreClassifier
            The classifier, with an untrained ``model_``.
        """
        self._validate_params()
        self._check_routed_params()
        X, y = self._check_input(X, y, reset=True)
        self._seed = check_seed(self.random_state)
        with _seeded(self._seed):
            self._start(X, y)
        return self

    def predict_proba(self, X):
        """Class probabilities.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, n_mels, n_frames)
            Samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities in the order of ``classes_``; rows sum to 1.
        """
        from ._numpy_net import class_probabilities

        check_is_fitted(self)
        return class_probabilities(self._predict_network(X), self.n_classes_)

    def predict(self, X):
        """Predict class labels: the class of highest probability for each sample.

        Parameters
        ----------
        X : array-like
            As in :meth:`predict_proba`.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted labels, of the dtype of ``classes_``.
        """
        proba = self.predict_proba(X)
        return np.asarray(self.classes_)[proba.argmax(axis=1)]
