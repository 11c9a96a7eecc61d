"""Evaluation protocols and the noise-robustness evaluation."""

from .._lazy import attach as _attach

_LAZY = {
    "noise_robustness": "skgenre.evaluation._noise",
    "StratifiedArtistKFold": "skgenre.evaluation._artist_folds",
    "StratifiedTrackKFold": "skgenre.evaluation._protocols",
    "filtered_split": "skgenre.evaluation._protocols",
    "paper_split": "skgenre.evaluation._protocols",
}

__getattr__, __dir__, __all__ = _attach(__name__, _LAZY)
