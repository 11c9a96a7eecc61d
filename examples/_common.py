"""What the example scripts share: their command line, their data and how they save figures.

Not an example itself. ``python examples/<script>.py`` puts ``examples/`` first on
``sys.path``, so each script imports this module as ``_common`` from beside it.
"""

import argparse
import io
import os
import tempfile
from pathlib import Path

import numpy as np

# The GTZAN data beside the checkout (``../shared/data/gtzan``, or under $SKGENRE_SHARED as
# for the tests): ``sample`` and ``mini``.
_SHARED = os.environ.get("SKGENRE_SHARED", Path(__file__).resolve().parents[1].parent / "shared")
GTZAN = Path(_SHARED) / "data" / "gtzan"


def make_parser(doc, out_help="folder for the PNG", gtzan_data=False, seed_help=None):
    """An argument parser described by the first line of ``doc``, with ``--out``.

    ``gtzan_data=True`` adds ``--data``: a GTZAN folder, by default the mini set (100 real
    tracks) beside the checkout, for ``gtzan_or_toy_waves``. ``seed_help`` adds
    ``--seed`` (default 0), described by it.
    """
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--out", metavar="DIR", default=".", help=out_help)
    if gtzan_data:
        parser.add_argument("--data", metavar="DIR", default=str(GTZAN / "mini"),
                            help="GTZAN folder (default: the mini set beside the checkout)")
    if seed_help is not None:
        parser.add_argument("--seed", type=int, default=0, help=seed_help)
    return parser


def parse_args(parser, argv, small_help):
    """Add ``--small``, parse ``argv`` and announce the mode.

    ``SKGENRE_EXAMPLE_SMALL=1`` selects the small mode too, so that a test can run a
    script unchanged; ``args.small`` holds the choice.
    """
    parser.add_argument("--small", action="store_true",
                        help=f"{small_help} (also: SKGENRE_EXAMPLE_SMALL=1)")
    args = parser.parse_args(argv)
    args.small = args.small or os.environ.get("SKGENRE_EXAMPLE_SMALL") == "1"
    print(f"mode: {'small' if args.small else 'full'}")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # quiet TensorFlow start-up
    return args


def parse_plot_args(parser, argv, small_help):
    """``parse_args``, then ``matplotlib.pyplot`` (not imported for ``--help``): ``(args, plt)``."""
    return parse_args(parser, argv, small_help), pyplot()


def pyplot():
    """``matplotlib.pyplot`` on the Agg backend: the scripts write files and show nothing."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def genre_labels(bunch):
    """The genre name of each item of a dataset bunch."""
    return np.asarray(bunch.target_names)[bunch.target]


def toy_waves(what="set", **params):
    """The seeded toy set in memory; ``(waves, genres, source)``.

    ``source`` names it for a figure's title: ``SYNTHETIC toy <what> (not music)``.
    """
    from skgenre.datasets import make_toy_genres

    toy = make_toy_genres(random_state=0, **params)
    return toy.data, genre_labels(toy), f"SYNTHETIC toy {what} (not music)"


def toy_files(prefix, **params):
    """Write the toy set to a temporary folder; ``(tmpdir, paths, genres)``.

    The folder is removed when ``tmpdir`` is, so the caller keeps it while it needs the files.
    """
    from skgenre.datasets import make_toy_genres

    tmpdir = tempfile.TemporaryDirectory(prefix=prefix)
    toy = make_toy_genres(random_state=0, path=tmpdir.name, **params)
    return tmpdir, np.asarray(toy.filenames, dtype=object), genre_labels(toy)


def gtzan_or_toy_waves(parser, args, sr, **toy_params):
    """``(waves, genres, source)``: the toy set of ``toy_params`` with ``--small``, else
    every track of the GTZAN folder ``--data`` (``make_parser(..., gtzan_data=True)``)."""
    if args.small:
        return toy_waves(sr=sr, **toy_params)
    return load_gtzan_waves(parser, args.data, sr)


def load_gtzan_waves(parser, data, sr):
    """Decode every track of the GTZAN folder ``data``; ``(waves, genres, source)``."""
    from skgenre import AudioLoader
    from skgenre.datasets import load_gtzan

    if not Path(data).is_dir():
        parser.error(f"--data {data}: no such folder (the default needs ../shared "
                     "beside the checkout; give a GTZAN folder, or --small)")
    gtzan = load_gtzan(data)
    y = genre_labels(gtzan)
    waves = AudioLoader(sr=sr, n_jobs=-1).fit_transform(gtzan.filenames)
    return waves, y, f"GTZAN, {len(y)} real tracks ({Path(data).name})"


def save_figure(fig, out, name, palette=False, tight=True):
    """Write ``fig`` as ``out/name`` (creating ``out``) and say so.

    ``palette=True`` writes a palette PNG at the figure's dpi: the documentation's
    figures of a few hundred kB shrink to well under 200. ``tight=False`` keeps the
    layout as drawn (``tight_layout`` cannot place a colorbar shared by several axes).
    """
    if tight:
        fig.tight_layout()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / name
    if not palette:
        fig.savefig(path, dpi=100)
        print(f"wrote {path}")
        return path
    from PIL import Image

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=fig.dpi)
    buf.seek(0)
    image = Image.open(buf).convert("RGB")
    image.quantize(colors=256, method=Image.Quantize.FASTOCTREE).save(path, optimize=True)
    print(f"wrote {path} ({path.stat().st_size // 1024} kB)")
    return path
