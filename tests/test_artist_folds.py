"""StratifiedArtistKFold: folds grouped by artist, stratified by genre, repeated."""

import warnings

import numpy as np
import pytest
from sklearn.dummy import DummyClassifier
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.utils._param_validation import InvalidParameterError

from skgenre.evaluation import StratifiedArtistKFold


def _data(n_artists=12, per_artist=3, seed=0):
    rng = np.random.default_rng(seed)
    artists = np.repeat([f"artist{i}" for i in range(n_artists)], per_artist)
    y = np.repeat(np.arange(n_artists) % 3, per_artist)  # each artist plays one genre
    X = rng.normal(size=(len(y), 2)) + y[:, None]
    return X, y, artists


@pytest.mark.parametrize("seed", [0, 1])
def test_no_artist_on_both_sides_each_tested_once_per_repeat(seed):
    X, y, artists = _data()
    cv = StratifiedArtistKFold(n_splits=4, n_repeats=3, random_state=seed)
    folds = list(cv.split(X, y, groups=artists))
    assert len(folds) == cv.get_n_splits() == 12
    for r in range(3):
        tested = np.concatenate([te for _, te in folds[4 * r : 4 * r + 4]])
        assert sorted(tested.tolist()) == list(range(len(y)))  # every row tested once
        for tr, te in folds[4 * r : 4 * r + 4]:
            assert not set(artists[tr]) & set(artists[te])
            assert set(y[te]) == {0, 1, 2}  # 4 artists per genre: each fold holds each
    # repeats reshuffle; a seed reproduces
    assert any(not np.array_equal(a[1], b[1]) for a, b in zip(folds[:4], folds[4:8]))
    again = list(StratifiedArtistKFold(4, n_repeats=3, random_state=seed).split(X, y, artists))
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(folds, again))


def test_groups_in_cross_val_score_and_grid_search():
    X, y, artists = _data()
    cv = StratifiedArtistKFold(n_splits=3, n_repeats=2, random_state=0)
    assert cross_val_score(DummyClassifier(), X, y, groups=artists, cv=cv).shape == (6,)
    search = GridSearchCV(DummyClassifier(), {"strategy": ["prior", "uniform"]}, cv=cv)
    search.fit(X, y, groups=artists)
    assert search.n_splits_ == 6


def test_errors():
    X, y, artists = _data(n_artists=3)
    with pytest.raises(ValueError, match="groups=artists"):
        next(StratifiedArtistKFold(2).split(X, y))
    with pytest.raises(ValueError, match=r"3 artist\(s\) cannot fill n_splits=4"):
        next(StratifiedArtistKFold(4).split(X, y, artists))
    with pytest.raises(InvalidParameterError, match="n_repeats"):
        StratifiedArtistKFold(2, n_repeats=0).get_n_splits()
    with pytest.raises(InvalidParameterError, match="n_splits"):
        next(StratifiedArtistKFold(1).split(X, y, artists))


def test_artist_split_keeps_artists_apart_and_is_seeded():
    from skgenre.evaluation import artist_split

    rng = np.random.default_rng(0)
    artists = np.repeat([f"a{i}" for i in range(40)], rng.integers(1, 6, 40))
    genre_of = {a: ["blues", "jazz", "rock", "pop"][i % 4] for i, a in enumerate(np.unique(artists))}
    y = np.array([genre_of[a] for a in artists])
    train, test = artist_split(y, artists, random_state=3)
    assert np.array_equal(np.sort(np.concatenate([train, test])), np.arange(len(y)))
    assert not set(artists[train]) & set(artists[test])
    assert 0.1 < len(test) / len(y) < 0.3 and set(y[test]) == set(y)
    again = artist_split(y, artists, random_state=3)
    assert all(np.array_equal(a, b) for a, b in zip((train, test), again))
    _, third = artist_split(y, artists, test_size=1 / 3, random_state=3)
    assert 0.2 < len(third) / len(y) < 0.45
    with pytest.raises(ValueError, match="test_size"):
        artist_split(y, artists, test_size=0.8)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        artist_split(y[:-1], artists)
    # a genre of one artist lands on one side: said in the split's terms (the folds'
    # warning named an n_splits=5 that the caller never set)
    one = np.where(y == "blues", "the only one", artists)
    with pytest.warns(UserWarning) as record:
        train, test = artist_split(y, one, random_state=3)
    (message,) = [str(w.message) for w in record]
    side = "test" if (y[test] == "blues").any() else "training"
    assert message.startswith(f"artist_split: every track of 'blues' ({side} side only)")
    assert "n_splits" not in message and record[0].filename == __file__


