"""predict_songs: whole-song prediction over consecutive clips."""

import functools

import numpy as np
import pandas as pd
import pytest
import soundfile as sf
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from skgenre import AudioLoader, AudioLoadError, RandomClip
from skgenre import predict_songs as _predict_songs
from skgenre.preprocessing import consecutive_clips

# The two "genres" of these tests are a sine tone and white noise, which the content screen
# refuses (tests/test_bad_input.py checks that); these tests are about everything else.
predict_songs = functools.partial(_predict_songs, screen=False)

SR = 8000
CLIP_S = 0.5


def _summary(X):
    # loudness and zero-crossing rate: enough to tell a low tone from white noise
    X = np.asarray(X)
    zcr = (np.diff(np.signbit(X), axis=1) != 0).mean(axis=1)
    return np.c_[np.sqrt((X**2).mean(axis=1)), zcr]


def _tone(seconds, sr=SR, freq=220.0):
    t = np.arange(int(seconds * sr)) / sr
    return (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def _noise(seconds, sr=SR, seed=0):
    return (0.3 * np.random.default_rng(seed).uniform(-1, 1, int(seconds * sr))).astype(np.float32)


@pytest.fixture(scope="module")
def pipe():
    X = [_tone(1.0 + 0.1 * i, freq=f) for i, f in enumerate(np.linspace(150, 400, 10))] + [
        _noise(1.0 + 0.1 * s, seed=s) for s in range(10)
    ]
    y = ["tone"] * 10 + ["noise"] * 10
    return Pipeline(
        [
            ("load", AudioLoader(sr=SR)),
            ("clip", RandomClip(duration=CLIP_S, sr=SR, random_state=0)),
            ("summary", FunctionTransformer(_summary)),
            ("scale", StandardScaler()),
            ("classifier", LogisticRegression()),
        ]
    ).fit(_container(X), y)


def _container(ws):
    out = np.empty(len(ws), dtype=object)
    out[:] = ws
    return out


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("songs")
    paths = {}
    # 3 s stereo tone at 44.1 kHz: resampled and down-mixed by the load step
    tone = _tone(3.0, sr=44100)
    paths["tone"] = d / "tone_stereo_44k.wav"
    sf.write(paths["tone"], np.c_[tone, tone], 44100)
    # 0.2 s of noise: shorter than one clip -> padded to one clip
    paths["short"] = d / "short_noise.flac"
    sf.write(paths["short"], _noise(0.2), SR)
    paths["text"] = d / "notes.wav"
    paths["text"].write_text("this is not audio\n")
    paths["missing"] = d / "missing.wav"
    return paths


def test_whole_song_files(pipe, files):
    res = predict_songs(pipe, [files["tone"], files["short"]], top_k=2)
    assert list(res["source"]) == [str(files["tone"]), str(files["short"])]
    assert res["n_clips"].tolist() == [6, 1]  # 3 s / 0.5 s; short song padded to 1 clip
    np.testing.assert_allclose(res["duration"], [3.0, 0.2], atol=1e-3)
    assert res["top1_genre"].tolist() == ["tone", "noise"]
    proba = res[["proba_noise", "proba_tone"]].to_numpy()
    assert ((proba >= 0) & (proba <= 1)).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)
    assert (res["top1_proba"] >= res["top2_proba"]).all()
    assert res["error"].isna().all()
    assert res.attrs["classes"] == ["noise", "tone"]


def test_mean_of_clip_probabilities(pipe):
    song = np.r_[_tone(1.2), _noise(1.3)]  # 2.5 s: 5 clips, no remainder
    res = predict_songs(pipe, [song])
    clips = consecutive_clips(song, int(CLIP_S * SR))
    expected = pipe[2:].predict_proba(clips).mean(axis=0)
    np.testing.assert_allclose(res[["proba_noise", "proba_tone"]].to_numpy()[0], expected)
    assert res["source"].iloc[0] == "waveform[0]"


def test_hop_and_remainder(pipe):
    song = _tone(2.7)  # 5 full clips, 0.2 s remainder dropped
    assert predict_songs(pipe, [song])["n_clips"].iloc[0] == 5
    # hop 0.25 s: starts 0, 0.25, ..., 2.0 -> 9 clips
    assert predict_songs(pipe, [song], hop=0.25)["n_clips"].iloc[0] == 9


def test_bad_files_reported_and_others_go_on(pipe, files):
    res = predict_songs(pipe, [files["text"], files["tone"], files["missing"]])
    assert pd.isna(res["error"].iloc[1]) and res["top1_genre"].iloc[1] == "tone"
    assert "notes.wav" in res["error"].iloc[0] and "text" in res["error"].iloc[0]
    assert "missing.wav" in res["error"].iloc[2] and "no such file" in res["error"].iloc[2]
    assert res["n_clips"].tolist() == [0, 6, 0]
    assert np.isnan(res["proba_tone"].iloc[0]) and pd.isna(res["top1_genre"].iloc[0])


def test_on_error_raise(pipe, files):
    with pytest.raises(AudioLoadError, match="notes.wav"):
        predict_songs(pipe, [files["tone"], files["text"]], on_error="raise")


def test_many_songs_keep_order_across_chunks(pipe):
    songs = [_tone(1.0 + 0.5 * (i % 3), freq=200 + 10 * i) if i % 2 else _noise(1.0, seed=i)
             for i in range(37)]
    res = predict_songs(pipe, songs, top_k=1)
    assert len(res) == 37
    for i in (0, 15, 16, 17, 36):
        one = predict_songs(pipe, [songs[i]])
        np.testing.assert_allclose(
            res[["proba_noise", "proba_tone"]].to_numpy()[i],
            one[["proba_noise", "proba_tone"]].to_numpy()[0],
        )
    assert res["top1_genre"].tolist() == ["noise" if i % 2 == 0 else "tone" for i in range(37)]


