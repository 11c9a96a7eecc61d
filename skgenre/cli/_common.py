"""Helpers shared by the ``skgenre`` subcommands: progress, data sets, staged fitting."""

import contextlib
import os
import sys
import time
import warnings

import numpy as np

from .._errors import BrokenFilesWarning, SkgenreError

__all__ = [
    "MODELS",
    "is_paths",
    "load_and_clip",
    "Progress",
    "build_pipeline",
    "fit_classifier",
    "get_dataset",
    "transform_in_chunks",
]

# CLI model name -> (factory name in skgenre.pipelines, label in tables)
MODELS = {
    "feature": ("make_feature_pipeline", "Feature"),
    "spec-dense": ("make_spectrogram_dense_pipeline", "Spec-Dense"),
    "cnn": ("make_cnn_pipeline", "CNN"),
}

# Rows between progress messages for per-file / per-clip work.
_CHUNK = 100


class Progress:
    """Progress and timing messages on stderr (nothing when quiet)."""

    def __init__(self, quiet=False, stream=None):
        self.quiet = quiet
        self.stream = sys.stderr if stream is None else stream
        self.timings = {}

    def say(self, message):
        if not self.quiet:
            print(f"[skgenre] {message}", file=self.stream, flush=True)

    def warn(self, message):
        """Shown even when quiet: files left out must never go unnoticed."""
        print(f"[skgenre] warning: {message}", file=self.stream, flush=True)

    @contextlib.contextmanager
    def stage(self, name, message):
        """Time a stage; the wall time is kept in ``timings[name]`` (seconds)."""
        self.say(f"{message} ...")
        start = time.perf_counter()
        yield
        elapsed = time.perf_counter() - start
        self.timings[name] = self.timings.get(name, 0.0) + elapsed
        self.say(f"{message}: done in {elapsed:.1f} s")


def _concat(parts):
    if all(isinstance(p, np.ndarray) for p in parts):
        if all(p.dtype == object and p.ndim == 1 for p in parts):
            out = np.empty(sum(len(p) for p in parts), dtype=object)
            i = 0
            for p in parts:
                out[i : i + len(p)] = p
                i += len(p)
            return out
        return np.concatenate(parts, axis=0)
    out = []
    for p in parts:
        out.extend(p)
    return out


