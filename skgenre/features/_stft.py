"""Signal processing: the one batched STFT of skgenre and the quantities derived from it.

Every spectral feature of a batch of clips is computed from a single short-time Fourier
transform per clip (:func:`batch_spectra`); mel power, dB scaling, and the onset envelope
are derived from it here and never recomputed from the waveform further down.

Conventions follow :func:`librosa.stft` with ``center=True, pad_mode="constant",
window="hann"``, so values agree with librosa's up to float32 rounding (librosa forms the
windowed frames in float64 before casting to complex64; here everything stays float32).

Time-domain frame features (zero-crossing rate, RMS) are computed from the clips directly,
also batched. Every function works row by row: the result for one clip does not depend on
the other clips of the batch (no batch-wide maxima or dB floors, no BLAS call that spans
clips), so batching and chunking never change a value (tests check bit equality).

Validation of clips lives in :mod:`skgenre.utils` (``validate_clips``), chunking and joblib
dispatch in ``_chunks.py``, the estimator plumbing in ``_base.py``; this module only computes.
It is private: names may change without notice.
"""

from functools import lru_cache

import numpy as np
import scipy.fft
from numpy.lib.stride_tricks import sliding_window_view

__all__ = [
    "AMIN",
    "Spectra",
    "batch_spectra",
    "chroma_stft",
    "estimate_tuning",
    "fft_frequencies",
    "frame_count",
    "hann_window",
    "mel_filterbank",
    "mel_power",
    "mel_spectrogram_stream",
    "mfcc",
    "onset_envelope",
    "power_to_db_per_clip",
    "rms",
    "spectral_bandwidth",
    "spectral_centroid",
    "spectral_contrast",
    "spectral_flatness",
    "spectral_rolloff",
    "tempo",
    "tempo_window",
    "zero_crossing_rate",
]

# frames per FFT call (about 2 MB of float32 frames: one 5-s clip, kept in cache)
_STFT_BLOCK_FRAMES = 256

#: Floor of power values before taking logarithms (librosa's ``amin``).
AMIN = 1e-10


def frame_count(n_samples, hop_length, n_fft=None):
    """Number of STFT frames of a clip of ``n_samples`` samples (``center=True``).

    ``1 + n_samples // hop_length`` for an even ``n_fft`` (or None); an odd ``n_fft`` pads
    each side by ``n_fft // 2``, one sample short of a frame, so a clip whose length is a
    multiple of ``hop_length`` then has one frame fewer (librosa's count).
    """
    n = int(n_samples)
    if n_fft is not None:
        n -= int(n_fft) % 2  # n + 2 * (n_fft // 2) - n_fft + 1 windows, in steps of hop
    return 1 + n // int(hop_length)


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


# Slaney's mel scale (librosa.hz_to_mel / mel_to_hz with htk=False): linear below 1 kHz,
# logarithmic above; the constants are librosa's, computed the same way.
_F_SP = 200.0 / 3
_MIN_LOG_MEL = 1000.0 / _F_SP
_LOGSTEP = np.log(6.4) / 27.0


def _hz_to_mel(hz):
    hz = np.atleast_1d(np.asarray(hz, dtype=np.float64))
    mel = hz / _F_SP
    log = hz >= 1000.0
    mel[log] = _MIN_LOG_MEL + np.log(hz[log] / 1000.0) / _LOGSTEP
    return mel


def _mel_to_hz(mel):
    mel = np.asarray(mel, dtype=np.float64)
    hz = 0.0 + _F_SP * mel
    log = mel >= _MIN_LOG_MEL
    hz[log] = 1000.0 * np.exp(_LOGSTEP * (mel[log] - _MIN_LOG_MEL))
    return hz


