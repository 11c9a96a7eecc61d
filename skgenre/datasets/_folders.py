"""Any music collection sorted into genre folders: the songs, their labels, what was skipped."""

import os
import re
import warnings
from numbers import Integral
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed
from sklearn.utils import Bunch
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from .._errors import DatasetError
from ..utils._mixins import N_JOBS_CONSTRAINT
from ._gtzan import (
    _LAYOUTS,
    AUDIO_EXTENSIONS,
    _first_usable,
    _undecodable_reason,
    _unreadable_reason,
)
from ._toy import is_toy_folder

__all__ = ["load_genre_folders"]

# When one song is there in several formats (GTZAN's .au beside a converted .wav), the
# first of these that can be read is the song; the others are skipped and listed.
_PREFERRED = (*AUDIO_EXTENSIONS, ".aiff", ".aif", ".m4a", ".opus", ".wma", ".aac")
_GTZAN_NAME = re.compile(r"^(?P<genre>[^.]+)\.\d+$")


@validate_params(
    {
        "root": [str, os.PathLike],
        "n_per_genre": [Interval(Integral, 1, None, closed="left"), None],
        "n_jobs": N_JOBS_CONSTRAINT,
        "check": [StrOptions({"decode", "header"})],
    },
    prefer_skip_nested_validation=True,
)
def load_genre_folders(root, *, n_per_genre=None, n_jobs=None, check="decode"):
    """List and label the songs of a folder of genre folders.

    Each folder right under ``root`` is a genre; every file in it or in its subfolders
    (at any depth, any name) is a song of that genre if it decodes, whatever its format
    (soundfile's formats, mp3, and what audioread's backends read). By default every
    song is decoded to its end once (and its samples dropped), so that a file which
    fails only while decoding (a truncated FLAC, a damaged frame) is left out here rather
    than stopping a fit later. Files that cannot be used are not dropped silently:
    ``skipped`` lists each with the reason (also hidden files, which are not read, and
    audio files beside the genre folders, which have no genre). Hidden folders are not
    searched; linked folders are, once each. A song there in several formats (GTZAN's
    ``.au`` beside a converted ``.wav``) is read from the first of ``.wav``, ``.au``,
    ``.flac``, ... that can be used; its other files are listed in ``skipped``.

    GTZAN's layouts are recognised: when ``root`` holds a folder ``genres`` (the original
    archive), ``genres_original`` or ``Data/genres_original`` (the Kaggle copy), the genre
    folders are in there. GTZAN's file names (``<genre>.<number>.<ext>``) are recognised
    but not required.
    ``layout`` says ``"gtzan"`` only when every song has its GTZAN name in its genre's
    folder.

    Parameters
    ----------
    root : str or os.PathLike
        The collection.
    n_per_genre : int or None, default=None
        Keep the first ``n_per_genre`` songs of each genre (in path order).
    n_jobs : int or None, default=None
        Files checked in parallel (threads).
    check : {"decode", "header"}, default="decode"
        ``"decode"``: decode every song in full, as :class:`~skgenre.AudioLoader` will
        (12-15 ms per 30-s FLAC on one idle core). ``"header"``: read each file's header
        only, which is much faster but misses files damaged after their header. With
        ``n_per_genre``, songs after the first ``n_per_genre`` that decode are not
        decoded.

    Returns
    -------
    data : Bunch
        Dictionary-like object with attributes:

        filenames : ndarray of shape (n_songs,) of str
            The songs, sorted by genre, then path.
        target : ndarray of shape (n_songs,), dtype int64
            Index of each song's genre in ``target_names``.
        target_names : list of str
            The genres (folder names), sorted.
        skipped : list of (str, str)
            ``(path, reason)`` of every file that is not used.
        layout : {"gtzan", "folders"}
            Whether the collection is laid out and named as GTZAN is.
        base : str
            The folder that holds the genre folders.
        artists : ndarray of shape (n_songs,) of str, or None
            The artist of each song, the ``groups`` of artist-disjoint cross-validation
            (:class:`~skgenre.evaluation.StratifiedArtistKFold`). Read from a
            ``tracks.csv`` beside the genre folders (in ``base``, else in ``root``) with at
            least the columns ``file`` (each song's path relative to that folder, ``/``
            separated, e.g. ``rock/song.ogg``) and ``artist``; other columns are ignored.
            A song without a row, or with an empty artist, is its own group
            ``"unknown:<file>"``. Spellings of one artist that differ only in case,
            accents, punctuation, spacing or "&" for "and" are one artist, named by its
            most frequent spelling in the file. A row may name a song by another of its
            formats (the ``.au`` of a kept ``.wav``). Lines starting with ``#`` before
            the header are comments. Without a ``tracks.csv``, when more than half of
            the songs have their GTZAN names in their genre folders (a GTZAN copy):
            Sturm's artist index (as :func:`load_gtzan`) for every song named as a
            GTZAN track, in whatever folder (a clip moved to its right genre keeps its
            artist), and a group of its own for each other song (a warning names them);
            else None. (The synthetic toy set gets the artists of the GTZAN tracks
            whose names it has.)
        synthetic : bool
            Whether the folder holds the synthetic toy set written by
            :func:`make_toy_genres` (``path=...``): GTZAN's names and layout, not music.
            ``skgenre train`` and ``reproduce`` flag their results on it as synthetic.

    Raises
    ------
    skgenre.DatasetError
        If ``root`` is not a folder, holds no genre folder, or a genre folder holds no
        usable song (its files and why are named); if ``tracks.csv`` lacks the ``file``
        or ``artist`` column, or names files that are not there.

    Warns
    -----
    UserWarning
        If one file is reached through more than one path (hard or symbolic links): each
        path is a song of its folder's genre, and all are one artist group. Also for the
        songs of a GTZAN copy that are not named as GTZAN's tracks (their artists are not
        known).

    See Also
    --------
    load_gtzan : GTZAN itself, with its filtered splits.

    Examples
    --------
    >>> from pathlib import Path
    >>> from tempfile import mkdtemp
    >>> import numpy as np
    >>> import soundfile as sf
    >>> from skgenre.datasets import load_genre_folders
    >>> root = Path(mkdtemp())
    >>> for genre, name in [("jazz", "Miles - So What.wav"), ("rock", "live/01 intro.flac")]:
    ...     path = root / genre / name
    ...     path.parent.mkdir(parents=True, exist_ok=True)
    ...     sf.write(path, np.zeros(2205, dtype=np.float32), 22050)
    >>> _ = (root / "rock" / "cover.jpg").write_bytes(b"\\xff\\xd8\\xff\\xe0 not audio")
    >>> data = load_genre_folders(root)
    >>> data.target_names, data.target.tolist(), data.layout
    (['jazz', 'rock'], [0, 1], 'folders')
    >>> [(Path(p).name, why) for p, why in data.skipped]
    [('cover.jpg', 'unsupported or unrecognised audio format (...)')]
    >>> print(data.artists)
    None
    >>> _ = (root / "tracks.csv").write_text("file,artist\\njazz/Miles - So What.wav,Miles Davis\\n")
    >>> load_genre_folders(root).artists.tolist()
    ['Miles Davis', 'unknown:rock/live/01 intro.flac']
    """
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"{str(root)!r} is not a directory")
    base = _base(root)
    genres = sorted(
        e.name for e in os.scandir(base) if e.is_dir() and not e.name.startswith(".")
    )
    if not genres:
        raise DatasetError(
            f"no genre folders in {str(base)!r}: put each genre's songs in a folder named "
            "after the genre, e.g. DIR/jazz/*.mp3, DIR/rock/*.flac"
        )
    candidates, skipped = [], []
    # songs beside the genre folders have no genre: listed, not judged
    skipped += [(e.path, "not inside a genre folder") for e in os.scandir(base)
                if e.is_file() and os.path.splitext(e.name)[1].lower() in _PREFERRED]
    alternates = {}  # a song's path -> its other formats, in order of preference
    for genre in genres:
        files, hidden, others = _songs_in(base / genre)
        candidates += [(genre, path) for path in files]
        skipped += hidden
        alternates.update(others)
    parallel = Parallel(n_jobs=n_jobs, prefer="threads")
    reasons = parallel(delayed(_unreadable_reason)(path) for _, path in candidates)
    songs = {g: [] for g in genres}
    for (genre, path), why in zip(candidates, reasons):
        if why is None:
            songs[genre].append(path)
        else:
            skipped.append((path, why))
    if check == "decode":
        for genre in genres:
            songs[genre] = _decoding(songs[genre], n_per_genre, parallel, skipped)
    if alternates:
        _other_formats(songs, skipped, alternates, dict((p, g) for g, p in candidates), check)
    empty = [g for g in genres if not songs[g]]
    if empty:
        # The first unreadable file of those folders says why, so the error alone is enough.
        example = next(
            ((p, why) for p, why in sorted(skipped) if Path(p).parent.name in empty
             or any(base / g in Path(p).parents for g in empty)), None
        )
        raise DatasetError(
            f"genre folder(s) {', '.join(repr(str(base / g)) for g in empty)} hold no "
            "audio file that can be read"
            + (f" ({len(skipped)} file(s) skipped" if skipped else "")
            + (f", e.g. {example[0]!r}: {example[1]})" if example else ")" if skipped else "")
        )
    if n_per_genre is not None:
        songs = {g: paths[:n_per_genre] for g, paths in songs.items()}
    filenames = np.array([p for g in genres for p in songs[g]], dtype=str)
    target = np.repeat(np.arange(len(genres), dtype=np.int64), [len(songs[g]) for g in genres])
    named = np.array([_gtzan_named(p, g, base) for g in genres for p in songs[g]], dtype=bool)
    gtzan = bool(named.all())
    artists = _artists(root, base, filenames, named)
    _linked_songs(filenames, target, genres, artists, base)
    return Bunch(
        filenames=filenames,
        target=target,
        target_names=genres,
        skipped=sorted(skipped),
        layout="gtzan" if gtzan else "folders",
        base=str(base),
        artists=artists,
        synthetic=is_toy_folder(root, base),
    )


