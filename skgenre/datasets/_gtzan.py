"""GTZAN: find the clips of a local copy, label them, and select the filtered splits.

skgenre never downloads GTZAN; point :func:`load_gtzan` at a copy you have. The
artist- and fault-filtered train/valid/test split lists of Kereliuk, Sturm and Larsen ship
with skgenre as package data.
"""

import functools
import os
import re
import warnings
from importlib import resources
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch
from sklearn.utils._param_validation import StrOptions, validate_params

from .._errors import AudioLoadError, BrokenFilesWarning, DatasetError
from ._toy import is_toy_folder

__all__ = ["load_gtzan", "load_gtzan_split_lists"]

SPLITS = ("train", "valid", "test")
AUDIO_EXTENSIONS = (".wav", ".au", ".flac", ".ogg", ".mp3")
# Folders that hold the genre folders, relative to the root a user gives, in the order
# they are tried: the original archive, the Kaggle copy, and the genre folders' parent.
_LAYOUTS = ("genres", "genres_original", os.path.join("Data", "genres_original"), ".")
_CLIP = re.compile(r"^(?P<genre>[^.]+)\.(?P<number>\d+)$")

DESCR = """\
.. _gtzan_dataset:

GTZAN genre collection
----------------------

1000 audio clips of 30 s (22050 Hz, mono, 16-bit), 100 in each of 10 genres: blues,
classical, country, disco, hiphop, jazz, metal, pop, reggae, rock (Tzanetakis and Cook,
2002). skgenre does not distribute the audio: :func:`skgenre.datasets.load_gtzan` lists
the clips of a local copy and labels them by their folder.

GTZAN has known faults (Sturm, 2013): repeated clips, clips from the same artists across
genres, mislabelings and distortions. Random splits therefore put one artist's songs on
both sides and overestimate accuracy. ``split=`` selects the artist-filtered,
fault-filtered train/valid/test partition of Kereliuk, Sturm and Larsen (2015; 443/197/290
clips), whose lists ship with skgenre. Some copies hold a corrupt ``jazz.00054.wav``;
unreadable files are left out with a :class:`skgenre.BrokenFilesWarning`.

References
----------
- G. Tzanetakis and P. Cook, "Musical genre classification of audio signals",
  IEEE Trans. Speech and Audio Processing, 10(5), 2002.
- B. L. Sturm, "The GTZAN dataset: its contents, its faults, their effects on
  evaluation, and its future use", arXiv:1306.1461, 2013.
- C. Kereliuk, B. L. Sturm and J. Larsen, "Deep learning and music adversaries",
  IEEE Trans. Multimedia, 17(11), 2015.
"""


def load_gtzan_split_lists():
    """Return the filtered GTZAN split lists shipped with skgenre.

    The artist- and fault-filtered partition of Kereliuk, Sturm and Larsen (2015):
    443 train, 197 valid and 290 test clips.

    Returns
    -------
    splits : dict of {"train", "valid", "test"} to list of str
        Clip names as ``"<genre>/<genre>.<number>.wav"``, in file order.

    Examples
    --------
    >>> from skgenre.datasets import load_gtzan_split_lists
    >>> lists = load_gtzan_split_lists()
    >>> {name: len(files) for name, files in lists.items()}
    {'train': 443, 'valid': 197, 'test': 290}
    >>> lists["train"][0]
    'blues/blues.00029.wav'
    """
    data = resources.files("skgenre.datasets") / "data"
    out = {}
    for name in SPLITS:
        text = (data / f"{name}_filtered.txt").read_text(encoding="utf-8")
        out[name] = [line.strip() for line in text.splitlines() if line.strip()]
    return out


