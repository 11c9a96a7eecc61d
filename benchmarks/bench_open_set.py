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

import _common  # puts the checkout first on sys.path
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
    from skgenre.embeddings._musicnn import (
        _engine,
        _pool,
        musicnn_logmel,
        musicnn_patches,
    )
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


def check_cache(cache, n=2, networks=NETWORKS):
    """The cached embeddings of the first ``n`` training tracks are MusicnnEmbedding's."""
    from skgenre import AudioLoader, MusicnnEmbedding

    train = [str(p) for p in _tracks()[0][:n]]
    waves = AudioLoader(sr=22050).fit_transform(train)
    for (network, layer), (X_train, _) in embeddings(cache, networks).items():
        ref = MusicnnEmbedding(network, layer, ("mean", "std")).fit_transform(waves)
        np.testing.assert_allclose(X_train[:n], ref, rtol=1e-5, atol=1e-6)
    print(f"cache of {', '.join(networks)} checked against MusicnnEmbedding on {n} tracks",
          file=sys.stderr)


def mini_artists():
    """Artist of each mini track (Sturm's index); a track without one is its own group."""
    import pandas as pd

    table = pd.read_csv(SHARED / "data" / "gtzan" / "artists.csv")
    artist = dict(zip(table["track"], table["artist"].fillna("")))
    names = [p.name.rsplit(".", 1)[0] for p in _tracks()[0]]
    return np.array([artist.get(n) or f"(none) {n}" for n in names])


def _block(X, layer, stats):
    """The ``stats`` blocks (``"mean"``, ``"std"``) of a cached mean+std embedding."""
    half = X.shape[1] // 2
    cols = {"mean": slice(0, half), "std": slice(half, None)}
    return np.hstack([X[:, cols[s]] for s in stats])


# name -> [(network, layer, stats), ...]: the representations tried (the classifier is
# trained on the same representation: each row is one embedding pipeline)
REPRESENTATIONS = {
    "MSD penultimate mean (make_embedding_pipeline)": [("MSD_musicnn", "penultimate", ("mean",))],
    "MSD penultimate mean+std": [("MSD_musicnn", "penultimate", ("mean", "std"))],
    "MSD taggram mean": [("MSD_musicnn", "taggram", ("mean",))],
    "MSD taggram mean+std": [("MSD_musicnn", "taggram", ("mean", "std"))],
    "MTT penultimate mean+std": [("MTT_musicnn", "penultimate", ("mean", "std"))],
    "MTT taggram mean+std": [("MTT_musicnn", "taggram", ("mean", "std"))],
    "MSD+MTT taggram mean+std": [("MSD_musicnn", "taggram", ("mean", "std")),
                                 ("MTT_musicnn", "taggram", ("mean", "std"))],
    "MSD pool mean": [("MSD_musicnn", "pool", ("mean",))],
}


