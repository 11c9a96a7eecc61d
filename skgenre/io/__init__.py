"""Reading audio: :class:`AudioLoader` (paths to waveforms) and :func:`load_audio` (one file)."""

from ._decode import load_audio
from ._loader import AudioFiles, AudioLoader

__all__ = ["AudioFiles", "AudioLoader", "load_audio"]
