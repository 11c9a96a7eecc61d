"""Calibration: the ECE measure, its scorer, and calibrated pipelines that save and load."""

import numpy as np
import pytest
import sklearn
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_validate

from skgenre.evaluation import (
    StratifiedArtistKFold,
    expected_calibration_error,
    make_ece_scorer,
    reliability_curve,
)

_HAS_TEMPERATURE = "temperature" in CalibratedClassifierCV._parameter_constraints["method"][0].options
METHODS = ["sigmoid", "isotonic"] + (["temperature"] if _HAS_TEMPERATURE else [])


def test_ece_hand_computed():
    y_true = np.array(["a", "b", "a", "c", "b"])
    y_proba = np.array([
        [0.5, 0.3, 0.2],  # predicts a with 0.5: right
        [0.6, 0.2, 0.2],  # a with 0.6: wrong
        [0.2, 0.2, 0.6],  # c with 0.6: wrong
        [0.1, 0.2, 0.7],  # c with 0.7: right
        [0.05, 0.9, 0.05],  # b with 0.9: right
    ])
    # 3 bins: (1/3, 2/3] holds 0.5, 0.6, 0.6 (1 of 3 right), (2/3, 1] holds 0.7, 0.9
    # (both right)
    expected = 3 / 5 * abs(1 / 3 - 1.7 / 3) + 2 / 5 * abs(1.0 - 0.8)
    assert expected_calibration_error(y_true, y_proba, n_bins=3) == pytest.approx(expected)
    curve = reliability_curve(y_true, y_proba, n_bins=3)
    assert curve.count.tolist() == [0, 3, 2]
    np.testing.assert_allclose(curve.accuracy[1:], [1 / 3, 1.0])
    np.testing.assert_allclose(curve.confidence[1:], [1.7 / 3, 0.8])
    assert np.isnan(curve.accuracy[0]) and np.isnan(curve.confidence[0])
    np.testing.assert_allclose(curve.bin_edges, [0, 1 / 3, 2 / 3, 1])


def test_perfect_calibration_gives_zero():
    # confidence 0.75, of which exactly 3 in 4 right; confidence 1.0, all right
    y_true = np.array([0, 0, 0, 1, 1, 1])
    y_proba = np.array([[0.75, 0.25]] * 4 + [[0.0, 1.0]] * 2)
    assert expected_calibration_error(y_true, y_proba) == pytest.approx(0.0, abs=1e-12)
    # a 1-D array is the second label's probability
    assert expected_calibration_error(y_true, y_proba[:, 1]) == pytest.approx(0.0, abs=1e-12)


def test_overconfidence_is_measured():
    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 4, size=400)
    # always 0.97 sure of a random guess: right about a quarter of the time
    guess = rng.integers(0, 4, size=400)
    y_proba = np.full((400, 4), 0.01)
    y_proba[np.arange(400), guess] = 0.97
    accuracy = np.mean(guess == y_true)
    ece = expected_calibration_error(y_true, y_proba)
    assert ece == pytest.approx(0.97 - accuracy)
    assert ece > 0.5


def test_confidence_on_a_bin_edge_goes_to_the_lower_bin():
    curve = reliability_curve([0, 1, 0], [[0.6, 0.4], [0.2, 0.8], [1.0, 0.0]], n_bins=5)
    # 0.6 -> (0.4, 0.6], 0.8 -> (0.6, 0.8], 1.0 -> (0.8, 1.0]
    assert curve.count.tolist() == [0, 0, 1, 1, 1]
    # every edge k/n of every n up to 60 (5/6: five votes of six clips), where
    # k * (1/n) rounds below k/n for some
    for n in range(1, 61):
        for k in range((n + 1) // 2, n + 1):  # the top probability of two, k/n >= 1/2
            curve = reliability_curve([0], [[k / n, 1 - k / n]], n_bins=n, labels=[0, 1])
            assert curve.count[k - 1] == 1, (n, k)


def test_labels_name_the_columns_when_a_class_is_missing():
    y_proba = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    # "c" never occurs in y_true: without labels the columns cannot be matched
    with pytest.raises(ValueError, match="pass labels="):
        expected_calibration_error(["a", "b"], y_proba)
    # columns a, b, c: first right (0.7), second wrong (predicts c with 0.8)
    ece = expected_calibration_error(["a", "b"], y_proba, labels=["a", "b", "c"])
    assert ece == pytest.approx(0.5 * 0.3 + 0.5 * 0.8)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"y_true": [0, 1, 1], "y_proba": [[0.5, 0.5]] * 2}, "inconsistent numbers"),
        ({"y_proba": np.ones((2, 2, 1))}, "2-D array"),
        ({"y_proba": [[1.5, -0.5], [0.5, 0.5]]}, r"in \[0, 1\]"),
        ({"y_proba": [[0.5, 0.6], [0.5, 0.5]]}, "sum to 1"),
        ({"y_proba": [[np.nan, 0.5], [0.5, 0.5]]}, "NaN"),
        ({"n_bins": 0}, "n_bins"),
        ({"n_bins": 2.5}, "n_bins"),
        ({"n_bins": True}, "n_bins"),
        ({"labels": [0, 1, 2]}, "3 entries but y_proba has 2 columns"),
        ({"labels": [0, 0]}, "repeat"),
        ({"labels": [1, 2]}, r"not in labels: \[0\]"),
        ({"y_true": [], "y_proba": np.zeros((0, 2))}, "no sample"),
        ({"y_true": ["rock", None]}, r"1 missing label\(s\) \(None or NaN; first at row 1\)"),
    ],
)
def test_validation_errors(kwargs, match):
    args = {"y_true": [0, 1], "y_proba": [[0.9, 0.1], [0.2, 0.8]], **kwargs}
    with pytest.raises(ValueError, match=match):
        expected_calibration_error(args.pop("y_true"), args.pop("y_proba"), **args)


