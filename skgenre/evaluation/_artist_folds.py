"""Artist-disjoint cross-validation: no artist is on both sides of a fold.

A model that has heard one of an artist's songs recognises the artist's others (the
"album/artist effect": Pampalk, Flexer and Widmer 2005; Sturm 2012). In GTZAN mini, blues
is ten John Lee Hooker tracks and reggae ten Bob Marley tracks, so folds by track reward
recognising an artist as much as a genre. These folds keep each artist on one side.
"""

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.model_selection._split import BaseCrossValidator, GroupsConsumerMixin
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import (
    Interval,
    validate_parameter_constraints,
    validate_params,
)
from sklearn.utils.validation import _num_samples, check_consistent_length, column_or_1d

from ..utils._stack import user_stacklevel
from ._labels import check_no_missing

__all__ = ["StratifiedArtistKFold", "artist_split"]


class StratifiedArtistKFold(GroupsConsumerMixin, BaseCrossValidator):
    """Stratified k-fold cross-validation grouped by artist, optionally repeated.

    Every artist (all rows that share a ``groups`` value) lands in exactly one test fold
    per repeat, and the folds keep each genre's share of rows as well as the artists allow
    (scikit-learn's greedy :class:`~sklearn.model_selection.StratifiedGroupKFold`, with its
    artists shuffled). Each repeat reshuffles the artists, so repeats give different folds,
    as :class:`~sklearn.model_selection.RepeatedStratifiedKFold` does for rows.

    The artists are not carried by the splitter: pass them as ``groups`` to
    :meth:`split`, to :func:`~sklearn.model_selection.cross_val_score` /
    :func:`~sklearn.model_selection.cross_validate` (``groups=artists``), or to
    ``GridSearchCV(..., cv=StratifiedArtistKFold()).fit(X, y, groups=artists)``.
    :class:`~sklearn.calibration.CalibratedClassifierCV` passes them to its ``cv`` only
    with scikit-learn's metadata routing turned on
    (``sklearn.set_config(enable_metadata_routing=True)``, then
    ``fit(X, y, groups=artists)``). The
    loaders give them: ``load_gtzan(...).artists``, ``load_genre_folders(...).artists``.
    Rows may be whole tracks or clips (clips of a track share its artist, so they follow
    it).

    Parameters
    ----------
    n_splits : int, default=5
        Number of folds per repeat, at least 2, at most the number of artists.
    n_repeats : int, default=1
        Number of times the folds are drawn anew.
    random_state : int, RandomState instance or None, default=None
        Seeds the shuffling of the artists; pass an int for reproducible folds.

    See Also
    --------
    StratifiedTrackKFold : Folds by track, where one artist can be on both sides.

    Notes
    -----
    With few artists per genre, a fold may miss a genre in its test side or hold more of
    it than others; :meth:`split` warns when a genre has fewer artists than ``n_splits``
    (and with one artist, the folds that test it train without the genre).
    Artists without a known name need a group of their own (the loaders name them
    ``"unknown:<track>"``); one shared "unknown" value would make them one artist.

    Examples
    --------
    >>> import numpy as np
    >>> from skgenre.evaluation import StratifiedArtistKFold
    >>> y = np.repeat(["blues", "rock"], 6)
    >>> artists = np.repeat(["a", "b", "c", "d", "e", "f"], 2)
    >>> cv = StratifiedArtistKFold(n_splits=3, n_repeats=2, random_state=0)
    >>> cv.get_n_splits()
    6
    >>> folds = list(cv.split(np.zeros(12), y, groups=artists))
    >>> all(not set(artists[tr]) & set(artists[te]) for tr, te in folds)
    True
    >>> from sklearn.model_selection import cross_val_score
    >>> from sklearn.dummy import DummyClassifier
    >>> cross_val_score(DummyClassifier(), np.zeros((12, 1)), y, groups=artists, cv=cv).shape
    (6,)
    """

    _parameter_constraints = {
        "n_splits": [Interval(Integral, 2, None, closed="left")],
        "n_repeats": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, n_splits=5, *, n_repeats=1, random_state=None):
        self.n_splits = n_splits
        self.n_repeats = n_repeats
        self.random_state = random_state

    def get_n_splits(self, X=None, y=None, groups=None):
        """Number of train/test splits: ``n_splits * n_repeats``.

        Parameters
        ----------
        X, y, groups : object
            Ignored, for compatibility.

        Returns
        -------
        n_splits : int
        """
        self._check_params()
        return int(self.n_splits) * int(self.n_repeats)

    def _check_params(self):
        validate_parameter_constraints(
            self._parameter_constraints,
            {"n_splits": self.n_splits, "n_repeats": self.n_repeats,
             "random_state": self.random_state},
            caller_name=type(self).__name__,
        )

    def split(self, X, y, groups=None):
        """Generate row indices of the train and test side of each fold.

        Parameters
        ----------
        X : array-like of shape (n_rows, ...)
            Only its length is used.
        y : array-like of shape (n_rows,)
            Genre labels, stratified over.
        groups : array-like of shape (n_rows,)
            The artist of every row. Required.

        Yields
        ------
        train : ndarray of int
            Row indices of the training side.
        test : ndarray of int
            Row indices of the test side.

        Raises
        ------
        ValueError
            If ``groups`` or ``y`` is missing or holds missing values (None, NaN), or
            there are fewer artists than ``n_splits``.
        """
        self._check_params()
        if groups is None:
            raise ValueError(
                "StratifiedArtistKFold needs the artist of every row: pass groups=artists "
                "(e.g. load_genre_folders(...).artists, which is None for a folder with no "
                "tracks.csv of file,artist that is not a GTZAN copy) to split, "
                "cross_val_score or GridSearchCV.fit. As the cv of CalibratedClassifierCV "
                "it gets them only through metadata routing: "
                "sklearn.set_config(enable_metadata_routing=True), then "
                "fit(X, y, groups=artists)."
            )
        if y is None:
            raise ValueError("StratifiedArtistKFold needs y to stratify; got y=None.")
        check_consistent_length(X, y, groups)
        n_rows = _num_samples(X)
        y = column_or_1d(y)
        # np.unique cannot sort None beside genre names (a TypeError about '<'), and would
        # take every NaN for one genre
        check_no_missing(y, "y", "label(s)", ": give every row its genre, or leave the "
                                             "unlabelled rows out.")
        artist = _artist_codes(groups)
        n_artists = artist.max() + 1
        if n_artists < self.n_splits:
            raise ValueError(
                f"{n_artists} artist(s) cannot fill n_splits={self.n_splits} folds that "
                f"keep each artist on one side; use n_splits <= {n_artists}."
            )
        _warn_few_artists(y, artist, self.n_splits)
        rng = check_random_state(self.random_state)
        for _ in range(self.n_repeats):
            seed = rng.randint(np.iinfo(np.int32).max)
            # scikit-learn's StratifiedGroupKFold(shuffle=True) before 1.8 shuffles the
            # genre counts of the artists without the artists, so its folds are stratified
            # by someone else's counts. Shuffling the artists here and splitting without a
            # shuffle is 1.8's algorithm, with its random draws, on every version: the same
            # folds as StratifiedGroupKFold(shuffle=True, random_state=seed) of 1.8.
            order = np.arange(artist.max() + 1)
            check_random_state(seed).shuffle(order)
            position = np.empty_like(order)
            position[order] = np.arange(order.size)
            cv = StratifiedGroupKFold(self.n_splits, shuffle=False)
            for train, test in cv.split(np.zeros(n_rows), y, position[artist]):
                yield train, test

    def _iter_test_indices(self, X=None, y=None, groups=None):
        # split() is overridden; BaseCrossValidator only needs this defined.
        for _, test in self.split(X, y, groups):
            yield test


