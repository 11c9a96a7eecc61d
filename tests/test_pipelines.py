"""The three pipeline factories, end to end on real and toy audio files (tiny settings)."""

import json
import subprocess
import sys
import textwrap
import warnings

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skgenre import (
    GenreClassifier,
    MinMaxThenNormalize,
    PixelDropoutNoise,
    SpectrogramStandardizer,
    TrackClassifier,
    make_cnn_pipeline,
    make_feature_pipeline,
    make_spectrogram_dense_pipeline,
)
from skgenre.datasets import make_toy_genres

TINY_DENSE = dict(epochs=3, batch_size=8, model__hidden_layer_sizes=(8,), early_stopping=False)
TINY_CNN = dict(epochs=2, batch_size=8, model__filters=(4,), model__kernel_size=3,
                early_stopping=False)

STEPS = {
    make_feature_pipeline: ["load", "clip", "noise", "features", "scale", "classifier"],
    make_spectrogram_dense_pipeline: [
        "load", "clip", "melspec", "noise", "rowmean", "scale", "classifier"],
    make_cnn_pipeline: ["load", "clip", "melspec", "noise", "scale", "classifier"],
}

SCALERS = {
    ("paper", make_feature_pipeline): MinMaxThenNormalize,
    ("paper", make_spectrogram_dense_pipeline): MinMaxThenNormalize,
    ("paper", make_cnn_pipeline): str,  # "passthrough": the paper feeds dB values unscaled
    ("tuned", make_feature_pipeline): StandardScaler,
    ("tuned", make_spectrogram_dense_pipeline): StandardScaler,
    ("tuned", make_cnn_pipeline): SpectrogramStandardizer,
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
    assert isinstance(pipe.named_steps["scale"], SCALERS[preset, factory])
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


# -- track=True ----------------------------------------------------------------------------

TRACK_STEPS = {
    make_feature_pipeline: ["noise", "features", "scale", "classifier"],
    make_spectrogram_dense_pipeline: ["melspec", "noise", "rowmean", "scale", "classifier"],
    make_cnn_pipeline: ["melspec", "noise", "scale", "classifier"],
}


def _tiny_track(factory):
    return {f"track__estimator__classifier__{k}": v for k, v in _tiny(factory).items()}


@pytest.mark.parametrize("factory", list(TRACK_STEPS))
@pytest.mark.parametrize("preset", ["paper", "tuned"])
def test_track_pipeline_structure(factory, preset):
    pipe = factory(preset, track=True, duration=2.0, random_state=3)
    assert list(pipe.named_steps) == ["load", "track"]
    track = pipe.named_steps["track"]
    assert isinstance(track, TrackClassifier)
    assert (track.clip_duration, track.sr, track.random_state) == (2.0, 22050, 3)
    assert list(track.estimator.named_steps) == TRACK_STEPS[factory]
    assert isinstance(track.estimator.named_steps["scale"], SCALERS[preset, factory])
    assert track.n_clips == (None if preset == "paper" else 10)
    params = pipe.get_params()
    assert params["track__estimator__classifier__random_state"] == 3
    assert params["track__estimator__noise__random_state"] == 3


@pytest.mark.parametrize("factory", list(TRACK_STEPS))
def test_track_pipeline_fit_predict_paths_and_waveforms(factory, toy_files):
    from skgenre import AudioLoader

    paths, y = toy_files
    pipe = factory("tuned", track=True, duration=0.5, random_state=0)
    pipe.set_params(**_tiny_track(factory))
    proba = pipe.fit(paths, y).predict_proba(paths)
    assert proba.shape == (len(paths), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    # 1.5-s tracks and 0.5-s clips: 3 consecutive clips per track are averaged.
    inner = pipe.named_steps["track"].estimator_
    n_clips = pipe.named_steps["track"].n_clips_fit_
    assert n_clips == 10 * len(paths)  # the tuned preset's 10 random clips per track
    assert inner.named_steps["classifier"].X_shape_[0] == n_clips
    # The same tracks given as waveforms predict the same.
    waves = AudioLoader().fit_transform(paths)
    np.testing.assert_allclose(pipe.predict_proba(waves), proba, rtol=1e-5, atol=1e-6)


def test_track_pipeline_cross_val_grid_search_and_joblib(toy_files, tmp_path):
    from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score

    paths, y = toy_files
    pipe = make_spectrogram_dense_pipeline("tuned", track=True, duration=0.5, random_state=0)
    pipe.set_params(**_tiny_track(make_spectrogram_dense_pipeline))
    cv = StratifiedKFold(2, shuffle=True, random_state=0)
    scores = cross_val_score(pipe, np.asarray(paths), y, cv=cv)
    assert scores.shape == (2,)
    grid = GridSearchCV(
        pipe, {"track__estimator__classifier__model__hidden_layer_sizes": [(4,), (8,)]}, cv=cv
    ).fit(np.asarray(paths), y)
    assert len(grid.cv_results_["params"]) == 2
    best = grid.best_estimator_
    joblib.dump(best, tmp_path / "track.joblib")
    loaded = joblib.load(tmp_path / "track.joblib")
    np.testing.assert_array_equal(loaded.predict_proba(paths), best.predict_proba(paths))


def test_noise_robustness_finds_nested_noise_step(toy_files):
    from skgenre.evaluation import noise_robustness

    paths, y = toy_files
    pipe = make_feature_pipeline("paper", track=True, duration=0.5, random_state=0)
    pipe.set_params(**_tiny_track(make_feature_pipeline)).fit(paths, y)
    res = noise_robustness(pipe, paths, y, rates=[0.0, 0.5], random_state=0)
    assert list(res["rate"]) == [0.0, 0.5]
    assert pipe.get_params()["track__estimator__noise__rate"] == 0.0  # restored
    # An explicit parameter path works too; a wrong name lists the steps.
    noise_robustness(pipe, paths, y, rates=[0.25], step="track__estimator__noise")
    with pytest.raises(ValueError, match="not a step of the pipeline"):
        noise_robustness(pipe, paths, y, step="denoise")


def test_noise_robustness_corrupts_the_fitted_clone_of_a_track_pipeline(toy_files):
    """The noise must reach the step that predicts: TrackClassifier fits a clone of its
    ``estimator``, so a rate set on the template (``get_params``) would change nothing
    and the "noisy" scores would be the clean one."""
    from skgenre.evaluation import noise_robustness

    paths, y = toy_files
    pipe = make_feature_pipeline("paper", track=True, duration=0.5, random_state=0)
    pipe.set_params(**_tiny_track(make_feature_pipeline)).fit(paths, y)
    clean = pipe.predict_proba(paths)
    res = noise_robustness(pipe, paths, y, rates=[0.0, 0.5, 1.0], random_state=0,
                           scoring="neg_log_loss")
    scores = res["mean_score"].to_numpy()
    assert scores[1] != scores[0] and scores[2] != scores[0], scores
    # restored where it was changed: the fitted clone predicts clean again
    assert pipe.named_steps["track"].estimator_.named_steps["noise"].rate == 0.0
    np.testing.assert_array_equal(pipe.predict_proba(paths), clean)


def test_noise_robustness_refuses_a_noise_step_it_cannot_reach(toy_files):
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    from skgenre import PixelDropoutNoise
    from skgenre.evaluation import noise_robustness

    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 6)) + np.repeat([0, 2], 20)[:, None]
    yy = np.repeat([0, 1], 20)
    inner = Pipeline([("noise", PixelDropoutNoise(mode="image")),
                      ("clf", LogisticRegression())])
    pipe = Pipeline([("cal", CalibratedClassifierCV(inner, cv=2))]).fit(X, yy)
    with pytest.raises(ValueError, match="keeps no fitted copy of its parameter 'estimator'"):
        noise_robustness(pipe, X, yy, step="cal__estimator__noise")


