"""Dask: decode files and extract features on a Dask cluster through joblib.

skgenre parallelises with joblib only, so running its steps on a Dask cluster is a matter
of ``joblib.parallel_config(backend="dask")`` around the calls, with a
``dask.distributed.Client`` connected. Here a LocalCluster stands in for a real one
(replace it with ``Client("tcp://scheduler:8786")``); the features computed on the cluster
are checked to equal those computed locally (up to float32 rounding).

Ray works the same way: ``ray.init(); ray.util.joblib.register_ray()``, then
``joblib.parallel_config(backend="ray")``.

Run::

    python examples/dask_extraction.py                 # toy set, a minute
    python examples/dask_extraction.py --small         # seconds (what CI runs)

Writes ``dask_features.png`` (two features of every clip, by genre) into ``--out``.
"""

import time

import numpy as np
from _common import make_parser, parse_plot_args, save_figure, toy_files


def main(argv=None):
    parser = make_parser(__doc__)
    parser.add_argument("--workers", type=int, default=2, help="Dask workers (default 2)")
    args, plt = parse_plot_args(parser, argv, small_help="tiny data")
    small = args.small

    import joblib

    from dask.distributed import Client, LocalCluster

    from skgenre import AudioLoader, FeatureExtractor26, RandomClip

    _tmpdir, paths, y = toy_files(  # the folder goes when _tmpdir does, at the script's end
        "skgenre-dask-", n_per_class=4 if small else 40, n_classes=4, duration=6.0
    )

    # The same steps, seeded, so the two runs must agree.
    load = AudioLoader(n_jobs=-1)
    clip = RandomClip(duration=5.0, random_state=0)
    features = FeatureExtractor26(n_jobs=-1, chunk_size=2 if small else 8)

    t0 = time.perf_counter()
    F_local = features.fit_transform(clip.fit_transform(load.fit_transform(paths)))
    t_local = time.perf_counter() - t0

    # processes=False keeps the workers in this process (threads): quick to start, and
    # enough to show the mechanism; a real cluster runs them on other machines.
    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=False,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        print(f"Dask client: {client}")
        t0 = time.perf_counter()
        with joblib.parallel_config(backend="dask"):
            waves = load.fit_transform(paths)  # files decoded by the Dask workers
            F_dask = features.fit_transform(clip.fit_transform(waves))  # chunks on workers
        t_dask = time.perf_counter() - t0

    print(f"{len(paths)} files: features {F_dask.shape}; local {t_local:.1f} s, "
          f"Dask {t_dask:.1f} s (timings on a shared machine are only indicative)")
    # Equal up to float32 rounding: BLAS may split a matrix product differently in a
    # process with another number of threads, which changes the last bit of a sum.
    diff = float(np.max(np.abs(F_local - F_dask) / (np.abs(F_local) + 1e-6)))
    print(f"largest relative difference, Dask vs local: {diff:.1e}")
    if not np.allclose(F_local, F_dask, rtol=1e-5, atol=1e-6):
        raise SystemExit("features computed on Dask differ from the local ones")
    print("features computed on the Dask cluster equal the local ones")

    names = features.get_feature_names_out()
    i, j = list(names).index("spectral_centroid"), list(names).index("tempo")
    fig, ax = plt.subplots(figsize=(5.5, 4))
    for genre in np.unique(y):
        m = y == genre
        ax.scatter(F_dask[m, i], F_dask[m, j], label=genre, s=18)
    ax.set_xlabel("spectral centroid (Hz)")
    ax.set_ylabel("tempo (BPM)")
    ax.set_title("Features computed on Dask [SYNTHETIC toy data]")
    ax.legend(fontsize=8)
    save_figure(fig, args.out, "dask_features.png")


if __name__ == "__main__":
    main()
