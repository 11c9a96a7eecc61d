import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import InvalidParameterError

from skgenre import MinMaxThenNormalize, PixelDropoutNoise, RandomClip
from skgenre.preprocessing import clip_and_average, consecutive_clips, dropout_mask


def _ragged(rng, lengths):
    out = np.empty(len(lengths), dtype=object)
    for i, n in enumerate(lengths):
        out[i] = rng.standard_normal(n).astype(np.float32)
    return out


# --------------------------------------------------------------------------- RandomClip
def test_random_clip_width_is_checked_for_2d_input_only():
    rng = np.random.default_rng(0)
    clip = RandomClip(duration=0.01, sr=1000, random_state=0).fit(rng.normal(size=(3, 30)))
    assert clip.n_features_in_ == 30
    with pytest.raises(ValueError, match="X has 45 features.*list or a 1-D object array"):
        clip.transform(rng.normal(size=(2, 45)))
    # a list of waveforms is of any length: one waveform, or several of one length
    assert clip.transform([rng.normal(size=45)]).shape == (1, 10)
    assert clip.transform(list(rng.normal(size=(2, 45)))).shape == (2, 10)
    # a refit on a list forgets the width
    assert not hasattr(clip.fit([rng.normal(size=45)]), "n_features_in_")


def test_random_clip_checks_dataframe_column_names():
    import pandas as pd
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(3, 30)), columns=[f"s{i}" for i in range(30)])
    clip = RandomClip(duration=0.01, sr=1000, random_state=0).fit(frame)
    assert list(clip.feature_names_in_) == list(frame.columns)
    with pytest.raises(ValueError, match="feature names should match"):
        clip.transform(frame[frame.columns[::-1]])
    with pytest.raises(ValueError, match="input_features is not equal to feature_names_in_"):
        clip.get_feature_names_out(["bogus"] * 30)
    assert clip.fit(list(rng.normal(size=(2, 30)))).__dict__.get("feature_names_in_") is None


def test_random_clip_shape_dtype_and_content(rng):
    waves = _ragged(rng, [5000, 3000, 4000])
    clips = RandomClip(duration=0.25, sr=8000, random_state=0).fit_transform(waves)
    assert clips.shape == (3, 2000) and clips.dtype == np.float32
    for w, c in zip(waves, clips):
        # every clip is a contiguous excerpt of its waveform
        windows = np.lib.stride_tricks.sliding_window_view(w, 2000)
        assert np.any(np.all(windows == c, axis=1))


def test_random_clip_seeding(rng):
    waves = _ragged(rng, [50000] * 6)
    a = RandomClip(duration=0.5, sr=8000, random_state=1).fit_transform(waves)
    b = RandomClip(duration=0.5, sr=8000, random_state=1).fit_transform(waves)
    c = RandomClip(duration=0.5, sr=8000, random_state=2).fit_transform(waves)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)
    # the clip of a waveform does not depend on the rest of the batch
    d = RandomClip(duration=0.5, sr=8000, random_state=1).fit_transform(waves[::-1])
    assert np.array_equal(a, d[::-1])


def test_random_clip_modes(rng):
    w = np.arange(100, dtype=np.float32)
    start = RandomClip(duration=10, sr=1, mode="start").fit_transform([w, w + 1])
    center = RandomClip(duration=10, sr=1, mode="center").fit_transform([w, w + 1])
    assert start[0].tolist() == list(range(10))
    assert center[0].tolist() == list(range(45, 55))
    rc = RandomClip(duration=10, sr=1, mode="random", transform_mode="center", random_state=0)
    rc.fit([w, w + 1])
    assert np.array_equal(rc.transform([w, w + 1]), center)


@pytest.mark.parametrize("pad_mode, expected",
                         [("constant", [1, 2, 3, 0, 0]), ("wrap", [1, 2, 3, 1, 2])])
def test_random_clip_pads_short_input(pad_mode, expected):
    w = np.array([1, 2, 3], dtype=np.float32)
    out = RandomClip(duration=5, sr=1, pad_mode=pad_mode, random_state=0).fit_transform([w, w])
    assert out.tolist() == [expected, expected]


def test_short_input_is_repeated_by_default():
    # zeros made every short song sound like silence to the model: one answer for all
    w = np.array([1, 2, 3], dtype=np.float32)
    assert RandomClip(duration=5, sr=1).fit_transform([w]).tolist() == [[1, 2, 3, 1, 2]]
    assert consecutive_clips(w, 5).tolist() == [[1, 2, 3, 1, 2]]


