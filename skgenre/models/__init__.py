"""Keras models for genre classification, wrapped for scikit-learn.

Names here are resolved lazily so that ``import skgenre.models`` does not import Keras; the
first access to a class or builder imports it.
"""

import importlib

_LAZY = {
    "GenreClassifier": "skgenre.models._classifier",
    "PRESETS": "skgenre.models._presets",
    "TrackClassifier": "skgenre.models._track",
    "build_cnn": "skgenre.models._networks",
    "build_dense": "skgenre.models._networks",
    "build_feature_dense": "skgenre.models._networks",
    "build_spec_dense": "skgenre.models._networks",
    "get_preset": "skgenre.models._presets",
    "make_ensemble": "skgenre.models._presets",
}

__all__ = sorted(_LAZY)


def __getattr__(name):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'skgenre.models' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
