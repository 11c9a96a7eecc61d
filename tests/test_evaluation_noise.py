"""noise_robustness: repeatable, restores the step, transforms the head once."""

import numpy as np
import pytest
import soundfile as sf
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.utils._param_validation import InvalidParameterError

from skgenre import PixelDropoutNoise
from skgenre.evaluation import noise_robustness


class CountingIdentity(TransformerMixin, BaseEstimator):
    """Stand-in for the rate-independent head (load/clip/melspec): counts transforms."""

    def fit(self, X, y=None):
        self.n_transforms_ = 0
        return self

    def transform(self, X):
        self.n_transforms_ += 1
        return np.asarray(X, dtype=np.float32)


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1, 2], 40)
    X = rng.normal(size=(120, 16)).astype(np.float32) + 2.0 * y[:, None]
    return X, y


@pytest.fixture
def pipe(data):
    X, y = data
    return Pipeline(
        [
            ("head", CountingIdentity()),
            ("noise", PixelDropoutNoise(mode="image", random_state=123)),
            ("clf", LogisticRegression()),
        ]
    ).fit(X, y)


def test_columns_and_shape(pipe, data):
    res = noise_robustness(pipe, *data, n_repeats=3, random_state=0)
    assert list(res.columns) == [
        "rate", "mean_score", "std_score", "repeat0_score", "repeat1_score", "repeat2_score"
    ]
    np.testing.assert_allclose(res["rate"], [0, 0.25, 0.5, 0.75])
    reps = res[["repeat0_score", "repeat1_score", "repeat2_score"]].to_numpy()
    np.testing.assert_allclose(res["mean_score"], reps.mean(axis=1))
    np.testing.assert_allclose(res["std_score"], reps.std(axis=1))
    assert ((reps >= 0) & (reps <= 1)).all()
    assert res["std_score"].iloc[0] == 0  # rate 0 is an identity
    # clean accuracy equals the pipeline's own score
    assert res["mean_score"].iloc[0] == pytest.approx(pipe.score(*data))
    assert res.attrs["n_repeats"] == 3 and len(res.attrs["seeds"]) == 3


def test_repeatable_and_seed_dependent(pipe, data):
    kw = dict(rates=[0.5, 0.9], n_repeats=2, scoring="neg_log_loss")
    a = noise_robustness(pipe, *data, random_state=7, **kw)
    b = noise_robustness(pipe, *data, random_state=7, **kw)
    c = noise_robustness(pipe, *data, random_state=8, **kw)
    np.testing.assert_array_equal(a.to_numpy(), b.to_numpy())
    assert not np.array_equal(a.to_numpy(), c.to_numpy())
    # repeats differ from each other (different seeds per repeat)
    assert a["repeat0_score"].iloc[0] != a["repeat1_score"].iloc[0]


def test_more_noise_hurts(pipe, data):
    res = noise_robustness(pipe, *data, rates=[0, 1.0], random_state=0)
    assert res["mean_score"].iloc[0] > 0.9
    assert res["mean_score"].iloc[1] == pytest.approx(1 / 3)  # all-zero input: one class


def test_head_transformed_once(pipe, data):
    pipe.named_steps["head"].n_transforms_ = 0
    noise_robustness(pipe, *data, rates=[0, 0.25, 0.5, 0.75], n_repeats=3, random_state=0)
    assert pipe.named_steps["head"].n_transforms_ == 1


def test_restores_rate_and_seed(pipe, data):
    pipe.set_params(noise__rate=0.1)
    noise_robustness(pipe, *data, n_repeats=2, random_state=0)
    assert pipe.named_steps["noise"].rate == 0.1
    assert pipe.named_steps["noise"].random_state == 123


def test_restores_on_error(pipe, data):
    seen = []

    def bad_scorer(est, X, y):
        seen.append(est.steps[0][1].rate)
        if len(seen) == 2:
            raise RuntimeError("boom")
        return 0.0

    with pytest.raises(RuntimeError, match="boom"):
        noise_robustness(pipe, *data, rates=[0, 0.5, 0.75], scoring=bad_scorer, random_state=0)
    assert seen == [0.0, 0.5]
    assert pipe.named_steps["noise"].rate == 0.0
    assert pipe.named_steps["noise"].random_state == 123


