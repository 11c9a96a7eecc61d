"""Reading audio: :class:`AudioLoader` (paths to waveforms) and :func:`load_audio` (one file).

Names resolve lazily (PEP 562): each costs only its own module's imports.
"""

from .._lazy import attach as _attach

_LAZY = {
    "AudioFiles": "skgenre.io._loader",
    "AudioLoader": "skgenre.io._loader",
    "load_audio": "skgenre.io._decode",
}

__getattr__, __dir__, __all__ = _attach(__name__, _LAZY)
