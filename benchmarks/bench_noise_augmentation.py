"""Noise robustness with and without training-time pixel dropout (``noise__fit_rate``).

Usage::

    python benchmarks/bench_noise_augmentation.py spec 60    # spectrogram-dense, 60 toy songs per genre
    python benchmarks/bench_noise_augmentation.py cnn 60

Prints test accuracy at 0/25/50/75 % noise for a pipeline trained clean and one trained
with ``noise__fit_rate=0.5`` (synthetic toy set, stratified 80/20 split, seed 0).
"""

import sys
import time

import _common  # noqa: F401  (this checkout's skgenre first on sys.path, TF quiet)

from skgenre import make_cnn_pipeline, make_spectrogram_dense_pipeline  # noqa: E402
from skgenre.datasets import make_toy_genres  # noqa: E402
from skgenre.evaluation import noise_robustness, paper_split  # noqa: E402


def main(kind="spec", n_per_class=60):
    toy = make_toy_genres(n_per_class=n_per_class, n_classes=10, duration=6.0, random_state=0)
    X, y = toy.data, toy.target
    train, test = paper_split(len(y), y, random_state=0)
    make = {"spec": make_spectrogram_dense_pipeline, "cnn": make_cnn_pipeline}[kind]
    for fit_rate in (None, 0.5):
        pipe = make("tuned", random_state=0)
        # The toy waveforms are already decoded: skip the loader.
        pipe.set_params(load="passthrough", noise__fit_rate=fit_rate)
        start = time.perf_counter()
        pipe.fit(X[train], y[train])
        fit_s = time.perf_counter() - start
        res = noise_robustness(pipe, X[test], y[test], random_state=0)
        print(
            f"{kind} fit_rate={fit_rate} fit {fit_s:.0f}s accuracy at 0/25/50/75 %:",
            res["mean_score"].round(3).tolist(),
            flush=True,
        )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "spec", int(sys.argv[2]) if len(sys.argv) > 2 else 60)
