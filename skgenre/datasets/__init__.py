"""Data sets: any collection in genre folders, GTZAN (with its splits), a synthetic toy set."""

from ._artists import load_gtzan_artists
from ._folders import load_genre_folders
from ._gtzan import load_gtzan, load_gtzan_split_lists
from ._toy import make_toy_genres

__all__ = [
    "load_genre_folders",
    "load_gtzan",
    "load_gtzan_artists",
    "load_gtzan_split_lists",
    "make_toy_genres",
]
