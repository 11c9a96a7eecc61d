"""A seeded, SYNTHETIC labelled audio set that stands in for GTZAN in demos, docs and tests.

The clips are generated, not recorded: nothing here is real music. Classes borrow GTZAN's
genre names only so that the rest of skgenre (and its users' code) can treat the toy set
exactly like GTZAN, including its folder layout on disk.
"""

import io
import os
from numbers import Integral, Real
from pathlib import Path

import numpy as np
from scipy.fft import irfft, next_fast_len, rfft
from sklearn.utils import Bunch, check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from .._errors import OutputError
from ..utils import check_seed

__all__ = ["make_toy_genres"]

GTZAN_GENRES = (
    "blues", "classical", "country", "disco", "hiphop",
    "jazz", "metal", "pop", "reggae", "rock",
)  # fmt: skip

# Chord shapes (semitones above the root; four voices each).
_CHORDS = {
    "major": (0, 4, 7, 12),
    "minor": (0, 3, 7, 12),
    "dom7": (0, 4, 7, 10),
    "min7": (0, 3, 7, 10),
    "maj7": (0, 4, 7, 11),
    "power": (0, 7, 12, 19),
}
_CHORD_NAMES = tuple(_CHORDS)
_CHORD_TABLE = np.array([_CHORDS[c] for c in _CHORD_NAMES])

# Chord progressions (root movement in semitones, one entry per chord, cycled).
_PROGRESSIONS = np.array(
    [[0, 5, 7, 5], [0, 7, 9, 5], [0, 0, 5, 7], [0, 9, 5, 7], [0, 5, 0, 7], [0, 3, 5, 3]]
)


def _steps(*hits):
    """A 16-step (sixteenth-note) pattern over one 4/4 bar with weight 1 on ``hits``."""
    p = np.zeros(16)
    p[list(hits)] = 1.0
    return p


