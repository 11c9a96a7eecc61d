"""Evaluation protocols and the noise-robustness evaluation."""

import importlib

_LAZY = {
    "noise_robustness": "skgenre.evaluation._noise",
    "StratifiedTrackKFold": "skgenre.evaluation._protocols",
    "filtered_split": "skgenre.evaluation._protocols",
    "paper_split": "skgenre.evaluation._protocols",
}

__all__ = sorted(_LAZY)


def __getattr__(name):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'skgenre.evaluation' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
