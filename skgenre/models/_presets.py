"""Named training presets for :class:`~skgenre.GenreClassifier`.

A preset fixes, per model kind, the network, the optimizer and training schedule, and the
scaler of the pipeline. Two presets exist:

``"paper"`` reproduces Minhas, Chie & Lee exactly: adam (learning rate 1e-3), 10 epochs,
batch 128, no regularization, min-max-then-normalize scaling of the dense models' inputs.
The networks are undertrained by design; this is the baseline to beat.

Both CNN presets set ``precision="auto"``: on CPUs with native bfloat16 arithmetic
(AVX512-BF16 or AMX) the convolutions run in Keras mixed bfloat16 precision (float32 weights
and softmax), which trains the paper's CNN about 2.4x faster; elsewhere they run in float32.
Pass ``precision="float32"`` to a pipeline factory for float32 everywhere.

``"tuned"`` trains properly: early stopping on a stratified 10 % validation split (best
weights kept), standard scaling, batch normalization, dropout and L2 weight decay, and a
stronger CNN (pooling, batch normalization, global average pooling).

=============  ==========================  ==================================================
kind           ``"paper"``                 ``"tuned"``
=============  ==========================  ==================================================
``feature``    Dense 64-32, adam 1e-3,     Dense 512-256 + batch norm, dropout 0.4,
               10 epochs, batch 128,       input dropout 0.1, L2 1e-3, adam 1e-3, batch 32,
               min-max then L2-normalize   up to 400 epochs, early stopping (patience 40),
                                           standard scaling
``spec-dense`` Dense 128-64, adam 1e-3,    same as ``feature``
               10 epochs, batch 128,
               min-max then L2-normalize
``cnn``        Conv 64-32 (kernel 3),      input batch norm, Conv 16-32-64-128 (kernel 3)
               Flatten, adam 1e-3,         each with batch norm and 2x2 max pooling, global
               10 epochs, batch 128,       average pooling, dropout 0.3, L2 1e-4, adam 1e-3,
               no scaling                  batch 32, up to 60 epochs, early stopping
                                           (patience 10), no scaling
=============  ==========================  ==================================================
"""

import copy
import numbers

__all__ = ["KINDS", "PRESETS", "SCALERS", "get_preset", "make_ensemble"]

#: Scaler names a preset may choose (``None``: no scaling step).
SCALERS = ("minmax-normalize", "standard")

_PAPER_TRAINING = {
    "optimizer": "adam",
    "learning_rate": 1e-3,
    "epochs": 10,
    "batch_size": 128,
    "early_stopping": False,
}

_TUNED_DENSE = {
    "model__hidden_layer_sizes": (512, 256),
    "model__batch_norm": True,
    "model__dropout": 0.4,
    "model__input_dropout": 0.1,
    "model__l2": 1e-3,
    "optimizer": "adam",
    "learning_rate": 1e-3,
    "epochs": 400,
    "batch_size": 32,
    "early_stopping": True,
    "validation_fraction": 0.1,
    "n_iter_no_change": 40,
}

PRESETS = {
    "paper": {
        "feature": {
            "classifier": {
                "model": "feature_dense",
                "model__hidden_layer_sizes": (64, 32),
                **_PAPER_TRAINING,
            },
            "scaler": "minmax-normalize",
        },
        "spec-dense": {
            "classifier": {
                "model": "spec_dense",
                "model__hidden_layer_sizes": (128, 64),
                **_PAPER_TRAINING,
            },
            "scaler": "minmax-normalize",
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
        },
    },
    "tuned": {
        "feature": {
            "classifier": {"model": "feature_dense", **_TUNED_DENSE},
            "scaler": "standard",
        },
        "spec-dense": {
            "classifier": {"model": "spec_dense", **_TUNED_DENSE},
            "scaler": "standard",
        },
        "cnn": {
            "classifier": {
                "model": "cnn",
                "model__filters": (16, 32, 64, 128),
                "model__kernel_size": 3,
                "model__pool_size": 2,
                "model__batch_norm": True,
                "model__input_norm": True,
                "model__global_pooling": True,
                "model__dropout": 0.3,
                "model__l2": 1e-4,
                "optimizer": "adam",
                "learning_rate": 1e-3,
                "epochs": 60,
                "batch_size": 32,
                "early_stopping": True,
                "validation_fraction": 0.1,
                "n_iter_no_change": 10,
                "precision": "auto",
            },
            "scaler": None,
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
        ``{"classifier": dict of GenreClassifier parameters, "scaler": str or None}``,
        a fresh copy that the caller may modify. ``scaler`` is ``"minmax-normalize"``
        (:class:`~skgenre.MinMaxThenNormalize`), ``"standard"``
        (:class:`~sklearn.preprocessing.StandardScaler`) or ``None``.

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
        Model kind of the networks.
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
