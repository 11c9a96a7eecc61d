"""Reliability diagram of the embedding pipeline on Emotify, by artist, before and after calibration.

Every track of ``--data`` (default: the 200 Emotify tracks beside the checkout, 4 genres,
with their artists from its ``tracks.csv``) is embedded once by the ``load, clip, noise,
embed`` steps of ``make_embedding_pipeline()`` (nothing in them is fitted, so they can run
once for all folds). The steps after them, ``scale`` and ``classifier``, are then
cross-validated in 5 folds by artist (``StratifiedArtistKFold``, ``--repeats`` times):
as they are, and with ``make_embedding_pipeline(calibrate="isotonic",
calibration_cv=StratifiedArtistKFold(3))``, whose inner folds get the artists through
scikit-learn's metadata routing. The out-of-fold predictions of all repeats are pooled;
each panel shows, per confidence bin (``reliability_curve``), the accuracy of the tracks
in it against the diagonal of a calibrated model, and the expected calibration error.
``benchmarks/bench_calibration.py`` has the table (per-repeat ECE, other methods, the
feature pipeline).

Run::

    python examples/plot_reliability.py                       # ../shared/data/emotify, minutes
    python examples/plot_reliability.py --cache /tmp/skgenre-calibration/embedding_emotify.npy
    python examples/plot_reliability.py --small               # seconds, SYNTHETIC toy set (what CI runs)

It needs the musicnn weights (``pip install --no-deps musicnn==0.1.0``), except with
``--small``, which uses the row means of mel spectrograms of a synthetic toy set instead of
the embedding. ``--cache FILE.npy`` keeps the embeddings (the benchmark's cache is the
same file). The documentation's figure is made with::

    python examples/plot_reliability.py --out docs/img

Writes ``reliability.png`` into ``--out`` (default: the current folder).
"""

import os
from pathlib import Path

import numpy as np
from _common import make_parser, parse_plot_args, save_figure

_SHARED = os.environ.get("SKGENRE_SHARED", Path(__file__).resolve().parents[1].parent / "shared")
EMOTIFY = Path(_SHARED) / "data" / "emotify"
N_BINS = 10


def _data(parser, args):
    """``(X, genres, artists, source)``: one row per track."""
    if args.small:
        from skgenre.datasets import make_toy_genres
        from skgenre.features import MelSpectrogram, RowMeanVectorizer

        toy = make_toy_genres(n_per_class=12, n_classes=3, duration=2.0, random_state=0)
        y = np.asarray(toy.target_names)[toy.target]
        # two tracks per made-up artist, so that the folds have artists to keep apart
        artists = np.array([f"artist{i // 2}" for i in range(len(y))])
        X = RowMeanVectorizer().fit_transform(MelSpectrogram(sr=22050).fit_transform(toy.data))
        return X, y, artists, "SYNTHETIC toy set (not music), mel row means"
    from skgenre import make_embedding_pipeline
    from skgenre.datasets import load_genre_folders

    if not Path(args.data).is_dir():
        parser.error(f"--data {args.data}: no such folder (the default needs ../shared "
                     "beside the checkout; give a folder of genre folders, or --small)")
    data = load_genre_folders(args.data, check="header")
    if data.artists is None:
        parser.error(f"--data {args.data}: no tracks.csv with the artists beside the genres")
    y = np.asarray(data.target_names)[data.target]
    if args.cache and Path(args.cache).is_file():
        X = np.load(args.cache)
        if len(X) != len(y):
            # a cache of another folder: its rows cannot be matched to these tracks
            parser.error(f"--cache {args.cache} holds {len(X)} embeddings, but --data "
                         f"{args.data} has {len(y)} tracks; give the cache of this folder, "
                         "or a new file name to embed its tracks")
    else:
        X = make_embedding_pipeline()[:4].fit_transform([str(f) for f in data.filenames])
        if args.cache:
            np.save(args.cache, X)
    return X, y, np.asarray(data.artists), f"{Path(args.data).name}, {len(y)} real tracks"


