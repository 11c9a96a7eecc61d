"""``skgenre predict`` over a library: songs per second with ``--jobs``, peak memory, resume.

The GTZAN mini set (100 real 30-s tracks) is tiled to N files by copies in a temporary
folder (never in the repository; about 0.9 GB for 1000 songs), and ``skgenre predict MODEL FOLDER --out
results.csv --jobs J --quiet`` is run on it in a subprocess. Reported per model and N: wall
time, songs per second, when the first song's row reached the file (start-up: imports,
model loads, workers), the songs per second after it, and the peak of the summed resident
memory of the command and its worker processes (sampled every 0.1 s with psutil).

``--kills K`` then checks resuming on the largest N: a fresh run into a new ``--out`` is
killed with ``kill -9`` (the command's process only, as a user would; its workers notice
and exit) K times, each at a moment drawn at random after the start-up, within the time the songs
still to do should take (from the uninterrupted run's rate), and run again with the same ``--out``
after each kill, then once more to the end. The final file
must hold every song exactly once, and each row must equal the uninterrupted run's row.

Run::

    python benchmarks/bench_library.py --train mini --models feature embedding \\
        --sizes 100 1000 --jobs 2 --kills 5
    python benchmarks/bench_library.py --model feature.skgenre --sizes 100 1000

``--train mini`` trains each ``--models`` pipeline (tuned preset) on all of GTZAN mini with
``skgenre train``; ``--train toy`` on the synthetic toy set (the pipeline, not its
accuracy, sets the speed).
"""

import argparse
import csv
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _common

MINI = _common.GTZAN / "mini"


def _tile(folder, n):
    # copies, not links: skgenre judges a file reached by two paths (or through a link)
    # once, so a library tiled by links would hold 100 songs whatever N
    songs = sorted(MINI.rglob("*.flac"))
    if not songs:
        sys.exit(f"no GTZAN mini tracks under {MINI}")
    for i in range(n):
        sub = folder / f"{i // 100:03d}"
        sub.mkdir(exist_ok=True)
        shutil.copyfile(songs[i % len(songs)], sub / f"song{i:05d}.flac")


def _has_a_row(path):
    """Whether the results file holds its first song's row (after its header lines)."""
    try:
        with open(path, "rb") as f:
            lines = [line for line in f.read().splitlines() if not line.startswith(b"#")]
    except OSError:
        return False
    return len(lines) > 1


def _run(cmd, env, *, kill_after=None, out=None):
    """Run ``cmd``: exit code, wall, peak RSS, stderr, and when ``out`` got its first row."""
    import psutil

    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    ps = psutil.Process(proc.pid)
    peak, first = 0, None
    while proc.poll() is None:
        if out is not None and first is None and _has_a_row(out):
            first = time.perf_counter() - start
        try:
            procs = [ps, *ps.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in procs if p.is_running()))
        except psutil.Error:
            pass
        if kill_after is not None and time.perf_counter() - start >= kill_after:
            workers = ps.children(recursive=True)
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            # The workers watch their parent and exit; wait for that, so that the next
            # run does not share the cores with orphans (and fail if they linger).
            _gone, alive = psutil.wait_procs(workers, timeout=30)
            if alive:
                sys.exit(f"workers still alive 30 s after kill -9: {alive}")
            break
        time.sleep(0.1)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace")
    if out is not None:
        return proc.returncode, wall, peak, err, first
    return proc.returncode, wall, peak, err


def _rows(path):
    with open(path, newline="") as f:
        lines = [line for line in f if not line.startswith("#")]
    return list(csv.DictReader(lines))


def _train(kind, data, out, env):
    cmd = [sys.executable, "-m", "skgenre", "train", "--model", kind, "--quiet",
           "--out", str(out)]
    if data == "mini":
        cmd += ["--data", str(MINI)]
    else:
        cmd += ["--n-per-class", "3", "--epochs", "2"]
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
    print(f"trained {kind} on {data} in {time.perf_counter() - t0:.0f} s")


