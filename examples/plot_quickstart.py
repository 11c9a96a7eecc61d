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
``SKGENRE_EXAMPLE_SMALL=1`` in the environment is the same as ``--small``.
"""

import argparse
import os
import tempfile
from pathlib import Path

import numpy as np


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", metavar="DIR", help="GTZAN folder (default: toy set)")
    parser.add_argument("--out", metavar="DIR", default=".", help="folder for the PNG")
    parser.add_argument("--model", choices=["feature", "spec-dense", "cnn"], default="feature")
    parser.add_argument("--preset", choices=["paper", "tuned"], default="tuned")
    parser.add_argument("--small", action="store_true", help="tiny data and training")
    args = parser.parse_args(argv)
    small = args.small or os.environ.get("SKGENRE_EXAMPLE_SMALL") == "1"
    print(f"mode: {'small' if small else 'full'}")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # quiet TensorFlow start-up

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import ConfusionMatrixDisplay, classification_report
    from sklearn.model_selection import train_test_split

    import skgenre
    from skgenre.datasets import load_gtzan, make_toy_genres

    # 1. File paths and labels.
    if args.data:
        gtzan = load_gtzan(args.data)
        paths = np.asarray(gtzan.filenames, dtype=object)
        y = np.asarray(gtzan.target_names)[gtzan.target]
        source = f"GTZAN at {args.data}"
    else:
        tmpdir = tempfile.TemporaryDirectory(prefix="skgenre-toy-")  # removed when the script ends
        folder = tmpdir.name
        n_per_class, n_classes = (6, 3) if small else (40, 10)
        toy = make_toy_genres(
            n_per_class=n_per_class, n_classes=n_classes, duration=6.0, random_state=0,
            path=folder,
        )
        paths = np.asarray(toy.filenames, dtype=object)
        y = np.asarray(toy.target_names)[toy.target]
        source = f"SYNTHETIC toy set ({len(y)} files in {folder})"
    print(f"data: {source}")

    # 2. The paper's protocol: a stratified 80/20 split of the songs.
    X_train, X_test, y_train, y_test = train_test_split(
        paths, y, test_size=0.2, stratify=y, random_state=0
    )

    # 3. A pipeline from file paths to genres: load, clip, noise, features/melspec, ...
    factory = {
        "feature": skgenre.make_feature_pipeline,
        "spec-dense": skgenre.make_spectrogram_dense_pipeline,
        "cnn": skgenre.make_cnn_pipeline,
    }[args.model]
    pipe = factory(args.preset, random_state=0)
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
    fig.tight_layout()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    fig.savefig(out / "quickstart_confusion.png", dpi=100)
    print(f"wrote {out / 'quickstart_confusion.png'}")


if __name__ == "__main__":
    main()
