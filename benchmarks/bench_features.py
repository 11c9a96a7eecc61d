"""Speed of feature extraction: naive librosa, shared STFT, skgenre's batched extractors.

Every row is measured in one run on the same clips, so the ratios are comparable even on a
busy machine; absolute numbers are not. Single-process rows run with BLAS limited to one
thread ("per core"); the ``n_jobs=2`` rows use two joblib (loky) workers.

Usage (from the repository root)::

    python benchmarks/bench_features.py                   # 36 clips of 5 s, best of 3
    python benchmarks/bench_features.py --n-clips 64 --repeat 5
    python benchmarks/bench_features.py --synthetic       # ignore the GTZAN sample files

Clips are the real GTZAN sample wav files (``../shared/data/gtzan/sample``) cut into
consecutive 5-s pieces when present, synthetic music-like clips otherwise.
"""

import argparse
import time
from pathlib import Path

import _common  # first: the checkout on sys.path
import numpy as np

SR = 22050


def load_clips(n_clips, duration, data_dir, synthetic):
    n = int(round(duration * SR))
    files = [] if synthetic else sorted(Path(data_dir, "sample").rglob("*.wav"))
    if files:
        import soundfile as sf

        pieces = []
        for path in files:
            y, sr = sf.read(path, dtype="float32")
            if sr != SR or y.ndim != 1:
                continue
            pieces += [y[i : i + n] for i in range(0, len(y) - n + 1, n)]
        if pieces:
            clips = np.stack([pieces[i % len(pieces)] for i in range(n_clips)])
            return clips, f"GTZAN sample files ({len(files)} wav) cut to {duration:g}-s pieces"
    rng = np.random.default_rng(0)
    t = np.arange(n) / SR
    clips = []
    for _ in range(n_clips):
        f0 = rng.uniform(80, 800)
        bpm = rng.uniform(70, 170)
        env = 0.3 + 0.7 * np.exp(-((t * bpm / 60) % 1.0) * 8)
        y = env * sum(np.sin(2 * np.pi * f0 * k * t) / k for k in (1, 2, 3))
        clips.append(0.2 * y + 0.02 * rng.normal(size=n))
    return np.asarray(clips, dtype=np.float32), "synthetic music-like clips"


def naive26(y):
    return _common.naive26(y, SR)


def shared_stft26(y):
    return _common.naive26(y, SR, shared_stft=True)


def librosa_mel(y):
    import librosa

    return librosa.power_to_db(librosa.feature.melspectrogram(y=y, sr=SR), ref=np.max)


