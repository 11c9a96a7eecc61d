"""``skgenre tag --genres``: each song's genre from the zero-shot classifier, no training.

The songs go through the library machinery of ``skgenre predict`` (streaming, ``--out``,
``--jobs``, ``--files-from``, screening); the model is
:func:`~skgenre.make_zero_shot_pipeline` with a built-in genre -> tags mapping or one read
from a JSON file.
"""

import json
import os
import sys

import numpy as np

from .._errors import SkgenreError

__all__ = ["GENRES_HELP", "read_genre_mapping", "run_tag_genres"]

GENRES_HELP = (
    "instead of the tags, name each song's genre with the zero-shot classifier "
    "(skgenre.ZeroShotGenreClassifier: the tags of both musicnn networks mapped to genres; "
    "no training data): 'gtzan' (GTZAN's ten genres), 'emotify' (classical, electronic, "
    "pop, rock), 'all' (the eleven genres of both), or a JSON file of your own mapping, "
    "{\"genre\": [\"MSD:tag\", ...] or \"tag\", ...}. Prints the top genres and every "
    "genre's probability. Not with --taxonomy"
)


class GenreMappingError(SkgenreError, ValueError):
    """A ``--genres`` value that names no built-in mapping and no valid mapping file.

    Internal to the command (it exits 2 with the message); in the library's one exception
    family all the same.
    """


def _check_structure(mapping, where):
    if not isinstance(mapping, dict):
        raise GenreMappingError(
            f"{where} holds a JSON {type(mapping).__name__}, not an object mapping each "
            'genre to its tag(s): {"rock": ["MSD:rock", "MTT:rock"], "jazz": "jazz"}'
        )
    from ..models import MUSICNN_TAG_COLUMNS
    from ._safety import display_name

    seen = {}
    for genre, tags in mapping.items():
        key = genre.strip().casefold()
        if not key:
            raise GenreMappingError(f"{where} has a genre with an empty name")
        if display_name(genre) != genre:
            # printed as it is in the table and the --out columns: a newline would break
            # a song's lines in two, an escape sequence drive the terminal
            raise GenreMappingError(
                f"{where} has a genre name with a control character "
                f"('{display_name(genre)}'); use printable characters")
        if key in seen:
            raise GenreMappingError(
                f"{where} names the genres {seen[key]!r} and {genre!r}, which differ only in "
                "case or spaces and would print alike; keep one"
            )
        seen[key] = genre
        if not isinstance(tags, str) and (
            not isinstance(tags, list) or not all(isinstance(t, str) for t in tags)
        ):
            raise GenreMappingError(
                f"{where} maps genre {genre!r} to {json.dumps(tags)}; give a tag name or a "
                "list of tag names"
            )
        if not tags:
            raise GenreMappingError(
                f"{where} gives genre {genre!r} no tag; give it at least one")
        for tag in [tags] if isinstance(tags, str) else tags:
            if tag not in MUSICNN_TAG_COLUMNS and not any(
                c.split(":", 1)[1] == tag for c in MUSICNN_TAG_COLUMNS
            ):
                raise GenreMappingError(
                    f"{where} maps genre {genre!r} to {tag!r}, which is not a tag of the MSD "
                    "or the MTT network. Tags: a bare name means that tag of every network "
                    "that has it, NET:tag one network's; valid: "
                    f"{', '.join(repr(c) for c in MUSICNN_TAG_COLUMNS)}"
                )
    if len(mapping) == 1:
        raise GenreMappingError(
            f"{where} names one genre ({next(iter(mapping))!r}): every song would get it with "
            "probability 1; map at least two genres"
        )


