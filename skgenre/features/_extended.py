"""A richer, configurable set of clip features (issue 6), from one batched STFT."""

from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import Interval

from ._base import FeatureTableTransformer
from ._paper26 import _check_sr_for_contrast
from ._stft import (
    batch_spectra,
    chroma_stft,
    mfcc,
    onset_envelope,
    rms,
    spectral_bandwidth,
    spectral_centroid,
    spectral_contrast,
    spectral_flatness,
    spectral_rolloff,
    tempo,
    zero_crossing_rate,
)

__all__ = ["FeatureExtractor"]

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

_PITCH_CLASSES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
_DELTA_WIDTH = 9


def _component_names(group, n_mfcc):
    if group == "rms":
        return ["rms"]
    if group == "zcr":
        return ["zero_crossing_rate"]
    if group in ("centroid", "bandwidth", "rolloff", "flatness"):
        return [f"spectral_{group}"]
    if group == "chroma":
        return [f"chroma_{p}" for p in _PITCH_CLASSES]
    if group == "contrast":
        return [f"spectral_contrast_{k}" for k in range(1, 8)]
    if group == "mfcc":
        return [f"mfcc_{k}" for k in range(1, n_mfcc + 1)]
    return [f"mfcc_delta_{k}" for k in range(1, n_mfcc + 1)]


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


class FeatureExtractor(FeatureTableTransformer):
    """Mean and standard deviation over frames of frame-level features, and tempo.

    Groups of frame-level features (``groups``), each summarized by its mean and its
    standard deviation over the frames of a clip, in this order:

    - ``"rms"``: RMS energy (``librosa.feature.rms(y=...)``)
    - ``"zcr"``: zero-crossing rate
    - ``"centroid"``, ``"bandwidth"``, ``"rolloff"`` (85 %), ``"flatness"``: spectral shape
    - ``"chroma"``: the 12 chroma bins (C .. B) separately
    - ``"contrast"``: the 7 spectral-contrast bands separately
    - ``"mfcc"``: MFCC 1 .. ``n_mfcc``
    - ``"mfcc_delta"``: their first-order deltas (``librosa.feature.delta``, width 9;
      clips shorter than 9 frames use ``mode="nearest"``)

    then, if ``tempo=True``, the global tempo (BPM); the output columns are named
    ``<feature>_mean`` and ``<feature>_std``, then ``tempo``. Values follow librosa's
    definitions (default settings, the given ``n_fft``/``hop_length``) per clip; every spectral
    quantity comes from one STFT per clip, computed for a chunk of clips at once, as in
    :class:`FeatureExtractor26`.

    Parameters
    ----------
    sr : int, default=22050
        Sample rate of the clips (Hz); above 12800 when ``"contrast"`` is selected.
    n_fft : int, default=2048
        FFT size (and frame length of RMS and zero-crossing rate).
    hop_length : int, default=512
        Hop between frames, in samples.
    n_mfcc : int, default=20
        Number of MFCCs (at most 128, the number of mel bands).
    groups : list of str or None, default=None
        Feature groups to compute, from those above; ``None`` selects all of them. The
        output follows the order above whatever the order of the list.
    tempo : bool, default=True
        Append the tempo (the costliest single feature).
    n_jobs, chunk_size, onset_aggregate, verbose
        As in :class:`FeatureExtractor26`.

    Attributes
    ----------
    groups_ : tuple of str
        The selected groups, in output order.
    n_features_in_, feature_names_in_
        As in :class:`FeatureExtractor26`.

    See Also
    --------
    FeatureExtractor26 : The paper's 26 features.

    Examples
    --------
    >>> import numpy as np
    >>> from skgenre.features import FeatureExtractor
    >>> clips = np.random.default_rng(0).normal(size=(3, 22050)).astype(np.float32)
    >>> fe = FeatureExtractor(groups=["zcr", "chroma"], tempo=False).fit(clips)
    >>> fe.transform(clips).shape
    (3, 26)
    >>> fe.get_feature_names_out()[[0, 1, 2, 14]].tolist()
    ['zero_crossing_rate_mean', 'zero_crossing_rate_std', 'chroma_C_mean', 'chroma_C_std']
    >>> FeatureExtractor().fit(clips).transform(clips).shape
    (3, 131)
    """

    _parameter_constraints: dict = {
        **FeatureTableTransformer._parameter_constraints,
        "n_mfcc": [Interval(Integral, 1, 128, closed="both")],
        "groups": [list, tuple, None],
        "tempo": ["boolean"],
    }

    def __init__(
        self,
        sr=22050,
        n_fft=2048,
        hop_length=512,
        n_mfcc=20,
        groups=None,
        tempo=True,
        n_jobs=None,
        chunk_size="auto",
        onset_aggregate="mean",
        verbose=0,
    ):
        super().__init__(
            sr=sr, n_fft=n_fft, hop_length=hop_length, n_jobs=n_jobs, chunk_size=chunk_size,
            verbose=verbose,
        )
        self.n_mfcc = n_mfcc
        self.groups = groups
        self.tempo = tempo
        self.onset_aggregate = onset_aggregate

    def _validate_extra(self):
        if self.groups is None:
            selected = GROUPS
        else:
            unknown = [g for g in self.groups if g not in GROUPS]
            if unknown:
                raise ValueError(
                    f"unknown feature group(s) {unknown} in groups; choose from {list(GROUPS)}."
                )
            selected = tuple(g for g in GROUPS if g in set(self.groups))
        if not selected and not self.tempo:
            raise ValueError("no features selected: groups is empty and tempo=False.")
        if "contrast" in selected:
            _check_sr_for_contrast(self.sr)
        self.groups_ = selected

    def _chunk_function(self):
        return self._stft_partial(
            _extended_chunk,
            groups=self.groups_,
            n_mfcc=self.n_mfcc,
            with_tempo=bool(self.tempo),
            onset_aggregate=self.onset_aggregate,
        )

    def _feature_names(self):
        names = []
        for group in self.groups_:
            comps = _component_names(group, self.n_mfcc)
            names += [f"{c}_mean" for c in comps] + [f"{c}_std" for c in comps]
        if self.tempo:
            names.append("tempo")
        return names
