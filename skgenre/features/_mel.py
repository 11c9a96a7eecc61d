"""Mel spectrograms of clips (CNN input) and their row means (spectrogram-dense input)."""

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ..utils._mixins import _CheckingFitMixin, _FeatureNamesMixin
from ..utils._stack import user_stacklevel
from ._base import ClipTransformer
from ._maps import _mel_chunk, row_means
from ._stft import mel_filterbank

__all__ = ["MelSpectrogram", "RowMeanVectorizer"]


class MelSpectrogram(_FeatureNamesMixin, ClipTransformer):
    """dB-scaled mel spectrogram of each clip, from one batched STFT.

    Equal, up to float32 rounding, to calling for each clip
    ``librosa.power_to_db(librosa.feature.melspectrogram(y=clip, sr=sr, n_fft=n_fft,
    hop_length=hop_length, n_mels=n_mels, power=power), ref=np.max, top_db=top_db)`` (the
    paper's code), but the STFTs of a chunk of clips are computed at once and the mel
    filterbank is applied as a few matrix products.

    Parameters
    ----------
    sr : int, default=22050
        Sample rate of the clips (Hz).
    n_fft : int, default=2048
        FFT size.
    hop_length : int, default=512
        Hop between frames, in samples. 5 s at 22050 Hz gives 216 frames.
    n_mels : int, default=128
        Number of mel bands.
    power : float, default=2.0
        Exponent of the magnitude before the mel filterbank (2: power, 1: magnitude).
        The dB conversion is always ``10 * log10``, as in ``librosa.power_to_db``.
    ref : "max" or float, default="max"
        Reference of the dB scale. ``"max"``: each clip's own maximum, so every clip's
        loudest bin is 0 dB (``ref=np.max`` in librosa, as the paper's code does). A float
        is a fixed reference power, which keeps loudness differences between clips.
    top_db : float or None, default=80.0
        Floor each clip at its maximum minus ``top_db`` dB; ``None`` disables the floor.
    n_jobs, chunk_size, verbose
        As in :class:`~skgenre.FeatureExtractor26`.

    Attributes
    ----------
    n_features_in_, feature_names_in_
        As in :class:`~skgenre.FeatureExtractor26`.

    See Also
    --------
    RowMeanVectorizer : Mean of each mel band over time.

    Notes
    -----
    The output is 3-D, ``(n_clips, n_mels, 1 + n_samples // hop_length)`` float32 (one
    frame fewer with an odd ``n_fft`` when ``hop_length`` divides ``n_samples``). As
    scikit-learn reads n-D input (``n_features_in_`` is its second dimension),
    :meth:`get_feature_names_out` names the rows, the mel bands: ``mel_0`` ..
    ``mel_{n_mels-1}``; so a pipeline names the row means of :class:`RowMeanVectorizer`
    from the file paths on. ``set_output`` (or a global ``transform_output``) leaves the
    3-D output an array.

    ``fit`` warns (``UserWarning``, as ``librosa.filters.mel`` does) when some mel bands
    hold no FFT bin, an ``n_fft`` too small for ``sr`` and ``n_mels``: their rows would be
    constant in every clip.

    Examples
    --------
    >>> import numpy as np
    >>> from skgenre.features import MelSpectrogram
    >>> clips = np.random.default_rng(0).normal(size=(2, 5 * 22050)).astype(np.float32)
    >>> S = MelSpectrogram().fit_transform(clips)
    >>> S.shape, S.dtype
    ((2, 128, 216), dtype('float32'))
    >>> float(S[0].max()), bool(S[0].min() >= -80.0)
    (0.0, True)
    """

    _parameter_constraints: dict = {
        **ClipTransformer._clip_constraints,
        "n_mels": [Interval(Integral, 1, None, closed="left")],
        "power": [Interval(Real, 0, None, closed="neither")],
        "ref": [StrOptions({"max"}), Interval(Real, 0, None, closed="neither")],
        "top_db": [Interval(Real, 0, None, closed="left"), None],
    }

    _progress_desc = "computing mel spectrograms"

    def __init__(
        self,
        sr=22050,
        n_fft=2048,
        hop_length=512,
        n_mels=128,
        power=2.0,
        ref="max",
        top_db=80.0,
        n_jobs=None,
        chunk_size="auto",
        verbose=0,
    ):
        super().__init__(
            sr=sr, n_fft=n_fft, hop_length=hop_length, n_jobs=n_jobs, chunk_size=chunk_size,
            verbose=verbose,
        )
        self.n_mels = n_mels
        self.power = power
        self.ref = ref
        self.top_db = top_db

    def _validate_extra(self):
        _warn_empty_mel_bands(self.sr, self.n_fft, self.n_mels)

    def _feature_names(self):
        return [f"mel_{i}" for i in range(self.n_mels)]

    def _chunk_function(self):
        return self._stft_partial(
            _mel_chunk,
            n_mels=self.n_mels,
            power=float(self.power),
            ref=self.ref,
            top_db=None if self.top_db is None else float(self.top_db),
        )


