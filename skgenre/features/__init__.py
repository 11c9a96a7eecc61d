"""Audio features of clips: the paper's 26 features, richer features, mel spectrograms.

Every spectral quantity of a batch of clips comes from one batched STFT
(``skgenre.features._stft``); nothing downstream recomputes it.
"""

from ._extended import FeatureExtractor
from ._mel import MelSpectrogram, RowMeanVectorizer
from ._paper26 import FeatureExtractor26

__all__ = ["FeatureExtractor", "FeatureExtractor26", "MelSpectrogram", "RowMeanVectorizer"]