def test_parallel_loading_same_result(pipe, files):
    paths = [files["tone"], files["short"], files["text"]]
    a = predict_songs(pipe, paths)
    b = predict_songs(pipe, paths, n_jobs=2)
    assert a.equals(b)
    for n in ([paths[0]], paths):  # refused for one file as for several
        with pytest.raises(ValueError, match="n_jobs"):
            predict_songs(pipe, n, n_jobs=0)
    from skgenre import predict_library

    with pytest.raises(ValueError, match="The 'n_jobs' parameter of predict_library"):
        predict_library(pipe, [paths[0]], n_jobs=0)  # refused at the call, not mid-run


def test_top_k_capped_and_single_path(pipe, files):
    res = predict_songs(pipe, str(files["tone"]), top_k=5)
    assert len(res) == 1
    assert "top2_genre" in res and "top3_genre" not in res


def test_load_step_offset_and_duration_ignored(pipe, files):
    # a load step set to read only part of each file still judges the whole song
    trimmed = Pipeline([*pipe.steps])  # a list of its own: the fixture is shared
    trimmed.steps[0] = ("load", AudioLoader(sr=SR, offset=0.5, duration=1.0))
    assert predict_songs(trimmed, [files["tone"]])["n_clips"].iloc[0] == 6


def test_verbose_load_step_shows_no_bar_per_file(pipe, files, capsys):
    # A model trained with progress on keeps its load step's verbose; predict_songs decodes
    # file by file, where that step's bar would print "1/1" once per song.
    noisy = Pipeline([*pipe.steps])
    noisy.steps[0] = ("load", AudioLoader(sr=SR, verbose=1))
    capsys.readouterr()
    res = predict_songs(noisy, [files["tone"], files["short"], files["tone"]])
    assert res["n_clips"].tolist() == [6, 1, 6]
    assert "decoding" not in capsys.readouterr().err
    noisy.named_steps["load"].transform([files["tone"]])  # the step itself keeps its bar
    assert "decoding" in capsys.readouterr().err


def test_errors(pipe):
    no_clip = Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression())]).fit(
        [[0.0], [1.0]], [0, 1]
    )
    with pytest.raises(ValueError, match="step named 'clip'"):
        predict_songs(no_clip, [np.zeros(10)])
    with pytest.raises(ValueError):
        predict_songs(pipe, [], top_k=1)
    with pytest.raises(ValueError, match="top_k"):
        predict_songs(pipe, [np.zeros(10)], top_k=0)
    res = predict_songs(pipe, [np.array([np.nan, 1.0]), _tone(1.0)])
    assert "waveform[0]" in res["error"].iloc[0] and pd.isna(res["error"].iloc[1])


def _seconds_given(X, sr=1000):
    """A whole-track model's one feature: the seconds of audio it is given."""
    return np.array([[len(w) / sr] for w in X])


def test_whole_track_timeline_judges_a_short_song_as_its_summary_does():
    # A whole-track model takes any length: a song shorter than one segment is one piece
    # of its own length, not a piece padded to the segment (with silence or repeats).
    sr = 1000
    pipe = Pipeline([("load", AudioLoader(sr=sr)), ("clip", "passthrough"),
                     ("len", FunctionTransformer(_seconds_given)),
                     ("clf", LogisticRegression())])
    tone = np.sin(np.arange(20 * sr) * 0.3).astype(np.float32)
    pipe.fit([tone[: 2 * sr], tone[: 3 * sr], tone[: 12 * sr], tone[: 15 * sr]],
             ["short", "short", "long", "long"])
    res, timeline = predict_songs(pipe, [tone[: 3 * sr]], segments=True,
                                  segment_duration=10.0)
    assert res["top1_genre"].tolist() == ["short"]
    assert timeline[["start", "end", "top1_genre"]].to_dict("records") == [
        {"start": 0.0, "end": 3.0, "top1_genre": "short"}]
    np.testing.assert_allclose(timeline["proba_short"], res["proba_short"])


def test_track_classifier_songs_are_screened_against_its_own_clip():
    # a whole-track model that cuts clips itself (make_*_pipeline(track=True)) pads to
    # its clip_duration: songs were checked against 3 s, so a 4-s song padded to 5 s got
    # no note, and a song under 10 % of the clip a genre
    from skgenre import TrackClassifier

    sr = 1000
    track = TrackClassifier(
        Pipeline([("summary", FunctionTransformer(_summary)),
                  ("classifier", LogisticRegression())]),
        clip_duration=5.0, sr=sr, random_state=0)
    pipe = Pipeline([("load", AudioLoader(sr=sr)), ("clip", "passthrough"),
                     ("track", track)])
    songs = [_tone(6.0, sr=sr, freq=50 + 10 * i) for i in range(4)]
    songs += [_noise(6.0, sr=sr, seed=i) for i in range(4)]
    pipe.fit(_container(songs), ["tone"] * 4 + ["noise"] * 4)
    res = predict_songs(pipe, [_tone(4.0, sr=sr), _tone(0.4, sr=sr), _tone(6.0, sr=sr)])
    assert "shorter than one clip (5.00 s): it was padded" in res["warning"].iloc[0]
    assert "too short to tell a genre" in res["error"].iloc[1]
    assert pd.isna(res["warning"].iloc[2]) and pd.isna(res["error"].iloc[2])
    # n_clips counts the model's clips (it said 1 for every song)
    assert res["n_clips"].tolist() == [1, 0, 1]
    res = predict_songs(pipe, [_tone(12.0, sr=sr), _tone(15.0, sr=sr)])
    assert res["n_clips"].tolist() == [2, 3]
