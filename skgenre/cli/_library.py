"""What ``skgenre predict`` and ``skgenre tag`` share: a library of songs in, rows out.

Inputs are files, folders (searched recursively) and ``--files-from`` lists; each song's
rows are printed, or appended to ``--out`` (CSV or JSON Lines) as soon as it is judged,
and a rerun with the same ``--out`` skips the songs already there.
"""

import errno
import os
import stat
import sys

__all__ = ["add_library_options", "run_library"]

_OUT_HELP = (
    "write one row per song to this file as it is judged (CSV, or JSON Lines for a name "
    "ending in .jsonl or .ndjson; a .json name is refused): path, top {what}, one "
    "probability column per {cls}, {unknown}seconds judged, note, error. Each row "
    "is synced to disk at once: an interrupted run (Ctrl-C, kill -9) keeps every row "
    "written, and a rerun with the same --out skips the songs already in it (those with "
    "an error too, unless --retry-errors). A file "
    "written by another model or with other settings is refused (exit 2). Progress goes "
    "to stderr as a bar with ETA"
)


def _worker_died(exc):
    """Whether ``exc`` says that a worker process of a parallel run died.

    Read from the modules already imported: a run at --jobs 1 (the inference plan's path)
    imports no joblib, and no worker of it can die.
    """
    from concurrent.futures.process import BrokenProcessPool

    loky = sys.modules.get("joblib.externals.loky.process_executor")
    dead = (BrokenProcessPool,) + ((loky.TerminatedWorkerError,) if loky else ())
    return isinstance(exc, dead)


def add_library_options(p, *, what="genre", cls="genre", open_set=True):
    """The inputs (PATH..., --files-from) and outputs (--out, --quiet) of a library run
    (``open_set``: whether a model may answer "unknown", with its score)."""
    p.add_argument("paths", nargs="*", metavar="PATH",
                   help="audio files, and folders searched recursively for audio files "
                        "(wav, au, aiff, flac, ogg, opus, mp3, m4a, ...; hidden files and "
                        "folders skipped; sorted by name)")
    p.add_argument("--files-from", metavar="FILE", default=None,
                   help="read more paths (files or folders) from FILE, one per line; "
                        "'-' reads standard input")
    p.add_argument("--out", metavar="FILE", default=None,
                   help=_OUT_HELP.format(
                       what=what, cls=cls,
                       unknown="(for a model of `skgenre train --unknown`: unknown_score), "
                       if open_set else ""))
    p.add_argument("--retry-errors", action="store_true",
                   help="with --out: judge again the songs whose row in the file holds an "
                        "error (a file that could not be read, a folder that could not be "
                        "listed), if they are among the inputs; a song's new row replaces "
                        "its old one")
    p.add_argument("--quiet", action="store_true",
                   help="no progress bar on stderr (errors and the final count still show)")


def _with_path(row):
    """A failed row's error, with the path it concerns when the message lacks it."""
    error, path = str(row["error"]), row.get("path")
    if path is None or str(path) in error or repr(str(path)) in error:
        return error
    from ._safety import display_name

    return f"{display_name(path)}: {error}"


def _check_inputs(args, command):
    if not args.paths and args.files_from is None:
        print(f"skgenre {command}: error: give audio files or folders, or --files-from FILE",
              file=sys.stderr)
        return 2
    if args.out == "-":
        # "-" is standard input for --files-from, so it reads as standard output here; it
        # wrote a file named "-" (the rows must go to a file: synced, and resumed)
        print(f"skgenre {command}: error: --out takes a file, not '-' (standard output): "
              "without --out the results are printed (--json: as JSON); name a file "
              "'./-' to write one of that name", file=sys.stderr)
        return 2
    if args.retry_errors and args.out is None:
        print(f"skgenre {command}: error: --retry-errors needs --out (the file whose songs "
              "with an error are judged again)", file=sys.stderr)
        return 2
    if args.files_from not in (None, "-"):
        try:
            if stat.S_ISFIFO(os.stat(args.files_from).st_mode):
                # not opened to check it: closing a named pipe that its writer had filled
                # and left threw the list away, and the run then waited for another writer
                if not os.access(args.files_from, os.R_OK):
                    raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))
            else:
                with open(args.files_from, "rb"):
                    pass
        except OSError as exc:
            print(f"skgenre {command}: error: cannot read --files-from "
                  f"{args.files_from!r} ({exc.strerror})", file=sys.stderr)
            return 2
    return None


