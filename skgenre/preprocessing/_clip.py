"""Fixed-length clips of waveforms: RandomClip (songs cut whole: ``_consecutive.py``)."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ..utils import check_waveforms, is_ragged, item_rngs, item_seed
from ..utils._mixins import _CheckingFitMixin, _FeatureNamesMixin, _TableOutputMixin
from ..utils._pcm import pcm_to_float
from ..utils._waveforms import _is_files, _WaveformTransformerMixin, check_files_sr
from ._consecutive import _pad

__all__ = ["RandomClip"]


def _n_samples(duration, sr):
    return max(1, int(round(duration * sr)))


class RandomClip(
    _CheckingFitMixin,
    _FeatureNamesMixin,
    _WaveformTransformerMixin,
    _TableOutputMixin,
    TransformerMixin,
    BaseEstimator,
):
    """Cut one excerpt of ``duration`` seconds out of each waveform.

    The paper trains and tests on one random 5-s clip per song; this is that step.

    Parameters
    ----------
    duration : float, default=5.0
        Clip length in seconds. The output has ``round(duration * sr)`` samples per row.
    sr : int, default=22050
        Sample rate of the waveforms (Hz).
    mode : {"random", "center", "start"}, default="random"
        Where the clip starts: uniformly at random (the paper's protocol), in the middle of
        the waveform, or at its start.
    transform_mode : {"random", "center", "start"} or None, default=None
        The mode used by :meth:`transform` when it is called outside :meth:`fit_transform`,
        i.e. on test data in a fitted pipeline. ``None`` uses ``mode`` (the paper: random
        clips at test time too); ``"center"`` gives a deterministic test clip.
    pad_mode : {"wrap", "constant"}, default="wrap"
        Rule for waveforms shorter than a clip: the audio repeated until the clip is full,
        or zeros appended after it. No waveform is ever dropped. Repeating is the default:
        a clip that is mostly zeros is judged by its silence, which a network trained on
        whole clips has never heard (on 2-s excerpts of artist-disjoint test songs, the
        tuned feature model scored 0.07 on GTZAN mini with zeros and 0.39 repeated, its
        accuracy on whole songs; ``benchmarks/bench_short_songs.py``).
    random_state : int, RandomState instance or None, default=None
        Seeds the clip offsets. The offset of each waveform is drawn from a generator seeded
        by ``random_state`` and the waveform's own content, so with an int the same waveform
        always gets the same clip, whatever batch it comes in; ``None`` draws fresh offsets
        from OS entropy on every call.

    Attributes
    ----------
    n_samples_ : int
        Samples per clip, ``round(duration * sr)``; the output columns are named
        ``sample_0`` ... ``sample_{n_samples_-1}`` (:meth:`get_feature_names_out`).
    n_features_in_ : int
        Waveform length seen in ``fit``; only set (and checked) for 2-D numeric input, not
        for a list or an object array of waveforms (of any lengths).
    feature_names_in_ : ndarray of str
        Column names of a DataFrame given to ``fit`` (checked in ``transform``).

    See Also
    --------
    consecutive_clips : Cut a whole song into consecutive clips.

    Notes
    -----
    Input is the waveform container of :class:`~skgenre.AudioLoader` (a 1-D object array of
    1-D float waveforms), a list of 1-D arrays, or a 2-D array of equal-length waveforms.
    The undecoded files of a lazy loader (:class:`~skgenre.io.AudioFiles`, as in the
    pipeline factories) are decoded a chunk of files at a time, and only the clips are
    kept: memory holds one chunk of whole songs, not all of them. The clips are the same
    as those cut from the decoded container. Clips are audio, not a table:
    ``set_output`` (or a global ``transform_output``) leaves them an array.

    Examples
    --------
    >>> import numpy as np
    >>> from skgenre import RandomClip
    >>> short = np.arange(1, 8001, dtype=np.float32)  # 0.5 s, shorter than a clip
    >>> waves = [np.ones(30000, dtype=np.float32), short]
    >>> clips = RandomClip(duration=1.0, sr=16000, random_state=0).fit_transform(waves)
    >>> clips.shape, clips.dtype
    ((2, 16000), dtype('float32'))
    >>> float(clips[1, 7999]), float(clips[1, 8000])  # the short one repeats itself
    (8000.0, 1.0)
    >>> zeros = RandomClip(duration=1.0, sr=16000, pad_mode="constant").fit_transform(waves)
    >>> float(zeros[1, 7999]), float(zeros[1, 8000])  # or is padded with silence
    (8000.0, 0.0)
    """

    _table_output = False  # clips are audio: set_output leaves them arrays

    _parameter_constraints = {
        "duration": [Interval(Real, 0, None, closed="neither")],
        "sr": [Interval(Integral, 1, None, closed="left")],
        "mode": [StrOptions({"random", "center", "start"})],
        "transform_mode": [StrOptions({"random", "center", "start"}), None],
        "pad_mode": [StrOptions({"constant", "wrap"})],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        duration=5.0,
        sr=22050,
        *,
        mode="random",
        transform_mode=None,
        pad_mode="wrap",
        random_state=None,
    ):
        self.duration = duration
        self.sr = sr
        self.mode = mode
        self.transform_mode = transform_mode
        self.pad_mode = pad_mode
        self.random_state = random_state

    def _check_fit(self, X):
        self._check_fit_input(X)
        self.n_samples_ = _n_samples(self.duration, self.sr)

    def transform(self, X):
        """Cut one clip per waveform, with ``transform_mode`` (``mode`` if None).

        Parameters
        ----------
        X : waveforms
            Of any length: shorter ones are padded (``pad_mode``). See Notes of the class.

        Returns
        -------
        clips : ndarray of shape (n_waveforms, n_samples_), dtype float32
        """
        check_is_fitted(self)
        mode = self.mode if self.transform_mode is None else self.transform_mode
        return self._cut(X, mode)

    def fit_transform(self, X, y=None):
        """Fit, then cut clips with ``mode`` (the training-time mode).

        Parameters
        ----------
        X : waveforms
        y : None
            Ignored.

        Returns
        -------
        clips : ndarray of shape (n_waveforms, n_samples_), dtype float32
        """
        self.fit(X)
        return self._cut(X, self.mode)

    def _check_input(self, X, *, reset):
        if is_ragged(X):
            if reset:
                self._forget_n_features_in()
            return check_waveforms(X)
        # A 2-D array-like is a batch of equal-length waveforms whose width is its length:
        # scikit-learn's validation records (and later checks) the width and a
        # DataFrame's column names. int16 PCM is scaled first, as decoded files are.
        try:
            X = validate_data(self, pcm_to_float(X), reset=reset, dtype=np.float32)
        except ValueError as exc:
            if "features, but" not in str(exc):
                raise
            raise ValueError(
                f"{exc} 2-D input is read as equal-length waveforms; pass a list or a 1-D "
                "object array of waveforms to clip waveforms of any length."
            ) from None
        return check_waveforms(X)

    def _cut(self, X, mode):
        """One clip per waveform (or file), into one preallocated array."""
        # One base seed per call, shared by every chunk: chunking never changes a clip.
        seed = item_seed(self.random_state) if mode == "random" else None
        if not _is_files(X):
            waves = self._check_input(X, reset=False)
            out = np.empty((len(waves), self.n_samples_), dtype=np.float32)
            self._clip(waves, mode, seed, out)
            return out
        check_files_sr(self, X)
        out = np.empty((len(X), self.n_samples_), dtype=np.float32)
        for start, waves in X.chunks():
            waves = check_waveforms(_object_array(waves), first_index=start)
            self._clip(waves, mode, seed, out[start : start + len(waves)])
        return out

    def _clip(self, waves, mode, seed, out):
        n = self.n_samples_
        if mode == "random":
            # The offset of a waveform depends on the seed and on that waveform alone, not on
            # the rest of the batch (subset and order invariance).
            u = [g.random() for g in item_rngs(seed, waves)]
        for i, w in enumerate(waves):
            slack = len(w) - n
            if slack < 0:
                out[i] = _pad(w, n, self.pad_mode)
                continue
            if mode == "random":
                start = min(int(u[i] * (slack + 1)), slack)
            elif mode == "center":
                start = slack // 2
            else:
                start = 0
            out[i] = w[start : start + n]

    def _feature_names(self):
        return [f"sample_{i}" for i in range(self.n_samples_)]


def _object_array(items):
    out = np.empty(len(items), dtype=object)
    for i, item in enumerate(items):
        out[i] = item
    return out
