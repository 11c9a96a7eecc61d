"""Property tests: any finite waveform gives finite features of the right shape."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from skgenre import FeatureExtractor26, MelSpectrogram, RowMeanVectorizer

SR = 22050

finite = st.floats(-1.0, 1.0, allow_nan=False, allow_infinity=False, width=32)
scales = st.sampled_from([0.0, 1e-6, 1.0, 1e3])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    clips=arrays(np.float32, st.tuples(st.integers(1, 3), st.integers(1, 6000)), elements=finite),
    scale=scales,
)
def test_random_finite_waveforms_give_finite_features(clips, scale):
    clips = clips * np.float32(scale)
    feats = FeatureExtractor26(sr=SR).fit_transform(clips)
    assert feats.shape == (clips.shape[0], 26) and feats.dtype == np.float32
    assert np.isfinite(feats).all()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    clips=arrays(np.float32, st.tuples(st.integers(1, 3), st.integers(1, 6000)), elements=finite),
    scale=scales,
)
def test_random_finite_waveforms_give_finite_spectrograms(clips, scale):
    clips = clips * np.float32(scale)
    spec = MelSpectrogram(sr=SR).fit_transform(clips)
    n_frames = 1 + clips.shape[1] // 512
    assert spec.shape == (clips.shape[0], 128, n_frames) and spec.dtype == np.float32
    assert np.isfinite(spec).all()
    rows = RowMeanVectorizer().fit_transform(spec)
    assert rows.shape == (clips.shape[0], 128) and np.isfinite(rows).all()
