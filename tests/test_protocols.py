"""Evaluation protocols: every split is by track, stratified, and leak-free."""

from collections import Counter
from importlib.resources import files as package_files
from pathlib import PurePath

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.utils._param_validation import InvalidParameterError

from skgenre.evaluation import StratifiedTrackKFold, filtered_split, paper_split

GENRES = ["blues", "classical", "country", "disco", "hiphop"]


def _clip_rows(n_tracks_per_class=20, seed=0):
    """Clip-level rows: every track gives 1 to 4 clips, labelled like its track."""
    rng = np.random.default_rng(seed)
    names, labels = [], []
    for g in GENRES:
        for i in range(n_tracks_per_class):
            k = rng.integers(1, 5)
            names += [f"{g}/{g}.{i:05d}.wav"] * k
            labels += [g] * k
    order = rng.permutation(len(names))  # rows of one track need not be adjacent
    return np.asarray(names)[order], np.asarray(labels)[order]


def _assert_partition(n_rows, *parts):
    joined = np.concatenate(parts)
    assert len(joined) == len(set(joined.tolist())) == n_rows
    for p in parts:
        assert np.all(np.diff(p) > 0)  # sorted, no duplicates


def _track_counts(names, labels, idx):
    return Counter(dict(set(zip(names[idx].tolist(), labels[idx].tolist()))).values())


# ---------------------------------------------------------------- paper_split


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_paper_split_one_row_per_track_is_stratified_80_20(seed):
    y = np.repeat(GENRES, 20)
    train, test = paper_split(len(y), y, random_state=seed)
    _assert_partition(len(y), train, test)
    assert Counter(y[test].tolist()) == {g: 4 for g in GENRES}
    assert Counter(y[train].tolist()) == {g: 16 for g in GENRES}


def test_paper_split_keeps_clips_of_a_track_together():
    names, labels = _clip_rows()
    train, test = paper_split(names, labels, test_size=0.25, random_state=0)
    _assert_partition(len(names), train, test)
    assert not set(names[train].tolist()) & set(names[test].tolist())
    # stratified over TRACKS (5 of 20 per genre), whatever the clips per track
    assert _track_counts(names, labels, test) == {g: 5 for g in GENRES}
    assert _track_counts(names, labels, train) == {g: 15 for g in GENRES}


def test_paper_split_reproducible_and_seed_dependent():
    names, labels = _clip_rows()
    a = paper_split(names, labels, random_state=3)
    b = paper_split(list(names), list(labels), random_state=3)
    c = paper_split(names, labels, random_state=4)
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[1], c[1])


def test_paper_split_int_test_size_counts_tracks():
    names, labels = _clip_rows()
    _, test = paper_split(names, labels, test_size=10, random_state=0)
    assert len(set(names[test].tolist())) == 10


def test_paper_split_errors():
    y = np.repeat(GENRES, 4)
    with pytest.raises(ValueError, match="tracks=19 rows.*20 labels"):
        paper_split(19, y)
    names = np.repeat([f"t{i}" for i in range(10)], 2)
    bad = np.repeat(GENRES[:2], 10)  # track t4 gets both labels
    bad[9] = GENRES[1]
    msg = "share a label, but track 't4' has rows labelled 'blues' and 'classical'"
    with pytest.raises(ValueError, match=msg):
        paper_split(names, bad)
    with pytest.raises(InvalidParameterError, match="test_size"):
        paper_split(20, y, test_size=1.5)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        paper_split(names[:5], y)
    # missing track ids or labels are refused: NaN ids became one track 'nan' (rows of
    # two unnamed songs always on one side), None was a TypeError of np.unique
    for missing in (None, np.nan):
        holes = names.astype(object)
        holes[[3, 8]] = missing
        with pytest.raises(ValueError, match=r"tracks holds 2 missing value\(s\).*row 3"):
            paper_split(holes, y)
        with pytest.raises(ValueError, match=r"tracks holds 2 missing"):
            next(StratifiedTrackKFold(2).split(holes, y, groups=holes))
    labels = y.astype(object)
    labels[5] = None
    with pytest.raises(ValueError, match=r"y holds 1 missing value\(s\).*row 5"):
        paper_split(names, labels)



def test_errors_name_labels_of_a_pandas_column():
    """Labels in an object array (``df["genre"]``) have no ``.item()``: the errors about a
    track with two labels and a genre with too few tracks raised AttributeError instead."""
    import pandas as pd

    names = np.repeat([f"t{i}" for i in range(10)], 2)
    y = pd.Series(np.repeat(GENRES[:2], 10), dtype=object)
    y[9] = GENRES[1]  # track t4 gets both labels
    msg = "track 't4' has rows labelled 'blues' and 'classical'"
    with pytest.raises(ValueError, match=msg):
        paper_split(names, y)
    with pytest.raises(ValueError, match=msg):
        next(StratifiedTrackKFold(2).split(names, y, groups=names))
    few = pd.Series(["rock"] * 6 + ["jazz"] * 2, dtype=object)
    with pytest.raises(ValueError, match=r"genre 'jazz' has 2 track\(s\)"):
        next(StratifiedTrackKFold(3).split(np.zeros((8, 1)), few))


# ------------------------------------------------------- StratifiedTrackKFold


def test_kfold_without_groups_equals_stratified_kfold():
    y = np.repeat(GENRES, 10)
    X = np.zeros((len(y), 1))
    for shuffle, seed in ((False, None), (True, 0)):
        ours = list(StratifiedTrackKFold(5, shuffle=shuffle, random_state=seed).split(X, y))
        ref = list(StratifiedKFold(5, shuffle=shuffle, random_state=seed).split(X, y))
        for (a_tr, a_te), (b_tr, b_te) in zip(ours, ref, strict=True):
            np.testing.assert_array_equal(a_tr, b_tr)
            np.testing.assert_array_equal(a_te, b_te)


