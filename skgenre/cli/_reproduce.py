"""``skgenre reproduce``: the paper's experiment (Table 1) end to end."""

import json
import platform
import time
import warnings
from pathlib import Path

import numpy as np

from .._errors import DatasetError
from .._version import __version__
from ..utils import atomic_write, check_output_dir, replace_directory
from ._common import Console, build_pipeline, get_dataset, keras_output
from ._safety import is_result_file

__all__ = ["LABELS", "PAPER_TABLE1", "RATES", "format_table", "run_reproduce"]

RATES = (0.0, 0.25, 0.5, 0.75)

# Table 1 of Minhas, Chie & Lee: test accuracy at 0/25/50/75 % of pixels set to 0.
# None: the paper reports no number (NA). Its keys are the model kinds the paper compares.
PAPER_TABLE1 = {
    "feature": {0.0: 0.334, 0.25: 0.209, 0.5: 0.146, 0.75: 0.100},
    "spec-dense": {0.0: 0.205, 0.25: 0.146, 0.5: 0.100, 0.75: 0.100},
    "cnn": {0.0: 0.322, 0.25: 0.105, 0.5: None, 0.75: None},
}

# The names of the model kinds in tables and figures.
LABELS = {"feature": "Feature", "spec-dense": "Spec-Dense", "cnn": "CNN"}


def format_table(results, rates=RATES):
    """Table 1 as text: our accuracy with the paper's in parentheses."""
    header = f"{'model':<12}" + "".join(f"{f'{r:.0%} noise':>18}" for r in rates)
    lines = [header, "-" * len(header)]
    for model in PAPER_TABLE1:
        cells = []
        for r in rates:
            ours = results[model][r]
            paper = PAPER_TABLE1[model][r]
            paper_s = "NA" if paper is None else f"{paper:.3f}"
            cells.append(f"{f'{ours:.3f} ({paper_s})':>18}")
        lines.append(f"{LABELS[model]:<12}" + "".join(cells))
    lines.append("cells: skgenre accuracy (paper's Table 1 accuracy); NA: not reported")
    return "\n".join(lines)


def _take(X, idx):
    return X[idx] if isinstance(X, np.ndarray) else [X[i] for i in idx]


class _AccuracyKeepingCleanPredictions:
    """Accuracy scorer that keeps the predictions of its first call (noise rate 0)."""

    def __init__(self):
        self.clean = None

    def __call__(self, estimator, X, y):
        from sklearn.metrics import accuracy_score

        y_pred = estimator.predict(X)
        if self.clean is None:
            self.clean = y_pred
        return accuracy_score(y, y_pred)