def out_of_fold(X, y, artists, repeats, calibrate):
    """Pooled out-of-fold probabilities of ``repeats`` x 5 folds by artist."""
    import sklearn

    from skgenre import make_embedding_pipeline
    from skgenre.evaluation import StratifiedArtistKFold

    classes = np.unique(y)
    pooled = []
    for r in range(repeats):
        proba = np.zeros((len(y), len(classes)))
        for k, (train, test) in enumerate(StratifiedArtistKFold(5, random_state=r).split(
                X, y, artists)):
            inner = StratifiedArtistKFold(3, random_state=100 * r + k)
            head = make_embedding_pipeline(calibrate=calibrate, calibration_cv=inner,
                                           random_state=r)[-2:]
            with sklearn.config_context(enable_metadata_routing=True):
                # the inner folds of the calibration take the artists; nothing else does
                head.fit(X[train], y[train], **({"groups": artists[train]} if calibrate else {}))
            proba[np.ix_(test, np.searchsorted(classes, head.classes_))] = (
                head.predict_proba(X[test]))
        pooled.append(proba)
    return np.concatenate(pooled), np.concatenate([y] * repeats)


def main(argv=None):
    parser = make_parser(__doc__)
    parser.add_argument("--data", metavar="DIR", default=str(EMOTIFY),
                        help="folder of genre folders with a tracks.csv of artists "
                        "(default: Emotify beside the checkout)")
    parser.add_argument("--repeats", type=int, default=10,
                        help="repeats of the 5 folds by artist (default: 10)")
    parser.add_argument("--cache", metavar="FILE.npy", default=None,
                        help="load the embeddings from this file, or save them there")
    args, plt = parse_plot_args(parser, argv, small_help="tiny synthetic data instead")
    if args.repeats < 1:
        parser.error(f"--repeats {args.repeats}: at least 1 repeat of the folds is needed")
    if args.small:
        args.repeats = 1

    from skgenre.evaluation import expected_calibration_error, reliability_curve

    X, y, artists, source = _data(parser, args)
    fig, axes = plt.subplots(1, 2, figsize=(7.2, 3.6), sharey=True)
    for ax, calibrate in zip(axes, (None, "isotonic")):
        proba, yy = out_of_fold(X, y, artists, args.repeats, calibrate)
        classes = np.unique(y)
        curve = reliability_curve(yy, proba, n_bins=N_BINS, labels=classes)
        ece = expected_calibration_error(yy, proba, n_bins=N_BINS, labels=classes)
        name = "uncalibrated" if calibrate is None else f"{calibrate} (3 folds by artist)"
        print(f"{name}: pooled ECE {ece:.3f}, accuracy "
              f"{np.mean(classes[proba.argmax(1)] == yy):.3f}")
        mids = (curve.bin_edges[:-1] + curve.bin_edges[1:]) / 2
        filled = curve.count > 0
        ax.bar(mids[filled], curve.accuracy[filled], width=1 / N_BINS, edgecolor="k",
               color="#4c72b0", label="accuracy")
        ax.plot([0, 1], [0, 1], "--", color="gray", label="calibrated")
        ax.plot(curve.confidence[filled], curve.accuracy[filled], "o", color="#dd8452",
                ms=4, label="accuracy at the bin's\nmean confidence")
        for x, c in zip(mids[filled], curve.count[filled]):
            ax.text(x, 0.02, str(c), ha="center", va="bottom", fontsize=6, color="white")
        ax.set_title(f"{name}: pooled ECE {ece:.3f}", fontsize=9)
        ax.set_xlabel("confidence (top probability)", fontsize=8)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.tick_params(labelsize=7)
    axes[0].set_ylabel("accuracy", fontsize=8)
    axes[0].legend(fontsize=6, loc="upper left")
    fig.suptitle(f"embedding pipeline, {source}, 5 folds by artist x {args.repeats}\n"
                 "out-of-fold predictions of all repeats pooled; numbers: predictions per bin",
                 fontsize=9)
    save_figure(fig, args.out, "reliability.png")


if __name__ == "__main__":
    main()
