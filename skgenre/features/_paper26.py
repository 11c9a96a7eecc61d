"""The 26 clip features of Minhas, Chie & Lee's feature-based network."""


from ._base import FeatureTableTransformer
from ._maps import _NAMES26, _paper26_chunk
from ._stft import _contrast_bands, tempo_window

__all__ = ["FeatureExtractor26"]

# spectral_contrast splits 200 Hz .. Nyquist into 6 octaves: the top band starts at 6400 Hz
_MIN_SR_CONTRAST = 2 * 200.0 * 2**5


def _check_sr_for_contrast(sr, n_fft):
    if sr <= _MIN_SR_CONTRAST:
        raise ValueError(
            f"sr={sr} is too low for spectral contrast (6 octave bands above 200 Hz need a "
            f"Nyquist frequency above 6400 Hz, i.e. sr > {_MIN_SR_CONTRAST:g})."
        )
    # a band without a frequency bin (a small n_fft) fails here, not in transform
    _contrast_bands(sr, n_fft, 200.0, 6, 0.02)


def _check_hop_for_tempo(sr, hop_length, hint=""):
    # a window of 0 frames crashed in the tempogram, one frame (no lag) gave an infinite BPM
    win = tempo_window(sr, hop_length)
    if win < 2:
        raise ValueError(
            f"hop_length={hop_length} is too large for the tempo at sr={sr}: its 8-s "
            f"autocorrelation window holds {win} frame(s), and a tempo needs at least 2; "
            f"use hop_length <= {int(8.0 * sr) // 2}{hint}."
        )


class FeatureExtractor26(FeatureTableTransformer):
    """The paper's 26 features of each clip, from one batched STFT.

    For each clip: tempo (BPM), then the means over frames of the zero-crossing rate,
    spectral centroid and spectral flatness, the mean over bins and frames of chroma and of
    spectral contrast, and the means over frames of MFCC 1-20, in that order (Minhas, Chie
    & Lee). Values follow librosa's definitions (``librosa.feature.tempo``,
    ``zero_crossing_rate``, ``spectral_centroid``, ``spectral_flatness``, ``chroma_stft``,
    ``spectral_contrast``, ``mfcc`` with default settings and the given ``n_fft`` and
    ``hop_length``) computed per clip, but every spectral quantity and the onset envelope
    for tempo come from one STFT of each clip, computed for a whole chunk of clips at once.
    Two deliberate differences from calling librosa on a batch: dB floors (``top_db``) and
    chroma tuning are per clip, so a clip's features never depend on the other clips.

    Parameters
    ----------
    sr : int, default=22050
        Sample rate of the clips (Hz). Must exceed 12800 (spectral contrast bands).
    n_fft : int, default=2048
        FFT size (and zero-crossing frame length).
    hop_length : int, default=512
        Hop between frames, in samples; at most ``4 * sr`` (the tempo needs 2 frames in
        its 8-s autocorrelation window).
    n_jobs : int or None, default=None
        Number of joblib jobs over chunks of clips; ``None`` means 1 unless in a
        :func:`joblib.parallel_config` context (any backend, Dask included).
    chunk_size : int or "auto", default="auto"
        Clips per chunk. ``"auto"`` bounds a chunk at about 8192 STFT frames (about 40 5-s
        clips), which keeps transient memory near 250 MB, and splits the clips among the
        jobs.
    onset_aggregate : {"mean", "median"}, default="mean"
        How the onset envelope for tempo aggregates the mel bands: ``"mean"`` as
        ``librosa.feature.tempo(y=...)``, ``"median"`` as ``librosa.beat.beat_track``
        (the convention of the GTZAN ``features_30_sec.csv`` table's ``tempo``).
    verbose : int, default=0
        Show a progress bar (clips done, rate and time left) on stderr during
        ``transform`` when positive.

    Attributes
    ----------
    n_features_in_ : int
        Clip length (samples) seen in ``fit``; ``transform`` requires the same length.
    feature_names_in_ : ndarray of str
        Only when ``fit`` got a DataFrame.

    See Also
    --------
    FeatureExtractor : Richer, configurable features (means and standard deviations).

    Notes
    -----
    Input is a float32 ``(n_clips, n_samples)`` array, a list of equal-length 1-D arrays, or
    the object-array container of :class:`~skgenre.AudioLoader` holding waveforms of one
    length. Any length works, even a few samples (one frame); silence gives finite values.

    Examples
    --------
    >>> import numpy as np
    >>> from skgenre.features import FeatureExtractor26
    >>> t = np.arange(22050) / 22050
    >>> clips = np.stack([np.sin(2 * np.pi * 440 * t), np.sin(2 * np.pi * 880 * t)])
    >>> fe = FeatureExtractor26().fit(clips)
    >>> X = fe.transform(clips)
    >>> X.shape, X.dtype
    ((2, 26), dtype('float32'))
    >>> fe.get_feature_names_out()[:4].tolist()
    ['tempo', 'zero_crossing_rate', 'spectral_centroid', 'spectral_flatness']
    >>> bool(X[1, 2] > X[0, 2])  # the higher tone has the higher spectral centroid
    True
    """

    def __init__(
        self,
        sr=22050,
        n_fft=2048,
        hop_length=512,
        n_jobs=None,
        chunk_size="auto",
        onset_aggregate="mean",
        verbose=0,
    ):
        super().__init__(
            sr=sr, n_fft=n_fft, hop_length=hop_length, n_jobs=n_jobs, chunk_size=chunk_size,
            verbose=verbose,
        )
        self.onset_aggregate = onset_aggregate

    def _validate_extra(self):
        _check_sr_for_contrast(self.sr, self.n_fft)
        _check_hop_for_tempo(self.sr, self.hop_length)

    def _chunk_function(self):
        return self._stft_partial(
            _paper26_chunk,
            onset_aggregate=self.onset_aggregate,
        )

    def _feature_names(self):
        return _NAMES26
