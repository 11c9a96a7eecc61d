"""Progress bars of the long steps (decoding, features, spectrograms), on stderr."""

import sys

__all__ = ["progress_bar"]


def progress_bar(total, *, desc, unit, verbose):
    """A tqdm progress bar with counts and ETA when ``verbose``, else a silent one.

    Estimators with a ``verbose`` parameter open one bar per call of their long method and
    ``update`` it as chunks finish; with ``verbose=0`` the bar is disabled and costs
    nothing. The bar writes to stderr: stdout is for results. Without a stderr
    (``sys.stderr`` is None: descriptor 2 closed, as by ``2>&-``, or ``pythonw``) the bar
    is silent.

    Parameters
    ----------
    total : int
        Number of items (files, clips) the bar counts to.
    desc : str
        What is being done, e.g. ``"decoding"``.
    unit : str
        What is counted, e.g. ``"file"``.
    verbose : int or bool
        Show the bar when true.

    Returns
    -------
    bar : tqdm.tqdm or a silent bar
        Use as a context manager; call ``bar.update(n)`` after each chunk. ``bar.write``
        prints a line (between the bar's redraws when there is a bar).

    Examples
    --------
    >>> from skgenre.utils import progress_bar
    >>> with progress_bar(3, desc="work", unit="item", verbose=0) as bar:
    ...     bar.update(3)
    """
    # tqdm would raise AttributeError at its first redraw and end the run
    if not verbose or sys.stderr is None:
        return _SilentBar(total)
    from tqdm import tqdm

    return tqdm(
        total=int(total),
        desc=f"[skgenre] {desc}",
        unit=unit,
        file=sys.stderr,
        leave=True,
        mininterval=0.5,
        dynamic_ncols=True,
    )


class _SilentBar:
    """What a disabled bar does, without tqdm.

    Even disabled, a tqdm bar creates tqdm's multiprocessing lock, a semaphore. In a
    joblib worker that is killed (joblib kills its workers when a run ends early, e.g. on
    Ctrl-C), the semaphore is never released, and Python warns of "leaked semaphore
    objects" at exit.
    """

    def __init__(self, total):
        self.total = total
        self.n = 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def update(self, n=1):
        self.n += n

    def close(self):
        pass

    # tqdm's other common calls, for callers of progress_bar outside this package
    disable = True

    def set_description(self, *args, **kwargs):
        pass

    def set_postfix(self, *args, **kwargs):
        pass

    def refresh(self, *args, **kwargs):
        pass

    def reset(self, total=None):
        self.n = 0
        if total is not None:
            self.total = total

    @staticmethod
    def write(s, file=None, end="\n"):
        print(s, file=sys.stdout if file is None else file, end=end)
