"""TagPriorClassifier: a trained classifier whose answers lean on pretrained tag genres.

A classifier trained on a small collection knows only that collection: trained on Bach
alone, "classical" means Bach. The pretrained musicnn networks have heard tens of
thousands of songs, and their genre tags name genres with no training data at all
(:class:`~skgenre.ZeroShotGenreClassifier`). This meta-estimator multiplies the two
opinions, so that a model trained on few labels keeps what the pretrained network knows
about other music.
"""

from numbers import Real

import numpy as np
from scipy.special import log_softmax
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    _fit_context,
    clone,
)
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.metadata_routing import UNUSED, _routing_enabled
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ._routing import check_child_params, child_fit_params, child_router, fit_child
from ._zero_shot import (
    MUSICNN_TAG_COLUMNS,
    ZERO_SHOT_MAPPINGS,
    ZeroShotGenreClassifier,
    integer_labels_hint,
)

__all__ = ["TagPriorClassifier"]


def default_head():
    """The supervised head of :func:`~skgenre.make_embedding_pipeline`'s tuned preset."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from ..pipelines import _EMBEDDING_PRESETS, _embedding_classifier

    kind, params = _EMBEDDING_PRESETS["tuned"]["classifier"]
    return make_pipeline(StandardScaler(), _embedding_classifier(kind, params, None))


def _match_genre(label, genres):
    """The genre of the mapping that names the class ``label``, or None.

    The class's own name, else the one genre equal to it up to case and surrounding
    spaces: genre folders are often capitalised (``Rock/``), the built-in genres are not.

    >>> _match_genre("Rock", ["rock", "pop"]), _match_genre("folk", ["rock"])
    ('rock', None)
    """
    name = str(label)
    if name in genres:
        return name
    key = name.strip().casefold()
    found = [g for g in genres if g.strip().casefold() == key]
    return found[0] if len(found) == 1 else None


def _class_genres(classes, genres):
    """The genre of ``genres`` whose prior each class gets (:func:`_match_genre`), or None.

    A genre is one class's prior, never two: ``"rock"`` beside ``"Rock"`` keeps it for
    ``"rock"``, and ``"Rock"`` beside ``"ROCK"`` (no ``"rock"``) gives it to neither.

    >>> _class_genres(["Rock", "pop"], ["rock", "pop"])
    ['rock', 'pop']
    >>> _class_genres(["rock", "Rock", "ROCK ", "Pop", "POP"], ["rock", "pop"])
    ['rock', None, None, None, None]
    """
    names = [str(c) for c in classes]
    matched = [_match_genre(c, genres) for c in names]
    matched = [g if g is None or c == g or g not in names else None
               for c, g in zip(names, matched)]
    return [g if g is None or matched.count(g) == 1 else None for g in matched]


class TagPriorClassifier(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """A trained classifier times the zero-shot genre probabilities of pretrained tags.

    The first columns of ``X`` are tag probabilities (named by ``tags``), the others are
    features (e.g. the pretrained embedding). ``estimator`` is trained on the features;
    a :class:`~skgenre.ZeroShotGenreClassifier` with ``mapping`` scores the classes from
    the tags, untrained. The two are combined as a product of experts::

        log p(c | x) = log p_estimator(c | x) + prior_weight * log q(c | x) + const

    where ``q`` is the zero-shot softmax over the classes that the mapping names. A class
    that the mapping lacks gets, in each row, the mean of the mapped classes' ``log q``:
    the tags neither favour nor penalise it. ``prior_weight=0`` is the estimator alone;
    a large weight is the zero-shot classifier, the estimator breaking ties.

    Parameters
    ----------
    estimator : estimator object or None, default=None
        A classifier with ``predict_proba``, trained on the feature columns. None: a
        ``StandardScaler`` and a logistic regression with ``C=0.01``, the head of
        :func:`~skgenre.make_embedding_pipeline`.
    mapping : {"all", "gtzan", "emotify"} or dict, default="all"
        Genre -> tag(s), as for :class:`~skgenre.ZeroShotGenreClassifier`. Class labels
        are matched to its genres as strings: exactly, else up to case and surrounding
        spaces (the class ``"Rock"`` gets the genre ``"rock"``). Only the genres that are
        classes of ``y`` count, so ``"all"`` (every built-in genre: GTZAN's ten and
        electronic) gives the same answers as ``"gtzan"`` on GTZAN's genres and as
        ``"emotify"`` on Emotify's.
    tags : "musicnn" or list of str, default="musicnn"
        Names of the leading tag columns of ``X``: ``"musicnn"``, the 100 columns of
        ``skgenre.models.MUSICNN_TAG_COLUMNS``; or a list, one name per tag column. Every
        column after them is a feature of ``estimator``.
    link : {"logit", "identity"}, default="logit"
        How a genre's tags are combined into its zero-shot score, as for
        :class:`~skgenre.ZeroShotGenreClassifier`: the mean of their log-odds (the tag
        columns must hold probabilities in [0, 1]), or of their raw values.
    prior_weight : float, default=0.5
        Weight of the zero-shot log-probabilities. The default was chosen by 5-fold
        cross-validation grouped by artist on GTZAN mini and Emotify together
        (``benchmarks/bench_zero_shot.py --combined``).

    Attributes
    ----------
    estimator_ : estimator object
        The fitted ``estimator``.
    zero_shot_ : ZeroShotGenreClassifier
        The zero-shot classifier of the tag columns (fitted without labels).
    classes_ : ndarray of shape (n_classes,)
        The class labels, those of ``estimator_``.
    prior_classes_ : ndarray of shape (n_classes,) of bool
        Which classes the mapping names (the others get no prior).
    n_features_in_ : int
        Number of columns of ``X``: tags, then features.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the columns of ``X`` when it is a table with string column names.

    See Also
    --------
    skgenre.make_combined_pipeline : From audio files to genres through this classifier.
    skgenre.ZeroShotGenreClassifier : The zero-shot half alone.

    Examples
    --------
    >>> import numpy as np
    >>> from skgenre import TagPriorClassifier
    >>> rng = np.random.default_rng(0)
    >>> tags = rng.uniform(0.1, 0.9, size=(40, 2))  # probabilities of "guitar", "synth"
    >>> y = np.where(tags[:, 0] > tags[:, 1], "rock", "electronic")
    >>> features = rng.normal(size=(40, 3))  # features that know nothing
    >>> clf = TagPriorClassifier(mapping={"rock": "guitar", "electronic": "synth"},
    ...                          tags=["guitar", "synth"], prior_weight=5.0)
    >>> clf.fit(np.hstack([tags, features]), y).classes_.tolist()
    ['electronic', 'rock']
    >>> float(np.mean(clf.predict(np.hstack([tags, features])) == y))
    1.0
    """

    _parameter_constraints = {
        "estimator": [HasMethods(["fit", "predict_proba"]), None],
        "mapping": [StrOptions(set(ZERO_SHOT_MAPPINGS)), dict],
        "tags": [StrOptions({"musicnn"}), list, tuple],
        "link": [StrOptions({"logit", "identity"})],
        "prior_weight": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(self, estimator=None, *, mapping="all", tags="musicnn", link="logit",
                 prior_weight=0.5):
        self.estimator = estimator
        self.mapping = mapping
        self.tags = tags
        self.link = link
        self.prior_weight = prior_weight

    def _open_set_columns(self):
        """The columns that :class:`~skgenre.OpenSetClassifier` measures a track by: the
        features, which the trained head reads (not the tags, which the prior reads)."""
        return slice(len(self._tag_names()), None)

    def _tag_names(self):
        if isinstance(self.tags, str):
            return list(MUSICNN_TAG_COLUMNS)
        return [str(t) for t in self.tags]

    # sample_weight only passes through to the estimator: no request of this object's own
    __metadata_request__fit = {"sample_weight": UNUSED}

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None, **fit_params):
        """Train the estimator on the feature columns; check the mapping on the tag columns.

        Parameters
        ----------
        X : array-like of shape (n_tracks, n_tags + n_features)
            Tag probabilities (in [0, 1]), then features.
        y : array-like of shape (n_tracks,)
            Genres.
        sample_weight : array-like of shape (n_tracks,), default=None
            Weights for the estimator's ``fit`` (its last step's, for a Pipeline); the
            zero-shot half learns nothing.
        **fit_params : dict
            Other metadata for the estimator, with metadata routing enabled only
            (``sklearn.set_config(enable_metadata_routing=True)``).

        Returns
        -------
        self : TagPriorClassifier

        Raises
        ------
        ValueError
            If ``X`` has no feature column after the tags, the mapping is empty or names
            a tag that ``tags`` lacks, or fewer than two classes of ``y`` are genres of
            the mapping.
        """
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        names = self._tag_names()
        if X.shape[1] <= len(names):
            raise ValueError(
                f"X has {X.shape[1]} feature(s), but TagPriorClassifier needs the "
                f"{len(names)} tag column(s) named by tags= followed by at least one "
                "feature column for the estimator."
            )
        n_tags = len(names)
        columns = getattr(self, "feature_names_in_", None)
        if columns is not None and set(names) <= set(columns.tolist()):
            # a table that names its columns: the tags by name, wherever they lead
            if set(columns[:n_tags].tolist()) != set(names):
                raise ValueError(
                    f"X names the {n_tags} tag column(s) of tags=, but not as its first "
                    f"{n_tags} columns; TagPriorClassifier reads the tags first, then the "
                    "features: reorder the columns of X."
                )
            names = columns[:n_tags].tolist()
        self.zero_shot_ = ZeroShotGenreClassifier(
            self.mapping, tags=names, link=self.link
        ).fit(X[:, :n_tags])
        head = self._head()
        params = check_child_params(head, child_fit_params(self, sample_weight, fit_params),
                                    len(y))
        self.estimator_ = fit_child(head, X[:, n_tags:], y, params)
        self.classes_ = self.estimator_.classes_
        genres = list(self.zero_shot_.genre_tags_)
        matched = _class_genres(self.classes_, genres)
        self.prior_classes_ = np.array([g is not None for g in matched])
        if self.prior_classes_.sum() < 2:
            # the prior is a softmax over the mapped classes: over one, it is 1 whatever
            # the tags say, and prior_weight would change nothing
            mapped = self.classes_[self.prior_classes_].tolist()
            raise ValueError(
                f"{'only one class' if mapped else 'no class'} of y "
                f"({self.classes_.tolist()}) is a genre of the mapping ({sorted(genres)})"
                f"{f': {mapped[0]!r}' if mapped else ''}: the tags would add nothing, as "
                "the prior compares the mapped classes with each other. Map at least two "
                "classes to tags, or use the estimator alone."
                + integer_labels_hint(self.classes_)
            )
        self._genre_cols_ = np.array([genres.index(g) for g in matched if g is not None])
        return self

    def get_metadata_routing(self):
        """How :meth:`fit` routes metadata to the estimator (see scikit-learn's user guide).

        Returns
        -------
        routing : MetadataRouter
        """
        return child_router(self, self._head())

    def _head(self):
        """A clone of ``estimator``, or the default head, which takes weights when routed."""
        if self.estimator is not None:
            return clone(self.estimator)
        head = default_head()
        if _routing_enabled():
            # as scikit-learn's meta-estimators request weights for their default
            # estimator: the user cannot reach this one to request them
            head[0].set_fit_request(sample_weight=False)  # the scaler: unweighted, as before
            head[-1].set_fit_request(sample_weight=True)
        return head

    def _log_prior(self, T):
        """``log q`` of every class (unmapped classes: the row's mean over mapped ones)."""
        scores = self.zero_shot_._scores(T)[:, self._genre_cols_]
        logq = log_softmax(scores, axis=1)
        out = np.empty((len(T), len(self.classes_)))
        out[:, self.prior_classes_] = logq
        out[:, ~self.prior_classes_] = logq.mean(axis=1, keepdims=True)
        return out

    def predict_log_proba(self, X):
        """Log-probability of each class for each track.

        Parameters
        ----------
        X : array-like of shape (n_tracks, n_tags + n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_tracks, n_classes)
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        n_tags = len(self._tag_names())
        proba = self.estimator_.predict_proba(X[:, n_tags:])
        z = np.log(np.clip(proba, 1e-300, None))
        if self.prior_weight:
            z = z + float(self.prior_weight) * self._log_prior(X[:, :n_tags])
        return log_softmax(z, axis=1)

    def predict_proba(self, X):
        """Probability of each class for each track.

        Parameters
        ----------
        X : array-like of shape (n_tracks, n_tags + n_features)

        Returns
        -------
        proba : ndarray of shape (n_tracks, n_classes)
        """
        return np.exp(self.predict_log_proba(X))

    def predict(self, X):
        """The genre of each track.

        Parameters
        ----------
        X : array-like of shape (n_tracks, n_tags + n_features)

        Returns
        -------
        y : ndarray of shape (n_tracks,)
        """
        best = np.argmax(self.predict_log_proba(X), axis=1)
        return self.classes_[best]
