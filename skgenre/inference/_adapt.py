"""A results file of ``skgenre predict``, adapted to the genre mix of its songs."""

import os

import numpy as np

from .._errors import OutputError, ResultsFileError
from ._results import (
    _CSV_MAGIC,
    DONE,
    RUN,
    SONG,
    ResultsFile,
    is_jsonl_name,
    read_identity,
)

__all__ = ["adapt_results_file"]


def _check_replaceable(out):
    """Refuse an ``out`` that holds anything but the adapted rows of an earlier adapt."""
    try:
        with open(out, "rb") as f:
            # an identity line is a few hundred bytes: a big file with no newline is not
            # read whole just to be refused
            first = f.readline(1 << 16)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise OutputError(out, f"it cannot be read ({exc.strerror})") from None
    found = read_identity(first.rstrip(b"\r\n")) if first else {"adapted": True}
    if found is None or "adapted" not in found:
        raise OutputError(
            out, "the file exists and is not adapted results of `skgenre adapt`; it is left "
                 "as it is: choose another --out, or remove the file")


def adapt_results_file(path, out, *, train_prior=None, mix=None):
    """Re-weight the songs of a ``skgenre predict --out`` file to their genre mix.

    The genre shares of the songs in ``path`` are estimated from their probabilities, with
    no label, by :func:`~skgenre.models.adapt_to_label_shift` (or taken from ``mix``
    where they are known), and every probability (of each song and of each of its
    segments) is re-weighted by Bayes' rule to those shares; each record's ``top``
    becomes its new most probable genre. The records are
    written to ``out``, in the same format and order, all at once (atomically). A song
    with an error is copied as it is; a song that an open-set model called ``unknown``
    keeps that answer and does not count in the estimate. The first line of ``out``
    records the estimated mix, so ``skgenre predict`` will not append to it.

    Parameters
    ----------
    path : str or path-like
        A complete results file of ``skgenre predict --out`` (CSV or JSON Lines). Use the
        whole library: the estimate is only as good as the number of songs.
    out : str or path-like
        The file to write, of the same format as ``path`` (``.csv`` or ``.jsonl``); not
        ``path`` itself, which stays as the run wrote it.
    train_prior : dict of str to float or None, default=None
        Each genre's share of the model's training songs. None: the shares that the
        results file records (``train_counts``, where the model file kept its
        ``class_counts``, as ``skgenre train`` does), else equal shares (the built-in
        data sets', and GTZAN's). The first line of ``out`` says which was used.
    mix : dict of str to float, list of str, str or None, default=None
        The genre mix of the songs, where it is known: each genre's share (a genre left
        out has none and is never the answer), or a list of the genres that the songs
        hold, in equal shares. Nothing is then estimated and each song is re-weighted on
        its own. None: estimate the mix from the songs.

    Returns
    -------
    mix : dict of str to float
        The share of each genre among the songs (estimated, or ``mix`` normalized), in
        the order of the file's columns.
    n_songs : int
        The songs with genre probabilities (those the estimate was made from).

    Raises
    ------
    ResultsFileError
        ``path`` cannot be read or is not a complete results file of ``skgenre predict``
        (a file of ``skgenre tag``; a file already adapted; a file whose run did not
        finish, interrupted between two songs or within one).
    OutputError
        ``out`` cannot be written, is ``path``, or has another format.
    ValueError
        Fewer than 2 songs with probabilities to estimate the mix from, ``train_prior``
        does not give every genre of the file a share above 0, ``mix`` names a genre
        that the file lacks, has a negative share or none above 0, or rules out every
        genre that a song was given a probability for.

    See Also
    --------
    skgenre.models.adapt_to_label_shift : The estimate, on a table of probabilities.

    Examples
    --------
    A results file as ``skgenre predict --out res.csv`` writes it, of a model trained on
    equal shares of pop and rock, over three songs that lean to rock. Three songs are far
    too few for an estimate (it goes to the extreme): they show the file's shape only.

    >>> import json, tempfile
    >>> from pathlib import Path
    >>> from skgenre.inference import adapt_results_file
    >>> folder = Path(tempfile.mkdtemp())
    >>> run = {"classes": ["pop", "rock"], "command": "predict", "segments": False}
    >>> _ = (folder / "res.csv").write_text(
    ...     "# skgenre results " + json.dumps(run) + "\\n"
    ...     "path,top,proba_pop,proba_rock,seconds,note,error\\n"
    ...     "a.mp3,rock,0.2,0.8,30.0,,\\n"
    ...     "b.mp3,rock,0.3,0.7,30.0,,\\n"
    ...     "c.mp3,pop,0.55,0.45,30.0,,\\n")
    >>> mix, n = adapt_results_file(folder / "res.csv", folder / "adapted.csv")
    >>> n, {genre: round(share, 2) for genre, share in mix.items()}
    (3, {'pop': 0.0, 'rock': 1.0})
    >>> (folder / "adapted.csv").read_text().splitlines()[4].split(",")[:2]
    ['c.mp3', 'rock']

    Where the library is known to be, say, three quarters pop, that mix is stated instead:

    >>> mix, n = adapt_results_file(folder / "res.csv", folder / "stated.csv",
    ...                             mix={"pop": 3, "rock": 1})
    >>> mix
    {'pop': 0.75, 'rock': 0.25}
    >>> [line.split(",")[1] for line in (folder / "stated.csv").read_text().splitlines()[2:]]
    ['rock', 'pop', 'pop']
    """
    from ..models import adapt_to_label_shift
    from ..models._label_shift import _stated_prior
    from ..utils import atomic_write, check_writable

    path, out = os.fspath(path), os.fspath(out)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as exc:
        raise ResultsFileError(path, f"it cannot be read ({exc.strerror})") from None
    nl = data.find(b"\n")
    identity = read_identity(data[:nl]) if nl >= 0 else None
    if identity is None:
        raise ResultsFileError(path, "it is not a results file of `skgenre predict --out`")
    command = identity.get("command")
    if command != "predict":
        raise ResultsFileError(
            path, f"it holds results of `skgenre {command}`, not of `skgenre predict`: only a "
                  "trained genre model has a training mix to correct (tags, and the "
                  "zero-shot genres of `tag --genres`, have none)")
    if "adapted" in identity:
        raise ResultsFileError(path, "it is adapted already; adapt the results file of the run")
    stateful = RUN in identity  # files written before the run's state was kept have none
    if identity.pop(RUN, DONE) != DONE:
        # a run stopped between two songs (Ctrl-C, kill -9) leaves a valid file of the songs
        # judged so far: their mix is not the library's
        raise ResultsFileError(
            path, "its run did not finish (interrupted, or still running): the songs in it "
                  "are those judged so far, not the library; run the same `skgenre predict "
                  "--out` again to finish it, then adapt")
    classes = [str(c) for c in identity.get("classes", [])]
    segments = bool(identity.get("segments", False))
    # the input's format by its content: a .json file written before .json was refused
    # (as JSON Lines) is still read
    jsonl = not data.startswith(_CSV_MAGIC.encode())
    candidates = [ResultsFile(path, identity, classes, segments=segments, unknown=u,
                              jsonl=jsonl) for u in (False, True)]
    for r in candidates:
        r._stateful = stateful
    source = next((r for r in candidates if data.startswith(r._header(DONE))), None)
    if source is None or len(classes) < 2:
        raise ResultsFileError(path, "its columns are not those of a `skgenre predict` run")
    if source.jsonl != is_jsonl_name(out):
        raise OutputError(out, f"it must be of the same format as {path!r} (.csv or .jsonl)")
    check_writable(out, what="results file")
    if os.path.exists(out) and os.path.samefile(path, out):
        raise OutputError(out, "it is the results file itself; write the adapted rows to "
                               "another file, so that the run's rows stay as they were")
    _check_replaceable(out)

    records, song = [], []
    end = len(source._header())
    for end, rec in source._records(data, end):
        song.append(rec)
        if not segments or rec.get("segment") == SONG:
            records.append(song)
            song = []
    if song or end != len(data):  # a run cut short: predict finishes it on a rerun
        raise ResultsFileError(
            path, "its last song is incomplete or cannot be read (the run was interrupted); "
                  "run the same `skgenre predict --out` again to finish it")
    # a --retry-errors run killed before it took out the old records leaves a song twice:
    # its last record stands, as when predict next opens the file
    last = {s[-1]["path"]: i for i, s in enumerate(records)}
    records = [s for i, s in enumerate(records) if last[s[-1]["path"]] == i]

    cols = [f"proba_{c}" for c in classes]

    def proba(rec):
        return np.array([float(rec[c]) for c in cols])

    def judged(rec):
        return not rec.get("error") and all(rec.get(c) not in (None, "") for c in cols)

    counted = [s[-1] for s in records if judged(s[-1]) and s[-1].get("top") in classes]
    recorded = identity.get("train_counts")
    if train_prior is None and recorded is not None:
        if counts_of_classes(recorded, classes) is None:
            raise ResultsFileError(
                path, "its train_counts (the model's training songs of each genre, on its "
                      "first line) are not a count above 0 for each of its genres; the "
                      "line was edited or damaged: give the shares with train_prior "
                      "(--train-prior), or rerun `skgenre predict --out`")
        t, prior_from = np.array([recorded[c] for c in classes], dtype=np.float64), "model"
    elif train_prior is None:
        t, prior_from = np.full(len(classes), 1.0 / len(classes)), "equal"
    else:
        prior_from = "stated"
        t = _shares(train_prior, classes, path, "train_prior", every=True)
        if not np.all(np.isfinite(t)) or np.any(t <= 0):
            raise ValueError(f"train_prior must give each genre a share above 0; got "
                             f"{dict(zip(classes, t.tolist()))}")
    stated = mix is not None
    if stated:
        if isinstance(mix, str):
            mix = [mix]
        if not isinstance(mix, dict):  # the genres the songs hold, in equal shares
            mix = dict.fromkeys(mix, 1.0)
        mix = _stated_prior(_shares(mix, classes, path, "mix", every=False), len(classes),
                            name="mix")
    elif len(counted) < 2:
        raise ValueError(
            f"{path!r} has {len(counted)} song(s) with genre probabilities; the genre mix is "
            "estimated from the songs, which needs at least 2 (adapt the whole library, "
            "or state its mix)"
        )
    else:
        _, mix = adapt_to_label_shift(np.vstack([proba(r) for r in counted]), t)
    weight = mix / (t / t.sum())
    for song in records:
        for rec in song:
            if not judged(rec):
                continue
            q = proba(rec) * weight
            if not q.sum() > 0:
                raise ValueError(
                    f"the mix rules out every genre that {rec.get('path')!r} of {path!r} "
                    "was given a probability for; give one of them a share above 0")
            q /= q.sum()
            for c, v in zip(cols, q):
                rec[c] = float(v)
            if rec.get("top") in classes:
                rec["top"] = classes[int(np.argmax(q))]
    identity = dict(identity)
    identity["adapted"] = {
        "source": os.path.abspath(path),
        "mix": {c: float(m) for c, m in zip(classes, mix)},
        "mix_from": "stated" if stated else "estimated",
        "train_prior": {c: float(v) for c, v in zip(classes, t / t.sum())},
        # "model": the model file's class counts; "equal": assumed, none recorded
        "train_prior_from": prior_from,
    }
    target = ResultsFile(out, identity, classes, segments=segments,
                         unknown="unknown_score" in source.columns)
    with atomic_write(out) as f:
        f.write(target._header(DONE))
        for song in records:
            f.write(target.encode(song))
    return {c: float(m) for c, m in zip(classes, mix)}, len(counted)


def counts_of_classes(counts, classes):
    """``counts`` (a model's training songs of each class, as ``skgenre train`` records
    them) in the order of ``classes``, or None unless it gives each of them, and only
    them, a count above 0."""
    if (isinstance(counts, dict) and sorted(counts) == sorted(classes)
            and all(type(n) is int and n > 0 for n in counts.values())):
        return {c: counts[c] for c in classes}
    return None


def _shares(shares, classes, path, name, *, every):
    """A ``{genre: share}`` dict as an array in the order of ``classes``; ``every``: each
    genre must have a share (else the missing ones get 0). The values are checked by the
    caller, who knows what they may be."""
    missing = [c for c in classes if c not in shares] if every else []
    extra = [str(g) for g in shares if g not in classes]
    if missing or extra:
        raise ValueError(
            f"{name} must give a share to "
            + ("each genre of" if every else "genres of")
            + f" {path!r} and no other"
            + (f"; missing: {', '.join(missing)}" if missing else "")
            + (f"; not genres of the model: {', '.join(extra)} (its genres: "
               f"{', '.join(classes)})" if extra else "")
        )
    return np.array([float(shares.get(c, 0.0)) for c in classes])
