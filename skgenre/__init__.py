"""skgenre: music genre classification with scikit-learn pipelines and Keras models.

Public names are resolved lazily (PEP 562): ``import skgenre`` imports neither TensorFlow
nor Keras, and a transformer costs only the import of its own module. Keras is imported the
first time :class:`GenreClassifier` (or a model) is touched.
"""

import importlib

from ._errors import (
    AudioLoadError,
    BrokenFilesWarning,
    DatasetError,
    ModelFileError,
    OutputError,
    SkgenreError,
    VersionMismatchWarning,
    WeightsMismatchError,
    WeightsNotFoundError,
)
from ._version import __version__

# public name -> module that defines it
_LAZY = {
    "AudioLoader": "skgenre.io",
    "FeatureExtractor": "skgenre.features",
    "FeatureExtractor26": "skgenre.features",
    "GenreClassifier": "skgenre.models",
    "MelSpectrogram": "skgenre.features",
    "MinMaxThenNormalize": "skgenre.preprocessing",
    "MusicnnEmbedding": "skgenre.embeddings",
    "PixelDropoutNoise": "skgenre.preprocessing",
    "RandomClip": "skgenre.preprocessing",
    "RowMeanVectorizer": "skgenre.features",
    "SpectrogramStandardizer": "skgenre.preprocessing",
    "TrackClassifier": "skgenre.models",
    "make_cnn_pipeline": "skgenre.pipelines",
    "make_embedding_pipeline": "skgenre.pipelines",
    "make_feature_pipeline": "skgenre.pipelines",
    "make_spectrogram_dense_pipeline": "skgenre.pipelines",
    "load_model": "skgenre._persist",
    "predict_songs": "skgenre.inference",
    "save_model": "skgenre._persist",
}
_SUBMODULES = [
    "cli",
    "datasets",
    "embeddings",
    "evaluation",
    "features",
    "inference",
    "io",
    "models",
    "pipelines",
    "preprocessing",
    "utils",
]

__all__ = sorted(
    [
        "AudioLoadError",
        "BrokenFilesWarning",
        "DatasetError",
        "ModelFileError",
        "OutputError",
        "SkgenreError",
        "VersionMismatchWarning",
        "WeightsMismatchError",
        "WeightsNotFoundError",
        "__version__",
        *_LAZY,
        *_SUBMODULES,
    ]
)


def __getattr__(name):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return importlib.import_module(f"skgenre.{name}")
    raise AttributeError(f"module 'skgenre' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