@lru_cache(maxsize=16)
def mel_filterbank(sr, n_fft, n_mels, fmax=None):
    """Slaney mel filterbank as float32 ``(n_mels, 1 + n_fft // 2)``.

    The same numbers as ``librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels,
    fmax=fmax)`` (same operations, same order; a test checks equality), without importing
    librosa and numba on the transform path.
    """
    fmax = float(sr) / 2 if fmax is None else float(fmax)
    weights = np.zeros((int(n_mels), 1 + n_fft // 2), dtype=np.float32)
    fftfreqs = np.fft.rfftfreq(n=n_fft, d=1.0 / sr)
    mel_f = _mel_to_hz(np.linspace(_hz_to_mel(0.0)[0], _hz_to_mel(fmax)[0], int(n_mels) + 2))
    fdiff = np.diff(mel_f)
    ramps = np.subtract.outer(mel_f, fftfreqs)
    for i in range(int(n_mels)):
        lower = -ramps[i] / fdiff[i]
        upper = ramps[i + 2] / fdiff[i + 1]
        weights[i] = np.maximum(0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_f[2 : n_mels + 2] - mel_f[:n_mels]))[:, np.newaxis]
    fb = np.ascontiguousarray(weights)
    fb.setflags(write=False)
    return fb


def _frames(clips, n_fft, hop_length):
    # center=True, pad_mode="constant": n_fft // 2 zeros on each side (librosa.stft)
    half = n_fft // 2
    padded = np.zeros((clips.shape[0], clips.shape[1] + 2 * half), dtype=np.float32)
    padded[:, half : half + clips.shape[1]] = clips
    n_frames = frame_count(clips.shape[1], hop_length, n_fft)
    last = (n_frames - 1) * hop_length + 1
    return sliding_window_view(padded, n_fft, axis=-1)[:, :last:hop_length]


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
    n, n_frames = frames.shape[:2]
    mag = np.empty((n, n_frames, n_fft // 2 + 1), dtype=np.float32)
    window = hann_window(n_fft)
    # a few clips at a time: the windowed frames and complex spectra stay small and reused
    block = max(1, min(n, _STFT_BLOCK_FRAMES // max(1, n_frames)))
    buf = np.empty((block, n_frames, n_fft), dtype=np.float32)
    for start in range(0, n, block):
        stop = min(start + block, n)
        np.multiply(frames[start:stop], window, out=buf[: stop - start])
        np.abs(scipy.fft.rfft(buf[: stop - start], axis=-1), out=mag[start:stop])
    return Spectra(mag, sr, n_fft, hop_length)


@lru_cache(maxsize=16)
def _mel_groups(sr, n_fft, n_mels, group=16):
    # Mel filters are narrow and sorted by frequency: groups of adjacent filters touch only
    # a band of bins, so multiplying per group skips most of the zeros of the dense matrix.
    fb = mel_filterbank(sr, n_fft, n_mels)
    groups = []
    for start in range(0, n_mels, group):
        stop = min(start + group, n_mels)
        nz = np.flatnonzero(fb[start:stop].any(axis=0))
        lo, hi = (int(nz[0]), int(nz[-1]) + 1) if nz.size else (0, 1)
        block = np.ascontiguousarray(fb[start:stop, lo:hi].T)
        block.setflags(write=False)
        groups.append((start, stop, lo, hi, block))
    return tuple(groups)


def mel_spectrogram_stream(clips, *, sr=22050, n_fft=2048, hop_length=512, n_mels=128,
                           power=2.0):
    """Mel spectrogram ``(n, n_mels, n_frames)`` float32, one STFT block at a time.

    When the mel spectrogram is the only output, the spectra of a few clips at a time go
    straight through the mel filterbank while they are in cache; no ``(n, n_frames,
    n_bins)`` array is ever held for the whole chunk. Values equal
    ``mel_power(batch_spectra(clips).power_tf, ...)`` (same operations, same order).
    """
    clips = np.ascontiguousarray(clips, dtype=np.float32)
    frames = _frames(clips, n_fft, hop_length)
    n, n_frames = frames.shape[:2]
    out = np.empty((n, n_frames, n_mels), dtype=np.float32)
    window = hann_window(n_fft)
    groups = _mel_groups(sr, n_fft, n_mels)
    block = max(1, min(n, _STFT_BLOCK_FRAMES // max(1, n_frames)))
    buf = np.empty((block, n_frames, n_fft), dtype=np.float32)
    spec = np.empty((block, n_frames, n_fft // 2 + 1), dtype=np.float32)
    for start in range(0, n, block):
        stop = min(start + block, n)
        b = stop - start
        np.multiply(frames[start:stop], window, out=buf[:b])
        S = spec[:b]
        np.abs(scipy.fft.rfft(buf[:b], axis=-1), out=S)
        if power == 2.0:
            np.square(S, out=S)
        elif power != 1.0:
            np.power(S, np.float32(power), out=S)
        for g_start, g_stop, lo, hi, fb in groups:
            out[start:stop, :, g_start:g_stop] = np.matmul(S[..., lo:hi], fb)
    return np.ascontiguousarray(out.transpose(0, 2, 1))


def mel_power(power_tf, sr, n_fft, n_mels):
    """Mel power ``(n, n_mels, n_frames)`` from time-major power ``(n, n_frames, n_bins)``.

    ``np.matmul`` over the leading batch axis runs one GEMM per clip (and per group of 16
    adjacent filters), so a clip's values do not depend on the batch it is in.
    """
    n, n_frames, _ = power_tf.shape
    out = np.empty((n, n_frames, n_mels), dtype=np.float32)
    for start, stop, lo, hi, block in _mel_groups(sr, n_fft, n_mels):
        out[..., start:stop] = np.matmul(power_tf[..., lo:hi], block)
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
        ref_value = np.max(S, axis=axes, keepdims=True)
        out -= (10.0 * np.log10(np.maximum(amin, ref_value))).astype(out.dtype)
    else:
        out -= out.dtype.type(10.0 * np.log10(max(amin, abs(float(ref)))))
    if top_db is not None:
        floor = np.max(out, axis=axes, keepdims=True) - out.dtype.type(top_db)
        np.maximum(out, floor, out=out)
    return out


def onset_envelope(mel_db, *, n_fft=2048, hop_length=512, lag=1, aggregate="mean"):
    """Onset strength ``(n, n_frames)`` from a dB mel spectrogram, as librosa.onset.onset_strength.

    Spectral flux (positive first differences along time, aggregated over mel bands by
    their mean, or their median as ``librosa.beat.beat_track`` does), shifted by
    ``lag + n_fft // (2 * hop_length)`` frames and trimmed to the input length (librosa's
    ``center=True``).
    """
    n, _, n_frames = mel_db.shape
    diff = np.maximum(mel_db.dtype.type(0), mel_db[..., lag:] - mel_db[..., :-lag])
    flux = diff.mean(axis=-2) if aggregate == "mean" else np.median(diff, axis=-2)
    pad = lag + n_fft // (2 * hop_length)
    env = np.zeros((n, n_frames), dtype=mel_db.dtype)
    if n_frames > pad:
        env[:, pad:] = flux[:, : n_frames - pad]
    return env


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
    n_frames = frame_count(clips.shape[1], hop_length, frame_length)
    starts = np.arange(n_frames) * hop_length
    counts = csum[:, starts + frame_length - 1] - csum[:, starts]
    return counts.astype(np.float32) / np.float32(frame_length)


def rms(clips, *, frame_length=2048, hop_length=512):
    """``(n, n_frames)`` as librosa.feature.rms(y=y, center=True) (zero padding, no window)."""
    half = frame_length // 2
    sq = np.zeros((clips.shape[0], clips.shape[1] + 2 * half), dtype=np.float32)
    np.square(clips, out=sq[:, half : half + clips.shape[1]])
    n_frames = frame_count(clips.shape[1], hop_length, frame_length)
    last = (n_frames - 1) * hop_length + 1
    frames = sliding_window_view(sq, frame_length, axis=-1)[:, :last:hop_length]
    return np.sqrt(frames.mean(axis=-1))


def _normalize_l1_weights(S_tf):
    # librosa.util.normalize(S, norm=1): frames whose total is below `tiny` stay unscaled
    total = S_tf.sum(axis=-1, dtype=np.float64)
    total[total < _tiny(S_tf.dtype)] = 1.0
    return total


def spectral_centroid(spectra):
    """``(n, n_frames)`` as librosa.feature.spectral_centroid(S=|STFT|)."""
    freq = fft_frequencies(spectra.sr, spectra.n_fft)
    S = spectra.S_tf
    return (np.matmul(S, freq.astype(np.float32)) / _normalize_l1_weights(S)).astype(np.float32)


def spectral_bandwidth(spectra, centroid=None):
    """``(n, n_frames)`` as librosa.feature.spectral_bandwidth(S=|STFT|) (p=2, normalized)."""
    freq = fft_frequencies(spectra.sr, spectra.n_fft).astype(np.float32)
    S = spectra.S_tf
    if centroid is None:
        centroid = spectral_centroid(spectra)
    dev = np.square(freq - centroid[..., None].astype(np.float32))
    dev *= S
    var = dev.sum(axis=-1, dtype=np.float64) / _normalize_l1_weights(S)
    return np.sqrt(var).astype(np.float32)


# Bins per block of the roll-off's two-level cumulative sum.
_ROLLOFF_BLOCK = 32


def spectral_rolloff(spectra, roll_percent=0.85):
    """``(n, n_frames)`` as librosa.feature.spectral_rolloff(S=|STFT|, roll_percent=0.85).

    The roll-off bin is the number of bins whose cumulative magnitude is still below
    ``roll_percent`` of the frame's total (the cumulative sum never decreases). A cumulative
    sum along 1025 bins is a slow sequential loop in NumPy, so it runs in two levels: the
    sums of blocks of 32 bins, their cumulative sum, which finds the block that crosses the
    threshold (every block before it is entirely below), and the cumulative sum inside that
    one block. The count is the same as the flat sum's, up to the rounding of float32
    sums: of the frames of 18 GTZAN clips, 0.03 % moved by one bin (10.8 Hz).
    """
    freq = fft_frequencies(spectra.sr, spectra.n_fft)
    S = spectra.S_tf
    n_bins, size = S.shape[-1], _ROLLOFF_BLOCK
    n_full = n_bins // size
    blocks = S[..., : n_full * size].reshape(*S.shape[:-1], n_full, size).sum(axis=-1)
    if n_full * size < n_bins:
        tail = S[..., n_full * size :].sum(axis=-1)
        blocks = np.concatenate([blocks, tail[..., None]], axis=-1)
    cum = np.cumsum(blocks, axis=-1, dtype=np.float64)
    threshold = roll_percent * cum[..., -1:]
    k = np.count_nonzero(cum < threshold, axis=-1)  # blocks wholly below: the crossing one
    before = np.concatenate([np.zeros_like(cum[..., :1]), cum], axis=-1)
    before = np.take_along_axis(before, k[..., None], axis=-1)
    idx = k[..., None] * size + np.arange(size)
    inside = np.take_along_axis(S, np.minimum(idx, n_bins - 1), axis=-1).astype(np.float64)
    inside[idx >= n_bins] = np.inf  # past the last bin: never below the threshold
    below = np.count_nonzero(before + np.cumsum(inside, axis=-1) < threshold, axis=-1)
    return freq[np.minimum(k * size + below, len(freq) - 1)].astype(np.float32)


def spectral_flatness(spectra, amin=AMIN):
    """``(n, n_frames)`` as librosa.feature.spectral_flatness(S=|STFT|) (power=2)."""
    P = np.maximum(spectra.power_tf, np.float32(amin))
    amean = P.mean(axis=-1)
    np.log(P, out=P)
    gmean = np.exp(P.mean(axis=-1))
    return (gmean / amean).astype(np.float32)


@lru_cache(maxsize=16)
def _contrast_bands(sr, n_fft, fmin, n_bands, quantile):
    freq = fft_frequencies(sr, n_fft)
    octa = np.zeros(n_bands + 2)
    octa[1:] = fmin * (2.0 ** np.arange(0, n_bands + 1))
    if np.any(octa[:-1] >= 0.5 * sr):
        raise ValueError(
            f"spectral contrast bands exceed the Nyquist frequency {0.5 * sr} Hz; "
            "reduce fmin or n_bands."
        )
    bands = []
    for k, (f_low, f_high) in enumerate(zip(octa[:-1], octa[1:])):
        # librosa.feature.spectral_contrast's band edges, as index ranges
        current = np.flatnonzero((freq >= f_low) & (freq <= f_high))
        if current.size < (1 if k else 2):  # the lowest band drops its last bin below
            raise ValueError(
                f"n_fft={n_fft} is too small for spectral contrast at sr={sr}: its band "
                f"{f_low:.0f}-{f_high:.0f} Hz holds {current.size} frequency bin(s), "
                f"{sr / n_fft:.0f} Hz apart; raise n_fft (e.g. to "
                f"{max(128, 2 * int(n_fft))} or more)."
            )
        start, stop = current[0], current[-1] + 1
        if k > 0:
            start -= 1
        if k == n_bands:
            stop = len(freq)
        count = stop - start
        if k < n_bands:
            stop -= 1
        q = int(max(np.rint(quantile * count), 1))
        bands.append((int(start), int(stop), q))
    return tuple(bands)


def spectral_contrast(spectra, *, fmin=200.0, n_bands=6, quantile=0.02):
    """``(n, n_bands + 1, n_frames)`` as librosa.feature.spectral_contrast(S=|STFT|).

    The dB conversion floors each clip at its own maximum minus 80 dB (librosa floors a
    batch at the batch maximum, so a clip's value would depend on its batch).
    """
    S = spectra.S_tf
    n, n_frames, _ = S.shape
    bands = _contrast_bands(spectra.sr, spectra.n_fft, float(fmin), int(n_bands), float(quantile))
    peak = np.empty((n, len(bands), n_frames), dtype=np.float64)
    valley = np.empty_like(peak)
    for k, (start, stop, q) in enumerate(bands):
        sub = S[..., start:stop]
        if q == 1:
            valley[:, k] = sub.min(axis=-1)
            peak[:, k] = sub.max(axis=-1)
        else:
            # a contiguous float32 sort is vectorized in NumPy; a partition with two kth
            # values is several times slower
            part = np.sort(sub, axis=-1)
            valley[:, k] = part[..., :q].mean(axis=-1, dtype=np.float64)
            peak[:, k] = part[..., -q:].mean(axis=-1, dtype=np.float64)
    return (power_to_db_per_clip(peak) - power_to_db_per_clip(valley)).astype(np.float32)


def estimate_tuning(spectra, *, fmin=150.0, fmax=4000.0, threshold=0.1, resolution=0.01,
                    bins_per_octave=12):
    """Per-clip tuning ``(n,)`` as librosa.estimate_tuning(S=|STFT|**2) in chroma_stft.

    librosa.feature.chroma_stft passes the power spectrogram to piptrack; over a batch it
    would pool the peaks of all clips into one estimate, so the pooling is done per clip.
    Peak picking only needs the bins inside ``[fmin, fmax)`` and one neighbor each side.
    """
    S_full = spectra.power_tf
    freq = fft_frequencies(spectra.sr, spectra.n_fft)
    fmax = min(fmax, 0.5 * spectra.sr)
    inside = np.flatnonzero((freq >= max(fmin, 0.0)) & (freq < fmax))
    n = S_full.shape[0]
    tunings = np.zeros(n)
    if inside.size == 0:
        return tunings
    a, b = max(inside[0] - 1, 0), min(inside[-1] + 2, S_full.shape[-1])
    S = S_full[..., a:b]
    # piptrack's peaks: local maxima along frequency of S after zeroing S <= 0.1 * max
    ref = S_full.max(axis=-1, keepdims=True)
    ref *= S.dtype.type(threshold)
    Z = np.where(S > ref, S, S.dtype.type(0))
    is_peak = (Z[..., 1:-1] > Z[..., :-2]) & (Z[..., 1:-1] >= Z[..., 2:])
    bins = np.arange(a + 1, b - 1)
    is_peak &= (bins >= inside[0]) & (bins <= inside[-1])
    # flatnonzero + index arithmetic is several times faster than a 3-D np.nonzero
    flat = np.flatnonzero(is_peak)
    per_clip = is_peak.shape[1] * is_peak.shape[2]
    clip_idx, rest = np.divmod(flat, per_clip)
    t_idx, f_idx = np.divmod(rest, is_peak.shape[2])
    if clip_idx.size == 0:
        return tunings
    # parabolic interpolation and np.gradient, evaluated only at the peaks
    x_prev = S[clip_idx, t_idx, f_idx]
    x0 = S[clip_idx, t_idx, f_idx + 1]
    x_next = S[clip_idx, t_idx, f_idx + 2]
    curv = x_next + x_prev - 2 * x0
    slope = (x_next - x_prev) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        shift = np.where(np.abs(slope) >= np.abs(curv), 0, -slope / curv).astype(S.dtype)
    pitch = ((bins[f_idx] + shift) * float(spectra.sr) / spectra.n_fft).astype(S.dtype)
    mag = x0 + S.dtype.type(0.5) * slope * shift
    keep = pitch > 0
    clip_idx, pitch, mag = clip_idx[keep], pitch[keep], mag[keep]
    # per-clip median of the peak magnitudes (np.median's rule, for all clips at once)
    order = np.lexsort((mag, clip_idx))
    sorted_mag = mag[order]
    bounds = np.searchsorted(clip_idx[order], np.arange(n + 1))
    counts = np.diff(bounds)
    has = counts > 0
    lo_mid = bounds[:-1] + (counts - 1) // 2
    hi_mid = bounds[:-1] + counts // 2
    median = np.zeros(n, dtype=mag.dtype)
    median[has] = (sorted_mag[lo_mid[has]] + sorted_mag[hi_mid[has]]) / mag.dtype.type(2)
    strong = mag >= median[clip_idx]
    clip_idx, pitch = clip_idx[strong], pitch[strong]
    # librosa.pitch_tuning per clip: the peak of the histogram of the residuals
    residual = np.mod(bins_per_octave * np.log2(pitch / (440.0 / 16)), 1.0)
    residual[residual >= 0.5] -= 1.0
    edges = np.linspace(-0.5, 0.5, int(np.ceil(1.0 / resolution)) + 1)
    n_bins = len(edges) - 1
    # np.histogram: bin i holds edges[i] <= r < edges[i + 1], the last bin is closed
    which = np.clip(np.searchsorted(edges, residual, side="right") - 1, 0, n_bins - 1)
    inrange = (residual >= edges[0]) & (residual <= edges[-1])
    hist = np.bincount(clip_idx[inrange] * n_bins + which[inrange], minlength=n * n_bins)
    hist = hist.reshape(n, n_bins)
    found = hist.sum(axis=1) > 0
    tunings[found] = edges[np.argmax(hist[found], axis=1)]
    return tunings


@lru_cache(maxsize=256)
def _chroma_filterbank(sr, n_fft, tuning, n_chroma):
    # librosa.filters.chroma(sr=sr, n_fft=n_fft, tuning=tuning, n_chroma=n_chroma) (defaults
    # ctroct=5, octwidth=2, norm=2, base_c=True), transposed: the same operations
    a440 = 440.0 * 2.0 ** (tuning / n_chroma)
    frequencies = np.linspace(0, sr, n_fft, endpoint=False)[1:]
    frqbins = n_chroma * np.log2(frequencies / (float(a440) / 16))
    frqbins = np.concatenate(([frqbins[0] - 1.5 * n_chroma], frqbins))
    binwidthbins = np.concatenate((np.maximum(frqbins[1:] - frqbins[:-1], 1.0), [1]))
    D = np.subtract.outer(frqbins, np.arange(0, n_chroma, dtype="d")).T
    n_chroma2 = np.round(float(n_chroma) / 2)
    D = np.remainder(D + n_chroma2 + 10 * n_chroma, n_chroma) - n_chroma2
    wts = np.exp(-0.5 * (2 * D / np.tile(binwidthbins, (n_chroma, 1))) ** 2)
    length = np.sum(np.abs(wts) ** 2, axis=0, keepdims=True) ** 0.5
    length[length < np.finfo(wts.dtype).tiny] = 1.0
    wts = wts / length
    wts *= np.tile(np.exp(-0.5 * (((frqbins / n_chroma - 5.0) / 2.0) ** 2)), (n_chroma, 1))
    wts = np.roll(wts, -3 * (n_chroma // 12), axis=0)
    fb = np.ascontiguousarray(wts[:, : int(1 + n_fft / 2)], dtype=np.float32)
    fb = np.ascontiguousarray(fb.T)
    fb.setflags(write=False)
    return fb


def chroma_stft(spectra, *, n_chroma=12, tuning=None):
    """``(n, n_chroma, n_frames)`` as librosa.feature.chroma_stft(S=|STFT|**2) per clip."""
    P = spectra.power_tf
    if tuning is None:
        tuning = estimate_tuning(spectra, bins_per_octave=n_chroma)
    tuning = np.broadcast_to(np.asarray(tuning, dtype=np.float64), (P.shape[0],))
    out = np.empty((P.shape[0], P.shape[1], n_chroma), dtype=np.float32)
    for i in range(P.shape[0]):
        fb = _chroma_filterbank(spectra.sr, spectra.n_fft, round(float(tuning[i]), 6), n_chroma)
        np.matmul(P[i], fb, out=out[i])
    norm = out.max(axis=-1, keepdims=True)
    norm[norm < _tiny(np.float32)] = 1.0
    out /= norm
    return out.transpose(0, 2, 1)


@lru_cache(maxsize=16)
def _dct_matrix(n_mfcc, n_mels):
    # rows of the orthonormal DCT-II (scipy.fft.dct(..., norm="ortho") as a matrix)
    m = scipy.fft.dct(np.eye(n_mels), type=2, norm="ortho", axis=0)[:n_mfcc]
    m = np.ascontiguousarray(m, dtype=np.float32)
    m.setflags(write=False)
    return m


def mfcc(spectra, *, n_mfcc=20, n_mels=128):
    """``(n, n_mfcc, n_frames)`` as librosa.feature.mfcc(y=y) (dB mel floored per clip)."""
    return np.matmul(_dct_matrix(n_mfcc, n_mels), spectra.mel_db(n_mels))


# Spectrum values (complex64, 8 MiB) of one clip's tempogram windows computed at once. At
# the default hop (512 samples at 22050 Hz: 688 values per frame) a clip of up to 35 s is
# one block, as before blocks.
_TEMPO_BLOCK_VALUES = 1 << 20


def tempo_window(sr, hop_length, ac_size=8.0):
    """Frames in the tempogram's ``ac_size``-second window (its largest lag plus one).

    ``librosa.time_to_frames(ac_size, sr=sr, hop_length=hop_length)``; below 2 frames there
    is no lag to measure a tempo by.
    """
    return int(np.floor(int(ac_size * sr) // hop_length))


def tempo(onset_env, *, sr=22050, hop_length=512, start_bpm=120.0, std_bpm=1.0, ac_size=8.0,
          max_tempo=320.0):
    """Global tempo ``(n,)`` in BPM as librosa.feature.tempo(onset_envelope=...).

    The tempogram (windowed autocorrelation of the onset envelope, each frame normalized by
    its maximum) is computed in float32 for the whole batch, one real FFT over the frames
    of all clips at a time (in blocks of frames where the hop is small); only its mean over
    frames is kept.
    """
    win = tempo_window(sr, hop_length, ac_size)
    n, n_frames = onset_env.shape
    padded = np.pad(onset_env.astype(np.float32, copy=False), ((0, 0), (win // 2, win // 2)),
                    mode="linear_ramp", end_values=[0, 0])
    frames = sliding_window_view(padded, win, axis=-1)[:, :n_frames]
    n_pad = scipy.fft.next_fast_len(2 * win - 1, real=True)
    n_pad += n_pad % 2
    # The window's spectra cost n_pad values per frame, and n_pad grows as 1 / hop_length:
    # each clip's frames are taken in blocks of a bounded size, else a hop of a few samples
    # asks for hundreds of GB. The block depends on the clip's settings only, not on the
    # clips it is batched with, so chunks and jobs do not change a result.
    block = max(1, _TEMPO_BLOCK_VALUES // n_pad)
    tg = np.zeros((n, win), dtype=np.float64)
    for start in range(0, n_frames, block):
        x = frames[:, start:start + block] * _hann32(win)
        spec = scipy.fft.rfft(x, n=n_pad, axis=-1)
        del x
        power = np.square(spec.real)
        power += np.square(spec.imag)
        del spec
        # The inverse real FFT of a real, even power spectrum is its type-I DCT (up to the
        # factor n_pad, which the per-frame normalization removes); it skips the complex
        # copy that irfft makes of real input, the costliest step of librosa's tempogram.
        ac = scipy.fft.dct(power, type=1, axis=-1)[..., :win]
        del power
        # librosa normalizes each frame by its largest |autocorrelation|, the lag-0 value
        # (r(0) >= |r(k)|); frames below `tiny` stay unnormalized. The mean over frames of
        # the normalized frames is one batched matrix-vector product.
        norm = ac[..., 0].astype(np.float64)
        norm[norm < _tiny(np.float32) * n_pad] = 1.0
        weights = (1.0 / (norm * n_frames)).astype(np.float32)
        tg += np.matmul(weights[:, None, :], ac)[:, 0, :]
        del ac
    # librosa.tempo_frequencies(win, hop_length=hop_length, sr=sr)
    bpms = np.empty(win, dtype=np.float64)
    bpms[0] = np.inf
    bpms[1:] = 60.0 * sr / (hop_length * np.arange(1.0, win))
    with np.errstate(divide="ignore"):
        logprior = -0.5 * ((np.log2(bpms) - np.log2(start_bpm)) / std_bpm) ** 2
    if max_tempo is not None:
        logprior[: int(np.argmax(bpms < max_tempo))] = -np.inf
    best = np.argmax(np.log1p(1e6 * tg) + logprior, axis=-1)
    return bpms[best]


@lru_cache(maxsize=8)
def _hann32(n):
    w = (0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n) / n)).astype(np.float32)
    w.setflags(write=False)
    return w
