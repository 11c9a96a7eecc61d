"""Grid search over the CNN pipeline: stratification, n_jobs=2, and the transformer cache."""

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from joblib import Memory
from sklearn.base import is_classifier
from sklearn.model_selection import GridSearchCV, StratifiedKFold, check_cv

from skgenre import MelSpectrogram, make_cnn_pipeline
from skgenre.datasets import make_toy_genres

TINY_CNN = dict(epochs=2, batch_size=8, model__filters=(4,), early_stopping=False)
GRID = {"classifier__model__kernel_size": [3, 5]}


@pytest.fixture(scope="module")
def toy_files(tmp_path_factory):
    path = tmp_path_factory.mktemp("toy_grid")
    toy = make_toy_genres(n_per_class=4, n_classes=2, duration=1.2, random_state=0, path=path)
    return [str(f) for f in toy.filenames], np.asarray(toy.target_names)[toy.target]


def _pipe(**kw):
    return make_cnn_pipeline("tuned", duration=1.0, random_state=0, **TINY_CNN, **kw)


def test_pipeline_is_classifier_and_cv5_stratifies(toy_files):
    _, y = toy_files
    pipe = _pipe()
    assert is_classifier(pipe)
    assert is_classifier(pipe.named_steps["classifier"])
    assert isinstance(check_cv(5, np.tile(y, 2), classifier=is_classifier(pipe)), StratifiedKFold)


def test_grid_search_kernel_size(toy_files):
    paths, y = toy_files
    search = GridSearchCV(_pipe(), GRID, cv=StratifiedKFold(2), error_score="raise")
    search.fit(paths, y)
    assert search.best_params_["classifier__model__kernel_size"] in (3, 5)
    assert len(search.cv_results_["mean_test_score"]) == 2
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    conv = [
        layer for layer in search.best_estimator_.named_steps["classifier"].model_.layers
        if layer.__class__.__name__ == "Conv1D"  # the tuned CNN convolves along time
    ]
    k = search.best_params_["classifier__model__kernel_size"]
    assert conv[0].kernel_size == (k,)
    assert search.predict(paths).shape == (len(paths),)


@pytest.mark.slow  # two loky workers each import TensorFlow (about 30 s)
def test_grid_search_n_jobs_2_no_hang(toy_files, tmp_path):
    # Run in a subprocess so that a hang in the worker pool fails the test (timeout)
    # instead of blocking the suite; the workers must pickle the Keras-wrapping pipeline.
    paths, y = toy_files
    script = textwrap.dedent(
        f"""
        import json
        import numpy as np
        from joblib import Memory
        from sklearn.model_selection import GridSearchCV, StratifiedKFold
        from skgenre import make_cnn_pipeline

        paths, y = json.loads({json.dumps([paths, list(y)])!r})
        pipe = make_cnn_pipeline("tuned", duration=1.0, random_state=0,
                                 memory=Memory({str(tmp_path / "cache")!r}, verbose=0),
                                 **{TINY_CNN!r})
        search = GridSearchCV(pipe, {GRID!r}, cv=StratifiedKFold(2), n_jobs=2,
                              error_score="raise").fit(paths, y)
        assert np.isfinite(search.cv_results_["mean_test_score"]).all()
        print("BEST", search.best_params_["classifier__model__kernel_size"])
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=600
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert "BEST" in out.stdout


def test_memory_cache_computes_spectrograms_once_per_fold(toy_files, tmp_path, monkeypatch):
    paths, y = toy_files
    calls = []
    original = MelSpectrogram.transform

    def counting_transform(self, X, *args, **kwargs):
        calls.append(len(X))
        return original(self, X, *args, **kwargs)

    monkeypatch.setattr(MelSpectrogram, "transform", counting_transform)
    if "fit_transform" in vars(MelSpectrogram):
        fit_transform = MelSpectrogram.fit_transform

        def counting_fit_transform(self, X, y=None, **kwargs):
            calls.append(len(X))
            return fit_transform(self, X, y, **kwargs)

        monkeypatch.setattr(MelSpectrogram, "fit_transform", counting_fit_transform)

    def run(memory):
        calls.clear()
        search = GridSearchCV(_pipe(memory=memory), GRID, cv=StratifiedKFold(2), n_jobs=1)
        search.fit(paths, y)
        return list(calls), search

    n_candidates, n_folds = len(GRID["classifier__model__kernel_size"]), 2
    n_test = n_candidates * n_folds  # scoring transforms of test folds are never cached
    cached, search = run(Memory(tmp_path / "cache", verbose=0))
    # Without a cache, each of the n_candidates * n_folds + 1 training fits would compute
    # its spectrograms; with it, each training fold and the refit compute them once.
    assert len(cached) == (n_folds + 1) + n_test
    assert sorted(cached) == sorted([4, 4, 8] + [4] * n_test)
    # A second search on the same data hits the cache for every training fit.
    again, _ = run(Memory(tmp_path / "cache", verbose=0))
    assert len(again) == n_test
    assert search.best_estimator_.predict(paths).shape == (len(paths),)
