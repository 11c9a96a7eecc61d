"""A NumPy forward pass of skgenre's fitted Keras networks: prediction without TensorFlow.

:class:`NumpyNetwork` reads a network in Keras' native format (the ``.keras`` zip: the
layer graph in ``config.json``, the weights in ``model.weights.h5``) and computes its
inference function in float32 with NumPy alone. It implements the layers that skgenre's
builders (:mod:`skgenre.models._networks`) use, each with Keras' semantics at inference:

* ``Dense`` (``x @ kernel + bias`` on the last axis; with more than 4096 inputs the
  product is accumulated in float64, as float32 sums that long drift), ``Activation`` and
  every layer's
  ``activation`` argument (the functions in :data:`_ACTIVATIONS`);
* ``Conv1D`` and ``Conv2D`` (``channels_last``, strides, dilation, ``"valid"``,
  ``"same"`` and, for ``Conv1D``, ``"causal"`` padding with TensorFlow's rule: of an odd
  total padding the extra element goes after the data). A convolution is one matrix
  product of the windows (im2col) with the flattened kernel: output position ``t`` sees
  input ``t * stride + k * dilation`` through kernel slice ``k``, which is the definition
  of Keras' (cross-correlation) convolution;
* ``MaxPooling1D/2D`` (``"valid"``: only full windows; ``"same"``: windows cut at the
  border, which is a max over padding of ``-inf``), ``GlobalAveragePooling1D/2D`` and
  ``GlobalMaxPooling1D/2D`` (over every spatial axis, ``keepdims`` honoured);
* ``BatchNormalization`` with its moving statistics, the inference formula
  ``(x - mean) / sqrt(var + epsilon) * gamma + beta`` on its axis;
* ``Flatten`` (a C-order reshape, which is Keras' order for ``channels_last``),
  ``Reshape``, ``Permute``, ``Concatenate``, and ``Dropout`` (the identity at inference).

Any other layer (or a ``channels_first`` layer, a grouped convolution, an unknown
activation) is refused when the network is read, with an error naming it, so that a
network is either computed exactly or not at all. Networks built under a mixed-precision
policy (``precision="mixed_bfloat16"``) are computed in float32 here: the weights are
float32 in the file, and Keras' bfloat16 rounding of the activations is not reproduced.

``tests/test_numpy_net.py`` checks every layer and every preset network against Keras.
Nothing here imports TensorFlow or Keras (``h5py`` reads the weights).
"""

import io
import json
import math
import re
import zipfile

import numpy as np

from .._errors import UnsupportedLayerError

__all__ = ["NumpyNetwork", "class_probabilities", "predict_batch_size"]

#: Bytes that the largest activation of a predict batch may take, and the most samples in
#: one batch. Inference holds about two consecutive activations at once: for the paper's
#: CNN one image's largest is 6.9 MB, so a batch of 256 images held 1.8 GB, the peak of a
#: whole `skgenre reproduce`.
PREDICT_ACTIVATION_BYTES = 256 * 2**20
PREDICT_MAX_BATCH = 256


