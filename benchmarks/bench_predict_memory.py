"""Peak memory of ``skgenre predict`` on one long song, by song length and ``--max-duration``.

The script writes FLAC files of a gliding tone with a little noise (22050 Hz, mono, 16-bit)
of each ``--minutes`` length into a temporary folder, trains a small model on the synthetic
toy set (``--kind feature`` or ``cnn``, one epoch: memory, not accuracy, is measured) and
runs ``python -m skgenre predict MODEL FILE`` in a fresh process for every file and every
``--max-duration`` value. The peak resident set size of that process (``ru_maxrss`` from
``os.wait4``) is reported, and for reference the peak of a process that only imports
skgenre and loads the model.

Usage (from the repository root)::

    python benchmarks/bench_predict_memory.py                       # 1, 10 and 60 min
    python benchmarks/bench_predict_memory.py --minutes 1 60 --max-duration 600 0 --kind cnn

``--max-duration 0`` judges whole songs (no bound).
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SR = 22050


def write_song(path, minutes):
    import numpy as np
    import soundfile as sf

    rng = np.random.default_rng(0)
    with sf.SoundFile(path, "w", samplerate=SR, channels=1, subtype="PCM_16") as f:
        for minute in range(minutes):
            t = np.arange(60 * SR) / SR + 60 * minute
            x = 0.3 * np.sin(2 * np.pi * (220 + 20 * np.sin(t / 7)) * t)
            x += 0.01 * rng.standard_normal(len(t))
            f.write(x.astype(np.float32))


def train_model(path, kind):
    sys.path.insert(0, str(ROOT))
    from skgenre import make_cnn_pipeline, make_feature_pipeline, save_model
    from skgenre.datasets import make_toy_genres

    toy = make_toy_genres(n_per_class=6, n_classes=3, duration=6.0, random_state=0)
    make = make_cnn_pipeline if kind == "cnn" else make_feature_pipeline
    pipe = make("tuned" if kind == "cnn" else "paper", random_state=0, epochs=1)
    save_model(pipe.fit(toy.data, toy.target), path)


def peak_mb(args):
    """Run a command in a fresh process; return (exit status, its peak RSS in MB, stdout)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = proc.stdout.read().decode("utf-8", "replace")
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, usage.ru_maxrss / 1024, out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=int, nargs="+", default=[1, 10, 60])
    parser.add_argument("--max-duration", type=float, nargs="+", default=[600.0, 0.0])
    parser.add_argument("--kind", choices=["feature", "cnn"], default="feature")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        model = Path(tmp) / f"{args.kind}.skgenre"
        train_model(model, args.kind)
        _, base, _ = peak_mb([
            sys.executable, "-c",
            f"from skgenre import load_model; load_model({str(model)!r})",
        ])
        print(f"model: {args.kind}; import skgenre + load_model: peak {base:.0f} MB")
        print("| song | --max-duration | judged | peak RSS (MB) | above import + load (MB) |")
        print("| --- | ---: | --- | ---: | ---: |")
        for minutes in args.minutes:
            song = Path(tmp) / f"song_{minutes}min.flac"
            write_song(song, minutes)
            for limit in args.max_duration:
                code, peak, out = peak_mb([
                    sys.executable, "-m", "skgenre", "predict", str(model), str(song),
                    "--max-duration", f"{limit:g}",
                ])
                found = re.search(r"\(([\d.]+) s, (\d+) clip", out)
                judged = f"{found[1]} s, {found[2]} clips" if found else f"exit {code}"
                print(f"| {minutes} min | {limit:g} | {judged} | {peak:.0f} | {peak - base:.0f} |")
            song.unlink()


if __name__ == "__main__":
    main()