def load_and_clip(pipe, X, y, progress):
    """Run the pipeline's ``load`` and ``clip`` steps: one random clip per song.

    Songs are decoded a chunk at a time and clipped at once, so memory holds one chunk
    of whole songs, not all of them (1000 GTZAN songs take 2.6 GB as float32). Each chunk
    draws its clip offsets from its own seed, derived from the ``clip`` step's
    ``random_state``, so an int seed repeats the run. Files that cannot be decoded are
    left out with a warning (always shown, also when quiet).

    Returns
    -------
    clips : ndarray of shape (n_kept, n_samples), float32
    y : ndarray of shape (n_kept,)
    """
    from ..utils import make_rng

    load, clip = pipe.named_steps["load"], pipe.named_steps["clip"]
    y = np.asarray(y)
    with progress.stage("load_clip", f"loading {len(y)} songs and cutting one clip each"):
        if not is_paths(X):
            # Waveforms in memory (the toy set): the stateless load step has nothing to
            # decode.
            return clip.fit_transform(X), y
        n = len(X)
        n_chunks = -(-n // _CHUNK)
        random_state = clip.random_state
        seeds = [None] * n_chunks
        if random_state is not None:
            seeds = make_rng(random_state).integers(np.iinfo(np.int32).max, size=n_chunks)
        on_error = load.get_params()["on_error"]
        load.set_params(on_error="warn")
        parts, keep = [], []
        try:
            load.fit(X)
            for k in range(n_chunks):
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always", BrokenFilesWarning)
                    waves = load.transform(X[k * _CHUNK : (k + 1) * _CHUNK])
                for w in caught:
                    if issubclass(w.category, BrokenFilesWarning):
                        progress.warn(str(w.message))
                    else:
                        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
                ok = np.array([np.size(w) > 0 for w in waves], dtype=bool)
                keep.append(ok)
                if ok.any():
                    clip.set_params(random_state=None if seeds[k] is None else int(seeds[k]))
                    # fit_transform: the training-time mode, as in Pipeline.fit
                    parts.append(clip.fit_transform(waves[ok]))
                if n > _CHUNK:
                    progress.say(f"  songs decoded and clipped: {min((k + 1) * _CHUNK, n)}/{n}")
        finally:
            load.set_params(on_error=on_error)
            clip.set_params(random_state=random_state)
        keep = np.concatenate(keep)
        if not keep.any():
            raise SkgenreError("none of the songs could be loaded; see the warnings above.")
        if not keep.all():
            progress.warn(f"left out {int((~keep).sum())} unreadable file(s)")
        return np.concatenate(parts, axis=0), y[keep]


def is_paths(X):
    """Whether ``X`` lists files (to decode) rather than waveforms already in memory."""
    return len(X) > 0 and isinstance(X[0], (str, os.PathLike))


def transform_in_chunks(step, X, progress, what):
    """``step.transform(X)`` in chunks of rows, reporting progress after each chunk."""
    n = len(X)
    if n <= _CHUNK:
        return step.transform(X)
    parts = []
    for start in range(0, n, _CHUNK):
        parts.append(step.transform(X[start : start + _CHUNK]))
        progress.say(f"  {what}: {min(start + _CHUNK, n)}/{n}")
    return _concat(parts)


def get_dataset(data_dir, n_per_class, seed, progress):
    """Return ``(X, y, description, synthetic)``: paths and labels of GTZAN or the toy set.

    Without ``data_dir`` the built-in synthetic toy set (10 classes of generated audio) is
    made in memory; its waveforms stand in for the decoded files.
    """
    if data_dir is None:
        from ..datasets import make_toy_genres

        # GTZAN's size by default: 100 songs of 6 s per genre.
        toy = make_toy_genres(
            n_per_class=100 if n_per_class is None else n_per_class,
            n_classes=10,
            duration=6.0,
            random_state=seed,
        )
        X, y = _bunch_xy(toy)
        desc = (
            f"SYNTHETIC toy data (skgenre.datasets.make_toy_genres, {len(np.unique(y))} "
            f"classes, {len(y)} generated songs) -- NOT GTZAN; pass --data DIR for the real "
            "data set"
        )
        return X, y, desc, True

    from ..datasets import load_gtzan

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gtzan = load_gtzan(data_dir)
    for w in caught:
        if issubclass(w.category, BrokenFilesWarning):
            progress.warn(str(w.message))
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    X, y = _bunch_xy(gtzan)
    if n_per_class is not None:
        keep = np.concatenate(
            [np.flatnonzero(y == c)[:n_per_class] for c in np.unique(y)]
        )
        keep.sort()
        X = [X[i] for i in keep] if isinstance(X, list) else X[keep]
        y = y[keep]
    desc = f"GTZAN folder {data_dir} ({len(np.unique(y))} genres, {len(y)} songs)"
    return X, y, desc, False


def _bunch_xy(bunch):
    if isinstance(bunch, tuple):
        X, y = bunch[0], bunch[1]
    else:
        X = None
        for key in ("filenames", "data", "waveforms"):
            if key in bunch and bunch[key] is not None:
                X = bunch[key]
                break
        y = bunch["target"]
        names = bunch.get("target_names")
        y = np.asarray(y)
        if names is not None and y.dtype.kind in "iu":
            y = np.asarray(names)[y]
    y = np.asarray(y)
    if isinstance(X, np.ndarray) and X.dtype.kind in "US":
        X = X.astype(object)
    return X, y


def build_pipeline(model, preset, seed, jobs, epochs=None):
    """A fresh pipeline of the CLI's ``model`` with the given preset and seed."""
    from .. import pipelines

    if model == "embedding":
        # Pretrained features and a kernel classifier: no network is trained, so neither
        # the preset's kind nor the epochs apply.
        return pipelines.make_embedding_pipeline(random_state=seed, n_jobs=jobs)
    factory = getattr(pipelines, MODELS[model][0])
    params = {"verbose": 0}
    if epochs is not None:
        params["epochs"] = epochs
    return factory(preset, random_state=seed, n_jobs=jobs, **params)


def fit_classifier(pipe_tail, X, y, progress, label):
    """Fit ``pipe_tail`` (scaler and/or classifier); Keras epoch lines go to stderr."""
    clf = pipe_tail.steps[-1][1]
    with progress.stage(f"train_{label}", f"training {label} on {len(y)} clips"):
        if progress.quiet:
            pipe_tail.fit(X, y)
        else:
            # One line per epoch while training only (not on every later predict), and on
            # stderr: Keras prints on stdout, which is for results.
            clf.set_params(verbose=2)
            try:
                with contextlib.redirect_stdout(sys.stderr):
                    pipe_tail.fit(X, y)
            finally:
                clf.set_params(verbose=0)
    return pipe_tail
