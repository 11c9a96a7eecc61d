"""save_model / load_model: envelope, version warnings, refusal of non-model files."""

import pickle
import warnings

import joblib
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skgenre
from skgenre import ModelFileError, VersionMismatchWarning
from skgenre import _persist
from skgenre._persist import load_model, save_model


@pytest.fixture
def fitted():
    X = np.array([[0.0, 1.0], [1.0, 0.0], [0.1, 0.9], [0.9, 0.2]])
    y = np.array(["a", "b", "a", "b"])
    return make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y), X


def test_roundtrip_no_warning(tmp_path, fitted):
    model, X = fitted
    path = save_model(model, tmp_path / "m.joblib")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = load_model(path)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    np.testing.assert_allclose(loaded.predict_proba(X), model.predict_proba(X))


def test_envelope_records_versions(tmp_path, fitted):
    path = save_model(fitted[0], tmp_path / "m.joblib")
    env = joblib.load(path)
    assert env["magic"] == _persist._MAGIC
    assert env["versions"]["skgenre"] == skgenre.__version__
    assert set(env["versions"]) == {"skgenre", "scikit-learn", "keras", "tensorflow", "numpy"}
    assert env["versions"]["numpy"] == np.__version__


def test_version_mismatch_warns_naming_packages(tmp_path, fitted, monkeypatch):
    real = _persist._installed_versions()
    fake = dict(real, **{"scikit-learn": "0.1.0", "keras": "2.0.0"})
    monkeypatch.setattr(_persist, "_installed_versions", lambda: fake)
    path = save_model(fitted[0], tmp_path / "old.joblib")
    monkeypatch.setattr(_persist, "_installed_versions", lambda: real)
    with pytest.warns(VersionMismatchWarning) as rec:
        model = load_model(path)
    msg = str(rec[0].message)
    assert "scikit-learn 0.1.0" in msg and real["scikit-learn"] in msg
    assert "keras 2.0.0" in msg
    assert "numpy" not in msg  # unchanged packages are not named
    assert model.predict(fitted[1]).shape == (4,)


@pytest.mark.parametrize(
    "content, match",
    [
        (b"", "empty"),
        (b"genre,file\nblues,a.wav\n", "not a skgenre model file"),
        (bytes(range(256)) * 4, "not a skgenre model file"),
    ],
)
def test_non_model_bytes_raise(tmp_path, content, match):
    path = tmp_path / "x.joblib"
    path.write_bytes(content)
    with pytest.raises(ModelFileError, match=match):
        load_model(path)


def test_plain_dump_of_non_estimator_raises(tmp_path):
    path = tmp_path / "d.joblib"
    joblib.dump({"weights": [1, 2, 3]}, path)
    with pytest.raises(ModelFileError, match="not a skgenre model.*dict"):
        load_model(path)
    pickle.dump([1, 2], open(tmp_path / "l.pkl", "wb"))
    with pytest.raises(ModelFileError, match="list"):
        load_model(tmp_path / "l.pkl")


def test_bare_estimator_dump_loads_with_warning(tmp_path, fitted):
    path = tmp_path / "bare.joblib"
    joblib.dump(fitted[0], path)
    with pytest.warns(VersionMismatchWarning, match="without skgenre's version stamps"):
        model = load_model(path)
    assert hasattr(model, "predict")


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(ModelFileError, match="does not exist"):
        load_model(tmp_path / "nope.joblib")
    with pytest.raises(ModelFileError, match="directory"):
        load_model(tmp_path)


def test_future_format_refused(tmp_path, fitted):
    path = tmp_path / "f.joblib"
    joblib.dump({"magic": _persist._MAGIC, "format": 99, "versions": {}, "estimator": fitted[0]}, path)
    with pytest.raises(ModelFileError, match="format 99"):
        load_model(path)


def test_save_refuses_non_estimator(tmp_path):
    with pytest.raises(TypeError, match="estimator"):
        save_model([1, 2, 3], tmp_path / "x.joblib")


def test_model_file_error_is_value_error():
    assert issubclass(ModelFileError, ValueError)
    assert issubclass(ModelFileError, skgenre.SkgenreError)


def test_keras_classifier_roundtrip(tmp_path):
    from sklearn.datasets import make_blobs

    from skgenre import GenreClassifier

    X, y = make_blobs(n_samples=40, centers=3, random_state=0)
    clf = GenreClassifier(epochs=2, model__hidden_layer_sizes=(8,), random_state=0).fit(X, y)
    path = save_model(clf, tmp_path / "keras.joblib")
    with warnings.catch_warnings():
        warnings.simplefilter("error", VersionMismatchWarning)
        loaded = load_model(path)
    np.testing.assert_allclose(loaded.predict_proba(X), clf.predict_proba(X), rtol=1e-5)
