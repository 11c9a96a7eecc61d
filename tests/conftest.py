"""Shared fixtures: the real GTZAN material beside the checkout, and tiny seeded toy data."""

import importlib
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

# Keras logs through absl/TF; keep test output readable.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

SHARED = Path(os.environ.get("SKGENRE_SHARED", Path(__file__).resolve().parents[1].parent / "shared"))
GTZAN = SHARED / "data" / "gtzan"


@pytest.fixture(scope="session")
def gtzan_dir():
    """The real GTZAN material (``../shared/data/gtzan``); skip when it is absent."""
    if not (GTZAN / "sample").is_dir():
        pytest.skip(f"real GTZAN material not found at {GTZAN}")
    return GTZAN


@pytest.fixture(scope="session")
def gtzan_sample_files(gtzan_dir):
    """The seven real GTZAN sample files (six wav, one mp3), sorted."""
    return sorted(p for p in (gtzan_dir / "sample").rglob("*") if p.is_file())


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture
def assert_not_imported():
    """``check(code, modules)``: run ``code`` in a fresh interpreter; fail when it raises or
    leaves any of ``modules`` imported (a heavy dependency that should stay lazy)."""

    def check(code, modules, timeout=300):
        probe = (f"{code}\nimport sys\n"
                 f"bad = [m for m in {tuple(modules)!r} if m in sys.modules]\n"
                 "assert not bad, f'imported: {bad}'")
        proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                              timeout=timeout, check=False)
        assert proc.returncode == 0, proc.stderr[-4000:]

    return check


def import_extra(module, extra):
    """``module`` of the extra ``extra``: skip without it, except in CI, which installs it.

    Only for what skgenre itself does not require; its own dependencies are imported
    plainly, so that a missing one fails instead of skipping whole files.
    """
    if os.environ.get("CI"):
        try:
            return importlib.import_module(module)
        except ImportError as exc:
            pytest.fail(f"{module} is not importable in CI ({exc}); .ci/run installs the "
                        f"extra {extra!r}")
    return pytest.importorskip(module, reason=f"{module} is not installed (extra {extra!r})")


def musicnn_weights_installed():
    """Whether the pretrained musicnn checkpoints are installed (pip install --no-deps musicnn)."""
    from skgenre import WeightsNotFoundError
    from skgenre.embeddings import musicnn_weights_dir

    try:
        musicnn_weights_dir("MSD_musicnn")
        musicnn_weights_dir("MTT_musicnn")
    except WeightsNotFoundError:
        return False
    return True


@pytest.fixture(scope="session")
def musicnn_weights():
    """Skip without the musicnn weights, except in CI, where .ci/run installs them."""
    if not musicnn_weights_installed():
        if os.environ.get("CI"):
            pytest.fail("the musicnn weights are not installed; .ci/run installs them with "
                        "`pip install --no-deps musicnn==0.1.0`")
        pytest.skip("musicnn weights not installed (pip install --no-deps musicnn==0.1.0)")