def predict_batch_size(largest):
    """Samples per prediction batch for a network whose largest activation of one sample
    holds ``largest`` float32 values (0: unknown).

    Examples
    --------
    >>> from skgenre.models._numpy_net import predict_batch_size
    >>> predict_batch_size(128), predict_batch_size(64 * 128 * 216)
    (256, 37)
    """
    if largest == 0:
        return PREDICT_MAX_BATCH
    return int(np.clip(PREDICT_ACTIVATION_BYTES // (4 * largest), 1, PREDICT_MAX_BATCH))


def class_probabilities(raw, n_classes):
    """A classifier network's outputs as class probabilities (float64, rows sum to 1).

    Negative outputs are clipped to 0 and each row is divided by its sum; a network with
    one sigmoid unit for two classes gives ``[1 - p, p]``.

    Examples
    --------
    >>> import numpy as np
    >>> from skgenre.models._numpy_net import class_probabilities
    >>> class_probabilities(np.array([[0.25]], np.float32), 2).tolist()
    [[0.75, 0.25]]
    """
    raw = np.asarray(raw, dtype=np.float64)
    raw = raw.reshape(raw.shape[0], -1)
    if raw.shape[1] == 1 and n_classes == 2:
        raw = np.hstack([1.0 - raw, raw])
    raw = np.clip(raw, 0.0, None)
    return raw / raw.sum(axis=1, keepdims=True)


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _sigmoid(x):
    # exp of a non-positive number never overflows
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype)


def _gelu(x):
    from scipy.special import erf

    return (0.5 * x * (1 + erf(x / np.sqrt(2)))).astype(x.dtype)


def _elu(x):
    return np.where(x > 0, x, np.expm1(np.minimum(x, 0))).astype(x.dtype)


# Inputs of a Dense layer beyond which it accumulates in float64 (see _dense).
_WIDE_DENSE = 4096
# Bytes of the window matrix of one convolution product (at least one sample's).
_IM2COL_BYTES = 64 * 2**20

_SELU_ALPHA, _SELU_SCALE = 1.6732632423543772, 1.0507009873554805

_ACTIVATIONS = {
    "linear": lambda x: x,
    "relu": lambda x: np.maximum(x, 0),
    "relu6": lambda x: np.clip(x, 0, 6),
    "sigmoid": _sigmoid,
    "tanh": np.tanh,
    "softmax": _softmax,
    "elu": _elu,
    "selu": lambda x: (_SELU_SCALE * np.where(
        x > 0, x, _SELU_ALPHA * np.expm1(np.minimum(x, 0)))).astype(x.dtype),
    "softplus": lambda x: np.logaddexp(x, np.float32(0)).astype(x.dtype),
    "softsign": lambda x: x / (1 + np.abs(x)),
    "swish": lambda x: x * _sigmoid(x),
    "silu": lambda x: x * _sigmoid(x),
    "gelu": _gelu,
    "exponential": np.exp,
}


def _activation(config, layer):
    name = config.get("activation", "linear")
    if name is None:
        name = "linear"
    if isinstance(name, dict):  # a serialized built-in: {"class_name": "function", ...}
        name = name.get("config", name.get("class_name"))
    if not isinstance(name, str) or name not in _ACTIVATIONS:
        raise UnsupportedLayerError(
            f"layer {layer!r}: activation {name!r} is not computed by the NumPy engine "
            f"(supported: {sorted(_ACTIVATIONS)}); use engine='keras'."
        )
    return _ACTIVATIONS[name]


def _snake_case(name):
    # keras.src.utils.naming.to_snake_case: the weights file names layers by class
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _tuple(value, n):
    if isinstance(value, (list, tuple)):
        return tuple(int(v) for v in value)
    return (int(value),) * n


def _same_padding(size, kernel, stride, dilation):
    """TensorFlow's "same" padding of one axis: (before, after)."""
    effective = (kernel - 1) * dilation + 1
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + effective - size, 0)
    return total // 2, total - total // 2


def _channels_last(config, layer):
    fmt = config.get("data_format", "channels_last")
    if fmt not in (None, "channels_last"):
        raise UnsupportedLayerError(
            f"layer {layer!r}: data_format={fmt!r} is not computed by the NumPy engine "
            "(only 'channels_last', Keras' default); use engine='keras'."
        )


# -- the layers -----------------------------------------------------------------------------
# Each builder takes (config, weights, name) and returns a function of the input array(s).


