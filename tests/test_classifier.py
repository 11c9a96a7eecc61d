"""GenreClassifier, the network builders and the presets (tiny nets, few epochs)."""

import pickle
import subprocess
import sys
import textwrap
import warnings

import joblib
import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, clone, is_classifier
from sklearn.datasets import make_blobs
from sklearn.exceptions import DataConversionWarning, NotFittedError
from sklearn.model_selection import StratifiedKFold, check_cv, cross_val_score
from sklearn.utils import get_tags
from sklearn.utils._param_validation import InvalidParameterError

from skgenre.models import (
    PRESETS,
    GenreClassifier,
    build_cnn,
    build_feature_dense,
    build_spec_dense,
    get_preset,
)

FAST = dict(epochs=5, batch_size=16, model__hidden_layer_sizes=(8,), verbose=0)


@pytest.fixture(scope="module")
def blobs():
    X, y = make_blobs(n_samples=60, centers=3, n_features=4, random_state=0)
    return X.astype(np.float32), np.array(["rock", "jazz", "pop"])[y]


@pytest.fixture(scope="module")
def specs():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 8)
    X = rng.normal(size=(16, 12, 10)).astype(np.float32)
    X[y == 1, :4] += 2.0  # class 1 is louder in the low mel bands
    return X, y


@pytest.fixture(scope="module")
def fitted(blobs):
    X, y = blobs
    return GenreClassifier(random_state=0, **FAST).fit(X, y)


# ---------------------------------------------------------------- sklearn semantics
def test_is_classifier_and_cv_stratifies(blobs):
    X, y = blobs
    clf = GenreClassifier()
    assert is_classifier(clf)
    assert get_tags(clf).estimator_type == "classifier"
    assert isinstance(check_cv(5, y, classifier=is_classifier(clf)), StratifiedKFold)


def test_mro_mixin_before_base_estimator():
    mro = GenreClassifier.__mro__
    assert mro.index(ClassifierMixin) < mro.index(BaseEstimator)
    from scikeras.wrappers import BaseWrapper

    # scikeras' helpers are called, not inherited (its modules import Keras), and scikeras
    # itself is left as it is (no patching)
    assert not issubclass(GenreClassifier, BaseWrapper)
    assert "__sklearn_tags__" not in vars(BaseWrapper)


def test_import_and_unfitted_use_need_no_keras(assert_not_imported):
    # A saved model is rebuilt from its classes: importing the classifier (and its target
    # encoder) must not pull in scikeras, Keras or TensorFlow.
    assert_not_imported(
        "from skgenre import GenreClassifier\n"
        "clf = GenreClassifier(model__hidden_layer_sizes=(8,)).set_params(epochs=3)\n"
        "assert clf.get_params()['model__hidden_layer_sizes'] == (8,)\n"
        "clf.target_encoder.fit(['a', 'b'])\n",
        ["keras", "tensorflow", "scikeras"],
    )


def test_tags():
    tags = get_tags(GenreClassifier())
    assert tags.input_tags.three_d_array and tags.input_tags.two_d_array
    assert not tags.input_tags.sparse
    assert not tags.target_tags.multi_output
    assert tags.classifier_tags.multi_class and not tags.classifier_tags.multi_label


