"""Decode audio files into the skgenre waveform container.

:func:`load_audio` decodes one file; :class:`AudioLoader` is the stateless transformer that
turns a column of file paths into waveforms at the head of every skgenre pipeline.

Decoding uses :mod:`soundfile` (libsndfile: WAV, AU, FLAC, Ogg/Vorbis, MP3, AIFF, ...)
and falls back to :mod:`audioread` only for files that libsndfile cannot open (e.g. odd MP3s
or AAC when an ffmpeg/GStreamer backend is installed). Every fault a file can have is raised
as :class:`skgenre.AudioLoadError`, naming the file and the cause.
"""

import os
import stat
import sys
import warnings
from numbers import Integral, Real
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from sklearn.utils.validation import _check_feature_names_in, check_array, validate_data

from .._errors import AudioLoadError, BrokenFilesWarning
from ..utils import check_waveforms, progress_bar, stack_clips
from ..utils._mixins import _CheckingFitMixin, _TableOutputMixin, _waveform_names
from ..utils._pcm import pcm_to_float
from ..utils._waveforms import _LazyWaveforms
from ._decoder_noise import decoder_stderr_filtered

__all__ = ["AudioFiles", "AudioLoader", "load_audio"]

# Files decoded together: the whole songs held at once while a chunk is clipped (16 GTZAN
# songs are 42 MB as float32), and enough files for every decoding thread.
_DECODE_CHUNK = 16

# Frames read per call. Reading block by block (instead of letting soundfile allocate
# ``frames`` up front) keeps memory bound by the data actually present, so a corrupt header
# that claims billions of frames cannot trigger a huge allocation.
_BLOCK_FRAMES = 1 << 18
# Decoded float32 bytes per file byte above which a header's frame count is not trusted for
# a single up-front allocation (PCM is at most 4x; lossless/lossy codecs rarely pass 64x).
_ONE_SHOT_FACTOR = 64

# Lowest sample rate taken for real audio; lower rates in a header mean a corrupt file.
_MIN_FILE_SR = 1000

_MAGIC = {
    b"RIFF": "WAV",
    b"RIFX": "WAV",
    b"RF64": "WAV",
    b".snd": "AU",
    b"fLaC": "FLAC",
    b"OggS": "Ogg",
    b"FORM": "AIFF",
    b"ID3": "MP3",
}


def _looks_like_text(head):
    if not head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        # a multi-byte character cut at the end of the sniffed block is still text
        try:
            text = head[:-3].decode("utf-8")
        except UnicodeDecodeError:
            return False
    return all(c.isprintable() or c in "\r\n\t\f\v" for c in text)


def _diagnose(path, size, sf_message):
    """Turn a decoder failure into a cause a user can act on."""
    try:
        with open(path, "rb") as f:
            head = f.read(512)
    except OSError as exc:
        return f"the file cannot be read ({exc.strerror or exc})"
    container = next((name for magic, name in _MAGIC.items() if head.startswith(magic)), None)
    if container == "WAV" and size < 44:
        return f"truncated WAV header (the file has only {size} bytes)"
    if container == "WAV" and head[8:12] != b"WAVE":
        return "corrupt WAV header (a RIFF file without the WAVE format tag)"
    if container is not None:
        return f"corrupt or unsupported {container} data (libsndfile: {sf_message})"
    if _looks_like_text(head):
        return "not an audio file: it holds text"
    return f"unsupported or unrecognised audio format (libsndfile: {sf_message})"


def soundfile_path(path):
    """``path`` as libsndfile must get it: its bytes, on POSIX.

    soundfile encodes a ``str`` path strictly, so a name whose bytes are not valid UTF-8
    (which Python holds with lone surrogates) fails to open, and its error blames the
    data. ``os.fsencode`` gives back the name's own bytes. On Windows soundfile opens
    ``str`` paths with the wide-character API, which takes every name.
    """
    path = os.fspath(path)
    if isinstance(path, str) and sys.platform != "win32":
        return os.fsencode(path)
    return path


