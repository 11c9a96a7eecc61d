"""The inference plan of a saved model: songs judged without scikit-learn, Keras or TensorFlow.

A fitted clip pipeline of skgenre's own steps (``load``, ``clip``, then feature or
spectrogram steps, a scaler and a :class:`~skgenre.GenreClassifier`) computes, at predict
time, a fixed chain of array operations. :func:`save_model` writes that chain into the safe
model file beside the estimator: ``plan.json`` names each operation and its settings, and
``plan/<i>.npy`` holds its fitted arrays; the network is the file's ``networks/<i>.keras``
member, which the NumPy engine (:mod:`skgenre.models._numpy_net`) computes. Reading a plan
builds no object of the file's choosing (JSON, ``.npy`` without pickles, and the network's
JSON and HDF5), as the rest of the safe format.

What the plan computes is what the pipeline computes, by the same functions:

* decoding: ``skgenre.io._decode._load``, the decoder of :class:`~skgenre.AudioLoader`,
  with the settings :func:`~skgenre.inference.predict_songs` gives it (the whole file,
  up to ``max_duration``);
* clip transformers: their chunk function (``skgenre.features._maps``) over the same
  chunks of clips (``chunk_size`` as saved; chunks are not split among parallel jobs);
* scaling: ``skgenre.preprocessing._scale_ops`` (``StandardScaler`` as scikit-learn 1.7
  and later compute it);
* the network: the NumPy engine, in the batches ``GenreClassifier`` uses, and
  ``class_probabilities``;
* songs to rows: :class:`~skgenre.inference._judge.SongJudge`.

So ``skgenre predict`` gives the rows of the pipeline itself (the test suite compares
them) in a process that imports NumPy, soundfile and SciPy's FFT only. A pipeline with any
other step (an embedding, an open-set or whole-track classifier, a user's transformer,
noise at predict time) gets no plan, and is loaded whole as before.
"""

import inspect
import io
import json
import math
import os
from pathlib import Path

import numpy as np

from .._errors import ModelFileError
from ._library import SongRowsJudge

__all__ = ["InferencePlan", "PlanJudge", "export_plan", "load_plan", "plan_from_data"]

#: Version of the plan's layout. A reader skips (and loads the model whole) a plan of
#: another version.
PLAN_FORMAT = 1
PLAN_MEMBER = "plan.json"
_ARRAYS = "plan/"
_MAX_PLAN_BYTES = 1 << 20
_MAX_PLAN_DEPTH = 16


class _NoPlan(Exception):
    """The pipeline holds a step that the plan does not compute."""


# ----------------------------------------------------------------------------- export


def export_plan(pipeline, network_index):
    """The members of ``pipeline``'s plan in a model file, or None where it has none.

    Parameters
    ----------
    pipeline : object
        The estimator being saved.
    network_index : callable
        Maps a network object to its index among the file's networks (None if absent).

    Returns
    -------
    members : dict of str to bytes, or None
        ``plan.json`` and the ``.npy`` arrays it names.
    """
    try:
        spec, arrays = _describe(pipeline, network_index)
    except _NoPlan:
        return None
    except (AttributeError, TypeError, ValueError):
        # A step fitted in a way the plan does not know (e.g. a subclass's state): the
        # model is saved all the same and loaded whole; the plan only saves time.
        return None
    members = {PLAN_MEMBER: json.dumps(spec, indent=1).encode("utf-8")}
    for key, array in arrays.items():
        buf = io.BytesIO()
        np.save(buf, np.ascontiguousarray(array), allow_pickle=False)
        members[f"{_ARRAYS}{key}.npy"] = buf.getvalue()
    return members


