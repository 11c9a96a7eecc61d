"""Honest whole-song answers: what each song must pass before it gets a genre.

A classifier gives some genre for any input, also for a single sample, digital silence or a
file whose header is nonsense; such a genre is confidently wrong. These checks run per song
in :func:`~skgenre.predict_songs` (and so in ``skgenre predict``); a song that fails one
gets an error instead of a genre, a song that passes with a caveat gets a warning next to
its genre, and a failure of the model on one song is that song's error, not the batch's.

=============================================  =========================================
input                                          outcome
=============================================  =========================================
not a regular file (FIFO, socket, device)      error, without opening it (no blocking)
a skgenre model file given as a song           error: the arguments look swapped
header sample rate above 1 MHz                 error: implausible header
header with more than 64 channels              error: implausible header
NaN or infinity after decoding                 error
audio shorter than 10 % of one clip            error: too short to tell a genre
peak level below -80 dBFS (e.g. all zeros)     error: silence has no genre
samples beyond +-1000 (far outside [-1, 1])    error: not audio-scaled
noise: white, pink, brown (any level)          error: "white noise: flat spectrum, ..."
a steady tone: sine, multi-tone, square wave   error: a steady test tone
a sine sweep or gliding tone                   error: one pure frequency at a time
clicks or impulse trains, silence between      error: clicks or impulses
a DC offset with nothing audible on it         error: a DC offset
loud parts below -60 dBFS (e.g. -80 dBFS hiss) error: near silence
audio shorter than one clip                    warning: padded to one clip
samples beyond +-1 (up to 1000)                warning: over full scale
longer than ``max_duration`` (default 600 s)   warning: only the first part is judged
the model fails on one song                    error for that song only
=============================================  =========================================

The six content rows (``screen=True``, the default of ``predict_songs``; ``--no-screen``
in ``skgenre predict`` turns them off) judge what the signal is, not a threshold on one
number: see :mod:`skgenre.inference._content` for the measures and rules, and
``benchmarks/bench_screen.py`` for what they give on 300 real tracks and 50 garbage files.
Their errors end with how to judge the song anyway.
"""

import os
import stat

import numpy as np

from .._errors import AudioContentError, AudioLoadError
from ..io._decode import _MAX_CHANNELS, _MAX_FILE_SR
from ._content import content_features, content_reason

__all__ = ["header_duration", "limit_note", "screen_path", "screen_waveform"]

# Header values no real recording has: the loader refuses them too.
MAX_HEADER_SR = _MAX_FILE_SR
MAX_HEADER_CHANNELS = _MAX_CHANNELS
# A song whose audio fills less than this fraction of one clip would be judged on padding.
MIN_CLIP_FRACTION = 0.1
# -80 dBFS: below the dither of 16-bit audio; nothing a listener could hear.
SILENCE_PEAK = 1e-4
# Decoded audio lies in [-1, 1]; floats a little over full scale happen (clipping in
# float files), but values in the thousands are integer samples that were never scaled
# (or garbage), and values near 1e17 overflow the features to infinity.
MAX_PEAK = 1000.0

# What to do when the content screen is wrong about a song.
CONTENT_HINT = (
    " (if it is music, judge it anyway: screen=False in predict_songs, "
    "--no-screen in skgenre predict)"
)

_MODEL_MAGIC = (b"PK\x03\x04",)


def _file_kind(mode):
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    return "not a regular file"


def _looks_like_model(path):
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError:
        return False
    if head.startswith(_MODEL_MAGIC):
        return b"skgenre-model.json" in head
    # joblib envelope of skgenre (uncompressed) or any pickle named *.joblib/*.pkl
    return head[:1] == b"\x80" and os.path.splitext(path)[1].lower() in (".joblib", ".pkl", ".pickle")


