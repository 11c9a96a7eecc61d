"""Save and load fitted skgenre models; loading the default format never runs code.

Two file formats exist:

``format="safe"`` (the default of :func:`save_model`)
    One zip file holding

    * ``skgenre-model.json``: a manifest with a magic marker, the format number and the
      versions of skgenre, scikit-learn, Keras, TensorFlow, NumPy and skops at save time;
    * ``estimator.skops``: the estimator in `skops <https://skops.readthedocs.io>`_' format,
      with every Keras network swapped out for a placeholder. skops builds only objects
      of types on an explicit list of trusted types (scikit-learn's own and
      :data:`TRUSTED_TYPES`: skgenre's estimators and the few helper types they hold); a
      file naming any other type is refused before anything is built;
    * ``networks/<i>.keras``: each Keras network in Keras' native format, loaded with
      ``safe_mode=True`` (no Python code or ``Lambda`` layer is deserialised).

``format="pickle"``
    A joblib pickle of the estimator in an envelope with the same version stamps (the only
    format before skgenre 0.2). Unpickling runs code chosen by whoever wrote the file, so
    :func:`load_model` refuses such files unless the caller says the file is trusted:
    ``trust_pickle=True``, or ``sha256=`` with the file's published SHA-256 digest (checked
    before anything is read as a model). The command line has ``--trust-pickle`` and
    ``--sha256 HEX`` for the same.

Both writers are atomic (see :func:`skgenre.utils.atomic_write`): a failed or interrupted
save leaves an existing model file untouched, and a reader sees the old or the new file.

A safe file is checked before it is believed: its zip directory must end the file (a file
cut short is said to be truncated); every member's declared size counts against
``max_size`` of :func:`load_model` before anything is decompressed (also the members of the
zips inside it: the skops file and each ``.keras`` network), so a zip bomb costs no
memory; only stored and deflated members are read, each to its declared size and no
further; JSON that is nested deeper than any model skgenre writes is refused. Every fault
is a :class:`~skgenre.ModelFileError` naming the file and the cause.
"""

import contextlib
import copy
import importlib.metadata
import io
import json
import os
import sys
import tempfile
import types
import warnings
import zipfile

from . import _model_versions
from ._errors import ModelFileError, VersionMismatchWarning, WeightsMismatchError
from ._model_bytes import PICKLE_HEADS as _PICKLE_HEADS
from ._model_bytes import not_a_model as _not_a_model
from ._model_bytes import read_checked as _checked_bytes
from ._model_bytes import refuse_compressed_zip as _refuse_compressed_zip
from ._model_metadata import check_metadata
from ._model_trust import (  # noqa: F401 (import_skops_lean: the CLI's, from here)
    TRUSTED_TYPES,
    _is_public_sklearn_estimator,
    _trusted_types,
    check_trusted_types,
    import_skops_lean,
    unimportable_types,
)
from ._model_zip import (
    Budget,
    cause,
    check_inner_zip,
    open_zip,
    parse_json,
    read_member,
    zip_end_problem,
)
from ._version import __version__

__all__ = ["MAX_MODEL_SIZE", "TRUSTED_TYPES", "load_model", "save_model"]

_MAGIC = "skgenre-model"
_FORMAT = 1  # joblib envelope
_SAFE_FORMAT = 2  # zip of manifest + skops + .keras files
_MANIFEST = "skgenre-model.json"
_ESTIMATOR = "estimator.skops"

# Default bound on the bytes a model file may make load_model hold: the file itself, and
# the declared uncompressed sizes of its members and of the members of the zips inside
# it, and the weights' declared sizes. The biggest model skgenre makes is under 8 MB by
# this count (benchmarks/bench_model_files.py: the tuned feature pipeline with
# track=True 7.7 MB, the tuned CNN pipeline 4.0 MB).
MAX_MODEL_SIZE = 1 << 30
# A manifest is a few hundred bytes, two levels deep.
_MAX_MANIFEST_BYTES = 1 << 20
_MAX_MANIFEST_DEPTH = 16

class _NetworkRef:
    """Stands in for the ``i``-th Keras network inside ``estimator.skops``."""

    def __init__(self, index):
        self.index = index

    def __repr__(self):
        return f"_NetworkRef({self.index})"


