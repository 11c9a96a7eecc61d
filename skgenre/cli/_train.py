"""``skgenre train``: fit one model on a data set and save it."""

import sys

import numpy as np

from .._kinds import MODEL_KIND_FACTORIES
from .._persist import save_model
from ..utils import check_writable
from ._common import Console, build_pipeline, get_dataset, keras_output
from ._safety import check_replaceable_model, display_name

__all__ = ["run_train"]

# Model kinds whose classifier cannot be wrapped by --unknown, and why.
_NO_UNKNOWN = {
    "cnn": "its classifier's input is a whole mel spectrogram per clip (a 2-D image, "
           "tens of thousands of values), not the vector of a few hundred numbers whose "
           "covariance the unknown score needs",
}
_UNKNOWN_FOLDS = 5
_UNKNOWN_MIN_SONGS = 3
# what the saved model answers for a song unlike the training songs
_UNKNOWN_LABEL = "unknown"


def _open_set(pipe, share, y):
    """The pipeline with its final classifier wrapped in an OpenSetClassifier.

    The threshold's cross-validation has 5 folds, fewer when a genre has fewer songs (at
    least 3, checked by the caller: with 2 songs of every genre each fold would train on
    one song per genre, whose spread within the genres is zero).
    """
    from ..models import OpenSetClassifier

    name, clf = pipe.steps[-1]
    smallest = int(np.unique(y, return_counts=True)[1].min())
    # as many folds as the smallest genre has songs (up to 5): each fold trains on 2 or
    # more songs of every genre
    cv = min(_UNKNOWN_FOLDS, smallest)
    pipe.steps[-1] = (name, OpenSetClassifier(clf, known_rate=share, cv=cv,
                                              unknown_label=_UNKNOWN_LABEL))
    return pipe


def _prior_genres():
    from ..models import ZERO_SHOT_MAPPINGS

    return sorted(ZERO_SHOT_MAPPINGS["all"])


def _has_prior_genres(y):
    """Whether two genres of ``y`` or more have a zero-shot prior, as the combined
    classifier needs (checked before hours of features: the classifier refuses such data
    only when it is fitted)."""
    from ..models._tag_prior import _class_genres

    return sum(g is not None for g in _class_genres(np.unique(y), _prior_genres())) >= 2


def _without_prior(pipe):
    """The classes of a fitted combined pipeline that no tag names (learnt from the
    embedding alone), for a note: a misspelt genre folder would be one."""
    from ..models import OpenSetClassifier, TagPriorClassifier

    head = pipe.steps[-1][1]
    if isinstance(head, OpenSetClassifier):
        head = head.estimator_
    if not isinstance(head, TagPriorClassifier):
        return []
    return [str(c) for c, has in zip(head.classes_, head.prior_classes_) if not has]


def _missing_weights(pipe):
    """Why the pretrained networks of ``pipe`` cannot be loaded (their weights are not
    installed, or are not the published checkpoint), or None; the embedding and combined
    models fail on it only in ``fit``."""
    from .._errors import WeightsMismatchError, WeightsNotFoundError
    from ..embeddings import MusicnnEmbedding, load_musicnn_weights

    for step in pipe.get_params().values():
        if isinstance(step, MusicnnEmbedding):
            try:
                load_musicnn_weights(step.model, step.weights_dir)
            except (WeightsNotFoundError, WeightsMismatchError) as exc:
                return str(exc)
    return None