def test_fit_predict_labels_and_proba(fitted, blobs):
    X, y = blobs
    assert list(fitted.classes_) == ["jazz", "pop", "rock"]
    pred = fitted.predict(X)
    assert pred.shape == (60,) and set(pred) <= set(y)
    proba = fitted.predict_proba(X[:1])
    assert proba.shape == (1, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert fitted.n_features_in_ == 4
    assert fitted.n_epochs_ == 5


def test_learns_separable_data(blobs):
    X, y = blobs
    clf = GenreClassifier(random_state=0, epochs=40, learning_rate=0.01,
                          model__hidden_layer_sizes=(16,))
    assert clf.fit(X, y).score(X, y) > 0.9


def test_cross_val_score_stratified(blobs):
    X, y = blobs
    scores = cross_val_score(GenreClassifier(random_state=0, **FAST), X, y, cv=2)
    assert scores.shape == (2,)


def test_not_fitted(blobs):
    with pytest.raises(NotFittedError):
        GenreClassifier().predict(blobs[0])


# ---------------------------------------------------------------- reproducibility
def test_same_seed_same_predictions(blobs):
    X, y = blobs
    p1 = GenreClassifier(random_state=3, **FAST).fit(X, y).predict_proba(X)
    p2 = GenreClassifier(random_state=3, **FAST).fit(X, y).predict_proba(X)
    p3 = GenreClassifier(random_state=4, **FAST).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(p1, p2)
    assert not np.allclose(p1, p3)


def test_random_state_instance_is_used(blobs):
    X, y = blobs
    p1 = GenreClassifier(random_state=np.random.RandomState(1), **FAST).fit(X, y)
    p2 = GenreClassifier(random_state=np.random.RandomState(1), **FAST).fit(X, y)
    p3 = GenreClassifier(random_state=np.random.RandomState(2), **FAST).fit(X, y)
    np.testing.assert_array_equal(p1.predict_proba(X), p2.predict_proba(X))
    # scikeras turns every RandomState into seed 0; different states must differ here.
    assert not np.allclose(p1.predict_proba(X), p3.predict_proba(X))


def test_fit_leaves_global_rngs_alone(blobs):
    # a seeded fit seeds Python's, NumPy's, TensorFlow's and Keras' global generators and
    # turns TF's op determinism on; each is given back as the caller had it
    import random

    from keras.src.backend.common import global_state
    from tensorflow.python.framework import config as tf_config

    X, y = blobs
    keras_attributes = ("global_random_seed", "global_seed_generator")
    keras_before = [global_state.get_global_attribute(a) for a in keras_attributes]
    determinism_before = tf_config.is_op_determinism_enabled()
    random.seed(123)
    np.random.seed(123)
    expected = random.random(), np.random.rand()
    random.seed(123)
    np.random.seed(123)
    GenreClassifier(random_state=0, **FAST).fit(X, y)
    assert (random.random(), np.random.rand()) == expected
    assert [global_state.get_global_attribute(a) for a in keras_attributes] == keras_before
    assert tf_config.is_op_determinism_enabled() == determinism_before


# ---------------------------------------------------------------- input validation
def test_sparse_input_refused(blobs):
    X, y = blobs
    with pytest.raises(TypeError, match="sparse"):
        GenreClassifier(**FAST).fit(sp.csr_matrix(X), y)


def test_n_features_checked_on_predict(fitted, blobs):
    with pytest.raises(ValueError, match="X has 3 features, but GenreClassifier is expecting 4"):
        fitted.predict(blobs[0][:, :3])


def test_column_vector_y_warns(blobs):
    X, y = blobs
    with pytest.warns(DataConversionWarning, match="column-vector y"):
        clf = GenreClassifier(random_state=0, **FAST).fit(X, y[:, None])
    assert clf.predict(X).ndim == 1


def test_regression_target_refused(blobs):
    X, _ = blobs
    with pytest.raises(ValueError, match="Unknown label type"):
        GenreClassifier(**FAST).fit(X, np.linspace(0, 1, len(X)))


def test_single_class_refused(blobs):
    X, _ = blobs
    with pytest.raises(ValueError, match="at least 2 classes"):
        GenreClassifier(**FAST).fit(X, np.zeros(len(X)))


def test_invalid_parameters():
    X, y = np.zeros((4, 2)), np.array([0, 1, 0, 1])
    with pytest.raises(InvalidParameterError, match="epochs"):
        GenreClassifier(epochs=0).fit(X, y)
    with pytest.raises(InvalidParameterError, match="model"):
        GenreClassifier(model="resnet").fit(X, y)
    with pytest.raises(ValueError, match="Unknown parameter.*hidden"):
        GenreClassifier(hidden=3).fit(X, y)
    # a misspelt architecture parameter is named with the ones that exist (it was the
    # builder's TypeError), and routed parameters that nothing reads are refused (they
    # were ignored without a word)
    with pytest.raises(ValueError, match=r"\['model__kernel'\] are not .* 'kernel_size'"):
        GenreClassifier(model="cnn", model__kernel=5).fit(X, y)
    GenreClassifier(model="cnn", model__kernel_size=5)._check_routed_params()
    GenreClassifier(model__input_dropout=0.1)._check_routed_params()
    for param in ("predict__verbose", "score__sample_weight"):
        with pytest.raises(ValueError, match=rf"\['{param}'\] would be ignored"):
            GenreClassifier(**{param: 1}).fit(X, y)
    GenreClassifier(predict__batch_size=8)._check_routed_params()
    # set_params names the parameters that exist (scikeras' message suggested
    # GenreClassifier(epoch=3), which fit refuses too)
    with pytest.raises(ValueError, match=r"Invalid parameter 'epoch' .*'epochs'.*model__"):
        GenreClassifier().set_params(epoch=3)


# ---------------------------------------------------------------- weights
def test_sample_weight_not_modified_and_used(blobs):
    X, y = blobs
    sw = np.ones(len(y))
    sw_copy = sw.copy()
    GenreClassifier(class_weight="balanced", random_state=0, **FAST).fit(X, y, sample_weight=sw)
    np.testing.assert_array_equal(sw, sw_copy)

    # Zero weights drop samples: only "jazz" and "pop" have weight, so "rock" is never learned.
    sw = (y != "rock").astype(float)
    clf = GenreClassifier(random_state=0, epochs=30, learning_rate=0.01,
                          model__hidden_layer_sizes=(8,)).fit(X, y, sample_weight=sw)
    assert "rock" not in set(clf.predict(X))


def test_integer_weights_train_as_repeated_rows():
    # One full batch, no shuffling and no dropout: the only difference left is how the
    # loss is averaged. Keras divides by the rows of the batch; skgenre scales the weights
    # to mean 1, so weight k trains as k copies (to float32 rounding), and the weights'
    # scale does not matter. Before, the two fits differed by 1.6e-2.
    rng = np.random.default_rng(42)
    X = rng.normal(size=(15, 4)).astype(np.float32)
    y = np.arange(15) % 3
    sw = rng.integers(0, 4, size=15).astype(float)
    kw = dict(random_state=0, epochs=20, batch_size=-1, shuffle=False, learning_rate=0.05,
              model__hidden_layer_sizes=(8,))
    weighted = GenreClassifier(**kw).fit(X, y, sample_weight=sw).predict_proba(X)
    rows = np.repeat(np.arange(15), sw.astype(int))
    repeated = GenreClassifier(**kw).fit(X[rows], y[rows]).predict_proba(X)
    np.testing.assert_allclose(weighted, repeated, rtol=1e-5, atol=1e-6)
    scaled = GenreClassifier(**kw).fit(X, y, sample_weight=3 * sw).predict_proba(X)
    np.testing.assert_allclose(scaled, weighted, rtol=1e-5, atol=1e-6)


def test_class_weight_shifts_predictions(blobs):
    X, y = blobs
    kw = dict(random_state=0, epochs=20, learning_rate=0.01, model__hidden_layer_sizes=(8,))
    heavy = GenreClassifier(class_weight={"jazz": 100.0, "pop": 0.01, "rock": 0.01}, **kw)
    share = np.mean(heavy.fit(X, y).predict(X) == "jazz")
    assert share > 0.6


# ---------------------------------------------------------------- params and routing
def test_model_params_routed_and_settable(specs):
    X, y = specs
    clf = GenreClassifier("cnn", model__filters=(4,), model__kernel_size=3, epochs=2,
                          random_state=0)
    assert clf.get_params()["model__kernel_size"] == 3
    clf.set_params(model__kernel_size=5)
    clf.fit(X, y)
    conv = [layer for layer in clf.model_.layers if layer.__class__.__name__ == "Conv2D"]
    assert conv[0].kernel_size == (5, 5)
    assert clf.predict(X).shape == (16,)
    with pytest.raises(ValueError, match="samples of shape"):
        clf.predict(X[:, :, :8])


def test_routed_params_set_later_reach_get_params_clone_and_fit(blobs):
    # A routed parameter that __init__ was not given: set_params must keep it where
    # get_params, clone and so GridSearchCV see it (it used to be dropped silently, and
    # every candidate of a grid trained the same network).
    X, y = blobs
    clf = GenreClassifier(epochs=1, random_state=0).set_params(
        model__hidden_layer_sizes=(7,), optimizer__beta_1=0.8, callbacks__patience=2
    )
    params = clone(clf).get_params()
    assert params["model__hidden_layer_sizes"] == (7,)
    assert params["optimizer__beta_1"] == 0.8
    assert params["callbacks__patience"] == 2
    fitted = clone(clf).fit(X, y)
    widths = [layer.units for layer in fitted.model_.layers if hasattr(layer, "units")]
    assert widths == [7, 3]
    # the caller's other instances are untouched
    assert "model__hidden_layer_sizes" not in GenreClassifier().get_params()


def test_grid_search_over_a_routed_param_not_in_init(blobs):
    from sklearn.model_selection import GridSearchCV

    X, y = blobs
    search = GridSearchCV(
        GenreClassifier(epochs=1, random_state=0),
        {"model__hidden_layer_sizes": [(3,), (11,)]}, cv=2, refit=True,
    ).fit(X, y)
    best = search.best_params_["model__hidden_layer_sizes"]
    widths = [layer.units for layer in search.best_estimator_.model_.layers
              if hasattr(layer, "units")]
    assert widths == [best[0], 3]


def test_3d_input_dense_and_cnn(specs):
    X, y = specs
    for model in ("spec_dense", "cnn"):
        clf = GenreClassifier(model, epochs=2, random_state=0, model__hidden_layer_sizes=(4,))
        if model == "cnn":
            clf = GenreClassifier(model, epochs=2, random_state=0, model__filters=(4, 4))
        clf.fit(X, y)
        assert clf.n_features_in_ == 12
        assert clf.predict_proba(X).shape == (16, 2)


def test_callable_model(blobs):
    X, y = blobs
    clf = GenreClassifier(build_spec_dense, model__hidden_layer_sizes=(4,), epochs=1)
    assert clf.fit(X, y).model_.name == "spec_dense"


def test_learning_rate_and_optimizer(blobs):
    X, y = blobs
    clf = GenreClassifier(random_state=0, learning_rate=0.05, **FAST).fit(X, y)
    import keras

    def rate(model):  # a Keras variable, which float() takes only in newer Keras releases
        return float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))

    assert np.isclose(rate(clf.model_), 0.05)
    clf = GenreClassifier(random_state=0, optimizer="sgd", optimizer__learning_rate=0.2,
                          **FAST).fit(X, y)
    assert np.isclose(rate(clf.model_), 0.2)