# One row per genre. Each class is a distribution, not a template: every clip draws its
# own tempo, brightness, key, chords, loudness and noise around these centres, so the
# classes overlap and a classifier has something to learn.
#   bpm: tempo; kick/snare/hat: 16-step drum patterns; perc: drum level against the
#   harmony; swing: delay of off-beat sixteenths (fraction of a step); harmonics/tilt:
#   timbre (number of partials, spectral slope: low tilt is bright); decay: note decay
#   time (s); strum/strum_offset: the voices are struck every ``strum`` beats, shifted by
#   ``strum_offset`` beats; drive: distortion; chords: preferred chord shapes; root: MIDI key centre;
#   beats_per_chord: harmonic rhythm; noise_alpha/noise: colour (0 white, 1 pink,
#   2 brown) and level of the background noise.
_CLASSES = {
    "blues": dict(strum=1.0, strum_offset=0.0, bpm=76, kick=_steps(0, 8), snare=_steps(4, 12), hat=_steps(0, 3, 4, 7, 8, 11, 12, 15),
                  perc=0.6, swing=0.33, harmonics=6, tilt=1.2, decay=0.6, drive=1.5,
                  chords=("dom7",), root=52, beats_per_chord=4, noise_alpha=1.0, noise=0.05),
    "classical": dict(strum=8.0, strum_offset=0.0, bpm=70, kick=_steps(), snare=_steps(), hat=_steps(),
                      perc=0.0, swing=0.0, harmonics=4, tilt=2.0, decay=2.5, drive=0.0,
                      chords=("major", "minor"), root=62, beats_per_chord=8, noise_alpha=1.5, noise=0.02),
    "country": dict(strum=1.0, strum_offset=0.0, bpm=108, kick=_steps(0, 8), snare=_steps(4, 12), hat=_steps(0, 2, 4, 6, 8, 10, 12, 14),
                    perc=0.5, swing=0.1, harmonics=8, tilt=1.0, decay=0.3, drive=0.0,
                    chords=("major",), root=55, beats_per_chord=4, noise_alpha=1.0, noise=0.03),
    "disco": dict(strum=0.5, strum_offset=0.0, bpm=120, kick=_steps(0, 4, 8, 12), snare=_steps(4, 12), hat=_steps(2, 6, 10, 14),
                  perc=0.9, swing=0.0, harmonics=5, tilt=1.4, decay=0.4, drive=0.0,
                  chords=("min7", "maj7"), root=57, beats_per_chord=2, noise_alpha=0.5, noise=0.03),
    "hiphop": dict(strum=2.0, strum_offset=0.0, bpm=90, kick=_steps(0, 3, 10), snare=_steps(4, 12), hat=_steps(*range(0, 16, 2)),
                   perc=1.0, swing=0.25, harmonics=3, tilt=2.0, decay=0.8, drive=0.0,
                   chords=("minor", "min7"), root=45, beats_per_chord=8, noise_alpha=2.0, noise=0.05),
    "jazz": dict(strum=1.0, strum_offset=0.33, bpm=140, kick=_steps(0), snare=_steps(7, 15), hat=_steps(0, 4, 7, 8, 12, 15),
                 perc=0.4, swing=0.33, harmonics=5, tilt=1.6, decay=0.5, drive=0.0,
                 chords=("maj7", "min7", "dom7"), root=55, beats_per_chord=2, noise_alpha=1.0, noise=0.04),
    "metal": dict(strum=0.5, strum_offset=0.0, bpm=165, kick=_steps(*range(0, 16, 2)), snare=_steps(4, 12), hat=_steps(*range(16)),
                  perc=0.8, swing=0.0, harmonics=10, tilt=0.7, decay=1.5, drive=6.0,
                  chords=("power",), root=40, beats_per_chord=2, noise_alpha=0.0, noise=0.08),
    "pop": dict(strum=1.0, strum_offset=0.0, bpm=115, kick=_steps(0, 6, 8), snare=_steps(4, 12), hat=_steps(*range(0, 16, 2)),
                perc=0.7, swing=0.0, harmonics=6, tilt=1.3, decay=0.7, drive=0.0,
                chords=("major", "minor"), root=60, beats_per_chord=4, noise_alpha=1.0, noise=0.03),
    "reggae": dict(strum=1.0, strum_offset=0.5, bpm=74, kick=_steps(8), snare=_steps(8), hat=_steps(2, 6, 10, 14),
                   perc=0.7, swing=0.1, harmonics=5, tilt=1.4, decay=0.15, drive=0.0,
                   chords=("major", "minor"), root=55, beats_per_chord=4, noise_alpha=1.0, noise=0.04),
    "rock": dict(strum=1.0, strum_offset=0.0, bpm=126, kick=_steps(0, 8, 10), snare=_steps(4, 12), hat=_steps(*range(0, 16, 2)),
                 perc=0.8, swing=0.0, harmonics=8, tilt=0.9, decay=1.0, drive=3.0,
                 chords=("power", "major"), root=45, beats_per_chord=4, noise_alpha=0.5, noise=0.06),
}  # fmt: skip

_TABLE_SIZE = 2048
# The highest sample rate each written format takes: FLAC's own limit, and the highest
# that libvorbis has an encoder setup for (above it, libsndfile 1.2's Vorbis writer
# crashes the interpreter instead of failing).
_MAX_FILE_SR = {"flac": 655_350, "ogg": 200_000}
_CHUNK_SAMPLES = 1 << 21  # audio samples synthesised per vectorised batch (bounds memory)