def _is_estimator(obj):
    return hasattr(obj, "fit") and hasattr(obj, "get_params") and (
        hasattr(obj, "predict") or hasattr(obj, "transform")
    )


# -- the object graph: where the Keras networks are ----------------------------------------

_LEAF_TYPES = (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType,
               types.MethodType, str, bytes, int, float, complex, bool, type(None))


def _keras_model_type():
    keras = sys.modules.get("keras")
    if keras is None:
        return None  # no Keras imported, so no Keras network can exist
    return keras.Model


def _children(obj):
    if isinstance(obj, dict):
        return list(obj.values())
    if isinstance(obj, (list, tuple, set, frozenset)):
        return list(obj)
    state = getattr(obj, "__dict__", None)
    return list(state.values()) if isinstance(state, dict) else []


def _walk(obj, visit):
    """Call ``visit`` on every object reachable from ``obj``, once each, depth first.

    ``visit(item)`` returns the objects to go on with; leaves (types, functions, strings,
    numbers) are never visited.
    """
    seen, stack = set(), [obj]
    while stack:
        item = stack.pop()
        if id(item) in seen or isinstance(item, _LEAF_TYPES):
            continue
        seen.add(id(item))
        stack.extend(visit(item))


def _find_networks(obj):
    """Every network (Keras model or NumpyNetwork) reachable from ``obj``, in a fixed order."""
    from .models._numpy_net import NumpyNetwork

    keras_type = _keras_model_type()
    model_type = NumpyNetwork if keras_type is None else (keras_type, NumpyNetwork)
    found = []

    def visit(item):
        if isinstance(item, model_type):
            found.append(item)
            return []
        if type(item).__module__.split(".")[0] in ("numpy", "keras", "tensorflow"):
            return []
        return reversed(_children(item))

    _walk(obj, visit)
    return found


def _put_networks_back(obj, networks):
    """Replace every :class:`_NetworkRef` reachable from ``obj`` by its network."""
    used = set()

    def swap(value):
        if isinstance(value, _NetworkRef):
            if not (isinstance(value.index, int) and 0 <= value.index < len(networks)):
                raise ModelFileError(f"network placeholder {value.index!r} names no network")
            used.add(value.index)
            return networks[value.index]
        return value

    def visit(item):
        if isinstance(item, dict):
            values = list(item.items())
            for key, value in values:
                item[key] = swap(value)
            return [value for _, value in values]
        if isinstance(item, list):
            values = list(item)
            for i, value in enumerate(values):
                item[i] = swap(value)
            return values
        if isinstance(item, tuple):
            if any(isinstance(v, _NetworkRef) for v in item):
                raise ModelFileError("a network placeholder sits inside a tuple")
            return item
        if isinstance(getattr(item, "__dict__", None), dict) and not isinstance(item, _NetworkRef):
            values = list(vars(item).items())
            for key, value in values:
                new = swap(value)
                if new is not value:
                    setattr(item, key, new)
            return [value for _, value in values]
        return []

    _walk(obj, visit)
    return used


# -- saving ---------------------------------------------------------------------------------


def _check_fitted(estimator):
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    try:
        check_is_fitted(estimator)
    except NotFittedError:
        raise NotFittedError(
            f"save_model expects a fitted estimator, but this {type(estimator).__name__} is "
            "not fitted yet: call fit first (a model file of an unfitted estimator could "
            "not predict)."
        ) from None
    except TypeError:
        pass  # not an estimator check_is_fitted understands; _is_estimator decided


def _drop_metadata_requests(obj, seen):
    """Remove every ``set_fit_request``-style request from the copy ``obj``, in place.

    They steer metadata routing while fitting and do nothing for prediction; skops cannot
    store them (scikit-learn's request objects point back at their owner).
    """
    if id(obj) in seen:
        return
    seen.add(id(obj))
    if isinstance(obj, (list, tuple, set, frozenset)):
        children = obj
    elif isinstance(obj, dict):
        children = obj.values()
    elif hasattr(obj, "__dict__") and not isinstance(obj, type):
        obj.__dict__.pop("_metadata_request", None)
        children = list(vars(obj).values())
    else:
        return
    for child in children:
        _drop_metadata_requests(child, seen)


