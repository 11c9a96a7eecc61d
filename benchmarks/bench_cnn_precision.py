"""Training time of the paper's CNN per epoch: float32 vs Keras mixed bfloat16.

Usage::

    python benchmarks/bench_cnn_precision.py
    python benchmarks/bench_cnn_precision.py --precision float32 --images 800

Builds the paper's CNN (Conv 64-32, kernel 3, Flatten, softmax) on random 128x216 inputs,
trains one warm-up step, then times one epoch of ``--images`` images (default 256) at batch
128 for each precision and prints the time scaled to an 800-image epoch (the paper's
training set). Environment settings of TensorFlow (e.g. ``TF_CPU_ALLOCATOR_USE_BFC``) apply
as given, so the script also compares them, one process per setting.
"""

import argparse
import time

import _common  # noqa: F401  (checkout on sys.path, quiet TensorFlow)
import numpy as np

from skgenre.models import build_cnn
from skgenre.models._classifier import _dtype_policy


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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--precision", choices=["float32", "mixed_bfloat16", "both"],
                        default="both", help="Keras dtype policy to time (default: both)")
    parser.add_argument("--images", type=int, default=256,
                        help="images in the timed epoch (default 256; at least 128)")
    args = parser.parse_args(argv)
    if args.images < 128:
        parser.error("--images must be at least 128 (the warm-up step takes 128)")
    policies = ("float32", "mixed_bfloat16") if args.precision == "both" else (args.precision,)
    for policy in policies:
        print(f"{policy}: {epoch_seconds(policy, args.images):.1f} s per 800-image epoch")


if __name__ == "__main__":
    main()