def read_genre_mapping(value):
    """The ``mapping`` of a ``--genres`` value: a built-in name, or a JSON file's dict.

    The mapping is checked against the tags of the networks (the classifier's own
    validation, on a dummy row of tag probabilities: no network runs).

    Parameters
    ----------
    value : str
        ``"gtzan"``, ``"emotify"``, ``"all"`` or the path of a JSON file.

    Returns
    -------
    mapping : str or dict
        What :func:`~skgenre.make_zero_shot_pipeline` takes as ``genres``.

    Raises
    ------
    GenreMappingError
        The file cannot be read, is not JSON (or nests it too deep to read), is not an
        object of genre -> tag(s), is empty, names one genre only, names a genre twice
        (also up to case and spaces) or with a control character, or names a tag that no
        network has; the message names the file and why.

    Examples
    --------
    >>> from skgenre.cli._genres import read_genre_mapping
    >>> read_genre_mapping("gtzan")
    'gtzan'
    >>> read_genre_mapping("no-such-mapping.json")
    Traceback (most recent call last):
    ...
    skgenre.cli._genres.GenreMappingError: cannot read --genres file 'no-such-mapping.json' ...
    """
    from ..models import ZERO_SHOT_MAPPINGS, ZeroShotGenreClassifier

    if value in ZERO_SHOT_MAPPINGS:
        return value
    where = f"--genres file {value!r}"
    try:
        with open(value, "rb") as f:
            raw = f.read()
    except OSError as exc:
        builtin = ", ".join(sorted(ZERO_SHOT_MAPPINGS))
        raise GenreMappingError(
            f"cannot read {where} ({exc.strerror or exc}); give a built-in mapping "
            f"({builtin}) or a JSON file"
        ) from None

    def no_repeats(pairs):
        # json keeps the last of repeated keys: the first genre's tags would go unseen
        names = [key for key, _ in pairs]
        repeated = sorted({key for key in names if names.count(key) > 1})
        if repeated:
            raise GenreMappingError(
                f"{where} names the genre {repeated[0]!r} more than once; keep one entry "
                "(its tags may be a list)")
        return dict(pairs)

    try:
        mapping = json.loads(raw, object_pairs_hook=no_repeats)
    except GenreMappingError:
        raise
    except (ValueError, UnicodeDecodeError) as exc:
        raise GenreMappingError(f"{where} is not JSON ({exc})") from None
    except RecursionError:
        # json's decoder recurses per level: a damaged or hostile file of thousands of
        # brackets would otherwise end the command in a traceback
        raise GenreMappingError(
            f"{where} is not a genre mapping: its JSON is nested too deep to read (a "
            "mapping is one object of genre -> tag(s))") from None
    _check_structure(mapping, where)
    try:
        # The classifier's own checks: an empty mapping, a genre with no tag, a tag that
        # no network has (its message lists the valid ones).
        ZeroShotGenreClassifier(mapping).fit(np.full((1, 100), 0.5))
    except ValueError as exc:
        raise GenreMappingError(f"{where}: {exc}") from None
    return mapping


def run_tag_genres(args, out=print, *, sr=16000):
    """``skgenre tag --genres``: genres of every file; exit 1 if any failed, 2 for a bad
    mapping, missing weights or an unusable --out."""
    from .._errors import WeightsMismatchError, WeightsNotFoundError
    from ..inference._library import PipelineJudge
    from ..pipelines import make_zero_shot_pipeline
    from ._library import run_library
    from ._predict import _printer

    try:
        mapping = read_genre_mapping(args.genres)
    except GenreMappingError as exc:
        print(f"skgenre tag: error: {exc}", file=sys.stderr)
        return 2
    try:
        # Fitted (nothing is learnt) before any file is read: without the weights nothing
        # can be judged. 16 kHz: the networks' rate, so no song is resampled twice.
        model = make_zero_shot_pipeline(mapping, sr=sr).fit([np.zeros(3 * sr, np.float32)])
    except (WeightsNotFoundError, WeightsMismatchError) as exc:
        print(f"skgenre tag: error: {exc}", file=sys.stderr)
        return 2
    classes = [str(c) for c in model.classes_]
    max_duration = getattr(args, "max_duration", 600.0)
    screen = getattr(args, "screen", True)
    spec = PipelineJudge(model, top_k=args.top_k, max_duration=max_duration, screen=screen,
                         own_workers=True)
    # The mapping itself, not its name or file name: a rerun with another mapping is refused.
    identity = {"command": "tag", "genres": model.named_steps["classifier"].genre_tags_,
                "classes": classes, "max_duration": max_duration, "screen": screen}
    name = args.genres if mapping is args.genres else os.path.basename(args.genres)
    show, _ = _printer(args, classes, out, json_lines=True,
                       detail=f"zero-shot {name} genres")
    return run_library(args, "tag", spec, identity, classes, show, n_jobs=args.jobs)