def _read_soundfile(path, offset, duration, size):
    """Return ``(frames x channels float32 array, sample rate)`` read with soundfile."""
    import soundfile as sf

    with sf.SoundFile(soundfile_path(path)) as f:
        file_sr = f.samplerate
        start = int(round(offset * file_sr))
        if start:
            if 0 < f.frames <= start:
                raise _OffsetError(f.frames / file_sr)
            if f.seekable():
                f.seek(start)
            else:  # pragma: no cover - libsndfile seeks in every format it reads
                f.read(start, dtype="float32")
        want = None if duration is None else int(round(duration * file_sr))
        remaining = f.frames - start
        if 0 < remaining and remaining * f.channels * 4 <= _ONE_SHOT_FACTOR * size + (1 << 20):
            # The header's frame count is plausible for the file size: one read into one
            # buffer (the common case, as fast as soundfile.read).
            n = remaining if want is None else min(want, remaining)
            data = f.read(n, dtype="float32", always_2d=True)
            if want is None or len(data) >= want:
                return data, file_sr
            blocks, got = [data], len(data)
        else:
            blocks, got = [], 0
        while want is None or got < want:
            k = _BLOCK_FRAMES if want is None else min(_BLOCK_FRAMES, want - got)
            block = f.read(k, dtype="float32", always_2d=True)
            if len(block) == 0:
                break
            blocks.append(block)
            got += len(block)
        channels = f.channels
    if not blocks:
        return np.zeros((0, channels), dtype=np.float32), file_sr
    data = blocks[0] if len(blocks) == 1 else np.concatenate(blocks)
    return data, file_sr


def _read_audioread(path, offset, duration):
    """Fallback decoder; returns ``(frames x channels float32 array, sample rate)``."""
    import audioread

    with warnings.catch_warnings():
        # audioread's raw backend imports the deprecated aifc/sunau modules
        warnings.simplefilter("ignore", DeprecationWarning)
        with audioread.audio_open(os.fspath(path)) as f:
            file_sr, channels = int(f.samplerate), int(f.channels)
            start = int(round(offset * file_sr)) * channels
            stop = None if duration is None else start + int(round(duration * file_sr)) * channels
            chunks, pos = [], 0
            for buf in f:
                chunk = np.frombuffer(buf, "<i2")
                end = pos + len(chunk)
                if end > start:
                    chunks.append(chunk[max(start - pos, 0) : None if stop is None else stop - pos])
                pos = end
                if stop is not None and pos >= stop:
                    break
    if channels < 1:
        raise ValueError("the decoder reports no audio channels")
    data = np.concatenate(chunks) if chunks else np.zeros(0, dtype="<i2")
    data = data[: len(data) - len(data) % channels].astype(np.float32) / np.float32(32768)
    if not len(data) and start and pos <= start:
        raise _OffsetError(pos / channels / file_sr)
    return data.reshape(-1, channels), file_sr


class _OffsetError(Exception):
    def __init__(self, length_s):
        self.length_s = length_s


def _decode(fspath, offset, duration, size):
    """Decode with soundfile, else audioread; a failure is an AudioLoadError with a cause."""
    try:
        return _read_soundfile(fspath, offset, duration, size)
    except _OffsetError:
        raise
    except Exception as sf_exc:  # libsndfile reports every decoding fault its own way
        sf_message = (
            getattr(sf_exc, "error_string", None) or str(sf_exc) or type(sf_exc).__name__
        ).strip()
        if "does not exist" in sf_message:
            # libsndfile's MP3 reader says so when it finds no MPEG frame in a file
            # that does exist; do not repeat that misleading message
            sf_message = "no decodable audio stream found"
        reason = _diagnose(fspath, size, sf_message)
        if reason.startswith(("truncated", "not an audio", "corrupt WAV header")):
            # a definite diagnosis: no other decoder can do better
            raise AudioLoadError(fspath, reason) from None
        try:
            return _read_audioread(fspath, offset, duration)
        except _OffsetError:
            raise
        except Exception:
            raise AudioLoadError(fspath, reason) from None


