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

The first line also says whether the run that writes the file ended: ``"run": "open"``
while it judges songs (and after an interruption), ``"done"`` once it has judged every
input. The two have one length, so the end of a run changes those bytes in place, and a
resumed run sets ``"open"`` again before it appends. ``skgenre adapt`` reads only a file
whose run is done. (Files written before the field existed have none, and are read.)

With ``retry_errors``, a song whose record holds an error is judged again: its new record
is appended, and its old one taken out when the file is closed (or, after ``kill -9``,
when it is opened next). Taking out rewrites the file atomically: it holds all the old
records or all the kept ones, never a mix. A path is in the file once, its last record.

A song is the file a path reaches, as among the inputs of one run: a rerun that reaches a
song of the file by another path (``./lib/a.wav`` for ``lib/a.wav``, an absolute path, a
hard link) finds it under the path written first (:meth:`ResultsFile.recorded_as`).
"""

import csv
import io
import json
import mmap
import os

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: runs on one file are not kept apart
    fcntl = None

from .._errors import OutputError
from ..utils import check_writable
from ._inputs import _file_key

__all__ = ["ResultsFile", "result_columns"]

_CSV_MAGIC = "# skgenre results "
_JSON_KEY = "skgenre_results"
SONG = "song"  # the ``segment`` of a song's summary record
RUN = "run"  # the first line's key that says whether the run ended: OPEN or DONE
OPEN, DONE = "open", "done"  # of one length: the end of a run rewrites them in place


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


def read_identity(first_line, *, jsonl=None):
    """The run named by a results file's first line (bytes), or None if it names none.

    ``jsonl``: the file's format, or None to accept either."""
    try:
        text = first_line.decode("utf-8")
        if jsonl is not True and text.startswith(_CSV_MAGIC):
            found = json.loads(text[len(_CSV_MAGIC):])
        elif jsonl is not False:
            found = json.loads(text)[_JSON_KEY]
        else:
            return None
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        return None
    return found if isinstance(found, dict) else None


