"""Where a warning should point: the user's line, not skgenre's own."""

import os
import sys

__all__ = ["user_stacklevel"]

_SKGENRE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def user_stacklevel():
    """``stacklevel`` for a ``warnings.warn`` in the caller, pointing past skgenre.

    A fixed ``stacklevel`` is right for one call path only: a warning raised inside a
    generator points at whoever iterates it, which for the loader's chunks is
    ``AudioLoader.transform`` behind scikit-learn's output wrapper, or ``RandomClip``.
    This counts the frames of skgenre and scikit-learn above the caller instead.

    Returns
    -------
    stacklevel : int

    Examples
    --------
    >>> import warnings
    >>> from skgenre.utils._stack import user_stacklevel
    >>> with warnings.catch_warnings(record=True) as seen:
    ...     warnings.simplefilter("always")
    ...     warnings.warn("here", stacklevel=user_stacklevel())
    >>> seen[0].lineno > 0
    True
    """
    import sklearn

    inside = (_SKGENRE, os.path.dirname(os.path.abspath(sklearn.__file__)) + os.sep)
    frame, level = sys._getframe(1), 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(inside):
        frame, level = frame.f_back, level + 1
    return level
