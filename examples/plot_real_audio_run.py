"""A real-audio run: the tuned feature pipeline on 100 GTZAN tracks, its confusion matrix and noise curve.

The data are the 100 real 30-s tracks of the GTZAN mini set (10 per genre). They are cut
into 5 stratified folds by track (``StratifiedTrackKFold``, shuffled with seed 0), so every
track is tested once, by a pipeline that never saw it. In each fold
``make_feature_pipeline("tuned")`` is trained on the 80 other tracks (one random 5-s clip
per track, as in the paper) and tested on one random 5-s clip of each of its 20 test tracks:

- clean, for the confusion matrix (summed over the folds: all 100 tracks);
- with ``noise_robustness`` at 0, 25, 50 and 75 % noise (3 noise draws per rate), for the
  noise curve (mean and standard deviation over the 5 folds), beside the paper's curve for
  its feature model (GTZAN, 800 training and 200 test clips).

Run::

    python examples/plot_real_audio_run.py                 # ../shared/data/gtzan/mini, minutes
    python examples/plot_real_audio_run.py --data /path/to/gtzan
    python examples/plot_real_audio_run.py --track         # track-level pipeline
    python examples/plot_real_audio_run.py --small         # seconds, SYNTHETIC toy set (what CI runs)

The documentation's figure is made with::

    python examples/plot_real_audio_run.py --out docs/img

Writes ``real_audio_run.png`` into ``--out`` (default: the current folder) and prints the
per-fold and overall accuracies.
"""

import numpy as np
from _common import gtzan_or_toy_waves, make_parser, parse_plot_args, save_figure

RATES = [0.0, 0.25, 0.5, 0.75]
# Table 1 of Minhas, Chie & Lee, feature-based model (GTZAN, one 80/20 split).
PAPER_FEATURE = [0.334, 0.209, 0.146, 0.100]


def main(argv=None):
    parser = make_parser(__doc__, gtzan_data=True, seed_help="seeds folds, clips, nets, noise")
    parser.add_argument("--folds", type=int, default=5, help="folds by track (default 5)")
    parser.add_argument("--track", action="store_true",
                        help="track-level pipeline: train on several clips of every track, "
                        "predict per track (default: one clip per track, as in the paper)")
    args, plt = parse_plot_args(parser, argv, small_help="tiny synthetic data and training")
    if args.folds < 2:
        # checked before the tracks are decoded, not by the splitter after it
        parser.error(f"--folds {args.folds}: at least 2 folds are needed")
    small = args.small
    from sklearn.metrics import ConfusionMatrixDisplay, confusion_matrix

    import skgenre
    from skgenre.evaluation import StratifiedTrackKFold, noise_robustness

    # Decoded once: the pipelines' load step passes waveforms through.
    waves, y, source = gtzan_or_toy_waves(parser, args, 22050, n_per_class=6, n_classes=3,
                                          duration=3.0)
    if small:
        folds, rates, n_repeats, clip_s = 2, [0.0, 0.5], 1, 1.0
    else:
        folds, rates, n_repeats, clip_s = args.folds, RATES, 3, 5.0
    labels = sorted(set(y))

    cv = StratifiedTrackKFold(n_splits=folds, shuffle=True, random_state=args.seed)
    y_true, y_pred, curves = [], [], []
    for k, (train, test) in enumerate(cv.split(waves, y)):
        pipe = skgenre.make_feature_pipeline(
            "tuned", duration=clip_s, track=args.track, random_state=args.seed
        )
        if small:
            prefix = "track__estimator__" if args.track else ""
            pipe.set_params(**{f"{prefix}classifier__epochs": 2})
        pipe.fit(waves[train], y[train])
        y_true.extend(y[test])
        y_pred.extend(pipe.predict(waves[test]))
        res = noise_robustness(pipe, waves[test], y[test], rates=rates,
                               n_repeats=n_repeats, random_state=args.seed)
        curves.append(res["mean_score"].to_numpy())
        print(f"fold {k}: {len(train)} train / {len(test)} test tracks, accuracy by rate "
              + ", ".join(f"{r:.2f}: {s:.3f}" for r, s in zip(rates, curves[-1])))
    curves = np.array(curves)
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    clean = float(np.mean(y_true == y_pred))
    print(f"clean accuracy over all {len(y_true)} test tracks: {clean:.3f}")
    for r, m, s in zip(rates, curves.mean(axis=0), curves.std(axis=0)):
        print(f"rate {r:.2f}: {m:.3f} +- {s:.3f} (mean +- std over {folds} folds)")

    fig, (ax_cm, ax_noise) = plt.subplots(1, 2, figsize=(10.5, 4.6), dpi=90,
                                          gridspec_kw={"width_ratios": [1.15, 1]})
    cm = confusion_matrix(y_true, y_pred, labels=labels)
    ConfusionMatrixDisplay(cm, display_labels=labels).plot(
        ax=ax_cm, cmap="Blues", colorbar=False, xticks_rotation=45)
    ax_cm.set_title(f"clean test clips, {len(y_true)} tracks, accuracy {clean:.2f}",
                    fontsize=10)
    ax_noise.errorbar(100 * np.asarray(rates), curves.mean(axis=0), yerr=curves.std(axis=0),
                      marker="o", capsize=3,
                      label=f"skgenre, preset 'tuned' (mean ± std over {folds} folds)")
    ax_noise.plot([100 * r for r in RATES], PAPER_FEATURE, "s--", alpha=0.7,
                  label="paper (full GTZAN, 200 test clips)")
    ax_noise.axhline(1 / len(labels), color="gray", ls=":", label="chance")
    ax_noise.set_xlabel("noise: STFT bins of each test clip set to 0 (%)")
    ax_noise.set_ylabel("test accuracy")
    ax_noise.set_ylim(0, 1)
    ax_noise.set_xticks([100 * r for r in RATES])
    ax_noise.legend(fontsize=8, loc="upper right")
    ax_noise.set_title("noise_robustness (trained on clean clips)", fontsize=10)
    protocol = ("track level: trained on several clips per track, predicted per track"
                if args.track else "one 5-s clip per track")
    fig.suptitle(f"Feature pipeline, preset 'tuned': {source}, {folds} stratified folds by "
                 f"track, {protocol}", fontsize=10)
    save_figure(fig, args.out, "real_audio_run.png", palette=True)


if __name__ == "__main__":
    main()