def _empty_mel_bands(sr, n_fft, n_mels):
    return np.flatnonzero(~mel_filterbank(sr, n_fft, n_mels).any(axis=1))


def _warn_empty_mel_bands(sr, n_fft, n_mels):
    """Warn when mel bands hold no FFT bin (librosa.filters.mel warns too).

    Low mel bands are narrower than the FFT's bin spacing when ``n_fft`` is small for
    ``sr`` and ``n_mels``: those rows are the dB floor in every clip, constant features
    that nothing else points out.
    """
    empty = _empty_mel_bands(sr, n_fft, n_mels)
    if not empty.size:
        return
    # the smallest power-of-two FFT size above n_fft that gives every band a bin
    better = 1 << int(n_fft).bit_length()
    while better < 1 << 20 and _empty_mel_bands(sr, better, n_mels).size:
        better *= 2
    shown = ", ".join(f"mel_{i}" for i in empty[:5]) + (", ..." if empty.size > 5 else "")
    warnings.warn(
        f"MelSpectrogram(sr={sr}, n_fft={n_fft}, n_mels={n_mels}): {empty.size} of the "
        f"{n_mels} mel bands ({shown}) hold no FFT bin (bins are {sr / n_fft:.1f} Hz "
        f"apart), so their rows are constant in every clip; raise n_fft (to {better}) or "
        "lower n_mels.",
        UserWarning,
        stacklevel=user_stacklevel(),
    )


class RowMeanVectorizer(
    _CheckingFitMixin, _FeatureNamesMixin, TransformerMixin, BaseEstimator
):
    """Mean of each row of each image: ``(n, h, w)`` spectrograms to ``(n, h)`` vectors.

    The paper's spectrogram-dense network reads the mean over time of each of the 128
    mel bands.

    Input rule: a 3-D array ``(n, h, w)`` is ``n`` images of ``h`` rows; a 2-D array
    ``(n, d)`` is read as ``n`` images of ``d`` rows and one column, ``(n, d, 1)``, whose
    row means are the values themselves (so a plain feature matrix passes through as
    float32). The output columns are named ``mel_0`` .. ``mel_{h-1}``.

    Attributes
    ----------
    n_features_in_ : int
        Number of rows ``h`` seen in ``fit``.
    feature_names_in_ : ndarray of str
        Only when ``fit`` got a DataFrame.

    Examples
    --------
    >>> import numpy as np
    >>> from skgenre.features import RowMeanVectorizer
    >>> S = np.arange(12, dtype=np.float32).reshape(1, 3, 4)
    >>> RowMeanVectorizer().fit_transform(S)
    array([[1.5, 5.5, 9.5]], dtype=float32)
    >>> RowMeanVectorizer().fit(S).get_feature_names_out().tolist()
    ['mel_0', 'mel_1', 'mel_2']
    """

    _parameter_constraints: dict = {}

    def _validate(self, X, reset):
        X = validate_data(self, X, reset=reset, allow_nd=True, dtype=np.float32)
        if X.ndim not in (2, 3):
            raise ValueError(
                f"RowMeanVectorizer expects images of shape (n, h, w) or (n, h); got an "
                f"array of shape {X.shape}."
            )
        if X.ndim == 3 and X.shape[2] == 0:
            # numpy's mean of no values is NaN, with only a RuntimeWarning
            raise ValueError(
                f"RowMeanVectorizer got images of shape {X.shape}: rows of no columns "
                "(frames) have no mean."
            )
        return X

    def _check_fit(self, X):
        self._validate(X, reset=True)

    def transform(self, X):
        """Mean of each row.

        Parameters
        ----------
        X : array-like of shape (n, h, w) or (n, h)
            Images with the number of rows seen in ``fit``.

        Returns
        -------
        means : ndarray of shape (n, h), dtype float32
        """
        check_is_fitted(self)
        X = self._validate(X, reset=False)
        # validate_data may hand back the caller's array itself: never return an alias
        return row_means(X)

    def _feature_names(self):
        return [f"mel_{i}" for i in range(self.n_features_in_)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags
