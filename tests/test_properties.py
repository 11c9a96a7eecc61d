"""Property tests: any finite waveform gives finite features of the right shape."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from skgenre import FeatureExtractor26, MelSpectrogram, RowMeanVectorizer

SR = 22050

finite = st.floats(-1.0, 1.0, allow_nan=False, allow_infinity=False, width=32)
scales = st.sampled_from([0.0, 1e-6, 1.0, 1e3])
# 1 to 3 clips of 1 to 6000 samples in [-1, 1], scaled by one of ``scales`` (silence included)
waveforms = st.builds(
    lambda clips, scale: clips * np.float32(scale),
    arrays(np.float32, st.tuples(st.integers(1, 3), st.integers(1, 6000)), elements=finite),
    scales,
)
slow_examples = settings(  # each example runs librosa: 25 of them, no deadline
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@slow_examples
@given(clips=waveforms)
def test_random_finite_waveforms_give_finite_features(clips):
    feats = FeatureExtractor26(sr=SR).fit_transform(clips)
    assert feats.shape == (clips.shape[0], 26) and feats.dtype == np.float32
    assert np.isfinite(feats).all()


@slow_examples
@given(clips=waveforms)
def test_random_finite_waveforms_give_finite_spectrograms(clips):
    spec = MelSpectrogram(sr=SR).fit_transform(clips)
    n_frames = 1 + clips.shape[1] // 512
    assert spec.shape == (clips.shape[0], 128, n_frames) and spec.dtype == np.float32
    assert np.isfinite(spec).all()
    rows = RowMeanVectorizer().fit_transform(spec)
    assert rows.shape == (clips.shape[0], 128) and np.isfinite(rows).all()
