"""Where one training step of the paper's CNN spends its time: each pass of each layer alone.

Usage::

    python benchmarks/bench_cnn_ops.py                # batch 128, 3 timed runs per pass
    python benchmarks/bench_cnn_ops.py --batch 8 --repeat 1

The paper's CNN (``build_cnn()`` defaults: Conv2D 64 and 32 filters of 3x3, no pooling, on
128x216 mel spectrograms) is trained at batch 128. This times, on random data of that
shape, the TensorFlow ops a training step runs for the two convolutions: forward, gradient
with respect to the input, gradient with respect to the filters, and the ReLU over the
first convolution's output. Each row gives the median time of ``--repeat`` runs after one
warm-up run, the multiply-add work of the op, and the rate it reaches (a bandwidth-bound
op shows a low rate). It explains the training time of ``bench_cnn_precision.py`` and of
``reproduce --preset paper`` (``benchmarks/README.md``).
"""

import argparse
import statistics
import time

import _common  # noqa: F401  (checkout on sys.path, quiet TensorFlow)

N_MELS, N_FRAMES, K = 128, 216, 3
F1, F2 = 64, 32


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=128, help="images per step (default 128)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per op (default 3)")
    args = parser.parse_args(argv)
    if args.batch < 1 or args.repeat < 1:
        parser.error("--batch and --repeat must be at least 1")

    import tensorflow as tf

    b = args.batch
    h1, w1 = N_MELS - K + 1, N_FRAMES - K + 1
    h2, w2 = h1 - K + 1, w1 - K + 1
    x = tf.random.normal((b, N_MELS, N_FRAMES, 1))
    k1 = tf.random.normal((K, K, 1, F1))
    k2 = tf.random.normal((K, K, F1, F2))
    a1 = tf.nn.relu(tf.nn.conv2d(x, k1, 1, "VALID"))
    g2 = tf.random.normal((b, h2, w2, F2))
    strides = [1, 1, 1, 1]
    conv1 = b * h1 * w1 * F1 * K * K  # multiply-adds
    conv2 = b * h2 * w2 * F2 * F1 * K * K
    ops = [
        ("conv1 forward", lambda: tf.nn.conv2d(x, k1, 1, "VALID"), conv1),
        ("conv1 ReLU (its 126x214x64 output)", lambda: tf.nn.relu(a1), 0),
        ("conv1 filter gradient",
         lambda: tf.compat.v1.nn.conv2d_backprop_filter(x, k1.shape, a1, strides, "VALID"),
         conv1),
        ("conv2 forward", lambda: tf.nn.conv2d(a1, k2, 1, "VALID"), conv2),
        ("conv2 input gradient",
         lambda: tf.compat.v1.nn.conv2d_backprop_input(a1.shape, k2, g2, strides, "VALID"),
         conv2),
        ("conv2 filter gradient",
         lambda: tf.compat.v1.nn.conv2d_backprop_filter(a1, k2.shape, g2, strides, "VALID"),
         conv2),
    ]
    print(f"batch {b}, {args.repeat} timed runs per op (median)")
    print(f"{'op':<36} {'ms':>8} {'G mult-add':>11} {'GFLOP/s':>8}")
    total = 0.0
    for name, fn, madds in ops:
        fn = tf.function(fn)
        fn().numpy()  # trace and warm up
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            fn().numpy()
            times.append(time.perf_counter() - start)
        t = statistics.median(times)
        total += t
        rate = f"{2 * madds / t / 1e9:8.1f}" if madds else f"{'-':>8}"
        print(f"{name:<36} {t * 1000:8.0f} {madds / 1e9:11.2f} {rate}")
    print(f"{'sum of these ops':<36} {total * 1000:8.0f}")


if __name__ == "__main__":
    main()
