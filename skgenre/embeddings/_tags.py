"""The 50 tags the pretrained musicnn networks predict, per training collection.

The order is the order of the networks' output units. The lists are data published with
musicnn 0.1.0 (Pons & Serra, 2019; ISC licence): the 50 most frequent tags of the Million
Song Dataset's Last.fm tags ("MSD") and of MagnaTagATune ("MTT").
"""

__all__ = ["MSD_TAGS", "MTT_TAGS", "musicnn_tags"]

MSD_TAGS = (
    "rock", "pop", "alternative", "indie", "electronic", "female vocalists", "dance", "00s",
    "alternative rock", "jazz", "beautiful", "metal", "chillout", "male vocalists",
    "classic rock", "soul", "indie rock", "Mellow", "electronica", "80s", "folk", "90s",
    "chill", "instrumental", "punk", "oldies", "blues", "hard rock", "ambient", "acoustic",
    "experimental", "female vocalist", "guitar", "Hip-Hop", "70s", "party", "country",
    "easy listening", "sexy", "catchy", "funk", "electro", "heavy metal", "Progressive rock",
    "60s", "rnb", "indie pop", "sad", "House", "happy",
)  # fmt: skip

MTT_TAGS = (
    "guitar", "classical", "slow", "techno", "strings", "drums", "electronic", "rock", "fast",
    "piano", "ambient", "beat", "violin", "vocal", "synth", "female", "indian", "opera", "male",
    "singing", "vocals", "no vocals", "harpsichord", "loud", "quiet", "flute", "woman",
    "male vocal", "no vocal", "pop", "soft", "sitar", "solo", "man", "classic", "choir",
    "voice", "new age", "dance", "male voice", "female vocal", "beats", "harp", "cello",
    "no voice", "weird", "country", "metal", "female voice", "choral",
)  # fmt: skip


def musicnn_tags(model="MSD_musicnn"):
    """The 50 tag names of a pretrained musicnn network, in output order.

    Parameters
    ----------
    model : {"MSD_musicnn", "MTT_musicnn"}, default="MSD_musicnn"
        The network; its prefix names the tag collection it was trained on.

    Returns
    -------
    tags : list of str

    Examples
    --------
    >>> from skgenre.embeddings import musicnn_tags
    >>> tags = musicnn_tags("MSD_musicnn")
    >>> len(tags), tags[:3], "blues" in tags
    (50, ['rock', 'pop', 'alternative'], True)
    >>> musicnn_tags("MTT_musicnn")[:2]
    ['guitar', 'classical']
    """
    prefix = str(model).split("_", 1)[0]
    if prefix == "MSD":
        return list(MSD_TAGS)
    if prefix == "MTT":
        return list(MTT_TAGS)
    raise ValueError(f"unknown musicnn model {model!r}; expected 'MSD_musicnn' or 'MTT_musicnn'.")
