"""Finding, checking and reading the pretrained musicnn weights.

The weights are the TensorFlow-1 checkpoints that the ``musicnn`` 0.1.0 wheel ships (ISC
licence, Pons & Serra 2019). Its code needs TensorFlow 1 and ``numpy<1.17``, so skgenre uses
only its checkpoint files, installed without its dependencies::

    pip install --no-deps musicnn==0.1.0

Nothing here touches the network: the installed package is found with
:func:`importlib.util.find_spec` (which does not run the package's code), each checkpoint
file is checked against its published SHA-256, and the variables are read from the
checkpoint's files directly (no TensorFlow needed).
"""

import importlib.util
import threading
from pathlib import Path

import numpy as np

from .._errors import WeightsMismatchError, WeightsNotFoundError
from ..utils._hash import file_sha256

__all__ = ["INSTALL_COMMAND", "MODELS", "load_musicnn_weights", "musicnn_weights_dir"]

INSTALL_COMMAND = "pip install --no-deps musicnn==0.1.0"

# SHA-256 of the checkpoint files in the musicnn-0.1.0 wheel (sha256 of the wheel itself:
# f38a4890c648c1ddbb141c5d96d2b0a8cfcd36746002d896989f7b88beb65cfa).
_SHA256 = {
    "MSD_musicnn": {
        ".data-00000-of-00001": "8579734ee6388f799ed0def4bbd0d1fdcbeaf213ef2a9dc860917bd76a303de6",
        ".index": "87f3e0f3550c8d3bafc840374003e5c8af5eeb5ecf6add61af09a7822d3282c8",
    },
    "MTT_musicnn": {
        ".data-00000-of-00001": "041f3935e981a65cea739842d30c188d3a7d2adf4410955c8668eb3de4a5acab",
        ".index": "da2d7bb670b2b31e9bc441bb1bd75eca31b5b061f963cc1f9630c1aff3238f57",
    },
}
MODELS = tuple(sorted(_SHA256))

# Training state saved beside the weights (Adam's slots and bias-correction powers); it is
# not part of the network and is skipped on purpose.
_OPTIMIZER_SUFFIXES = ("/Adam", "/Adam_1")
_OPTIMIZER_NAMES = ("beta1_power", "beta2_power")

_verified = {}  # (path, size, mtime_ns) -> sha256 already checked in this process
_lock = threading.Lock()


def _check_model(model):
    if model not in _SHA256:
        raise ValueError(f"unknown musicnn model {model!r}; expected one of {list(MODELS)}.")


def _not_found(model, detail):
    return WeightsNotFoundError(
        f"the pretrained musicnn weights ({model}) were not found: {detail}. Install them "
        f"with `{INSTALL_COMMAND}` (the --no-deps matters: musicnn's own dependencies pin "
        "TensorFlow 1 and numpy<1.17, which skgenre does not use)."
    )


