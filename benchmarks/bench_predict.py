"""Where the time of ``skgenre predict`` goes: NumPy engine, Keras engine, bare imports.

Targets: ``skgenre predict MODEL song`` with a feature model takes at most 1.5 s wall from a
cold start (it runs the model file's inference plan, importing neither scikit-learn nor
TensorFlow), given beside ``python -c "import sklearn"`` measured in the same run. The script
trains a small model with ``skgenre train`` (or takes ``--model``), then runs ``import
sklearn``, ``import tensorflow``, ``skgenre predict`` (default: the plan), ``skgenre predict
--engine numpy`` (the model loaded whole, NumPy engine) and ``--engine keras``
``--rounds`` times, interleaved so that a load change on a shared machine hits all
alike, each in a child process pinned to ``--cpus`` cores, and reports the best and the
median wall and CPU time of each. ``--baseline-root DIR`` adds another checkout's
``skgenre predict`` (e.g. the code before the NumPy engine), with a model trained by that
checkout. ``--breakdown`` also times the phases of one predict in a child process (imports,
model file, decoding + features + network for the first song, the same for a second call),
once with the plan and once with the model loaded whole;
``--many N`` times one call on N paths (the songs given, repeated), which runs batched.
``--proba`` times ``predict_proba`` of the classifier alone per batch, NumPy engine against
Keras, for every network kind and preset (untrained networks of the preset's shape: the
time does not depend on the weights).

Run from the repository root::

    python benchmarks/bench_predict.py --breakdown --baseline-root ../main --proba
    python benchmarks/bench_predict.py --kind cnn --many 1000 --rounds 3
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import _common

# the start of both breakdown scripts: a clock, and mark(phase) after each phase
_MARKS = textwrap.dedent(
    """
    import json, os, sys, time
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    t0, c0 = time.perf_counter(), time.process_time()
    marks = []
    def mark(name):
        marks.append((name, time.perf_counter() - t0, time.process_time() - c0))
    """
)

_BREAKDOWN = _MARKS + textwrap.dedent(
    """
    import numpy, sklearn.pipeline
    mark("Python, NumPy, scikit-learn")
    from skgenre import load_model
    from skgenre._persist import import_skops_lean
    from skgenre.inference import predict_songs
    mark("skgenre modules")
    import_skops_lean()  # as `skgenre predict` does
    mark("import skops, no scan of sklearn")
    model = load_model(sys.argv[1], trust_pickle=True)
    mark("model file (NumPy engine)")
    predict_songs(model, sys.argv[2:3])
    mark("first song: decode, features, network")
    predict_songs(model, sys.argv[2:3])
    mark("the same song again (warm)")
    print(json.dumps(marks))
    print(json.dumps(sorted(m for m in ("keras", "tensorflow", "h5py", "pandas", "librosa")
                            if m in sys.modules)))
    """
)

_BREAKDOWN_PLAN = _MARKS + textwrap.dedent(
    """
    import numpy
    mark("Python, NumPy")
    from skgenre.inference._plan import load_plan
    from skgenre.inference._library import song_rows
    import skgenre.inference._judge, skgenre.features._maps
    mark("skgenre's plan modules (SciPy FFT, soundfile)")
    plan = load_plan(sys.argv[1])
    judge = plan.song_judge()
    mark("model file (the plan)")
    song_rows(judge, sys.argv[2])
    mark("first song: decode, features, network")
    song_rows(judge, sys.argv[2])
    mark("the same song again (warm)")
    print(json.dumps(marks))
    print(json.dumps(sorted(m for m in ("sklearn", "pandas", "joblib", "skops", "keras",
                                        "tensorflow", "scipy.stats") if m in sys.modules)))
    """
)

# predict_proba per batch: the Keras engine in one child process (which also saves each
# network), the NumPy engine in another that never imports TensorFlow (in one process,
# TensorFlow's idle thread pools slow NumPy's BLAS threads down on a 2-core machine).
_PROBA_KERAS = textwrap.dedent(
    """
    import json, sys, time
    import numpy as np
    from skgenre import GenreClassifier, save_model
    from skgenre.models import get_preset
    shapes = {"feature": {"paper": (26,), "tuned": (131,)}, "spec-dense": (128,),
              "cnn": (128, 216)}
    batches, out = [int(b) for b in sys.argv[1].split(",")], sys.argv[2]
    rng = np.random.default_rng(0)
    rows = []
    for kind in ("feature", "spec-dense", "cnn"):
        for preset in ("paper", "tuned"):
            shape = shapes[kind][preset] if isinstance(shapes[kind], dict) else shapes[kind]
            params = get_preset(preset, kind)["classifier"]
            params["precision"] = "float32"
            X = rng.normal(size=(max(batches), *shape)).astype("float32")
            y = np.arange(len(X)) % 10
            clf = GenreClassifier(**params, random_state=0).initialize(X, y)
            save_model(clf, f"{out}/{kind}-{preset}.skgenre")
            np.save(f"{out}/{kind}-{preset}.npy", X)
            for b in batches:
                clf.predict_proba(X[:b])  # warm-up (Keras traces, caches)
                times = []
                for _ in range(7 if b < 64 else 3):
                    t = time.perf_counter()
                    clf.predict_proba(X[:b])
                    times.append(time.perf_counter() - t)
                rows.append([kind, preset, "keras", b, min(times)])
    print(json.dumps(rows))
    """
)
_PROBA_NUMPY = textwrap.dedent(
    """
    import json, sys, time
    import numpy as np
    from skgenre import load_model
    batches, out = [int(b) for b in sys.argv[1].split(",")], sys.argv[2]
    rows = []
    for kind in ("feature", "spec-dense", "cnn"):
        for preset in ("paper", "tuned"):
            clf = load_model(f"{out}/{kind}-{preset}.skgenre")
            X = np.load(f"{out}/{kind}-{preset}.npy")
            for b in batches:
                clf.predict_proba(X[:b])
                times = []
                for _ in range(7 if b < 64 else 3):
                    t = time.perf_counter()
                    clf.predict_proba(X[:b])
                    times.append(time.perf_counter() - t)
                rows.append([kind, preset, "numpy", b, min(times)])
    assert "tensorflow" not in sys.modules
    print(json.dumps(rows))
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
    parser.add_argument("--baseline-root", default=None,
                        help="also time another checkout's `skgenre predict` (its own model)")
    parser.add_argument("--proba", action="store_true",
                        help="also time predict_proba per batch, NumPy against Keras")
    parser.add_argument("--batches", default="1,32,256", help="batch sizes of --proba")
    parser.add_argument("--report", default=None, help="also write the numbers as JSON here")
    args = parser.parse_args(argv)
    missing = [song for song in args.songs if not os.path.isfile(song)]
    if missing:  # before a model is trained for them
        raise SystemExit(f"no such song: {missing[0]} (the default is in the shared data: "
                         "../shared/data beside the checkout, or SKGENRE_SHARED)")

    def train(root, out):
        code = ("import sys; sys.path.insert(0, sys.argv[1]); from skgenre.cli import main; "
                "sys.exit(main(sys.argv[2:]))")
        run = _common.run_pinned(
            [sys.executable, "-c", code, root, "train", "--model", args.kind,
             "--n-per-class", "2", "--epochs", "1", "--out", out, "--quiet"],
            cpus=args.cpus,
        )
        if run["returncode"]:
            raise SystemExit(f"training the model with {root} failed")

    with tempfile.TemporaryDirectory(prefix="skgenre-bench-") as tmp:
        model = args.model
        if model is None:
            model = str(Path(tmp) / "model.skgenre")
            train(str(_common.ROOT), model)
        song = args.songs[:1]
        predict = [sys.executable, "-m", "skgenre", "predict", model, *song]
        commands = [
            ("python -c 'import sklearn'", [sys.executable, "-c", "import sklearn"]),
            ("python -c 'import tensorflow'", [sys.executable, "-c", "import tensorflow"]),
            ("skgenre predict (inference plan)", predict),
            ("skgenre predict --engine numpy (whole)", [*predict, "--engine", "numpy"]),
            ("skgenre predict --engine keras", [*predict, "--engine", "keras"]),
        ]
        if args.baseline_root:
            old_model = str(Path(tmp) / "baseline.skgenre")
            root = str(Path(args.baseline_root).resolve())
            train(root, old_model)
            code = ("import sys; sys.path.insert(0, sys.argv[1]); from skgenre.cli import main; "
                    "sys.exit(main(sys.argv[2:]))")
            commands.append((f"baseline {Path(root).name}: skgenre predict",
                             [sys.executable, "-c", code, root, "predict", old_model, *song]))
        runs = {name: [] for name, _ in commands}
        for _ in range(args.rounds):
            for name, cmd in commands:
                run = _common.run_pinned(cmd, cpus=args.cpus, stdout=subprocess.DEVNULL)
                if run["returncode"]:
                    raise SystemExit(f"{name} failed")
                runs[name].append(run)
        report = {"model": args.model or f"{args.kind}, trained on 20 toy songs",
                  "song": args.songs[0], "rounds": args.rounds,
                  "cores": runs[commands[0][0]][0]["cores"]}
        print(f"{'command':<44}{'wall best':>10}{'median':>8}{'CPU best':>10}{'median':>8}")
        for name, _ in commands:
            (wb, wm), (cb, cm) = _stats(runs[name], "wall_s"), _stats(runs[name], "cpu_s")
            print(f"{name:<44}{wb:>10.2f}{wm:>8.2f}{cb:>10.2f}{cm:>8.2f}")
            report[name] = {"wall_best": wb, "wall_median": wm, "cpu_best": cb, "cpu_median": cm}
        sk = _stats(runs[commands[0][0]], "wall_s")[1]
        ours = _stats(runs[commands[2][0]], "wall_s")[1]
        print(f"skgenre predict (inference plan), median wall: {ours:.2f} s (target: at most "
              f"1.5 s), {ours / sk:.1f}x `import sklearn` ({sk:.2f} s)")
        report["predict_over_import_sklearn"] = round(ours / sk, 2)

        if args.breakdown:
            for label, script in (("the plan", _BREAKDOWN_PLAN), ("loaded whole", _BREAKDOWN)):
                out = subprocess.run(
                    [sys.executable, "-c", script, model, args.songs[0]],
                    capture_output=True, text=True, env=_common.child_env(), check=True,
                )
                lines = out.stdout.strip().splitlines()
                marks, imported = json.loads(lines[-2]), json.loads(lines[-1])
                print(f"\n{'phase (one process), ' + label:<48}{'wall s':>8}{'CPU s':>8}")
                prev = (0.0, 0.0)
                for name, wall, cpu in marks:
                    print(f"{name:<48}{wall - prev[0]:>8.2f}{cpu - prev[1]:>8.2f}")
                    prev = (wall, cpu)
                print(f"imported at the end: {imported}")
                report.setdefault("breakdown", {})[label] = {"marks": marks,
                                                             "imported": imported}
        if args.many:
            songs = (args.songs * args.many)[: args.many]
            run = _common.run_pinned(
                [sys.executable, "-m", "skgenre", "predict", model, *songs, "--json"],
                cpus=args.cpus, stdout=subprocess.DEVNULL,
            )
            print(f"\none call on {args.many} paths: wall {run['wall_s']:.1f} s, CPU "
                  f"{run['cpu_s']:.1f} s ({run['cpu_s'] / args.many * 1000:.0f} ms CPU per song)")
            report["many"] = {"n_paths": args.many, **run}
    if args.proba:
        pin = (["taskset", "-c", ",".join(map(str, sorted(os.sched_getaffinity(0))[:args.cpus]))]
               if args.cpus else [])
        rows = []
        with tempfile.TemporaryDirectory(prefix="skgenre-proba-") as tmp:
            for script in (_PROBA_KERAS, _PROBA_NUMPY):
                out = subprocess.run(
                    [*pin, sys.executable, "-c", script, args.batches, tmp],
                    capture_output=True, text=True, env=_common.child_env(), check=True,
                )
                rows += json.loads(out.stdout.strip().splitlines()[-1])
        table = {}
        for kind, preset, engine, b, t in rows:
            table.setdefault((kind, preset, b), {})[engine] = t
        print(f"\n{'predict_proba, one batch':<28}{'batch':>6}{'Keras ms':>10}{'NumPy ms':>10}"
              f"{'Keras/NumPy':>12}")
        for (kind, preset, b), t in table.items():
            print(f"{kind + ' ' + preset:<28}{b:>6}{t['keras'] * 1e3:>10.2f}"
                  f"{t['numpy'] * 1e3:>10.2f}{t['keras'] / t['numpy']:>12.2f}")
        report["proba"] = rows
    if args.report:
        Path(args.report).write_text(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
