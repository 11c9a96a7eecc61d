"""save_model / load_model: the safe format, pickles only when trusted, atomic saves."""

import hashlib
import io
import json
import os
import pickle
import re
import select
import signal
import subprocess
import sys
import textwrap
import threading
import time
import warnings
import zipfile
import zlib
from pathlib import Path

import joblib
import numpy as np
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skgenre
from skgenre import ModelFileError, OutputError, VersionMismatchWarning
from skgenre import _model_versions, _persist
from skgenre._persist import load_model, save_model

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def fitted():
    X = np.array([[0.0, 1.0], [1.0, 0.0], [0.1, 0.9], [0.9, 0.2]])
    y = np.array(["a", "b", "a", "b"])
    return make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y), X


class _RunsCode:
    """Unpickling this writes a marker file: what a malicious model file would do."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (exec, (f"open({self.marker!r}, 'w').write('code ran')",))


class Doubler(TransformerMixin, BaseEstimator):
    """A transformer of the user's own: not on skgenre's trusted list."""

    def fit(self, X, y=None):
        self.n_features_in_ = np.shape(X)[1]
        return self

    def transform(self, X):
        return 2.0 * np.asarray(X)


class Planted(BaseEstimator):
    """A type whose construction (skops calls __setstate__) writes a marker file."""

    def __setstate__(self, state):
        open(state["marker"], "w").write("code ran")
        self.__dict__.update(state)


def _zip_replace(path, member, data):
    """Rewrite one member of a zip file."""
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    members[member] = data
    with zipfile.ZipFile(path, "w") as zf:
        for n, b in members.items():
            zf.writestr(n, b)


# -- the safe format ---------------------------------------------------------------------


def test_roundtrip_safe_default_no_warning(tmp_path, fitted):
    model, X = fitted
    path = save_model(model, tmp_path / "m.skgenre")
    assert path.read_bytes()[:4] == b"PK\x03\x04"  # the safe format is the default
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = load_model(path)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


def test_manifest_records_versions(tmp_path, fitted):
    path = save_model(fitted[0], tmp_path / "m.skgenre")
    with zipfile.ZipFile(path) as zf:
        manifest = json.loads(zf.read("skgenre-model.json"))
        assert set(zf.namelist()) == {"skgenre-model.json", "estimator.skops"}
    assert manifest["magic"] == _persist._MAGIC and manifest["format"] == 2
    assert manifest["versions"]["skgenre"] == skgenre.__version__
    assert manifest["versions"]["numpy"] == np.__version__
    assert {"scikit-learn", "keras", "tensorflow", "skops"} <= set(manifest["versions"])
    assert manifest["networks"] == [] and manifest["untrusted_types"] == []


def test_metadata_is_kept_and_read_without_loading(tmp_path, fitted, assert_not_imported):
    from skgenre import read_model_metadata

    meta = {"class_counts": {"a": 2, "b": 2}, "data": "GTZAN mini", "note": ["é", None]}
    path = save_model(fitted[0], tmp_path / "m.skgenre", metadata=meta)
    assert read_model_metadata(path) == meta
    assert read_model_metadata(save_model(fitted[0], tmp_path / "plain.skgenre")) == {}
    np.testing.assert_array_equal(load_model(path).predict(fitted[1]),
                                  fitted[0].predict(fitted[1]))
    with pytest.raises(ModelFileError, match="digest|SHA-256"):
        read_model_metadata(path, sha256="0" * 64)
    # a pickle keeps none, and is not unpickled to say so
    assert read_model_metadata(save_model(fitted[0], tmp_path / "m.joblib",
                                          format="pickle")) == {}
    joblib.dump(_RunsCode(tmp_path / "marker.txt"), tmp_path / "plant.joblib")
    assert read_model_metadata(tmp_path / "plant.joblib") == {}
    assert not (tmp_path / "marker.txt").exists()
    (tmp_path / "song.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt ")
    with pytest.raises(ModelFileError, match="audio file"):
        read_model_metadata(tmp_path / "song.wav")
    # only the manifest is read: neither scikit-learn nor Keras is imported
    assert_not_imported(
        f"from skgenre import read_model_metadata\n"
        f"assert read_model_metadata({str(path)!r})['data'] == 'GTZAN mini'",
        ["sklearn", "keras", "tensorflow", "skops"])


def test_metadata_that_would_not_come_back_is_refused(tmp_path, fitted):
    out = tmp_path / "m.skgenre"
    loop = {}
    loop["self"] = loop
    deep = {}
    for _ in range(20):
        deep = {"x": deep}
    for bad, match in [
        ([("class_counts", 1)], "must be a dict"),
        ({1: "a"}, "keys must be str"),
        ({"t": (1, 2)}, "lists \\(not tuples\\)"),
        ({"x": float("nan")}, "only JSON values"),
        ({"x": np.int64(3)}, "only JSON values"),
        ({"x": b"bytes"}, "only JSON values"),
        (loop, "nests more than"),
        (deep, "nests more than"),
        ({"x": "y" * (1 << 16)}, "at most 65536"),
    ]:
        with pytest.raises(ValueError, match=match):
            save_model(fitted[0], out, metadata=bad)
    assert not out.exists()
    with pytest.raises(ValueError, match="safe format only"):
        save_model(fitted[0], tmp_path / "m.joblib", format="pickle", metadata={"a": 1})
    assert not (tmp_path / "m.joblib").exists()


def test_metadata_that_is_not_an_object_is_damage(tmp_path, fitted):
    from skgenre import read_model_metadata

    path = save_model(fitted[0], tmp_path / "m.skgenre")
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    manifest = json.loads(members["skgenre-model.json"])
    manifest["metadata"] = ["not", "an", "object"]
    members["skgenre-model.json"] = json.dumps(manifest).encode()
    bad = tmp_path / "bad.skgenre"
    with zipfile.ZipFile(bad, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    with pytest.raises(ModelFileError, match="damaged: its metadata"):
        read_model_metadata(bad)


@pytest.mark.parametrize("fmt", ["safe", "pickle"])
def test_version_mismatch_warns_naming_packages(tmp_path, fitted, monkeypatch, fmt):
    real = _model_versions.installed_versions()
    fake = dict(real, **{"scikit-learn": "0.1.0", "keras": "2.0.0"})
    monkeypatch.setattr(_model_versions, "installed_versions", lambda: fake)
    path = save_model(fitted[0], tmp_path / "old.model", format=fmt)
    monkeypatch.setattr(_model_versions, "installed_versions", lambda: real)
    with pytest.warns(VersionMismatchWarning) as rec:
        model = load_model(path, trust_pickle=True)
    msg = str(rec[0].message)
    assert "scikit-learn 0.1.0" in msg and real["scikit-learn"] in msg
    assert "keras 2.0.0" in msg
    assert "numpy" not in msg  # unchanged packages are not named
    assert model.predict(fitted[1]).shape == (4,)


def test_no_keras_here_or_there_is_no_mismatch(tmp_path, fitted, monkeypatch):
    # the NumPy engine needs no Keras: a TensorFlow-free install must not warn at every load
    real = _model_versions.installed_versions()
    path = save_model(fitted[0], tmp_path / "m.skgenre")
    monkeypatch.setattr(_model_versions, "installed_versions",
                        lambda: dict(real, keras=None, tensorflow=None))
    with warnings.catch_warnings():
        warnings.simplefilter("error", VersionMismatchWarning)
        load_model(path)
    # a damaged stamp is every version unknown, not an AttributeError
    monkeypatch.setattr(_model_versions, "installed_versions", lambda: real)

    def stamp(members):
        manifest = json.loads(members["skgenre-model.json"])
        manifest["versions"] = ["1.0"]
        members["skgenre-model.json"] = json.dumps(manifest).encode()
        return members

    with zipfile.ZipFile(path) as zf:
        members = stamp({n: zf.read(n) for n in zf.namelist()})
    with zipfile.ZipFile(path, "w") as zf:
        for n, b in members.items():
            zf.writestr(n, b)
    with pytest.warns(VersionMismatchWarning, match="scikit-learn absent"):
        load_model(path)


def test_keras_classifier_roundtrip_safe(tmp_path):
    from sklearn.datasets import make_blobs

    from skgenre import GenreClassifier

    X, y = make_blobs(n_samples=40, centers=3, random_state=0)
    clf = GenreClassifier(epochs=2, model__hidden_layer_sizes=(8,), random_state=0).fit(X, y)
    path = save_model(clf, tmp_path / "keras.skgenre")
    with zipfile.ZipFile(path) as zf:
        assert "networks/0.keras" in zf.namelist()
    with warnings.catch_warnings():
        warnings.simplefilter("error", VersionMismatchWarning)
        loaded = load_model(path, engine="keras")
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    assert clf.model_ is not loaded.model_
    # the default engine: the same network computed by NumPy
    np.testing.assert_allclose(load_model(path).predict_proba(X), clf.predict_proba(X),
                               rtol=0, atol=1e-6)
    # saving does not touch the saved estimator (its network stays in place)
    assert clf.model_ is not None and clf.predict(X[:2]).shape == (2,)


def test_a_keras_model_parameter_trains_again_after_loading(tmp_path):
    # load_model computes every network with NumPy, the model= parameter's too: a fit of
    # the loaded classifier (or of its clone, as in a grid search) called that
    # NumpyNetwork as a builder ("predict() missing 1 required positional argument").
    import keras
    from sklearn.base import clone
    from sklearn.datasets import make_blobs

    from skgenre import GenreClassifier

    X, y = make_blobs(n_samples=40, centers=3, random_state=0)
    inputs = keras.Input((2,))
    hidden = keras.layers.Dense(8, activation="relu")(inputs)
    net = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(hidden))
    net.compile(optimizer=keras.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy")
    clf = GenreClassifier(model=net, epochs=2, random_state=0).fit(X, y)
    loaded = load_model(save_model(clf, tmp_path / "m.skgenre"))
    assert type(loaded.model).__name__ == "NumpyNetwork"
    expected = clf.fit(X, y).predict_proba(X)
    # a fresh fit starts from the parameter's weights and compilation, as the original's
    np.testing.assert_array_equal(loaded.fit(X, y).predict_proba(X), expected)
    assert type(loaded.model_.optimizer).__name__ == "SGD"
    np.testing.assert_array_equal(clone(loaded).fit(X, y).predict_proba(X), expected)


def test_a_network_that_needs_keras_where_there_is_none_is_a_model_file_error(
        tmp_path, monkeypatch):
    # A network the NumPy engine does not compute, moved to a machine without TensorFlow:
    # engine="auto" fell back to Keras with a bare ModuleNotFoundError (a traceback from
    # skgenre predict).
    import keras
    from sklearn.datasets import make_blobs

    from skgenre import GenreClassifier

    X, y = make_blobs(n_samples=30, centers=2, n_features=4, random_state=0)
    inputs = keras.Input((4,))
    hidden = keras.layers.GRU(3)(keras.layers.Reshape((4, 1))(inputs))
    net = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(hidden))
    clf = GenreClassifier(model=net, epochs=1, random_state=0).fit(X, y)
    path = save_model(clf, tmp_path / "gru.skgenre")
    monkeypatch.setitem(sys.modules, "keras", None)  # `import keras` fails, as uninstalled
    with pytest.raises(ModelFileError, match=r"network 0 needs Keras, which cannot be "
                                             r"imported here \(ModuleNotFoundError: .*the "
                                             r"NumPy engine does not compute it.*GRU"):
        load_model(path)
    with pytest.raises(ModelFileError, match="needs Keras.*engine='keras' was asked for"):
        load_model(path, engine="keras")


def test_a_trusted_pickle_that_needs_what_is_not_here_says_so(tmp_path, fitted,
                                                               monkeypatch):
    # A pickled model with networks on a machine without Keras, or holding a class of the
    # script that saved it, was "not a skgenre model file: it cannot be read as one".
    from sklearn.datasets import make_blobs

    from skgenre import GenreClassifier

    X, y = make_blobs(n_samples=30, centers=2, random_state=0)
    clf = GenreClassifier(epochs=1, model__hidden_layer_sizes=(4,), random_state=0).fit(X, y)
    with_network = save_model(clf, tmp_path / "net.joblib", format="pickle")
    notebook = type("NotebookDoubler", (Doubler,), {"__module__": "__main__"})
    monkeypatch.setattr(sys.modules["__main__"], "NotebookDoubler", notebook, raising=False)
    custom = save_model(make_pipeline(notebook(), LogisticRegression()).fit(
        fitted[1], ["a", "b"] * 2), tmp_path / "custom.joblib", format="pickle")
    monkeypatch.delattr(sys.modules["__main__"], "NotebookDoubler")
    for name in [m for m in sys.modules if m == "keras" or m.startswith("keras.")]:
        monkeypatch.setitem(sys.modules, name, None)  # imports fail, as uninstalled
    for path, what in ((with_network, "ModuleNotFoundError: .*keras"),
                       (custom, "AttributeError: .*NotebookDoubler")):
        with pytest.raises(ModelFileError, match=rf"is a pickle that needs what cannot be "
                                                 rf"imported here \({what}"):
            load_model(path, trust_pickle=True)


@pytest.fixture(scope="module")
def keras_model_file(tmp_path_factory):
    """A saved GenreClassifier (one small Dense network) and a few rows to predict."""
    from sklearn.datasets import make_blobs

    from skgenre import GenreClassifier

    X, y = make_blobs(n_samples=40, centers=3, random_state=0)
    clf = GenreClassifier(epochs=1, model__hidden_layer_sizes=(8,), random_state=0).fit(X, y)
    return save_model(clf, tmp_path_factory.mktemp("net") / "net.skgenre"), X


def _edit_weights(src, dst, edit):
    """Copy model file ``src`` to ``dst`` with its network's HDF5 weights edited."""
    import h5py

    with zipfile.ZipFile(src) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    with zipfile.ZipFile(io.BytesIO(members["networks/0.keras"])) as kz:
        inner = {n: kz.read(n) for n in kz.namelist()}
    h5 = io.BytesIO(inner["model.weights.h5"])
    with h5py.File(h5, "r+") as f:
        edit(f["layers/dense/vars"])
    inner["model.weights.h5"] = h5.getvalue()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as kz:
        for n, b in inner.items():
            kz.writestr(n, b)
    members["networks/0.keras"] = buf.getvalue()
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, b in members.items():
            zf.writestr(n, b)
    return dst