def _dense(config, weights, name):
    kernel = weights[0]
    bias = weights[1] if config.get("use_bias", True) else None
    act = _activation(config, name)
    if config.get("lora_rank"):
        raise UnsupportedLayerError(f"layer {name!r}: a LoRA Dense layer; use engine='keras'.")

    # A float32 dot product of hundreds of thousands of terms (the paper CNN's Flatten
    # gives 841 216) drifts: its probabilities moved by 1e-4 against a float64 forward
    # pass, Keras' by 2e-5. Such wide layers accumulate in float64 and round once.
    wide = kernel.shape[0] > _WIDE_DENSE
    kernel64 = kernel.astype(np.float64) if wide else None

    def call(x):
        if wide:
            y = (x.astype(np.float64) @ kernel64).astype(x.dtype)
        else:
            y = x @ kernel
        if bias is not None:
            y += bias
        return act(y)

    return call


def _conv(config, weights, name, rank):
    _channels_last(config, name)
    if int(config.get("groups", 1)) != 1:
        raise UnsupportedLayerError(
            f"layer {name!r}: grouped convolution (groups={config['groups']}) is not "
            "computed by the NumPy engine; use engine='keras'."
        )
    kernel = weights[0]  # (*kernel_size, in_channels, filters)
    bias = weights[1] if config.get("use_bias", True) else None
    size = kernel.shape[:rank]
    flat_kernel = np.ascontiguousarray(kernel.reshape(-1, kernel.shape[-1]))
    strides = _tuple(config.get("strides", 1), rank)
    dilation = _tuple(config.get("dilation_rate", 1), rank)
    padding = config.get("padding", "valid")
    if padding not in ("valid", "same") and not (padding == "causal" and rank == 1):
        raise UnsupportedLayerError(
            f"layer {name!r}: padding={padding!r} is not computed by the NumPy engine."
        )
    act = _activation(config, name)

    def call(x):
        spatial = x.shape[1:-1]
        if padding == "valid":
            pads = [(0, 0)] * rank
        elif padding == "causal":
            pads = [((size[0] - 1) * dilation[0], 0)]
        else:
            pads = [_same_padding(n, k, s, d)
                    for n, k, s, d in zip(spatial, size, strides, dilation)]
        if any(p != (0, 0) for p in pads):
            x = np.pad(x, [(0, 0), *pads, (0, 0)])
        padded = x.shape[1:-1]
        out_shape = [(n - (k - 1) * d - 1) // s + 1
                     for n, k, s, d in zip(padded, size, strides, dilation)]
        if min(out_shape) <= 0:
            raise ValueError(
                f"layer {name!r}: input of spatial shape {tuple(spatial)} is smaller than "
                f"its kernel {tuple(size)}."
            )
        # im2col: the windows of a few samples side by side, one row per output position,
        # then one matrix product (BLAS) with the flattened kernel, whose rows are in the
        # same (kernel position, input channel) order.
        n_pos = len(flat_kernel) // x.shape[-1]
        per_sample = math.prod(out_shape) * len(flat_kernel) * 4
        chunk = max(1, _IM2COL_BYTES // per_sample)
        y = np.empty((len(x), *out_shape, flat_kernel.shape[1]), dtype=x.dtype)
        for start in range(0, len(x), chunk):
            part = x[start : start + chunk]
            cols = np.empty((len(part), *out_shape, n_pos, x.shape[-1]), dtype=x.dtype)
            for j, pos in enumerate(np.ndindex(*size)):
                window = tuple(
                    slice(p * d, p * d + (o - 1) * s + 1, s)
                    for p, d, o, s in zip(pos, dilation, out_shape, strides)
                )
                cols[..., j, :] = part[(slice(None), *window)]
            out = cols.reshape(-1, len(flat_kernel)) @ flat_kernel
            if bias is not None:
                out += bias
            y[start : start + chunk] = act(out).reshape(len(part), *out_shape, -1)
        return y

    return call


def _max_pool(config, weights, name, rank):
    _channels_last(config, name)
    size = _tuple(config.get("pool_size", 2), rank)
    strides = config.get("strides")
    strides = size if strides is None else _tuple(strides, rank)
    padding = config.get("padding", "valid")
    if padding not in ("valid", "same"):
        raise UnsupportedLayerError(f"layer {name!r}: padding={padding!r} is not computed.")

    def call(x):
        spatial = x.shape[1:-1]
        if padding == "same":
            pads = [_same_padding(n, k, s, 1) for n, k, s in zip(spatial, size, strides)]
            x = np.pad(x, [(0, 0), *pads, (0, 0)], constant_values=-np.inf)
        padded = x.shape[1:-1]
        out_shape = [(n - k) // s + 1 for n, k, s in zip(padded, size, strides)]
        y = None
        for pos in np.ndindex(*size):
            window = tuple(slice(p, p + (o - 1) * s + 1, s)
                           for p, o, s in zip(pos, out_shape, strides))
            part = x[(slice(None), *window)]
            y = part.copy() if y is None else np.maximum(y, part, out=y)
        return y

    return call


def _global_pool(config, weights, name, rank, reduce):
    _channels_last(config, name)
    keepdims = bool(config.get("keepdims", False))
    axes = tuple(range(1, rank + 1))

    def call(x):
        return reduce(x, axis=axes, keepdims=keepdims).astype(np.float32)

    return call


def _batch_norm(config, weights, name):
    weights = list(weights)
    gamma = weights.pop(0) if config.get("scale", True) else None
    beta = weights.pop(0) if config.get("center", True) else None
    mean, var = weights
    axis = config.get("axis", -1)
    if isinstance(axis, (list, tuple)):
        if len(axis) != 1:
            raise UnsupportedLayerError(f"layer {name!r}: normalization over several axes.")
        axis = axis[0]
    if config.get("renorm"):
        raise UnsupportedLayerError(f"layer {name!r}: batch renormalization.")
    eps = np.float32(config.get("epsilon", 1e-3))

    def call(x):
        ax = axis % x.ndim
        shape = [1] * x.ndim
        shape[ax] = x.shape[ax]
        inv = 1 / np.sqrt(var + eps)
        if gamma is not None:
            inv = inv * gamma
        y = (x - mean.reshape(shape)) * inv.reshape(shape)
        if beta is not None:
            y += beta.reshape(shape)
        return y

    return call


def _flatten(config, weights, name):
    _channels_last(config, name)
    return lambda x: x.reshape(len(x), -1)


def _reshape(config, weights, name):
    target = tuple(int(d) for d in config["target_shape"])
    return lambda x: x.reshape((len(x), *target))


def _permute(config, weights, name):
    axes = (0, *(int(d) for d in config["dims"]))
    return lambda x: np.ascontiguousarray(x.transpose(axes))


def _concatenate(config, weights, name):
    axis = int(config.get("axis", -1))
    return lambda xs: np.concatenate(xs, axis=axis)


def _identity(config, weights, name):
    return lambda x: x


def _activation_layer(config, weights, name):
    return _activation(config, name)


_LAYERS = {
    "Activation": _activation_layer,
    "BatchNormalization": _batch_norm,
    "Concatenate": _concatenate,
    "Conv1D": lambda c, w, n: _conv(c, w, n, 1),
    "Conv2D": lambda c, w, n: _conv(c, w, n, 2),
    "Dense": _dense,
    "Dropout": _identity,
    "Flatten": _flatten,
    "GlobalAveragePooling1D": lambda c, w, n: _global_pool(c, w, n, 1, np.mean),
    "GlobalAveragePooling2D": lambda c, w, n: _global_pool(c, w, n, 2, np.mean),
    "GlobalMaxPooling1D": lambda c, w, n: _global_pool(c, w, n, 1, np.max),
    "GlobalMaxPooling2D": lambda c, w, n: _global_pool(c, w, n, 2, np.max),
    "InputLayer": _identity,
    "MaxPooling1D": lambda c, w, n: _max_pool(c, w, n, 1),
    "MaxPooling2D": lambda c, w, n: _max_pool(c, w, n, 2),
    "Permute": _permute,
    "Reshape": _reshape,
}
_SUPPORTED = tuple(sorted(_LAYERS))


def _keras_tensors(item):
    """The config of every Keras tensor in a serialized structure, depth first, in order."""
    if isinstance(item, dict):
        if item.get("class_name") == "__keras_tensor__":
            yield item["config"]
            return
        for v in item.values():
            yield from _keras_tensors(v)
    elif isinstance(item, (list, tuple)):
        for v in item:
            yield from _keras_tensors(v)


def _tensor_refs(args):
    """The (layer, node, index) of every Keras tensor in a node's serialized arguments."""
    return [(hist[0], int(hist[1]), int(hist[2]))
            for hist in (config["keras_history"] for config in _keras_tensors(args))]


def _tensor_shapes(node):
    return [tuple(config.get("shape") or ()) for config in _keras_tensors(node)]


class NumpyNetwork:
    """The inference function of a Keras network, computed with NumPy in float32.

    Read it from Keras' native format with :meth:`from_keras_bytes` (what
    :func:`skgenre.load_model` does) or from a Keras model in memory with
    :meth:`from_keras_model`. It keeps the ``.keras`` bytes it was read from, so the Keras
    model can be rebuilt (:meth:`to_keras`), e.g. to train further, and saved again as it
    was.

    Parameters
    ----------
    config : dict
        The model's ``config.json`` (a ``Functional`` or ``Sequential`` model).
    weights : dict of str to list of ndarray
        Each layer's weights, by layer name, in Keras' order.
    keras_bytes : bytes or None, default=None
        The ``.keras`` file the network was read from.

    Attributes
    ----------
    name : str
        The Keras model's name.
    input_shape : tuple
        Shape of one input sample.

    Raises
    ------
    UnsupportedLayerError
        If the network holds a layer or a setting the engine does not compute; the message
        names the layer.

    Examples
    --------
    >>> import numpy as np
    >>> from skgenre.models._numpy_net import NumpyNetwork
    >>> layers = [
    ...     {"class_name": "InputLayer", "name": "x",
    ...      "config": {"batch_shape": [None, 2], "name": "x"}, "inbound_nodes": []},
    ...     {"class_name": "Dense", "name": "out",
    ...      "config": {"units": 2, "activation": "softmax"},
    ...      "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__",
    ...                                    "config": {"shape": [None, 2],
    ...                                               "keras_history": ["x", 0, 0]}}]}]},
    ... ]
    >>> config = {"class_name": "Functional", "config": {
    ...     "name": "tiny", "layers": layers,
    ...     "input_layers": [["x", 0, 0]], "output_layers": [["out", 0, 0]]}}
    >>> net = NumpyNetwork(config, {"out": [np.eye(2, dtype="float32"),
    ...                                      np.zeros(2, dtype="float32")]})
    >>> net.predict(np.array([[0.0, 0.0]])).round(2)
    array([[0.5, 0.5]], dtype=float32)
    """

    def __init__(self, config, weights, keras_bytes=None):
        self._config = config
        self._weights = {k: [np.asarray(w, dtype=np.float32) for w in v]
                         for k, v in weights.items()}
        self._keras_bytes = keras_bytes
        self._compile()

    # -- reading -----------------------------------------------------------------------------
    @classmethod
    def from_keras_bytes(cls, data):
        """Read a network from the bytes of a ``.keras`` file (Keras 3's native format).

        Parameters
        ----------
        data : bytes
            The ``.keras`` zip file.

        Returns
        -------
        network : NumpyNetwork

        Raises
        ------
        UnsupportedLayerError
            If the network holds a layer the engine does not compute.
        ValueError
            If the bytes are not a ``.keras`` file.
        """
        import h5py

        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            config = json.loads(zf.read("config.json").decode("utf-8"))
            h5_bytes = zf.read("model.weights.h5")
        layers = _model_config(config)["layers"]
        weights = {}
        with h5py.File(io.BytesIO(h5_bytes), "r") as h5:
            group = h5["layers"] if "layers" in h5 else h5["_layer_checkpoint_dependencies"]
            used = {}
            for layer in layers:
                # Keras names a layer's weights by its class, numbered in the model's order
                # of layers (saving_lib._save_container_state), not by the layer's name.
                key = _snake_case(layer["class_name"])
                if key in used:
                    used[key] += 1
                    key = f"{key}_{used[key]}"
                else:
                    used[key] = 0
                vars_ = group[key]["vars"] if key in group and "vars" in group[key] else {}
                weights[_layer_name(layer)] = [
                    np.asarray(vars_[str(i)]) for i in range(len(vars_))
                ]
        return cls(config, weights, keras_bytes=bytes(data))

    @classmethod
    def from_keras_model(cls, model):
        """Read a network from a Keras model in memory (imports Keras, which the model needs).

        Parameters
        ----------
        model : keras.Model
            A functional or sequential model.

        Returns
        -------
        network : NumpyNetwork
        """
        import os
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "network.keras")
            model.save(path)
            with open(path, "rb") as f:
                return cls.from_keras_bytes(f.read())

    def to_keras(self):
        """The Keras model this network was read from (imports TensorFlow and Keras).

        Returns
        -------
        model : keras.Model
            Loaded in Keras' safe mode, compiled with its saved optimizer state.
        """
        if self._keras_bytes is None:
            raise ValueError(
                "this NumpyNetwork was not read from a .keras file; it has no Keras model."
            )
        import os
        import tempfile
        import warnings

        import keras

        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "network.keras")
            with open(path, "wb") as f:
                f.write(self._keras_bytes)
            with warnings.catch_warnings():
                # Keras warns when optimizer variables are restored lazily.
                warnings.filterwarnings("ignore", message=".*optimizer.*", category=UserWarning)
                return keras.saving.load_model(path, compile=True, safe_mode=True)

    def save(self, path):
        """Write the ``.keras`` file the network was read from (as ``keras.Model.save``).

        Parameters
        ----------
        path : str or path-like
            Destination file.
        """
        if self._keras_bytes is None:
            raise ValueError("this NumpyNetwork was not read from a .keras file.")
        with open(path, "wb") as f:
            f.write(self._keras_bytes)

    @property
    def keras_bytes(self):
        """bytes or None: the ``.keras`` file the network was read from."""
        return self._keras_bytes

    # -- the graph ---------------------------------------------------------------------------
    def _compile(self):
        model = _model_config(self._config)
        self.name = model.get("name")
        layers = model["layers"]
        self._steps = []  # (name, function, input refs, multi-input)
        known = set()
        shapes = []
        sequential = _is_sequential(self._config)
        previous = None
        for layer in layers:
            cls_name = layer.get("class_name")
            name = _layer_name(layer)
            config = layer.get("config") or {}
            if cls_name not in _LAYERS:
                raise UnsupportedLayerError(
                    f"layer {name!r} of type {cls_name!r} is not computed by the NumPy "
                    f"engine (it computes {', '.join(_SUPPORTED)}); predict with Keras "
                    "instead: load_model(path, engine='keras')."
                )
            _check_builtin(layer, name)
            if cls_name == "InputLayer":
                shape = config.get("batch_shape") or config.get("batch_input_shape")
                self.input_shape = tuple(shape[1:]) if shape else None
                known.add(name)
                previous = name
                shapes.append(tuple(shape or ()))
                continue
            weights = self._weights.get(name, [])
            try:
                # first: a setting the engine does not compute (channels_first, groups)
                # is unsupported, not damage, whatever its weights look like
                fn = _LAYERS[cls_name](config, weights, name)
            except UnsupportedLayerError:
                raise
            except Exception:  # e.g. weights missing: the check below says what is wrong
                fn = None
            _check_weight_shapes(layer, weights, name)
            if fn is None:
                fn = _LAYERS[cls_name](config, weights, name)
            if sequential:
                refs, multi = [(previous, 0, 0)], False
                if previous is None:
                    shape = config.get("batch_shape") or config.get("batch_input_shape")
                    self.input_shape = tuple(shape[1:]) if shape else None
                    refs = [("__input__", 0, 0)]
                    known.add("__input__")
            else:
                nodes = layer.get("inbound_nodes") or []
                if len(nodes) != 1:
                    raise UnsupportedLayerError(
                        f"layer {name!r} is called {len(nodes)} times in the graph; the NumPy "
                        "engine computes layers called once."
                    )
                refs = _tensor_refs(nodes[0].get("args", []))
                shapes.extend(_tensor_shapes(nodes[0]))
                multi = cls_name == "Concatenate"
            missing = [r[0] for r in refs if r[0] not in known]
            if missing or not refs:
                raise UnsupportedLayerError(
                    f"layer {name!r} reads the outputs of {missing or 'nothing'}, which the "
                    "NumPy engine cannot find."
                )
            self._steps.append((name, fn, [r[0] for r in refs], multi))
            known.add(name)
            previous = name
        if sequential:
            # Keras 3 names a layer in its config (the InputLayer comes first)
            self._inputs = ["__input__"] if "__input__" in known else [_layer_name(layers[0])]
            self._output = previous
        else:
            inputs = _flat_refs(model["input_layers"])
            outputs = _flat_refs(model["output_layers"])
            if len(inputs) != 1 or len(outputs) != 1:
                raise UnsupportedLayerError(
                    f"network {self.name!r} has {len(inputs)} inputs and {len(outputs)} "
                    "outputs; the NumPy engine computes networks of one input and one output."
                )
            self._inputs, self._output = inputs, outputs[0]
        self._largest = max(
            (math.prod(int(d) for d in s[1:] if d is not None) for s in shapes if len(s) > 1),
            default=0,
        )

    def largest_activation(self):
        """Number of values of the largest activation of one sample (input included).

        Returns
        -------
        size : int
        """
        return self._largest

    def predict(self, X):
        """The network's output for a batch, at inference (dropout off, moving statistics).

        Parameters
        ----------
        X : array-like of shape (n_samples, *input_shape)
            Computed in float32.

        Returns
        -------
        output : ndarray of float32
            ``(n_samples, *output_shape)``.
        """
        X = np.asarray(X, dtype=np.float32)
        values = {self._inputs[0]: X}
        for name, fn, refs, multi in self._steps:
            values[name] = fn([values[r] for r in refs]) if multi else fn(values[refs[0]])
        out = np.asarray(values[self._output], dtype=np.float32)
        return out

    __call__ = predict

    def __repr__(self):
        return f"NumpyNetwork(name={self.name!r}, layers={len(self._steps)})"

    def __getstate__(self):
        # The graph of closures is rebuilt from the config and weights on unpickling.
        return {"config": self._config, "weights": self._weights,
                "keras_bytes": self._keras_bytes}

    def __setstate__(self, state):
        self._config = state["config"]
        self._weights = state["weights"]
        self._keras_bytes = state["keras_bytes"]
        self._compile()


