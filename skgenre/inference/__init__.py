"""Whole-song inference with clip-level pipelines, and music libraries judged song by song."""

from ._inputs import collect_inputs
from ._library import predict_library
from ._songs import predict_songs

__all__ = ["collect_inputs", "predict_library", "predict_songs"]
