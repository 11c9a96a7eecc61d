"""The estimator plumbing shared by skgenre's clip transformers: fit, transform, tags."""

from functools import partial
from numbers import Integral

from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..utils import validate_clips
from ..utils._mixins import (
    N_JOBS_CONSTRAINT,
    _CheckingFitMixin,
    _FeatureNamesMixin,
    _TableOutputMixin,
)
from ._chunks import resolve_chunks, run_chunks
from ._stft import frame_count

__all__ = ["ClipTransformer", "FeatureTableTransformer"]


class ClipTransformer(_CheckingFitMixin, _TableOutputMixin, TransformerMixin, BaseEstimator):
    """Base of the transformers that map clips to features or spectrograms.

    ``fit`` validates the parameters, records the clip length as ``n_features_in_`` (as
    scikit-learn does for columns) and runs ``_validate_extra()``; ``transform`` checks the
    clip length, cuts the clips into chunks (bounded memory, one chunk per joblib job at
    least) and maps each chunk with ``_chunk_function()``, a picklable callable from a
    float32 ``(n, n_samples)`` chunk to an ``(n, ...)`` float32 array (``_stft_partial``
    binds the STFT settings). Subclasses pass the parameters every clip transformer has
    (``sr``, ``n_fft``, ``hop_length``, ``n_jobs``, ``chunk_size``, ``verbose``) to
    ``ClipTransformer.__init__``, and set ``_progress_desc``, the words on their progress bar.
    """

    _progress_desc = "computing"

    #: Constraints of the parameters every clip transformer has; subclasses add theirs.
    _clip_constraints = {
        "sr": [Interval(Integral, 1, None, closed="left")],
        "n_fft": [Interval(Integral, 2, None, closed="left")],
        "hop_length": [Interval(Integral, 1, None, closed="left")],
        "n_jobs": N_JOBS_CONSTRAINT,
        "chunk_size": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "verbose": ["verbose"],
    }

    def __init__(self, *, sr, n_fft, hop_length, n_jobs, chunk_size, verbose):
        self.sr = sr
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.n_jobs = n_jobs
        self.chunk_size = chunk_size
        self.verbose = verbose

    def _check_fit(self, X):
        validate_clips(self, X, reset=True)
        self._validate_extra()

    def transform(self, X):
        """Transform each clip.

        Parameters
        ----------
        X : array-like of shape (n_clips, n_samples) or object array of waveforms
            Clips of the length seen in ``fit``.

        Returns
        -------
        Xt : ndarray of shape (n_clips, ...), dtype float32
            One row per clip; the class docstring gives the shape.
        """
        check_is_fitted(self)
        clips = validate_clips(self, X, reset=False)
        slices = resolve_chunks(
            clips.shape[0], frame_count(clips.shape[1], self.hop_length), self.chunk_size,
            self.n_jobs,
        )
        return run_chunks(
            self._chunk_function(), clips, slices, self.n_jobs,
            desc=self._progress_desc, verbose=self.verbose,
        )

    def __setstate__(self, state):
        # models saved before ``verbose`` existed load without progress bars
        super().__setstate__({"verbose": 0, **state})

    def _validate_extra(self):
        """Checks across parameters, run by ``fit``; may set fitted attributes."""

    def _stft_partial(self, func, **params):
        """``func`` with this transformer's STFT settings and ``params`` bound: a chunk function."""
        return partial(
            func, sr=self.sr, n_fft=self.n_fft, hop_length=self.hop_length, **params
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # output is float32 whatever the input dtype
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags


class FeatureTableTransformer(_FeatureNamesMixin, ClipTransformer):
    """Base of the clip transformers that give one row of named features per clip.

    Besides the clip parameters, they have ``onset_aggregate`` (the onset envelope of their
    tempo feature); subclasses with more parameters extend ``_parameter_constraints``, and
    name their output columns with ``_feature_names()``.
    """

    _progress_desc = "computing features"

    _parameter_constraints: dict = {
        **ClipTransformer._clip_constraints,
        "onset_aggregate": [StrOptions({"mean", "median"})],
    }