def is_jsonl_name(path):
    """Whether rows go to ``path`` as JSON Lines (``.jsonl``, ``.ndjson``), else CSV.

    A ``.json`` name is refused: it promises one JSON document, which rows appended one
    at a time as songs are judged are not (``json.load`` fails on the second line).

    >>> is_jsonl_name("lib.JSONL"), is_jsonl_name("lib.csv")
    (True, False)
    """
    name = os.fspath(path).lower()
    if name.endswith(".json"):
        raise OutputError(
            path, "a .json name promises one JSON document, but the rows are written one "
                  "per line as songs are judged (JSON Lines): name it .jsonl (or .csv)")
    return name.endswith((".jsonl", ".ndjson"))


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
        The file; ``.jsonl`` (or ``.ndjson``) writes JSON Lines, ``.json`` is refused
        (:func:`is_jsonl_name`), anything else is CSV.
    identity : dict
        What makes the rows of two runs comparable (model file hash, classes, settings): a
        file written with another identity is refused, never appended to or replaced.
    classes : list of str
        One probability column per class, in this order.
    segments : bool, default=False
        Whether records are segments followed by the song's summary.
    unknown : bool, default=False
        Whether records have an ``unknown_score`` column (an open-set model's).
    retry_errors : bool, default=False
        Whether the songs whose record holds an error (a file that could not be read, a
        folder that could not be listed) are judged again, rather than skipped.

    Attributes
    ----------
    done : set of str
        The paths to skip: those whose records are complete in the file (but, with
        ``retry_errors``, not those with an error).
    failed : set of str
        The paths whose record in the file held an error when it was opened.
    n_dropped : int
        Bytes of an incomplete last song removed when the file was opened.
    """

    def __init__(self, path, identity, classes, *, segments=False, unknown=False,
                 retry_errors=False, jsonl=None):
        self.path = os.fspath(path)
        self.identity = dict(identity)
        self.classes = [str(c) for c in classes]
        self.segments = bool(segments)
        self.columns = result_columns(self.classes, self.segments, unknown)
        # None: the format the name asks for (a file to write); a file only read says
        # its format with its first line, whatever its name
        self.jsonl = is_jsonl_name(self.path) if jsonl is None else bool(jsonl)
        self.retry_errors = bool(retry_errors)
        self.done = set()
        self.failed = set()
        self._retried = False  # a failed song appended again: its old record to take out
        self.n_dropped = 0
        self._fd = None
        # set by open(): whether the file was there, and its length if it held at most
        # this run's header (what discard_if_new restores)
        self._existed = False
        self._was = None
        # whether the file has the run's state on its first line (those written before it
        # existed have none, and resume without it)
        self._stateful = True
        self._ended = False  # the file says "done": a first new row opens it again
        self._by_file = None  # (device, inode) -> path of the songs in the file, when asked

    # -- opening ---------------------------------------------------------------------------

    def _header(self, run=OPEN):
        identity = {**self.identity, RUN: run} if self._stateful else self.identity
        if self.jsonl:
            return (json.dumps({_JSON_KEY: identity}, sort_keys=True) + "\n").encode()
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow(self.columns)
        return (_CSV_MAGIC + json.dumps(identity, sort_keys=True) + "\n").encode() + \
            buf.getvalue().encode("utf-8", "surrogateescape")

    def _state_at(self):
        """The offset of the run's state (``open``/``done``) in the file, or None."""
        if not self._stateful:
            return None
        header = self._header()
        return header.index(json.dumps({RUN: OPEN})[1:-1].encode()) + len(f'"{RUN}": "')

    def _mark(self, state):
        """Write the run's state into the first line, in place, and sync it."""
        at = self._state_at()
        if at is None:
            return
        if hasattr(os, "pwrite"):
            os.pwrite(self._fd, state.encode(), at)
        else:  # pragma: no cover - Windows has no pwrite: write there, and come back
            end = os.lseek(self._fd, 0, os.SEEK_CUR)
            os.lseek(self._fd, at, os.SEEK_SET)
            os.write(self._fd, state.encode())
            os.lseek(self._fd, end, os.SEEK_SET)
        os.fsync(self._fd)

    def _foreign(self, why):
        return OutputError(
            self.path,
            f"{why}; it is left as it is: choose another --out, or remove the file to start "
            "over",
        )

    def _check_identity(self, first_line):
        found = read_identity(first_line, jsonl=self.jsonl)
        if found is None:
            raise self._foreign("the file exists and is not a skgenre results file")
        self._stateful = RUN in found
        found = {k: v for k, v in found.items() if k != RUN}
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
                quotes += data[end:nl].count(b'"')
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
        self._existed = os.path.lexists(self.path)
        self._fd = self._locked_fd()
        try:
            data = self._mapped()
        except OSError as exc:
            self._release()
            raise OutputError(self.path, f"it cannot be read ({exc.strerror})") from None
        try:
            self._start(data)
        except BaseException:
            self._release()
            raise
        finally:
            if isinstance(data, mmap.mmap):
                data.close()
        return self

    def _locked_fd(self):
        """The file opened to read and write, locked for this run alone.

        Two runs appending to one file with their own offsets wrote over each other's rows
        (both exiting 0): the second is refused.
        """
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(self.path, flags, 0o666)
        except OSError as exc:
            raise OutputError(self.path, f"it cannot be written ({exc.strerror})") from None
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:  # BlockingIOError: another run holds it
                os.close(fd)
                raise OutputError(
                    self.path, "another skgenre run is writing it; let that run end (a "
                    "rerun then skips the songs it judged), or choose another --out"
                ) from None
        return fd

    def _mapped(self):
        """The file's bytes, mapped rather than read where the file system can map it.

        Read, a resumed run held the whole file in memory (three times over for a file
        whose run was done): with --segments, tens of kB per song, gigabytes for a large
        library. Mapped, its pages are the page cache's, read as the records are.
        """
        if os.fstat(self._fd).st_size == 0:
            return b""  # an empty file cannot be mapped
        try:
            return mmap.mmap(self._fd, 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError):  # a file system that cannot map files
            return self._read_all()

    def _read_all(self):
        os.lseek(self._fd, 0, os.SEEK_SET)
        chunks = []
        while chunk := os.read(self._fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)

    def _release(self):
        if self._fd is not None:
            os.close(self._fd)  # the lock goes with it
            self._fd = None

    def _start(self, data):
        """Take in what an earlier run wrote (``data``), and make the file ready to append."""
        header = self._header()
        keep = 0  # bytes of the file that stay; 0: (re)write the header
        # nothing in it but (part of) this header: a run that judges nothing leaves it as it
        # was (discard_if_new), the header being its first bytes
        only_header = len(data) <= len(header) and header.startswith(data)
        if data and not only_header:
            nl = data.find(b"\n")
            if nl < 0:
                raise self._foreign("the file exists and is not a skgenre results file")
            self._check_identity(data[:nl])
            header = self._header()  # with the file's state field, or without (older)
            head = data[:len(header)]
            if head[:nl + 1] == self._header(DONE)[:nl + 1]:
                # a run that ended: this one goes on from it (open again at its first row)
                head = header[:nl + 1] + head[nl + 1:]
                self._ended = True
            if head != header:
                raise self._foreign("its columns are not those of this run")
            keep = len(header)
            songs = {}  # path -> (start, end, failed) of its last complete song
            n_songs = 0
            read = keep  # where the records that can be read end
            for end, rec in self._records(data, keep):
                read = end
                if not self.segments or rec.get("segment") == SONG:
                    # a song is complete with its summary record, which holds its error
                    songs.pop(rec["path"], None)  # an older record: retried since
                    songs[rec["path"]] = (keep, end, bool(rec.get("error")))
                    n_songs += 1
                    keep = end
            self._check_only_the_end_is_cut(data, read)
            self.n_dropped = len(data) - keep
            if len(songs) < n_songs:  # a retry cut short before its old record went out
                keep = self._rewrite(self._compacted(data, header, songs))
                # the rewrite put a new file in place: lock and append to that one
                self._release()
                self._fd = self._locked_fd()
            for path, (_, _, failed) in songs.items():
                (self.failed if failed else self.done).add(path)
            if not self.retry_errors:
                self.done |= self.failed
        self._was = len(data) if only_header else None
        if isinstance(data, mmap.mmap):
            data.close()  # before the file is cut: Windows cuts no mapped file
        try:
            os.ftruncate(self._fd, keep)
            os.lseek(self._fd, keep, os.SEEK_SET)
            if keep == 0:
                self._write(header)
        except OSError as exc:
            raise OutputError(self.path, f"it cannot be written ({exc.strerror})") from None

    def _check_only_the_end_is_cut(self, data, read):
        """Refuse a file whose unreadable part is followed by records that can be read.

        A run killed mid-write leaves its last song's records cut short, at the end; what
        follows the records that can be read is then dropped and judged again. Records
        after an unreadable one mean damage in the middle (an edit, two writers): dropping
        them would lose rows for good.
        """
        at = read
        while (at := data.find(b"\n", at) + 1) and at < len(data):
            if next(self._records(data, at), None) is not None:
                line = 1 + sum(data[i:min(i + (1 << 20), read)].count(b"\n")
                               for i in range(0, read, 1 << 20))
                raise self._foreign(
                    f"line {line} cannot be read as a record of this run, and records "
                    "follow it (damage in the middle, not a run cut short); mend or remove "
                    "that line"
                )

    @staticmethod
    def _compacted(data, header, songs):
        """The file's bytes with each path's last complete song only, in file order, as
        chunks (one song's bytes at a time)."""
        yield header
        for a, b in sorted((a, b) for a, b, _ in songs.values()):
            yield data[a:b]

    def _rewrite(self, chunks):
        """Replace the file by ``chunks``, atomically; return its new length."""
        from ..utils import atomic_write

        size = 0
        try:
            with atomic_write(self.path) as f:
                for chunk in chunks:
                    f.write(chunk)
                    size += len(chunk)
        except OutputError as exc:
            raise OutputError(
                self.path, f"the old records of songs judged again could not be taken out "
                f"({exc.reason}); they are taken out when the file is next opened"
            ) from None
        return size

    # -- writing ---------------------------------------------------------------------------

    def recorded_as(self, path):
        """The path under which the file holds the song at ``path``; else ``path``.

        A rerun given ``./lib`` or ``/home/me/lib`` after a run given ``lib`` judged each
        song again and wrote it a second time, under its new name (``skgenre adapt`` then
        counted it twice). The paths in the file are looked up on the file system only
        when ``path`` is not one of them, once per run.
        """
        if path in self.done or path in self.failed:
            return path
        if self._by_file is None:
            self._by_file = {}
            for known in sorted(self.done | self.failed):
                key = _file_key(known)
                if isinstance(key, tuple):  # a path that reaches no file stays by name
                    self._by_file.setdefault(key, known)
        if not self._by_file:
            return path
        return self._by_file.get(_file_key(path), path)

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
        # csv quotes a field with the line terminator ("\n") but not one with "\r", which
        # every reader takes for a line end: a row with one is quoted whole
        quoted = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_ALL)
        for r in rows:
            fields = [_fmt(r.get(c)) for c in self.columns]
            (quoted if any("\r" in f for f in fields if isinstance(f, str)) else w).writerow(
                fields)
        return buf.getvalue().encode("utf-8", "surrogateescape")

    def append(self, rows):
        """Write one song's records and sync them to disk."""
        from ..utils._atomic import _signals_held

        data = self.encode(rows)
        self._retried = self._retried or rows[-1].get("path") in self.failed
        try:
            # Ctrl-C waits until the song's rows are all written and synced: no half row.
            with _signals_held():
                if self._ended:  # rows join a run that had ended: not done until it ends
                    self._mark(OPEN)
                    self._ended = False
                self._write(data)
        except OSError as exc:
            raise OutputError(
                self.path, f"writing failed ({exc.strerror}); the rows written before are kept"
            ) from None

    def close(self, finished=False):
        """Close the file; take out the old records of the songs judged again.

        Parameters
        ----------
        finished : bool, default=False
            Whether the run judged every input: the file's first line then says the run
            is done (``skgenre adapt`` reads only such a file).
        """
        if self._fd is None:
            return
        if finished and not self._retried:
            self._mark(DONE)
        self._release()
        if self._retried:
            self._retried = False
            # reading the file back runs open()'s compaction, with nothing left to append
            ResultsFile(self.path, self.identity, self.classes, segments=self.segments,
                        unknown="unknown_score" in self.columns).open().close(finished)

    def discard_if_new(self):
        """After :meth:`close`, for a run that wrote no row: leave no file that this run
        made (so that the header of a run that judged nothing does not hold the file for
        its model): a file that was not there is removed, one that held at most this
        header is cut back to what it held."""
        if self._fd is not None or self._was is None:
            return
        try:
            if self._existed:
                os.truncate(self.path, self._was)
            else:
                os.unlink(self.path)
        except OSError:  # pragma: no cover - the file went meanwhile; nothing to undo
            pass

    def __enter__(self):
        return self.open()

    def __exit__(self, *exc):
        self.close()