def _safe_payload(estimator, compresslevel, metadata=None):
    """The bytes of a safe model file for ``estimator``."""
    import skops.io as sio

    networks = _find_networks(estimator)
    # A copy in which each network is a placeholder: the caller's estimator is not
    # touched, so it stays usable from other threads while it is saved.
    memo = {id(net): _NetworkRef(i) for i, net in enumerate(networks)}
    try:
        shell = copy.deepcopy(estimator, memo)
    except Exception as exc:
        raise TypeError(
            f"save_model cannot copy this {type(estimator).__name__} for the safe format "
            f"({type(exc).__name__}: {exc}); save it with format='pickle' instead."
        ) from exc
    _drop_metadata_requests(shell, set())
    try:
        skops_bytes = sio.dumps(shell)
    except Exception as exc:
        raise TypeError(
            f"the safe model format cannot hold this {type(estimator).__name__} "
            f"({type(exc).__name__}: {exc}); save it with format='pickle' instead (and load "
            "it with trust_pickle=True)."
        ) from exc
    trusted = set(_trusted_types())
    extra = sorted(set(sio.get_untrusted_types(data=skops_bytes)) - trusted)
    if extra:
        warnings.warn(
            f"the model holds types that are not on skgenre's list of trusted types: {extra}. "
            "load_model refuses the file unless they are passed as trusted_types=[...].",
            UserWarning,
            stacklevel=3,
        )
    versions = _model_versions.installed_versions()
    try:
        versions["skops"] = importlib.metadata.version("skops")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - imported above
        versions["skops"] = None
    manifest = {
        "magic": _MAGIC,
        "format": _SAFE_FORMAT,
        "versions": versions,
        "estimator_type": f"{type(estimator).__module__}.{type(estimator).__qualname__}",
        "estimator": _ESTIMATOR,
        "networks": [f"networks/{i}.keras" for i in range(len(networks))],
        "untrusted_types": extra,
    }
    if metadata is not None:
        manifest["metadata"] = metadata
    from .inference._plan import PLAN_MEMBER, export_plan

    index = {id(net): i for i, net in enumerate(networks)}
    plan = export_plan(estimator, lambda net: index.get(id(net))) or {}
    if plan:  # how to predict without scikit-learn: skgenre.inference._plan
        manifest["plan"] = PLAN_MEMBER
    buf = io.BytesIO()
    method = zipfile.ZIP_STORED if compresslevel == 0 else zipfile.ZIP_DEFLATED
    level = None if compresslevel == 0 else compresslevel
    with zipfile.ZipFile(buf, "w", compression=method, compresslevel=level) as zf:
        zf.writestr(_MANIFEST, json.dumps(manifest, indent=2))
        zf.writestr(_ESTIMATOR, skops_bytes)
        for member, content in plan.items():
            zf.writestr(member, content)
        if networks:
            with tempfile.TemporaryDirectory() as tmp:
                for i, net in enumerate(networks):
                    member = os.path.join(tmp, f"{i}.keras")
                    net.save(member)
                    # .keras files are zip archives already: stored, not compressed again.
                    zf.write(member, manifest["networks"][i], compress_type=zipfile.ZIP_STORED)
    return buf.getvalue()