def test_noise_first_step(data):
    X, y = data
    pipe = Pipeline(
        [("noise", PixelDropoutNoise(mode="image")), ("clf", LogisticRegression())]
    ).fit(X, y)
    res = noise_robustness(pipe, X, y, rates=0.5, random_state=0)
    assert res.shape[0] == 1


def test_errors(pipe, data):
    with pytest.raises(ValueError, match="step='nois' is not a step.*'noise'"):
        noise_robustness(pipe, *data, step="nois")
    with pytest.raises(ValueError, match="no 'rate' parameter"):
        noise_robustness(pipe, *data, step="clf")
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        noise_robustness(pipe, *data, rates=[0.5, 1.5])
    with pytest.raises(InvalidParameterError):
        noise_robustness(pipe, *data, n_repeats=0)
    with pytest.raises(InvalidParameterError):
        noise_robustness("not a pipeline", *data)
    unfitted = Pipeline([("noise", PixelDropoutNoise()), ("clf", LogisticRegression())])
    with pytest.raises(NotFittedError):
        noise_robustness(unfitted, *data)


def test_noise_step_inside_fitted_containers(data):
    # the step's fitted copy lives in named_transformers_ / named_estimators_: it was a
    # bare KeyError
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import VotingClassifier

    X, y = data
    ct = ColumnTransformer([("n", PixelDropoutNoise(mode="image", random_state=0),
                             slice(0, 16))])
    pipe = Pipeline([("ct", ct), ("clf", LogisticRegression())]).fit(X, y)
    res = noise_robustness(pipe, X, y, step="ct__n", rates=[0, 0.75], random_state=0)
    assert res["mean_score"].iloc[1] < res["mean_score"].iloc[0]
    assert pipe.named_steps["ct"].named_transformers_["n"].rate == 0.0
    inner = Pipeline([("noise", PixelDropoutNoise(mode="image", random_state=0)),
                      ("clf", LogisticRegression())])
    vote = VotingClassifier([("p", inner), ("lr", LogisticRegression())], voting="soft")
    pipe = Pipeline([("vote", vote)]).fit(X, y)
    res = noise_robustness(pipe, X, y, step="vote__p__noise", rates=[0, 0.75],
                           random_state=0)
    assert res["mean_score"].iloc[1] < res["mean_score"].iloc[0]
    with pytest.raises(ValueError, match="step='vote__q__noise' is not a step"):
        noise_robustness(pipe, X, y, step="vote__q__noise")


def test_passthrough_noise_step_is_named(data):
    X, y = data
    pipe = Pipeline([("noise", "passthrough"), ("clf", LogisticRegression())]).fit(X, y)
    with pytest.raises(ValueError, match="step 'noise' is 'passthrough', not a noise step"):
        noise_robustness(pipe, X, y)


def test_lazy_files_are_decoded_once(tmp_path):
    # a lazy AudioLoader head hands on undecoded files: they were decoded again for every
    # rate and repeat (noise.md: "decoding and clipping are not repeated")
    from skgenre import AudioLoader
    from skgenre.io._loader import AudioFiles

    rng = np.random.default_rng(0)
    paths, y = [], []
    for i in range(8):
        path = tmp_path / f"s{i}.wav"
        sf.write(path, (0.1 * rng.normal(size=2000) * (1 + i % 2)).astype("float32"), 1000)
        paths.append(str(path))
        y.append(i % 2)

    class Energy(TransformerMixin, BaseEstimator):
        def fit(self, X, y=None):
            return self

        def transform(self, X):
            return np.array([[np.mean(np.square(w))] for w in X])

    pipe = Pipeline([("load", AudioLoader(sr=1000, lazy=True)),
                     ("noise", PixelDropoutNoise(random_state=0)),
                     ("feat", Energy()), ("clf", LogisticRegression())]).fit(paths, y)
    calls = []
    decode = AudioFiles.decode

    def counting(self, *args, **kwargs):
        calls.append(1)
        return decode(self, *args, **kwargs)

    AudioFiles.decode = counting
    try:
        noise_robustness(pipe, paths, y, rates=[0, 0.25, 0.5], n_repeats=2, random_state=0)
    finally:
        AudioFiles.decode = decode
    assert len(calls) == 1
