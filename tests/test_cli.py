"""The ``skgenre`` command line, called in-process through ``skgenre.cli.main``."""

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from conftest import musicnn_weights_installed
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
    assert code == 2 and "no genre folders" in err
    # too few songs for a test song of every genre: said before any training, in its terms
    code, _, err = _run(capsys, ["reproduce", "--n-per-class", "3", "--quiet", "--out",
                                 str(tmp_path / "r")])
    assert code == 2 and "--n-per-class 5 or more" in err


def _write(path, seconds=6.0, sr=22050, seed=0):
    import soundfile as sf

    path.parent.mkdir(parents=True, exist_ok=True)
    wave = np.random.default_rng(seed).normal(0, 0.1, int(seconds * sr)).astype(np.float32)
    sf.write(path, wave, sr)


def _truncate(path, keep=0.5):
    """Cut a file short (its header stays whole), as an interrupted copy does."""
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])


@pytest.mark.parametrize("layout", ["one_genre", "empty_genre"])
def test_too_few_genres_is_one_line_exit_2(capsys, tmp_path, layout):
    _write(tmp_path / "rock" / "a song.wav")
    if layout == "empty_genre":
        _write(tmp_path / "jazz" / "b.flac")
        (tmp_path / "polka").mkdir()
        (tmp_path / "polka" / "readme.txt").write_text("no music here\n")
    code, out, err = _run(
        capsys, ["train", "--model", "feature", "--data", str(tmp_path), "--out",
                 str(tmp_path / "m.joblib"), "--quiet"],
    )
    assert code == 2 and out == ""
    lines = [line for line in err.splitlines() if not line.startswith("[skgenre] warning")]
    assert len(lines) == 1 and lines[0].startswith("skgenre train: error:")
    assert ("at least two" in err) if layout == "one_genre" else ("'polka'" in err or "polka" in err)
    assert "Traceback" not in err


@pytest.fixture(scope="module")
def toy_folder(tmp_path_factory):
    from skgenre.datasets import make_toy_genres

    root = tmp_path_factory.mktemp("toy_gtzan")
    make_toy_genres(n_per_class=5, n_classes=10, duration=6.0, random_state=0, path=root)
    return root


def res_repeats(out_dir):
    return json.loads((out_dir / "results.json").read_text())["noise_repeats"]


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
    # the toy set written to disk has GTZAN's names and layout: still synthetic, with no
    # artists (it was called GTZAN, with Sturm's real artists)
    assert df["synthetic"].all() and "SYNTHETIC" in out and "artist" not in out
    assert (df["epochs"] == 2).all() and (df["noise_repeats"] == res_repeats(out_dir)).all()
    res = json.loads((out_dir / "results.json").read_text())
    assert res["n_train"] == 40 and res["n_test"] == 10
    assert res["seed"] == 1 and res["preset"] == "tuned"
    assert {"fit_feature", "fit_cnn", "evaluate_spec-dense", "total"} <= set(res["timings_s"])
    cm = np.asarray(res["confusion_matrices"]["cnn"])
    assert cm.shape == (10, 10) and cm.sum() == 10
    # the row beyond the paper: the pretrained-embedding pipeline on the same split
    assert "Beyond the paper" in out
    row = res["beyond_paper"]["embedding"]
    if musicnn_weights_installed():
        acc = row["accuracy"]
        assert acc * 10 == pytest.approx(round(acc * 10))  # a whole number of 10 test songs
        assert f"Embedding   {acc:>10.3f}" in out
    else:
        assert "not installed" in row["skipped"] and "skipped" in out
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


