"""OpenSetClassifier: unknown for inputs unlike the training data, threshold fitted by CV."""

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.covariance import OAS, LedoitWolf
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import (
    GridSearchCV,
    GroupKFold,
    KFold,
    StratifiedGroupKFold,
    StratifiedKFold,
)
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from skgenre import OpenSetClassifier, load_model, save_model


def _blobs(n_per_class=100, seed=0, d=3):
    """Three seeded Gaussian blobs, labels 'a', 'b', 'c'."""
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0] * d, [5.0] + [0.0] * (d - 1), [0.0, 5.0] + [0.0] * (d - 2)])
    X = np.concatenate([c + rng.normal(size=(n_per_class, d)) for c in centres])
    y = np.repeat(np.array(["a", "b", "c"]), n_per_class)
    return X, y


def _manual_score(Z_train, y_train, Z, covariance=LedoitWolf, class_means=True):
    """Mahalanobis distance to the nearest class mean (or to the mean), tied covariance."""
    scaler = StandardScaler().fit(Z_train)
    S, T = scaler.transform(Z_train), scaler.transform(Z)
    labels = y_train if class_means else np.zeros(len(y_train))
    means = {c: S[labels == c].mean(axis=0) for c in np.unique(labels)}
    residuals = S - np.array([means[c] for c in labels])
    cov = covariance(assume_centered=True).fit(residuals)
    return np.sqrt(np.min([cov.mahalanobis(T - m) for m in means.values()], axis=0))


def test_far_points_are_unknown_and_near_points_keep_their_class():
    X, y = _blobs()
    clf = OpenSetClassifier(LogisticRegression()).fit(X, y)
    far = np.array([[40.0, 40.0, 0.0], [-30.0, 0.0, 20.0], [0.0, 0.0, 25.0]])
    near = np.array([[0.0, 0.0, 0.0], [5.0, 0.0, 0.0], [0.0, 5.0, 0.0]])
    assert clf.predict(far).tolist() == ["unknown"] * 3
    assert clf.predict(near).tolist() == ["a", "b", "c"]
    assert np.all(clf.unknown_score(far) > clf.threshold_)
    assert np.all(clf.unknown_score(far) > clf.unknown_score(near).max())


def test_threshold_keeps_known_rate_of_training_points_out_of_fold():
    X, y = _blobs()
    for rate in (0.8, 0.95):
        clf = OpenSetClassifier(LogisticRegression(), known_rate=rate).fit(X, y)
        kept = np.mean(clf.oof_scores_ <= clf.threshold_)
        # the smallest threshold that keeps at least the rate
        assert rate <= kept < rate + 1 / len(y)
        # the out-of-fold scores are those of a covariance fitted on the other folds
        for train, test in StratifiedKFold(5).split(X, y):
            np.testing.assert_allclose(clf.oof_scores_[test],
                                       _manual_score(X[train], y[train], X[test]))
    # new points of the training distribution: about the same share is kept
    X_new, _ = _blobs(n_per_class=1000, seed=1)
    clf = OpenSetClassifier(LogisticRegression(), known_rate=0.9).fit(X, y)
    assert 0.85 <= np.mean(clf.predict(X_new) != "unknown") <= 0.95


def test_predict_is_the_wrapped_classifiers_below_the_threshold():
    X, y = _blobs()
    clf = OpenSetClassifier(LogisticRegression(), known_rate=0.8).fit(X, y)
    inner = clf.estimator_.predict(X)
    pred = clf.predict(X)
    unknown = clf.unknown_score(X) > clf.threshold_
    assert 0 < unknown.sum() < len(y)
    np.testing.assert_array_equal(pred[~unknown], inner[~unknown])
    assert set(pred[unknown]) == {"unknown"}
    np.testing.assert_array_equal(clf.predict_proba(X), clf.estimator_.predict_proba(X))
    np.testing.assert_array_equal(clf.classes_, ["a", "b", "c"])
    # the refit covariance is that of all the training data
    np.testing.assert_allclose(clf.unknown_score(X), _manual_score(X, y, X))


