"""Clipping, noise and scaling steps.

Names resolve lazily (PEP 562): each costs only its own module's imports.
"""

from .._lazy import attach as _attach

_LAZY = {
    "MinMaxThenNormalize": "skgenre.preprocessing._scaling",
    "PixelDropoutNoise": "skgenre.preprocessing._noise",
    "RandomClip": "skgenre.preprocessing._clip",
    "SpectrogramStandardizer": "skgenre.preprocessing._standardize",
    "clip_and_average": "skgenre.preprocessing._consecutive",
    "consecutive_clips": "skgenre.preprocessing._consecutive",
    "dropout_mask": "skgenre.preprocessing._noise",
}

__getattr__, __dir__, __all__ = _attach(__name__, _LAZY)