def _linked_songs(filenames, target, genres, artists, base):
    """Warn of files reached through more than one path (hard or symbolic links), and give
    each such file one artist group (``artists`` is changed in place).

    Each path stays a song of its folder's genre: the folders are the user's labels. But
    as two groups of their own, the copies of one recording could be trained on and tested
    on in one artist-disjoint split.
    """
    paths = {}
    for i, path in enumerate(filenames):
        try:
            st = os.stat(path)
        except OSError:  # gone since it was listed: the loading will say so
            continue
        paths.setdefault((st.st_dev, st.st_ino), []).append(i)
    linked = [ix for ix in paths.values() if len(ix) > 1]
    if not linked:
        return
    if artists is not None:
        for ix in linked:
            known = [artists[i] for i in ix if not artists[i].startswith("unknown:")]
            artists[ix] = known[0] if known else artists[ix[0]]

    def show(ix):
        names = [Path(os.path.relpath(filenames[i], base)).as_posix() for i in ix]
        labels = sorted({genres[target[i]] for i in ix})
        return (" = ".join(map(repr, names))
                + (f" (genres {' and '.join(labels)})" if len(labels) > 1 else ""))

    warnings.warn(
        f"{len(linked)} file(s) in {str(base)!r} are reached through more than one path "
        f"(links): {'; '.join(show(ix) for ix in linked[:3])}"
        f"{f' and {len(linked) - 3} more' if len(linked) > 3 else ''}. Each path is loaded "
        "as a song of its folder's genre, so such a recording counts more than once"
        + ("; its paths are one artist group" if artists is not None else "")
        + ". Remove the links to count it once.",
        UserWarning,
        stacklevel=4,  # _linked_songs, load_genre_folders, validate_params' wrapper
    )


