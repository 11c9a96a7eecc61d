"""Wall time of ``skgenre reproduce`` on a GTZAN-sized (1000-song) synthetic folder.

Writes ``make_toy_genres(n_per_class=100, n_classes=10, duration=30)`` to a temporary
folder in GTZAN's layout (30-s 22050-Hz WAV files, like GTZAN), then times
``python -m skgenre reproduce --data <folder>`` in a child process pinned to ``--cpus``
cores, and reports the wall time of every stage (from the run's results.json) next to the
target of 5 minutes for the whole reproduction on 2 cores.

Run from the repository root::

    python benchmarks/bench_reproduce.py                      # 1000 songs, 2 cores
    python benchmarks/bench_reproduce.py --n-per-class 10     # quick smoke run
    python benchmarks/bench_reproduce.py --cpus 0 --jobs -1   # all cores

The synthetic songs are NOT music; accuracies printed by the run mean nothing for GTZAN.
Only the timings matter here.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 300.0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n-per-class", type=int, default=100, help="songs per genre (default 100)")
    parser.add_argument("--duration", type=float, default=30.0, help="song length in s (default 30)")
    parser.add_argument("--cpus", type=int, default=2,
                        help="pin the run to this many cores (0: no pinning; default 2)")
    parser.add_argument("--jobs", type=int, default=2, help="--jobs of skgenre reproduce (default 2)")
    parser.add_argument("--preset", default="tuned", choices=["paper", "tuned"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", default=None,
                        help="folder for the toy set and the results (default: a temp folder, "
                             "removed); a toy set already there with the right number of songs "
                             "is reused")
    parser.add_argument("--report", default=None, help="also write the timings as JSON here")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    from skgenre.datasets import make_toy_genres

    tmp = None
    if args.workdir is None:
        tmp = tempfile.TemporaryDirectory(prefix="skgenre-bench-")
        work = Path(tmp.name)
    else:
        work = Path(args.workdir)
        work.mkdir(parents=True, exist_ok=True)
    data, out = work / "gtzan", work / "results"

    n = 10 * args.n_per_class
    t0 = time.perf_counter()
    existing = sorted(data.glob("genres/*/*.wav")) if data.is_dir() else []
    if args.workdir is not None and len(existing) == n:
        print(f"reusing the {n} songs already in {data}", flush=True)
    else:
        make_toy_genres(n_per_class=args.n_per_class, n_classes=10, duration=args.duration,
                        random_state=args.seed, path=data)
        print(f"wrote {n} synthetic {args.duration:g}-s songs to {data}", flush=True)
    t_write = time.perf_counter() - t0

    cmd = [sys.executable, "-m", "skgenre", "reproduce", "--data", str(data), "--out", str(out),
           "--preset", args.preset, "--seed", str(args.seed), "--jobs", str(args.jobs)]
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    cpus = None
    if args.cpus > 0 and hasattr(os, "sched_setaffinity"):
        available = sorted(os.sched_getaffinity(0))
        cpus = set(available[: args.cpus])

    def pin():
        if cpus:
            os.sched_setaffinity(0, cpus)

    print("running:", " ".join(cmd), f"(pinned to cores {sorted(cpus)})" if cpus else "", flush=True)
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    # Output streams through: the run's progress (stderr) shows while it works.
    proc = subprocess.run(cmd, env=env, preexec_fn=pin)
    wall = time.perf_counter() - t0
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    # CPU time of the run and its workers: on a busy machine wall time overstates what a
    # quiet one needs; CPU seconds / cores is a floor for the wall time on idle cores.
    cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    if proc.returncode != 0:
        raise SystemExit(f"skgenre reproduce failed with exit status {proc.returncode}")

    res = json.loads((out / "results.json").read_text())
    stages = res["timings_s"]
    print(f"{'stage':<24}{'wall s':>10}{'share':>9}")
    for name, secs in stages.items():
        if name != "total":
            print(f"{name:<24}{secs:>10.1f}{secs / stages['total']:>9.1%}")
    print(f"{'total (in process)':<24}{stages['total']:>10.1f}")
    print(f"{'process wall time':<24}{wall:>10.1f}   (includes Python/TensorFlow start-up)")
    n_cores = len(cpus) if cpus else os.cpu_count()
    print(f"{'process CPU time':<24}{cpu:>10.1f}   (user+sys of the run and its workers; "
          f"/{n_cores} cores = {cpu / n_cores:.1f} s)")
    verdict = "within" if wall <= TARGET_S else "OVER"
    print(f"{n} songs on {len(cpus) if cpus else os.cpu_count()} core(s): {wall:.1f} s, "
          f"{verdict} the {TARGET_S:.0f}-s target")

    report = {
        "n_songs": n, "song_duration_s": args.duration, "cores": len(cpus) if cpus else os.cpu_count(),
        "jobs": args.jobs, "preset": args.preset, "seed": args.seed,
        "write_toy_set_s": round(t_write, 2), "process_wall_s": round(wall, 2),
        "process_cpu_s": round(cpu, 2),
        "stages_s": stages, "target_s": TARGET_S, "within_target": wall <= TARGET_S,
        "accuracy": {f"{r['model']}@{r['noise_rate']}": r["accuracy"] for r in res["results"]},
    }
    if args.report:
        Path(args.report).write_text(json.dumps(report, indent=2))
    if tmp is not None:
        tmp.cleanup()
    return report


if __name__ == "__main__":
    main()