def run_reproduce(args, out=print):
    """Run the experiment; print Table 1 and write the result files. Returns 0.

    Every model is a pipeline from the factories: it is fitted on the training songs with
    ``pipe.fit`` and scored on the test songs at each noise rate with
    :func:`skgenre.evaluation.noise_robustness`; the three models cut the same clip of
    each song, because their clip steps share the seed.
    """
    from sklearn.metrics import confusion_matrix

    from ..evaluation import noise_robustness

    t_start = time.perf_counter()
    console = Console(quiet=args.quiet, verbose=args.verbose)
    # Checked before any work; the results are written into a staging folder that replaces
    # --out whole at the end, so old and new results are never mixed.
    overwrite = getattr(args, "overwrite", False)
    out_dir = check_output_dir(args.out, overwrite=overwrite, replaceable=is_result_file)
    seed = args.seed

    # Before hours of training: weights that are missing or damaged skip the row beyond
    # the paper (a damaged checkpoint failed its fit, after the three networks, and their
    # results were lost).
    unavailable = _embedding_unavailable() if getattr(args, "embedding", True) else None
    split_by = getattr(args, "split", "track")
    if split_by == "artist" and args.data is None:
        raise DatasetError("--split artist needs songs with artists: the synthetic toy set "
                           "has none; give --data DIR")
    X, y, desc, kind, artists = get_dataset(
        args.data, args.n_per_class, seed, console, n_jobs=args.jobs
    )
    synthetic = kind == "toy"
    out(f"Data: {desc}")
    if synthetic:
        out(
            ("NOTE: no --data given, so this run uses the built-in SYNTHETIC toy set"
             if args.data is None else "NOTE: --data holds the SYNTHETIC toy set written "
             "by make_toy_genres") + "; its numbers say nothing about GTZAN and are not "
            "comparable with the paper's."
        )
    train, test, split = _split(y, artists, split_by, seed, console)
    X_tr, X_te, y_tr, y_te = _take(X, train), _take(X, test), y[train], y[test]
    classes = np.unique(y)
    out(f"Split: {len(train)} training songs, {len(test)} test songs ({split['description']})")

    results, curves, confusion, epochs = {}, {}, {}, {}
    for model in PAPER_TABLE1:
        pipe = build_pipeline(model, args, console)
        epochs[model] = _epochs(pipe)
        with console.stage(f"fit_{model}", f"training the {model} model on {len(y_tr)} songs"):
            with keras_output():
                pipe.fit(X_tr, y_tr)
        with console.stage(
            f"evaluate_{model}", f"testing the {model} model at noise rates {list(RATES)}"
        ):
            scorer = _AccuracyKeepingCleanPredictions()
            res = noise_robustness(
                pipe, X_te, y_te, RATES, n_repeats=args.noise_repeats, random_state=seed,
                scoring=scorer,
            )
        confusion[model] = confusion_matrix(y_te, scorer.clean, labels=classes)
        results[model] = dict(zip(RATES, res["mean_score"].tolist()))
        curves[model] = (res["rate"].to_numpy(), res["mean_score"].to_numpy(), res["std_score"].to_numpy())
        curves[model + "_std"] = dict(zip(RATES, res["std_score"].tolist()))

    beyond = None
    if getattr(args, "embedding", True):
        beyond = _embedding_row(args, console, X_tr, y_tr, X_te, y_te, unavailable)

    # The files first: a closed stdout (| head, a dead tee) must not cost the results of
    # hours of training.
    with console.stage("plots", "writing result files and figures"):
        with replace_directory(out_dir, overwrite=overwrite, replaceable=is_result_file) as tmp:
            files = _write_outputs(
                tmp, args, results, curves, confusion, classes, desc, kind,
                n_train=len(train), n_test=len(test), timings=console.timings,
                t_start=t_start, split=split, beyond=beyond, epochs=epochs,
            )

    out("")
    data_name = "SYNTHETIC toy set" if synthetic else ("GTZAN" if kind == "gtzan" else "your folder")
    out(f"Table 1 (preset {args.preset!r}, seed {seed}, data: {data_name}, split by {split_by})")
    out(format_table(results))
    if beyond is not None:
        out("")
        out("Beyond the paper (not in its Table 1; same split, clean test songs, each "
            "embedded whole):")
        if "accuracy" in beyond:
            out(f"{'Embedding':<12}{beyond['accuracy']:>10.3f}   {beyond['pipeline']}")
        else:
            out(f"{'Embedding':<12}   skipped: {beyond['skipped']}")
    out("")
    for f in files:
        out(f"wrote {out_dir / Path(f).name}")
    if synthetic:
        out("REMINDER: these results are on SYNTHETIC toy data, not on GTZAN.")
    return 0


