"""The model kinds: the one list that the command line, ``skgenre reproduce`` and the
benchmarks read (as :data:`skgenre.pipelines.MODEL_KINDS`, name -> factory).

Here by name only, so that the command line lists them without importing the pipelines
(and scikit-learn): ``skgenre predict`` does not need them.
"""

__all__ = ["MODEL_KIND_FACTORIES"]

#: Model kind -> name of its factory in :mod:`skgenre.pipelines`.
MODEL_KIND_FACTORIES = {
    "feature": "make_feature_pipeline",
    "spec-dense": "make_spectrogram_dense_pipeline",
    "cnn": "make_cnn_pipeline",
    "embedding": "make_embedding_pipeline",
    "combined": "make_combined_pipeline",
}