def _genre_folders(base):
    """Genre folders directly under ``base``: folders holding ``<folder>.<number>.<ext>``.

    Returns
    -------
    found : dict
        Genre -> its clips (see :func:`_clips_in`).
    strays : dict
        Folder name -> the audio files in it that are no clip of its genre (a clip moved
        to the folder of its right genre, a renamed file, a folder ``Blues``).
    """
    found, strays = {}, {}
    try:
        entries = sorted(os.scandir(base), key=lambda e: e.name)
    except OSError:
        return found, strays
    for entry in entries:
        if not entry.is_dir() or entry.name.startswith("."):
            continue
        clips, others = _clips_in(Path(entry.path), entry.name)
        if clips:
            found[entry.name] = clips
        if others:
            strays[entry.name] = others
    return found, strays


def _clips_in(folder, genre):
    """Map clip stem -> its paths for the audio clips of ``genre`` in ``folder``, and the
    sorted paths of the other audio files there (not hidden: macOS's ``._x.wav``).

    When one clip exists in several formats (e.g. ``.au`` beside a converted ``.wav``)
    the paths are in the order of ``AUDIO_EXTENSIONS``: the first one that can be read is
    the clip. Two files that differ only in the case of the extension go by name, so that
    the choice does not follow the file system's listing order.
    """
    clips, others = {}, []
    rank = {ext: i for i, ext in enumerate(AUDIO_EXTENSIONS)}
    for entry in os.scandir(folder):
        stem, ext = os.path.splitext(entry.name)
        ext = ext.lower()
        # a dangling link is a clip that cannot be read (reported so), not no clip
        if (ext not in rank or entry.name.startswith(".") or entry.is_dir()
                or not (entry.is_file() or entry.is_symlink())):
            continue
        m = _CLIP.match(stem)
        if m is None or m["genre"] != genre:
            others.append(entry.path)
            continue
        clips.setdefault(stem, []).append(entry.path)
    for paths in clips.values():
        paths.sort(key=lambda p: (rank[os.path.splitext(p)[1].lower()], p))
    return clips, sorted(others)


def _first_usable(paths, check):
    """``(path, failed)``: the first of ``paths`` (one song's formats, by preference) that
    ``check`` (a function giving why a file cannot be used, or None) passes, or None; and
    ``(path, why)`` for each one tried before it. A broken converted copy (``.wav``) must
    not hide a readable original (``.au``)."""
    failed = []
    for path in paths:
        why = check(path)
        if why is None:
            return path, failed
        failed.append((path, why))
    return None, failed


def _find_layout(root):
    for layout in _LAYOUTS:
        base = root / layout
        if base.is_dir():
            genres, strays = _genre_folders(base)
            if genres:
                return base, genres, strays
    raise DatasetError(
        f"no GTZAN genre folders found under {str(root)!r}: looked for folders named "
        "<genre> holding <genre>.<number>.<ext> files (ext one of "
        f"{', '.join(AUDIO_EXTENSIONS)}) in "
        + ", ".join(repr(str(root / layout)) for layout in _LAYOUTS)
    )


def _quiet_decoders(check):
    """``check`` with libmpg123's notes kept off the terminal, as the loader keeps them.

    libmpg123 writes "Note: ..." and "[...layer3.c...] error: ..." lines to the C stderr
    while it probes a non-MP3 file, and even on some valid MP3s (GTZAN's blues.00099);
    the reason returned, or the file's acceptance, is what the user needs.
    """

    @functools.wraps(check)
    def quiet(path):
        from ..io._decoder_noise import decoder_stderr_filtered

        with decoder_stderr_filtered():
            return check(path)

    return quiet


@_quiet_decoders
def _unreadable_reason(path):
    """Why ``path`` cannot be read, or None; reads the header only, not the audio."""
    from ..io._decode import _load, stat_problem

    try:
        st = os.stat(path)
    except OSError as exc:
        return f"the file cannot be accessed ({exc.strerror or exc})"
    # the loader's own checks: a FIFO has size 0, but it is not an empty song
    reason = stat_problem(path, st)
    if reason is not None:
        return reason
    try:
        import soundfile as sf

        info = sf.info(path)
    except Exception:
        # Not readable by libsndfile: let the loader's diagnosis (and its audioread
        # fallback) decide on a short read.
        try:
            _load(path, 22050, True, 0.0, 0.05)
        except AudioLoadError as exc:
            return exc.reason
        return None
    if info.frames == 0:
        return "the file holds no audio samples (0 frames)"
    if info.samplerate <= 0 or info.channels <= 0:
        return "corrupt header (no sample rate or channels)"
    return None