def test_early_stopping(blobs):
    # Random labels: the validation loss stops improving early, the training loss does not.
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(60, 4)), rng.integers(0, 3, size=60)
    clf = GenreClassifier(random_state=0, epochs=300, early_stopping=True, n_iter_no_change=3,
                          learning_rate=0.05, model__hidden_layer_sizes=(8,)).fit(X, y)
    assert clf.n_epochs_ < 300
    assert "val_loss" in clf.history_
    assert not clf._fit_callbacks  # the stopper holds the Keras model; not kept
    with pytest.raises(ValueError, match="early_stopping"):
        GenreClassifier(early_stopping=True, validation_fraction=0.9, epochs=1).fit(
            X[:2], y[:2] if len(set(y[:2])) > 1 else np.array(["a", "b"])
        )


def test_partial_fit(blobs):
    X, y = blobs
    clf = GenreClassifier(random_state=0, **FAST)
    clf.partial_fit(X, y, classes=np.unique(y)).partial_fit(X, y)
    assert clf.n_epochs_ == 2


def test_partial_fit_takes_batches_of_one_class(blobs):
    # As SGDClassifier: once the classes are known, a batch may hold one class alone.
    X, y = blobs
    clf = GenreClassifier(random_state=0, **FAST)
    clf.partial_fit(X[y == "pop"], y[y == "pop"], classes=np.unique(y))
    clf.partial_fit(X[y == "rock"], y[y == "rock"])
    assert list(clf.classes_) == ["jazz", "pop", "rock"]
    assert clf.n_epochs_ == 2
    with pytest.raises(ValueError, match="at least 2 classes"):
        GenreClassifier(**FAST).partial_fit(X[y == "pop"], y[y == "pop"])
    with pytest.raises(ValueError, match="non-zero"):
        clf.partial_fit(X[:4], y[:4], sample_weight=np.zeros(4))


