"""The content screen of ``predict_songs`` on real music and on synthetic garbage (issue 20).

Real music: every track of the GTZAN mini set (100) and of the Emotify set (200), decoded at
22050 Hz; none should be flagged. Garbage: ``--per-kind`` files of each of ten kinds (white,
pink and brown noise at various levels, DC offsets, near silence, clicks and impulse trains,
sine tones, multi-tones, sweeps, square waves), generated here from seeds (nothing stored);
each should be flagged. Prints, in markdown: flagged counts per garbage kind and per real
collection, the margin of every threshold (the real track closest to it, and the garbage
kind that the threshold is there for), and the time of the screen per song.

Run (about 1 minute on 2 CPU cores, most of it decoding)::

    python benchmarks/bench_screen.py
    python benchmarks/bench_screen.py --sr 16000                 # musicnn's rate
    python benchmarks/bench_screen.py --per-kind 1 --no-real     # garbage only
"""

import argparse
import os
import time

import numpy as np
from _common import GTZAN, SHARED

SR = 22050
EMOTIFY = SHARED / "data" / "emotify"


def _level(x, dbfs):
    """``x`` scaled to an RMS level of ``dbfs``."""
    return x * (10 ** (dbfs / 20) / np.sqrt(np.mean(x**2)))


def _coloured(rng, n, exponent):
    """Gaussian noise with power spectrum ~ 1 / f**exponent (0 white, 1 pink, 2 brown)."""
    spec = np.fft.rfft(rng.normal(size=n))
    f = np.fft.rfftfreq(n)
    f[0] = f[1]
    return np.fft.irfft(spec / f ** (exponent / 2), n)


def garbage(kind, i, seconds=30.0, sr=SR):
    """The ``i``-th synthetic file of one kind at ``sr`` Hz (seeded: the same every run)."""
    rng = np.random.default_rng(1000 * KINDS.index(kind) + i)
    n = int(seconds * sr)
    t = np.arange(n) / sr
    lsb = 1 / 32768
    if kind in ("white noise", "pink noise", "brown noise"):
        exponent = {"white noise": 0, "pink noise": 1, "brown noise": 2}[kind]
        return _level(_coloured(rng, n, exponent), [-10, -20, -30, -40, -50][i % 5])
    if kind == "DC offset":
        dither = (rng.uniform(-1, 1, n) + rng.uniform(-1, 1, n)) * lsb
        return [0.9, 0.3, -0.1, 0.02, -0.5][i % 5] + dither
    if kind == "near silence":
        if i % 5 == 4:  # TPDF dither of 16-bit audio only
            return (rng.uniform(-1, 1, n) + rng.uniform(-1, 1, n)) * lsb
        return _level(_coloured(rng, n, i % 3), [-80, -70, -65, -90][i % 5])
    if kind == "clicks":
        x = rng.normal(0, 10 ** (-90 / 20), n)  # a noise floor far below the clicks
        rate = [1.0, 2.0, 4.0, 8.0, None][i % 5]
        at = (
            np.arange(0, n, int(sr / rate)) if rate else np.sort(rng.choice(n, 40, replace=False))
        )
        x[at] += rng.uniform(0.3, 0.9) * np.sign(rng.normal(size=len(at)))
        return x
    if kind == "sine":
        f = [50.0, 220.0, 440.0, 1000.0, 5000.0][i % 5]
        return rng.uniform(0.05, 0.8) * np.sin(2 * np.pi * f * t + rng.uniform(0, 6))
    if kind == "multi-tone":
        freqs = rng.uniform(80, 4000, 2 + i % 5)
        x = sum(np.sin(2 * np.pi * f * t + rng.uniform(0, 6)) for f in freqs)
        return 0.5 * x / np.max(np.abs(x))
    if kind == "sweep":
        period = [30.0, 10.0, 5.0, 30.0, 2.0][i % 5]
        f0, f1 = [(20, 20000), (100, 8000), (50, 5000), (1000, 100), (200, 2000)][i % 5]
        tau = t % period
        if i % 2:  # logarithmic
            k = np.log(f1 / f0) / period
            phase = 2 * np.pi * f0 * (np.exp(k * tau) - 1) / k
        else:  # linear
            phase = 2 * np.pi * (f0 * tau + (f1 - f0) * tau**2 / (2 * period))
        return 0.5 * np.sin(phase)
    if kind == "square":
        f = [55.0, 110.0, 440.0, 1000.0, 3000.0][i % 5]
        return rng.uniform(0.1, 0.7) * np.sign(np.sin(2 * np.pi * f * t + 0.1))
    raise ValueError(kind)


KINDS = ["white noise", "pink noise", "brown noise", "DC offset", "near silence", "clicks",
         "sine", "multi-tone", "sweep", "square"]


