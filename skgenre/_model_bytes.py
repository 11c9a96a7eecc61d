"""A model file's bytes: read once and bounded, checked against a published digest, and
what their first bytes say the file is."""

import hashlib
import os
import stat
from pathlib import Path

from ._errors import ModelFileError
from ._model_zip import RAISE_BOUND

__all__ = [
    "AUDIO_HEADS", "PICKLE_HEADS", "check_sha256", "compressed_zip", "not_a_model",
    "read_checked", "read_model_bytes", "refuse_compressed_zip",
]

# First bytes of files that pickle-based loaders (joblib, pickle) read: pickle protocol
# 2+, and the compressors joblib uses (zlib, gzip, bz2, xz, lzma, lz4).
PICKLE_HEADS = (
    b"\x80",
    b"\x78\x01", b"\x78\x5e", b"\x78\x9c", b"\x78\xda",
    b"\x1f\x8b",
    b"BZh",
    b"\xfd7zXZ\x00",
    b"\x5d\x00\x00",
    b"\x04\x22\x4d\x18",
)
AUDIO_HEADS = {
    b"RIFF": "a WAV", b"RIFX": "a WAV", b"RF64": "a WAV", b"fLaC": "a FLAC",
    b"OggS": "an Ogg", b"ID3": "an MP3", b"\xff\xfb": "an MP3", b"\xff\xf3": "an MP3",
    b"\xff\xf2": "an MP3", b"FORM": "an AIFF", b".snd": "an AU",
}


def compressed_zip(data):
    """``(format, command)`` when ``data`` is a compressed zip file, else None.

    gzip, bzip2 and xz are also what joblib compresses pickles with, so such a file looks
    like a pickle by its first bytes; a safe model file compressed for a copy (``gzip
    model.skgenre``) would be called one. A pickle decompresses to a pickle, never to a
    zip: only the first bytes are decompressed to tell them apart (a bomb costs nothing).
    """
    import bz2
    import lzma
    import zlib

    kinds = (
        (b"\x1f\x8b", "gzip", "gunzip", lambda: zlib.decompressobj(wbits=31)),
        (b"BZh", "bzip2", "bunzip2", bz2.BZ2Decompressor),
        (b"\xfd7zXZ\x00", "xz", "unxz", lzma.LZMADecompressor),
    )
    for magic, kind, command, decompressor in kinds:
        if data.startswith(magic):
            try:
                head = decompressor().decompress(data[: 1 << 16], 4)
            except Exception:  # damaged, or not this format after all
                return None
            return (kind, command) if head == b"PK\x03\x04" else None
    return None


def read_model_bytes(path, max_size=None):
    """The file's bytes, read once (hashing and loading then see the same content)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise ModelFileError(f"model file {str(path)!r} does not exist.") from None
    except OSError as exc:
        raise ModelFileError(
            f"model file {str(path)!r} cannot be accessed ({exc.strerror or exc})."
        ) from None
    if stat.S_ISDIR(st.st_mode):
        raise ModelFileError(f"model file {str(path)!r} is a directory, not a file.")
    if not stat.S_ISREG(st.st_mode):
        # Opening a FIFO or a device could block or read forever.
        raise ModelFileError(
            f"model file {str(path)!r} is not a regular file (a FIFO, socket or device)."
        )
    if st.st_size == 0:
        raise ModelFileError(f"model file {str(path)!r} is empty; it is not a skgenre model.")
    if max_size is not None and st.st_size > max_size:
        raise ModelFileError(
            f"model file {str(path)!r} has {st.st_size} bytes, more than max_size="
            f"{max_size}; it was not read. {RAISE_BOUND}"
        )
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as exc:
        raise ModelFileError(
            f"model file {str(path)!r} cannot be read ({exc.strerror or exc})."
        ) from None


def check_sha256(path, data, sha256):
    if not isinstance(sha256, str):
        raise TypeError(f"sha256 must be a hex string, got {type(sha256).__name__}.")
    want = sha256.strip().lower()
    if len(want) != 64 or any(c not in "0123456789abcdef" for c in want):
        raise ValueError(
            f"sha256 must be 64 hexadecimal digits (a SHA-256 digest), got {sha256!r}."
        )
    got = hashlib.sha256(data).hexdigest()
    if got != want:
        raise ModelFileError(
            f"model file {str(path)!r} does not match the expected SHA-256: expected {want}, "
            f"the file has {got}. It is not the file that was published (or, for a "
            "run's workers, the file was written over since the run read it); it was not "
            "loaded."
        )


def refuse_compressed_zip(path, data):
    """A ModelFileError for a safe model file compressed after it was saved: gzip, bzip2
    and xz also start joblib's compressed pickles, which it would be taken for."""
    packed = compressed_zip(data)
    if packed is not None:
        raise ModelFileError(
            f"{str(path)!r} is a {packed[0]}-compressed zip file, not a model file as "
            f"skgenre writes it (a model file compressed after it was saved?): decompress it "
            f"({packed[1]} FILE) and load the file it gives."
        )


def not_a_model(path, data):
    """The error for ``data`` that is neither a safe model file nor a pickle."""
    head = next((kind for magic, kind in AUDIO_HEADS.items() if data.startswith(magic)), None)
    if head is not None:
        return ModelFileError(
            f"{str(path)!r} is {head} audio file, not a skgenre model file. (On the "
            "command line the model comes first: skgenre predict MODEL FILE [FILE ...].)"
        )
    return ModelFileError(
        f"{str(path)!r} is not a skgenre model file: it is neither a zip file in skgenre's "
        "model format nor a pickle. Model files are written by skgenre.save_model or "
        "`skgenre train`."
    )


def read_checked(path, sha256, max_size):
    """``(path, data)``: a model file's path as a Path, and its bytes, read within
    ``max_size`` and checked against ``sha256`` where one is given."""
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if isinstance(max_size, bool) or not isinstance(max_size, int) or max_size < 1:
        raise ValueError(f"max_size must be a positive int (bytes), got {max_size!r}.")
    path = Path(path)
    data = read_model_bytes(path, max_size)
    if sha256 is not None:
        check_sha256(path, data, sha256)
    return path, data
