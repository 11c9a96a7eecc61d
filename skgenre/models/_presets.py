"""Named training presets for :class:`~skgenre.GenreClassifier` and the pipeline factories.

A preset fixes, per model kind, the network, the optimizer and training schedule, the
pipeline's scaler and (for the feature model) its feature extractor, and the clips that
track-level pipelines (``track=True``) train on. Two presets exist.

``"paper"`` reproduces Minhas, Chie & Lee exactly: adam (learning rate 1e-3), 10 epochs,
batch 128, no regularization, the paper's 26 features, min-max-then-normalize scaling of the
dense models' inputs, dB spectrograms fed unscaled to the CNN. The networks are
undertrained by design; this is the baseline to beat.

``"tuned"`` was chosen on real music: the 100 GTZAN tracks of the ``mini`` set, by inner
4-fold cross-validation by track on the 80 training tracks of the benchmark's first outer
fold (repeat 0, fold 0), never on its 20 test tracks. The screen's numbers, and the
exploratory scripts' protocol, are in ``benchmarks/README.md`` (section "Real music");
``benchmarks/bench_real.py --screen track`` reruns the main comparisons through the public
pipelines. Screened again by artist on GTZAN mini and Emotify together (``bench_real.py
--screen``, 5 folds by artist on each collection), no one-change alternative (fewer epochs,
a smaller network, more input dropout, a stronger L2, the paper's 26 features) beat a
tuned preset on both collections, so all are kept. What the first screen showed:

* skgenre 0.1.0's tuned CNN predicted with batch-normalization moving averages (on the
  raw dB input and after every convolution) and sat at chance on real audio, its own
  training tracks included (0.15). With 80 tracks an epoch is a handful of optimizer
  steps, so the moving statistics were still near their initial values when early stopping
  restored an early epoch (input moving mean -11 dB against a data mean of -41 dB), and
  every input was shifted at prediction time. The dense presets had the same mechanism.
  The tuned networks now have no batch normalization; spectrograms are standardized per
  mel band by a fitted pipeline step
  (:class:`~skgenre.preprocessing.SpectrogramStandardizer`), feature vectors by a
  :class:`~sklearn.preprocessing.StandardScaler`.
* Early stopping on a random 10 % of the training *clips* puts clips of the same tracks on
  both sides, so its validation loss is optimistic about new tracks. The tuned presets
  train a fixed number of epochs, chosen in the screen, regularized by dropout and L2
  weight decay.
* A CNN that convolves along time with all mel bands as channels (``layout="temporal"``,
  a tenth of the multiply-adds of the 2-D network of the same filters) reached 0.78 in
  the screen at 40 epochs.
* For the feature model the richer :class:`~skgenre.FeatureExtractor` (131 statistics of
  frame features) beat the paper's 26 features: 0.84 against 0.76 for the same network.

Both presets set ``precision="auto"`` for the CNN: on CPUs with native bfloat16 arithmetic
(AVX512-BF16 or AMX) the convolutions run in Keras mixed bfloat16 precision (float32 weights
and softmax); elsewhere they run in float32. Pass ``precision="float32"`` to a pipeline
factory for float32 everywhere.

=============  ==========================  ==================================================
kind           ``"paper"``                 ``"tuned"``
=============  ==========================  ==================================================
``feature``    26 features, min-max then   FeatureExtractor (131), standard scaling,
               L2-normalize, Dense 64-32,  Dense 512-256, dropout 0.5, input dropout 0.2,
               adam 1e-3, 10 epochs,       L2 1e-3, adam 1e-3, batch 32, 100 epochs
               batch 128
``spec-dense`` row means, min-max then     row means, standard scaling, otherwise as
               L2-normalize, Dense 128-64, ``feature``
               10 epochs, batch 128
``cnn``        Conv2D 64-32 (kernel 3),    per-band standardization, temporal Conv1D
               Flatten, 10 epochs, batch   64-128-128 (kernel 3) with 2x max pooling,
               128, no scaling             global average + max pooling, dropout 0.5,
                                           L2 1e-4, adam 1e-3, batch 32, 40 epochs
=============  ==========================  ==================================================

Track-level pipelines (``track=True``) train the tuned networks on 10 clips per track at
random offsets (new offsets at every fit), the paper preset on as many clips as the track
holds (6 for a 30-s GTZAN track and 5-s clips).
"""

import copy
import numbers

__all__ = ["KINDS", "PRESETS", "SCALERS", "get_preset", "make_ensemble"]

#: Scaler names a preset may choose (``None``: no scaling step).
SCALERS = ("minmax-normalize", "spectrogram-standardize", "standard")

_PAPER_TRAINING = {
    "optimizer": "adam",
    "learning_rate": 1e-3,
    "epochs": 10,
    "batch_size": 128,
    "early_stopping": False,
}

_TUNED_DENSE = {
    "model__hidden_layer_sizes": (512, 256),
    "model__dropout": 0.5,
    "model__input_dropout": 0.2,
    "model__l2": 1e-3,
    "optimizer": "adam",
    "learning_rate": 1e-3,
    "epochs": 100,
    "batch_size": 32,
    "early_stopping": False,
}