def musicnn_weights_dir(model="MSD_musicnn", path=None):
    """The folder holding the checkpoint of a pretrained musicnn network.

    Parameters
    ----------
    model : {"MSD_musicnn", "MTT_musicnn"}, default="MSD_musicnn"
        The network: trained on the Million Song Dataset's or MagnaTagATune's tags.
    path : str, path-like or None, default=None
        Where to look: a model folder itself, or a folder holding one folder per model (such
        as the installed ``musicnn`` package). ``None`` finds the installed ``musicnn``
        package without importing it; nothing is downloaded.

    Returns
    -------
    folder : pathlib.Path
        The model folder (it holds ``.index`` and ``.data-00000-of-00001``).

    Raises
    ------
    skgenre.WeightsNotFoundError
        If the files are not there; the message names the command that installs them.

    Examples
    --------
    >>> from skgenre.embeddings import musicnn_weights_dir
    >>> musicnn_weights_dir("MSD_musicnn").name  # doctest: +SKIP
    'MSD_musicnn'
    """
    _check_model(model)
    if path is None:
        spec = importlib.util.find_spec("musicnn")
        if spec is None or not spec.submodule_search_locations:
            raise _not_found(model, "the 'musicnn' package is not installed")
        candidates = [Path(p) / model for p in spec.submodule_search_locations]
    else:
        root = Path(path)
        candidates = [root, root / model]
    partial = None
    for folder in candidates:
        present = [name for name in _SHA256[model] if (folder / name).is_file()]
        if len(present) == len(_SHA256[model]):
            return folder
        if present and partial is None:
            partial = folder, present
    if partial is not None:
        # an interrupted copy or a half-deleted install: say which file is missing rather
        # than that there is no checkpoint at all
        folder, present = partial
        missing = [name for name in _SHA256[model] if name not in present]
        raise _not_found(
            model,
            f"{str(folder)!r} holds {', '.join(present)} but not {', '.join(missing)} (an "
            "incomplete copy of the checkpoint?)",
        )
    raise _not_found(
        model,
        "no checkpoint files (.index, .data-00000-of-00001) in "
        + " or ".join(repr(str(c)) for c in candidates),
    )


def _verify(folder, model):
    for name, expected in _SHA256[model].items():
        file = folder / name
        st = file.stat()
        key = (str(file.resolve()), st.st_size, st.st_mtime_ns)
        with _lock:
            if _verified.get(key) == expected:
                continue
        got = file_sha256(file)
        if got != expected:
            raise WeightsMismatchError(
                f"{str(file)!r} is not the published musicnn 0.1.0 checkpoint of {model} "
                f"(SHA-256 {got}, expected {expected}); reinstall it with "
                f"`pip install --force-reinstall {INSTALL_COMMAND.split(maxsplit=2)[2]}`."
            )
        with _lock:
            _verified[key] = expected