def test_train_replaces_a_model_file_but_no_other_file(capsys, tmp_path, model_file):
    import shutil

    def train(out):
        return _run(capsys, ["train", "--model", "feature", "--n-per-class", "2", "--out",
                             str(out), *FAST])

    song = tmp_path / "rock.00000.wav"  # a typo for --out must not cost a song of the data
    song.write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt ")
    # a zip whose directory zipfile cannot read (NotImplementedError, not BadZipFile)
    odd = tmp_path / "odd.zip"
    with zipfile.ZipFile(odd, "w") as zf:
        zf.writestr("a.txt", "precious")
    data = bytearray(odd.read_bytes())
    at = data.index(b"PK\x01\x02")
    data[at + 6:at + 8] = (244).to_bytes(2, "little")  # "version needed to extract": 24.4
    odd.write_bytes(bytes(data))
    for victim in (song, tmp_path / "notes.txt", odd):
        if not victim.exists():
            victim.write_text("precious")
        before = victim.read_bytes()
        code, _, err = train(victim)
        assert code == 2 and "is not a skgenre model file" in err, err
        assert victim.read_bytes() == before
    # a model file (and an empty file) is replaced: retraining to one name is the common case
    again = tmp_path / "again.skgenre"
    shutil.copy(model_file, again)
    empty = tmp_path / "empty.skgenre"
    empty.touch()
    for target in (again, empty):
        code, out, _ = train(target)
        assert code == 0 and "Saved to" in out


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
    assert "1 of 2 file(s) could not be read" in err
    assert f"{wav}  (30.0 s" in out  # the good file after the broken one is still judged
    # the error once: in the table, not again on stderr
    assert out.count("FAILED: cannot load audio file") == 1 and "broken.wav" not in err
    code, out, err = _run(capsys, ["predict", str(model_file), str(broken), "--json"])
    assert code == 1
    entry = json.loads(out)[0]
    assert entry["ok"] is False and "broken.wav" in entry["error"]
    assert "1 of 1 file(s) could not be read" in err


def test_predict_skips_skops_scan_of_sklearn(model_file, gtzan_sample_files,
                                            assert_not_imported):
    # skops' default trust list imports all of scikit-learn (0.5 s of a predict); the
    # command skips it and load_model checks scikit-learn types itself.
    code = (f"from skgenre.cli._main import main\n"
            f"assert main(['predict', {str(model_file)!r}, {str(gtzan_sample_files[0])!r}]) == 0")
    assert_not_imported(code, ["sklearn.utils._testing"])


def test_predict_refuses_non_model(capsys, tmp_path, gtzan_sample_files):
    text = tmp_path / "model.joblib"
    text.write_text("I am not a model\n")
    code, out, err = _run(capsys, ["predict", str(text), str(gtzan_sample_files[0])])
    assert code == 2 and out == ""
    assert "is not a skgenre model" in err and "model.joblib" in err
    code, _, err = _run(capsys, ["predict", str(tmp_path / "none.joblib"), "x.wav"])
    assert code == 2 and "does not exist" in err
    # arguments swapped: a song where the model should be; one clean line, no internals
    song = str(gtzan_sample_files[0])
    code, out, err = _run(capsys, ["predict", song, str(text)])
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "not a skgenre model" in err and "Error" not in err and "pop" not in err


