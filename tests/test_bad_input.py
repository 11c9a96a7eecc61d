"""The catalogue of bad input: what each one gets. Nothing hangs, nothing is lost.

Part 1 (issue 7), the loader: every fault loads correctly or raises AudioLoadError naming
the file and the cause; nothing else escapes.

Part 2 (issue 15), whole-song prediction: the table ``CATALOGUE`` lists every kind of bad
song and what ``predict_songs`` (and so ``skgenre predict``) gives it: an error naming the
cause instead of a genre, or a genre with a warning. One song's fault never costs the other
songs their results. Part 3 runs the same files through the command line on a strict UTF-8
terminal, and checks the command-line faults (swapped arguments, untrusted pickles, unusable
output paths). Part 4 (issue 20): a model file with a flipped bit or cut short anywhere gives
a ModelFileError, never another exception.
"""

import io
import json
import os
import re
import signal
import stat
import struct
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_array_equal

from skgenre import AudioContentError, AudioLoadError, SkgenreError
from skgenre.datasets import make_toy_genres
from skgenre.io import AudioLoader, load_audio

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def good_wav(tmp_path):
    toy = make_toy_genres(n_per_class=1, n_classes=1, duration=1.0, random_state=0)
    path = tmp_path / "good.wav"
    sf.write(path, toy.data[0], 22050, subtype="PCM_16")
    return path


def _expect_error(path, cause):
    with pytest.raises(AudioLoadError, match=cause) as info:
        load_audio(path)
    err = info.value
    assert err.path == str(path)
    assert str(path) in str(err)
    assert isinstance(err, SkgenreError) and isinstance(err, OSError)
    assert isinstance(err, ValueError)
    # the transformer raises the same error for the same file
    with pytest.raises(AudioLoadError, match=cause):
        AudioLoader().transform([path])
    return err


def test_empty_file(tmp_path):
    path = tmp_path / "empty.wav"
    path.write_bytes(b"")
    _expect_error(path, "empty")


def test_text_file_named_wav(tmp_path):
    path = tmp_path / "notes.wav"
    path.write_text("These are my notes, not a song.\nSecond line.\n", encoding="utf-8")
    _expect_error(path, "text")


@pytest.mark.parametrize("n_bytes", [4, 12, 30, 43])
def test_truncated_wav_header(tmp_path, good_wav, n_bytes):
    path = tmp_path / "cut.wav"
    path.write_bytes(good_wav.read_bytes()[:n_bytes])
    _expect_error(path, "truncated WAV header")


def test_truncated_wav_data_loads_what_is_there(tmp_path, good_wav):
    # The header claims 1 s but the data stops after 1000 samples: the samples that are
    # there are returned, unchanged.
    path = tmp_path / "short_data.wav"
    path.write_bytes(good_wav.read_bytes()[: 44 + 2000])
    y = load_audio(path)
    assert_array_equal(y, load_audio(good_wav)[:1000])


def test_riff_without_wave_tag(tmp_path, good_wav):
    data = bytearray(good_wav.read_bytes())
    data[8:12] = b"AVI "
    path = tmp_path / "avi.wav"
    path.write_bytes(bytes(data))
    _expect_error(path, "corrupt WAV header")


def test_very_short_clip_loads(tmp_path):
    path = tmp_path / "blip.wav"
    x = np.linspace(-0.5, 0.5, 2205).astype(np.float32)  # 0.1 s
    sf.write(path, x, 22050, subtype="FLOAT")
    y = load_audio(path)
    assert_array_equal(y, x)
    y8 = load_audio(path, sr=8000)
    assert y8.shape == (800,) and np.isfinite(y8).all()


def test_silence_loads_as_zeros(tmp_path):
    path = tmp_path / "silence.wav"
    sf.write(path, np.zeros(30 * 22050, dtype=np.int16), 22050, subtype="PCM_16")
    y = load_audio(path)
    assert y.shape == (30 * 22050,) and y.dtype == np.float32
    assert not y.any()


def test_zero_length_audio(tmp_path):
    path = tmp_path / "nothing.wav"
    sf.write(path, np.zeros(0), 22050)
    assert path.stat().st_size > 0  # a valid header, no samples
    _expect_error(path, "no audio samples")


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_float_wav_with_non_finite_samples(tmp_path, bad):
    x = np.zeros(1000, dtype=np.float32)
    x[123] = bad
    path = tmp_path / "nonfinite.wav"
    sf.write(path, x, 22050, subtype="FLOAT")
    _expect_error(path, "NaN or infinite")


def test_missing_path(tmp_path):
    _expect_error(tmp_path / "nope" / "missing.wav", "no such file")


def test_directory(tmp_path):
    folder = tmp_path / "looks_like.wav"
    folder.mkdir()
    _expect_error(folder, "directory")


@pytest.mark.parametrize(
    "name, head",
    [
        ("image.wav", b"\x89PNG\r\n\x1a\n"),
        ("data.bin", bytes(range(256)) * 4),
        ("song.flac", b"fLaC" + bytes(200)),
        ("song.ogg", b"OggS" + bytes(200)),
        ("song.au", b".snd" + bytes(200)),
        ("song.mp3", b"ID3\x03\x00\x00\x00\x00\x00\x00" + bytes(300)),
    ],
)
def test_unsupported_or_corrupt_format(tmp_path, name, head):
    path = tmp_path / name
    path.write_bytes(head + bytes(64))
    err = _expect_error(path, "unsupported|unrecognised|corrupt")
    assert err.reason


