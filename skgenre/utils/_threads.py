"""BLAS held to one thread while skgenre's own threads share the cores, shared by callers."""

import contextlib
import threading

__all__ = ["one_blas_thread"]

_lock = threading.Lock()
_holders = 0
_limits = None  # threadpoolctl's limits while anyone holds them


@contextlib.contextmanager
def one_blas_thread():
    """Hold the native thread pools (BLAS, OpenMP) to one thread within the block.

    Worker threads that each run FFTs and matrix products would otherwise each start a
    BLAS pool as wide as the machine, and the pools fight the workers for the cores.

    The limit is the process's, and blocks in several threads overlap (two transforms
    run from two threads, or a transform inside another): the first block to start sets
    it, and the last to end restores the sizes found by the first. Each block with its
    own ``threadpoolctl.threadpool_limits`` restores the sizes it found on entry, so
    when the second block to start ended last, it "restored" the limit of one thread,
    and BLAS stayed at one thread for the rest of the process.

    Examples
    --------
    >>> from threadpoolctl import threadpool_info
    >>> from skgenre.utils._threads import one_blas_thread
    >>> with one_blas_thread():
    ...     all(pool["num_threads"] == 1 for pool in threadpool_info())
    True
    """
    global _holders, _limits
    from threadpoolctl import threadpool_limits

    with _lock:
        if _holders == 0:
            _limits = threadpool_limits(limits=1)
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0:
                _limits.restore_original_limits()
                _limits = None