def _pipeline():
    """``make_embedding_pipeline()``'s steps after the embedding."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    return Pipeline([("scale", StandardScaler()),
                     ("classifier", LogisticRegression(C=0.01, max_iter=5000))])


def measure(cache, *, known_rate=0.95, cv=5, group_by_artist=False, curve_rates=None,
            networks=NETWORKS, only=None, covariances=("ledoit_wolf", "oas")):
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedGroupKFold

    from skgenre.models import OpenSetClassifier

    emb = embeddings(cache, networks)
    _, y_train, _, y_test = _tracks()
    known = np.isin(y_test, KNOWN)
    is_unknown = y_test == UNKNOWN
    rows = np.flatnonzero(known | is_unknown)
    groups = mini_artists() if group_by_artist else None
    splitter = StratifiedGroupKFold(cv) if group_by_artist else cv
    results = []
    for name, parts in REPRESENTATIONS.items():
        if only and name not in only:
            continue
        if any(net not in networks for net, _, _ in parts):
            continue
        X_train = np.hstack([_block(emb[net, layer][0], layer, st) for net, layer, st in parts])
        X_test = np.hstack([_block(emb[net, layer][1], layer, st) for net, layer, st in parts])
        for covariance, class_means in [(c, m) for m in (True, False) for c in covariances]:
            t0 = time.perf_counter()
            clf = OpenSetClassifier(_pipeline(), known_rate=known_rate, cv=splitter,
                                    covariance=covariance, class_means=class_means)
            clf.fit(X_train, y_train, groups=groups)
            score = clf.unknown_score(X_test)[rows]
            proba = clf.predict_proba(X_test)[rows]
            pred = clf.predict(X_test)[rows]
            target = is_unknown[rows]
            kn = ~target
            row = {
                "representation": name,
                "dims": X_train.shape[1],
                "covariance": covariance,
                "centre": "nearest class mean" if class_means else "overall mean",
                "auroc": roc_auc_score(target, score),
                "auroc_top_proba": roc_auc_score(target, -proba.max(axis=1)),
                "known_kept": float(np.mean(pred[kn] != "unknown")),
                "unknown_caught": float(np.mean(pred[target] == "unknown")),
                "known_accuracy_kept": float(np.mean(pred[kn][pred[kn] != "unknown"]
                                                     == y_test[rows][kn][pred[kn] != "unknown"])),
                "known_accuracy_all": float(np.mean(clf.estimator_.predict(X_test)[rows][kn]
                                                    == y_test[rows][kn])),
                "threshold": clf.threshold_,
                "fit_s": round(time.perf_counter() - t0, 2),
            }
            if curve_rates:
                row["curve"] = [
                    {"rate": r,
                     "threshold": (t := float(np.quantile(clf.oof_scores_, r,
                                                          method="inverted_cdf"))),
                     "known_kept": float(np.mean(score[kn] <= t)),
                     "unknown_caught": float(np.mean(score[target] > t))}
                    for r in curve_rates
                ]
            results.append(row)
            print(f"{name:48s} {covariance:11s} {row['centre']:18s} AUROC {row['auroc']:.3f} "
                  f"(top proba {row['auroc_top_proba']:.3f}) kept {row['known_kept']:.2f} "
                  f"caught {row['unknown_caught']:.2f}", file=sys.stderr, flush=True)
    return results


def _table(results, where):
    lines = [
        (f"Trained on GTZAN mini (100 tracks, 10 genres); tested on Emotify: {UNKNOWN} (50) "
         f"as unknown against {', '.join(KNOWN)} (150) as known. {where}"),
        "",
        ("| representation (classifier trained on it) | dims | distance to | covariance | "
         "AUROC | AUROC of 1 - top probability | known kept | unknown caught | "
         "accuracy on known, all | accuracy on known, kept |"),
        "| --- | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        lines.append(
            f"| {r['representation']} | {r['dims']} | {r['centre']} | {r['covariance']} | "
            f"{r['auroc']:.3f} | "
            f"{r['auroc_top_proba']:.3f} | {r['known_kept']:.2f} | {r['unknown_caught']:.2f} | "
            f"{r['known_accuracy_all']:.2f} | {r['known_accuracy_kept']:.2f} |"
        )
    return "\n".join(lines)


def _curve_table(row):
    lines = [
        (f"Trade-off for {row['representation']} ({row['centre']}, {row['covariance']}): "
         "threshold at the given share of the training tracks' out-of-fold scores."),
        "",
        ("| known_rate (training, out of fold) | threshold | Emotify known kept | "
         "Emotify electronic caught |"),
        "| ---: | ---: | ---: | ---: |",
    ]
    for c in row["curve"]:
        lines.append(f"| {c['rate']:.2f} | {c['threshold']:.2f} | {c['known_kept']:.2f} | "
                     f"{c['unknown_caught']:.2f} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache", default="/tmp/skgenre-open-set",
                        help="folder of the cached embeddings (default: %(default)s)")
    parser.add_argument("--known-rate", type=float, default=0.95)
    parser.add_argument("--cv", type=int, default=5)
    parser.add_argument("--group-by-artist", action="store_true",
                        help="threshold CV grouped by artist (Sturm's index of GTZAN)")
    parser.add_argument("--networks", nargs="+", default=list(NETWORKS), choices=NETWORKS)
    parser.add_argument("--curve", action="store_true",
                        help="trade-off table of the first representation's rows")
    parser.add_argument("--only", nargs="+", help="representations to run (names as shown)")
    parser.add_argument("--covariances", nargs="+", default=["ledoit_wolf", "oas"],
                        choices=["ledoit_wolf", "oas"])
    parser.add_argument("--json", help="write the results here")
    parser.add_argument("--embed-only", action="store_true",
                        help="compute (and check) the cache only")
    args = parser.parse_args(argv)
    if not (MINI.is_dir() and EMOTIFY.is_dir()):
        raise SystemExit(f"needs {MINI} and {EMOTIFY}")
    if args.embed_only:
        embeddings(args.cache, args.networks)
        check_cache(args.cache, networks=args.networks)
        return
    rates = [0.5, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0] if args.curve else None
    results = measure(args.cache, known_rate=args.known_rate, cv=args.cv,
                      group_by_artist=args.group_by_artist, curve_rates=rates,
                      networks=args.networks, only=args.only,
                      covariances=args.covariances)
    where = (f"Threshold: OpenSetClassifier(known_rate={args.known_rate}), "
             f"{args.cv}-fold {'StratifiedGroupKFold by artist' if args.group_by_artist else 'StratifiedKFold by track'} "
             "on mini.")
    print(_table(results, where))
    if args.curve:
        for row in results:
            print()
            print(_curve_table(row))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
