"""``skgenre adapt``: a results file of ``skgenre predict``, adapted to its songs' genre mix."""

import sys

__all__ = ["add_adapt_parser", "run_adapt"]


def _shares(text):
    """``blues=0.1,classical=0.2,...`` -> dict."""
    import argparse

    shares = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        genre, sep, value = item.rpartition("=")
        try:
            if not sep or not genre:
                raise ValueError
            shares[genre] = float(value)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected GENRE=SHARE,GENRE=SHARE,... (e.g. rock=0.5,pop=0.5), got {item!r}"
            ) from None
    if not shares:
        raise argparse.ArgumentTypeError("expected GENRE=SHARE,GENRE=SHARE,...")
    return shares


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
                    "estimate is rough. Exit status: 0 written, 2 RESULTS is not a "
                    "complete results file of `skgenre predict`, --out cannot be written, "
                    "or too few songs or an invalid --train-prior.",
    )
    p.add_argument("results", metavar="RESULTS",
                   help="a results file written by `skgenre predict --out` (.csv or .jsonl)")
    p.add_argument("--out", metavar="FILE", required=True,
                   help="the adapted results file to write, of the same format")
    p.add_argument("--train-prior", type=_shares, default=None,
                   metavar="GENRE=SHARE,...",
                   help="each genre's share of the model's training songs (default: equal "
                        "shares, as in GTZAN and the toy set)")


def run_adapt(args, out=print):
    """Write the adapted file and print the estimated mix; 2 for a file or option at fault."""
    from ..inference import adapt_results_file

    try:
        mix, n = adapt_results_file(args.results, args.out, train_prior=args.train_prior)
    except ValueError as exc:  # too few songs, a bad --train-prior: the input is at fault
        print(f"skgenre adapt: error: {exc}", file=sys.stderr)
        return 2
    width = max(len(g) for g in mix)
    out(f"genre mix of {n} songs (estimated from their probabilities):")
    for genre, share in sorted(mix.items(), key=lambda kv: -kv[1]):
        out(f"  {genre:<{width}}  {share:.3f}")
    print(f"skgenre adapt: wrote {args.out}", file=sys.stderr)
    return 0