def test_partial_fit_class_weight_acts_in_batches_of_one_class(blobs):
    # The class weights were multiplied into the weights and the product scaled to mean 1
    # within the batch: in a batch of one class that cancelled them, to the last bit.
    X, y = blobs
    classes = np.unique(y)

    def stream(class_weight):
        clf = GenreClassifier(class_weight=class_weight, random_state=0, shuffle=False,
                              **{**FAST, "epochs": 1})
        for _ in range(3):
            for c in classes:
                clf.partial_fit(X[y == c], y[y == c], classes=classes)
        return clf.predict_proba(X)

    plain = stream(None)
    heavy = stream({"jazz": 10.0, "pop": 1.0, "rock": 1.0})
    assert not np.allclose(plain, heavy)
    # equal class weights, whatever their scale, are no weights
    np.testing.assert_allclose(stream({"jazz": 3.0, "pop": 3.0, "rock": 3.0}), plain,
                               rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="'balanced'.*compute_class_weight"):
        GenreClassifier(class_weight="balanced", **FAST).partial_fit(X, y)


def test_a_keras_model_instance_is_copied_not_trained(blobs):
    # The instance itself was trained: fit changed the caller's parameter, and a second
    # fit with the same seed went on from the first one's weights.
    import keras

    X, y = blobs
    inputs = keras.Input((X.shape[1],))
    hidden = keras.layers.Dense(8, activation="relu")(inputs)
    model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(hidden))
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy")
    before = [w.copy() for w in model.get_weights()]
    clf = GenreClassifier(model=model, epochs=3, random_state=0)
    first = clf.fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(clf.fit(X, y).predict_proba(X), first)
    assert clf.model is model and clf.model_ is not model
    for old, now in zip(before, model.get_weights()):
        np.testing.assert_array_equal(old, now)
    # the caller's compilation is kept
    assert type(clf.model_.optimizer).__name__ == "SGD"


