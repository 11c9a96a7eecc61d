"""Evaluation protocols that split by track: clips of one track never straddle a split.

A model that has heard 25 s of a song recognises its other 5 s; if clips of one track land
on both sides of a split, test accuracy measures memory, not genre. Every protocol here
therefore splits tracks, then maps the tracks back to rows. A row is one track (the input of
:class:`~skgenre.TrackClassifier`, or the paper's one clip per song), or one clip whose
track is named by ``tracks``/``groups`` (several rows per track).
"""

import os
from numbers import Integral
from pathlib import PurePath

import numpy as np
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.model_selection._split import GroupsConsumerMixin, _BaseKFold
from sklearn.utils._param_validation import Interval, RealNotInt, validate_params
from sklearn.utils.validation import _num_samples, check_consistent_length, column_or_1d

from ._labels import check_no_missing, plain

__all__ = ["StratifiedTrackKFold", "filtered_split", "paper_split"]


def _tracks_of(tracks, y):
    """Group rows by track.

    Returns the track labels (one per track, in order of first appearance) and, per row,
    the index of its track. Raises if the rows of one track disagree on the label.
    """
    y = column_or_1d(y)
    for name, values in (("y", y), ("tracks", None if isinstance(tracks, Integral) else tracks)):
        if values is not None:
            check_no_missing(np.asarray(list(values), dtype=object), name, "value(s)",
                             ": give every row its label and its track (e.g. its file "
                             "name); missing track ids would all be taken for one track.")
    if isinstance(tracks, Integral):
        if tracks != len(y):
            raise ValueError(
                f"tracks={tracks} rows were announced, but y has {len(y)} labels."
            )
        return y, np.arange(len(y))
    keys = np.asarray([os.fspath(t) if isinstance(t, os.PathLike) else t for t in tracks])
    if keys.ndim != 1:
        raise ValueError(
            f"tracks must be 1-D (one track id or file name per row); got shape {keys.shape}."
        )
    check_consistent_length(keys, y)
    _, first, row_track = np.unique(keys, return_index=True, return_inverse=True)
    # Renumber tracks by first appearance so results do not depend on how ids sort.
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    row_track = rank[row_track]
    track_label = y[first[order]]
    mismatch = np.flatnonzero(y != track_label[row_track])
    if len(mismatch):
        i = mismatch[0]
        raise ValueError(
            f"rows of one track must share a label, but track {plain(keys[i])!r} has rows "
            f"labelled {plain(track_label[row_track[i]])!r} and {plain(y[i])!r}."
        )
    return track_label, row_track


def _rows(row_track, track_idx):
    mask = np.zeros(row_track.max() + 1, dtype=bool)
    mask[track_idx] = True
    return np.flatnonzero(mask[row_track])


