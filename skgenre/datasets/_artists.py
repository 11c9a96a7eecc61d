"""Who performs each track: the artist groups that artist-disjoint cross-validation needs.

A split by track puts one artist's songs on both sides, so a model is rewarded for
recognising the artist as much as the genre (Pampalk's artist filter; Sturm 2012). The
loaders therefore give every track an artist: for GTZAN from Sturm's index, shipped as
package data; for any folder from an optional ``tracks.csv``. A track whose artist is not
known gets a group of its own, ``"unknown:<track>"``, so that it can never join another
track's group by accident.

One artist spelled two ways would be two groups, and an artist-disjoint split could put
the artist on both sides: Sturm's index itself spells "Rage Against the Machine" and
"Rage Against The Machine", "Earth, Wind & Fire" and "Earth Wind and Fire". The groups
therefore give every artist one spelling, whatever its case, accents, punctuation,
spacing or "&" for "and".
"""

import csv
import functools
import io
import os
import re
import unicodedata
from collections import Counter
from importlib import resources
from pathlib import Path

import numpy as np

from .._errors import DatasetError

__all__ = ["load_gtzan_artists"]

#: The file that :func:`load_genre_folders` reads beside the genre folders.
TRACKS_CSV = "tracks.csv"
_UNKNOWN = "unknown:"


def _read_csv(text):
    """Header and rows of a CSV text whose lines before the header may be ``#`` comments.

    Only before the header: further down, a ``#`` starts a value (an artist such as
    "#1 Dads", a folder "#rare"), not a comment.
    """
    # split at line feeds only: str.splitlines also splits at U+0085, U+2028, form feeds
    # and others, which are characters of a value to the csv module (the rest of a title
    # after a U+0085 would become a row of its own, naming a file that is not there)
    lines = text.split("\n")
    while lines and (not lines[0].strip() or lines[0].lstrip().startswith("#")):
        lines.pop(0)
    reader = csv.DictReader(io.StringIO("\n".join(lines), newline=""))
    rows = list(reader)
    return [c.strip() for c in reader.fieldnames or []], rows


def load_gtzan_artists():
    """The artist of every GTZAN track, from Sturm's index (shipped with skgenre).

    B. L. Sturm, "An Analysis of the GTZAN Music Genre Dataset", MIRUM 2012 (his
    GTZANindex, as consolidated in the gtzan-bind repository). 81 of the 1000 tracks have
    no known artist; they map to ``None``. The names are the index's own: it spells a
    few artists two ways, which the loaders' ``artists`` groups join.

    Returns
    -------
    artists : dict of str to str or None
        Track name (``"blues.00000"``) to artist.

    Examples
    --------
    >>> from skgenre.datasets import load_gtzan_artists
    >>> artists = load_gtzan_artists()
    >>> len(artists), artists["blues.00000"], artists["reggae.00000"]
    (1000, 'John Lee Hooker', 'Bob Marley')
    >>> sum(a is None for a in artists.values())
    81
    """
    return dict(_gtzan_index()[0])


@functools.lru_cache(maxsize=1)
def _gtzan_index():
    """``(track -> artist, artist -> its one spelling)`` of the shipped index, read once:
    the loaders ask for it per call, and a copy of a dict is cheaper than its CSV."""
    text = (resources.files("skgenre.datasets") / "data" / "gtzan_artists.csv").read_text(
        encoding="utf-8"
    )
    artists = {row["track"]: (row["artist"].strip() or None) for row in _read_csv(text)[1]}
    # spellings counted over the whole index: an artist keeps its name in every subset
    return artists, _one_spelling([a for a in artists.values() if a])


def _artist_key(name):
    """What is left of an artist's name without its spelling: case, accents, punctuation,
    spacing, and "&" against "and"."""
    text = unicodedata.normalize("NFKD", name.casefold().replace("&", " and "))
    text = "".join(c for c in text if not unicodedata.combining(c))
    # a name of punctuation only ("!!!") is a name too: it keeps itself
    return re.sub(r"[\W_]+", "", text) or name.casefold()


def _one_spelling(names):
    """Each of ``names`` (one per track) to its artist's most frequent spelling among
    them (ties: the first in sorted order), so that the result does not depend on which
    tracks come first."""
    spellings = {}
    for name, n in Counter(names).items():
        spellings.setdefault(_artist_key(name), []).append((-n, name))
    return {name: min(spellings[_artist_key(name)])[1] for name in set(names)}