def test_a_metric_instance_starts_every_fit_afresh(blobs):
    # The caller's metric object kept its running totals: the first epoch of a second fit
    # reported its mean with the last epoch of the first fit.
    import keras

    X, y = blobs
    metric = keras.metrics.SparseCategoricalAccuracy(name="acc")
    clf = GenreClassifier(metrics=[metric, "accuracy"], random_state=0, **FAST)
    first = {k: list(v) for k, v in clf.fit(X, y).history_.items()}
    second = {k: list(v) for k, v in clf.fit(X, y).history_.items()}
    assert first == second
    assert float(keras.ops.convert_to_numpy(metric.count)) == 0.0  # the caller's object is untouched


def test_a_seeded_fit_gives_the_callers_rngs_back(blobs):
    # keras.utils.set_random_seed sets TensorFlow's global seed too: the caller's own
    # tf.random draws and tf.data shuffles repeated across runs after one seeded fit
    import tensorflow as tf
    from tensorflow.python.eager import context

    X, y = blobs
    tf.random.set_seed(None)
    GenreClassifier(random_state=0, **FAST).fit(X, y)
    assert context.global_seed() is None
    tf.random.set_seed(123)
    GenreClassifier(random_state=0, **FAST).fit(X, y)
    assert context.global_seed() == 123
    tf.random.set_seed(None)


