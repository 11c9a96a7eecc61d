"""Audio features of clips: the paper's 26 features, richer features, mel spectrograms.

Every spectral quantity of a batch of clips comes from one batched STFT
(``skgenre.features._stft``); nothing downstream recomputes it.

Names resolve lazily (PEP 562): each costs only its own module's imports.
"""

from .._lazy import attach as _attach

_LAZY = {
    "FeatureExtractor": "skgenre.features._extended",
    "FeatureExtractor26": "skgenre.features._paper26",
    "MelSpectrogram": "skgenre.features._mel",
    "RowMeanVectorizer": "skgenre.features._mel",
}

__getattr__, __dir__, __all__ = _attach(__name__, _LAZY)
