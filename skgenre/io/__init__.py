"""Reading audio: :class:`AudioLoader` (paths to waveforms) and :func:`load_audio` (one file)."""

from ._loader import AudioFiles, AudioLoader, load_audio

__all__ = ["AudioFiles", "AudioLoader", "load_audio"]