def _load(path, sr, mono, offset, duration):
    """Decode one file; every failure becomes an AudioLoadError naming ``path``."""
    try:
        fspath = os.fsdecode(os.fspath(path))
    except TypeError:
        raise AudioLoadError(
            repr(path), f"expected a file path (str or os.PathLike), got {type(path).__name__}"
        ) from None
    try:
        st = os.stat(fspath)
    except FileNotFoundError:
        raise AudioLoadError(fspath, "no such file") from None
    except OSError as exc:
        raise AudioLoadError(fspath, f"the file cannot be accessed ({exc.strerror or exc})") from None
    p = Path(fspath)
    if p.is_dir():
        raise AudioLoadError(fspath, "it is a directory, not an audio file")
    if not stat.S_ISREG(st.st_mode):
        # Never opened: reading a FIFO (or a device) could block forever.
        raise AudioLoadError(fspath, "it is not a regular file (a FIFO, socket or device)")
    if st.st_size == 0:
        raise AudioLoadError(fspath, "the file is empty (0 bytes)")
    if not os.access(fspath, os.R_OK):
        raise AudioLoadError(fspath, "permission denied")

    # libmpg123 writes notes to the C stderr while it probes a file that is not MP3: the
    # error below already names the file and the cause
    try:
        with decoder_stderr_filtered():
            data, file_sr = _decode(fspath, offset, duration, st.st_size)
    except _OffsetError as exc:
        raise AudioLoadError(
            fspath,
            f"offset={offset} s is at or beyond the end of the audio ({exc.length_s:.3f} s long)",
        ) from None

    if data.shape[0] == 0:
        if offset:
            raise AudioLoadError(
                fspath, f"offset={offset} s is at or beyond the end of the audio"
            )
        reason = _diagnose(fspath, st.st_size, "no samples")
        if not reason.startswith("truncated"):
            reason = "the file holds no audio samples (0 frames)"
        raise AudioLoadError(fspath, reason)
    if not np.isfinite(data).all():
        raise AudioLoadError(fspath, "the audio contains NaN or infinite sample values")

    if mono:
        y = data[:, 0] if data.shape[1] == 1 else data.mean(axis=1, dtype=np.float32)
    else:
        y = data.T
    if file_sr != sr:
        if file_sr < _MIN_FILE_SR:
            # corrupt headers claim rates like 1 Hz; resampling those would blow up memory
            raise AudioLoadError(
                fspath, f"implausible sample rate of {file_sr} Hz in the header (corrupt file?)"
            )
        try:
            y = _resample(y, file_sr, sr)
        except Exception as exc:
            raise AudioLoadError(
                fspath, f"cannot resample from {file_sr} Hz to {sr} Hz ({exc})"
            ) from None
    return np.ascontiguousarray(y, dtype=np.float32)


def _resample(y, orig_sr, target_sr):
    """``librosa.resample(y, orig_sr, target_sr, res_type="soxr_hq", axis=-1)``.

    The same soxr call and the same length rule (``ceil(n * target_sr / orig_sr)``
    samples), without importing librosa and numba for it.
    """
    import soxr

    n_out = int(np.ceil(y.shape[-1] * float(target_sr) / orig_sr))
    out = np.apply_along_axis(
        soxr.resample, -1, y, in_rate=orig_sr, out_rate=target_sr, quality="soxr_hq"
    )
    if out.shape[-1] > n_out:
        out = out[..., :n_out]
    elif out.shape[-1] < n_out:
        pad = [(0, 0)] * (out.ndim - 1) + [(0, n_out - out.shape[-1])]
        out = np.pad(out, pad)
    return np.asarray(out, dtype=y.dtype)


