"""Keep the C decoders' own messages off the user's terminal.

libsndfile decodes MP3 with libmpg123, which writes notes such as ``Note: Illegal
Audio-MPEG-Header 0x00000000 at offset 1846.`` straight to the C ``stderr`` (file
descriptor 2) while it probes a file that is not MP3 (text or garbage named ``.mp3``).
They bypass Python, so ``sys.stderr`` cannot catch them; skgenre's own error already names
the file and the cause. :func:`decoder_stderr_filtered` points descriptor 2 at a temporary
file around a decode, then puts it back and writes out everything captured that is not such
a decoder note, so that Python's own output in the meantime (a warning, a progress bar of
another thread) is delayed, never lost. Exceptions pass through untouched.
"""

import os
import re
import sys
import tempfile
import threading
from contextlib import contextmanager

__all__ = ["decoder_stderr_filtered"]

# libmpg123's messages: "Note: ...", "Warning: ...", "Error: ..." (its resync chatter), and
# "[src/libmpg123/parse.c:1234] error: ..." in builds that prefix the source position.
_NOISE = re.compile(rb"(?:Note|Warning|Error): |\[[^\]]*(?:mpg123|\.c:\d+)[^\]]*\]")

# Descriptor 2 is one per process, and files are decoded in several threads at once: the
# first decode to start redirects it, the last to finish puts it back.
_lock = threading.Lock()
_depth = 0
_saved = None  # (duplicate of the real descriptor 2, capture file)


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


def _stop(state):
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
    kept = b"".join(line for line in data.splitlines(keepends=True) if not _NOISE.match(line))
    if kept:
        try:
            os.write(2, kept)
        except OSError:
            pass


@contextmanager
def decoder_stderr_filtered():
    """Hide libmpg123's notes written to descriptor 2 during the ``with`` block.

    Everything else written to descriptor 2 meanwhile is written out when the block ends.

    Examples
    --------
    >>> from skgenre.io._decoder_noise import decoder_stderr_filtered
    >>> with decoder_stderr_filtered():
    ...     pass
    """
    global _depth, _saved
    with _lock:
        if _depth == 0:
            _saved = _start()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _saved is not None:
                state, _saved = _saved, None
                _stop(state)
