"""Pretrained audio embeddings: the musicnn networks (Pons & Serra, 2019) in Keras 3.

Names are resolved lazily, so ``import skgenre.embeddings`` imports neither TensorFlow nor
Keras.
"""

import importlib

_LAZY = {
    "MSD_TAGS": "skgenre.embeddings._tags",
    "MTT_TAGS": "skgenre.embeddings._tags",
    "MusicnnEmbedding": "skgenre.embeddings._musicnn",
    "build_musicnn": "skgenre.embeddings._network",
    "load_musicnn_weights": "skgenre.embeddings._weights",
    "musicnn_logmel": "skgenre.embeddings._musicnn",
    "musicnn_network": "skgenre.embeddings._network",
    "musicnn_patches": "skgenre.embeddings._musicnn",
    "musicnn_tags": "skgenre.embeddings._tags",
    "musicnn_weights_dir": "skgenre.embeddings._weights",
}

__all__ = sorted(_LAZY)


def __getattr__(name):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'skgenre.embeddings' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
