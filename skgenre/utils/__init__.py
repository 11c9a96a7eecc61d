"""Small shared helpers (private API: names here may change without notice)."""

from ._waveforms import check_waveforms, stack_clips

__all__ = ["check_waveforms", "stack_clips"]