def _artist_codes(groups):
    """Each row's artist as an integer code, in the order of scikit-learn's ``np.unique``.

    A missing artist (None, NaN) is refused: missing artists would all be one artist.
    """
    groups = column_or_1d(np.asarray(groups, dtype=object))
    check_no_missing(groups, "groups", "artist(s)",
                     ": they would all be one artist. Give each track of unknown artist a "
                     "group of its own, e.g. 'unknown:<track>', as the loaders do.")
    try:
        _, codes = np.unique(groups, return_inverse=True)
    except TypeError:  # e.g. 1 beside "1": compared as text
        _, codes = np.unique(groups.astype(str), return_inverse=True)
    return codes.ravel()


def _warn_few_artists(y, artist, n_splits):
    """Warn of genres with fewer artists than folds: scikit-learn warns only of rows."""
    few = {}
    for genre in np.unique(y):
        n = len(np.unique(artist[y == genre]))
        if n < n_splits:
            few[genre] = n
    if not few:
        return
    # str: a numpy scalar's repr would show its type
    shown = ", ".join(f"{str(g)!r} ({n})" for g, n in few.items())
    alone = [str(g) for g, n in few.items() if n == 1]
    warnings.warn(
        f"genre(s) with fewer artists than n_splits={n_splits}: {shown}; some test folds "
        "hold none of their tracks"
        + (f", and the folds that test {', '.join(map(repr, alone))} train without that "
           "genre (a classifier cannot name a genre it never saw)" if alone else "")
        + ".",
        UserWarning,
        stacklevel=3,
    )