_PAPER_TRACK = {"n_clips": None, "train_clips": "random"}
_TUNED_TRACK = {"n_clips": 10, "train_clips": "random"}

PRESETS = {
    "paper": {
        "feature": {
            "classifier": {
                "model": "feature_dense",
                "model__hidden_layer_sizes": (64, 32),
                **_PAPER_TRAINING,
            },
            "features": "paper26",
            "scaler": "minmax-normalize",
            "track": _PAPER_TRACK,
        },
        "spec-dense": {
            "classifier": {
                "model": "spec_dense",
                "model__hidden_layer_sizes": (128, 64),
                **_PAPER_TRAINING,
            },
            "scaler": "minmax-normalize",
            "track": _PAPER_TRACK,
        },
        "cnn": {
            "classifier": {
                "model": "cnn",
                "model__filters": (64, 32),
                "model__kernel_size": 3,
                **_PAPER_TRAINING,
                # Same network and schedule; bfloat16 arithmetic only on CPUs that have it.
                "precision": "auto",
            },
            "scaler": None,
            "track": _PAPER_TRACK,
        },
    },
    "tuned": {
        "feature": {
            "classifier": {"model": "feature_dense", **_TUNED_DENSE},
            "features": "extended",
            "scaler": "standard",
            "track": _TUNED_TRACK,
        },
        "spec-dense": {
            "classifier": {"model": "spec_dense", **_TUNED_DENSE},
            "scaler": "standard",
            "track": _TUNED_TRACK,
        },
        "cnn": {
            "classifier": {
                "model": "cnn",
                "model__layout": "temporal",
                "model__filters": (64, 128, 128),
                "model__kernel_size": 3,
                "model__pool_size": 2,
                "model__global_pooling": "avgmax",
                "model__dropout": 0.5,
                "model__l2": 1e-4,
                "optimizer": "adam",
                "learning_rate": 1e-3,
                "epochs": 40,
                "batch_size": 32,
                "early_stopping": False,
                "precision": "auto",
            },
            "scaler": "spectrogram-standardize",
            "track": _TUNED_TRACK,
        },
    },
}

#: Model kinds with presets (the keys of every preset).
KINDS = tuple(sorted(PRESETS["paper"]))


def get_preset(name, kind):
    """Return the classifier parameters and the scaler of a named preset.

    Parameters
    ----------
    name : {"paper", "tuned"}
        Preset name (see the table in :mod:`skgenre.models._presets`).
    kind : {"feature", "spec-dense", "cnn"}
        Model kind, one per pipeline factory.

    Returns
    -------
    preset : dict
        A fresh copy that the caller may modify, with keys ``"classifier"`` (dict of
        :class:`~skgenre.GenreClassifier` parameters), ``"scaler"`` (``"minmax-normalize"``:
        :class:`~skgenre.MinMaxThenNormalize`, ``"standard"``:
        :class:`~sklearn.preprocessing.StandardScaler`, ``"spectrogram-standardize"``:
        :class:`~skgenre.preprocessing.SpectrogramStandardizer`, or ``None``), ``"track"``
        (dict of :class:`~skgenre.TrackClassifier` parameters for ``track=True``
        pipelines) and, for the feature kind, ``"features"`` (``"paper26"``:
        :class:`~skgenre.FeatureExtractor26`, ``"extended"``:
        :class:`~skgenre.FeatureExtractor`).

    Raises
    ------
    ValueError
        If ``name`` or ``kind`` is unknown; the message lists the valid ones.

    Examples
    --------
    >>> from skgenre.models import get_preset
    >>> p = get_preset("paper", "feature")
    >>> p["classifier"]["epochs"], p["classifier"]["batch_size"], p["scaler"]
    (10, 128, 'minmax-normalize')
    >>> get_preset("tuned", "cnn")["classifier"]["model"]
    'cnn'
    """
    if not isinstance(name, str) or name not in PRESETS:
        raise ValueError(f"Unknown preset {name!r}; valid presets are {sorted(PRESETS)}.")
    if not isinstance(kind, str) or kind not in PRESETS[name]:
        raise ValueError(f"Unknown model kind {kind!r}; valid kinds are {sorted(KINDS)}.")
    return copy.deepcopy(PRESETS[name][kind])


