"""The paper's 26 features of a few real tracks, as ``FeatureExtractor26`` computes them.

Every audio file under ``--data`` (default: the GTZAN sample beside the checkout, six wav
files and one mp3 of two genres) is decoded by ``AudioLoader``, cut to one random 5-s clip
by ``RandomClip``, as in the paper, and described by ``FeatureExtractor26``. The figure is
a table: one row per feature, one column per file, each cell printing the value. The
colour is the value standardized across the files of its row, so it shows which files are
high or low on each feature.

Run::

    python examples/plot_features26.py                    # ../shared/data/gtzan/sample
    python examples/plot_features26.py --data /path/to/audio/folder
    python examples/plot_features26.py --small            # seconds, SYNTHETIC toy clips (what CI runs)

The documentation's figure is made with::

    python examples/plot_features26.py --out docs/img

Writes ``features26.png`` into ``--out`` (default: the current folder).
"""

from pathlib import Path

import numpy as np
from _common import GTZAN, make_parser, parse_plot_args, save_figure, toy_waves

DEFAULT_DATA = GTZAN / "sample"
AUDIO_SUFFIXES = {".wav", ".flac", ".mp3", ".au", ".ogg"}


def main(argv=None):
    parser = make_parser(__doc__, seed_help="seeds the clips")
    parser.add_argument("--data", metavar="DIR", default=str(DEFAULT_DATA),
                        help="folder searched for audio files (default: the GTZAN sample)")
    args, plt = parse_plot_args(parser, argv, small_help="synthetic toy clips instead")

    from skgenre import AudioLoader, FeatureExtractor26, RandomClip

    sr = 22050
    if args.small:
        waves, y, source = toy_waves("clips", n_per_class=2, n_classes=2, duration=6.0, sr=sr)
        names = [f"toy {genre} {i}" for i, genre in enumerate(y)]
    else:
        folder = Path(args.data)
        files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in AUDIO_SUFFIXES)
        if not files:
            parser.error(f"--data {folder}: no audio files there (the default needs ../shared "
                         "beside the checkout; give another folder, or --small)")
        waves = AudioLoader(sr=sr).fit_transform([str(p) for p in files])
        names = [p.name for p in files]
        source = "GTZAN sample files" if folder == DEFAULT_DATA else str(folder)
    clips = RandomClip(duration=5.0, sr=sr, random_state=args.seed).fit_transform(waves)
    extractor = FeatureExtractor26(sr=sr).fit(clips)
    features = extractor.transform(clips).astype(np.float64)  # (n_files, 26)
    feature_names = list(extractor.get_feature_names_out())
    for name, row in zip(names, features):
        print(name, " ".join(f"{v:.4g}" for v in row))

    std = features.std(axis=0)
    z = (features - features.mean(axis=0)) / np.where(std > 0, std, 1.0)
    fig, ax = plt.subplots(figsize=(7.6, 8.2), dpi=100)
    im = ax.imshow(z.T, cmap="coolwarm", vmin=-2.2, vmax=2.2, aspect="auto")
    for j, row in enumerate(features.T):
        for i, value in enumerate(row):
            text = f"{value:.0f}" if abs(value) >= 100 else f"{value:.3g}"
            ax.text(i, j, text, ha="center", va="center", fontsize=7)
    units = {"tempo": " (BPM)", "spectral_centroid": " (Hz)"}
    labels = [f"{n}{units.get(n, '')}" for n in feature_names]
    ax.set_xticks(range(len(names)), names, rotation=30, ha="right", fontsize=8)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.tick_params(length=0)
    fig.colorbar(im, ax=ax, shrink=0.6, label="value standardized across the files")
    ax.set_title(f"FeatureExtractor26 of one random 5-s clip (seed {args.seed}) per file\n"
                 f"{source}", fontsize=10)
    save_figure(fig, args.out, "features26.png", palette=True)


if __name__ == "__main__":
    main()
