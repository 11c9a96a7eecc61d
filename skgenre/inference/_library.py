"""A music library judged song by song: streamed paths in, one group of rows per song out.

The songs go to workers through joblib (``n_jobs`` processes with the default backend, or
a Dask cluster with ``backend="dask"``). Each worker process loads the model once, the
first time it gets a song of the run, and keeps it for the next songs; the paths are
handed out a few at a time, so memory does not grow with the number of songs.
"""

import os
import threading
import time
import uuid
from numbers import Integral

import numpy as np

from ._inputs import collect_inputs
from ._results import SONG

__all__ = ["PipelineJudge", "SongRowsJudge", "iter_song_rows", "predict_library"]

# The judge each worker process loaded last: (key, judge). One at a time, so that a long
# lived worker (a Dask cluster's) does not keep every model it ever ran.
_LOADED = [None, None]


_WATCHED = []


def _in_loky_worker():
    """Whether this process is a joblib (loky) worker: one that joblib started for us."""
    import multiprocessing

    return multiprocessing.current_process().name.startswith("LokyProcess")


def _watch_parent(owner):
    """In a joblib (loky) worker: exit when ``owner``, the process that started it, dies.

    After ``kill -9`` of the command, its workers would otherwise idle for minutes with a
    model loaded (loky's idle timeout), and finish the songs of a run no one writes. The
    owner's pid comes with the song, not from ``os.getppid()`` here: a worker gets its
    first song only after unpickling the model (seconds), and an owner killed meanwhile
    has already handed the worker to another parent.
    """
    if _WATCHED or not _in_loky_worker():
        return
    if os.getppid() != owner:
        os._exit(0)  # the owner died before this worker's first song
    _WATCHED.append(True)

    def watch():
        while os.getppid() == owner:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, daemon=True, name="skgenre-parent-watch").start()


def _loaded(spec, owner):
    _watch_parent(owner)
    if getattr(spec, "own_workers", False) and _in_loky_worker():
        from ..utils._malloc import retain_freed_memory

        # A worker of the CLI judges song after song: keep freed memory for the next song
        # instead of faulting it in again (a Dask worker is the cluster's, and a worker
        # of predict_library's joblib runs the caller's other work later: left as is).
        retain_freed_memory()
    if _LOADED[0] != spec.key:
        _LOADED[0], _LOADED[1] = None, None  # the old model goes before the new one loads
        _LOADED[1] = spec.load()
        _LOADED[0] = spec.key
    return _LOADED[1]


def _judge_in_worker(spec, path, owner):
    return _loaded(spec, owner)(path)


def error_rows(path, message, segments=False):
    """The one row of a path that is no song (or could not be judged at all)."""
    row = {"path": path, "top": None, "seconds": None, "note": None, "error": str(message),
           "n_clips": 0, "top_k": []}
    if segments:
        row["segment"] = SONG
    return [row]


class SongRowsJudge:
    """What a worker needs to judge songs, picklable: the settings of the rows, and the
    model it loads once (:meth:`_song_judge`). The base of :class:`PipelineJudge` and of
    :class:`~skgenre.inference._plan.PlanJudge`.

    Parameters
    ----------
    top_k, max_duration, screen, segments, segment_duration
        As for :func:`~skgenre.inference.predict_songs`.
    own_workers : bool, default=False
        Whether the workers are the caller's alone (the CLI's): they then keep freed
        memory for the next song (:func:`~skgenre.utils._malloc.retain_freed_memory`,
        process-wide). joblib reuses its workers for the caller's other work, so
        :func:`predict_library` leaves them as they are.
    """

    def __init__(self, *, top_k=3, max_duration=600.0, screen=True, segments=False,
                 segment_duration=10.0, own_workers=False):
        self.own_workers = bool(own_workers)
        self.top_k = top_k
        self.max_duration = max_duration
        self.screen = screen
        self.segments = segments
        self.segment_duration = segment_duration
        self.key = uuid.uuid4().hex

    def _settings(self):
        return {"top_k": self.top_k, "max_duration": self.max_duration, "screen": self.screen,
                "segments": self.segments, "segment_duration": self.segment_duration}

    def _song_judge(self):
        """The :class:`~skgenre.inference._judge.SongJudge` of the model, loaded."""
        raise NotImplementedError

    def load(self):
        """Return ``judge(path) -> rows`` with the model loaded."""
        judge = self._song_judge()
        return lambda path: song_rows(judge, path)


