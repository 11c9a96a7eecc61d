"""Whole-song prediction: a clip model applied over every consecutive clip of a song."""

import os
from numbers import Integral, Real

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.pipeline import Pipeline
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from sklearn.utils.validation import check_is_fitted

from .._errors import AudioLoadError
from ..preprocessing import clip_and_average, consecutive_clips
from ..utils import check_waveforms
from ._screen import (
    MIN_CLIP_FRACTION,
    _error,
    _first_line,
    header_duration,
    limit_note,
    screen_path,
    screen_waveform,
)

__all__ = ["predict_songs"]

# Songs decoded and predicted together; bounds memory for long lists of long songs.
_CHUNK_SONGS = 16


def _is_path(item):
    return isinstance(item, (str, bytes, os.PathLike))


def _as_items(paths_or_waveforms):
    if _is_path(paths_or_waveforms):
        return [paths_or_waveforms]
    if isinstance(paths_or_waveforms, np.ndarray) and paths_or_waveforms.dtype != object:
        if paths_or_waveforms.ndim == 1:
            return [paths_or_waveforms]
        if paths_or_waveforms.ndim == 2:
            return list(paths_or_waveforms)
        raise ValueError(
            "paths_or_waveforms must be paths, 1-D waveforms or a 2-D array of waveforms; "
            f"got an array of shape {paths_or_waveforms.shape}."
        )
    items = list(paths_or_waveforms)
    if not items:
        raise ValueError("paths_or_waveforms is empty; give at least one file or waveform.")
    return items


class LimitTooShortError(ValueError):
    """``max_duration`` leaves less audio than the shortest song that can be judged."""

    def __init__(self, max_duration, shortest, clip_seconds):
        self.max_duration, self.shortest, self.clip_seconds = max_duration, shortest, clip_seconds
        super().__init__(
            f"max_duration={max_duration:g} s is {self.cause()}, or None for whole songs"
        )

    def cause(self):
        """Why the limit is refused, and what to give instead."""
        return (
            f"shorter than the least audio that is judged ({self.shortest:.3g} s, "
            f"{MIN_CLIP_FRACTION:.0%} of one {self.clip_seconds:.3g}-s clip): every song "
            f"would be cut too short to tell a genre; give at least {self.shortest:.3g} s"
        )


def check_max_duration(max_duration, sr, clip_samples):
    """Refuse a ``max_duration`` that would leave every song too short to be judged.

    The song is not to blame for a limit below :func:`screen_waveform`'s shortest input
    (``MIN_CLIP_FRACTION`` of one clip), so the limit is refused before any file is read.

    Examples
    --------
    >>> from skgenre.inference._songs import check_max_duration
    >>> check_max_duration(600.0, 16000, 3 * 16000)
    >>> check_max_duration(0.001, 16000, 3 * 16000)
    Traceback (most recent call last):
    ...
    skgenre.inference._songs.LimitTooShortError: max_duration=0.001 s is shorter than ...
    """
    if max_duration is None:
        return
    if int(round(max_duration * sr)) < MIN_CLIP_FRACTION * clip_samples:
        raise LimitTooShortError(
            max_duration, MIN_CLIP_FRACTION * clip_samples / sr, clip_samples / sr
        )


def _loader_for(load_step, max_duration=None):
    """A copy of the pipeline's load step that reads whole files and raises on a bad one."""
    loader = clone(load_step)
    params = loader.get_params(deep=False)
    for name in ("on_error", "errors"):
        if name in params:
            loader.set_params(**{name: "raise"})
    # The whole song is judged: a head-only decode set up for training does not apply.
    if "offset" in params:
        loader.set_params(offset=0.0)
    if "duration" in params:
        # Decoding stops at max_duration: memory stays bounded whatever a file's length.
        loader.set_params(duration=max_duration)
    # Files are decoded in parallel here, one file per task.
    if "n_jobs" in params:
        loader.set_params(n_jobs=None)
    if "lazy" in params:
        loader.set_params(lazy=False)
    # Each call decodes one file: a progress bar of 1/1 per song says nothing (the steps
    # after it still show theirs, per chunk of songs).
    if "verbose" in params:
        loader.set_params(verbose=0)
    return loader