def test_seeded_fits_in_threads_are_the_sequential_fit(blobs):
    # seeding is process-wide: concurrent fits interleaved their draws
    from concurrent.futures import ThreadPoolExecutor

    X, y = blobs
    expected = GenreClassifier(random_state=0, **FAST).fit(X, y).predict_proba(X)
    np_state = np.random.get_state()
    with ThreadPoolExecutor(2) as pool:
        fits = list(pool.map(
            lambda _: GenreClassifier(random_state=0, **FAST).fit(X, y), range(3)))
    for clf in fits:
        np.testing.assert_array_equal(clf.predict_proba(X), expected)
    assert np.array_equal(np.random.get_state()[1], np_state[1])
    # an unseeded fit beside a seeded one drew from the seeded fit's generators
    with ThreadPoolExecutor(2) as pool:
        pool.submit(lambda: [GenreClassifier(**FAST).fit(X, y) for _ in range(3)])
        seeded = pool.submit(lambda: GenreClassifier(random_state=0, **FAST).fit(X, y))
        np.testing.assert_array_equal(seeded.result().predict_proba(X), expected)


def test_refit_warm_start_and_routed_fit_arguments(blobs):
    import keras

    X, y = blobs
    # an optimizer instance is bound to the first network's variables: a refit failed
    clf = GenreClassifier(optimizer=keras.optimizers.Adam(0.01), random_state=0, **FAST)
    first = clf.fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(clf.fit(X, y).predict_proba(X), first)
    # warm_start counts its epochs on, as MLPClassifier does
    warm = GenreClassifier(warm_start=True, random_state=0, **FAST).fit(X, y)
    assert warm.fit(X, y).n_epochs_ == 2 * FAST["epochs"]
    with pytest.raises(ValueError, match=r"\['metal'\] that are not in classes_, fixed by"):
        warm.fit(X[:3], ["metal", "jazz", "pop"])
    # Model.fit arguments that the wrapper sets itself: refused by name, not a TypeError
    for param, instead in (("fit__verbose", "verbose="), ("fit__callbacks", "callbacks="),
                           ("fit__validation_split", "validation_fraction=")):
        with pytest.raises(ValueError, match=rf"\['{param}'\] cannot be routed .*{instead}"):
            GenreClassifier(**{param: 0}, **FAST).fit(X, y)


@pytest.mark.parametrize("loss", ["categorical_focal_crossentropy", "kl_divergence",
                                  "categorical_hinge", "KLDivergence"])
def test_keras_one_hot_losses_get_one_hot_targets(blobs, loss):
    # given class indices, Keras broadcast an (n, 1) target against the (n, n_classes)
    # softmax and trained on a meaningless objective, silently (accuracy ~0.5)
    import keras

    from skgenre.models._target import LabelIndexEncoder

    X, y = blobs
    if loss == "KLDivergence":
        loss = keras.losses.KLDivergence()
    assert LabelIndexEncoder(loss=loss).fit(y).transform(y[:2]).shape == (2, 3)
    clf = GenreClassifier(loss=loss, epochs=40, learning_rate=0.01, random_state=0,
                          model__hidden_layer_sizes=(16,)).fit(X, y)
    assert clf.score(X, y) > 0.9


def test_two_classes_with_categorical_losses(blobs):
    X, y = blobs
    two = y != "pop"
    clf = GenreClassifier(loss="categorical_crossentropy", random_state=0, **FAST)
    assert clf.fit(X[two], y[two]).predict_proba(X).shape == (len(X), 2)
    with pytest.raises(ValueError, match="loss='binary_crossentropy' needs a network with one"):
        GenreClassifier(loss="binary_crossentropy", **FAST).fit(X[two], y[two])


def test_partial_fit_classes_in_any_order(blobs):
    X, y = blobs
    clf = GenreClassifier(random_state=0, **FAST).partial_fit(
        X, y, classes=["rock", "jazz", "pop", "jazz"])
    assert clf.classes_.tolist() == ["jazz", "pop", "rock"]  # sorted, as documented
    assert set(clf.predict(X)) <= {"jazz", "pop", "rock"}
    codes = np.searchsorted(["jazz", "pop", "rock"], y)
    ints = GenreClassifier(random_state=0, **FAST).partial_fit(X, codes, classes=[2, 0, 1])
    assert ints.classes_.tolist() == [0, 1, 2]
    with pytest.raises(ValueError, match=r"y holds label\(s\) \['rock'\] that are not in classes "):
        GenreClassifier(**FAST).partial_fit(X, y, classes=["jazz", "pop"])
    with pytest.raises(ValueError, match=r"\['metal'\] that are not in classes_, fixed by"):
        clf.partial_fit(X[:2], ["metal", "jazz"])