DESCR = """\
.. _toy_genres_dataset:

SYNTHETIC toy genre data set (NOT real music)
---------------------------------------------

Every clip is generated by :func:`skgenre.datasets.make_toy_genres` from a seed. The
classes carry GTZAN's genre names (``blues``, ``classical``, ...) only so that the rest of
skgenre treats the set like GTZAN (same names, same folder layout on disk); the audio is
synthetic and says nothing about those genres. Use it for demos, documentation and tests,
never to report results about music.

Each class is a distribution over:

- tempo: drum hits (kick, snare, hi-hat) on a class-specific 16-step pattern at a class
  tempo, with per-clip tempo variation (about 6 %), swing and per-hit timing jitter;
- timbre: number of partials and spectral tilt (brightness) of the harmonic voices, note
  decay time, distortion, and the colour (white to brown) and level of background noise;
- harmony: preferred chord shapes (major, minor, seventh, power chords), key centre and
  harmonic rhythm, with a random key, progression and (sometimes) a foreign chord shape
  per clip.

Per-clip randomness (loudness, mix levels, brightness, key, chords, noise) makes the
classes overlap: a good model on good features reaches high, not necessarily perfect,
accuracy.

**Data Set Characteristics:**

:Number of Instances: ``n_per_class * n_classes``
:Number of Classes: ``n_classes`` (at most 10)
:Audio: mono float32 at ``sr`` Hz, ``duration`` seconds each, peak amplitude below 1
"""


