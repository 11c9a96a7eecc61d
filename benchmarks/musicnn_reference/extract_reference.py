"""Embeddings of a folder of tracks with the ORIGINAL musicnn code, for side-by-side benchmarks.

Run it in the throw-away environment described in ``make_fixture.py`` (musicnn 0.1.0
installed with --no-deps, TensorFlow with tf-keras, ``TF_USE_LEGACY_KERAS=1``)::

    TF_USE_LEGACY_KERAS=1 /tmp/refvenv/bin/python \\
        benchmarks/musicnn_reference/extract_reference.py \\
        --data ../shared/data/gtzan/mini --out /tmp/musicnn_reference_mini.npz

For every audio file under ``--data/<genre>/`` it calls ``musicnn.extractor.extractor``
unchanged (MSD_musicnn, 3-s patches without overlap, its own float16 log-mel), and keeps
the mean over patches of ``penultimate``, of ``max_pool`` + ``mean_pool`` and of the
taggram, plus the CPU seconds that the call took (one process, as many threads as
TensorFlow takes; run it with ``taskset -c 0`` to hold it to one core). Patches whose
float16 input overflowed come out as NaN or inf; they are counted, and left out of the
means (``nan_patches``).

``bench_embedding.py --reference`` reads the .npz that this writes.
"""

import argparse
import os
import time
from pathlib import Path

import numpy as np


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", required=True, help="folder of <genre>/<file> audio")
    ap.add_argument("--out", required=True, help="the .npz to write")
    ap.add_argument("--model", default="MSD_musicnn")
    args = ap.parse_args(argv)

    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
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
        ok = np.all([np.isfinite(v).all(axis=1) for v in per_patch.values()], axis=0)
        nan_patches.append(int((~ok).sum()))
        for key, value in per_patch.items():
            rows[key].append(value[ok].mean(axis=0) if ok.any() else np.full(value.shape[1], np.nan))
        genres.append(path.parent.name)
        names.append(path.name)
        durations.append(len(taggram) * 3.0)
        print(f"{k + 1}/{len(files)} {path.name}: {cpu[-1]:.2f} CPU s, "
              f"{nan_patches[-1]} non-finite patch(es)", flush=True)
    np.savez_compressed(
        args.out,
        **{f"{key}_mean": np.stack(value) for key, value in rows.items()},
        genre=np.array(genres),
        file=np.array(names),
        cpu_seconds=np.array(cpu),
        seconds_embedded=np.array(durations),
        nan_patches=np.array(nan_patches),
        model=np.array(args.model),
    )
    print(f"wrote {args.out}: {len(files)} files, {sum(nan_patches)} non-finite patches, "
          f"{sum(durations) / sum(cpu):.1f}x realtime per CPU second "
          f"(including decoding and the log-mel)")


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    main()