def _kills(model, lib, n, ref, tmp, env, args, wall):
    out = tmp / "resume.csv"
    rng = random.Random(args.seed)
    print(f"\nkill -9, {args.kills} times, at a random moment of what is left to do "
          f"({n} songs; the uninterrupted run took {wall:.1f} s)")
    print("| run | killed at (s) | rows in file before | after |")
    print("| ---: | ---: | ---: | ---: |")
    for i in range(args.kills + 1):
        before = len(_rows(out)) if out.exists() else 0
        # After the start-up (imports, the model, skipping the songs done: about 4 s on
        # 2 cores), within the share of the uninterrupted run's wall time that the songs
        # still to do took there, so that each kill lands while songs are being judged.
        moment = None if i == args.kills else 4.0 + rng.uniform(0.1, 0.7) * (
            wall * (n - before) / n)
        cmd = [sys.executable, "-m", "skgenre", "predict", model, str(lib), "--out", str(out),
               "--jobs", str(args.jobs), "--quiet"]
        code, _, _, err = _run(cmd, env, kill_after=moment)
        if moment is None and code != 0:
            sys.exit(f"the last run exited with {code}:\n{err[-3000:]}")
        if moment is not None and code != -signal.SIGKILL:
            sys.exit(f"run {i + 1} ended ({code}) before its kill at {moment:.1f} s")
        after = len(_rows(out))
        shown = "-" if moment is None else f"{moment:.1f}"
        print(f"| {i + 1} | {shown} | {before} | {after} |", flush=True)
    rows = _rows(out)
    paths = [r["path"] for r in rows]
    assert len(paths) == len(set(paths)) == n, (len(paths), len(set(paths)), n)
    ref_rows = {r["path"]: r for r in _rows(ref)}
    differ = [p for p in paths if ref_rows[p] != rows[paths.index(p)]]
    assert not differ, f"{len(differ)} rows differ from the uninterrupted run: {differ[:3]}"
    print(f"final file: {n} songs, each once; every row equals the uninterrupted run's")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="a model file (default: train)")
    parser.add_argument("--train", choices=["mini", "toy"], default="toy",
                        help="what to train the --models on when --model is not given")
    parser.add_argument("--models", nargs="+", default=["feature"],
                        help="pipelines to train (skgenre train --model)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--kills", type=int, default=0,
                        help="kill -9 and resume this many times on the largest size "
                             "(first model)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the kill moments")
    parser.add_argument("--max-duration", default=None,
                        help="passed to predict (default: predict's own)")
    args = parser.parse_args(argv)
    # the library is tiled from mini: checked before any model is trained
    _common.require_folders(MINI)
    env = dict(os.environ, PYTHONPATH=str(_common.ROOT), TF_CPP_MIN_LOG_LEVEL="2")
    with tempfile.TemporaryDirectory(prefix="skgenre-bench-library-") as tmp:
        tmp = Path(tmp)
        if args.model is not None:
            models = {Path(args.model).stem: args.model}
        else:
            models = {}
            for kind in args.models:
                models[kind] = str(tmp / f"{kind}.skgenre")
                _train(kind, args.train, models[kind], env)
        libs = {}
        for n in args.sizes:
            libs[n] = tmp / f"lib{n}"
            libs[n].mkdir()
            _tile(libs[n], n)
        print(f"--jobs {args.jobs}; {os.cpu_count()} cores; "
              f"load average {os.getloadavg()[0]:.1f}")
        print("| model | songs | wall (s) | songs/s | first row at (s) | songs/s after it | "
              "peak RSS, all processes (MB) |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        walls = {}
        for name, model in models.items():
            for n in args.sizes:
                out = tmp / f"{name}{n}.csv"
                cmd = [sys.executable, "-m", "skgenre", "predict", model, str(libs[n]),
                       "--out", str(out), "--jobs", str(args.jobs), "--quiet"]
                if args.max_duration is not None:
                    cmd += ["--max-duration", args.max_duration]
                code, wall, peak, err, first = _run(cmd, env, out=out)
                if code != 0:
                    sys.exit(f"predict exited with {code}:\n{err[-3000:]}")
                rows = len(_rows(out))
                assert rows == n, (rows, n)
                walls[name, n] = wall
                # start-up (imports, model loads, workers) against the rate once running
                first = wall if first is None else first
                after = (n - 1) / (wall - first) if wall > first else float("nan")
                print(f"| {name} | {n} | {wall:.1f} | {n / wall:.2f} | {first:.1f} | "
                      f"{after:.2f} | {peak / 2**20:.0f} |", flush=True)
        print(f"load average after: {os.getloadavg()[0]:.1f}")
        if args.kills:
            name, model = next(iter(models.items()))
            n = max(args.sizes)
            _kills(model, libs[n], n, tmp / f"{name}{n}.csv", tmp, env, args, walls[name, n])


if __name__ == "__main__":
    main()
