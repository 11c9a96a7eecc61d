"""The ``skgenre`` command line, called in-process through ``skgenre.cli.main``."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from skgenre import __version__
from skgenre.cli import main

ROOT = Path(__file__).resolve().parents[1]
# Tiny runs: few songs, two epochs.
FAST = ["--epochs", "2", "--quiet"]


def _run(capsys, argv):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_version_and_help(capsys):
    code, out, _ = _run(capsys, ["--version"])
    assert code == 0 and out.strip() == f"skgenre {__version__}"
    code, out, _ = _run(capsys, ["--help"])
    assert code == 0 and "reproduce" in out and "predict" in out and "train" in out
    code, out, _ = _run(capsys, [])
    assert code == 2 and "usage" in out


def test_usage_errors(capsys, tmp_path):
    code, _, err = _run(capsys, ["train", "--model", "svm", "--out", str(tmp_path / "m")])
    assert code == 2 and "invalid choice" in err
    code, _, err = _run(capsys, ["reproduce", "--data", str(tmp_path / "nope")])
    assert code == 2 and "is not a directory" in err
    code, _, err = _run(capsys, ["reproduce", "--n-per-class", "0"])
    assert code == 2 and ">= 1" in err
    code, _, err = _run(capsys, ["reproduce", "--data", str(tmp_path), "--quiet"])
    assert code == 2 and "no GTZAN genre folders" in err


@pytest.fixture(scope="module")
def toy_folder(tmp_path_factory):
    from skgenre.datasets import make_toy_genres

    root = tmp_path_factory.mktemp("toy_gtzan")
    make_toy_genres(n_per_class=5, n_classes=10, duration=6.0, random_state=0, path=root)
    return root


def test_reproduce_on_folder(capsys, toy_folder, tmp_path):
    out_dir = tmp_path / "results"
    code, out, err = _run(
        capsys,
        ["reproduce", "--data", str(toy_folder), "--out", str(out_dir), "--seed", "1", *FAST],
    )
    assert code == 0, err
    assert err == ""  # --quiet
    assert "Table 1" in out and "(0.334)" in out and "(NA)" in out
    files = {p.name for p in out_dir.iterdir()}
    assert files == {
        "results.csv", "results.json", "noise_robustness.png",
        "confusion_feature.png", "confusion_spec-dense.png", "confusion_cnn.png",
    }
    for name in files:
        assert (out_dir / name).stat().st_size > 0
    df = pd.read_csv(out_dir / "results.csv")
    assert len(df) == 12  # 3 models x 4 noise rates: every cell has a number
    assert set(df["model"]) == {"feature", "spec-dense", "cnn"}
    assert sorted(set(df["noise_rate"])) == [0.0, 0.25, 0.5, 0.75]
    assert df["accuracy"].between(0, 1).all() and df["accuracy"].notna().all()
    assert not df["synthetic"].any()
    res = json.loads((out_dir / "results.json").read_text())
    assert res["n_train"] == 40 and res["n_test"] == 10
    assert res["seed"] == 1 and res["preset"] == "tuned"
    assert {"load_clip", "features", "melspec", "train_cnn", "total"} <= set(res["timings_s"])
    cm = np.asarray(res["confusion_matrices"]["cnn"])
    assert cm.shape == (10, 10) and cm.sum() == 10
    png = (out_dir / "noise_robustness.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow
def test_reproduce_without_data_says_synthetic(capsys, tmp_path):
    out_dir = tmp_path / "toy_results"
    code, out, err = _run(
        capsys, ["reproduce", "--n-per-class", "5", "--out", str(out_dir), "--epochs", "1"]
    )
    assert code == 0
    assert "SYNTHETIC" in out and "NOT GTZAN" in out
    assert "[skgenre]" in err  # progress goes to stderr without --quiet
    assert "[skgenre]" not in out
    res = json.loads((out_dir / "results.json").read_text())
    assert res["data"]["synthetic"] is True
    assert pd.read_csv(out_dir / "results.csv")["synthetic"].all()


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "spec.joblib"
    code = main(
        ["train", "--model", "spec-dense", "--n-per-class", "5", "--out", str(path), *FAST]
    )
    assert code == 0
    return path


def test_train_says_synthetic_and_seed_repeats(capsys, tmp_path):
    from skgenre._persist import load_model
    from skgenre.datasets import make_toy_genres

    probas = []
    for name in ("a.joblib", "b.joblib"):
        path = tmp_path / name
        code, out, _ = _run(
            capsys,
            ["train", "--model", "feature", "--n-per-class", "3", "--seed", "3",
             "--out", str(path), *FAST],
        )
        assert code == 0 and path.stat().st_size > 0
        assert "SYNTHETIC" in out and "Saved to" in out
        songs = make_toy_genres(n_per_class=1, n_classes=10, random_state=9).data
        probas.append(load_model(path).predict_proba(songs))
    np.testing.assert_array_equal(probas[0], probas[1])  # same --seed, same model


def _parse_table(out):
    """{file: {genre: probability}} from the human-readable predict output."""
    table, current = {}, None
    for line in out.splitlines():
        if not line.startswith(" "):
            current = line.split("  (")[0]
            table[current] = {}
        elif "FAILED" not in line:
            _, genre, proba, *_ = line.split()
            table[current][genre] = float(proba)
    return table


def test_train_then_predict_real_file(capsys, model_file, gtzan_sample_files):
    wav = next(p for p in gtzan_sample_files if p.suffix == ".wav")
    mp3 = next(p for p in gtzan_sample_files if p.suffix == ".mp3")
    code, out, err = _run(capsys, ["predict", str(model_file), str(wav), str(mp3), "--top-k", "10"])
    assert code == 0, err
    assert "(30.0 s, 6 clip(s))" in out
    table = _parse_table(out)
    assert set(table) == {str(wav), str(mp3)}
    for probs in table.values():
        assert len(probs) == 10
        assert all(0 <= p <= 1 for p in probs.values())
        assert sum(probs.values()) == pytest.approx(1.0, abs=0.01)  # 3-decimal rounding
        assert list(probs.values()) == sorted(probs.values(), reverse=True)

    code, out, _ = _run(capsys, ["predict", str(model_file), str(wav), "--json"])
    assert code == 0
    entries = json.loads(out)
    assert len(entries) == 1 and entries[0]["ok"] and entries[0]["error"] is None
    assert len(entries[0]["top"]) == 3
    probs = entries[0]["probabilities"]
    assert len(probs) == 10 and sum(probs.values()) == pytest.approx(1.0, abs=1e-5)
    assert entries[0]["top"][0]["probability"] == max(probs.values())


def test_predict_goes_on_after_broken_file(capsys, model_file, gtzan_sample_files, tmp_path):
    wav = gtzan_sample_files[0]
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF\x00\x00")
    code, out, err = _run(capsys, ["predict", str(model_file), str(broken), str(wav)])
    assert code == 1
    assert "broken.wav" in err and "1 of 2 file(s) could not be read" in err
    assert f"{wav}  (30.0 s" in out  # the good file after the broken one is still judged
    code, out, err = _run(capsys, ["predict", str(model_file), str(broken), "--json"])
    assert code == 1
    assert json.loads(out)[0]["ok"] is False and "broken.wav" in err


def test_predict_refuses_non_model(capsys, tmp_path, gtzan_sample_files):
    text = tmp_path / "model.joblib"
    text.write_text("I am not a model\n")
    code, out, err = _run(capsys, ["predict", str(text), str(gtzan_sample_files[0])])
    assert code == 2 and out == ""
    assert "is not a skgenre model" in err and "model.joblib" in err
    code, _, err = _run(capsys, ["predict", str(tmp_path / "none.joblib"), "x.wav"])
    assert code == 2 and "does not exist" in err


def test_predict_refuses_model_without_audio_steps(capsys, tmp_path):
    from sklearn.linear_model import LogisticRegression

    from skgenre._persist import save_model

    path = save_model(LogisticRegression().fit([[0.0], [1.0]], [0, 1]), tmp_path / "lr.joblib")
    code, out, err = _run(capsys, ["predict", str(path), "song.wav"])
    assert code == 2 and out == ""
    assert "LogisticRegression" in err and "'clip'" in err


def test_python_dash_m(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    text = tmp_path / "m.joblib"
    text.write_text("nope")
    proc = subprocess.run(
        [sys.executable, "-m", "skgenre", "predict", str(text), "song.wav"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
    )
    assert proc.returncode == 2
    assert "not a skgenre model" in proc.stderr
    proc = subprocess.run(
        [sys.executable, "-m", "skgenre", "--version"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
    )
    assert proc.returncode == 0 and proc.stdout.strip() == f"skgenre {__version__}"


def test_load_and_clip_chunks_and_broken_files(tmp_path, monkeypatch):
    import io

    from sklearn.pipeline import Pipeline

    from skgenre import AudioLoader, RandomClip
    from skgenre.cli import _common
    from skgenre.datasets import make_toy_genres

    toy = make_toy_genres(n_per_class=4, n_classes=3, duration=1.5, sr=8000, random_state=0,
                          path=tmp_path)
    paths = [str(p) for p in toy.filenames]
    broken = tmp_path / "broken.wav"
    broken.write_text("not audio")
    paths.insert(6, str(broken))
    y = np.insert(np.asarray(toy.target_names)[toy.target], 6, "blues")
    monkeypatch.setattr(_common, "_CHUNK", 5)  # 13 files -> 3 chunks

    def run(seed):
        pipe = Pipeline([("load", AudioLoader(sr=8000)),
                         ("clip", RandomClip(duration=1.0, sr=8000, random_state=seed))])
        stream = io.StringIO()
        clips, y_kept = _common.load_and_clip(pipe, paths, y, _common.Progress(True, stream))
        assert pipe.named_steps["clip"].random_state == seed  # restored
        assert pipe.named_steps["load"].on_error == "raise"
        return clips, y_kept, stream.getvalue()

    clips, y_kept, log = run(0)
    assert clips.shape == (12, 8000) and clips.dtype == np.float32
    np.testing.assert_array_equal(y_kept, np.delete(y, 6))
    assert "broken.wav" in log and "left out 1 unreadable file" in log  # shown though quiet
    # each kept clip is a 1-s excerpt of its song
    wave = toy.data[0]
    starts = [i for i in range(0, len(wave) - 8000 + 1) if np.allclose(wave[i:i + 8000], clips[0], atol=1e-3)]
    assert starts
    again, _, _ = run(0)
    np.testing.assert_array_equal(clips, again)
    other, _, _ = run(1)
    assert not np.array_equal(clips, other)
