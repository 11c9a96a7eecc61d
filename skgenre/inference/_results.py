"""A results file written row by row, that survives an interruption and resumes.

Format: CSV or JSON Lines (by the file name's ending). The first line names the run that
writes the file (the model's identity and the settings that shape the rows): ``# skgenre
results {json}`` in a CSV, ``{"skgenre_results": {...}}`` in JSON Lines. Then one record
per song (or, with segments, one per segment followed by the song's summary, the record
whose ``segment`` is ``"song"``). Each song's records are written with one ``write`` and
synced to disk before the next song's, so an interruption (Ctrl-C, ``kill -9``, a power
cut after the sync) loses no song already written; a song cut short in the middle of its
records (a half line, or segments without their summary) is removed when the file is
opened again, and that song judged again.
"""

import csv
import io
import json
import os

from .._errors import OutputError
from ..utils import check_writable

__all__ = ["ResultsFile", "result_columns"]

_CSV_MAGIC = "# skgenre results "
_JSON_KEY = "skgenre_results"
SONG = "song"  # the ``segment`` of a song's summary record


def result_columns(classes, segments=False, unknown=False):
    """The columns of a results file: path, [segment, start, end,] top, probabilities,
    [unknown_score (an open-set model's),] seconds, note, error."""
    cols = ["path"]
    if segments:
        cols += ["segment", "start", "end"]
    cols += ["top"] + [f"proba_{c}" for c in classes]
    if unknown:
        cols.append("unknown_score")
    return cols + ["seconds", "note", "error"]


def _fmt(value):
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)  # shortest text that reads back to the same float
    return str(value)


