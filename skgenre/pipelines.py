"""Ready-made pipelines from audio file paths to genre labels.

Each factory returns a plain :class:`sklearn.pipeline.Pipeline` with fixed, documented step
names (see ``docs/architecture.md``), so ``set_params``, grid search and
:func:`skgenre.evaluation.noise_robustness` address steps by name.

With ``track=False`` (the default) a pipeline follows the paper's protocol, one 5-s clip
per song for training and for prediction:

===================================  ==========================================================
factory                              steps
===================================  ==========================================================
``make_feature_pipeline``            load, clip, noise, features, scale, classifier
``make_spectrogram_dense_pipeline``  load, clip, melspec, noise, rowmean, scale, classifier
``make_cnn_pipeline``                load, clip, melspec, noise, scale, classifier
``make_embedding_pipeline``          load, clip, noise, embed, scale, classifier
===================================  ==========================================================

With ``track=True`` the pipeline is ``load, track``: ``track`` is a
:class:`~skgenre.TrackClassifier` that cuts several training clips out of every track and
predicts a track from the mean probabilities of its consecutive clips. Its ``estimator`` is
the clip pipeline above without ``load`` and ``clip``, so its parameters are reached as
``track__estimator__<step>__<parameter>``, e.g.
``track__estimator__classifier__model__kernel_size``.

``noise`` is a ``PixelDropoutNoise(rate=0.0)``, an identity until its rate is set on the
fitted pipeline (with ``track=True``, on the fitted copy that predicts:
``pipe.named_steps["track"].estimator_.set_params(noise__rate=0.25)``; the
``track__estimator__`` parameters take effect at the next ``fit``). ``scale`` is the preset's scaler, or ``"passthrough"`` when the preset has
none. The ``classifier`` is a :class:`~skgenre.GenreClassifier` configured by a named
preset (:func:`skgenre.models.get_preset`); keyword arguments override the preset's
classifier parameters, e.g. ``make_cnn_pipeline(epochs=5, model__kernel_size=5)``.
"""

import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from ._kinds import MODEL_KIND_FACTORIES

__all__ = [
    "MODEL_KINDS",
    "make_cnn_pipeline",
    "make_combined_pipeline",
    "make_embedding_pipeline",
    "make_feature_pipeline",
    "make_spectrogram_dense_pipeline",
    "make_zero_shot_pipeline",
]


def _scaler(name):
    if name == "standard":
        from sklearn.preprocessing import StandardScaler

        return StandardScaler()
    if name == "minmax-normalize":
        from .preprocessing import MinMaxThenNormalize

        return MinMaxThenNormalize()
    if name == "spectrogram-standardize":
        from .preprocessing import SpectrogramStandardizer

        return SpectrogramStandardizer()
    # A preset without a scaler still gets an identity step so that step names are fixed.
    return "passthrough"


def _extractor(name, sr, n_jobs):
    from .features import FeatureExtractor, FeatureExtractor26

    cls = FeatureExtractor if name == "extended" else FeatureExtractor26
    return cls(sr=sr, n_jobs=n_jobs)


def _clip_steps(kind, preset, sr, random_state, n_jobs):
    """The steps from clips to a label for one model kind, and the preset used."""
    from .features import MelSpectrogram, RowMeanVectorizer
    from .preprocessing import PixelDropoutNoise

    noise = ("noise", PixelDropoutNoise(rate=0.0, random_state=random_state))
    scale = ("scale", _scaler(preset["scaler"]))
    if kind == "feature":
        return [noise, ("features", _extractor(preset["features"], sr, n_jobs)), scale]
    melspec = ("melspec", MelSpectrogram(sr=sr, n_jobs=n_jobs))
    if kind == "spec-dense":
        return [melspec, noise, ("rowmean", RowMeanVectorizer()), scale]
    return [melspec, noise, scale]


