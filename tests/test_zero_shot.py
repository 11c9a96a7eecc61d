"""ZeroShotGenreClassifier and make_zero_shot_pipeline: genres from pretrained tags."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.model_selection import cross_val_score

from skgenre import ZeroShotGenreClassifier, make_zero_shot_pipeline
from skgenre.embeddings import MSD_TAGS, MTT_TAGS
from skgenre.models import MUSICNN_TAG_COLUMNS, ZERO_SHOT_MAPPINGS

TAGS = ["guitar", "synth", "techno", "strings"]


def _probs(rng, n=40):
    """Tag probabilities whose genre is the row's strongest tag group."""
    y = rng.integers(0, 3, n)
    X = rng.uniform(0.01, 0.3, size=(n, 4))
    X[y == 0, 0] = rng.uniform(0.6, 0.95, (y == 0).sum())
    X[y == 1, 1:3] = rng.uniform(0.6, 0.95, ((y == 1).sum(), 2))
    X[y == 2, 3] = rng.uniform(0.6, 0.95, (y == 2).sum())
    return X, np.array(["rock", "electronic", "classical"])[y]


MAPPING = {"rock": "guitar", "electronic": ["synth", "techno"], "classical": ["strings"]}


def test_zero_shot_names_genres_without_training():
    X, y = _probs(np.random.default_rng(0))
    clf = ZeroShotGenreClassifier(MAPPING, tags=TAGS).fit(X)  # no labels at all
    assert clf.calibrator_ is None
    assert clf.classes_.tolist() == ["classical", "electronic", "rock"]
    assert clf.genre_tags_ == {"rock": ["guitar"], "electronic": ["synth", "techno"],
                               "classical": ["strings"]}
    assert_array_equal(clf.predict(X), y)
    proba = clf.predict_proba(X)
    assert_allclose(proba.sum(axis=1), 1)
    assert_array_equal(clf.classes_[proba.argmax(axis=1)], y)
    # the score is the mean log-odds of the genre's tags
    p = np.clip(X[0], 1e-6, 1 - 1e-6)
    logit = np.log(p / (1 - p))
    expected = np.array([logit[3], logit[1:3].mean(), logit[0]])
    assert_allclose(proba[0], np.exp(expected) / np.exp(expected).sum())


def test_labels_restrict_the_answers():
    X, y = _probs(np.random.default_rng(1))
    keep = y != "classical"
    clf = ZeroShotGenreClassifier(MAPPING, tags=TAGS).fit(X[keep], y[keep])
    assert clf.classes_.tolist() == ["electronic", "rock"]
    assert set(clf.predict(X)) <= {"electronic", "rock"}
    assert clf.predict_proba(X).shape == (len(X), 2)
    with pytest.raises(ValueError, match=r"y holds genre\(s\) \['jazz'\] that the mapping"):
        ZeroShotGenreClassifier(MAPPING, tags=TAGS).fit(X[:2], ["jazz", "rock"])


def test_calibration_learns_offsets_and_new_labels():
    rng = np.random.default_rng(2)
    X, y = _probs(rng, n=200)
    # the "guitar" tag fires on everything: uncalibrated, everything is rock
    X[:, 0] = np.maximum(X[:, 0], 0.97)
    zero = ZeroShotGenreClassifier(MAPPING, tags=TAGS).fit(X)
    assert (zero.predict(X) == "rock").mean() > 0.95
    cal = ZeroShotGenreClassifier(MAPPING, tags=TAGS, calibrate=True)
    assert cross_val_score(cal, X, y, cv=5).mean() > 0.9
    # calibrated, the labels need not be genres of the mapping
    y2 = np.where(y == "rock", "other", y)
    assert set(clone(cal).fit(X, y2).predict(X)) == {"other", "electronic", "classical"}
    with pytest.raises(ValueError, match="requires y"):
        clone(cal).fit(X)


