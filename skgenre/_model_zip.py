"""Reading a safe model file's zip without trusting it: every fault a ModelFileError.

The zip directory must end the file (a file cut short is truncated); every member's
declared size counts against a budget before anything is decompressed (also the members
of the zips stored inside: skops' file and each ``.keras`` network), so a zip bomb costs
no memory; only stored and deflated members are read, each to its declared size and no
further; JSON bigger or nested deeper than any model skgenre writes is refused before skops
or Keras walk it recursively; a network's HDF5 weights may hold numbers only, stored in
the file itself. :func:`skgenre.load_model` (``_persist.py``) decides what the
members mean.
"""

import io
import json
import zipfile

from ._errors import ModelFileError

__all__ = [
    "MAX_JSON_BYTES",
    "MAX_NESTING",
    "RAISE_BOUND",
    "Budget",
    "cause",
    "check_inner_zip",
    "check_weights_h5",
    "json_depth",
    "open_zip",
    "parse_json",
    "read_member",
    "zip_end_problem",
]

# JSON nesting of skops' schema and Keras' config: skgenre's deepest model reaches 36
# (a pipeline inside TrackClassifier); deeper structure is refused before skops or Keras
# walk it recursively (Python's recursion limit is about 1000 frames).
MAX_NESTING = 256
# A JSON member (skops' schema, a network's config) of a few MB at the most: a stacked
# ensemble's schema is about 1 MB.
MAX_JSON_BYTES = 16 << 20
# Objects in a network's weights file: a few per layer.
_MAX_H5_OBJECTS = 100_000
_ZIP_END = b"PK\x05\x06"
_READABLE_COMPRESSION = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})


RAISE_BOUND = (
    "If you trust the file and it holds a model that big, load it with "
    "load_model(path, max_size=...)."
)


def zip_end_problem(data):
    """Why ``data`` does not end with a zip directory's end record, or None.

    zipfile looks for the end record anywhere in the last 64 KiB; in a file cut short it
    can find the record of a zip stored inside (a ``.keras`` network) and read that one
    as the file's own. A whole file ends with the record (and its comment, if any).
    """
    low = max(0, len(data) - (1 << 16) - 22)
    at = data.rfind(_ZIP_END, low)
    if at < 0:
        return "its zip directory, at the end of the file, is missing"
    stored_zip_ends_it = False
    while at >= 0:
        if at + 22 + int.from_bytes(data[at + 20:at + 22], "little") == len(data):
            size = int.from_bytes(data[at + 12:at + 16], "little")
            offset = int.from_bytes(data[at + 16:at + 20], "little")
            if 0xFFFFFFFF in (size, offset) or offset + size == at:
                return None
            # The directory this record points to does not end just before it: cut where
            # its own directory began, the file ends with the whole zip of its last stored
            # member (a .keras network), whose offsets are of that zip. (zipfile reads it
            # as a zip with data prepended; skgenre writes none.)
            stored_zip_ends_it = True
        at = data.rfind(_ZIP_END, low, at)
    if stored_zip_ends_it:
        return "its zip directory is missing (the file ends with a zip stored in it)"
    return "its zip directory does not end the file"


class Budget:
    """The bytes a model file may still make load_model decompress."""

    def __init__(self, name, max_size):
        self.name, self.max_size, self.used = name, max_size, 0

    def check(self, zf, where):
        """Check the directory of ``zf`` (the file's own, or a zip inside it) and count it.

        Nothing is decompressed here: the sizes are those the directory declares.
        """
        for info in zf.infolist():
            what = f"member {info.filename!r}{where}"
            if info.flag_bits & 0x1:
                raise ModelFileError(
                    f"model file {self.name!r} is damaged: {what} is encrypted (skgenre "
                    "never writes encrypted members)."
                )
            if info.compress_type not in _READABLE_COMPRESSION:
                raise ModelFileError(
                    f"model file {self.name!r} is damaged: {what} uses compression method "
                    f"{info.compress_type} (skgenre writes only stored or deflated members)."
                )
            self.add(info.file_size, what, "its zip directories declare")

    def add(self, nbytes, what, declared="it declares"):
        """Count ``nbytes`` that ``what`` declares; refuse the file past ``max_size``."""
        self.used += int(nbytes)
        if self.used > self.max_size:
            raise ModelFileError(
                f"model file {self.name!r} was refused before it was decompressed: "
                f"{declared} more than max_size={self.max_size} bytes uncompressed "
                f"({what} alone declares {int(nbytes)}); a zip bomb, or a model far "
                f"bigger than skgenre's. {RAISE_BOUND}"
            )


def cause(exc):
    """``zlib.error: ...`` rather than ``error: ...``: the type says where it came from."""
    kind = type(exc)
    module = "" if kind.__module__ == "builtins" else f"{kind.__module__}."
    return f"{module}{kind.__qualname__}: {exc}"


def open_zip(name, data, where):
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except Exception as exc:  # a hostile directory can fail the parser in many ways
        raise ModelFileError(
            f"model file {name!r} is damaged: the zip{where} cannot be read ({cause(exc)})."
        ) from None