def run_library(args, command, spec, identity, classes, show, *, segments=False, n_jobs=None,
                unknown=False):
    """Judge every song of ``args``' inputs; return the exit status (0, or 1 if any failed).

    ``show(rows)`` prints a song's rows on stdout (without ``--out``); ``unknown``: the
    rows have an open-set model's ``unknown_score`` (a column of ``--out``). Raises
    :class:`~skgenre.OutputError` for an ``--out`` that cannot be used (exit 2 in main).
    """
    from ..inference._inputs import collect_inputs, count_inputs
    from ..inference._library import iter_song_rows
    from ..inference._results import ResultsFile
    from ..utils import progress_bar
    from ..utils._malloc import retain_freed_memory

    retain_freed_memory()  # this process is ours (it judges the songs itself at --jobs 1)
    status = _check_inputs(args, command)
    if status is not None:
        return status
    results = None
    if args.out is not None:
        results = ResultsFile(args.out, identity, classes, segments=segments,
                              unknown=unknown, retry_errors=args.retry_errors).open()
    finished = False
    try:
        done = results.done if results is not None else set()
        if results is not None and results.n_dropped:
            print(f"skgenre {command}: note: {args.out}: the last song's rows were cut short "
                  "by an interruption; removed, and that song is judged again",
                  file=sys.stderr)
        if results is not None and results.retry_errors and results.failed:
            print(f"skgenre {command}: note: {args.out}: {len(results.failed)} song(s) with "
                  "an error in the file: each is judged again if it is among the inputs, "
                  "and its old row replaced", file=sys.stderr)
        total = None
        verbose = results is not None and not args.quiet
        if verbose:
            total = count_inputs(args.paths, files_from=args.files_from)
        n_songs = n_failed = n_skipped = n_skipped_failed = n_inputs = 0
        duplicates = []
        died = False
        failed_before = results.failed if results is not None else set()
        with progress_bar(total or 0, desc=command, unit="song", verbose=verbose) as bar:
            if total is None:
                bar.total = None

            def todo():
                nonlocal n_skipped, n_skipped_failed, n_inputs
                for path, problem in collect_inputs(args.paths, files_from=args.files_from,
                                                    duplicates=duplicates):
                    n_inputs += 1
                    if results is not None:  # a song of the file, by another path
                        path = results.recorded_as(path)
                    if path in done:
                        n_skipped += 1
                        n_skipped_failed += path in failed_before
                        bar.update(1)
                        continue
                    yield path, problem

            try:
                for rows in iter_song_rows(spec, todo(), n_jobs=n_jobs, segments=segments):
                    n_songs += 1
                    failed = rows[-1].get("error") is not None
                    n_failed += failed
                    if results is not None:
                        results.append(rows)
                        if failed:  # the file holds the message; say it here too
                            bar.write(f"skgenre {command}: error: {_with_path(rows[-1])}",
                                      file=sys.stderr)
                    else:
                        show(rows)
                    bar.update(1)
            except Exception as exc:
                if not _worker_died(exc):
                    raise
                # a worker killed (out of memory, a decoder that crashed the process):
                # the songs in flight have no row, those written stay
                bar.write(
                    f"skgenre {command}: error: a worker process died while judging songs "
                    f"({exc.__class__.__name__}); "
                    + (f"the rows written are kept in {args.out}: run the same command "
                       "again to judge the rest" if results is not None else
                       "run the command again, with --out FILE to keep the rows judged")
                    + ", with fewer --jobs if memory ran out", file=sys.stderr)
                n_failed += 1
                died = True
        # every input judged (some perhaps with an error row): the file says the run is done
        finished = not died and n_inputs > 0
    finally:
        if results is not None:
            results.close(finished=finished)
    if not n_inputs:
        # only --files-from can name nothing (an empty list, or an empty pipe from find):
        # a run that judged nothing must not look like one that succeeded, nor leave a
        # results file stamped with its model
        if results is not None:
            results.discard_if_new()
        print(f"skgenre {command}: error: --files-from {args.files_from} names no file or "
              "folder; nothing to judge", file=sys.stderr)
        return 2
    if duplicates and not args.quiet:
        from ._safety import display_name

        print(f"skgenre {command}: note: {len(duplicates)} input(s) reached a file already "
              f"listed, by another path or through a link (first: "
              f"{display_name(duplicates[0])}): each file is judged once", file=sys.stderr)
    if results is not None:  # the final count shows with --quiet too (its help says so)
        skipped = f", {n_skipped} already in {args.out}" if n_skipped else ""
        if n_skipped_failed:
            skipped += (f" ({n_skipped_failed} of them with an error: --retry-errors judges "
                        "them again)")
        print(f"skgenre {command}: {n_songs} song(s) judged{skipped}; rows in {args.out}",
              file=sys.stderr)
    if died:
        return 1
    if n_failed:
        print(f"skgenre {command}: {n_failed} of {n_songs} file(s) could not be read or "
              "judged.", file=sys.stderr)
        return 1
    if n_skipped_failed:
        # the status tells of the inputs, as the first run's did: a rerun that skips the
        # songs that failed must not turn `skgenre predict ... && next-step` into success
        return 1
    return 0