def _replace(name, **kwargs):
    def edit(vars_):
        del vars_[name]
        vars_.create_dataset(name, **kwargs)
    return edit


@pytest.mark.parametrize("engine", ["auto", "keras"])
def test_weights_that_read_other_files_are_refused(tmp_path, keras_model_file, engine):
    # HDF5 keeps a dataset's values in another file on request: a model file could read
    # any file of the user's into its weights, or hang reading a pipe
    src, _ = keras_model_file
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"SECRET" * 100)
    bias = _edit_weights(src, tmp_path / "ext.skgenre", _replace(
        "1", shape=(8,), dtype="f4", external=[(str(secret), 0, 32)]))
    with pytest.raises(ModelFileError, match=r"refused: '/layers/dense/vars/1' .* keeps its "
                                             r"values in another file"):
        load_model(bias, engine=engine)

    def link(vars_):
        import h5py

        del vars_["1"]
        vars_["1"] = h5py.ExternalLink(str(tmp_path / "other.h5"), "/x")

    linked = _edit_weights(src, tmp_path / "link.skgenre", link)
    with pytest.raises(ModelFileError, match="is a ExternalLink"):
        load_model(linked, engine=engine)
    text = _edit_weights(src, tmp_path / "str.skgenre", _replace("1", data=np.array([b"x"] * 8)))
    with pytest.raises(ModelFileError, match="not numbers"):
        load_model(text, engine=engine)


