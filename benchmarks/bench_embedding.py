"""musicnn embeddings: accuracy on real GTZAN tracks, extraction speed, peak memory.

Usage (from the repository root; the weights installed with
``pip install --no-deps musicnn==0.1.0``)::

    python benchmarks/bench_embedding.py accuracy            # mini set, 5-fold x 4 repeats
    python benchmarks/bench_embedding.py accuracy --reference /tmp/musicnn_reference_mini.npz
    python benchmarks/bench_embedding.py speed               # one core, batched
    python benchmarks/bench_embedding.py memory              # 10-min track; many tracks

``accuracy`` embeds the 100 real tracks of ``../shared/data/gtzan/mini`` ONCE with the
head of :func:`skgenre.make_embedding_pipeline` (its ``load``, ``clip`` (the whole track)
and ``embed`` steps), keeping every 3-s patch's ``penultimate``, ``pool`` and
``taggram`` outputs, then scores candidate (features, classifier) pairs by stratified
5-fold cross-validation by track, repeated (``RepeatedStratifiedKFold``, seed 0). Reusing
the embeddings is exact: the head embeds each track on its own and learns nothing in
``fit``, so ``pipe.fit(paths[train]).predict(paths[test])`` equals the pipeline's scaler
and classifier fitted on the cached rows of ``train``. ``--reference`` adds the rows of
the original musicnn code (see ``musicnn_reference/extract_reference.py``).

``speed`` times, with BLAS and TensorFlow held to one thread, CPU seconds (process time)
per second of audio: the whole transform from 22.05-kHz waveforms (resampling, log-mel,
network) and the network alone, against the limit that the network's multiply-adds and
this CPU's measured matrix-product speed allow.

``memory`` runs each case in a fresh process and reports its peak resident memory.
"""

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from _common import GTZAN

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
MINI = GTZAN / "mini"
LAYERS = ("penultimate", "pool", "taggram")


def mini_files(data):
    files = sorted(p for p in Path(data).glob("*/*") if p.is_file())
    if not files:
        sys.exit(f"no audio files under {data}/<genre>/; pass --data")
    return files, np.array([p.parent.name for p in files])


def embed_patches(files, cache, model):
    """Per-patch outputs of every layer for every file, computed once (cached in .npz)."""
    if cache:
        cache = Path(str(cache).format(model=model))
    if cache and cache.is_file():
        z = np.load(cache, allow_pickle=False)
        n = z["n_patches"]
        bounds = np.r_[0, np.cumsum(n)]
        return {
            layer: [z[layer][a:b] for a, b in zip(bounds[:-1], bounds[1:])] for layer in LAYERS
        }, float(z["cpu_seconds"])
    from skgenre import make_embedding_pipeline

    t0 = time.process_time()
    head = make_embedding_pipeline()
    # load + clip (the whole track): each track's waveform, as the pipeline gives it
    waves = head[:2].fit_transform([str(f) for f in files])
    embed = head.named_steps["embed"].set_params(model=model)
    out = {}
    for layer in LAYERS:
        out[layer] = embed.set_params(layer=layer).fit(waves[:1]).transform_patches(waves)
    cpu = time.process_time() - t0
    if cache:
        np.savez_compressed(
            cache,
            n_patches=np.array([len(p) for p in out["penultimate"]]),
            cpu_seconds=cpu,
            **{layer: np.concatenate(out[layer]) for layer in LAYERS},
        )
    return out, cpu


def pooled(patches, stats):
    parts = {
        "mean": lambda p: p.mean(axis=0),
        "std": lambda p: p.std(axis=0),
        "max": lambda p: p.max(axis=0),
    }
    return np.stack([np.concatenate([parts[s](p) for s in stats]) for p in patches])


def candidates(random_state=0):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    out = {}
    for c in (1, 10):
        out[f"RBF SVC C={c}"] = lambda c=c: make_pipeline(StandardScaler(), SVC(C=c))
    for c in (0.01, 0.1):
        out[f"logistic regression C={c}"] = lambda c=c: make_pipeline(
            StandardScaler(), LogisticRegression(C=c, max_iter=5000)
        )
    return out


