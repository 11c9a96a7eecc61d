"""Chunks of clips for a transform: bounded memory, work for every joblib job, progress."""

import numpy as np

from ..utils._progress import progress_bar

__all__ = ["chunk_length", "iter_chunks", "resolve_chunks", "run_chunks"]


def iter_chunks(n, chunk_size):
    """Slices ``[start, stop)`` that cover ``range(n)`` in chunks of at most ``chunk_size``."""
    chunk_size = max(1, int(chunk_size))
    return [slice(i, min(i + chunk_size, n)) for i in range(0, n, chunk_size)]


def chunk_length(n_frames, chunk_size):
    """Clips per chunk before the split among jobs: ``"auto"`` bounds a chunk at about 8192
    STFT frames of ``n_frames`` each."""
    if chunk_size == "auto":
        return max(1, 8192 // max(1, n_frames))
    return int(chunk_size)


def resolve_chunks(n_clips, n_frames, chunk_size, n_jobs):
    """Chunks of clips for one transform: bounded memory, and work for every job.

    ``chunk_size="auto"`` bounds a chunk at about 8192 STFT frames (roughly 40 5-s clips or
    6 30-s clips, about 250 MB of transient arrays), then splits further so that ``n_jobs``
    workers each get a chunk.
    """
    from joblib import effective_n_jobs

    size = chunk_length(n_frames, chunk_size)
    jobs = effective_n_jobs(n_jobs)
    if jobs > 1:
        size = max(1, min(size, -(-n_clips // jobs)))
    return iter_chunks(n_clips, size)


def run_chunks(func, clips, slices, n_jobs, *, desc="computing", verbose=0):
    """``np.concatenate([func(clips[s]) for s in slices])``, in parallel with joblib.

    With ``verbose``, a progress bar counts the clips done (see
    :func:`skgenre.utils.progress_bar`).
    """
    from joblib import delayed, effective_n_jobs

    from ..utils._parallel import ordered_parallel

    with progress_bar(len(clips), desc=desc, unit="clip", verbose=verbose) as bar:
        if len(slices) == 1 or effective_n_jobs(n_jobs) == 1:
            parts = []
            for s in slices:
                parts.append(func(clips[s]))
                bar.update(s.stop - s.start)
            return np.concatenate(parts, axis=0)
        # Threads by default: the FFTs and matrix products release the GIL, and threads
        # share the clips instead of pickling them to worker processes. BLAS is held to
        # one thread meanwhile, or its own threads fight the workers for the cores.
        # (Measured on 240 5-s clips, 2 cores, against n_jobs=1 with default BLAS
        # threads: benchmarks/README.md.) A backend set with joblib.parallel_config
        # (loky, Dask, Ray) still takes precedence.
        from ..utils._threads import one_blas_thread

        with one_blas_thread():
            results = ordered_parallel(n_jobs, prefer="threads")(
                delayed(func)(clips[s]) for s in slices
            )
            parts = []
            # results arrive in order; the bar moves as each chunk is done
            for s, part in zip(slices, results):
                parts.append(part)
                bar.update(s.stop - s.start)
        return np.concatenate(parts, axis=0)