def _split(y, artists, split_by, seed, console):
    """``(train, test, split)``: the 80/20 split of the songs and what it is.

    ``"track"`` is the paper's protocol (:func:`~skgenre.evaluation.paper_split`); where the
    artists are known, ``split`` counts the test songs whose artist is among the training
    songs, so that a number on this split never stands without what it measures.
    ``"artist"`` keeps every artist on one side (:func:`~skgenre.evaluation.artist_split`).
    """
    from ..evaluation import artist_split, paper_split

    if split_by == "artist":
        if artists is None:
            raise DatasetError(
                "--split artist needs the artist of every song, and this data has none: "
                "use a GTZAN copy (Sturm's artist index ships with skgenre) or put a "
                "tracks.csv with the columns file and artist beside the genre folders"
            )
        # artist_split's own errors name its test_size and its folds' n_splits, which the
        # command has not got: its 5 folds need 5 artists and a genre of 5 songs
        n_artists = len(np.unique(artists))
        largest = int(np.unique(y, return_counts=True)[1].max())
        if n_artists < 5 or largest < 5:
            raise DatasetError(
                "--split artist tests the songs of one in 5 artists (5 folds of whole "
                f"artists, stratified by genre), which needs at least 5 artists and a genre "
                f"of at least 5 songs; the data has {n_artists} artist(s) and at most "
                f"{largest} song(s) per genre: give more songs (--n-per-class 5 or more), "
                "or use --split track"
            )
        with warnings.catch_warnings():
            # said below, a line per genre, in the command's own words
            warnings.filterwarnings("ignore", message="artist_split: every track of")
            train, test = artist_split(y, artists, test_size=0.2, random_state=seed)
        described = f"stratified 80/20 with no artist on both sides, seed {seed}"
        for genre in np.unique(y):
            sides = [int(np.sum(y[idx] == genre)) for idx in (train, test)]
            if 0 in sides:
                n_artists = len(np.unique(artists[y == genre]))
                where = ("test side: the models never learn this genre" if sides[0] == 0
                         else "training side: no test song is of this genre")
                console.warn(
                    f"all {max(sides)} songs of {str(genre)!r} ({n_artists} artist(s)) are "
                    f"on the {where}"
                )
    else:
        n_genres = len(np.unique(y))
        if int(np.ceil(0.2 * len(y))) < n_genres:
            # scikit-learn's message names its test_size, not what to change here
            raise DatasetError(
                f"the stratified 80/20 split needs a test song of each of the {n_genres} "
                f"genres, and 20 % of {len(y)} songs is fewer: give at least 5 songs per "
                "genre (--n-per-class 5 or more)"
            )
        genres, counts = np.unique(y, return_counts=True)
        few = [f"{g} ({n})" for g, n in zip(genres, counts) if n < 2]
        if few:
            # scikit-learn's message speaks of classes, y and groups
            raise DatasetError(
                "the stratified 80/20 split needs at least 2 songs of each genre (one to "
                f"train on, one to test); too few in: {', '.join(few)}. Add songs to those "
                "genre folders"
            )
        train, test = paper_split(len(y), y, test_size=0.2, random_state=seed)
        described = f"stratified 80/20 by track, the paper's protocol, seed {seed}"
    split = {"by": split_by, "artists_known": artists is not None}
    if artists is not None:
        shared = int(np.isin(artists[test], artists[train]).sum())
        split["test_songs_with_a_training_artist"] = shared
        described += (f"; {shared} of the {len(test)} test songs have an artist among the "
                      "training songs")
    split["description"] = described
    return train, test, split


def _embedding_unavailable():
    """Why the embedding row cannot run (its weights missing or not the published
    checkpoint), or None."""
    from .._errors import WeightsMismatchError, WeightsNotFoundError
    from ..embeddings import load_musicnn_weights

    try:
        load_musicnn_weights("MSD_musicnn")  # checked against the published SHA-256
    except WeightsNotFoundError:
        return "the musicnn weights are not installed (pip install --no-deps musicnn==0.1.0)"
    except WeightsMismatchError as exc:
        return str(exc)
    return None


def _embedding_row(args, console, X_tr, y_tr, X_te, y_te, unavailable=None):
    """The pretrained-embedding pipeline on the same split: whole songs, clean.

    Outside the paper's table, which holds its three networks. Its noise step would embed
    every test song again per rate and repeat (minutes on 200 songs), so the main job
    scores it clean; ``benchmarks/bench_real.py --models embedding --noise`` measures its
    noise robustness. Skipped with the reason ``unavailable``
    (:func:`_embedding_unavailable`, checked before any training).
    """
    described = "make_embedding_pipeline: musicnn (MSD) + logistic regression"
    if unavailable is not None:
        return {"skipped": unavailable, "pipeline": described}
    pipe = build_pipeline("embedding", args, console)
    with console.stage("fit_embedding", f"training the embedding model on {len(y_tr)} songs"):
        pipe.fit(X_tr, y_tr)
    with console.stage("evaluate_embedding", "testing the embedding model"):
        accuracy = float(pipe.score(X_te, y_te))
    return {"accuracy": accuracy, "pipeline": described}