# -- pandas output -------------------------------------------------------------------------


def _fitted(factory, track, paths, y):
    if track:
        pipe = factory("tuned", track=True, duration=0.5, random_state=0)
        return pipe.set_params(**_tiny_track(factory)).fit(paths, y)
    return factory("tuned", duration=1.0, random_state=0, **_tiny(factory)).fit(paths, y)


@pytest.mark.parametrize("track", [False, True])
@pytest.mark.parametrize("factory", list(STEPS))
def test_global_pandas_output_changes_no_prediction(factory, track, toy_files):
    """``set_config(transform_output="pandas")``, common in notebooks, crashed the
    spectrogram pipelines (pandas refused their 3-D output); now tables become DataFrames,
    spectrograms stay arrays, and the predictions are the same."""
    import sklearn

    from skgenre.inference import predict_songs

    paths, y = toy_files
    # whole songs: predict_songs for clip pipelines; a track pipeline's own predict
    songs = predict_songs if not track else lambda pipe, p: pipe.predict_proba(p)
    pipe = _fitted(factory, track, paths, y)
    expected, songs_expected = pipe.predict_proba(paths), songs(pipe, paths[:2])
    with sklearn.config_context(transform_output="pandas"), warnings.catch_warnings():
        # no "X has feature names, but ... was fitted without feature names" either
        warnings.simplefilter("error", UserWarning)
        pipe = _fitted(factory, track, paths, y)
        np.testing.assert_array_equal(pipe.predict_proba(paths), expected)
        got = songs(pipe, paths[:2])
    if track:
        np.testing.assert_array_equal(got, songs_expected)
        return
    assert got["error"].isna().all()
    cols = [c for c in got.columns if c.startswith("proba_")]
    np.testing.assert_array_equal(got[cols].to_numpy(), songs_expected[cols].to_numpy())


