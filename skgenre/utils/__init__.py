"""Small shared helpers used across skgenre's modules."""

from ._atomic import atomic_write, check_output_dir, check_writable, replace_directory
from ._progress import progress_bar
from ._random import SEED_MAX, check_seed, item_rngs, item_seed, make_rng, spawn_seeds
from ._waveforms import check_clips, check_waveforms, is_ragged, stack_clips, validate_clips

__all__ = [
    "SEED_MAX",
    "atomic_write",
    "check_clips",
    "check_output_dir",
    "check_seed",
    "check_waveforms",
    "check_writable",
    "is_ragged",
    "item_rngs",
    "item_seed",
    "make_rng",
    "progress_bar",
    "replace_directory",
    "spawn_seeds",
    "stack_clips",
    "validate_clips",
]
