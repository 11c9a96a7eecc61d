"""One BLAS thread while skgenre's own thread workers run, counted across threads."""

import contextlib
import threading

__all__ = ["one_blas_thread"]

_LOCK = threading.Lock()
_HOLD = {"count": 0, "limiter": None}


@contextlib.contextmanager
def one_blas_thread():
    """Hold BLAS and OpenMP to one thread while any thread of the process needs it.

    skgenre's thread workers (feature chunks, musicnn inputs) would otherwise fight BLAS's
    own threads for the cores. threadpoolctl's limits are process-wide, and nested
    ``with threadpool_limits(1)`` blocks of two threads that overlap (A enters, B enters,
    A leaves, B leaves) restore each other's saved values: B restores the 1 it saw, and the
    process keeps one BLAS thread for good (``GridSearchCV(n_jobs=2)`` with threads over a
    pipeline whose steps have ``n_jobs=2`` did). Here the first holder sets the limit and
    the last one out restores the original.

    Examples
    --------
    >>> from threadpoolctl import threadpool_info
    >>> from skgenre.utils._blas import one_blas_thread
    >>> before = [p["num_threads"] for p in threadpool_info()]
    >>> with one_blas_thread():
    ...     all(p["num_threads"] == 1 for p in threadpool_info())
    True
    >>> [p["num_threads"] for p in threadpool_info()] == before
    True
    """
    from threadpoolctl import threadpool_limits

    with _LOCK:
        if _HOLD["count"] == 0:
            _HOLD["limiter"] = threadpool_limits(limits=1)
        _HOLD["count"] += 1
    try:
        yield
    finally:
        with _LOCK:
            _HOLD["count"] -= 1
            if _HOLD["count"] == 0:
                _HOLD["limiter"].restore_original_limits()
                _HOLD["limiter"] = None