def save_model(estimator, path, *, format="safe", compress=3, metadata=None):
    """Save a fitted estimator (typically a skgenre pipeline) to one file, atomically.

    The default ``format="safe"`` writes a zip file that :func:`load_model` reads without
    running any code from the file: Keras networks as ``.keras`` files (loaded in
    ``safe_mode``) and everything else with skops, restricted to a list of trusted types.
    ``format="pickle"`` writes a joblib pickle, which loads only with
    ``load_model(path, trust_pickle=True)`` (or a matching ``sha256``). Both record the
    versions of skgenre, scikit-learn, Keras, TensorFlow and NumPy, so that
    :func:`load_model` can warn when a model is loaded under others.

    The file is written to a temporary file beside ``path`` and renamed over it at the
    end: an error, a full disk or an interrupt leaves an existing file at ``path``
    untouched, and a reader sees the old file or the new one, never a part.

    Parameters
    ----------
    estimator : estimator object
        The fitted scikit-learn compatible estimator or pipeline to save.
    path : str, bytes or path-like
        Destination file; its folder must exist. Conventionally ``*.skgenre`` for the safe
        format and ``*.joblib`` for the pickle format (the suffix is not checked).
    format : {"safe", "pickle"}, default="safe"
        File format, see above.
    compress : int from 0 to 9, default=3
        Compression level (0 writes uncompressed).
    metadata : dict or None, default=None
        Facts to keep with the model (what it was trained on, for instance): str keys and
        JSON values, at most 64 KiB as JSON, kept in the safe format only. Read them back
        with :func:`~skgenre.read_model_metadata`, without loading the model. ``skgenre train``
        records ``"class_counts"``, the number of training songs of each class, which
        ``skgenre predict`` and ``skgenre adapt`` take as the model's training shares.

    Returns
    -------
    path : pathlib.Path
        The file written.

    Raises
    ------
    TypeError
        If ``estimator`` is not an estimator (it has no ``fit``/``get_params``), or holds
        something the safe format cannot store (save it with ``format="pickle"``).
    ValueError
        If ``format``, ``compress`` or ``metadata`` is invalid (``metadata`` that JSON
        would not give back as it is, too big or too deep, or with ``format="pickle"``).
    sklearn.exceptions.NotFittedError
        If ``estimator`` is not fitted.
    OutputError
        If ``path`` cannot be written (checked before anything is serialised).

    Warns
    -----
    UserWarning
        If the estimator holds types that are not on the trusted list (e.g. a transformer
        of your own): the file then loads only with ``trusted_types=[...]``.

    See Also
    --------
    load_model : Load a file written by this function.
    skgenre.read_model_metadata : Read back ``metadata``.

    Notes
    -----
    Metadata requests (``set_fit_request``, ``set_score_request``) are not kept in the
    safe format: they steer scikit-learn's metadata routing while fitting. Set them again
    before refitting a loaded model with routing on.

    Examples
    --------
    >>> import tempfile, os
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skgenre import save_model, load_model
    >>> clf = LogisticRegression().fit([[0.0], [1.0]], [0, 1])
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = save_model(clf, os.path.join(d, "model.skgenre"))
    ...     load_model(p).predict([[0.9]])
    array([1])
    """
    from .utils import atomic_write, check_writable

    if not _is_estimator(estimator):
        raise TypeError(
            "save_model expects a scikit-learn compatible estimator (with fit and "
            f"get_params); got an object of type {type(estimator).__name__}."
        )
    if format not in ("safe", "pickle"):
        raise ValueError(f"format must be 'safe' or 'pickle', got {format!r}.")
    if not (isinstance(compress, int) and 0 <= compress <= 9):
        raise ValueError(f"compress must be an int from 0 to 9, got {compress!r}.")
    if metadata is not None:
        if format != "safe":
            # a pickle's metadata could only be read by unpickling it, code and all
            raise ValueError("metadata is kept by the safe format only; save with "
                             "format='safe', or keep it beside the pickle.")
        metadata = check_metadata(metadata)
    _check_fitted(estimator)
    path = check_writable(path, what="model file")
    if format == "safe":
        payload = _safe_payload(estimator, compress, metadata)
        with atomic_write(path) as f:
            f.write(payload)
        return path

    import joblib

    envelope = {
        "magic": _MAGIC,
        "format": _FORMAT,
        "versions": _model_versions.installed_versions(),
        "estimator": estimator,
    }
    with atomic_write(path) as f:
        joblib.dump(envelope, f, compress=compress)
    return path


# -- loading --------------------------------------------------------------------------------


