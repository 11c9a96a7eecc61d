"""``skgenre predict`` over a library: songs per second with ``--jobs``, and peak memory.

The GTZAN mini set (100 real 30-s tracks) is tiled to N files by symbolic links in a
temporary folder (never in the repository), and ``skgenre predict MODEL FOLDER --out
results.csv --jobs J --quiet`` is run on it in a subprocess. Reported per N: wall time,
songs per second, and the peak of the summed resident memory of the command and its worker
processes (sampled every 0.1 s with psutil).

Run::

    python benchmarks/bench_library.py --model feature.skgenre --sizes 100 1000 --jobs 2

Without ``--model``, a tuned feature model is trained on the synthetic toy set first (the
pipeline, not its accuracy, sets the speed).
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MINI = ROOT.parent / "shared" / "data" / "gtzan" / "mini"


def _tile(folder, n):
    songs = sorted(MINI.rglob("*.flac"))
    if not songs:
        sys.exit(f"no GTZAN mini tracks under {MINI}")
    for i in range(n):
        sub = folder / f"{i // 100:03d}"
        sub.mkdir(exist_ok=True)
        os.symlink(songs[i % len(songs)], sub / f"song{i:05d}.flac")


def _run(cmd, env):
    import psutil

    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    ps = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            procs = [ps, *ps.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in procs if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.1)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace")
    return proc.returncode, wall, peak, err


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="model file (default: train one)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--max-duration", default=None,
                        help="passed to predict (default: predict's own)")
    args = parser.parse_args(argv)
    env = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="2")
    with tempfile.TemporaryDirectory(prefix="skgenre-bench-library-") as tmp:
        tmp = Path(tmp)
        model = args.model
        if model is None:
            model = str(tmp / "feature.skgenre")
            subprocess.run([sys.executable, "-m", "skgenre", "train", "--model", "feature",
                            "--n-per-class", "3", "--epochs", "2", "--quiet", "--out", model],
                           env=env, check=True, stdout=subprocess.DEVNULL)
        print(f"model: {model}; --jobs {args.jobs}; load average {os.getloadavg()[0]:.1f}")
        print("| songs | wall (s) | songs/s | peak RSS, all processes (MB) |")
        print("| ---: | ---: | ---: | ---: |")
        for n in args.sizes:
            lib = tmp / f"lib{n}"
            lib.mkdir()
            _tile(lib, n)
            cmd = [sys.executable, "-m", "skgenre", "predict", model, str(lib), "--out",
                   str(tmp / f"res{n}.csv"), "--jobs", str(args.jobs), "--quiet"]
            if args.max_duration is not None:
                cmd += ["--max-duration", args.max_duration]
            code, wall, peak, err = _run(cmd, env)
            if code != 0:
                sys.exit(f"predict exited with {code}:\n{err[-3000:]}")
            rows = (tmp / f"res{n}.csv").read_text().count("\n") - 2
            assert rows == n, (rows, n)
            print(f"| {n} | {wall:.1f} | {n / wall:.2f} | {peak / 2**20:.0f} |", flush=True)
        print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
