"""The one lazy loader of public names (PEP 562), shared by every ``__init__`` that needs it.

A package lists which module defines each of its public names; a name is imported the first
time it is touched, so ``import skgenre`` (and ``skgenre.models``) imports neither Keras nor
TensorFlow, and a transformer costs only the import of its own module.
"""

import importlib
import sys

__all__ = ["attach"]


def attach(package, names, submodules=()):
    """Return ``(__getattr__, __dir__, __all__)`` for ``package``.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    names : dict of str to str
        Public name -> absolute name of the module that defines it.
    submodules : iterable of str, default=()
        Subpackages reachable as attributes (``skgenre.models``), imported when touched.

    Returns
    -------
    getattr, dir : callable
        The module-level ``__getattr__`` and ``__dir__``.
    all : list of str
        The sorted names ``names`` and ``submodules`` make public.

    Examples
    --------
    >>> from skgenre._lazy import attach
    >>> getattr_, dir_, all_ = attach("pkg", {"sqrt": "math"})
    >>> getattr_("sqrt")(4.0), all_
    (2.0, ['sqrt'])
    """
    names = dict(names)
    submodules = tuple(submodules)
    all_ = sorted([*names, *submodules])

    def __getattr__(name):
        if name in names:
            value = getattr(importlib.import_module(names[name]), name)
        elif name in submodules:
            value = importlib.import_module(f"{package}.{name}")
        else:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        if package in sys.modules:
            # Cached on the package: the next access is a plain attribute lookup.
            setattr(sys.modules[package], name, value)
        return value

    def __dir__():
        pkg = sys.modules.get(package)
        return sorted(set(vars(pkg) if pkg is not None else ()) | set(all_))

    return __getattr__, __dir__, all_
