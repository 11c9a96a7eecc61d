"""Pretrained musicnn embeddings of 100 real GTZAN tracks, projected to 2-D and coloured by genre.

Every track of the GTZAN mini set (100 real 30-s tracks, 10 per genre) goes through
``MusicnnEmbedding`` (the MSD-trained musicnn network, its 200 ``penultimate`` units
averaged over the track's 3-s patches). The 200-dimensional embeddings are standardized and
projected to two dimensions twice, without the labels: by PCA (linear; the axes are the
two directions of largest variance) and by t-SNE (non-linear; it keeps neighbours close,
distances between far groups mean little). The colours are the genres, added afterwards.
Genres that form their own region are the ones a classifier on these embeddings finds easy.

Run::

    python examples/plot_embeddings_2d.py                 # ../shared/data/gtzan/mini, minutes
    python examples/plot_embeddings_2d.py --data /path/to/gtzan
    python examples/plot_embeddings_2d.py --small         # seconds, SYNTHETIC toy set (what CI runs)

It needs the musicnn weights (``pip install --no-deps musicnn==0.1.0``). The
documentation's figure is made with::

    python examples/plot_embeddings_2d.py --out docs/img

Writes ``embeddings_2d.png`` into ``--out`` (default: the current folder).
"""

from _common import gtzan_or_toy_waves, make_parser, parse_plot_args, save_figure


def main(argv=None):
    parser = make_parser(__doc__, gtzan_data=True, seed_help="seeds t-SNE")
    args, plt = parse_plot_args(parser, argv, small_help="tiny synthetic data instead")
    from sklearn.decomposition import PCA
    from sklearn.manifold import TSNE
    from sklearn.preprocessing import StandardScaler

    from skgenre import MusicnnEmbedding

    sr = 16000  # musicnn's own rate: decode straight to it
    waves, y, source = gtzan_or_toy_waves(parser, args, sr, n_per_class=4, n_classes=3,
                                          duration=4.0)
    emb = MusicnnEmbedding(layer="penultimate", stats=("mean",), sr=sr)
    X = emb.fit_transform(waves)
    Z = StandardScaler().fit_transform(X)
    pca = PCA(n_components=2).fit(Z)
    views = {
        "PCA (explains {:.0%} of the variance)".format(pca.explained_variance_ratio_.sum()):
            pca.transform(Z),
        "t-SNE (perplexity {})".format(min(30, (len(y) - 1) // 3)):
            TSNE(n_components=2, perplexity=min(30, (len(y) - 1) // 3), init="pca",
                 random_state=args.seed).fit_transform(Z),
    }
    print(f"{X.shape[0]} tracks x {X.shape[1]} embedding dimensions")

    genres = sorted(set(y))
    colors = plt.get_cmap("tab10")
    markers = "osD^v<>pX*"
    fig, axes = plt.subplots(1, 2, figsize=(10.5, 4.9), dpi=90)
    for ax, (title, P) in zip(axes, views.items()):
        for k, genre in enumerate(genres):
            sel = y == genre
            ax.scatter(P[sel, 0], P[sel, 1], s=28, color=colors(k % 10),
                       marker=markers[k % len(markers)], label=genre, alpha=0.85,
                       edgecolors="none")
        ax.set_title(title, fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
    axes[1].legend(fontsize=8, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    fig.suptitle(f"MusicnnEmbedding (MSD, penultimate layer, mean over 3-s patches): {source}; "
                 "projected without the labels, coloured by genre", fontsize=9)
    save_figure(fig, args.out, "embeddings_2d.png", palette=True)


if __name__ == "__main__":
    main()