def run_train(args, out=print):
    """Train ``args.model`` with ``pipe.fit`` and save it to ``args.out``; return 0 (2 for
    ``--unknown`` with a model kind it cannot wrap, a genre of fewer than 3 songs or a
    genre named "unknown", and for pretrained networks whose weights are not installed)."""
    share = getattr(args, "unknown", None)
    if share is not None and args.model in _NO_UNKNOWN:
        print(f"skgenre train: error: --unknown cannot wrap the {args.model} model: "
              f"{_NO_UNKNOWN[args.model]}; use --model "
              f"{' or '.join(k for k in MODEL_KIND_FACTORIES if k not in _NO_UNKNOWN)}",
              file=sys.stderr)
        return 2
    # Before hours of training: a model that cannot be saved would be lost.
    check_writable(args.out, what="model file")
    check_replaceable_model(args.out)
    console = Console(quiet=args.quiet, verbose=args.verbose)
    pipe = build_pipeline(args.model, args, console)
    if args.model in ("embedding", "combined"):
        ignored = [opt for opt, given in (("--preset", args.preset != "tuned"),
                                          ("--epochs", args.epochs is not None)) if given]
        if ignored:
            # documented, but a run that drops an option the user typed says so
            console.warn(f"{' and '.join(ignored)} set the networks that skgenre trains; "
                         f"the {args.model} model trains none (pretrained features and a "
                         "linear classifier) and ignores "
                         f"{'them' if len(ignored) > 1 else 'it'}")
    missing = _missing_weights(pipe)
    if missing is not None:
        # before every song is decoded, and as `tag` says it: nothing to train without them
        print(f"skgenre train: error: {missing}", file=sys.stderr)
        return 2
    X, y, desc, kind, _ = get_dataset(
        args.data, args.n_per_class, args.seed, console, n_jobs=args.jobs
    )
    out(f"Data: {desc}")
    synthetic = kind == "toy"
    if synthetic:
        out(
            ("NOTE: no --data given, so the model is trained on the built-in SYNTHETIC toy "
             "set" if args.data is None else "NOTE: --data holds the SYNTHETIC toy set "
             "written by make_toy_genres") + "; it has not learned real music genres."
        )
    # the songs of each genre: checked for --unknown, and kept with the model
    genres, counts = np.unique(y, return_counts=True)
    if args.model == "combined" and not _has_prior_genres(y):
        print("skgenre train: error: --model combined needs at least two genres that the "
              f"pretrained tags name ({', '.join(_prior_genres())}); the genres of the data "
              f"are {', '.join(map(str, genres))}. Rename the genre folders, or use "
              "--model embedding", file=sys.stderr)
        return 2
    if share is not None:
        if _UNKNOWN_LABEL in set(genres.tolist()):
            # OpenSetClassifier refuses it only in its fit, after every song's features,
            # advising an unknown_label parameter that the command has not got
            print(f"skgenre train: error: --unknown answers {_UNKNOWN_LABEL!r} for songs "
                  f"unlike the training songs, and the data has a genre named "
                  f"{_UNKNOWN_LABEL!r}, so the two could not be told apart. Rename that "
                  "genre folder, or train without --unknown", file=sys.stderr)
            return 2
        few = [f"{g} ({n})" for g, n in zip(genres, counts) if n < _UNKNOWN_MIN_SONGS]
        if few:
            # the threshold's folds each need songs of every genre to train on, two at
            # least: the score measures the spread of the songs around their genre's mean
            print(f"skgenre train: error: --unknown needs at least {_UNKNOWN_MIN_SONGS} "
                  "songs of each genre (its threshold is fitted by cross-validation over "
                  "them); too few in: "
                  f"{', '.join(few)}. Add songs to those genre folders, or train without "
                  "--unknown", file=sys.stderr)
            return 2
    if share is not None:
        pipe = _open_set(pipe, share, y)
    with console.stage("fit", f"training the {args.model} model on {len(y)} songs"), keras_output():
        pipe.fit(X, y)
    # the training shares, which a model's probabilities carry: `skgenre adapt` divides
    # them out when it re-weights a library's songs to their own genre mix
    path = save_model(pipe, args.out, metadata={
        "class_counts": {str(g): int(n) for g, n in zip(genres, counts)}})
    # genre folder names: a newline or an escape sequence in one must not forge lines
    classes = ", ".join(display_name(str(c)) for c in pipe.classes_)
    # the presets are the trained networks'; the pretrained kinds have none
    preset = "" if args.model in ("embedding", "combined") else f" ({args.preset})"
    out(
        f"Trained {args.model}{preset} on {len(y)} songs"
        f"{' of SYNTHETIC toy data' if synthetic else ''}; classes: {classes}"
    )
    if share is not None:
        head = pipe.steps[-1][1]
        out(
            f"Unknown: a song whose unknown score is above {head.threshold_:.3f} is "
            f"'{head.unknown_label}' (the threshold keeps {share:.0%} of the training "
            f"songs as known, scored out of fold, {head.cv}-fold cross-validation)"
        )
    lacking = _without_prior(pipe) if args.model == "combined" else []
    if lacking:
        out(
            f"Note: no pretrained tag names the genre(s) {', '.join(lacking)}: they are "
            "learnt from the embedding alone (the built-in genres are "
            f"{', '.join(_prior_genres())})"
        )
    out(f"Saved to {path}")
    return 0
