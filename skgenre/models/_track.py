"""TrackClassifier: train on several clips per track, predict one label per track."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    _fit_context,
    clone,
)
from sklearn.utils import _safe_indexing, get_tags
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.metadata_routing import UNUSED
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    _is_arraylike,
    _num_samples,
    check_consistent_length,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from ..preprocessing import clip_and_average, consecutive_clips
from ..utils import check_waveforms, is_ragged, make_rng
from ..utils._pcm import pcm_to_float
from ._routing import check_child_params, child_fit_params, child_router, fit_child

__all__ = ["TrackClassifier"]

# Floor for log-probabilities in the geometric mean: a single clip that gives a class
# probability 0 must not veto that class for the whole track.
_LOG_FLOOR = 1e-7


def _per_clip(value, owner, n_tracks):
    """Metadata with one value per track, repeated for each of the track's clips; any
    other value as given (as scikit-learn's cross-validation indexes metadata)."""
    if (isinstance(value, (str, bytes, dict)) or getattr(value, "ndim", 1) == 0
            or not _is_arraylike(value) or _num_samples(value) != n_tracks):
        return value
    return _safe_indexing(value, owner)


def _estimator_has(attr):
    def check(self):
        if self.aggregate == "vote":
            return True
        est = self.estimator_ if hasattr(self, "estimator_") else self.estimator
        return hasattr(est, attr)

    return check


class TrackClassifier(ClassifierMixin, MetaEstimatorMixin, BaseEstimator):
    """Train a clip classifier on several clips per track; predict per track.

    The paper trains and tests on one random 5-s clip per 30-s song, so 5/6 of every song
    is never seen. This meta-estimator takes whole tracks (waveforms) instead: :meth:`fit`
    cuts every track into several clips, repeats the track's label for each, and fits a
    clone of ``estimator`` on all of them; :meth:`predict_proba` cuts every track into
    consecutive clips, asks the fitted clip classifier for their probabilities and averages
    them per track.

    Parameters
    ----------
    estimator : classifier
        The clip classifier: anything with ``fit`` and ``predict`` (and ``predict_proba``
        unless ``aggregate="vote"``) that takes clips, a float32 array of shape
        ``(n_clips, round(clip_duration * sr))``. Typically a Pipeline that starts at clips,
        e.g. ``(melspec, noise, classifier)`` or ``(features, scale, classifier)``; not one
        that starts with ``load`` or ``clip``.
    clip_duration : float, default=5.0
        Clip length in seconds (the paper: 5 s).
    sr : int, default=22050
        Sample rate of the waveforms (Hz). It only converts seconds to samples here; it must
        agree with the sample rate the wrapped estimator assumes.
    n_clips : int or None, default=None
        Training clips per track. ``None`` takes as many as there are consecutive clips in
        the track (6 for a 30-s track and 5-s clips). With ``train_clips="consecutive"`` an
        int keeps that many consecutive clips spread evenly over the track (all of them when
        the track has fewer).
    hop : float or None, default=None
        Seconds between the starts of consecutive clips; ``None`` means ``clip_duration``
        (clips touch but do not overlap). Used at prediction and with
        ``train_clips="consecutive"``.
    train_clips : {"random", "consecutive"}, default="random"
        How training clips are cut: at uniformly random offsets (drawn anew at every
        :meth:`fit`, a cheap data augmentation), or the consecutive clips of prediction.
    pad_mode : {"wrap", "constant"}, default="wrap"
        Rule for tracks shorter than one clip: the audio repeated until the clip is full,
        or zeros appended after it (the rule of :class:`~skgenre.RandomClip`, which says
        why repeating is the default). Such a
        track gives exactly one clip (repeated ``n_clips`` times in random mode, so every
        track keeps the same weight). No track is ever dropped.
    random_state : int, RandomState instance or None, default=None
        Seeds the random training offsets. It is not passed to ``estimator``: seed that
        separately (e.g. ``estimator__random_state``).
    aggregate : {"mean", "geometric", "vote"}, default="mean"
        How clip results make a track result: the mean of the clip probabilities, their
        geometric mean (renormalised; a clip probability is floored at 1e-7 first), or the
        fraction of clips that predict each class (ties go to the class listed first in
        ``classes_``).

    Attributes
    ----------
    estimator_ : estimator
        The clone of ``estimator`` fitted on the training clips.
    classes_ : ndarray of shape (n_classes,)
        Class labels, from ``estimator_.classes_``.
    n_clips_fit_ : int
        Number of clips ``estimator_`` was fitted on.
    n_features_in_ : int
        Track length in samples; only set when :meth:`fit` got a 2-D numeric array (a batch
        of equal-length tracks). Then a 2-D array given to :meth:`predict` must have that
        many columns, as for any scikit-learn estimator; pass a list or an object array to
        predict tracks of other lengths.
    feature_names_in_ : ndarray of str
        Only set when :meth:`fit` got a DataFrame with string column names.

    See Also
    --------
    skgenre.preprocessing.consecutive_clips : The segmentation used at prediction.
    skgenre.RandomClip : One clip per track, the paper's protocol.

    Notes
    -----
    Input ``X`` is the waveform container of :class:`~skgenre.AudioLoader` (a 1-D object
    array of 1-D float waveforms), a list of 1-D arrays, or a 2-D numeric array of
    equal-length tracks. Clips of one track never leave it, so splitting tracks into train
    and test (e.g. ``StratifiedKFold`` on the tracks) never leaks clips across the split.

    A trailing remainder shorter than a clip is not used (a 30-s track with 5-s clips gives
    exactly 6), unless the whole track is shorter than one clip, see ``pad_mode``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skgenre.models import TrackClassifier
    >>> rng = np.random.default_rng(0)
    >>> # 40 tracks of 3 s at 100 Hz; the class sets the signal level
    >>> y = np.repeat(["quiet", "loud"], 20)
    >>> X = rng.normal(size=(40, 300)) * np.where(y == "loud", 3.0, 1.0)[:, None]
    >>> clf = TrackClassifier(LogisticRegression(), clip_duration=1.0, sr=100,
    ...                       random_state=0)
    >>> clf.fit(X, y).n_clips_fit_  # 3 one-second clips per track
    120
    >>> clf.predict_proba(X[:2]).shape
    (2, 2)
    """

    _parameter_constraints = {
        "estimator": [HasMethods(["fit", "predict"])],
        "clip_duration": [Interval(Real, 0, None, closed="neither")],
        "sr": [Interval(Integral, 1, None, closed="left")],
        "n_clips": [Interval(Integral, 1, None, closed="left"), None],
        "hop": [Interval(Real, 0, None, closed="neither"), None],
        "train_clips": [StrOptions({"random", "consecutive"})],
        "pad_mode": [StrOptions({"constant", "wrap"})],
        "random_state": ["random_state"],
        "aggregate": [StrOptions({"mean", "geometric", "vote"})],
    }

    def __init__(
        self,
        estimator,
        *,
        clip_duration=5.0,
        sr=22050,
        n_clips=None,
        hop=None,
        train_clips="random",
        pad_mode="wrap",
        random_state=None,
        aggregate="mean",
    ):
        self.estimator = estimator
        self.clip_duration = clip_duration
        self.sr = sr
        self.n_clips = n_clips
        self.hop = hop
        self.train_clips = train_clips
        self.pad_mode = pad_mode
        self.random_state = random_state
        self.aggregate = aggregate

    # sample_weight only passes through to the estimator: no request of this object's own
    __metadata_request__fit = {"sample_weight": UNUSED}

    # The wrapped estimator's own parameters are validated by its fit, not skipped here.
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None, **fit_params):
        """Cut training clips out of every track and fit a clone of ``estimator`` on them.

        Parameters
        ----------
        X : waveforms
            ``n_tracks`` tracks; see Notes of the class.
        y : array-like of shape (n_tracks,)
            One label per track.
        sample_weight : array-like of shape (n_tracks,), default=None
            One weight per track, given to each of its clips in the estimator's ``fit``
            (its last step's, for a Pipeline).
        **fit_params : dict
            Other metadata for the estimator, with metadata routing enabled only
            (``sklearn.set_config(enable_metadata_routing=True)``). An array-like of
            ``n_tracks`` values is taken as one value per track and repeated for each
            of the track's clips; anything else is passed as given.

        Returns
        -------
        self : TrackClassifier
            The fitted meta-estimator.
        """
        if self.aggregate != "vote" and not hasattr(self.estimator, "predict_proba"):
            raise ValueError(
                f"aggregate={self.aggregate!r} averages clip probabilities, but the estimator "
                f"{type(self.estimator).__name__} has no predict_proba; use aggregate='vote' "
                "or a probabilistic classifier."
            )
        tracks, y = self._check_tracks(X, y, reset=True)
        check_classification_targets(y)
        estimator = clone(self.estimator)
        params = check_child_params(
            estimator, child_fit_params(self, sample_weight, fit_params), len(tracks)
        )
        clips, owner = self._training_clips(tracks)
        params = {k: _per_clip(v, owner, len(tracks)) for k, v in params.items()}
        self.estimator_ = fit_child(estimator, clips, y[owner], params)
        if not hasattr(self.estimator_, "classes_"):
            raise ValueError(
                f"estimator must be a classifier, but the fitted "
                f"{type(self.estimator_).__name__} has no classes_ attribute."
            )
        self.classes_ = np.asarray(self.estimator_.classes_)
        self.n_clips_fit_ = len(clips)
        return self

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities per track, aggregated over its consecutive clips.

        Parameters
        ----------
        X : waveforms
            ``n_tracks`` tracks; see Notes of the class.

        Returns
        -------
        proba : ndarray of shape (n_tracks, n_classes)
            Rows sum to 1; columns follow ``classes_``.
        """
        check_is_fitted(self)
        tracks, _ = self._check_tracks(X, None, reset=False)
        n, hop, pad = self._segmentation()
        out, _, _ = clip_and_average(tracks, self._clip_scores, n, hop=hop, pad_mode=pad)
        if self.aggregate == "geometric":
            out = np.exp(out - out.max(axis=1, keepdims=True))
            out /= out.sum(axis=1, keepdims=True)
        return out

    def predict(self, X):
        """Predict one label per track.

        Parameters
        ----------
        X : waveforms
            ``n_tracks`` tracks, as in :meth:`predict_proba`.

        Returns
        -------
        y_pred : ndarray of shape (n_tracks,)
            The class with the highest aggregated score (see ``aggregate``).
        """
        check_is_fitted(self)
        # predict_proba exists for every aggregate once fit has accepted the estimator.
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    # -- helpers --------------------------------------------------------------------------

    def _segmentation(self):
        n = max(1, int(round(self.clip_duration * self.sr)))
        hop = n if self.hop is None else max(1, int(round(self.hop * self.sr)))
        return n, hop, self.pad_mode

    def _check_tracks(self, X, y, *, reset):
        """Validate tracks (and labels) and return a list of 1-D float32 arrays."""
        if is_ragged(X):
            tracks = check_waveforms(X)
            if reset:
                # A previous fit on a 2-D array must not constrain this one.
                for attr in ("n_features_in_", "feature_names_in_"):
                    if hasattr(self, attr):
                        delattr(self, attr)
            if y is not None or reset:
                y = self._check_y(y)
                check_consistent_length(tracks, y)
            return tracks, y
        # A 2-D array is a batch of equal-length tracks: validate it like any sklearn input,
        # so that dtype=object, DataFrames, sparse matrices, NaN and a changed track length
        # get scikit-learn's usual errors.
        X = pcm_to_float(X)  # int16 PCM tracks are scaled as decoded files are
        if y is not None or reset:
            X, y = validate_data(self, X, y, reset=reset, dtype=np.float32)
        else:
            X = validate_data(self, X, reset=reset, dtype=np.float32)
        return check_waveforms(X), y

    def _check_y(self, y):
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        return column_or_1d(y, warn=True)

    def _training_clips(self, tracks):
        """Return the training clips (one float32 array) and the track of each clip."""
        n, hop, pad_mode = self._segmentation()
        rng = make_rng(self.random_state)
        # Choose every track's clip starts first, then copy once into a preallocated
        # array: the clips of a data set are about as large as its audio, so no second
        # full-size copy (a concatenate) is made.
        plans = []
        for w in tracks:
            n_fit = 1 if len(w) < n else 1 + (len(w) - n) // hop
            if self.train_clips == "consecutive":
                starts = np.arange(n_fit) * hop
                if self.n_clips is not None and self.n_clips < n_fit:
                    starts = starts[np.linspace(0, n_fit - 1, self.n_clips).round().astype(int)]
            else:
                k = n_fit if self.n_clips is None else self.n_clips
                starts = rng.integers(0, max(len(w) - n, 0) + 1, size=k)
            plans.append(starts)
        counts = [len(starts) for starts in plans]
        clips = np.empty((sum(counts), n), dtype=np.float32)
        row = 0
        for w, starts in zip(tracks, plans):
            if len(w) < n:
                # One padded clip, repeated so that every track keeps its number of clips
                # (and so its weight in training).
                clips[row : row + len(starts)] = consecutive_clips(w, n, pad_mode=pad_mode)
            else:
                clips[row : row + len(starts)] = np.lib.stride_tricks.sliding_window_view(
                    w, n
                )[starts]
            row += len(starts)
        return clips, np.repeat(np.arange(len(tracks)), counts)

    def _clip_scores(self, clips):
        """Per-clip scores whose per-track mean is the aggregated result."""
        if self.aggregate == "vote":
            pred = np.asarray(self.estimator_.predict(clips))
            return (pred[:, None] == self.classes_[None, :]).astype(np.float64)
        proba = np.asarray(self.estimator_.predict_proba(clips), dtype=np.float64)
        if self.aggregate == "geometric":
            return np.log(np.maximum(proba, _LOG_FLOOR))
        return proba

    def get_metadata_routing(self):
        """How :meth:`fit` routes metadata to the estimator (see scikit-learn's user guide).

        Returns
        -------
        routing : MetadataRouter
        """
        return child_router(self, self.estimator)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = True
        tags.input_tags.sparse = False
        tags.input_tags.allow_nan = False
        inner = get_tags(self.estimator)
        tags.non_deterministic = inner.non_deterministic
        return tags
