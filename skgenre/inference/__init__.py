"""Whole-song inference with clip-level pipelines."""

from ._songs import predict_songs

__all__ = ["predict_songs"]