@validate_params(
    {
        "tracks": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "y": ["array-like"],
        "test_size": [
            Interval(RealNotInt, 0, 1, closed="neither"),
            Interval(Integral, 1, None, closed="left"),
        ],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def paper_split(tracks, y, *, test_size=0.2, random_state=None):
    """The paper's protocol: a random stratified train/test split of the tracks.

    Parameters
    ----------
    tracks : int or array-like of shape (n_rows,)
        Either the number of rows, each its own track (e.g. one clip or one waveform per
        song), or the track of every row (a file name or any id; rows with equal ids are
        clips of one track and always land on the same side).
    y : array-like of shape (n_rows,)
        Labels; all rows of one track must share theirs.
    test_size : float or int, default=0.2
        Fraction (or number) of tracks in the test set. Stratification keeps each genre's
        share of tracks equal on both sides (up to rounding).
    random_state : int, RandomState instance or None, default=None
        Seeds the shuffle; pass an int for a reproducible split.

    Returns
    -------
    train : ndarray of int
        Sorted row indices of the training set.
    test : ndarray of int
        Sorted row indices of the test set.

    Examples
    --------
    >>> import numpy as np
    >>> from skgenre.evaluation import paper_split
    >>> y = np.repeat(["blues", "rock"], 10)
    >>> train, test = paper_split(20, y, random_state=0)
    >>> len(train), len(test), sorted(y[test].tolist())
    (16, 4, ['blues', 'blues', 'rock', 'rock'])
    >>> # 3 clips of each of 20 tracks: tracks are split, clips follow their track
    >>> files = np.repeat([f"song{i}.wav" for i in range(20)], 3)
    >>> train, test = paper_split(files, np.repeat(y, 3), random_state=0)
    >>> len(train), len(test), set(files[train]) & set(files[test])
    (48, 12, set())
    """
    track_label, row_track = _tracks_of(tracks, y)
    train_t, test_t = train_test_split(
        np.arange(len(track_label)),
        test_size=test_size,
        stratify=track_label,
        random_state=random_state,
    )
    return _rows(row_track, train_t), _rows(row_track, test_t)


class StratifiedTrackKFold(GroupsConsumerMixin, _BaseKFold):
    """Stratified k-fold cross-validation over tracks.

    Each track (all rows that share a ``groups`` value) lands in exactly one test fold,
    and every fold holds each genre's share of tracks (up to rounding), as
    :class:`~sklearn.model_selection.StratifiedKFold` does for samples.

    When each row is one track, e.g. with :class:`~skgenre.TrackClassifier` whose samples
    are whole tracks, or with the paper's one clip per song, the tracks are the samples and
    plain :class:`~sklearn.model_selection.StratifiedKFold` does the same; this class gives
    the same folds when ``groups`` is omitted. For clip-level data (several rows per track)
    pass the track of every row as ``groups``. It differs from
    :class:`~sklearn.model_selection.StratifiedGroupKFold` in stratifying exactly over
    tracks rather than greedily over rows, and in refusing tracks whose rows disagree on
    the label. Unlike ``StratifiedKFold``, which only warns, ``split`` refuses a genre with
    fewer tracks than ``n_splits`` (some test fold would lack it) and missing labels or
    track ids (they would all be taken for one track).

    Parameters
    ----------
    n_splits : int, default=5
        Number of folds, at least 2.
    shuffle : bool, default=False
        Shuffle the tracks of each genre before cutting folds. Without shuffling, tracks
        are taken in order of first appearance (for GTZAN's sorted file list neighbouring
        tracks, often by one artist, stay in one fold).
    random_state : int, RandomState instance or None, default=None
        Seeds the shuffle; only used when ``shuffle=True``.

    See Also
    --------
    paper_split : One stratified train/test split by track.

    Examples
    --------
    >>> import numpy as np
    >>> from skgenre.evaluation import StratifiedTrackKFold
    >>> files = np.repeat([f"song{i}.wav" for i in range(10)], 2)  # 2 clips per song
    >>> y = np.repeat(["blues", "rock"], 10)
    >>> cv = StratifiedTrackKFold(n_splits=5)
    >>> [sorted(set(files[test].tolist())) for _, test in cv.split(files, y, groups=files)][:2]
    [['song0.wav', 'song5.wav'], ['song1.wav', 'song6.wav']]
    """

    def __init__(self, n_splits=5, *, shuffle=False, random_state=None):
        super().__init__(n_splits=n_splits, shuffle=shuffle, random_state=random_state)

    def split(self, X, y, groups=None):
        """Generate row indices of the train and test side of each fold.

        Parameters
        ----------
        X : array-like of shape (n_rows, ...)
            Only its length is used.
        y : array-like of shape (n_rows,)
            Labels; all rows of one track must share theirs.
        groups : array-like of shape (n_rows,) or None, default=None
            The track of every row (e.g. its file name); ``None``: each row is a track.

        Yields
        ------
        train : ndarray of int
            Row indices of the training side.
        test : ndarray of int
            Row indices of the test side.
        """
        if y is None:
            raise ValueError("StratifiedTrackKFold needs y to stratify; got y=None.")
        n_rows = _num_samples(X)
        check_consistent_length(X, y)
        track_label, row_track = _tracks_of(n_rows if groups is None else groups, y)
        labels, counts = np.unique(track_label, return_counts=True)
        if counts.min() < self.n_splits:
            # scikit-learn only warns here and then builds test folds without that genre.
            raise ValueError(
                f"genre {plain(labels[counts.argmin()])!r} has {counts.min()} track(s), fewer "
                f"than n_splits={self.n_splits}: every test fold must hold each genre. Use "
                f"n_splits <= {counts.min()} or add tracks of that genre."
            )
        skf = StratifiedKFold(
            n_splits=self.n_splits, shuffle=self.shuffle, random_state=self.random_state
        )
        for train_t, test_t in skf.split(np.zeros(len(track_label)), track_label):
            yield _rows(row_track, train_t), _rows(row_track, test_t)

    def _iter_test_indices(self, X=None, y=None, groups=None):
        # split() is overridden; _BaseKFold only needs this defined.
        for _, test in self.split(X, y, groups):
            yield test


def _stem(name):
    name = PurePath(os.fspath(name)).name
    return name.rsplit(".", 1)[0] if name.count(".") >= 2 else name


def _split_lists():
    """The filtered split: track stem -> "train", "valid" or "test"."""
    from ..datasets import load_gtzan_split_lists

    where = {}
    for part, entries in load_gtzan_split_lists().items():
        for entry in entries:
            where[_stem(entry)] = part
    return where


@validate_params({"filenames": ["array-like"]}, prefer_skip_nested_validation=True)
def filtered_split(filenames):
    """The artist- and fault-filtered GTZAN split, applied to rows named by file.

    GTZAN repeats artists across its random splits and holds duplicated and faulty
    recordings; the filtered split (Kereliuk, Sturm and Larsen, 2015; the lists ship in
    ``skgenre/datasets/data``) keeps every artist on one side and leaves those recordings
    out: 443 training, 197 validation and 290 test tracks of the 1000.

    Parameters
    ----------
    filenames : array-like of str or path-like, shape (n_rows,)
        The GTZAN file of every row, as a path or bare name; it is matched by its stem
        (``blues.00012`` for ``.../blues/blues.00012.wav`` or ``blues.00012.au``). Several
        rows may name one file (clips of one track): they stay together.

    Returns
    -------
    train, valid, test : ndarray of int
        Sorted row indices of each part. Rows whose file is in none of the lists (the 70
        tracks that the filtered split leaves out, or non-GTZAN files) are in none of them.

    Raises
    ------
    ValueError
        If no file is in any list (these are not GTZAN file names).

    Examples
    --------
    >>> from skgenre.evaluation import filtered_split
    >>> files = ["blues/blues.00000.wav", "blues/blues.00012.wav", "blues/blues.00029.au"]
    >>> [idx.tolist() for idx in filtered_split(files)]
    [[2], [0], [1]]
    """
    names = [str(os.fspath(f)) for f in filenames]
    stems = [_stem(f) for f in names]
    where = _split_lists()
    part = np.asarray([where.get(s, "") for s in stems])
    if len(part) and not (part != "").any():
        raise ValueError(
            f"none of the {len(part)} files is in the GTZAN filtered split (e.g. "
            f"{names[0]!r}); filtered_split expects GTZAN names like 'blues.00012.wav'."
        )
    return tuple(np.flatnonzero(part == p) for p in ("train", "valid", "test"))
