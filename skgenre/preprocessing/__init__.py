"""Clipping, noise and scaling steps."""

from ._clip import RandomClip, clip_and_average, consecutive_clips
from ._noise import PixelDropoutNoise, dropout_mask
from ._scaling import MinMaxThenNormalize
from ._standardize import SpectrogramStandardizer

__all__ = [
    "MinMaxThenNormalize",
    "PixelDropoutNoise",
    "RandomClip",
    "SpectrogramStandardizer",
    "clip_and_average",
    "consecutive_clips",
    "dropout_mask",
]
