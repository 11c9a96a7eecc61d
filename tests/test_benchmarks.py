"""Smoke runs of the benchmark scripts, so the one-command tables do not rot.

The scripts are not timed here (their numbers live in ``benchmarks/README.md``); these runs use
tiny data, one or two epochs or the fast models only, and check that every requested row is
produced (presets table: on the synthetic toy set and on a folder in GTZAN layout; feature
table: on the real GTZAN feature table, under each protocol) and that bad arguments are
refused.
"""

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

from skgenre.datasets import make_toy_genres

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"
TIMEOUT_S = 600


def _run(script, *args, cwd):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return subprocess.run(
        [sys.executable, str(BENCH / script), *map(str, args)],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT_S,
    )


def _table_rows(stdout):
    """The markdown table rows (model, preset, protocol, ...) printed on stdout."""
    lines = [ln for ln in stdout.splitlines() if ln.startswith("| ") and "---" not in ln]
    header, *rows = [[c.strip() for c in ln.strip("|").split("|")] for ln in lines]
    return header, rows


@pytest.mark.slow  # trains several models; the slow tier runs it in CI
def test_bench_presets_toy(tmp_path):
    out_csv = tmp_path / "rows.csv"
    proc = _run(
        "bench_presets.py", "--n-per-class", 5, "--n-classes", 2, "--duration", 10,
        "--kinds", "feature,spec-dense", "--epochs", 2, "--out", out_csv, cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    header, rows = _table_rows(proc.stdout)
    assert header[:4] == ["model", "preset", "protocol", "train clips"]
    assert "test acc" in header and "fit s" in header and "predict s" in header
    got = {(r[0], r[1], r[2]) for r in rows}
    for kind in ("feature", "spec-dense"):
        assert {(kind, "paper", "one random clip"), (kind, "tuned", "one random clip"),
                (kind, "tuned", "track, 1 clip"), (kind, "tuned", "track, all clips")} <= got
    for row in rows:
        acc = float(row[header.index("test acc")])
        assert 0.0 <= acc <= 1.0
        assert float(row[header.index("fit s")]) > 0
    with open(out_csv, newline="") as fh:
        assert len(list(csv.DictReader(fh))) == len(rows)


@pytest.mark.slow  # trains several models; the slow tier runs it in CI
def test_bench_presets_on_a_gtzan_folder(tmp_path):
    make_toy_genres(n_per_class=5, n_classes=2, duration=6.0, random_state=0,
                    path=tmp_path / "gtzan")
    proc = _run(
        "bench_presets.py", "--data", tmp_path / "gtzan", "--kinds", "feature",
        "--presets", "paper", "--track-presets", "", "--epochs", 1, cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert str(tmp_path / "gtzan") in proc.stdout
    _, rows = _table_rows(proc.stdout)
    assert [(r[0], r[1], r[2]) for r in rows] == [("feature", "paper", "one random clip")]


def test_bench_presets_refuses_a_missing_folder(tmp_path):
    proc = _run("bench_presets.py", "--data", tmp_path / "nowhere", cwd=tmp_path)
    assert proc.returncode == 1
    assert "error: --data:" in proc.stderr and "nowhere" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.slow  # trains several models; the slow tier runs it in CI
def test_bench_feature_table_protocols(gtzan_dir, tmp_path):
    csv_path = gtzan_dir / "features_30_sec.csv"
    kfold = _run("bench_feature_table.py", "--csv", csv_path, "--models", "svc",
                 "--folds", 3, "--repeats", 2, cwd=tmp_path)
    assert kfold.returncode == 0, kfold.stderr[-3000:]
    assert "3-fold stratified CV (seeds 0-1), 1000 tracks" in kfold.stdout
    header, rows = _table_rows(kfold.stdout)
    assert header[header.index("std") + 1] == "mean of each repeat"
    assert [r[1] for r in rows] == ["paper24 (24)", "all57 (57)"]
    for row in rows:
        per_repeat = [float(a) for a in row[4].split(",")]
        assert len(per_repeat) == 2
        assert float(row[2]) == pytest.approx(sum(per_repeat) / 2, abs=1e-3)

    dev = _run("bench_feature_table.py", "--csv", csv_path, "--models", "svc",
               "--protocol", "filtered-dev", cwd=tmp_path)
    assert dev.returncode == 0, dev.stderr[-3000:]
    assert "fit on train (443 tracks), test on valid (197 tracks)" in dev.stdout
    held_out = _run("bench_feature_table.py", "--csv", csv_path, "--models", "svc",
                    "--protocol", "filtered", cwd=tmp_path)
    assert held_out.returncode == 0, held_out.stderr[-3000:]
    assert "fit on train+valid (640 tracks), test on test (290 tracks)" in held_out.stdout


@pytest.mark.parametrize("args, message", [
    (["--models", "svc,forest"], "unknown --models"),
    (["--repeats", "0"], "--repeats must be >= 1"),
    (["--repeats", "2", "--protocol", "filtered"], "--repeats applies to --protocol kfold"),
])
def test_bench_feature_table_refuses_bad_arguments(gtzan_dir, tmp_path, args, message):
    proc = _run("bench_feature_table.py", "--csv", gtzan_dir / "features_30_sec.csv", *args,
                cwd=tmp_path)
    assert proc.returncode == 2
    assert message in proc.stderr


def test_bench_feature_table_refuses_a_missing_csv(tmp_path):
    proc = _run("bench_feature_table.py", "--csv", tmp_path / "no.csv", cwd=tmp_path)
    assert proc.returncode == 2
    assert "--csv: no such file" in proc.stderr and "no.csv" in proc.stderr


@pytest.mark.slow  # trains several models; the slow tier runs it in CI
def test_bench_dev_screen(gtzan_dir, tmp_path):
    proc = _run("bench_dev_screen.py", "--csv", gtzan_dir / "features_30_sec.csv",
                "--settings", "preset", "--seeds", 1, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "fit on train (443 tracks), test on valid (197 tracks)" in proc.stdout
    header, rows = _table_rows(proc.stdout)
    assert header == ["setting", "seed 0", "mean"]
    assert [r[0] for r in rows] == ["preset"]
    assert 0.0 <= float(rows[0][1]) <= 1.0 and rows[0][1] == rows[0][2]


def test_bench_dev_screen_refuses_an_unknown_setting(tmp_path):
    proc = _run("bench_dev_screen.py", "--settings", "preset,dropout0.9", cwd=tmp_path)
    assert proc.returncode == 2
    assert "unknown --settings ['dropout0.9']" in proc.stderr


@pytest.mark.slow  # 8-28 s of training or timing; the slow tier runs it in CI
def test_bench_real_rows_on_a_toy_genre_tree(tmp_path):
    make_toy_genres(n_per_class=4, n_classes=2, duration=3.0, random_state=0, path=tmp_path)
    root = tmp_path / "genres"
    res = _run("bench_real.py", "--data", root, "--models", "feature", "--presets", "paper",
               "--folds", "2", "--repeats", "1", "--noise", "--cv", "track", cwd=tmp_path)
    assert res.returncode == 0, res.stderr[-2000:]
    header, rows = _table_rows(res.stdout)
    assert header[:4] == ["model", "preset", "level", "accuracy"]
    assert "75% noise" in header
    assert [r[:3] for r in rows] == [
        ["svc-naive26", "-", "clip"], ["feature", "paper", "clip"], ["feature", "paper", "track"]
    ]
    for row in rows:
        mean, std = (float(v) for v in row[3].split("±"))  # "mean ± std" over the folds
        assert std >= 0.0
        assert row[header.index("protocol")] == (
            "2-fold by track x1, GTZAN genres (8 tracks, 2 genres)")


def _toy_genres_with_artists(tmp_path, duration):
    """8 toy songs of 2 genres in ``tmp_path/genres``, with a ``tracks.csv`` of artists.

    Two artists per genre, two songs each: 2 folds can keep every artist on one side.
    """
    make_toy_genres(n_per_class=4, n_classes=2, duration=duration, random_state=0,
                    path=tmp_path)
    root = tmp_path / "genres"
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.wav"))
    (root / "tracks.csv").write_text(
        "file,artist\n" + "".join(f"{f},artist{i // 2}\n" for i, f in enumerate(files))
    )
    return root


@pytest.mark.slow  # 8-28 s of training or timing; the slow tier runs it in CI
def test_bench_real_folds_by_artist_by_default(tmp_path):
    import json

    root = _toy_genres_with_artists(tmp_path, duration=3.0)
    res = _run("bench_real.py", "--data", root, "--models", "feature", "--presets", "tuned",
               "--levels", "clip", "--folds", "2", "--repeats", "1",
               "--json", tmp_path / "rows.json", cwd=tmp_path)
    assert res.returncode == 0, res.stderr[-2000:]
    header, rows = _table_rows(res.stdout)
    protocol = "2-fold by artist x1, GTZAN genres (8 tracks, 2 genres, 4 artists)"
    assert [r[:3] + [r[header.index("protocol")]] for r in rows] == [
        ["svc-naive26", "-", "clip", protocol], ["feature", "tuned", "clip", protocol]
    ]
    saved = json.loads((tmp_path / "rows.json").read_text())
    assert [(r["protocol"], r["cv"]) for r in saved] == [(protocol, "artist")] * 2
    assert [r["test_genres_unseen_in_training"] for r in saved] == [[[], []]] * 2
    assert [r["seeds"] for r in saved] == [[0, 1]] * 2  # fold f of repeat 0: seed f


@pytest.mark.slow  # trains a tuned network per fold; the slow tier runs it in CI
def test_bench_short_songs_rows(tmp_path):
    root = _toy_genres_with_artists(tmp_path, duration=6.0)
    res = _run("bench_short_songs.py", "--data", root, "--kinds", "feature", "--folds", "2",
               cwd=tmp_path)
    assert res.returncode == 0, res.stderr[-2000:]
    header, rows = _table_rows(res.stdout)
    assert header == ["collection", "model", "test songs", "padding", "accuracy",
                      "most common answer"]
    assert [r[2:4] for r in rows] == [["whole", "-"]] + [
        [f"{d} s", pad] for d in (1, 2, 4) for pad in ("constant", "wrap")]
    for row in rows[1:]:
        assert 0.5 <= float(row[5].split()[0]) <= 1.0  # a share of 2 genres' songs


def test_bench_real_seed_moves_only_the_training_seeds(tmp_path):
    sys.path.insert(0, str(BENCH))
    try:
        from bench_real import fold_seed, parse_args
    finally:
        sys.path.remove(str(BENCH))
    # (repeat, fold): the published tables' seeds by default, shifted by 1000 per --seed
    assert [fold_seed(s) for s in [(0, 0), (0, 4), (1, 2)]] == [0, 4, 102]
    assert fold_seed((1, 2), 3) == 3102
    assert parse_args(["--data", str(tmp_path), "--seed", "2"]).seed == 2
    for bad in (["--seed", "-1"], ["--seed", "1", "--across", str(tmp_path)],
                ["--seed", "1", "--screen"]):
        with pytest.raises(SystemExit):
            parse_args(["--data", str(tmp_path), *bad])


@pytest.mark.slow  # 8-28 s of training or timing; the slow tier runs it in CI
def test_bench_real_across_collections(tmp_path):
    import json

    make_toy_genres(n_per_class=4, n_classes=2, duration=3.0, random_state=0,
                    path=tmp_path / "a")
    make_toy_genres(n_per_class=3, n_classes=3, duration=3.0, random_state=1,
                    path=tmp_path / "b")
    res = _run("bench_real.py", "--data", tmp_path / "a" / "genres", "--across",
               tmp_path / "b" / "genres", "--models", "feature", "--presets", "paper",
               "--levels", "clip", "--repeats", "2", "--json", tmp_path / "rows.json",
               cwd=tmp_path)
    assert res.returncode == 0, res.stderr[-2000:]
    header, rows = _table_rows(res.stdout)
    # only the genres the training collection has are tested: blues and classical, not country
    assert header[:6] == ["model", "preset", "level", "accuracy", "blues", "classical"]
    assert [r[:3] for r in rows] == [["svc-naive26", "-", "clip"], ["feature", "paper", "clip"]]
    saved = json.loads((tmp_path / "rows.json").read_text())
    assert [r["cv"] for r in saved] == ["across", "across"]
    assert all(len(r["accuracies"]) == 2 and r["genres"] == ["blues", "classical"]
               for r in saved)
    assert "tested on GTZAN genres's blues, classical (6 tracks)" in saved[0]["protocol"]


def test_bench_real_memo_computes_each_clip_once():
    import numpy as np
    from sklearn.base import clone

    sys.path.insert(0, str(BENCH))
    try:
        from bench_real import Memo
    finally:
        sys.path.remove(str(BENCH))
    from skgenre import MelSpectrogram

    calls = []

    class Counting(MelSpectrogram):
        def transform(self, X):
            calls.append(len(X))
            return super().transform(X)

    X = np.random.default_rng(0).normal(size=(3, 4410)).astype(np.float32)
    step = Counting(sr=22050, n_mels=16)
    first = clone(Memo(step, "test-memo")).fit_transform(X[:2])
    again = clone(Memo(step, "test-memo")).fit_transform(X)  # a clone shares the store
    assert calls == [2, 1]  # the first memo: both clips; the clone: X[2] only
    np.testing.assert_array_equal(again, MelSpectrogram(sr=22050, n_mels=16).fit_transform(X))
    np.testing.assert_array_equal(first, again[:2])


def test_bench_real_embedding_rows(tmp_path, musicnn_weights):
    make_toy_genres(n_per_class=4, n_classes=2, duration=6.0, random_state=0, path=tmp_path)
    res = _run("bench_real.py", "--data", tmp_path / "genres", "--models", "embedding",
               "--no-svc", "--folds", "2", "--repeats", "1", "--noise", "--fit-rate", "0:0.5",
               "--cv", "track", cwd=tmp_path)
    assert res.returncode == 0, res.stderr[-2000:]
    assert "Training: noise__fit_rate=(0.0, 0.5)." in res.stdout
    header, rows = _table_rows(res.stdout)
    # the paper preset does not exist for it; both rows are scored with noise
    assert [r[:3] for r in rows] == [["embedding", "tuned", "clip"],
                                     ["embedding", "tuned", "track"]]
    assert all("±" in r[header.index("75% noise")] for r in rows)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--models", "rnn"], "--models: unknown"),
        (["--levels", ""], "--levels"),
        (["--folds", "1"], "--folds must be >= 2"),
        (["--cv", "group"], "--cv: invalid choice"),
        (["--fit-rate", "1.5"], "--fit-rate must be a rate in [0, 1]"),
        (["--fit-rate", "0.6:0.2"], "--fit-rate must be a rate in [0, 1]"),
        (["--data", "/nonexistent/mini"], "is not a folder"),
        (["--across", "/nonexistent/emotify"], "is not a folder of genre folders"),
    ],
)
def test_bench_real_refuses_bad_arguments(args, message, tmp_path):
    res = _run("bench_real.py", *args, cwd=tmp_path)
    assert res.returncode == 2 and message in res.stderr


@pytest.mark.slow  # 8-28 s of training or timing; the slow tier runs it in CI
def test_bench_train_memory_reports_peak_rss(tmp_path):
    import json

    report = tmp_path / "mem.json"
    proc = _run("bench_train_memory.py", "--model", "feature", "--n-per-class", "1",
                "--cpus", "0", "--workdir", tmp_path / "work", "--report", report, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    res = json.loads(report.read_text())
    assert res["n_songs"] == 10 and res["returncode"] == 0
    assert 100 < res["max_rss_mb"] < 100_000 and res["cpu_s"] > 0
    assert "peak RSS" in proc.stdout


@pytest.mark.slow  # 8-28 s of training or timing; the slow tier runs it in CI
def test_bench_cnn_ops_times_every_pass(tmp_path):
    proc = _run("bench_cnn_ops.py", "--batch", "2", "--repeat", "1", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = {ln[:36].strip(): ln[36:].split() for ln in proc.stdout.splitlines()[2:]}
    passes = ["forward", "filter gradient"]
    expected = [f"conv1 {p}" for p in passes] + [f"conv2 {p}" for p in passes]
    assert set(expected + ["conv2 input gradient", "sum of these ops"]) <= set(rows)
    # Multiply-adds at batch 2: 2 x 124 x 212 x 32 x 64 x 9 for each pass of conv2.
    assert float(rows["conv2 forward"][1]) == pytest.approx(2 * 124 * 212 * 32 * 64 * 9 / 1e9,
                                                            abs=0.005)
    assert all(float(rows[name][0]) >= 0 for name in expected)  # ms, rounded
    assert float(rows["sum of these ops"][0]) > 0


def test_bench_cnn_ops_refuses_a_zero_batch(tmp_path):
    proc = _run("bench_cnn_ops.py", "--batch", "0", cwd=tmp_path)
    assert proc.returncode == 2 and "--batch and --repeat must be at least 1" in proc.stderr


@pytest.mark.slow  # 8-28 s of training or timing; the slow tier runs it in CI
def test_bench_cnn_precision_times_one_float32_epoch(tmp_path):
    proc = _run("bench_cnn_precision.py", "--precision", "float32", "--images", "128",
                cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    (line,) = proc.stdout.splitlines()
    policy, seconds = line.split(": ")
    assert policy == "float32" and float(seconds.split()[0]) > 0


def test_bench_cnn_precision_refuses_fewer_images_than_a_batch(tmp_path):
    proc = _run("bench_cnn_precision.py", "--images", "100", cwd=tmp_path)
    assert proc.returncode == 2 and "--images must be at least 128" in proc.stderr


@pytest.mark.slow
def test_bench_reproduce_on_real_tracks(gtzan_dir, tmp_path):
    import json

    report = tmp_path / "rep.json"
    proc = _run("bench_reproduce.py", "--n-per-class", "5", "--duration", "6",
                "--tile", gtzan_dir / "mini", "--cpus", "0", "--workdir", tmp_path / "work",
                "--report", report, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    res = json.loads(report.read_text())
    assert res["n_songs"] == 50 and len(res["accuracy"]) == 12
    assert {"fit_cnn", "evaluate_feature", "total"} <= set(res["stages_s"])


def test_bench_screen_flags_every_garbage_kind(tmp_path):
    proc = _run("bench_screen.py", "--per-kind", 1, "--seconds", 5, "--no-real", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    header, rows = _table_rows(proc.stdout)
    assert header == ["kind", "flagged", "reasons"]
    assert len(rows) == 11 and rows[-1][1] == "**10/10**", proc.stdout
    assert "Screen time per song" in proc.stdout


def test_bench_screen_on_real_tracks(gtzan_dir, tmp_path):
    proc = _run("bench_screen.py", "--per-kind", 1, "--seconds", 5, "--limit", 2, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "| GTZAN mini | 2 | 0/2 | 0/2 | - |" in proc.stdout
    assert "## Margins" in proc.stdout and "| white, pink or brown noise | `steadiness` > 0.52 |" in proc.stdout


def test_bench_screen_refuses_zero_files_per_kind(tmp_path):
    proc = _run("bench_screen.py", "--per-kind", 0, cwd=tmp_path)
    assert proc.returncode == 2 and "--per-kind" in proc.stderr


def test_bench_open_set_rows_on_a_cache(tmp_path):
    """The open-set table from a cache of made-up embeddings (the real ones take minutes)."""
    from conftest import SHARED

    mini, emotify = SHARED / "data" / "gtzan" / "mini", SHARED / "data" / "emotify"
    if not (mini.is_dir() and emotify.is_dir()):
        pytest.skip(f"needs {mini} and {emotify}")
    import numpy as np

    rng = np.random.default_rng(0)
    n_train = len(list(mini.glob("*/*.flac")))
    n_test = len((emotify / "tracks.csv").read_text().splitlines()) - 1
    widths = {"penultimate": 200, "taggram": 50, "pool": 1506}
    np.savez(tmp_path / "MSD_musicnn.npz", **{
        f"{part}_{layer}": rng.normal(size=(n, 2 * w)).astype(np.float32)
        for part, n in (("train", n_train), ("test", n_test)) for layer, w in widths.items()
    })
    proc = _run("bench_open_set.py", "--cache", tmp_path, "--networks", "MSD_musicnn",
                "--only", "MSD taggram mean", "--covariances", "oas", "--curve", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    header, rows = _table_rows(proc.stdout.split("\n\nTrade-off")[0])
    assert header[:4] == ["representation (classifier trained on it)", "dims", "distance to",
                          "covariance"]
    assert [r[:4] for r in rows] == [["MSD taggram mean", "50", "nearest class mean", "oas"],
                                     ["MSD taggram mean", "50", "overall mean", "oas"]]
    assert proc.stdout.count("| 0.95 |") == 2  # a trade-off row per detector


def test_paired_gain_corrects_for_overlapping_training_sets():
    """The gain's standard error is the per-fold spread times sqrt(1/J + 1/(k - 1)), not
    sqrt(1/J): repeated k-fold folds share their training tracks."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("_bench_common_gain", BENCH / "_common.py")
    common = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(common)
    base = [0.5, 0.6, 0.7, 0.6]
    gain, se = common.paired_gain(base, [0.6, 0.6, 0.9, 0.7], n_folds=5)
    assert gain == pytest.approx(0.1)
    # differences 0.1, 0, 0.2, 0.1: sample std 0.0816...; sqrt(1/4 + 1/4)
    assert se == pytest.approx(0.08164966 * 0.5 ** 0.5, rel=1e-6)
    assert common.paired_gain(base, [b + 0.05 for b in base], n_folds=5)[1] == pytest.approx(0)
    with pytest.raises(ValueError, match="at least 2 folds"):
        common.paired_gain([0.5], [0.6], n_folds=5)


def test_song_folder_is_made_again_for_other_settings(tmp_path):
    """A reused folder of another duration timed the wrong songs."""
    import importlib.util

    import soundfile as sf

    spec = importlib.util.spec_from_file_location("_bench_common_songs", BENCH / "_common.py")
    common = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(common)

    def durations(folder):
        return {round(sf.info(p).duration, 2) for p in folder.rglob("*.wav")}

    folder = common.song_folder(tmp_path / "toy", n_per_class=1, duration=0.1, seed=0)
    first = (folder / "genres" / "blues" / "blues.00000.wav").stat().st_mtime_ns
    assert durations(folder) == {0.1}
    assert common.song_folder(folder, n_per_class=1, duration=0.1, seed=0) == folder
    assert (folder / "genres" / "blues" / "blues.00000.wav").stat().st_mtime_ns == first
    common.song_folder(folder, n_per_class=1, duration=0.2, seed=0)
    assert durations(folder) == {0.2}


def test_artist_weights_give_each_artist_of_a_genre_the_same_total():
    """bench_zero_shot's screen: within a genre every artist weighs the same; each genre
    keeps its share of the tracks."""
    import numpy as np

    sys.path.insert(0, str(BENCH))  # bench_zero_shot imports _common
    try:
        import bench_zero_shot
    finally:
        sys.path.remove(str(BENCH))
    y = np.array(["pop"] * 10 + ["rock"] * 4)
    artists = np.array(["alanis"] * 7 + ["mandy", "mariah", "spice"] + ["morphine"] * 4)
    w = bench_zero_shot.artist_weights(artists, y)
    assert w[y == "pop"].sum() == pytest.approx(10) and w[y == "rock"].sum() == pytest.approx(4)
    totals = [w[artists == a].sum() for a in ("alanis", "mandy", "mariah", "spice")]
    np.testing.assert_allclose(totals, 2.5)
    np.testing.assert_allclose(w[artists == "morphine"], 1.0)


def test_bench_real_adapted_accuracy_takes_the_training_mix_from_y():
    """bench_real --across: the accuracy after adapt_to_label_shift, the training mix read
    from the training labels (not assumed equal)."""
    import numpy as np

    from skgenre.models import adapt_to_label_shift

    sys.path.insert(0, str(BENCH))
    try:
        import bench_real
    finally:
        sys.path.remove(str(BENCH))

    class Fixed:
        classes_ = np.array(["pop", "rock"])

        def predict_proba(self, X):
            return np.column_stack([X, 1 - X])

    X = np.array([0.9, 0.6, 0.45, 0.4, 0.2, 0.55])
    y_test = np.array(["pop"] * 6)
    y_train = np.array(["pop"] * 1 + ["rock"] * 3)
    Q, _ = adapt_to_label_shift(Fixed().predict_proba(X), [0.25, 0.75])
    want = np.mean(Fixed.classes_[Q.argmax(1)] == y_test)
    assert bench_real.adapted_accuracy(Fixed(), X, y_test, y_train) == pytest.approx(want)
    # equal training shares would read the batch otherwise
    Q_equal, _ = adapt_to_label_shift(Fixed().predict_proba(X))
    assert np.mean(Fixed.classes_[Q_equal.argmax(1)] == y_test) < want
