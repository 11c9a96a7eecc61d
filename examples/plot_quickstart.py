"""Quickstart: fit a genre pipeline on audio files and plot its confusion matrix.

Without ``--data`` the script writes the SYNTHETIC toy set (skgenre.datasets.make_toy_genres)
to a temporary folder in GTZAN's layout and trains on those files; with ``--data DIR`` it
trains on a GTZAN folder (``DIR/genres/<genre>/<file>``). Either way the pipeline starts
from file paths, exactly as it would on your own music.

Run::

    python examples/plot_quickstart.py                      # toy set, a minute or two
    python examples/plot_quickstart.py --data /path/to/gtzan
    python examples/plot_quickstart.py --small              # seconds (what CI runs)

Writes ``quickstart_confusion.png`` into ``--out`` (default: the current folder).
"""

import numpy as np
from _common import genre_labels, make_parser, parse_plot_args, save_figure, toy_files


def main(argv=None):
    parser = make_parser(__doc__)
    parser.add_argument("--data", metavar="DIR", help="GTZAN folder (default: toy set)")
    parser.add_argument("--model", choices=["feature", "spec-dense", "cnn"], default="feature")
    parser.add_argument("--preset", choices=["paper", "tuned"], default="tuned")
    args, plt = parse_plot_args(parser, argv, small_help="tiny data and training")
    small = args.small
    from sklearn.metrics import ConfusionMatrixDisplay, classification_report
    from sklearn.model_selection import train_test_split

    from skgenre.datasets import load_gtzan
    from skgenre.pipelines import MODEL_KINDS

    # 1. File paths and labels.
    if args.data:
        gtzan = load_gtzan(args.data)
        paths = np.asarray(gtzan.filenames, dtype=object)
        y = genre_labels(gtzan)
        source = f"GTZAN at {args.data}"
    else:
        n_per_class, n_classes = (6, 3) if small else (40, 10)
        tmpdir, paths, y = toy_files(  # the folder goes when tmpdir does, at the script's end
            "skgenre-toy-", n_per_class=n_per_class, n_classes=n_classes, duration=6.0
        )
        source = f"SYNTHETIC toy set ({len(y)} files in {tmpdir.name})"
    print(f"data: {source}")

    # 2. The paper's protocol: a stratified 80/20 split of the songs.
    X_train, X_test, y_train, y_test = train_test_split(
        paths, y, test_size=0.2, stratify=y, random_state=0
    )

    # 3. A pipeline from file paths to genres: load, clip, noise, features/melspec, ...
    pipe = MODEL_KINDS[args.model](args.preset, random_state=0)
    if small:
        # a 10 % validation split of a handful of clips cannot hold every class
        pipe.set_params(classifier__epochs=3, classifier__early_stopping=False)
    print("steps:", [name for name, _ in pipe.steps])

    pipe.fit(X_train, y_train)
    accuracy = pipe.score(X_test, y_test)
    print(f"test accuracy ({len(y_test)} songs, one random 5-s clip each): {accuracy:.3f}")
    y_pred = pipe.predict(X_test)
    print(classification_report(y_test, y_pred, zero_division=0))

    # 4. Where the errors are.
    fig, ax = plt.subplots(figsize=(7, 6))
    ConfusionMatrixDisplay.from_predictions(
        y_test, y_pred, ax=ax, xticks_rotation=45, colorbar=False
    )
    ax.set_title(f"{args.model} ({args.preset}), accuracy {accuracy:.2f}\n{source[:60]}")
    save_figure(fig, args.out, "quickstart_confusion.png")


if __name__ == "__main__":
    main()
