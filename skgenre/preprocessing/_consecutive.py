"""A whole song as consecutive clips, and a clip model's mean score over them.

How skgenre judges a song with a model trained on clips. Free of scikit-learn: the
transformers (:class:`RandomClip`, :class:`~skgenre.models.TrackClassifier`), the
DataFrame of :func:`~skgenre.inference.predict_songs` and the inference plan of a saved
model (:mod:`skgenre.inference._plan`) all cut and average with these functions.
"""

import numpy as np

from ..utils._pcm import pcm_to_float

__all__ = ["clip_and_average", "consecutive_clips"]

# Clips scored in one call of a clip model: bounds memory on long songs (1024 clips of 5 s
# at 22050 Hz are 450 MB of float32) while keeping batches large enough for batched STFTs
# and Keras.
_MAX_BATCH_CLIPS = 1024


def _pad(w, n, pad_mode):
    """Bring ``w`` to length ``n`` (``len(w) < n``) by the documented padding rule."""
    if len(w) == 0:
        return np.zeros(n, dtype=np.float32)
    if pad_mode == "wrap":
        return np.resize(w, n).astype(np.float32, copy=False)
    out = np.zeros(n, dtype=np.float32)
    out[: len(w)] = w
    return out


def consecutive_clips(waveform, n_samples, *, hop=None, pad_mode="wrap"):
    """Cut one waveform into consecutive clips of ``n_samples`` samples.

    This is how skgenre judges a whole song: the model's clip length taken over the song,
    clip after clip. A trailing remainder shorter than a clip is dropped unless the song is
    shorter than one clip, in which case the song is padded to one clip (so every song gives
    at least one clip).

    Parameters
    ----------
    waveform : array-like of shape (n_audio_samples,)
        The song.
    n_samples : int
        Clip length in samples.
    hop : int or None, default=None
        Samples between clip starts; ``None`` means ``n_samples`` (no overlap).
    pad_mode : {"wrap", "constant"}, default="wrap"
        How a song shorter than one clip is padded: the song repeated, or zeros after it.

    Returns
    -------
    clips : ndarray of shape (n_clips, n_samples), dtype float32

    Examples
    --------
    >>> import numpy as np
    >>> from skgenre.preprocessing import consecutive_clips
    >>> consecutive_clips(np.arange(10.0), 4).tolist()
    [[0.0, 1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0]]
    >>> consecutive_clips(np.arange(1.0, 4.0), 4).tolist()  # shorter than a clip: repeated
    [[1.0, 2.0, 3.0, 1.0]]
    >>> consecutive_clips(np.arange(1.0, 4.0), 4, pad_mode="constant").tolist()
    [[1.0, 2.0, 3.0, 0.0]]
    """
    w = _mono(waveform)
    n_samples, hop = _check_cut(n_samples, hop, pad_mode)
    if len(w) < n_samples:
        return _pad(w, n_samples, pad_mode)[None, :]
    starts = np.arange(0, len(w) - n_samples + 1, hop)
    return np.lib.stride_tricks.sliding_window_view(w, n_samples)[starts].copy()


def _check_cut(n_samples, hop, pad_mode):
    """``(n_samples, hop)`` as ints, ``hop`` defaulting to ``n_samples``; both at least 1.

    ``pad_mode`` is checked too: :func:`_pad` reads anything but "wrap" as "constant", so a
    misspelt mode would pad short songs with silence.
    """
    n_samples = int(n_samples)
    hop = n_samples if hop is None else int(hop)
    if n_samples < 1 or hop < 1:
        raise ValueError(f"n_samples and hop must be >= 1; got {n_samples} and {hop}.")
    if pad_mode not in ("wrap", "constant"):
        raise ValueError(f"pad_mode must be 'wrap' or 'constant'; got {pad_mode!r}.")
    return n_samples, hop


def _mono(waveform, index=None):
    """A song as a 1-D float32 array (int16 PCM as a file's); a 2-D one is refused, as its
    length would be its number of channels."""
    w = np.asarray(pcm_to_float(waveform), dtype=np.float32)
    if w.ndim != 1:
        which = "waveform" if index is None else f"waveforms[{index}]"
        raise ValueError(
            f"{which} must be 1-D (one mono song); got shape {w.shape}. Mix the channels "
            "first, e.g. load_audio(path, mono=True) or waveform.mean(axis=0)."
        )
    return w


def _n_consecutive(length, n_samples, hop):
    return 1 if length < n_samples else 1 + (length - n_samples) // hop