def _real_tracks():
    out = {}
    for name, folder, pattern in (("GTZAN mini", GTZAN / "mini", "*/*.flac"),
                                  ("Emotify", EMOTIFY, "*/*.ogg")):
        files = sorted(folder.glob(pattern)) if folder.is_dir() else []
        if files:
            out[name] = files
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-kind", type=int, default=5, help="garbage files per kind")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of a garbage file")
    parser.add_argument("--sr", type=int, default=SR,
                        help="sample rate of the songs (22050: skgenre's presets; 16000: musicnn)")
    parser.add_argument("--no-real", action="store_true", help="skip the real collections")
    parser.add_argument("--limit", type=int, default=None, help="real tracks per collection")
    args = parser.parse_args(argv)
    if args.per_kind < 1 or args.seconds <= 0 or args.sr < 8000:
        parser.error("--per-kind must be at least 1, --seconds positive, --sr at least 8000")

    from skgenre.inference import _content
    from skgenre.inference._screen import screen_waveform
    from skgenre.io import load_audio

    sr = args.sr
    clip = int(5 * sr)
    times, cpu = [], []  # wall-clock and CPU seconds of each call

    def screen(wave, source):
        t0, c0 = time.perf_counter(), time.process_time()
        err, _ = screen_waveform(wave, sr, clip, source, is_file=False)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        return err

    print(f"## Garbage (synthetic, seeded, {sr} Hz)\n")
    print("| kind | flagged | reasons |")
    print("|---|---|---|")
    n_flag = n_all = 0
    missed, garbage_feats = [], []
    for kind in KINDS:
        reasons, hit = set(), 0
        for i in range(args.per_kind):
            wave = np.clip(garbage(kind, i, args.seconds, sr), -1, 1).astype(np.float32)
            err = screen(wave, f"{kind} {i}")
            if err is None:
                missed.append(f"{kind} {i}")
            else:
                hit += 1
                reason = str(err).split(": ", 1)[1].split(":")[0]
                reasons.add(reason)
                garbage_feats.append((f"{kind} {i}", _content.content_features(wave, sr), reason))
        n_flag += hit
        n_all += args.per_kind
        print(f"| {kind} | {hit}/{args.per_kind} | {'; '.join(sorted(reasons))} |")
    print(f"| **all** | **{n_flag}/{n_all}** | missed: {', '.join(missed) or 'none'} |")

    real = {} if args.no_real else _real_tracks()
    if not real and not args.no_real:
        print(f"\n(no real collections found under {SHARED / 'data'})")
    feats = {"whole": [], "5 s": []}
    decode = []
    if real:
        print(f"\n## Real music at {sr} Hz (whole 30-s tracks, and their centre 5 s)\n")
        print("| collection | tracks | flagged (whole) | flagged (centre 5 s) | flagged tracks |")
        print("|---|---|---|---|---|")
        for name, files in real.items():
            flagged = {"whole": [], "5 s": []}
            for path in files[: args.limit]:
                t0 = time.perf_counter()
                wave = load_audio(path, sr=sr)
                decode.append(time.perf_counter() - t0)
                c = len(wave) // 2
                for part, w in (("whole", wave), ("5 s", wave[c - clip // 2 : c + clip // 2])):
                    if screen(w, path.name) is not None:
                        flagged[part].append(f"{path.name} ({part})")
                    feats[part].append((path.name, _content.content_features(w, sr)))
            n = len(files[: args.limit])
            print(f"| {name} | {n} | {len(flagged['whole'])}/{n} | {len(flagged['5 s'])}/{n} | "
                  f"{', '.join(flagged['whole'] + flagged['5 s']) or '-'} |")

        print("\n## Margins: the real track and the garbage file closest to each threshold\n")
        print("A rule flags a song only when all its conditions hold; each row is one "
              "condition. Garbage: the closest file among those that the rule flagged.\n")
        print("| rule | condition | closest real (whole) | closest real (centre 5 s) "
              "| closest garbage |")
        print("|---|---|---|---|---|")
        for rule, key, side, thr in RULES:
            cells = []
            for part in ("whole", "5 s"):
                vals = [(f[key], n) for n, f in feats[part] if f is not None]
                val, who = min(vals) if side == "<" else max(vals)
                cells.append(f"{val:.3g} ({who})")
            mine = [(f[key], n) for n, f, r in garbage_feats
                    if r.startswith(rule) or "noise" in rule and r.endswith(" noise")]
            if mine:
                val, who = max(mine) if side == "<" else min(mine)
                cells.append(f"{val:.3g} ({who})")
            else:
                cells.append("-")
            print(f"| {rule} | `{key}` {side} {thr:g} | " + " | ".join(cells) + " |")

    t, c = np.array(times) * 1000, np.array(cpu) * 1000
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"\nScreen time per song ({len(t)} songs; load average at the end: {load} on "
          f"{os.cpu_count()} CPUs): wall-clock median {np.median(t):.1f} ms (max "
          f"{t.max():.1f} ms), CPU time median {np.median(c):.1f} ms"
          + (f"; decoding a real track took median {np.median(decode) * 1000:.1f} ms"
             if decode else ""))
    return 0


# (start of the reason, quantity, flags when, threshold) for every condition of every rule
RULES = [
    ("a DC offset", "top_db", "<", -60.0),
    ("near silence", "top_db", "<", -60.0),
    ("clicks or impulses", "gap_db", "<", -40.0),
    ("clicks or impulses", "burst_crest_db", ">", 20.0),
    ("a steady test tone", "change_db", "<", 0.1),
    ("a steady test tone", "steadiness", ">", 0.8),
    ("white, pink or brown noise", "change_ratio", "<", 1.8),
    ("white, pink or brown noise", "steadiness", ">", 0.52),
    ("a sine sweep", "sweep_residual", "<", 0.01),
]


def _check_rules():
    """RULES must state the thresholds that skgenre uses."""
    from skgenre.inference import _content as c

    used = {c.QUIET_DB, c.GAP_DB, c.BURST_CREST_DB, c.TONE_CHANGE_DB, c.TONE_STEADINESS,
            c.NOISE_CHANGE_RATIO, c.NOISE_STEADINESS, c.SWEEP_RESIDUAL}
    assert {r[3] for r in RULES} == used, "bench_screen.RULES is out of date"


if __name__ == "__main__":
    _check_rules()
    raise SystemExit(main())
