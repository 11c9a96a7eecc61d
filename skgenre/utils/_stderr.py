"""What C libraries write to file descriptor 2, filtered: the one place that captures it.

Some libraries write notes straight to the C ``stderr`` (descriptor 2), below Python, so
``sys.stderr`` cannot catch them: libmpg123 while it probes a file that is not MP3, and
TensorFlow's C++ side while it is imported. :func:`fd2_filtered` points descriptor 2 at a
temporary file during a ``with`` block, then puts it back and writes out what the block's
filter keeps. Python's own output in the meantime (a warning, another thread's progress bar)
is delayed, never lost; exceptions pass through untouched.

Descriptor 2 is one per process and blocks run in several threads at once (files are decoded
in threads): the first block to start redirects it, the last to end puts it back, and every
filter that took part in the window is applied to what was captured, in the order they came.
"""

import os
import sys
import tempfile
import threading
from contextlib import contextmanager

__all__ = ["fd2_filtered"]

_lock = threading.Lock()
_depth = 0
_saved = None  # (duplicate of the real descriptor 2, capture file)
_filters = []


def _flush_python_stderr():
    for stream in (sys.stderr, sys.__stderr__):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):  # closed or detached
            pass


def _start():
    _flush_python_stderr()
    try:
        saved = os.dup(2)
    except OSError:  # no descriptor 2 at all: nothing to protect
        return None
    try:
        capture = tempfile.TemporaryFile()  # noqa: SIM115 - closed in _stop
        os.dup2(capture.fileno(), 2)
    except OSError:
        os.close(saved)
        return None
    return saved, capture


def _stop(state, filters):
    saved, capture = state
    _flush_python_stderr()  # Python's buffered text belongs to the captured window
    try:
        os.dup2(saved, 2)
    finally:
        os.close(saved)
    try:
        capture.seek(0)
        data = capture.read()
    finally:
        capture.close()
    for keep in filters:
        data = keep(data)
    if data:
        try:
            os.write(2, data)
        except OSError:
            pass


@contextmanager
def fd2_filtered(keep):
    """Capture descriptor 2 during the block; write out ``keep(captured bytes)`` after it.

    Parameters
    ----------
    keep : callable
        Takes the captured bytes and returns the bytes to write out (lines it drops are
        gone; it must keep whatever it does not recognise).

    Examples
    --------
    >>> import os
    >>> from skgenre.utils._stderr import fd2_filtered
    >>> def no_notes(data):
    ...     return b"".join(l for l in data.splitlines(True) if not l.startswith(b"Note:"))
    >>> with fd2_filtered(no_notes):
    ...     _ = os.write(2, b"Note: a C library's chatter\\n")
    """
    global _depth, _saved
    with _lock:
        if _depth == 0:
            _saved = _start()
            _filters.clear()
        _depth += 1
        if keep not in _filters:
            _filters.append(keep)
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _saved is not None:
                state, _saved = _saved, None
                _stop(state, list(_filters))