def _synth_chunk(rng, params, n_samples, sr):
    """Synthesise one batch of clips; ``params`` holds one entry per clip."""
    B, L = len(params["bpm"]), n_samples
    T = _TABLE_SIZE
    # float32 throughout the per-sample work: positions stay exact far beyond 30 s of
    # audio, and wavetable phases lose at most a couple of table steps (inaudible here).
    n = np.arange(L, dtype=np.float32)

    # Harmony: four voices through a per-clip wavetable (sum of partials with the clip's
    # spectral tilt), re-attacked at every chord change.
    seg_len = params["beats_per_chord"] * 60.0 / params["bpm"] * sr
    pos = n[None, :] + rng.uniform(0, seg_len).astype(np.float32)[:, None]
    k = np.floor(pos * (1.0 / seg_len).astype(np.float32)[:, None])
    t_seg = pos - k * seg_len.astype(np.float32)[:, None]
    np.maximum(t_seg, 0, out=t_seg)
    t_seg *= np.float32(1.0 / sr)  # seconds since the chord started
    # The voices are struck again every ``strum`` beats (shifted by ``strum_offset``
    # beats: reggae's off-beat skank); the phase runs on, so re-strikes do not click.
    beat = 60.0 / params["bpm"] * sr
    strum_len = (params["strum"] * beat).astype(np.float32)[:, None]
    pos -= (params["strum_offset"] * beat).astype(np.float32)[:, None]
    t_strum = pos - np.floor(pos / strum_len) * strum_len
    del pos
    np.maximum(t_strum, 0, out=t_strum)
    t_strum *= np.float32(1.0 / sr)
    n_seg = int(np.ceil(L / seg_len.min())) + 2
    prog = _PROGRESSIONS[params["progression"]]  # (B, 4)
    root_seg = params["root"][:, None] + prog[:, np.arange(n_seg) % 4]  # (B, n_seg)
    # root frequency of each chord, in wavetable steps per second
    root_rate = (440.0 * 2.0 ** ((root_seg - 69) / 12.0) * T).astype(np.float32)
    steps = np.take_along_axis(root_rate, k.astype(np.intp), axis=1)
    del k
    steps *= t_seg  # wavetable position of the root voice
    chord = _CHORD_TABLE[params["chord"]]  # (B, 4) semitones above the root
    ratios = (2.0 ** (chord / 12.0)).astype(np.float32)
    f_max = 440.0 * 2.0 ** ((params["root"] + prog.max(1) + chord.max(1) - 69) / 12.0)
    harmonics = np.minimum(params["harmonics"], np.floor(0.45 * sr / f_max)).clip(1, None)
    h = np.arange(1, 17)
    amps = h[None, :] ** -params["tilt"][:, None] * (h[None, :] <= harmonics[:, None])
    grid = np.arange(T) / T
    tables = (amps @ np.sin(2 * np.pi * h[:, None] * grid[None, :])).astype(np.float32)
    tables /= np.abs(tables).max(axis=1, keepdims=True)
    flat_tables = tables.ravel()
    base = (np.arange(B, dtype=np.int32) * T)[:, None]
    harm = np.zeros((B, L), dtype=np.float32)
    for j in range(4):
        idx = (steps * ratios[:, j : j + 1]).astype(np.int32)
        idx &= T - 1  # T is a power of two: wrap the phase
        idx += base
        harm += flat_tables[idx]
    del steps, idx
    del t_seg
    env = np.exp(-t_strum / params["decay"].astype(np.float32)[:, None])
    env *= 1.0 - np.exp(-t_strum * np.float32(100.0))  # 10 ms attack
    harm *= env
    del env, t_strum
    for b in np.flatnonzero(params["drive"] > 0.1):
        d = np.float32(params["drive"][b])
        harm[b] = np.tanh(harm[b] * d) / np.tanh(d)

    # Drums and background noise share one inverse FFT: sum of (impulse train x drum
    # kernel) spectra plus coloured noise spectrum.
    n_fft = next_fast_len(L + int(0.25 * sr), real=True)
    freqs = np.fft.rfftfreq(n_fft, 1.0 / sr)
    kt = np.arange(int(0.25 * sr)) / sr
    kernels = {
        "kick": np.sin(2 * np.pi * (50 * kt + 60 * 0.03 * (1 - np.exp(-kt / 0.03)))) * np.exp(-kt / 0.08),
        "snare": rng.standard_normal(len(kt)) * np.exp(-kt / 0.06) + 0.5 * np.sin(2 * np.pi * 190 * kt) * np.exp(-kt / 0.05),
        "hat": np.diff(rng.standard_normal(len(kt) + 1)) * np.exp(-kt / 0.015) * 0.6,
    }  # fmt: skip
    spectrum = np.zeros((B, len(freqs)), dtype=np.complex64)
    step = 60.0 / params["bpm"] * sr / 4  # samples per sixteenth note
    n_steps = int(np.ceil(L / step.min())) + 16
    s = np.arange(n_steps)
    onset0 = rng.uniform(0, 16 * step)
    times = s[None, :] * step[:, None] - onset0[:, None]
    times += (s[None, :] % 2) * (params["swing"] * step)[:, None]
    rows = np.repeat(np.arange(B), n_steps)
    for voice, kernel in kernels.items():
        weights = params[voice][:, s % 16] * params["perc"][:, None]
        if not weights.any():
            continue
        jitter = rng.normal(0, 0.006 * sr, size=times.shape)
        at = np.rint(times + jitter).astype(np.int64)
        amp = weights * rng.uniform(0.6, 1.0, size=weights.shape)
        keep = (at >= 0) & (at < L) & (amp > 0)
        train = np.zeros((B, n_fft), dtype=np.float32)
        np.add.at(train, (rows[keep.ravel()], at.ravel()[keep.ravel()]), amp.ravel()[keep.ravel()])
        spectrum += rfft(train, axis=1) * rfft(kernel.astype(np.float32), n_fft)[None, :]
    # White noise straight in the frequency domain (the rfft of real white noise of unit
    # variance has independent complex Gaussian bins of mean power n_fft), saving an FFT.
    white = np.empty((B, len(freqs)), dtype=np.complex64)
    white.real = rng.standard_normal((B, len(freqs)), dtype=np.float32)
    white.imag = rng.standard_normal((B, len(freqs)), dtype=np.float32)
    white *= np.float32(np.sqrt(n_fft / 2))
    shape = np.maximum(freqs, 20.0)[None, :] ** (-params["noise_alpha"][:, None] / 2)
    shape /= np.sqrt((shape**2).mean(axis=1, keepdims=True))
    white *= (shape * params["noise"][:, None]).astype(np.float32)
    spectrum += white
    del white, shape
    rest = irfft(spectrum, n_fft, axis=1)[:, :L].astype(np.float32)
    del spectrum

    harm_rms = np.sqrt((harm**2).mean(axis=1, keepdims=True)) + 1e-6
    x = harm * (params["harm_gain"][:, None] / harm_rms).astype(np.float32) + rest
    x *= (params["peak"] / (np.abs(x).max(axis=1) + 1e-9))[:, None].astype(np.float32)
    return x