def screen_path(item):
    """Check a path before it is decoded; return ``(path as str, error or None)``.

    ``bytes`` paths are decoded with :func:`os.fsdecode`. A path that exists but is not a
    regular file is refused without being opened (reading a FIFO would block); a skgenre
    model file is refused with a hint that the arguments are swapped; a header with an
    implausible sample rate or channel count is refused. Missing files and decoding faults
    are left to the loader, which names them.

    Examples
    --------
    >>> import os, tempfile
    >>> from skgenre.inference._screen import screen_path
    >>> fifo = os.path.join(tempfile.mkdtemp(), "pipe.wav")
    >>> os.mkfifo(fifo)
    >>> print(screen_path(fifo)[1])
    cannot load audio file '...pipe.wav': it is a FIFO (named pipe), not a regular file
    """
    path = os.fsdecode(os.fspath(item))
    try:
        st = os.stat(path)
    except OSError:
        return path, None  # the loader says what is wrong
    except ValueError:
        # os.stat refuses a NUL byte: one name of a list written with NUL separators
        # (find -print0) ended the whole run here, not this song alone
        return path, AudioLoadError(
            path, "the name holds a NUL byte, which no file name can (a list of paths "
                  "separated by NUL bytes, as `find -print0` writes, read as one path? "
                  "give one path per line)")
    if stat.S_ISDIR(st.st_mode):
        return path, None
    if not stat.S_ISREG(st.st_mode):
        return path, AudioLoadError(path, f"it is {_file_kind(st.st_mode)}, not a regular file")
    if _looks_like_model(path):
        return path, AudioLoadError(
            path,
            "it is a skgenre model file, not audio (the model comes first: "
            "skgenre predict MODEL FILE [FILE ...])",
        )
    info = _header(path)
    if info is None:  # not for libsndfile: the loader decides (audioread, or an error)
        return path, None
    if info.samplerate > MAX_HEADER_SR:
        return path, AudioLoadError(
            path, f"implausible sample rate of {info.samplerate} Hz in the header (corrupt file?)"
        )
    if info.channels > MAX_HEADER_CHANNELS:
        return path, AudioLoadError(
            path, f"implausible number of channels ({info.channels}) in the header (corrupt file?)"
        )
    return path, None


def _header(path):
    """libsndfile's view of a file's header, or None when it cannot read one.

    The name is handed over as its bytes (names that are not UTF-8 open too), and
    libmpg123's notes about a file that is not MP3 stay off the terminal.
    """
    from ..io._decode import soundfile_path
    from ..io._decoder_noise import decoder_stderr_filtered

    try:
        import soundfile as sf

        with decoder_stderr_filtered():
            return sf.info(soundfile_path(path))
    except Exception:
        return None


def header_duration(path):
    """Seconds of audio a file's header announces, or None when it cannot tell."""
    info = _header(os.fsdecode(os.fspath(path)))
    if info is None or not (info.samplerate > 0 and info.frames > 0):
        return None
    return info.frames / info.samplerate


def limit_note(max_duration, total_seconds):
    """The warning of a song cut at ``max_duration``.

    Examples
    --------
    >>> from skgenre.inference._screen import limit_note
    >>> limit_note(600.0, 3600.0)
    'only the first 600 s of 3600 s were judged (max_duration=600)'
    """
    total = "a longer song" if total_seconds is None else f"{total_seconds:.0f} s"
    return (
        f"only the first {max_duration:g} s of {total} were judged "
        f"(max_duration={max_duration:g})"
    )


def _error(source, is_file, reason):
    if is_file:  # the file was read: it is what it holds that cannot be judged
        return AudioContentError(source, reason)
    return ValueError(f"{source}: {reason}")


