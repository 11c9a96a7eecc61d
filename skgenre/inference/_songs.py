"""Whole-song prediction: a clip model applied over every consecutive clip of a song."""

import os
from numbers import Integral, Real

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.pipeline import Pipeline
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from sklearn.utils.validation import check_is_fitted

from ..utils._mixins import N_JOBS_CONSTRAINT
from ._judge import SongJudge, _as_items

__all__ = ["predict_songs", "song_judge"]


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


#: The settings of songs' rows, as predict_songs and predict_library take them.
ROW_CONSTRAINTS = {
    "top_k": [Interval(Integral, 1, None, closed="left")],
    "max_duration": [Interval(Real, 0, None, closed="neither"), None],
    "screen": ["boolean"],
    "segments": ["boolean"],
    "segment_duration": [Interval(Real, 0, None, closed="neither")],
}


@validate_params(
    {
        "pipeline": [Pipeline],
        "paths_or_waveforms": ["array-like", str, os.PathLike],
        "hop": [Interval(Real, 0, None, closed="neither"), None],
        # 0 means nothing to joblib, which says so only for batches of several files:
        # refused here for any input
        "n_jobs": N_JOBS_CONSTRAINT,
        "on_error": [StrOptions({"report", "raise"})],
        **ROW_CONSTRAINTS,
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
    padded to one clip with the ``clip`` step's ``pad_mode`` (the song repeated, by
    default; the row's ``warning`` says so).

    Garbage gets no genre: a song that fills less than 10 % of one clip, is digital
    silence (peak below -80 dBFS), has samples far outside [-1, 1], or (for a file) is not
    a regular file or has an implausible header (sample rate above 1 MHz, more than 64
    channels) gets an error in its row instead. So does, with ``screen=True``, a song
    that is, by what its signal is, not music: white, pink or brown noise, a steady test
    tone (sine, multi-tone, square wave), a sine sweep, clicks or impulse trains, a DC
    offset or near silence; the error names what it sounds like. Every fault of one song,
    in decoding, in the features or in the classifier, is that song's error; the other
    songs still get their result.

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
        Files decoded in parallel with joblib (``None``: one at a time; ``-1``: all cores;
        0 is refused).
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
        ``waveform[i]``), ``n_clips`` (the clips judged; for a whole-track model, those
        it cuts itself, or a musicnn embedding's 3-s patches), ``duration`` (seconds),
        ``top1_genre``,
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
        With ``on_error="raise"``, for a file that cannot be read; its subclass
        :class:`~skgenre.AudioContentError` for a file that was read but holds nothing to
        judge (too short, silence, noise, ...).

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
    judge = song_judge(pipeline, top_k=top_k, hop=hop, on_error=on_error,
                       max_duration=max_duration, screen=screen, segments=segments,
                       segment_duration=segment_duration)
    rows, timeline_rows = judge.judge(_as_items(paths_or_waveforms), n_jobs=n_jobs)
    classes, head = judge.classes, judge.head
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


def song_judge(pipeline, *, top_k=3, hop=None, on_error="report", max_duration=600.0,
               screen=True, segments=False, segment_duration=10.0):
    """The :class:`~skgenre.inference._judge.SongJudge` of a fitted clip pipeline.

    Parameters are those of :func:`predict_songs` (validated there).
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
    n_samples = hop_samples = None
    pad_mode = "constant"
    if not whole:
        n_samples = int(getattr(clip, "n_samples_", max(1, round(clip.duration * sr))))
        hop_samples = None if hop is None else max(1, int(round(hop * sr)))
        pad_mode = getattr(clip, "pad_mode", "wrap")
    tail = pipeline[clip_idx + 1 :]
    inner_clips = None
    model = tail.steps[0][1]
    count_clips = None
    if whole and hasattr(model, "_segmentation"):
        # a model that cuts clips itself (TrackClassifier of make_*_pipeline(track=True)):
        # songs are screened, said to be padded and counted against its clips
        inner_clips = model._segmentation()[:2]
    elif whole:
        # a musicnn embedding of whole songs: its 3-s patches are the song's clips
        count_clips = _patch_counter(tail)
    if not hasattr(tail, "predict_proba"):
        raise ValueError("predict_songs needs a classifier with predict_proba at the end.")
    head = _open_set_head(tail)
    load_idx = names.index("load") if "load" in names[:clip_idx] else None
    load = None
    if load_idx is not None:
        loader = _loader_for(pipeline.steps[load_idx][1], max_duration)

        def load(path):
            out = loader.fit_transform([path])
            return out[0] if len(out) == 1 else None

    return SongJudge(
        sr=sr, n_samples=n_samples, hop=hop_samples, pad_mode=pad_mode,
        classes=np.asarray(pipeline.classes_), score_clips=_scorer(tail, head), load=load,
        head=head, top_k=top_k, max_duration=max_duration, screen=screen, on_error=on_error,
        segments=segments, segment_duration=segment_duration, inner_clips=inner_clips,
        count_clips=count_clips,
    )


def _patch_counter(tail):
    """The patch count of the first musicnn embedding in ``tail``, or None.

    Steps before it (noise) keep a song's length, and the embeddings of one union run at
    one rate, so the first one found counts for all of them.
    """
    for _, step in tail.steps:
        parts = [step]
        if hasattr(step, "transformer_list"):
            parts = [t for _, t in step.transformer_list]
        for part in parts:
            if hasattr(part, "_n_patches"):
                return part._n_patches
    return None
