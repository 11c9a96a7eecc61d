"""skgenre: music genre classification with scikit-learn pipelines and Keras models.

Public names are resolved lazily (PEP 562): ``import skgenre`` imports neither TensorFlow
nor Keras, and a transformer costs only the import of its own module. Keras is imported the
first time :class:`GenreClassifier` (or a model) is touched.
"""

# The one exception family (skgenre._errors.__all__) is public as it is.
from ._errors import *  # noqa: F403
from ._errors import __all__ as _errors_all
from ._lazy import attach as _attach
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
    "OpenSetClassifier": "skgenre.models",
    "PixelDropoutNoise": "skgenre.preprocessing",
    "RandomClip": "skgenre.preprocessing",
    "RowMeanVectorizer": "skgenre.features",
    "SpectrogramStandardizer": "skgenre.preprocessing",
    "TagPriorClassifier": "skgenre.models",
    "TrackClassifier": "skgenre.models",
    "ZeroShotGenreClassifier": "skgenre.models",
    "make_cnn_pipeline": "skgenre.pipelines",
    "make_combined_pipeline": "skgenre.pipelines",
    "make_embedding_pipeline": "skgenre.pipelines",
    "make_feature_pipeline": "skgenre.pipelines",
    "make_spectrogram_dense_pipeline": "skgenre.pipelines",
    "make_zero_shot_pipeline": "skgenre.pipelines",
    "load_model": "skgenre._persist",
    "predict_library": "skgenre.inference",
    "predict_songs": "skgenre.inference",
    "read_model_metadata": "skgenre._model_metadata",
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

__getattr__, __dir__, _lazy_all = _attach(__name__, _LAZY, _SUBMODULES)
__all__ = sorted([*_errors_all, "__version__", *_lazy_all])
