"""TensorFlow without its start-up banners on the command line.

TensorFlow's C++ side writes its start-up notes straight to file descriptor 2, below Python.
Most of them obey ``TF_CPP_MIN_LOG_LEVEL``; some do not: from TensorFlow 2.21 the oneDNN note
(``port.cc``) and absl's preamble about logs before ``absl::InitializeLog()`` come through
at level 3, twice per import. So the command line sets the level and, in addition, filters
what the C++ side writes while TensorFlow is being imported, which is when every one of these
notes is written (measured on TensorFlow 2.21: nothing more comes after the import). Nothing
that changes numerics is touched: ``TF_ENABLE_ONEDNN_OPTS`` is left alone.
"""

import importlib.abc
import importlib.machinery
import logging
import os
import re
import sys

from ..utils._stderr import fd2_filtered

__all__ = ["filter_log_lines", "quiet_tensorflow"]

# A C++ log line: absl's (severity letter, MMDD, time, thread id, file:line]) from
# TensorFlow 2.21 on, TensorFlow's own (date time: severity file:line]) before it.
_LOG_LINE = re.compile(
    rb"^(?:(?P<absl>[IWEF])\d{4} \d\d:\d\d:\d+\.\d+\s+\d+ "
    rb"|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: (?P<tf>[IWEF]) )[\w./-]+:\d+\] "
)
_ABSL_PREAMBLE = b"WARNING: All log messages before absl::InitializeLog() is called"
# cpu_feature_guard's note runs on to a second line of its own.
_CONTINUATION = b"To enable the following instructions:"
_LEVELS = {b"I": 0, b"W": 1, b"E": 2, b"F": 3}


def _min_level():
    try:
        return int(os.environ.get("TF_CPP_MIN_LOG_LEVEL", "0"))
    except ValueError:
        return 0


def filter_log_lines(data, min_level):
    """Drop the C++ log lines of TensorFlow below ``min_level`` from ``data``.

    The levels are TensorFlow's: 1 drops info lines, 2 also warnings, 3 also errors; fatal
    lines always stay. Everything that is not such a log line (Python's own output, a
    traceback) is kept, byte for byte and in order.

    Parameters
    ----------
    data : bytes
        What was written to file descriptor 2.
    min_level : int
        The value of ``TF_CPP_MIN_LOG_LEVEL`` in force.

    Returns
    -------
    kept : bytes

    Examples
    --------
    >>> from skgenre.cli._quiet import filter_log_lines
    >>> text = (b"WARNING: All log messages before absl::InitializeLog() is called are "
    ...         b"written to STDERR\\n"
    ...         b"I0000 00:00:1796533048.741356    2322 port.cc:153] oneDNN custom ...\\n"
    ...         b"a line of the program's own\\n")
    >>> filter_log_lines(text, 3)
    b"a line of the program's own\\n"
    >>> filter_log_lines(text, 0) == text
    True
    >>> filter_log_lines(b"2026-12-06 05:30:12.316136: W tensorflow/x.cc:210] note\\n", 2)
    b''
    """
    if min_level <= 0:
        return data
    kept, dropped_last = [], False
    for line in data.splitlines(keepends=True):
        match = _LOG_LINE.match(line)
        if match is not None:
            severity = match.group("absl") or match.group("tf")
            dropped_last = _LEVELS[severity] < min(min_level, 3)
        elif line.startswith(_ABSL_PREAMBLE):
            dropped_last = True
        elif dropped_last and line.startswith(_CONTINUATION):
            dropped_last = True
        else:
            dropped_last = False
        if not dropped_last:
            kept.append(line)
    return b"".join(kept)


def _keep_at_level(data):
    return filter_log_lines(data, _min_level())


class _QuietLoader(importlib.abc.Loader):
    """The package's own loader, with its module body run under :func:`fd2_filtered`."""

    def __init__(self, loader):
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        try:
            with fd2_filtered(_keep_at_level):
                self._loader.exec_module(module)
        finally:
            # The wrapper lives only for the import: afterwards the module has its real loader.
            module.__loader__ = self._loader
            if getattr(module, "__spec__", None) is not None:
                module.__spec__.loader = self._loader
        _quiet_absl()


class _QuietImportFinder(importlib.abc.MetaPathFinder):
    """Find ``names`` as usual, but import them with the C++ log chatter filtered."""

    def __init__(self, names):
        self.names = frozenset(names)

    def find_spec(self, name, path, target=None):
        if name not in self.names:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return None
        spec.loader = _QuietLoader(spec.loader)
        return spec


def quiet_tensorflow(names=("tensorflow",)):
    """Silence TensorFlow's and absl's log chatter; call it before TensorFlow is imported.

    ``TF_CPP_MIN_LOG_LEVEL`` defaults to 3 (a level the user set wins), and the C++ notes that
    ignore it are filtered out of what is written during the import, at the same level.
    The Python loggers of TensorFlow and (once TensorFlow has imported it) absl are held to
    errors.

    Parameters
    ----------
    names : tuple of str, default=("tensorflow",)
        Top-level packages whose import is filtered.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    pending = [n for n in names if n not in sys.modules]
    if pending and not any(isinstance(f, _QuietImportFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _QuietImportFinder(pending))
    if not pending:
        _quiet_absl()


def _quiet_absl():
    # absl comes with TensorFlow: its Python logger is quieted once TensorFlow is imported,
    # so that commands which never import TensorFlow (predict, tag) do not pay for absl.
    if "absl.logging" in sys.modules:
        sys.modules["absl.logging"].set_verbosity(sys.modules["absl.logging"].ERROR)
