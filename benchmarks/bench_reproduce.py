"""Wall time, CPU time and peak memory of ``skgenre reproduce`` on 1000 songs on disk.

Writes a GTZAN-sized folder of 30-s 22050-Hz WAV files (10 genres x 100 songs): the
synthetic toy set (``make_toy_genres``), or with ``--tile DIR`` real music, the tracks of
DIR's genre folders (e.g. the 100 tracks of the GTZAN mini set) each written several times,
every copy rolled by another 3 s. Then it runs ``python -m skgenre reproduce --data
<folder>`` in a child process pinned to ``--cpus`` cores, and reports the wall time of
every stage (from the run's results.json), the process's wall and CPU time and its peak
resident memory, against the target of 5 minutes for the whole reproduction on 2 cores.

Run from the repository root::

    python benchmarks/bench_reproduce.py --preset paper                  # toy songs, 2 cores
    python benchmarks/bench_reproduce.py --preset paper --tile ../shared/data/gtzan/mini
    python benchmarks/bench_reproduce.py --n-per-class 10                # quick smoke run

The toy songs are NOT music and the tiled ones repeat 100 tracks: accuracies printed by
the run say nothing about GTZAN. Only the timings and the memory matter here.
"""

import argparse
import json
import sys
from pathlib import Path

import _common

TARGET_S = 300.0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n-per-class", type=int, default=100, help="songs per genre (default 100)")
    parser.add_argument("--duration", type=float, default=30.0, help="song length in s (default 30)")
    parser.add_argument("--tile", metavar="DIR", default=None,
                        help="make the songs from the real tracks of DIR's genre folders")
    parser.add_argument("--cpus", type=int, default=2,
                        help="pin the run to this many cores (0: no pinning; default 2)")
    parser.add_argument("--jobs", type=int, default=2, help="--jobs of skgenre reproduce (default 2)")
    parser.add_argument("--preset", default="paper", choices=["paper", "tuned"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", default=None,
                        help="folder for the songs and the results (default: a temp folder, "
                             "removed); songs already there in the right number are reused")
    parser.add_argument("--report", default=None, help="also write the numbers as JSON here")
    args = parser.parse_args(argv)

    with _common.bench_songs(args.workdir, tile=args.tile,
                             n_per_class=args.n_per_class,
                             duration=args.duration, seed=args.seed) as (work, data):
        out = work / "results"
        n = 10 * args.n_per_class
        print(f"{n} songs of {args.duration:g} s in {data}", flush=True)

        cmd = [sys.executable, "-m", "skgenre", "reproduce", "--data", str(data), "--out", str(out),
               "--overwrite", "--preset", args.preset, "--seed", str(args.seed),
               "--jobs", str(args.jobs)]
        print("running:", " ".join(cmd), flush=True)
        run = _common.run_pinned(cmd, cpus=args.cpus)
        if run["returncode"] != 0:
            raise SystemExit(f"skgenre reproduce failed with exit status {run['returncode']}")

        res = json.loads((out / "results.json").read_text())
        stages = res["timings_s"]
        print(f"{'stage':<24}{'wall s':>10}{'share':>9}")
        for name, secs in stages.items():
            if name != "total":
                print(f"{name:<24}{secs:>10.1f}{secs / stages['total']:>9.1%}")
        print(f"{'total (in process)':<24}{stages['total']:>10.1f}")
        print(f"{'process wall time':<24}{run['wall_s']:>10.1f}   (includes Python/TensorFlow start-up)")
        print(f"{'process CPU time':<24}{run['cpu_s']:>10.1f}   (user+sys of the run and its "
              f"workers; /{run['cores']} cores = {run['cpu_s'] / run['cores']:.1f} s)")
        print(f"{'peak memory (RSS)':<24}{run['max_rss_mb']:>10.0f} MB")
        verdict = "within" if run["wall_s"] <= TARGET_S else "OVER"
        print(f"{n} songs on {run['cores']} core(s): {run['wall_s']:.1f} s, "
              f"{verdict} the {TARGET_S:.0f}-s target")

        report = {
            "n_songs": n, "song_duration_s": args.duration,
            "songs": "tiled from " + str(args.tile) if args.tile else "synthetic toy set",
            "jobs": args.jobs, "preset": args.preset, "seed": args.seed, **run,
            "stages_s": stages, "target_s": TARGET_S, "within_target": run["wall_s"] <= TARGET_S,
            "accuracy": {f"{r['model']}@{r['noise_rate']}": r["accuracy"] for r in res["results"]},
        }
        if args.report:
            Path(args.report).write_text(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