def test_weights_that_declare_more_than_max_size_are_refused(tmp_path, keras_model_file):
    # a chunked dataset never written takes no room in the file, and its size when read
    src, _ = keras_model_file
    bomb = _edit_weights(src, tmp_path / "bomb.skgenre", _replace(
        "0", shape=(1 << 20, 8), dtype="f4", chunks=(1024, 8)))
    assert bomb.stat().st_size < 100_000
    with pytest.raises(ModelFileError, match=r"its weights declare more than max_size=1000000 "
                                             r"bytes .*\(dataset '/layers/dense/vars/0'"):
        load_model(bomb, max_size=1_000_000)


@pytest.mark.parametrize("engine", ["auto", "numpy", "keras"])
def test_weights_of_the_wrong_shape_are_refused(tmp_path, keras_model_file, engine):
    # a bias of one value broadcast without error: a silently wrong network
    src, X = keras_model_file
    short = _edit_weights(src, tmp_path / "short.skgenre", _replace("1", data=np.zeros(1, "f4")))
    match = r"\(1,\)\], but its config needs .*\(8,\)" if engine != "keras" else "network 0"
    with pytest.raises(ModelFileError, match=match):
        load_model(short, engine=engine)


# Trusted types that only newer scikit-learn releases than the oldest supported one have.
_NEWER_SKLEARN_TYPES = {"sklearn.calibration._TemperatureScaling"}


def test_trusted_types_resolve_and_cover_every_estimator():
    import importlib
    import inspect

    from sklearn.base import BaseEstimator

    names = set(_persist.TRUSTED_TYPES)
    for name in names:
        module, _, attr = name.rpartition(".")
        if name in _NEWER_SKLEARN_TYPES and not hasattr(importlib.import_module(module), attr):
            continue  # an older scikit-learn than the one that has it
        assert inspect.isclass(getattr(importlib.import_module(module), attr)), name
    estimators = {
        f"{cls.__module__}.{cls.__qualname__}"
        for cls in (getattr(skgenre, n) for n in skgenre.__all__)
        if inspect.isclass(cls) and issubclass(cls, BaseEstimator)
    }
    assert estimators and estimators <= names, estimators - names


def test_sklearn_type_check_agrees_with_skops_default_list():
    # load_model's own check stands in for skops' default trust list (which the CLI skips
    # building); both must trust exactly scikit-learn's public estimators.
    from skops.io._trusted_types import SKLEARN_ESTIMATOR_TYPE_NAMES

    assert SKLEARN_ESTIMATOR_TYPE_NAMES
    for name in SKLEARN_ESTIMATOR_TYPE_NAMES:
        assert _persist._is_public_sklearn_estimator(name), name
    for name in [
        "sklearn.base.BaseEstimator",                 # the base itself
        "sklearn.base.TransformerMixin",              # not an estimator
        "sklearn.linear_model._base.LinearModel",     # abstract
        "sklearn.calibration._CalibratedClassifier",  # private name
        "sklearn.utils._testing.MinimalClassifier",   # test helper, not public
        "sklearn.utils._bunch.Bunch",
        "sklearn.pipeline.NoSuchThing",
        "sklearnx.pipeline.Pipeline",
        "os.system",
    ]:
        assert not _persist._is_public_sklearn_estimator(name), name


def test_load_without_skops_scan_of_sklearn(tmp_path, fitted, assert_not_imported):
    # What `skgenre predict` does: skops imported without its default list of scikit-learn
    # estimators (the scan imports all of scikit-learn, sklearn.utils._testing included).
    # The file still loads, and an unknown type is still refused.
    X = fitted[1]
    pipe = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, ["a", "b", "a", "b"])
    path = save_model(pipe, tmp_path / "plain.skgenre")
    expected = pipe.predict_proba(X)
    with pytest.warns(UserWarning, match="trusted types"):
        custom = save_model(make_pipeline(Doubler(), LogisticRegression()).fit(
            X, ["a", "b", "a", "b"]), tmp_path / "custom.skgenre")
    code = textwrap.dedent(f"""
        import numpy as np, pytest
        from skgenre import ModelFileError
        from skgenre._persist import import_skops_lean, load_model
        import_skops_lean()
        from skops.io._general import SKLEARN_ESTIMATOR_TYPE_NAMES
        assert SKLEARN_ESTIMATOR_TYPE_NAMES == []
        model = load_model({str(path)!r})
        np.testing.assert_allclose(model.predict_proba(np.array({X.tolist()!r})),
                                   np.array({expected.tolist()!r}), rtol=1e-12)
        with pytest.raises(ModelFileError, match="not on skgenre's list of trusted types"):
            load_model({str(custom)!r})
    """)
    assert_not_imported(code, ["sklearn.utils._testing", "tensorflow"])


def test_custom_transformer_needs_trusted_types(tmp_path, fitted):
    X = fitted[1]
    pipe = make_pipeline(Doubler(), LogisticRegression()).fit(X, ["a", "b", "a", "b"])
    name = f"{Doubler.__module__}.Doubler"
    with pytest.warns(UserWarning, match=f"trusted types.*{name}"):
        path = save_model(pipe, tmp_path / "custom.skgenre")
    with pytest.raises(ModelFileError, match=f"not on skgenre's list of trusted types.*{name}"):
        load_model(path)
    loaded = load_model(path, trusted_types=[name])
    np.testing.assert_array_equal(loaded.predict_proba(X), pipe.predict_proba(X))
    loaded = load_model(path, trusted_types=(n for n in [name]))
    np.testing.assert_array_equal(loaded.predict_proba(X), pipe.predict_proba(X))


