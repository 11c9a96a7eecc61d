"""The one batched STFT of skgenre and the spectral quantities derived from it.

Every spectral feature of a batch of clips is computed from a single short-time Fourier
transform per clip (:func:`batch_spectra`); mel power, dB scaling, and the onset envelope
are derived from it here and never recomputed from the waveform further down.

Conventions follow :func:`librosa.stft` with ``center=True, pad_mode="constant",
window="hann"``, so values agree with librosa's up to float32 rounding (librosa forms the
windowed frames in float64 before casting to complex64; here everything stays float32).

Every function works row by row: the result for one clip does not depend on the other
clips of the batch (no batch-wide maxima, no BLAS call that spans clips), so batching and
chunking never change a value.

This module is private: names may change without notice.
"""

from functools import lru_cache

import numpy as np
import scipy.fft
from numpy.lib.stride_tricks import sliding_window_view

from ..utils import check_waveforms, stack_clips

__all__ = [
    "AMIN",
    "Spectra",
    "batch_spectra",
    "check_clips",
    "fft_frequencies",
    "frame_count",
    "hann_window",
    "iter_chunks",
    "mel_filterbank",
    "mel_power",
    "onset_envelope",
    "power_to_db_per_clip",
]

#: Floor of power values before taking logarithms (librosa's ``amin``).
AMIN = 1e-10


def check_clips(X, *, input_name="X"):
    """Validate clips and return a C-contiguous float32 ``(n, n_samples)`` array.

    Accepts a 2-D numeric array, a list of equal-length 1-D arrays, or the 1-D object-array
    container of :class:`~skgenre.AudioLoader` when all waveforms have one length.
    """
    return stack_clips(check_waveforms(X, input_name=input_name))


def frame_count(n_samples, hop_length):
    """Number of STFT frames of a clip of ``n_samples`` samples (``center=True``)."""
    return 1 + int(n_samples) // int(hop_length)


@lru_cache(maxsize=16)
def hann_window(n_fft):
    """Periodic Hann window, as ``scipy.signal.get_window("hann", n_fft, fftbins=True)``."""
    n = np.arange(n_fft, dtype=np.float64)
    w = 0.5 - 0.5 * np.cos(2.0 * np.pi * n / n_fft)
    w = w.astype(np.float32)
    w.setflags(write=False)
    return w


@lru_cache(maxsize=16)
def fft_frequencies(sr, n_fft):
    """Center frequency (Hz) of each of the ``1 + n_fft // 2`` STFT bins."""
    f = np.fft.rfftfreq(n_fft, d=1.0 / sr)
    f.setflags(write=False)
    return f


@lru_cache(maxsize=16)
def mel_filterbank(sr, n_fft, n_mels, fmax=None):
    """librosa's (Slaney) mel filterbank as float32 ``(n_mels, 1 + n_fft // 2)``."""
    import librosa

    fb = librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, fmax=fmax, dtype=np.float32)
    fb = np.ascontiguousarray(fb)
    fb.setflags(write=False)
    return fb


def _frames(clips, n_fft, hop_length):
    # center=True, pad_mode="constant": n_fft // 2 zeros on each side (librosa.stft)
    half = n_fft // 2
    padded = np.zeros((clips.shape[0], clips.shape[1] + 2 * half), dtype=np.float32)
    padded[:, half : half + clips.shape[1]] = clips
    n_frames = frame_count(clips.shape[1], hop_length)
    return sliding_window_view(padded, n_fft, axis=-1)[:, : (n_frames - 1) * hop_length + 1 : hop_length]


