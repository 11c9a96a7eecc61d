"""The NumPy engine (skgenre.models._numpy_net) against Keras, and prediction without Keras."""

import textwrap
import zipfile

import numpy as np
import pytest

from skgenre import ModelFileError, UnsupportedLayerError
from skgenre._persist import load_model, save_model

KERAS_FREE = ["keras", "tensorflow", "scikeras"]


def _randomize(model, rng):
    """Non-trivial weights everywhere, positive moving variances for batch normalization."""
    for layer in model.layers:
        weights = layer.get_weights()
        if not weights:
            continue
        weights = [rng.normal(0.0, 0.5, size=w.shape).astype("float32") for w in weights]
        if type(layer).__name__ == "BatchNormalization":
            weights[-1] = np.abs(weights[-1]) + 0.1
        layer.set_weights(weights)
    return model


# Every layer and setting skgenre's builders produce (and a few more).
BUILDS = {
    "dense": ("build_dense", dict(hidden_layer_sizes=(16, 8)), (7,)),
    "dense_bn_dropout_tanh": ("build_dense", dict(
        hidden_layer_sizes=(16,), batch_norm=True, dropout=0.3, input_dropout=0.1,
        activation="tanh"), (7,)),
    "dense_on_3d": ("build_dense", dict(hidden_layer_sizes=(16,)), (6, 7)),
    "cnn_2d_valid_flatten": ("build_cnn", dict(filters=(6, 4)), (12, 17)),
    "cnn_2d_same_pool_bn_avgmax_dense": ("build_cnn", dict(
        filters=(6, 4), pool_size=2, batch_norm=True, input_norm=True,
        global_pooling="avgmax", dense_units=5, dropout=0.2), (12, 17)),
    "cnn_2d_odd_pool_max": ("build_cnn", dict(
        filters=(6, 4), kernel_size=2, pool_size=3, global_pooling="max"), (13, 17)),
    "cnn_temporal": ("build_cnn", dict(
        filters=(8, 16, 16), layout="temporal", pool_size=2, global_pooling="avgmax",
        dropout=0.5, batch_norm=True, activation="elu"), (12, 21)),
    "cnn_temporal_even_kernel_flatten": ("build_cnn", dict(
        filters=(8,), layout="temporal", kernel_size=4, activation="gelu"), (12, 21)),
}


@pytest.mark.parametrize("case", sorted(BUILDS))
def test_every_builder_layer_matches_keras(case):
    from skgenre.models import _networks
    from skgenre.models._numpy_net import NumpyNetwork

    builder, params, shape = BUILDS[case]
    rng = np.random.default_rng(0)
    meta = {"X_shape_": (5, *shape), "n_classes_": 4}
    model = _randomize(getattr(_networks, builder)(meta=meta, **params), rng)
    X = rng.normal(size=(5, *shape)).astype("float32")
    expected = np.asarray(model(X, training=False))
    net = NumpyNetwork.from_keras_model(model)
    got = net.predict(X)
    assert got.dtype == np.float32 and got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-5)


def test_strided_dilated_and_causal_convolutions_match_keras():
    import keras

    from skgenre.models._numpy_net import NumpyNetwork

    rng = np.random.default_rng(1)
    inp = keras.Input((19, 3))
    a = keras.layers.Conv1D(4, 3, strides=2, padding="same", activation="sigmoid")(inp)
    b = keras.layers.Conv1D(4, 2, dilation_rate=3, padding="causal")(inp)
    b = keras.layers.MaxPooling1D(3, strides=2, padding="same")(b)
    x = keras.layers.Concatenate()([keras.layers.Flatten()(a), keras.layers.Flatten()(b)])
    out = keras.layers.Dense(3, activation="softmax")(x)
    model = _randomize(keras.Model(inp, out), rng)
    inp2 = keras.Input((9, 11, 2))
    y = keras.layers.Conv2D(3, (2, 3), strides=(2, 1), dilation_rate=1, padding="same")(inp2)
    y = keras.layers.Conv2D(3, 3, dilation_rate=(1, 2), padding="valid")(y)
    y = keras.layers.GlobalAveragePooling2D(keepdims=True)(y)
    model2 = _randomize(keras.Model(inp2, keras.layers.Flatten()(y)), rng)
    for m, shape in ((model, (19, 3)), (model2, (9, 11, 2))):
        X = rng.normal(size=(4, *shape)).astype("float32")
        np.testing.assert_allclose(NumpyNetwork.from_keras_model(m).predict(X),
                                   np.asarray(m(X, training=False)), rtol=0, atol=1e-5)


def test_sequential_models_match_keras():
    # Keras 3 names a Sequential model's layers in their configs: reading layers[0]["name"]
    # failed for every Sequential model
    import keras

    from skgenre.models._numpy_net import NumpyNetwork

    rng = np.random.default_rng(2)
    models = [
        keras.Sequential([keras.Input((7,)), keras.layers.Dense(5, activation="relu"),
                          keras.layers.Dense(3, activation="softmax")]),
        keras.Sequential([keras.Input((9, 2)), keras.layers.Conv1D(4, 3),
                          keras.layers.GlobalMaxPooling1D()]),
    ]
    for model, shape in zip(models, [(7,), (9, 2)]):
        model = _randomize(model, rng)
        X = rng.normal(size=(4, *shape)).astype("float32")
        np.testing.assert_allclose(NumpyNetwork.from_keras_model(model).predict(X),
                                   np.asarray(model(X, training=False)), rtol=0, atol=1e-5)