def _model_config(config):
    if not isinstance(config, dict) or "config" not in config:
        raise ValueError("not a Keras model configuration (no 'config' key).")
    cls_name = config.get("class_name")
    if cls_name not in ("Functional", "Sequential", "Model"):
        raise UnsupportedLayerError(
            f"model of type {cls_name!r} is not computed by the NumPy engine (only functional "
            "and sequential models are)."
        )
    return config["config"]


def _is_sequential(config):
    return config.get("class_name") == "Sequential"


def _check_builtin(layer, name):
    """Refuse a layer that is not Keras' own: a subclass registered under the name of a
    built-in (``Dense``) would be computed as the built-in, silently; a quantized layer
    holds other weights."""
    module, registered = layer.get("module"), layer.get("registered_name")
    cls_name = layer.get("class_name")
    if (registered not in (None, cls_name)
            or (module is not None and not str(module).startswith("keras"))):
        raise UnsupportedLayerError(
            f"layer {name!r} is a custom layer ({registered or module}.{cls_name}), not "
            "Keras' own; the NumPy engine computes built-in layers only: use "
            "engine='keras'."
        )
    config = layer.get("config") or {}
    dtype = config.get("dtype")
    policy = (dtype.get("class_name", "") if isinstance(dtype, dict)
              else str(dtype or ""))
    mode = str(((dtype or {}).get("config") or {}).get("name", "")
               if isinstance(dtype, dict) else dtype or "")
    if ("Quantized" in policy or config.get("quantization_config")
            or mode.startswith(("int", "float8"))):
        raise UnsupportedLayerError(
            f"layer {name!r} is quantized ({policy or mode}); the NumPy engine computes "
            "float layers only: use engine='keras'."
        )


