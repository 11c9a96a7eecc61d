"""The versions a model file was saved under: stamped when saved, compared when loaded."""

import importlib.metadata
import sys
import warnings

from ._errors import VersionMismatchWarning
from ._version import __version__

__all__ = ["installed_versions", "warn_on_mismatch"]

# envelope key -> distributions that provide it (the first one installed wins)
_DISTRIBUTIONS = {
    "skgenre": (),
    "scikit-learn": ("scikit-learn",),
    "keras": ("keras",),
    "tensorflow": ("tensorflow", "tensorflow-cpu", "tensorflow-macos", "tf-nightly"),
    "numpy": ("numpy",),
}

# Needed only to compute networks with Keras.
_ENGINE_ONLY = frozenset({"keras", "tensorflow"})


def installed_versions():
    """Versions of the packages a saved model depends on, without importing them."""
    versions = {}
    for key, dists in _DISTRIBUTIONS.items():
        if key == "skgenre":
            versions[key] = __version__
            continue
        found = None
        for dist in dists:
            try:
                found = importlib.metadata.version(dist)
                break
            except importlib.metadata.PackageNotFoundError:
                continue
        if found is None and key in sys.modules:
            # Installed without metadata (e.g. a source tree on sys.path).
            found = getattr(sys.modules[key], "__version__", None)
        versions[key] = found
    return versions


def warn_on_mismatch(path, saved, stacklevel=3):
    """Warn, naming each package and both versions, where the versions that a model file
    was saved under (``saved``, its stamp) differ from those installed."""
    saved = saved if isinstance(saved, dict) else {}  # a damaged stamp: every version unknown
    current = installed_versions()
    diffs = [
        f"{name} {saved.get(name) or 'absent'} (installed: {current.get(name) or 'absent'})"
        for name in _DISTRIBUTIONS
        if saved.get(name) != current.get(name)
        # without Keras (here, or where it was saved: then it holds no network) the NumPy
        # engine computes the networks, and Keras' version does not matter (a network it
        # cannot compute says so when it is loaded)
        and not (name in _ENGINE_ONLY
                 and (current.get(name) is None or saved.get(name) is None))
    ]
    if diffs:
        warnings.warn(
            f"model file {str(path)!r} was saved under other versions: "
            + "; ".join(diffs)
            + ". It may fail to load or predict differently; re-train or re-save it under "
            "the installed versions.",
            VersionMismatchWarning,
            stacklevel=stacklevel,
        )