def _load_one(loader, item, index):
    """Decode one source; return ``(waveform, None)`` or ``(None, error)``."""
    if not _is_path(item):
        if not isinstance(item, (np.ndarray, list, tuple)):
            # None, a number, a dict...: not a malformed waveform, not a waveform at all
            return None, ValueError(
                f"entry {index} of paths_or_waveforms is neither a path (str, bytes or "
                f"os.PathLike) nor a waveform (a 1-D numeric array); got "
                f"{type(item).__name__}: {item!r:.80}"
            )
        # One object array of one waveform: the shared validation, whatever its length.
        box = np.empty(1, dtype=object)
        box[0] = item
        try:
            (w,) = check_waveforms(box, input_name=f"waveform[{index}]")
        except (TypeError, ValueError) as exc:
            return None, ValueError(str(exc).replace(f"waveform[{index}][0]", f"waveform[{index}]"))
        return w, None
    item, err = screen_path(item)  # non-regular files, swapped arguments, bogus headers
    if err is not None:
        return None, err
    if loader is None:
        return None, ValueError(
            f"cannot load {os.fspath(item)!r}: the pipeline has no 'load' step; pass "
            "waveforms, or a pipeline from skgenre's make_*_pipeline factories."
        )
    try:
        out = loader.fit_transform([item])
    except Exception as exc:  # whatever goes wrong in decoding is this file's error
        if not isinstance(exc, AudioLoadError):
            exc = AudioLoadError(os.fspath(item), f"{type(exc).__name__}: {exc}")
        return None, exc
    if len(out) != 1:
        return None, AudioLoadError(os.fspath(item), "the loader returned no audio")
    return np.asarray(out[0], dtype=np.float32), None


def _open_set_head(tail):
    """The final step when it answers "unknown" (an OpenSetClassifier, fitted), else None."""
    head = tail.steps[-1][1]
    if hasattr(head, "unknown_score") and hasattr(head, "threshold_"):
        return head
    return None


def _scorer(tail, head):
    """``score(clips)``: the class probabilities, and for an open-set model the unknown
    score as one more column (the representation is computed once for both)."""
    if head is None:
        return tail.predict_proba
    prefix = tail[:-1] if len(tail.steps) > 1 else None

    def score(clips):
        Z = clips if prefix is None else prefix.transform(clips)
        return np.column_stack([head.predict_proba(Z), head.unknown_score(Z)])

    return score


def _ranked(p, score, classes, k, head):
    """The top ``k`` (genre, probability) of one song or segment; an open-set model's
    ``unknown_label`` comes first, with no probability, where its score is above the
    threshold (the known genres follow)."""
    order = np.argsort(-p, kind="stable")
    ranked = [(classes[i], float(p[i])) for i in order]
    if head is not None and score > head.threshold_:
        ranked.insert(0, (head.unknown_label, np.nan))
    return ranked[:k]


def _model_error(source, is_file, exc):
    if isinstance(exc, FloatingPointError):
        return _error(source, is_file, "the model gave non-finite probabilities for this song")
    return _error(source, is_file, f"the model failed on this song ({_first_line(exc)})")


