"""Embeddings of a folder of tracks with the ORIGINAL musicnn code, for side-by-side benchmarks.

Run it in the throw-away environment described in ``make_fixture.py`` (musicnn 0.1.0
installed with --no-deps, TensorFlow with tf-keras, ``TF_USE_LEGACY_KERAS=1``)::

    TF_USE_LEGACY_KERAS=1 /tmp/refvenv/bin/python \\
        benchmarks/musicnn_reference/extract_reference.py \\
        --data ../shared/data/gtzan/mini --out /tmp/musicnn_reference_mini.npz

For every audio file under ``--data/<genre>/`` it calls ``musicnn.extractor.extractor``
unchanged (MSD_musicnn, 3-s patches without overlap, its own float16 log-mel), and keeps
the mean over patches of ``penultimate``, of ``max_pool`` + ``mean_pool`` and of the
taggram, plus the CPU seconds that each call took (TensorFlow held to one thread; each
call also builds the graph and restores the checkpoint, as ``extractor`` does). Patches
whose float16 input overflowed come out as NaN or inf; they are counted
(``nan_patches``) and left out of the means. Note that ``extractor`` returns the FIRST
patch's ``penultimate`` for every patch (a loop variable it never updates), so
``penultimate_mean`` is the first patch's; ``pool`` and the taggram are per patch.

With ``--float32`` it computes the same log-mel in float32 (no overflow), builds the graph
once and runs it on batches of 32 patches, with per-patch ``penultimate`` outputs: the
original network on the input skgenre gives its own port.

``bench_embedding.py accuracy --reference`` reads the .npz files that this writes.
"""

import argparse
import os
import time
from pathlib import Path

import numpy as np


def _float32_extractor(model):
    """``extractor`` with a float32 log-mel, the graph built once, patches batched by 32.

    The same librosa calls and graph (``musicnn.models.define_model``) as ``extractor``,
    and per-patch ``penultimate`` outputs.
    """
    import librosa
    import musicnn
    import tensorflow as tf
    from musicnn import models

    tf.compat.v1.disable_eager_execution()
    x = tf.compat.v1.placeholder(tf.float32, [None, 187, 96])
    is_training = tf.compat.v1.placeholder(tf.bool)
    logits, *_, mean_pool, max_pool, penultimate = models.define_model(x, is_training, model, 50)
    fetch = [tf.nn.sigmoid(logits), max_pool, mean_pool, penultimate]
    sess = tf.compat.v1.Session()
    tf.compat.v1.train.Saver().restore(
        sess, os.path.join(os.path.dirname(musicnn.__file__), model) + "/"
    )

    def run(path, model, extract_features):
        audio, sr = librosa.load(path, sr=16000)
        mel = librosa.feature.melspectrogram(y=audio, sr=sr, hop_length=256, n_fft=512, n_mels=96).T
        logmel = np.log10(10000 * mel.astype(np.float32) + 1)
        n = len(logmel) // 187
        batch = logmel[: n * 187].reshape(n, 187, 96)
        outs = [sess.run(fetch, feed_dict={x: batch[s : s + 32], is_training: False})
                for s in range(0, n, 32)]
        tags, mx, mn, pen = (np.concatenate(o) for o in zip(*outs))
        return tags, None, {"max_pool": mx, "mean_pool": mn, "penultimate": pen}

    return run


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", required=True, help="folder of <genre>/<file> audio")
    ap.add_argument("--out", required=True, help="the .npz to write")
    ap.add_argument("--model", default="MSD_musicnn")
    ap.add_argument("--float32", action="store_true",
                    help="feed musicnn's graph a float32 log-mel instead of extractor's "
                         "float16 one (and batch the patches)")
    args = ap.parse_args(argv)

    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    if args.float32:
        extractor = _float32_extractor(args.model)
    else:
        from musicnn.extractor import extractor

    files = sorted(p for p in Path(args.data).glob("*/*") if p.is_file())
    rows = {"penultimate": [], "pool": [], "taggram": []}
    genres, names, cpu, durations, nan_patches = [], [], [], [], []
    for k, path in enumerate(files):
        t0 = time.process_time()
        taggram, _, feats = extractor(str(path), model=args.model, extract_features=True)
        cpu.append(time.process_time() - t0)
        pool = np.concatenate([feats["max_pool"], feats["mean_pool"]], axis=1)
        per_patch = {"penultimate": feats["penultimate"], "pool": pool, "taggram": taggram}
        # pool and taggram go non-finite together (an inf input poisons its patch)
        ok = np.isfinite(pool).all(axis=1) & np.isfinite(taggram).all(axis=1)
        nan_patches.append(int((~ok).sum()))
        for key, value in per_patch.items():
            keep = np.isfinite(value).all(axis=1)
            rows[key].append(
                value[keep].mean(axis=0) if keep.any() else np.full(value.shape[1], np.nan)
            )
        genres.append(path.parent.name)
        names.append(path.name)
        durations.append(len(taggram) * 3.0)
        print(f"{k + 1}/{len(files)} {path.name}: {cpu[-1]:.2f} CPU s, "
              f"{nan_patches[-1]} non-finite patch(es)", flush=True)
    np.savez_compressed(
        args.out,
        **{f"{key}_mean": np.stack(value) for key, value in rows.items()},
        genre=np.array(genres),
        filename=np.array(names),
        cpu_seconds=np.array(cpu),
        seconds_embedded=np.array(durations),
        nan_patches=np.array(nan_patches),
        model=np.array(args.model),
        preprocessing=np.array(
            "float32 log-mel, graph batched" if args.float32 else "extractor(), float16 log-mel"
        ),
    )
    print(f"wrote {args.out}: {len(files)} files, {sum(nan_patches)} non-finite patches, "
          f"{sum(durations) / sum(cpu):.1f}x realtime per CPU second "
          f"(including decoding and the log-mel)")


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    main()
