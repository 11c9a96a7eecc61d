"""TagPriorClassifier and make_combined_pipeline: a trained head times the zero-shot prior."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV

from skgenre import TagPriorClassifier, load_model, make_combined_pipeline, save_model
from skgenre.models import ZeroShotGenreClassifier

TAGS = ["guitar", "synth", "strings"]
MAPPING = {"rock": "guitar", "electronic": "synth", "classical": "strings"}


def _data(rng, n=60):
    """Tag probabilities that name the genre, and features that carry a weaker signal."""
    genres = np.array(["classical", "electronic", "rock"])
    k = rng.integers(0, 3, n)
    tags = rng.uniform(0.05, 0.4, size=(n, 3))
    tags[np.arange(n), [TAGS.index(MAPPING[g]) for g in genres[k]]] = rng.uniform(0.5, 0.9, n)
    feats = rng.normal(size=(n, 4))
    feats[:, 0] += k  # a noisy hint of the genre
    return np.hstack([tags, feats]), genres[k]


def test_the_product_of_experts_by_hand(rng):
    X, y = _data(rng)
    clf = TagPriorClassifier(LogisticRegression(), mapping=MAPPING, tags=TAGS,
                             prior_weight=0.7).fit(X, y)
    head = LogisticRegression().fit(X[:, 3:], y)
    zs = ZeroShotGenreClassifier(MAPPING, tags=TAGS).fit(X[:, :3], y)
    assert clf.classes_.tolist() == head.classes_.tolist() == zs.classes_.tolist()
    want = head.predict_proba(X[:, 3:]) * zs.predict_proba(X[:, :3]) ** 0.7
    want /= want.sum(axis=1, keepdims=True)
    assert_allclose(clf.predict_proba(X), want, rtol=1e-10)
    assert_array_equal(clf.predict(X), clf.classes_[want.argmax(axis=1)])
    assert clf.prior_classes_.all()


def test_weight_zero_is_the_estimator_and_the_prior_helps(rng):
    X, y = _data(rng, 200)
    alone = TagPriorClassifier(mapping=MAPPING, tags=TAGS, prior_weight=0).fit(X[:100], y[:100])
    head = alone.estimator_
    assert_allclose(alone.predict_proba(X), head.predict_proba(X[:, 3:]), rtol=1e-10)
    both = TagPriorClassifier(mapping=MAPPING, tags=TAGS, prior_weight=1).fit(X[:100], y[:100])
    acc_alone = np.mean(alone.predict(X[100:]) == y[100:])
    acc_both = np.mean(both.predict(X[100:]) == y[100:])
    assert acc_both > acc_alone + 0.2


def test_a_class_without_tags_gets_no_prior(rng):
    X, y = _data(rng)
    y = np.where(y == "classical", "baroque", y)  # not a genre of the mapping
    clf = TagPriorClassifier(LogisticRegression(), mapping=MAPPING, tags=TAGS,
                             prior_weight=1.0).fit(X, y)
    assert clf.classes_.tolist() == ["baroque", "electronic", "rock"]
    assert clf.prior_classes_.tolist() == [False, True, True]
    logq = np.log(ZeroShotGenreClassifier(MAPPING, tags=TAGS)
                  .fit(X[:2, :3], ["electronic", "rock"]).predict_proba(X[:, :3]))
    z = np.log(clf.estimator_.predict_proba(X[:, 3:]))
    z += np.column_stack([logq.mean(axis=1), logq])  # baroque: the mean of the others
    want = np.exp(z - z.max(axis=1, keepdims=True))
    assert_allclose(clf.predict_proba(X), want / want.sum(axis=1, keepdims=True), rtol=1e-10)


def test_classes_match_genres_up_to_case_and_spaces(rng):
    # Genre folders are often capitalised: "Rock/" is the genre "rock" of the mapping.
    X, y = _data(rng)
    lower = TagPriorClassifier(LogisticRegression(), mapping=MAPPING, tags=TAGS).fit(X, y)
    names = {"rock": "Rock", "electronic": " ELECTRONIC", "classical": "classical"}
    upper = TagPriorClassifier(LogisticRegression(), mapping=MAPPING, tags=TAGS).fit(
        X, np.array([names[g] for g in y]))
    assert upper.prior_classes_.all()
    order = [upper.classes_.tolist().index(names[c]) for c in lower.classes_]
    assert_allclose(upper.predict_proba(X)[:, order], lower.predict_proba(X), rtol=1e-10)
    # the class that is the genre's own name keeps it; its case variant has no prior
    both = np.where(np.arange(len(y)) % 2 == 0, np.where(y == "rock", "Rock", y), y)
    clf = TagPriorClassifier(LogisticRegression(), mapping=MAPPING, tags=TAGS).fit(X, both)
    assert dict(zip(clf.classes_, clf.prior_classes_))["Rock"] is np.False_
    assert dict(zip(clf.classes_, clf.prior_classes_))["rock"] is np.True_
    # two case variants and no exact name: neither gets the prior (it would count twice)
    two = np.where(y == "rock", np.where(np.arange(len(y)) % 2 == 0, "Rock", "ROCK"), y)
    clf = TagPriorClassifier(LogisticRegression(), mapping=MAPPING, tags=TAGS).fit(X, two)
    assert dict(zip(clf.classes_.tolist(), clf.prior_classes_.tolist())) == {
        "ROCK": False, "Rock": False, "classical": True, "electronic": True}
    genres = list(clf.zero_shot_.genre_tags_)
    assert [genres[i] for i in clf._genre_cols_] == ["classical", "electronic"]


def test_a_table_names_its_tag_columns(rng):
    import pandas as pd
    X, y = _data(rng)
    plain = TagPriorClassifier(LogisticRegression(), mapping=MAPPING, tags=TAGS).fit(X, y)
    features = [f"f{i}" for i in range(X.shape[1] - 3)]
    table = pd.DataFrame(X, columns=TAGS + features)
    swapped = table[TAGS[::-1] + features]  # the tags lead, in another order
    clf = TagPriorClassifier(LogisticRegression(), mapping=MAPPING, tags=TAGS).fit(swapped, y)
    assert_allclose(clf.predict_proba(swapped), plain.predict_proba(X), rtol=1e-10)
    with pytest.raises(ValueError, match="not as its first 3 columns"):
        TagPriorClassifier(mapping=MAPPING, tags=TAGS).fit(table[features + TAGS], y)


def test_bad_input_says_what_to_change(rng):
    X, y = _data(rng)
    with pytest.raises(ValueError, match="needs the 3 tag column"):
        TagPriorClassifier(mapping=MAPPING, tags=TAGS).fit(X[:, :3], y)
    with pytest.raises(ValueError, match="no class of y"):
        TagPriorClassifier(mapping=MAPPING, tags=TAGS).fit(X, np.where(y == y[0], "a", "b"))
    # one mapped class: a softmax over one genre is 1, so the prior would change nothing
    with pytest.raises(ValueError, match="only one class of y .* 'rock': the tags would add"):
        TagPriorClassifier(mapping=MAPPING, tags=TAGS).fit(X, np.where(y == "rock", y, "b"))
    with pytest.raises(ValueError, match="which no column of X has"):
        TagPriorClassifier(mapping={"rock": "banjo"}, tags=TAGS).fit(X, y)
    with pytest.raises(ValueError, match="mapping is empty"):
        TagPriorClassifier(mapping={}, tags=TAGS).fit(X, y)
    with pytest.raises(ValueError, match="probabilities in"):
        TagPriorClassifier(mapping=MAPPING, tags=TAGS).fit(X * 3, y).predict(X * 3)
    with pytest.raises(ValueError, match="prior_weight"):
        TagPriorClassifier(mapping=MAPPING, tags=TAGS, prior_weight=-1).fit(X, y)


def test_grid_search_and_safe_file(rng, tmp_path):
    X, y = _data(rng, 90)
    grid = GridSearchCV(TagPriorClassifier(mapping=MAPPING, tags=TAGS),
                        {"prior_weight": [0.0, 1.0]}, cv=3).fit(X, y)
    assert grid.best_params_ == {"prior_weight": 1.0}
    save_model(grid.best_estimator_, tmp_path / "m.skgenre")
    back = load_model(tmp_path / "m.skgenre")
    assert_array_equal(back.predict_proba(X), grid.best_estimator_.predict_proba(X))


def test_combined_pipeline_steps():
    pipe = make_combined_pipeline("emotify", prior_weight=2.0)
    assert list(pipe.named_steps) == ["load", "features", "classifier"]
    (n1, mtt), (n2, msd) = pipe.named_steps["features"].transformer_list
    assert (n1, mtt.model, mtt.layer) == ("MTT", "MTT_musicnn", "taggram")
    assert (n2, msd.model, msd.layer) == ("MSD", "MSD_musicnn", ("taggram", "penultimate"))
    clf = pipe.named_steps["classifier"]
    assert clf.mapping == "emotify" and clf.prior_weight == 2.0
    assert clf.tags[:2] == ["MTT:guitar", "MTT:classical"] and clf.tags[50] == "MSD:rock"


@pytest.mark.usefixtures("musicnn_weights")
def test_layers_side_by_side_equal_each_layer_alone():
    from skgenre import MusicnnEmbedding

    rng = np.random.default_rng(0)
    waves = [rng.normal(0, 0.1, 16000 * 4).astype(np.float32)]
    both = MusicnnEmbedding(layer=("taggram", "penultimate"), stats=("mean", "max"),
                            sr=16000).fit(waves)
    parts = [MusicnnEmbedding(layer=la, stats=("mean", "max"), sr=16000).fit(waves)
             for la in ("taggram", "penultimate")]
    X = both.transform(waves)
    assert X.shape == (1, 500) == (1, both.n_features_out_)
    mean = np.hstack([p.transform(waves)[:, :p.n_features_out_ // 2] for p in parts])
    top = np.hstack([p.transform(waves)[:, p.n_features_out_ // 2:] for p in parts])
    assert_array_equal(X, np.hstack([mean, top]))
    names = both.get_feature_names_out()
    assert names[0] == "tag_rock_mean" and names[50] == "penultimate_0_mean"
    assert names[250] == "tag_rock_max"
    for bad in ([], ("taggram", "taggram"), ("taggram", "logits")):
        with pytest.raises(ValueError, match="layer must be one of"):
            MusicnnEmbedding(layer=bad, sr=16000).fit(waves)


@pytest.mark.slow  # two networks on six whole tracks: about a minute on 2 busy cores
@pytest.mark.usefixtures("musicnn_weights")
def test_combined_pipeline_on_real_tracks(gtzan_sample_files):
    from skgenre import make_embedding_pipeline, make_zero_shot_pipeline

    files = [str(f) for f in gtzan_sample_files if f.suffix == ".wav"]  # 3 blues, 3 classical
    genres = ["blues"] * 3 + ["classical"] * 3
    train = [0, 1, 3, 4]
    pipe = make_combined_pipeline("gtzan").fit([files[i] for i in train],
                                                [genres[i] for i in train])
    assert pipe.predict(files[2::3]).tolist() == ["blues", "classical"]
    # the features are the zero-shot pipeline's tags and the embedding pipeline's embedding
    X = pipe[:-1].transform(files[2::3])
    tags = make_zero_shot_pipeline()[:-1].fit(files[:1]).transform(files[2::3])
    emb = make_embedding_pipeline()[:4].fit(files[:1]).transform(files[2::3])
    order = list(pipe[-1].tags)
    from skgenre.models import MUSICNN_TAG_COLUMNS
    assert_allclose(X[:, :100], tags[:, [list(MUSICNN_TAG_COLUMNS).index(t) for t in order]],
                    rtol=0, atol=1e-6)
    assert_allclose(X[:, 100:], emb, rtol=0, atol=1e-6)


def test_calibration_with_genre_names(rng):
    """Temperature scaling refits on integer codes (an error says so); the others work."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.frozen import FrozenEstimator

    X, y = _data(rng, 90)
    clf = TagPriorClassifier(mapping=MAPPING, tags=TAGS)
    cal = CalibratedClassifierCV(clf, method="isotonic", cv=3).fit(X, y)
    assert cal.classes_.tolist() == ["classical", "electronic", "rock"]
    if "temperature" in CalibratedClassifierCV._parameter_constraints["method"][0].options:
        with pytest.raises(ValueError, match=r"integer codes.*method='temperature'"):
            CalibratedClassifierCV(clf, method="temperature", cv=3).fit(X, y)
        frozen = FrozenEstimator(clone(clf).fit(X[:60], y[:60]))
        cal = CalibratedClassifierCV(frozen, method="temperature").fit(X[60:], y[60:])
        assert cal.predict_proba(X).shape == (90, 3)
    with pytest.raises(ValueError, match="integer codes"):
        codes = np.unique(y, return_inverse=True)[1]
        ZeroShotGenreClassifier(MAPPING, tags=TAGS).fit(X[:, :3], codes)


