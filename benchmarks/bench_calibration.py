"""Calibration: ECE (10 bins) and accuracy out of fold, by artist, before and after calibrating.

For the embedding pipeline (``make_embedding_pipeline()``), the tuned feature pipeline
(``make_feature_pipeline("tuned", track=True)``) and, with ``--pipelines combined``, the
combined pipeline (``make_combined_pipeline()``: embedding head times tag prior), on Emotify (200 tracks, 4 genres) and on
GTZAN mini, both in 5 folds by artist (:class:`~skgenre.evaluation.StratifiedArtistKFold`,
repeated ``--repeats`` times with seeds 0, 1, ...): the accuracy and the top-label ECE (10
equal-width bins, :func:`~skgenre.evaluation.expected_calibration_error`) of the pooled
out-of-fold probabilities of each repeat, as mean ± std over the repeats, uncalibrated and
calibrated (scikit-learn's :class:`~sklearn.calibration.CalibratedClassifierCV`, methods
sigmoid, isotonic and, with scikit-learn >= 1.8, temperature; its folds: 3 folds by
artist of the outer training tracks, ``ensemble=True``).

"ECE if calibrated" is the mean ECE of a model that is calibrated by construction with the
same confidences on as many tracks (each prediction drawn right with probability equal to
its confidence, 200 draws): the part of a measured ECE that is only the noise of
estimating each bin's accuracy from a few tracks.

GTZAN mini by artist: four of its genres (blues, classical, reggae, rock) are one artist
each, so a fold by artist that tests them has no training track of the genre. Only the 60
tracks of its six genres with three or more artists (country, disco, hiphop, jazz, metal,
pop) are used.

Every track's embedding or features are computed ONCE and cached (``--cache``, default
``/tmp/skgenre-calibration``, outside the repository); the folds then fit only the steps
after them on the cached rows:

* embedding: the mean over a whole track's 3-s patches of the MSD network's penultimate
  layer, the output of the pipeline's ``load, clip, noise, embed`` steps (no fitted
  state). The head is the factory's own ``scale, classifier`` steps
  (``make_embedding_pipeline(calibrate=..., calibration_cv=StratifiedArtistKFold(3))[-2:]``,
  fitted with metadata routing and ``groups``), so the calibrated rows are the public
  option exactly. With ``--embeddings-from DIR`` the rows come from the cache of
  ``bench_open_set.py`` (the first half, the means, of its penultimate mean+std rows),
  checked against the pipeline on two tracks first.
* combined: the tag means and the embedding of ``bench_zero_shot.py``'s cache
  (``--zero-shot-cache``), side by side as ``make_combined_pipeline()[:-1]`` gives them;
  the head is the factory's ``classifier`` step (a ``TagPriorClassifier``, the mapping of
  the collection: ``"emotify"`` or ``"gtzan"``), alone or inside scikit-learn's
  ``CalibratedClassifierCV`` with the same folds as the embedding head's.
* feature: the ``track`` step's clips are cut once per track: its 10 random training
  clips (one draw, seed 0; the pipeline draws new offsets at each fit) and its consecutive
  5-s clips for prediction; the ``noise, features`` steps (no fitted state) give each
  clip's 131 features. The ``scale, classifier`` steps are fitted on the training clips
  of the training tracks, and a track's probabilities are the mean over its consecutive
  clips, as ``TrackClassifier`` does. Calibrated: for each of 3 inner folds by artist, a
  head fitted on the inner training tracks and a calibrator fitted on its held-out tracks
  (with the function ``CalibratedClassifierCV`` fits its calibrators with), averaged over
  the 3, which is
  ``CalibratedClassifierCV(track_step, cv=StratifiedArtistKFold(3))`` on these clips.

Run (from the checkout root)::

    python benchmarks/bench_calibration.py --embeddings-from /tmp/skgenre-open-set \\
        --json /tmp/calibration.json

The reliability diagram of the documentation is drawn by ``examples/plot_reliability.py``
(the same folds and heads; ``--cache`` takes this script's ``embedding_emotify.npy``).
"""

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import _common  # puts the checkout first on sys.path
import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

