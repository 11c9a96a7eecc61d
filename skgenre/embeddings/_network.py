"""The musicnn architecture (Pons & Serra, 2019) as a Keras 3 model, and its weights.

Written from the paper ("musicnn: pre-trained convolutional neural networks for music audio
tagging", ISMIR 2019 late-breaking demo; "End-to-end learning for music audio tagging at
scale", ISMIR 2018) and from the variable names and shapes of the published checkpoints.
For a log-mel patch of ``T`` frames by 96 bands:

* input: one batch normalization of the whole patch (a single scalar mean and variance);
* front end, musically motivated filters, each followed by ReLU, batch normalization and a
  max over the frequency axis:

  - timbral: 204 filters of 7 frames by 38 bands and 204 of 7 by 67 bands (40 % and 70 %
    of the mel axis), time zero-padded by 3 frames each side, no frequency padding;
  - temporal: 51 filters each of 128, 64 and 32 frames by one band ("same" padding);

  561 channels per frame in all;
* mid end: three 1-D convolutions over time (64 filters of 7 frames, "same" padding, ReLU,
  batch normalization), the second and third with a residual connection; the front end's
  and the three outputs are concatenated (dense connections): 753 channels per frame;
* back end: the maximum and the mean of each channel over time (1506 values, ``pool``),
  batch normalization, dense 200 with ReLU and batch normalization (``penultimate``), and
  dense 50 (the tag logits; a sigmoid gives the tag probabilities).

Dropout layers of the training graph are identities at inference and are left out.
"""

import threading

import numpy as np

from .._errors import WeightsMismatchError

__all__ = [
    "EXPECTED_SHAPES",
    "MUSICNN_LAYERS",
    "build_musicnn",
    "check_musicnn_weights",
    "load_weights_into",
    "musicnn_network",
]

N_MELS = 96
_TIMBRAL = ((38, 204), (67, 204))  # (bands, filters)
_TEMPORAL = ((128, 51), (64, 51), (32, 51))  # (frames, filters)
_MID_FILTERS = 64
_MID_WIDTH = 7
_DENSE_UNITS = 200
N_TAGS = 50

N_FRONT = sum(f for _, f in _TIMBRAL) + sum(f for _, f in _TEMPORAL)  # 561
N_MID = N_FRONT + 3 * _MID_FILTERS  # 753

# Outputs of the model, in order: name -> width.
MUSICNN_LAYERS = {"pool": 2 * N_MID, "penultimate": _DENSE_UNITS, "taggram": N_TAGS}

# Keras layer -> checkpoint scope. The checkpoint's scopes are TF1's automatic names, in the
# order the graph created them.
_CONVS = {
    "timbral_38": "conv2d",
    "timbral_67": "conv2d_1",
    "temporal_128": "conv2d_2",
    "temporal_64": "conv2d_3",
    "temporal_32": "conv2d_4",
    "mid_1": "conv2d_5",
    "mid_2": "conv2d_6",
    "mid_3": "conv2d_7",
}
_NORMS = {
    "input_norm": "batch_normalization",
    "timbral_38_norm": "batch_normalization_1",
    "timbral_67_norm": "batch_normalization_2",
    "temporal_128_norm": "batch_normalization_3",
    "temporal_64_norm": "batch_normalization_4",
    "temporal_32_norm": "batch_normalization_5",
    "mid_1_norm": "batch_normalization_6",
    "mid_2_norm": "batch_normalization_7",
    "mid_3_norm": "batch_normalization_8",
    "pool_norm": "batch_normalization_9",
    "penultimate_norm": "batch_normalization_10",
}
_DENSES = {"penultimate": "dense", "tags": "dense_1"}
_BN_FIELDS = ("gamma", "beta", "moving_mean", "moving_variance")
# Same epsilon as TF1's tf.layers.batch_normalization, with which the weights were trained.
_BN_EPSILON = 1e-3

# The checkpoint's back end flattens (753, 2) [max, mean] pairs, so its pooled vector
# interleaves max_0, mean_0, max_1, ...; this model concatenates all maxima, then all means.
# _POOL_ORDER[j] is the checkpoint position of this model's pooled value j.
_POOL_ORDER = np.concatenate([np.arange(0, 2 * N_MID, 2), np.arange(1, 2 * N_MID, 2)])


