"""Peak memory (and time) of ``skgenre train --data`` over 1000 30-s songs on disk.

The same folder as ``bench_reproduce.py`` (toy songs, or real tracks with ``--tile``); the
run is a child process pinned to ``--cpus`` cores, and its peak resident memory is read
from ``getrusage`` (the "Maximum resident set size" of ``/usr/bin/time -v``). The target:
under 1.5 GB, whatever the number of songs, because the pipeline decodes a chunk of files
at a time and keeps only one clip per song.

Run from the repository root::

    python benchmarks/bench_train_memory.py --model cnn --epochs 1
    python benchmarks/bench_train_memory.py --model feature --tile ../shared/data/gtzan/mini
"""

import argparse
import json
import sys
from pathlib import Path

import _common

TARGET_MB = 1536.0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="cnn", help="--model of skgenre train (default cnn)")
    parser.add_argument("--preset", default="paper", choices=["paper", "tuned"])
    parser.add_argument("--epochs", type=int, default=1,
                        help="--epochs (default 1: the memory does not grow with epochs)")
    parser.add_argument("--n-per-class", type=int, default=100, help="songs per genre (default 100)")
    parser.add_argument("--tile", metavar="DIR", default=None,
                        help="make the songs from the real tracks of DIR's genre folders")
    parser.add_argument("--cpus", type=int, default=2, help="pin to this many cores (default 2)")
    parser.add_argument("--jobs", type=int, default=2, help="--jobs of skgenre train (default 2)")
    parser.add_argument("--workdir", default=None,
                        help="folder for the songs (default: a temp folder, removed)")
    parser.add_argument("--report", default=None, help="also write the numbers as JSON here")
    args = parser.parse_args(argv)

    with _common.bench_songs(args.workdir, tile=args.tile,
                             n_per_class=args.n_per_class) as (work, data):
        model = work / f"{args.model}.skgenre"
        cmd = [sys.executable, "-m", "skgenre", "train", "--model", args.model, "--data", str(data),
               "--preset", args.preset, "--epochs", str(args.epochs), "--jobs", str(args.jobs),
               "--out", str(model), "--quiet"]
        print("running:", " ".join(cmd), flush=True)
        run = _common.run_pinned(cmd, cpus=args.cpus)
        if run["returncode"] != 0:
            raise SystemExit(f"skgenre train failed with exit status {run['returncode']}")
        n = 10 * args.n_per_class
        verdict = "under" if run["max_rss_mb"] < TARGET_MB else "OVER"
        print(f"{n} songs, --model {args.model}: peak RSS {run['max_rss_mb']:.0f} MB ({verdict} "
              f"{TARGET_MB:.0f} MB), wall {run['wall_s']:.1f} s, CPU {run['cpu_s']:.1f} s on "
              f"{run['cores']} core(s)")
        report = {"n_songs": n, "model": args.model, "preset": args.preset, "epochs": args.epochs,
                  "songs": "tiled from " + str(args.tile) if args.tile else "synthetic toy set",
                  **run, "target_mb": TARGET_MB}
        if args.report:
            Path(args.report).write_text(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