@pytest.mark.parametrize("collection", ["gtzan", "emotify"])
def test_the_all_mapping_answers_as_each_collections_own(rng, collection):
    """The default mapping, "all", holds every built-in genre with the tags of its own
    collection's mapping, so on that collection's genres it gives the same answers."""
    from skgenre.models import MUSICNN_TAG_COLUMNS, ZERO_SHOT_MAPPINGS

    own = ZERO_SHOT_MAPPINGS[collection]
    assert {g: ZERO_SHOT_MAPPINGS["all"][g] for g in own} == own
    assert set(ZERO_SHOT_MAPPINGS["all"]) == set(ZERO_SHOT_MAPPINGS["gtzan"]) | {"electronic"}
    genres = np.array(sorted(own))
    y = genres[rng.integers(0, len(genres), 80)]
    X = np.hstack([rng.uniform(0.01, 0.99, (80, len(MUSICNN_TAG_COLUMNS))),
                   rng.normal(size=(80, 5))])
    default = TagPriorClassifier(LogisticRegression()).fit(X, y)
    assert default.mapping == "all" and default.prior_classes_.all()
    mine = TagPriorClassifier(LogisticRegression(), mapping=collection).fit(X, y)
    assert_allclose(default.predict_proba(X), mine.predict_proba(X), rtol=1e-12)


