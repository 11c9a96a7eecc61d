"""The content screen: whether a decoded song sounds like anything a genre could describe.

A genre model answers for any input; noise, a test tone or a DC offset get a confident
genre that means nothing. This screen looks at what the signal *is*, from one short-time
Fourier transform of a bounded excerpt (at most ``N_SEGMENTS`` segments of ``SEGMENT_S``
seconds spread evenly over the song, so the cost does not grow with the song's length),
and names the kind of garbage it finds. No model is involved.

Measured quantities (on the excerpt, its mean removed; frames of about 46 ms, not
overlapping; frames more than 40 dB below the loudest left out of the spectral ones):

``top_db``, ``loud_db``
    levels (dBFS) of the loudest 1 % and 5 % of the frames (99th and 95th percentiles
    of frame energy).
``dc_ratio``
    share of the signal's energy (mean of the squared samples) held by its mean.
``gap_db``
    median frame energy against the 99th-percentile frame, in dB: clicks and impulse
    trains leave near silence between a few loud frames.
``burst_crest_db``
    median over the loud frames (within 10 dB of the 99th percentile) of peak against
    RMS inside the frame, in dB: about 30 for an impulse, about 10 for a drum hit.
``change_db``
    how much the spectrum changes over the song: the standard deviation of each of 32 mel
    bands' level (dB) over blocks of about 1 s, median over the bands that hold energy.
    Test tones do not change (under 0.01 dB); music changes with notes, chords, drums and
    sections (at least 0.49 dB on the 300 real tracks measured, and their centre 5 s).
``change_ratio``
    each band's spread as in ``change_db``, divided by the spread that estimating a level from a finite number
    of frames and bins alone gives stationary Gaussian noise: about 1.3 to 1.5 for noise
    of any colour and level, at least 1.85 on the real tracks and their centre 5 s, 4.5 on
    the whole tracks; median over the bands. ``change_db`` and ``change_ratio`` need two blocks: for songs
    shorter than about 2 s they are infinite, and only the other rules can fire.
``steadiness``
    per STFT bin between 100 Hz and 8 kHz, the geometric over the arithmetic mean of its
    power over the frames, median over the bins: 0.56 for any stationary Gaussian noise
    (every frame an independent exponential draw), near 1 for steady tones, lower for
    music whose bins come and go (at most 0.42 on the 300 real tracks, 0.48 on their
    centre 5 s: heavy metal and steady ambient electronic).
``slope_db``
    slope of the mean spectrum in dB per octave (100 Hz - 8 kHz); only names the noise:
    white about 0, pink -3, brown -6.
``sweep_residual``
    share of a frame's energy outside the ``PEAK_BINS`` bins around its strongest bin,
    90th percentile over the frames: near 0 when every frame is one pure sinusoid
    (a sine sweep).

Rules, in order; the first that holds is the song's error (``content_reason``):

=========================================================  ================================
the excerpt                                                reason
=========================================================  ================================
``top_db`` < -60 and ``dc_ratio`` > 0.9                    a DC offset, nothing audible on it
``top_db`` < -60                                           near silence
``gap_db`` < -40 and ``burst_crest_db`` > 20               clicks or impulses
``change_db`` < 0.1 and ``steadiness`` > 0.8               a steady test tone (sine,
                                                           multi-tone, square wave)
``change_ratio`` < 1.8 and ``steadiness`` > 0.52           white, pink or brown noise
``sweep_residual`` < 0.01                                  a sine sweep or gliding tone
``loud_db`` < -60                                          near silence (a few louder frames)
=========================================================  ================================

``benchmarks/bench_screen.py`` measures the rules on 300 real tracks (none flagged) and 50
synthetic garbage files, and prints the real track closest to every threshold.
"""

import numpy as np

from ..features._stft import batch_spectra, mel_filterbank

__all__ = ["content_features", "content_reason"]

# The excerpt: up to 10 segments of 3 s spread evenly over the song (30 s at most), so the
# cost does not grow with the song's length.
SEGMENT_S = 3.0
N_SEGMENTS = 10
# Frames of about 46 ms (1024 samples at 22050 Hz), not overlapping: for noise, the
# frames of one bin are then independent draws (what ``steadiness`` relies on).
FRAME_S = 0.0464
# About one second of frames per block of ``change_db`` and ``change_ratio``.
BLOCK_S = 1.0
N_MELS = 32
PEAK_BINS = 8
# ``steadiness`` and ``slope_db`` look at 100 Hz - 8 kHz, where every sample rate of
# 16 kHz and above has content.
BAND_HZ = (100.0, 8000.0)