def _describe(pipeline, network_index):
    """``(spec, arrays)`` of a plannable fitted pipeline; raises _NoPlan otherwise."""
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from ..features import (
        FeatureExtractor,
        FeatureExtractor26,
        MelSpectrogram,
        RowMeanVectorizer,
    )
    from ..features._maps import CHUNK_FUNCTIONS
    from ..io import AudioLoader
    from ..models._classifier import GenreClassifier
    from ..preprocessing import (
        MinMaxThenNormalize,
        PixelDropoutNoise,
        RandomClip,
        SpectrogramStandardizer,
    )

    if type(pipeline) is not Pipeline or len(pipeline.steps) < 3:
        raise _NoPlan
    (load_name, load), (clip_name, clip) = pipeline.steps[:2]
    if (load_name, clip_name) != ("load", "clip") or type(load) is not AudioLoader:
        raise _NoPlan
    if load.mono is not True or type(clip) is not RandomClip or not hasattr(clip, "n_samples_"):
        raise _NoPlan
    arrays = {}

    def array(value):
        if value is None:
            return None
        key = str(len(arrays))
        arrays[key] = np.asarray(value)
        return key

    ops = []
    for _, step in pipeline.steps[2:-1]:
        kind = type(step)
        if step is None or (isinstance(step, str) and step == "passthrough"):
            continue
        if kind is PixelDropoutNoise:
            if step.rate != 0:  # random noise at predict time: the pipeline's own job
                raise _NoPlan
        elif kind in (FeatureExtractor, FeatureExtractor26, MelSpectrogram):
            func = step._chunk_function()
            names = [k for k, f in CHUNK_FUNCTIONS.items() if f is func.func]
            if len(names) != 1:
                raise _NoPlan
            ops.append({"op": "clips", "function": names[0],
                        "params": _jsonable(func.keywords),
                        "n_samples": int(step.n_features_in_),
                        "hop_length": int(step.hop_length),
                        "chunk_size": _jsonable(step.chunk_size)})
        elif kind is RowMeanVectorizer:
            ops.append({"op": "row_mean"})
        elif kind is StandardScaler:
            # scikit-learn keeps mean_ with with_mean=False (and reads the flags at
            # transform, so a set_params after fit counts): the flags say what is applied
            if (step.with_mean and step.mean_ is None) or (step.with_std
                                                           and step.scale_ is None):
                raise _NoPlan  # a flag set after fit: the pipeline itself cannot transform
            ops.append({"op": "standard_scale",
                        "mean": array(step.mean_ if step.with_mean else None),
                        "scale": array(step.scale_ if step.with_std else None)})
        elif kind is MinMaxThenNormalize:
            ops.append({"op": "minmax_then_normalize", "data_min": array(step.data_min_),
                        "data_range": array(step.data_range_), "clip": bool(step.clip),
                        "norm": str(step.norm)})
        elif kind is SpectrogramStandardizer:
            ops.append({"op": "standardize_bands", "mean": array(step.mean_),
                        "scale": array(step.scale_)})
        else:
            raise _NoPlan
    clf = pipeline.steps[-1][1]
    if type(clf) is not GenreClassifier or not hasattr(clf, "model_"):
        raise _NoPlan
    index = network_index(clf.model_)
    if index is None:
        raise _NoPlan
    classes = np.asarray(clf.classes_)
    if classes.dtype.kind not in "biuUO" or not all(
        isinstance(c, (str, int, np.integer, np.str_, bool, np.bool_)) for c in classes
    ):
        raise _NoPlan
    spec = {
        "format": PLAN_FORMAT,
        "load": {"sr": int(load.sr)},
        "clip": {"sr": int(clip.sr), "n_samples": int(clip.n_samples_),
                 "pad_mode": str(clip.pad_mode)},
        "ops": ops,
        "network": {"index": int(index), "input_shape": [int(d) for d in clf.X_shape_[1:]],
                    "batch_size": _jsonable(getattr(clf, "predict__batch_size", None))},
        "classes": {"values": classes.tolist(), "dtype": classes.dtype.str},
    }
    return spec, arrays