@validate_params(
    {
        "pipeline": [Pipeline],
        "paths_or_waveforms": ["array-like", str, os.PathLike],
        "top_k": [Interval(Integral, 1, None, closed="left")],
        "hop": [Interval(Real, 0, None, closed="neither"), None],
        "n_jobs": [Integral, None],
        "on_error": [StrOptions({"report", "raise"})],
        "max_duration": [Interval(Real, 0, None, closed="neither"), None],
        "screen": ["boolean"],
        "segments": ["boolean"],
        "segment_duration": [Interval(Real, 0, None, closed="neither")],
    },
    prefer_skip_nested_validation=True,
)
def predict_songs(
    pipeline, paths_or_waveforms, *, top_k=3, hop=None, n_jobs=None, on_error="report",
    max_duration=600.0, screen=True, segments=False, segment_duration=10.0,
):
    """Predict the genre of whole songs with a pipeline trained on clips.

    Each song is decoded with the settings of the pipeline's ``load`` step (any length,
    sample rate and channel count; it is resampled and down-mixed as that step does; the
    whole file is read, whatever ``offset``/``duration`` the step has), cut
    into consecutive clips of the ``clip`` step's duration, and every step after ``clip``
    runs on all the clips. The class probabilities of a song are the mean of its clips'
    probabilities.

    Clip rule: clips start at 0, ``hop``, 2 ``hop``, ... and each is exactly one clip long;
    a trailing remainder shorter than a clip is dropped. A song shorter than one clip is
    padded to one clip with the ``clip`` step's ``pad_mode`` (zeros by default; the row's
    ``warning`` says so).

    Garbage gets no genre: a song that fills less than 10 % of one clip, is digital
    silence (peak below -80 dBFS), has samples far outside [-1, 1], or (for a file) is not
    a regular file or has an implausible header (sample rate above 1 MHz, more than 64
    channels) gets an error in its row instead. So does, with ``screen=True``, a song
    that is, by what its signal is, not music: white, pink or brown noise, a steady test
    tone (sine, multi-tone, square wave), a sine sweep, clicks or impulse trains, a DC
    offset or near silence; the error names what it sounds like. Every fault of one song, in decoding, in
    the features or in the classifier, is that song's error; the other songs still get
    their result.

    "Unknown": when the pipeline's final step is a fitted
    :class:`~skgenre.OpenSetClassifier` (e.g. from ``skgenre train --unknown``), each song
    also gets an ``unknown_score``, the mean of its clips' scores (one clip for a
    whole-track model), and where that is above the classifier's ``threshold_`` the
    song's top genre is its ``unknown_label`` (with no probability; the known genres
    follow it in the ranking, and their probabilities are all still given).

    Parameters
    ----------
    pipeline : Pipeline
        A fitted pipeline with steps named ``load`` (optional when only waveforms are
        given) and ``clip``, and a final classifier with ``predict_proba`` (any pipeline
        from :func:`~skgenre.make_feature_pipeline`,
        :func:`~skgenre.make_spectrogram_dense_pipeline` or :func:`~skgenre.make_cnn_pipeline`).
    paths_or_waveforms : path, list of paths and/or 1-D arrays, or 2-D array
        Audio files, or waveforms already at the ``clip`` step's sample rate.
    top_k : int, default=3
        Number of top genres reported per song (at most the number of classes).
    hop : float or None, default=None
        Seconds between clip starts; ``None`` means the clip duration (no overlap).
    n_jobs : int or None, default=None
        Files decoded in parallel with joblib (``None``: one at a time; ``-1``: all cores).
    on_error : {"report", "raise"}, default="report"
        What a source that cannot be read does: ``"report"`` gives it a row with the
        message in the ``error`` column (and NaN probabilities) and goes on with the
        others; ``"raise"`` raises the error (an :class:`~skgenre.AudioLoadError` for a file).

    max_duration : float or None, default=600.0
        Seconds of each song that are judged: decoding stops there, so memory is bounded
        whatever a file's length (a 1-hour file would otherwise be decoded whole). A song
        that is cut gets a ``warning`` naming the part used. ``None`` judges every song
        whole.
    screen : bool, default=True
        Judge what each song's signal is before the model sees it (one short-time Fourier
        transform of at most 30 s; a few milliseconds): noise, test tones, sweeps, clicks,
        DC offsets and near silence get an error instead of a genre. ``False`` gives them
        a genre (e.g. for a model trained on synthetic tones); the checks of length, range
        and file headers stay.
    segments : bool, default=False
        Also return the song's timeline: the probabilities of each of its segments. For a
        clip model the segments are the clips (``hop`` apart); a whole-track model (a
        ``"passthrough"`` clip step, as :func:`~skgenre.make_embedding_pipeline`'s) judges
        consecutive pieces of ``segment_duration`` seconds, each as a track of its own.
    segment_duration : float, default=10.0
        Length in seconds of a whole-track model's segments (a trailing remainder shorter
        than one is dropped; a song shorter than one is one segment). Unused by clip models.

    Returns
    -------
    result : pandas.DataFrame
        One row per source, in input order, with columns ``source`` (the path, or
        ``waveform[i]``), ``n_clips``, ``duration`` (seconds), ``top1_genre``,
        ``top1_proba``, ... ``top{k}_genre``, ``top{k}_proba``, one ``proba_<genre>`` column
        per class (they sum to 1), ``warning`` (a caveat about a song that was judged, e.g.
        that it was padded, else missing) and ``error``, the message for a source that
        could not be read or judged. For a source that was read ``error`` is missing (test with
        ``result["error"].isna()``); for one that was not, the genres and probabilities are
        missing. ``result.attrs["classes"]`` lists the classes in column order. With an
        open-set final step, an ``unknown_score`` column follows the probabilities
        (segments have theirs too), ``top1_genre`` is the ``unknown_label`` where the
        score is above the threshold (``top1_proba`` is then missing), and
        ``result.attrs`` also holds ``unknown_threshold`` and ``unknown_label``.

    Raises
    ------
    ValueError
        If the pipeline has no ``clip`` step or its classifier has no ``predict_proba``,
        or if ``max_duration`` is shorter than 10 % of one clip (every song would be too
        short to judge).
    AudioLoadError
        With ``on_error="raise"``, for a file that cannot be read.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.pipeline import Pipeline
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skgenre import RandomClip, predict_songs
    >>> rng = np.random.default_rng(0)
    >>> X = np.r_[rng.normal(0, 0.1, (20, 100)), rng.normal(0, 1.0, (20, 100))]
    >>> y = ["quiet"] * 20 + ["loud"] * 20
    >>> pipe = Pipeline([("clip", RandomClip(duration=0.01, sr=1000, random_state=0)),
    ...                  ("clf", LogisticRegression())]).fit(np.abs(X), y)
    >>> songs = [np.abs(rng.normal(0, 1.0, 3000)), np.abs(rng.normal(0, 0.1, 35))]
    >>> print(predict_songs(pipe, songs, top_k=1)["error"][0])  # noise is not music
    waveform[0]: white noise: flat spectrum, no tonal or rhythmic structure (if it is ...)
    >>> res = predict_songs(pipe, songs, top_k=1, screen=False)  # these toy songs are noise
    >>> res[["source", "n_clips", "top1_genre"]]
          source  n_clips top1_genre
    0  waveform[0]      300       loud
    1  waveform[1]        3      quiet
    >>> res, timeline = predict_songs(pipe, songs[1:], top_k=1, segments=True)
    >>> timeline[["source", "segment", "start", "end", "top1_genre"]]
            source  segment  start   end top1_genre
    0  waveform[0]        0   0.00  0.01      quiet
    1  waveform[0]        1   0.01  0.02      quiet
    2  waveform[0]        2   0.02  0.03      quiet
    """
    check_is_fitted(pipeline)
    names = [name for name, _ in pipeline.steps]
    if "clip" not in names and "load" not in names:
        raise ValueError(
            "predict_songs needs a pipeline with a step named 'clip' (or a 'load' step "
            f"followed by a whole-track model); its steps are {names}."
        )
    if "clip" in names:
        clip_idx = names.index("clip")
        clip = pipeline.steps[clip_idx][1]
    else:  # load, then a model of whole tracks (make_feature_pipeline(track=True))
        clip_idx, clip = names.index("load") + 1, "passthrough"
        names = names[:clip_idx] + ["clip"] + names[clip_idx:]
        pipeline = Pipeline(pipeline.steps[:clip_idx] + [("clip", "passthrough")]
                            + pipeline.steps[clip_idx:])
    # A "passthrough" clip step (make_embedding_pipeline's default) judges each whole song
    # as one item: the song is its only clip.
    whole = clip is None or (isinstance(clip, str) and clip == "passthrough")
    if whole and "load" not in names[:clip_idx]:
        raise ValueError("predict_songs needs a 'load' step before a 'passthrough' clip step.")
    sr = int(pipeline.named_steps["load"].sr) if whole else int(clip.sr)
    # A whole-track pipeline is screened against 3 s, the shortest input it can judge.
    n_samples = 3 * sr
    if not whole:
        n_samples = int(getattr(clip, "n_samples_", max(1, round(clip.duration * sr))))
        hop_samples = None if hop is None else max(1, int(round(hop * sr)))
        pad_mode = getattr(clip, "pad_mode", "constant")
    tail = pipeline[clip_idx + 1 :]
    if not hasattr(tail, "predict_proba"):
        raise ValueError("predict_songs needs a classifier with predict_proba at the end.")
    classes = np.asarray(pipeline.classes_)
    k = min(int(top_k), len(classes))
    head = _open_set_head(tail)
    score_clips = _scorer(tail, head)

    check_max_duration(max_duration, sr, n_samples)  # the limit, not the songs, is at fault
    load_idx = names.index("load") if "load" in names[:clip_idx] else None
    loader = (
        _loader_for(pipeline.steps[load_idx][1], max_duration) if load_idx is not None else None
    )
    limit = None if max_duration is None else int(round(max_duration * sr))

    items = _as_items(paths_or_waveforms)
    rows, timeline_rows = [], []
    for start in range(0, len(items), _CHUNK_SONGS):
        chunk = items[start : start + _CHUNK_SONGS]
        ids = range(start, start + len(chunk))
        if n_jobs is not None and n_jobs != 1 and sum(map(_is_path, chunk)) > 1:
            loaded = Parallel(n_jobs=n_jobs)(
                delayed(_load_one)(loader, item, i) for item, i in zip(chunk, ids)
            )
        else:
            loaded = [_load_one(loader, item, i) for item, i in zip(chunk, ids)]

        sources, errors, notes = [], [], []
        for j, ((wave, err), item, i) in enumerate(zip(loaded, chunk, ids)):
            source = os.fsdecode(os.fspath(item)) if _is_path(item) else f"waveform[{i}]"
            sources.append(source)
            warn = []
            if err is None and limit is not None and len(wave) >= limit:
                total = header_duration(item) if _is_path(item) else len(wave) / sr
                if total is None or total * sr > limit + 1:  # not a song of exactly the limit
                    warn.append(limit_note(max_duration, total))
                wave = wave[:limit]
                loaded[j] = (wave, err)
            if err is None:
                # Garbage (silence, a few samples, unscaled or overflowing values) gets an
                # error instead of a confident genre; see _screen.py for the rules.
                err, more = screen_waveform(
                    wave, sr, n_samples, source, is_file=_is_path(item), content=screen
                )
                warn += more
            if err is not None and on_error == "raise":
                raise err
            errors.append(err)
            notes.append(warn)
        good = [i for i, err in enumerate(errors) if err is None]
        means = counts = model_errors = ()
        if good:
            # One song's failure in the model (features, classifier) is that song's error only.
            means, counts, model_errors = clip_and_average(
                [loaded[i][0] for i in good], score_clips,
                None if whole else n_samples, hop=None if whole else hop_samples,
                pad_mode="constant" if whole else pad_mode, isolate=True,
            )
        results = dict(zip(good, zip(means, counts, model_errors)))
        if segments:
            for j in good:
                if results[j][2] is not None:
                    continue
                try:
                    seg_rows = _timeline(
                        loaded[j][0], score_clips, head, sr, classes,
                        None if whole else n_samples,
                        hop_samples if not whole else None, pad_mode if not whole else "constant",
                        int(round(segment_duration * sr)),
                    )
                except Exception as exc:  # the song's fault, as in the summary
                    results[j] = (None, 0, exc)
                    continue
                for row in seg_rows:
                    row["source"] = sources[j]
                timeline_rows.extend(seg_rows)

        for j, ((wave, _), item, source, err, warn) in enumerate(
            zip(loaded, chunk, sources, errors, notes)
        ):
            p, n_clips, model_err = results.get(j, (None, 0, None))
            if model_err is not None:
                model_err = _model_error(source, _is_path(item), model_err)
                if on_error == "raise":
                    raise model_err
                err = model_err
            row = {"source": source}
            score = np.nan
            if err is not None:
                p = np.full(len(classes), np.nan)
                row.update(n_clips=0, duration=np.nan)
                ranked = [(None, np.nan)] * k
            else:
                if head is not None:
                    p, score = p[:-1], float(p[-1])
                row.update(n_clips=int(n_clips), duration=len(wave) / sr)
                ranked = _ranked(p, score, classes, k, head)
            for rank, (genre, proba) in enumerate(ranked, 1):
                row[f"top{rank}_genre"] = genre
                row[f"top{rank}_proba"] = proba
            for c, pc in zip(classes, p):
                row[f"proba_{c}"] = float(pc)
            if head is not None:
                row["unknown_score"] = score
            row["warning"] = "; ".join(warn) if warn else None
            row["error"] = None if err is None else str(err)
            rows.append(row)

    result = pd.DataFrame(rows)
    attrs = {"classes": classes.tolist()}
    if head is not None:
        attrs.update(unknown_threshold=float(head.threshold_), unknown_label=head.unknown_label)
    result.attrs.update(attrs)
    if not segments:
        return result
    cols = ["source", "segment", "start", "end", "top1_genre", "top1_proba"]
    cols += [f"proba_{c}" for c in classes] + (["unknown_score"] if head is not None else [])
    timeline = pd.DataFrame(timeline_rows, columns=cols)
    timeline.attrs.update(attrs)
    return result, timeline