def screen_waveform(wave, sr, clip_samples, source, *, is_file=True, content=True):
    """Check one decoded song; return ``(error or None, list of warnings)``.

    Parameters
    ----------
    wave : ndarray of shape (n_audio_samples,)
        The decoded song (float).
    sr : int
        Its sample rate.
    clip_samples : int
        The model's clip length in samples.
    source : str
        The file (or ``waveform[i]``), for the messages.
    is_file : bool, default=True
        Errors about a file are :class:`~skgenre.AudioContentError` (an
        :class:`~skgenre.AudioLoadError`), about a waveform :class:`ValueError`.
    content : bool, default=True
        Also judge what the signal is (:mod:`~skgenre.inference._content`): noise, test
        tones, sweeps, clicks, DC offsets and near silence get an error. ``False`` keeps
        only the checks of the samples' range and length.

    Examples
    --------
    >>> import numpy as np
    >>> from skgenre.inference._screen import screen_waveform
    >>> err, notes = screen_waveform(np.zeros(22050 * 10), 22050, 22050 * 5, "quiet.wav")
    >>> print(err)
    cannot judge audio file 'quiet.wav': the audio is digital silence (peak level -inf dBFS): silence has no genre
    >>> t = np.arange(22050 * 5) / 22050
    >>> print(screen_waveform(0.5 * np.sin(2 * np.pi * 440 * t), 22050, 22050 * 5, "a.wav")[0])
    cannot judge audio file 'a.wav': a steady test tone: ... (if it is music, judge it anyway: ...)
    >>> from skgenre.datasets import make_toy_genres
    >>> song = make_toy_genres(n_per_class=1, n_classes=1, duration=3.0, random_state=0).data[0]
    >>> screen_waveform(song, 22050, 22050 * 5, "short.wav")
    (None, ['the song (3.00 s) is shorter than one clip (5.00 s): it was padded to one clip'])
    """
    wave = np.asarray(wave)
    n = wave.shape[-1] if wave.ndim else 0
    if not np.isfinite(wave).all():
        return _error(source, is_file, "the decoded audio contains NaN or infinite values"), []
    seconds, clip_seconds = n / sr, clip_samples / sr
    if n < MIN_CLIP_FRACTION * clip_samples:
        return _error(
            source, is_file,
            f"too short to tell a genre: {n} sample(s) ({seconds:.3g} s) of audio, less "
            f"than {MIN_CLIP_FRACTION:.0%} of one clip ({clip_seconds:.3g} s)",
        ), []
    peak = float(np.max(np.abs(wave))) if n else 0.0
    if peak < SILENCE_PEAK:
        level = "-inf" if peak == 0 else f"{20 * np.log10(peak):.0f}"
        return _error(
            source, is_file,
            f"the audio is digital silence (peak level {level} dBFS): silence has no genre",
        ), []
    if peak > MAX_PEAK:
        return _error(
            source, is_file,
            f"sample values reach {peak:.3g}, far outside the [-1, 1] range of audio "
            "(integer samples that were not scaled, or a corrupt float file)",
        ), []
    if content:
        reason = content_reason(content_features(wave, sr))
        if reason is not None and _louder_than_excerpt(wave, sr, reason):
            reason = None  # the excerpt missed the audible part of a long song
        if reason is not None:
            return _error(source, is_file, reason + CONTENT_HINT), []
    notes = []
    if n < clip_samples:
        notes.append(
            f"the song ({seconds:.2f} s) is shorter than one clip ({clip_seconds:.2f} s): "
            "it was padded to one clip"
        )
    if peak > 1.0:
        notes.append(f"samples exceed full scale (peak {peak:.3g} > 1): clipped or over-loud audio")
    return None, notes


def _louder_than_excerpt(wave, sr, reason):
    """Whether a song called quiet from its excerpt has loud frames outside it (a long
    song whose music lies between the excerpt's segments)."""
    from ._content import N_SEGMENTS, QUIET_DB, SEGMENT_S

    if not reason.startswith(("near silence", "a DC offset")):
        return False
    if len(wave) <= N_SEGMENTS * round(SEGMENT_S * sr):
        return False  # the excerpt was the whole song
    frame, x = 1024, np.asarray(wave, dtype=np.float32)
    x = x[: len(x) // frame * frame].reshape(-1, frame)
    e = np.concatenate([
        np.var(x[i : i + 4096], axis=1, dtype=np.float64) for i in range(0, len(x), 4096)
    ])
    return 10 * np.log10(max(float(np.percentile(e, 99)), 1e-20)) >= QUIET_DB


def _first_line(exc):
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