@pytest.mark.parametrize("trusted_types", ["tests.test_persist.Doubler", True, [1]])
def test_trusted_types_that_are_no_list_of_names_are_refused(tmp_path, fitted, trusted_types):
    # A single name as a string was a set of letters: the file was refused with the advice
    # to pass the name given; True and [1] escaped as TypeErrors of the set operations.
    path = save_model(fitted[0], tmp_path / "m.skgenre")
    with pytest.raises(TypeError, match=r"trusted_types must be a list of type names.*got "):
        load_model(path, trusted_types=trusted_types)


def test_a_type_that_cannot_be_imported_is_named_not_called_damage(tmp_path, fitted,
                                                                   monkeypatch):
    # A transformer defined in a notebook or script lives in __main__, and a package may be
    # missing where the file is loaded: trusted, such a file was called "damaged"
    # (AttributeError: module '__main__' has no attribute ...), though it was intact.
    X = fitted[1]
    notebook = type("NotebookDoubler", (Doubler,), {"__module__": "__main__"})
    gone = type("Gone", (Doubler,), {"__module__": "skgenre_test_gone"})
    monkeypatch.setitem(sys.modules, "skgenre_test_gone", type(sys)("skgenre_test_gone"))
    sys.modules["skgenre_test_gone"].Gone = gone
    monkeypatch.setattr(sys.modules["__main__"], "NotebookDoubler", notebook, raising=False)
    # skops names a bound method module.Class.method: it resolves, though no module is
    # named module.Class
    from sklearn.preprocessing import FunctionTransformer

    method = FunctionTransformer(func=StandardScaler().fit(X).transform)
    pipe = make_pipeline(notebook(), gone(), method, LogisticRegression()).fit(X, ["a", "b"] * 2)
    with pytest.warns(UserWarning, match="trusted types"):
        path = save_model(pipe, tmp_path / "custom.skgenre")
    with zipfile.ZipFile(path) as zf:
        # skops names the bound method module.Class.method (0.12 on) or module.method
        names = json.loads(zf.read("skgenre-model.json"))["untrusted_types"]
    assert {"__main__.NotebookDoubler", "skgenre_test_gone.Gone"} < set(names)
    # where they are defined, the file loads
    np.testing.assert_array_equal(load_model(path, trusted_types=names).predict(X),
                                  pipe.predict(X))
    monkeypatch.delattr(sys.modules["__main__"], "NotebookDoubler")
    monkeypatch.delitem(sys.modules, "skgenre_test_gone")
    with pytest.raises(ModelFileError) as info:
        load_model(path, trusted_types=names)
    message = str(info.value)
    assert "damaged" not in message
    assert re.search(r"cannot be imported here: \['__main__.NotebookDoubler', "
                     r"'skgenre_test_gone.Gone'\]", message), message
    assert "'__main__'" in message and "install" in message
    # a file of another skgenre says which one saved it
    with zipfile.ZipFile(path) as zf:
        manifest = json.loads(zf.read("skgenre-model.json"))
    manifest["versions"]["skgenre"] = "99.0"
    _zip_replace(path, "skgenre-model.json", json.dumps(manifest).encode())
    with pytest.warns(VersionMismatchWarning), pytest.raises(ModelFileError,
                                                             match="skgenre 99.0, which saved it"):
        load_model(path, trusted_types=names)


def test_planted_type_in_safe_file_is_refused_before_it_is_built(tmp_path, fitted):
    import skops.io as sio

    marker = tmp_path / "marker.txt"
    path = save_model(fitted[0], tmp_path / "m.skgenre")
    evil = Planted()
    evil.marker = str(marker)
    _zip_replace(path, "estimator.skops", sio.dumps(evil))
    with pytest.raises(ModelFileError, match="Planted"):
        load_model(path)
    assert not marker.exists()
    # The plant is real: trusting its type lets skops build it, and the code runs.
    with pytest.raises(ModelFileError):  # (and then it is no estimator)
        load_model(path, trusted_types=[f"{Planted.__module__}.Planted"])
    assert marker.exists()


def test_lambda_layer_refused_by_keras_safe_mode(tmp_path):
    import keras
    from sklearn.datasets import make_blobs

    from skgenre import GenreClassifier

    X, y = make_blobs(n_samples=30, centers=2, random_state=0)
    clf = GenreClassifier(epochs=1, model__hidden_layer_sizes=(4,), random_state=0).fit(X, y)
    path = save_model(clf, tmp_path / "k.skgenre")
    inp = keras.Input((2,))
    out = keras.layers.Lambda(lambda t: t * 2.0)(inp)
    lam = keras.Model(inp, keras.layers.Dense(2, activation="softmax")(out))
    member = tmp_path / "lam.keras"
    lam.save(member)
    _zip_replace(path, "networks/0.keras", member.read_bytes())
    with pytest.raises(ModelFileError, match="safe mode"):
        load_model(path)


def test_damaged_and_foreign_zip_files(tmp_path, fitted):
    path = save_model(fitted[0], tmp_path / "m.skgenre")
    data = path.read_bytes()
    cut = tmp_path / "cut.skgenre"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError, match="not a skgenre model file|damaged"):
        load_model(cut)
    foreign = tmp_path / "other.zip"
    with zipfile.ZipFile(foreign, "w") as zf:
        zf.writestr("config.json", "{}")
        zf.writestr("model.weights.h5", b"")
    with pytest.raises(ModelFileError, match="bare Keras model"):
        load_model(foreign)
    missing = tmp_path / "missing_member.skgenre"
    missing.write_bytes(data)
    with zipfile.ZipFile(path) as zf:
        manifest = json.loads(zf.read("skgenre-model.json"))
    manifest["networks"] = ["networks/0.keras"]
    _zip_replace(missing, "skgenre-model.json", json.dumps(manifest).encode())
    with pytest.raises(ModelFileError, match="missing members"):
        load_model(missing)
    manifest["networks"], manifest["format"] = [], 99
    _zip_replace(missing, "skgenre-model.json", json.dumps(manifest).encode())
    with pytest.raises(ModelFileError, match="format 99"):
        load_model(missing)


def _zip_of(members, compression=zipfile.ZIP_DEFLATED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compression) as zf:
        for n, b in members.items():
            zf.writestr(n, b)
    return buf.getvalue()


def _members(path):
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _changes_content(stream, pos):
    """Whether flipping byte ``pos`` of a raw deflate ``stream`` changes what it holds."""
    flipped = bytearray(stream)
    flipped[pos] ^= 0xFF
    try:
        return zlib.decompressobj(-15).decompress(bytes(flipped)) != (
            zlib.decompressobj(-15).decompress(stream))
    except zlib.error:
        return True


