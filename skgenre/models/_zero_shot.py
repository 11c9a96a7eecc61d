"""ZeroShotGenreClassifier: genres named from pretrained tag probabilities, no training data.

The pretrained musicnn networks predict 50 tags each, among them genres (MSD: rock, pop,
jazz, blues, country, Hip-Hop, ...; MTT: classical, techno, rock, country, metal, ...).
A mapping from each genre to one or more tags turns those probabilities into a genre
classifier that has seen no labelled track of the collection it classifies.
"""

from numbers import Real

import numpy as np
from scipy.special import softmax
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from ..embeddings._tags import MSD_TAGS, MTT_TAGS

__all__ = ["MUSICNN_TAG_COLUMNS", "ZERO_SHOT_MAPPINGS", "ZeroShotGenreClassifier"]

#: The columns of the tag scores that :func:`~skgenre.make_zero_shot_pipeline` computes:
#: the MSD network's 50 tags, then the MTT network's 50, each named ``"<net>:<tag>"``.
MUSICNN_TAG_COLUMNS = tuple(
    [f"MSD:{t}" for t in MSD_TAGS] + [f"MTT:{t}" for t in MTT_TAGS]
)

#: Built-in genre -> tags mappings, chosen by reading the tag names, before any track was
#: scored (see docs/guide/zero_shot.md). A genre that is a tag of both networks uses both.
ZERO_SHOT_MAPPINGS = {
    "gtzan": {
        "blues": ["MSD:blues"],
        "classical": ["MTT:classical"],  # MSD has no classical tag
        "country": ["MSD:country", "MTT:country"],
        # No disco tag: disco is dance music grown out of funk.
        "disco": ["MSD:dance", "MSD:funk"],
        "hiphop": ["MSD:Hip-Hop"],
        "jazz": ["MSD:jazz"],
        "metal": ["MSD:metal", "MSD:heavy metal", "MTT:metal"],
        "pop": ["MSD:pop", "MTT:pop"],
        # No reggae tag in either network: a proxy, laid-back music ("chillout") of
        # reggae's classic decade ("70s"). A guess, stated as one.
        "reggae": ["MSD:chillout", "MSD:70s"],
        "rock": ["MSD:rock", "MTT:rock"],
    },
    "emotify": {
        "classical": ["MTT:classical"],
        "electronic": ["MSD:electronic", "MTT:electronic"],
        "pop": ["MSD:pop", "MTT:pop"],
        "rock": ["MSD:rock", "MTT:rock"],
    },
}
# "all": every genre of the mappings above, which map the genres they share alike. It is
# the combined classifier's default: whichever of these genres a user's collection has,
# its prior covers them, and each gets the same tags as in its own collection's mapping.
ZERO_SHOT_MAPPINGS["all"] = {
    genre: tags for mapping in list(ZERO_SHOT_MAPPINGS.values()) for genre, tags in mapping.items()
}

_EPS = 1e-6


def integer_labels_hint(classes):
    """A hint for an error about ``classes``: empty unless they are integer codes.

    scikit-learn's ``CalibratedClassifierCV(method="temperature")`` encodes string labels
    as integers before it fits its estimator, so a classifier that reads genre names sees
    0, 1, ... instead: say so, and what works.
    """
    if not np.issubdtype(np.asarray(classes).dtype, np.integer):
        return ""
    return (
        " y holds integer codes, not genre names: pass the names. (scikit-learn encodes "
        "string labels as integers before it fits the estimator in "
        "CalibratedClassifierCV(method='temperature'): use method='isotonic' or 'sigmoid', "
        "or calibrate a fitted model wrapped in sklearn.frozen.FrozenEstimator; and in "
        "cross_val_predict(..., method='predict_proba'): use cross_validate(..., "
        "return_estimator=True, return_indices=True) and each fold's predict_proba.)"
    )


