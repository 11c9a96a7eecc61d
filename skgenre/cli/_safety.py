"""Command-line safety: trusted model files, output checks, names printed safely.

Kept apart from the subcommands so that each of them needs only a one-line hook:
:func:`add_trust_options` (``predict``), :func:`add_overwrite_option` (``reproduce``),
:func:`protect_streams` (``main``) and :func:`display_name` (anything that prints a file
name).
"""

import argparse
import os
import sys
import unicodedata

__all__ = [
    "RESULT_FILES",
    "add_max_duration_option",
    "add_overwrite_option",
    "add_screen_option",
    "add_trust_options",
    "check_replaceable_model",
    "display_name",
    "is_result_file",
    "max_duration_error",
    "protect_streams",
]

# Files that ``skgenre reproduce`` writes into its --out folder (and may replace).
RESULT_FILES = ("results.csv", "results.json", "noise_robustness.png")

_TRUST_NOTE = (
    "Model files: `skgenre train` and skgenre.save_model write a safe format that loads "
    "without running code from the file. Pickle-based files (save_model(format='pickle'), "
    "joblib dumps) can run arbitrary code when loaded, so they are refused unless you pass "
    "--trust-pickle, or --sha256 HEX with the file's published SHA-256 (checked before "
    "the file is loaded)."
)


def _sha256(text):
    digest = text.strip().lower()
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise argparse.ArgumentTypeError(
            f"expected a SHA-256 digest of 64 hexadecimal digits, got {text!r}"
        )
    return digest


def add_trust_options(parser):
    """Add ``--trust-pickle`` and ``--sha256 HEX`` to a subcommand that loads a model.

    Examples
    --------
    >>> import argparse
    >>> from skgenre.cli._safety import add_trust_options
    >>> p = argparse.ArgumentParser()
    >>> add_trust_options(p)
    >>> p.parse_args(["--sha256", "AB" * 32]).sha256 == "ab" * 32
    True
    """
    group = parser.add_argument_group(
        "pickle-based model files (they can run code when loaded)"
    )
    group.add_argument(
        "--trust-pickle", action="store_true",
        help="load a pickle-based model file (joblib); unpickling runs code chosen by "
             "whoever wrote the file, so use it only for files you trust",
    )
    group.add_argument(
        "--sha256", metavar="HEX", type=_sha256, default=None,
        help="the SHA-256 the model file must have (e.g. as published with it); checked "
             "before loading, for either format; a pickle-based file that matches is loaded",
    )
    parser.epilog = _TRUST_NOTE if not parser.epilog else f"{parser.epilog}\n\n{_TRUST_NOTE}"


def _max_duration(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {text!r}") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected seconds >= 0, got {text!r}")
    return None if value == 0 else value


def max_duration_error(exc):
    """The usage error of a ``--max-duration`` too short to judge any song.

    ``exc`` is the :class:`~skgenre.inference._judge.LimitTooShortError` of the check;
    the message is argparse's: the option, then the cause.
    """
    return f"argument --max-duration: {exc.max_duration:g} s is {exc.cause()} (0: whole songs)"


def add_max_duration_option(parser):
    """Add ``--max-duration SECONDS`` to ``predict`` and ``tag``: memory bounded per song."""
    parser.add_argument(
        "--max-duration", type=_max_duration, default=600.0, metavar="SECONDS",
        help="judge at most this many seconds of each song; decoding stops there, so memory "
             "is bounded whatever a file's length, and a longer song gets a note "
             "(default: 600; 0: whole songs)",
    )


def add_screen_option(parser):
    """Add ``--no-screen`` to ``predict`` and ``tag``: judge songs the content screen refuses."""
    parser.add_argument(
        "--no-screen", dest="screen", action="store_false",
        help="judge also files that sound like noise, test tones, clicks, a DC "
             "offset or near silence (by default they get an error naming what they sound "
             "like); unreadable, silent or out-of-range audio is still refused",
    )