class Spectra:
    """Magnitude spectra of a batch of clips, with the quantities derived from them.

    Derived quantities are computed on first access and kept, so every consumer of one
    batch shares them.

    Parameters
    ----------
    magnitude : ndarray of shape (n, n_frames, n_bins), float32
        ``|STFT|`` in time-major layout; :attr:`S` is the ``(n, n_bins, n_frames)`` view
        that librosa's feature functions expect.
    sr, n_fft, hop_length : int
        Parameters of the transform.
    """

    def __init__(self, magnitude, sr, n_fft, hop_length):
        self._mag_tf = magnitude
        self.sr = sr
        self.n_fft = n_fft
        self.hop_length = hop_length
        self._cache = {}

    @property
    def n_frames(self):
        return self._mag_tf.shape[1]

    @property
    def S(self):
        """Magnitude spectrogram, ``(n, n_bins, n_frames)`` float32 (a view)."""
        return self._mag_tf.transpose(0, 2, 1)

    @property
    def S_tf(self):
        """Magnitude spectrogram in time-major layout, ``(n, n_frames, n_bins)``."""
        return self._mag_tf

    @property
    def power_tf(self):
        """``|STFT|**2``, time-major ``(n, n_frames, n_bins)`` float32."""
        if "power_tf" not in self._cache:
            self._cache["power_tf"] = np.square(self._mag_tf)
        return self._cache["power_tf"]

    @property
    def power(self):
        """``|STFT|**2``, ``(n, n_bins, n_frames)`` float32 (a view)."""
        return self.power_tf.transpose(0, 2, 1)

    def mel_power(self, n_mels=128):
        """Mel power spectrogram ``(n, n_mels, n_frames)``, as librosa.feature.melspectrogram."""
        key = ("mel", n_mels)
        if key not in self._cache:
            self._cache[key] = mel_power(self.power_tf, self.sr, self.n_fft, n_mels)
        return self._cache[key]

    def mel_db(self, n_mels=128):
        """``power_to_db(mel_power, ref=1.0, top_db=80)`` per clip (MFCC and onset input)."""
        key = ("mel_db", n_mels)
        if key not in self._cache:
            self._cache[key] = power_to_db_per_clip(self.mel_power(n_mels), ref=1.0, top_db=80.0)
        return self._cache[key]


def batch_spectra(clips, *, sr=22050, n_fft=2048, hop_length=512):
    """One STFT of every clip of a batch: ``|STFT|`` wrapped in :class:`Spectra`.

    Parameters
    ----------
    clips : ndarray of shape (n, n_samples), float32
        Validated clips (see :func:`check_clips`).
    sr, n_fft, hop_length : int
        Sample rate and transform parameters (``center=True``, zero padding, Hann window).

    Returns
    -------
    spectra : Spectra
    """
    clips = np.ascontiguousarray(clips, dtype=np.float32)
    frames = _frames(clips, n_fft, hop_length)
    windowed = frames * hann_window(n_fft)
    spec = scipy.fft.rfft(windowed, axis=-1, overwrite_x=True)
    del windowed
    mag = np.abs(spec)
    del spec
    return Spectra(mag, sr, n_fft, hop_length)


def mel_power(power_tf, sr, n_fft, n_mels):
    """Mel power ``(n, n_mels, n_frames)`` from time-major power ``(n, n_frames, n_bins)``.

    ``np.matmul`` over the leading batch axis runs one GEMM per clip, so a clip's values do
    not depend on the batch it is in.
    """
    fb = mel_filterbank(sr, n_fft, n_mels)
    out = np.matmul(power_tf, fb.T)  # (n, n_frames, n_mels)
    return np.ascontiguousarray(out.transpose(0, 2, 1))


def power_to_db_per_clip(S, *, ref=1.0, top_db=80.0, amin=AMIN):
    """:func:`librosa.power_to_db` applied to each clip of ``S`` (``(n, ...)``) on its own.

    Parameters
    ----------
    S : ndarray of shape (n, ...)
        Power values.
    ref : float or "max"
        Reference power; ``"max"`` uses each clip's own maximum (``ref=np.max`` in librosa).
    top_db : float or None
        Floor each clip at its own maximum minus ``top_db`` dB.
    """
    S = np.asarray(S)
    axes = tuple(range(1, S.ndim))
    out = np.maximum(S, np.asarray(amin, dtype=S.dtype))
    np.log10(out, out=out)
    out *= 10.0
    if isinstance(ref, str):
        ref_value = np.max(S, axis=axes, keepdims=True) if S.size else np.ones((S.shape[0],) + (1,) * len(axes))
        out -= (10.0 * np.log10(np.maximum(amin, ref_value))).astype(out.dtype)
    else:
        out -= out.dtype.type(10.0 * np.log10(max(amin, abs(float(ref)))))
    if top_db is not None:
        floor = np.max(out, axis=axes, keepdims=True) - out.dtype.type(top_db)
        np.maximum(out, floor, out=out)
    return out