def _make_pipeline(
    kind, preset, *, track, sr, duration, random_state, memory, n_jobs, classifier_params
):
    from .io import AudioLoader
    from .models import GenreClassifier, TrackClassifier, get_preset
    from .preprocessing import RandomClip

    if not isinstance(track, (bool, np.bool_)):
        raise TypeError(f"track must be True or False, got {track!r}.")
    p = get_preset(preset, kind)
    params = {**p["classifier"], **classifier_params}
    params.setdefault("random_state", random_state)
    classifier = GenreClassifier(**params)
    # a misspelt keyword (epoch=3) is named now, not after every file has been decoded
    classifier._check_routed_params()
    steps = _clip_steps(kind, p, sr, random_state, n_jobs)
    steps.append(("classifier", classifier))
    # lazy: the clip step decodes a chunk of files at a time, never all whole songs
    load = ("load", AudioLoader(sr=sr, n_jobs=n_jobs, lazy=not track))
    if not track:
        clip = ("clip", RandomClip(duration=duration, sr=sr, random_state=random_state))
        return Pipeline([load, clip, *steps], memory=memory)
    tracks = TrackClassifier(
        Pipeline(steps, memory=memory),
        clip_duration=duration,
        sr=sr,
        random_state=random_state,
        **p["track"],
    )
    return Pipeline([load, ("track", tracks)], memory=memory)


def make_feature_pipeline(preset="tuned", *, sr=22050, duration=5.0, track=False,
                          random_state=None, memory=None, n_jobs=None, **classifier_params):
    """Pipeline: audio files -> 5-s clips -> features -> scaler -> dense net.

    The ``"paper"`` preset uses the paper's 26 features
    (:class:`~skgenre.FeatureExtractor26`); ``"tuned"`` uses the 131 statistics of
    :class:`~skgenre.FeatureExtractor`.

    Parameters
    ----------
    preset : {"paper", "tuned"}, default="tuned"
        Training preset (network, schedule, features, scaler); see
        :func:`skgenre.models.get_preset`.
    sr : int, default=22050
        Sampling rate the audio is resampled to.
    duration : float, default=5.0
        Clip length in seconds (5 s at 22050 Hz gives 128 x 216 spectrograms).
    track : bool, default=False
        ``False``: the paper's protocol, one clip per song (step ``clip``, a
        :class:`~skgenre.RandomClip`). ``True``: train on several clips of every track and
        predict per track (step ``track``, a :class:`~skgenre.TrackClassifier`; the number
        of training clips comes from the preset).
    random_state : int, RandomState instance or None, default=None
        Seed of the clip positions, the noise and the network training.
    memory : str, joblib.Memory or None, default=None
        Cache of the fitted transformer steps (see :class:`~sklearn.pipeline.Pipeline`):
        with it, a grid search over classifier parameters computes features once per
        training fold, not once per candidate.
    n_jobs : int or None, default=None
        Parallel jobs for decoding and feature extraction.
    **classifier_params : dict
        :class:`~skgenre.GenreClassifier` parameters overriding the preset's.

    Returns
    -------
    pipeline : Pipeline
        Steps ``load, clip, noise, features, scale, classifier``, or ``load, track`` with
        ``track=True``.

    Examples
    --------
    >>> from skgenre import make_feature_pipeline
    >>> pipe = make_feature_pipeline("paper", random_state=0)
    >>> list(pipe.named_steps)
    ['load', 'clip', 'noise', 'features', 'scale', 'classifier']
    >>> pipe.named_steps["classifier"].epochs
    10
    >>> pipe = make_feature_pipeline(track=True, random_state=0)
    >>> list(pipe.named_steps), list(pipe.named_steps["track"].estimator.named_steps)
    (['load', 'track'], ['noise', 'features', 'scale', 'classifier'])
    """
    return _make_pipeline(
        "feature", preset, track=track, sr=sr, duration=duration, random_state=random_state,
        memory=memory, n_jobs=n_jobs, classifier_params=classifier_params,
    )