def best_times(funcs, repeat):
    """Best wall and CPU time of each function; repeats are interleaved (round-robin) so
    that a load change on a shared machine hits every method alike."""
    wall = {k: np.inf for k in funcs}
    cpu = {k: np.inf for k in funcs}
    out = {}
    for _ in range(repeat):
        for key, func in funcs.items():
            t, c = time.perf_counter(), time.process_time()
            out[key] = func()
            wall[key] = min(wall[key], time.perf_counter() - t)
            cpu[key] = min(cpu[key], time.process_time() - c)
    return wall, cpu, out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-clips", type=int, default=36, help="number of clips (default 36)")
    parser.add_argument("--duration", type=float, default=5.0, help="clip length, s (default 5)")
    parser.add_argument("--repeat", type=int, default=3, help="timing repeats, best kept")
    parser.add_argument(
        "--data-dir", default=str(_common.GTZAN),
        help="GTZAN material with sample/ (default ../shared/data/gtzan)",
    )
    parser.add_argument("--synthetic", action="store_true", help="use synthetic clips")
    parser.add_argument("--no-parallel", action="store_true", help="skip the n_jobs=2 rows")
    args = parser.parse_args(argv)

    from threadpoolctl import threadpool_limits

    from skgenre.features import FeatureExtractor, FeatureExtractor26, MelSpectrogram

    clips, source = load_clips(args.n_clips, args.duration, args.data_dir, args.synthetic)
    audio_s = clips.shape[0] * clips.shape[1] / SR
    print(f"{clips.shape[0]} clips of {args.duration:g} s from {source}; best of {args.repeat}")

    fe26 = FeatureExtractor26(n_jobs=1).fit(clips)
    mel = MelSpectrogram(n_jobs=1).fit(clips)
    ext = FeatureExtractor(n_jobs=1).fit(clips)
    with threadpool_limits(1):
        # warm-up: imports, numba, FFT plans, filterbank caches
        naive26(clips[0]), shared_stft26(clips[0]), librosa_mel(clips[0])
        fe26.transform(clips[:2]), mel.transform(clips[:2]), ext.transform(clips[:2])
        wall, cpu, out = best_times(
            {
                "naive": lambda: np.stack([naive26(y) for y in clips]),
                "shared": lambda: [shared_stft26(y) for y in clips],
                "fe26": lambda: fe26.transform(clips),
                "ext": lambda: ext.transform(clips),
                "lmel": lambda: np.stack([librosa_mel(y) for y in clips]),
                "mel": lambda: mel.transform(clips),
            },
            args.repeat,
        )
    rows = [
        ("26 features: naive librosa (7 calls on y per clip)", "naive", "naive", 1),
        ("26 features: one librosa.stft per clip, S= everywhere", "shared", "naive", 1),
        ("26 features: FeatureExtractor26 (n_jobs=1)", "fe26", "naive", 1),
        ("131 features: FeatureExtractor (n_jobs=1)", "ext", "naive", 1),
        ("mel dB: librosa melspectrogram + power_to_db per clip", "lmel", "lmel", 1),
        ("mel dB: MelSpectrogram (n_jobs=1)", "mel", "lmel", 1),
    ]
    if not args.no_parallel:
        fe2 = FeatureExtractor26(n_jobs=2).fit(clips)
        mel2 = MelSpectrogram(n_jobs=2).fit(clips)
        fe2.transform(clips), mel2.transform(clips)  # start the loky workers
        # The single-process reference runs with one BLAS thread here too, as above; with
        # free BLAS threads it would fight the workers and inflate the speedup.
        with threadpool_limits(1):
            wall2, _, out2 = best_times(
                {
                    "fe26": lambda: fe26.transform(clips),
                    "fe26_2": lambda: fe2.transform(clips),
                    "mel": lambda: mel.transform(clips),
                    "mel_2": lambda: mel2.transform(clips),
                },
                args.repeat,
            )
        assert np.array_equal(out["fe26"], out2["fe26_2"]), "n_jobs=2 changed the features"
        wall.update({"fe26_2": wall2["fe26_2"], "mel_2": wall2["mel_2"]})
        cpu.update({"fe26_2": np.nan, "mel_2": np.nan})
        rows += [
            ("26 features: FeatureExtractor26 (n_jobs=2)", "fe26_2", "naive", 2),
            ("mel dB: MelSpectrogram (n_jobs=2)", "mel_2", "lmel", 2),
        ]

    print()
    print(
        "| method | wall ms/clip | realtime factor per core | speedup (wall) "
        "| CPU ms/clip | speedup (CPU time) |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    n = len(clips)
    for name, key, base, cores in rows:
        cpu_cells = (
            f"{1e3 * cpu[key] / n:.2f} | {cpu[base] / cpu[key]:.2f}x"
            if np.isfinite(cpu[key]) else "- | -"
        )
        print(
            f"| {name} | {1e3 * wall[key] / n:.2f} | {audio_s / wall[key] / cores:.0f}x "
            f"| {wall[base] / wall[key]:.2f}x | {cpu_cells} |"
        )
    if not args.no_parallel:
        print(
            f"\n2-core speedup (n_jobs=2 vs n_jobs=1, wall clock, interleaved): "
            f"FeatureExtractor26 {wall2['fe26'] / wall2['fe26_2']:.2f}x, "
            f"MelSpectrogram {wall2['mel'] / wall2['mel_2']:.2f}x"
        )
    ours, ref = out["fe26"], out["naive"]
    rel = np.abs(ours[:, 1:] - ref[:, 1:]) / np.maximum(np.abs(ref[:, 1:]), 1e-3)
    print(
        f"\nagreement with naive: tempo equal on {np.sum(ours[:, 0] == np.float32(ref[:, 0]))}"
        f"/{n} clips; other features max relative difference {rel.max():.1e}; "
        f"mel dB max abs difference {np.abs(out['mel'] - out['lmel']).max():.1e} dB"
    )

if __name__ == "__main__":
    main()