def test_the_folds_are_the_same_on_every_scikit_learn():
    """StratifiedGroupKFold(shuffle=True) before scikit-learn 1.8 shuffled the genre counts
    of the groups without the groups; the splitter shuffles the artists itself, so its
    folds are 1.8's on every version (pinned here, computed with 1.9)."""
    X, y, artists = _data()
    folds = [te.tolist() for _, te in StratifiedArtistKFold(3, random_state=0).split(X, y, artists)]
    assert folds == [[0, 1, 2, 6, 7, 8, 12, 13, 14, 18, 19, 20],
                     [15, 16, 17, 21, 22, 23, 27, 28, 29, 30, 31, 32],
                     [3, 4, 5, 9, 10, 11, 24, 25, 26, 33, 34, 35]]
    for _, test in StratifiedArtistKFold(3, random_state=0).split(X, y, artists):
        # 4 artists of 3 rows per genre: 2, 1 and 1 of them in the three folds
        assert sorted(np.bincount(y[test], minlength=3).tolist()) == [3, 3, 6]
    _assert_scikit_learns_folds(X, y, artists, folds)


def _assert_scikit_learns_folds(X, y, groups, folds):
    """``folds`` (test indices of StratifiedArtistKFold(3, random_state=0)) are those of
    StratifiedGroupKFold(shuffle=True) of scikit-learn >= 1.8 with the splitter's seed."""
    import sklearn
    from sklearn.model_selection import StratifiedGroupKFold
    from sklearn.utils import check_random_state
    from sklearn.utils.fixes import parse_version

    if parse_version(sklearn.__version__) >= parse_version("1.8"):
        seed = check_random_state(0).randint(np.iinfo(np.int32).max)
        theirs = StratifiedGroupKFold(3, shuffle=True, random_state=seed)
        assert [te.tolist() for _, te in theirs.split(X, y, groups)] == folds


def test_integer_artists_give_scikit_learns_folds():
    X, y, _ = _data()
    ids = np.repeat(np.arange(12) * 7 % 12, 3)  # ints that sort otherwise as text
    ours = [te.tolist() for _, te in StratifiedArtistKFold(3, random_state=0).split(X, y, ids)]
    as_text = [te.tolist() for _, te in
               StratifiedArtistKFold(3, random_state=0).split(X, y, ids.astype(str))]
    assert ours != as_text  # the ints are not compared as text
    _assert_scikit_learns_folds(X, y, ids, ours)


def test_missing_artists_are_refused_not_merged():
    X, y, artists = _data()
    for missing in (None, np.nan):
        groups = artists.astype(object)
        groups[[4, 20]] = missing
        with pytest.raises(ValueError, match=r"2 missing artist\(s\).*first at row 4"):
            next(StratifiedArtistKFold(3).split(X, y, groups))
    # pandas' missing value of nullable columns (read_csv(dtype_backend=...),
    # convert_dtypes, dtype="string"): it was merged into one artist "<NA>"
    import pandas as pd
    groups = pd.Series(artists.astype(str), dtype="string")
    groups[[4, 20]] = pd.NA
    with pytest.raises(ValueError, match=r"2 missing artist\(s\).*first at row 4"):
        next(StratifiedArtistKFold(3).split(X, y, groups))



def test_missing_labels_are_refused_by_name():
    """A genre left empty (None, or NaN from a tracks.csv read by pandas) raised
    "TypeError: '<' not supported between instances of 'NoneType' and 'str'"."""
    from skgenre.evaluation import artist_split

    X, _, artists = _data()
    for missing in (None, np.nan):
        y = np.repeat(np.array(["rock", "pop", "jazz"], dtype=object), 12)
        y[[4, 20]] = missing
        with pytest.raises(ValueError, match=r"y holds 2 missing label\(s\).*first at row 4"):
            next(StratifiedArtistKFold(3).split(X, y, artists))
        with pytest.raises(ValueError, match=r"y holds 2 missing label\(s\)"):
            artist_split(y, artists, test_size=0.34)

def test_a_genre_with_fewer_artists_than_folds_is_named():
    X, y, artists = _data(n_artists=12)
    artists = artists.copy()
    artists[y == 0] = "the only one"  # genre 0: one artist
    artists[y == 1] = np.where(np.arange((y == 1).sum()) < 6, "p", "q")  # genre 1: two
    with pytest.warns(UserWarning) as record:
        folds = list(StratifiedArtistKFold(3, random_state=0).split(X, y, artists))
    (message,) = [str(w.message) for w in record]
    assert "fewer artists than n_splits=3: '0' (1), '1' (2);" in message
    assert "the folds that test '0' train without that genre" in message
    # what it says: one fold trains without genre 0
    assert sum(0 not in set(y[train]) for train, _ in folds) == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        list(StratifiedArtistKFold(3, random_state=0).split(*_data()))  # 4 artists a genre


def test_artist_split_says_what_test_size_needs():
    from skgenre.evaluation import artist_split

    _, y, artists = _data(n_artists=3)
    with pytest.raises(ValueError, match=r"test_size=0.2 tests 1/5 .* got 3\. Use a "
                                         r"test_size of at least 0.333"):
        artist_split(y, artists, test_size=0.2)
