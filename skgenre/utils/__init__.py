"""Small shared helpers used across skgenre's modules."""

from ._progress import progress_bar
from ._random import SEED_MAX, check_seed, item_rngs, item_seed, make_rng, spawn_seeds
from ._waveforms import check_clips, check_waveforms, is_ragged, stack_clips, validate_clips

__all__ = [
    "SEED_MAX",
    "check_clips",
    "check_seed",
    "check_waveforms",
    "is_ragged",
    "item_rngs",
    "item_seed",
    "make_rng",
    "progress_bar",
    "spawn_seeds",
    "stack_clips",
    "validate_clips",
]
