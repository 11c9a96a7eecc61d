"""Data sets: GTZAN file lists and labels, and a synthetic GTZAN-like toy set."""

from ._gtzan import load_gtzan, load_gtzan_split_lists
from ._toy import make_toy_genres

__all__ = ["load_gtzan", "load_gtzan_split_lists", "make_toy_genres"]
