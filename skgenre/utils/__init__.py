"""Small shared helpers used across skgenre's modules.

Names resolve lazily: a helper costs only its own module's imports, so the inference path
(:mod:`skgenre.inference._plan`) reaches the atomic writes and progress bars without
scikit-learn.
"""

from .._lazy import attach as _attach

_LAZY = {
    "SEED_MAX": "skgenre.utils._random",
    "atomic_write": "skgenre.utils._atomic",
    "check_clips": "skgenre.utils._waveforms",
    "check_output_dir": "skgenre.utils._atomic",
    "check_seed": "skgenre.utils._random",
    "check_waveforms": "skgenre.utils._waveforms",
    "check_writable": "skgenre.utils._atomic",
    "is_ragged": "skgenre.utils._waveforms",
    "item_rngs": "skgenre.utils._random",
    "item_seed": "skgenre.utils._random",
    "make_rng": "skgenre.utils._random",
    "progress_bar": "skgenre.utils._progress",
    "replace_directory": "skgenre.utils._atomic",
    "spawn_seeds": "skgenre.utils._random",
    "stack_clips": "skgenre.utils._waveforms",
    "validate_clips": "skgenre.utils._waveforms",
}

__getattr__, __dir__, __all__ = _attach(__name__, _LAZY)
