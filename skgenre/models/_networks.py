"""Keras network builders for :class:`~skgenre.GenreClassifier`.

Each builder returns an *uncompiled* ``keras.Model``: the optimizer, learning rate and loss
belong to the classifier (so that ``set_params`` and grid search reach them), the
architecture belongs here. Builders take scikeras' ``meta`` dict, which carries the fitted
input shape (``meta["X_shape_"]``) and the number of classes (``meta["n_classes_"]``); every
other argument is an architecture parameter, routed from the classifier as
``model__<name>`` (e.g. ``GenreClassifier(model="cnn", model__kernel_size=5)``).

The defaults reproduce the networks of Minhas, Chie & Lee, "Music Genre Classification using
Neural Networks":

==================  ===================================================================
builder             paper network (defaults)
==================  ===================================================================
build_feature_dense Dense(64, relu) - Dense(32, relu) - Dense(n_classes, softmax)
build_spec_dense    Dense(128, relu) - Dense(64, relu) - Dense(n_classes, softmax)
build_cnn           Conv2D(64, 3, relu) - Conv2D(32, 3, relu) - Flatten -
                    Dense(n_classes, softmax) on the (128, 216) spectrogram
==================  ===================================================================

The same builders give the stronger networks of the ``"tuned"`` preset through their
parameters (dropout, batch normalization, L2 weight decay, pooling, global average pooling).
Only standard Keras layers are used, so fitted models save and pickle without custom objects.
"""

import numbers

__all__ = ["build_cnn", "build_dense", "build_feature_dense", "build_spec_dense"]


def _meta_shapes(meta, builder):
    if meta is None or "X_shape_" not in meta or "n_classes_" not in meta:
        raise ValueError(
            f"{builder} needs scikeras' `meta` dict with 'X_shape_' and 'n_classes_'; it is "
            "called by GenreClassifier.fit, not directly."
        )
    input_shape = tuple(int(d) for d in meta["X_shape_"][1:])
    n_classes = int(meta["n_classes_"])
    return input_shape, n_classes


def _as_sizes(value, name):
    if isinstance(value, numbers.Integral):
        value = (value,)
    sizes = tuple(value)
    if not sizes or not all(isinstance(s, numbers.Integral) and s > 0 for s in sizes):
        raise ValueError(f"{name} must be a non-empty sequence of positive ints, got {value!r}.")
    return tuple(int(s) for s in sizes)


def _check_rate(value, name):
    if not (isinstance(value, numbers.Real) and 0.0 <= value < 1.0):
        raise ValueError(f"{name} must be a float in [0, 1), got {value!r}.")
    return float(value)


def _check_l2(value):
    if not (isinstance(value, numbers.Real) and value >= 0.0):
        raise ValueError(f"l2 must be a non-negative float, got {value!r}.")
    return float(value)


def _architecture(params, name):
    # scikeras hands a builder that takes **kwargs its compile_kwargs and params as well.
    params = {k: v for k, v in params.items() if k not in ("compile_kwargs", "params")}
    return {"name": name, **params}


def build_dense(
    hidden_layer_sizes=(64, 32),
    *,
    activation="relu",
    dropout=0.0,
    batch_norm=False,
    l2=0.0,
    input_dropout=0.0,
    name="dense",
    meta=None,
):
    """Build a dense network: hidden ReLU layers, then a softmax output.

    The builder behind both of the paper's dense networks; 3-D input (spectrograms) is
    flattened first.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(64, 32)
        Units of the hidden Dense layers.
    activation : str, default="relu"
        Activation of the hidden layers.
    dropout : float in [0, 1), default=0.0
        Dropout rate after each hidden layer.
    batch_norm : bool, default=False
        Batch normalization after each hidden Dense layer (before the activation). It
        predicts with moving averages that need many optimizer steps to settle; the
        ``"tuned"`` presets do without it (see :mod:`skgenre.models._presets`).
    l2 : float, default=0.0
        L2 weight decay on every Dense kernel.
    input_dropout : float in [0, 1), default=0.0
        Dropout rate on the input features.
    name : str, default="dense"
        Name of the Keras model.
    meta : dict
        scikeras' fitted metadata (``X_shape_``, ``n_classes_``), passed by
        :class:`~skgenre.GenreClassifier`.

    Returns
    -------
    model : keras.Model
        Uncompiled model with a softmax output of ``n_classes_`` units.

    Examples
    --------
    >>> from skgenre.models import build_dense
    >>> net = build_dense((16,), meta={"X_shape_": (100, 26), "n_classes_": 3})
    >>> [layer.units for layer in net.layers if hasattr(layer, "units")]
    [16, 3]
    """
    import keras

    input_shape, n_classes = _meta_shapes(meta, name)
    sizes = _as_sizes(hidden_layer_sizes, "hidden_layer_sizes")
    dropout = _check_rate(dropout, "dropout")
    input_dropout = _check_rate(input_dropout, "input_dropout")
    l2 = _check_l2(l2)
    reg = keras.regularizers.L2(l2) if l2 > 0 else None

    inputs = keras.Input(shape=input_shape)
    x = inputs
    if len(input_shape) > 1:
        # 3-D input (e.g. a spectrogram) reaches a dense net flattened.
        x = keras.layers.Flatten()(x)
    if input_dropout > 0:
        x = keras.layers.Dropout(input_dropout)(x)
    for units in sizes:
        # With batch normalization the bias of the Dense layer is redundant.
        x = keras.layers.Dense(units, use_bias=not batch_norm, kernel_regularizer=reg)(x)
        if batch_norm:
            x = keras.layers.BatchNormalization()(x)
        x = keras.layers.Activation(activation)(x)
        if dropout > 0:
            x = keras.layers.Dropout(dropout)(x)
    # float32 output even under a mixed-precision policy: softmax in bfloat16 is too coarse.
    outputs = keras.layers.Dense(
        n_classes, activation="softmax", kernel_regularizer=reg, dtype="float32"
    )(x)
    return keras.Model(inputs, outputs, name=name)