def _other_formats(songs, skipped, alternates, genre_of, check):
    """A song whose preferred format cannot be used is read from its next format that can
    (a broken converted ``.wav`` must not hide a readable ``.au``); the formats not used
    are listed in ``skipped``."""
    def why(path):  # the checks the preferred formats went through
        return _unreadable_reason(path) or (
            _undecodable_reason(path) if check == "decode" else None)

    failed = {path for path, _ in skipped}
    for first, others in alternates.items():
        used, tried = first, []
        if first in failed:
            used, tried = _first_usable(others, why)
            skipped += tried
            if used is not None:
                songs[genre_of[first]].append(used)
                songs[genre_of[first]].sort()
            tried = [path for path, _ in tried]
        for other in others:
            if other != used and other not in tried:
                skipped.append((other, f"the same song as {os.path.basename(used)!r} in "
                                       "another format"))


def _decoding(paths, n_wanted, parallel, skipped):
    """The files of ``paths`` that decode, in order, up to ``n_wanted``; the others skipped."""
    kept, todo = [], list(paths)
    while todo and (n_wanted is None or len(kept) < n_wanted):
        batch = todo if n_wanted is None else todo[: n_wanted - len(kept)]
        todo = todo[len(batch):]
        reasons = parallel(delayed(_undecodable_reason)(path) for path in batch)
        for path, why in zip(batch, reasons):
            if why is None:
                kept.append(path)
            else:
                skipped.append((path, why))
    return kept


