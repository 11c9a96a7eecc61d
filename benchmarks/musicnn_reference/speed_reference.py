"""Speed of the ORIGINAL musicnn network, batched, on one thread (for bench_embedding.py).

Run it in the throw-away environment of ``make_fixture.py``::

    TF_USE_LEGACY_KERAS=1 /tmp/refvenv/bin/python \\
        benchmarks/musicnn_reference/speed_reference.py --data ../shared/data/gtzan/mini

It builds musicnn's graph once (``musicnn.models.define_model``, MSD_musicnn, restored from
the wheel's checkpoint), holds TensorFlow to one thread, and feeds it the float32 log-mel
patches of ``--n-tracks`` tracks in batches of ``--batch-size``, as ``extractor`` would with
a larger ``BATCH_SIZE`` (it uses 1). It prints CPU seconds (process time) per second of
audio for the network alone and for librosa's log-mel, the preprocessing ``extractor``
runs.
"""

import argparse
import os
import time
from pathlib import Path

import numpy as np

SR, N_FFT, HOP, N_MELS, N_FRAMES = 16000, 512, 256, 96, 187


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", required=True, help="folder of <genre>/<file> audio")
    ap.add_argument("--n-tracks", type=int, default=10)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)

    import librosa
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    tf.compat.v1.disable_eager_execution()
    import musicnn
    from musicnn import models

    files = sorted(p for p in Path(args.data).glob("*/*") if p.is_file())
    files = files[:: max(1, len(files) // args.n_tracks)][: args.n_tracks]
    t0 = time.process_time()
    mels = []
    for f in files:
        audio, sr = librosa.load(f, sr=SR)
        mels.append(librosa.feature.melspectrogram(
            y=audio, sr=sr, hop_length=HOP, n_fft=N_FFT, n_mels=N_MELS).T)
    pre = time.process_time() - t0
    patches = np.concatenate([
        np.log10(10000 * m[: len(m) // N_FRAMES * N_FRAMES] + 1).reshape(-1, N_FRAMES, N_MELS)
        for m in mels
    ]).astype(np.float32)

    with tf.name_scope("model"):
        x = tf.compat.v1.placeholder(tf.float32, [None, N_FRAMES, N_MELS])
        is_training = tf.compat.v1.placeholder(tf.bool)
        logits, *_, penultimate = models.define_model(x, is_training, "MSD_musicnn", 50)
        fetch = [tf.nn.sigmoid(logits), penultimate]
    with tf.compat.v1.Session() as sess:
        tf.compat.v1.train.Saver().restore(
            sess, os.path.join(os.path.dirname(musicnn.__file__), "MSD_musicnn") + "/"
        )
        sess.run(fetch, feed_dict={x: patches[: args.batch_size], is_training: False})
        best = np.inf
        for _ in range(args.repeat):
            t0 = time.process_time()
            for s in range(0, len(patches), args.batch_size):
                sess.run(fetch, feed_dict={x: patches[s : s + args.batch_size], is_training: False})
            best = min(best, time.process_time() - t0)
    seconds = len(patches) * N_FRAMES * HOP / SR
    audio_seconds = sum(len(m) for m in mels) * HOP / SR
    print(f"{len(files)} tracks, {len(patches)} patches, batch {args.batch_size}, one thread")
    print(f"reference network: {seconds / best:.1f}x realtime per CPU second")
    print(f"librosa load + resample + mel: {audio_seconds / pre:.1f}x realtime per CPU second")


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    main()
