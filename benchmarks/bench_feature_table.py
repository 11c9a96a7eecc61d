"""GenreClassifier on the GTZAN feature table versus an RBF SVC (issues 3 and 6).

Data: the Kaggle GTZAN feature table ``features_30_sec.csv`` (1000 tracks, 10 genres), two
column sets:

* ``paper24``: the 24 columns matching the paper's features (tempo, zero-crossing rate,
  spectral centroid, chroma, MFCC 1-20 means);
* ``all57``: every numeric column except ``length``.

Protocols (``--protocol``), the same data for every model:

* ``kfold`` (default): 5-fold stratified cross-validation (shuffled, seeded; ``--repeats R``
  reruns it with R seeds and reports the mean over all folds and of each repeat);
* ``filtered``: the artist/fault-filtered split of Kereliuk & Sturm: fit on its train and
  valid tracks (640), test on its test tracks (290); no artist on both sides;
* ``filtered-dev``: fit on the filtered train tracks (443), test on the valid tracks (197):
  the development split on which designs are compared, so that no design choice is made on
  the k-fold test folds or the filtered test tracks.

Models:

* ``SVC``: StandardScaler + SVC(rbf), C tuned by an inner 3-fold grid search;
* ``paper`` preset: the paper's dense net and schedule (10 epochs, batch 128, min-max then
  normalize);
* ``tuned`` preset: skgenre's default training (``get_preset("tuned", "feature")``);
* ``ensemble``: :func:`skgenre.models.make_ensemble`, skgenre's best classifier for
  feature tables (issue 6): a soft vote of five ``tuned`` networks with different seeds
  and an RBF SVC (C=10, sigmoid-calibrated probabilities), behind a StandardScaler;
* ``ensemble-logvar``: the same ensemble behind ``log1p`` of the 28 ``*_var`` columns
  (variances span 2-4 orders of magnitude) and a StandardScaler: the design chosen on the
  development split (see ``--protocol filtered-dev``), then run once on the other protocols;
* ``ensemble-logvar-drop5``: the same with dropout 0.5 after each hidden layer of every
  network (the preset has 0.4): the single-network setting chosen on the development split
  (three seeds per setting), then run once on the k-fold protocol;
* ``stack``: ``make_ensemble(combine="stack", n_networks=3)``: a StackingClassifier whose
  final logistic regression combines the out-of-fold probabilities (inner stratified 3-fold
  CV on the outer training fold only) of a soft vote of three ``tuned`` networks, the
  calibrated RBF SVC and a logistic regression, behind a StandardScaler.

Run (about 15-25 minutes on 2 busy CPU cores)::

    python benchmarks/bench_feature_table.py --csv /work/shared/data/gtzan/features_30_sec.csv

``--models svc,stack`` adds the stacking ensemble (not in the default list: about 15 more
minutes, and it scored below the vote; see ``benchmarks/README.md``).

It prints a markdown table of mean and std accuracy and the mean fit time per fold.
"""

import argparse
import time
from pathlib import Path

import _common  # first: the checkout on sys.path, TensorFlow quiet
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


def make_best(columns=None, random_state=0, **classifier_params):
    """``make_ensemble`` behind a StandardScaler (after log1p of the variances of ``columns``)."""
    from skgenre.models import make_ensemble

    ensemble = make_ensemble("tuned", "feature", random_state=random_state, **classifier_params)
    steps = [] if columns is None else [_common.log_var_columns(columns)]
    return make_pipeline(*steps, StandardScaler(), ensemble)


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


MODELS = (
    "svc", "paper", "tuned", "ensemble", "ensemble-logvar", "ensemble-logvar-drop5", "stack"
)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--csv", type=Path, default=_common.DEFAULT_CSV,
        help="the GTZAN feature table (default: ../shared/data/gtzan/features_30_sec.csv "
        "beside the checkout)",
    )
    parser.add_argument(
        "--protocol", choices=["kfold", "filtered", "filtered-dev"], default="kfold",
        help="k-fold CV, the filtered split (train+valid -> test) or its dev part "
        "(train -> valid)",
    )
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0, help="seed of the k-fold shuffle")
    parser.add_argument(
        "--repeats", type=int, default=1,
        help="k-fold only: repeat the CV with seeds seed, seed+1, ...; the table gives the "
        "mean over all folds and each repeat's mean",
    )
    parser.add_argument("--threads", type=int, default=2, help="TensorFlow threads")
    parser.add_argument(
        "--models",
        default="svc,paper,tuned,ensemble",
        help="comma-separated subset of " + ",".join(MODELS),
    )
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error(f"--repeats must be >= 1, got {args.repeats}")
    if args.repeats > 1 and args.protocol != "kfold":
        parser.error(f"--repeats applies to --protocol kfold only, not {args.protocol}")
    if not args.csv.is_file():
        parser.error(f"--csv: no such file: {args.csv}")
    _common.limit_tf_threads(args.threads)

    table = pd.read_csv(args.csv)
    y = table["label"].to_numpy()
    all57 = [c for c in table.columns if c not in ("filename", "label", "length")]
    columns = {"paper24": PAPER24, "all57": all57}
    cv, where = _common.feature_table_split(
        args.protocol, table, folds=args.folds, seed=args.seed, repeats=args.repeats
    )
    wanted = args.models.split(",")
    unknown = set(wanted) - set(MODELS)
    if unknown:
        parser.error(f"unknown --models {sorted(unknown)}; choose from {MODELS}")
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
        if "ensemble-logvar" in wanted and colset == "all57":
            runs.append(
                ("log1p(var) + make_ensemble", colset, make_best(cols), X)
            )
        if "ensemble-logvar-drop5" in wanted and colset == "all57":
            model = make_best(cols, model__dropout=0.5)
            runs.append(("log1p(var) + make_ensemble(dropout 0.5)", colset, model, X))
        if "stack" in wanted and colset == "all57":
            runs.append(('make_ensemble(combine="stack")', colset, make_stack(), X))

    rows = []
    n_repeats = args.repeats if args.protocol == "kfold" else 1
    for name, colset, model, X in runs:
        t0 = time.perf_counter()
        res = cross_validate(model, X, y, cv=cv, n_jobs=1)
        wall = time.perf_counter() - t0
        acc = res["test_score"]
        per_repeat = acc.reshape(n_repeats, -1).mean(axis=1)
        rows.append(
            (name, colset, X.shape[1], acc.mean(), acc.std(), per_repeat,
             res["fit_time"].mean())
        )
        print(
            f"{name:32s} {colset:8s} acc {acc.mean():.3f} +- {acc.std():.3f} "
            f"fit {res['fit_time'].mean():.1f}s/fold (wall {wall:.0f}s)",
            flush=True,
        )

    print()
    print(f"{where}, {args.csv}")
    print()
    repeats_head = " | mean of each repeat" if n_repeats > 1 else ""
    print(f"| model | columns | accuracy (mean) | std{repeats_head} | fit time / fold (s) |")
    print("| --- | --- | --- | ---" + (" | ---" if n_repeats > 1 else "") + " | --- |")
    for name, colset, d, mean, std, per_repeat, fit in rows:
        repeats = (" | " + ", ".join(f"{a:.3f}" for a in per_repeat)) if n_repeats > 1 else ""
        spread = f"{std:.3f}" if len(cv) > 1 else "- (one split)"
        print(f"| {name} | {colset} ({d}) | {mean:.3f} | {spread}{repeats} | {fit:.1f} |")


if __name__ == "__main__":
    main()