def build_feature_dense(hidden_layer_sizes=(64, 32), **params):
    """Build the feature-based dense network (the paper's 64-32-10 by default).

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(64, 32)
        Units of the hidden Dense layers.
    **params : dict
        The other parameters of :func:`build_dense` (``dropout``, ``l2``, ``meta``, ...).

    Returns
    -------
    model : keras.Model
        Uncompiled model named ``"feature_dense"``.

    Examples
    --------
    >>> from skgenre.models import build_feature_dense
    >>> net = build_feature_dense(meta={"X_shape_": (100, 26), "n_classes_": 10})
    >>> [layer.units for layer in net.layers if hasattr(layer, "units")]
    [64, 32, 10]
    """
    return build_dense(hidden_layer_sizes, **_architecture(params, "feature_dense"))


def build_spec_dense(hidden_layer_sizes=(128, 64), **params):
    """Build the spectrogram dense network on mel row means (the paper's 128-64-10).

    The same network as :func:`build_feature_dense`, with the paper's sizes for 128 mel
    row means and the name ``"spec_dense"``.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(128, 64)
        Units of the hidden Dense layers.
    **params : dict
        As in :func:`build_feature_dense`.

    Returns
    -------
    model : keras.Model

    Examples
    --------
    >>> from skgenre.models import build_spec_dense
    >>> net = build_spec_dense(meta={"X_shape_": (100, 128), "n_classes_": 10})
    >>> net.name, net.count_params()
    ('spec_dense', 25418)
    """
    return build_dense(hidden_layer_sizes, **_architecture(params, "spec_dense"))