def make_spectrogram_dense_pipeline(preset="tuned", *, sr=22050, duration=5.0,
                                    track=False, random_state=None, memory=None,
                                    n_jobs=None, **classifier_params):
    """Pipeline: audio files -> clips -> mel spectrogram -> row means -> scaler -> dense net.

    Parameters
    ----------
    preset, sr, duration, track, random_state, memory, n_jobs, **classifier_params
        As in :func:`make_feature_pipeline`.

    Returns
    -------
    Pipeline
        Steps ``load, clip, melspec, noise, rowmean, scale, classifier`` (``load, track``
        with ``track=True``).

    Examples
    --------
    >>> from skgenre import make_spectrogram_dense_pipeline
    >>> steps = make_spectrogram_dense_pipeline("paper").named_steps
    >>> steps["melspec"].n_mels, steps["classifier"].model
    (128, 'spec_dense')
    """
    return _make_pipeline(
        "spec-dense", preset, track=track, sr=sr, duration=duration,
        random_state=random_state, memory=memory, n_jobs=n_jobs,
        classifier_params=classifier_params,
    )


def make_cnn_pipeline(preset="tuned", *, sr=22050, duration=5.0, track=False,
                      random_state=None, memory=None, n_jobs=None, **classifier_params):
    """Pipeline: audio files -> clips -> (n_mels, n_frames) mel spectrogram -> CNN.

    The ``"tuned"`` preset standardizes every mel band with statistics fitted on the
    training spectrograms (step ``scale``, a
    :class:`~skgenre.preprocessing.SpectrogramStandardizer`); the ``"paper"`` preset feeds
    the dB values unscaled (``scale`` is ``"passthrough"``).

    Parameters
    ----------
    preset : {"paper", "tuned"}, default="tuned"
        Training preset; see :func:`skgenre.models.get_preset`.
    sr, duration, track, random_state, memory, n_jobs, **classifier_params
        As in :func:`make_feature_pipeline`.

    Returns
    -------
    pipeline : Pipeline
        Steps ``load, clip, melspec, noise, scale, classifier`` (``load, track`` with
        ``track=True``).

    Examples
    --------
    The classifier's parameters are those of the grid searches, e.g. the kernel size:

    >>> from skgenre import make_cnn_pipeline
    >>> pipe = make_cnn_pipeline("paper", model__kernel_size=5)
    >>> pipe.get_params()["classifier__model__kernel_size"]
    5
    >>> pipe = make_cnn_pipeline(track=True)
    >>> pipe.get_params()["track__estimator__classifier__model__layout"]
    'temporal'
    """
    return _make_pipeline(
        "cnn", preset, track=track, sr=sr, duration=duration, random_state=random_state,
        memory=memory, n_jobs=n_jobs, classifier_params=classifier_params,
    )


# Settings of make_embedding_pipeline, chosen by repeated 5-fold cross-validation by track
# on the 100 real GTZAN tracks of the mini set (benchmarks/bench_embedding.py accuracy).
_EMBEDDING_PRESETS = {
    "tuned": {
        "embed": {"model": "MSD_musicnn", "layer": "penultimate", "stats": "mean"},
        # Logistic regression C=0.01 and an RBF SVC C=10 tie (0.933 and 0.932 +- 0.055);
        # the regression has a native predict_proba (SVC's probability=True is deprecated
        # in scikit-learn 1.9), which predict_songs averages over a song's clips.
        "classifier": ("logistic", {"C": 0.01}),
    },
}


def _embedding_classifier(kind, params, random_state):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(**{"max_iter": 5000, "random_state": random_state, **params})


def _calibrated(classifier, calibrate, cv):
    """``classifier``, or a CalibratedClassifierCV around it for ``calibrate`` (a method)."""
    if calibrate is None:
        return classifier
    methods = ("isotonic", "sigmoid", "temperature")
    if calibrate not in methods:
        raise ValueError(
            f"calibrate must be None or one of {list(methods)}, got {calibrate!r}."
        )
    from sklearn.calibration import CalibratedClassifierCV

    if calibrate == "temperature" and "temperature" not in (
        CalibratedClassifierCV._parameter_constraints["method"][0].options
    ):
        import sklearn

        raise ValueError(
            f"calibrate='temperature' needs scikit-learn >= 1.8 (CalibratedClassifierCV's "
            f"method='temperature'); this is scikit-learn {sklearn.__version__}. Use "
            "'sigmoid' or 'isotonic'."
        )
    return CalibratedClassifierCV(classifier, method=calibrate, cv=cv)