@validate_params(
    {
        "path": [str, os.PathLike],
        "sr": [Interval(Integral, 1, None, closed="left")],
        "mono": ["boolean"],
        "offset": [Interval(Real, 0, None, closed="left")],
        "duration": [Interval(Real, 0, None, closed="neither"), None],
    },
    prefer_skip_nested_validation=True,
)
def load_audio(path, sr=22050, mono=True, offset=0.0, duration=None):
    """Decode one audio file into a float32 waveform at sample rate ``sr``.

    soundfile (libsndfile) decodes WAV (PCM 8/16/24/32-bit and float), AU, FLAC,
    Ogg/Vorbis, MP3 and AIFF; files it cannot open are handed to audioread (which needs an
    ffmpeg or GStreamer backend for compressed formats). Multi-channel audio is averaged to
    mono; audio at another rate is resampled with soxr (``librosa.resample``,
    ``res_type="soxr_hq"``). Audio already at ``sr`` is returned unchanged, sample for
    sample, as libsndfile decodes it (integer PCM scaled to [-1, 1)).

    Parameters
    ----------
    path : str or os.PathLike
        The audio file.
    sr : int, default=22050
        Sample rate of the returned waveform, in Hz.
    mono : bool, default=True
        Average the channels to one. With ``mono=False`` the result has shape
        ``(n_channels, n_audio_samples)`` (librosa's convention).
    offset : float, default=0.0
        Start reading this many seconds into the file.
    duration : float or None, default=None
        Read at most this many seconds (all of the file when None). Reading only what is
        needed is much faster than decoding whole long files and cutting afterwards.

    Returns
    -------
    y : ndarray of shape (n_audio_samples,) or (n_channels, n_audio_samples), dtype float32
        The waveform.

    Raises
    ------
    skgenre.AudioLoadError
        If the file is missing, is a directory, is empty, is not audio (e.g. text), has a
        truncated or corrupt header, is in an unsupported format, holds no samples, holds
        NaN or infinite samples, or ``offset`` lies beyond its end. The error names the
        file (``err.path``) and the cause (``err.reason``).

    See Also
    --------
    AudioLoader : The same decoding as a scikit-learn transformer over many files.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> import soundfile as sf
    >>> from skgenre.io import load_audio
    >>> tmp = tempfile.mkdtemp()
    >>> path = os.path.join(tmp, "tone.wav")
    >>> t = np.arange(44100) / 44100
    >>> stereo = np.stack([np.sin(2 * np.pi * 440 * t)] * 2, axis=1) * 0.5
    >>> sf.write(path, stereo, 44100)  # 1 s, stereo, 44.1 kHz
    >>> y = load_audio(path, sr=22050)
    >>> y.shape, y.dtype
    ((22050,), dtype('float32'))
    >>> load_audio(path, sr=22050, offset=0.25, duration=0.5).shape
    (11025,)
    >>> load_audio(os.path.join(tmp, "missing.wav"))
    Traceback (most recent call last):
    ...
    skgenre._errors.AudioLoadError: cannot load audio file '...missing.wav': no such file
    """
    return _load(path, sr, mono, offset, duration)


def _load_or_error(path, sr, mono, offset, duration):
    # Errors travel back as values so that one broken file does not hide the others and the
    # parent can report every failure at once, whatever the joblib backend.
    try:
        return _load(path, sr, mono, offset, duration), None
    except AudioLoadError as exc:
        return None, exc


def _is_path(x):
    return isinstance(x, (str, bytes, os.PathLike))