@pytest.mark.parametrize("shuffle, seed", [(False, None), (True, 0), (True, 7)])
def test_kfold_with_groups_no_leakage_each_track_tested_once(shuffle, seed):
    names, labels = _clip_rows()
    cv = StratifiedTrackKFold(4, shuffle=shuffle, random_state=seed)
    assert cv.get_n_splits() == 4
    tested = []
    for train, test in cv.split(names, labels, groups=names):
        _assert_partition(len(names), train, test)
        assert not set(names[train].tolist()) & set(names[test].tolist())
        assert _track_counts(names, labels, test) == {g: 5 for g in GENRES}
        tested += sorted(set(names[test].tolist()))
    assert sorted(tested) == sorted(set(names.tolist()))  # every track tested exactly once


def test_kfold_as_cv_with_groups_in_cross_val_score():
    names, labels = _clip_rows(n_tracks_per_class=6)
    # a feature that identifies the TRACK (not the genre): memorisation, if clips leaked,
    # would score near 1; split by track it cannot beat chance by much
    track_id = np.unique(names, return_inverse=True)[1]
    X = np.eye(track_id.max() + 1)[track_id]
    scores = cross_val_score(
        LogisticRegression(C=100.0),
        X,
        labels,
        groups=names,
        cv=StratifiedTrackKFold(3, shuffle=True, random_state=0),
    )
    assert scores.max() < 0.6
    leaky = cross_val_score(LogisticRegression(C=100.0), X, labels, cv=StratifiedKFold(3))
    assert leaky.mean() > 0.7  # the same data split by row leaks (single-clip tracks cannot)


def test_kfold_errors():
    with pytest.raises(ValueError, match="needs y"):
        next(StratifiedTrackKFold(2).split(np.zeros((4, 1)), None))
    with pytest.raises(ValueError, match="n_splits=1"):
        StratifiedTrackKFold(1)
    names = np.repeat([f"t{i}" for i in range(4)], 2)
    y = np.array([0, 0, 1, 1, 0, 1, 1, 1])  # t2 disagrees
    with pytest.raises(ValueError, match="track 't2'"):
        next(StratifiedTrackKFold(2).split(names, y, groups=names))
    # A genre with fewer tracks than folds: an error that says what to change.
    y = np.array(["rock"] * 6 + ["jazz"] * 2)
    with pytest.raises(ValueError, match=r"'jazz' has 2 track\(s\).*n_splits <= 2"):
        next(StratifiedTrackKFold(3).split(np.zeros((8, 1)), y))


def test_kfold_with_track_classifier_tracks_are_samples():
    from skgenre.models import TrackClassifier

    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 9)
    X = np.empty(len(y), dtype=object)
    X[:] = [rng.normal(size=rng.integers(200, 400)) * (1 + 2 * c) for c in y]
    clf = TrackClassifier(LogisticRegression(), clip_duration=1.0, sr=100, random_state=0)
    scores = cross_val_score(clf, X, y, cv=StratifiedTrackKFold(3))
    assert scores.shape == (3,)


# -------------------------------------------------------------- filtered_split


def _list(part):
    path = package_files("skgenre.datasets").joinpath("data", f"{part}_filtered.txt")
    return path.read_text().split()


def test_filtered_split_matches_package_lists():
    parts = ("train", "valid", "test")
    entries = [e for p in parts for e in _list(p)]
    assert len(entries) == 930
    # rows named as paths, in another order, with another extension
    rng = np.random.default_rng(0)
    rows = np.asarray([f"/data/genres/{e[:-4]}.au" for e in entries])[rng.permutation(930)]
    train, valid, test = filtered_split(rows)
    _assert_partition(930, train, valid, test)
    assert (len(train), len(valid), len(test)) == (443, 197, 290)
    for idx, part in zip((train, valid, test), parts):
        got = {PurePath(r).stem for r in rows[idx]}
        assert got == {PurePath(e).stem for e in _list(part)}


def test_filtered_split_by_stem_leaves_out_unlisted_and_keeps_clips_together():
    all_names = [f"{g}.{i:05d}.wav" for g in GENRES for i in range(100)]
    rows = np.repeat(all_names, 2)  # two clips per track
    train, valid, test = filtered_split(rows)
    for a, b in ((train, valid), (train, test), (valid, test)):
        assert not set(rows[a].tolist()) & set(rows[b].tolist())
    listed = {e.split("/")[1] for p in ("train", "valid", "test") for e in _list(p)}
    kept = set(rows[np.concatenate([train, valid, test])].tolist())
    assert kept == listed & set(all_names)
    assert len(kept) < len(all_names)  # the filtered split drops faulty tracks
    # stratification is the list's: every genre appears in every part
    for idx in (train, valid, test):
        assert {r.split(".")[0] for r in rows[idx]} == set(GENRES)


def test_filtered_split_on_real_gtzan_table(gtzan_dir):
    import pandas as pd

    table = pd.read_csv(gtzan_dir / "features_30_sec.csv")
    train, valid, test = filtered_split(table["filename"].to_numpy())
    assert (len(train), len(valid), len(test)) == (443, 197, 290)
    labels = table["label"].to_numpy()
    assert set(labels[test].tolist()) == set(labels.tolist())


def test_filtered_split_rejects_non_gtzan_names():
    with pytest.raises(ValueError, match="none of the 2 files.*'song.mp3'"):
        filtered_split(["song.mp3", "other.wav"])
