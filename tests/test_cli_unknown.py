"""``skgenre train --unknown`` and "unknown" in predict_songs, predict_library and predict."""

import io
import json
import math

import numpy as np
import pandas as pd
import pytest
import soundfile as sf
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from skgenre import (
    AudioLoader,
    MelSpectrogram,
    OpenSetClassifier,
    RandomClip,
    RowMeanVectorizer,
    load_model,
    read_model_metadata,
    save_model,
)
from skgenre.cli import main
from skgenre.datasets import make_toy_genres
from skgenre.inference import predict_library, predict_songs

SR = 8000
LOW = [200, 215, 230, 245, 260, 275]
HIGH = [1500, 1560, 1620, 1680, 1740, 1800]


def _tone(freq, seconds=2.0, seed=0):
    t = np.arange(int(seconds * SR)) / SR
    noise = np.random.default_rng(seed).normal(0, 0.01, t.size)
    return (0.3 * np.sin(2 * np.pi * freq * t) + noise).astype(np.float32)


def _genre_folders(data, **genres):
    """A folder per genre of tones at the given frequencies; returns ``data``."""
    for genre, freqs in genres.items():
        (data / genre).mkdir(parents=True)
        for i, f in enumerate(freqs):
            sf.write(data / genre / f"{i}.wav", _tone(f, seed=i), SR)
    return data


def _pipeline(head):
    return Pipeline([
        ("load", AudioLoader(sr=SR)),
        ("clip", RandomClip(duration=0.5, sr=SR, random_state=0)),
        ("mel", MelSpectrogram(sr=SR, n_fft=256, hop_length=128, n_mels=16)),
        ("mean", RowMeanVectorizer()),
        ("clf", head),
    ])


@pytest.fixture(scope="module")
def open_set():
    """Low and high tones; the classifier wrapped as ``skgenre train --unknown`` does."""
    X = [_tone(f, seed=i) for i, f in enumerate(LOW + HIGH)]
    y = ["low"] * len(LOW) + ["high"] * len(HIGH)
    return _pipeline(OpenSetClassifier(LogisticRegression(max_iter=500), cv=3)).fit(X, y)


@pytest.fixture
def songs(tmp_path):
    """A low tone (known) and a band of noise, far from both tones (unknown)."""
    rng = np.random.default_rng(5)
    paths = [tmp_path / "a_low.wav", tmp_path / "b_noise.wav"]
    sf.write(paths[0], _tone(237, seed=11), SR)
    sf.write(paths[1], (0.3 * rng.uniform(-1, 1, 2 * SR)).astype(np.float32), SR)
    return [str(p) for p in paths]


