"""What the ``skgenre`` subcommands share: messages, the data set, the pipeline."""

import contextlib
import sys
import time

import numpy as np

from .._errors import DatasetError

__all__ = ["Console", "build_pipeline", "get_dataset", "keras_output"]


class Console:
    """Messages on stderr: progress unless quiet, warnings always.

    Parameters
    ----------
    quiet : bool, default=False
        No progress messages and no progress bars.
    verbose : int, default=0
        1 and more: Keras prints one line per training epoch.
    stream : file, default=None
        Where messages go; ``None`` means ``sys.stderr``.
    """

    def __init__(self, quiet=False, verbose=0, stream=None):
        self.quiet = quiet
        self.verbose = verbose
        self.stream = stream
        self.timings = {}

    def _print(self, message):
        stream = self.stream or sys.stderr
        if stream is None:  # descriptor 2 closed (2>&-): print(file=None) went to stdout
            return
        print(f"[skgenre] {message}", file=stream, flush=True)

    def say(self, message):
        if not self.quiet:
            self._print(message)

    def warn(self, message):
        """Shown even when quiet: files left out must never go unnoticed."""
        self._print(f"warning: {message}")

    @contextlib.contextmanager
    def stage(self, name, message):
        """Time a stage; its wall time is added to ``timings[name]`` (seconds)."""
        self.say(f"{message} ...")
        start = time.perf_counter()
        yield
        elapsed = time.perf_counter() - start
        self.timings[name] = self.timings.get(name, 0.0) + elapsed
        self.say(f"{message}: done in {elapsed:.1f} s")


def get_dataset(data_dir, n_per_class, seed, console, n_jobs=None):
    """Return ``(X, y, description, kind, artists)`` with ``kind`` one of toy, gtzan,
    folders, and ``artists`` each song's artist group (a GTZAN copy's from Sturm's index,
    a folder's from its ``tracks.csv``) or None where they are not known.

    With ``data_dir`` the songs are the files of its genre folders
    (:func:`skgenre.datasets.load_genre_folders`, each song decoded once on ``n_jobs``
    threads, so that a file damaged after its header is left out here instead of stopping
    the fit); every file left out is listed with the reason. Without it the built-in synthetic toy set (10 classes of generated audio) is
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
        y = np.asarray(toy.target_names)[toy.target]
        desc = (
            f"SYNTHETIC toy data (skgenre.datasets.make_toy_genres, {len(np.unique(y))} "
            f"classes, {len(y)} generated songs) -- NOT GTZAN; pass --data DIR for your "
            "own music or GTZAN"
        )
        return toy.data, y, desc, "toy", None

    from ..datasets import load_genre_folders
    from ._safety import display_name

    with console.stage("check", f"checking that the songs of {display_name(data_dir)} decode"):
        data = load_genre_folders(data_dir, n_per_genre=n_per_class, n_jobs=n_jobs)
    for path, why in data.skipped:
        console.warn(f"skipped {display_name(path)}: {display_name(why)}")
    if len(data.target_names) < 2:
        raise DatasetError(
            f"{data.base!r} holds {len(data.target_names)} genre folder "
            f"({', '.join(map(repr, data.target_names))}); a classifier needs at least two"
        )
    y = np.asarray(data.target_names)[data.target]
    if data.synthetic:
        # GTZAN's names and layout, generated audio: flagged, and no artists (Sturm's index
        # would name real ones)
        desc = (f"SYNTHETIC toy data written by skgenre.datasets.make_toy_genres in "
                f"{data_dir} ({len(data.target_names)} classes, {len(y)} songs) -- NOT GTZAN")
        return data.filenames.astype(object), y, desc, "toy", None
    kind = "GTZAN folder" if data.layout == "gtzan" else "folder"
    desc = f"{kind} {data_dir} ({len(data.target_names)} genres, {len(y)} songs"
    if data.skipped:
        desc += f"; {len(data.skipped)} file(s) skipped, listed above"
    desc += ")"
    return data.filenames.astype(object), y, desc, data.layout, data.artists


def build_pipeline(kind, args, console):
    """The pipeline of model ``kind`` with the command's preset, seed, jobs and epochs.

    Every step with a ``verbose`` parameter shows its progress bar unless ``--quiet``;
    the Keras classifier prints its epoch lines only with ``-v``.
    """
    from ..pipelines import MODEL_KINDS

    if kind == "embedding":
        # Pretrained features and a linear classifier: no network is trained, so neither
        # the preset of the networks nor the epochs apply.
        pipe = MODEL_KINDS[kind](random_state=args.seed, n_jobs=args.jobs)
    elif kind == "combined":
        # The same, times the zero-shot prior of every built-in genre the data has.
        pipe = MODEL_KINDS[kind]("all", n_jobs=args.jobs)
    else:
        params = {} if args.epochs is None else {"epochs": args.epochs}
        pipe = MODEL_KINDS[kind](args.preset, random_state=args.seed, n_jobs=args.jobs, **params)
    clf = pipe.steps[-1][0]
    verbosity = {
        f"{name}__verbose": (2 if console.verbose else 0) if name == clf else int(not console.quiet)
        for name, step in pipe.steps
        if hasattr(step, "get_params") and "verbose" in step.get_params(deep=False)
    }
    return pipe.set_params(**verbosity)


@contextlib.contextmanager
def keras_output():
    """Keras prints its epoch lines on stdout, which is for results: send them to stderr."""
    with contextlib.redirect_stdout(sys.stderr):
        yield
