"""Decode audio files into the skgenre waveform container: :class:`AudioLoader`.

:class:`AudioLoader` is the stateless transformer that turns a column of file paths into
waveforms at the head of every skgenre pipeline; it decodes each file with
:func:`~skgenre.io.load_audio` (``_decode.py``), in parallel and chunk by chunk, and
reports every file that fails at once. :class:`AudioFiles` is its lazy container.
"""

import os
import warnings
from numbers import Integral, Real

import numpy as np
from joblib import delayed
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import _check_feature_names_in, check_array, validate_data

from .._errors import AudioLoadError, BrokenFilesWarning
from ..utils import check_waveforms, progress_bar, stack_clips
from ..utils._mixins import (
    N_JOBS_CONSTRAINT,
    _CheckingFitMixin,
    _TableOutputMixin,
    _waveform_names,
)
from ..utils._parallel import ordered_parallel
from ..utils._pcm import pcm_to_float
from ..utils._stack import user_stacklevel
from ..utils._waveforms import _LazyWaveforms
from ._decode import _load_or_error, _n_samples

__all__ = ["AudioFiles", "AudioLoader"]

# Files decoded together: the whole songs held at once while a chunk is clipped (16 GTZAN
# songs are 42 MB as float32), and enough files for every decoding thread.
_DECODE_CHUNK = 16

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
        Keep at most this many seconds of each file (all of it when None; at least one
        sample). Decoding only the part that is needed speeds up loading long files a lot.
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
        "n_jobs": N_JOBS_CONSTRAINT,
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
        stop = None if self.duration is None else start + _n_samples(self.duration, self.sr)
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
            parallel = ordered_parallel(self.n_jobs, prefer="threads")
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
                stacklevel=user_stacklevel(),
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
        # Its main input is a 1-D array of paths, but not one_d_array: scikit-learn's checks
        # read that tag as "1-D input only" and hand such estimators a numeric column
        # (IsotonicRegression's case), which is no path; 2-D numbers are waveforms here.
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