def add_overwrite_option(parser):
    """Add ``--overwrite`` to ``reproduce``: replace the results of an earlier run."""
    parser.add_argument(
        "--overwrite", action="store_true",
        help="replace the results of an earlier run in --out (without it an --out folder "
             "that holds files is refused). The folder is replaced as a whole when the run "
             "has finished, so an interrupted run leaves the old results as they were",
    )


def check_replaceable_model(path):
    """Refuse an ``--out`` of ``train`` that exists and is not a skgenre model file.

    ``train`` replaces its ``--out`` (a model retrained to the same name is the common
    case), but a typo must not cost a song of the data or a results file: anything else
    that is there, and not empty, is left alone, as ``predict --out`` does.

    Examples
    --------
    >>> import tempfile, os
    >>> from skgenre.cli._safety import check_replaceable_model
    >>> d = tempfile.mkdtemp()
    >>> check_replaceable_model(os.path.join(d, "new.skgenre"))  # not there: fine
    >>> with open(os.path.join(d, "song.wav"), "wb") as f:
    ...     _ = f.write(b"RIFF....WAVE")
    >>> check_replaceable_model(os.path.join(d, "song.wav"))
    Traceback (most recent call last):
    ...
    skgenre._errors.OutputError: cannot write '...song.wav': the file exists and is not a skgenre model file...
    """
    import zipfile

    from .._errors import OutputError
    from .._persist import _MANIFEST

    try:
        if not os.path.isfile(path) or os.path.getsize(path) == 0:
            return  # nothing to lose; check_writable judges the rest
        with zipfile.ZipFile(path) as zf:
            if _MANIFEST in zf.namelist():
                return
    except Exception:  # a damaged zip directory fails zipfile in many ways
        pass
    raise OutputError(
        path,
        "the file exists and is not a skgenre model file (of the safe format); it is left "
        "as it is: choose another --out, or remove the file",
    )


def is_result_file(name):
    """Whether ``name`` is a file that ``skgenre reproduce`` writes into --out."""
    return name in RESULT_FILES or (name.startswith("confusion_") and name.endswith(".png"))


def protect_streams():
    """Never crash on printing: characters a terminal cannot encode are escaped.

    A file name with bytes that are not valid UTF-8 reaches Python as lone surrogates,
    which a strict UTF-8 stream refuses with ``UnicodeEncodeError``, losing every result
    printed after it.
    """
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="backslashreplace")
            except (ValueError, OSError):  # a closed or detached stream
                pass


def display_name(name):
    """A file name made safe to print on one terminal line.

    Bytes that do not decode (non-UTF-8 names) become ``\\xNN``; control characters
    (newlines, tabs, ANSI escape sequences, ...) become escapes such as ``\\n`` and
    ``\\x1b``, so that a file name can neither break the table into fake lines nor send
    commands to the terminal. Ordinary names, including non-ASCII letters, are unchanged.

    Parameters
    ----------
    name : str, bytes or path-like

    Returns
    -------
    text : str

    Examples
    --------
    >>> from skgenre.cli._safety import display_name
    >>> display_name("chanson d'été.wav")
    "chanson d'été.wav"
    >>> print(display_name("evil\\n\\x1b[31mred.wav"))
    evil\\n\\x1b[31mred.wav
    >>> print(display_name(b"caf\\xe9.wav"))
    caf\\xe9.wav
    """
    if isinstance(name, os.PathLike):
        name = os.fspath(name)
    if isinstance(name, bytes):
        name = os.fsdecode(name)
    name = str(name)
    # Undecodable bytes arrive as lone surrogates (surrogateescape): show the raw byte.
    try:
        text = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # surrogates that do not stand for bytes
        text = name.encode("utf-8", "backslashreplace").decode("utf-8")
    out = []
    for ch in text:
        if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp"):
            escaped = repr(ch)[1:-1]
            out.append(escaped if escaped != ch else f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)