def cv_scores(make, X, y, n_repeats, seed=0):
    from sklearn.model_selection import RepeatedStratifiedKFold

    cv = RepeatedStratifiedKFold(n_splits=5, n_repeats=n_repeats, random_state=seed)
    scores = []
    for train, test in cv.split(X, y):
        model = make().fit(X[train], y[train])
        scores.append(float(np.mean(model.predict(X[test]) == y[test])))
    return np.array(scores)


def run_accuracy(args):
    files, y = mini_files(args.data)
    feature_sets = {}
    short = {"MSD_musicnn": "MSD", "MTT_musicnn": "MTT"}
    patches = {}
    for model in args.models:
        patches[model], cpu = embed_patches(files, args.cache, model)
        print(f"{model}: embedded {len(files)} tracks once ({cpu:.0f} CPU s for the three layers)")
        for layer in LAYERS:
            for stats in (("mean",), ("mean", "std")):
                name = f"{short[model]} {layer} {'+'.join(stats)}"
                feature_sets[name] = pooled(patches[model][layer], stats)
    if len(args.models) > 1:
        feature_sets["MSD+MTT penultimate mean"] = np.hstack(
            [feature_sets[f"{short[m]} penultimate mean"] for m in args.models]
        )
    for model in args.models:
        feature_sets[f"{short[model]} penultimate+pool mean"] = np.hstack(
            [feature_sets[f"{short[model]} penultimate mean"], feature_sets[f"{short[model]} pool mean"]]
        )
    rows = []
    makers = candidates()
    names = args.features or list(feature_sets)
    for fname in names:
        for cname, make in makers.items():
            s = cv_scores(make, feature_sets[fname], y, args.repeats)
            rows.append((f"skgenre {fname}", cname, s.mean(), s.std()))
            print(f"  {fname:32s} {cname:28s} {s.mean():.3f} +- {s.std():.3f}", flush=True)
    if args.pipeline:
        from skgenre import make_embedding_pipeline

        pipe = make_embedding_pipeline(random_state=0)
        emb = pipe.named_steps["embed"]
        X = pooled(
            patches[emb.model][emb.layer], (emb.stats,) if isinstance(emb.stats, str) else emb.stats
        )
        from sklearn.base import clone

        tail = pipe[-2:]
        s = cv_scores(lambda: clone(tail), X, y, args.repeats)
        rows.append(("make_embedding_pipeline()", "its scale + classifier", s.mean(), s.std()))
        print(f"  make_embedding_pipeline(): {s.mean():.3f} +- {s.std():.3f}", flush=True)
    for path in args.reference or ():
        ref = np.load(path)
        how = str(ref["preprocessing"]) if "preprocessing" in ref else "extractor(), float16 log-mel"
        order = {(g, f): i for i, (g, f) in enumerate(zip(ref["genre"], ref["filename"]))}
        idx = [order[(g, f.name)] for g, f in zip(y, files)]
        print(f"reference ({how}): {int(ref['nan_patches'].sum())} non-finite patches of "
              f"{int(ref['seconds_embedded'].sum() / 3)}, left out of its means")
        for layer in ("penultimate", "pool", "taggram"):
            X = ref[f"{layer}_mean"][idx]
            ok = np.isfinite(X).all(axis=1)
            label = f"reference musicnn ({how}) {layer} mean"
            if ok.sum() < len(y):
                # cross-validation on the tracks with finite output only would not compare
                rows.append((label, "-", np.nan, np.nan))
                print(f"  {label}: only {ok.sum()} of {len(y)} tracks have finite output")
                continue
            for cname in ("RBF SVC C=1", "RBF SVC C=10", "logistic regression C=0.01"):
                s = cv_scores(makers[cname], X, y, args.repeats)
                rows.append((label, cname, s.mean(), s.std()))
                print(f"  {label:32s} {cname:28s} {s.mean():.3f} +- {s.std():.3f}", flush=True)
    print()
    print(f"| features | classifier | accuracy (5-fold x {args.repeats}) |")
    print("| --- | --- | ---: |")
    for f, c, m, s in rows:
        cell = "no finite output for most tracks" if np.isnan(m) else f"{m:.3f} +- {s:.3f}"
        print(f"| {f} | {c} | {cell} |")


# -------------------------------------------------------------------------------------
# speed


