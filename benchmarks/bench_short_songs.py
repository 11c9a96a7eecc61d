"""Songs shorter than one clip: zeros after the audio, or the audio repeated?

A clip-based model judges a song shorter than its 5-s clip on one padded clip. This script
measures what the padding rule (``pad_mode`` of the ``clip`` step, or of
:class:`~skgenre.TrackClassifier`) does to the answers, on real music with artist-disjoint
folds: each pipeline is fitted on the whole training songs of a fold, then judges the
test songs cut to ``d`` seconds (from the middle of the song), once padded with zeros
(``"constant"``) and once with the excerpt repeated (``"wrap"``). The row ``whole`` is the
same fitted model on the whole test songs (no padding), for reference.

Usage::

    python benchmarks/bench_short_songs.py                       # both collections
    python benchmarks/bench_short_songs.py --data ../shared/data/emotify --kinds feature

Prints one Markdown table: accuracy mean ± std over the folds, per collection, model kind,
excerpt length and padding rule, and the share of test songs given the most common answer
(a model that ignores the music gives one genre to nearly all of them).
"""

import argparse
import time

import _common  # noqa: F401  (puts the checkout on sys.path)
import numpy as np

from _common import GTZAN, SHARED

DURATIONS = (1.0, 2.0, 4.0)


def _excerpts(waves, seconds, sr):
    n = int(round(seconds * sr))
    out = np.empty(len(waves), dtype=object)
    for i, w in enumerate(waves):
        start = max(0, (len(w) - n) // 2)
        out[i] = w[start : start + n]
    return out


def _run(data, kinds, folds, seed):
    from skgenre import make_cnn_pipeline, make_feature_pipeline
    from skgenre import make_spectrogram_dense_pipeline as make_spec
    from skgenre.datasets import load_genre_folders
    from skgenre.evaluation import StratifiedArtistKFold
    from skgenre.io import AudioLoader

    factories = {"feature": make_feature_pipeline, "spec-dense": make_spec,
                 "cnn": make_cnn_pipeline}
    ds = load_genre_folders(data)
    y = np.asarray(ds.target)
    waves = AudioLoader(sr=22050).transform(ds.filenames)
    cv = StratifiedArtistKFold(folds, random_state=0)
    rows = []
    for kind in kinds:
        scores = {}
        for f, (train, test) in enumerate(cv.split(waves, y, groups=ds.artists)):
            t0 = time.perf_counter()
            pipe = factories[kind]("tuned", track=True, random_state=100 * f + seed)
            model = pipe[1:].fit(waves[train], y[train])  # decoded once, not per fold
            head = model.steps[-1][1]
            scores.setdefault(("whole", "-"), []).append(
                (model.score(waves[test], y[test]), 0.0))
            for d in DURATIONS:
                cut = _excerpts(waves[test], d, 22050)
                for pad in ("constant", "wrap"):
                    head.set_params(pad_mode=pad)
                    pred = model.predict(cut)
                    top = np.unique(pred, return_counts=True)[1].max() / len(pred)
                    scores.setdefault((f"{d:g} s", pad), []).append(
                        (np.mean(pred == y[test]), top))
            print(f"{data.name} / {kind}: fold {f + 1}/{folds} "
                  f"({time.perf_counter() - t0:.0f} s)", flush=True)
        for (length, pad), vals in scores.items():
            acc, top = np.array(vals).T
            rows.append((data.name, kind, length, pad, acc.mean(), acc.std(), top.mean()))
    return rows


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", action="append", default=None,
                   help="a folder of genre folders (repeatable; default: GTZAN mini and "
                        "Emotify in ../shared/data)")
    p.add_argument("--kinds", nargs="+", default=["feature", "spec-dense"],
                   choices=["feature", "spec-dense", "cnn"])
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    from pathlib import Path

    datas = [Path(d) for d in args.data] if args.data else [
        GTZAN / "mini", SHARED / "data" / "emotify"]
    rows = []
    for data in datas:
        if not data.is_dir():
            raise SystemExit(f"{data} is not a folder (is ../shared there?)")
        rows += _run(data, args.kinds, args.folds, args.seed)
    print(f"\n{args.folds} folds by artist (StratifiedArtistKFold, random_state=0), "
          "tuned presets, track=True; test songs cut to the middle d seconds.\n")
    print("| collection | model | test songs | padding | accuracy | most common answer |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, kind, length, pad, mean, std, top in rows:
        share = "" if length == "whole" else f"{top:.2f} of the songs"
        print(f"| {name} | {kind} | {length} | {pad} | {mean:.3f} ± {std:.3f} | {share} |")


if __name__ == "__main__":
    main()
