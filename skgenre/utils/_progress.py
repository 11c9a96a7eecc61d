"""Progress bars of the long steps (decoding, features, spectrograms), on stderr."""

import sys

__all__ = ["progress_bar"]


def progress_bar(total, *, desc, unit, verbose):
    """A tqdm progress bar with counts and ETA when ``verbose``, else a silent one.

    Estimators with a ``verbose`` parameter open one bar per call of their long method and
    ``update`` it as chunks finish; with ``verbose=0`` the bar is disabled and costs
    nothing. The bar writes to stderr: stdout is for results.

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
    bar : tqdm.tqdm
        Use as a context manager; call ``bar.update(n)`` after each chunk.

    Examples
    --------
    >>> from skgenre.utils import progress_bar
    >>> with progress_bar(3, desc="work", unit="item", verbose=0) as bar:
    ...     bar.update(3)
    """
    from tqdm import tqdm

    return tqdm(
        total=int(total),
        desc=f"[skgenre] {desc}",
        unit=unit,
        disable=not verbose,
        file=sys.stderr,
        leave=True,
        mininterval=0.5,
        dynamic_ncols=True,
    )
