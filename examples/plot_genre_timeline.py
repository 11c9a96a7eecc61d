"""A song's genre timeline: the probabilities of each segment, drawn over time.

The script builds a 2-minute medley of four real 30-s GTZAN tracks of four genres (from
the mini set beside the checkout), trains a model on the other tracks of the mini set,
and judges the medley with ``predict_songs(..., segments=True)``: one row per 6-s segment
with its probabilities, beside the whole song's summary. It prints, for each part of the
medley, how many of its segments the right genre wins, and the top two genres of the
part's track judged whole, and draws the timelines.

Run::

    python examples/plot_genre_timeline.py                        # real mini set, minutes
    python examples/plot_genre_timeline.py --model embedding feature
    python examples/plot_genre_timeline.py --small                # SYNTHETIC toy, seconds

``--model``: ``embedding`` (``make_embedding_pipeline()``, needs the musicnn weights),
``combined`` (``make_combined_pipeline("gtzan")``: the embedding's classifier times the
zero-shot genres of the pretrained tags, needs the weights), ``zero-shot``
(``make_zero_shot_pipeline("gtzan")``: the pretrained tags alone, trained on nothing; needs
the weights) and/or ``feature`` (``make_feature_pipeline("tuned", track=True)``). Writes ``genre_timeline.png``
into ``--out`` (default: the current folder).
"""

import os
import tempfile

import numpy as np
from _common import make_parser, parse_plot_args, save_figure

SR = 22050
GENRES = ("classical", "metal", "hiphop", "reggae")  # the medley's parts, in order
PART_S = 30.0
SEGMENT_S = 6.0


def _medley_files(parser, data, small):
    """``(medley_path, part_genres, part_seconds, train_paths, train_genres, source,
    part_paths, tmpdir)``: ``part_paths`` are the medley's tracks, whole."""
    import soundfile as sf

    from skgenre.io import load_audio

    tmpdir = tempfile.TemporaryDirectory(prefix="skgenre-medley-")
    if small:
        from skgenre.datasets import make_toy_genres

        toy = make_toy_genres(n_per_class=6, n_classes=4, duration=6.0, random_state=0,
                              path=tmpdir.name)
        names = np.asarray(toy.target_names)[toy.target]
        files = np.asarray(toy.filenames, dtype=object)
        genres = list(toy.target_names)
        picked = [int(np.flatnonzero(names == g)[0]) for g in genres]
        source = "SYNTHETIC toy set (not music)"
    else:
        from skgenre.datasets import load_gtzan

        gtzan = load_gtzan(data)
        names = np.asarray(gtzan.target_names)[gtzan.target]
        files = np.asarray(gtzan.filenames, dtype=object)
        genres = list(GENRES)
        absent = [g for g in genres if g not in set(names)]
        if absent:
            # a folder without one of the medley's genres has no track for that part
            parser.error(f"--data {data} holds no track of {', '.join(absent)}; the medley "
                         f"takes one of each of {', '.join(GENRES)} (the mini set has them)")
        # the first track of each of the four genres goes into the medley
        picked = [int(np.flatnonzero(names == g)[0]) for g in genres]
        source = "real GTZAN mini tracks"
    parts = [load_audio(files[i], sr=SR) for i in picked]
    n = min(len(p) for p in parts)  # the same length each: the parts are where we say
    medley = np.concatenate([p[:n] for p in parts])
    path = os.path.join(tmpdir.name, "medley.wav")
    sf.write(path, medley, SR)
    keep = np.setdiff1d(np.arange(len(files)), picked)
    return path, genres, n / SR, files[keep], names[keep], source, files[picked], tmpdir


def _model(kind, small):
    from skgenre import (
        make_combined_pipeline,
        make_embedding_pipeline,
        make_feature_pipeline,
        make_zero_shot_pipeline,
    )

    if kind == "zero-shot":
        return make_zero_shot_pipeline("gtzan")
    if kind == "embedding":
        return make_embedding_pipeline(random_state=0)
    if kind == "combined":
        return make_combined_pipeline("gtzan")
    pipe = make_feature_pipeline("tuned", track=True, random_state=0)
    if small:
        pipe.set_params(track__clip_duration=1.0, track__estimator__classifier__epochs=3,
                        track__estimator__classifier__early_stopping=False)
    return pipe


def main(argv=None):
    parser = make_parser(__doc__, gtzan_data=True)
    parser.add_argument("--model", nargs="+",
                        choices=["embedding", "combined", "zero-shot", "feature"],
                        default=["feature"], help="which models to train and draw")
    args, plt = parse_plot_args(parser, argv, small_help="tiny synthetic data instead")
    from skgenre.inference import predict_songs

    path, genres, part_s, train_x, train_y, source, part_files, _tmp = _medley_files(
        parser, args.data, args.small)
    segment_s = 2.0 if args.small else SEGMENT_S
    fig, axes = plt.subplots(len(args.model), 1, figsize=(10, 2.6 * len(args.model)),
                             squeeze=False)
    for ax, kind in zip(axes[:, 0], args.model):
        if kind == "zero-shot":  # learns nothing: its fit records the mapping's genres
            pipe = _model(kind, args.small).fit(list(train_x[:1]))
        else:
            pipe = _model(kind, args.small).fit(list(train_x), train_y)
        song, timeline = predict_songs(pipe, [path], segments=True,
                                       segment_duration=segment_s)
        classes = timeline.attrs["classes"]
        print(f"{kind}: whole medley -> {song.loc[0, 'top1_genre']}; "
              f"{len(timeline)} segments of {segment_s:g} s")
        mid = (timeline["start"] + timeline["end"]) / 2
        for i, g in enumerate(genres):
            part = timeline[(mid >= i * part_s) & (mid < (i + 1) * part_s)]
            wins = int((part["top1_genre"] == g).sum())
            print(f"{kind}: part {i + 1} ({g}): {g} wins {wins}/{len(part)} segments")
        # each part's track judged whole: is a part lost by the timeline, or by the model?
        whole = predict_songs(pipe, list(part_files), top_k=2)
        for i, (g, (_, r)) in enumerate(zip(genres, whole.iterrows())):
            print(f"{kind}: track {i + 1} ({g}) judged whole: {r['top1_genre']} "
                  f"{r['top1_proba']:.2f}, {r['top2_genre']} {r['top2_proba']:.2f}")
        probs = timeline[[f"proba_{c}" for c in classes]].to_numpy()
        bottom = np.zeros(len(timeline))
        cmap = plt.get_cmap("tab10")
        for j, c in enumerate(classes):
            ax.bar(timeline["start"], probs[:, j], width=timeline["end"] - timeline["start"],
                   bottom=bottom, align="edge", color=cmap(j % 10), label=c,
                   edgecolor="white", linewidth=0.3)
            bottom += probs[:, j]
        for i, g in enumerate(genres):
            ax.axvline(i * part_s, color="black", linewidth=1)
            ax.text((i + 0.5) * part_s, 1.03, f"true: {g}", ha="center", va="bottom",
                    fontsize=9)
        ax.set_xlim(0, len(genres) * part_s)
        ax.set_ylim(0, 1.15)
        ax.set_ylabel("probability")
        trained = "trained on nothing" if kind == "zero-shot" else "trained on the other tracks"
        ax.set_title(f"{kind} model, {trained} ({source})", fontsize=10, pad=16)
    axes[-1, 0].set_xlabel("time in the medley (s)")
    axes[0, 0].legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    save_figure(fig, args.out, "genre_timeline.png", palette=True)


if __name__ == "__main__":
    main()