def network_macs(alive=None):
    """Multiply-adds of one 187-frame patch; ``alive`` = filters computed per front branch."""
    from skgenre.embeddings._network import _MID_FILTERS, _MID_WIDTH, _TEMPORAL, _TIMBRAL, N_FRONT, N_MID

    t = 187
    widths = [f for _, f in _TIMBRAL] + [f for _, f in _TEMPORAL] if alive is None else alive
    macs = {}
    for (bands, _), n in zip(_TIMBRAL, widths[:2]):
        macs[f"timbral 7x{bands}"] = t * (96 - bands + 1) * 7 * bands * n
    for (frames, _), n in zip(_TEMPORAL, widths[2:]):
        macs[f"temporal {frames}x1"] = t * 96 * frames * n
    macs["mid-end conv 1"] = t * _MID_WIDTH * N_FRONT * _MID_FILTERS
    macs["mid-end conv 2+3"] = 2 * t * _MID_WIDTH * _MID_FILTERS * _MID_FILTERS
    macs["back end dense"] = 2 * N_MID * 200 + 200 * 50
    return macs


def sgemm_gflops(seconds=3.0):
    """This CPU's single-thread float32 matrix-product speed on the front end's shape."""
    a = np.random.default_rng(0).random((16384, 266), dtype=np.float32)
    b = np.random.default_rng(1).random((266, 204), dtype=np.float32)
    a @ b
    t0, n = time.process_time(), 0
    while time.process_time() - t0 < seconds:
        a @ b
        n += 1
    return 2 * a.shape[0] * 266 * 204 * n / (time.process_time() - t0) / 1e9


