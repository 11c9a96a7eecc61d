"""Atomic writes: a file (or a folder of result files) is replaced whole or not at all.

Every file skgenre writes (models, ``results.*``, figures) goes through :func:`atomic_write`:
the bytes go to a temporary file in the destination's folder, which is flushed, synced to
disk and then renamed over the destination with :func:`os.replace` (atomic on POSIX and
Windows). An error, a full disk or an interrupt (``KeyboardInterrupt`` included) removes
the temporary file and leaves the previous file untouched; a reader that opens the
destination at any moment sees the complete old file or the complete new one.

:func:`check_writable` and :func:`check_output_dir` tell up front (before hours of
training) whether a destination can be written, with a reason a user can act on.
:func:`replace_directory` writes a whole folder of results in a staging folder and swaps it
in at once, so an interrupted run never leaves a mix of old and new result files.
"""

import contextlib
import ctypes
import errno
import os
import shutil
import signal
import stat
import sys
import tempfile
import threading
from pathlib import Path

from .._errors import OutputError

__all__ = ["atomic_write", "check_output_dir", "check_writable", "replace_directory"]

_umask_lock = threading.Lock()
_umask = None


def _current_umask():
    # os.umask can only be read by setting it; done once, under a lock.
    global _umask
    with _umask_lock:
        if _umask is None:
            _umask = os.umask(0o022)
            os.umask(_umask)
    return _umask


def _as_path(path, what, *, file=True):
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{what} must be a path (str or os.PathLike), got {type(path).__name__}.")
    text = os.fspath(path)
    if isinstance(text, bytes):
        text = os.fsdecode(text)
    if text == "":
        raise OutputError("", f"the {what} path is empty; give a file name")
    if file and text.endswith(tuple(filter(None, (os.sep, os.altsep)))):
        # Path drops the separator, and the file would be written without it
        raise OutputError(text, f"it ends with {text[-1]!r}, which names a folder; give "
                                f"the {what} a file name")
    return Path(text)


def _kind(mode):
    for test, name in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def _temp_prefix(name, tag):
    """Prefix of a hidden temporary file or folder beside ``name``: ``.<name>.<tag>``.

    The name is cut to 48 characters (192 bytes in UTF-8 at most): with the random part
    the whole of a long name went past the file system's 255 bytes, so a file that
    ``open`` could write could not be written atomically.
    """
    return f".{name[:48]}.{tag}"


def _reason(exc):
    return exc.strerror or str(exc) or type(exc).__name__


def _check_folder(path, folder):
    """``folder`` must exist, be a folder, take new files and have free space (for ``path``)."""
    try:
        st = os.stat(folder)
    except (FileNotFoundError, NotADirectoryError):
        # Say which part of the path is missing or is a file.
        for up in [folder, *folder.parents]:
            if os.path.lexists(up):
                if not up.is_dir():
                    raise OutputError(path, f"{str(up)!r} is a file, not a folder") from None
                break
        raise OutputError(path, f"the folder {str(folder)!r} does not exist") from None
    except OSError as exc:
        raise OutputError(path, f"its folder cannot be accessed ({_reason(exc)})") from None
    if not stat.S_ISDIR(st.st_mode):
        raise OutputError(path, f"{str(folder)!r} is a file, not a folder")
    # Only a real write proves that the folder takes new files (permissions, ACLs,
    # read-only file systems, root); the probe is removed at once, with Ctrl-C held so
    # that an interrupt between its creation and its removal cannot leave it behind.
    with _signals_held():
        try:
            fd, probe = tempfile.mkstemp(prefix=".skgenre-probe-", dir=folder)
        except OSError as exc:
            raise OutputError(
                path, f"the folder {str(folder)!r} is not writable ({_reason(exc)})"
            ) from None
        os.close(fd)
        os.unlink(probe)
    try:
        vfs = os.statvfs(folder)
    except (OSError, AttributeError):  # no statvfs on Windows
        return
    if vfs.f_bavail == 0 and vfs.f_blocks > 0:
        raise OutputError(path, f"the disk holding {str(folder)!r} is full (0 bytes free)")