def test_random_clip_parameter_errors():
    with pytest.raises(InvalidParameterError, match="duration"):
        RandomClip(duration=-1.0).fit(np.zeros((2, 10)))
    with pytest.raises(InvalidParameterError, match="mode"):
        RandomClip(mode="middle").fit(np.zeros((2, 10)))
    with pytest.raises(NotFittedError):
        RandomClip().transform(np.zeros((2, 10)))
    with pytest.raises(ValueError, match="NaN"):
        RandomClip().fit([np.array([0.0, np.nan]), np.zeros(3)])


@pytest.fixture
def song_files(tmp_path):
    from skgenre.datasets import make_toy_genres

    toy = make_toy_genres(n_per_class=4, n_classes=2, duration=1.5, sr=8000, random_state=0,
                          path=tmp_path)
    return [str(p) for p in toy.filenames]


@pytest.mark.parametrize("random_state", [0, 7])
def test_random_clip_streams_lazy_files(song_files, monkeypatch, random_state):
    """Files from a lazy loader are clipped a chunk at a time, with the same clips."""
    from skgenre import AudioLoader
    from skgenre.io import AudioFiles, _loader

    eager = AudioLoader(sr=8000).fit_transform(song_files)
    expected = RandomClip(duration=1.0, sr=8000, random_state=random_state).fit_transform(eager)

    sizes = []
    decode_chunks = AudioLoader._decode_chunks

    def spy(self, paths, chunk_size=None):
        for start, waves in decode_chunks(self, paths, chunk_size):
            sizes.append(len(waves))
            yield start, waves

    def refuse(self):
        raise AssertionError("all whole songs decoded at once")

    monkeypatch.setattr(AudioLoader, "_decode_chunks", spy)
    monkeypatch.setattr(AudioFiles, "decode", refuse)
    monkeypatch.setattr(_loader, "_DECODE_CHUNK", 3)
    files = AudioLoader(sr=8000, lazy=True).fit_transform(song_files)
    assert isinstance(files, AudioFiles) and len(files) == 8
    clip = RandomClip(duration=1.0, sr=8000, random_state=random_state)
    np.testing.assert_array_equal(clip.fit_transform(files), expected)
    np.testing.assert_array_equal(clip.transform(files[::-1]), expected[::-1])
    assert sizes == [3, 3, 2, 3, 3, 2]


def test_random_clip_lazy_files_name_a_broken_one(song_files, tmp_path):
    from skgenre import AudioLoader, AudioLoadError

    broken = tmp_path / "broken.wav"
    broken.write_text("not audio")
    files = AudioLoader(sr=8000, lazy=True).fit_transform([*song_files, str(broken)])
    with pytest.raises(AudioLoadError, match="broken.wav"):
        RandomClip(duration=1.0, sr=8000, random_state=0).fit_transform(files)


@pytest.mark.parametrize("n_samples, hop", [(4, 0), (0, None), (4, -2)])
def test_clip_and_average_names_bad_lengths(n_samples, hop):
    # hop=0 and n_samples=0 once gave a ZeroDivisionError
    songs = [np.arange(8.0), np.arange(3.0)]
    with pytest.raises(ValueError, match="n_samples and hop must be >= 1"):
        clip_and_average(songs, lambda c: c[:, :1], n_samples, hop=hop)


@pytest.mark.parametrize("pad_mode", ["Wrap", "reflect", None])
def test_consecutive_clips_refuse_an_unknown_pad_mode(pad_mode):
    # read as "constant" once: short songs were padded with silence
    with pytest.raises(ValueError, match="pad_mode must be 'wrap' or 'constant'"):
        consecutive_clips(np.arange(1.0, 4.0), 5, pad_mode=pad_mode)
    with pytest.raises(ValueError, match="pad_mode must be 'wrap' or 'constant'"):
        clip_and_average([np.arange(1.0, 4.0)], lambda c: c[:, -1:], 5, pad_mode=pad_mode)