def test_class_means_flag_what_lies_between_the_classes():
    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(0, 1, (100, 2)), rng.normal(0, 1, (100, 2)) + [12.0, 0.0]]
    y = np.repeat(["a", "b"], 100)
    middle = np.array([[6.0, 0.0]])  # the mean of all the data, far from each class
    by_class = OpenSetClassifier(LogisticRegression()).fit(X, y)
    overall = OpenSetClassifier(LogisticRegression(), class_means=False).fit(X, y)
    assert by_class.predict(middle).tolist() == ["unknown"]
    assert overall.predict(middle).tolist() != ["unknown"]
    assert by_class.centres_.shape == (2, 2) and overall.centres_.shape == (1, 2)
    np.testing.assert_allclose(overall.unknown_score(X[:5]),
                               _manual_score(X, y, X[:5], class_means=False))


def test_oas_covariance():
    X, y = _blobs()
    clf = OpenSetClassifier(LogisticRegression(), covariance="oas").fit(X, y)
    assert isinstance(clf.covariance_, OAS)
    np.testing.assert_allclose(clf.unknown_score(X[:5]), _manual_score(X, y, X[:5], OAS))


def test_pipeline_is_scored_in_the_input_of_its_final_step():
    """The representation is pipe[:-1].transform(X): here only the first feature."""
    X, y = _blobs(d=2)
    first = ColumnTransformer([("x0", StandardScaler(), [0])])
    pipe = Pipeline([("first", first), ("clf", LogisticRegression())])
    open_pipe = OpenSetClassifier(pipe).fit(X, y)
    open_plain = OpenSetClassifier(LogisticRegression()).fit(X, y)
    odd = np.array([[0.0, 60.0]])  # far away in the feature the pipeline drops
    assert open_plain.predict(odd).tolist() == ["unknown"]
    assert open_pipe.predict(odd).tolist() != ["unknown"]
    Z = open_pipe.estimator_[:-1].transform(X)
    np.testing.assert_allclose(open_pipe.unknown_score(X), _manual_score(Z, y, Z))
    # out of fold, the representation itself is refitted on the training folds only
    for train, test in StratifiedKFold(5).split(X, y):
        rep = clone(first).fit(X[train], y[train])
        np.testing.assert_allclose(
            open_pipe.oof_scores_[test],
            _manual_score(rep.transform(X[train]), y[train], rep.transform(X[test])),
        )


def test_a_tag_prior_is_scored_in_its_feature_columns_not_its_tags():
    """OpenSetClassifier(TagPriorClassifier) measures a track by the features its head
    reads: the same scores, threshold and out-of-fold scores as the head on those columns
    alone; a track odd only in its tags is not unknown."""
    from skgenre import TagPriorClassifier

    feats, y = _blobs(d=3)
    rng = np.random.default_rng(1)
    tags = rng.uniform(0.1, 0.9, size=(len(y), 2))
    X = np.hstack([tags, feats])
    mapping, names = {"a": "t0", "b": "t1"}, ["t0", "t1"]
    prior = OpenSetClassifier(TagPriorClassifier(LogisticRegression(), mapping=mapping,
                                                 tags=names), cv=4).fit(X, y)
    head = OpenSetClassifier(LogisticRegression(), cv=4).fit(feats, y)
    np.testing.assert_allclose(prior.oof_scores_, head.oof_scores_)
    assert prior.threshold_ == head.threshold_
    odd = np.vstack([np.r_[0.0, 1.0, feats[0]], np.r_[0.5, 0.5, 0.0, 40.0, 0.0]])
    np.testing.assert_allclose(prior.unknown_score(odd), head.unknown_score(odd[:, 2:]))
    assert prior.predict(odd)[1] == "unknown"
    assert prior.unknown_score(odd[:1]) == pytest.approx(prior.unknown_score(X[:1])[0])
    # a model fitted by an earlier skgenre measured all of X, tags too: it still predicts so
    old = clone(prior).fit(X, y)
    old.scaler_, old.centres_, old.covariance_ = old._fit_distance(X, y)
    np.testing.assert_allclose(old.unknown_score(X), _manual_score(X, y, X))
    # the same as the final step of a Pipeline (make_combined_pipeline's shape): the
    # columns are those of the steps' output; they were all measured, tags too
    from sklearn.preprocessing import FunctionTransformer

    piped = OpenSetClassifier(make_pipeline(FunctionTransformer(), clone(prior.estimator)),
                              cv=4).fit(X, y)
    np.testing.assert_allclose(piped.oof_scores_, head.oof_scores_)
    assert piped.threshold_ == head.threshold_
    np.testing.assert_allclose(piped.unknown_score(odd), head.unknown_score(odd[:, 2:]))
    old = clone(piped).fit(X, y)
    old.scaler_, old.centres_, old.covariance_ = old._fit_distance(X, y)
    np.testing.assert_allclose(old.unknown_score(X), _manual_score(X, y, X))