def test_offset_beyond_end(tmp_path, good_wav):
    with pytest.raises(AudioLoadError, match="beyond the end"):
        load_audio(good_wav, offset=5.0)
    with pytest.raises(AudioLoadError, match="good.wav"):
        AudioLoader(offset=1.0).transform([good_wav])


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_one_broken_file_among_many_is_named(tmp_path, good_wav, n_jobs):
    paths = []
    for i in range(8):
        p = tmp_path / f"ok_{i}.wav"
        p.write_bytes(good_wav.read_bytes())
        paths.append(p)
    broken = tmp_path / "ok_but_not_really.wav"
    broken.write_bytes(good_wav.read_bytes()[:20])
    paths.insert(5, broken)
    with pytest.raises(AudioLoadError) as info:
        AudioLoader(n_jobs=n_jobs).transform(paths)
    assert info.value.path == str(broken)
    assert "ok_but_not_really.wav" in str(info.value)
    assert "truncated" in str(info.value)
    # without it, the rest loads
    out = AudioLoader(n_jobs=n_jobs).transform([p for p in paths if p != broken])
    assert len(out) == 8


_PREFIXES = [
    b"",
    b"RIFF\x24\x08\x00\x00WAVEfmt ",
    b"RIFF\xff\xff\xff\xffWAVEfmt \x10\x00\x00\x00\x03\x00\x02\x00",
    b".snd\x00\x00\x00\x18",
    b"fLaC\x00\x00\x00\x22",
    b"OggS\x00\x02",
    b"ID3\x03\x00\x00\x00\x00\x00\x10",
    b"\xff\xfb\x90\x64",
    b"FORM\x00\x00\x00\x20AIFF",
]


@settings(
    max_examples=60,
    deadline=2000,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
@given(
    prefix=st.sampled_from(_PREFIXES),
    body=st.binary(min_size=0, max_size=600),
    ext=st.sampled_from([".wav", ".au", ".flac", ".ogg", ".mp3", ".aiff", ""]),
)
def test_random_bytes_only_raise_audio_load_error(prefix, body, ext):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, f"random{ext}")
        with open(path, "wb") as f:
            f.write(prefix + body)
        try:
            y = load_audio(path)
        except AudioLoadError as err:
            assert err.path == path
            assert err.reason
        else:
            # whatever decodes must be a usable waveform
            assert y.dtype == np.float32 and y.ndim == 1 and y.size > 0
            assert np.isfinite(y).all()


def test_implausible_sample_rate_in_header(tmp_path):
    path = tmp_path / "slow.wav"
    sf.write(path, np.zeros(100, dtype=np.float32), 10, subtype="FLOAT")  # 10 Hz
    _expect_error(path, "implausible sample rate")



def test_header_values_no_recording_has_are_refused_by_the_loader(tmp_path):
    """Only ``skgenre predict`` refused them: load_audio and AudioLoader (training, data
    sets) loaded 2 s of audio with a 2 GHz rate in its header as a single sample, and a
    header of 255 channels as noise mixed to mono."""
    _expect_error(_patched_rate(tmp_path, "ghz.wav", 2_000_000_000),
                  "implausible sample rate of 2000000000 Hz")
    many = _wav(tmp_path, "ch255.wav", np.tile(_tone(0.5)[:, None], (1, 255)))
    _expect_error(many, r"implausible number of channels \(255\)")
    assert load_audio(_wav(tmp_path, "ch64.wav", np.tile(_tone(0.5)[:, None], (1, 64)))).size

def test_empty_input_list():
    with pytest.raises(ValueError, match="empty"):
        AudioLoader().transform([])


def test_fifo_is_refused_not_called_empty(tmp_path, no_hang):
    fifo = tmp_path / "pipe.wav"
    os.mkfifo(fifo)
    _expect_error(fifo, "not a regular file")


def test_bytes_paths_are_decoded(tmp_path, good_wav):
    y = AudioLoader().transform([os.fsencode(good_wav)])[0]
    assert_array_equal(y, load_audio(good_wav))
    y = AudioLoader().transform(np.array([os.fsencode(good_wav)]))[0]  # dtype S
    assert_array_equal(y, load_audio(good_wav))


