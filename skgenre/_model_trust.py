"""Which types a safe model file may hold, and skops without its scan of scikit-learn.

skops builds only objects of types on an explicit list: scikit-learn's public estimators,
which it trusts by itself, and the names a caller adds. :data:`TRUSTED_TYPES` is what
:func:`~skgenre.load_model` adds; :func:`_is_public_sklearn_estimator` answers skops'
own question for one name without importing all of scikit-learn, so that
:func:`import_skops_lean` can skip skops' scan in a process that owns its imports.
"""

import sys

__all__ = ["TRUSTED_TYPES", "check_trusted_types", "import_skops_lean", "unimportable_types"]

# Types that a safe model file may hold besides scikit-learn's own (which skops trusts by
# itself): skgenre's estimators, the target encoders (skgenre's; scikeras' in older files),
# the network placeholder, and helper types of the scikit-learn estimators skgenre uses
# (CalibratedClassifierCV's calibrators: the ensembles' calibrated SVC and the calibrate=
# option of make_embedding_pipeline, VotingClassifier's named_estimators_, the stacking
# ensemble's splitter). Names are where the classes live; tests/test_persist.py checks that
# each still resolves, so that a class moved to another module is noticed (keep the old
# name too: old files use it).
TRUSTED_TYPES = (
    "numpy.dtype",
    "scikeras.utils.transformers.ClassifierLabelEncoder",
    "scikeras.utils.transformers.TargetReshaper",
    "skgenre._persist._NetworkRef",
    "skgenre.embeddings._musicnn.MusicnnEmbedding",
    "skgenre.evaluation._artist_folds.StratifiedArtistKFold",
    "skgenre.evaluation._protocols.StratifiedTrackKFold",
    "skgenre.features._extended.FeatureExtractor",
    "skgenre.features._mel.MelSpectrogram",
    "skgenre.features._mel.RowMeanVectorizer",
    "skgenre.features._paper26.FeatureExtractor26",
    "skgenre.io._loader.AudioLoader",
    "skgenre.models._classifier.GenreClassifier",
    "skgenre.models._target.LabelIndexEncoder",
    "skgenre.models._open_set.OpenSetClassifier",
    "skgenre.models._tag_prior.TagPriorClassifier",
    "skgenre.models._track.TrackClassifier",
    "skgenre.models._zero_shot.ZeroShotGenreClassifier",
    "skgenre.preprocessing._clip.RandomClip",
    "skgenre.preprocessing._noise.PixelDropoutNoise",
    "skgenre.preprocessing._scaling.MinMaxThenNormalize",
    "skgenre.preprocessing._standardize.SpectrogramStandardizer",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    # CalibratedClassifierCV(method="temperature"), scikit-learn >= 1.8 only
    "sklearn.calibration._TemperatureScaling",
    "sklearn.model_selection._split.KFold",
    "sklearn.model_selection._split.StratifiedKFold",
    "sklearn.utils._bunch.Bunch",
)


def check_trusted_types(trusted_types):
    """``trusted_types`` of :func:`~skgenre.load_model` as a list of str, or None.

    A single name passed as a string would be a set of letters to skops' checks, and the
    file would be refused with the advice to pass the very name given.
    """
    if trusted_types is None:
        return None
    try:
        names = None if isinstance(trusted_types, (str, bytes)) else list(trusted_types)
    except TypeError:  # not iterable
        names = None
    if names is None or not all(isinstance(n, str) for n in names):
        raise TypeError(
            "trusted_types must be a list of type names, one 'module.Class' each (e.g. "
            f"['mypackage.MyTransformer']), got {trusted_types!r}."
        )
    return names


def _trusted_types(extra=()):
    return sorted(set(TRUSTED_TYPES) | set(extra or ()))


def unimportable_types(type_names):
    """The names among ``type_names`` (``"module.Class"``, as skops writes them) that do not
    resolve in this process, in their order.

    skops imports each type of a file as it builds it; one that is not there (a class
    defined in ``__main__`` by the script or notebook that saved the model, a package not
    installed here) fails the build midway with an ``AttributeError`` or an
    ``ImportError`` that says nothing of the file. Asked first, the caller can name them.
    Only types the caller trusts are asked about: importing a module runs its code.
    """
    return [type_name for type_name in type_names if not _resolves(type_name)]


def _resolves(type_name):
    """Whether ``type_name`` names something here: the longest prefix that imports as a
    module, then attributes (``module.Class.method`` names a bound method's function)."""
    import importlib

    parts = type_name.split(".")
    for i in range(len(parts) - 1, 0, -1):
        try:
            found = importlib.import_module(".".join(parts[:i]))
        except Exception:  # ImportError (no such module), or a module that fails as it runs
            continue
        if parts[i:] == ["method"]:
            # skops before 0.12 names a bound method by its function's module and the type
            # "method"; it builds it from the object it is bound to, importing no such name
            return True
        for attr in parts[i:]:
            found = getattr(found, attr, _MISSING)
            if found is _MISSING:
                return False
        return True
    return False


_MISSING = object()


# Module names that scikit-learn's all_estimators skips, and so does the check below.
_SKLEARN_SKIPPED_PARTS = frozenset(
    {"tests", "externals", "setup", "conftest", "experimental", "estimator_checks"}
)


def _is_public_sklearn_estimator(type_name):
    """Whether skops would trust ``type_name`` by default: a public scikit-learn estimator.

    skops trusts every class of ``sklearn.utils.all_estimators()``, a list it builds by
    importing all of scikit-learn (half a second). This check gives the same answer for one
    name, importing only the named module, so that a model file reads the same whether or
    not skops built its list (see :func:`import_skops_lean`).
    """
    import importlib
    import inspect

    module_name, _, class_name = type_name.rpartition(".")
    parts = module_name.split(".")
    if parts[0] != "sklearn" or class_name.startswith("_") or class_name == "BaseEstimator":
        return False
    if _SKLEARN_SKIPPED_PARTS.intersection(parts):
        return False
    try:
        cls = getattr(importlib.import_module(module_name), class_name, None)
    except ImportError:
        return False
    from sklearn.base import BaseEstimator

    if not (inspect.isclass(cls) and issubclass(cls, BaseEstimator)) or inspect.isabstract(cls):
        return False
    if f"{cls.__module__}.{cls.__name__}" != type_name:
        return False
    # all_estimators finds a class as a member of a public module (no "._" in its name):
    # the public package above the private module must expose it.
    public = ".".join(parts[: next((i for i, p in enumerate(parts) if p.startswith("_")),
                                   len(parts))])
    try:
        return getattr(importlib.import_module(public), class_name, None) is cls
    except ImportError:
        return False


def import_skops_lean():
    """Import ``skops.io`` without its scan of all of scikit-learn, for the CLI's process.

    At import, skops lists every scikit-learn estimator for its default trust list by
    importing every scikit-learn module: about 0.5 s of the 1.7 s that ``skgenre predict``
    adds to a bare TensorFlow import. :func:`load_model` does not need that list (it checks
    scikit-learn types itself, see :func:`_is_public_sklearn_estimator`), so a process that
    owns its imports, as the ``skgenre`` command does, can skip the scan. Other code in such
    a process that relies on skops' default list would find scikit-learn's estimators
    untrusted (an error, never a silent load), which is why the library itself never calls
    this. Does nothing when ``skops.io`` is already imported.
    """
    if "skops.io" in sys.modules:
        return
    import sklearn.utils

    scan = sklearn.utils.all_estimators
    sklearn.utils.all_estimators = lambda type_filter=None: []
    try:
        import skops.io  # noqa: F401
    finally:
        sklearn.utils.all_estimators = scan