def build_musicnn(n_frames=None):
    """The musicnn network as an (untrained) Keras model.

    Parameters
    ----------
    n_frames : int or None, default=None
        Frames per input patch; ``None`` accepts any length (the back end pools over time).
        The pretrained networks were trained on 187 frames (3 s).

    Returns
    -------
    model : keras.Model
        Input ``(batch, n_frames, 96)`` normalised log-mel patches; outputs ``pool``
        ``(batch, 1506)`` (maxima, then means, over time of the 753 mid-end channels),
        ``penultimate`` ``(batch, 200)`` and ``taggram`` ``(batch, 50)`` (sigmoid tag
        probabilities).

    Examples
    --------
    >>> from skgenre.embeddings import build_musicnn
    >>> net = build_musicnn(187)
    >>> [tuple(o.shape) for o in net.outputs]
    [(None, 1506), (None, 200), (None, 50)]
    >>> net.count_params()
    792079
    """
    import keras
    from keras import layers, ops

    def norm(name):
        return layers.BatchNormalization(epsilon=_BN_EPSILON, name=name)

    x_in = keras.Input(shape=(n_frames, N_MELS), name="logmel")
    x = norm("input_norm")(ops.expand_dims(x_in, -1))

    front = []
    padded = layers.ZeroPadding2D(((3, 3), (0, 0)), name="timbral_pad")(x)
    for bands, filters in _TIMBRAL:
        name = f"timbral_{bands}"
        y = layers.Conv2D(filters, (7, bands), activation="relu", name=name)(padded)
        y = norm(f"{name}_norm")(y)
        front.append(ops.max(y, axis=2))
    for frames, filters in _TEMPORAL:
        name = f"temporal_{frames}"
        y = layers.Conv2D(filters, (frames, 1), padding="same", activation="relu", name=name)(x)
        y = norm(f"{name}_norm")(y)
        front.append(ops.max(y, axis=2))
    front = layers.Concatenate(axis=-1, name="front_end")(front)

    mid = [front]
    y = front
    for i in (1, 2, 3):
        z = layers.Conv1D(
            _MID_FILTERS, _MID_WIDTH, padding="same", activation="relu", name=f"mid_{i}"
        )(y)
        z = norm(f"mid_{i}_norm")(z)
        y = z if i == 1 else layers.Add(name=f"mid_{i}_residual")([z, y])
        mid.append(y)
    mid = layers.Concatenate(axis=-1, name="mid_end")(mid)

    pool = layers.Concatenate(axis=-1, name="pool")([ops.max(mid, axis=1), ops.mean(mid, axis=1)])
    h = norm("pool_norm")(pool)
    h = layers.Dense(_DENSE_UNITS, activation="relu", name="penultimate")(h)
    penultimate = norm("penultimate_norm")(h)
    logits = layers.Dense(N_TAGS, name="tags")(penultimate)
    taggram = layers.Activation("sigmoid", name="taggram")(logits)
    return keras.Model(x_in, [pool, penultimate, taggram], name="musicnn")


def _expected_shapes():
    """Checkpoint variable name -> shape, for every variable the network needs."""
    shapes = {}
    convs = [((7, bands, 1, filters), filters) for bands, filters in _TIMBRAL]
    convs += [((frames, 1, 1, filters), filters) for frames, filters in _TEMPORAL]
    channels = N_FRONT
    for _ in range(3):
        convs.append(((_MID_WIDTH, channels, 1, _MID_FILTERS), _MID_FILTERS))
        channels = _MID_FILTERS
    for scope, (kernel, filters) in zip(_CONVS.values(), convs):
        shapes[f"{scope}/kernel"] = kernel
        shapes[f"{scope}/bias"] = (filters,)
    widths = [1] + [f for _, f in _TIMBRAL] + [f for _, f in _TEMPORAL] + [_MID_FILTERS] * 3
    widths += [2 * N_MID, _DENSE_UNITS]
    for scope, width in zip(_NORMS.values(), widths):
        for field in _BN_FIELDS:
            shapes[f"{scope}/{field}"] = (width,)
    for scope, (n_in, n_out) in zip(_DENSES.values(), [(2 * N_MID, _DENSE_UNITS), (_DENSE_UNITS, N_TAGS)]):
        shapes[f"{scope}/kernel"] = (n_in, n_out)
        shapes[f"{scope}/bias"] = (n_out,)
    return shapes


EXPECTED_SHAPES = _expected_shapes()


