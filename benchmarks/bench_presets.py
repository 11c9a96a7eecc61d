"""Accuracy, training time and prediction time of every preset and model kind.

One command gives one table: the three model kinds (feature, spec-dense, cnn) under the
``paper`` and ``tuned`` presets with the paper's protocol (one random clip per track for
training and for testing), plus :class:`skgenre.TrackClassifier` variants that train on
several clips per track and predict each track from all its consecutive clips.

All rows share one stratified 80/20 split by track (:func:`skgenre.evaluation.paper_split`)
and run in one process, so their ratios are comparable even on a busy machine; absolute
times are not. See ``benchmarks/README.md``.

Usage::

    python benchmarks/bench_presets.py                       # toy set, 10 x 100 tracks
    python benchmarks/bench_presets.py --data /path/to/gtzan # a local GTZAN copy
    python benchmarks/bench_presets.py --n-per-class 10 --kinds feature --epochs 5  # smoke
"""

import argparse
import csv
import os
import platform
import sys
import time
import warnings

import _common  # noqa: F401  (first: the checkout on sys.path, TensorFlow quiet)
import numpy as np


def _parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", metavar="DIR", help="GTZAN folder; default: the synthetic toy set")
    p.add_argument(
        "--n-per-class", type=int, default=None,
        help="tracks per genre (toy default 100, i.e. 1000 tracks; GTZAN default: all)",
    )
    p.add_argument("--n-classes", type=int, default=10, help="toy set only: genres (1-10)")
    p.add_argument(
        "--duration", type=float, default=10.0,
        help="toy set only: seconds per track (10 s holds two 5-s clips)",
    )
    p.add_argument("--clip-duration", type=float, default=5.0, help="clip length in seconds")
    p.add_argument("--sr", type=int, default=22050, help="sample rate in Hz")
    p.add_argument("--kinds", default="feature,spec-dense,cnn", help="model kinds to run")
    p.add_argument("--presets", default="paper,tuned", help="presets to run")
    p.add_argument(
        "--track-presets", default="tuned",
        help="presets that also get TrackClassifier rows ('' for none)",
    )
    p.add_argument(
        "--track-n-clips", default="1,all",
        help="training clips per track of the TrackClassifier rows ('all': every "
        "consecutive clip's worth, drawn at random offsets)",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of data, split and training")
    p.add_argument(
        "--epochs", type=int, default=None,
        help="override every preset's epochs (for smoke runs only: rows then no longer "
        "show the presets)",
    )
    p.add_argument("--n-jobs", type=int, default=None, help="joblib jobs for decode/features")
    p.add_argument("--out", metavar="CSV", help="also write the rows to this CSV file")
    return p.parse_args(argv)


def _csv_list(text):
    return [t.strip() for t in text.split(",") if t.strip()]


def load_data(args):
    """Return waveforms, labels, a description and the decode time (s; None for the toy set)."""
    if args.data is None:
        from skgenre.datasets import make_toy_genres

        n = 100 if args.n_per_class is None else args.n_per_class
        toy = make_toy_genres(
            n_per_class=n, n_classes=args.n_classes, duration=args.duration, sr=args.sr,
            random_state=args.seed,
        )
        y = np.asarray(toy.target_names)[toy.target]
        desc = (
            f"SYNTHETIC toy set (make_toy_genres: {args.n_classes} classes x {n} tracks of "
            f"{args.duration:g} s) -- not GTZAN, says nothing about real genres"
        )
        return toy.data, y, desc, None

    from skgenre.datasets import load_gtzan
    from skgenre.io import AudioLoader

    gtzan = load_gtzan(args.data)
    files = np.asarray(gtzan.filenames)
    y = np.asarray(gtzan.target_names)[gtzan.target]
    if args.n_per_class is not None:
        keep = np.sort(
            np.concatenate([np.flatnonzero(y == c)[: args.n_per_class] for c in np.unique(y)])
        )
        files, y = files[keep], y[keep]
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        waves = AudioLoader(sr=args.sr, n_jobs=args.n_jobs, on_error="warn").transform(files)
    decode_s = time.perf_counter() - start
    for w in caught:
        print(f"warning: {w.message}", file=sys.stderr)
    ok = np.asarray([len(w) > 0 for w in waves])
    if not ok.all():
        print(f"left out {np.sum(~ok)} unreadable files (listed above)", file=sys.stderr)
        waves, y = waves[ok], y[ok]
    desc = f"GTZAN at {args.data} ({len(np.unique(y))} genres, {len(y)} tracks)"
    return waves, y, desc, decode_s


def _timed(fn, *a):
    start = time.perf_counter()
    out = fn(*a)
    return out, time.perf_counter() - start


def _quiet(fn, *a):
    # Keras may print progress on stdout; the table owns stdout.
    import contextlib

    with contextlib.redirect_stdout(sys.stderr):
        return fn(*a)


def run(args):
    from sklearn.base import clone
    from sklearn.pipeline import Pipeline

    import skgenre
    from skgenre import DatasetError, pipelines
    from skgenre.evaluation import paper_split
    from skgenre.models import TrackClassifier

    try:
        X, y, desc, decode_s = load_data(args)
    except DatasetError as exc:
        sys.exit(f"bench_presets.py: error: --data: {exc}")
    train, test = paper_split(len(y), y, test_size=0.2, random_state=args.seed)
    Xtr, ytr, Xte, yte = X[train], y[train], X[test], y[test]
    overrides = {} if args.epochs is None else {"epochs": args.epochs}

    rows = []

    def record(kind, preset, protocol, fit_s, pred_s, acc, n_train_clips, net):
        # Early stopping makes the epoch count (and so the fit time) vary per row.
        epochs = len(getattr(net, "history_", {}).get("loss", ())) or "-"
        rows.append(dict(
            model=kind, preset=preset, protocol=protocol, train_clips=n_train_clips,
            epochs=epochs, accuracy=acc, fit_s=fit_s, predict_s=pred_s,
        ))
        print(
            f"  {kind:10s} {preset:6s} {protocol:22s} acc={acc:.3f} fit={fit_s:.1f}s "
            f"predict={pred_s:.2f}s epochs={epochs}", file=sys.stderr, flush=True,
        )

    track_presets = _csv_list(args.track_presets)
    track_n_clips = [None if t == "all" else int(t) for t in _csv_list(args.track_n_clips)]
    for kind in _csv_list(args.kinds):
        factory = pipelines.MODEL_KINDS[kind]
        # One-time costs (TensorFlow start-up, numba compilation in librosa, first graph
        # tracing) would otherwise all land in the first timed row and skew its ratios.
        warm = factory("paper", sr=args.sr, duration=args.clip_duration, random_state=0,
                       n_jobs=args.n_jobs, epochs=1).set_params(load="passthrough")
        few = np.concatenate([np.flatnonzero(ytr == c)[:2] for c in np.unique(ytr)])
        _quiet(warm.fit, Xtr[few], ytr[few])
        _quiet(warm.predict, Xte[:5])
        for preset in _csv_list(args.presets):
            pipe = factory(
                preset, sr=args.sr, duration=args.clip_duration, random_state=args.seed,
                n_jobs=args.n_jobs, **overrides,
            )
            # Audio is decoded once above, not once per model.
            pipe.set_params(load="passthrough")
            one = clone(pipe)
            _, fit_s = _timed(_quiet, one.fit, Xtr, ytr)
            pred, pred_s = _timed(_quiet, one.predict, Xte)
            record(
                kind, preset, "one random clip", fit_s, pred_s, np.mean(pred == yte), len(ytr),
                one[-1],
            )
            if preset not in track_presets:
                continue
            clip_model = Pipeline(pipe.steps[2:])  # everything after load and clip
            for k in track_n_clips:
                tc = TrackClassifier(
                    clone(clip_model), clip_duration=args.clip_duration, sr=args.sr,
                    n_clips=k, random_state=args.seed,
                )
                _, fit_s = _timed(_quiet, tc.fit, Xtr, ytr)
                pred, pred_s = _timed(_quiet, tc.predict, Xte)
                label = f"track, {'all' if k is None else k} clip{'s' if k != 1 else ''}"
                record(
                    kind, preset, label, fit_s, pred_s, np.mean(pred == yte), tc.n_clips_fit_,
                    tc.estimator_[-1],
                )

    header = {
        "data": desc,
        "split": f"paper_split 80/20 by track, seed {args.seed}: {len(train)} train, "
        f"{len(test)} test tracks",
        "clips": f"{args.clip_duration:g} s at {args.sr} Hz",
        "machine": f"{platform.platform()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, skgenre {skgenre.__version__}",
        "decode": (
            "none (toy clips are synthesized in memory)" if decode_s is None
            else f"{decode_s:.2f} s (once, not in the fit/predict times)"
        ),
        "warm-up": "each model kind is fitted once for 1 epoch before timing (untimed)",
    }
    if args.epochs is not None:
        header["WARNING"] = f"epochs overridden to {args.epochs}: rows are not the presets"
    return header, rows


def format_table(header, rows):
    """Markdown table; ratios are against the same model's paper preset, one clip."""
    lines = [f"- {k}: {v}" for k, v in header.items()]
    lines += [
        "",
        "| model | preset | protocol | train clips | epochs | test acc | fit s | predict s "
        "| fit x paper | predict x paper |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    base = {
        r["model"]: r for r in rows if r["preset"] == "paper" and r["protocol"] == "one random clip"
    }
    for r in rows:
        b = base.get(r["model"])
        fx = f"{r['fit_s'] / b['fit_s']:.2f}" if b else "-"
        px = f"{r['predict_s'] / b['predict_s']:.2f}" if b else "-"
        lines.append(
            f"| {r['model']} | {r['preset']} | {r['protocol']} | {r['train_clips']} "
            f"| {r['epochs']} "
            f"| {r['accuracy']:.3f} | {r['fit_s']:.1f} | {r['predict_s']:.2f} | {fx} | {px} |"
        )
    return "\n".join(lines)


def main(argv=None):
    args = _parse_args(argv)
    header, rows = run(args)
    print(format_table(header, rows))
    if args.out:
        with open(args.out, "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)


if __name__ == "__main__":
    main()
