"""Grid search over the CNN's kernel size, with the spectrograms computed once.

The expensive part of a spectrogram pipeline is turning audio into spectrograms; the
classifier's parameters do not change it. So the head of the pipeline (``load``, ``clip``,
``melspec``) runs once, and ``GridSearchCV`` searches the tail (``noise``, ``scale``,
``classifier``) over ``classifier__model__kernel_size`` with stratified cross-validation (GenreClassifier
is a real scikit-learn classifier, so ``cv=3`` means StratifiedKFold).

Run::

    python examples/plot_grid_search_kernel_size.py            # toy set, several minutes
    python examples/plot_grid_search_kernel_size.py --small    # seconds (what CI runs)

Writes ``grid_search_kernel_size.png`` into ``--out`` (default: the current folder).
"""

import time

import numpy as np
from _common import make_parser, parse_plot_args, save_figure, toy_waves


def main(argv=None):
    parser = make_parser(__doc__)
    args, plt = parse_plot_args(parser, argv, small_help="tiny data and training")
    small = args.small
    import pandas as pd
    from sklearn.model_selection import GridSearchCV

    from skgenre import make_cnn_pipeline

    # Waveforms in memory; the pipeline's load step passes arrays through.
    if small:
        X, y, _ = toy_waves(n_per_class=6, n_classes=3, duration=2.0)
        kernel_sizes, cv, epochs, clip_s = [3, 5], 2, 2, 1.0
    else:
        X, y, _ = toy_waves(n_per_class=30, n_classes=6, duration=6.0)
        kernel_sizes, cv, epochs, clip_s = [3, 5, 7, 9], 3, 20, 5.0

    pipe = make_cnn_pipeline("tuned", random_state=0)
    pipe.set_params(clip__duration=clip_s, classifier__epochs=epochs)
    if small:
        pipe.set_params(classifier__model__filters=(8, 16))  # seconds, not minutes

    # the scaler stays in the tail: fitted inside each fold, it never sees the fold's test
    head, tail = pipe[:3], pipe[3:]  # (load, clip, melspec) | (noise, scale, classifier)
    t0 = time.perf_counter()
    S = head.fit_transform(X, y)
    print(f"spectrograms {S.shape} computed once in {time.perf_counter() - t0:.1f} s")

    # refit=True (the default) would train the best candidate once more on all the data;
    # this script only compares the candidates.
    search = GridSearchCV(
        tail, {"classifier__model__kernel_size": kernel_sizes}, cv=cv, n_jobs=1, refit=False
    )
    search.fit(S, y)
    res = pd.DataFrame(search.cv_results_)
    res["kernel_size"] = res["param_classifier__model__kernel_size"].astype(int)
    print(res[["kernel_size", "mean_test_score", "std_test_score", "mean_fit_time"]])
    print("best:", search.best_params_, f"cv accuracy {search.best_score_:.3f}")

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.6))
    ax1.errorbar(res["kernel_size"], res["mean_test_score"], yerr=res["std_test_score"],
                 marker="o", capsize=3)
    ax1.axhline(1 / len(np.unique(y)), color="gray", ls=":", label="chance")
    ax1.set_xlabel("kernel size")
    ax1.set_ylabel(f"{cv}-fold CV accuracy")
    ax1.set_xticks(kernel_sizes)
    ax1.legend()
    ax2.bar(res["kernel_size"].astype(str), res["mean_fit_time"])
    ax2.set_xlabel("kernel size")
    ax2.set_ylabel("mean fit time per fold (s)")
    fig.suptitle("CNN kernel size (SYNTHETIC toy data)")
    save_figure(fig, args.out, "grid_search_kernel_size.png")


if __name__ == "__main__":
    main()