def check_writable(path, *, what="output file"):
    """Check that a file can be written at ``path``, before any work is done.

    The path must not be empty, must not name a directory or a device (``/dev/full``), its
    folder must exist (not be a file), take new files and have free space. An existing
    regular file is fine if it may be written: it will be replaced atomically by
    :func:`atomic_write`; a write-protected one is refused.

    Parameters
    ----------
    path : str, bytes or path-like
        The file to be written.
    what : str, default="output file"
        What the file is, for the error message.

    Returns
    -------
    path : pathlib.Path
        The path, as a :class:`~pathlib.Path`.

    Raises
    ------
    OutputError
        Naming the path and why it cannot be written.

    Examples
    --------
    >>> import tempfile
    >>> from skgenre.utils import check_writable
    >>> d = tempfile.mkdtemp()
    >>> check_writable(d + "/model.skgenre").name
    'model.skgenre'
    >>> check_writable(d)
    Traceback (most recent call last):
    ...
    skgenre._errors.OutputError: cannot write '...': it is a directory, not a file
    """
    path = _as_path(path, what)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        st = None
    except NotADirectoryError:
        st = None  # a parent is a file: said by _check_folder
    except OSError as exc:
        raise OutputError(path, f"it cannot be accessed ({_reason(exc)})") from None
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            raise OutputError(path, "it is a directory, not a file")
        if not stat.S_ISREG(st.st_mode):
            raise OutputError(path, f"it is {_kind(st.st_mode)}, not a regular file")
        if not os.access(path, os.W_OK) or not st.st_mode & 0o222:
            # the atomic rename would replace it anyway (it needs only the folder's write
            # permission): a file made read-only to keep it is not overwritten. The mode
            # bits count too, as os.access says yes to root for any file.
            raise OutputError(
                path, "it is write-protected; make it writable (chmod u+w) to replace it, "
                      "or choose another file"
            )
    _check_folder(path, path.parent)
    return path


def _fsync_dir(folder):
    # Makes the rename itself durable; not possible (nor needed) on every platform.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# What writing a file fails with (a full disk or quota, a file-size limit, an I/O error, a
# file system gone read-only).
_WRITE_ERRNOS = frozenset(
    getattr(errno, name) for name in ("ENOSPC", "EDQUOT", "EFBIG", "EIO", "EROFS")
    if hasattr(errno, name))


@contextlib.contextmanager
def atomic_write(path, mode="wb", *, encoding=None, newline=None):
    """Write a file atomically: the destination holds the old or the new content, never a mix.

    Yields a file object on a temporary file in the destination's folder. When the
    ``with`` block ends without an exception, the file is flushed, synced to disk and
    renamed over ``path``; on any exception (a full disk, ``KeyboardInterrupt``, an error in
    the caller's code) the temporary file is removed, ``path`` is left as it was and the
    exception propagates. An existing file keeps its permission bits; a symbolic link is
    followed (the file it points to is replaced, the link stays).

    Parameters
    ----------
    path : str, bytes or path-like
        The destination file.
    mode : {"wb", "w"}, default="wb"
        Binary or text.
    encoding, newline : str or None
        As for :func:`open` in text mode.

    Yields
    ------
    file : file object
        Write the content to it; do not close it.

    Raises
    ------
    OutputError
        If ``path`` cannot be written (see :func:`check_writable`), or writing fails (a
        full disk, a file-size limit); the error names ``path`` and the cause. Another
        ``OSError`` raised in the ``with`` block (the caller's own, e.g. reading an
        input) propagates unchanged.

    Examples
    --------
    >>> import os, tempfile
    >>> from skgenre.utils import atomic_write
    >>> path = os.path.join(tempfile.mkdtemp(), "results.csv")
    >>> with atomic_write(path, "w") as f:
    ...     _ = f.write("model,accuracy\\n")
    >>> open(path).read()
    'model,accuracy\\n'
    """
    if mode not in ("wb", "w"):
        raise ValueError(f"mode must be 'wb' or 'w', got {mode!r}.")
    path = _as_path(path, "output file")
    if path.is_symlink():
        path = Path(os.path.realpath(path))
    check_writable(path)
    try:
        old_mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        old_mode = None
    tmp = None
    in_block = False
    try:
        # An interrupt between creating the temporary file and knowing its name would
        # leave it behind: signals wait until both are done.
        with _signals_held():
            fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(path.name, ""), suffix=".tmp",
                                       dir=path.parent)
            f = os.fdopen(fd, mode, encoding=encoding, newline=newline)
        with f:
            in_block = True
            yield f
            in_block = False
            f.flush()
            os.fsync(f.fileno())
        # mkstemp makes 0600 files; give the new file the mode a plain open() would.
        os.chmod(tmp, old_mode if old_mode is not None else 0o666 & ~_current_umask())
        os.replace(tmp, path)
    except BaseException as exc:
        if tmp is not None:
            # A second Ctrl-C must not cut the clean-up short and leave the file behind.
            with _signals_held(), contextlib.suppress(OSError):
                os.unlink(tmp)
        if (isinstance(exc, OSError) and not isinstance(exc, OutputError)
                and not (in_block and exc.errno not in _WRITE_ERRNOS)):
            # The caller's block both writes the file and does its own work: an OSError
            # from that work (an input file that cannot be read, a bug writing str to a
            # binary file) is not this file's, and passes through as it was raised.
            raise OutputError(
                path, f"writing failed ({_reason(exc)}); the previous file, if any, is unchanged"
            ) from exc
        raise
    _fsync_dir(path.parent)


