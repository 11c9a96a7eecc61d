"""Small shared helpers used across skgenre's modules."""

from ._atomic import atomic_write, check_output_dir, check_writable, replace_directory
from ._random import item_rngs, make_rng
from ._waveforms import check_waveforms, is_ragged, stack_clips

__all__ = [
    "atomic_write",
    "check_output_dir",
    "check_waveforms",
    "check_writable",
    "is_ragged",
    "item_rngs",
    "make_rng",
    "replace_directory",
    "stack_clips",
]