def test_integer_waveforms_are_scaled_like_files(tmp_path):
    rng = np.random.default_rng(0)
    pcm = (rng.uniform(-0.5, 0.5, 4000) * 32767).astype(np.int16)
    path = tmp_path / "pcm16.wav"
    sf.write(path, pcm, 22050, subtype="PCM_16")
    from_file = load_audio(path)
    assert_array_equal(AudioLoader().transform([pcm])[0], from_file)
    assert_array_equal(AudioLoader().transform(pcm[None, :])[0], from_file)  # 2-D batch
    pcm8 = (pcm // 256 + 128).astype(np.uint8)  # unsigned 8-bit PCM, centred on 128
    sf.write(tmp_path / "u8.wav", (pcm8.astype(np.int16) - 128) * 256, 22050, subtype="PCM_U8")
    assert_array_equal(AudioLoader().transform([pcm8])[0], load_audio(tmp_path / "u8.wav"))


# -- Part 2: the catalogue of whole-song prediction -------------------------------------------

SR = 8000
CLIP_S = 0.5


def _predict_songs(*args, **kwargs):
    """predict_songs without the content screen: this catalogue's good songs are a sine tone
    and white noise, which the screen refuses (its own cases: CONTENT_CASES below)."""
    from skgenre import predict_songs

    return predict_songs(*args, screen=False, **kwargs)


@pytest.fixture
def no_hang():
    """Fail (instead of hanging the run) when something blocks for 2 min, e.g. on a FIFO."""

    def timeout(signum, frame):
        raise TimeoutError("blocked for 120 s")

    old = signal.signal(signal.SIGALRM, timeout)
    signal.alarm(120)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


def _tone(seconds, sr=SR, freq=220.0, amp=0.5):
    t = np.arange(int(seconds * sr)) / sr
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def _noise(seconds, sr=SR, seed=0, amp=0.3):
    return (amp * np.random.default_rng(seed).uniform(-1, 1, int(seconds * sr))).astype(np.float32)


@pytest.fixture(scope="module")
def song_pipe():
    """A small, quick clip pipeline of trusted types only (it is saved in the safe format)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from skgenre import MelSpectrogram, RandomClip, RowMeanVectorizer

    X = [_tone(1.0 + 0.1 * i, freq=f) for i, f in enumerate(np.linspace(150, 400, 10))]
    X += [_noise(1.0 + 0.1 * s, seed=s) for s in range(10)]
    y = ["tone"] * 10 + ["noise"] * 10
    waves = np.empty(len(X), dtype=object)
    waves[:] = X
    return Pipeline([
        ("load", AudioLoader(sr=SR)),
        ("clip", RandomClip(duration=CLIP_S, sr=SR, random_state=0)),
        ("melspec", MelSpectrogram(sr=SR, n_fft=512, hop_length=256, n_mels=32)),
        ("rowmean", RowMeanVectorizer()),
        ("scale", StandardScaler()),
        ("classifier", LogisticRegression()),
    ]).fit(waves, y)


def _wav(d, name, x, sr=SR, subtype="PCM_16"):
    path = Path(d) / name
    sf.write(path, x, sr, subtype=subtype)
    return path


def _patched_rate(d, name, rate):
    path = _wav(d, name, _tone(2.0))
    data = bytearray(path.read_bytes())
    data[24:28] = struct.pack("<I", rate)
    data[28:32] = struct.pack("<I", min(2 * rate, 2**32 - 1))
    path.write_bytes(bytes(data))
    return path


def _bytes_file(d, name, content):
    path = Path(d) / name
    path.write_bytes(content)
    return path


def _fifo(d, name):
    path = Path(d) / name
    os.mkfifo(path)
    return path


def _model_file(d, name):
    from sklearn.linear_model import LogisticRegression

    from skgenre import save_model

    return save_model(LogisticRegression().fit([[0.0], [1.0]], [0, 1]), Path(d) / name)


def _non_utf8_name(d):
    raw = os.fsencode(str(d)) + b"/caf\xe9-\xff.wav"
    with open(raw, "wb") as f:
        f.write(_wav(d, "tmp_for_raw.wav", _noise(2.0)).read_bytes())
    os.unlink(Path(d) / "tmp_for_raw.wav")
    return raw  # a bytes path, as os.listdir(bytes) gives it


def _pcm16(x):
    return np.round(x * 32767).astype(np.int16)


# (case, make(folder) -> path or waveform, outcome, pattern of the error or warning, or a
# genre for "ok"). Outcome "error": no genre, the error names the cause; "warn": a genre and
# a warning; "ok": a genre (the one given) and no warning.
CATALOGUE = [
    ("good tone file", lambda d: _wav(d, "tone.wav", _tone(3.0)), "ok", "tone"),
    ("good noise file", lambda d: _wav(d, "noise.flac", _noise(3.0)), "ok", "noise"),
    ("stereo 44.1 kHz file", lambda d: _wav(d, "st.wav", np.c_[_tone(2.0, 44100), _tone(2.0, 44100)], 44100), "ok", "tone"),
    ("bytes path", lambda d: os.fsencode(_wav(d, "bytes.wav", _tone(2.0))), "ok", "tone"),
    ("non-UTF-8 file name", _non_utf8_name, "ok", "noise"),
    ("newline and ANSI escape in the name", lambda d: _wav(d, "evil\n\x1b[31mred.wav", _tone(2.0)), "ok", "tone"),
    ("40 % of one clip", lambda d: _wav(d, "short.wav", _noise(0.2)), "warn", "shorter than one clip"),
    ("float samples up to 5", lambda d: _wav(d, "loud.wav", 10 * _noise(2.0), subtype="FLOAT"), "warn", "exceed full scale"),
    ("1-sample file", lambda d: _wav(d, "one.wav", np.array([0.5], np.float32)), "error", "too short to tell a genre"),
    ("5 % of one clip", lambda d: _wav(d, "blip.wav", _tone(0.025)), "error", "too short"),
    ("digital silence", lambda d: _wav(d, "zeros.wav", np.zeros(3 * SR, np.float32)), "error", "digital silence"),
    ("near silence (-100 dBFS)", lambda d: _wav(d, "hiss.wav", 1e-5 * np.sign(_noise(3.0)), subtype="FLOAT"), "error", "digital silence \\(peak level -100 dBFS"),
    ("float samples of 1e17", lambda d: _wav(d, "huge.wav", 1e17 * np.sign(_noise(3.0)), subtype="FLOAT"), "error", "far outside the \\[-1, 1\\] range"),
    ("NaN in a float file", lambda d: _wav(d, "nan.wav", np.r_[_tone(1.0), np.nan], subtype="FLOAT"), "error", "NaN or infinite"),
    ("header: 2 GHz sample rate", lambda d: _patched_rate(d, "ghz.wav", 2_000_000_000), "error", "implausible sample rate of 2000000000 Hz"),
    ("header: 10 Hz sample rate", lambda d: _patched_rate(d, "slow.wav", 10), "error", "implausible sample rate of 10 Hz"),
    ("255 channels", lambda d: _wav(d, "ch255.wav", np.tile(_noise(0.5)[:, None], (1, 255))), "error", "implausible number of channels \\(255\\)"),
    ("empty file", lambda d: _bytes_file(d, "empty.wav", b""), "error", "empty \\(0 bytes\\)"),
    ("text file", lambda d: _bytes_file(d, "notes.mp3", b"my notes\n"), "error", "not an audio file: it holds text"),
    ("truncated WAV header", lambda d: _bytes_file(d, "cut.wav", b"RIFF\x24\x08\x00\x00WAVE"), "error", "truncated WAV header"),
    ("random bytes", lambda d: _bytes_file(d, "junk.ogg", bytes(range(256)) * 8), "error", "unsupported|unrecognised|corrupt"),
    ("missing file", lambda d: Path(d) / "missing.wav", "error", "no such file"),
    ("directory", lambda d: (Path(d) / "folder.wav").mkdir() or Path(d) / "folder.wav", "error", "directory"),
    ("FIFO", lambda d: _fifo(d, "pipe.wav"), "error", "FIFO \\(named pipe\\), not a regular file"),
    ("a model file given as a song", lambda d: _model_file(d, "model.skgenre"), "error", "model file, not audio.*model comes first"),
    # waveforms given in memory (Python API)
    ("int16 waveform", lambda d: _pcm16(_tone(2.0)), "ok", "tone"),
    ("float waveform of unscaled int16 values", lambda d: 32767.0 * _tone(2.0), "error", "far outside.*not scaled"),
    ("silent waveform", lambda d: np.zeros(2 * SR), "error", "digital silence"),
    ("3-sample waveform", lambda d: np.array([0.1, -0.2, 0.3]), "error", "too short"),
    ("waveform with NaN", lambda d: np.r_[_tone(1.0), np.nan], "error", "NaN or infinity"),
    ("empty waveform", lambda d: np.zeros(0, np.float32), "error", "empty waveform"),
    ("2-D item", lambda d: np.zeros((2, 100)), "error", "1-D numeric waveform"),
    ("complex waveform", lambda d: _tone(1.0).astype(np.complex64), "error", "real-valued"),
]

_FILE_CASES = [c for c in CATALOGUE if c[0] not in {
    "int16 waveform", "float waveform of unscaled int16 values", "silent waveform",
    "3-sample waveform", "waveform with NaN", "empty waveform", "2-D item", "complex waveform",
}]


@pytest.fixture
def catalogue_items(tmp_path):
    return [make(tmp_path) for _, make, _, _ in CATALOGUE]


def _check_row(case, row, outcome, pattern):
    import re

    import pandas as pd

    if outcome == "error":
        assert isinstance(row["error"], str), f"{case}: got a genre, expected an error"
        assert re.search(pattern, row["error"]), f"{case}: {row['error']!r}"
        assert pd.isna(row["top1_genre"]) and np.isnan(row["top1_proba"]), case
    else:
        assert pd.isna(row["error"]), f"{case}: {row['error']}"
        if outcome == "warn":
            assert re.search(pattern, str(row["warning"])), f"{case}: {row['warning']!r}"
        else:
            assert pd.isna(row["warning"]), f"{case}: {row['warning']!r}"
            assert row["top1_genre"] == pattern, case
        assert 0 < row["top1_proba"] <= 1, case


def test_catalogue_all_at_once(song_pipe, catalogue_items, no_hang):
    """Every case in one call: each row gets its own outcome, whatever the others do."""
    res = _predict_songs(song_pipe, catalogue_items, top_k=2)
    assert len(res) == len(CATALOGUE)
    for (case, _, outcome, pattern), (_, row) in zip(CATALOGUE, res.iterrows()):
        _check_row(case, row, outcome, pattern)
    # file errors name the file
    for (case, _, outcome, _), item, (_, row) in zip(CATALOGUE, catalogue_items, res.iterrows()):
        if outcome == "error" and not isinstance(item, np.ndarray):
            assert repr(os.fsdecode(os.fspath(item)))[1:-1] in row["error"], case


@pytest.mark.parametrize("case, make, outcome, pattern", CATALOGUE, ids=[c[0] for c in CATALOGUE])
def test_catalogue_one_by_one(song_pipe, tmp_path, no_hang, case, make, outcome, pattern):
    """Each case alone gives the same outcome; with on_error="raise" an error is raised."""
    item = make(tmp_path)
    res = _predict_songs(song_pipe, [item])
    _check_row(case, res.iloc[0], outcome, pattern)
    if outcome == "error":
        with pytest.raises(ValueError, match=pattern):  # AudioLoadError is a ValueError too
            _predict_songs(song_pipe, [item], on_error="raise")


def test_parallel_decoding_gives_the_same_catalogue(song_pipe, catalogue_items, no_hang):
    a = _predict_songs(song_pipe, catalogue_items)
    b = _predict_songs(song_pipe, catalogue_items, n_jobs=2)
    assert a.equals(b)


def test_int16_waveform_predicts_like_the_scaled_float(song_pipe):
    x = _noise(2.0)
    pcm = _pcm16(x)
    res = _predict_songs(song_pipe, [pcm, pcm.astype(np.float32) / 32768, x])
    probs = res[["proba_noise", "proba_tone"]].to_numpy()
    np.testing.assert_array_equal(probs[0], probs[1])
    np.testing.assert_allclose(probs[0], probs[2], atol=1e-3)


def test_long_songs_are_cut_at_max_duration(song_pipe, tmp_path):
    """Memory per song is bounded: decoding stops at max_duration, and the row says so."""
    long_file = _wav(tmp_path, "long.wav", _tone(3.0))
    exact = _wav(tmp_path, "exact.wav", _tone(1.0))
    res = _predict_songs(song_pipe, [long_file, _tone(3.0), exact], max_duration=1.0)
    assert res["n_clips"].tolist() == [2, 2, 2] and res["duration"].tolist() == [1.0] * 3
    assert res["warning"][0] == "only the first 1 s of 3 s were judged (max_duration=1)"
    assert res["warning"][1] == res["warning"][0]
    assert res["warning"].isna()[2]  # exactly the limit: nothing was left out
    whole = _predict_songs(song_pipe, [long_file], max_duration=None)
    assert whole["n_clips"][0] == 6 and whole["warning"].isna()[0]
    with pytest.raises(ValueError, match="max_duration"):
        _predict_songs(song_pipe, [long_file], max_duration=0)
    # a limit under 10 % of one clip: the limit is refused, the song is not blamed
    with pytest.raises(ValueError, match=r"max_duration=0.001 s is shorter than the least"):
        _predict_songs(song_pipe, [long_file], max_duration=0.001)


def test_an_entry_that_is_neither_path_nor_waveform_is_named_so(song_pipe, tmp_path):
    song = _wav(tmp_path, "song.wav", _tone(1.0))
    res = _predict_songs(song_pipe, [song, None, 3.5])
    assert res["error"].isna()[0]
    assert res["error"][1].startswith(
        "entry 1 of paths_or_waveforms is neither a path (str, bytes or os.PathLike) nor a "
        "waveform (a 1-D numeric array); got NoneType"
    )
    assert "entry 2" in res["error"][2] and "got float" in res["error"][2]


def test_a_model_failure_on_one_song_is_that_songs_error(song_pipe):
    """A fault in the features or the classifier costs only the song that causes it."""
    from sklearn.base import clone
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    def picky(X):
        X = np.asarray(X)
        if (np.abs(X) > 0.9).any():
            raise ValueError("a sample above 0.9 breaks this feature")
        return X

    pipe = Pipeline([("picky", FunctionTransformer(picky))] + [
        (n, clone(s)) for n, s in song_pipe.steps
    ])
    pipe.steps.insert(2, pipe.steps.pop(0))  # after load and clip
    waves = [_tone(2.0), _noise(2.0), _tone(2.0, amp=0.95), _noise(1.0, seed=3)]
    train = np.empty(2, dtype=object)
    train[:] = [_tone(1.0), _noise(1.0)]
    pipe.fit(train, ["tone", "noise"])
    res = _predict_songs(pipe, waves)
    assert res["error"].isna().tolist() == [True, True, False, True]
    assert "the model failed on this song (ValueError: a sample above 0.9" in res["error"][2]
    assert res["top1_genre"][[0, 1, 3]].notna().all()
    with pytest.raises(ValueError, match="waveform\\[2\\].*model failed"):
        _predict_songs(pipe, waves, on_error="raise")


# -- Part 2b: the content screen (issue 20): garbage is named by what it is ------------------

CSR = 22050


def _level(x, dbfs):
    return x * (10 ** (dbfs / 20) / np.sqrt(np.mean(x**2)))


def _coloured(n, exponent, seed=0):
    spec = np.fft.rfft(np.random.default_rng(seed).normal(size=n))
    f = np.fft.rfftfreq(n)
    f[0] = f[1]
    return np.fft.irfft(spec / f ** (exponent / 2), n)


def _garbage(kind, seconds=5.0, sr=CSR, seed=0):
    """One tiny seeded example of a kind of garbage (``benchmarks/bench_screen.py`` has 50)."""
    rng = np.random.default_rng(seed)
    n = int(seconds * sr)
    t = np.arange(n) / sr
    dither = (rng.uniform(-1, 1, n) + rng.uniform(-1, 1, n)) / 32768
    x = {
        "white noise": lambda: rng.normal(0, 0.1, n),
        "pink noise": lambda: _level(_coloured(n, 1, seed), -20),
        "brown noise": lambda: _level(_coloured(n, 2, seed), -20),
        "DC offset": lambda: 0.3 + dither,
        "-80 dBFS noise": lambda: _level(rng.normal(size=n), -80),
        "impulse train": lambda: np.where(np.arange(n) % (sr // 2) == 0, 0.8, 0.0),
        "random clicks": lambda: np.isin(np.arange(n), rng.choice(n, 8, replace=False)) * 0.5,
        "sine": lambda: 0.5 * np.sin(2 * np.pi * 440 * t),
        "multi-tone": lambda: sum(0.2 * np.sin(2 * np.pi * f * t) for f in (300, 1234, 2500)),
        "square wave": lambda: 0.3 * np.sign(np.sin(2 * np.pi * 110 * t + 0.1)),
        "sine sweep": lambda: 0.5 * np.sin(2 * np.pi * 100 * seconds / np.log(80)
                                           * (np.exp(np.log(80) * t / seconds) - 1)),
    }[kind]()
    return np.asarray(x, dtype=np.float32)


# (kind, pattern of its error)
CONTENT_CASES = [
    ("white noise", "white noise: flat spectrum, no tonal or rhythmic structure"),
    ("pink noise", "pink noise: a smooth spectrum falling 3 dB per octave"),
    ("brown noise", "brown noise: a smooth spectrum falling 6 dB per octave"),
    ("DC offset", "a DC offset: 100% of its energy is a constant offset"),
    ("-80 dBFS noise", "near silence: its loud parts are at -(79|80) dBFS"),
    ("impulse train", "clicks or impulses"),
    ("random clicks", "clicks or impulses|near silence"),
    ("sine", "a steady test tone"),
    ("multi-tone", "a steady test tone"),
    ("square wave", "a steady test tone"),
    ("sine sweep", "a sine sweep or gliding tone"),
]


@pytest.mark.parametrize("kind, pattern", CONTENT_CASES, ids=[c[0] for c in CONTENT_CASES])
def test_content_screen_names_each_kind_of_garbage(kind, pattern):
    from skgenre.inference._screen import screen_waveform

    x = _garbage(kind)
    err, notes = screen_waveform(x, CSR, 5 * CSR, "garbage.wav")
    assert isinstance(err, AudioLoadError), f"{kind}: no error"
    assert re.search(pattern, str(err)), str(err)
    assert "'garbage.wav'" in str(err) and notes == []
    assert "screen=False" in str(err) and "--no-screen" in str(err)  # what to do if wrong
    assert screen_waveform(x, CSR, 5 * CSR, "garbage.wav", content=False)[0] is None
    err, _ = screen_waveform(x, CSR, 5 * CSR, "waveform[3]", is_file=False)
    assert type(err) is ValueError and str(err).startswith("waveform[3]: ")


def test_content_screen_in_predict_songs_and_the_cli(song_pipe, tmp_path, capsys):
    """Garbage files and waveforms get errors by default, genres with screen=False."""
    from skgenre import predict_songs, save_model
    from skgenre.cli import main

    kinds = ["white noise", "sine", "DC offset", "-80 dBFS noise", "impulse train"]
    files = [_wav(tmp_path, f"{i}.wav", _garbage(k, 4.0, SR), subtype="FLOAT")
             for i, k in enumerate(kinds)]
    res = predict_songs(song_pipe, files + [_garbage("square wave", 4.0, SR)])
    for (_, row), kind in zip(res.iterrows(), kinds + ["square wave"]):
        pattern = dict(CONTENT_CASES)[kind]
        assert isinstance(row["error"], str) and re.search(pattern, row["error"]), row["error"]
        assert np.isnan(row["top1_proba"])
    with pytest.raises(AudioLoadError, match="white noise") as info:
        predict_songs(song_pipe, files[:1], on_error="raise")
    # the file was read: what it holds has no genre ("judge", not "load")
    assert type(info.value) is AudioContentError
    assert str(info.value).startswith(f"cannot judge audio file {str(files[0])!r}")
    assert predict_songs(song_pipe, files, screen=False)["error"].isna().all()
    model = save_model(song_pipe, tmp_path / "model.skgenre")
    assert main(["predict", str(model), str(files[1])]) == 1
    out, _ = capsys.readouterr()
    assert "FAILED:" in out and "a steady test tone" in out and "--no-screen" in out
    assert main(["predict", str(model), str(files[1]), "--no-screen"]) == 0
    assert "1. tone" in capsys.readouterr()[0]


def _closest_real_tracks():
    """Real tracks nearest to the screen's thresholds (bench_screen.py): metal is noise-like,
    sparse classical and ambient electronic are quiet, steady or tonal."""
    from conftest import SHARED

    data = SHARED / "data"
    names = ["gtzan/mini/metal/metal.00007.flac", "gtzan/mini/classical/classical.00005.flac",
             "gtzan/mini/classical/classical.00009.flac",
             "emotify/electronic/emotify.electronic.061.ogg",
             "emotify/electronic/emotify.electronic.040.ogg",
             "emotify/electronic/emotify.electronic.032.ogg",
             "emotify/classical/emotify.classical.097.ogg"]
    paths = [data / n for n in names if (data / n).is_file()]
    if not paths:
        pytest.skip(f"real tracks not found under {data}")
    return paths


def test_content_screen_passes_real_music():
    from skgenre.datasets import make_toy_genres
    from skgenre.inference._screen import screen_waveform

    for path in _closest_real_tracks():
        x = load_audio(path, sr=CSR)
        c = len(x) // 2
        for part in (x, x[c - 5 * CSR // 2 : c + 5 * CSR // 2]):  # whole, and its centre 5 s
            err, _ = screen_waveform(part, CSR, 5 * CSR, path.name)
            assert err is None, str(err)
    # the synthetic toy songs that docs and examples judge (first six genres) pass too
    toy = make_toy_genres(n_per_class=2, n_classes=6, duration=5.0, random_state=0)
    for x in toy.data:
        assert screen_waveform(x, CSR, 5 * CSR, "toy.wav")[0] is None


# -- Part 3: the command line -----------------------------------------------------------------


def _child_env(**extra):
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


def _cli(args, timeout=300, **env):
    return subprocess.run(
        [sys.executable, "-m", "skgenre", *args], capture_output=True,
        env=_child_env(**env), timeout=timeout,
    )


def test_cli_predict_catalogue_on_a_strict_utf8_terminal(song_pipe, tmp_path):
    """All files at once through `skgenre predict`, on a terminal that refuses bad UTF-8."""
    from skgenre import save_model

    model = save_model(song_pipe, tmp_path / "model.skgenre")
    songs = tmp_path / "songs"
    songs.mkdir()
    files = [make(songs) for _, make, _, _ in _FILE_CASES]
    strict = {"PYTHONIOENCODING": "utf-8:strict", "LC_ALL": "C.UTF-8"}
    res = _cli(["predict", str(model), *map(os.fsdecode, files), "--no-screen"], **strict)
    out, err = res.stdout.decode("utf-8"), res.stderr.decode("utf-8")  # strict: valid UTF-8
    assert res.returncode == 1, err
    assert "Traceback" not in err
    assert "\x1b" not in out and "\x1b" not in err  # no raw escape reaches the terminal
    n_bad = sum(outcome == "error" for _, _, outcome, _ in _FILE_CASES)
    assert f"{n_bad} of {len(files)} file(s) could not be read or judged" in err
    assert "caf\\xe9-\\xff.wav  (2.0 s, 4 clip(s))" in out
    assert "evil\\n\\x1b[31mred.wav  (2.0 s, 4 clip(s))" in out
    assert out.count("FAILED:") == n_bad and out.count("  note: ") == 2
    # --json: one entry per file, the same outcomes
    res = _cli(["predict", str(model), *map(os.fsdecode, files), "--json", "--no-screen"],
               **strict)
    entries = json.loads(res.stdout.decode("ascii"))  # ensure_ascii: any terminal takes it
    assert [e["ok"] for e in entries] == [o != "error" for _, _, o, _ in _FILE_CASES]
    assert [bool(e["warning"]) for e in entries] == [o == "warn" for _, _, o, _ in _FILE_CASES]


def test_cli_command_line_faults(song_pipe, tmp_path, capsys, no_hang):
    import hashlib

    from skgenre import save_model
    from skgenre.cli import main

    def run(*args):
        code = main(list(map(str, args)))
        out, err = capsys.readouterr()
        assert "Traceback" not in err
        return code, out, err

    model = save_model(song_pipe, tmp_path / "model.skgenre")
    song = _wav(tmp_path, "song.wav", _tone(1.0))
    # swapped arguments
    code, _, err = run("predict", song, model)
    assert code == 2 and "WAV audio file, not a skgenre model" in err
    assert "the model comes first" in err
    # a pickle-based model: refused unless trusted
    pickled = save_model(song_pipe, tmp_path / "model.joblib", format="pickle")
    code, _, err = run("predict", pickled, song)
    assert code == 2 and "--trust-pickle" in err
    code, out, _ = run("predict", pickled, song, "--trust-pickle", "--no-screen")
    assert code == 0 and "song.wav" in out
    digest = hashlib.sha256(pickled.read_bytes()).hexdigest()
    assert run("predict", pickled, song, "--sha256", digest, "--no-screen")[0] == 0
    code, _, err = run("predict", model, song, "--sha256", "0" * 64)
    assert code == 2 and "does not match the expected SHA-256" in err
    code, _, err = run("predict", model, song, "--sha256", "xyz")
    assert code == 2 and "64 hexadecimal digits" in err
    code, _, err = run("predict", model, song, "--max-duration", "-1")
    assert code == 2 and "expected seconds >= 0" in err
    code, out, err = run("predict", model, song, "--max-duration", "0.001")
    assert code == 2 and out == "" and "argument --max-duration: 0.001 s is shorter" in err
    assert "song.wav" not in err  # the limit is at fault, not the song
    code, out, _ = run("predict", model, song, "--max-duration", "0.5", "--no-screen")
    assert code == 0 and "(0.5 s, 1 clip(s))" in out and "only the first 0.5 s of 1 s" in out
    # a FIFO as the model: refused without blocking
    code, _, err = run("predict", _fifo(tmp_path, "model_pipe.skgenre"), song)
    assert code == 2 and "not a regular file" in err


@pytest.mark.parametrize("out_kind, reason", [
    ("directory", "it is a directory, not a file"),
    ("under a file", "is a file, not a folder"),
    ("empty", "path is empty"),
    ("device", "character device"),
    ("missing folder", "does not exist"),
    ("read-only place", "not writable"),
])
def test_cli_train_checks_out_before_any_work(tmp_path, capsys, monkeypatch, out_kind, reason):
    from skgenre.cli import _train, main

    def no_work(*args, **kwargs):
        raise AssertionError("work started although --out cannot be written")

    monkeypatch.setattr(_train, "get_dataset", no_work)
    (tmp_path / "file").write_text("x")
    out = {
        "directory": tmp_path, "under a file": tmp_path / "file" / "m.skgenre", "empty": "",
        "device": "/dev/full", "missing folder": tmp_path / "no" / "m.skgenre",
        "read-only place": "/proc/m.skgenre",
    }[out_kind]
    code = main(["train", "--model", "feature", "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "skgenre train: error: cannot write" in err and reason in err


def test_cli_train_on_a_folder_where_nothing_decodes(tmp_path, capsys):
    from skgenre.cli import main

    for genre in ("blues", "rock"):
        (tmp_path / "data" / genre).mkdir(parents=True)
        for i in range(2):
            (tmp_path / "data" / genre / f"{genre}.0000{i}.wav").write_text("not audio")
    code = main(["train", "--model", "feature", "--data", str(tmp_path / "data"),
                 "--out", str(tmp_path / "m.skgenre"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "hold no audio file that can be read" in err
    assert "(4 file(s) skipped, e.g." in err and "it holds text" in err and "Traceback" not in err
    assert not (tmp_path / "m.skgenre").exists()


@pytest.mark.parametrize("setup, flags, reason", [
    ("file", [], "it is a file, not a folder"),
    ("under a file", [], "is a file, not a folder"),
    ("read-only place", [], "not writable"),
    ("old results", [], "already holds results.*--overwrite"),
    ("foreign files", ["--overwrite"], "not results of this command.*thesis.tex"),
    # replaced whole, the current folder would move from under the shell (it passed the
    # check, then failed after all the training)
    ("current folder", [], "it is the current folder or one above it"),
    ("folder above", ["--overwrite"], "it is the current folder or one above it"),
    ("bad seed", ["--seed", "-1"], "argument --seed: expected a number from 0 to 4294967295"),
])
def test_cli_reproduce_checks_out_before_any_work(tmp_path, capsys, monkeypatch, setup, flags, reason):
    import re

    from skgenre.cli import _reproduce, main

    def no_work(*args, **kwargs):
        raise AssertionError("work started although --out cannot be used")

    monkeypatch.setattr(_reproduce, "get_dataset", no_work)
    (tmp_path / "file").write_text("x")
    old = tmp_path / "old"
    old.mkdir()
    (old / "results.csv").write_text("old")
    if setup == "foreign files":
        (old / "thesis.tex").write_text("mine")
    (tmp_path / "here").mkdir()
    monkeypatch.chdir(tmp_path / "here")
    out = {
        "file": tmp_path / "file", "under a file": tmp_path / "file" / "results",
        "read-only place": "/proc/skgenre-results", "old results": old, "foreign files": old,
        "current folder": ".", "folder above": "..", "bad seed": tmp_path / "new",
    }[setup]
    code = main(["reproduce", "--out", str(out), "--quiet", *flags])
    err = capsys.readouterr().err
    assert code == 2 and re.search(reason, err), err
    assert (old / "results.csv").read_text() == "old"


@pytest.mark.slow
def test_cli_reproduce_overwrite_replaces_whole_and_interrupt_keeps_old(tmp_path, capsys, monkeypatch):
    from skgenre.cli import _plots, main

    out = tmp_path / "results"
    out.mkdir()
    old = {"results.csv": "old", "results.json": "old", "confusion_stale.png": "old"}
    for name, text in old.items():
        (out / name).write_text(text)
    args = ["reproduce", "--n-per-class", "5", "--epochs", "1", "--quiet", "--out", str(out)]

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    # a shared results folder keeps its mode (the staging folder was private, 0700)
    os.chmod(out, 0o755)
    # interrupted while writing (after results.csv and the confusion matrices)
    monkeypatch.setattr(_plots, "plot_noise_curves", interrupted)
    assert main([*args, "--overwrite"]) == 130
    assert {p.name: p.read_text() for p in out.iterdir()} == old
    assert sorted(os.listdir(tmp_path)) == ["results"]
    monkeypatch.undo()
    assert main([*args, "--overwrite"]) == 0
    capsys.readouterr()
    assert sorted(os.listdir(out)) == sorted([
        "results.csv", "results.json", "noise_robustness.png",
        "confusion_feature.png", "confusion_spec-dense.png", "confusion_cnn.png",
    ])  # the stale file of the old run is gone: no mix of old and new
    assert stat.S_IMODE(out.stat().st_mode) == 0o755


def test_cli_reproduce_writes_its_files_before_printing(tmp_path, monkeypatch):
    # stdout closed early (| head): the results of the training are on disk all the same
    from skgenre.cli import main

    class Closed(io.StringIO):  # the reader goes away once training is done
        def write(self, text):
            if "Table 1" in text or self.closed_:
                self.closed_ = True
                raise BrokenPipeError
            return super().write(text)

        closed_ = False

    monkeypatch.setattr(sys, "stdout", Closed())
    out = tmp_path / "results"
    code = main(["reproduce", "--n-per-class", "5", "--epochs", "1", "--quiet",
                 "--no-embedding", "--out", str(out)])
    assert code == 141
    assert {"results.csv", "results.json", "noise_robustness.png"} <= set(os.listdir(out))


# --- Part 4 (issue 20): damaged model files -----------------------------------------------

_MODEL_BYTES = []


def _saved_model_bytes():
    """A small safe model file, deflated (a byte flip then hits a compressed stream)."""
    if not _MODEL_BYTES:
        with tempfile.TemporaryDirectory() as tmp:
            _MODEL_BYTES.append(_model_file(tmp, "m.skgenre").read_bytes())
    return _MODEL_BYTES[0]


@settings(max_examples=80, deadline=5000, suppress_health_check=[HealthCheck.too_slow],
          derandomize=True)
@given(where=st.floats(0, 1, exclude_max=True), bit=st.integers(0, 7),
       cut=st.booleans())
def test_damaged_model_file_only_raises_model_file_error(where, bit, cut):
    """A model file with one flipped bit, or cut short anywhere, gives a ModelFileError
    naming it, or still loads (a flip in a version string); nothing else escapes."""
    from skgenre import ModelFileError, load_model

    data = bytearray(_saved_model_bytes())
    at = int(where * len(data))
    if cut:
        data = data[:at]
    else:
        data[at] ^= 1 << bit
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "damaged.skgenre")
        with open(path, "wb") as f:
            f.write(bytes(data))
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # a flipped version stamp warns
                model = load_model(path)
        except ModelFileError as err:
            assert path in str(err)
        else:
            assert model.predict([[0.9]]).tolist() == [1]


def test_a_long_song_whose_music_falls_between_the_excerpts_is_not_called_quiet():
    # the screen reads ten 3-s pieces spread over the song; 50 s of music between two of
    # them in a 10-minute song that is otherwise near silence was refused as "near
    # silence: its loud parts are at -75 dBFS"
    from skgenre.inference._screen import screen_waveform

    sr = 8000
    rng = np.random.default_rng(0)
    hiss = (10 ** (-75 / 20) * rng.standard_normal(600 * sr)).astype(np.float32)
    error, _ = screen_waveform(hiss, sr, 5 * sr, "hiss.wav")
    assert "near silence" in str(error)
    song = hiss.copy()
    t = np.arange(50 * sr) / sr
    song[205 * sr : 255 * sr] = 0.3 * np.sin(2 * np.pi * 220 * t * (1 + 0.2 * np.sin(t)))
    error, _ = screen_waveform(song, sr, 5 * sr, "gap.wav")
    assert error is None
    # all zeros but one second: judged too, without numpy's "Mean of empty slice"
    zeros = np.zeros(60 * sr, np.float32)
    zeros[31 * sr : 32 * sr] = 0.5 * np.sin(np.arange(sr) * 0.2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        error, _ = screen_waveform(zeros, sr, 5 * sr, "blip.wav")
    assert error is None or "near silence" not in str(error)