def test_predict_refuses_damaged_model_files_in_one_line(capsys, tmp_path):
    """A byte flip, deep nesting, a file cut short: exit 2, one line, no traceback."""
    import zipfile

    from sklearn.linear_model import LogisticRegression

    from skgenre._persist import save_model

    path = save_model(LogisticRegression().fit([[0.0], [1.0]], [0, 1]), tmp_path / "m.skgenre")
    whole = path.read_bytes()
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
        info = zf.getinfo("estimator.skops")
    flipped = bytearray(whole)
    flipped[info.header_offset + 30 + len(info.filename) + info.compress_size // 2] ^= 0xFF

    deep = io.BytesIO()
    with zipfile.ZipFile(deep, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in {**members, "skgenre-model.json": b"[" * 200_000}.items():
            zf.writestr(name, data)

    variants = {
        "flipped": bytes(flipped),
        "deep": deep.getvalue(),
        "cut": whole[:-100],
    }
    for name, data in variants.items():
        model = tmp_path / f"{name}.skgenre"
        model.write_bytes(data)
        code, out, err = _run(capsys, ["predict", str(model), "song.wav"])
        assert code == 2 and out == "" and err.count("\n") == 1, (name, err)
        assert err.startswith("skgenre predict: error:") and f"{name}.skgenre" in err
        assert "Traceback" not in err


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


def test_train_any_folder_lists_skipped_files(capsys, tmp_path):
    music = tmp_path / "my music"
    _write(music / "jazz" / "Miles Davis - So What.wav", seed=1)
    _write(music / "jazz" / "live" / "jazz.00007.flac", seed=2)  # GTZAN name: recognised too
    _write(music / "rock" / "01 - Intro.flac", seed=3)
    _write(music / "rock" / "deep" / "er" / "track.ogg", seed=4)
    (music / "rock" / "cover.jpg").write_bytes(b"\xff\xd8\xff\xe0 JFIF not audio")
    (music / "rock" / "lyrics.txt").write_text("la la la\n")
    # a FLAC cut short: its header is whole, it fails only while decoding; its name has
    # a control character, printed escaped
    _write(music / "rock" / "cut\nshort.flac", seed=5)
    _truncate(music / "rock" / "cut\nshort.flac")
    code, out, err = _run(
        capsys, ["train", "--model", "feature", "--data", str(music), "--out",
                 str(tmp_path / "m.joblib"), "--epochs", "1", "--quiet"],
    )
    assert code == 0, err
    assert "(2 genres, 4 songs; 3 file(s) skipped" in out
    assert "GTZAN" not in out  # only a GTZAN layout is called GTZAN
    assert "cover.jpg" in err and "lyrics.txt" in err and "holds text" in err  # shown when quiet
    assert "cut\\nshort.flac: corrupt or unsupported FLAC data" in err and "cut\nshort" not in err
    assert "Trained feature (tuned) on 4 songs" in out
    from skgenre import read_model_metadata

    # the songs trained on, the cut one left out: `skgenre adapt`'s training shares
    assert read_model_metadata(tmp_path / "m.joblib") == {"class_counts": {"jazz": 2,
                                                                           "rock": 2}}


def test_train_genre_of_undecodable_files_is_exit_2(capsys, tmp_path):
    """Songs that fail only while decoding leave their genre empty: exit 2 before training."""
    music = tmp_path / "music"
    _write(music / "rock" / "a.flac", seconds=1.0, seed=1)
    _write(music / "rock" / "b.flac", seconds=1.0, seed=2)
    for name in ("a.flac", "b.flac"):
        _write(music / "jazz" / name, seconds=1.0, seed=3)
        _truncate(music / "jazz" / name)
    out_file = tmp_path / "m.skgenre"
    code, out, err = _run(capsys, ["train", "--model", "feature", "--data", str(music),
                                   "--out", str(out_file), "--epochs", "1", "--quiet"])
    assert code == 2 and not out_file.exists(), err
    assert err.count("skgenre train: error:") == 1 and "jazz" in err and "FLAC" in err
    assert "Traceback" not in err


def test_train_is_pipeline_fit(capsys, tmp_path, toy_folder):
    """`skgenre train --seed 0` gives what the documented Python pipeline gives."""
    from skgenre import make_spectrogram_dense_pipeline
    from skgenre._persist import load_model
    from skgenre.datasets import load_genre_folders

    path = tmp_path / "cli.joblib"
    code, _, err = _run(
        capsys, ["train", "--model", "spec-dense", "--data", str(toy_folder), "--seed", "0",
                 "--epochs", "3", "--out", str(path), "--quiet"],
    )
    assert code == 0, err
    data = load_genre_folders(toy_folder)
    X, y = data.filenames, np.asarray(data.target_names)[data.target]
    pipe = make_spectrogram_dense_pipeline("tuned", random_state=0, epochs=3).fit(X, y)
    expected = pipe.predict_proba(X)  # trained here, predicted by Keras
    np.testing.assert_array_equal(load_model(path, engine="keras").predict_proba(X), expected)
    np.testing.assert_allclose(load_model(path).predict_proba(X), expected, rtol=0, atol=1e-5)


def test_command_line_is_quiet(tmp_path, gtzan_sample_files):
    """No TensorFlow/absl banner on stderr; Keras' epoch lines only with -v.

    oneDNN is switched on for these runs so that TensorFlow's notes which ignore
    ``TF_CPP_MIN_LOG_LEVEL`` (oneDNN's ``port.cc`` line and absl's preamble, from TensorFlow
    2.21) are written on every CPU, not only where oneDNN is on by default.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_CPP")}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["TF_ENABLE_ONEDNN_OPTS"] = "1"
    model = tmp_path / "m.joblib"
    # What the command line has to silence: with oneDNN on, every TensorFlow the project
    # allows prints its note on import (2.21 even at TF_CPP_MIN_LOG_LEVEL=3).
    bare = subprocess.run(
        [sys.executable, "-c", "import tensorflow"], capture_output=True, text=True, env=env,
        timeout=600,
    )
    assert "oneDNN" in bare.stderr, bare.stderr

    def run(*argv):
        proc = subprocess.run(
            [sys.executable, "-m", "skgenre", *argv], capture_output=True, text=True,
            env=env, cwd=tmp_path, timeout=600,
        )
        assert proc.returncode == 0, proc.stderr
        return proc.stderr

    train = ["train", "--model", "feature", "--n-per-class", "2", "--epochs", "2",
             "--out", str(model)]
    err = run(*train, "-v")
    assert "Epoch 1/2" in err or "loss:" in err  # -v: Keras' lines, on stderr
    err_default = run(*train)
    err_predict = run("predict", str(model), str(gtzan_sample_files[0]))
    for text in (err, err_default, err_predict):
        for banner in ("tensorflow", "oneDNN", "absl", "cpu_feature_guard", "WARNING"):
            assert banner not in text, text
    assert "loss:" not in err_default and "[skgenre]" in err_default  # own progress stays
    # every line is skgenre's own (messages, progress bars) or Keras' epoch lines with -v
    lines = [l for t in (err_default, err_predict) for l in t.splitlines() if l.strip()]
    assert all(l.startswith("[skgenre]") for l in lines), lines


def test_quiet_import_keeps_everything_but_the_banners(tmp_path):
    """Only TensorFlow's C++ log lines below the level go; the program's own output stays."""
    pkg = tmp_path / "fakeflow"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(
        "import os, sys\n"
        "os.write(2, b'WARNING: All log messages before absl::InitializeLog() is called are "
        "written to STDERR\\n')\n"
        "os.write(2, b'I0000 00:00:1796533048.741356    2322 port.cc:153] oneDNN custom "
        "operations are on.\\n')\n"
        "os.write(2, b'E0000 00:00:1796533048.741356    2322 x.cc:1] an error line\\n')\n"
        "print('own words', file=sys.stderr)\n"
    )
    code = (
        "import sys; sys.path.insert(0, sys.argv[1])\n"
        "from skgenre.cli._quiet import quiet_tensorflow\n"
        "quiet_tensorflow(names=('fakeflow',))\n"
        "import fakeflow\n"
        "assert fakeflow.__spec__.loader.__class__.__name__ == 'SourceFileLoader'\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_CPP")}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    for level, expected in (("3", ["own words"]), ("2", ["an error line", "own words"])):
        proc = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True,
                              text=True, env={**env, "TF_CPP_MIN_LOG_LEVEL": level}, timeout=60)
        assert proc.returncode == 0, proc.stderr
        lines = proc.stderr.splitlines()
        assert [l for l in lines if "error line" in l or "own words" in l] == [
            l for l in lines if l.strip()] and len(lines) == len(expected), lines
        assert all(e in t for e, t in zip(expected, lines))


@pytest.mark.parametrize("split", ["track", "artist"])
def test_reproduce_says_how_its_split_treats_artists(capsys, gtzan_dir, tmp_path, split):
    """By track (the paper's protocol) the output counts the test songs whose artist is
    among the training songs; by artist there are none, and a genre that lands whole on
    one side (mini's blues is one artist) is named in a warning."""
    out_dir = tmp_path / "results"
    code, out, err = _run(capsys, ["reproduce", "--data", str(gtzan_dir / "mini"),
                                   "--split", split, "--n-per-class", "6", "--no-embedding",
                                   "--out", str(out_dir), *FAST])
    assert code == 0, err
    res = json.loads((out_dir / "results.json").read_text())
    shared = res["split"]["test_songs_with_a_training_artist"]
    assert res["split"]["by"] == split and res["split"]["artists_known"]
    assert f"{shared} of the {res['n_test']} test songs have an artist among the training" in out
    assert f"split by {split})" in out
    assert set(pd.read_csv(out_dir / "results.csv")["split"]) == {split}
    if split == "track":
        # mini's blues, classical, reggae and rock are one artist each: every test song of
        # theirs shares its artist with the training songs (test songs per genre: the rows
        # of a confusion matrix)
        per_genre = dict(zip(res["classes"], np.sum(res["confusion_matrices"]["cnn"], axis=1)))
        one_artist = sum(int(per_genre[g]) for g in ("blues", "classical", "reggae", "rock"))
        assert res["n_test"] == 12 and shared >= one_artist >= 4
    else:
        assert shared == 0 and 8 <= res["n_test"] <= 16
        assert "songs of 'blues' (1 artist(s)) are on the" in err
        # once, in the command's words: not also the folds' warning with its source line
        assert "n_splits" not in err and "UserWarning" not in err and ".py:" not in err


def test_train_help_says_which_models_train_on_a_clip_and_which_on_whole_songs():
    """The help said "one random clip per song" for every model; embedding and combined
    embed each song whole."""
    import re

    from skgenre import RandomClip
    from skgenre.cli import build_parser
    from skgenre.pipelines import MODEL_KINDS

    train = build_parser()._subparsers._group_actions[0].choices["train"]
    text = " ".join(train.description.split())
    said = re.search(r"one random clip per song for ([\w, -]+); "
                     r"each song whole for ([\w, -]+)\)", text)
    assert said, text
    clip, whole = (set(re.split(r",\s*|\s+and\s+", g.strip())) for g in said.groups())
    for kind, factory in MODEL_KINDS.items():
        pipe = factory("all") if kind == "combined" else factory()
        cuts = any(isinstance(step, RandomClip) for _, step in pipe.steps)
        assert kind in (clip if cuts else whole), kind


@pytest.fixture
def damaged_weights(monkeypatch, tmp_path):
    """An installed musicnn package whose checkpoints are not the published ones."""
    import importlib.machinery
    import importlib.util

    package = tmp_path / "site" / "musicnn"
    for model in ("MSD_musicnn", "MTT_musicnn"):
        for name in (".index", ".data-00000-of-00001"):
            (package / model).mkdir(parents=True, exist_ok=True)
            (package / model / name).write_bytes(b"a truncated download")
    spec = importlib.machinery.ModuleSpec("musicnn", None, is_package=True)
    spec.submodule_search_locations = [str(package)]
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: spec if name == "musicnn" else find_spec(name, *a))


@pytest.mark.slow
def test_reproduce_with_damaged_weights_keeps_the_table(capsys, damaged_weights, tmp_path):
    """The embedding row failed its fit after the three networks were trained, and the
    run ended (exit 1) without writing any result; it is skipped with the reason."""
    out_dir = tmp_path / "r"
    code, out, err = _run(capsys, ["reproduce", "--n-per-class", "5", "--out", str(out_dir),
                                   *FAST])
    assert code == 0, err
    row = json.loads((out_dir / "results.json").read_text())["beyond_paper"]["embedding"]
    assert "is not the published musicnn 0.1.0 checkpoint of MSD_musicnn" in row["skipped"]
    assert "Embedding      skipped: " in out and "Table 1" in out


def test_train_with_damaged_weights_is_exit_2_before_the_data(capsys, damaged_weights,
                                                              tmp_path):
    path = tmp_path / "m.skgenre"
    code = main(["train", "--model", "embedding", "--data", str(tmp_path / "site"),
                 "--out", str(path)])
    _, err = capsys.readouterr()
    assert code == 2 and not path.exists(), err
    assert "is not the published musicnn 0.1.0 checkpoint" in err
    assert "checking that the songs" not in err


@pytest.mark.parametrize("model", ["embedding", "combined"])
def test_train_without_the_musicnn_weights_is_exit_2_before_the_data(capsys, monkeypatch,
                                                                     tmp_path, model):
    """It was exit 1, in the pipeline's fit, after every song of --data was decoded."""
    import importlib.util

    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "musicnn" else find_spec(name, *a))
    data = tmp_path / "songs"
    for genre in ("rock", "jazz"):
        (data / genre).mkdir(parents=True)
        (data / genre / "song.wav").write_bytes(b"not audio: would be listed as skipped")
    path = tmp_path / "m.skgenre"
    code = main(["train", "--model", model, "--data", str(data), "--out", str(path)])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and not path.exists(), err
    assert "the pretrained musicnn weights" in err and "pip install --no-deps musicnn" in err
    assert "checking that the songs" not in err and "skipped" not in err


@pytest.mark.parametrize(("n_songs", "n_artists", "cause"), [
    (3, 6, "at most 3 song(s) per genre"),  # scikit-learn's "n_splits=5 cannot be ..."
    (6, 3, "the data has 3 artist(s)"),  # artist_split's "test_size=0.2 tests 1/5 ..."
])
def test_reproduce_split_artist_too_few_songs_is_exit_2(capsys, tmp_path, n_songs, n_artists,
                                                        cause):
    """Too small a set for the artist split's 5 folds: a usage error in the command's
    terms, before any training (it was exit 1 with a message naming n_splits or
    test_size, which the command has not got)."""
    data = tmp_path / "songs"
    rows = ["file,artist"]
    for g, genre in enumerate(("low", "high")):
        for i in range(n_songs):
            song = data / genre / f"{i}.wav"
            song.parent.mkdir(parents=True, exist_ok=True)
            t = np.arange(8000) / 8000
            sf.write(song, 0.3 * np.sin(2 * np.pi * (200 + 900 * g + 10 * i) * t), 8000)
            rows.append(f"{genre}/{i}.wav,artist {(g * n_songs + i) % n_artists}")
    (data / "tracks.csv").write_text("\n".join(rows) + "\n")
    code, out, err = _run(capsys, ["reproduce", "--data", str(data), "--split", "artist",
                                   "--no-embedding", "--out", str(tmp_path / "r"), *FAST])
    assert code == 2 and not (tmp_path / "r").exists(), err
    assert "--split artist tests the songs of one in 5 artists" in err and cause in err
    assert "--n-per-class 5 or more" in err and "n_splits" not in err
    assert "test_size" not in err and "Split:" not in out


def test_reproduce_genre_of_one_song_is_exit_2(capsys, tmp_path):
    """It was exit 1 with scikit-learn's "The least populated classes in y have only 1
    member ... groups for any class"."""
    data = tmp_path / "songs"
    t = np.arange(8000) / 8000
    for genre, n in (("low", 6), ("high", 1)):
        (data / genre).mkdir(parents=True)
        for i in range(n):
            freq = 200 + 10 * i if genre == "low" else 1500
            sf.write(data / genre / f"{i}.wav", 0.3 * np.sin(2 * np.pi * freq * t), 8000)
    code, out, err = _run(capsys, ["reproduce", "--data", str(data), "--no-embedding",
                                   "--out", str(tmp_path / "r"), *FAST])
    assert code == 2 and not (tmp_path / "r").exists(), err
    assert "needs at least 2 songs of each genre" in err and "too few in: high (1)" in err
    assert "classes" not in err and "Split:" not in out


def test_reproduce_split_artist_without_artists_is_exit_2(capsys, tmp_path):
    code, out, err = _run(capsys, ["reproduce", "--split", "artist", "--out",
                                   str(tmp_path / "r"), *FAST])
    assert code == 2 and out == "" and not (tmp_path / "r").exists()
    assert "--split artist needs songs with artists" in err and "--data" in err


def test_train_and_predict_print_genre_names_with_control_characters_escaped(capsys,
                                                                              tmp_path):
    # a folder name with a newline or an escape sequence forged lines (or terminal
    # commands) in the classes line of train, and in predict's table: a model file from
    # elsewhere names its genres
    import soundfile as sf

    rng = np.random.default_rng(0)
    data = tmp_path / "songs"
    for genre in ("calm", "ro\nck\x1b[2J"):
        (data / genre).mkdir(parents=True)
        for i in range(3):
            sf.write(data / genre / f"s{i}.wav", 0.1 * rng.standard_normal(22050 * 6), 22050)
    code, out, err = _run(capsys, ["train", "--model", "feature", "--data", str(data),
                                   "--out", str(tmp_path / "m.skgenre"), *FAST])
    assert code == 0, err
    (line,) = [li for li in out.splitlines() if "classes:" in li]
    assert line.endswith("classes: calm, ro\\nck\\x1b[2J") and "\x1b" not in out, out
    code, out, err = _run(capsys, ["predict", "--no-screen", "--segments",
                                   str(tmp_path / "m.skgenre"), str(data / "calm" / "s0.wav")])
    assert code == 0, err
    assert "ro\\nck\\x1b[2J" in out and "\x1b" not in out and "ro\nck" not in out, out
    # the columns line up on the names as shown
    ranks = [li for li in out.splitlines() if li.lstrip().startswith(("1.", "2."))]
    assert len({li.index("0.", 6) for li in ranks}) == 1, out
