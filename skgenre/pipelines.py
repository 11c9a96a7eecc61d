"""Ready-made pipelines from audio file paths to genre labels.

Each factory returns a plain :class:`sklearn.pipeline.Pipeline` with fixed, documented step
names (see ``docs/architecture.md``), so ``set_params``, grid search and
:func:`skgenre.evaluation.noise_robustness` address steps by name:

===================================  ==========================================================
factory                              steps
===================================  ==========================================================
``make_feature_pipeline``            load, clip, noise, features, scale, classifier
``make_spectrogram_dense_pipeline``  load, clip, melspec, noise, rowmean, scale, classifier
``make_cnn_pipeline``                load, clip, melspec, noise, classifier
===================================  ==========================================================

``noise`` is a ``PixelDropoutNoise(rate=0.0)``, an identity until its rate is set on the
fitted pipeline. The ``classifier`` is a :class:`~skgenre.GenreClassifier` configured by a
named preset (:func:`skgenre.models.get_preset`); keyword arguments override the preset's
classifier parameters, e.g. ``make_cnn_pipeline(epochs=5, model__kernel_size=5)``.
"""

from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

__all__ = [
    "MODEL_KINDS",
    "make_cnn_pipeline",
    "make_feature_pipeline",
    "make_spectrogram_dense_pipeline",
]


def _classifier(preset, kind, random_state, classifier_params):
    from .models import GenreClassifier, get_preset

    p = get_preset(preset, kind)
    params = {**p["classifier"], **classifier_params}
    params.setdefault("random_state", random_state)
    return GenreClassifier(**params), p["scaler"]


def _scaler(name):
    if name == "standard":
        return StandardScaler()
    if name == "minmax-normalize":
        from .preprocessing import MinMaxThenNormalize

        return MinMaxThenNormalize()
    # A preset without a scaler still gets an identity step so that step names are fixed.
    return "passthrough"


def _front(sr, duration, random_state, n_jobs):
    from .io import AudioLoader
    from .preprocessing import RandomClip

    return [
        # lazy: the clip step decodes a chunk of files at a time, never all whole songs
        ("load", AudioLoader(sr=sr, n_jobs=n_jobs, lazy=True)),
        ("clip", RandomClip(duration=duration, sr=sr, random_state=random_state)),
    ]


def _noise(random_state):
    from .preprocessing import PixelDropoutNoise

    return PixelDropoutNoise(rate=0.0, random_state=random_state)


def _melspec(sr, n_jobs):
    from .features import MelSpectrogram

    return MelSpectrogram(sr=sr, n_jobs=n_jobs)


def make_feature_pipeline(
    preset="tuned",
    *,
    sr=22050,
    duration=5.0,
    random_state=None,
    memory=None,
    n_jobs=None,
    **classifier_params,
):
    """Pipeline: audio files -> 5-s clip -> the paper's 26 features -> scaler -> dense net.

    Parameters
    ----------
    preset : {"paper", "tuned"}, default="tuned"
        Training preset (network, schedule, scaler); see :func:`skgenre.models.get_preset`.
    sr : int, default=22050
        Sampling rate the audio is resampled to.
    duration : float, default=5.0
        Clip length in seconds.
    random_state : int, RandomState instance or None, default=None
        Seed of the clip position, the noise and the network training.
    memory : str, joblib.Memory or None, default=None
        Cache of the fitted transformer steps (see :class:`~sklearn.pipeline.Pipeline`);
        avoids recomputing features for every candidate of a grid search.
    n_jobs : int or None, default=None
        Parallel jobs for decoding and feature extraction.
    **classifier_params : dict
        :class:`~skgenre.GenreClassifier` parameters overriding the preset's.

    Returns
    -------
    pipeline : Pipeline
        Steps ``load, clip, noise, features, scale, classifier``.

    Examples
    --------
    >>> from skgenre import make_feature_pipeline
    >>> pipe = make_feature_pipeline("paper", random_state=0)
    >>> list(pipe.named_steps)
    ['load', 'clip', 'noise', 'features', 'scale', 'classifier']
    >>> pipe.named_steps["classifier"].epochs
    10
    """
    from .features import FeatureExtractor26

    clf, scaler = _classifier(preset, "feature", random_state, classifier_params)
    steps = _front(sr, duration, random_state, n_jobs) + [
        ("noise", _noise(random_state)),
        ("features", FeatureExtractor26(sr=sr, n_jobs=n_jobs)),
        ("scale", _scaler(scaler)),
        ("classifier", clf),
    ]
    return Pipeline(steps, memory=memory)