# ---------------------------------------------------------------- clone and persistence
def test_clone_fitted_and_unfitted(fitted):
    for est in (GenreClassifier(model__hidden_layer_sizes=(3,)), fitted):
        c = clone(est)
        assert c.get_params() == {k: v for k, v in est.get_params().items()}
        assert not hasattr(c, "model_")


def test_pickle_unfitted_and_fitted(fitted, blobs):
    X, _ = blobs
    unfitted = pickle.loads(pickle.dumps(GenreClassifier(model__l2=0.1)))
    assert unfitted.get_params()["model__l2"] == 0.1
    again = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(again.predict_proba(X), fitted.predict_proba(X))


def test_joblib_load_in_fresh_process(fitted, blobs, tmp_path):
    X, _ = blobs
    joblib.dump(fitted, tmp_path / "clf.joblib")
    np.save(tmp_path / "X.npy", X)
    code = textwrap.dedent(
        f"""
        import joblib, numpy as np
        clf = joblib.load({str(tmp_path / "clf.joblib")!r})
        X = np.load({str(tmp_path / "X.npy")!r})
        np.save({str(tmp_path / "p.npy")!r}, clf.predict_proba(X))
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=300)
    np.testing.assert_array_equal(np.load(tmp_path / "p.npy"), fitted.predict_proba(X))


# ---------------------------------------------------------------- builders and presets
def test_builders_paper_shapes():
    meta = {"X_shape_": (5, 26), "n_classes_": 10}
    assert build_feature_dense(meta=meta).count_params() == 26 * 64 + 64 + 64 * 32 + 32 + 330
    assert build_spec_dense(meta={"X_shape_": (5, 128), "n_classes_": 10}).output_shape == (
        None, 10)
    cnn = build_cnn(meta={"X_shape_": (5, 128, 216), "n_classes_": 10})
    # Conv(64, 3): 640, Conv(32, 3): 18464, Dense: 124 * 212 * 32 * 10 + 10
    assert cnn.count_params() == 640 + 18464 + 124 * 212 * 32 * 10 + 10
    tuned = build_cnn((8, 16), pool_size=2, batch_norm=True, global_pooling=True, dropout=0.3,
                      input_norm=True, meta={"X_shape_": (5, 128, 216), "n_classes_": 10})
    assert tuned.output_shape == (None, 10) and tuned.count_params() < 5000


def test_builders_bad_arguments():
    meta = {"X_shape_": (5, 8, 8), "n_classes_": 2}
    with pytest.raises(ValueError, match="kernel_size"):
        build_cnn(kernel_size=9, meta=meta)
    with pytest.raises(ValueError, match="dropout"):
        build_feature_dense(dropout=1.5, meta={"X_shape_": (5, 3), "n_classes_": 2})
    with pytest.raises(ValueError, match="meta"):
        build_feature_dense()


def test_presets():
    assert sorted(PRESETS) == ["paper", "tuned"]
    paper = get_preset("paper", "cnn")
    assert paper["classifier"]["epochs"] == 10 and paper["classifier"]["batch_size"] == 128
    assert paper["scaler"] is None
    assert get_preset("tuned", "feature")["scaler"] == "standard"
    assert get_preset("paper", "spec-dense")["classifier"]["model__hidden_layer_sizes"] == (
        128, 64)
    p = get_preset("tuned", "feature")
    p["classifier"]["epochs"] = 1
    assert get_preset("tuned", "feature")["classifier"]["epochs"] != 1  # a fresh copy
    with pytest.raises(ValueError, match=r"valid presets are \['paper', 'tuned'\]"):
        get_preset("best", "cnn")
    with pytest.raises(ValueError, match="valid kinds"):
        get_preset("paper", "rnn")
    for name in PRESETS:
        for kind in ("feature", "spec-dense", "cnn"):
            GenreClassifier(**get_preset(name, kind)["classifier"])._validate_params()


def test_no_warnings_on_plain_fit(blobs):
    X, y = blobs
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        GenreClassifier(random_state=0, **FAST).fit(X, y).predict(X)


def test_make_ensemble(blobs):
    from sklearn.ensemble import VotingClassifier

    from skgenre.models import make_ensemble

    X, y = blobs
    ens = make_ensemble(n_networks=2, random_state=5, epochs=3, early_stopping=False,
                        model__hidden_layer_sizes=(4,))
    assert isinstance(ens, VotingClassifier) and ens.voting == "soft"
    assert [est.random_state for _, est in ens.estimators[:2]] == [5, 6]
    ens.fit(X, y)
    proba = ens.predict_proba(X)
    assert proba.shape == (60, 3)
    assert set(ens.predict(X)) <= set(y)
    assert ens.weights == [1.0, 1.0, 1.0]
    assert make_ensemble(n_networks=2, svc_weight=2).weights == [1.0, 1.0, 2.0]
    assert [name for name, _ in make_ensemble(n_networks=1, svc_C=None).estimators] == ["net0"]
    with pytest.raises(ValueError, match="n_networks"):
        make_ensemble(n_networks=0)
    with pytest.raises(ValueError, match="combine"):
        make_ensemble(combine="mean")
    # CNNs take 3-D spectrograms, which the SVC and the stacker cannot: refused up front
    # (it failed in the SVC, after every network had trained)
    for kwargs in ({}, {"svc_C": None, "combine": "stack"}):
        with pytest.raises(ValueError, match="kind='cnn' networks take 3-D spectrograms"):
            make_ensemble(kind="cnn", **kwargs)
    assert len(make_ensemble(kind="cnn", n_networks=2, svc_C=None).estimators) == 2


def test_make_ensemble_stack(blobs):
    from sklearn.ensemble import StackingClassifier, VotingClassifier

    from skgenre.models import make_ensemble

    X, y = blobs
    ens = make_ensemble(n_networks=2, combine="stack", random_state=3, epochs=3,
                        early_stopping=False, model__hidden_layer_sizes=(4,))
    assert isinstance(ens, StackingClassifier)
    assert [name for name, _ in ens.estimators] == ["nets", "svc", "lr"]
    nets = ens.estimators[0][1]
    assert isinstance(nets, VotingClassifier)
    assert [est.random_state for _, est in nets.estimators] == [3, 4]
    # The combination is learned from inner out-of-fold probabilities, never refit data.
    assert ens.cv.n_splits == 3 and ens.stack_method == "predict_proba"
    ens.fit(X, y)
    proba = ens.predict_proba(X)
    assert proba.shape == (60, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    # Three members x three classes of probabilities feed the final logistic regression.
    assert ens.final_estimator_.coef_.shape == (3, 9)
    assert set(ens.predict(X)) <= set(y)
    without_svc = make_ensemble(n_networks=1, svc_C=None, combine="stack")
    assert [name for name, _ in without_svc.estimators] == ["nets", "lr"]
    clone(ens)


def test_predict_batches_bound_the_activation_memory():
    """The paper's CNN predicts in batches whose largest activation stays near 256 MB."""
    rng = np.random.default_rng(0)
    X = rng.random((6, 128, 216), dtype=np.float32)
    y = [0, 1, 0, 1, 0, 1]
    cnn = GenreClassifier(model="cnn", epochs=1, random_state=0, verbose=0).fit(X, y)
    # one image: 126 x 214 x 64 float32 after the first convolution (6.9 MB)
    assert cnn._predict_batch_size() == (256 * 2**20) // (4 * 126 * 214 * 64)
    dense = GenreClassifier(epochs=1, random_state=0, verbose=0).fit(X.reshape(6, -1)[:, :26], y)
    assert dense._predict_batch_size() == 256
    small = cnn.predict_proba(X)
    cnn.set_params(predict__batch_size=2)
    np.testing.assert_allclose(cnn.predict_proba(X), small, rtol=1e-5, atol=1e-7)