def check_musicnn_weights(weights, *, source="the weights"):
    """Check that ``weights`` holds exactly the network's variables, each of its shape.

    Parameters
    ----------
    weights : mapping of str to array-like
        Checkpoint variables by name.
    source : str, default="the weights"
        How to name the weights in the error message.

    Returns
    -------
    weights : dict of str to ndarray
        The same variables as float32 arrays, with the back end's pooled dimension
        reordered from the checkpoint's interleaved (max, mean) pairs to all maxima, then
        all means (this module's order).

    Raises
    ------
    skgenre.WeightsMismatchError
        If a variable is missing, unexpected, or has the wrong shape; every such variable
        is listed.
    """
    missing = sorted(set(EXPECTED_SHAPES) - set(weights))
    extra = sorted(set(weights) - set(EXPECTED_SHAPES))
    wrong = [
        f"{name} has shape {tuple(np.shape(weights[name]))}, expected {shape}"
        for name, shape in sorted(EXPECTED_SHAPES.items())
        if name in weights and tuple(np.shape(weights[name])) != shape
    ]
    problems = []
    if missing:
        problems.append(f"missing variable(s) {missing}")
    if extra:
        problems.append(f"unexpected variable(s) {extra}")
    problems.extend(wrong)
    if problems:
        raise WeightsMismatchError(
            f"{source} do not fit the musicnn network: " + "; ".join(problems) + "."
        )
    out = {name: np.asarray(weights[name], dtype=np.float32) for name in EXPECTED_SHAPES}
    for field in _BN_FIELDS:
        name = f"{_NORMS['pool_norm']}/{field}"
        out[name] = out[name][_POOL_ORDER]
    name = f"{_DENSES['penultimate']}/kernel"
    out[name] = out[name][_POOL_ORDER, :]
    return out


def load_weights_into(model, weights, *, source="the weights"):
    """Set every weight of a :func:`build_musicnn` model from checkpoint arrays, by name.

    Parameters
    ----------
    model : keras.Model
        A model from :func:`build_musicnn`.
    weights : mapping of str to ndarray
        Checkpoint variables by name (see :func:`~skgenre.embeddings.load_musicnn_weights`).
    source : str, default="the weights"
        How to name the weights in error messages.

    Raises
    ------
    skgenre.WeightsMismatchError
        If a variable is missing, unexpected, or has the wrong shape; every such variable
        is listed.
    """
    weights = check_musicnn_weights(weights, source=source)
    for layer_name, scope in {**_CONVS, **_DENSES}.items():
        kernel, bias = model.get_layer(layer_name).weights
        # TF1 wrote the mid end as 2-D convolutions whose kernel spans all channels,
        # (7, channels, 1, filters); here they are 1-D convolutions, (7, channels, filters).
        kernel.assign(weights[f"{scope}/kernel"].reshape(tuple(kernel.shape)))
        bias.assign(weights[f"{scope}/bias"])
    for layer_name, scope in _NORMS.items():
        for variable in model.get_layer(layer_name).weights:
            variable.assign(weights[f"{scope}/{variable.name}"])


_cache = {}
_cache_lock = threading.Lock()


def musicnn_network(model="MSD_musicnn", path=None):
    """The pretrained musicnn network, as a new Keras model.

    Parameters
    ----------
    model : {"MSD_musicnn", "MTT_musicnn"}, default="MSD_musicnn"
        The network.
    path : str, path-like or None, default=None
        Where the checkpoint is; see :func:`~skgenre.embeddings.musicnn_weights_dir`.

    Returns
    -------
    network : keras.Model
        See :func:`build_musicnn`. Each call builds a model of its own (the checkpoint is
        read once per process), so fine-tuning one leaves the pretrained weights of the
        next unchanged.
    """
    from ._weights import load_musicnn_weights, musicnn_weights_dir

    folder = musicnn_weights_dir(model, path)
    key = (model, str(folder.resolve()))
    source = f"the checkpoint in {str(folder)!r}"
    with _cache_lock:
        weights = _cache.get(key)
        if weights is None:
            # checked here, so that a mismatch is raised before any model is built
            weights = load_musicnn_weights(model, folder)
            check_musicnn_weights(weights, source=source)
            _cache[key] = weights
    # A model per call, not one shared: a shared model fine-tuned (or otherwise changed)
    # by one caller gave every later caller its changed weights as the pretrained ones.
    net = build_musicnn(None)
    load_weights_into(net, weights, source=source)
    return net