def _jsonable(value):
    """Settings as JSON values (tuples as lists); _NoPlan for anything else."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    raise _NoPlan


# ----------------------------------------------------------------------------- reading


def load_plan(path, *, sha256=None, max_size=None):
    """The inference plan of a model file, or None where the file has none.

    The file is checked as :func:`~skgenre.load_model` checks it (size, zip structure,
    manifest, each member's size) before anything is read as a plan.

    Parameters
    ----------
    path : str or os.PathLike
        A model file.
    sha256 : str or None, default=None
        The file's published SHA-256 digest, checked first (as by ``load_model``).
    max_size : int or None, default=None
        Bound on the bytes the file may make this hold (None: ``load_model``'s default).

    Returns
    -------
    plan : InferencePlan or None
        None for a pickle file, a file saved without a plan (a pipeline the plan does not
        compute, or a skgenre before plans), a plan of another version, or a network the
        NumPy engine does not compute: :func:`~skgenre.load_model` loads those whole.

    Raises
    ------
    ModelFileError
        If the file is damaged, or is not a model file.
    """
    from .. import _persist
    from .._model_bytes import check_sha256, read_model_bytes

    name = os.fsdecode(os.fspath(path))
    max_size = _persist.MAX_MODEL_SIZE if max_size is None else max_size
    data = read_model_bytes(Path(name), max_size)
    if sha256 is not None:
        check_sha256(Path(name), data, sha256)
    return plan_from_data(name, data, max_size)


def plan_from_data(name, data, max_size=None):
    """:func:`load_plan` on the bytes of model file ``name``, already read (and checked
    against a digest where one was given)."""
    from .. import _model_versions, _persist
    from .._model_zip import parse_json, read_member
    from ..models._numpy_net import NumpyNetwork

    max_size = _persist.MAX_MODEL_SIZE if max_size is None else max_size
    if not data.startswith(b"PK\x03\x04"):
        return None  # load_model says what it is
    with _persist._open_safe(name, data, max_size) as (zf, manifest, budget):
        member = manifest.get("plan")
        if member is None:
            return None
        if zf.getinfo(member).file_size > _MAX_PLAN_BYTES:
            raise _damaged(name, f"{member} declares {zf.getinfo(member).file_size} bytes")
        spec = parse_json(read_member(zf, member, name), name, member, _MAX_PLAN_DEPTH)
        if not isinstance(spec, dict) or spec.get("format") != PLAN_FORMAT:
            return None
        arrays = {}
        for item in zf.namelist():
            if item.startswith(_ARRAYS) and item.endswith(".npy"):
                arrays[item[len(_ARRAYS):-4]] = _read_array(read_member(zf, item, name),
                                                            item, name)
        net_bytes = _persist._network_bytes(zf, manifest, name, budget)
    # as load_model does (the plan is read without it)
    _model_versions.warn_on_mismatch(name, manifest.get("versions"), stacklevel=4)
    try:
        index = spec["network"]["index"]
        network_data = net_bytes[index] if isinstance(index, int) and index >= 0 else None
    except (KeyError, TypeError, IndexError):
        network_data = None
    if network_data is None:
        raise _damaged(name, "the plan names a network the file does not hold")
    try:
        network = NumpyNetwork.from_keras_bytes(network_data)
    except Exception:  # a layer the NumPy engine does not compute: load the model whole
        return None
    return InferencePlan(spec, arrays, network, name=name)


def _read_array(raw, item, name):
    """The array of the ``.npy`` bytes ``raw``, whose header must fit its size.

    A header may declare any shape: ``np.load`` would allocate it before finding the
    data missing (terabytes, for a few bytes of file).
    """
    f = io.BytesIO(raw)
    try:
        version = np.lib.format.read_magic(f)
        read_header = {(1, 0): np.lib.format.read_array_header_1_0,
                       (2, 0): np.lib.format.read_array_header_2_0}.get(version)
        if read_header is None:  # np.save writes 1.0 for plain arrays (2.0: huge headers)
            raise ValueError(f"format version {version} is not one skgenre writes")
        shape, _, dtype = read_header(f)
        if dtype.hasobject:
            raise ValueError("it holds Python objects")
        if math.prod(shape) * dtype.itemsize != len(raw) - f.tell():
            raise ValueError(f"its header declares {shape} of {dtype}, which the "
                             f"{len(raw) - f.tell()} bytes after it do not hold")
        return np.load(io.BytesIO(raw), allow_pickle=False)
    except (ValueError, EOFError, OSError, TypeError) as exc:  # pickled, cut short, garbage
        raise _damaged(name, f"{item} is not an array ({exc})") from None


def _damaged(name, cause):
    return ModelFileError(f"model file {name!r} is damaged: its inference plan is unusable "
                          f"({cause}).")


# ----------------------------------------------------------------------------- running


class InferencePlan:
    """A saved model's predict path, run without scikit-learn (built by :func:`load_plan`).

    Parameters
    ----------
    spec : dict
        The contents of ``plan.json``.
    arrays : dict of str to ndarray
        The fitted arrays it names.
    network : NumpyNetwork
        The classifier's network.
    name : str, default="<plan>"
        The model file, for messages.

    Attributes
    ----------
    classes_ : ndarray
        The class labels, in the order of the probabilities.
    sr : int
        Sample rate of the clips; ``n_samples`` their length, ``pad_mode`` how a song
        shorter than one clip is padded.
    """

    def __init__(self, spec, arrays, network, *, name="<plan>"):
        from ..features._maps import CHUNK_FUNCTIONS

        self.name = name
        try:
            load, clip, net = spec["load"], spec["clip"], spec["network"]
            self.load_sr = _positive_int(load["sr"])
            self.sr = _positive_int(clip["sr"])
            self.n_samples = _positive_int(clip["n_samples"])
            self.pad_mode = clip["pad_mode"]
            if self.pad_mode not in ("constant", "wrap"):
                raise ValueError(f"pad_mode {self.pad_mode!r}")
            classes = spec["classes"]
            self.classes_ = np.asarray(classes["values"], dtype=np.dtype(classes["dtype"]))
            if self.classes_.ndim != 1 or len(self.classes_) < 2:
                raise ValueError("fewer than two classes")
            self.input_shape = tuple(_positive_int(d) for d in net["input_shape"])
            batch = net.get("batch_size")
            self.batch_size = None if batch is None else _positive_int(batch)
            self._ops = [self._op(op, arrays, CHUNK_FUNCTIONS) for op in spec["ops"]]
        except (KeyError, TypeError, ValueError) as exc:
            raise _damaged(name, f"{type(exc).__name__}: {exc}") from None
        self.network = network

    def _op(self, op, arrays, functions):
        from ..features._chunks import chunk_length, iter_chunks
        from ..features._maps import row_means
        from ..features._stft import frame_count
        from ..preprocessing._scale_ops import (
            minmax_then_normalize,
            standard_scale,
            standardize_bands,
        )

        def arr(key):
            if key is None:
                return None
            if key not in arrays:
                raise KeyError(f"array {key!r}")
            return np.asarray(arrays[key], dtype=np.float64)

        kind = op["op"]
        if kind == "clips":
            func = functions[op["function"]]
            params = {k: tuple(v) if isinstance(v, list) else v for k, v in op["params"].items()}
            inspect.signature(func).bind(None, **params)  # TypeError: settings it lacks
            n_samples = _positive_int(op["n_samples"])
            size = chunk_length(frame_count(n_samples, _positive_int(op["hop_length"])),
                                op["chunk_size"])

            def clips_op(X):
                if X.ndim != 2 or X.shape[1] != n_samples:
                    raise ValueError(f"clips of shape {X.shape[1:]}, not ({n_samples},)")
                X = np.ascontiguousarray(X, dtype=np.float32)
                return np.concatenate(
                    [func(X[s], **params) for s in iter_chunks(len(X), size)], axis=0
                )

            return clips_op
        if kind == "row_mean":
            return row_means
        if kind == "standard_scale":
            mean, scale = arr(op["mean"]), arr(op["scale"])
            return lambda X: standard_scale(np.array(X, dtype=X.dtype), mean, scale)
        if kind == "minmax_then_normalize":
            data_min, data_range = arr(op["data_min"]), arr(op["data_range"])
            clip, norm = bool(op["clip"]), str(op["norm"])
            return lambda X: minmax_then_normalize(np.array(X, dtype=X.dtype), data_min,
                                                   data_range, clip=clip, norm=norm)
        if kind == "standardize_bands":
            mean, scale = arr(op["mean"]), arr(op["scale"])
            return lambda X: standardize_bands(X, mean, scale)
        raise ValueError(f"unknown operation {kind!r}")

    def predict_proba(self, clips):
        """Class probabilities of clips, as the pipeline's ``predict_proba`` after ``clip``.

        Parameters
        ----------
        clips : ndarray of shape (n_clips, n_samples)

        Returns
        -------
        proba : ndarray of shape (n_clips, n_classes), dtype float64
        """
        from ..models._numpy_net import class_probabilities, predict_batch_size

        X = np.asarray(clips, dtype=np.float32)
        for op in self._ops:
            X = op(X)
        X = np.asarray(X, dtype=np.float32)
        if X.shape[1:] != self.input_shape:
            raise ValueError(
                f"the network takes samples of shape {self.input_shape}, got {X.shape[1:]}"
            )
        batch = self.batch_size or predict_batch_size(self.network.largest_activation())
        raw = np.concatenate(
            [np.asarray(self.network.predict(X[i : i + batch]))
             for i in range(0, len(X), batch)], axis=0,
        )
        return class_probabilities(raw, len(self.classes_))

    def song_judge(self, *, top_k=3, max_duration=600.0, screen=True, segments=False,
                   segment_duration=10.0):
        """A :class:`~skgenre.inference._judge.SongJudge` of this plan (as
        :func:`~skgenre.inference.predict_songs` makes one of the pipeline)."""
        from ..io._decode import _load
        from ._judge import SongJudge

        def load(path):
            return _load(path, self.load_sr, True, 0.0, max_duration)

        return SongJudge(
            sr=self.sr, n_samples=self.n_samples, hop=None, pad_mode=self.pad_mode,
            classes=self.classes_, score_clips=self.predict_proba, load=load, top_k=top_k,
            max_duration=max_duration, screen=screen, segments=segments,
            segment_duration=segment_duration,
        )


def _positive_int(value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"expected a positive int, got {value!r}")
    return value


class PlanJudge(SongRowsJudge):
    """How a worker judges one song with a model file's plan (picklable, loaded once each).

    The counterpart of :class:`~skgenre.inference._library.PipelineJudge` for
    :func:`~skgenre.inference._library.iter_song_rows`.

    Parameters
    ----------
    plan : InferencePlan or None
        The plan (used in this process); or None with ``model_file``.
    model_file : str or None
        A model file with a plan, which each worker loads with :func:`load_plan`.
    sha256 : str or None
        Its published digest, checked at each load.
    **settings
        ``top_k``, ``max_duration``, ``screen``, ``segments``, ``segment_duration``, as
        for :func:`~skgenre.inference.predict_songs`.
    """

    def __init__(self, plan=None, *, model_file=None, sha256=None, **settings):
        super().__init__(**settings)
        self.plan = plan
        self.model_file = model_file
        self.sha256 = sha256

    def __getstate__(self):
        # A worker loads the file itself: cheaper than pickling the network to it.
        state = dict(vars(self))
        if self.model_file is not None:
            state["plan"] = None
        return state

    def _song_judge(self):
        plan = self.plan
        if plan is None:
            plan = load_plan(self.model_file, sha256=self.sha256)
            if plan is None:
                raise ModelFileError(f"model file {self.model_file!r} has no inference plan.")
        return plan.song_judge(**self._settings())