def test_clip_and_average_names_scores_of_the_wrong_shape():
    songs = [np.arange(8.0), np.arange(3.0)]
    # one score per clip (a binary decision_function) once gave "TypeError: object of
    # type 'numpy.float64' has no len()"
    with pytest.raises(ValueError, match=r"one row of scores per clip, shape \(3, k\).*"
                                         r"got shape \(3,\)"):
        clip_and_average(songs, lambda c: c[:, 0], 4)
    with pytest.raises(ValueError, match=r"got shape \(1, 1\)"):
        clip_and_average(songs, lambda c: c[:1, :1], 4)
    # isolated, each song's error says it
    means, _, errors = clip_and_average(songs, lambda c: c[:, 0], 4, isolate=True)
    assert np.isnan(means).all() and all("one row of scores per clip" in str(e) for e in errors)


def test_consecutive_clips():
    w = np.arange(10, dtype=np.float32)
    assert consecutive_clips(w, 3).shape == (3, 3)
    assert consecutive_clips(w, 4, hop=2).tolist()[1] == [2, 3, 4, 5]
    assert consecutive_clips(w[:2], 4, pad_mode="wrap").tolist() == [[0, 1, 0, 1]]
    with pytest.raises(ValueError, match="n_samples"):
        consecutive_clips(w, 0)
    # a stereo song: its length was its number of channels, and one clip came back
    from skgenre.preprocessing import clip_and_average

    stereo = np.zeros((2, 30), np.float32)
    with pytest.raises(ValueError, match=r"waveform must be 1-D .*shape \(2, 30\)"):
        consecutive_clips(stereo, 10)
    with pytest.raises(ValueError, match=r"waveforms\[1\] must be 1-D"):
        clip_and_average([w, stereo], lambda c: c[:, :1], 4)


# --------------------------------------------------------------------------- noise
def test_noise_rate_zero_is_exact_identity(rng):
    images = rng.standard_normal((3, 8, 9)).astype(np.float32)
    out = PixelDropoutNoise(rate=0.0, random_state=0).fit_transform(images)
    assert out.dtype == np.float32 and np.array_equal(out, images)
    clips = rng.standard_normal((2, 4096)).astype(np.float32)
    assert np.array_equal(PixelDropoutNoise().fit_transform(clips), clips)
    # no copy at rate 0 (a pipeline would hold its clips twice); above 0 the input is kept
    assert np.shares_memory(out, images)
    kept = images.copy()
    PixelDropoutNoise(rate=0.5, random_state=0).fit_transform(images)
    assert np.array_equal(images, kept)


@pytest.mark.parametrize("rate", [0.25, 0.5, 0.75, 1.0])
def test_noise_zeroes_exact_fraction_per_image(rng, rate):
    images = rng.uniform(1, 2, size=(4, 128, 216)).astype(np.float32)
    out = PixelDropoutNoise(rate=rate, random_state=0).fit_transform(images)
    zeros = (out == 0).reshape(4, -1).sum(axis=1)
    assert zeros.tolist() == [round(rate * 128 * 216)] * 4
    kept = out != 0
    assert np.array_equal(out[kept], images[kept])


def test_noise_switched_on_after_fit_and_seeded(rng):
    images = rng.uniform(1, 2, size=(5, 6, 7))
    noise = PixelDropoutNoise(random_state=3).fit(images)
    noise.set_params(rate=0.5)
    a, b = noise.transform(images), noise.transform(images)
    assert np.array_equal(a, b)
    other = clone(noise).set_params(random_state=4).fit(images).transform(images)
    assert not np.array_equal(a, other)
    noise.set_params(rate=1.5)
    with pytest.raises(InvalidParameterError, match="rate"):
        noise.transform(images)


def test_noise_waveform_mode_drops_stft_bins(rng):
    import librosa

    clips = rng.standard_normal((2, 22050)).astype(np.float32)
    out = PixelDropoutNoise(rate=0.5, random_state=0).fit_transform(clips)
    assert out.shape == clips.shape and out.dtype == np.float32
    assert np.isfinite(out).all()
    # Energy falls with the rate; dropping every bin leaves silence.
    energy = [
        (PixelDropoutNoise(rate=r, random_state=0).fit_transform(clips) ** 2).sum()
        for r in (0.25, 0.5, 0.75, 1.0)
    ]
    assert energy[0] > energy[1] > energy[2] > energy[3] == 0
    assert 0.2 < energy[1] / (clips**2).sum() < 0.6
    S = np.abs(librosa.stft(out, n_fft=2048, hop_length=512))
    assert S.shape[1:] == (1025, 44)