def _epochs(pipe):
    """The training epochs of the network of ``pipe`` (the preset's, or --epochs)."""
    return next((v for k, v in pipe.get_params().items()
                 if k.rsplit("__", 1)[-1] == "epochs" and isinstance(v, int)), None)


def _write_outputs(out_dir, args, results, curves, confusion, classes, desc, kind,
                   *, n_train, n_test, timings, t_start, split, beyond=None, epochs):
    import pandas as pd

    from ._plots import plot_confusion_matrix, plot_noise_curves

    synthetic = kind == "toy"
    data_kind = {
        "toy": "synthetic toy set (make_toy_genres)", "gtzan": "GTZAN", "folders": "genre folders"
    }[kind]
    rows = []
    for model, label in LABELS.items():
        for r in RATES:
            rows.append(
                {
                    "model": model,
                    "label": label,
                    "noise_rate": r,
                    "accuracy": results[model][r],
                    "accuracy_std": curves[model + "_std"][r],
                    "paper_accuracy": PAPER_TABLE1[model][r],
                    "data": data_kind,
                    "synthetic": synthetic,
                    "preset": args.preset,
                    # a quick run (--epochs) must not pass for the preset's own
                    "epochs": epochs[model],
                    "noise_repeats": args.noise_repeats,
                    "seed": args.seed,
                    "split": split["by"],
                    "n_train": n_train,
                    "n_test": n_test,
                }
            )
    written = []
    csv_path = out_dir / "results.csv"
    with atomic_write(csv_path, "w", newline="") as f:
        pd.DataFrame(rows).to_csv(f, index=False)
    written.append(csv_path)

    for model, label in LABELS.items():
        path = out_dir / f"confusion_{model}.png"
        acc = results[model][0.0]
        plot_confusion_matrix(
            confusion[model], classes,
            f"{label} ({args.preset}), clean test accuracy {acc:.3f}"
            + (" [SYNTHETIC]" if synthetic else ""),
            path,
        )
        written.append(path)
    curve_path = out_dir / "noise_robustness.png"
    plot_noise_curves(
        {m: curves[m] for m in PAPER_TABLE1},
        PAPER_TABLE1,
        f"Noise robustness ({args.preset})" + (" [SYNTHETIC toy data]" if synthetic else ""),
        curve_path,
        n_classes=len(classes),
    )
    written.append(curve_path)

    timings = dict(timings)
    timings["total"] = time.perf_counter() - t_start
    payload = {
        "skgenre_version": __version__,
        "python": platform.python_version(),
        "data": {"description": desc, "kind": data_kind, "synthetic": synthetic,
                 "path": None if args.data is None else str(args.data)},
        "preset": args.preset,
        "seed": args.seed,
        "epochs_override": args.epochs,
        "noise_repeats": args.noise_repeats,
        "n_train": n_train,
        "n_test": n_test,
        "classes": [str(c) for c in classes],
        "noise_rates": list(RATES),
        "results": rows,
        "confusion_matrices": {m: confusion[m].tolist() for m in PAPER_TABLE1},
        # Outside Table 1: the pretrained-embedding pipeline on the same split (clean).
        "beyond_paper": {} if beyond is None else {"embedding": beyond},
        "split": split,
        "timings_s": {k: round(v, 3) for k, v in timings.items()},
    }
    json_path = out_dir / "results.json"
    with atomic_write(json_path, "w") as f:
        f.write(json.dumps(payload, indent=2))
    written.insert(1, json_path)
    return written
