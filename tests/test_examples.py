"""Run every example script in its small mode so that none of them rots.

Each script runs in a subprocess, in a temporary folder, with ``--small`` and
``--out <tmp>``; it must exit 0 and write the files it promises (its PNG figure).
"""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import import_extra

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"

# script -> files it must write into --out
EXPECTED_OUTPUTS = {
    "dask_extraction.py": ["dask_features.png"],
    "persistence_round_trip.py": ["model.skgenre"],
    "plot_embeddings_2d.py": ["embeddings_2d.png"],
    "plot_features26.py": ["features26.png"],
    "plot_genre_timeline.py": ["genre_timeline.png"],
    "plot_grid_search_kernel_size.py": ["grid_search_kernel_size.png"],
    "plot_noise_robustness.py": ["noise_robustness.png"],
    "plot_predict_songs.py": ["predict_songs.png"],
    "plot_quickstart.py": ["quickstart_confusion.png"],
    "plot_real_audio_run.py": ["real_audio_run.png"],
    "plot_reliability.py": ["reliability.png"],
    "plot_spectrogram_dropout.py": ["spectrogram_dropout.png"],
}

# Generous: each takes well under a minute on 2 cores, but CI machines are shared.
TIMEOUT_S = 300

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_every_example_is_listed():
    """A new example must be added to EXPECTED_OUTPUTS (and so be run here)."""
    # _common.py and any other _-prefixed module is the scripts' helper, not an example
    scripts = sorted(p.name for p in EXAMPLES.glob("*.py") if not p.name.startswith("_"))
    assert scripts == sorted(EXPECTED_OUTPUTS)


def test_every_example_is_documented():
    page = (ROOT / "docs" / "examples.md").read_text(encoding="utf-8")
    missing = [name for name in EXPECTED_OUTPUTS if f"`{name}`" not in page]
    assert not missing, f"examples missing from docs/examples.md: {missing}"


def _run(script, out_dir, args=("--small",), extra_env=None):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env["MPLBACKEND"] = "Agg"
    env.pop("SKGENRE_EXAMPLE_SMALL", None)
    env.update(extra_env or {})
    return subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args, "--out", str(out_dir)],
        cwd=out_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
    )


def _check_outputs(script, proc, out_dir):
    assert proc.returncode == 0, (
        f"{script} exited with {proc.returncode}\n--- stdout ---\n{proc.stdout[-4000:]}"
        f"\n--- stderr ---\n{proc.stderr[-4000:]}"
    )
    for name in EXPECTED_OUTPUTS[script]:
        path = out_dir / name
        assert path.is_file(), f"{script} did not write {name}; stdout:\n{proc.stdout[-2000:]}"
        assert path.stat().st_size > 0
        if name.endswith(".png"):
            assert path.read_bytes()[:8] == PNG_MAGIC, f"{name} is not a PNG file"


@pytest.mark.parametrize("script", sorted(EXPECTED_OUTPUTS))
def test_example_help(script, tmp_path):
    """Every example documents its small mode and parses its arguments before heavy work."""
    proc = _run(script, tmp_path, args=("--help",))
    assert proc.returncode == 0, proc.stderr
    assert "--small" in proc.stdout and "--out" in proc.stdout
    assert "SKGENRE_EXAMPLE_SMALL=1" in proc.stdout


# The embeddings picture runs musicnn over the mini set (about 50 s): slow tier.
_SLOW_EXAMPLES = {"plot_embeddings_2d.py"}


@pytest.mark.parametrize("script", [
    pytest.param(s, marks=pytest.mark.slow) if s in _SLOW_EXAMPLES else s
    for s in sorted(EXPECTED_OUTPUTS)
])
def test_example_runs_small(script, tmp_path, request):
    if script == "dask_extraction.py":
        import_extra("distributed", "dask")
    if script == "plot_embeddings_2d.py":
        request.getfixturevalue("musicnn_weights")  # skips without the pretrained weights
    if any(name.endswith(".png") for name in EXPECTED_OUTPUTS[script]):
        import_extra("matplotlib", "plots")
    if script == "persistence_round_trip.py":
        # the environment switch instead of the flag: both must select the small mode
        proc = _run(script, tmp_path, args=(), extra_env={"SKGENRE_EXAMPLE_SMALL": "1"})
    else:
        proc = _run(script, tmp_path)
    _check_outputs(script, proc, tmp_path)
    assert "mode: small" in proc.stdout


@pytest.mark.slow
def test_quickstart_on_real_gtzan_files(gtzan_dir, tmp_path):
    """The quickstart's ``--data`` path on the real GTZAN sample (six wav files, one mp3)."""
    import_extra("matplotlib", "plots")
    script = "plot_quickstart.py"
    proc = _run(script, tmp_path, args=("--small", "--data", str(gtzan_dir / "sample")))
    _check_outputs(script, proc, tmp_path)
    assert "data: GTZAN at" in proc.stdout
    assert "test accuracy (2 songs" in proc.stdout


def test_genre_timeline_names_a_genre_the_data_lacks(gtzan_dir, tmp_path):
    """The medley needs a track of each of its four genres: the GTZAN sample (blues and
    classical) raised IndexError from deep in the script."""
    proc = _run("plot_genre_timeline.py", tmp_path, args=("--data", str(gtzan_dir / "sample")))
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "holds no track of metal, hiphop, reggae" in proc.stderr


def test_reliability_refuses_the_cache_of_another_folder(tmp_path):
    """A --cache file of another collection raised "inconsistent numbers of samples" from
    the folds; one of as many rows would have been read as this folder's embeddings."""
    from skgenre.datasets import make_toy_genres

    toy = make_toy_genres(n_per_class=2, n_classes=2, duration=1.0, random_state=0,
                          path=tmp_path / "toy")
    data = tmp_path / "toy" / "genres"
    rows = [f"{Path(f).relative_to(data).as_posix()},artist{i}"
            for i, f in enumerate(toy.filenames)]
    (data / "tracks.csv").write_text("file,artist\n" + "\n".join(rows) + "\n")
    cache = tmp_path / "other.npy"
    np.save(cache, np.zeros((7, 3)))
    proc = _run("plot_reliability.py", tmp_path,
                args=("--data", str(data), "--cache", str(cache)))
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "holds 7 embeddings, but --data" in proc.stderr
    assert "has 4 tracks" in proc.stderr


@pytest.mark.parametrize("script, option", [
    ("plot_reliability.py", "--repeats"),  # "need at least one array to concatenate"
    ("plot_real_audio_run.py", "--folds"),  # scikit-learn's error, after decoding the data
])
def test_a_count_below_its_minimum_is_refused_first(script, option, tmp_path):
    proc = _run(script, tmp_path, args=("--small", option, "0"))
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert f"{option} 0: at least" in proc.stderr
