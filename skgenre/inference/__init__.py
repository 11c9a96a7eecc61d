"""Whole-song inference with clip-level pipelines, and music libraries judged song by song.

Names resolve lazily (PEP 562): each costs only its own module's imports.
"""

from .._lazy import attach as _attach

_LAZY = {
    "adapt_results_file": "skgenre.inference._adapt",
    "collect_inputs": "skgenre.inference._inputs",
    "predict_library": "skgenre.inference._library",
    "predict_songs": "skgenre.inference._songs",
}

__getattr__, __dir__, __all__ = _attach(__name__, _LAZY)
