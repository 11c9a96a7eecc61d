"""TrackClassifier: multi-clip training, per-track aggregation, sklearn integration."""

import joblib
import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.svm import LinearSVC
from sklearn.utils._param_validation import InvalidParameterError

from skgenre.models import TrackClassifier
from skgenre.preprocessing import consecutive_clips

SR = 100  # 1-s clips are 100 samples: every test here is about logic, not audio


def _level_features(clips):
    """Two cheap per-clip features: log RMS level and zero-crossing rate."""
    clips = np.asarray(clips, dtype=np.float64)
    rms = np.log(np.sqrt((clips**2).mean(axis=1)) + 1e-9)
    zcr = (np.diff(np.signbit(clips), axis=1) != 0).mean(axis=1)
    return np.column_stack([rms, zcr])


def _clip_model(**lr):
    return make_pipeline(
        FunctionTransformer(_level_features), StandardScaler(), LogisticRegression(**lr)
    )


def _tracks(n_per_class=12, seconds=(3.0, 5.5), seed=0):
    """Ragged tracks of two classes that differ in level; lengths vary per track."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.array(["quiet", "loud"]), n_per_class)
    X = np.empty(len(y), dtype=object)
    for i, label in enumerate(y):
        n = int(rng.uniform(*seconds) * SR)
        X[i] = (rng.normal(size=n) * (3.0 if label == "loud" else 1.0)).astype(np.float32)
    return X, y


class _Spy(ClassifierMixin, BaseEstimator):
    """Records what it was fitted on; predicts the class of the mean level."""

    def fit(self, X, y):
        self.X_fit_ = np.array(X)
        self.y_fit_ = np.array(y)
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        p = 1 / (1 + np.exp(-(np.abs(np.asarray(X)).mean(axis=1) - 1.5) * 4))
        return np.column_stack([1 - p, p])  # classes_ sorted: "loud" < "quiet" flips, fine

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


def test_fit_predict_on_ragged_tracks():
    X, y = _tracks()
    clf = TrackClassifier(_clip_model(), clip_duration=1.0, sr=SR, random_state=0).fit(X, y)
    assert clf.predict(X).shape == (len(X),)
    assert clf.score(X, y) == 1.0
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert list(clf.classes_) == ["loud", "quiet"]
    assert not hasattr(clf, "n_features_in_")  # ragged input has no fixed length


@pytest.mark.parametrize("train_clips", ["random", "consecutive"])
def test_default_n_clips_is_number_of_consecutive_clips(train_clips):
    lengths = [300, 450, 599, 120, 60]  # 3, 4, 5, 1 clips; the last is padded to 1
    X = np.empty(len(lengths), dtype=object)
    X[:] = [np.ones(n, dtype=np.float32) for n in lengths]
    y = np.array([0, 1, 0, 1, 0])
    clf = TrackClassifier(
        _Spy(), clip_duration=1.0, sr=SR, train_clips=train_clips, random_state=0
    ).fit(X, y)
    spy = clf.estimator_
    assert spy.X_fit_.shape == (3 + 4 + 5 + 1 + 1, 100)
    assert spy.X_fit_.dtype == np.float32
    # labels are repeated per clip, in track order
    np.testing.assert_array_equal(spy.y_fit_, np.repeat(y, [3, 4, 5, 1, 1]))
    assert clf.n_clips_fit_ == 14


def test_n_clips_random_draws_that_many_clips_from_inside_the_track():
    # every sample of a track holds the track's id, so each clip must be constant
    lengths = [250, 1000, 40]
    X = [np.full(n, i + 1, dtype=np.float32) for i, n in enumerate(lengths)]
    clf = TrackClassifier(_Spy(), clip_duration=1.0, sr=SR, n_clips=4, random_state=0)
    clf.fit(X, [0, 1, 0])
    Xf = clf.estimator_.X_fit_
    assert Xf.shape == (12, 100)
    ids = Xf.max(axis=1)
    np.testing.assert_array_equal(ids, np.repeat([1, 2, 3], 4))
    assert (Xf[:8] == ids[:8, None]).all()  # long tracks: clips lie fully inside the track
    # short track: one padded clip (its 40 samples repeated to 100), repeated 4 times
    np.testing.assert_array_equal(Xf[8:], 3)


def test_random_offsets_follow_random_state():
    X = [np.arange(2000, dtype=np.float32)] * 3
    y = [0, 1, 0]
    fits = [
        TrackClassifier(_Spy(), clip_duration=1.0, sr=SR, n_clips=5, random_state=seed)
        .fit(X, y)
        .estimator_.X_fit_[:, 0]
        for seed in (0, 0, 1)
    ]
    np.testing.assert_array_equal(fits[0], fits[1])
    assert not np.array_equal(fits[0], fits[2])
    # offsets cover the whole track, not just its start
    assert fits[0].max() > 1000


def test_consecutive_with_n_clips_spreads_clips_over_the_track():
    X = [np.repeat(np.arange(10, dtype=np.float32), 100)]  # 10 one-second clips 0..9
    clf = TrackClassifier(
        _Spy(), clip_duration=1.0, sr=SR, n_clips=4, train_clips="consecutive"
    ).fit(X + X, [0, 1])
    np.testing.assert_array_equal(clf.estimator_.X_fit_[:4, 0], [0, 3, 6, 9])
    # more clips asked than the track has: each clip once
    clf.set_params(n_clips=50).fit(X + X, [0, 1])
    assert clf.n_clips_fit_ == 20


def test_hop_overlaps_clips():
    X = [np.arange(300, dtype=np.float32)] * 2
    clf = TrackClassifier(
        _Spy(), clip_duration=1.0, sr=SR, hop=0.5, train_clips="consecutive"
    ).fit(X, [0, 1])
    np.testing.assert_array_equal(clf.estimator_.X_fit_[:5, 0], [0, 50, 100, 150, 200])


@pytest.mark.parametrize("hop", [None, 0.5])
def test_predict_proba_is_mean_over_consecutive_clips(hop):
    X, y = _tracks()
    clf = TrackClassifier(_clip_model(), clip_duration=1.0, sr=SR, hop=hop, random_state=0)
    clf.fit(X, y)
    n_hop = None if hop is None else int(hop * SR)
    expected = np.array(
        [clf.estimator_.predict_proba(consecutive_clips(w, SR, hop=n_hop)).mean(axis=0) for w in X]
    )
    np.testing.assert_allclose(clf.predict_proba(X), expected, rtol=1e-6)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[expected.argmax(axis=1)])


def test_geometric_and_vote_aggregates():
    X, y = _tracks(seed=1)
    base = TrackClassifier(_clip_model(), clip_duration=1.0, sr=SR, random_state=0).fit(X, y)
    per_track = [consecutive_clips(w, SR) for w in X]

    geo = clone(base).set_params(aggregate="geometric").fit(X, y)
    expected = []
    for c in per_track:
        g = np.exp(np.log(np.maximum(geo.estimator_.predict_proba(c), 1e-7)).mean(axis=0))
        expected.append(g / g.sum())
    np.testing.assert_allclose(geo.predict_proba(X), expected, rtol=1e-6)

    vote = clone(base).set_params(aggregate="vote").fit(X, y)
    expected = [
        [(vote.estimator_.predict(c) == k).mean() for k in vote.classes_] for c in per_track
    ]
    np.testing.assert_allclose(vote.predict_proba(X), expected)


def test_vote_works_without_predict_proba_and_mean_refuses():
    X, y = _tracks()
    svc = make_pipeline(FunctionTransformer(_level_features), LinearSVC())
    clf = TrackClassifier(svc, clip_duration=1.0, sr=SR, aggregate="vote", random_state=0)
    assert clf.fit(X, y).score(X, y) == 1.0
    assert clf.predict_proba(X).shape == (len(X), 2)
    with pytest.raises(ValueError, match="has no predict_proba.*aggregate='vote'"):
        clf.set_params(aggregate="mean").fit(X, y)


def test_batched_prediction_equals_unbatched(monkeypatch):
    X, y = _tracks()
    clf = TrackClassifier(_clip_model(), clip_duration=1.0, sr=SR, random_state=0).fit(X, y)
    full = clf.predict_proba(X)
    from skgenre.preprocessing import _consecutive

    monkeypatch.setattr(_consecutive, "_MAX_BATCH_CLIPS", 3)  # smaller than most tracks
    np.testing.assert_allclose(clf.predict_proba(X), full, rtol=1e-6)


def test_2d_input_sets_n_features_in_and_other_lengths_go_as_lists():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 10)
    X = rng.normal(size=(20, 250)) * np.where(y == 1, 3.0, 1.0)[:, None]
    clf = TrackClassifier(_clip_model(), clip_duration=1.0, sr=SR, random_state=0).fit(X, y)
    assert clf.n_features_in_ == 250
    with pytest.raises(ValueError, match="X has 400 features"):
        clf.predict(rng.normal(size=(2, 400)))
    assert clf.predict(list(rng.normal(size=(2, 400))) + [np.ones(30)]).shape == (3,)
    # a list of 1-D arrays is tracks of any length, even one track, or tracks that
    # happen to share a length (they used to be checked against fit's width)
    assert clf.predict([rng.normal(size=400)]).shape == (1,)
    assert clf.predict(list(rng.normal(size=(2, 400)))).shape == (2,)
    # refitting on ragged input drops the 2-D constraint
    Xr, yr = _tracks()
    assert not hasattr(clf.fit(Xr, yr), "n_features_in_")


def test_tracks_shorter_than_a_clip_are_padded_by_pad_mode():
    X = [np.ones(30, dtype=np.float32), np.full(500, 2.0, dtype=np.float32)]
    for mode, tail in (("constant", 0.0), ("wrap", 1.0)):
        clf = TrackClassifier(_Spy(), clip_duration=1.0, sr=SR, pad_mode=mode).fit(X, [0, 1])
        short = clf.estimator_.X_fit_[0]
        assert short.shape == (100,) and short[0] == 1.0 and short[-1] == tail
        assert clf.predict_proba([np.ones(5)]).shape == (1, 2)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"train_clips": "all"}, "train_clips"),
        ({"n_clips": 0}, "n_clips"),
        ({"clip_duration": -1.0}, "clip_duration"),
        ({"hop": 0}, "hop"),
        ({"aggregate": "max"}, "aggregate"),
        ({"estimator": "logreg"}, "estimator"),
    ],
)
def test_invalid_parameters(params, match):
    X, y = _tracks(n_per_class=3)
    kwargs = {"estimator": _Spy(), **params}
    with pytest.raises(InvalidParameterError, match=match):
        TrackClassifier(**kwargs).fit(X, y)


def test_bad_input_errors():
    clf = TrackClassifier(_Spy(), clip_duration=1.0, sr=SR)
    with pytest.raises(NotFittedError):
        clf.predict([np.ones(100)])
    with pytest.raises(ValueError, match="requires y"):
        clf.fit([np.ones(100), np.ones(50)], None)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        clf.fit([np.ones(100), np.ones(50)], [0, 1, 0])
    with pytest.raises(ValueError, match=r"X\[1\] contains NaN"):
        clf.fit([np.ones(100), np.array([1.0, np.nan, 2.0])], [0, 1])


def test_grid_search_cross_val_and_persistence(tmp_path):
    X, y = _tracks(n_per_class=10)
    clf = TrackClassifier(_clip_model(), clip_duration=1.0, sr=SR, random_state=0)
    grid = GridSearchCV(
        clf,
        {"estimator__logisticregression__C": [0.01, 1.0], "n_clips": [1, 3]},
        cv=StratifiedKFold(3),
    ).fit(X, y)
    assert set(grid.best_params_) == {"estimator__logisticregression__C", "n_clips"}
    assert grid.best_estimator_.estimator_[-1].C == grid.best_params_[
        "estimator__logisticregression__C"
    ]
    scores = cross_val_score(clf, X, y, cv=StratifiedKFold(3))
    assert scores.shape == (3,) and scores.min() > 0.8

    fitted = clf.fit(X, y)
    path = tmp_path / "track.joblib"
    joblib.dump(fitted, path)
    loaded = joblib.load(path)
    np.testing.assert_array_equal(loaded.predict_proba(X), fitted.predict_proba(X))
    fresh = clone(fitted)
    assert not hasattr(fresh, "estimator_")
    assert fresh.get_params()["estimator__logisticregression__C"] == 1.0


def test_feature_pipeline_on_toy_audio():
    """Integration: FeatureExtractor26 clips model, trained on 4 clips per toy track."""
    from skgenre.datasets import make_toy_genres
    from skgenre.features import FeatureExtractor26

    sr = 16000  # the lowest rate at which all 26 features (spectral contrast) are defined
    train = make_toy_genres(n_per_class=8, n_classes=3, duration=4.0, sr=sr, random_state=0)
    test = make_toy_genres(n_per_class=8, n_classes=3, duration=4.0, sr=sr, random_state=1)
    model = make_pipeline(
        FeatureExtractor26(sr=sr), StandardScaler(), LogisticRegression(max_iter=1000)
    )
    clf = TrackClassifier(model, clip_duration=1.0, sr=sr, n_clips=4, random_state=0)
    clf.fit(train.data, train.target)
    assert clf.n_clips_fit_ == 24 * 4
    assert clf.estimator_[0].n_features_in_ == sr  # the features saw 1-s clips
    assert clf.score(test.data, test.target) >= 0.9


def test_keras_clip_classifier_inside_track_classifier(tmp_path):
    """One small Keras model: fit, per-track proba, clone and joblib round trip."""
    from skgenre.models import GenreClassifier

    X, y = _tracks(n_per_class=8)
    keras_model = make_pipeline(
        FunctionTransformer(_level_features),
        StandardScaler(),
        GenreClassifier(
            epochs=30, batch_size=16, learning_rate=0.03, model__hidden_layer_sizes=(8,),
            random_state=0,
        ),
    )
    clf = TrackClassifier(keras_model, clip_duration=1.0, sr=SR, n_clips=2, random_state=0)
    clf.fit(X, y)
    assert list(clf.classes_) == ["loud", "quiet"]
    assert clf.score(X, y) >= 0.9
    proba = clf.predict_proba(X)
    path = tmp_path / "keras_track.joblib"
    joblib.dump(clf, path)
    np.testing.assert_allclose(joblib.load(path).predict_proba(X), proba, rtol=1e-5)
    assert not hasattr(clone(clf), "estimator_")


class _WeightSpy(_Spy):
    """Records the weights and any other metadata that reach its fit."""

    def fit(self, X, y, sample_weight=None, origin=None):
        self.sample_weight_ = None if sample_weight is None else np.asarray(sample_weight)
        self.origin_ = origin
        return super().fit(X, y)


def _numbered_tracks(lengths):
    """Track i holds the value i everywhere, so every clip tells its track."""
    X = np.empty(len(lengths), dtype=object)
    for i, n in enumerate(lengths):
        X[i] = np.full(n, float(i), dtype=np.float32)
    return X, np.array(["a", "b"] * (len(lengths) // 2))


@pytest.mark.parametrize("train_clips", ["random", "consecutive"])
def test_a_tracks_weight_reaches_each_of_its_clips(train_clips):
    X, y = _numbered_tracks([250, 120, 400, 100, 330, 180])
    w = np.array([0.5, 1.0, 2.0, 3.0, 0.25, 4.0])
    clf = TrackClassifier(_WeightSpy(), clip_duration=1.0, sr=SR, train_clips=train_clips,
                          random_state=0).fit(X, y, sample_weight=w)
    track = clf.estimator_.X_fit_[:, 0].astype(int)
    assert len(set(track)) == 6
    np.testing.assert_array_equal(clf.estimator_.sample_weight_, w[track])
    # to a Pipeline's last step
    pipe = make_pipeline(FunctionTransformer(), _WeightSpy())
    clf = TrackClassifier(pipe, clip_duration=1.0, sr=SR).fit(X, y, sample_weight=w)
    track = clf.estimator_[-1].X_fit_[:, 0].astype(int)
    np.testing.assert_array_equal(clf.estimator_[-1].sample_weight_, w[track])


def test_integer_weights_are_repeated_tracks_with_consecutive_clips():
    from sklearn.tree import DecisionTreeClassifier

    X, y = _tracks(n_per_class=8)
    y = np.random.default_rng(2).permutation(y)  # labels the tree cannot fit without error
    w = np.random.default_rng(1).integers(0, 4, len(y))
    model = make_pipeline(FunctionTransformer(_level_features),
                          DecisionTreeClassifier(random_state=0))
    clf = TrackClassifier(model, clip_duration=1.0, sr=SR, train_clips="consecutive")
    weighted = clone(clf).fit(X, y, sample_weight=w)
    repeated = clone(clf).fit(X[np.repeat(np.arange(len(y)), w)], np.repeat(y, w))
    X_test, _ = _tracks(n_per_class=5, seed=3)
    np.testing.assert_allclose(weighted.predict_proba(X_test), repeated.predict_proba(X_test))
    assert not np.allclose(weighted.predict_proba(X_test),
                           clone(clf).fit(X, y).predict_proba(X_test))


def test_weights_that_cannot_be_used_are_refused():
    X, y = _numbered_tracks([200, 200, 200, 200])
    clf = TrackClassifier(_WeightSpy(), clip_duration=1.0, sr=SR)
    with pytest.raises(ValueError, match=r"sample_weight.shape == \(3,\), expected \(4,\)"):
        clf.fit(X, y, sample_weight=[1, 2, 3])
    with pytest.raises(TypeError, match="_Spy.fit takes no sample_weight"):
        TrackClassifier(_Spy(), clip_duration=1.0, sr=SR).fit(X, y, sample_weight=np.ones(4))
    with pytest.raises(ValueError, match="enable_metadata_routing"):
        clf.fit(X, y, origin=np.arange(4))


def test_integer_weights_repeat_tracks_through_a_scaler_only_when_it_takes_them():
    # docs/guide/track_classifier.md: without routing only the last step is weighted, so
    # a scaler before it sees each track once; with routing and every step requesting
    # the weights, a weight of 2 is the track given twice
    import sklearn

    X, y = _tracks(n_per_class=8)
    w = np.random.default_rng(1).integers(0, 4, len(y))
    X_test, _ = _tracks(n_per_class=5, seed=3)

    def both(model):
        clf = TrackClassifier(model, clip_duration=1.0, sr=SR, train_clips="consecutive")
        weighted = clone(clf).fit(X, y, sample_weight=w).predict_proba(X_test)
        repeated = clone(clf).fit(X[np.repeat(np.arange(len(y)), w)],
                                  np.repeat(y, w)).predict_proba(X_test)
        return weighted, repeated

    def model():
        return make_pipeline(FunctionTransformer(_level_features), StandardScaler(),
                             LogisticRegression(C=100.0, tol=1e-12, max_iter=10000))

    weighted, repeated = both(model())
    assert not np.allclose(weighted, repeated, atol=1e-6)
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = model()
        pipe[1].set_fit_request(sample_weight=True)
        pipe[2].set_fit_request(sample_weight=True)
        weighted, repeated = both(pipe)
    np.testing.assert_allclose(weighted, repeated, atol=1e-6)


def test_metadata_routing_repeats_per_track_metadata_for_each_clip():
    import sklearn
    from sklearn.model_selection import cross_validate

    X, y = _numbered_tracks([250, 120, 400, 100, 330, 180])
    w = np.arange(1.0, 7.0)
    with sklearn.config_context(enable_metadata_routing=True):
        spy = _WeightSpy().set_fit_request(sample_weight=True, origin=True)
        clf = TrackClassifier(spy, clip_duration=1.0, sr=SR, random_state=0)
        clf.fit(X, y, sample_weight=w, origin=np.arange(6) * 10)
        track = clf.estimator_.X_fit_[:, 0].astype(int)
        np.testing.assert_array_equal(clf.estimator_.sample_weight_, w[track])
        np.testing.assert_array_equal(clf.estimator_.origin_, track * 10)
        # not one value per track: as given, as scikit-learn's cross-validation does
        assert clf.fit(X, y, origin="studio").estimator_.origin_ == "studio"
        assert clf.fit(X, y, origin=[1, 2]).estimator_.origin_ == [1, 2]
        # its own score request counts (scikit-learn asks for it once weights are passed)
        with pytest.raises(Exception, match="TrackClassifier"):
            cross_validate(clf, X, y, cv=3, params={"sample_weight": w})
        clf.set_score_request(sample_weight=True)
        scores = cross_validate(clf, X, y, cv=3, params={"sample_weight": w},
                                return_indices=True)
        weighted = []
        for score, test in zip(scores["test_score"], scores["indices"]["test"]):
            train = np.setdiff1d(np.arange(len(y)), test)
            right = clone(clf).fit(X[train], y[train]).predict(X[test]) == y[test]
            assert score == pytest.approx(np.average(right, weights=w[test]))
            weighted.append(np.average(right, weights=w[test]) != right.mean())
        assert any(weighted)  # the weights changed a score
        # not requested: scikit-learn's own error, naming the estimator
        unset = TrackClassifier(_WeightSpy(), clip_duration=1.0, sr=SR)
        with pytest.raises(Exception, match="_WeightSpy.fit"):
            unset.fit(X, y, sample_weight=w)
