"""A richer, configurable set of clip features (issue 6), from one batched STFT."""

from numbers import Integral

from sklearn.utils._param_validation import Interval

from ._base import FeatureTableTransformer
from ._maps import GROUPS, _extended_chunk
from ._paper26 import _check_hop_for_tempo, _check_sr_for_contrast

__all__ = ["FeatureExtractor"]

_PITCH_CLASSES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")


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
        Hop between frames, in samples; at most ``4 * sr`` with ``tempo=True``.
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
            _check_sr_for_contrast(self.sr, self.n_fft)
        if self.tempo:
            _check_hop_for_tempo(self.sr, self.hop_length, hint=" or tempo=False")
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
