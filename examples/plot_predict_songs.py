"""Whole-song prediction: judge each song over all its clips, not one random clip.

The paper tests on one random 5-s clip per 30-s song. ``predict_songs`` takes a pipeline
trained on clips, cuts each song into consecutive clips of the pipeline's clip length, and
averages the clips' class probabilities. The script compares both ways of testing on the
same held-out songs and plots the top genres of a few songs.

Run::

    python examples/plot_predict_songs.py                 # toy set of 30-s songs, minutes
    python examples/plot_predict_songs.py --small         # seconds (what CI runs)

Writes ``predict_songs.png`` into ``--out`` (default: the current folder).
"""

from pathlib import Path

import numpy as np
from _common import make_parser, parse_plot_args, save_figure, toy_files


def main(argv=None):
    parser = make_parser(__doc__)
    args, plt = parse_plot_args(parser, argv, small_help="tiny data and training")
    small = args.small
    from sklearn.model_selection import train_test_split

    from skgenre import make_feature_pipeline
    from skgenre.inference import predict_songs

    # Songs as files, so predict_songs decodes them with the pipeline's load step.
    n_per_class, n_classes, duration, clip_s = (8, 3, 6.0, 1.0) if small else (30, 6, 30.0, 5.0)
    _tmpdir, paths, y = toy_files(  # the folder goes when _tmpdir does, at the script's end
        "skgenre-songs-", n_per_class=n_per_class, n_classes=n_classes, duration=duration
    )
    p_train, p_test, y_train, y_test = train_test_split(
        paths, y, test_size=0.25, stratify=y, random_state=0
    )

    pipe = make_feature_pipeline("tuned", random_state=0)
    pipe.set_params(clip__duration=clip_s)
    if small:
        pipe.set_params(classifier__epochs=3, classifier__early_stopping=False)
    pipe.fit(p_train, y_train)  # one random clip per training song, as in the paper

    one_clip = pipe.score(p_test, y_test)  # one random clip per test song
    songs = predict_songs(pipe, p_test, top_k=3)
    whole = float(np.mean(songs["top1_genre"].to_numpy() == y_test))
    print(f"test accuracy, one random {clip_s:g}-s clip per song : {one_clip:.3f}")
    print(f"test accuracy, whole song ({songs['n_clips'].iloc[0]} clips each)  : {whole:.3f}")
    print(songs[["source", "n_clips", "top1_genre", "top1_proba", "top2_genre"]]
          .assign(source=lambda d: d["source"].map(lambda s: Path(s).name))
          .to_string(index=False))

    show = songs.head(6)
    classes = songs.attrs["classes"]
    fig, axes = plt.subplots(1, len(show), figsize=(2.2 * len(show), 3.2), sharey=True)
    for ax, (_, row), truth in zip(np.atleast_1d(axes), show.iterrows(), y_test):
        probs = [row[f"proba_{c}"] for c in classes]
        colors = ["tab:green" if c == truth else "tab:gray" for c in classes]
        ax.bar(range(len(classes)), probs, color=colors)
        ax.set_xticks(range(len(classes)), classes, rotation=90, fontsize=7)
        ax.set_title(Path(row["source"]).name, fontsize=7)
    np.atleast_1d(axes)[0].set_ylabel("mean clip probability")
    fig.suptitle(f"Whole-song prediction (green: true genre); accuracy {whole:.2f} "
                 f"vs {one_clip:.2f} on one clip [SYNTHETIC toy data]", fontsize=9)
    save_figure(fig, args.out, "predict_songs.png")


if __name__ == "__main__":
    main()