@pytest.mark.parametrize("factory", list(STEPS))
def test_pipeline_set_output_and_feature_names(factory, toy_files):
    import pandas as pd

    paths, y = toy_files
    default = _fitted(factory, False, paths, y)[:-1].transform(paths)
    pipe = factory("tuned", duration=1.0, random_state=0, **_tiny(factory))
    pipe.set_output(transform="pandas").fit(paths, y)  # every step accepts it
    out = pipe[:-1].transform(paths)
    names = pipe[:-1].get_feature_names_out()  # from the file paths on
    assert names.tolist() == pipe[1:-1].get_feature_names_out().tolist()
    if factory is make_cnn_pipeline:
        # a batch of spectrograms stays an array; its rows are the named mel bands
        assert isinstance(out, np.ndarray) and out.ndim == 3
        np.testing.assert_array_equal(out, default)
        assert names.tolist() == [f"mel_{i}" for i in range(out.shape[1])]
        return
    assert isinstance(out, pd.DataFrame)
    np.testing.assert_array_equal(out.to_numpy(), default)
    assert list(out.columns) == names.tolist()
    step = "features" if factory is make_feature_pipeline else "rowmean"
    assert names.tolist() == pipe.named_steps[step].get_feature_names_out().tolist()


def test_track_must_be_a_bool():
    # any truthy value (track="no" from a config file) built a track-level pipeline
    from skgenre import make_feature_pipeline

    for track in ("no", 1, None):
        with pytest.raises(TypeError, match="track must be True or False"):
            make_feature_pipeline("paper", track=track)
    assert "track" in make_feature_pipeline("paper", track=np.True_).named_steps


def test_factories_name_a_misspelt_keyword_at_once():
    # it was found by classifier.fit, after every file had been decoded
    from skgenre import make_cnn_pipeline, make_feature_pipeline

    with pytest.raises(ValueError, match=r"Unknown parameter\(s\) \['epoch'\]"):
        make_cnn_pipeline(epoch=3)
    with pytest.raises(ValueError, match=r"\['model__kernel'\] are not parameters"):
        make_cnn_pipeline(model__kernel=5)
    with pytest.raises(ValueError, match="would be ignored"):
        make_feature_pipeline(track=True, predict__verbose=0)