def run_speed(args):
    from threadpoolctl import threadpool_limits

    from skgenre import MusicnnEmbedding
    from skgenre.embeddings._musicnn import _engine, musicnn_logmel, musicnn_patches
    from skgenre.io import AudioLoader

    files, _ = mini_files(args.data)
    files = files[:: max(1, len(files) // args.n_tracks)][: args.n_tracks]
    waves = AudioLoader(sr=22050).transform([str(f) for f in files])
    seconds = sum(len(w) for w in waves) / 22050
    with threadpool_limits(limits=1):
        emb = MusicnnEmbedding(sr=22050, batch_size=args.batch_size).fit(waves[:1])
        emb.transform(waves[:2])  # warm-up: weights, filterbank
        best_all = best_net = np.inf
        patches = np.concatenate([musicnn_patches(musicnn_logmel(w, 22050)) for w in waves])
        engine = _engine("MSD_musicnn", None)
        for _ in range(args.repeat):
            t0 = time.process_time()
            emb.transform(waves)
            best_all = min(best_all, time.process_time() - t0)
            t0 = time.process_time()
            for s in range(0, len(patches), args.batch_size):
                engine(patches[s : s + args.batch_size])
            best_net = min(best_net, time.process_time() - t0)
        gflops = sgemm_gflops()
        x = patches * np.float32(engine.in_scale) + np.float32(engine.in_shift)
        x_max = float(np.abs(x).max())
        alive = [len(br.alive(x_max, True)) for _, br in engine.timbral + engine.temporal]
    full, pruned = network_macs(), network_macs(alive)
    patch_seconds = 187 * 256 / 16000
    print(f"{len(waves)} GTZAN mini tracks, {seconds:.0f} s of audio, {len(patches)} patches, "
          f"batch {args.batch_size}, best of {args.repeat}, one thread")
    print(f"whole transform (22.05 kHz waveforms -> embeddings): {seconds / best_all:.0f}x "
          f"realtime per CPU second")
    print(f"network only: {len(patches) * patch_seconds / best_net:.0f}x realtime per CPU second")
    print(f"single-thread sgemm (16384x266 @ 266x204): {gflops:.1f} GFLOP/s")
    for name, macs in (("all filters", full), (f"filters computed {alive}", pruned)):
        total = sum(macs.values())
        limit = gflops * 1e9 / (2 * total) * patch_seconds
        print(f"multiply-adds per 3-s patch, {name}: {total / 1e6:.0f} M "
              f"-> limit at that sgemm speed {limit:.0f}x realtime")
        for k, v in macs.items():
            print(f"    {k:18s} {v / 1e6:8.1f} M")


# -------------------------------------------------------------------------------------
# memory

_CASE = r"""
import json, resource, sys, time
import numpy as np
sys.path.insert(0, {root!r})
from skgenre import MusicnnEmbedding
from skgenre.io import AudioLoader
case, batch = {case!r}, {batch}
files = {files!r}
if case == "long":
    w = np.concatenate(list(AudioLoader(sr=16000).transform(files)))  # 600 s of real music
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # fitted on waveforms of two lengths: no fixed input width is learned
    emb = MusicnnEmbedding(sr=16000, batch_size=batch).fit([w[:16000], w[:8000]])
    X = emb.transform([w])
else:
    emb = MusicnnEmbedding(sr=16000, batch_size=batch).fit(
        [np.zeros(16000, np.float32), np.zeros(8000, np.float32)]
    )
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rows = []
    for start in range(0, len(files), 100):  # decode and embed 100 files at a time
        rows.append(emb.transform(AudioLoader(sr=16000).transform(files[start:start + 100])))
    X = np.concatenate(rows)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps(dict(rows=len(X), peak_mb=peak / 1024, before_mb=before / 1024)))
"""


def run_logmel(args):
    """Memory of one input's log-mel, which MusicnnEmbedding computes whole: tracemalloc's
    peak above the input, for real music joined to each length."""
    import tracemalloc

    from skgenre.embeddings import musicnn_logmel
    from skgenre.io import AudioLoader

    files, _ = mini_files(args.data)
    tracks = AudioLoader(sr=22050).transform([str(f) for f in files[:40]])
    music = np.concatenate(list(tracks))  # 20 min of real music at 22050 Hz
    for minutes in args.minutes:
        w = np.resize(music, int(minutes * 60 * 22050)).astype(np.float32)
        tracemalloc.start()
        musicnn_logmel(w, sr=22050)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"{minutes:g} min at 22050 Hz: peak {peak / 2**20:.0f} MiB above the input "
              f"({peak / 2**20 / minutes:.1f} MiB per minute)", flush=True)


def run_memory(args):
    files, _ = mini_files(args.data)
    cases = [
        ("one 10-min track (20 mini tracks joined)", "long", [str(f) for f in files[:20]]),
        (f"{args.n_many} tracks of 30 s (the mini set repeated), 100 at a time", "many",
         [str(files[i % len(files)]) for i in range(args.n_many)]),
    ]
    for label, case, fl in cases:
        for batch in args.batch_sizes:
            code = _CASE.format(root=str(ROOT), case=case, batch=batch, files=fl)
            t0 = time.perf_counter()
            res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
            if res.returncode:
                sys.exit(res.stderr)
            r = json.loads(res.stdout.strip().splitlines()[-1])
            print(f"{label}, batch_size={batch}: peak {r['peak_mb']:.0f} MB "
                  f"(after loading the input: {r['before_mb']:.0f} MB), "
                  f"{time.perf_counter() - t0:.0f} s wall", flush=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=str(MINI), help="folder of <genre>/<file> tracks")
    sub = ap.add_subparsers(dest="what", required=True)
    acc = sub.add_parser("accuracy")
    acc.add_argument("--repeats", type=int, default=4)
    acc.add_argument("--cache", default="/tmp/skgenre_musicnn_mini_{model}.npz",
                     help="where the per-patch outputs are kept between runs ('' for none)")
    acc.add_argument("--models", nargs="+", default=["MSD_musicnn", "MTT_musicnn"],
                     choices=["MSD_musicnn", "MTT_musicnn"])
    acc.add_argument("--features", nargs="*", help="feature sets to try (default: all)")
    acc.add_argument("--pipeline", action="store_true",
                     help="also score make_embedding_pipeline()'s own scale + classifier")
    acc.add_argument("--reference", nargs="*", help=".npz files of extract_reference.py")
    sp = sub.add_parser("speed")
    sp.add_argument("--n-tracks", type=int, default=10)
    sp.add_argument("--batch-size", type=int, default=16)
    sp.add_argument("--repeat", type=int, default=3)
    mem = sub.add_parser("memory")
    mem.add_argument("--n-many", type=int, default=1000)
    mem.add_argument("--batch-sizes", type=int, nargs="+", default=[16, 64])
    lm = sub.add_parser("logmel")
    lm.add_argument("--minutes", type=float, nargs="+", default=[1, 5, 20])
    args = ap.parse_args(argv)
    {"accuracy": run_accuracy, "speed": run_speed, "memory": run_memory,
     "logmel": run_logmel}[args.what](args)


if __name__ == "__main__":
    main()