def make_ensemble(
    preset="tuned", kind="feature", *, n_networks=5, svc_C=10.0, svc_weight=1.0,
    combine="vote", random_state=None, **classifier_params,
):
    """Ensemble of preset networks with different seeds plus an RBF SVC (vote or stack).

    skgenre's strongest classifier on tabular features: averaging the class probabilities of
    several independently initialized networks removes much of their seed-to-seed variance,
    and an RBF support vector machine (probabilities from a sigmoid calibration) adds a
    model whose errors differ from the networks'. It is a plain scikit-learn
    :class:`~sklearn.ensemble.VotingClassifier`, so it clones, pickles and grid-searches
    like any estimator; put it behind a scaler (the ``scale`` step of a pipeline, e.g.
    ``make_feature_pipeline().set_params(classifier=make_ensemble())``).

    Parameters
    ----------
    preset : {"paper", "tuned"}, default="tuned"
        Preset of every network (see :func:`get_preset`).
    kind : {"feature", "spec-dense", "cnn"}, default="feature"
        Model kind of the networks. CNNs take 3-D spectrograms, which the SVC and the
        stacking regression cannot: with ``"cnn"`` pass ``svc_C=None`` and keep
        ``combine="vote"`` (other settings are refused before anything is trained).
    n_networks : int, default=5
        Number of networks (members ``net0``, ``net1``, ...).
    svc_C : float or None, default=10.0
        ``C`` of the RBF SVC member ``svc``; ``None`` leaves the SVC out.
    svc_weight : float, default=1.0
        Voting weight of the SVC; each network has weight 1. (On the GTZAN feature table,
        giving the SVC the weight of all networks together scored lower; see
        ``benchmarks/README.md``.)
    combine : {"vote", "stack"}, default="vote"
        How the members are combined. ``"vote"``: soft vote (weights 1 per network,
        ``svc_weight`` for the SVC). ``"stack"``: a
        :class:`~sklearn.ensemble.StackingClassifier` whose final logistic regression
        learns the combination from out-of-fold probabilities (inner stratified 3-fold
        cross-validation on the training data only) of three members: the soft vote of
        the networks, the RBF SVC (sigmoid-calibrated as in the vote) and a multinomial
        logistic regression. Stacking fits every member four times (three inner folds and the full
        data), so it costs about four times the vote; ``svc_weight`` is ignored.
    random_state : int, RandomState instance or None, default=None
        Seeds of the members: network ``i`` gets ``random_state + i`` for an int; the
        inner folds of ``"stack"`` are shuffled with ``random_state`` too.
    **classifier_params : dict
        :class:`~skgenre.GenreClassifier` parameters overriding the preset's.

    Returns
    -------
    ensemble : VotingClassifier or StackingClassifier
        ``voting="soft"`` ensemble for ``combine="vote"``, a stacking ensemble for
        ``combine="stack"``.

    Examples
    --------
    >>> from skgenre.models import make_ensemble
    >>> ens = make_ensemble(n_networks=3, random_state=0)
    >>> [name for name, _ in ens.estimators]
    ['net0', 'net1', 'net2', 'svc']
    >>> ens.estimators[1][1].random_state
    1
    >>> ens.weights
    [1.0, 1.0, 1.0, 1.0]
    >>> [name for name, _ in make_ensemble(n_networks=3, combine="stack").estimators]
    ['nets', 'svc', 'lr']
    """
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.ensemble import StackingClassifier, VotingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold
    from sklearn.svm import SVC
    from sklearn.utils import check_random_state

    from ..utils import check_seed
    from ._classifier import GenreClassifier

    if not (isinstance(n_networks, numbers.Integral) and n_networks >= 1):
        raise ValueError(f"n_networks must be an int >= 1, got {n_networks!r}.")
    if svc_C is not None and not (isinstance(svc_C, numbers.Real) and svc_C > 0):
        raise ValueError(f"svc_C must be a positive float or None, got {svc_C!r}.")
    if combine not in ("vote", "stack"):
        raise ValueError(f"combine must be 'vote' or 'stack', got {combine!r}.")
    if kind == "cnn" and (svc_C is not None or combine == "stack"):
        raise ValueError(
            "kind='cnn' networks take 3-D spectrograms (n, n_mels, n_frames), which the SVC "
            "and logistic-regression members cannot: pass svc_C=None with combine='vote'."
        )
    params = {**get_preset(preset, kind)["classifier"], **classifier_params}
    if random_state is None:
        seeds = [None] * n_networks
    elif isinstance(random_state, numbers.Integral):
        seeds = [int(random_state) + i for i in range(n_networks)]
    else:
        rng = check_random_state(random_state)
        seeds = [check_seed(rng) for _ in range(n_networks)]
    members = [
        (f"net{i}", GenreClassifier(random_state=seed, **params)) for i, seed in enumerate(seeds)
    ]
    if combine == "stack":
        inner_seed = check_seed(random_state)
        stacked = [("nets", VotingClassifier(members, voting="soft"))]
        if svc_C is not None:
            stacked.append(("svc", CalibratedClassifierCV(SVC(C=svc_C), ensemble=False)))
        stacked.append(("lr", LogisticRegression(max_iter=3000)))
        return StackingClassifier(
            stacked,
            final_estimator=LogisticRegression(max_iter=3000),
            cv=StratifiedKFold(3, shuffle=True, random_state=inner_seed),
            stack_method="predict_proba",
        )
    weights = None
    if svc_C is not None:
        if not (isinstance(svc_weight, numbers.Real) and svc_weight > 0):
            raise ValueError(f"svc_weight must be a positive float, got {svc_weight!r}.")
        members.append(("svc", CalibratedClassifierCV(SVC(C=svc_C), ensemble=False)))
        weights = [1.0] * n_networks + [float(svc_weight)]
    return VotingClassifier(members, voting="soft", weights=weights)
