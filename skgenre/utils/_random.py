"""Seeding without the global NumPy RNG."""

import hashlib
import numbers

import numpy as np


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
    if random_state is None or isinstance(random_state, (numbers.Integral, np.integer)):
        return np.random.default_rng(random_state)
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(np.iinfo(np.int32).max))
    raise ValueError(
        f"random_state must be None, an int, a numpy RandomState or Generator; got {random_state!r}."
    )


def _base_seed(random_state):
    if random_state is None:
        return int(np.random.SeedSequence().entropy % (2**63))
    if isinstance(random_state, (numbers.Integral, np.integer)):
        return int(random_state)
    return int(make_rng(random_state).integers(2**63))


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
    base = _base_seed(random_state)
    rngs = []
    for item in items:
        arr = np.ascontiguousarray(item)
        digest = hashlib.blake2b(arr.view(np.uint8).reshape(-1), digest_size=16).digest()
        words = np.frombuffer(digest, dtype=np.uint32).tolist()
        rngs.append(np.random.default_rng([base % (2**32), base >> 32, *words, arr.size]))
    return rngs
