"""The songs of a run: files, folders searched recursively, and lists of paths."""

import os
import stat
import sys

__all__ = ["AUDIO_EXTENSIONS", "collect_inputs"]

#: File name endings taken from folders (lower case). A file named on its own is judged
#: whatever its name: the user chose it.
AUDIO_EXTENSIONS = frozenset(
    {".aac", ".aif", ".aifc", ".aiff", ".au", ".flac", ".m4a", ".mp3", ".oga", ".ogg",
     ".opus", ".snd", ".wav", ".wave", ".wma"}
)


def _is_audio_name(name):
    return os.path.splitext(name)[1].lower() in AUDIO_EXTENSIONS


def _reason(exc):
    return exc.strerror or type(exc).__name__


def _walk(folder, seen):
    """Yield ``(path, problem)`` for the audio files under ``folder``, sorted, depth first.

    ``seen`` holds the (device, inode) of every folder entered: a symbolic link back to a
    folder already searched (a loop, or a second way to the same folder) is reported once
    instead of being followed forever.
    """
    try:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as exc:
        yield folder, f"the folder cannot be read ({_reason(exc)}); its songs were not judged"
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue  # hidden files and folders (.git, .Trash, macOS' ._ files)
        path = os.path.join(folder, entry.name)
        try:
            st = os.stat(path)  # follows links: a link to a folder is searched like one
        except OSError as exc:
            if entry.is_symlink():
                if getattr(exc, "errno", None) == 40:  # ELOOP: a link that points to itself
                    yield path, "a symbolic link loop (the link leads back to itself); skipped"
                elif _is_audio_name(entry.name):
                    yield path, f"a broken symbolic link ({_reason(exc)}); skipped"
                continue
            yield path, f"it cannot be accessed ({_reason(exc)})"
            continue
        if stat.S_ISDIR(st.st_mode):
            key = (st.st_dev, st.st_ino)
            if key in seen:
                if entry.is_symlink():
                    yield path, ("a symbolic link loop (it leads to a folder already "
                                 "searched); not followed")
                continue
            seen.add(key)
            yield from _walk(path, seen)
        elif _is_audio_name(entry.name):
            yield path, None


def _read_list(files_from, stdin):
    """The paths of a list file, one per line (blank lines and ``#`` comments skipped)."""
    if files_from == "-":
        stream = stdin if stdin is not None else sys.stdin
        # Names are bytes on POSIX: read them so, so that any name (even not UTF-8) works.
        stream = getattr(stream, "buffer", stream)
        close = False
    else:
        stream = open(files_from, "rb")  # noqa: SIM115 -- closed below, after streaming
        close = True
    try:
        for raw in stream:
            if isinstance(raw, str):
                raw = os.fsencode(raw)
            line = raw.rstrip(b"\r\n")
            if not line.strip() or line.lstrip().startswith(b"#"):
                continue
            yield os.fsdecode(line)
    finally:
        if close:
            stream.close()


def collect_inputs(paths=(), *, files_from=None, stdin=None, duplicates=None):
    """Yield ``(path, problem)`` for every song of a run, streamed, in a fixed order.

    Files are yielded as given; folders are searched recursively for audio files (by name:
    see ``AUDIO_EXTENSIONS``), in sorted order, with hidden files and folders (names
    starting with ``.``) skipped and symbolic links followed once (a link back to a
    folder already searched is reported, not followed). ``problem`` is ``None`` for a song
    to judge, else why the path is no song (an unreadable folder, a symbolic link loop, a
    folder with no audio files at all);
    such a path gets an error row and the run goes on. A file that appears twice (on the
    command line and in a folder, spelled another way, or through a link) is yielded
    once, under the first path that reached it.

    Parameters
    ----------
    paths : str, path-like, or iterable of them
        Files and folders (one path alone is one file or folder).
    files_from : str or None, default=None
        A file listing paths (files or folders), one per line; ``"-"`` reads standard
        input. Its paths come after ``paths``.
    stdin : file or None, default=None
        What ``"-"`` reads (default: ``sys.stdin``).
    duplicates : list or None, default=None
        A list to which each path left out as a file already yielded is appended (so
        that a caller can say how many inputs were judged once).

    Yields
    ------
    path : str
        The path (``os.fsdecode``: a name that is not UTF-8 keeps its bytes as surrogates).
    problem : str or None
        Why the path cannot be judged, or None.

    Examples
    --------
    >>> import os, tempfile
    >>> from skgenre.inference import collect_inputs
    >>> d = tempfile.mkdtemp()
    >>> for name in ("b.wav", "a.flac", ".hidden.wav", "notes.txt"):
    ...     _ = open(os.path.join(d, name), "w").write("x")
    >>> [os.path.basename(p) for p, _ in collect_inputs([d])]
    ['a.flac', 'b.wav']
    """
    if isinstance(paths, (str, bytes, os.PathLike)):
        # one folder, not the characters of its name: "lib" gave the error rows of files
        # 'l', 'i' and 'b', and a Path raised "not iterable"
        paths = [paths]
    seen_dirs, seen_files = set(), set()

    def sources():
        yield from (os.fsdecode(os.fspath(p)) for p in paths)
        if files_from is not None:
            yield from _read_list(files_from, stdin)

    for given in sources():
        if os.path.isdir(given):
            st = os.stat(given)
            key = (st.st_dev, st.st_ino)
            if key in seen_dirs:
                continue
            seen_dirs.add(key)
            found = _walk(given.rstrip(os.sep) or os.sep, seen_dirs)
        else:
            found = [(given, None)]
        empty = os.path.isdir(given)
        for path, problem in found:
            empty = False
            key = _file_key(path)
            if key in seen_files:
                if duplicates is not None:
                    duplicates.append(path)
                continue
            # Only keys are kept, to drop duplicates: a few MB for 50 000 songs.
            seen_files.add(key)
            yield path, problem
        if empty:
            # A folder named on the command line that holds no song is the user's mistake
            # (a wrong folder, or songs of a format not searched for): said, not skipped.
            yield given, ("a folder with no audio files in it (searched recursively for "
                          f"{', '.join(sorted(AUDIO_EXTENSIONS))}); nothing to judge")


def _file_key(path):
    """What makes two paths one song: the file they reach (``./a.wav``, ``/music/a.wav``
    and a link to it are one), or the name itself when it reaches none."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return path
    return (st.st_dev, st.st_ino)


def count_inputs(paths=(), *, files_from=None):
    """How many items :func:`collect_inputs` yields (None when the list cannot be read
    twice: standard input, a pipe).

    A second walk, for the progress bar's total: cheap beside judging the songs.
    """
    if files_from is not None and not _readable_twice(files_from):
        return None
    return sum(1 for _ in collect_inputs(paths, files_from=files_from))


def _readable_twice(files_from):
    """Whether a list can be read for the count and again for the run: a regular file.

    ``--files-from <(find ...)`` is a pipe (``/dev/fd/63``): the count drained it, and the
    run then found nothing to judge.
    """
    if files_from == "-":
        return False
    try:
        return stat.S_ISREG(os.stat(files_from).st_mode)
    except (OSError, ValueError):
        return True  # collect_inputs says what is wrong with it
