"""Seeding without the global NumPy RNG: the one place that turns ``random_state`` into seeds."""

import hashlib
import numbers

import numpy as np

__all__ = ["SEED_MAX", "check_seed", "item_rngs", "item_seed", "make_rng", "spawn_seeds"]

#: Exclusive upper bound of every seed skgenre draws: 2**31 - 1 fits the int32 seeds of
#: TensorFlow, Keras and legacy NumPy.
SEED_MAX = np.iinfo(np.int32).max


def check_seed(random_state):
    """Turn a ``random_state`` into an int seed (or None).

    An int is returned as it is, ``None`` stays ``None`` (nondeterministic), a
    ``RandomState`` or ``Generator`` gives one draw below :data:`SEED_MAX`.

    Examples
    --------
    >>> import numpy as np
    >>> from skgenre.utils import check_seed
    >>> check_seed(7), check_seed(None)
    (7, None)
    >>> check_seed(np.random.RandomState(0)) == np.random.RandomState(0).randint(2**31 - 1)
    True
    """
    if random_state is None:
        return None
    if isinstance(random_state, (numbers.Integral, np.integer)):
        return int(random_state)
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(SEED_MAX))
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(SEED_MAX))
    raise ValueError(
        f"random_state must be None, an int, a numpy RandomState or Generator; got {random_state!r}."
    )


def spawn_seeds(random_state, n):
    """``n`` int seeds below :data:`SEED_MAX`, drawn from ``random_state``.

    Examples
    --------
    >>> from skgenre.utils import spawn_seeds
    >>> spawn_seeds(0, 3) == spawn_seeds(0, 3)
    True
    """
    return [int(s) for s in make_rng(random_state).integers(SEED_MAX, size=int(n))]


def make_rng(random_state):
    """Return a :class:`numpy.random.Generator` for ``random_state``.

    ``None`` gives fresh OS entropy (never NumPy's global state), an int gives a seeded
    generator, a ``RandomState`` or ``Generator`` is drawn from, so that sklearn-style
    ``random_state`` values all work.

    Examples
    --------
    >>> from skgenre.utils import make_rng
    >>> bool(make_rng(0).integers(100) == make_rng(0).integers(100))
    True
    """
    if isinstance(random_state, np.random.Generator):
        return random_state
    return np.random.default_rng(check_seed(random_state))


def item_seed(random_state):
    """The base seed of :func:`item_rngs`: an int, drawn once per call for anything else.

    Draw it once and pass it to every :func:`item_rngs` call of one batch that is
    processed in chunks, so that chunking never changes a draw.
    """
    if random_state is None:
        return int(np.random.SeedSequence().entropy % (2**63))
    return check_seed(random_state)


def item_rngs(random_state, items):
    """One generator per item, seeded by ``random_state`` and the item's content.

    Random steps that draw per item (a clip offset, a noise mask) use this so that the draw
    for an item depends only on the seed and the item itself, not on its position in the
    batch or on the other items: transforming a subset or a shuffled batch gives the same
    result for every item, as scikit-learn expects of a transformer.

    Parameters
    ----------
    random_state : int, RandomState, Generator or None
        The seed. ``None`` draws one fresh seed from OS entropy per call.
    items : iterable of ndarray
        The items (their bytes are hashed).

    Returns
    -------
    rngs : list of numpy.random.Generator

    Examples
    --------
    >>> import numpy as np
    >>> from skgenre.utils import item_rngs
    >>> a, b = np.zeros(4), np.ones(4)
    >>> r1 = [g.random() for g in item_rngs(0, [a, b])]
    >>> r2 = [g.random() for g in item_rngs(0, [b, a])]
    >>> r1 == r2[::-1]
    True
    """
    base = item_seed(random_state)
    rngs = []
    for item in items:
        arr = np.ascontiguousarray(item)
        digest = hashlib.blake2b(arr.view(np.uint8).reshape(-1), digest_size=16).digest()
        words = np.frombuffer(digest, dtype=np.uint32).tolist()
        rngs.append(np.random.default_rng([base % (2**32), base >> 32, *words, arr.size]))
    return rngs