def _gtzan_named(path, genre, base):
    """Whether ``path`` has its GTZAN name (``<genre>.<number>``) right in its genre folder."""
    m = _GTZAN_NAME.match(Path(path).stem)
    return m is not None and m["genre"] == genre and Path(path).parent == base / genre


def _artists(root, base, filenames, named):
    from ._artists import (
        TRACKS_CSV,
        _gtzan_index,
        folder_artist_groups,
        gtzan_artist_groups,
    )

    for folder in dict.fromkeys([base, root]):
        if (folder / TRACKS_CSV).is_file():
            return folder_artist_groups(folder, filenames)
    if 2 * named.sum() <= len(named):
        return None  # not a GTZAN copy: a name or two like "rock.00001" by chance
    # A GTZAN copy with a few songs added or renamed keeps Sturm's artists for the songs
    # that carry GTZAN names: dropping them all for one stray file would make every
    # artist-disjoint split of the copy impossible. A track moved to another genre's
    # folder (a mislabelling corrected: jazz.00000, Bernstein, to classical) is still
    # that track, by that artist; as its own group it could be tested on its artist.
    stems = np.array([Path(f).stem for f in filenames], dtype=object)
    indexed = np.isin(stems, list(_gtzan_index()[0]))
    artists = np.array([f"unknown:{Path(os.path.relpath(f, base)).as_posix()}"
                        for f in filenames], dtype=object)
    artists[indexed] = gtzan_artist_groups(stems[indexed])
    if not indexed.all():
        others = [Path(os.path.relpath(f, base)).as_posix() for f in filenames[~indexed]]
        warnings.warn(
            f"{len(others)} of {len(filenames)} songs in {str(base)!r} are not named as "
            f"GTZAN's tracks ({', '.join(map(repr, others[:5]))}"
            f"{f' and {len(others) - 5} more' if len(others) > 5 else ''}): their artists "
            "are not known, so each is its own artist group; the others keep Sturm's "
            f"artists. A {TRACKS_CSV} beside the genre folders (columns 'file' and "
            "'artist') names them.",
            UserWarning,
            stacklevel=4,  # _artists, load_genre_folders, validate_params' wrapper
        )
    return artists.astype(str)


def _base(root):
    """The folder that holds the genre folders: GTZAN's wrapper folder, or ``root``."""
    for layout in _LAYOUTS:
        if layout != "." and (root / layout).is_dir():
            return root / layout
    return root


def _songs_in(folder):
    """Every file under ``folder`` (sorted by path), the hidden files skipped, and the
    other formats of each song that has several (``{path: [others, by preference]}``).

    Hidden folders are not searched (as hidden genre folders are not); a linked folder
    is, once. A link to a folder above the genre folder is not (it is listed in the
    skipped files): it would loop, and through the data folder it would take the songs
    of every other genre for this one's.
    """
    files, skipped = [], []
    top = os.path.realpath(folder)
    seen = {top}
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=True):
        keep = []
        for d in sorted(dirnames):
            real = os.path.realpath(os.path.join(dirpath, d))
            if d.startswith(".") or real in seen:
                continue
            if os.path.commonpath([real, top]) == real:
                skipped.append((os.path.join(dirpath, d), "a link to a folder above it (a "
                                "loop), not searched"))
                continue
            seen.add(real)
            keep.append(d)
        dirnames[:] = keep
        for f in filenames:
            path = os.path.join(dirpath, f)
            if f.startswith("."):
                # .DS_Store, macOS's ._song.wav: metadata, not songs (and not probed)
                skipped.append((path, "a hidden file"))
            else:
                files.append(path)
    files.sort()  # by path, subfolders among the files, as the docstring says
    rank = {ext: i for i, ext in enumerate(_PREFERRED)}
    best = {}
    for path in files:
        stem, ext = os.path.splitext(path)
        if ext.lower() in rank:
            kept = best.get(stem)
            if kept is None or rank[ext.lower()] < rank[os.path.splitext(kept)[1].lower()]:
                best[stem] = path
    keep, others = [], {}
    for path in files:
        stem, ext = os.path.splitext(path)
        if ext.lower() in rank and best[stem] != path:
            others.setdefault(best[stem], []).append(path)
        else:
            keep.append(path)
    for paths in others.values():
        paths.sort(key=lambda p: rank[os.path.splitext(p)[1].lower()])
    return keep, skipped, others