class PipelineJudge(SongRowsJudge):
    """How a worker judges one song with a skgenre pipeline (picklable, loaded once each).

    Parameters
    ----------
    pipeline : Pipeline or None
        The fitted pipeline, sent to each worker; or None with ``model_file``.
    model_file : str or None
        A model file each worker loads with :func:`~skgenre.load_model` (what the CLI
        sends: a path is cheaper to send than a model).
    load_kwargs : dict or None
        Keyword arguments of :func:`~skgenre.load_model` (trust options).
    **settings
        ``top_k``, ``max_duration``, ``screen``, ``segments``, ``segment_duration``, as
        for :func:`predict_songs`.
    """

    def __init__(self, pipeline=None, *, model_file=None, load_kwargs=None, **settings):
        super().__init__(**settings)
        self.pipeline = pipeline
        self.model_file = model_file
        self.load_kwargs = dict(load_kwargs or {})
        self._pickled = None
        self._built = None

    def __getstate__(self):
        # joblib pickles the judge with every song it sends. The pipeline goes as bytes,
        # pickled once here: a worker that has loaded this judge's model (its key) skips
        # them, and each further song costs a copy of bytes, not the pickling of the
        # whole pipeline in the parent and its unpickling in the worker.
        state = dict(vars(self), _built=None)  # each process builds its own judge
        if self.pipeline is not None:
            if self._pickled is None:
                # joblib's own pickler (it takes lambdas): a dependency of joblib >= 1.5,
                # vendored in joblib before
                try:
                    import cloudpickle
                except ImportError:  # pragma: no cover - joblib < 1.5
                    from joblib.externals import cloudpickle

                self._pickled = cloudpickle.dumps(self.pipeline, protocol=5)
            state.update(pipeline=None, _pickled=self._pickled)
        return state

    def _song_judge(self):
        """Built once per process: the CLI builds it first to check ``max_duration``."""
        if self._built is not None:
            return self._built
        import pickle

        from ._songs import song_judge

        model = self.pipeline
        if model is None and self._pickled is not None:
            model = pickle.loads(self._pickled)
        elif model is None:
            from .._persist import load_model

            model = load_model(self.model_file, **self.load_kwargs)
        self._built = song_judge(model, **self._settings())
        return self._built


def _number(value):
    value = float(value)
    return None if np.isnan(value) else value


def song_rows(judge, path):
    """One song's rows (its segments, then its summary) judged by a :class:`SongJudge`."""
    (r,), timeline = judge.judge([path])
    if r["error"] is not None:
        return error_rows(path, r["error"], judge.segments)
    classes, head = judge.classes, judge.head
    rows = []
    for t in timeline:
        row = {"path": path, "segment": int(t["segment"]), "start": float(t["start"]),
               "end": float(t["end"]), "top": str(t["top1_genre"]), "seconds": None,
               "note": None, "error": None}
        row.update({f"proba_{c}": float(t[f"proba_{c}"]) for c in classes})
        if head is not None:
            row["unknown_score"] = float(t["unknown_score"])
        rows.append(row)
    summary = {
        "path": path,
        "top": str(r["top1_genre"]),
        "seconds": round(float(r["duration"]), 3),
        "note": r["warning"],
        "error": None,
        "n_clips": int(r["n_clips"]),
        # "unknown" has no probability: None (JSON's null), not NaN
        "top_k": [(str(r[f"top{i}_genre"]), _number(r[f"top{i}_proba"]))
                  for i in range(1, judge.k + 1)],
    }
    if judge.segments:
        summary["segment"] = SONG
    summary.update({f"proba_{c}": float(r[f"proba_{c}"]) for c in classes})
    if head is not None:
        summary["unknown_score"] = float(r["unknown_score"])
        summary["unknown_threshold"] = float(head.threshold_)
    rows.append(summary)
    return rows


def _one_job(n_jobs):
    """Whether ``n_jobs`` means this process alone; for 1, joblib is not even imported (a
    cold start's cost)."""
    if n_jobs == 1:
        return True
    from joblib import effective_n_jobs

    return n_jobs is None or effective_n_jobs(n_jobs) == 1


def iter_song_rows(spec, items, *, n_jobs=None, backend=None, segments=False):
    """Yield each song's rows, in input order, judged by ``spec`` (streamed, bounded).

    ``items`` yields ``(path, problem)`` as :func:`collect_inputs` does; a path with a
    problem gets its error row without being judged.
    """
    if backend is None and _one_job(n_jobs):
        judge = spec.load()
        for path, problem in items:
            yield error_rows(path, problem, segments) if problem is not None else judge(path)
        return
    from joblib import delayed, effective_n_jobs, parallel_config

    from ..utils._parallel import ordered_parallel

    owner = os.getpid()

    def one(path, problem):
        if problem is not None:
            return delayed(error_rows)(path, problem, segments)
        return delayed(_judge_in_worker)(spec, path, owner)

    config = {} if backend is None else {"backend": backend}
    with parallel_config(**config):
        # pre_dispatch bounds the songs in flight; return_as="generator" hands each song's
        # rows over in input order as soon as they (and those before) are ready.
        jobs = -1 if n_jobs is None else n_jobs
        parallel = ordered_parallel(jobs, window=2 * effective_n_jobs(jobs),
                                    pre_dispatch="2*n_jobs", batch_size=1)
        rows = parallel(one(path, problem) for path, problem in items)
        done = False
        try:
            # a loop, not "yield from": closing this generator must not close joblib's
            # before _stop_early can
            for song in rows:
                yield song
            done = True
        finally:
            if not done:
                _stop_early(rows)


