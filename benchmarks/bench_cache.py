"""Grid search over classifier settings with and without a ``Pipeline(memory=...)`` cache.

Usage::

    python benchmarks/bench_cache.py [--n-per-class 20] [--epochs 3]

A spectrogram-dense pipeline (load, clip, melspec, noise, rowmean, scale, classifier) is
searched over 4 classifier settings with 3-fold CV. Without a cache every candidate and fold
recomputes the mel spectrograms; with ``memory=joblib.Memory(...)`` they are computed once
per fold (plus once for the refit) and reused. Prints wall times and the speedup, and checks
that both searches pick the same parameters with the same scores.
"""

import argparse
import os
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import joblib  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.model_selection import GridSearchCV, StratifiedKFold  # noqa: E402

from skgenre import make_spectrogram_dense_pipeline  # noqa: E402
from skgenre.datasets import load_gtzan, make_toy_genres  # noqa: E402


def run(files, y, memory, epochs):
    pipe = make_spectrogram_dense_pipeline("paper", random_state=0, memory=memory, epochs=epochs)
    grid = {
        "classifier__model__hidden_layer_sizes": [(128, 64), (64, 32)],
        "classifier__learning_rate": [1e-3, 3e-3],
    }
    search = GridSearchCV(pipe, grid, cv=StratifiedKFold(3, shuffle=True, random_state=0))
    start = time.perf_counter()
    search.fit(files, y)
    return time.perf_counter() - start, search


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-per-class", type=int, default=20)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        make_toy_genres(
            n_per_class=args.n_per_class, n_classes=4, duration=30.0, random_state=0, path=tmp
        )
        data = load_gtzan(tmp)
        plain_s, plain = run(data.filenames, data.target, None, args.epochs)
        cached_s, cached = run(
            data.filenames, data.target, joblib.Memory(os.path.join(tmp, "cache"), verbose=0),
            args.epochs,
        )
    same = plain.best_params_ == cached.best_params_ and np.allclose(
        plain.cv_results_["mean_test_score"], cached.cv_results_["mean_test_score"]
    )
    n = len(data.target)
    print(f"{n} songs of 30 s, 4 candidates x 3 folds + refit")
    print(f"| search | wall s |\n| --- | ---: |\n| no cache | {plain_s:.1f} |\n| memory cache | {cached_s:.1f} |")
    print(f"speedup {plain_s / cached_s:.2f}x; same best params and scores: {same}")


if __name__ == "__main__":
    main()