def test_sample_weight_reaches_the_estimator(rng):
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = _data(rng)
    w = rng.uniform(0.1, 3.0, len(y))
    head = make_pipeline(StandardScaler(), LogisticRegression())
    clf = TagPriorClassifier(head, mapping=MAPPING, tags=TAGS)
    weighted = clone(clf).fit(X, y, sample_weight=w)
    direct = clone(head).fit(X[:, 3:], y, logisticregression__sample_weight=w)
    assert_allclose(weighted.estimator_[-1].coef_, direct[-1].coef_)
    assert not np.allclose(weighted.estimator_[-1].coef_,
                           clone(clf).fit(X, y).estimator_[-1].coef_)
    with pytest.raises(TypeError, match="KNeighborsClassifier.fit takes no sample_weight"):
        TagPriorClassifier(KNeighborsClassifier(), mapping=MAPPING, tags=TAGS).fit(
            X, y, sample_weight=w)
    with pytest.raises(ValueError, match="enable_metadata_routing"):
        clf.fit(X, y, groups=np.arange(len(y)))
    import sklearn
    from sklearn.model_selection import cross_validate

    with sklearn.config_context(enable_metadata_routing=True):
        routed = TagPriorClassifier(
            LogisticRegression().set_fit_request(sample_weight=True), mapping=MAPPING, tags=TAGS
        ).set_score_request(sample_weight=False)
        fitted = clone(routed).fit(X, y, sample_weight=w)
        alone = LogisticRegression().fit(X[:, 3:], y, sample_weight=w)
        assert_allclose(fitted.estimator_.coef_, alone.coef_)
        out = cross_validate(routed, X, y, cv=3, params={"sample_weight": w})
        assert len(out["test_score"]) == 3
        # the default head, which the user cannot reach to request weights, takes them
        default = TagPriorClassifier(mapping=MAPPING, tags=TAGS).fit(X, y, sample_weight=w)
    unrouted = TagPriorClassifier(mapping=MAPPING, tags=TAGS).fit(X, y, sample_weight=w)
    assert_allclose(default.estimator_[-1].coef_, unrouted.estimator_[-1].coef_)