def make_embedding_pipeline(
    preset="tuned",
    *,
    calibrate=None,
    calibration_cv=5,
    duration=None,
    sr=22050,
    random_state=None,
    memory=None,
    n_jobs=None,
    **classifier_params,
):
    """Pipeline: audio files -> whole track -> pretrained musicnn embedding -> classifier.

    Each track is embedded with :class:`~skgenre.MusicnnEmbedding` (the mean over its
    consecutive 3-s patches of the MSD network's 200 penultimate units), standardised, and
    classified by a logistic regression (C=0.01); ``predict`` gives one genre per track. No
    network is trained, so fitting takes only the time of the embeddings. Needs the
    pretrained weights (``pip install --no-deps musicnn==0.1.0``).

    Parameters
    ----------
    preset : {"tuned"}, default="tuned"
        The embedding settings and classifier chosen by repeated 5-fold cross-validation by
        track on 100 real GTZAN tracks (``benchmarks/README.md``).
    calibrate : {None, "sigmoid", "isotonic", "temperature"}, default=None
        ``None``: the classifier's own probabilities. A method: the ``classifier`` step is
        a :class:`~sklearn.calibration.CalibratedClassifierCV` with that method around the
        logistic regression (``"temperature"`` needs scikit-learn >= 1.8); its parameters
        are then reached as ``classifier__estimator__<parameter>``. See
        ``docs/guide/trust.md`` for what each method measured.
    calibration_cv : int, cross-validation generator or iterable, default=5
        The ``cv`` of the calibration: the folds whose held-out tracks fit the calibrator
        (an int: stratified folds by track). For folds by artist pass
        ``StratifiedArtistKFold(...)``, turn on scikit-learn's metadata routing
        (``sklearn.set_config(enable_metadata_routing=True)``) and fit with
        ``fit(files, y, groups=artists)``: CalibratedClassifierCV passes ``groups`` to its
        splitter only through the routing.
    duration : float or None, default=None
        ``None`` embeds whole tracks (the ``clip`` step is ``"passthrough"``); a number
        cuts one clip of that many seconds per track first (a centred clip, or a random one
        when fitting), as in the other factories.
    sr : int, default=22050
        Sample rate the audio is decoded at; the embedding resamples it to 16 kHz.
    random_state : int, RandomState instance or None, default=None
        Seed of the clip position (with ``duration``), of the noise and of the classifier.
    memory : str, joblib.Memory or None, default=None
        Cache of the fitted transformer steps (see :class:`~sklearn.pipeline.Pipeline`).
    n_jobs : int or None, default=None
        Parallel jobs for decoding and embedding.
    **classifier_params : dict
        Parameters of the classifier (a
        :class:`~sklearn.linear_model.LogisticRegression`) overriding the preset's (e.g.
        ``C=0.1``).

    Returns
    -------
    pipeline : Pipeline
        Steps ``load, clip, noise, embed, scale, classifier``. ``noise`` is a
        ``PixelDropoutNoise(rate=0.0)``, the feature pipeline's noise (STFT bins of each
        clip or whole track set to 0), an identity until its rate is set, as for
        :func:`skgenre.evaluation.noise_robustness`.

    Examples
    --------
    >>> from skgenre import make_embedding_pipeline
    >>> pipe = make_embedding_pipeline(random_state=0)
    >>> list(pipe.named_steps)
    ['load', 'clip', 'noise', 'embed', 'scale', 'classifier']
    >>> pipe.named_steps["embed"].layer
    'penultimate'
    >>> pipe = make_embedding_pipeline(calibrate="sigmoid")
    >>> type(pipe.named_steps["classifier"]).__name__, pipe.get_params()["classifier__estimator__C"]
    ('CalibratedClassifierCV', 0.01)
    """
    from .embeddings import MusicnnEmbedding
    from .io import AudioLoader
    from .preprocessing import PixelDropoutNoise

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
        # lazy: the embedding (or clip) step decodes a chunk of files at a time
        ("load", AudioLoader(sr=sr, n_jobs=n_jobs, lazy=True)),
        ("clip", clip),
        # at rate 0 an identity that leaves lazy files undecoded
        ("noise", PixelDropoutNoise(random_state=random_state)),
        ("embed", MusicnnEmbedding(**p["embed"], sr=sr, n_jobs=n_jobs)),
        ("scale", StandardScaler()),
        ("classifier", _calibrated(
            _embedding_classifier(kind, {**params, **classifier_params}, random_state),
            calibrate, calibration_cv,
        )),
    ]
    return Pipeline(steps, memory=memory)


