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
``make_embedding_pipeline``          load, clip, embed, scale, classifier
===================================  ==========================================================

``noise`` is a ``PixelDropoutNoise(rate=0.0)``, an identity until its rate is set on the
fitted pipeline. The ``classifier`` is a :class:`~skgenre.GenreClassifier` configured by a
named preset (:func:`skgenre.models.get_preset`); keyword arguments override the preset's
classifier parameters, e.g. ``make_cnn_pipeline(epochs=5, model__kernel_size=5)``.
"""

from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

__all__ = [
    "make_cnn_pipeline",
    "make_embedding_pipeline",
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
        ("load", AudioLoader(sr=sr, n_jobs=n_jobs)),
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


# Settings of make_embedding_pipeline, chosen by repeated 5-fold cross-validation by track
# on the 100 real GTZAN tracks of the mini set (benchmarks/bench_embedding.py accuracy).
_EMBEDDING_PRESETS = {
    "tuned": {
        "embed": {"model": "MSD_musicnn", "layer": "penultimate", "stats": "mean"},
        "classifier": ("svc", {"C": 10.0}),
    },
}


def _embedding_classifier(kind, params, random_state):
    if kind == "svc":
        from sklearn.svm import SVC

        # probability=True: predict_proba for skgenre.inference.predict_songs and the CLI
        return SVC(**{"probability": True, "random_state": random_state, **params})
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(**{"max_iter": 5000, "random_state": random_state, **params})


def make_embedding_pipeline(
    preset="tuned",
    *,
    duration=None,
    sr=22050,
    random_state=None,
    memory=None,
    n_jobs=None,
    **classifier_params,
):
    """Pipeline: audio files -> whole track -> pretrained musicnn embedding -> scaler -> SVC.

    Each track is embedded with :class:`~skgenre.MusicnnEmbedding` (the mean over its
    consecutive 3-s patches of the MSD network's 200 penultimate units), standardised, and
    classified; ``predict`` gives one genre per track. No network is trained, so fitting
    takes only the time of the embeddings. Needs the pretrained weights
    (``pip install --no-deps musicnn==0.1.0``).

    Parameters
    ----------
    preset : {"tuned"}, default="tuned"
        The embedding settings and classifier chosen by repeated 5-fold cross-validation by
        track on 100 real GTZAN tracks (``benchmarks/README.md``).
    duration : float or None, default=None
        ``None`` embeds whole tracks (the ``clip`` step is ``"passthrough"``); a number
        cuts one clip of that many seconds per track first (a centred clip, or a random one
        when fitting), as in the other factories.
    sr : int, default=22050
        Sample rate the audio is decoded at; the embedding resamples it to 16 kHz.
    random_state : int, RandomState instance or None, default=None
        Seed of the clip position (with ``duration``) and of the classifier.
    memory : str, joblib.Memory or None, default=None
        Cache of the fitted transformer steps (see :class:`~sklearn.pipeline.Pipeline`).
    n_jobs : int or None, default=None
        Parallel jobs for decoding and embedding.
    **classifier_params : dict
        Parameters of the classifier overriding the preset's (e.g. ``C=1.0``).

    Returns
    -------
    pipeline : Pipeline
        Steps ``load, clip, embed, scale, classifier``.

    Examples
    --------
    >>> from skgenre import make_embedding_pipeline
    >>> pipe = make_embedding_pipeline(random_state=0)
    >>> list(pipe.named_steps)
    ['load', 'clip', 'embed', 'scale', 'classifier']
    >>> pipe.named_steps["embed"].layer
    'penultimate'
    """
    from .embeddings import MusicnnEmbedding
    from .io import AudioLoader

    if preset not in _EMBEDDING_PRESETS:
        raise ValueError(
            f"unknown preset {preset!r} for make_embedding_pipeline; expected one of "
            f"{sorted(_EMBEDDING_PRESETS)}."
        )
    p = _EMBEDDING_PRESETS[preset]
    kind, params = p["classifier"]
    if duration is None:
        clip = "passthrough"
    else:
        from .preprocessing import RandomClip

        clip = RandomClip(duration=duration, sr=sr, transform_mode="center",
                          random_state=random_state)
    steps = [
        ("load", AudioLoader(sr=sr, n_jobs=n_jobs)),
        ("clip", clip),
        ("embed", MusicnnEmbedding(**p["embed"], sr=sr, n_jobs=n_jobs)),
        ("scale", StandardScaler()),
        ("classifier", _embedding_classifier(kind, {**params, **classifier_params}, random_state)),
    ]
    return Pipeline(steps, memory=memory)