def test_noise_waveform_mode_refuses_a_hop_past_half_overlap():
    rng = np.random.default_rng(0)
    clips = rng.normal(scale=0.1, size=(2, 8192)).astype(np.float32)
    out = PixelDropoutNoise(rate=0.25, n_fft=512, hop_length=256, random_state=0).fit_transform(clips)
    assert np.abs(out).max() < 1  # the noise drops energy, it does not add any
    # past half overlap the inverse STFT blew the clip up (peaks of 3e4 at 2040 / 2048)
    noise = PixelDropoutNoise(rate=0.25, n_fft=512, hop_length=510, random_state=0)
    with pytest.raises(ValueError, match=r"hop_length=510 .* at most n_fft // 2 = 256"):
        noise.fit(clips)
    fitted = PixelDropoutNoise(rate=0.25, n_fft=1024, random_state=0).fit(clips)
    with pytest.raises(ValueError, match="hop_length=512 .* n_fft // 2 = 256"):
        fitted.set_params(n_fft=512).transform(clips)
    # spectrograms have no STFT to invert
    images = np.ones((2, 4, 5), dtype=np.float32)
    PixelDropoutNoise(rate=0.5, n_fft=512, hop_length=510).fit_transform(images)


def test_noise_shape_errors():
    with pytest.raises(ValueError, match="waveform"):
        PixelDropoutNoise(mode="waveform").fit(np.zeros((2, 3, 4)))
    # fitted on spectrograms, a 2-D batch of their width is not taken for audio clips
    noise = PixelDropoutNoise(rate=0.5).fit(np.ones((2, 8, 10)))
    with pytest.raises(ValueError, match="fitted on 3-D spectrograms, but transform got an "
                                         r"array of shape \(2, 8\)"):
        noise.transform(np.ones((2, 8)))
    with pytest.raises(ValueError, match="fitted on audio clips or waveforms"):
        PixelDropoutNoise(rate=0.5).fit(np.ones((2, 8))).transform(np.ones((2, 8, 10)))


def test_int16_clips_are_scaled_as_decoded_files_are(rng):
    pcm = (rng.normal(0, 0.1, (2, 4096)) * 32767).astype(np.int16)
    scaled = pcm.astype(np.float32) / 32768
    np.testing.assert_array_equal(PixelDropoutNoise(rate=0).fit(pcm).transform(pcm), scaled)
    np.testing.assert_array_equal(consecutive_clips(pcm[0], 1000), consecutive_clips(scaled[0], 1000))
    # spectrograms are numbers, not PCM
    image = np.ones((1, 2, 3), dtype=np.int16) * 1000
    assert PixelDropoutNoise(rate=0).fit(image).transform(image).max() == 1000


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 4),
    h=st.integers(1, 12),
    w=st.integers(1, 12),
    rate=st.floats(0, 1),
    seed=st.integers(0, 2**32 - 1),
)
def test_noise_zeroes_stated_fraction_property(n, h, w, rate, seed):
    images = np.full((n, h, w), 5.0, dtype=np.float32)
    out = PixelDropoutNoise(rate=rate, random_state=seed).fit_transform(images)
    assert ((out == 0).reshape(n, -1).sum(axis=1) == round(rate * h * w)).all()


def test_dropout_mask_refuses_what_it_would_get_wrong():
    def rngs(n):
        return [np.random.default_rng(i) for i in range(n)]

    # a negative count once selected all but that many cells: 9 of 10 at rate=-0.1
    for rate in (-0.1, 1.5, np.nan, [0.5, -0.5]):
        with pytest.raises(ValueError, match=r"rate of dropout_mask must be in \[0, 1\]"):
            dropout_mask((2, 10), rate, rngs(2))
    # one generator for two items once left the second item without a mask
    with pytest.raises(ValueError, match="one generator per item.*2 items, rngs has 1"):
        dropout_mask((2, 10), 0.5, rngs(1))
    with pytest.raises(ValueError, match=r"one float or one per item \(2\); got shape \(3,\)"):
        dropout_mask((2, 10), [0.1, 0.2, 0.3], rngs(2))
    assert dropout_mask((2, 10), [0.0, 1.0], iter(rngs(2))).sum(axis=1).tolist() == [0, 10]


