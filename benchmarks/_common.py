"""What the benchmark scripts share, so that none imports another script's internals.

Importing it puts the checkout first on ``sys.path`` (the scripts run from a checkout
without installing skgenre) and keeps TensorFlow's start-up banners quiet. A script in
this folder imports it as ``import _common`` (Python puts the script's folder on the path).
"""

import contextlib
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SKGENRE_SHARED", ROOT.parent / "shared"))
GTZAN = SHARED / "data" / "gtzan"
#: The GTZAN feature table (30-s tracks) beside the checkout.
DEFAULT_CSV = GTZAN / "features_30_sec.csv"

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

__all__ = [
    "DEFAULT_CSV",
    "GTZAN",
    "ROOT",
    "bench_songs",
    "child_env",
    "feature_table_split",
    "limit_tf_threads",
    "log_var_columns",
    "naive26",
    "paired_gain",
    "run_pinned",
    "song_folder",
]


def limit_tf_threads(n):
    """Hold TensorFlow to ``n`` intra- and inter-op threads (before it has started)."""
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(n)
        tf.config.threading.set_inter_op_parallelism_threads(n)
    except RuntimeError:
        pass  # TF already initialized in this process


def log_var_columns(columns):
    """``log1p`` of the ``*_var`` columns of the feature table, the others passed through."""
    import numpy as np
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import FunctionTransformer

    var = [i for i, c in enumerate(columns) if c.endswith("_var")]
    return ColumnTransformer(
        [("log", FunctionTransformer(np.log1p), var)], remainder="passthrough"
    )


def feature_table_split(protocol, table, *, folds=5, seed=0, repeats=1):
    """The splits of the feature table for ``protocol`` and a line that describes them.

    ``"kfold"``: stratified k-fold, repeat ``r`` reshuffled with ``seed + r``;
    ``"filtered"``: Kereliuk & Sturm's filtered split, train+valid -> test;
    ``"filtered-dev"``: its development part, train -> valid.
    """
    import numpy as np
    from sklearn.model_selection import StratifiedKFold

    if protocol == "kfold":
        seeds = range(seed, seed + repeats)
        y = table["label"].to_numpy()
        cv = [
            split
            for s in seeds
            for split in StratifiedKFold(folds, shuffle=True, random_state=s).split(y, y)
        ]
        shown = f"seed {seed}" if repeats == 1 else f"seeds {seeds[0]}-{seeds[-1]}"
        return cv, f"{folds}-fold stratified CV ({shown}), {len(table)} tracks"
    from skgenre.datasets import load_gtzan_split_lists

    part_of = {
        entry.rsplit("/", 1)[-1]: part
        for part, entries in load_gtzan_split_lists().items()
        for entry in entries
    }
    part = table["filename"].map(part_of).to_numpy()
    train_parts = ("train",) if protocol == "filtered-dev" else ("train", "valid")
    test_part = "valid" if protocol == "filtered-dev" else "test"
    train = np.flatnonzero(np.isin(part, train_parts))
    test = np.flatnonzero(part == test_part)
    where = (
        f"filtered split (Kereliuk & Sturm): fit on {'+'.join(train_parts)} "
        f"({len(train)} tracks), test on {test_part} ({len(test)} tracks)"
    )
    return [(train, test)], where


def paired_gain(base, new, *, n_folds):
    """The mean gain of ``new`` over ``base``, scored on the same repeated k-fold splits,
    and its standard error corrected for the overlap of the training sets.

    Folds of repeated k-fold CV share most of their training tracks, so their scores are
    correlated and the plain standard error of the mean difference is too small. Nadeau &
    Bengio's corrected resampled t-test (Machine Learning 52, 2003) multiplies the variance
    of the per-fold differences by ``1/J + n_test/n_train`` (``J`` the number of folds in
    all, ``n_test/n_train = 1/(n_folds - 1)``) instead of ``1/J``.

    Returns ``(gain, standard_error)``.
    """
    import numpy as np

    d = np.asarray(new, dtype=float) - np.asarray(base, dtype=float)
    if d.ndim != 1 or len(d) < 2:
        raise ValueError(f"need the scores of at least 2 folds, got {len(d)}.")
    se = d.std(ddof=1) * np.sqrt(1 / len(d) + 1 / (n_folds - 1))
    return float(d.mean()), float(se)


def naive26(y, sr=22050, *, shared_stft=False):
    """The paper's 26 features computed with librosa: six STFTs per clip, one call each.

    ``shared_stft=True`` computes one STFT and hands it (its power, its dB mel spectrogram
    and the onset envelope) to every feature that can take it, so the two ways differ
    only in what each librosa call recomputes.
    """
    import librosa
    import numpy as np

    if shared_stft:
        S = np.abs(librosa.stft(y))
        P = S**2
        mel_db = librosa.power_to_db(librosa.feature.melspectrogram(S=P, sr=sr))
        env = librosa.onset.onset_strength(S=mel_db, sr=sr)
        tempo, mag, power, mel = {"onset_envelope": env}, {"S": S}, {"S": P}, {"S": mel_db}
    else:
        tempo = mag = power = mel = {"y": y}
    return np.r_[
        librosa.feature.tempo(**tempo, sr=sr)[0],
        librosa.feature.zero_crossing_rate(y).mean(),
        librosa.feature.spectral_centroid(**mag, sr=sr).mean(),
        librosa.feature.spectral_flatness(**mag).mean(),
        librosa.feature.chroma_stft(**power, sr=sr).mean(),
        librosa.feature.spectral_contrast(**mag, sr=sr).mean(),
        librosa.feature.mfcc(**mel, sr=sr).mean(axis=-1),
    ]