def make_zero_shot_pipeline(
    genres="gtzan", *, calibrate=False, sr=22050, memory=None, n_jobs=None, **classifier_params
):
    """Pipeline: audio files -> whole-track musicnn tags -> genre, with no training data.

    Each track is tagged by both pretrained musicnn networks (the mean over its 3-s patches
    of the MSD and of the MTT taggram, 100 tag probabilities), and a
    :class:`~skgenre.ZeroShotGenreClassifier` names its genre from the tags mapped to each
    genre. Needs the pretrained weights (``pip install --no-deps musicnn==0.1.0``).

    Parameters
    ----------
    genres : {"gtzan", "emotify"} or dict, default="gtzan"
        The classifier's ``mapping``: a built-in genre -> tags mapping or your own
        (``{"rock": ["MSD:rock", "MTT:rock"], ...}``, tags of
        ``skgenre.models.MUSICNN_TAG_COLUMNS``).
    calibrate : bool, default=False
        False: ``fit`` learns nothing (it records the genres of ``y``, or all the
        mapping's genres when fitted without ``y``). True: ``fit(files, y)`` calibrates
        the mapping on labelled tracks.
    sr : int, default=22050
        Sample rate the audio is decoded at; the networks resample it to 16 kHz.
    memory : str, joblib.Memory or None, default=None
        Cache of the fitted transformer steps (see :class:`~sklearn.pipeline.Pipeline`).
    n_jobs : int or None, default=None
        Parallel jobs for decoding and tagging.
    **classifier_params : dict
        Other parameters of the classifier (e.g. ``C=0.1``).

    Returns
    -------
    pipeline : Pipeline
        Steps ``load`` (a lazy :class:`~skgenre.AudioLoader`), ``tags`` (a
        :class:`~sklearn.pipeline.FeatureUnion` of two
        :class:`~skgenre.MusicnnEmbedding` with ``layer="taggram"``, named ``MSD`` and
        ``MTT``; each decodes the files itself, a chunk at a time) and ``classifier``.

    Notes
    -----
    A scikit-learn estimator predicts only once fitted. Uncalibrated, fitting learns
    nothing, so fit on a few tracks of the genres you want (``pipe.fit(files, genres)``
    restricts the answers to those genres) or on any track without labels
    (``pipe.fit(files[:1])``: all the mapping's genres).

    Examples
    --------
    >>> from skgenre import make_zero_shot_pipeline
    >>> pipe = make_zero_shot_pipeline("emotify")
    >>> list(pipe.named_steps), [name for name, _ in pipe.named_steps["tags"].transformer_list]
    (['load', 'tags', 'classifier'], ['MSD', 'MTT'])
    >>> pipe.named_steps["classifier"].mapping
    'emotify'
    """
    from sklearn.pipeline import FeatureUnion

    from .embeddings import MusicnnEmbedding
    from .io import AudioLoader
    from .models import ZeroShotGenreClassifier

    def tagger(model):
        return MusicnnEmbedding(model=model, layer="taggram", stats="mean", sr=sr, n_jobs=n_jobs)

    steps = [
        # lazy: each network decodes a chunk of files at a time, never all whole songs
        ("load", AudioLoader(sr=sr, n_jobs=n_jobs, lazy=True)),
        # MUSICNN_TAG_COLUMNS' order: MSD's 50 tags, then MTT's
        ("tags", FeatureUnion([("MSD", tagger("MSD_musicnn")), ("MTT", tagger("MTT_musicnn"))])),
        ("classifier", ZeroShotGenreClassifier(genres, calibrate=calibrate, **classifier_params)),
    ]
    return Pipeline(steps, memory=memory)