@pytest.mark.parametrize("member", ["skgenre-model.json", "estimator.skops"])
def test_byte_flip_in_a_compressed_member(tmp_path, fitted, member):
    path = save_model(fitted[0], tmp_path / "m.skgenre")
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(member)
    # the middle of the member's deflate stream (after its local header); a flip that
    # leaves the content as it was (a back-reference moved onto equal bytes: measured once
    # in 60 saves, whose zip timestamps differ) damages nothing, so the next byte is taken
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    stream = bytes(data[start:start + info.compress_size])
    pos = info.compress_size // 2
    while not _changes_content(stream, pos):
        pos += 1
    data[start + pos] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match=f"m.skgenre.*damaged.*{member}") as err:
        load_model(path)
    assert "zlib.error" in str(err.value) or "CRC" in str(err.value)
    # a stored (uncompressed) member with a flipped byte: its CRC says so
    path = save_model(fitted[0], tmp_path / "stored.skgenre", compress=0)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(member)
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start + 3] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match=f"damaged.*{member}.*CRC"):
        load_model(path)


def test_deep_nesting_is_refused_without_recursion_error(tmp_path, fitted):
    path = save_model(fitted[0], tmp_path / "m.skgenre")
    members = _members(path)
    deep = tmp_path / "deep.skgenre"
    deep.write_bytes(_zip_of({**members, "skgenre-model.json": b"[" * 200_000}))
    with pytest.raises(ModelFileError, match="deep.skgenre.*manifest is nested too deeply"):
        load_model(deep)
    # valid JSON, nested deeper than any model: refused before it is walked
    nested = json.loads(members["skgenre-model.json"])
    nested["versions"] = json.loads("[" * 500 + "]" * 500)
    deep.write_bytes(_zip_of({**members, "skgenre-model.json": json.dumps(nested).encode()}))
    with pytest.raises(ModelFileError, match="manifest is nested more than"):
        load_model(deep)
    # skops' schema inside the estimator member, and a network's Keras config
    inner = _members(io.BytesIO(members["estimator.skops"]))
    inner["schema.json"] = b'{"a": ' * 5000 + b"1" + b"}" * 5000
    deep.write_bytes(_zip_of({**members, "estimator.skops": _zip_of(inner)}))
    with pytest.raises(ModelFileError, match="'schema.json' of 'estimator.skops' is nested"):
        load_model(deep)
    manifest = json.loads(members["skgenre-model.json"])
    manifest["networks"] = ["networks/0.keras"]
    network = _zip_of({"config.json": b"[" * 1000 + b"]" * 1000, "model.weights.h5": b""})
    deep.write_bytes(_zip_of({**members, "skgenre-model.json": json.dumps(manifest).encode(),
                              "networks/0.keras": network}))
    with pytest.raises(ModelFileError, match="'config.json' of 'networks/0.keras' is nested"):
        load_model(deep)


def _deflated_zeros(n_blocks, block=1 << 24):
    """A raw deflate stream of ``n_blocks * block`` zero bytes, made in milliseconds.

    A full flush leaves the stream byte-aligned and its window unused, so the compressed
    block can be repeated; an empty final block closes the stream.
    """
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    flushed = comp.compress(bytes(block)) + comp.flush(zlib.Z_FULL_FLUSH)
    return flushed * n_blocks + zlib.compressobj(9, zlib.DEFLATED, -15).flush()


def _zip_raw(members):
    """A zip from ``(name, raw_deflate, declared_size, crc)``: its directory says what we say."""
    import struct

    out, central = bytearray(), bytearray()
    for name, raw, size, crc in members:
        fname, offset = name.encode(), len(out)
        fields = (20, 0, zipfile.ZIP_DEFLATED, 0, 0, crc, len(raw), size, len(fname), 0)
        out += struct.pack("<4s5HL2L2H", b"PK\x03\x04", *fields) + fname + raw
        central += struct.pack("<4s6HL2L5HLL", b"PK\x01\x02", 20, *fields, 0, 0, 0, 0,
                               offset) + fname
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members),
                      len(central), len(out), 0)
    return bytes(out + central + end)


def test_zip_bomb_costs_no_memory(tmp_path, fitted):
    """A 1.5 MB file declaring 1.5 GiB is refused from its directory, before decompressing."""
    import tracemalloc

    import skops.io  # noqa: F401  (imported before measuring)

    path = save_model(fitted[0], tmp_path / "m.skgenre")
    members = _members(path)
    manifest = members["skgenre-model.json"]
    bomb_stream = _deflated_zeros(96)  # 1.5 GiB of zeros in about 1.5 MB
    assert len(bomb_stream) < 2_000_000
    # (the bomb's CRC is not computed: a reader that decompressed it would fail only after)
    head = ("skgenre-model.json", zlib.compress(manifest)[2:-4], len(manifest),
            zlib.crc32(manifest))
    flat = _zip_raw([head, ("estimator.skops", bomb_stream, 96 << 24, 0)])
    # the bomb inside the estimator's own zip, whose outer member is small
    inner = _zip_raw([("schema.json", bomb_stream, 96 << 24, 0)])
    nested = _zip_of({"skgenre-model.json": manifest, "estimator.skops": inner})
    # a directory that lies: 1000 bytes declared, 1.5 GiB in the stream
    liar = _zip_raw([head, ("estimator.skops", bomb_stream, 1000, 0)])
    cases = [(flat, "refused before it was decompressed.*max_size"),
             (nested, "refused before it was decompressed.*'schema.json' of 'estimator.skops'"),
             (liar, "damaged.*'estimator.skops'")]
    for data, match in cases:
        bomb = tmp_path / "bomb.skgenre"
        bomb.write_bytes(data)
        tracemalloc.start()
        try:
            with pytest.raises(ModelFileError) as err:
                load_model(bomb)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        # what the file holds (1.5 MB) and a little more, not what it declares (1.5 GiB)
        assert peak < 3 * len(data) + (8 << 20), (match, peak)
        assert re.search(match, str(err.value)), str(err.value)
    # the bound is a parameter: a real model passes the default, not a tiny bound
    with pytest.raises(ModelFileError, match=r"max_size=1000\b.*load_model\(path, max_size="):
        load_model(path, max_size=1000)
    with pytest.raises(ModelFileError, match="more than max_size=100;"):
        load_model(path, max_size=100)
    with pytest.raises(ValueError, match="max_size"):
        load_model(path, max_size=0)


def test_file_cut_short_is_called_truncated(tmp_path, fitted):
    """Cut short, a file can end inside a stored .keras network, whose zip end record
    zipfile then takes for the file's own: it is truncated, not 'a bare Keras model'."""
    path = save_model(fitted[0], tmp_path / "m.skgenre", compress=0)
    members = _members(path)
    manifest = json.loads(members["skgenre-model.json"])
    manifest["networks"] = ["networks/0.keras"]
    members["skgenre-model.json"] = json.dumps(manifest).encode()
    members["networks/0.keras"] = _zip_of({"config.json": b"{}", "model.weights.h5": bytes(64)})
    whole = _zip_of(members, compression=zipfile.ZIP_STORED)
    # also cut where the file's own directory begins: the file then ends with the stored
    # network's whole zip, end record and all (it was called a bare Keras model)
    directory = int.from_bytes(whole[-6:-2], "little")
    for end in (len(whole) - 100, len(whole) - 1000, directory):
        path.write_bytes(whole[:end])
        with pytest.raises(ModelFileError, match="m.skgenre.*truncated") as err:
            load_model(path)
        assert "Keras" not in str(err.value)