def clip_and_average(waveforms, score_clips, n_samples, *, hop=None, pad_mode="wrap",
                     isolate=False):
    """Mean of a clip model's scores over every consecutive clip of each song.

    How skgenre judges whole songs with a model trained on clips: each song is cut with
    :func:`consecutive_clips`, the clips of many songs are scored together in batches of
    about 1024 clips (a batch holds whole songs), and the scores of each song's clips are
    averaged. Used by :class:`~skgenre.models.TrackClassifier` and
    :func:`~skgenre.inference.predict_songs`.

    Parameters
    ----------
    waveforms : sequence of 1-D arrays
        The songs.
    score_clips : callable
        Maps clips, a float32 array ``(n_clips, n_samples)``, to scores ``(n_clips, k)``,
        e.g. a fitted clip pipeline's ``predict_proba``.
    n_samples : int or None
        Clip length in samples. ``None`` scores each song whole, as one item (a 1-D object
        array of waveforms goes to ``score_clips``), for models that take whole tracks.
    hop : int or None, default=None
        Samples between clip starts; ``None`` means ``n_samples``.
    pad_mode : {"wrap", "constant"}, default="wrap"
        How a song shorter than one clip is padded (see :func:`consecutive_clips`).
    isolate : bool, default=False
        When scoring a batch raises, or gives non-finite scores, score each of its songs
        alone, so that one song's fault is that song's only: its mean is NaN and its
        exception is in ``errors``. With False the exception propagates.

    Returns
    -------
    means : ndarray of shape (n_songs, k), dtype float64
        The mean score of each song's clips.
    n_clips : ndarray of shape (n_songs,), dtype int
        Clips per song.
    errors : list of (Exception or None)
        Why a song has no scores (only with ``isolate=True``; otherwise all None).

    Examples
    --------
    >>> import numpy as np
    >>> from skgenre.preprocessing import clip_and_average
    >>> songs = [np.arange(8.0), np.arange(3.0)]
    >>> means, n, _ = clip_and_average(songs, lambda c: c[:, :1], 4)
    >>> means.ravel().tolist(), n.tolist()
    ([2.0, 0.0], [2, 1])
    """
    if n_samples is None:
        counts = np.ones(len(waveforms), dtype=np.intp)
    else:
        # checked before the clips are counted, which divides by hop
        n_samples, hop = _check_cut(n_samples, hop, pad_mode)
        for i, w in enumerate(waveforms):
            if np.ndim(w) != 1:
                _mono(w, index=i)  # says why
        counts = np.array(
            [_n_consecutive(len(w), n_samples, hop) for w in waveforms], dtype=np.intp
        )
    if len(counts) == 0:
        raise ValueError("clip_and_average needs at least one waveform.")

    def items(song):
        if n_samples is None:
            box = np.empty(1, dtype=object)
            box[0] = song
            return box
        return consecutive_clips(song, n_samples, hop=hop, pad_mode=pad_mode)

    def score(first, last):
        clips = np.concatenate([items(w) for w in waveforms[first:last]])
        scores = np.asarray(score_clips(clips), dtype=np.float64)
        if scores.ndim != 2 or len(scores) != len(clips):
            # a 1-D score (a binary decision_function) failed later on len() of a float
            raise ValueError(
                f"score_clips must return one row of scores per clip, shape ({len(clips)}, "
                f"k) for these {len(clips)} clips; got shape {scores.shape}."
            )
        if isolate and not np.isfinite(scores).all():
            raise FloatingPointError("the model gave non-finite scores")
        starts = np.concatenate([[0], np.cumsum(counts[first:last])[:-1]])
        return np.add.reduceat(scores, starts, axis=0)

    # batches of consecutive songs with about _MAX_BATCH_CLIPS clips (at least one song)
    batch = np.cumsum(counts) // _MAX_BATCH_CLIPS
    bounds = np.flatnonzero(np.diff(batch)) + 1
    sums, errors = [None] * len(counts), [None] * len(counts)
    for first, last in zip([0, *bounds], [*bounds, len(counts)]):
        try:
            sums[first:last] = score(first, last)
        except Exception:
            if not isolate:
                raise
            for i in range(first, last):
                try:
                    sums[i] = score(i, i + 1)[0]
                except Exception as exc:  # any fault of the model on this one song
                    errors[i] = exc
    k = next(len(s) for s in sums if s is not None) if any(s is not None for s in sums) else 0
    means = np.full((len(counts), k), np.nan)
    for i, s in enumerate(sums):
        if s is not None:
            means[i] = s / counts[i]
    return means, counts, errors