def _draw_params(rng, classes, n_per_class):
    """Per-clip synthesis parameters around each class's centre."""
    rows = [(_CLASSES[c], i) for i, c in enumerate(classes) for _ in range(n_per_class)]
    N = len(rows)
    get = lambda key: np.array([c[key] for c, _ in rows], dtype=float)  # noqa: E731
    lognormal = lambda sigma: np.exp(rng.normal(0.0, sigma, N))  # noqa: E731
    preferred = [[_CHORD_NAMES.index(ch) for ch in c["chords"]] for c, _ in rows]
    chord = np.array([p[rng.integers(len(p))] for p in preferred])
    foreign = rng.random(N) < 0.2  # sometimes a chord shape from outside the class
    chord[foreign] = rng.integers(len(_CHORD_NAMES), size=foreign.sum())
    params = {
        "bpm": get("bpm") * lognormal(0.06),
        "kick": np.stack([c["kick"] for c, _ in rows]),
        "snare": np.stack([c["snare"] for c, _ in rows]) * 0.8,
        "hat": np.stack([c["hat"] for c, _ in rows]) * 0.5,
        "perc": get("perc") * lognormal(0.35),
        "swing": np.clip(get("swing") + rng.normal(0, 0.05, N), 0, 0.5),
        "harmonics": np.clip(np.rint(get("harmonics") + rng.normal(0, 1.0, N)), 1, 16),
        "tilt": np.clip(get("tilt") + rng.normal(0, 0.25, N), 0.3, 3.0),
        "decay": get("decay") * lognormal(0.3),
        "drive": get("drive") * lognormal(0.3),
        "chord": chord,
        "root": (get("root") + rng.integers(-5, 6, N)).astype(np.int64),
        "progression": rng.integers(len(_PROGRESSIONS), size=N),
        "beats_per_chord": get("beats_per_chord"),
        "strum": get("strum"),
        "strum_offset": get("strum_offset"),
        "noise_alpha": np.clip(get("noise_alpha") + rng.normal(0, 0.3, N), 0, 2.5),
        "noise": get("noise") * lognormal(0.5),
        "harm_gain": lognormal(0.25),
        "peak": rng.uniform(0.3, 0.95, N),
    }
    target = np.array([i for _, i in rows], dtype=np.int64)
    return params, target