def load_musicnn_weights(model="MSD_musicnn", path=None, *, verify=True):
    """Read the variables of a pretrained musicnn checkpoint into NumPy arrays.

    Parameters
    ----------
    model : {"MSD_musicnn", "MTT_musicnn"}, default="MSD_musicnn"
        The network.
    path : str, path-like or None, default=None
        Where the checkpoint is; see :func:`musicnn_weights_dir`.
    verify : bool, default=True
        Check each checkpoint file against its published SHA-256 first (about 30 ms, done
        once per file and process).

    Returns
    -------
    weights : dict of str to ndarray
        The network's variables by their checkpoint names (e.g. ``"conv2d/kernel"``);
        the optimizer's training state is left out.

    Raises
    ------
    skgenre.WeightsNotFoundError
        If the checkpoint is not installed.
    skgenre.WeightsMismatchError
        If a file's checksum differs from the published one.

    Examples
    --------
    >>> from skgenre.embeddings import load_musicnn_weights
    >>> w = load_musicnn_weights("MSD_musicnn")  # doctest: +SKIP
    >>> w["dense_1/kernel"].shape  # doctest: +SKIP
    (200, 50)
    """
    folder = musicnn_weights_dir(model, path)
    if verify:
        _verify(folder, model)
    try:
        entries = _read_index((folder / ".index").read_bytes())
        data = (folder / ".data-00000-of-00001").read_bytes()
        weights = {}
        for name, (dtype, shape, offset, size) in sorted(entries.items()):
            if name.endswith(_OPTIMIZER_SUFFIXES) or name in _OPTIMIZER_NAMES:
                continue
            if dtype != _DT_FLOAT:
                raise ValueError(f"variable {name!r} has TensorFlow dtype {dtype}, not float32")
            if offset + size > len(data) or size != 4 * int(np.prod(shape, dtype=np.int64)):
                raise ValueError(f"variable {name!r} lies outside the data file")
            weights[name] = np.frombuffer(data, "<f4", size // 4, offset).reshape(shape).copy()
    # TypeError: a damaged index where a varint stands for a nested message
    except (ValueError, IndexError, OSError, TypeError) as exc:
        raise WeightsMismatchError(
            f"cannot read the musicnn checkpoint in {str(folder)!r}: {exc}"
        ) from exc
    return weights


# A TensorFlow checkpoint's ".index" is a LevelDB-format table (an SSTable): data blocks of
# prefix-compressed (key, value) entries, an index block of block handles and a 48-byte
# footer. Keys are variable names; values are BundleEntryProto messages giving each
# variable's dtype, shape and byte range in the ".data" file. Reading it here, instead of
# with TensorFlow's reader, keeps TensorFlow out of every embedding and tagging command.
_TABLE_MAGIC = 0xDB4775248B80FB57
_DT_FLOAT = 1


def _varint(buf, pos):
    result = shift = 0
    while True:
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, pos
        shift += 7


def _block_handle(buf, pos):
    offset, pos = _varint(buf, pos)
    size, pos = _varint(buf, pos)
    return offset, size, pos


def _block_entries(table, offset, size):
    if table[offset + size] != 0:  # the 5-byte trailer: compression type, then a CRC
        raise ValueError("compressed checkpoint index blocks are not supported")
    block = table[offset : offset + size]
    n_restarts = int.from_bytes(block[-4:], "little")
    end = len(block) - 4 - 4 * n_restarts
    pos, key = 0, b""
    while pos < end:
        shared, pos = _varint(block, pos)
        unshared, pos = _varint(block, pos)
        value_len, pos = _varint(block, pos)
        key = key[:shared] + block[pos : pos + unshared]
        pos += unshared
        yield key, block[pos : pos + value_len]
        pos += value_len


def _fields(msg):
    """(field number, value) of a protobuf message: ints for varint/fixed, bytes otherwise."""
    pos = 0
    while pos < len(msg):
        tag, pos = _varint(msg, pos)
        field, wire = tag >> 3, tag & 7
        if wire == 0:
            value, pos = _varint(msg, pos)
        elif wire == 1:
            value, pos = int.from_bytes(msg[pos : pos + 8], "little"), pos + 8
        elif wire == 2:
            n, pos = _varint(msg, pos)
            value, pos = msg[pos : pos + n], pos + n
        elif wire == 5:
            value, pos = int.from_bytes(msg[pos : pos + 4], "little"), pos + 4
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
        yield field, value


def _bundle_entry(value):
    dtype, shape, offset, size = 0, [], 0, 0
    for field, v in _fields(value):
        if field == 1:
            dtype = v
        elif field == 2:  # TensorShapeProto: repeated dim (2) of {size (1)}
            shape = [
                next((s for f, s in _fields(dim) if f == 1), 0)
                for f, dim in _fields(v)
                if f == 2
            ]
        elif field == 3 and v != 0:
            raise ValueError("checkpoints in several shards are not supported")
        elif field == 4:
            offset = v
        elif field == 5:
            size = v
        elif field == 7:
            raise ValueError("sliced checkpoint variables are not supported")
    return dtype, tuple(shape), offset, size


def _read_index(table):
    """Variable name -> (dtype, shape, offset, size) of a checkpoint's ".index" bytes."""
    if len(table) < 48 or int.from_bytes(table[-8:], "little") != _TABLE_MAGIC:
        raise ValueError("the .index file is not a TensorFlow checkpoint index")
    footer = table[-48:]
    _, _, pos = _block_handle(footer, 0)  # the meta-index block: unused
    index_offset, index_size, _ = _block_handle(footer, pos)
    entries = {}
    for _, handle in _block_entries(table, index_offset, index_size):
        offset, size, _ = _block_handle(handle, 0)
        for key, value in _block_entries(table, offset, size):
            if key:  # the empty key holds the bundle header
                entries[key.decode("utf-8")] = _bundle_entry(value)
    return entries
