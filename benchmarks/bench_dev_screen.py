"""Screen single-network settings on the development split (issue 6).

Each setting changes one thing in the ``"tuned"`` feature preset. The network sits behind
``log1p`` of the ``*_var`` columns and a StandardScaler, as in the log-variance ensemble of
``bench_feature_table.py``. It is fitted on the 443 train tracks of the artist-filtered split
and scored on its 197 valid tracks (``--protocol filtered-dev`` there), once per seed.
Nothing here touches the k-fold test folds or the filtered test tracks. The best mean chose
the dropout of ``--models ensemble-logvar-drop5`` in ``bench_feature_table.py``.

Run (about 5 minutes on 2 CPU cores)::

    python benchmarks/bench_dev_screen.py
    python benchmarks/bench_dev_screen.py --settings preset,dropout0.5 --seeds 3
"""

import argparse
from pathlib import Path

import _common
import numpy as np
import pandas as pd
from _common import DEFAULT_CSV, log_var_columns
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

SETTINGS = {
    "preset": {},
    "dropout0.5": {"model__dropout": 0.5},
    "dropout0.6": {"model__dropout": 0.6},
    "dropout0.5-input0.2": {"model__dropout": 0.5, "model__input_dropout": 0.2},
    "dropout0.6-input0.2": {"model__dropout": 0.6, "model__input_dropout": 0.2},
    "input0.2": {"model__input_dropout": 0.2},
    "batch64": {"batch_size": 64},
    "hidden1024-512": {"model__hidden_layer_sizes": (1024, 512)},
    "l2-1e-2": {"model__l2": 0.01},
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    parser.add_argument("--settings", default=",".join(SETTINGS),
                        help="comma-separated subset of " + ",".join(SETTINGS))
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0 .. N-1 per setting")
    parser.add_argument("--threads", type=int, default=2, help="TensorFlow threads")
    args = parser.parse_args(argv)
    wanted = args.settings.split(",")
    unknown = sorted(set(wanted) - set(SETTINGS))
    if unknown:
        parser.error(f"unknown --settings {unknown}; choose from {list(SETTINGS)}")
    if args.seeds < 1:
        parser.error(f"--seeds must be >= 1, got {args.seeds}")
    if not args.csv.is_file():
        parser.error(f"--csv: no such file: {args.csv}")
    _common.limit_tf_threads(args.threads)

    from skgenre import GenreClassifier
    from skgenre.models import get_preset

    table = pd.read_csv(args.csv)
    columns = [c for c in table.columns if c not in ("filename", "label", "length")]
    X = table[columns].to_numpy(dtype=np.float32)
    y = table["label"].to_numpy()
    [(train, test)], where = _common.feature_table_split("filtered-dev", table)
    preset = get_preset("tuned", "feature")["classifier"]

    rows = []
    for name in wanted:
        accs = []
        for seed in range(args.seeds):
            net = GenreClassifier(random_state=seed, **{**preset, **SETTINGS[name]})
            model = make_pipeline(log_var_columns(columns), StandardScaler(), net)
            accs.append(model.fit(X[train], y[train]).score(X[test], y[test]))
        rows.append((name, accs))
        print(f"{name:22s} " + " ".join(f"{a:.3f}" for a in accs), flush=True)

    print()
    print(f"{where}, {args.csv}; log1p(var) + StandardScaler + one tuned network")
    print()
    seeds = " | ".join(f"seed {s}" for s in range(args.seeds))
    print(f"| setting | {seeds} | mean |")
    print("| --- |" + " --- |" * (args.seeds + 1))
    for name, accs in rows:
        cells = " | ".join(f"{a:.3f}" for a in accs)
        print(f"| {name} | {cells} | {np.mean(accs):.3f} |")


if __name__ == "__main__":
    main()