def _parse(rows):
    return np.array([[float(v) for v in row.split(",")] for row in rows])


def test_pipeline_input_need_not_be_numeric():
    """A pipeline of files or text validates its own input; the wrapper does not."""
    from sklearn.preprocessing import FunctionTransformer

    X, y = _blobs()
    text = [",".join(map(str, row)) for row in X]
    pipe = make_pipeline(FunctionTransformer(_parse), StandardScaler(), LogisticRegression())
    clf = OpenSetClassifier(pipe).fit(text, y)
    assert clf.predict(["0,0,0", "60,60,60"]).tolist() == ["a", "unknown"]
    assert not hasattr(clf, "n_features_in_")


def test_groups_reach_the_splitter():
    X, y = _blobs()
    groups = np.arange(len(y)) % 7
    clf = OpenSetClassifier(LogisticRegression(), cv=GroupKFold(3)).fit(X, y, groups=groups)
    for train, test in GroupKFold(3).split(X, y, groups):
        assert not set(groups[train]) & set(groups[test])
        np.testing.assert_allclose(clf.oof_scores_[test],
                                   _manual_score(X[train], y[train], X[test]))
    with pytest.raises(ValueError, match=r"cv=GroupKFold.*groups"):
        OpenSetClassifier(LogisticRegression(), cv=GroupKFold(3)).fit(X, y)


def test_numeric_classes_with_a_numeric_unknown_label():
    X, _ = _blobs()
    y = np.repeat([0, 1, 2], 100)
    clf = OpenSetClassifier(LogisticRegression(), unknown_label=-1).fit(X, y)
    pred = clf.predict(np.array([[0.0, 0.0, 0.0], [50.0, 50.0, 50.0]]))
    assert pred.dtype.kind == "i"
    assert pred.tolist() == [0, -1]


@pytest.mark.parametrize("classes, label", [
    ([0.0, 1.0, 2.0], -1), ([0.0, 1.0, 2.0], -1.0), ([0, 1, 2], -1), (["a", "b", "c"], "?"),
])
def test_predict_has_one_dtype_whatever_the_batch_holds(classes, label):
    # Float classes beside an int label made an object array that scikit-learn's metrics
    # refuse, and only in the batches that held an unknown input.
    X, _ = _blobs()
    y = np.repeat(np.array(classes), 100)
    clf = OpenSetClassifier(LogisticRegression(), unknown_label=label).fit(X, y)
    known = clf.predict(X[:2])
    mixed = clf.predict(np.r_[X[:1], [[50.0, 50.0, 50.0]]])
    assert known.dtype == mixed.dtype != object
    assert mixed[1] == label
    assert clf.score(np.r_[X[:1], [[50.0, 50.0, 50.0]]], y[:2]) == 0.5


@pytest.mark.parametrize("classes, label", [([0, 1, 2], "unknown"), (["a", "b", "c"], -1)])
def test_an_unknown_label_of_another_type_than_the_classes_warns_at_fit(classes, label):
    # predict mixes numbers and strings in an object array; scikit-learn's metrics refused
    # it ("a mix of multiclass and unknown targets"), and so every fold of a cross-validation
    # that met one unknown input scored NaN, with nothing said at fit
    import warnings

    X, _ = _blobs()
    y = np.repeat(np.array(classes), 100)
    with pytest.warns(UserWarning, match=r"unknown_label=.*numeric unknown_label") as seen:
        clf = OpenSetClassifier(LogisticRegression(), unknown_label=label).fit(X, y)
    assert seen[0].filename == __file__
    assert clf.predict([[50.0, 50.0, 50.0]]).dtype == object
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        OpenSetClassifier(LogisticRegression(), unknown_label="?").fit(X, y.astype(str))