def make_combined_pipeline(
    genres="all", *, prior_weight=0.5, sr=22050, memory=None, n_jobs=None, **classifier_params
):
    """Pipeline: audio files -> pretrained tags and embedding -> trained genre with a tag prior.

    Few labelled tracks, more knowledge: a logistic regression is trained on the
    pretrained musicnn embedding (as in :func:`make_embedding_pipeline`), and its
    probabilities are multiplied by the zero-shot genre probabilities of the pretrained
    tags (as in :func:`make_zero_shot_pipeline`) raised to ``prior_weight``, by a
    :class:`~skgenre.TagPriorClassifier`. A genre that the mapping lacks is learnt from
    the embedding alone. Needs the pretrained weights (``pip install --no-deps
    musicnn==0.1.0``).

    Parameters
    ----------
    genres : {"all", "gtzan", "emotify"} or dict, default="all"
        The genre -> tags mapping of the zero-shot prior (see
        :class:`~skgenre.TagPriorClassifier`): only the training genres count, so the
        default covers GTZAN's ten genres and electronic, whichever of them are trained.
    prior_weight : float, default=0.5
        Weight of the zero-shot prior (0: the embedding pipeline's head alone). 0.5 was
        chosen by 5-fold cross-validation grouped by artist on GTZAN mini and Emotify
        together (``benchmarks/README.md``).
    sr : int, default=22050
        Sample rate the audio is decoded at; the networks resample it to 16 kHz.
    memory : str, joblib.Memory or None, default=None
        Cache of the fitted transformer steps (see :class:`~sklearn.pipeline.Pipeline`).
    n_jobs : int or None, default=None
        Parallel jobs for decoding and the networks.
    **classifier_params : dict
        Other parameters of the :class:`~skgenre.TagPriorClassifier` (e.g. ``estimator=``).

    Returns
    -------
    pipeline : Pipeline
        Steps ``load`` (a lazy :class:`~skgenre.AudioLoader`), ``features`` (a
        :class:`~sklearn.pipeline.FeatureUnion` of ``MTT``, the MTT network's 50 tags, and
        ``MSD``, the MSD network's 50 tags and 200 penultimate units from one run; each the
        mean over the track's 3-s patches) and ``classifier``.

    Examples
    --------
    >>> from skgenre import make_combined_pipeline
    >>> pipe = make_combined_pipeline("emotify")
    >>> list(pipe.named_steps)
    ['load', 'features', 'classifier']
    >>> pipe.named_steps["features"].transformer_list[1][1].layer
    ('taggram', 'penultimate')
    """
    from sklearn.pipeline import FeatureUnion

    from .embeddings import MusicnnEmbedding
    from .embeddings._tags import MSD_TAGS, MTT_TAGS
    from .io import AudioLoader
    from .models import TagPriorClassifier

    def net(model, layer):
        return MusicnnEmbedding(model=model, layer=layer, stats="mean", sr=sr, n_jobs=n_jobs)

    # The tag columns lead (the classifier's tags=); MSD's run also gives the embedding.
    tags = [f"MTT:{t}" for t in MTT_TAGS] + [f"MSD:{t}" for t in MSD_TAGS]
    steps = [
        ("load", AudioLoader(sr=sr, n_jobs=n_jobs, lazy=True)),
        ("features", FeatureUnion([("MTT", net("MTT_musicnn", "taggram")),
                                   ("MSD", net("MSD_musicnn", ("taggram", "penultimate")))])),
        ("classifier", TagPriorClassifier(mapping=genres, tags=tags, prior_weight=prior_weight,
                                          **classifier_params)),
    ]
    return Pipeline(steps, memory=memory)


#: The model kinds: name -> factory (the names and their order: ``skgenre._kinds``). The one
#: list that the command line (``--model``), ``skgenre reproduce`` and the benchmarks read.
MODEL_KINDS = {kind: globals()[factory] for kind, factory in MODEL_KIND_FACTORIES.items()}
