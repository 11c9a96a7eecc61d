"""Decode one audio file into a float32 waveform: :func:`load_audio`.

Decoding uses :mod:`soundfile` (libsndfile: WAV, AU, FLAC, Ogg/Vorbis, MP3, AIFF, ...)
and falls back to :mod:`audioread` only for files that libsndfile cannot open (e.g. odd MP3s
or AAC when an ffmpeg/GStreamer backend is installed). Every fault a file can have is raised
as :class:`skgenre.AudioLoadError`, naming the file and the cause.
"""

import os
import stat
import sys
import warnings
from numbers import Integral, Real

import numpy as np

from .._errors import AudioLoadError
from ._decoder_noise import decoder_stderr_filtered
from ._mpeg import mpeg_frames
from ._ogg import ogg_links

__all__ = ["load_audio", "soundfile_path"]

# Frames read per call. Reading block by block (instead of letting soundfile allocate
# ``frames`` up front) keeps memory bound by the data actually present, so a corrupt header
# that claims billions of frames cannot trigger a huge allocation.
_BLOCK_FRAMES = 1 << 18
# Samples decoded before an MP3 offset and dropped, so that the bit reservoir is filled: it
# reaches back 511 bytes, 6 frames of MPEG-1 at 32 kbit/s (255 bytes, 11 frames of 576
# samples for MPEG-2), and the first frame decoded also lacks its overlap.
_MP3_PREROLL = 10 * 1152
# Decoded float32 bytes per file byte above which a header's frame count is not trusted for
# a single up-front allocation (PCM is at most 4x; lossless/lossy codecs rarely pass 64x).
_ONE_SHOT_FACTOR = 64

# The sample rates and channel counts taken for real audio; others in a header mean a
# corrupt file. DXD is 352.8 kHz, and the largest ambisonic formats in use have 64 channels.
_MIN_FILE_SR = 1000
_MAX_FILE_SR = 1_000_000
_MAX_CHANNELS = 64

_MAGIC = {
    b"RIFF": "WAV",
    b"RIFX": "WAV",
    b"RF64": "WAV",
    b".snd": "AU",
    b"fLaC": "FLAC",
    b"OggS": "Ogg",
    b"FORM": "AIFF",
    b"ID3": "MP3",
}


def _looks_like_text(head):
    if not head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        # a multi-byte character cut at the end of the sniffed block is still text
        try:
            text = head[:-3].decode("utf-8")
        except UnicodeDecodeError:
            return False
    return all(c.isprintable() or c in "\r\n\t\f\v" for c in text)


def _diagnose(path, size, sf_message):
    """Turn a decoder failure into a cause a user can act on."""
    try:
        with open(path, "rb") as f:
            head = f.read(512)
    except OSError as exc:
        return f"the file cannot be read ({exc.strerror or exc})"
    container = next((name for magic, name in _MAGIC.items() if head.startswith(magic)), None)
    if container == "WAV" and size < 44:
        return f"truncated WAV header (the file has only {size} bytes)"
    if container == "WAV" and head[8:12] != b"WAVE":
        return "corrupt WAV header (a RIFF file without the WAVE format tag)"
    if container is not None:
        return f"corrupt or unsupported {container} data (libsndfile: {sf_message})"
    if _looks_like_text(head):
        return "not an audio file: it holds text"
    return f"unsupported or unrecognised audio format (libsndfile: {sf_message})"


def soundfile_path(path):
    """``path`` as libsndfile must get it: its bytes, on POSIX.

    soundfile encodes a ``str`` path strictly, so a name whose bytes are not valid UTF-8
    (which Python holds with lone surrogates) fails to open, and its error blames the
    data. ``os.fsencode`` gives back the name's own bytes. On Windows soundfile opens
    ``str`` paths with the wide-character API, which takes every name.
    """
    path = os.fspath(path)
    if isinstance(path, str) and sys.platform != "win32":
        return os.fsencode(path)
    return path


def _n_samples(duration, sr):
    """Samples in ``duration`` seconds at ``sr``: at least one, as a duration is above 0
    (a duration shorter than one sample read nothing, and the file was called empty)."""
    return max(1, int(round(duration * sr)))


