"""Training time of the paper's CNN per epoch: float32 vs Keras mixed bfloat16.

Usage::

    python benchmarks/bench_cnn_precision.py

Builds the paper's CNN (Conv 64-32, kernel 3, Flatten, softmax) on random 128x216 inputs,
trains one warm-up epoch, then times one epoch of 256 images at batch 128 for each
precision and prints the time scaled to an 800-image epoch (the paper's training set).
"""

import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

from skgenre.models import build_cnn  # noqa: E402
from skgenre.models._classifier import _dtype_policy  # noqa: E402


def epoch_seconds(policy, n=256):
    X = np.random.default_rng(0).standard_normal((n, 128, 216)).astype("float32")
    y = np.arange(n) % 10
    with _dtype_policy(policy):
        net = build_cnn(meta={"X_shape_": X.shape, "n_classes_": 10})
    net.compile("adam", "sparse_categorical_crossentropy")
    net.fit(X[:128], y[:128], batch_size=128, epochs=1, verbose=0)
    start = time.perf_counter()
    net.fit(X, y, batch_size=128, epochs=1, verbose=0)
    return (time.perf_counter() - start) / n * 800


if __name__ == "__main__":
    for policy in ("float32", "mixed_bfloat16"):
        print(f"{policy}: {epoch_seconds(policy):.1f} s per 800-image epoch")