# --------------------------------------------------------------------------- scaling
def test_minmax_then_normalize_hand_computation():
    X = np.array([[1.0, 4.0, 7.0], [3.0, 8.0, 7.0], [2.0, 6.0, 7.0]])
    out = MinMaxThenNormalize().fit_transform(X)
    z = np.array([[0.0, 0.0, 0.0], [1.0, 1.0, 0.0], [0.5, 0.5, 0.0]])
    norms = np.linalg.norm(z, axis=1)
    norms[norms == 0] = 1
    np.testing.assert_allclose(out, z / norms[:, None])
    test = MinMaxThenNormalize().fit(X).transform(np.array([[5.0, 2.0, 9.0]]))
    np.testing.assert_allclose(test, [[2.0, -0.5, 2.0]] / np.linalg.norm([2.0, -0.5, 2.0]))
    clipped = MinMaxThenNormalize(clip=True).fit(X).transform(np.array([[5.0, 2.0, 9.0]]))
    np.testing.assert_allclose(clipped, [[1.0, 0.0, 1.0]] / np.sqrt(2))


def test_minmax_then_normalize_constant_and_zero_rows_are_finite():
    X = np.zeros((4, 3))
    out = MinMaxThenNormalize().fit_transform(X)
    assert np.isfinite(out).all() and (out == 0).all()
    for norm in ("l1", "max"):
        out = MinMaxThenNormalize(norm=norm).fit_transform(np.array([[1.0, 2.0], [3.0, 2.0]]))
        assert np.isfinite(out).all()


def test_minmax_then_normalize_rounding_and_overflow():
    # a feature constant up to rounding is constant: its ulps do not become the row
    X = np.array([[0.0, 0.1 + 0.2], [4.0, 0.3], [2.0, 0.3]])
    step = MinMaxThenNormalize().fit(X)
    assert step.data_range_.tolist() == [4.0, 1.0]
    np.testing.assert_allclose(step.transform(X), [[0.0, 0.0], [1.0, 0.0], [1.0, 0.0]],
                               atol=1e-15)
    # float32 squares far outside the training range overflowed: the row became zero
    X32 = np.array([[0.0, 0.0], [1.0, 1.0]], dtype=np.float32)
    far = MinMaxThenNormalize().fit(X32).transform(np.array([[3e19, 1.0]], np.float32))
    np.testing.assert_allclose(far, [[1.0, 1.0 / 3e19]], rtol=1e-6)
    for norm in ("l1", "max"):
        assert np.isfinite(MinMaxThenNormalize(norm=norm).fit(X32).transform(
            np.array([[3e38, 3e38]], np.float32))).all()


def test_minmax_then_normalize_feature_names():
    est = MinMaxThenNormalize().fit(np.ones((3, 2)))
    assert est.get_feature_names_out().tolist() == ["x0", "x1"]


def test_noise_fit_rate_augments_training_only(rng):
    images = rng.uniform(1, 2, size=(3, 10, 10))
    noise = PixelDropoutNoise(rate=0.0, fit_rate=0.5, random_state=0)
    train = noise.fit_transform(images)
    assert ((train == 0).reshape(3, -1).sum(axis=1) == 50).all()
    assert np.array_equal(noise.transform(images), images)
    noise.set_params(rate=0.25)
    assert ((noise.transform(images) == 0).reshape(3, -1).sum(axis=1) == 25).all()
    # fit_rate=None: fit_transform uses rate, as transform does
    same = PixelDropoutNoise(rate=0.25, random_state=0)
    assert np.array_equal(same.fit_transform(images), same.transform(images))


@pytest.mark.parametrize("step", ["noise", "standardizer"])
def test_spectrogram_batches_stay_arrays_with_pandas_output(step):
    """A 3-D batch cannot be a DataFrame: with pandas output it is returned as an array
    (it raised in pandas before); 2-D output of these steps follows set_output."""
    from sklearn import config_context

    from skgenre import SpectrogramStandardizer

    est = PixelDropoutNoise(rate=0.25, random_state=0) if step == "noise" else (
        SpectrogramStandardizer())
    S = np.random.default_rng(0).normal(size=(4, 8, 5)).astype(np.float32)
    expected = clone(est).fit_transform(S)
    with config_context(transform_output="pandas"):
        outs = [clone(est).fit_transform(S), clone(est).fit(S).transform(S)]
    outs.append(clone(est).set_output(transform="pandas").fit_transform(S))
    for out in outs:
        assert type(out) is np.ndarray
        np.testing.assert_array_equal(out, expected)