def _stop_early(rows):
    """End a parallel run that stops before its last song (Ctrl-C, a caller that stops
    reading rows): joblib drops the songs in flight and stops its workers.

    joblib would warn that songs in flight were dropped, when that is what was asked for.
    """
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        rows.close()


def predict_library(pipeline, paths, *, files_from=None, top_k=3, max_duration=600.0,
                    screen=True, segments=False, segment_duration=10.0, n_jobs=None,
                    backend=None):
    """Judge a music library, song after song: files and folders in, rows out, streamed.

    The paths are collected with :func:`collect_inputs` (folders searched recursively for
    audio files, hidden ones skipped, sorted) and judged as :func:`predict_songs` does,
    one song per task; rows are yielded in input order as soon as they are ready, so the
    memory used does not grow with the number of songs.

    Parameters
    ----------
    pipeline : Pipeline
        A fitted pipeline that :func:`predict_songs` accepts.
    paths : str, path-like, or iterable of them
        Files and folders (one path alone is one file or folder).
    files_from : str or None, default=None
        A file listing more paths, one per line (``"-"``: standard input).
    top_k, max_duration, screen, segments, segment_duration
        As for :func:`predict_songs`.
    n_jobs : int or None, default=None
        Songs judged in parallel, in worker processes that each unpickle the pipeline once
        (it is pickled once, and each song carries a copy of those bytes; ``None`` or 1:
        in this process; ``-1``: all cores; with ``backend="dask"``:
        ``None`` uses every worker of the cluster).
    backend : str or None, default=None
        A joblib backend: ``"dask"`` runs the songs on the Dask cluster of the current
        ``distributed.Client`` (create one first); None uses joblib's default (processes).

    Returns
    -------
    rows : iterator of dict
        The rows, streamed: one per song (with ``segments``: one per segment, then the
        song's, whose ``segment`` is ``"song"``): ``path``, ``top`` (the top genre),
        ``proba_<genre>`` per class, ``seconds`` judged, ``note`` and ``error`` (None, or
        why the song has no genre), ``n_clips`` and ``top_k`` (the top genres with their
        probabilities).
        For a pipeline whose final step is an :class:`~skgenre.OpenSetClassifier`, also
        ``unknown_score`` (and ``unknown_threshold`` in a song's row); ``top`` is then
        ``"unknown"`` where the score is above the threshold, as in :func:`predict_songs`.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np, soundfile as sf
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import Pipeline
    >>> from skgenre import AudioLoader, RandomClip, predict_library
    >>> rng = np.random.default_rng(0)
    >>> X = np.abs(np.r_[rng.normal(0, 0.05, (20, 100)), rng.normal(0, 0.3, (20, 100))])
    >>> y = ["quiet"] * 20 + ["loud"] * 20
    >>> pipe = Pipeline([("load", AudioLoader(sr=1000)),
    ...                  ("clip", RandomClip(duration=0.01, sr=1000, random_state=0)),
    ...                  ("clf", LogisticRegression())]).fit(X, y)
    >>> d = tempfile.mkdtemp()
    >>> sf.write(os.path.join(d, "b.wav"), X[0], 1000, subtype="FLOAT")
    >>> sf.write(os.path.join(d, "a.wav"), X[-1], 1000, subtype="FLOAT")
    >>> [(os.path.basename(r["path"]), r["top"]) for r in predict_library(pipe, [d])]
    [('a.wav', 'loud'), ('b.wav', 'quiet')]
    """
    # checked at the call, not at the first row: 0 means nothing to joblib (scikit-learn's
    # validate_params would import scikit-learn, which the inference plan's path avoids)
    if n_jobs is not None and (isinstance(n_jobs, bool) or not isinstance(n_jobs, Integral)
                               or n_jobs == 0):
        raise ValueError(
            f"The 'n_jobs' parameter of predict_library must be an int other than 0 (-1: "
            f"all cores) or None; got {n_jobs!r}."
        )
    # the checks of predict_songs, which the settings go to unchecked: top_k=0 ended the
    # run at its first song in a KeyError, and screen="no" screened the songs
    from sklearn.utils._param_validation import validate_parameter_constraints

    from ._songs import ROW_CONSTRAINTS

    settings = {"top_k": top_k, "max_duration": max_duration, "screen": screen,
                "segments": segments, "segment_duration": segment_duration}
    validate_parameter_constraints(ROW_CONSTRAINTS, settings, caller_name="predict_library")
    spec = PipelineJudge(pipeline, **settings)
    return _rows(spec, collect_inputs(paths, files_from=files_from), n_jobs, backend,
                 segments)


def _rows(spec, items, n_jobs, backend, segments):
    for rows in iter_song_rows(spec, items, n_jobs=n_jobs, backend=backend,
                               segments=segments):
        yield from rows