def test_standardize_learns_each_tags_level_from_unlabelled_tracks():
    rng = np.random.default_rng(3)
    X, y = _probs(rng, n=300)
    # a network that says "guitar" more readily than the other tags, at any music: in
    # log-odds, a shift of that tag's scores for every track
    p = np.clip(X, 1e-6, 1 - 1e-6)
    logit = np.log(p / (1 - p))
    logit[:, 0] += 3.0
    Xb = 1 / (1 + np.exp(-logit))
    plain = ZeroShotGenreClassifier(MAPPING, tags=TAGS).fit(Xb)
    assert (plain.predict(Xb) == "rock").mean() > 0.6  # a third of the tracks are rock
    assert (plain.predict(Xb) == y).mean() < 0.7
    std = ZeroShotGenreClassifier(MAPPING, tags=TAGS, standardize=True).fit(Xb)  # no labels
    assert std.calibrator_ is None
    assert (std.predict(Xb) == y).mean() > 0.9
    # the statistics are those of the linked scores over fit's tracks; predict applies them
    assert_allclose(std.tag_mean_, logit.mean(axis=0), rtol=1e-6)
    assert_allclose(std.tag_scale_, logit.std(axis=0), rtol=1e-6)
    z = (logit[:5] - std.tag_mean_) / std.tag_scale_
    scores = np.column_stack([z[:, 3], z[:, 1:3].mean(axis=1), z[:, 0]])
    assert_allclose(std.predict_proba(Xb[:5]),
                    np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True), rtol=1e-6)
    # a tag shift is learnt away: the same answers with the shift or without it
    assert_array_equal(clone(std).fit(X).predict(X), std.predict(Xb))
    # fitted on other tracks than it predicts: the statistics come from fit alone
    assert_array_equal(clone(std).fit(Xb[:150]).predict(Xb[150:]),
                       clone(std).fit(Xb[:150]).predict(Xb)[150:])
    assert plain.tag_mean_ is None and plain.tag_scale_ is None
    # a tag that never changes: no division by zero
    Xc = Xb.copy()
    Xc[:, 2] = 0.5
    const = clone(std).fit(Xc)
    assert const.tag_scale_[2] == 1.0 and np.isfinite(const.predict_proba(Xc)).all()
    # with calibration: standardized scores are what the calibrator sees
    cal = ZeroShotGenreClassifier(MAPPING, tags=TAGS, standardize=True, calibrate=True)
    assert cross_val_score(cal, Xb, y, cv=5).mean() > 0.9
    with pytest.raises(ValueError, match=r"at least 2 of them; got 1 sample"):
        clone(std).fit(Xb[:1])


def test_bare_tags_and_builtin_mappings_resolve_on_musicnn_columns():
    assert len(MUSICNN_TAG_COLUMNS) == 100
    assert MUSICNN_TAG_COLUMNS[0] == f"MSD:{MSD_TAGS[0]}"
    assert MUSICNN_TAG_COLUMNS[50] == f"MTT:{MTT_TAGS[0]}"
    X = np.full((2, 100), 0.1)
    for name, mapping in ZERO_SHOT_MAPPINGS.items():
        clf = ZeroShotGenreClassifier(name).fit(X)
        assert clf.classes_.tolist() == sorted(mapping)
        assert clf.genre_tags_ == mapping
    assert len(ZERO_SHOT_MAPPINGS["gtzan"]) == 10 and "reggae" in ZERO_SHOT_MAPPINGS["gtzan"]
    # a bare tag means that tag of every network that has it
    clf = ZeroShotGenreClassifier({"rock": "rock", "blues": "blues"}).fit(X)
    assert clf.genre_tags_ == {"rock": ["MSD:rock", "MTT:rock"], "blues": ["MSD:blues"]}


def test_a_table_of_tags_is_read_by_column_name():
    import pandas as pd
    X, y = _probs(np.random.default_rng(3))
    table = pd.DataFrame(X, columns=TAGS)
    shuffled = table[TAGS[::-1]]  # the same tags, named, in another order
    clf = ZeroShotGenreClassifier(MAPPING, tags=TAGS).fit(shuffled)
    assert_array_equal(clf.predict(shuffled), y)
    assert_allclose(clf.predict_proba(shuffled),
                    ZeroShotGenreClassifier(MAPPING, tags=TAGS).fit(X).predict_proba(X))
    assert clf.genre_tags_["rock"] == ["guitar"]
    # names that are not the tags: the columns by position, as for an array
    other = pd.DataFrame(X, columns=[f"c{i}" for i in range(4)])
    assert_array_equal(ZeroShotGenreClassifier(MAPPING, tags=TAGS).fit(other).predict(other), y)