def read_member(zf, member, name, where=""):
    """The bytes of ``member``, read to its declared size and no further.

    A member that decompresses to more or less than its directory says, or whose CRC
    does not match, is damaged; so is one whose compressed stream is corrupt
    (``zlib.error``) or cut short (``EOFError``).
    """
    info = zf.getinfo(member)
    try:
        with zf.open(info) as f:
            # One byte more than declared shows a stream that lies; zipfile checks the
            # CRC when the declared size is reached.
            data = f.read(info.file_size + 1)
    except Exception as exc:  # zlib.error, EOFError, BadZipFile (bad CRC), OSError, ...
        raise ModelFileError(
            f"model file {name!r} is damaged: member {member!r}{where} cannot be read "
            f"({cause(exc)})."
        ) from None
    if len(data) != info.file_size:
        raise ModelFileError(
            f"model file {name!r} is damaged: member {member!r}{where} holds "
            f"{'more' if len(data) > info.file_size else 'fewer'} bytes than the "
            f"{info.file_size} its zip directory declares."
        )
    return data


def json_depth(obj, limit):
    """How deep ``obj`` nests (lists and dicts), counting no further than ``limit + 1``."""
    deepest, stack = 0, [(obj, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (list, dict)):
            deepest = max(deepest, depth)
            if deepest > limit:
                break
            stack.extend((v, depth + 1) for v in (item.values() if isinstance(item, dict) else item))
    return deepest


def parse_json(raw, name, what, limit):
    """``raw`` (bytes) parsed as JSON nested at most ``limit`` deep, or ModelFileError."""
    try:
        obj = json.loads(raw.decode("utf-8"))
    except RecursionError:
        raise ModelFileError(
            f"model file {name!r} is damaged: {what} is nested too deeply to be read "
            f"(more than {limit} levels, deeper than any model skgenre writes)."
        ) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ModelFileError(f"model file {name!r} has a damaged {what} ({exc}).") from None
    if json_depth(obj, limit) > limit:
        raise ModelFileError(
            f"model file {name!r} is damaged: {what} is nested more than {limit} levels "
            "deep, deeper than any model skgenre writes."
        )
    return obj


def check_inner_zip(data, name, member, budget, json_members, weights_members=()):
    """Check the zip stored as ``member`` (skops' file, a ``.keras`` network).

    Its directory counts against the budget before skops or Keras decompress anything;
    its JSON members ``json_members`` (which they walk recursively) must be no bigger and
    nest no deeper than skgenre's models' do; its HDF5 members ``weights_members`` are
    checked by :func:`check_weights_h5`.
    """
    where = f" of {member!r}"
    zf = open_zip(name, data, where)
    with zf:
        budget.check(zf, where)
        for json_member in json_members:
            if json_member in zf.namelist():
                size = zf.getinfo(json_member).file_size
                if size > MAX_JSON_BYTES:
                    # parsed, JSON takes tens of times its size in memory
                    raise ModelFileError(
                        f"model file {name!r} is damaged: member {json_member!r}{where} "
                        f"declares {size} bytes, more than the {MAX_JSON_BYTES} that any "
                        "model skgenre writes comes near."
                    )
                raw = read_member(zf, json_member, name, where)
                parse_json(raw, name, f"{json_member!r}{where}", MAX_NESTING)
        for weights_member in weights_members:
            if weights_member in zf.namelist():
                raw = read_member(zf, weights_member, name, where)
                check_weights_h5(raw, name, f"{weights_member!r}{where}", budget)


def check_weights_h5(raw, name, what, budget):
    """Check an HDF5 file of network weights before h5py reads any weight from it.

    HDF5 can keep a dataset's values in another file on disk (external storage, virtual
    datasets, external links): reading such a weight would read that file, any file the
    user can read, or block for good on a pipe. A chunked dataset that was never written
    takes no room in the file and its full size when read. So every object must be a
    group or a numeric dataset stored in this file, reached by hard links only, and the
    datasets' sizes count against the budget.
    """
    import h5py

    try:
        h5 = h5py.File(io.BytesIO(raw), "r")
    except Exception as exc:
        raise ModelFileError(
            f"model file {name!r} is damaged: {what} cannot be read as HDF5 "
            f"({cause(exc)})."
        ) from None

    def refuse(path, why):
        raise ModelFileError(
            f"model file {name!r} is refused: {path!r} in {what} {why}; skgenre and Keras "
            "write plain weights only. Nothing was read from it."
        )

    with h5:
        todo, seen = [h5], 0
        try:
            while todo:
                group = todo.pop()
                for key in group:
                    seen += 1
                    if seen > _MAX_H5_OBJECTS:
                        refuse(group.name, f"holds more than {_MAX_H5_OBJECTS} objects")
                    path = f"{group.name.rstrip('/')}/{key}"
                    link = group.get(key, getlink=True)
                    if not isinstance(link, h5py.HardLink):
                        refuse(path, f"is a {type(link).__name__} (it could read another file)")
                    obj = group[key]
                    if isinstance(obj, h5py.Group):
                        todo.append(obj)
                    elif not isinstance(obj, h5py.Dataset):
                        refuse(path, f"is a {type(obj).__name__}")
                    elif obj.external or obj.is_virtual:
                        refuse(path, "keeps its values in another file")
                    elif obj.dtype.kind not in "fiub" or obj.dtype.subdtype is not None:
                        refuse(path, f"holds values of type {obj.dtype}, not numbers")
                    else:
                        budget.add(obj.size * obj.dtype.itemsize, f"dataset {path!r} of {what}",
                                   "its weights declare")
        except ModelFileError:
            raise
        except Exception as exc:  # a damaged object table
            raise ModelFileError(
                f"model file {name!r} is damaged: {what} cannot be read as HDF5 "
                f"({cause(exc)})."
            ) from None