def test_scorer_validates_n_bins():
    with pytest.raises(ValueError, match="n_bins"):
        make_ece_scorer(n_bins=-1)


def _artist_data(n_artists=12, per_artist=4, seed=0):
    rng = np.random.default_rng(seed)
    artists = np.repeat([f"artist{i}" for i in range(n_artists)], per_artist)
    y = np.repeat(np.array(["pop", "rock", "jazz"])[np.arange(n_artists) % 3], per_artist)
    X = rng.normal(size=(len(y), 3))
    X[:, 0] += (y == "pop") * 1.5
    X[:, 1] += (y == "rock") * 1.5
    return X, y, artists


def test_scorer_in_cross_validate_is_the_negative_ece_of_each_fold():
    X, y, artists = _artist_data()
    cv = StratifiedArtistKFold(n_splits=3, random_state=0)
    clf = LogisticRegression()
    scores = cross_validate(clf, X, y, groups=artists, cv=cv, return_estimator=True,
                            scoring={"accuracy": "accuracy", "ece": make_ece_scorer(n_bins=5)})
    for (_, test), fitted, score in zip(cv.split(X, y, artists), scores["estimator"],
                                        scores["test_ece"]):
        proba = fitted.predict_proba(X[test])
        assert score == pytest.approx(-expected_calibration_error(y[test], proba, n_bins=5))
        assert score < 0
    # a test fold without one of the classes: the scorer names the columns by classes_
    fitted = scores["estimator"][0]
    no_jazz = y != "jazz"
    assert make_ece_scorer()(fitted, X[no_jazz], y[no_jazz]) <= 0


@pytest.mark.filterwarnings("ignore:genre.s. with fewer artists")
def test_scorer_counts_a_class_missing_from_training_as_wrong():
    # folds by artist train without a genre of one artist (half of GTZAN mini's genres):
    # its test tracks are wrong answers at their confidence, not a NaN fold
    X, y, artists = _artist_data()
    trained = y != "jazz"
    fitted = LogisticRegression().fit(X[trained], y[trained])
    score = make_ece_scorer(n_bins=5)(fitted, X, y)
    proba = fitted.predict_proba(X)
    padded = np.hstack([proba, np.zeros((len(y), 1))])
    assert score == pytest.approx(-expected_calibration_error(
        y, padded, n_bins=5, labels=[*fitted.classes_, "jazz"]))
    # one genre of one artist: no fold is NaN
    y_one = y.copy()
    y_one[artists == "artist0"] = "folk"
    scores = cross_validate(LogisticRegression(), X, y_one, groups=artists,
                            cv=StratifiedArtistKFold(n_splits=3, random_state=0),
                            scoring=make_ece_scorer(n_bins=5), error_score="raise")
    assert np.all(np.isfinite(scores["test_score"]))


@pytest.mark.parametrize("method", METHODS)
def test_calibrated_embedding_head_by_artist_saves_and_loads(tmp_path, method):
    from skgenre import load_model, make_embedding_pipeline, save_model

    X, y, artists = _artist_data()
    pipe = make_embedding_pipeline(
        calibrate=method, calibration_cv=StratifiedArtistKFold(3, random_state=0),
        random_state=0,
    )
    head = pipe[-2:]  # scale, classifier: the steps after the embedding
    with sklearn.config_context(enable_metadata_routing=True):
        head.fit(X, y, groups=artists)
        calibrated = head.named_steps["classifier"]
        assert len(calibrated.calibrated_classifiers_) == 3
        # each calibrated classifier was fitted on the training side of an artist fold
        Xs = head.named_steps["scale"].transform(X)
        folds = StratifiedArtistKFold(3, random_state=0).split(X, y, artists)
        for (train, _), pair in zip(folds, calibrated.calibrated_classifiers_):
            ref = LogisticRegression(C=0.01, max_iter=5000, random_state=0).fit(Xs[train], y[train])
            np.testing.assert_allclose(pair.estimator.coef_, ref.coef_, rtol=1e-6, atol=1e-9)
        scores = cross_validate(head, X, y, cv=StratifiedArtistKFold(3, random_state=1),
                                params={"groups": artists}, scoring=make_ece_scorer())
    assert np.all(scores["test_score"] <= 0)
    save_model(head, tmp_path / "head.skgenre")
    loaded = load_model(tmp_path / "head.skgenre")
    np.testing.assert_allclose(loaded.predict_proba(X), head.predict_proba(X), rtol=0, atol=1e-12)
    assert loaded.named_steps["classifier"].method == method


def test_artist_folds_inside_calibration_need_routing():
    X, y, _ = _artist_data()
    clf = CalibratedClassifierCV(LogisticRegression(), cv=StratifiedArtistKFold(3))
    with pytest.raises(ValueError, match="enable_metadata_routing"):
        clf.fit(X, y)


def test_calibrate_option_is_validated():
    from skgenre import make_embedding_pipeline

    assert make_embedding_pipeline().named_steps["classifier"].C == 0.01  # unchanged
    with pytest.raises(ValueError, match="calibrate must be None or one of"):
        make_embedding_pipeline(calibrate="platt")
    if not _HAS_TEMPERATURE:
        with pytest.raises(ValueError, match="scikit-learn >= 1.8"):
            make_embedding_pipeline(calibrate="temperature")
