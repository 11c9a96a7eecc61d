"""Open set: does OpenSetClassifier say "unknown" for a genre the model never saw?

Trained on the 100 tracks of GTZAN mini (10 genres, whole tracks), tested on the 200 tracks
of Emotify in ``../shared/data/emotify``: its 50 ``electronic`` tracks (a genre GTZAN lacks)
are the unknown tracks, its 150 ``classical``, ``pop`` and ``rock`` tracks the known ones.
For each representation and novelty score it reports

* the AUROC of the score (unknown = positive class), against the AUROC of the baseline
  ``1 - max predict_proba`` of the same classifier;
* at the threshold that :class:`~skgenre.models.OpenSetClassifier` fits by its internal CV
  (``known_rate``, default 0.95): the share of known-genre tracks kept (not called unknown)
  and of unknown tracks caught;
* with ``--curve``: the trade-off between the two at several thresholds (quantiles of the
  training tracks' out-of-fold scores).

The musicnn embeddings of all 300 tracks are computed once (the ``make_embedding_pipeline()``
decoding: 22050 Hz, whole tracks) and cached in ``--cache`` (default
``/tmp/skgenre-open-set``). The embedding step has no fitted state, so a pipeline
``StandardScaler -> LogisticRegression(C=0.01)`` on the cached embeddings is the
``make_embedding_pipeline()`` pipeline minus its decoding and embedding steps:
``pipe[:-1].transform`` is the same standardised embedding.

Run (from the checkout root)::

    python benchmarks/bench_open_set.py --curve

"""

import argparse
import json
import sys
import time
from pathlib import Path

import _common  # noqa: F401  (puts the checkout first on sys.path)
import numpy as np

SHARED = _common.SHARED
MINI = SHARED / "data" / "gtzan" / "mini"
EMOTIFY = SHARED / "data" / "emotify"
KNOWN = ("classical", "pop", "rock")
UNKNOWN = "electronic"

NETWORKS = ("MSD_musicnn", "MTT_musicnn")
LAYERS = ("penultimate", "taggram", "pool")


def _tracks():
    """Paths and labels of the training (mini) and test (Emotify) tracks."""
    import pandas as pd

    train = sorted(MINI.glob("*/*.flac"))
    y_train = np.array([p.parent.name for p in train])
    table = pd.read_csv(EMOTIFY / "tracks.csv")
    test = [EMOTIFY / f for f in table["file"]]
    y_test = table["genre"].to_numpy()
    return train, y_train, test, y_test


def _embed_all_layers(network, paths):
    """``{layer: (n, 2 * width)}``: mean and std over each track's patches, every layer.

    The same computation as ``MusicnnEmbedding(network, layer, ("mean", "std"))`` on the
    whole tracks decoded at 22050 Hz, with one run of the network per track for all layers
    (checked against MusicnnEmbedding by :func:`check_cache`).
    """
    from skgenre.embeddings._musicnn import _engine, _pool, musicnn_logmel, musicnn_patches
    from skgenre.io import load_audio

    engine = _engine(network, None)
    out = {layer: [] for layer in LAYERS}
    for path in paths:
        patches = musicnn_patches(musicnn_logmel(load_audio(path, sr=22050), 22050))
        runs = [engine(patches[i : i + 16]) for i in range(0, len(patches), 16)]
        for layer in LAYERS:
            outputs = np.concatenate([r[layer] for r in runs])
            out[layer].append(_pool(outputs, ("mean", "std")))
    return {layer: np.stack(rows) for layer, rows in out.items()}


def embeddings(cache, networks=NETWORKS):
    """``{(network, layer): (X_train, X_test)}`` (mean and std blocks), cached in ``cache``."""
    cache = Path(cache)
    cache.mkdir(parents=True, exist_ok=True)
    train, _, test, _ = _tracks()
    out = {}
    for network in networks:
        f = cache / f"{network}.npz"
        if not f.exists():
            parts = {}
            for part, paths in (("train", train), ("test", test)):
                t0 = time.perf_counter()
                for layer, X in _embed_all_layers(network, paths).items():
                    parts[f"{part}_{layer}"] = X
                print(f"embedded {len(paths)} {part} tracks with {network} in "
                      f"{time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
            np.savez(f, **parts)
        z = np.load(f)
        for layer in LAYERS:
            out[network, layer] = (z[f"train_{layer}"], z[f"test_{layer}"])
    return out


def check_cache(cache, n=2):
    """The cached embeddings of the first ``n`` training tracks are MusicnnEmbedding's."""
    from skgenre import AudioLoader, MusicnnEmbedding

    train = [str(p) for p in _tracks()[0][:n]]
    waves = AudioLoader(sr=22050).fit_transform(train)
    for (network, layer), (X_train, _) in embeddings(cache).items():
        ref = MusicnnEmbedding(network, layer, ("mean", "std")).fit_transform(waves)
        np.testing.assert_allclose(X_train[:n], ref, rtol=1e-5, atol=1e-6)
    print(f"cache checked against MusicnnEmbedding on {n} tracks", file=sys.stderr)


if __name__ == "__main__" and "--embed-only" in sys.argv:
    embeddings(sys.argv[sys.argv.index("--embed-only") + 1])
    check_cache(sys.argv[sys.argv.index("--embed-only") + 1])
    sys.exit(0)