@validate_params(
    {
        "n_per_class": [Interval(Integral, 1, None, closed="left")],
        "n_classes": [Interval(Integral, 1, len(GTZAN_GENRES), closed="both")],
        "duration": [Interval(Real, 0, None, closed="neither")],
        "sr": [Interval(Integral, 4000, None, closed="left")],
        "random_state": ["random_state"],
        "path": [str, os.PathLike, None],
        "format": [StrOptions({"wav", "flac", "au", "ogg"})],
    },
    prefer_skip_nested_validation=True,
)
def make_toy_genres(
    n_per_class=10, n_classes=4, duration=6.0, sr=22050, random_state=None, path=None,
    format="wav",
):
    """Generate a SYNTHETIC labelled audio set that looks like GTZAN to skgenre.

    .. warning::
       The audio is synthetic, not music. The classes carry GTZAN's genre names only so
       that the rest of skgenre treats the set like GTZAN; results on it say nothing about
       real genres. Use it for demos, documentation and tests.

    Classes differ in tempo (kick/snare/hi-hat patterns at a class tempo with jitter and
    swing), timbre (partials, spectral tilt, note decay, distortion, noise colour) and
    harmony (chord shapes, key centre, harmonic rhythm). Every clip draws its own tempo,
    brightness, key, chords, loudness and noise around its class's values, so the classes
    overlap: the task is learnable but not trivial. Generation is vectorised
    (1000 clips of 6 s take seconds, not minutes).

    Parameters
    ----------
    n_per_class : int, default=10
        Clips per class.
    n_classes : int, default=4
        Number of classes, 1 to 10; the first ``n_classes`` GTZAN genre names in sorted
        order (``blues``, ``classical``, ``country``, ``disco``, ``hiphop``, ``jazz``,
        ``metal``, ``pop``, ``reggae``, ``rock``) name them.
    duration : float, default=6.0
        Length of every clip in seconds (at least one sample, ``1 / sr``).
    sr : int, default=22050
        Sample rate in Hz (at least 4000).
    random_state : int, RandomState instance or None, default=None
        Seed; the same seed gives identical clips.
    path : str, os.PathLike or None, default=None
        If given, also write the clips in GTZAN's layout,
        ``path/genres/<genre>/<genre>.000NN.<format>`` (16-bit PCM; Vorbis for ``ogg``),
        readable by :func:`~skgenre.datasets.load_gtzan`, and a file
        ``path/SKGENRE_SYNTHETIC.txt`` that marks the folder as synthetic (``skgenre
        train`` and ``skgenre reproduce`` flag results on it as such). In a folder that
        an earlier call wrote (it has that file), files of the same names are
        overwritten; a folder without it that holds any of them (a GTZAN copy) is
        refused with an :class:`~skgenre.OutputError` before any work. Other files are
        left alone.
    format : {"wav", "flac", "au", "ogg"}, default="wav"
        File format when ``path`` is given; ``flac`` takes ``sr`` up to 655350 Hz and
        ``ogg`` up to 200000 Hz.

    Returns
    -------
    data : Bunch
        Dictionary-like object with attributes:

        data : ndarray of shape (n_per_class * n_classes,) of object
            The waveforms (the container of :class:`~skgenre.AudioLoader`): 1-D float32
            arrays of ``round(duration * sr)`` samples, grouped by class in target order.
            When files are written these are the unquantised waveforms.
        target : ndarray of shape (n_per_class * n_classes,), dtype int64
            Class index of each clip.
        target_names : list of str
            Class names (sorted GTZAN genre names).
        sr : int
            Sample rate.
        filenames : ndarray of str
            Paths of the written files, aligned with ``data`` (only when ``path`` is given).
        DESCR : str
            Description of the (synthetic) data set.

    Examples
    --------
    >>> from skgenre.datasets import make_toy_genres
    >>> toy = make_toy_genres(n_per_class=3, n_classes=2, duration=1.0, random_state=0)
    >>> toy.data.shape, toy.data[0].shape, toy.data[0].dtype
    ((6,), (22050,), dtype('float32'))
    >>> toy.target.tolist(), toy.target_names
    ([0, 0, 0, 1, 1, 1], ['blues', 'classical'])

    Written to disk in GTZAN's layout:

    >>> import tempfile
    >>> toy = make_toy_genres(n_per_class=1, n_classes=2, duration=0.5, random_state=0,
    ...                       path=tempfile.mkdtemp())
    >>> [f.split("genres")[-1].replace("\\\\", "/") for f in toy.filenames]
    ['/blues/blues.00000.wav', '/classical/classical.00000.wav']
    """
    n_samples = int(round(duration * sr))
    if n_samples < 1:
        raise ValueError(
            f"duration={duration!r} s at sr={sr} Hz is {duration * sr:.3g} samples, which "
            f"rounds to none; use a duration of at least one sample, {1 / sr:.3g} s."
        )
    if path is not None and sr > _MAX_FILE_SR.get(format, sr):
        raise ValueError(
            f"sr={sr} Hz cannot be written as format={format!r}, which takes at most "
            f"{_MAX_FILE_SR[format]} Hz; use a lower sr, or format='wav'."
        )
    classes = list(GTZAN_GENRES[:n_classes])
    if path is not None:
        _check_destination(Path(path), classes, n_per_class, format)
    rng = np.random.default_rng(check_seed(check_random_state(random_state)))
    params, target = _draw_params(rng, classes, n_per_class)
    N = len(target)
    batch = max(1, min(N, _CHUNK_SAMPLES // max(n_samples, 1)))
    data = np.empty(N, dtype=object)
    for start in range(0, N, batch):
        sl = slice(start, min(start + batch, N))
        chunk = _synth_chunk(rng, {k: v[sl] for k, v in params.items()}, n_samples, sr)
        for i, row in enumerate(chunk, start):
            data[i] = np.ascontiguousarray(row)
    bunch = Bunch(data=data, target=target, target_names=classes, sr=int(sr), DESCR=DESCR)
    if path is not None:
        bunch.filenames = _write_gtzan_layout(Path(path), data, target, classes, sr, format)
    return bunch


#: The file that marks a folder written by ``make_toy_genres(path=...)`` as synthetic: its
#: GTZAN names and layout must not pass it off as GTZAN (``skgenre train`` and
#: ``reproduce`` flag its results as synthetic).
TOY_MARKER = "SKGENRE_SYNTHETIC.txt"


def is_toy_folder(root, base):
    """Whether ``make_toy_genres(path=...)`` wrote the data folder ``root`` (whose genre
    folders are in ``base``): its marker file in either, or in ``base``'s parent."""
    base = Path(base)
    return any((d / TOY_MARKER).is_file() for d in (Path(root), base, base.parent))


def _clip_path(root, genre, number, format):
    return root / "genres" / genre / f"{genre}.{number:05d}.{format}"


def _check_destination(root, classes, n_per_class, format):
    """Refuse, before any synthesis, a ``path`` whose files would be lost.

    The toy set has GTZAN's names: pointed at a GTZAN copy, it would replace real clips
    with synthetic ones and mark the whole folder synthetic. Its own earlier output
    (marked) may be overwritten.
    """
    if root.exists() and not root.is_dir():
        raise OutputError(root, "it is a file, not a folder")
    if (root / TOY_MARKER).is_file():
        return
    taken = [q for g in classes for i in range(n_per_class)
             if (q := _clip_path(root, g, i, format)).exists() or q.is_symlink()]
    if taken:
        raise OutputError(
            root,
            f"it holds {len(taken)} file(s) of the names this call writes (e.g. "
            f"{taken[0].relative_to(root).as_posix()!r}) and is not a folder written by "
            f"make_toy_genres (no {TOY_MARKER}): synthetic clips must not replace "
            "recordings. Choose an empty or new folder."
        )


def _write_gtzan_layout(root, data, target, classes, sr, format):
    import soundfile as sf

    root.mkdir(parents=True, exist_ok=True)
    (root / TOY_MARKER).write_text(
        "The audio in this folder is SYNTHETIC: generated by "
        "skgenre.datasets.make_toy_genres, laid out and named as GTZAN. It is not GTZAN; "
        "skgenre flags results on it as synthetic.\n",
        encoding="utf-8",
    )

    subtype = "VORBIS" if format == "ogg" else "PCM_16"
    counters = dict.fromkeys(classes, 0)
    filenames = []
    for x, t in zip(data, target):
        genre = classes[t]
        fn = _clip_path(root, genre, counters[genre], format)
        fn.parent.mkdir(parents=True, exist_ok=True)
        counters[genre] += 1
        # Encode in memory, then write plainly: closing a soundfile on disk fsyncs it,
        # which costs milliseconds per file and dominates writing many small clips.
        buf = io.BytesIO()
        sf.write(buf, np.clip(x, -1.0, 1.0), sr, subtype=subtype, format=format.upper())
        fn.write_bytes(buf.getvalue())
        filenames.append(str(fn))
    return np.array(filenames)