def load_model(path, *, trust_pickle=False, sha256=None, trusted_types=None,
               max_size=1 << 30, engine="auto"):
    """Load a model saved with :func:`save_model`.

    A file in the safe format (the default of :func:`save_model`) is loaded without
    running code from the file. A pickle-based file (``format="pickle"``, or a plain
    joblib dump) can run arbitrary code while it is read, so it is refused unless
    ``trust_pickle=True`` or ``sha256`` is given and matches.

    Parameters
    ----------
    path : str, bytes or path-like
        A file written by :func:`save_model`.
    trust_pickle : bool, default=False
        Load a pickle-based file. Only for files you trust: unpickling runs code chosen
        by whoever wrote the file.
    sha256 : str or None, default=None
        The SHA-256 digest (64 hex digits) the file must have, e.g. as published with the
        model. It is checked before anything is loaded, for either format; a pickle-based
        file whose digest matches is loaded.
    trusted_types : list of str or None, default=None
        Further type names (``"module.Class"``) that a safe file may hold, e.g. for a
        transformer of your own; :func:`save_model` warns with the list a file needs.
    max_size : int, default=1 << 30 (1 GiB)
        The most bytes the file may make this function hold: the file's size, and for
        the safe format the uncompressed sizes its zip directories declare (the zips
        inside it included), checked before anything is decompressed. The biggest
        model skgenre makes counts under 8 MB; raise it only for a bigger model you trust.
    engine : {"auto", "numpy", "keras"}, default="auto"
        What computes the model's networks. ``"numpy"``: a NumPy forward pass of the
        saved weights (:class:`~skgenre.models.NumpyNetwork`); loading a safe file and
        predicting then import neither TensorFlow nor Keras. ``"keras"``: Keras models, as
        trained. ``"auto"``: NumPy for every network it computes (all of skgenre's
        builders), Keras for others (e.g. a network of your own with other layers). A
        pickle-based file imports Keras to unpickle its networks; they are then switched to
        the engine asked for, so both formats predict alike. Training a loaded classifier
        further (``partial_fit``, ``warm_start``) uses Keras whatever the engine.

    Returns
    -------
    estimator : estimator object
        The saved estimator.

    Raises
    ------
    ModelFileError
        If the file does not exist, is empty, is not a regular file, does not match
        ``sha256``, is pickle-based and not trusted, holds untrusted types, is bigger
        than ``max_size`` (or declares more), is truncated or damaged (a corrupt member,
        a wrong checksum, structure nested deeper than any model), holds types that
        cannot be imported here, or is not a model saved by skgenre (for instance a text
        or an audio file).
    TypeError
        If ``trusted_types`` is not a list of str (a single name is ``[name]``).

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
    >>> from skgenre import load_model
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = os.path.join(d, "notes.txt")
    ...     _ = open(p, "w").write("not a model")
    ...     try:
    ...         load_model(p)
    ...     except ModelFileError as exc:
    ...         print("refused")
    refused
    """
    from .models._engines import check_engine

    check_engine(engine)
    trusted_types = check_trusted_types(trusted_types)
    path, data = _checked_bytes(path, sha256, max_size)
    # a file that matches its published digest is trusted, pickles included
    return _load_model_data(path, data, trust_pickle=trust_pickle or sha256 is not None,
                            trusted_types=trusted_types, max_size=max_size, engine=engine)


def _load_model_data(path, data, *, trust_pickle, trusted_types, max_size, engine):
    """:func:`load_model` on the bytes of ``path``, already read (and checked against a
    digest: ``trust_pickle``), so that a caller that read them first does not read twice."""
    if data.startswith(b"PK\x03\x04"):
        return _load_safe(path, data, trusted_types, max_size, engine)
    _refuse_compressed_zip(path, data)
    if data.startswith(_PICKLE_HEADS):
        if not trust_pickle:
            raise ModelFileError(
                f"model file {str(path)!r} is a pickle (joblib) file. Loading a pickle runs "
                "code chosen by whoever wrote the file, so skgenre does not load it unless "
                "you say you trust it: load_model(path, trust_pickle=True), or "
                "sha256='<its published SHA-256>' (command line: --trust-pickle or --sha256 "
                "HEX). Models saved by skgenre.save_model and `skgenre train` use a safe "
                "format that loads without this."
            )
        from .models._engines import use_engine

        return use_engine(_load_pickle(path, data), engine)
    raise _not_a_model(path, data)


def _load_pickle(path, data):
    import joblib

    try:
        obj = joblib.load(io.BytesIO(data))
    except (ImportError, AttributeError) as exc:
        # A pickle names the modules and classes of its objects: one that is not here
        # (Keras or TensorFlow not installed, a class defined in the __main__ of the script
        # that saved it) says nothing of the file, which was called no model at all.
        raise ModelFileError(
            f"model file {str(path)!r} is a pickle that needs what cannot be imported here "
            f"({cause(exc)}): install the package it names (TensorFlow for a model with "
            "networks), or define the class in a module that is importable here."
        ) from None
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
        _model_versions.warn_on_mismatch(path, obj.get("versions") or {})
        return estimator

    if _is_estimator(obj):
        warnings.warn(
            f"{str(path)!r} holds a bare {type(obj).__name__} saved without skgenre's "
            "version stamps, so the versions it needs cannot be checked; save it again "
            "with skgenre.save_model.",
            VersionMismatchWarning,
            stacklevel=3,
        )
        return obj
    raise ModelFileError(
        f"{str(path)!r} is not a skgenre model: it holds a {type(obj).__name__}, not an "
        "estimator saved by skgenre.save_model or `skgenre train`."
    )


