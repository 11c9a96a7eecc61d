"""Songs judged by a clip model: decoded, screened, cut into clips, scored, ranked.

The one place that turns songs into rows, free of scikit-learn and pandas. A
:class:`SongJudge` holds what it needs of a model: its sample rate and clip rule, the
decoding of one file, and ``score_clips``, a map from clips to class probabilities.
:func:`~skgenre.inference.predict_songs` builds one from a fitted pipeline (and makes its
rows a DataFrame); the inference plan of a saved model (:mod:`skgenre.inference._plan`)
builds one from the plan, so that ``skgenre predict`` judges songs without importing
scikit-learn, with the same rows.
"""

import functools
import os

import numpy as np

from .._errors import AudioLoadError
from ..preprocessing._consecutive import _n_consecutive, clip_and_average, consecutive_clips
from ._screen import (
    MIN_CLIP_FRACTION,
    _error,
    _first_line,
    header_duration,
    limit_note,
    screen_path,
    screen_waveform,
)

__all__ = ["LimitTooShortError", "SongJudge", "check_max_duration"]

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

    def __reduce__(self):
        # picklable: raised in a --jobs worker, it must reach the parent as itself
        return type(self), (self.max_duration, self.shortest, self.clip_seconds)

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
    >>> from skgenre.inference._judge import check_max_duration
    >>> check_max_duration(600.0, 16000, 3 * 16000)
    >>> check_max_duration(0.001, 16000, 3 * 16000)
    Traceback (most recent call last):
    ...
    skgenre.inference._judge.LimitTooShortError: max_duration=0.001 s is shorter than ...
    """
    if max_duration is None:
        return
    if int(round(max_duration * sr)) < MIN_CLIP_FRACTION * clip_samples:
        raise LimitTooShortError(
            max_duration, MIN_CLIP_FRACTION * clip_samples / sr, clip_samples / sr
        )


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


def _load_one(load, item, index):
    """Decode one source; return ``(waveform, None)`` or ``(None, error)``."""
    if not _is_path(item):
        if not isinstance(item, (np.ndarray, list, tuple)):
            # None, a number, a dict...: not a malformed waveform, not a waveform at all
            return None, ValueError(
                f"entry {index} of paths_or_waveforms is neither a path (str, bytes or "
                f"os.PathLike) nor a waveform (a 1-D numeric array); got "
                f"{type(item).__name__}: {item!r:.80}"
            )
        from ..utils._waveforms import check_waveforms

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
    if load is None:
        return None, ValueError(
            f"cannot load {os.fspath(item)!r}: the pipeline has no 'load' step; pass "
            "waveforms, or a pipeline from skgenre's make_*_pipeline factories."
        )
    try:
        wave = load(item)
    except Exception as exc:  # whatever goes wrong in decoding is this file's error
        if not isinstance(exc, AudioLoadError):
            exc = AudioLoadError(os.fspath(item), f"{type(exc).__name__}: {exc}")
        return None, exc
    if wave is None:
        return None, AudioLoadError(os.fspath(item), "the loader returned no audio")
    return np.asarray(wave, dtype=np.float32), None


class SongJudge:
    """Judge songs with a clip model: rows of top genres and class probabilities.

    Parameters
    ----------
    sr : int
        Sample rate of the waveforms the model takes.
    n_samples : int or None
        Clip length in samples; None for a whole-track model (each song is one item).
    hop : int or None
        Samples between clip starts (None: ``n_samples``).
    pad_mode : {"constant", "wrap"}
        How a song shorter than one clip is padded.
    classes : ndarray
        The class labels, in the column order of ``score_clips``.
    score_clips : callable
        Clips (a float32 array, or an object array of waveforms for a whole-track model) to
        class probabilities; an open-set model's score is one more column.
    load : callable or None
        ``load(path) -> waveform`` at ``sr``, stopping at ``max_duration`` (raises for a
        file that cannot be read); None when only waveforms are judged.
    head : object or None
        An open-set final step (its ``threshold_`` and ``unknown_label``), or None.
    top_k, max_duration, screen, on_error, segments, segment_duration
        As in :func:`~skgenre.inference.predict_songs`.
    inner_clips : tuple of (int, int) or None
        For a whole-track model that cuts clips itself (a
        :class:`~skgenre.TrackClassifier`): its clip length and hop in samples, which
        screen the songs (padding notes, too short to judge) and count their ``n_clips``.
    count_clips : callable or None
        For another whole-track model that judges a song in parts (a musicnn embedding's
        3-s patches): a song's length in samples to its ``n_clips``.

    Examples
    --------
    >>> import numpy as np
    >>> from skgenre.inference._judge import SongJudge
    >>> def score(clips):  # loud clips are "loud"
    ...     loud = np.abs(clips).mean(axis=1) >= 0.5
    ...     return np.column_stack([loud, ~loud]).astype(float)
    >>> judge = SongJudge(sr=1000, n_samples=100, hop=None, pad_mode="constant",
    ...                   classes=np.array(["loud", "quiet"]), score_clips=score, load=None,
    ...                   top_k=1, screen=False, segments=True)
    >>> rows, timeline = judge.judge([np.r_[np.full(200, 0.9), np.full(100, 0.1)]])
    >>> print(rows[0]["top1_genre"], rows[0]["n_clips"], [str(t["top1_genre"]) for t in timeline])
    loud 3 ['loud', 'loud', 'quiet']
    """

    def __init__(self, *, sr, n_samples, hop, pad_mode, classes, score_clips, load, head=None,
                 top_k=3, max_duration=600.0, screen=True, on_error="report",
                 segments=False, segment_duration=10.0, inner_clips=None,
                 count_clips=None):
        self.sr = int(sr)
        self.n_samples = n_samples
        self.hop = hop
        self.pad_mode = pad_mode
        self.classes = np.asarray(classes)
        self.score_clips = score_clips
        self.load = load
        self.head = head
        self.k = min(int(top_k), len(self.classes))
        self.max_duration = max_duration
        self.screen = screen
        self.on_error = on_error
        self.segments = segments
        self.segment_duration = segment_duration
        # A whole-track model is screened against 3 s, the shortest input it can judge.
        # (or against the clip of a model that clips inside, e.g. a TrackClassifier)
        self.count_clips = count_clips
        if inner_clips is not None:
            clip, clip_hop = map(int, inner_clips)
            self.screen_samples = clip
            self.count_clips = functools.partial(_n_consecutive, n_samples=clip, hop=clip_hop)
        else:
            self.screen_samples = 3 * self.sr if n_samples is None else int(n_samples)
        # the limit, not the songs, is at fault
        check_max_duration(max_duration, self.sr, self.screen_samples)
        self.limit = None if max_duration is None else int(round(max_duration * self.sr))

    def judge(self, items, *, n_jobs=None):
        """Judge ``items`` (paths and waveforms), ``_CHUNK_SONGS`` at a time.

        Returns
        -------
        rows : list of dict
            One per item, in order: ``source``, ``n_clips``, ``duration``, ``top{i}_genre``
            and ``top{i}_proba``, ``proba_<class>``, (``unknown_score``), ``warning``,
            ``error``.
        timeline : list of dict
            With ``segments``, one per segment of each song judged; else empty.
        """
        rows, timeline = [], []
        for start in range(0, len(items), _CHUNK_SONGS):
            self._judge_chunk(items[start : start + _CHUNK_SONGS], start, n_jobs, rows, timeline)
        return rows, timeline

    def _judge_chunk(self, chunk, start, n_jobs, rows, timeline_rows):
        sr, classes, head, k = self.sr, self.classes, self.head, self.k
        whole = self.n_samples is None
        ids = range(start, start + len(chunk))
        if n_jobs is not None and n_jobs != 1 and sum(map(_is_path, chunk)) > 1:
            from joblib import Parallel, delayed

            loaded = Parallel(n_jobs=n_jobs)(
                delayed(_load_one)(self.load, item, i) for item, i in zip(chunk, ids)
            )
        else:
            loaded = [_load_one(self.load, item, i) for item, i in zip(chunk, ids)]

        sources, errors, notes = [], [], []
        limit = self.limit
        for j, ((wave, err), item, i) in enumerate(zip(loaded, chunk, ids)):
            source = os.fsdecode(os.fspath(item)) if _is_path(item) else f"waveform[{i}]"
            sources.append(source)
            warn = []
            if err is None and limit is not None and len(wave) >= limit:
                total = header_duration(item) if _is_path(item) else len(wave) / sr
                if total is None or total * sr > limit + 1:  # not a song of exactly the limit
                    warn.append(limit_note(self.max_duration, total))
                wave = wave[:limit]
                loaded[j] = (wave, err)
            if err is None:
                # Garbage (silence, a few samples, unscaled or overflowing values) gets an
                # error instead of a confident genre; see _screen.py for the rules.
                err, more = screen_waveform(
                    wave, sr, self.screen_samples, source, is_file=_is_path(item),
                    content=self.screen,
                )
                warn += more
            if err is not None and self.on_error == "raise":
                raise err
            errors.append(err)
            notes.append(warn)
        good = [i for i, err in enumerate(errors) if err is None]
        means = counts = model_errors = ()
        if good:
            # One song's failure in the model (features, classifier) is that song's error only.
            means, counts, model_errors = clip_and_average(
                [loaded[i][0] for i in good], self.score_clips, self.n_samples,
                hop=None if whole else self.hop,
                pad_mode="constant" if whole else self.pad_mode, isolate=True,
            )
        results = dict(zip(good, zip(means, counts, model_errors)))
        if self.segments:
            for j in good:
                if results[j][2] is not None:
                    continue
                try:
                    seg_rows = _timeline(
                        loaded[j][0], self.score_clips, head, sr, classes, self.n_samples,
                        None if whole else self.hop,
                        "constant" if whole else self.pad_mode,
                        int(round(self.segment_duration * sr)),
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
                if self.on_error == "raise":
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
                if whole and self.count_clips is not None:
                    n_clips = self.count_clips(len(wave))
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


def _timeline(wave, score_clips, head, sr, classes, n_samples, hop, pad_mode,
              segment_samples):
    """The rows of one song's segments: its clips, or pieces judged as whole tracks."""
    if n_samples is None:  # a whole-track model: pieces of segment_samples, each a track
        # a whole-track model takes any length: a song shorter than one segment is
        # judged as it is, as its summary judges it, not padded to a segment
        pieces = ([wave] if len(wave) < segment_samples
                  else consecutive_clips(wave, segment_samples))
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
        end = start + length / sr
        if len(proba) == 1:
            end = min(end, max(len(wave), 1) / sr)
        row = {"segment": i, "start": round(start, 6), "end": round(end, 6),
               "top1_genre": top, "top1_proba": top_p}
        row.update({f"proba_{c}": float(pc) for c, pc in zip(classes, p)})
        if head is not None:
            row["unknown_score"] = float(score)
        rows.append(row)
    return rows
