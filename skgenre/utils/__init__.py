"""Small shared helpers used across skgenre's modules."""

from ._random import item_rngs, make_rng
from ._waveforms import check_waveforms, is_ragged, stack_clips

__all__ = ["check_waveforms", "is_ragged", "item_rngs", "make_rng", "stack_clips"]
