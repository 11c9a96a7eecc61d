"""Noise robustness: train on clean clips, test with a fraction of spectrogram pixels set to 0.

The paper's experiment (its Table 1) with skgenre's three pipelines. Every pipeline has a
``noise`` step (PixelDropoutNoise, rate 0 while fitting); ``noise_robustness`` switches it
to each rate on the fitted pipeline, with no refit, and scores the test set. The figure
shows our curves beside the paper's (dashed; its numbers are on GTZAN, ours here on the
SYNTHETIC toy set, so the comparison is only one of shape).

Run::

    python examples/plot_noise_robustness.py                    # toy set, several minutes
    python examples/plot_noise_robustness.py --preset paper
    python examples/plot_noise_robustness.py --small            # seconds (what CI runs)

Writes ``noise_robustness.png`` into ``--out`` (default: the current folder).
"""

import numpy as np
from _common import make_parser, parse_plot_args, save_figure, toy_waves

# Table 1 of Minhas, Chie & Lee (GTZAN): test accuracy at 0/25/50/75 % noise; None = NA.
PAPER = {
    "feature": [0.334, 0.209, 0.146, 0.100],
    "spec-dense": [0.205, 0.146, 0.100, 0.100],
    "cnn": [0.322, 0.105, None, None],
}
PAPER_RATES = [0.0, 0.25, 0.5, 0.75]


def main(argv=None):
    parser = make_parser(__doc__)
    parser.add_argument("--preset", choices=["paper", "tuned"], default="tuned")
    args, plt = parse_plot_args(parser, argv, small_help="tiny data and training")
    small = args.small
    from sklearn.model_selection import train_test_split

    from skgenre.evaluation import noise_robustness
    from skgenre.pipelines import MODEL_KINDS

    if small:
        X, y, _ = toy_waves(n_per_class=8, n_classes=3, duration=2.0)
        rates, n_repeats, clip_s = [0.0, 0.5], 1, 1.0
    else:
        X, y, _ = toy_waves(n_per_class=40, n_classes=10, duration=6.0)
        rates, n_repeats, clip_s = [0.0, 0.1, 0.25, 0.5, 0.75], 3, 5.0
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0
    )

    curves = {}
    for name in PAPER:
        pipe = MODEL_KINDS[name](args.preset, random_state=0).set_params(clip__duration=clip_s)
        if small:
            # a 10 % validation split of a handful of clips cannot hold every class
            pipe.set_params(classifier__epochs=2, classifier__early_stopping=False)
            if name == "cnn" and args.preset == "tuned":
                pipe.set_params(classifier__model__filters=(8, 16))
        pipe.fit(X_train, y_train)  # clean training: the noise step is at rate 0
        res = noise_robustness(
            pipe, X_test, y_test, rates=rates, n_repeats=n_repeats, random_state=0
        )
        curves[name] = res
        print(f"{name}:")
        print(res[["rate", "mean_score", "std_score"]].to_string(index=False))

    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for color, (name, res) in zip(colors, curves.items()):
        ax.errorbar(100 * res["rate"], res["mean_score"], yerr=res["std_score"],
                    marker="o", color=color, capsize=3, label=f"{name} (skgenre, toy set)")
        pts = [(100 * r, a) for r, a in zip(PAPER_RATES, PAPER[name]) if a is not None]
        ax.plot(*zip(*pts), "s--", color=color, alpha=0.6, label=f"{name} (paper, GTZAN)")
    ax.axhline(1 / len(np.unique(y)), color="gray", ls=":", label="chance (toy set)")
    ax.set_xlabel("noise: pixels set to 0 (%)")
    ax.set_ylabel("test accuracy")
    ax.set_ylim(0, 1.02)
    ax.set_title(f"Noise robustness, preset {args.preset!r}")
    ax.legend(fontsize=7)
    save_figure(fig, args.out, "noise_robustness.png")


if __name__ == "__main__":
    main()