class ZeroShotGenreClassifier(ClassifierMixin, BaseEstimator):
    """Genres from pretrained tag probabilities through a genre -> tags mapping.

    Each genre's score is the mean, over its tags, of the tag's log-odds
    (``link="logit"``); the predicted genre is the one with the highest score. Nothing is
    learnt unless ``calibrate=True``: the classifier works with no labelled track at all.
    With ``calibrate=True`` and labelled tracks, a multinomial logistic regression on the
    genre scores learns an offset per genre and weights on every genre's score (e.g. that
    the MSD network says "rock" more readily than "pop", or that a high "rock" score
    often means pop).

    Its input ``X`` is a matrix of tag probabilities, one row per track, such as the
    whole-track mean taggrams of both musicnn networks that
    :func:`~skgenre.make_zero_shot_pipeline` computes (columns
    ``skgenre.models.MUSICNN_TAG_COLUMNS``). Keeping the audio out of the classifier lets tag scores
    computed once be reused, and lets the classifier be tested on small arrays.

    Parameters
    ----------
    mapping : {"gtzan", "emotify", "all"} or dict of str to str or list of str, default="gtzan"
        Genre -> tag(s). ``"gtzan"``: GTZAN's ten genres; ``"emotify"``: classical,
        electronic, pop and rock; ``"all"``: the eleven genres of both (see
        ``skgenre.models.ZERO_SHOT_MAPPINGS``). A tag is a column name
        of ``X`` (``"MSD:rock"``), or a bare tag (``"rock"``) meaning that tag of every
        network that has it.
    tags : "musicnn", list of str or None, default="musicnn"
        Names of the columns of ``X``: ``"musicnn"``, the 100 columns of
        ``skgenre.models.MUSICNN_TAG_COLUMNS``; a list, one name per column; None, the positional
        names ``"x0"``, ``"x1"``, ... (for generic features). A table whose column names
        are these names in another order is read by name.
    link : {"logit", "identity"}, default="logit"
        How a genre's tags are combined: the mean of their log-odds (``X`` must hold
        probabilities in [0, 1]), or the mean of the raw values (any scores).
    standardize : bool, default=False
        Standardize each tag's score (its log-odds with ``link="logit"``) by its mean and
        standard deviation over the tracks given to :meth:`fit`, which need no labels,
        before the genres' means. A network says some tags (MSD's "rock") more readily
        than others at any music; measured against the same tags over a collection, the
        genres compete on an equal footing. Fit on unlabelled tracks of the music to
        classify (e.g. your library), at least two.
    calibrate : bool, default=False
        False: :meth:`fit` only records the classes (those of ``y``, or every genre of the
        mapping when ``y`` is None). True: fit a logistic regression from the scores of
        all genres of the mapping to ``y``, whose classes need not be genres of the
        mapping.
    C : float, default=1.0
        Inverse regularisation strength of the calibration's logistic regression.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The genres predicted.
    genre_tags_ : dict of str to list of str
        Each genre of the mapping and the columns of ``X`` that score it.
    calibrator_ : LogisticRegression or None
        The calibration (None when ``calibrate=False``).
    tag_mean_, tag_scale_ : ndarray of shape (n_features_in_,) or None
        With ``standardize=True``: each tag's mean and standard deviation (1 where it is
        0) of the linked scores over the tracks of :meth:`fit`; else None.
    n_features_in_ : int
        Number of columns of ``X``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the columns of ``X`` when it is a table with string column names.

    See Also
    --------
    skgenre.make_zero_shot_pipeline : From audio files to genres through this classifier.

    Notes
    -----
    Uncalibrated, :meth:`predict_proba` is the softmax of the genre scores: it ranks genres
    as :meth:`predict` does, but its values are not calibrated probabilities.

    ``standardize=True`` was measured after the built-in mappings (Emotify's 200 tracks,
    GTZAN mini's 100; ``benchmarks/bench_zero_shot.py``): fitted on the collection's own
    unlabelled tracks it raises GTZAN mini from 0.590 to 0.720 and leaves Emotify at
    0.775; fitted on the other collection, 0.690 and 0.755. It is therefore an option,
    not the default.

    Examples
    --------
    >>> import numpy as np
    >>> from skgenre import ZeroShotGenreClassifier
    >>> X = np.array([[0.9, 0.1, 0.2], [0.2, 0.3, 0.8]])  # tag probabilities
    >>> clf = ZeroShotGenreClassifier(
    ...     mapping={"rock": "guitar", "electronic": ["synth", "techno"]},
    ...     tags=["guitar", "synth", "techno"],
    ... ).fit(X)
    >>> clf.classes_.tolist(), clf.predict(X).tolist()
    (['electronic', 'rock'], ['rock', 'electronic'])
    >>> clf = ZeroShotGenreClassifier(mapping="emotify")
    >>> clf.fit(np.full((1, 100), 0.1)).classes_.tolist()
    ['classical', 'electronic', 'pop', 'rock']
    """

    _parameter_constraints = {
        "mapping": [StrOptions(set(ZERO_SHOT_MAPPINGS)), dict],
        "tags": [StrOptions({"musicnn"}), list, tuple, None],
        "link": [StrOptions({"logit", "identity"})],
        "standardize": ["boolean"],
        "calibrate": ["boolean"],
        "C": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(self, mapping="gtzan", *, tags="musicnn", link="logit", standardize=False,
                 calibrate=False, C=1.0):
        self.mapping = mapping
        self.tags = tags
        self.link = link
        self.standardize = standardize
        self.calibrate = calibrate
        self.C = C

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # y=None is a supported call when nothing is calibrated
        tags.target_tags.required = bool(self.calibrate)
        return tags

    def _columns(self, n_features):
        if isinstance(self.tags, str):
            columns = list(MUSICNN_TAG_COLUMNS)
        elif self.tags is None:
            return [f"x{i}" for i in range(n_features)]
        else:
            columns = [str(t) for t in self.tags]
        if len(columns) != n_features:
            what = "the 100 musicnn tag columns" if isinstance(self.tags, str) else (
                f"tags names {len(columns)} columns"
            )
            raise ValueError(
                f"X has {n_features} feature(s), but {what}; pass X with one column per "
                "tag, or tags= naming every column of X."
            )
        names = getattr(self, "feature_names_in_", None)
        if names is not None and set(names.tolist()) == set(columns):
            # a table whose columns are the tags, in its own order: read them by name
            return names.tolist()
        return columns

    def _resolve_mapping(self, columns):
        mapping = (
            ZERO_SHOT_MAPPINGS[self.mapping] if isinstance(self.mapping, str) else self.mapping
        )
        if not mapping:
            raise ValueError(
                "mapping is empty: map each genre to at least one tag, e.g. "
                "{'rock': ['MSD:rock'], 'classical': ['MTT:classical']}, or use a built-in "
                f"mapping ({', '.join(repr(k) for k in ZERO_SHOT_MAPPINGS)})."
            )
        odd = [g for g in mapping if not isinstance(g, str)]
        if odd:
            raise ValueError(
                f"mapping's genres must be strings (the names that predict returns); got "
                f"{odd[0]!r} ({type(odd[0]).__name__}). Name each genre, e.g. "
                "{'rock': ['MSD:rock']}."
            )
        index = {c: i for i, c in enumerate(columns)}
        resolved = {}
        for genre, wanted in mapping.items():
            if not isinstance(wanted, str) and not (
                isinstance(wanted, (list, tuple)) and all(isinstance(t, str) for t in wanted)
            ):
                # list() would fail on a number with "not iterable", naming no genre, or
                # turn a dict into its keys and None into the tag 'None'
                raise ValueError(
                    f"mapping maps genre {genre!r} to {wanted!r} ({type(wanted).__name__}); "
                    "give a tag name or a list of tag names, e.g. "
                    "{'rock': ['MSD:rock', 'MTT:rock']}."
                )
            wanted = [wanted] if isinstance(wanted, str) else list(wanted)
            if not wanted:
                raise ValueError(f"mapping gives genre {genre!r} no tag; give it at least one.")
            cols = []
            for tag in wanted:
                hits = [tag] if tag in index else [c for c in columns if c.split(":", 1)[-1] == tag and ":" in c]
                if not hits:
                    raise ValueError(
                        f"mapping maps genre {genre!r} to tag {tag!r}, which no column of X "
                        f"has (X has {len(columns)} feature(s)). Valid tags: "
                        f"{', '.join(repr(c) for c in columns)}."
                    )
                cols += [c for c in hits if c not in cols]
            resolved[genre] = cols
        return resolved, index

    def _genre_scores(self, X):
        """Score of every genre of the mapping (columns in ``genre_tags_`` order)."""
        X = self._linked(X)
        if self.tag_mean_ is not None:
            X = (X - self.tag_mean_) / self.tag_scale_
        return np.column_stack(
            [X[:, self._tag_index_[g]].mean(axis=1) for g in self.genre_tags_]
        )

    def _linked(self, X):
        """The tag scores through the link: log-odds, or as they are."""
        if self.link == "logit":
            if X.size and (X.min() < 0 or X.max() > 1):
                raise ValueError(
                    "with link='logit' X must hold tag probabilities in [0, 1]; got values "
                    f"in [{X.min():.3g}, {X.max():.3g}]. Use link='identity' for other scores."
                )
            p = np.clip(X, _EPS, 1 - _EPS)
            X = np.log(p) - np.log1p(-p)
        return X

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, sample_weight=None):
        """Check the mapping against the columns of ``X``; calibrate if asked to.

        Parameters
        ----------
        X : array-like of shape (n_tracks, n_features)
            Tag scores, one column per tag named by ``tags``.
        y : array-like of shape (n_tracks,) or None, default=None
            Genres. Uncalibrated, they restrict the predicted classes (each must be a
            genre of the mapping); None keeps all the mapping's genres. Required with
            ``calibrate=True``.
        sample_weight : array-like of shape (n_tracks,) or None, default=None
            Weights of the tracks in the calibration and in ``standardize``'s statistics;
            ignored otherwise.

        Returns
        -------
        self : ZeroShotGenreClassifier

        Raises
        ------
        ValueError
            If the mapping is empty, maps a genre to anything but a tag name or a list of
            tag names, names a tag that no column has (the message lists the valid tags),
            ``y`` holds a genre the mapping lacks (uncalibrated), or
            ``y`` is missing when calibrating.
        """
        if y is None:
            if self.calibrate:
                raise ValueError(
                    "ZeroShotGenreClassifier with calibrate=True requires y to be passed, but "
                    "the target y is None: fit(X, y) with y the genre of "
                    "every row, or calibrate=False for zero-shot use."
                )
            X = validate_data(self, X, dtype=np.float64)
        else:
            X, y = validate_data(self, X, y, dtype=np.float64)
            check_classification_targets(y)
        resolved, index = self._resolve_mapping(self._columns(X.shape[1]))
        self.tag_mean_ = self.tag_scale_ = None
        if self.standardize:
            if X.shape[0] < 2:
                raise ValueError(
                    f"standardize=True learns each tag's spread over the tracks given to "
                    f"fit, and needs at least 2 of them; got {X.shape[0]} sample(s). Fit on "
                    "unlabelled tracks of the music to classify, or use standardize=False."
                )
            linked = self._linked(X)
            weight = _check_sample_weight(sample_weight, X)
            self.tag_mean_ = np.average(linked, axis=0, weights=weight)
            scale = np.sqrt(np.average((linked - self.tag_mean_) ** 2, axis=0, weights=weight))
            self.tag_scale_ = np.where(scale > 0, scale, 1.0)
        self.genre_tags_ = resolved
        self._tag_index_ = {g: [index[c] for c in cols] for g, cols in resolved.items()}
        genres = list(resolved)
        if not self.calibrate:
            self.calibrator_ = None
            if y is None:
                self.classes_ = np.array(sorted(genres), dtype=object).astype(str)
            else:
                classes = np.unique(y)
                unknown = [c for c in classes.tolist() if c not in resolved]
                if unknown:
                    raise ValueError(
                        f"y holds genre(s) {unknown} that the mapping does not name; the "
                        f"mapping's genres are {sorted(genres)}. Add them to the mapping, or "
                        "use calibrate=True to learn them from the tag scores."
                        + integer_labels_hint(classes)
                    )
                self.classes_ = classes
            self._class_cols_ = np.array([genres.index(c) for c in self.classes_.tolist()])
            return self
        from sklearn.linear_model import LogisticRegression

        sample_weight = _check_sample_weight(sample_weight, X)
        self.calibrator_ = LogisticRegression(C=self.C, max_iter=1000).fit(
            self._genre_scores(X), y, sample_weight=sample_weight
        )
        self.classes_ = self.calibrator_.classes_
        return self

    def _scores(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return self._genre_scores(X)

    def predict_proba(self, X):
        """Probability of each class for each track.

        Parameters
        ----------
        X : array-like of shape (n_tracks, n_features)

        Returns
        -------
        proba : ndarray of shape (n_tracks, n_classes)
            Calibrated probabilities with ``calibrate=True``; otherwise the softmax of the
            genre scores (see Notes of the class).
        """
        s = self._scores(X)
        if self.calibrator_ is not None:
            return self.calibrator_.predict_proba(s)
        return softmax(s[:, self._class_cols_], axis=1)

    def predict(self, X):
        """The genre of each track.

        Parameters
        ----------
        X : array-like of shape (n_tracks, n_features)

        Returns
        -------
        y : ndarray of shape (n_tracks,)
        """
        s = self._scores(X)
        if self.calibrator_ is not None:
            return self.calibrator_.predict(s)
        return self.classes_[np.argmax(s[:, self._class_cols_], axis=1)]