def _input_kind(X, input_name="X"):
    """Classify ``X`` as file paths, ragged waveforms or a 2-D numeric array.

    Only the structure is looked at (no decoding, no content checks), so ``fit`` stays
    cheap. Returns ``(kind, X)`` with ``kind`` in {"paths", "waveforms", "2d"}.
    """
    if _is_path(X):
        raise ValueError(
            f"{input_name} must be a 1-D array-like of file paths, got a single path "
            f"{os.fspath(X)!r}; wrap it in a list: [{os.fspath(X)!r}]."
        )
    empty = ValueError(f"{input_name} is empty: at least 1 file or waveform is required.")
    if isinstance(X, (list, tuple)):
        if not len(X):
            raise empty
        if all(_is_path(x) for x in X):
            return "paths", list(X)
        if len(X) and any(_is_path(x) for x in X):
            bad = next(i for i, x in enumerate(X) if not _is_path(x))
            raise ValueError(
                f"{input_name} mixes file paths with other items: {input_name}[{bad}] is a "
                f"{type(X[bad]).__name__}, not a path."
            )
        if len(X) and all(isinstance(x, np.ndarray) and x.ndim == 1 for x in X):
            return "waveforms", list(X)
    arr = X if hasattr(X, "ndim") and hasattr(X, "dtype") and not hasattr(X, "iloc") else None
    if arr is None:
        try:
            arr = np.asarray(X)
        except ValueError:
            # inhomogeneous nested sequence: ragged waveforms
            return "waveforms", list(X)
    if arr.ndim == 2:
        if arr.shape[1] == 1 and arr.dtype.kind in "USO":
            # one column of paths, as ColumnTransformer passes a selected DataFrame column
            items = list(np.asarray(arr)[:, 0])
            if len(items) and all(_is_path(x) for x in items):
                return "paths", items
        return "2d", X
    if arr.ndim == 1:
        if arr.size == 0:
            raise empty
        if arr.dtype.kind == "U":
            return "paths", [str(x) for x in arr]
        if arr.dtype.kind == "S":  # bytes paths, as os.listdir(bytes) gives them
            return "paths", [os.fsdecode(x) for x in arr]
        if arr.dtype == object:
            items = list(arr)
            if len(items) and all(_is_path(x) for x in items):
                return "paths", items
            if len(items) and any(_is_path(x) for x in items):
                bad = next(i for i, x in enumerate(items) if not _is_path(x))
                raise ValueError(
                    f"{input_name} mixes file paths with other items: {input_name}[{bad}] is "
                    f"a {type(items[bad]).__name__}, not a path."
                )
            return "waveforms", items
    raise ValueError(
        f"{input_name} must be a 1-D array-like of audio file paths, a 1-D object array of "
        f"1-D waveforms, or a 2-D array of shape (n_samples, n_audio_samples); got an array "
        f"of shape {arr.shape} and dtype {arr.dtype}. Reshape your data with "
        "X.reshape(1, -1) if it holds a single waveform."
    )