def onset_envelope(mel_db, *, n_fft=2048, hop_length=512, lag=1):
    """Onset strength ``(n, n_frames)`` from a dB mel spectrogram, as librosa.onset.onset_strength.

    Spectral flux (positive first differences along time, averaged over mel bands), shifted
    by ``lag + n_fft // (2 * hop_length)`` frames and trimmed to the input length
    (librosa's ``center=True``).
    """
    n, _, n_frames = mel_db.shape
    flux = np.maximum(0.0, mel_db[..., lag:] - mel_db[..., :-lag]).mean(axis=-2)
    pad = lag + n_fft // (2 * hop_length)
    env = np.zeros((n, n_frames), dtype=mel_db.dtype)
    if n_frames > pad:
        env[:, pad:] = flux[:, : n_frames - pad]
    return env


def iter_chunks(n, chunk_size):
    """Slices ``[start, stop)`` that cover ``range(n)`` in chunks of at most ``chunk_size``."""
    chunk_size = max(1, int(chunk_size))
    return [slice(i, min(i + chunk_size, n)) for i in range(0, n, chunk_size)]


def _is_waveform_container(X):
    if isinstance(X, np.ndarray):
        return X.dtype == object and X.ndim == 1
    if isinstance(X, (list, tuple)) and len(X) > 0:
        shapes = {np.shape(x) for x in X}
        return len(shapes) > 1 or any(len(s) != 1 for s in shapes)
    return False


def validate_clips(estimator, X, *, reset):
    """Validate clips for a skgenre transformer; record or check ``n_features_in_``.

    A 2-D array-like goes through :func:`sklearn.utils.validation.validate_data` (so
    ``n_features_in_`` and ``feature_names_in_`` follow scikit-learn's rules, with the clip
    length as the number of features); the waveform container (an object array or a list of
    1-D arrays) goes through :func:`~skgenre.utils.check_waveforms` and must hold
    waveforms of one length.
    """
    from sklearn.utils.validation import validate_data

    if _is_waveform_container(X):
        X = check_clips(X)
    return validate_data(estimator, X, reset=reset, dtype=np.float32, order="C")


def resolve_chunks(n_clips, n_frames, chunk_size, n_jobs):
    """Chunks of clips for one transform: bounded memory, and work for every job.

    ``chunk_size="auto"`` bounds a chunk at about 8192 STFT frames (roughly 40 5-s clips or
    6 30-s clips, about 250 MB of transient arrays), then splits further so that ``n_jobs``
    workers each get a chunk.
    """
    from joblib import effective_n_jobs

    if chunk_size == "auto":
        size = max(1, 8192 // max(1, n_frames))
    else:
        size = int(chunk_size)
    jobs = effective_n_jobs(n_jobs)
    if jobs > 1:
        size = max(1, min(size, -(-n_clips // jobs)))
    return iter_chunks(n_clips, size)


def run_chunks(func, clips, slices, n_jobs):
    """``np.concatenate([func(clips[s]) for s in slices])``, in parallel with joblib."""
    from joblib import Parallel, delayed, effective_n_jobs

    if len(slices) == 1 or effective_n_jobs(n_jobs) == 1:
        parts = [func(clips[s]) for s in slices]
    else:
        parts = Parallel(n_jobs=n_jobs)(delayed(func)(clips[s]) for s in slices)
    return np.concatenate(parts, axis=0)


# --------------------------------------------------------------------------------------
# Frame-level features. Each takes a Spectra (or clips) and returns (n, k, n_frames) or
# (n, n_frames) float arrays whose values follow the librosa function named in its
# docstring, computed per clip.
# --------------------------------------------------------------------------------------


def _tiny(dtype):
    return np.finfo(dtype).tiny


def zero_crossing_rate(clips, *, frame_length=2048, hop_length=512, threshold=1e-10):
    """``(n, n_frames)`` as librosa.feature.zero_crossing_rate(y, center=True).

    librosa frames the edge-padded signal and counts sign changes inside each frame
    (values with ``|y| <= 1e-10`` count as positive, a frame's first sample never counts);
    a cumulative sum over the padded signal gives the same counts without framing.
    """
    half = frame_length // 2
    padded = np.pad(clips, ((0, 0), (half, half)), mode="edge")
    neg = padded < -threshold
    csum = np.zeros(padded.shape, dtype=np.int32)
    np.cumsum(neg[:, 1:] != neg[:, :-1], axis=1, out=csum[:, 1:])
    n_frames = frame_count(clips.shape[1], hop_length)
    starts = np.arange(n_frames) * hop_length
    counts = csum[:, starts + frame_length - 1] - csum[:, starts]
    return counts.astype(np.float32) / np.float32(frame_length)