def build_cnn(
    filters=(64, 32),
    *,
    kernel_size=3,
    layout="2d",
    activation="relu",
    pool_size=None,
    batch_norm=False,
    dropout=0.0,
    global_pooling=False,
    dense_units=None,
    input_norm=False,
    l2=0.0,
    meta=None,
):
    """Build the convolutional network on (n_mels, n_frames) spectrograms.

    The defaults are the paper's CNN: ``Conv2D(64, 3) - Conv2D(32, 3) - Flatten -
    Dense(n_classes, softmax)``. The channel axis is added inside the network, so the
    classifier takes ``(n, n_mels, n_frames)`` arrays as produced by
    :class:`~skgenre.MelSpectrogram`.

    ``layout="temporal"`` convolves along time only, with every mel band as an input
    channel: each first-layer filter spans the whole spectrum over ``kernel_size`` frames
    (a learned timbre detector), and later layers combine them over longer spans. It has
    the same scikit-learn interface, about a tenth of the multiply-adds of the 2-D network
    of the same filters, and on real music it generalizes from far fewer tracks (see
    :mod:`skgenre.models._presets`).

    Parameters
    ----------
    filters : tuple of int, default=(64, 32)
        Filters of the successive convolution layers.
    kernel_size : int, default=3
        Kernel size of every convolution: square for ``"2d"``, in frames for
        ``"temporal"``.
    layout : {"2d", "temporal"}, default="2d"
        ``"2d"``: Conv2D over (mel, time) on a one-channel image. ``"temporal"``: Conv1D
        over time with the mel bands as channels.
    activation : str, default="relu"
        Activation of the convolutions and the hidden dense layer.
    pool_size : int or None, default=None
        Max pooling after each convolution block (``None``: no pooling, as in the paper).
        A block is skipped for pooling when its feature map is already smaller than
        ``pool_size``.
    batch_norm : bool, default=False
        Batch normalization after each convolution (before the activation). It predicts
        with moving averages; on small training sets they do not settle (see
        :class:`~skgenre.preprocessing.SpectrogramStandardizer`).
    dropout : float in [0, 1), default=0.0
        Dropout before the output layer (and after the hidden dense layer).
    global_pooling : {False, True, "avg", "max", "avgmax"}, default=False
        Pool the last feature map over all positions instead of ``Flatten`` (far fewer
        parameters): average (``True`` or ``"avg"``), maximum, or both concatenated.
    dense_units : int or None, default=None
        Units of a hidden Dense layer before the output (``None``: none).
    input_norm : bool, default=False
        Batch-normalize the input spectrogram. Kept for old models; standardize the input
        in a fitted pipeline step instead
        (:class:`~skgenre.preprocessing.SpectrogramStandardizer`).
    l2 : float, default=0.0
        L2 weight decay on every kernel.
    meta : dict
        As in :func:`build_dense`.

    Returns
    -------
    model : keras.Model
        Uncompiled; its softmax output has ``n_classes_`` units.

    Examples
    --------
    >>> from skgenre.models import build_cnn
    >>> net = build_cnn(meta={"X_shape_": (8, 128, 216), "n_classes_": 10})
    >>> net.output_shape
    (None, 10)
    >>> net = build_cnn((32, 32), layout="temporal", pool_size=2, global_pooling="avgmax",
    ...                 meta={"X_shape_": (8, 128, 216), "n_classes_": 10})
    >>> net.output_shape
    (None, 10)
    """
    import keras

    input_shape, n_classes = _meta_shapes(meta, "cnn")
    if layout not in ("2d", "temporal"):
        raise ValueError(f"layout must be '2d' or 'temporal', got {layout!r}.")
    if len(input_shape) not in (2, 3) or (layout == "temporal" and len(input_shape) != 2):
        raise ValueError(
            "build_cnn needs 3-D input (n_samples, n_mels, n_frames)"
            + (" or 4-D input with a channel axis" if layout == "2d" else "")
            + f"; got samples of shape {input_shape}."
        )
    filters = _as_sizes(filters, "filters")
    if not (isinstance(kernel_size, numbers.Integral) and kernel_size > 0):
        raise ValueError(f"kernel_size must be a positive int, got {kernel_size!r}.")
    if pool_size is not None and not (isinstance(pool_size, numbers.Integral) and pool_size > 1):
        raise ValueError(f"pool_size must be None or an int > 1, got {pool_size!r}.")
    if dense_units is not None and not (
        isinstance(dense_units, numbers.Integral) and dense_units > 0
    ):
        raise ValueError(f"dense_units must be None or a positive int, got {dense_units!r}.")
    pooling = {False: None, True: "avg"}.get(global_pooling, global_pooling)
    if pooling not in (None, "avg", "max", "avgmax"):
        raise ValueError(
            "global_pooling must be False, True, 'avg', 'max' or 'avgmax', got "
            f"{global_pooling!r}."
        )
    dropout = _check_rate(dropout, "dropout")
    l2 = _check_l2(l2)
    reg = keras.regularizers.L2(l2) if l2 > 0 else None
    layers = keras.layers
    if layout == "temporal":
        conv, max_pool, avg_all, max_all = (
            layers.Conv1D, layers.MaxPooling1D,
            layers.GlobalAveragePooling1D, layers.GlobalMaxPooling1D,
        )
    else:
        conv, max_pool, avg_all, max_all = (
            layers.Conv2D, layers.MaxPooling2D,
            layers.GlobalAveragePooling2D, layers.GlobalMaxPooling2D,
        )

    inputs = keras.Input(shape=input_shape)
    x = inputs
    if layout == "temporal":
        # (n_mels, n_frames) -> (n_frames, n_mels): time is the convolved axis.
        x = layers.Permute((2, 1))(x)
    elif len(input_shape) == 2:
        x = layers.Reshape(input_shape + (1,))(x)
    if input_norm:
        x = layers.BatchNormalization()(x)
    for n_filters in filters:
        spatial = tuple(x.shape[1:-1])
        if kernel_size > min(spatial):
            raise ValueError(
                f"kernel_size={kernel_size} is larger than the feature map {spatial} of the "
                f"input of shape {input_shape}; use a smaller kernel_size, fewer filters "
                "layers or pool_size=None."
            )
        padding = "same" if pool_size else "valid"
        x = conv(
            n_filters, kernel_size, padding=padding, use_bias=not batch_norm,
            kernel_regularizer=reg,
        )(x)
        if batch_norm:
            x = layers.BatchNormalization()(x)
        x = layers.Activation(activation)(x)
        if pool_size and min(x.shape[1:-1]) >= pool_size:
            x = max_pool(pool_size)(x)
    if pooling == "avg":
        x = avg_all()(x)
    elif pooling == "max":
        x = max_all()(x)
    elif pooling == "avgmax":
        x = layers.Concatenate()([avg_all()(x), max_all()(x)])
    else:
        x = layers.Flatten()(x)
    if dense_units is not None:
        if dropout > 0:
            x = layers.Dropout(dropout)(x)
        x = layers.Dense(dense_units, activation=activation, kernel_regularizer=reg)(x)
    if dropout > 0:
        x = layers.Dropout(dropout)(x)
    # float32 output even under a mixed-precision policy: softmax in bfloat16 is too coarse.
    outputs = layers.Dense(
        n_classes, activation="softmax", kernel_regularizer=reg, dtype="float32"
    )(x)
    return keras.Model(inputs, outputs, name="cnn")