def test_dataframe_column_names_raise_no_warning():
    import warnings

    import pandas as pd
    X, y = _blobs()
    frame = pd.DataFrame(X, columns=["f0", "f1", "f2"])
    clf = OpenSetClassifier(LogisticRegression()).fit(frame, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf.predict(frame)
        clf.score(frame, y)


def test_unknown_label_longer_than_the_class_names():
    X, y = _blobs()
    clf = OpenSetClassifier(LogisticRegression(), unknown_label="not-a-known-genre")
    pred = clf.fit(X, y).predict(np.array([[50.0, 50.0, 50.0]]))
    assert pred.tolist() == ["not-a-known-genre"]


@pytest.mark.parametrize(
    ("n", "cv", "match"),
    [
        (3, 5, r"could not split the 6 training samples.*cv=5.*smaller cv"),
        (2, 2, r"trains on 2|could not split"),
    ],
)
def test_too_small_a_training_set_for_the_cv(n, cv, match):
    X, y = _blobs(n_per_class=n)
    X, y = X[: 2 * n], y[: 2 * n]
    if n == 2:
        # 4 samples, 2 folds of 2: a fold trains on 2 samples, which is enough around the
        # overall mean; around the class means, one sample per class spreads by nothing
        clf = OpenSetClassifier(LogisticRegression(), cv=cv, class_means=False).fit(X, y)
        assert np.isfinite(clf.threshold_) and clf.threshold_ > 0
        with pytest.raises(ValueError, match=r"trains on one sample of each class"):
            OpenSetClassifier(LogisticRegression(), cv=cv).fit(X, y)
        with pytest.raises(ValueError, match=r"trains on 1 sample.*at least 2.*smaller cv"):
            OpenSetClassifier(LogisticRegression(), cv=[([0], [1, 2, 3]), ([1, 2, 3], [0])]
                              ).fit(X, y)
        return
    with pytest.raises(ValueError, match=match):
        OpenSetClassifier(LogisticRegression(), cv=cv).fit(X, y)


@pytest.mark.parametrize("cv", [GroupKFold(3), StratifiedGroupKFold(3)])
def test_a_group_splitter_without_groups_asks_for_groups(cv):
    # StratifiedGroupKFold counts one group and said to fit on more samples; inside
    # cross_validate the groups reach the outer splitter only, unless routed
    X, y = _blobs(n_per_class=20)
    asks = r"fit got no groups.*set_fit_request\(groups=True\)"
    with pytest.raises(ValueError, match=asks) as info:
        OpenSetClassifier(LogisticRegression(), cv=cv).fit(X, y)
    assert "more samples" not in str(info.value)
    groups = np.arange(len(y)) % 6
    assert np.isfinite(OpenSetClassifier(LogisticRegression(), cv=cv)
                       .fit(X, y, groups=groups).threshold_)


def test_a_fold_of_one_sample_per_class_is_refused_not_scored_zero():
    """Every class once in a fold's training part: the residuals from the class means are
    all 0, so was the covariance, every out-of-fold score and the threshold, and every
    input, the training samples too, was "unknown"."""
    X, y = _blobs(n_per_class=3)
    once = [0, 3, 6]  # one sample of each class
    rest = [i for i in range(9) if i not in once]
    with pytest.raises(ValueError, match=r"trains on one sample of each class.*zero"):
        OpenSetClassifier(LogisticRegression(), cv=[(rest, once), (once, rest)]).fit(X, y)
    clf = OpenSetClassifier(LogisticRegression(), cv=3).fit(X, y)
    assert clf.threshold_ > 0 and "unknown" not in clf.predict(X).tolist()


def test_bad_input():
    X, y = _blobs()
    with pytest.raises(ValueError, match="unknown_label='a' is one of the classes"):
        OpenSetClassifier(LogisticRegression(), unknown_label="a").fit(X, y)
    with pytest.raises(InvalidParameterError, match="known_rate"):
        OpenSetClassifier(LogisticRegression(), known_rate=0.0).fit(X, y)
    with pytest.raises(InvalidParameterError, match="covariance"):
        OpenSetClassifier(LogisticRegression(), covariance="empirical").fit(X, y)
    with pytest.raises(ValueError, match="at least 2 classes"):
        OpenSetClassifier(LogisticRegression()).fit(X[:100], y[:100])
    # samples 50-99 are never held out
    holes = [(np.arange(50, 300), np.arange(50)), (np.arange(100), np.arange(100, 300))]
    with pytest.raises(ValueError, match=r"cv=the given splits left 50 of the 300 training"):
        OpenSetClassifier(LogisticRegression(), cv=holes).fit(X, y)


def test_grid_search():
    X, y = _blobs()
    search = GridSearchCV(
        OpenSetClassifier(make_pipeline(StandardScaler(), LogisticRegression())),
        {"estimator__logisticregression__C": [0.01, 1.0], "known_rate": [0.9, 0.99]},
        cv=3,
    ).fit(X, y)
    assert search.best_score_ > 0.8
    assert search.best_estimator_.predict([[60.0, 0.0, 0.0]]).tolist() == ["unknown"]
    # a lower known_rate calls more known points unknown, which accuracy counts as errors
    assert search.best_params_["known_rate"] == 0.99


def test_joblib_round_trip(tmp_path):
    X, y = _blobs()
    clf = OpenSetClassifier(make_pipeline(StandardScaler(), LogisticRegression())).fit(X, y)
    joblib.dump(clf, tmp_path / "m.joblib")
    back = joblib.load(tmp_path / "m.joblib")
    X_test = np.r_[X[:20], [[50.0, 0.0, 0.0]]]
    np.testing.assert_array_equal(back.predict(X_test), clf.predict(X_test))
    np.testing.assert_array_equal(back.unknown_score(X_test), clf.unknown_score(X_test))


def test_safe_format_round_trip(tmp_path):
    X, y = _blobs()
    clf = OpenSetClassifier(make_pipeline(StandardScaler(), LogisticRegression()),
                            covariance="oas").fit(X, y)
    save_model(clf, tmp_path / "m.skgenre")
    back = load_model(tmp_path / "m.skgenre")
    assert type(back) is OpenSetClassifier
    X_test = np.r_[X[:20], [[50.0, 0.0, 0.0]]]
    np.testing.assert_array_equal(back.predict(X_test), clf.predict(X_test))
    np.testing.assert_array_equal(back.unknown_score(X_test), clf.unknown_score(X_test))
    assert back.threshold_ == clf.threshold_


def test_sample_weight_reaches_the_classifier_not_the_threshold():
    X, y = _blobs()
    w = np.random.default_rng(0).uniform(0.1, 3.0, len(y))
    clf = OpenSetClassifier(make_pipeline(StandardScaler(), LogisticRegression()))
    weighted = clone(clf).fit(X, y, sample_weight=w)
    direct = make_pipeline(StandardScaler(), LogisticRegression()).fit(
        X, y, logisticregression__sample_weight=w
    )
    np.testing.assert_allclose(weighted.estimator_[-1].coef_, direct[-1].coef_)
    plain = clone(clf).fit(X, y)
    assert not np.allclose(weighted.estimator_[-1].coef_, plain.estimator_[-1].coef_)
    # the distance and its threshold count every sample once
    np.testing.assert_array_equal(weighted.oof_scores_, plain.oof_scores_)
    assert weighted.threshold_ == plain.threshold_
    with pytest.raises(TypeError, match="KNeighborsClassifier.fit takes no sample_weight"):
        from sklearn.neighbors import KNeighborsClassifier

        OpenSetClassifier(KNeighborsClassifier()).fit(X, y, sample_weight=w)


def test_metadata_routing_sends_weights_down_and_keeps_groups():
    import sklearn
    from sklearn.model_selection import cross_validate

    X, y = _blobs(n_per_class=30)
    w = np.random.default_rng(0).uniform(0.1, 3.0, len(y))
    groups = np.arange(len(y)) % 10
    direct = make_pipeline(StandardScaler(), LogisticRegression()).fit(
        X, y, logisticregression__sample_weight=w
    )
    with sklearn.config_context(enable_metadata_routing=True):
        head = make_pipeline(StandardScaler().set_fit_request(sample_weight=False),
                             LogisticRegression().set_fit_request(sample_weight=True))
        clf = (OpenSetClassifier(head, cv=GroupKFold(3))
               .set_fit_request(groups=True).set_score_request(sample_weight=False))
        fitted = clone(clf).fit(X, y, groups=groups, sample_weight=w)
        np.testing.assert_allclose(fitted.estimator_[-1].coef_, direct[-1].coef_)
        out = cross_validate(clf, X, y, cv=GroupKFold(2),
                             params={"sample_weight": w, "groups": groups})
        assert len(out["test_score"]) == 2
        # groups requested by this estimator, not passed: its own cv says so
        with pytest.raises(ValueError, match="groups"):
            clone(clf).fit(X, y, sample_weight=w)
        # and they reach a wrapped estimator that requests them too
        from sklearn.calibration import CalibratedClassifierCV

        calibrated = CalibratedClassifierCV(LogisticRegression(), cv=GroupKFold(3))
        both = OpenSetClassifier(calibrated, cv=GroupKFold(3)).set_fit_request(groups=True)
        assert both.fit(X, y, groups=groups).classes_.tolist() == ["a", "b", "c"]


def test_routed_weights_fit_the_representation_in_the_thresholds_folds_too():
    import sklearn
    from sklearn.preprocessing import SplineTransformer

    from skgenre.models._open_set import _distance

    X, y = _blobs(n_per_class=30)
    w = np.random.default_rng(1).uniform(0.1, 3.0, len(y))
    cv = KFold(3, shuffle=True, random_state=0)
    # weighted quantile knots: a step whose weights change the representation beyond an
    # affine map (which the standardised Mahalanobis distance would undo)
    step = SplineTransformer(n_knots=4, knots="quantile")
    with sklearn.config_context(enable_metadata_routing=True):
        def fitted(step_weighted):
            head = make_pipeline(clone(step).set_fit_request(sample_weight=step_weighted),
                                 LogisticRegression().set_fit_request(sample_weight=True))
            return OpenSetClassifier(head, cv=cv).fit(X, y, sample_weight=w)

        weighted, plain = fitted(True), fitted(False)
    # each fold's representation is fitted with its training rows' weights, as the final
    # model's is (before, the folds ignored them)
    expected = np.empty(len(y))
    for train, test in cv.split(X, y):
        rep = clone(step).fit(X[train], sample_weight=w[train])
        distance = weighted._fit_distance(rep.transform(X[train]), y[train])
        expected[test] = _distance(*distance, rep.transform(X[test]))
    np.testing.assert_allclose(weighted.oof_scores_, expected)
    assert not np.allclose(weighted.oof_scores_, plain.oof_scores_)
    np.testing.assert_allclose(weighted.estimator_[0].bsplines_[0].t,
                               clone(step).fit(X, sample_weight=w).bsplines_[0].t)


def test_weights_are_checked_before_the_thresholds_cross_validation():
    from sklearn.neighbors import KNeighborsClassifier

    X, y = _blobs(n_per_class=30)
    # GroupKFold without groups would fail in the cross-validation: the weights fail first
    clf = OpenSetClassifier(KNeighborsClassifier(), cv=GroupKFold(3))
    with pytest.raises(TypeError, match="KNeighborsClassifier.fit takes no sample_weight"):
        clf.fit(X, y, sample_weight=np.ones(len(y)))
    clf = OpenSetClassifier(LogisticRegression(), cv=GroupKFold(3))
    with pytest.raises(ValueError, match=r"sample_weight.shape == \(89,\), expected \(90,\)"):
        clf.fit(X, y, sample_weight=np.ones(len(y) - 1))
