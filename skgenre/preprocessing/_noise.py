"""The paper's noise: a fraction of spectrogram pixels set to zero."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ..utils import check_waveforms, is_ragged, item_rngs
from ..utils._mixins import _CheckingFitMixin, _TableOutputMixin, _waveform_names
from ..utils._pcm import pcm_to_float
from ..utils._waveforms import _is_files

__all__ = ["PixelDropoutNoise", "dropout_mask"]


def _n_dropped(rate, size):
    return int(round(rate * size))


def dropout_mask(shape, rate, rngs):
    """Boolean masks with exactly ``round(rate * prod(shape[1:]))`` True cells per item.

    Parameters
    ----------
    shape : tuple of int
        ``(n_items, *item_shape)``.
    rate : float in [0, 1], or array-like of shape (n_items,)
        Fraction of each item's cells to select: one for all, or one per item.
    rngs : sequence of numpy.random.Generator
        One source of randomness per item.

    Returns
    -------
    mask : ndarray of bool with the given shape
        True where a cell is dropped.

    Raises
    ------
    ValueError
        If a rate is outside [0, 1], or ``rate`` or ``rngs`` does not give one per item.

    Examples
    --------
    >>> import numpy as np
    >>> from skgenre.preprocessing import dropout_mask
    >>> rngs = [np.random.default_rng(i) for i in range(3)]
    >>> m = dropout_mask((3, 4, 5), 0.25, rngs)
    >>> m.reshape(3, -1).sum(axis=1).tolist()
    [5, 5, 5]
    """
    n_items = shape[0]
    size = int(np.prod(shape[1:], dtype=np.int64))
    # checked: zip would leave the items past the last generator untouched, and a
    # negative count would select all but that many cells
    rngs = list(rngs)
    if len(rngs) != n_items:
        raise ValueError(
            f"dropout_mask needs one generator per item: shape {tuple(shape)} has "
            f"{n_items} items, rngs has {len(rngs)}."
        )
    try:
        rates = np.broadcast_to(np.asarray(rate, dtype=float), (n_items,))
    except ValueError:
        raise ValueError(
            f"rate of dropout_mask must be one float or one per item ({n_items}); got "
            f"shape {np.shape(rate)}."
        ) from None
    if not ((rates >= 0) & (rates <= 1)).all():  # NaN fails too
        raise ValueError(f"rate of dropout_mask must be in [0, 1]; got {rate!r}.")
    mask = np.zeros((n_items, size), dtype=bool)
    for i, (rng, r) in enumerate(zip(rngs, rates)):
        k = _n_dropped(r, size)
        if k == 0:
            continue
        if k >= size:
            mask[i] = True
            continue
        # The k smallest of i.i.d. uniform keys form a uniform random k-subset.
        keys = rng.random(size, dtype=np.float32)
        mask[i, np.argpartition(keys, k - 1)[:k]] = True
    return mask.reshape(shape)


def _item_rates(rate, rngs):
    """One rate per item: ``rate`` itself, or for a ``(low, high)`` range one drawn from each
    item's generator (before its mask, so that an item's noise depends on it alone)."""
    if not isinstance(rate, tuple):
        return np.full(len(rngs), rate)
    return np.array([rng.uniform(*rate) for rng in rngs])


class PixelDropoutNoise(
    _CheckingFitMixin, _TableOutputMixin, OneToOneFeatureMixin, TransformerMixin, BaseEstimator
):
    """Set a fraction ``rate`` of the pixels of each spectrogram to a fill value (0).

    This is the noise of the paper's robustness experiment: models are trained on clean
    data and tested on data where 25, 50 or 75 % of the spectrogram pixels are set to 0.
    ``rate=0`` is an exact identity (the input values are returned unchanged), so every
    skgenre pipeline carries this step (named ``noise``) and noise can be switched on in an
    already fitted pipeline with ``pipe.set_params(noise__rate=0.25)``; no refit is needed.

    Semantics, exactly:

    - **Per item, exact count.** In each spectrogram (each item of the batch) exactly
      ``round(rate * n_mels * n_frames)`` pixels are set to ``fill_value``, chosen uniformly
      at random without replacement, independently for every item (identical items,
      such as two silent clips, get identical masks: see Seeding).
    - **Image mode** (3-D input ``(n, n_mels, n_frames)``): the pixels are the spectrogram's
      values, in whatever scale they are (dB for :class:`~skgenre.MelSpectrogram`).
    - **Waveform mode** (2-D input ``(n, n_samples)``, i.e. clips): the feature-based model
      never sees a spectrogram, so the same noise is applied to the clip's complex STFT
      (``n_fft``, ``hop_length``, Hann window): exactly ``round(rate * n_bins * n_frames)``
      time-frequency bins of each clip are set to 0 and the clip is resynthesized with the
      inverse STFT (same length). Waveforms of different lengths (whole songs: a 1-D
      object array, or the undecoded files of a lazy :class:`~skgenre.AudioLoader`) get
      the same noise one by one, as a 1-D object array; at ``rate=0`` they pass through
      untouched, files still undecoded.
    - **Seeding.** The mask of each item comes from a generator seeded by ``random_state``
      and the item's own content: with an int seed the same spectrogram always gets the
      same mask, whatever batch it comes in, so evaluations are repeatable.

    Clips and spectrograms are not tables: ``set_output`` (or a global
    ``transform_output``) leaves the output an array.

    Parameters
    ----------
    rate : float in [0, 1], default=0.0
        Fraction of pixels (or STFT bins) set to ``fill_value`` in each item. Read at
        transform time.
    fit_rate : float in [0, 1], (low, high) or None, default=None
        The fraction used by :meth:`fit_transform`, i.e. on the training data inside a
        pipeline's ``fit``. ``None`` uses ``rate`` (the paper: train on clean data, with
        ``rate=0``). A value above 0 is training-time augmentation: the network learns from
        spectrograms with missing pixels, while :meth:`transform` (prediction) still uses
        ``rate``. A pair ``(low, high)`` gives every training item its own fraction,
        uniform in ``[low, high]`` and drawn from the item's own generator: a model trained
        at one fraction is robust near that fraction only, one trained over a range
        across it.
    mode : {"auto", "image", "waveform"}, default="auto"
        ``"auto"`` picks image mode for 3-D input and waveform mode for 2-D input.
    fill_value : float, default=0.0
        Value given to dropped pixels (the paper: 0). Ignored in waveform mode, where
        dropped STFT bins are always 0.
    n_fft : int, default=2048
        STFT size in waveform mode.
    hop_length : int, default=512
        STFT hop in waveform mode; at most ``n_fft // 2``, so that the Hann windows
        overlap by half or more and the inverse STFT resynthesizes the clip (with less
        overlap it divides by window sums near zero and blows the clip up instead).
    random_state : int, RandomState instance or None, default=None
        Seeds the masks. ``None`` draws fresh masks from OS entropy on every call.

    Attributes
    ----------
    mode_ : {"image", "waveform"}
        The mode of the input seen in ``fit``; :meth:`transform` refuses input of the
        other mode.
    n_features_in_ : int
        Size of the second axis of the input seen in ``fit``; not set for waveforms of
        different lengths.

    Examples
    --------
    >>> import numpy as np
    >>> from skgenre import PixelDropoutNoise
    >>> images = np.ones((2, 4, 5), dtype=np.float32)
    >>> noise = PixelDropoutNoise(rate=0.25, random_state=0).fit(images)
    >>> out = noise.transform(images)
    >>> (out == 0).reshape(2, -1).sum(axis=1).tolist()
    [5, 5]
    >>> np.array_equal(noise.set_params(rate=0.0).transform(images), images)
    True
    """

    _table_output = False  # clips and spectrograms: set_output leaves them arrays

    _parameter_constraints = {
        "rate": [Interval(Real, 0, 1, closed="both")],
        "fit_rate": [Interval(Real, 0, 1, closed="both"), tuple, list, None],
        "mode": [StrOptions({"auto", "image", "waveform"})],
        "fill_value": [Real],
        "n_fft": [Interval(Integral, 2, None, closed="left")],
        "hop_length": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        rate=0.0,
        *,
        fit_rate=None,
        mode="auto",
        fill_value=0.0,
        n_fft=2048,
        hop_length=512,
        random_state=None,
    ):
        self.rate = rate
        self.fit_rate = fit_rate
        self.mode = mode
        self.fill_value = fill_value
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.random_state = random_state

    def _check_fit(self, X):
        self._fit_range()
        if is_ragged(X):
            self._check_ragged(X)
            # a refit on whole songs must not keep the width of an earlier fit on clips
            for attr in ("n_features_in_", "feature_names_in_"):
                self.__dict__.pop(attr, None)
            self.mode_ = "waveform"
            self._check_hop()
            return
        X = validate_data(self, self._pcm_scaled(X), allow_nd=True,
                          dtype=[np.float32, np.float64])
        self.mode_ = self._resolve_mode(X)
        self._check_hop()

    def _check_hop(self):
        # hop_length=2040 with n_fft=2048 gave amplitudes of 3e4 from a clip of 0.1 rms:
        # past half overlap the Hann windows' squared sum falls to (near) zero between
        # frames, and the inverse STFT divides the dropped bins' error by it
        if self.mode_ == "waveform" and self.hop_length > self.n_fft // 2:
            raise ValueError(
                f"hop_length={self.hop_length} of PixelDropoutNoise must be at most "
                f"n_fft // 2 = {self.n_fft // 2} in waveform mode: with less overlap the "
                "inverse STFT cannot resynthesize the clip."
            )

    def _pcm_scaled(self, X):
        # integer PCM clips scaled to [-1, 1] as decoded files are (and as RandomClip and
        # the feature steps scale them); spectrograms are numbers, left as they are
        # (np.ndim would call an array-like's __array_function__; PCM is an ndarray)
        waveform = self.mode != "image" and isinstance(X, np.ndarray) and X.ndim == 2
        return pcm_to_float(X) if waveform else X

    def _check_ragged(self, X):
        """Check waveforms of different lengths; return them decoded (files: None)."""
        if self.mode == "image":
            raise ValueError(
                "mode='image' expects 3-D spectrograms (n, n_mels, n_frames); got waveforms "
                "of different lengths. Use mode='auto' or 'waveform'."
            )
        # lazy files are checked when they are decoded, as by the other steps
        return None if _is_files(X) else check_waveforms(X, allow_2d=False)

    def transform(self, X):
        """Drop ``rate`` of the pixels (or STFT bins) of each item.

        Parameters
        ----------
        X : ndarray of shape (n, n_mels, n_frames) or (n, n_samples), or waveforms
            Spectrograms, clips, or waveforms of different lengths (see the class).

        Returns
        -------
        X_noisy : ndarray of the same shape and dtype
            A 1-D object array for waveforms of different lengths (``X`` itself at rate 0).
        """
        check_is_fitted(self)
        # rate may have been changed on the fitted step with set_params: validate it here.
        self._validate_params()
        self._check_hop()
        return self._drop(X, self.rate)

    def fit_transform(self, X, y=None):
        """Fit, then drop ``fit_rate`` (``rate`` when ``fit_rate`` is None) of each item.

        Parameters
        ----------
        X : ndarray of shape (n, n_mels, n_frames) or (n, n_samples), or waveforms
            As for :meth:`transform`.
        y : None
            Ignored.

        Returns
        -------
        X_noisy : ndarray of the same shape and dtype, or 1-D object array
        """
        self.fit(X)
        return self._drop(X, self.rate if self.fit_rate is None else self._fit_range())

    def _fit_range(self):
        """``fit_rate`` checked: a float, or a ``(low, high)`` tuple of floats."""
        if not isinstance(self.fit_rate, (tuple, list)):
            return self.fit_rate
        try:
            low, high = (float(v) for v in self.fit_rate)
        except (TypeError, ValueError):
            low = high = np.nan
        if not 0 <= low <= high <= 1:
            raise ValueError(
                f"fit_rate={self.fit_rate!r} of PixelDropoutNoise: a range must be two "
                "numbers (low, high) with 0 <= low <= high <= 1."
            )
        return (low, high) if low < high else low

    def get_feature_names_out(self, input_features=None):
        """The input's column names; ``"waveform"`` after a fit on waveforms of any length.

        Parameters and return value as for
        :meth:`skgenre.io.AudioLoader.get_feature_names_out`.
        """
        check_is_fitted(self)
        if hasattr(self, "n_features_in_"):
            return super().get_feature_names_out(input_features)
        return _waveform_names(self, input_features)

    def _drop(self, X, rate):
        if is_ragged(X):
            self._check_mode("waveform", "waveforms of different lengths")
            return self._drop_ragged(X, rate)
        # At rate 0 the step is an identity: no copy, so that a pipeline does not hold its
        # clips twice (1000 5-s clips are 441 MB); above 0 the caller's array is not touched.
        X = validate_data(
            self, self._pcm_scaled(X), allow_nd=True, reset=False,
            dtype=[np.float32, np.float64], copy=rate != 0,
        )
        mode = self._resolve_mode(X)
        self._check_mode(mode, f"an array of shape {X.shape}")
        if rate == 0:
            return X
        rngs = item_rngs(self.random_state, X)
        rate = _item_rates(rate, rngs)
        if mode == "image":
            X[dropout_mask(X.shape, rate, rngs)] = self.fill_value
            return X
        return self._waveform_noise(X, rate, rngs)

    def _check_mode(self, mode, what):
        """Refuse input of another kind than ``fit`` saw (a 2-D batch after 3-D
        spectrograms would pass the width check and be taken for audio clips)."""
        if mode != self.mode_:
            kinds = {"image": "3-D spectrograms", "waveform": "audio clips or waveforms"}
            raise ValueError(
                f"PixelDropoutNoise was fitted on {kinds[self.mode_]}, but transform got "
                f"{what}, which it would treat as {kinds[mode]}; transform the kind of "
                "input it was fitted on, or fit it again."
            )

    def _drop_ragged(self, X, rate):
        waves = self._check_ragged(X)
        if rate == 0:
            return X
        if waves is None:
            waves = X.decode()
        out = np.empty(len(waves), dtype=object)
        rngs = item_rngs(self.random_state, waves)
        for i, (w, rng, r) in enumerate(zip(waves, rngs, _item_rates(rate, rngs))):
            out[i] = self._waveform_noise(w[None, :], r, [rng])[0]
        return out

    def _resolve_mode(self, X):
        if self.mode == "auto":
            if X.ndim not in (2, 3):
                raise ValueError(
                    f"PixelDropoutNoise expects 3-D spectrograms (n, n_mels, n_frames) or 2-D "
                    f"clips (n, n_samples); got an array of shape {X.shape}."
                )
            return "image" if X.ndim == 3 else "waveform"
        if self.mode == "waveform" and X.ndim != 2:
            raise ValueError(
                f"mode='waveform' expects 2-D clips (n, n_samples); got shape {X.shape}."
            )
        return self.mode

    def _waveform_noise(self, X, rate, rngs):
        import librosa

        n_samples = X.shape[1]
        flat = X.reshape(X.shape[0], -1)
        stft = librosa.stft(
            flat, n_fft=self.n_fft, hop_length=self.hop_length, center=True, pad_mode="constant"
        )
        stft[dropout_mask(stft.shape, rate, rngs)] = 0
        y = librosa.istft(
            stft, hop_length=self.hop_length, n_fft=self.n_fft, length=n_samples, center=True
        )
        return y.astype(X.dtype, copy=False).reshape(X.shape)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True  # spectrograms (n, n_mels, n_frames)
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