class AudioLoader(_CheckingFitMixin, _TableOutputMixin, TransformerMixin, BaseEstimator):
    """Load audio files into float32 mono waveforms at a common sample rate.

    The first step of every skgenre pipeline: ``transform`` maps a 1-D array-like of file
    paths to the waveform container, a 1-D NumPy array of ``dtype=object`` whose items are
    1-D float32 arrays (lengths differ between files). Decoding is done by
    :func:`load_audio` (soundfile first, audioread as fallback; stereo is averaged to mono;
    other rates are resampled with soxr).

    Waveforms given instead of paths pass through, validated: a 1-D object array (or list)
    of 1-D arrays gives the same container back, a 2-D numeric array of equal-length
    waveforms ``(n_samples, n_audio_samples)`` gives a 2-D float32 array back. They are
    assumed to be at ``sr`` already; ``offset`` and ``duration`` cut them as they cut files.

    The transformer is stateless: ``fit`` only validates the parameters (and, for 2-D
    numeric input, records ``n_features_in_`` so that later 2-D input is checked against
    it, as scikit-learn's stateless transformers do); ``transform`` may be called without
    ``fit``. Files and 1-D waveforms give one output column, ``"waveform"``
    (:meth:`get_feature_names_out`); waveforms stay arrays whatever ``set_output`` says.

    Parameters
    ----------
    sr : int, default=22050
        Sample rate of the output waveforms, in Hz.
    mono : bool, default=True
        Average the channels of each file to one. With ``mono=False`` each item has shape
        ``(n_channels, n_audio_samples)``; the other skgenre steps need mono waveforms.
    offset : float, default=0.0
        Start each waveform this many seconds into its file.
    duration : float or None, default=None
        Keep at most this many seconds of each file (all of it when None). Decoding only
        the part that is needed speeds up loading long files a lot.
    n_jobs : int or None, default=None
        Number of files decoded in parallel with :class:`joblib.Parallel`. None means 1
        unless in a :func:`joblib.parallel_config` context; -1 means all processors.
        Threads are preferred (decoding releases the GIL); any joblib backend set with
        :func:`joblib.parallel_config` is used instead (loky, Dask, Ray).
    on_error : {"raise", "warn"}, default="raise"
        What to do when files cannot be loaded. ``"raise"``: raise
        :class:`~skgenre.AudioLoadError` for the first broken file (its message also counts
        and names the others). ``"warn"``: emit one :class:`~skgenre.BrokenFilesWarning`
        listing every broken file and its cause, and return an empty float32 array in its
        place so that rows stay aligned with ``y``; drop those rows before going on.
    lazy : bool, default=False
        Return file paths undecoded, as an :class:`AudioFiles` that decodes them when a
        later step reads the audio: :class:`~skgenre.RandomClip` decodes a chunk of files
        at a time and keeps only the clips, so a pipeline never holds all whole songs
        (1000 GTZAN songs are 2.6 GB as float32). Other steps decode all files at once.
        The pipeline factories set it. Waveforms given instead of paths are not affected.
    verbose : int, default=0
        Show a progress bar (files decoded, rate and time left) on stderr while decoding,
        when positive.

    Attributes
    ----------
    n_features_in_ : int
        Number of audio samples per row of a 2-D numeric ``X`` seen in ``fit``. Only set
        when ``fit`` was given 2-D numeric input.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names of a DataFrame given to ``fit``, when it has string column names.

    See Also
    --------
    load_audio : Decode a single file.
    AudioFiles : The undecoded files a lazy loader returns.
    skgenre.datasets.load_gtzan : File paths and labels of GTZAN.

    Examples
    --------
    >>> import tempfile
    >>> from skgenre.datasets import make_toy_genres
    >>> from skgenre.io import AudioLoader
    >>> toy = make_toy_genres(n_per_class=2, n_classes=2, duration=1.0, random_state=0,
    ...                       path=tempfile.mkdtemp())
    >>> waveforms = AudioLoader(sr=16000).fit_transform(toy.filenames)
    >>> waveforms.dtype, waveforms.shape, waveforms[0].dtype, waveforms[0].shape
    (dtype('O'), (4,), dtype('float32'), (16000,))

    Arrays of waveforms pass through:

    >>> import numpy as np
    >>> AudioLoader().transform(np.zeros((3, 100))).shape
    (3, 100)
    """

    _table_output = False  # waveforms: set_output leaves them arrays

    _parameter_constraints = {
        "sr": [Interval(Integral, 1, None, closed="left")],
        "mono": ["boolean"],
        "offset": [Interval(Real, 0, None, closed="left")],
        "duration": [Interval(Real, 0, None, closed="neither"), None],
        "n_jobs": [Integral, None],
        "on_error": [StrOptions({"raise", "warn"})],
        "lazy": ["boolean"],
        "verbose": ["verbose"],
    }

    def __init__(self, sr=22050, mono=True, offset=0.0, duration=None, n_jobs=None,
                 on_error="raise", lazy=False, verbose=0):
        self.sr = sr
        self.mono = mono
        self.offset = offset
        self.duration = duration
        self.n_jobs = n_jobs
        self.on_error = on_error
        self.lazy = lazy
        self.verbose = verbose

    def _check_fit(self, X):
        kind, _ = _input_kind(X)
        if kind == "2d":
            # Content is validated (and converted) in transform; fit records the width only.
            validate_data(self, X, reset=True, dtype=None, ensure_all_finite=True)
        else:
            # Drop what a previous fit on 2-D input left, so that it constrains nothing now.
            for attr in ("n_features_in_", "feature_names_in_"):
                if attr in self.__dict__:
                    delattr(self, attr)

    def transform(self, X):
        """Load (or validate) the waveforms.

        Parameters
        ----------
        X : array-like of shape (n_samples,) or (n_samples, n_audio_samples)
            File paths (str or os.PathLike), waveforms (1-D object array or list of 1-D
            arrays), or a 2-D numeric array of equal-length waveforms.

        Returns
        -------
        waveforms : ndarray of shape (n_samples,) of object, or (n_samples, n_audio_samples)
            A 1-D object array of 1-D float32 waveforms; a 2-D float32 array for 2-D
            numeric input; an :class:`AudioFiles` for file paths when ``lazy=True``.

        Raises
        ------
        skgenre.AudioLoadError
            When a file cannot be loaded and ``on_error="raise"``.
        ValueError
            When waveforms given as arrays are malformed or hold NaN/inf.
        """
        self._validate_params()
        kind, X_ = _input_kind(X)
        if kind == "paths":
            if self.lazy:
                return AudioFiles(X_, self)
            return self._load_paths(X_)
        if kind == "2d":
            X = pcm_to_float(X)  # int16 PCM in memory is scaled as the same file would be
            if hasattr(self, "n_features_in_"):
                arr = validate_data(self, X, reset=False, dtype=np.float32, ensure_all_finite=False)
            else:
                arr = check_array(X, dtype=np.float32, ensure_all_finite=False)
            waveforms = self._cut(check_waveforms(arr))
            return stack_clips(waveforms)
        # as an object array, equal-length waveforms stay a batch of 1-D items, not 2-D
        waveforms = self._cut(check_waveforms(_as_container(X_), allow_2d=False))
        return _as_container(waveforms)

    def _kept_samples(self):
        """The slice of each waveform that ``offset`` and ``duration`` keep."""
        start = int(round(self.offset * self.sr))
        stop = None if self.duration is None else start + int(round(self.duration * self.sr))
        return slice(start, stop)

    def _cut(self, waveforms):
        if not self.offset and self.duration is None:
            return waveforms
        kept = self._kept_samples()
        start = kept.start
        for i, w in enumerate(waveforms):
            if start and start >= len(w):
                raise ValueError(
                    f"X[{i}] has {len(w)} samples ({len(w) / self.sr:.3f} s at sr={self.sr}); "
                    f"offset={self.offset} s is at or beyond its end."
                )
        return [w[kept] for w in waveforms]

    def get_feature_names_out(self, input_features=None):
        """Names of the output columns.

        Files and 1-D waveforms give one waveform per row: a single column, named
        ``"waveform"``. A 2-D numeric input seen in ``fit`` gives one column per audio
        sample: the input's names (or ``x0``, ``x1``, ...) of the samples that ``offset``
        and ``duration`` keep.

        Parameters
        ----------
        input_features : array-like of str or None
            Checked against ``feature_names_in_`` and ``n_features_in_`` where ``fit``
            set them.

        Returns
        -------
        names : ndarray of str

        Examples
        --------
        >>> import numpy as np
        >>> from skgenre.io import AudioLoader
        >>> AudioLoader().get_feature_names_out().tolist()
        ['waveform']
        >>> AudioLoader(sr=4, offset=0.5).fit(np.zeros((2, 4))).get_feature_names_out()
        array(['x2', 'x3'], dtype=object)
        """
        if not hasattr(self, "n_features_in_"):
            return _waveform_names(self, input_features)
        return _check_feature_names_in(self, input_features)[self._kept_samples()]

    def _load_paths(self, paths):
        """Decode ``paths`` into the waveform container, all at once."""
        out = np.empty(len(paths), dtype=object)
        for start, waves in self._decode_chunks(paths):
            out[start : start + len(waves)] = _as_container(waves)
        return out

    def _decode_chunks(self, paths, chunk_size=None):
        """Yield ``(start, waveforms)`` for consecutive chunks of ``paths``, decoded.

        Files that fail raise at once with ``on_error="raise"`` (the error also names the
        other failures of the chunk); with ``"warn"`` an empty array stands in for each,
        and one :class:`~skgenre.BrokenFilesWarning` lists them all at the end.
        """
        # libsndfile and soxr release the GIL, so threads decode in parallel without
        # pickling every waveform back (measured faster than processes); a backend set
        # with joblib.parallel_config (loky, Dask, Ray) takes precedence over this hint.
        size = len(paths) if chunk_size is None else max(1, int(chunk_size))
        errors = []
        empty = np.zeros(0, dtype=np.float32)
        with progress_bar(len(paths), desc="decoding", unit="file", verbose=self.verbose) as bar:
            parallel = Parallel(n_jobs=self.n_jobs, prefer="threads", return_as="generator")
            for start in range(0, len(paths), size):
                chunk = paths[start : start + size]
                results = []
                for result in parallel(
                    delayed(_load_or_error)(p, self.sr, self.mono, self.offset, self.duration)
                    for p in chunk
                ):
                    results.append(result)
                    bar.update(1)
                failed = [err for _, err in results if err is not None]
                if failed and self.on_error == "raise":
                    _raise_all(failed, len(chunk))
                errors += failed
                yield start, [empty if w is None else w for w, _ in results]
        if errors:
            listing = "\n".join(f"  {e.path}: {e.reason}" for e in errors)
            warnings.warn(
                f"{len(errors)} of {len(paths)} audio files could not be loaded; empty "
                f"waveforms stand in their place:\n{listing}",
                BrokenFilesWarning,
                stacklevel=4,
            )

    def __setstate__(self, state):
        # models saved before these parameters existed load with their old behaviour
        state = {"lazy": False, "verbose": 0, **state}
        super().__setstate__(state)

    def __sklearn_is_fitted__(self):
        # Stateless: usable without fit, like FunctionTransformer.
        return True

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = True
        tags.requires_fit = False
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags


