"""The target encoder of :class:`~skgenre.GenreClassifier`: class labels to network targets.

It does what scikeras' ``ClassifierLabelEncoder`` does for the targets
:class:`~skgenre.GenreClassifier` accepts (binary and multiclass labels, 1-D), without
importing scikeras, whose package imports Keras: a fitted classifier holds its encoder, so
loading a saved model would otherwise import TensorFlow before it predicts anything.
"""

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder
from sklearn.utils.multiclass import type_of_target

__all__ = ["LabelIndexEncoder"]

_CATEGORICAL_NAMES = ("categorical_crossentropy", "cce", "CategoricalCrossentropy")
# Keras' other losses that compare a probability vector with a one-hot target: given class
# indices they broadcast an (n, 1) target against (n, n_classes) and train silently wrong.
_ONE_HOT_NAMES = _CATEGORICAL_NAMES + (
    "categorical_focal_crossentropy", "CategoricalFocalCrossentropy",
    "kl_divergence", "kld", "KLD", "KLDivergence", "categorical_hinge", "CategoricalHinge",
)


def _is_categorical_crossentropy(loss):
    """Whether ``loss`` wants one-hot targets (scikeras' rule, plus Keras' other one-hot
    losses: focal crossentropy, KL divergence, categorical hinge)."""
    if isinstance(loss, str) or loss is None:
        return loss in _ONE_HOT_NAMES
    # A loss object or function: Keras is imported already, since the caller made it.
    from scikeras.utils.transformers import _is_categorical_crossentropy as is_cce

    names = {getattr(loss, "name", None), getattr(loss, "__name__", None),
             getattr(getattr(loss, "fn", None), "__name__", None), type(loss).__name__}
    return is_cce(loss) or bool(names & set(_ONE_HOT_NAMES))


class LabelIndexEncoder(TransformerMixin, BaseEstimator):
    """Encode class labels as float32 class indices (one-hot for categorical crossentropy).

    Parameters
    ----------
    loss : str, keras loss or None, default=None
        The network's loss: with categorical crossentropy, targets are one-hot encoded
        (two classes too); otherwise they are class indices.
    categories : "auto" or list of one array, default="auto"
        All classes, when ``y`` may lack some (``partial_fit(classes=...)``).

    Attributes
    ----------
    classes_ : ndarray
        The classes, sorted.
    n_classes_ : int
        Number of classes.
    n_outputs_, n_outputs_expected_ : int
        1 (one target), scikeras' metadata.

    Examples
    --------
    >>> from skgenre.models._target import LabelIndexEncoder
    >>> enc = LabelIndexEncoder().fit(["rock", "jazz", "rock"])
    >>> enc.classes_.tolist(), enc.transform(["rock", "jazz"]).ravel().tolist()
    (['jazz', 'rock'], [1.0, 0.0])
    """

    def __init__(self, loss=None, categories="auto"):
        self.loss = loss
        self.categories = categories

    def fit(self, y):
        """Learn the classes of ``y``.

        Parameters
        ----------
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self : LabelIndexEncoder
        """
        y = np.asarray(y)
        target_type = type_of_target(y)
        if target_type == "binary" and not isinstance(self.categories, str):
            target_type = type_of_target(self.categories[0])
        if target_type not in ("binary", "multiclass"):
            raise ValueError(f"Unknown label type: {target_type}.")
        # skgenre's networks end in a softmax over every class, two included: categorical
        # crossentropy wants one-hot targets then too (scikeras one-hot encodes only
        # multiclass targets, for a one-unit sigmoid head)
        one_hot = _is_categorical_crossentropy(self.loss)
        if one_hot:
            encoder = OneHotEncoder(
                sparse_output=False, dtype=np.float32, categories=self.categories
            )
        else:
            encoder = OrdinalEncoder(dtype=np.float32, categories=self.categories)
        self._encoder = encoder.fit(y.reshape(-1, 1))
        self.classes_ = self._encoder.categories_[0]
        self.n_classes_ = self.classes_.size
        self.n_outputs_ = 1
        self.n_outputs_expected_ = 1
        return self

    def transform(self, y):
        """The network's targets: ``(n_samples, 1)`` indices or ``(n_samples, n_classes)``.

        Parameters
        ----------
        y : array-like of shape (n_samples,)
            Class labels seen in :meth:`fit`.

        Returns
        -------
        targets : ndarray of float32
        """
        return self._encoder.transform(np.asarray(y).reshape(-1, 1))

    def get_metadata(self):
        """The fitted attributes that the classifier takes over (scikeras' hook).

        Returns
        -------
        metadata : dict
        """
        return {
            "classes_": self.classes_,
            "n_classes_": self.n_classes_,
            "n_outputs_": self.n_outputs_,
            "n_outputs_expected_": self.n_outputs_expected_,
        }