# -- pickles: refused unless trusted --------------------------------------------------------


def test_code_running_pickle_is_refused_by_default(tmp_path):
    marker = tmp_path / "marker.txt"
    path = tmp_path / "model.joblib"
    joblib.dump(_RunsCode(marker), path)
    with pytest.raises(ModelFileError, match="pickle.*trust_pickle=True.*--sha256"):
        load_model(path)
    assert not marker.exists()
    with pytest.raises(ModelFileError, match="SHA-256"):
        load_model(path, sha256="0" * 64)
    assert not marker.exists()
    # The plant is real: trusting the file runs its code (then it holds no estimator).
    with pytest.raises(ModelFileError, match="NoneType"):
        load_model(path, trust_pickle=True)
    assert marker.read_text() == "code ran"


def test_code_running_pickle_refused_by_cli_predict(tmp_path, capsys):
    from skgenre.cli import main

    marker = tmp_path / "marker.txt"
    path = tmp_path / "model.joblib"
    joblib.dump(_RunsCode(marker), path)
    song = tmp_path / "song.wav"
    song.write_bytes(b"")
    code = main(["predict", str(path), str(song)])
    err = capsys.readouterr().err
    assert code == 2 and "--trust-pickle" in err and "--sha256" in err
    assert not marker.exists()