SHARED = _common.SHARED
EMOTIFY = SHARED / "data" / "emotify"
MINI = SHARED / "data" / "gtzan" / "mini"
# GTZAN mini's genres with three or more artists (the others are one artist each)
MINI_GENRES = ("country", "disco", "hiphop", "jazz", "metal", "pop")
N_BINS = 10
INNER_FOLDS = 3


def datasets():
    """``{name: (files, y, artists)}``: Emotify and the mini genres with several artists."""
    from skgenre.datasets import load_genre_folders

    _common.require_folders(EMOTIFY, MINI)
    out = {}
    for name, root, genres in (("emotify", EMOTIFY, None), ("mini", MINI, MINI_GENRES)):
        data = load_genre_folders(root, check="header")
        y = np.asarray(data.target_names)[data.target]
        keep = np.ones(len(y), bool) if genres is None else np.isin(y, genres)
        out[name] = (np.asarray(data.filenames)[keep], y[keep], np.asarray(data.artists)[keep])
    return out


# -- caches ---------------------------------------------------------------------------------

def _open_set_rows(folder, files):
    """The embedding of ``files`` from bench_open_set.py's cache, or None."""
    import pandas as pd

    f = Path(folder) / "MSD_musicnn.npz"
    if not f.is_file():
        sys.exit(f"--embeddings-from: no {f}")
    z = np.load(f)
    # bench_open_set.py's order: the sorted mini files, then Emotify's tracks.csv
    order = sorted(MINI.glob("*/*.flac"))
    order += [EMOTIFY / p for p in pd.read_csv(EMOTIFY / "tracks.csv")["file"]]
    rows = np.concatenate([z["train_penultimate"], z["test_penultimate"]])
    if len(rows) != len(order):
        sys.exit(f"--embeddings-from: {f} has {len(rows)} rows, expected {len(order)}")
    rows = rows[:, : rows.shape[1] // 2]  # the mean block of the mean+std rows
    where = {p.resolve(): i for i, p in enumerate(order)}
    missing = [p for p in files if Path(p).resolve() not in where]
    if missing:
        sys.exit(f"--embeddings-from: {len(missing)} tracks not in {f}, e.g. {missing[0]}")
    return rows[[where[Path(p).resolve()] for p in files]]


def embeddings(name, files, cache, source=None):
    """Each track's ``make_embedding_pipeline()`` embedding (cached)."""
    from skgenre import make_embedding_pipeline

    f = Path(cache) / f"embedding_{name}.npy"
    if f.is_file():
        return np.load(f)
    head = make_embedding_pipeline()[:4]  # load, clip, noise, embed: nothing fitted
    X = _open_set_rows(source, files) if source else None
    t0 = time.process_time()
    if X is not None:
        check = head.fit_transform([str(p) for p in files[:2]])
        np.testing.assert_allclose(X[:2], check, rtol=1e-4, atol=1e-5)
        print(f"{name}: embeddings from {source}, checked on 2 tracks", file=sys.stderr)
    else:
        X = head.fit_transform([str(p) for p in files])
        print(f"{name}: embedded {len(files)} tracks in {time.process_time() - t0:.0f} "
              "CPU s", file=sys.stderr)
    np.save(f, X)
    return X


def features(name, files, cache):
    """Per clip features of the tuned track pipeline: training clips and prediction clips."""
    from skgenre import AudioLoader, make_feature_pipeline
    from skgenre.preprocessing import consecutive_clips

    f = Path(cache) / f"features_{name}.npz"
    if f.is_file():
        return dict(np.load(f))
    t0 = time.process_time()
    track = make_feature_pipeline("tuned", track=True, random_state=0).named_steps["track"]
    # one generator drawn from track after track, as one fit on all the tracks draws
    track.set_params(random_state=np.random.default_rng(0))
    extract = track.estimator[:-2]  # noise (rate 0), features: nothing fitted
    n = int(round(track.clip_duration * track.sr))
    parts = {k: [] for k in ("train_X", "train_owner", "test_X", "test_owner")}
    for i, path in enumerate(files):
        wave = AudioLoader(sr=track.sr).fit_transform([str(path)])
        clips, _ = track._training_clips(list(wave))
        parts["train_X"].append(extract.fit_transform(clips))
        parts["train_owner"].append(np.full(len(clips), i))
        clips = consecutive_clips(wave[0], n)
        parts["test_X"].append(extract.fit_transform(clips))
        parts["test_owner"].append(np.full(len(clips), i))
    out = {k: np.concatenate(v) for k, v in parts.items()}
    np.savez(f, **out)
    print(f"{name}: features of {len(files)} tracks in {time.process_time() - t0:.0f} CPU s",
          file=sys.stderr)
    return out


# -- heads ----------------------------------------------------------------------------------

def _embedding_head(method, cv, seed):
    from skgenre import make_embedding_pipeline

    return make_embedding_pipeline(calibrate=method, calibration_cv=cv, random_state=seed)[-2:]


def combined_rows(name, files, cache):
    """Each track's tags then embedding (the combined pipeline's features), cached.

    The cache is ``bench_zero_shot.py``'s (``--zero-shot-cache``): the MTT and MSD tag
    means (``make_zero_shot_pipeline()[:-1]``) and the MSD penultimate mean
    (``make_embedding_pipeline()[:4]``), computed there if missing; side by side they are
    ``make_combined_pipeline()[:-1]``'s output (``TagPriorClassifier``'s columns).
    """
    import bench_zero_shot as zs

    key = {"emotify": "emotify", "mini": "gtzan-mini"}[name]
    files = [str(f) for f in files]
    return np.hstack([zs.cached(cache, f"tags_{key}", files, zs.tag_scores),
                      zs.cached(cache, f"embed_{key}", files, zs.embeddings)])


def _combined_head(mapping):
    """``make_combined_pipeline(mapping)``'s classifier, calibrated as asked."""

    def make(method, cv, seed):
        from sklearn.calibration import CalibratedClassifierCV

        from skgenre import make_combined_pipeline

        clf = make_combined_pipeline(mapping).named_steps["classifier"]
        return clf if method is None else CalibratedClassifierCV(clf, method=method, cv=cv)

    return make


def run_embedding(X, y, artists, methods, repeats, make_head=_embedding_head):
    """``{variant: [oof proba of repeat r]}`` for the embedding (or another cached) head."""
    import sklearn

    from skgenre.evaluation import StratifiedArtistKFold

    variants = {"none": (None, None)}
    for m in methods:
        variants[m] = (m, "artist")
    # the factory's default calibration folds (by track) for comparison
    variants["sigmoid, cv=5 by track"] = ("sigmoid", 5)
    if "temperature" in methods:
        variants["temperature, cv=5 by track"] = ("temperature", 5)
    out = {v: [] for v in variants}
    classes = np.unique(y)
    for r in range(repeats):
        outer = StratifiedArtistKFold(5, random_state=r)
        probas = {v: np.zeros((len(y), len(classes))) for v in variants}
        for k, (train, test) in enumerate(outer.split(X, y, artists)):
            for v, (method, folds) in variants.items():
                cv = StratifiedArtistKFold(INNER_FOLDS, random_state=100 * r + k) if (
                    folds == "artist") else folds
                if probas[v] is None:
                    continue
                head = make_head(method, cv, r)
                with sklearn.config_context(enable_metadata_routing=True):
                    # only the folds by artist take groups (routing refuses unused ones)
                    meta = {"groups": artists[train]} if folds == "artist" else {}
                    try:
                        head.fit(X[train], y[train], **meta)
                    except ValueError as exc:
                        # cv=5 needs 5 training tracks of every genre (mini's jazz: 4)
                        print(f"  {v}: {exc}", file=sys.stderr)
                        probas[v] = None
                        continue
                probas[v][test] = _full(head.predict_proba(X[test]), head.classes_, classes)
        for v in variants:
            out[v].append(probas[v])
    return {v: p for v, p in out.items() if all(q is not None for q in p)}


def _full(proba, have, classes):
    """Probabilities over ``classes`` from a model that knows only ``have``."""
    out = np.zeros((len(proba), len(classes)))
    out[:, np.searchsorted(classes, have)] = proba
    return out


def _feature_head(seed):
    from sklearn.base import clone

    from skgenre import make_feature_pipeline

    pipe = make_feature_pipeline("tuned", track=True, random_state=seed)
    return clone(pipe.named_steps["track"].estimator[-2:])


def _track_proba(head, cached, tracks, classes):
    """Mean clip probabilities of each of ``tracks`` (columns: ``classes``)."""
    rows = np.isin(cached["test_owner"], tracks)
    proba = _full(head.predict_proba(cached["test_X"][rows]), head.classes_, classes)
    owner = cached["test_owner"][rows]
    return np.stack([proba[owner == t].mean(axis=0) for t in tracks])


def _fit_head(cached, y, tracks, seed):
    rows = np.isin(cached["train_owner"], tracks)
    return _feature_head(seed).fit(cached["train_X"][rows], y[cached["train_owner"][rows]])


def _calibrate(method, proba_fit, y_fit, proba_apply, classes):
    """A calibrator fitted on given probabilities, applied to others.

    The function ``CalibratedClassifierCV`` fits each calibrator with (scikit-learn's
    private ``_fit_calibrator``), given all the outer training classes as it is: an inner
    held-out side may miss a genre (GTZAN mini's jazz has three artists).
    """
    import inspect

    from sklearn import calibration

    given = _Given(classes).fit(None)
    # CalibratedClassifierCV label-encodes string targets for temperature scaling
    y = np.searchsorted(classes, y_fit) if method == "temperature" else y_fit
    extra = {"xp": np} if "xp" in inspect.signature(calibration._fit_calibrator).parameters else {}
    fitted = calibration._fit_calibrator(given, proba_fit, y, classes, method, **extra)
    return fitted.predict_proba(proba_apply)


class _Given(ClassifierMixin, BaseEstimator):
    """A 'classifier' whose probabilities are its input, to calibrate given probabilities."""

    def __init__(self, classes=None):
        self.classes = classes

    def fit(self, X, y=None):
        self.classes_ = np.asarray(self.classes)
        return self

    def predict_proba(self, X):
        return np.asarray(X, dtype=np.float64)

    def predict(self, X):
        return self.classes_[np.argmax(X, axis=1)]


def run_feature(cached, y, artists, methods, repeats):
    """``{variant: [oof proba of repeat r]}`` for the tuned feature pipeline's head."""
    from skgenre.evaluation import StratifiedArtistKFold

    classes = np.unique(y)
    out = {v: [] for v in ["none", *methods]}
    for r in range(repeats):
        probas = {v: np.zeros((len(y), len(classes))) for v in out}
        outer = StratifiedArtistKFold(5, random_state=r)
        for k, (train, test) in enumerate(outer.split(y, y, artists)):
            t0 = time.process_time()
            probas["none"][test] = _track_proba(_fit_head(cached, y, train, r), cached, test,
                                                classes)
            inner = StratifiedArtistKFold(INNER_FOLDS, random_state=100 * r + k)
            calibrated = {m: [] for m in methods}
            for itrain, itest in inner.split(train, y[train], artists[train]):
                head = _fit_head(cached, y, train[itrain], r)
                held = _track_proba(head, cached, train[itest], classes)
                applied = _track_proba(head, cached, test, classes)
                for m in methods:
                    calibrated[m].append(_calibrate(m, held, y[train[itest]], applied, classes))
            for m in methods:
                probas[m][test] = np.mean(calibrated[m], axis=0)
            print(f"  feature repeat {r} fold {k}: {time.process_time() - t0:.0f} CPU s",
                  file=sys.stderr, flush=True)
        for v in out:
            out[v].append(probas[v])
    return out


# -- report ---------------------------------------------------------------------------------

def ece_floor(proba, n_sims=200, seed=0):
    """Mean ECE of a perfectly calibrated model with these confidences, on this many tracks.

    Each track's prediction is drawn right with probability equal to its confidence, so the
    model is calibrated by construction; what ECE remains is the noise of estimating each
    bin's accuracy from few tracks.
    """
    conf = proba.max(axis=1)
    edges = np.linspace(0.0, 1.0, N_BINS + 1)
    which = np.clip(np.searchsorted(edges, conf, side="left") - 1, 0, N_BINS - 1)
    conf_sum = np.bincount(which, weights=conf, minlength=N_BINS)
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n_sims):
        right = np.bincount(which, weights=rng.random(len(conf)) < conf, minlength=N_BINS)
        out.append(np.abs(right - conf_sum).sum() / len(conf))
    return float(np.mean(out))


