"""Progress bars: on stderr when verbose, and never the reason a run fails."""

import os
import subprocess
import sys

import pytest

from skgenre.utils import progress_bar


def test_no_stderr_gives_a_silent_bar(monkeypatch, capsys):
    # descriptor 2 closed (``2>&-``) or pythonw: Python sets sys.stderr to None
    monkeypatch.setattr(sys, "stderr", None)
    with progress_bar(3, desc="decoding", unit="file", verbose=1) as bar:
        bar.update(3)
        bar.write("a line")
    assert capsys.readouterr().out == "a line\n"


@pytest.mark.skipif(os.name != "posix", reason="closes descriptor 2 in the child")
def test_a_verbose_loader_runs_with_descriptor_2_closed(tmp_path):
    code = (
        "import numpy as np, soundfile as sf\n"
        "from skgenre import AudioLoader\n"
        f"path = {str(tmp_path / 'a.wav')!r}\n"
        "sf.write(path, np.zeros(2205, dtype=np.float32), 22050)\n"
        "X = AudioLoader(sr=22050, verbose=1).fit_transform([path])\n"
        "print(len(X[0]))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                         preexec_fn=lambda: os.close(2), timeout=120)
    assert run.returncode == 0
    assert run.stdout.strip() == "2205"



def test_cli_messages_stay_off_stdout_with_descriptor_2_closed(tmp_path):
    # print(file=None) writes to stdout: "[skgenre] training ..." reached the results
    model = tmp_path / "m.skgenre"
    run = subprocess.run(
        [sys.executable, "-m", "skgenre", "train", "--model", "feature", "--n-per-class", "2",
         "--epochs", "1", "--out", str(model)],
        stdout=subprocess.PIPE, text=True, preexec_fn=lambda: os.close(2), timeout=300,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    assert run.returncode == 0 and model.is_file()
    assert "Saved to" in run.stdout and "[skgenre]" not in run.stdout, run.stdout
