"""``skgenre adapt``: a results file of ``skgenre predict``, adapted to its songs' genre mix."""

import math
import sys

from ._safety import display_name

__all__ = ["add_adapt_parser", "run_adapt"]


def _shares(text, *, bare=False):
    """``blues=0.1,classical=0.2,...`` -> dict; with ``bare``, ``pop,rock`` (equal shares)
    too."""
    import argparse

    items = [part.strip() for part in text.split(",") if part.strip()]
    form = "GENRE,GENRE,... or GENRE=SHARE,GENRE=SHARE,..." if bare else \
        "GENRE=SHARE,GENRE=SHARE,..."
    if bare and items and not any("=" in item for item in items):
        pairs = [(item, 1.0) for item in items]
    else:
        pairs = []
        for item in items:
            genre, sep, value = item.rpartition("=")
            try:
                if not sep or not genre:
                    raise ValueError
                pairs.append((genre, float(value)))
            except ValueError:
                raise argparse.ArgumentTypeError(
                    f"expected {form} (e.g. rock=0.5,pop=0.5), got {item!r}"
                ) from None
    shares = {}
    for genre, share in pairs:
        if genre in shares:
            # a dict would keep the last share silently: rock=0.7,...,rock=0.1 is a typo
            raise argparse.ArgumentTypeError(f"genre {genre!r} is named twice; name it once")
        if not (math.isfinite(share) and share >= 0):
            raise argparse.ArgumentTypeError(
                f"the share of {genre!r} is {share:g}; a share is a number of 0 or more")
        shares[genre] = share
    if not shares:
        raise argparse.ArgumentTypeError(f"expected {form}")
    return shares


def _mix(text):
    return _shares(text, bare=True)


def add_adapt_parser(sub):
    """Add the ``adapt`` subcommand to the ``skgenre`` parser's subparsers."""
    p = sub.add_parser(
        "adapt", help="adapt a results file of `predict --out` to its songs' genre mix",
        description="A model learns the genre shares of its training songs: trained on "
                    "GTZAN, it judges each song as if one in ten were jazz. This estimates "
                    "the genre shares of the songs of RESULTS (a complete file of `skgenre "
                    "predict --out`, no labels needed), prints them, and writes every "
                    "song's probabilities re-weighted to those shares, and its new top "
                    "genre, to --out (same format, same order; RESULTS stays as it is). "
                    "It assumes that each genre sounds as it did in training; songs of "
                    "genres the model never learnt inflate the shares of the genres they "
                    "are taken for. Use the whole library: on a handful of songs the "
                    "estimate is rough. Where the mix is known (a library of classical, "
                    "pop and rock only), state it with --mix: nothing is estimated, and "
                    "each song is re-weighted on its own. Exit status: 0 written, 2 "
                    "RESULTS is not a complete results file of `skgenre predict`, --out "
                    "cannot be written, or too few songs, an invalid --train-prior or "
                    "an invalid --mix.",
    )
    p.add_argument("results", metavar="RESULTS",
                   help="a results file written by `skgenre predict --out` (.csv or .jsonl)")
    p.add_argument("--out", metavar="FILE", required=True,
                   help="the adapted results file to write, of the same format")
    p.add_argument("--train-prior", type=_shares, default=None,
                   metavar="GENRE=SHARE,...",
                   help="each genre's share of the model's training songs (default: the "
                        "songs of each genre that `skgenre train` recorded in the model, "
                        "carried into RESULTS by `predict --out`; equal shares for a model "
                        "that recorded none)")
    p.add_argument("--mix", type=_mix, default=None,
                   metavar="GENRE,... or GENRE=SHARE,...",
                   help="the genre mix of the songs, where it is known, instead of an "
                        "estimate: the genres they hold, in equal shares (classical,pop,"
                        "rock), or each genre's share; a genre of the model left out is "
                        "never the answer")


def _prior_source(path):
    """Where the training shares that the adapted file ``path`` was divided by came from,
    as its first line records it."""
    from ..inference._results import read_identity

    with open(path, "rb") as f:
        identity = read_identity(f.readline().rstrip(b"\r\n")) or {}
    source = identity.get("adapted", {}).get("train_prior_from")
    return {
        "model": "the model's songs of each genre, recorded by `skgenre train`",
        "stated": "stated with --train-prior",
    }.get(source, "equal, assumed: the results do not record the model's (a model not "
                  "saved by `skgenre train`); if its genres were unbalanced, state them "
                  "with --train-prior")


def run_adapt(args, out=print):
    """Write the adapted file and print the estimated mix; 2 for a file or option at fault."""
    from ..inference import adapt_results_file

    try:
        mix, n = adapt_results_file(args.results, args.out, train_prior=args.train_prior,
                                    mix=args.mix)
    except ValueError as exc:  # too few songs, a bad --train-prior or --mix: the input's fault
        print(f"skgenre adapt: error: {exc}", file=sys.stderr)
        return 2
    # the genres are a model file's class names: shown escaped, as predict shows them
    shown = {genre: display_name(genre) for genre in mix}
    width = max(len(name) for name in shown.values())
    how = "stated with --mix" if args.mix is not None else "estimated from their probabilities"
    out(f"genre mix of {n} songs ({how}):")
    for genre, share in sorted(mix.items(), key=lambda kv: -kv[1]):
        if args.mix is not None and share == 0:  # ruled out by the user, not measured
            continue
        out(f"  {shown[genre]:<{width}}  {share:.3f}")
    out(f"training shares: {_prior_source(args.out)}")
    print(f"skgenre adapt: wrote {args.out}", file=sys.stderr)
    return 0