def require_folders(*folders):
    """Exit with one line naming the first of ``folders`` that is not there (the shared
    data are not part of the repository; a missing one is no reason for a traceback)."""
    for folder in folders:
        if not Path(folder).is_dir():
            raise SystemExit(f"needs {folder} (the shared data: ../shared/data beside the "
                             "checkout, or SKGENRE_SHARED); it is not there")


def song_folder(folder, *, n_per_class=100, duration=30.0, seed=0, tile=None):
    """A folder of genre folders with ``10 * n_per_class`` songs on disk; return its path.

    Without ``tile``: the synthetic toy set (``make_toy_genres``), 30-s 22050-Hz WAV files
    in GTZAN's layout. With ``tile`` (a folder of genre folders of real tracks, e.g. the
    GTZAN mini set): real music, each track written ``ceil(n_per_class / tracks)`` times,
    every copy rolled by another 3 s so that no two files hold the same samples, cut to
    ``duration`` seconds. A folder made by an earlier call with the same settings (its
    ``song_folder.json`` says which) is reused; one made with others is made again.
    """
    import shutil

    import numpy as np
    import soundfile as sf

    folder = Path(folder)
    n = 10 * n_per_class
    stamp = folder / "song_folder.json"
    settings = {"n_per_class": n_per_class, "duration": duration, "seed": seed,
                "tile": None if tile is None else os.path.abspath(tile)}
    if folder.is_dir():
        try:
            same = json.loads(stamp.read_text()) == settings
        except (OSError, ValueError):
            same = False
        if same and len(list(folder.rglob("*.wav"))) == n:
            return folder
        # other songs (or an interrupted run): a reused folder timed the wrong songs
        shutil.rmtree(folder)
    if tile is None:
        from skgenre.datasets import make_toy_genres

        make_toy_genres(n_per_class=n_per_class, n_classes=10, duration=duration,
                        random_state=seed, path=folder)
        stamp.write_text(json.dumps(settings))
        return folder
    from skgenre.datasets import load_genre_folders
    from skgenre.io import load_audio

    require_folders(tile)
    data = load_genre_folders(tile)
    if len(data.target_names) != 10:
        raise SystemExit(f"--tile needs 10 genre folders, found {len(data.target_names)}")
    sr, length = 22050, int(duration * 22050)
    for g, genre in enumerate(data.target_names):
        tracks = data.filenames[data.target == g]
        (folder / genre).mkdir(parents=True, exist_ok=True)
        for k in range(n_per_class):
            wave = load_audio(tracks[k % len(tracks)], sr=sr)
            wave = np.resize(np.roll(wave, -3 * sr * (k // len(tracks))), length)
            sf.write(folder / genre / f"{genre}.{k:05d}.wav", wave, sr, subtype="PCM_16")
    stamp.write_text(json.dumps(settings))
    return folder


@contextlib.contextmanager
def bench_songs(workdir, *, tile=None, **song_params):
    """The songs of a benchmark, in ``workdir`` (created, kept) or in a temporary folder.

    A context manager that yields ``(work, data)``: the working folder, and the song folder
    that :func:`song_folder` made in it (``tiled`` with ``tile``, else ``toy``). A temporary
    folder is removed on exit.
    """
    import tempfile

    with contextlib.ExitStack() as stack:
        if workdir is None:
            tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="skgenre-bench-"))
            work = Path(tmp)
        else:
            work = Path(workdir)
            work.mkdir(parents=True, exist_ok=True)
        yield work, song_folder(work / ("tiled" if tile else "toy"), tile=tile, **song_params)


def child_env(env=None):
    """The environment for a child process that runs this checkout's skgenre."""
    env = dict(os.environ if env is None else env)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def run_pinned(cmd, *, cpus=2, env=None, stdout=None):
    """Run ``cmd`` pinned to the first ``cpus`` cores (0: not pinned); measure it.

    Returns a dict: ``returncode``, ``wall_s``, ``cpu_s`` (user+sys of the child and its
    workers: on a busy machine the steadier number), ``max_rss_mb`` (peak resident memory
    of the largest child process, from ``getrusage``) and ``cores``.
    """
    env = child_env(env)
    pinned = None
    if cpus > 0 and hasattr(os, "sched_setaffinity"):
        pinned = set(sorted(os.sched_getaffinity(0))[:cpus])

    def pin():
        # TensorFlow sizes its thread pools from the affinity mask it starts with.
        if pinned:
            os.sched_setaffinity(0, pinned)

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, preexec_fn=pin, stdout=stdout)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "returncode": proc.returncode,
        "wall_s": round(wall, 2),
        "cpu_s": round(
            (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), 2
        ),
        # ru_maxrss is in kB on Linux and the maximum over all children so far
        "max_rss_mb": round(after.ru_maxrss / 1024, 1),
        "cores": len(pinned) if pinned else os.cpu_count(),
    }
