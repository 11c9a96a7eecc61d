"""The three pipeline factories, end to end on real and toy audio files (tiny settings)."""

import json
import subprocess
import sys
import textwrap

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

pytest.importorskip("scikeras")

from skgenre import (  # noqa: E402
    GenreClassifier,
    MinMaxThenNormalize,
    PixelDropoutNoise,
    make_cnn_pipeline,
    make_feature_pipeline,
    make_spectrogram_dense_pipeline,
)
from skgenre.datasets import make_toy_genres  # noqa: E402

TINY_DENSE = dict(epochs=3, batch_size=8, model__hidden_layer_sizes=(8,), early_stopping=False)
TINY_CNN = dict(epochs=2, batch_size=8, model__filters=(4,), model__kernel_size=3,
                early_stopping=False)

STEPS = {
    make_feature_pipeline: ["load", "clip", "noise", "features", "scale", "classifier"],
    make_spectrogram_dense_pipeline: [
        "load", "clip", "melspec", "noise", "rowmean", "scale", "classifier"],
    make_cnn_pipeline: ["load", "clip", "melspec", "noise", "classifier"],
}


@pytest.fixture(scope="module")
def toy_files(tmp_path_factory):
    path = tmp_path_factory.mktemp("toy")
    toy = make_toy_genres(n_per_class=4, n_classes=2, duration=1.5, random_state=0, path=path)
    names = np.asarray(toy.target_names)[toy.target]
    return [str(f) for f in toy.filenames], names


def _tiny(factory):
    return TINY_CNN if factory is make_cnn_pipeline else TINY_DENSE


@pytest.mark.parametrize("factory", list(STEPS))
@pytest.mark.parametrize("preset", ["paper", "tuned"])
def test_step_names_and_preset(factory, preset):
    pipe = factory(preset, random_state=0)
    assert isinstance(pipe, Pipeline)
    assert list(pipe.named_steps) == STEPS[factory]
    clf = pipe.named_steps["classifier"]
    assert isinstance(clf, GenreClassifier)
    assert clf.random_state == 0
    assert isinstance(pipe.named_steps["noise"], PixelDropoutNoise)
    assert pipe.named_steps["noise"].rate == 0.0
    if "scale" in pipe.named_steps:
        scaler = pipe.named_steps["scale"]
        assert isinstance(scaler, MinMaxThenNormalize if preset == "paper" else StandardScaler)
    if preset == "paper":
        assert (clf.epochs, clf.batch_size, clf.optimizer) == (10, 128, "adam")


def test_classifier_params_override_preset():
    pipe = make_cnn_pipeline("paper", epochs=3, model__kernel_size=5)
    params = pipe.get_params()
    assert params["classifier__epochs"] == 3
    assert params["classifier__model__kernel_size"] == 5
    pipe.set_params(classifier__model__kernel_size=7)
    assert pipe.named_steps["classifier"].get_params()["model__kernel_size"] == 7


def test_unknown_preset():
    with pytest.raises(ValueError, match="valid presets"):
        make_feature_pipeline("fast")


@pytest.mark.parametrize("factory", list(STEPS))
def test_fit_predict_toy_files(factory, toy_files):
    paths, y = toy_files
    pipe = factory("tuned", duration=1.0, random_state=0, **_tiny(factory))
    pipe.fit(paths, y)
    pred = pipe.predict(paths)
    assert pred.shape == (len(paths),) and set(pred) <= set(y)
    proba = pipe.predict_proba(paths)
    assert proba.shape == (len(paths), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    # Noise is set on the fitted pipeline, without refitting.
    pipe.set_params(noise__rate=0.5)
    assert pipe.predict(paths).shape == (len(paths),)


@pytest.mark.parametrize("factory", [make_feature_pipeline, make_cnn_pipeline])
def test_fit_predict_real_gtzan_sample(factory, gtzan_sample_files):
    paths = [str(p) for p in gtzan_sample_files]
    y = [p.parent.name for p in gtzan_sample_files]
    pipe = factory("paper", random_state=0, **_tiny(factory)).fit(paths, y)
    clf = pipe.named_steps["classifier"]
    if factory is make_cnn_pipeline:
        assert clf.X_shape_[1:] == (128, 216)  # the paper's 5-s spectrogram
    else:
        assert clf.n_features_in_ == 26
    assert set(pipe.predict(paths)) <= {"blues", "classical"}


def test_feature_pipeline_learns_toy(tmp_path):
    toy = make_toy_genres(n_per_class=12, n_classes=2, duration=1.5, random_state=1,
                          path=tmp_path)
    paths = [str(f) for f in toy.filenames]
    y = np.asarray(toy.target_names)[toy.target]
    pipe = make_feature_pipeline("tuned", duration=1.0, random_state=0, epochs=60,
                                 early_stopping=False, model__hidden_layer_sizes=(16,))
    assert pipe.fit(paths, y).score(paths, y) >= 0.9


def test_clone_and_persist_fitted_pipeline(toy_files, tmp_path):
    paths, y = toy_files
    pipe = make_spectrogram_dense_pipeline("tuned", duration=1.0, random_state=0, **TINY_DENSE)
    unfitted_clone = clone(pipe)
    assert unfitted_clone.get_params()["classifier__epochs"] == 3
    pipe.fit(paths, y)
    fitted_clone = clone(pipe)
    assert not hasattr(fitted_clone.named_steps["classifier"], "model_")
    expected = pipe.predict_proba(paths)
    joblib.dump(pipe, tmp_path / "pipe.joblib")
    code = textwrap.dedent(
        f"""
        import json, joblib, numpy as np
        pipe = joblib.load({str(tmp_path / "pipe.joblib")!r})
        paths = json.loads({json.dumps(paths)!r})
        np.save({str(tmp_path / "p.npy")!r}, pipe.predict_proba(paths))
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=300)
    np.testing.assert_array_equal(np.load(tmp_path / "p.npy"), expected)
