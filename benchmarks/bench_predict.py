"""Where the time of ``skgenre predict`` goes, against a bare ``import tensorflow``.

Target: ``skgenre predict MODEL song`` takes at most the time of ``python -c "import
tensorflow"`` plus 1.5 s. The script trains a small model with ``skgenre train`` (or takes
``--model``), then runs both commands ``--rounds`` times, interleaved so that a load change
on a shared machine hits both alike, each in a child process pinned to ``--cpus`` cores,
and reports the best and the median wall and CPU time of each. ``--breakdown`` also times
the phases of one predict in a child process (imports, model file, decoding + features +
network for the first song, the same for a second call); ``--many N`` times one call on N
paths (the songs given, repeated), which runs batched.

Run from the repository root::

    python benchmarks/bench_predict.py --breakdown
    python benchmarks/bench_predict.py --kind cnn --many 1000 --rounds 3
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import _common

_BREAKDOWN = textwrap.dedent(
    """
    import json, os, sys, time
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    t0, c0 = time.perf_counter(), time.process_time()
    marks = []
    def mark(name):
        marks.append((name, time.perf_counter() - t0, time.process_time() - c0))
    import numpy, sklearn.pipeline
    mark("Python, NumPy, scikit-learn")
    import tensorflow
    mark("import tensorflow (with Keras)")
    from skgenre import load_model
    from skgenre._persist import import_skops_lean
    from skgenre.inference import predict_songs
    mark("skgenre modules")
    import_skops_lean()  # as `skgenre predict` does
    mark("import skops, no scan of sklearn")
    model = load_model(sys.argv[1], trust_pickle=True)
    mark("model file")
    predict_songs(model, sys.argv[2:3])
    mark("first song: decode, features, network")
    predict_songs(model, sys.argv[2:3])
    mark("the same song again (warm)")
    print(json.dumps(marks))
    """
)


def _stats(runs, key):
    values = [r[key] for r in runs]
    return min(values), statistics.median(values)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=None, help="a model file (default: train one)")
    parser.add_argument("--kind", default="feature", help="--model of the trained one")
    parser.add_argument("--songs", nargs="+",
                        default=[str(_common.GTZAN / "sample" / "blues" / "blues.00099.mp3")],
                        help="songs to predict (default: the GTZAN sample mp3)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--cpus", type=int, default=2, help="pin to this many cores (default 2)")
    parser.add_argument("--breakdown", action="store_true", help="also time the phases")
    parser.add_argument("--many", type=int, default=0, help="also one call on this many paths")
    parser.add_argument("--report", default=None, help="also write the numbers as JSON here")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="skgenre-bench-") as tmp:
        model = args.model
        if model is None:
            model = str(Path(tmp) / "model.skgenre")
            run = _common.run_pinned(
                [sys.executable, "-m", "skgenre", "train", "--model", args.kind,
                 "--n-per-class", "2", "--epochs", "1", "--out", model, "--quiet"],
                cpus=args.cpus,
            )
            if run["returncode"]:
                raise SystemExit("training the model failed")
        tf_cmd = [sys.executable, "-c", "import tensorflow"]
        predict_cmd = [sys.executable, "-m", "skgenre", "predict", model, *args.songs[:1]]
        bare, pred = [], []
        for _ in range(args.rounds):
            bare.append(_common.run_pinned(tf_cmd, cpus=args.cpus))
            pred.append(_common.run_pinned(predict_cmd, cpus=args.cpus))
        report = {"model": args.model or f"{args.kind}, trained on 20 toy songs",
                  "song": args.songs[0], "rounds": args.rounds, "cores": bare[0]["cores"]}
        print(f"{'command':<34}{'wall best':>10}{'median':>8}{'CPU best':>10}{'median':>8}")
        for name, runs in (("python -c 'import tensorflow'", bare), ("skgenre predict (1 song)", pred)):
            (wb, wm), (cb, cm) = _stats(runs, "wall_s"), _stats(runs, "cpu_s")
            print(f"{name:<34}{wb:>10.2f}{wm:>8.2f}{cb:>10.2f}{cm:>8.2f}")
            report[name] = {"wall_best": wb, "wall_median": wm, "cpu_best": cb, "cpu_median": cm}
        extra = _stats(pred, "wall_s")[1] - _stats(bare, "wall_s")[1]
        extra_cpu = _stats(pred, "cpu_s")[1] - _stats(bare, "cpu_s")[1]
        print(f"predict minus bare import (medians): wall {extra:+.2f} s, CPU {extra_cpu:+.2f} s "
              "(target: at most +1.5 s)")
        report["extra_wall_s"], report["extra_cpu_s"] = round(extra, 2), round(extra_cpu, 2)

        if args.breakdown:
            out = subprocess.run(
                [sys.executable, "-c", _BREAKDOWN, model, args.songs[0]],
                capture_output=True, text=True, env=_common.child_env(), check=True,
            )
            marks = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"\n{'phase (one process)':<42}{'wall s':>8}{'CPU s':>8}")
            prev = (0.0, 0.0)
            for name, wall, cpu in marks:
                print(f"{name:<42}{wall - prev[0]:>8.2f}{cpu - prev[1]:>8.2f}")
                prev = (wall, cpu)
            report["breakdown"] = marks
        if args.many:
            songs = (args.songs * args.many)[: args.many]
            run = _common.run_pinned(
                [sys.executable, "-m", "skgenre", "predict", model, *songs, "--json"],
                cpus=args.cpus, stdout=subprocess.DEVNULL,
            )
            print(f"\none call on {args.many} paths: wall {run['wall_s']:.1f} s, CPU "
                  f"{run['cpu_s']:.1f} s ({run['cpu_s'] / args.many * 1000:.0f} ms CPU per song)")
            report["many"] = {"n_paths": args.many, **run}
    if args.report:
        Path(args.report).write_text(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