def test_predict_songs_says_unknown_with_its_score(open_set, songs):
    res = predict_songs(open_set, songs, top_k=2, screen=False)
    head = open_set[-1]
    threshold = head.threshold_
    assert res.attrs["unknown_threshold"] == threshold
    assert res.attrs["unknown_label"] == "unknown"
    known, unknown = res.iloc[0], res.iloc[1]
    assert known["top1_genre"] == "low" and known["unknown_score"] <= threshold
    assert unknown["unknown_score"] > threshold
    assert unknown["top1_genre"] == "unknown" and math.isnan(unknown["top1_proba"])
    # the known genres still come, with their probabilities, after "unknown"
    proba = res[["proba_high", "proba_low"]].to_numpy()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    best = "high" if unknown["proba_high"] > unknown["proba_low"] else "low"
    assert unknown["top2_genre"] == best
    assert unknown["top2_proba"] == unknown[f"proba_{best}"]
    # the score of a song is the mean of its clips' scores: those of the classifier
    waves = open_set[:1].transform(songs)
    clips = [w[: len(w) // 4000 * 4000].reshape(-1, 4000) for w in waves]
    expected = [head.unknown_score(open_set[2:-1].transform(c)).mean() for c in clips]
    np.testing.assert_allclose(res["unknown_score"], expected, rtol=1e-6)


def test_timeline_and_library_rows_say_unknown(open_set, songs):
    res, timeline = predict_songs(open_set, songs, screen=False, segments=True)
    assert "unknown_score" in timeline.columns
    noise = timeline[timeline["source"] == songs[1]]
    assert (noise["top1_genre"] == "unknown").all() and noise["top1_proba"].isna().all()
    rows = list(predict_library(open_set, songs, top_k=2, screen=False))
    assert [r["top"] for r in rows] == ["low", "unknown"]
    assert [r["unknown_score"] for r in rows] == pytest.approx(list(res["unknown_score"]))
    assert rows[1]["top_k"][0] == ("unknown", None)  # no probability: None, not NaN
    assert rows[1]["unknown_threshold"] == open_set[-1].threshold_
    # a plain classifier's results keep their columns
    X = [_tone(f, seed=i) for i, f in enumerate(LOW + HIGH)]
    plain = _pipeline(LogisticRegression(max_iter=500)).fit(X, ["low"] * 6 + ["high"] * 6)
    res, timeline = predict_songs(plain, songs, screen=False, segments=True)
    assert "unknown_score" not in res.columns and "unknown_score" not in timeline.columns
    assert "unknown_threshold" not in res.attrs
    assert "unknown_score" not in next(iter(predict_library(plain, songs, screen=False)))




def test_predict_prints_unknown_with_its_score(capsys, open_set, songs, tmp_path):
    model = tmp_path / "open.skgenre"
    save_model(open_set, model)
    threshold = open_set[-1].threshold_
    code = main(["predict", str(model), *songs, "--no-screen"])
    out, err = capsys.readouterr()
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith(f"{songs[0]}  (2.0 s, 4 clip(s); unknown score ")
    assert f"<= threshold {threshold:.2f})" in lines[0]
    noise = lines.index(f"{songs[1]}  (2.0 s, 4 clip(s))")
    assert lines[noise + 1].startswith("   1. unknown  (score ")
    assert lines[noise + 1].endswith(f" > threshold {threshold:.2f})")
    assert lines[noise + 2].split()[1] in ("low", "high")  # the known genres follow

    code = main(["predict", str(model), *songs, "--no-screen", "--json"])
    out, _ = capsys.readouterr()
    entries = json.loads(out)
    assert code == 0 and [e["top"][0]["genre"] for e in entries] == ["low", "unknown"]
    assert entries[1]["top"][0]["probability"] is None
    assert all(e["unknown_threshold"] == threshold for e in entries)
    assert entries[0]["unknown_score"] <= threshold < entries[1]["unknown_score"]
    assert set(entries[1]["probabilities"]) == {"high", "low"}

    csv_out = tmp_path / "rows.csv"
    code = main(["predict", str(model), *songs, "--no-screen", "--out", str(csv_out)])
    capsys.readouterr()
    table = pd.read_csv(io.BytesIO(csv_out.read_bytes()), skiprows=1)
    assert code == 0 and list(table.columns) == [
        "path", "top", "proba_high", "proba_low", "unknown_score", "seconds", "note", "error"]
    assert list(table["top"]) == ["low", "unknown"]
    assert list(table["unknown_score"]) == pytest.approx([e["unknown_score"] for e in entries])


def test_train_unknown_saves_an_open_set_model(capsys, tmp_path):
    path = tmp_path / "open.skgenre"
    code = main(["train", "--model", "feature", "--n-per-class", "3", "--unknown", "0.9",
                 "--epochs", "2", "--quiet", "--out", str(path)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Unknown: a song whose unknown score is above " in out
    assert "keeps 90% of the training songs" in out and "3-fold" in out
    # `predict --out` carries these to `skgenre adapt`: only if they name the classes whose
    # probabilities it writes, which "unknown" is not one of
    csv_out = tmp_path / "rows.csv"
    toy = make_toy_genres(n_per_class=1, n_classes=1, duration=3.0, random_state=2,
                          path=tmp_path / "toy").filenames
    code = main(["predict", str(path), str(toy[0]), "--no-screen", "--out", str(csv_out)])
    _, err = capsys.readouterr()
    assert code in (0, 1) and "warning" not in err, err
    assert read_model_metadata(path) == {"class_counts": dict.fromkeys(
        load_model(path).classes_.tolist(), 3)}
    assert '"train_counts": {' in csv_out.read_text().splitlines()[0]

    songs = make_toy_genres(n_per_class=1, n_classes=2, duration=6.0, random_state=9).data
    results = []
    for engine in ("keras", "numpy"):
        model = load_model(path, engine=engine)
        head = model.steps[-1][1]
        assert isinstance(head, OpenSetClassifier) and head.known_rate == 0.9
        assert f"above {head.threshold_:.3f} is 'unknown'" in out
        results.append(predict_songs(model, list(songs), screen=False))
    assert results[0]["unknown_score"].notna().all()
    for column in ["unknown_score"] + [c for c in results[0] if c.startswith("proba_")]:
        np.testing.assert_allclose(results[0][column], results[1][column], rtol=1e-4,
                                   atol=1e-6)


def test_train_unknown_refuses_the_cnn_and_bad_shares(capsys, tmp_path):
    path = tmp_path / "m.skgenre"
    code = main(["train", "--model", "cnn", "--unknown", "--n-per-class", "3",
                 "--out", str(path)])
    _, err = capsys.readouterr()
    assert code == 2 and "--unknown cannot wrap the cnn model" in err
    assert "mel spectrogram" in err and not path.exists()
    for share in ("0", "1.5", "most"):
        code = main(["train", "--model", "feature", "--unknown", share, "--out", str(path)])
        _, err = capsys.readouterr()
        assert code == 2 and "expected a share in (0, 1]" in err
    # a genre of one song: said before training, naming the genres (it was OpenSet's
    # error after training, exit 1, advising a cv parameter the command has not got)
    code = main(["train", "--model", "feature", "--unknown", "--n-per-class", "1",
                 "--out", str(path)])
    _, err = capsys.readouterr()
    assert code == 2 and "--unknown needs at least 3 songs of each genre" in err, err
    assert "too few in: blues (1)" in err and not path.exists()


def test_train_unknown_refuses_a_genre_named_unknown(capsys, tmp_path):
    """A genre folder named "unknown": refused before any feature (it was
    OpenSetClassifier's error after every song's features, exit 1, advising an
    unknown_label that the command has not got)."""
    data = _genre_folders(tmp_path / "songs", unknown=LOW[:3], high=HIGH[:3])
    path = tmp_path / "m.skgenre"
    code = main(["train", "--model", "feature", "--data", str(data), "--unknown",
                 "--out", str(path)])
    _, err = capsys.readouterr()
    assert code == 2 and "the data has a genre named 'unknown'" in err, err
    assert "Rename that genre folder" in err and "unknown_label" not in err
    assert "training the feature model" not in err and not path.exists()


def test_train_unknown_refuses_genres_of_two_songs(capsys, tmp_path):
    """Two songs of every genre: each of the 2 folds trained on one song per genre, so the
    threshold was 0 and the saved model called every song, its training songs too,
    "unknown" (exit 0)."""
    path = tmp_path / "m.skgenre"
    code = main(["train", "--model", "feature", "--unknown", "--n-per-class", "2",
                 "--epochs", "1", "--quiet", "--out", str(path)])
    _, err = capsys.readouterr()
    assert code == 2 and "--unknown needs at least 3 songs of each genre" in err, err
    assert "too few in: blues (2)" in err and not path.exists()


def test_train_combined_with_unknown_on_real_songs(capsys, musicnn_weights, gtzan_sample_files,
                                                   tmp_path):
    """``--model combined``: the embedding head times the tag prior of every built-in genre
    (mapping "all"), wrapped for --unknown; saved, loaded and used by predict."""
    data = tmp_path / "songs"
    for f in gtzan_sample_files:
        # a capitalised genre folder is the built-in genre all the same
        genre = "Blues" if f.parent.name == "blues" else f.parent.name
        (data / genre).mkdir(parents=True, exist_ok=True)
        (data / genre / f.name).symlink_to(f)
    path = tmp_path / "combined.skgenre"
    code = main(["train", "--model", "combined", "--data", str(data), "--unknown", "--quiet",
                 "--out", str(path)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Trained combined on 7 songs; classes: Blues, classical" in out  # no preset named
    assert "no pretrained tag names" not in out
    model = load_model(path)
    head = model.steps[-1][1]
    assert isinstance(head, OpenSetClassifier) and head.cv == 3  # 3 classical songs
    prior = head.estimator_
    assert prior.mapping == "all" and prior.prior_classes_.tolist() == [True, True]
    code = main(["predict", str(path), str(gtzan_sample_files[0]), "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    (row,) = json.loads(out)
    assert set(row["probabilities"]) == {"Blues", "classical"}
    assert math.isfinite(row["unknown_score"])


def test_genres_of_the_data_match_the_priors_up_to_case():
    from skgenre.cli._train import _has_prior_genres

    assert _has_prior_genres(np.array(["Rock", "Jazz"]))
    assert _has_prior_genres(np.array(["folk", "CLASSICAL ", "rock"]))
    # the prior compares the mapped genres: one alone would change nothing
    assert not _has_prior_genres(np.array(["folk", "CLASSICAL "]))
    assert not _has_prior_genres(np.array(["folk", "ambient"]))


def test_train_combined_refuses_genres_without_a_prior_before_any_work(capsys, tmp_path):
    data = _genre_folders(tmp_path / "songs", low=LOW[:2], high=HIGH[:2])
    path = tmp_path / "m.skgenre"
    code = main(["train", "--model", "combined", "--data", str(data), "--out", str(path)])
    _, err = capsys.readouterr()
    assert code == 2 and not path.exists()
    assert "--model combined needs at least two genres that the pretrained tags name" in err
    assert "the genres of the data are high, low" in err and "--model embedding" in err