# Frames decoded per read by the full check: a few MB of float32, whatever the file's length.
_CHECK_BLOCK = 1 << 16


@_quiet_decoders
def _undecodable_reason(path):
    """Why ``path`` cannot be decoded to its end, or None.

    The header check of :func:`_unreadable_reason` misses what only decoding finds (a
    truncated FLAC or Ogg, a damaged frame in the middle, NaN samples), which would
    otherwise stop a fit after the data set was accepted. The whole file is decoded block
    by block and the samples are dropped (memory stays a few MB); a file that libsndfile
    cannot decode gets the loader's own verdict, fallback decoder included, so a file
    passes here exactly when :class:`~skgenre.AudioLoader` can load it.
    """
    reason = _unreadable_reason(path)
    if reason is not None:
        return reason
    import soundfile as sf

    from ..io._decode import _MIN_FILE_SR, _load

    try:
        with sf.SoundFile(path) as f:
            if f.samplerate < _MIN_FILE_SR:
                return (f"implausible sample rate of {f.samplerate} Hz in the header "
                        "(corrupt file?)")
            frames = 0
            while True:
                block = f.read(_CHECK_BLOCK, dtype="float32")
                if not len(block):
                    break
                if not np.isfinite(block).all():
                    return "the audio contains NaN or infinite sample values"
                frames += len(block)
        if frames:
            return None
    except Exception:  # libsndfile reports every decoding fault its own way
        pass
    try:
        _load(path, 22050, True, 0.0, None)
    except AudioLoadError as exc:
        return exc.reason
    return None