# Thresholds; benchmarks/bench_screen.py prints the real track closest to each.
QUIET_DB = -60.0
DC_SHARE = 0.9
GAP_DB = -40.0
BURST_CREST_DB = 20.0
TONE_CHANGE_DB = 0.1
TONE_STEADINESS = 0.8
NOISE_CHANGE_RATIO = 1.8
NOISE_STEADINESS = 0.52
# Only for naming noise: white is flat, pink falls 3 dB per octave, brown 6.
WHITE_SLOPE_DB = -1.5
BROWN_SLOPE_DB = -4.5
SWEEP_RESIDUAL = 0.01

_TINY = 1e-20


def _segments(x, sr):
    seg = round(SEGMENT_S * sr)
    if len(x) <= N_SEGMENTS * seg:
        return x[None, :]
    n_seg = N_SEGMENTS
    starts = np.linspace(0, len(x) - seg, n_seg).round().astype(int)
    return np.stack([x[s : s + seg] for s in starts])


def _db(ratio):
    return float(10 * np.log10(max(float(ratio), _TINY)))


def content_features(wave, sr):
    """The quantities the content screen judges, as a dict (None if too short to judge).

    Parameters
    ----------
    wave : array-like of shape (n_audio_samples,)
        A decoded, finite song.
    sr : int
        Its sample rate.

    Returns
    -------
    features : dict or None
        ``top_db``, ``loud_db``, ``dc_ratio``, ``gap_db``, ``burst_crest_db``,
        ``change_db``, ``change_ratio``, ``steadiness``, ``slope_db`` and
        ``sweep_residual`` (see the module docstring); None when the song has fewer than
        8 frames of about 46 ms.

    Examples
    --------
    >>> import numpy as np
    >>> from skgenre.inference._content import content_features
    >>> noise = np.random.default_rng(0).normal(0, 0.1, 22050 * 5)
    >>> f = content_features(noise, 22050)
    >>> round(f["loud_db"]), round(f["steadiness"], 1), f["change_db"] < 1, abs(f["slope_db"]) < 1
    (-20, 0.6, True, True)
    """
    x = np.asarray(wave, dtype=np.float32).ravel()
    n_fft = 2 ** max(5, round(np.log2(FRAME_S * sr)))
    segs = _segments(x, sr)
    n_frames = segs.shape[1] // n_fft
    if segs.shape[0] * (n_frames - 2) < 8:
        return None
    dc = float(segs.mean(dtype=np.float64))
    total = float(np.mean(np.square(segs, dtype=np.float64)))
    segs = segs - np.float32(dc)
    # frame energies (time domain), and the crest of the loud frames
    frames = segs[:, : n_frames * n_fft].reshape(-1, n_fft)
    sq = np.square(frames)
    e = sq.mean(axis=-1, dtype=np.float64)
    e99 = float(np.percentile(e, 99))
    loud = e >= 0.1 * e99
    feats = {
        "top_db": _db(e99),
        "loud_db": _db(np.percentile(e, 95)),
        "dc_ratio": dc * dc / total if total > 0 else 0.0,
        "gap_db": _db((np.median(e) + _TINY) / (e99 + _TINY)),
        "burst_crest_db": _db(np.median(sq[loud].max(axis=-1) / (e[loud] + _TINY))),
    }
    # one STFT of the excerpt, frames not overlapping, the zero-padded edge frames dropped
    P = batch_spectra(segs, sr=sr, n_fft=n_fft, hop_length=n_fft).power_tf[:, 1:-1]
    P = P.reshape(-1, P.shape[-1])
    frame_power = P.sum(axis=-1, dtype=np.float64)
    if frame_power.max() > 0:
        P = P[frame_power > 1e-4 * frame_power.max()]
        frame_power = frame_power[frame_power > 1e-4 * frame_power.max()]
    # change over the song: levels of mel bands in ~1-s blocks
    per_block = max(1, round(BLOCK_S * sr / n_fft))
    n_blocks = max(1, len(P) // per_block)
    fb = mel_filterbank(sr, n_fft, N_MELS)
    blocks = P[: n_blocks * per_block].reshape(n_blocks, -1, P.shape[-1]).mean(
        axis=1, dtype=np.float64) @ fb.T
    mean_band = blocks.mean(axis=0)
    used = mean_band > 1e-4 * mean_band.max()
    level = 10 * np.log10(blocks[:, used] + 1e-6 * blocks.max() + _TINY)
    spread = level.std(axis=0)
    # all-zero blocks use no band: no change to measure (and no median of nothing)
    changing = n_blocks > 1 and used.any()
    feats["change_db"] = float(np.median(spread)) if changing else np.inf
    # the spread that estimation alone gives stationary Gaussian noise: a band's block
    # level averages per_block * (sum w)**2 / sum w**2 exponential draws
    w = fb[used].astype(np.float64)
    dof = per_block * w.sum(axis=1) ** 2 / np.maximum((w**2).sum(axis=1), _TINY)
    feats["change_ratio"] = (
        float(np.median(spread / (10 / np.log(10) / np.sqrt(dof)))) if changing else np.inf
    )
    # steadiness and the spectral slope, per bin over the frames, between BAND_HZ
    lo = max(1, int(BAND_HZ[0] * n_fft / sr))
    hi = max(lo + 2, min(P.shape[1], int(BAND_HZ[1] * n_fft / sr)))
    B = P[:, lo:hi] + np.float32(1e-30)
    m = B.mean(axis=0, dtype=np.float64)
    steady = np.exp(np.log(B).mean(axis=0, dtype=np.float64)) / m
    feats["steadiness"] = float(np.median(steady[m > 1e-6 * m.max()]))
    freqs = np.log2(np.arange(lo, hi) * sr / n_fft)
    feats["slope_db"] = float(np.polyfit(freqs, 10 * np.log10(m), 1)[0])  # dB per octave
    # share of a frame's energy outside the PEAK_BINS bins around its strongest bin
    # the window holds bins j - 3 ... j + 4 (PEAK_BINS = 8), those inside the spectrum
    cols = np.argmax(P, axis=-1)[:, None] + np.arange(1 - PEAK_BINS // 2, PEAK_BINS // 2 + 1)
    inside = (cols >= 0) & (cols < P.shape[1])
    window = np.take_along_axis(P, np.clip(cols, 0, P.shape[1] - 1), axis=-1)
    near = np.where(inside, window, 0).sum(axis=-1, dtype=np.float64)
    rest = 1.0 - near / np.maximum(frame_power, _TINY)
    feats["sweep_residual"] = float(np.percentile(rest, 90))
    return feats


def _quiet(level):
    return (
        f"near silence: its loud parts are at {level:.0f} dBFS (below {QUIET_DB:.0f} dBFS), "
        "nothing to tell a genre from"
    )


def content_reason(features):
    """Why a song with these :func:`content_features` is not music, or None when it may be.

    Examples
    --------
    >>> import numpy as np
    >>> from skgenre.inference._content import content_features, content_reason
    >>> t = np.arange(22050 * 5) / 22050
    >>> print(content_reason(content_features(0.5 * np.sin(2 * np.pi * 440 * t), 22050)))
    a steady test tone: a few fixed partials (sine, multi-tone or square wave) that never change, no melody or rhythm
    """
    f = features
    if f is None:
        return None
    if f["top_db"] < QUIET_DB:
        if f["dc_ratio"] > DC_SHARE:
            return (
                f"a DC offset: {f['dc_ratio']:.0%} of its energy is a constant offset and "
                f"the rest is inaudible (below {QUIET_DB:.0f} dBFS), no music"
            )
        return _quiet(f["top_db"])
    if f["gap_db"] < GAP_DB and f["burst_crest_db"] > BURST_CREST_DB:
        return (
            "clicks or impulses: its energy sits in a few short bursts with near silence "
            f"between them (typical frame {-f['gap_db']:.0f} dB below the loud ones), no music"
        )
    if f["change_db"] < TONE_CHANGE_DB and f["steadiness"] > TONE_STEADINESS:
        return (
            "a steady test tone: a few fixed partials (sine, multi-tone or square wave) that "
            "never change, no melody or rhythm"
        )
    if f["change_ratio"] < NOISE_CHANGE_RATIO and f["steadiness"] > NOISE_STEADINESS:
        if f["slope_db"] > WHITE_SLOPE_DB:
            return "white noise: flat spectrum, no tonal or rhythmic structure"
        colour = "pink" if f["slope_db"] > BROWN_SLOPE_DB else "brown"
        return (
            f"{colour} noise: a smooth spectrum falling {-f['slope_db']:.0f} dB per octave "
            "that never changes, no tonal or rhythmic structure"
        )
    if f["sweep_residual"] < SWEEP_RESIDUAL:
        return "a sine sweep or gliding tone: one pure frequency at a time, no music"
    if f["loud_db"] < QUIET_DB:
        return _quiet(f["loud_db"])
    return None