def summarise(y, per_variant):
    from skgenre.evaluation import expected_calibration_error

    classes = np.unique(y)
    rows = {}
    for v, probas in per_variant.items():
        acc = [np.mean(classes[p.argmax(1)] == y) for p in probas]
        ece = [expected_calibration_error(y, p, n_bins=N_BINS, labels=classes) for p in probas]
        rows[v] = {"accuracy": acc, "confidence": [float(p.max(1).mean()) for p in probas],
                   "ece": ece, "ece_floor": [ece_floor(p) for p in probas]}
    return rows


def _pm(values):
    return f"{np.mean(values):.3f} ± {np.std(values):.3f}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache", default="/tmp/skgenre-calibration")
    parser.add_argument("--embeddings-from", default=None,
                        help="folder of bench_open_set.py's cache (MSD_musicnn.npz)")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--pipelines", nargs="+", default=["embedding", "feature"],
                        choices=["embedding", "feature", "combined"])
    parser.add_argument("--zero-shot-cache", default="/tmp/skgenre_zero_shot_cache.npz",
                        help="bench_zero_shot.py's cache of tags and embeddings (combined)")
    parser.add_argument("--datasets", nargs="+", default=["emotify", "mini"],
                        choices=["emotify", "mini"])
    parser.add_argument("--cache-only", action="store_true",
                        help="compute the caches and stop")
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)

    from sklearn.calibration import CalibratedClassifierCV

    options = CalibratedClassifierCV._parameter_constraints["method"][0].options
    methods = [m for m in ("sigmoid", "isotonic", "temperature") if m in options]
    Path(args.cache).mkdir(parents=True, exist_ok=True)
    warnings.filterwarnings("ignore", category=UserWarning)  # few tracks of a genre per fold
    data = {k: v for k, v in datasets().items() if k in args.datasets}
    results, probas = {}, {}
    for name, (files, y, artists) in data.items():
        for pipeline in args.pipelines:
            if pipeline == "embedding":
                X = embeddings(name, files, args.cache, args.embeddings_from)
                if args.cache_only:
                    continue
                out = run_embedding(X, y, artists, methods, args.repeats)
            elif pipeline == "combined":
                X = combined_rows(name, files, args.zero_shot_cache)
                if args.cache_only:
                    continue
                mapping = "emotify" if name == "emotify" else "gtzan"
                out = run_embedding(X, y, artists, methods, args.repeats,
                                    _combined_head(mapping))
            else:
                cached = features(name, files, args.cache)
                if args.cache_only:
                    continue
                out = run_feature(cached, y, artists, methods, args.repeats)
            probas[name, pipeline] = out
            results[f"{name}/{pipeline}"] = summarise(y, out)
            print(f"\n{name}, {pipeline} ({len(y)} tracks, {len(set(artists))} artists), "
                  f"5 folds by artist x {args.repeats}:")
            print("| calibration | accuracy | mean confidence | ECE (10 bins) | "
                  "ECE if calibrated |\n| --- | ---: | ---: | ---: | ---: |")
            for v, row in results[f"{name}/{pipeline}"].items():
                print(f"| {v} | {_pm(row['accuracy'])} | {np.mean(row['confidence']):.3f} | "
                      f"{_pm(row['ece'])} | {np.mean(row['ece_floor']):.3f} |", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))

if __name__ == "__main__":
    main()
