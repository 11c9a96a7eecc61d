"""Evaluation protocols, the noise-robustness evaluation and calibration measures."""

from .._lazy import attach as _attach

_LAZY = {
    "expected_calibration_error": "skgenre.evaluation._calibration",
    "make_ece_scorer": "skgenre.evaluation._calibration",
    "noise_robustness": "skgenre.evaluation._noise",
    "reliability_curve": "skgenre.evaluation._calibration",
    "StratifiedArtistKFold": "skgenre.evaluation._artist_folds",
    "StratifiedTrackKFold": "skgenre.evaluation._protocols",
    "artist_split": "skgenre.evaluation._artist_folds",
    "filtered_split": "skgenre.evaluation._protocols",
    "paper_split": "skgenre.evaluation._protocols",
}

__getattr__, __dir__, __all__ = _attach(__name__, _LAZY)
