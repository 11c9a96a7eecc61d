"""joblib's results in order, streamed where the backend can stream them."""

import itertools

__all__ = ["ordered_parallel"]


def ordered_parallel(n_jobs, *, window=None, **kwargs):
    """``Parallel(n_jobs=n_jobs, return_as="generator", **kwargs)``, on every backend.

    Some joblib backends cannot hand results over as a generator (``"multiprocessing"``,
    and Ray's, which derives from it): joblib refuses them with a ValueError that names
    no skgenre parameter. For those, the tasks run in windows of ``window`` with
    ``return_as="list"``, and the results still come in task order.

    Parameters
    ----------
    n_jobs : int or None
        As joblib's.
    window : int or None, default=None
        Tasks per window on a backend without generators; None runs all the tasks given
        in one window (callers that already hand over a bounded chunk).
    **kwargs : dict
        Other arguments of :class:`joblib.Parallel`.

    Returns
    -------
    run : callable
        ``run(tasks)`` takes an iterable of ``delayed`` calls and returns an iterator of
        their results, in order.

    Examples
    --------
    >>> from joblib import delayed, parallel_config
    >>> from skgenre.utils._parallel import ordered_parallel
    >>> with parallel_config(backend="multiprocessing"):
    ...     list(ordered_parallel(2, window=2)(delayed(abs)(-i) for i in range(5)))
    [0, 1, 2, 3, 4]
    """
    from joblib import Parallel

    try:
        return Parallel(n_jobs=n_jobs, return_as="generator", **kwargs)
    except ValueError as exc:
        if "return_as" not in str(exc):
            raise
    parallel = Parallel(n_jobs=n_jobs, return_as="list", **kwargs)

    def run(tasks):
        tasks = iter(tasks)
        while chunk := list(tasks if window is None else itertools.islice(tasks, window)):
            yield from parallel(chunk)

    return run