# -- folders -------------------------------------------------------------------------------

_RENAME_EXCHANGE = 2


def _exchange(a, b):
    """Swap two paths atomically (Linux renameat2 RENAME_EXCHANGE); False if unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    rc = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False  # the file system cannot exchange: fall back
    raise OSError(err, os.strerror(err), os.fspath(b))


@contextlib.contextmanager
def _signals_held():
    """Hold SIGINT/SIGTERM until the block ends; they are delivered after it, once each.

    Blocking them with ``pthread_sigmask`` alone is not enough: the mask is per thread, and
    the kernel hands a signal sent to the process to any thread that does not block it (the
    BLAS threads numpy starts). Python's C handler then flags it there, and the main thread
    would raise ``KeyboardInterrupt`` inside the block all the same. So, in the main thread,
    the Python-level handlers are also swapped for a recorder, and a recorded signal is
    raised again after the block, to the handler that was in place. Elsewhere (another thread,
    a platform without ``pthread_sigmask``) the block runs as it can.
    """
    held = (signal.SIGINT, signal.SIGTERM)
    pending, swapped = [], {}
    if threading.current_thread() is threading.main_thread():
        for sig in held:
            old = signal.getsignal(sig)
            if old in (signal.SIG_IGN, None):
                continue  # ignored, or a handler Python did not install: left alone
            swapped[sig] = old
            signal.signal(sig, lambda signum, frame: pending.append(signum))
    try:
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    except (AttributeError, OSError, ValueError):
        mask = None
    try:
        yield
    finally:
        if mask is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        # SIGINT's handler last: an interrupt that reaches it at once cuts nothing short.
        for sig in sorted(swapped, key=lambda s: s == signal.SIGINT):
            signal.signal(sig, swapped[sig])
        for sig in dict.fromkeys(pending):
            signal.raise_signal(sig)


def check_output_dir(path, *, overwrite=False, replaceable=None):
    """Check that a folder of results can be written at ``path``, before any work is done.

    A missing or empty folder is fine. A folder that already holds files is refused unless
    ``overwrite`` is true, and then only when every file in it is one that the run writes
    (``replaceable``), so that an existing folder of other files is never swept away.

    Parameters
    ----------
    path : str, bytes or path-like
        The results folder.
    overwrite : bool, default=False
        Whether earlier results in the folder may be replaced.
    replaceable : callable or None, default=None
        ``replaceable(name) -> bool``: the names of files the run writes (and may replace).
        None accepts any name.

    Returns
    -------
    path : pathlib.Path

    Raises
    ------
    OutputError
        Naming the folder and why it cannot be written (or replaced).

    Examples
    --------
    >>> import os, tempfile
    >>> from skgenre.utils import check_output_dir
    >>> d = tempfile.mkdtemp()
    >>> check_output_dir(os.path.join(d, "results")).name
    'results'
    >>> _ = open(os.path.join(d, "results.csv"), "w").write("old")
    >>> check_output_dir(d)
    Traceback (most recent call last):
    ...
    skgenre._errors.OutputError: cannot write '...': the folder already holds results (results.csv); pass --overwrite (overwrite=True) to replace them, or choose another folder
    """
    path = _as_path(path, "output folder", file=False)
    here, target = os.path.realpath(os.getcwd()), os.path.realpath(path)
    if here == target or here.startswith(target.rstrip(os.sep) + os.sep):
        # the folder is replaced whole: the current folder (or one above it) would be
        # moved away from under this process and the shell it runs in
        raise OutputError(
            path, "it is the current folder or one above it, which the results would "
            "replace whole; name a folder for them, e.g. --out results"
        )
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        st = None
    except OSError as exc:
        raise OutputError(path, f"it cannot be accessed ({_reason(exc)})") from None
    if st is not None:
        if not stat.S_ISDIR(st.st_mode):
            raise OutputError(path, f"it is {'a file' if stat.S_ISREG(st.st_mode) else _kind(st.st_mode)}, not a folder")
        try:
            names = sorted(os.listdir(path))
        except OSError as exc:
            raise OutputError(path, f"the folder cannot be read ({_reason(exc)})") from None
        if names:
            shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
            if not overwrite:
                raise OutputError(
                    path,
                    f"the folder already holds results ({shown}); pass --overwrite "
                    "(overwrite=True) to replace them, or choose another folder",
                )
            foreign = [n for n in names if replaceable is not None and not replaceable(n)]
            if foreign:
                raise OutputError(
                    path,
                    "the folder holds files that are not results of this command ("
                    + ", ".join(foreign[:5])
                    + "); --overwrite replaces the whole folder, so choose another folder",
                )
    # The staging folder is made beside ``path`` (parents are created like mkdir -p): the
    # nearest existing ancestor must take new entries.
    folder = path.parent
    if st is None:
        folder = next((p for p in path.parents if os.path.lexists(p)), path.parent)
    _check_folder(path, folder)
    return path


@contextlib.contextmanager
def replace_directory(path, *, overwrite=False, replaceable=None):
    """Write a folder of results in a staging folder, then swap it in whole.

    Yields a fresh, empty staging folder beside ``path``. When the ``with`` block ends
    without an exception, every file in it is synced to disk and the staging folder takes
    the place of ``path`` in one step (an atomic exchange on Linux; elsewhere two renames
    with SIGINT/SIGTERM held). The previous folder, if any, is then deleted. On any
    exception (``KeyboardInterrupt`` included) the staging folder is deleted and ``path``
    keeps its old content: old and new results are never mixed.

    Parameters
    ----------
    path : str, bytes or path-like
        The results folder; its parents are created if missing.
    overwrite, replaceable
        See :func:`check_output_dir` (checked again at the swap).

    Yields
    ------
    staging : pathlib.Path
        Write the result files here.

    Examples
    --------
    >>> import os, tempfile
    >>> from skgenre.utils import replace_directory
    >>> out = os.path.join(tempfile.mkdtemp(), "results")
    >>> with replace_directory(out) as d:
    ...     _ = (d / "results.csv").write_text("new")
    >>> os.listdir(out)
    ['results.csv']
    """
    path = check_output_dir(path, overwrite=overwrite, replaceable=replaceable)
    if path.is_symlink():
        # Replace the folder the link points to; the link stays.
        path = Path(os.path.realpath(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=_temp_prefix(path.name, "staging-"),
                                    dir=path.parent))
    # mkdtemp makes the folder private (0700); the results folder keeps the mode of the
    # one it replaces, or gets the umask's, as mkdir would give it
    try:
        os.chmod(staging, stat.S_IMODE(os.stat(path).st_mode) if path.is_dir()
                 else 0o777 & ~_current_umask())
    except OSError:
        pass
    try:
        yield staging
        for f in staging.iterdir():
            if f.is_file():
                with open(f, "rb") as fh:
                    os.fsync(fh.fileno())
        _fsync_dir(staging)
        check_output_dir(path, overwrite=overwrite, replaceable=replaceable)
        with _signals_held():
            old = _swap_in(staging, path)
        _fsync_dir(path.parent)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _swap_in(staging, path):
    """Put ``staging`` at ``path``; return where the old folder went (or None)."""
    if not path.exists():
        os.replace(staging, path)
        return None
    if not any(path.iterdir()):
        os.rmdir(path)
        os.replace(staging, path)
        return None
    if _exchange(staging, path):
        return staging  # the old folder now lives under the staging name
    old = Path(tempfile.mkdtemp(prefix=_temp_prefix(path.name, "old-"), dir=path.parent))
    os.rmdir(old)
    os.replace(path, old)
    try:
        os.replace(staging, path)
    except BaseException:
        os.replace(old, path)
        raise
    return old