def _expected_weight_shapes(layer):
    """The shapes of a layer's weights that its config and build input imply, in Keras'
    order (None for a size the file does not say); an empty list for layers without."""
    cls_name, config = layer.get("class_name"), layer.get("config") or {}
    built = (layer.get("build_config") or {}).get("input_shape")
    last = built[-1] if isinstance(built, (list, tuple)) and built else None
    bias = bool(config.get("use_bias", True))
    if cls_name == "Dense":
        units = int(config["units"])
        return [(last, units)] + [(units,)] * bias
    if cls_name in ("Conv1D", "Conv2D"):
        rank = int(cls_name[-2])
        filters = int(config["filters"])
        return [(*_tuple(config["kernel_size"], rank), last, filters)] + [(filters,)] * bias
    if cls_name == "BatchNormalization":
        axis = config.get("axis", -1)
        axis = axis[0] if isinstance(axis, (list, tuple)) and len(axis) == 1 else axis
        try:
            dim = built[axis] if isinstance(axis, int) and built else None
        except IndexError:
            dim = None
        n = 2 + bool(config.get("scale", True)) + bool(config.get("center", True))
        return [(dim,)] * n
    return []


def _check_weight_shapes(layer, weights, name):
    """Refuse weights whose number or shapes do not fit the layer (Keras' safe mode does
    too): a short bias broadcasts without error and gives a silently wrong network."""
    from .._errors import WeightsMismatchError

    try:
        expected = _expected_weight_shapes(layer)
    except (KeyError, TypeError, ValueError) as exc:
        raise WeightsMismatchError(
            f"layer {name!r} ({layer.get('class_name')}) has a config without the settings "
            f"its weights need ({type(exc).__name__}: {exc})."
        ) from None
    shapes = [tuple(np.shape(w)) for w in weights]
    fits = len(shapes) == len(expected) and all(
        len(got) == len(want) and all(w is None or g == w for g, w in zip(got, want))
        for got, want in zip(shapes, expected)
    )
    if not fits:
        show = [tuple("?" if d is None else d for d in e) for e in expected]
        raise WeightsMismatchError(
            f"layer {name!r} ({layer.get('class_name')}) holds weights of shapes {shapes}, "
            f"but its config needs {show}."
        )


def _layer_name(layer):
    return layer.get("name") or (layer.get("config") or {}).get("name")


def _flat_refs(value):
    """Layer names of a functional model's ``input_layers``/``output_layers`` entry."""
    if isinstance(value, list) and len(value) == 3 and isinstance(value[0], str):
        return [value[0]]
    names = []
    for item in value or []:
        names.extend(_flat_refs(item))
    return names
