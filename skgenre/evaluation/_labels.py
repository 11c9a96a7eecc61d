"""Checks on label-like arrays (genres, artists) shared by the evaluation helpers."""

import numpy as np

__all__ = ["check_no_missing", "missing_rows", "plain"]


def missing_rows(values):
    """The indices of ``values`` that are missing: None or NaN.

    NumPy sorts neither beside strings, and ``np.unique`` makes all of them one value, so
    callers refuse them with a message of their own.

    >>> missing_rows(np.array(["rock", None, float("nan"), "pop"], dtype=object))
    [1, 2]
    """
    values = np.asarray(values)
    if values.dtype != object:
        return np.flatnonzero(np.isnan(values)).tolist() if values.dtype.kind == "f" else []
    import pandas as pd

    return np.flatnonzero(pd.isna(values)).tolist()


def plain(value):
    """``value`` as the Python object a message shows: ``'rock'``, not ``np.str_('rock')``.

    Labels of an object array (a pandas column of strings) are Python objects already and
    have no ``.item()``.

    >>> plain(np.array(["rock"])[0]), plain(np.array(["rock"], dtype=object)[0])
    ('rock', 'rock')
    """
    return value.item() if isinstance(value, np.generic) else value


def check_no_missing(values, name, what, advice):
    """Raise ``ValueError("<name> holds <n> missing <what> (None or NaN; first at row
    <i>)<advice>")`` where ``values`` has missing rows (:func:`missing_rows`)."""
    missing = missing_rows(values)
    if missing:
        raise ValueError(f"{name} holds {len(missing)} missing {what} (None or NaN; first "
                         f"at row {missing[0]}){advice}")
