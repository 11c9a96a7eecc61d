"""Keras models for genre classification, wrapped for scikit-learn.

Names here are resolved lazily so that ``import skgenre.models`` does not import Keras; the
first access to a class or builder imports it.
"""

from .._lazy import attach as _attach

_LAZY = {
    "GenreClassifier": "skgenre.models._classifier",
    "MUSICNN_TAG_COLUMNS": "skgenre.models._zero_shot",
    "NumpyNetwork": "skgenre.models._numpy_net",
    "OpenSetClassifier": "skgenre.models._open_set",
    "PRESETS": "skgenre.models._presets",
    "TagPriorClassifier": "skgenre.models._tag_prior",
    "TrackClassifier": "skgenre.models._track",
    "ZERO_SHOT_MAPPINGS": "skgenre.models._zero_shot",
    "ZeroShotGenreClassifier": "skgenre.models._zero_shot",
    "adapt_to_label_shift": "skgenre.models._label_shift",
    "build_cnn": "skgenre.models._networks",
    "build_dense": "skgenre.models._networks",
    "build_feature_dense": "skgenre.models._networks",
    "build_spec_dense": "skgenre.models._networks",
    "get_preset": "skgenre.models._presets",
    "make_ensemble": "skgenre.models._presets",
    "use_engine": "skgenre.models._engines",
}

__getattr__, __dir__, __all__ = _attach(__name__, _LAZY)
