"""The ``skgenre`` command line: ``reproduce``, ``train``, ``predict``, ``adapt`` and ``tag``."""

import argparse
import os
import sys
import warnings

from .._errors import (
    AudioLoadError,
    DatasetError,
    ModelFileError,
    OutputError,
    ResultsFileError,
    SkgenreError,
)
from .._version import __version__
from ._quiet import quiet_tensorflow
from ._safety import (
    add_max_duration_option,
    add_overwrite_option,
    add_screen_option,
    add_trust_options,
    protect_streams,
)

__all__ = ["build_parser", "main"]

_PRESETS = ("paper", "tuned")

_DATA_HELP = (
    "folder of genre folders: DIR/<genre>/ holds that genre's songs (any file names, any "
    "depth, any format that decodes; GTZAN's layouts work as they are). Files that cannot "
    "be read are skipped and listed. Without --data the synthetic toy set is used (and the "
    "output says so)"
)


def _whole_number(text):
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None


def _positive_int(text):
    value = _whole_number(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number >= 1, got {value}")
    return value


def _seed(text):
    # the seeds scikit-learn's random_state takes (NumPy's RandomState)
    value = _whole_number(text)
    if not 0 <= value <= 2**32 - 1:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to {2**32 - 1}, got {value}")
    return value


def _jobs(text):
    value = _whole_number(text)
    if value == 0:
        raise argparse.ArgumentTypeError("--jobs 0 is not allowed; use 1, N, or -1 (all cores)")
    return value


def _share(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a share in (0, 1], got {text!r}") from None
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(
            f"expected a share in (0, 1] (e.g. 0.95: 95 % of known songs kept), got {value:g}")
    return value


def _data_dir(text):
    if not os.path.isdir(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a directory")
    return text


def _add_common(p, *, data_help):
    p.add_argument("--data", metavar="DIR", type=_data_dir, default=None, help=data_help)
    p.add_argument("--preset", choices=_PRESETS, default="tuned",
                   help="hyper-parameter preset: the paper's settings or skgenre's tuned ones "
                        "(default: %(default)s)")
    p.add_argument("--seed", type=_seed, default=0,
                   help="random seed for clips, split, noise and training (and the "
                        "synthetic toy set without --data); the same seed repeats the run "
                        "(default: %(default)s)")
    p.add_argument("--jobs", type=_jobs, default=None, metavar="N",
                   help="parallel jobs for decoding and feature extraction (-1: all cores)")
    p.add_argument("--n-per-class", type=_positive_int, default=None, metavar="N",
                   help="songs per genre: the size of the toy set, or the first N songs of "
                        "each genre of --data")
    p.add_argument("--epochs", type=_positive_int, default=None, metavar="N",
                   help="override the preset's number of training epochs (for quick runs)")
    _add_output(p)


def _add_output(p):
    p.add_argument("--quiet", action="store_true",
                   help="no progress messages or bars on stderr (warnings still show)")
    p.add_argument("-v", "--verbose", action="count", default=0,
                   help="also show Keras' line per training epoch")


def build_parser():
    """The argument parser of the ``skgenre`` command."""
    from .._kinds import MODEL_KIND_FACTORIES

    parser = argparse.ArgumentParser(
        prog="skgenre",
        description="Music genre classification with scikit-learn pipelines and Keras models.",
    )
    parser.add_argument("--version", action="version", version=f"skgenre {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    rep = sub.add_parser(
        "reproduce",
        help="reproduce the paper's Table 1 (three models, noise 0/25/50/75 %%)",
        description="The paper's protocol: one random 5-s clip per song, stratified 80/20 "
                    "split, the feature, spectrogram-dense and CNN pipelines, then test "
                    "accuracy with 0/25/50/75 % of spectrogram pixels set to 0. Without "
                    "--data it runs on a built-in SYNTHETIC toy set and says so.",
    )
    _add_common(rep, data_help=_DATA_HELP)
    rep.add_argument("--out", metavar="DIR", default="skgenre-results",
                     help="folder for results.csv, results.json and the figures "
                          "(default: %(default)s)")
    rep.add_argument("--split", choices=["track", "artist"], default="track",
                     help="how the songs are split 80/20: 'track', the paper's protocol "
                          "(the same artist can be on both sides; the output counts the test "
                          "songs whose artist is among the training songs), or 'artist', no "
                          "artist on both sides (needs the artists: a GTZAN copy, or a "
                          "tracks.csv with columns file and artist beside the genre folders) "
                          "(default: %(default)s)")
    rep.add_argument("--noise-repeats", type=_positive_int, default=1, metavar="N",
                     help="noise draws per rate, averaged (default: %(default)s)")
    rep.add_argument("--no-embedding", dest="embedding", action="store_false",
                     help="skip the row beyond the paper: the pretrained-embedding pipeline "
                          "on the same split (it runs when the musicnn weights are installed)")
    add_overwrite_option(rep)

    tr = sub.add_parser(
        "train", help="train one model and save it",
        description="Train one pipeline on every song of a data set (one random clip per "
                    "song for feature, spec-dense and cnn; each song whole for embedding "
                    "and combined) and save it with skgenre.save_model. The data set is a "
                    "folder of genre folders (--data) or the synthetic toy set.",
    )
    _add_common(tr, data_help=_DATA_HELP)
    tr.add_argument("--model", choices=list(MODEL_KIND_FACTORIES), required=True, help="which pipeline")
    tr.add_argument("--out", metavar="FILE", required=True,
                    help="model file to write (e.g. model.skgenre); checked before training, "
                         "written atomically in skgenre's safe model format")
    tr.add_argument("--unknown", nargs="?", type=_share, const=0.95, default=None,
                    metavar="SHARE",
                    help="also learn to answer 'unknown' for songs unlike the training "
                         "songs: the classifier is wrapped in skgenre.OpenSetClassifier, "
                         "whose threshold keeps SHARE of the training songs, scored out of "
                         "fold, as known (default SHARE: 0.95). `skgenre predict` then "
                         "prints each song's unknown score. Not for --model cnn")

    pr = sub.add_parser(
        "predict", help="predict the genre of whole songs",
        description="Judge each song over all its consecutive clips and print its top "
                    "genres, or write one row per song to --out as it is judged. Exit "
                    "status: 0 all songs done, 1 some file could not be read or judged "
                    "(unreadable files and folders, symbolic link loops: each gets an "
                    "error row, the others go on; a rerun says 1 too while --out holds "
                    "such a row for one of its inputs), 2 the model file is not a skgenre "
                    "model, an option is invalid, --files-from names nothing, or --out "
                    "cannot be used (a folder, a missing folder, a file of another model "
                    "or other settings). A "
                    "finished --out file can be re-weighted to the library's genre mix, "
                    "estimated from its songs or stated (say, only classical, pop and "
                    "rock), with `skgenre adapt`.",
    )
    pr.add_argument("model", help="model file written by `skgenre train` or save_model")
    from ._library import add_library_options

    add_library_options(pr)
    pr.add_argument("--segments", action="store_true",
                    help="also give each song's timeline: one row per clip (start, end, "
                         "probabilities) before the song's row (segment 'song'); a "
                         "whole-track model judges 10-s pieces")
    pr.add_argument("--top-k", type=_positive_int, default=3, metavar="K",
                    help="genres listed per file (default: %(default)s)")
    pr.add_argument("--json", action="store_true", help="print JSON instead of a table")
    pr.add_argument("--jobs", type=_jobs, default=None, metavar="N",
                    help="songs judged in parallel, by N worker processes that each load "
                         "the model once (-1: all cores)")
    pr.add_argument("--engine", choices=["auto", "numpy", "keras"], default="auto",
                    help="what computes the networks: numpy (no TensorFlow), keras, or auto "
                         "(numpy where it computes every layer; default)")
    add_max_duration_option(pr)
    add_screen_option(pr)
    add_trust_options(pr)

    from ._adapt import add_adapt_parser

    add_adapt_parser(sub)

    from ._tag import add_tag_parser

    add_tag_parser(sub, _positive_int, _jobs)
    return parser


def main(argv=None):
    """Run the ``skgenre`` command; return the exit status.

    Parameters
    ----------
    argv : list of str or None, default=None
        Arguments without the program name; ``None`` reads ``sys.argv[1:]``.

    Returns
    -------
    status : int
        0 on success, 1 when some input file could not be read, 2 for usage errors and
        files that are not skgenre models, 141 when standard output was closed by its
        reader (e.g. ``| head``).

    Examples
    --------
    >>> from skgenre.cli import main
    >>> main(["--version"])
    skgenre ...
    0
    """
    protect_streams()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    if args.command is None:
        parser.print_help()
        return 2
    # Before anything imports TensorFlow: its C++ start-up banners are noise here.
    quiet_tensorflow()
    with warnings.catch_warnings():
        # a warning says what it says, in the command's voice: not the source line of
        # the library code that raised it; another package's deprecations are for its
        # programmers, not for the command's user
        warnings.showwarning = _show_warning(args.command)
        for category in (DeprecationWarning, PendingDeprecationWarning):
            warnings.simplefilter("ignore", category)
        return _run(args)


def _show_warning(command):
    def show(message, category, filename, lineno, file=None, line=None):
        print(f"skgenre {command}: warning: {message}", file=sys.stderr if file is None
              else file)

    return show


def _run(args):
    """Run the parsed command; return its exit status."""
    try:
        if args.command == "reproduce":
            from ._reproduce import run_reproduce

            return run_reproduce(args)
        if args.command == "train":
            from ._train import run_train

            return run_train(args)
        if args.command == "adapt":
            from ._adapt import run_adapt

            return run_adapt(args)
        if args.command == "tag":
            from ._tag import run_tag

            return run_tag(args)
        from ._predict import run_predict

        return run_predict(args)
    # files not what they should be
    except (ModelFileError, DatasetError, OutputError, ResultsFileError) as exc:
        print(f"skgenre {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except AudioLoadError as exc:
        print(f"skgenre {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except (SkgenreError, ValueError) as exc:
        # a data or parameter fault (e.g. too few songs for the preset): say it in one line
        print(f"skgenre {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except FileNotFoundError as exc:  # e.g. --data without GTZAN's genre folders
        print(f"skgenre {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"skgenre {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader of stdout went away (`skgenre predict ... | head`): stop quietly, as a
        # Unix tool does (128 + SIGPIPE). Later writes, Python's own flush at exit among
        # them, go nowhere instead of raising again.
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 141