@validate_params(
    {
        "root": [str, os.PathLike],
        "split": [StrOptions(set(SPLITS)), list, tuple, None],
        "genres": ["array-like", None],
        "return_X_y": ["boolean"],
        "check_files": ["boolean", StrOptions({"header", "decode"})],
    },
    prefer_skip_nested_validation=True,
)
def load_gtzan(root, *, split=None, genres=None, return_X_y=False, check_files=True):
    """List and label the clips of a local GTZAN copy.

    The clips are found in any of the usual layouts: ``root/genres/<genre>/`` (the
    original archive), ``root/genres_original/`` or ``root/Data/genres_original/`` (the
    Kaggle copy), or genre folders directly under ``root``. A genre folder holds
    ``<genre>.<number>.<ext>`` files with ext one of wav, au, flac, ogg, mp3; other audio
    files there (a clip moved to another genre's folder, a renamed file) are left out
    with a warning that names them (:func:`load_genre_folders` takes every file). Audio
    is not decoded here: feed ``filenames`` to :class:`~skgenre.AudioLoader`.

    Parameters
    ----------
    root : str or os.PathLike
        The GTZAN folder.
    split : {"train", "valid", "test"}, list of those, or None, default=None
        Keep only the clips of this split (or these splits) of the artist- and
        fault-filtered partition of Kereliuk, Sturm and Larsen (2015), shipped with
        skgenre. Clips match by name (``blues.00029``), whatever their format. Listed
        clips missing from ``root`` are reported in one
        :class:`~skgenre.BrokenFilesWarning`. None keeps every clip.
    genres : array-like of str or None, default=None
        Keep only these genres (all found genres when None).
    return_X_y : bool, default=False
        Return ``(filenames, target)`` instead of a Bunch.
    check_files : bool or {"header", "decode"}, default=True
        Check that every file is readable and leave out the ones that are not, reporting
        them all in one :class:`~skgenre.BrokenFilesWarning`; targets stay aligned with
        filenames. ``True`` or ``"header"`` reads each file's header only (fast);
        ``"decode"`` decodes every file to its end, as :class:`~skgenre.AudioLoader`
        will, and so also leaves out files damaged after their header (a truncated FLAC),
        which would otherwise stop a fit (12-15 ms per 30-s FLAC on one idle core).

    Returns
    -------
    data : Bunch
        Dictionary-like object with attributes:

        filenames : ndarray of shape (n_clips,) of str
            Paths of the clips, sorted by genre then clip number.
        target : ndarray of shape (n_clips,), dtype int64
            Index of each clip's genre in ``target_names``.
        target_names : list of str
            Sorted genre names.
        artists : ndarray of shape (n_clips,) of str
            The artist of each clip from Sturm's index of GTZAN (shipped with skgenre, see
            :func:`load_gtzan_artists`), the ``groups`` of artist-disjoint
            cross-validation (:class:`~skgenre.evaluation.StratifiedArtistKFold`). A clip
            whose artist is unknown (81 of the 1000) is its own group,
            ``"unknown:<clip>"`` (e.g. ``"unknown:classical.00059"``). An artist the
            index spells two ways is one group, under its most frequent spelling
            (``"Rage Against The Machine"`` for metal.00095 too).
        split : ndarray of shape (n_clips,) of str
            Split of each clip (only when ``split`` is given).
        synthetic : bool
            Whether ``root`` holds the synthetic toy set written by
            :func:`make_toy_genres` (``path=...``), named as GTZAN but not music (its
            ``artists`` are those of the real tracks of its names).
        DESCR : str
            Description of GTZAN and its faults.
    (filenames, target) : tuple
        When ``return_X_y=True``.

    Raises
    ------
    skgenre.DatasetError
        (a :class:`FileNotFoundError`) If ``root`` holds no genre folders in any known layout, or no clip of the
        requested split is under ``root``, or (with ``check_files``) no file can be read.
    ValueError
        If ``genres`` names a genre that is not under ``root``, or ``split`` names an
        unknown split.

    Examples
    --------
    The toy data set writes GTZAN's layout, so it stands in for a real copy here:

    >>> import tempfile
    >>> from skgenre.datasets import load_gtzan, make_toy_genres
    >>> root = tempfile.mkdtemp()
    >>> _ = make_toy_genres(n_per_class=2, n_classes=3, duration=0.5, random_state=0,
    ...                     path=root)
    >>> gtzan = load_gtzan(root)
    >>> gtzan.target_names, gtzan.target.tolist()
    (['blues', 'classical', 'country'], [0, 0, 1, 1, 2, 2])
    >>> gtzan.artists[:2].tolist()
    ['John Lee Hooker', 'John Lee Hooker']
    >>> X, y = load_gtzan(root, genres=["country"], return_X_y=True)
    >>> [x.split("genres")[-1].replace("\\\\", "/") for x in X], y.tolist()
    (['/country/country.00000.wav', '/country/country.00001.wav'], [0, 0])
    """
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"GTZAN root {str(root)!r} is not a directory")
    base, found, strays = _find_layout(root)

    if genres is None:
        names = sorted(found)
    else:
        genres = [str(g) for g in genres]
        if not genres:
            raise ValueError(
                f"genres is empty: name at least one of {sorted(found)}, or pass None for "
                "all of them"
            )
        bad = [g for g in genres if g not in found]
        if bad:
            raise ValueError(
                f"genres {bad} not found under {str(base)!r}; available: {sorted(found)}"
            )
        names = sorted(set(genres))
    # Audio that is not a clip of its folder's genre is left out, but not silently: a
    # copy whose mislabelled clips were moved to their right genres loses them here.
    left_out = [p for folder, paths in strays.items()
                if folder in names or (genres is None and folder not in found)
                for p in paths]
    if left_out:
        shown = ", ".join(repr(str(Path(p).relative_to(base))) for p in left_out[:5])
        more = f" and {len(left_out) - 5} more" if len(left_out) > 5 else ""
        warnings.warn(
            f"{len(left_out)} audio file(s) under {str(base)!r} are not named as a clip of "
            f"their folder's genre (<genre>/<genre>.<number>.<ext>) and were left out: "
            f"{shown}{more}. load_genre_folders labels every file by its folder, whatever "
            "its name.",
            UserWarning,
            stacklevel=3,
        )

    clips = [(g, stem, found[g][stem]) for g in names for stem in sorted(found[g])]
    if not check_files:
        clips = [(g, stem, paths[0]) for g, stem, paths in clips]

    clip_split = None
    if split is not None:
        wanted = [split] if isinstance(split, str) else list(split)
        bad = [s for s in wanted if s not in SPLITS]
        if bad or not wanted:
            raise ValueError(f"split must be one of {SPLITS} or a list of them; got {split!r}")
        lists = load_gtzan_split_lists()
        listed = {}
        for s in dict.fromkeys(wanted):
            for entry in lists[s]:
                genre, name = entry.split("/")
                if genre in names:
                    listed[os.path.splitext(name)[0]] = s
        have = {stem for _, stem, _ in clips}
        missing = sorted(stem for stem in listed if stem not in have)
        clips = [c for c in clips if c[1] in listed]
        if not clips:
            raise DatasetError(
                f"none of the {len(listed)} clips of split {split!r} is under {str(base)!r}"
            )
        if missing:
            shown = ", ".join(missing[:20]) + (f" and {len(missing) - 20} more" if len(missing) > 20 else "")
            warnings.warn(
                f"{len(missing)} clip(s) of split {split!r} are missing under {str(base)!r} "
                f"and were left out: {shown}",
                BrokenFilesWarning,
                stacklevel=3,
            )
        clip_split = {stem: listed[stem] for _, stem, _ in clips}

    if check_files:
        check = _undecodable_reason if check_files == "decode" else _unreadable_reason
        chosen, broken, n_lost = [], [], 0
        for g, stem, paths in clips:
            path, failed = _first_usable(paths, check)
            broken += failed
            if path is None:
                n_lost += 1
            else:
                chosen.append((g, stem, path))
        if not chosen:
            # Nothing to train or test on: an error, not an empty data set.
            shown = "; ".join(f"{path}: {why}" for path, why in broken[:3])
            more = f" (and {len(broken) - 3} more)" if len(broken) > 3 else ""
            raise DatasetError(
                f"none of the {len(clips)} GTZAN files under {str(base)!r} can be read: "
                f"{shown}{more}"
            )
        if broken:
            used = {stem: path for _, stem, path in chosen}
            listing = "\n".join(
                f"  {path}: {why}" + (f" (read from {os.path.basename(used[stem])} instead)"
                                      if (stem := Path(path).stem) in used else "")
                for path, why in broken
            )
            warnings.warn(
                f"{len(broken)} GTZAN file(s) cannot be read; {n_lost} of {len(clips)} clips "
                f"were left out:\n{listing}",
                BrokenFilesWarning,
                stacklevel=3,
            )
        clips = chosen

    index = {g: i for i, g in enumerate(names)}
    filenames = np.array([path for _, _, path in clips], dtype=str)
    target = np.array([index[g] for g, _, _ in clips], dtype=np.int64)
    if return_X_y:
        return filenames, target
    from ._artists import gtzan_artist_groups

    bunch = Bunch(
        filenames=filenames,
        target=target,
        target_names=names,
        artists=gtzan_artist_groups([stem for _, stem, _ in clips]),
        synthetic=is_toy_folder(root, base),
        DESCR=DESCR,
    )
    if clip_split is not None:
        bunch.split = np.array([clip_split[stem] for _, stem, _ in clips], dtype=str)
    return bunch