def _timeline(wave, score_clips, head, sr, classes, n_samples, hop, pad_mode,
              segment_samples):
    """The rows of one song's segments: its clips, or pieces judged as whole tracks."""
    if n_samples is None:  # a whole-track model: pieces of segment_samples, each a track
        pieces = consecutive_clips(wave, segment_samples)
        items = np.empty(len(pieces), dtype=object)
        items[:] = list(pieces)
        length = step = segment_samples
    else:
        items = consecutive_clips(wave, n_samples, hop=hop, pad_mode=pad_mode)
        length, step = n_samples, (n_samples if hop is None else hop)
    proba = np.asarray(score_clips(items), dtype=np.float64)
    if not np.all(np.isfinite(proba)):
        raise FloatingPointError("non-finite probabilities")
    scores = np.full(len(proba), np.nan)
    if head is not None:
        proba, scores = proba[:, :-1], proba[:, -1]
    rows = []
    for i, (p, score) in enumerate(zip(proba, scores)):
        ((top, top_p),) = _ranked(p, score, classes, 1, head)
        start = i * step / sr
        # a song shorter than one segment is one segment, as long as the song
        end = min(start + length / sr, max(len(wave), 1) / sr) if len(proba) == 1 else start + length / sr
        row = {"segment": i, "start": round(start, 6), "end": round(end, 6),
               "top1_genre": top, "top1_proba": top_p}
        row.update({f"proba_{c}": float(pc) for c, pc in zip(classes, p)})
        if head is not None:
            row["unknown_score"] = float(score)
        rows.append(row)
    return rows