def test_spectrogram_standardizer_refuses_images_without_frames():
    # the statistics of no frames were NaN, and every band it transformed after that too
    from skgenre import SpectrogramStandardizer

    empty = np.zeros((3, 4, 0), dtype=np.float32)
    with pytest.raises(ValueError, match=r"shape \(3, 4, 0\): no frames"):
        SpectrogramStandardizer().fit(empty)
    fitted = SpectrogramStandardizer().fit(np.ones((3, 4, 2), dtype=np.float32))
    with pytest.raises(ValueError, match="no frames"):
        fitted.transform(empty)


def test_set_output_names_a_wrong_container():
    with pytest.raises(ValueError, match=r"set_output\(transform='pandsa'\) of RandomClip"):
        RandomClip().set_output(transform="pandsa")
    assert RandomClip().set_output(transform=None).get_params() == RandomClip().get_params()


def test_noise_on_waveforms_of_different_lengths(tmp_path):
    """Whole songs (the embedding pipeline's) get the clips' noise one by one."""
    from skgenre import AudioLoader
    from skgenre.datasets import make_toy_genres

    rng = np.random.default_rng(0)
    waves = np.empty(3, dtype=object)
    for i, n in enumerate([3000, 2500, 4000]):
        waves[i] = rng.normal(size=n).astype(np.float32)
    noise = PixelDropoutNoise(random_state=0).fit(waves)
    assert noise.mode_ == "waveform" and not hasattr(noise, "n_features_in_")
    assert noise.get_feature_names_out().tolist() == ["waveform"]
    assert noise.transform(waves) is waves  # rate 0: untouched
    noisy = noise.set_params(rate=0.5).transform(waves)
    assert noisy.dtype == object and [len(w) for w in noisy] == [3000, 2500, 4000]
    for w, got in zip(waves, noisy):
        # the same as the 2-D path on that waveform alone, whatever the batch
        alone = PixelDropoutNoise(rate=0.5, random_state=0).fit(w[None]).transform(w[None])
        np.testing.assert_array_equal(got, alone[0])
        assert not np.allclose(got, w)
    np.testing.assert_array_equal(noise.transform(waves[::-1])[2], noisy[0])
    # a refit on clips gives the width back; the other way forgets it
    assert noise.fit(np.zeros((2, 3000), np.float32)).n_features_in_ == 3000
    assert not hasattr(noise.fit(waves), "n_features_in_")
    with pytest.raises(ValueError, match="mode='image' expects 3-D spectrograms"):
        PixelDropoutNoise(mode="image").fit(waves)
    # the undecoded files of a lazy loader stay undecoded at rate 0
    toy = make_toy_genres(n_per_class=1, n_classes=2, duration=0.5, random_state=0,
                          path=tmp_path)
    files = AudioLoader(lazy=True).transform(toy.filenames)
    noise = PixelDropoutNoise(random_state=0).fit(files)
    assert noise.transform(files) is files
    decoded = AudioLoader().transform(toy.filenames)
    np.testing.assert_array_equal(
        np.concatenate(noise.set_params(rate=0.25).transform(files)),
        np.concatenate(noise.transform(decoded)),
    )


def test_noise_fit_rate_range_draws_a_rate_per_item():
    rng = np.random.default_rng(0)
    S = rng.normal(size=(40, 8, 10)).astype(np.float32)
    noise = PixelDropoutNoise(fit_rate=(0.1, 0.7), fill_value=99.0, random_state=0)
    out = noise.fit_transform(S)
    frac = (out == 99.0).reshape(len(S), -1).mean(axis=1)
    assert frac.min() >= 0.1 - 1 / 80 and frac.max() <= 0.7 + 1 / 80
    assert len(np.unique(frac)) > 10  # not one rate for all
    # an item's noise depends on the item alone, not on the batch it trains in
    again = clone(noise).fit_transform(S[[7, 3]])
    np.testing.assert_array_equal(again, out[[7, 3]])
    # prediction keeps using rate (0: untouched)
    np.testing.assert_array_equal(noise.transform(S), S)
    # a range of one value is that rate
    one = clone(noise).set_params(fit_rate=[0.5, 0.5]).fit_transform(S)
    np.testing.assert_array_equal(one, clone(noise).set_params(fit_rate=0.5).fit_transform(S))


@pytest.mark.parametrize("bad", [(0.5, 0.2), (0.1,), ("a", "b"), (0.1, 1.5)])
def test_noise_fit_rate_range_errors(bad):
    with pytest.raises(ValueError, match=r"fit_rate=.* a range must be two numbers"):
        PixelDropoutNoise(fit_rate=bad).fit(np.zeros((2, 3, 4), np.float32))