@contextlib.contextmanager
def _open_safe(name, data, max_size=MAX_MODEL_SIZE):
    """The checked zip of a safe model file and its manifest: ``with ... as (zf, manifest,
    budget)``. The manifest names only members that are there (``plan``, when present, is a
    str)."""
    problem = zip_end_problem(data)
    if problem is not None:
        raise ModelFileError(
            f"model file {name!r} is truncated or damaged: {problem} (was it cut short, "
            "e.g. by an interrupted copy or download?)."
        )
    zf = open_zip(name, data, "")
    budget = Budget(name, max_size)
    with zf:
        members = set(zf.namelist())
        if _MANIFEST not in members:
            hint = ""
            if "config.json" in members and "model.weights.h5" in members:
                hint = " It looks like a bare Keras model; load it with keras.saving.load_model."
            raise ModelFileError(
                f"{name!r} is not a skgenre model file: a zip file without skgenre's "
                f"manifest ({_MANIFEST}).{hint}"
            )
        budget.check(zf, "")
        if zf.getinfo(_MANIFEST).file_size > _MAX_MANIFEST_BYTES:
            raise ModelFileError(
                f"model file {name!r} is damaged: its manifest declares "
                f"{zf.getinfo(_MANIFEST).file_size} bytes (skgenre writes a few hundred)."
            )
        manifest = parse_json(
            read_member(zf, _MANIFEST, name), name, "manifest", _MAX_MANIFEST_DEPTH
        )
        if not isinstance(manifest, dict) or manifest.get("magic") != _MAGIC:
            raise ModelFileError(f"{name!r} is not a skgenre model file: wrong manifest.")
        fmt = manifest.get("format")
        if not isinstance(fmt, int) or fmt > _SAFE_FORMAT or fmt < _SAFE_FORMAT:
            raise ModelFileError(
                f"model file {name!r} uses format {fmt!r}, which this skgenre "
                f"({__version__}) cannot read; upgrade skgenre."
            )
        nets = manifest.get("networks")
        est_member = manifest.get("estimator")
        plan_member = manifest.get("plan")
        if (
            not isinstance(nets, list)
            or not all(isinstance(n, str) and n in members for n in nets)
            or not isinstance(est_member, str)
            or est_member not in members
            or (plan_member is not None
                and (not isinstance(plan_member, str) or plan_member not in members))
        ):
            raise ModelFileError(
                f"model file {name!r} is damaged: its manifest names missing members."
            )
        named = [*nets, est_member] + ([plan_member] if plan_member is not None else [])
        if len(set(named)) != len(named) or _MANIFEST in named:
            # each part its own member: the inference plan is read without the estimator,
            # so a file whose parts overlap must fail for it as for load_model
            raise ModelFileError(
                f"model file {name!r} is damaged: its manifest names one member for two parts."
            )
        yield zf, manifest, budget


def _network_bytes(zf, manifest, name, budget):
    """The bytes of each ``.keras`` network of an open safe model file (checked)."""
    out = []
    for member in manifest["networks"]:
        out.append(read_member(zf, member, name))
        check_inner_zip(out[-1], name, member, budget, ["config.json", "metadata.json"],
                        ["model.weights.h5"])
    return out


