"""What the clip transformers compute: their chunk functions, free of scikit-learn.

Each clip transformer (:class:`FeatureExtractor`, :class:`FeatureExtractor26`,
:class:`MelSpectrogram`) maps a float32 chunk of clips ``(n, n_samples)`` to an array with
one row per clip by one of these functions, its settings bound with
``functools.partial``. They live apart from the transformers so that the inference plan of
a saved model (:mod:`skgenre.inference._plan`) runs them without importing scikit-learn:
both paths call the same function, so their features are the same.
"""

import numpy as np

from ._stft import (
    batch_spectra,
    chroma_stft,
    mel_spectrogram_stream,
    mfcc,
    onset_envelope,
    power_to_db_per_clip,
    rms,
    spectral_bandwidth,
    spectral_centroid,
    spectral_contrast,
    spectral_flatness,
    spectral_rolloff,
    tempo,
    zero_crossing_rate,
)

__all__ = ["CHUNK_FUNCTIONS", "GROUPS", "row_means"]

#: Frame-level feature groups, in output order.
GROUPS = (
    "rms",
    "zcr",
    "centroid",
    "bandwidth",
    "rolloff",
    "flatness",
    "chroma",
    "contrast",
    "mfcc",
    "mfcc_delta",
)

_DELTA_WIDTH = 9


def _delta(M):
    """``librosa.feature.delta(M, width=9, order=1, axis=-1)``, without importing librosa.

    librosa's delta is ``scipy.signal.savgol_filter(M, 9, polyorder=1, deriv=1)``: the slope
    of the least-squares line through the 9 frames around each frame, which is
    ``sum(k * M[t + k] for k in -4..4) / 60``. Its default mode ``"interp"`` (at least 9
    frames) gives the first and last 4 frames the slope of the first and last full window;
    shorter clips use mode ``"nearest"`` (edge frames repeated). Importing librosa (and,
    through it, numba and scipy.signal) cost more start-up time than a whole prediction.
    """
    half = _DELTA_WIDTH // 2
    weights = np.arange(-half, half + 1, dtype=np.float64)
    weights /= np.sum(weights**2)
    n = M.shape[-1]
    X = np.asarray(M, dtype=np.float64)
    if n < _DELTA_WIDTH:
        X = np.pad(X, [(0, 0)] * (X.ndim - 1) + [(half, half)], mode="edge")
    out = np.zeros(X.shape[:-1] + (X.shape[-1] - 2 * half,), dtype=np.float64)
    for i, w in enumerate(weights):
        if w:
            out += w * X[..., i : i + out.shape[-1]]
    if n >= _DELTA_WIDTH:
        out = np.concatenate(
            [np.repeat(out[..., :1], half, axis=-1), out,
             np.repeat(out[..., -1:], half, axis=-1)], axis=-1,
        )
    return out.astype(M.dtype if M.dtype in (np.float32, np.float64) else np.float64)


def _extended_chunk(
    clips, *, sr, n_fft, hop_length, groups, n_mfcc, with_tempo, onset_aggregate="mean"
):
    spectra = batch_spectra(clips, sr=sr, n_fft=n_fft, hop_length=hop_length)
    parts = []
    centroid = None
    M = None
    for group in groups:
        if group == "rms":
            frames = rms(clips, frame_length=n_fft, hop_length=hop_length)
        elif group == "zcr":
            frames = zero_crossing_rate(clips, frame_length=n_fft, hop_length=hop_length)
        elif group == "centroid":
            frames = centroid = spectral_centroid(spectra)
        elif group == "bandwidth":
            if centroid is None:
                centroid = spectral_centroid(spectra)
            frames = spectral_bandwidth(spectra, centroid)
        elif group == "rolloff":
            frames = spectral_rolloff(spectra)
        elif group == "flatness":
            frames = spectral_flatness(spectra)
        elif group == "chroma":
            frames = chroma_stft(spectra)
        elif group == "contrast":
            frames = spectral_contrast(spectra)
        elif group in ("mfcc", "mfcc_delta"):
            if M is None:
                M = mfcc(spectra, n_mfcc=n_mfcc)
            frames = M if group == "mfcc" else _delta(M)
        if frames.ndim == 2:
            frames = frames[:, None, :]
        frames = frames.astype(np.float64)
        parts.append(frames.mean(axis=-1))
        parts.append(frames.std(axis=-1))
    if with_tempo:
        env = onset_envelope(
            spectra.mel_db(128), n_fft=n_fft, hop_length=hop_length, aggregate=onset_aggregate
        )
        parts.append(tempo(env, sr=sr, hop_length=hop_length)[:, None])
    return np.concatenate(parts, axis=1).astype(np.float32)


_NAMES26 = (
    "tempo",
    "zero_crossing_rate",
    "spectral_centroid",
    "spectral_flatness",
    "chroma_mean",
    "spectral_contrast_mean",
    *(f"mfcc_{i}" for i in range(1, 21)),
)


def _paper26_chunk(clips, *, sr, n_fft, hop_length, onset_aggregate="mean"):
    spectra = batch_spectra(clips, sr=sr, n_fft=n_fft, hop_length=hop_length)
    out = np.empty((clips.shape[0], len(_NAMES26)), dtype=np.float64)
    env = onset_envelope(
        spectra.mel_db(128), n_fft=n_fft, hop_length=hop_length, aggregate=onset_aggregate
    )
    out[:, 0] = tempo(env, sr=sr, hop_length=hop_length)
    out[:, 1] = zero_crossing_rate(clips, frame_length=n_fft, hop_length=hop_length).mean(
        axis=-1, dtype=np.float64
    )
    out[:, 2] = spectral_centroid(spectra).mean(axis=-1, dtype=np.float64)
    out[:, 3] = spectral_flatness(spectra).mean(axis=-1, dtype=np.float64)
    out[:, 4] = chroma_stft(spectra).mean(axis=(1, 2), dtype=np.float64)
    out[:, 5] = spectral_contrast(spectra).mean(axis=(1, 2), dtype=np.float64)
    out[:, 6:] = mfcc(spectra, n_mfcc=20).mean(axis=-1, dtype=np.float64)
    return out.astype(np.float32)


def _mel_chunk(clips, *, sr, n_fft, hop_length, n_mels, power, ref, top_db):
    mel = mel_spectrogram_stream(
        clips, sr=sr, n_fft=n_fft, hop_length=hop_length, n_mels=n_mels, power=power
    )
    return power_to_db_per_clip(mel, ref=ref, top_db=top_db).astype(np.float32, copy=False)


def row_means(X):
    """The mean of each row of each image ``(n, h, w) -> (n, h)``, float32 (a 2-D input,
    already one value per row, is copied): :class:`RowMeanVectorizer`'s transform."""
    if X.ndim == 2:
        return X.copy()
    return X.mean(axis=2, dtype=np.float64).astype(np.float32)


#: The chunk functions by name: what a saved inference plan may name, and nothing else.
CHUNK_FUNCTIONS = {
    "extended": _extended_chunk,
    "mel": _mel_chunk,
    "paper26": _paper26_chunk,
}