def make_spectrogram_dense_pipeline(
    preset="tuned",
    *,
    sr=22050,
    duration=5.0,
    random_state=None,
    memory=None,
    n_jobs=None,
    **classifier_params,
):
    """Pipeline: audio files -> clip -> mel spectrogram -> row means -> scaler -> dense net.

    Parameters
    ----------
    preset : {"paper", "tuned"}, default="tuned"
        Training preset; see :func:`skgenre.models.get_preset`.
    sr : int, default=22050
        Sampling rate the audio is resampled to.
    duration : float, default=5.0
        Clip length in seconds.
    random_state : int, RandomState instance or None, default=None
        Seed of the clip position, the noise and the network training.
    memory : str, joblib.Memory or None, default=None
        Cache of the fitted transformer steps.
    n_jobs : int or None, default=None
        Parallel jobs for decoding and spectrograms.
    **classifier_params : dict
        :class:`~skgenre.GenreClassifier` parameters overriding the preset's.

    Returns
    -------
    pipeline : Pipeline
        Steps ``load, clip, melspec, noise, rowmean, scale, classifier``.

    Examples
    --------
    >>> from skgenre import make_spectrogram_dense_pipeline
    >>> pipe = make_spectrogram_dense_pipeline("paper")
    >>> list(pipe.named_steps)
    ['load', 'clip', 'melspec', 'noise', 'rowmean', 'scale', 'classifier']
    """
    from .features import RowMeanVectorizer

    clf, scaler = _classifier(preset, "spec-dense", random_state, classifier_params)
    steps = _front(sr, duration, random_state, n_jobs) + [
        ("melspec", _melspec(sr, n_jobs)),
        ("noise", _noise(random_state)),
        ("rowmean", RowMeanVectorizer()),
        ("scale", _scaler(scaler)),
        ("classifier", clf),
    ]
    return Pipeline(steps, memory=memory)


def make_cnn_pipeline(
    preset="tuned",
    *,
    sr=22050,
    duration=5.0,
    random_state=None,
    memory=None,
    n_jobs=None,
    **classifier_params,
):
    """Pipeline: audio files -> clip -> (n_mels, n_frames) mel spectrogram -> CNN.

    Parameters
    ----------
    preset : {"paper", "tuned"}, default="tuned"
        Training preset; see :func:`skgenre.models.get_preset`.
    sr : int, default=22050
        Sampling rate the audio is resampled to.
    duration : float, default=5.0
        Clip length in seconds (5 s at 22050 Hz gives 128 x 216 spectrograms).
    random_state : int, RandomState instance or None, default=None
        Seed of the clip position, the noise and the network training.
    memory : str, joblib.Memory or None, default=None
        Cache of the fitted transformer steps: with it, a grid search over classifier
        parameters computes the spectrograms once per training fold, not once per candidate.
    n_jobs : int or None, default=None
        Parallel jobs for decoding and spectrograms.
    **classifier_params : dict
        :class:`~skgenre.GenreClassifier` parameters overriding the preset's.

    Returns
    -------
    pipeline : Pipeline
        Steps ``load, clip, melspec, noise, classifier``.

    Examples
    --------
    >>> from skgenre import make_cnn_pipeline
    >>> pipe = make_cnn_pipeline("paper", model__kernel_size=5)
    >>> list(pipe.named_steps)
    ['load', 'clip', 'melspec', 'noise', 'classifier']
    >>> pipe.get_params()["classifier__model__kernel_size"]
    5
    """
    clf, _ = _classifier(preset, "cnn", random_state, classifier_params)
    steps = _front(sr, duration, random_state, n_jobs) + [
        ("melspec", _melspec(sr, n_jobs)),
        ("noise", _noise(random_state)),
        ("classifier", clf),
    ]
    return Pipeline(steps, memory=memory)


#: The model kinds: name -> factory. The one list that the command line (``--model``),
#: ``skgenre reproduce`` and the benchmarks read.
MODEL_KINDS = {
    "feature": make_feature_pipeline,
    "spec-dense": make_spectrogram_dense_pipeline,
    "cnn": make_cnn_pipeline,
}