def _load_safe(path, data, trusted_types, max_size=MAX_MODEL_SIZE, engine="keras"):
    name = str(path)
    with _open_safe(name, data, max_size) as (zf, manifest, budget):
        skops_bytes = read_member(zf, manifest["estimator"], name)
        check_inner_zip(skops_bytes, name, manifest["estimator"], budget, ["schema.json"])
        net_bytes = _network_bytes(zf, manifest, name, budget)

    import skops.io as sio

    trusted = _trusted_types(trusted_types)
    try:
        named = sorted(set(sio.get_untrusted_types(data=skops_bytes)))
    except Exception as exc:
        raise ModelFileError(
            f"model file {name!r} is damaged: its estimator cannot be read "
            f"({type(exc).__name__}: {exc})."
        ) from None
    untrusted = sorted(set(named) - set(trusted))
    sklearn_types = [t for t in untrusted if _is_public_sklearn_estimator(t)]
    untrusted = [t for t in untrusted if t not in sklearn_types]
    trusted += sklearn_types
    if untrusted:
        raise ModelFileError(
            f"model file {name!r} holds types that are not on skgenre's list of trusted "
            f"types: {untrusted}. Nothing was loaded. If you trust the file and these "
            "types, pass them: load_model(path, trusted_types=[...])."
        )
    _model_versions.warn_on_mismatch(path, manifest.get("versions") or {})
    # every type named is trusted now, so importing their modules is what skops would do
    missing = unimportable_types(named)
    if missing:
        raise ModelFileError(
            f"model file {name!r} holds types that cannot be imported here: {missing}. "
            "Nothing was loaded (the file itself may be whole). A class defined in a "
            "script or notebook (module '__main__') exists only while it runs: define it in "
            "a module that is importable where the file is loaded, and save the model "
            f"again; otherwise install the package that defines it{_saved_by(manifest)}."
        )
    try:
        estimator = sio.loads(skops_bytes, trusted=trusted)
    except Exception as exc:
        raise ModelFileError(
            f"model file {name!r} is damaged: its estimator cannot be built "
            f"({type(exc).__name__}: {exc})."
        ) from None
    networks = [_load_network(name, i, b, engine) for i, b in enumerate(net_bytes)]
    used = _put_networks_back(estimator, networks)
    if used != set(range(len(networks))) or not _is_estimator(estimator):
        raise ModelFileError(f"model file {name!r} is damaged: its parts do not fit together.")
    return estimator


def _saved_by(manifest):
    """``", or ... skgenre 0.3, which saved the file ..."``: where the versions differ."""
    versions = manifest.get("versions")
    saved = versions.get("skgenre") if isinstance(versions, dict) else None
    if not isinstance(saved, str) or saved == __version__:
        return ""
    return f", or load the file with skgenre {saved}, which saved it (installed: {__version__})"


def _load_network(name, index, data, engine="keras"):
    why = "engine='keras' was asked for"
    if engine != "keras":
        from .models._numpy_net import NumpyNetwork

        try:
            # Reads JSON and HDF5 only: nothing from the file runs, as in Keras' safe mode.
            return NumpyNetwork.from_keras_bytes(data)
        except WeightsMismatchError as exc:  # damaged whatever the engine
            raise ModelFileError(
                f"model file {name!r} is damaged: network {index}'s weights do not fit it "
                f"({exc})"
            ) from None
        except Exception as exc:  # an unsupported layer, or a damaged member
            if engine == "numpy":
                raise ModelFileError(
                    f"model file {name!r}: network {index} cannot be computed by the NumPy "
                    f"engine ({type(exc).__name__}: {exc}); load it with engine='keras'."
                ) from None
            # "auto": Keras computes it, or says why it cannot
            why = f"the NumPy engine does not compute it ({type(exc).__name__}: {exc})"
    try:
        import keras
    except ImportError as exc:
        # a file moved to a machine without TensorFlow: the one-line error of any other
        # file that cannot be loaded, not a traceback from deep in the loader
        raise ModelFileError(
            f"model file {name!r}: network {index} needs Keras, which cannot be imported "
            f"here ({cause(exc)}): {why}. Install TensorFlow to load this file."
        ) from None

    with tempfile.TemporaryDirectory() as tmp:
        member = os.path.join(tmp, f"{index}.keras")
        with open(member, "wb") as f:
            f.write(data)
        try:
            with warnings.catch_warnings():
                # Keras warns when optimizer variables are restored lazily; not the user's concern.
                warnings.filterwarnings("ignore", message=".*optimizer.*", category=UserWarning)
                return keras.saving.load_model(member, compile=True, safe_mode=True)
        except Exception as exc:
            raise ModelFileError(
                f"model file {name!r}: network {index} cannot be loaded in Keras' safe mode "
                f"({type(exc).__name__}: {exc})."
            ) from None