def _source_samples(duration, file_sr, sr):
    """Samples to read at ``file_sr`` for ``duration`` seconds at ``sr``.

    Enough to resample to ``_n_samples(duration, sr)`` samples, which ``_load`` cuts to:
    rounding at the file's rate alone gave one sample more or less than at ``sr`` for some
    rates, and clips of one duration from files at other rates could not be stacked.
    """
    want = _n_samples(duration, sr)
    if file_sr == sr:
        return want
    return max(_n_samples(duration, file_sr), -(-want * int(file_sr) // int(sr)))


def _read_soundfile(path, offset, duration, size, sr):
    """Return ``(frames x channels float32 array, sample rate)`` read with soundfile."""
    import soundfile as sf

    with sf.SoundFile(soundfile_path(path)) as f:
        file_sr = f.samplerate
        start = int(round(offset * file_sr))
        want = None if duration is None else _source_samples(duration, file_sr, sr)
        mp3, walked = f.format == "MP3", None
        if mp3 and (want is None or start + want >= f.frames):
            # libsndfile reads no further than the first frame's Xing header or bitrate
            # says (see _mpeg.py); a few frames of slack cover the Xing frame and the
            # encoder's delay and padding, which decoders drop
            walked = mpeg_frames(path)
            if walked is not None and walked > f.frames + 4 * 1152:
                raise _CutShortError(
                    f"libsndfile decodes only {f.frames / file_sr:.1f} s of the "
                    f"{walked / file_sr:.1f} s of MPEG audio in the file (a VBR MP3 without "
                    "a Xing header, or MP3 files joined together)"
                )
        if f.format == "OGG" and (want is None or start + want >= f.frames):
            # libsndfile decodes the first link of a chained Ogg file only (see _ogg.py)
            links = ogg_links(path)
            if links is not None and links > 1:
                raise _CutShortError(
                    f"the file chains {links} Ogg streams (Ogg files joined together, or a "
                    f"recorded stream) and libsndfile decodes only the first, "
                    f"{f.frames / file_sr:.1f} s"
                )
        skip = 0
        if start:
            if 0 < f.frames <= start:
                raise _OffsetError(f.frames / file_sr)
            # libmpg123 decodes the first frames after a seek without the bit reservoir
            # (main data that earlier frames carry): silence, 67 ms of a 32 kbit/s MP3.
            # Decode a few frames before the offset, and drop them.
            skip = min(start, _MP3_PREROLL) if mp3 else 0
            if f.seekable():
                f.seek(start - skip)
            else:  # pragma: no cover - libsndfile seeks in every format it reads
                f.read(start - skip, dtype="float32")
        remaining = f.frames - start
        one_shot = remaining * f.channels * 4 <= _ONE_SHOT_FACTOR * size + (1 << 20)
        if mp3 and not one_shot and 0 < remaining:
            # libsndfile's MP3 reader loses audio at each boundary between two reads of a
            # low-bitrate file (measured: silence and glitches, 0.4 of full scale, at 56
            # kbit/s and below), and those files are the ones whose decoded size exceeds
            # the factor above; the frame headers bound the length instead
            walked = mpeg_frames(path) if walked is None else walked
            one_shot = walked is not None and remaining <= walked + 4 * 1152
        want_all = None if want is None else skip + want
        if 0 < remaining and one_shot:
            # The header's frame count is plausible for the file size: one read into one
            # buffer (the common case, as fast as soundfile.read).
            n = remaining if want is None else min(want, remaining)
            data = f.read(skip + n, dtype="float32", always_2d=True)
            if want is None or len(data) >= want_all:
                return data[skip:], file_sr
            blocks, got = [data], len(data)
        else:
            blocks, got = [], 0
        while want_all is None or got < want_all:
            k = _BLOCK_FRAMES if want_all is None else min(_BLOCK_FRAMES, want_all - got)
            block = f.read(k, dtype="float32", always_2d=True)
            if len(block) == 0:
                break
            blocks.append(block)
            got += len(block)
        channels = f.channels
    if not blocks:
        return np.zeros((0, channels), dtype=np.float32), file_sr
    data = blocks[0] if len(blocks) == 1 else np.concatenate(blocks)
    return data[skip:], file_sr


def _read_audioread(path, offset, duration, sr):
    """Fallback decoder; returns ``(frames x channels float32 array, sample rate)``."""
    import audioread

    with warnings.catch_warnings():
        # audioread's raw backend imports the deprecated aifc/sunau modules
        warnings.simplefilter("ignore", DeprecationWarning)
        with audioread.audio_open(os.fspath(path)) as f:
            file_sr, channels = int(f.samplerate), int(f.channels)
            start = int(round(offset * file_sr)) * channels
            stop = (None if duration is None
                    else start + _source_samples(duration, file_sr, sr) * channels)
            chunks, pos = [], 0
            for buf in f:
                chunk = np.frombuffer(buf, "<i2")
                end = pos + len(chunk)
                if end > start:
                    chunks.append(chunk[max(start - pos, 0) : None if stop is None else stop - pos])
                pos = end
                if stop is not None and pos >= stop:
                    break
    if channels < 1:
        raise ValueError("the decoder reports no audio channels")
    data = np.concatenate(chunks) if chunks else np.zeros(0, dtype="<i2")
    data = data[: len(data) - len(data) % channels].astype(np.float32) / np.float32(32768)
    if not len(data) and start and pos <= start:
        raise _OffsetError(pos / channels / file_sr)
    return data.reshape(-1, channels), file_sr


class _OffsetError(Exception):
    def __init__(self, length_s):
        self.length_s = length_s


class _CutShortError(Exception):
    """libsndfile would decode only the start of the audio; ``reason`` says why."""

    def __init__(self, reason):
        self.reason = reason


def _audioread_hint(exc, cut_short=False):
    """What the fallback decoder's failure adds to the reason, or None."""
    if type(exc).__name__ == "NoBackendError":
        if cut_short:
            return ("the fallback decoder, audioread, has no backend installed to read all "
                    "of it: install ffmpeg, or re-encode the file")
        return ("the fallback decoder, audioread, has no backend installed (ffmpeg is one: "
                "it reads AAC, M4A, WMA and more)")
    return f"audioread could not decode all of it either ({exc})" if cut_short else None


def _decode(fspath, offset, duration, size, sr):
    """Decode with soundfile, else audioread; a failure is an AudioLoadError with a cause."""
    try:
        return _read_soundfile(fspath, offset, duration, size, sr)
    except _OffsetError:
        raise
    except _CutShortError as exc:
        # audioread (ffmpeg) reads every frame; without it, an error beats a song cut short
        try:
            return _read_audioread(fspath, offset, duration, sr)
        except _OffsetError:
            raise
        except Exception as ar_exc:
            raise AudioLoadError(
                fspath, exc.reason + "; " + _audioread_hint(ar_exc, cut_short=True)
            ) from None
    except Exception as sf_exc:  # libsndfile reports every decoding fault its own way
        sf_message = (
            getattr(sf_exc, "error_string", None) or str(sf_exc) or type(sf_exc).__name__
        ).strip()
        if "does not exist" in sf_message:
            # libsndfile's MP3 reader says so when it finds no MPEG frame in a file
            # that does exist; do not repeat that misleading message
            sf_message = "no decodable audio stream found"
        reason = _diagnose(fspath, size, sf_message)
        if reason.startswith(("truncated", "not an audio", "corrupt WAV header")):
            # a definite diagnosis: no other decoder can do better
            raise AudioLoadError(fspath, reason) from None
        try:
            return _read_audioread(fspath, offset, duration, sr)
        except _OffsetError:
            raise
        except Exception as ar_exc:
            hint = _audioread_hint(ar_exc)
            raise AudioLoadError(fspath, reason + (f"; {hint}" if hint else "")) from None


def stat_problem(fspath, st):
    """Why the file ``fspath`` of status ``st`` cannot be decoded, known before it is
    opened (a directory, a FIFO or device, no bytes, no read permission), or None."""
    if stat.S_ISDIR(st.st_mode):
        return "it is a directory, not an audio file"
    if not stat.S_ISREG(st.st_mode):
        # Never opened: reading a FIFO (or a device) could block forever.
        return "it is not a regular file (a FIFO, socket or device)"
    if st.st_size == 0:
        return "the file is empty (0 bytes)"
    if not os.access(fspath, os.R_OK):
        return "permission denied"
    return None


def _load(path, sr, mono, offset, duration):
    """Decode one file; every failure becomes an AudioLoadError naming ``path``."""
    try:
        fspath = os.fsdecode(os.fspath(path))
    except TypeError:
        raise AudioLoadError(
            repr(path), f"expected a file path (str or os.PathLike), got {type(path).__name__}"
        ) from None
    try:
        st = os.stat(fspath)
    except FileNotFoundError:
        raise AudioLoadError(fspath, "no such file") from None
    except OSError as exc:
        raise AudioLoadError(fspath, f"the file cannot be accessed ({exc.strerror or exc})") from None
    reason = stat_problem(fspath, st)
    if reason is not None:
        raise AudioLoadError(fspath, reason)

    # libmpg123 writes notes to the C stderr while it probes a file that is not MP3: the
    # error below already names the file and the cause
    try:
        with decoder_stderr_filtered():
            data, file_sr = _decode(fspath, offset, duration, st.st_size, sr)
    except _OffsetError as exc:
        raise AudioLoadError(
            fspath,
            f"offset={offset} s is at or beyond the end of the audio ({exc.length_s:.3f} s long)",
        ) from None

    if data.shape[0] == 0:
        if offset:
            raise AudioLoadError(
                fspath, f"offset={offset} s is at or beyond the end of the audio"
            )
        reason = _diagnose(fspath, st.st_size, "no samples")
        if not reason.startswith("truncated"):
            reason = "the file holds no audio samples (0 frames)"
            if st.st_size > 64 << 10:
                reason = (
                    f"its header declares no audio frames, though the file has "
                    f"{st.st_size} bytes (a recording whose header was never finalised?)"
                )
        raise AudioLoadError(fspath, reason)
    if not np.isfinite(data).all():
        raise AudioLoadError(fspath, "the audio contains NaN or infinite sample values")
    if data.shape[1] > _MAX_CHANNELS:
        # a corrupt header: its frames are slices of the real ones, mixed into noise
        raise AudioLoadError(
            fspath, f"implausible number of channels ({data.shape[1]}) in the header "
            "(corrupt file?)"
        )

    if mono:
        with np.errstate(over="ignore"):  # an overflow is refused below
            y = data[:, 0] if data.shape[1] == 1 else data.mean(axis=1, dtype=np.float32)
    else:
        y = data.T
    if file_sr != sr:
        if not _MIN_FILE_SR <= file_sr <= _MAX_FILE_SR:
            # corrupt headers claim rates like 1 Hz, which resampling would blow up into
            # gigabytes, or 2 GHz, which it would shrink to a sample or two
            raise AudioLoadError(
                fspath, f"implausible sample rate of {file_sr} Hz in the header (corrupt file?)"
            )
        try:
            y = _resample(y, file_sr, sr)
        except Exception as exc:
            raise AudioLoadError(
                fspath, f"cannot resample from {file_sr} Hz to {sr} Hz ({exc})"
            ) from None
        if duration is not None:  # read a little more at the file's rate: see _source_samples
            y = y[..., : _n_samples(duration, sr)]
    if (data.shape[1] > 1 and mono) or file_sr != sr:
        with np.errstate(over="ignore"):
            finite = np.isfinite(y).all()
        if not finite:
            # samples near float32's limit (a corrupt float file) overflow when mixed or
            # resampled; the caller was promised finite audio
            raise AudioLoadError(
                fspath, "its samples are too large to mix to mono or resample (up to "
                f"{float(np.abs(data).max()):.3g}; audio lies within [-1, 1]): a corrupt "
                "float file?"
            )
    return np.ascontiguousarray(y, dtype=np.float32)


def _resample(y, orig_sr, target_sr):
    """``librosa.resample(y, orig_sr, target_sr, res_type="soxr_hq", axis=-1)``.

    The same soxr call, without importing librosa and numba for it, and the length
    ``ceil(n * target_sr / orig_sr)`` in exact integers. librosa computes it with a float
    ratio, which can round one sample up: a whole number of seconds at 44.1 kHz resampled
    to 48 kHz gets one sample more there.
    """
    import soxr

    n_out = -(-y.shape[-1] * int(target_sr) // int(orig_sr))
    out = np.apply_along_axis(
        soxr.resample, -1, y, in_rate=orig_sr, out_rate=target_sr, quality="soxr_hq"
    )
    if out.shape[-1] > n_out:
        out = out[..., :n_out]
    elif out.shape[-1] < n_out:
        pad = [(0, 0)] * (out.ndim - 1) + [(0, n_out - out.shape[-1])]
        out = np.pad(out, pad)
    return np.asarray(out, dtype=y.dtype)


def load_audio(path, sr=22050, mono=True, offset=0.0, duration=None):
    """Decode one audio file into a float32 waveform at sample rate ``sr``.

    soundfile (libsndfile) decodes WAV (PCM 8/16/24/32-bit and float), AU, FLAC,
    Ogg/Vorbis, MP3 and AIFF; files it cannot open are handed to audioread (which needs an
    ffmpeg or GStreamer backend for compressed formats). Multi-channel audio is averaged to
    mono; audio at another rate is resampled with soxr (``librosa.resample``,
    ``res_type="soxr_hq"``). Audio already at ``sr`` is returned unchanged, sample for
    sample, as libsndfile decodes it (integer PCM scaled to [-1, 1)).

    Parameters
    ----------
    path : str or os.PathLike
        The audio file.
    sr : int, default=22050
        Sample rate of the returned waveform, in Hz.
    mono : bool, default=True
        Average the channels to one. With ``mono=False`` the result has shape
        ``(n_channels, n_audio_samples)`` (librosa's convention).
    offset : float, default=0.0
        Start reading this many seconds into the file.
    duration : float or None, default=None
        Read at most this many seconds (all of the file when None; at least one sample).
        Reading only what is needed is much faster than decoding whole long files and
        cutting afterwards.

    Returns
    -------
    y : ndarray of shape (n_audio_samples,) or (n_channels, n_audio_samples), dtype float32
        The waveform.

    Raises
    ------
    skgenre.AudioLoadError
        If the file is missing, is a directory, is empty, is not audio (e.g. text), has a
        truncated or corrupt header (also one claiming a sample rate outside 1 kHz to
        1 MHz, or over 64 channels), is in an unsupported format, holds no samples, holds
        NaN or infinite samples, or ``offset`` lies beyond its end. The error names the
        file (``err.path``) and the cause (``err.reason``).

    See Also
    --------
    AudioLoader : The same decoding as a scikit-learn transformer over many files.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> import soundfile as sf
    >>> from skgenre.io import load_audio
    >>> tmp = tempfile.mkdtemp()
    >>> path = os.path.join(tmp, "tone.wav")
    >>> t = np.arange(44100) / 44100
    >>> stereo = np.stack([np.sin(2 * np.pi * 440 * t)] * 2, axis=1) * 0.5
    >>> sf.write(path, stereo, 44100)  # 1 s, stereo, 44.1 kHz
    >>> y = load_audio(path, sr=22050)
    >>> y.shape, y.dtype
    ((22050,), dtype('float32'))
    >>> load_audio(path, sr=22050, offset=0.25, duration=0.5).shape
    (11025,)
    >>> load_audio(os.path.join(tmp, "missing.wav"))
    Traceback (most recent call last):
    ...
    skgenre._errors.AudioLoadError: cannot load audio file '...missing.wav': no such file
    """
    _check_params(path=path, sr=sr, mono=mono, offset=offset, duration=duration)
    return _load(path, sr, mono, offset, duration)


def _check_params(**params):
    """scikit-learn's parameter checks and messages for :func:`load_audio`.

    Imported when called: decoding itself (``_load``, which the inference plan of a saved
    model runs) needs no scikit-learn.
    """
    from sklearn.utils._param_validation import Interval, validate_parameter_constraints

    constraints = {
        "path": [str, os.PathLike],
        "sr": [Interval(Integral, 1, None, closed="left")],
        "mono": ["boolean"],
        "offset": [Interval(Real, 0, None, closed="left")],
        "duration": [Interval(Real, 0, None, closed="neither"), None],
    }
    validate_parameter_constraints(constraints, params, caller_name="load_audio")


def _load_or_error(path, sr, mono, offset, duration):
    # Errors travel back as values so that one broken file does not hide the others and the
    # parent can report every failure at once, whatever the joblib backend.
    try:
        return _load(path, sr, mono, offset, duration), None
    except AudioLoadError as exc:
        return None, exc