@validate_params(
    {
        "y": ["array-like"],
        "artists": ["array-like"],
        "test_size": [Interval(Real, 0, 0.5, closed="right")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def artist_split(y, artists, *, test_size=0.2, random_state=None):
    """The paper's stratified train/test split, with every artist on one side.

    The first fold of :class:`StratifiedArtistKFold` with ``k = round(1 / test_size)``
    folds (at least 2): about ``1 / k`` of the tracks are tested (``test_size=0.4``, like
    0.5, gives 2 folds), no artist of a test track is among the training tracks, and each
    genre keeps its share as well as its artists allow. A genre whose tracks are all by
    one artist lands whole on one side.

    Parameters
    ----------
    y : array-like of shape (n_tracks,)
        Genre labels.
    artists : array-like of shape (n_tracks,)
        The artist of every track (e.g. ``load_genre_folders(...).artists``).
    test_size : float in (0, 0.5], default=0.2
        The share of tracks to test: ``1 / round(1 / test_size)`` of them, as nearly as
        whole artists allow.
    random_state : int, RandomState instance or None, default=None
        Seeds the shuffle of the artists.

    Returns
    -------
    train : ndarray of int
        Sorted indices of the training tracks.
    test : ndarray of int
        Sorted indices of the test tracks.

    Raises
    ------
    ValueError
        If there are fewer artists than folds, or ``y`` and ``artists`` differ in length.

    Examples
    --------
    >>> import numpy as np
    >>> from skgenre.evaluation import artist_split
    >>> y = np.repeat(["blues", "rock"], 10)
    >>> artists = np.repeat([f"artist {i}" for i in range(10)], 2)
    >>> train, test = artist_split(y, artists, random_state=0)
    >>> len(train), len(test)
    (16, 4)
    >>> bool(np.isin(artists[test], artists[train]).any())
    False
    """
    y = column_or_1d(y)
    check_consistent_length(y, artists)
    n_splits = max(2, int(round(1 / test_size)))
    n_artists = _artist_codes(artists).max() + 1
    if n_artists < n_splits:
        raise ValueError(
            f"test_size={test_size} tests 1/{n_splits} of the artists, which needs at least "
            f"{n_splits} artists; got {n_artists}. Use a test_size of at least "
            f"{1 / n_artists:.3g}."
        )
    cv = StratifiedArtistKFold(n_splits, random_state=random_state)
    with warnings.catch_warnings():
        # the folds' warning names n_splits, which the caller did not set: said below in
        # terms of this split
        warnings.filterwarnings("ignore", message=r"genre\(s\) with fewer artists than")
        train, test = next(cv.split(np.zeros(len(y)), y, groups=artists))
    one_side = []
    for genre in np.unique(y):
        n_train, n_test = int(np.sum(y[train] == genre)), int(np.sum(y[test] == genre))
        if not (n_train and n_test):
            one_side.append(f"{str(genre)!r} ({'test' if n_test else 'training'} side only)")
    if one_side:
        warnings.warn(
            f"artist_split: every track of {', '.join(one_side)} is on one side: the genre "
            "has too few artists to split. A genre only on the test side is never learned; "
            "one only on the training side is never tested.",
            UserWarning,
            stacklevel=user_stacklevel(),
        )
    return np.sort(train), np.sort(test)
