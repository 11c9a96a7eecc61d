"""Shared fixtures: the real GTZAN material beside the checkout, and tiny seeded toy data."""

import os
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
