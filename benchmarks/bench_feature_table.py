"""GenreClassifier on the GTZAN feature table versus an RBF SVC (issues 3 and 6).

Data: the Kaggle GTZAN feature table ``features_30_sec.csv`` (1000 tracks, 10 genres), two
column sets:

* ``paper24``: the 24 columns matching the paper's features (tempo, zero-crossing rate,
  spectral centroid, chroma, MFCC 1-20 means);
* ``all57``: every numeric column except ``length``.

Protocol: 5-fold stratified cross-validation (shuffled, seeded), the same folds for every
model. Models:

* ``SVC``: StandardScaler + SVC(rbf), C tuned by an inner 3-fold grid search;
* ``paper`` preset: the paper's dense net and schedule (10 epochs, batch 128, min-max then
  normalize);
* ``tuned`` preset: skgenre's default training (``get_preset("tuned", "feature")``);
* ``ensemble``: :func:`skgenre.models.make_ensemble`, skgenre's best classifier for
  feature tables (issue 6): a soft vote of five ``tuned`` networks with different seeds
  and an RBF SVC (C=10, sigmoid-calibrated probabilities), behind a StandardScaler;
* ``stack``: ``make_ensemble(combine="stack", n_networks=3)``: a StackingClassifier whose
  final logistic regression combines the out-of-fold probabilities (inner stratified 3-fold
  CV on the outer training fold only) of a soft vote of three ``tuned`` networks, the
  calibrated RBF SVC and a logistic regression, behind a StandardScaler.

Run (about 15-25 minutes on 2 busy CPU cores)::

    python benchmarks/bench_feature_table.py --csv /work/shared/data/gtzan/features_30_sec.csv

``--models svc,stack`` adds the stacking ensemble (not in the default list: about 15 more
minutes, and it scored below the vote; see ``benchmarks/README_models.md``).

It prints a markdown table of mean and std accuracy and the mean fit time per fold.
"""

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# Run from a checkout without installing skgenre.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import pandas as pd
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

PAPER24 = (
    ["tempo", "zero_crossing_rate_mean", "spectral_centroid_mean", "chroma_stft_mean"]
    + [f"mfcc{i}_mean" for i in range(1, 21)]
)


def _limit_threads(n):
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(n)
        tf.config.threading.set_inter_op_parallelism_threads(n)
    except RuntimeError:
        pass  # TF already initialized in this process


def _scaler(name):
    from skgenre import MinMaxThenNormalize

    return MinMaxThenNormalize() if name == "minmax-normalize" else StandardScaler()


def make_preset_model(preset, random_state=0, **overrides):
    from skgenre import GenreClassifier
    from skgenre.models import get_preset

    p = get_preset(preset, "feature")
    params = {**p["classifier"], **overrides}
    clf = GenreClassifier(random_state=random_state, **params)
    return make_pipeline(_scaler(p["scaler"]), clf)


def make_best(random_state=0):
    from skgenre.models import make_ensemble

    ensemble = make_ensemble("tuned", "feature", random_state=random_state)
    return make_pipeline(StandardScaler(), ensemble)


def make_stack(random_state=0):
    from skgenre.models import make_ensemble

    # Three networks, not five: stacking fits every member four times (3 inner folds + refit).
    ensemble = make_ensemble(
        "tuned", "feature", n_networks=3, combine="stack", random_state=random_state
    )
    return make_pipeline(StandardScaler(), ensemble)


def make_svc():
    return GridSearchCV(
        make_pipeline(StandardScaler(), SVC()),
        {"svc__C": [1, 3, 10, 30]},
        cv=StratifiedKFold(3, shuffle=True, random_state=0),
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", default="/work/shared/data/gtzan/features_30_sec.csv")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2, help="TensorFlow threads")
    parser.add_argument(
        "--models",
        default="svc,paper,tuned,ensemble",
        help="comma-separated subset of svc,paper,tuned,ensemble,stack",
    )
    args = parser.parse_args(argv)
    _limit_threads(args.threads)

    table = pd.read_csv(args.csv)
    y = table["label"].to_numpy()
    all57 = [c for c in table.columns if c not in ("filename", "label", "length")]
    columns = {"paper24": PAPER24, "all57": all57}
    cv = StratifiedKFold(args.folds, shuffle=True, random_state=args.seed)
    wanted = args.models.split(",")
    runs = []
    for colset, cols in columns.items():
        X = table[cols].to_numpy(dtype=np.float32)
        if "svc" in wanted:
            runs.append(("SVC (rbf, C tuned)", colset, make_svc(), X))
        if "paper" in wanted:
            runs.append(('GenreClassifier "paper"', colset, make_preset_model("paper"), X))
        if "tuned" in wanted:
            runs.append(('GenreClassifier "tuned"', colset, make_preset_model("tuned"), X))
        if "ensemble" in wanted and colset == "all57":
            runs.append(("make_ensemble (5 tuned nets + SVC)", colset, make_best(), X))
        if "stack" in wanted and colset == "all57":
            runs.append(('make_ensemble(combine="stack")', colset, make_stack(), X))

    rows = []
    for name, colset, model, X in runs:
        t0 = time.perf_counter()
        res = cross_validate(model, X, y, cv=cv, n_jobs=1)
        wall = time.perf_counter() - t0
        acc = res["test_score"]
        rows.append((name, colset, X.shape[1], acc.mean(), acc.std(), res["fit_time"].mean()))
        print(
            f"{name:32s} {colset:8s} acc {acc.mean():.3f} +- {acc.std():.3f} "
            f"fit {res['fit_time'].mean():.1f}s/fold (wall {wall:.0f}s)",
            flush=True,
        )

    print()
    print(f"{args.folds}-fold stratified CV (seed {args.seed}), {len(y)} tracks, {args.csv}")
    print()
    print("| model | columns | accuracy (mean) | std | fit time / fold (s) |")
    print("| --- | --- | --- | --- | --- |")
    for name, colset, d, mean, std, fit in rows:
        print(f"| {name} | {colset} ({d}) | {mean:.3f} | {std:.3f} | {fit:.1f} |")


if __name__ == "__main__":
    main()