def _raise_all(errors, n_files):
    first = errors[0]
    if len(errors) == 1:
        raise first
    others = ", ".join(repr(e.path) for e in errors[1:6])
    more = f" and {len(errors) - 6} more" if len(errors) > 6 else ""
    raise AudioLoadError(
        first.path,
        f"{first.reason} ({len(errors) - 1} other file(s) of the {n_files} also "
        f"failed: {others}{more})",
    )


class AudioFiles(_LazyWaveforms):
    """Audio files not decoded yet: what a lazy :class:`AudioLoader` returns for paths.

    It stands where the waveform container would, one item per file, and decodes with the
    settings of the loader that made it (sample rate, channels, offset, duration, parallel
    jobs, error handling, progress). :class:`~skgenre.RandomClip` decodes it a chunk of
    files at a time and keeps only the clips; ``skgenre.utils.check_waveforms`` (and
    so every other waveform consumer) decodes all of it; ``np.asarray`` gives the decoded
    container.

    Parameters
    ----------
    paths : list of str or os.PathLike
        The files.
    loader : AudioLoader
        The decoding settings; a copy is kept.

    Attributes
    ----------
    paths : list
        The files.

    Examples
    --------
    >>> from pathlib import Path
    >>> from tempfile import mkdtemp
    >>> import soundfile as sf
    >>> from skgenre.io import AudioLoader
    >>> path = Path(mkdtemp()) / "silence.wav"
    >>> sf.write(path, [0.0] * 8000, 8000)  # 1 s at 8 kHz
    >>> files = AudioLoader(sr=16000, lazy=True).transform([path, path])
    >>> files
    AudioFiles(2 files, sr=16000)
    >>> [w.shape for w in files.decode()]
    [(16000,), (16000,)]
    """

    def __init__(self, paths, loader):
        from sklearn.base import clone

        self.paths = list(paths)
        self._loader = clone(loader).set_params(lazy=False)

    @property
    def sr(self):
        """Sample rate of the decoded waveforms (Hz)."""
        return self._loader.sr

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, key):
        if isinstance(key, (int, np.integer)):
            return self._loader._load_paths([self.paths[key]])[0]
        if isinstance(key, slice):
            return AudioFiles(self.paths[key], self._loader)
        return AudioFiles([self.paths[i] for i in np.arange(len(self))[key]], self._loader)

    def __array__(self, dtype=None, copy=None):
        out = self.decode()
        return out if dtype is None else out.astype(dtype)

    def __repr__(self):
        return f"AudioFiles({len(self)} files, sr={self.sr})"

    def decode(self):
        """Decode every file.

        Returns
        -------
        waveforms : ndarray of shape (n_files,) of object
            The waveform container of :class:`AudioLoader`.
        """
        return self._loader._load_paths(self.paths)

    def chunks(self, chunk_size=None):
        """Decode the files a chunk at a time.

        Parameters
        ----------
        chunk_size : int or None, default=None
            Files per chunk; None means 16.

        Yields
        ------
        start : int
            Index of the chunk's first file.
        waveforms : list of ndarray
            The decoded files of the chunk.
        """
        return self._loader._decode_chunks(self.paths, chunk_size or _DECODE_CHUNK)


def _as_container(waveforms):
    out = np.empty(len(waveforms), dtype=object)
    for i, w in enumerate(waveforms):
        out[i] = w
    return out