def test_integer_codes_say_what_encoded_them():
    from sklearn.model_selection import cross_val_predict

    X, y = _probs(np.random.default_rng(4), n=60)
    with pytest.raises(ValueError, match="cross_val_predict.*return_estimator=True"):
        cross_val_predict(ZeroShotGenreClassifier(MAPPING, tags=TAGS), X, y, cv=3,
                          method="predict_proba")


def test_bad_mappings_and_input():
    X = np.full((2, 100), 0.1)
    with pytest.raises(ValueError, match=r"genre 'reggae' to tag 'MSD:reggae'.*Valid tags: 'MSD:rock'"):
        ZeroShotGenreClassifier({"rock": "MSD:rock", "reggae": "MSD:reggae"}).fit(X)
    with pytest.raises(ValueError, match="mapping is empty"):
        ZeroShotGenreClassifier({}).fit(X)
    with pytest.raises(ValueError, match="genre 'rock' no tag"):
        ZeroShotGenreClassifier({"rock": []}).fit(X)
    with pytest.raises(ValueError, match="X has 4 feature"):
        ZeroShotGenreClassifier().fit(X[:, :4])
    # a genre's tags that are neither a name nor a list of names: named, not a TypeError
    # ("not iterable"), a dict's keys or the tag 'None'
    for tags in (5, None, {"MSD:rock": 1}, ["MSD:rock", None]):
        with pytest.raises(ValueError, match=r"maps genre 'rock' to .*give a tag name or a list"):
            ZeroShotGenreClassifier({"rock": tags, "pop": "MSD:pop"}).fit(X)
    assert ZeroShotGenreClassifier({"rock": ("MSD:rock", "MTT:rock"), "pop": "pop"}).fit(
        X).genre_tags_ == {"rock": ["MSD:rock", "MTT:rock"], "pop": ["MSD:pop", "MTT:pop"]}
    with pytest.raises(ValueError, match=r"genres must be strings .* got 0 \(int\)"):
        ZeroShotGenreClassifier({0: "rock", 1: "pop"}).fit(X)
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\]"):
        ZeroShotGenreClassifier().fit(X).predict(X - 1)
    from sklearn.utils._param_validation import InvalidParameterError

    with pytest.raises(InvalidParameterError, match="mapping"):
        ZeroShotGenreClassifier("jazz-only").fit(X)


def test_pipeline_steps():
    pipe = make_zero_shot_pipeline({"rock": "rock"}, calibrate=True, C=0.5)
    assert list(pipe.named_steps) == ["load", "tags", "classifier"]
    msd, mtt = (t for _, t in pipe.named_steps["tags"].transformer_list)
    assert (msd.model, mtt.model, msd.layer, mtt.layer) == (
        "MSD_musicnn", "MTT_musicnn", "taggram", "taggram")
    clf = pipe.named_steps["classifier"]
    assert clf.mapping == {"rock": "rock"} and clf.calibrate and clf.C == 0.5


@pytest.mark.slow  # 2 networks on 4 whole tracks: minutes on a busy 2-core machine
@pytest.mark.usefixtures("musicnn_weights")
def test_pipeline_on_real_tracks(gtzan_sample_files):
    files = [str(f) for f in gtzan_sample_files if f.suffix == ".wav"]  # 3 blues, 3 classical
    pipe = make_zero_shot_pipeline("gtzan").fit(files[3:4])
    assert pipe.named_steps["classifier"].classes_.tolist() == sorted(ZERO_SHOT_MAPPINGS["gtzan"])
    tags = pipe[:-1].transform(files[3:])
    assert tags.shape == (3, 100) and tags.min() >= 0 and tags.max() <= 1
    # the classical clips are called classical, with no training
    assert pipe[-1].predict(tags).tolist() == ["classical"] * 3