def test_predict_help_says_pickles_run_code(capsys):
    from skgenre.cli import main

    assert main(["predict", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "--trust-pickle" in out and "--sha256 HEX" in out
    assert "run arbitrary code" in out


@pytest.mark.parametrize("compress", [0, 3])
def test_pickle_format_with_trust_or_sha256(tmp_path, fitted, compress):
    model, X = fitted
    path = save_model(model, tmp_path / "m.joblib", format="pickle", compress=compress)
    env = joblib.load(path)  # the envelope, as before
    assert env["magic"] == _persist._MAGIC and env["format"] == 1
    assert env["versions"]["skgenre"] == skgenre.__version__
    with pytest.raises(ModelFileError, match="pickle"):
        load_model(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    for loaded in (load_model(path, trust_pickle=True), load_model(path, sha256=digest.upper())):
        np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    with pytest.raises(ValueError, match="64 hexadecimal"):
        load_model(path, sha256="abc")


@pytest.mark.parametrize("kind, command", [("gzip", "gunzip"), ("bzip2", "bunzip2"),
                                           ("xz", "unxz")])
def test_a_compressed_safe_file_is_not_called_a_pickle(tmp_path, fitted, kind, command):
    # gzip, bzip2 and xz start joblib's compressed pickles too: a safe file compressed for a
    # copy was called a pickle, to be loaded with trust_pickle=True
    import bz2
    import gzip
    import lzma

    compress = {"gzip": gzip.compress, "bzip2": bz2.compress, "xz": lzma.compress}[kind]
    model, X = fitted
    packed = tmp_path / "m.skgenre.packed"
    packed.write_bytes(compress(save_model(model, tmp_path / "m.skgenre").read_bytes()))
    for trust in (False, True):
        with pytest.raises(ModelFileError, match=rf"is a {kind}-compressed zip file.*"
                                                 rf"decompress it \({command} FILE\)"):
            load_model(packed, trust_pickle=trust)
    from skgenre import read_model_metadata

    with pytest.raises(ModelFileError, match=rf"is a {kind}-compressed zip file"):
        read_model_metadata(packed)  # not "a pickle: no metadata"
    # joblib's pickles compressed the same ways are pickles still
    pickled = tmp_path / "m.joblib"
    joblib.dump(model, pickled, compress=({"bzip2": "bz2"}.get(kind, kind), 3))
    with pytest.raises(ModelFileError, match="is a pickle"):
        load_model(pickled)
    with pytest.warns(VersionMismatchWarning):  # a bare estimator, as before
        np.testing.assert_array_equal(load_model(pickled, trust_pickle=True).predict(X),
                                      model.predict(X))


def test_sha256_checked_for_safe_files_too(tmp_path, fitted):
    path = save_model(fitted[0], tmp_path / "m.skgenre")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert load_model(path, sha256=digest) is not None
    with pytest.raises(ModelFileError, match=f"expected {'f' * 64}.*{digest}"):
        load_model(path, sha256="f" * 64)


def test_plain_dump_of_non_estimator_raises(tmp_path):
    path = tmp_path / "d.joblib"
    joblib.dump({"weights": [1, 2, 3]}, path)
    with pytest.raises(ModelFileError, match="not a skgenre model.*dict"):
        load_model(path, trust_pickle=True)
    pickle.dump([1, 2], open(tmp_path / "l.pkl", "wb"))
    with pytest.raises(ModelFileError, match="list"):
        load_model(tmp_path / "l.pkl", trust_pickle=True)


def test_bare_estimator_dump_loads_with_warning(tmp_path, fitted):
    path = tmp_path / "bare.joblib"
    joblib.dump(fitted[0], path)
    with pytest.warns(VersionMismatchWarning, match="without skgenre's version stamps"):
        model = load_model(path, trust_pickle=True)
    assert hasattr(model, "predict")


def test_future_pickle_format_refused(tmp_path, fitted):
    path = tmp_path / "f.joblib"
    joblib.dump({"magic": _persist._MAGIC, "format": 99, "versions": {}, "estimator": fitted[0]}, path)
    with pytest.raises(ModelFileError, match="format 99"):
        load_model(path, trust_pickle=True)


# -- files that are not models ----------------------------------------------------------


@pytest.mark.parametrize(
    "content, match",
    [
        (b"", "empty"),
        (b"genre,file\nblues,a.wav\n", "not a skgenre model file"),
        (bytes(range(256)) * 4, "not a skgenre model file"),
        (b"RIFF\x24\x08\x00\x00WAVEfmt " + bytes(100), "WAV audio file, not a skgenre model"),
        (b"ID3\x03\x00" + bytes(100), "MP3 audio file.*the model comes first"),
    ],
)
def test_non_model_bytes_raise(tmp_path, content, match):
    path = tmp_path / "x.joblib"
    path.write_bytes(content)
    with pytest.raises(ModelFileError, match=match):
        load_model(path)


def test_missing_file_directory_and_fifo(tmp_path):
    with pytest.raises(ModelFileError, match="does not exist"):
        load_model(tmp_path / "nope.skgenre")
    with pytest.raises(ModelFileError, match="directory"):
        load_model(tmp_path)
    fifo = tmp_path / "pipe.skgenre"
    os.mkfifo(fifo)
    with pytest.raises(ModelFileError, match="not a regular file"):
        load_model(fifo)  # refused without opening it: this would block otherwise


def test_model_file_error_is_value_error():
    assert issubclass(ModelFileError, ValueError)
    assert issubclass(ModelFileError, skgenre.SkgenreError)


# -- what save_model refuses ---------------------------------------------------------------


def test_save_refuses_non_estimator_and_unfitted(tmp_path):
    with pytest.raises(TypeError, match="estimator"):
        save_model([1, 2, 3], tmp_path / "x.skgenre")
    for unfitted in (LogisticRegression(), make_pipeline(StandardScaler(), LogisticRegression())):
        with pytest.raises(NotFittedError, match="not fitted yet.*call fit first"):
            save_model(unfitted, tmp_path / "u.skgenre")
    assert not (tmp_path / "u.skgenre").exists()
    with pytest.raises(ValueError, match="format"):
        save_model(LogisticRegression().fit([[0], [1]], [0, 1]), tmp_path / "f", format="onnx")


def test_unusable_path_refused_before_serialising(tmp_path, fitted, monkeypatch):
    def boom(*args, **kwargs):
        raise AssertionError("serialised although the path is unusable")

    monkeypatch.setattr(_persist, "_safe_payload", boom)
    for bad in (tmp_path, tmp_path / "no" / "m.skgenre", "", "/dev/full"):
        with pytest.raises(OutputError):
            save_model(fitted[0], bad)


# -- atomic saves ----------------------------------------------------------------------------


def test_interrupt_during_save_keeps_previous_model(tmp_path, fitted, monkeypatch):
    from skgenre.utils import _atomic

    model, X = fitted
    path = save_model(model, tmp_path / "m.skgenre")
    before = path.read_bytes()
    other = make_pipeline(StandardScaler(), LogisticRegression(C=0.01)).fit(X, ["b", "a", "b", "a"])

    def interrupted(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(_atomic.os, "fsync", interrupted)
    for fmt in ("safe", "pickle"):
        with pytest.raises(KeyboardInterrupt):
            save_model(other, path, format=fmt)
        assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.skgenre"]  # no temp file left
    monkeypatch.undo()
    np.testing.assert_array_equal(load_model(path).predict(X), model.predict(X))


_SAVER = textwrap.dedent(
    """
    import os, signal, sys, numpy as np
    # The test starts this child with SIGINT ignored, as a test run started in the background
    # by a non-interactive shell has it (an ignored signal stays ignored across exec, and
    # Python then installs no handler): the handler a Python at a terminal has, made explicit.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    from sklearn.linear_model import LogisticRegression
    from skgenre import save_model
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 200))
    y = (X[:, 0] > 0).astype(int)
    model = LogisticRegression(max_iter=5).fit(X, y)
    model.big_ = rng.normal(size=(1000, 1000))  # ~8 MB, so that a write takes a while
    # The first save imports skops and joblib. CPython drops an interrupt that lands in
    # an import's lock clean-up (a weakref callback: "Exception ignored in ... cb"), so
    # the loop starts after them and the test times interrupts of the writes themselves.
    save_model(model, sys.argv[1], compress=0)
    print("ready", flush=True)
    try:
        while True:
            save_model(model, sys.argv[1], compress=0)
    except KeyboardInterrupt:
        # save_model's own clean-up has run; skip the interpreter's slow teardown.
        print("KeyboardInterrupt", file=sys.stderr, flush=True)
        os._exit(130)
    """
)


def _child_env():
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _ignore_sigint():
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _wait_ready(proc, timeout=600):
    """The child's first line, or a failure that says why it never came (with its stderr)."""
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    line = proc.stdout.readline().strip() if ready else None
    if line != "ready":
        proc.kill()
        _, err = proc.communicate()
        pytest.fail(f"the saver never got ready (first line {line!r}, exit {proc.returncode}):"
                    f"\n{err[-3000:]}")


def _interrupt(proc, deadline_s=600, every_s=30):
    """SIGINT ``proc`` as a user at the keyboard would: again if one is lost.

    CPython can lose one where it runs a callback it cannot raise from (a weakref or
    ``__del__``); another Ctrl-C then stops the process. A slow machine only delays the exit,
    so the wait between tries is long. A save that held signals for good would ignore every
    try until the deadline.
    """
    stop = time.monotonic() + deadline_s
    while True:
        proc.send_signal(signal.SIGINT)
        try:
            return proc.communicate(timeout=every_s)[1]
        except subprocess.TimeoutExpired:
            if time.monotonic() > stop:
                proc.kill()
                raise


def test_sigint_while_saving_leaves_a_whole_model(tmp_path, fitted):
    """A real SIGINT at random moments of a save loop never leaves a broken file.

    What the test depends on is the child's SIGINT handler, not the machine's load: it is
    started with SIGINT ignored (the worst a parent can hand down) and installs Python's
    default handler itself; under load, only the waits grow.
    """
    path = tmp_path / "m.skgenre"
    save_model(fitted[0], path)
    rng = np.random.default_rng(1)
    for delay in rng.uniform(0.0, 0.4, size=3):
        proc = subprocess.Popen(
            [sys.executable, "-c", _SAVER, str(path)], env=_child_env(),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            preexec_fn=_ignore_sigint,
        )
        _wait_ready(proc)
        time.sleep(delay)
        err = _interrupt(proc)
        assert "KeyboardInterrupt" in err
        model = load_model(path)  # the old model or a new one, whole
        assert hasattr(model, "predict")
        assert sorted(p.name for p in tmp_path.iterdir()) == ["m.skgenre"]


_HOLDER = textwrap.dedent(
    """
    import signal, sys, threading, time
    from skgenre.utils._atomic import _signals_held
    # Python's own SIGINT handler, as in a terminal: a test run started in the background
    # (no job control) hands its children SIGINT ignored, which _signals_held leaves alone.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    # A second thread that does not block SIGINT: the kernel hands it a signal sent to the
    # process while the main thread holds it (numpy's BLAS threads are such threads).
    threading.Thread(target=time.sleep, args=(30,), daemon=True).start()
    try:
        with _signals_held():
            print("holding", flush=True)
            time.sleep(3)
            print("block done", flush=True)
    except KeyboardInterrupt:
        print("interrupted after the block", flush=True)
    """
)


def test_signals_held_against_other_threads(tmp_path):
    """A SIGINT sent while the main thread holds signals arrives after the block, not in it."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOLDER], env=_child_env(), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )
    assert proc.stdout.readline().strip() == "holding"
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert out.split() == ["block", "done", "interrupted", "after", "the", "block"], (out, err)


def test_full_disk_keeps_previous_model(tmp_path, fitted):
    """A file-size limit (what ``ulimit -f`` sets) makes the write fail half-way."""
    pytest.importorskip("resource")
    path = tmp_path / "m.skgenre"
    save_model(fitted[0], path)
    before = path.read_bytes()
    script = textwrap.dedent(
        """
        import resource, sys, numpy as np
        from sklearn.linear_model import LogisticRegression
        from skgenre import OutputError, save_model
        X = np.random.default_rng(0).normal(size=(100, 50000))
        model = LogisticRegression(max_iter=1).fit(X, X[:, 0] > 0)
        resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))
        try:
            save_model(model, sys.argv[1], compress=0)
        except OutputError as exc:
            print("refused:", exc)
        """
    )
    res = subprocess.run(
        [sys.executable, "-c", script, str(path)], env=_child_env(),
        capture_output=True, text=True, timeout=120,
    )
    assert "refused:" in res.stdout and "File too large" in res.stdout, res.stderr
    assert "Traceback" not in res.stderr
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.skgenre"]


def test_reader_racing_a_writer_sees_old_or_new(tmp_path):
    """A reader never sees a missing, empty or half-written model while one is saved."""
    X = np.random.default_rng(0).normal(size=(200, 300))
    models = [LogisticRegression(C=c, max_iter=50).fit(X, X[:, 0] > 0) for c in (0.01, 10.0)]
    path = tmp_path / "m.skgenre"
    save_model(models[0], path)
    expected = [m.predict_proba(X[:5]) for m in models]
    stop = time.monotonic() + 2.0
    errors, reads, writes = [], [0], [0]

    def writer():
        i = 0
        while time.monotonic() < stop:
            save_model(models[i % 2], path)
            i += 1
        writes[0] = i

    def reader():
        while time.monotonic() < stop:
            try:
                proba = load_model(path).predict_proba(X[:5])
            except Exception as exc:  # a broken read: what the test must never see
                errors.append(repr(exc))
                continue
            if not any(np.array_equal(proba, e) for e in expected):
                errors.append("a model that is neither the old nor the new one")
            reads[0] += 1

    threads = [threading.Thread(target=writer), threading.Thread(target=reader)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors, errors[:3]
    assert reads[0] > 10 and writes[0] > 10


def test_atomic_write_bytes_race(tmp_path):
    """Raw atomic_write: a reader sees exactly one of two 4 MB contents, every time."""
    from skgenre.utils import atomic_write

    path = tmp_path / "results.json"
    contents = [bytes([65]) * (4 << 20), bytes([66]) * (4 << 20)]
    path.write_bytes(contents[0])
    stop = time.monotonic() + 1.5
    bad = []

    def writer():
        i = 0
        while time.monotonic() < stop:
            with atomic_write(path) as f:
                f.write(contents[i % 2])
            i += 1

    t = threading.Thread(target=writer)
    t.start()
    n = 0
    while t.is_alive():
        with open(path, "rb") as f:
            data = f.read()
        if data not in contents:
            bad.append(len(data))
        n += 1
    t.join()
    assert not bad and n > 5


# -- every kind of model, in a fresh process ----------------------------------------------

_CHECK = textwrap.dedent(
    """
    import sys, numpy as np
    from skgenre import load_model
    from skgenre.datasets import make_toy_genres
    X = make_toy_genres(n_per_class=2, n_classes=3, duration=6.0, random_state=5).data
    for path in sys.argv[1:]:
        np.save(path + ".npy", load_model(path).predict_proba(X))
        np.save(path + ".keras.npy", load_model(path, engine="keras").predict_proba(X))
    """
)


def _roundtrip_in_fresh_process(tmp_path, models):
    from skgenre.datasets import make_toy_genres
    from skgenre.models import use_engine

    toy = make_toy_genres(n_per_class=6, n_classes=3, duration=6.0, random_state=0)
    X_new = make_toy_genres(n_per_class=2, n_classes=3, duration=6.0, random_state=5).data
    expected, expected_numpy, paths = {}, {}, []
    for name, model in models.items():
        model.fit(toy.data, toy.target)
        expected[name] = model.predict_proba(X_new)
        paths.append(save_model(model, tmp_path / f"{name}.skgenre"))
        expected_numpy[name] = use_engine(model, "numpy").predict_proba(X_new)
    res = subprocess.run(
        [sys.executable, "-c", _CHECK, *map(str, paths)], env=_child_env(),
        capture_output=True, text=True, timeout=600,
    )
    assert res.returncode == 0, res.stderr[-3000:]
    for name, path in zip(models, paths):
        got = np.load(str(path) + ".keras.npy")
        np.testing.assert_array_equal(got, expected[name], err_msg=name)
        # NumPy engine, the default (this compared the Keras result above a second time):
        # what the same networks compute with it here. How close the two engines come is
        # test_numpy_net.py's matter: on a CPU with AMX the paper CNN's float32 Keras
        # result on these toy songs was 1.9e-4 from a float64 pass, the NumPy engine's 5e-6,
        # and the presets train the CNN in bfloat16 there.
        got = np.load(str(path) + ".npy")
        np.testing.assert_array_equal(got, expected_numpy[name], err_msg=name)


def test_feature_pipeline_and_track_classifier_roundtrip_in_a_fresh_process(tmp_path):
    from skgenre import make_feature_pipeline
    from skgenre.models import TrackClassifier

    inner = make_feature_pipeline("paper", random_state=0, epochs=1)[2:]
    _roundtrip_in_fresh_process(tmp_path, {
        "feature": make_feature_pipeline("paper", random_state=0, epochs=1),
        "track": TrackClassifier(inner, clip_duration=2.0, sr=22050, random_state=0),
    })


@pytest.mark.slow
def test_every_model_kind_roundtrips_in_a_fresh_process(tmp_path):
    from skgenre import (
        make_cnn_pipeline,
        make_feature_pipeline,
        make_spectrogram_dense_pipeline,
    )
    from skgenre.models import make_ensemble

    _roundtrip_in_fresh_process(tmp_path, {
        "spec_dense": make_spectrogram_dense_pipeline("paper", random_state=0, epochs=1),
        "cnn_paper": make_cnn_pipeline("paper", random_state=0, epochs=1),
        "cnn_tuned": make_cnn_pipeline("tuned", random_state=0, epochs=1),
        "vote": make_feature_pipeline(random_state=0).set_params(
            classifier=make_ensemble("paper", n_networks=2, random_state=0, epochs=1)
        ),
        "stack": make_feature_pipeline(random_state=0).set_params(
            classifier=make_ensemble("paper", n_networks=2, combine="stack", svc_C=None,
                                     random_state=0, epochs=1)
        ),
    })


def test_metadata_requests_are_left_out_of_the_safe_format(tmp_path):
    """skops cannot store scikit-learn's request objects: the safe format drops them from
    its copy (they only steer routing while fitting); the caller's estimator keeps them."""
    import sklearn
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from skgenre import OpenSetClassifier, load_model, save_model

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3)) + np.repeat([[0, 0, 0], [4, 0, 0]], 30, axis=0)
    y = np.repeat(["a", "b"], 30)
    with sklearn.config_context(enable_metadata_routing=True):
        head = make_pipeline(StandardScaler().set_fit_request(sample_weight=False),
                             LogisticRegression().set_fit_request(sample_weight=True))
        clf = OpenSetClassifier(head, cv=3).set_fit_request(groups=True)
        clf.set_score_request(sample_weight=True)
        clf.fit(X, y, sample_weight=np.linspace(0.5, 2.0, 60))
        back = load_model(save_model(clf, tmp_path / "m.skgenre"))
        np.testing.assert_array_equal(back.predict(X), clf.predict(X))
        np.testing.assert_array_equal(back.unknown_score(X), clf.unknown_score(X))
        assert clf.get_metadata_routing().consumes("fit", ["groups"]) == {"groups"}
        assert clf.estimator[-1].get_metadata_routing().fit.requests["sample_weight"] is True
        assert back.get_metadata_routing().consumes("fit", ["groups"]) == set()