class ResultsFile:
    """Append rows to a CSV or JSON Lines file, resuming a file of the same run.

    Parameters
    ----------
    path : str or path-like
        The file; ``.jsonl`` (or ``.ndjson``) writes JSON Lines, anything else CSV.
    identity : dict
        What makes the rows of two runs comparable (model file hash, classes, settings): a
        file written with another identity is refused, never appended to or replaced.
    classes : list of str
        One probability column per class, in this order.
    segments : bool, default=False
        Whether records are segments followed by the song's summary.
    unknown : bool, default=False
        Whether records have an ``unknown_score`` column (an open-set model's).

    Attributes
    ----------
    done : set of str
        The paths whose records are complete in the file (to be skipped).
    n_dropped : int
        Bytes of an incomplete last song removed when the file was opened.
    """

    def __init__(self, path, identity, classes, *, segments=False, unknown=False):
        self.path = os.fspath(path)
        self.identity = dict(identity)
        self.classes = [str(c) for c in classes]
        self.segments = bool(segments)
        self.columns = result_columns(self.classes, self.segments, unknown)
        name = self.path.lower()
        self.jsonl = name.endswith((".jsonl", ".ndjson", ".json"))
        self.done = set()
        self.n_dropped = 0
        self._fd = None

    # -- opening ---------------------------------------------------------------------------

    def _header(self):
        if self.jsonl:
            return (json.dumps({_JSON_KEY: self.identity}, sort_keys=True) + "\n").encode()
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow(self.columns)
        return (_CSV_MAGIC + json.dumps(self.identity, sort_keys=True) + "\n").encode() + \
            buf.getvalue().encode("utf-8", "surrogateescape")

    def _foreign(self, why):
        return OutputError(
            self.path,
            f"{why}; it is left as it is: choose another --out, or remove the file to start "
            "over",
        )

    def _check_identity(self, first_line):
        try:
            if self.jsonl:
                found = json.loads(first_line)[_JSON_KEY]
            else:
                text = first_line.decode("utf-8")
                if not text.startswith(_CSV_MAGIC):
                    raise ValueError
                found = json.loads(text[len(_CSV_MAGIC):])
            if not isinstance(found, dict):
                raise ValueError
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            raise self._foreign("the file exists and is not a skgenre results file") from None
        if found != self.identity:
            keys = sorted(k for k in set(found) | set(self.identity)
                          if found.get(k) != self.identity.get(k))
            what = "another model" if any(k in keys for k in ("model", "model_sha256", "classes", "genres")) \
                else "other settings"
            raise self._foreign(
                f"it holds results of {what} (differing: {', '.join(keys)})"
            )

    def _records(self, data, start):
        """Yield ``(end_offset, record)`` for each complete record after ``start``."""
        pos, n = start, len(data)
        while pos < n:
            if self.jsonl:
                end = data.find(b"\n", pos)
                if end < 0:
                    return  # a half line: the write was cut short
                try:
                    rec = json.loads(data[pos:end].decode("utf-8"))
                except ValueError:
                    return
                if not isinstance(rec, dict) or "path" not in rec:
                    return
                yield end + 1, rec
                pos = end + 1
                continue
            # A CSV record may span lines (a quoted name with a newline): it ends at the
            # first newline after which its quotes are balanced.
            end, quotes = pos, 0
            while True:
                nl = data.find(b"\n", end)
                if nl < 0:
                    return
                quotes += data.count(b'"', end, nl)
                end = nl + 1
                if quotes % 2 == 0:
                    break
            text = data[pos:end].decode("utf-8", "surrogateescape")
            try:
                (fields,) = list(csv.reader(io.StringIO(text, newline="")))
            except (ValueError, csv.Error):
                return
            if len(fields) != len(self.columns):
                return
            yield end, dict(zip(self.columns, fields))
            pos = end

    def open(self):
        """Check the path, read what an earlier run wrote, and open the file to append.

        Returns
        -------
        self : ResultsFile

        Raises
        ------
        OutputError
            The path is a folder, its folder is missing or not writable, or the file holds
            something else than this run's results.
        """
        check_writable(self.path, what="results file")
        try:
            with open(self.path, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            data = b""
        except OSError as exc:
            raise OutputError(self.path, f"it cannot be read ({exc.strerror})") from None
        header = self._header()
        keep = 0  # bytes of the file that stay; 0: (re)write the header
        if data and not header.startswith(data):  # not just a header cut short
            nl = data.find(b"\n")
            if nl < 0:
                raise self._foreign("the file exists and is not a skgenre results file")
            self._check_identity(data[:nl])
            if not data.startswith(header):
                raise self._foreign("its columns are not those of this run")
            keep = len(header)
            for end, rec in self._records(data, keep):
                if not self.segments or rec.get("segment") == SONG:
                    self.done.add(rec["path"])
                    keep = end  # a song is complete with its summary record
        self.n_dropped = len(data) - keep if keep else 0
        flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
        try:
            self._fd = os.open(self.path, flags, 0o666)
            os.ftruncate(self._fd, keep)
            os.lseek(self._fd, keep, os.SEEK_SET)
            if keep == 0:
                self._write(header)
        except OSError as exc:
            raise OutputError(self.path, f"it cannot be written ({exc.strerror})") from None
        return self

    # -- writing ---------------------------------------------------------------------------

    def _write(self, data):
        view = memoryview(data)
        while view:
            n = os.write(self._fd, view)
            view = view[n:]
        os.fsync(self._fd)

    def encode(self, rows):
        """The bytes of a song's records (``rows``: dicts keyed by column)."""
        if self.jsonl:
            # ensure_ascii: any name, even one that is not UTF-8, on one line, read back
            # exactly by json.loads
            return "".join(json.dumps({c: r.get(c) for c in self.columns}) + "\n"
                           for r in rows).encode("ascii")
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        for r in rows:
            w.writerow([_fmt(r.get(c)) for c in self.columns])
        return buf.getvalue().encode("utf-8", "surrogateescape")

    def append(self, rows):
        """Write one song's records and sync them to disk."""
        from ..utils._atomic import _signals_held

        data = self.encode(rows)
        try:
            # Ctrl-C waits until the song's rows are all written and synced: no half row.
            with _signals_held():
                self._write(data)
        except OSError as exc:
            raise OutputError(
                self.path, f"writing failed ({exc.strerror}); the rows written before are kept"
            ) from None

    def close(self):
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self):
        return self.open()

    def __exit__(self, *exc):
        self.close()
