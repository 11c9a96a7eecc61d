"""Peak memory (RSS) of feature extraction over many 5-s clips; the budget is 1.5 GB.

Each stage runs in a fresh Python process, so every peak is that stage's own: the process
makes ``--n-clips`` synthetic 5-s float32 clips (22050 Hz; 1000 clips are 441 MB), runs
one transformer over all of them (which works in bounded chunks), and reports the peak
resident set size (``ru_maxrss``) and the part above the clips themselves.

Usage (from the repository root)::

    python benchmarks/bench_memory.py                    # 1000 clips, all stages
    python benchmarks/bench_memory.py --n-clips 200 --stages features26 mel

Exit status 1 if a stage's peak exceeds ``--budget-mb`` (default 1536).
"""

import argparse
import json
import resource
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STAGES = ("features26", "features", "mel", "mel+rowmean")


def _peak_mb():
    # ru_maxrss is in KiB on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_stage(stage, n_clips, n_jobs):
    sys.path.insert(0, str(ROOT))
    import numpy as np

    from skgenre.features import FeatureExtractor, FeatureExtractor26, MelSpectrogram
    from skgenre.features import RowMeanVectorizer

    import_mb = _peak_mb()
    rng = np.random.default_rng(0)
    clips = np.empty((n_clips, 5 * 22050), dtype=np.float32)
    for i in range(n_clips):
        clips[i] = 0.1 * rng.standard_normal(clips.shape[1], dtype=np.float32)
    base_mb = _peak_mb()
    if stage == "features26":
        out = FeatureExtractor26(n_jobs=n_jobs).fit_transform(clips)
    elif stage == "features":
        out = FeatureExtractor(n_jobs=n_jobs).fit_transform(clips)
    elif stage == "mel":
        out = MelSpectrogram(n_jobs=n_jobs).fit_transform(clips)
    else:
        out = RowMeanVectorizer().fit_transform(MelSpectrogram(n_jobs=n_jobs).fit_transform(clips))
    assert out.shape[0] == n_clips and np.isfinite(out).all()
    peak = _peak_mb()
    return {
        "stage": stage,
        "output_mb": out.nbytes / 2**20,
        "after_import_mb": import_mb,
        "with_clips_mb": base_mb,
        "peak_mb": peak,
        "above_clips_mb": peak - base_mb,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-clips", type=int, default=1000)
    parser.add_argument("--n-jobs", type=int, default=1, help="n_jobs of the transformers")
    parser.add_argument("--stages", nargs="+", choices=STAGES, default=list(STAGES))
    parser.add_argument("--budget-mb", type=float, default=1536.0)
    parser.add_argument("--_child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args._child:
        print(json.dumps(run_stage(args._child, args.n_clips, args.n_jobs)))
        return 0

    print(
        f"{args.n_clips} synthetic 5-s clips, n_jobs={args.n_jobs}, "
        f"budget {args.budget_mb:.0f} MB"
    )
    print()
    print(
        "| stage | output MB | RSS after imports MB | with clips MB | peak RSS MB "
        "| peak above clips MB |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    over = False
    for stage in args.stages:
        res = subprocess.run(
            [sys.executable, __file__, "--_child", stage, "--n-clips", str(args.n_clips),
             "--n-jobs", str(args.n_jobs)],
            capture_output=True, text=True, check=True,
        )
        r = json.loads(res.stdout.strip().splitlines()[-1])
        over |= r["peak_mb"] > args.budget_mb
        print(
            f"| {stage} | {r['output_mb']:.0f} | {r['after_import_mb']:.0f} | "
            f"{r['with_clips_mb']:.0f} | {r['peak_mb']:.0f} | {r['above_clips_mb']:.0f} |"
        )
    print()
    print("over budget" if over else f"all stages under {args.budget_mb:.0f} MB")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
