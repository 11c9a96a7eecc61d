"""Reading audio: :class:`AudioLoader` (paths to waveforms) and :func:`load_audio` (one file)."""

from ._loader import AudioLoader, load_audio

__all__ = ["AudioLoader", "load_audio"]