def test_layers_that_are_not_keras_own_float_layers_are_refused():
    import keras

    from skgenre.models._numpy_net import NumpyNetwork

    @keras.saving.register_keras_serializable(package="skgenre_test")
    class Dense(keras.layers.Dense):  # a built-in's name, another computation
        def call(self, x):
            return 3 * super().call(x)

    custom = keras.Sequential([keras.Input((4,)), Dense(2)])
    with pytest.raises(UnsupportedLayerError, match="is a custom layer .*skgenre_test>Dense"):
        NumpyNetwork.from_keras_model(custom)
    # settings the engine does not compute are unsupported (Keras computes them), not
    # damaged weights, whatever their shapes
    for layer in (keras.layers.Conv1D(4, 3, groups=2),
                  keras.layers.Conv1D(4, 3, data_format="channels_first")):
        model = keras.Sequential([keras.Input((8, 4)), layer])
        with pytest.raises(UnsupportedLayerError):
            NumpyNetwork.from_keras_model(model)
    quantized = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    if hasattr(quantized, "quantize"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            quantized.quantize("int8")
        with pytest.raises(UnsupportedLayerError, match="quantized"):
            NumpyNetwork.from_keras_model(quantized)


def gru_net(meta):
    """A network with a layer the NumPy engine does not compute (found by skops by name)."""
    import keras

    inp = keras.Input(meta["X_shape_"][1:])
    x = keras.layers.Reshape((2, 1))(inp)
    x = keras.layers.GRU(3, name="my_gru")(x)
    return keras.Model(inp, keras.layers.Dense(meta["n_classes_"], activation="softmax")(x))


def test_unsupported_layer_is_refused_by_name(tmp_path):
    import keras
    from sklearn.datasets import make_blobs

    from skgenre import GenreClassifier
    from skgenre.models._numpy_net import NumpyNetwork

    with pytest.raises(UnsupportedLayerError, match="'my_gru' of type 'GRU'"):
        NumpyNetwork.from_keras_model(gru_net({"X_shape_": (1, 2), "n_classes_": 2}))
    X, y = make_blobs(n_samples=20, centers=2, random_state=0)
    clf = GenreClassifier(gru_net, epochs=1, random_state=0).fit(X, y)
    with pytest.warns(UserWarning, match="trusted types"):  # the builder is a parameter
        path = save_model(clf, tmp_path / "gru.skgenre")
    trusted = [f"{gru_net.__module__}.gru_net"]
    with pytest.raises(ModelFileError, match="NumPy engine.*'my_gru' of type 'GRU'"):
        load_model(path, engine="numpy", trusted_types=trusted)
    # "auto" (the default) leaves such a network to Keras
    auto = load_model(path, trusted_types=trusted)
    assert isinstance(auto.model_, keras.Model)
    np.testing.assert_array_equal(auto.predict_proba(X), clf.predict_proba(X))
    with pytest.raises(ValueError, match="engine must be one of"):
        load_model(path, engine="torch")


def test_engines_switch_save_and_train_on(tmp_path):
    import keras
    from sklearn.datasets import make_blobs

    from skgenre import GenreClassifier
    from skgenre.models import NumpyNetwork, use_engine

    X, y = make_blobs(n_samples=40, centers=3, random_state=0)
    clf = GenreClassifier(epochs=3, model__hidden_layer_sizes=(8,), random_state=0).fit(X, y)
    expected = clf.predict_proba(X)
    loaded = load_model(save_model(clf, tmp_path / "a.skgenre"))
    assert isinstance(loaded.model_, NumpyNetwork)
    np.testing.assert_allclose(loaded.predict_proba(X), expected, rtol=0, atol=1e-6)
    # a NumPy-engine model saves again, byte for byte the same network
    again = load_model(save_model(loaded, tmp_path / "b.skgenre"), engine="keras")
    assert isinstance(again.model_, keras.Model)
    np.testing.assert_array_equal(again.predict_proba(X), expected)
    with zipfile.ZipFile(tmp_path / "a.skgenre") as a, zipfile.ZipFile(tmp_path / "b.skgenre") as b:
        assert a.read("networks/0.keras") == b.read("networks/0.keras")
    # use_engine both ways
    assert isinstance(use_engine(loaded, "keras").model_, keras.Model)
    np.testing.assert_array_equal(loaded.predict_proba(X), expected)
    assert isinstance(use_engine(loaded, "numpy").model_, NumpyNetwork)
    # training goes on in Keras, from the saved optimizer state, as for a Keras-loaded model
    keras_loaded = load_model(tmp_path / "a.skgenre", engine="keras")
    loaded.partial_fit(X, y)
    keras_loaded.partial_fit(X, y)
    assert isinstance(loaded.model_, keras.Model) and loaded.current_epoch == 4
    np.testing.assert_allclose(loaded.predict_proba(X), keras_loaded.predict_proba(X),
                               rtol=0, atol=1e-6)


def test_pickle_format_loads_with_the_same_engine(tmp_path):
    import pickle

    from sklearn.datasets import make_blobs

    from skgenre import GenreClassifier
    from skgenre.models import NumpyNetwork

    X, y = make_blobs(n_samples=30, centers=3, random_state=0)
    clf = GenreClassifier(epochs=2, model__hidden_layer_sizes=(8,), random_state=0).fit(X, y)
    path = save_model(clf, tmp_path / "m.joblib", format="pickle")
    loaded = load_model(path, trust_pickle=True)
    assert isinstance(loaded.model_, NumpyNetwork)
    np.testing.assert_allclose(loaded.predict_proba(X), clf.predict_proba(X), atol=1e-6)
    keras_loaded = load_model(path, trust_pickle=True, engine="keras")
    np.testing.assert_array_equal(keras_loaded.predict_proba(X), clf.predict_proba(X))
    # a NumPy-engine classifier pickles and copies as it is
    copy = pickle.loads(pickle.dumps(loaded))
    np.testing.assert_array_equal(copy.predict_proba(X), loaded.predict_proba(X))


def _fit_paper_feature_pipeline(files, tmp_path):
    from skgenre import make_feature_pipeline

    y = [p.parent.name for p in files]
    pipe = make_feature_pipeline("paper", random_state=0, epochs=2).fit(files, y)
    return pipe, save_model(pipe, tmp_path / "feature.skgenre")


def test_load_model_predict_imports_no_keras(tmp_path, gtzan_sample_files, assert_not_imported):
    files = [str(p) for p in gtzan_sample_files]
    pipe, path = _fit_paper_feature_pipeline(gtzan_sample_files, tmp_path)
    expected = pipe.predict_proba(files)
    code = textwrap.dedent(f"""
        import numpy as np
        from skgenre import load_model, predict_songs
        model = load_model({str(path)!r})
        got = model.predict_proba({files!r})
        np.testing.assert_allclose(got, np.array({expected.tolist()!r}), rtol=0, atol=1e-5)
        model.predict({files[:1]!r})
        predict_songs(model, {files[:2]!r})
    """)
    assert_not_imported(code, KERAS_FREE)


def test_cli_predict_imports_no_keras(tmp_path, gtzan_sample_files, assert_not_imported):
    _, path = _fit_paper_feature_pipeline(gtzan_sample_files, tmp_path)
    code = textwrap.dedent(f"""
        from skgenre.cli import main
        assert main(["predict", {str(path)!r}, {str(gtzan_sample_files[0])!r}, "--json"]) == 0
    """)
    assert_not_imported(code, KERAS_FREE)


# -- every network kind and preset, on real clips -------------------------------------------

KINDS = [(kind, preset) for kind in ("feature", "spec-dense", "cnn")
         for preset in ("paper", "tuned")]


@pytest.fixture(scope="module")
def mini_split(gtzan_dir):
    genres = ["blues", "classical", "metal", "pop"]
    train, test = [], []
    for genre in genres:
        files = sorted((gtzan_dir / "mini" / genre).glob("*"))
        if len(files) < 6:
            pytest.skip(f"GTZAN mini set incomplete in {gtzan_dir}")
        train += files[:3]
        test += files[3:6]
    return [str(p) for p in train], [p.split("/")[-2] for p in map(str, train)], [
        str(p) for p in test]


@pytest.mark.slow
@pytest.mark.parametrize("kind, preset", KINDS)
def test_every_kind_and_preset_matches_keras_on_real_clips(kind, preset, mini_split, tmp_path):
    from skgenre import make_cnn_pipeline, make_feature_pipeline, make_spectrogram_dense_pipeline
    from skgenre.models import NumpyNetwork

    make = {"feature": make_feature_pipeline, "spec-dense": make_spectrogram_dense_pipeline,
            "cnn": make_cnn_pipeline}[kind]
    train, y, test = mini_split
    # A few epochs: the weights only need to be trained, not good. float32 in Keras too
    # ("auto" would train the CNN in bfloat16 on CPUs that have it).
    pipe = make(preset, random_state=0, epochs=3, precision="float32").fit(train, y)
    clips = pipe[:-1].transform(test)  # real 5-s clips, through the fitted steps
    expected = pipe[-1].predict_proba(clips)  # Keras
    loaded = load_model(save_model(pipe, tmp_path / "m.skgenre"))
    assert isinstance(loaded[-1].model_, NumpyNetwork)
    got = loaded[-1].predict_proba(clips)
    assert np.abs(got - expected).max() <= 1e-5, np.abs(got - expected).max()
    # and the whole pipeline, from the audio files
    np.testing.assert_allclose(loaded.predict_proba(test), pipe.predict_proba(test),
                               rtol=0, atol=1e-5)


def test_numpy_engine_module_imports_no_keras(assert_not_imported):
    assert_not_imported("import skgenre.models._numpy_net, skgenre.models._engines",
                        KERAS_FREE + ["h5py"])
