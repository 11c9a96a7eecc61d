"""What a model file keeps about its model besides the model (``save_model(metadata=...)``),
checked when it is saved and read back without loading the model."""

import json

from ._errors import ModelFileError
from ._model_bytes import PICKLE_HEADS, not_a_model, read_checked, refuse_compressed_zip

__all__ = ["check_metadata", "metadata_of", "read_model_metadata"]

# Facts about the model, a few hundred bytes; the manifest's own bounds (1 MiB, 16 levels:
# skgenre._persist) leave room for them, one level down.
_MAX_METADATA_BYTES = 1 << 16
_MAX_METADATA_DEPTH = 14


def _nests_deeper(value, limit):
    """Whether ``value`` (of JSON's types) nests more than ``limit`` levels (a flat dict is
    one); stops at ``limit``, so a structure that holds itself does not loop."""
    level = [value]
    for _ in range(limit + 1):
        containers = [v for v in level if isinstance(v, (dict, list))]
        if not containers:
            return False
        level = [child for c in containers for child in (c.values() if isinstance(c, dict)
                                                          else c)]
    return True


def check_metadata(metadata):
    """A copy of ``metadata`` as the manifest will hold it and load will give it back;
    ValueError if it cannot be kept exactly."""
    if not isinstance(metadata, dict):
        raise ValueError(
            f"metadata must be a dict (of str keys to JSON values), got "
            f"{type(metadata).__name__}.")
    if _nests_deeper(metadata, _MAX_METADATA_DEPTH):
        raise ValueError(f"metadata nests more than {_MAX_METADATA_DEPTH} levels deep; "
                         "keep it flatter.")
    try:
        text = json.dumps(metadata, allow_nan=False)
        same = json.loads(text) == metadata
    except (TypeError, ValueError) as exc:
        raise ValueError(f"metadata must hold only JSON values (str, int, float, bool, "
                         f"None, lists and dicts of str keys): {exc}.") from None
    if not same:
        # json.dumps turns int keys into str and tuples into lists: what load would give
        # back is not what was passed
        raise ValueError("metadata does not read back as it was given: dict keys must be "
                         "str, and sequences lists (not tuples).")
    if len(text.encode()) > _MAX_METADATA_BYTES:
        raise ValueError(f"metadata takes {len(text.encode())} bytes as JSON; at most "
                         f"{_MAX_METADATA_BYTES} are kept with a model.")
    return json.loads(text)


def read_model_metadata(path, *, sha256=None, max_size=1 << 30):
    """Read the ``metadata`` of a model file (:func:`~skgenre.save_model`), not its model.

    Only the file's manifest is read: no estimator, network or code from the file, and
    neither scikit-learn nor Keras is imported.

    Parameters
    ----------
    path : str, bytes or path-like
        A file written by :func:`~skgenre.save_model`.
    sha256 : str or None, default=None
        The SHA-256 digest (64 hex digits) the file must have, as for
        :func:`~skgenre.load_model`.
    max_size : int, default=1 << 30 (1 GiB)
        The most bytes the file may make this function hold, as for
        :func:`~skgenre.load_model`.

    Returns
    -------
    metadata : dict
        The ``metadata`` given to :func:`~skgenre.save_model`; empty for a file saved
        without it, and for a pickle-based file (which keeps none).

    Raises
    ------
    ModelFileError
        If the file is missing, does not match ``sha256``, is bigger than ``max_size``,
        is damaged or is not a model file, as for :func:`~skgenre.load_model`.

    See Also
    --------
    skgenre.save_model : Write a model file, with its ``metadata``.

    Examples
    --------
    >>> import tempfile, os
    >>> from sklearn.dummy import DummyClassifier
    >>> from skgenre import read_model_metadata, save_model
    >>> clf = DummyClassifier().fit([[0], [1], [2]], ["pop", "rock", "rock"])
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = save_model(clf, os.path.join(d, "model.skgenre"),
    ...                    metadata={"class_counts": {"pop": 1, "rock": 2}})
    ...     read_model_metadata(p)
    {'class_counts': {'pop': 1, 'rock': 2}}
    """
    path, data = read_checked(path, sha256, max_size)
    return metadata_of(path, data, max_size)


def metadata_of(path, data, max_size=None):
    """:func:`read_model_metadata` on the bytes of ``path``, already read."""
    from ._persist import MAX_MODEL_SIZE, _open_safe

    max_size = MAX_MODEL_SIZE if max_size is None else max_size
    if data.startswith(b"PK\x03\x04"):
        with _open_safe(str(path), data, max_size) as (_, manifest, _):
            metadata = manifest.get("metadata", {})
        if not isinstance(metadata, dict):
            raise ModelFileError(
                f"model file {str(path)!r} is damaged: its metadata is not a JSON object.")
        return metadata
    refuse_compressed_zip(path, data)
    if data.startswith(PICKLE_HEADS):
        return {}  # save_model keeps none in a pickle: it would take unpickling to read
    raise not_a_model(path, data)