def _group(artist, track):
    return artist if artist else f"{_UNKNOWN}{track}"


def gtzan_artist_groups(stems):
    """One artist group per GTZAN track stem; unknown artists get their own group."""
    artists, spelling = _gtzan_index()
    return np.array([_group(spelling.get(artists.get(s)), s) for s in stems],
                    dtype=object).astype(str)


def folder_artist_groups(base, filenames):
    """Artist groups of ``filenames`` from ``base/tracks.csv``, or None without one.

    ``tracks.csv`` needs the columns ``file`` (the path of the song relative to ``base``,
    with ``/`` separators, e.g. ``rock/song.ogg``) and ``artist``; other columns are
    ignored. A song without a row, or with an empty artist, forms its own group
    ``"unknown:<file>"``. Each artist gets one spelling (:func:`_one_spelling`).
    """
    base = Path(base)
    path = base / TRACKS_CSV
    if not path.is_file():
        return None
    try:
        header, rows = _read_csv(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DatasetError(f"{str(path)!r} cannot be read as a CSV file: {exc}") from exc
    missing = [c for c in ("file", "artist") if c not in header]
    if missing:
        raise DatasetError(
            f"{str(path)!r} lacks the column(s) {missing}; it needs a header with at least "
            "'file' (each song's path relative to the folder, e.g. 'rock/song.ogg') and "
            f"'artist'. Found columns: {header}. Fix the header, or move the file "
            "away to load the folder without artists."
        )
    base_key = os.path.normcase(os.path.normpath(os.path.abspath(base)))
    artists_of = {}  # a song's path -> the artists its rows give it
    absent, outside = [], []
    for row in rows:
        row = {(k or "").strip(): v for k, v in row.items()}
        rel = (row.get("file") or "").strip()
        if not rel:
            continue
        full = os.path.normcase(os.path.normpath(os.path.abspath(base / rel)))
        try:
            inside = os.path.commonpath([base_key, full]) == base_key
        except ValueError:  # another drive (Windows)
            inside = False
        if not inside:
            outside.append(rel)
            continue
        if not os.path.isfile(full):
            absent.append(rel)
            continue
        artists_of.setdefault(full, set()).add((row.get("artist") or "").strip())
    spelling = _one_spelling([a for names in artists_of.values() for a in names if a])
    spelling[""] = ""
    artists_of = {f: {spelling[a] for a in names} for f, names in artists_of.items()}
    for bad, why in ((outside, "are outside"), (absent, "do not exist in")):
        if bad:
            raise DatasetError(
                f"{str(path)!r} names {len(bad)} file(s) that {why} {str(base)!r}: "
                f"{_shown(bad)}. The 'file' column holds each song's path relative to that "
                "folder (e.g. 'rock/song.ogg'); correct those rows or delete them."
            )
    clashes = {f: a for f, a in artists_of.items() if len(a - {""}) > 1}
    if clashes:
        named = [f"{os.path.relpath(f, base_key)!r} ({', '.join(sorted(a - {''}))})"
                 for f, a in sorted(clashes.items())]
        raise DatasetError(
            f"{str(path)!r} gives {len(clashes)} file(s) more than one artist: "
            f"{_shown(named, quote=False)}. Keep one row per file."
        )
    artist_of = {f: max(a) for f, a in artists_of.items()}  # the one non-empty, or ""
    # a row may name a song by another of its formats (GTZAN's .au of a kept .wav): the
    # loader keeps one format per song, by path without the extension
    by_stem = {}
    for f, a in artist_of.items():
        by_stem.setdefault(os.path.splitext(f)[0], set()).add(a)
    groups = []
    for f in filenames:
        key = os.path.normcase(os.path.normpath(os.path.abspath(f)))
        rel = Path(os.path.relpath(f, base)).as_posix()
        artist = artist_of.get(key)
        if artist is None:
            other = by_stem.get(os.path.splitext(key)[0], set()) - {""}
            artist = other.pop() if len(other) == 1 else None
        groups.append(_group(artist, rel))
    return np.array(groups, dtype=object).astype(str)


def _shown(items, quote=True):
    """The first few of ``items`` for a message."""
    shown = ", ".join(repr(a) if quote else a for a in items[:5])
    return shown + (f" and {len(items) - 5} more" if len(items) > 5 else "")
