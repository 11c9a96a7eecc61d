"""The one container for waveforms that flows between skgenre steps.

Decoded files differ in length, so :class:`~skgenre.AudioLoader` returns a 1-D NumPy array
of ``dtype=object`` whose items are 1-D float32 arrays (one waveform each). Every step that
consumes waveforms accepts that, a list of 1-D arrays, or a plain 2-D numeric array of
shape ``(n_samples, n_audio_samples)`` (equal-length waveforms, e.g. clips).

A lazy :class:`~skgenre.AudioLoader` (``lazy=True``) returns a
:class:`~skgenre.io.AudioFiles` instead: files not decoded yet. It counts as ragged
waveforms everywhere; :func:`check_waveforms` decodes it, and steps that stream (such as
:class:`~skgenre.RandomClip`) decode it a chunk of files at a time.
"""

import numpy as np
from sklearn.utils import check_array

from ._pcm import pcm_to_float


class _LazyWaveforms:
    """Base of containers whose waveforms are decoded on demand (:class:`~skgenre.io.AudioFiles`).

    It lives here, not in ``io``, so that ``utils`` never imports ``io``: ``io`` builds on
    ``utils``, and the check ``isinstance(X, _LazyWaveforms)`` needs no import back.
    """

    __slots__ = ()

    def decode(self):  # pragma: no cover - every subclass decodes
        raise NotImplementedError


def is_ragged(X):
    """Whether ``X`` is a ragged waveform container rather than a 2-D array-like.

    True for a 1-D object array, for a list of 1-D NumPy arrays (whatever their lengths),
    for a list of arrays or sequences of different lengths and for the undecoded files of a
    lazy :class:`~skgenre.AudioLoader`. A list of equal-length lists of numbers is a 2-D
    array-like, as scikit-learn reads it.

    A list of 1-D arrays is waveforms even when their lengths happen to agree (one song, or
    songs cut alike): otherwise whether a step accepts it after ``fit`` would depend on
    those lengths.
    """
    if isinstance(X, _LazyWaveforms):
        return True
    if isinstance(X, np.ndarray):
        return X.dtype == object and X.ndim == 1
    if isinstance(X, (list, tuple)) and len(X) > 0:
        if all(isinstance(x, np.ndarray) and x.ndim == 1 for x in X):
            return True
        return all(
            isinstance(x, np.ndarray) or (isinstance(x, (list, tuple)) and not isinstance(x, str))
            for x in X
        ) and len({np.shape(x) for x in X}) > 1
    return False


def check_waveforms(X, *, input_name="X", allow_2d=True, first_index=0):
    """Validate a batch of waveforms and return it as a list of 1-D float32 arrays.

    Parameters
    ----------
    X : ndarray of object, list of 1-D arrays, or 2-D array-like
        The waveforms.
    input_name : str, default="X"
        Name used in error messages.
    allow_2d : bool, default=True
        Accept a 2-D numeric array as a batch of equal-length waveforms.
    first_index : int, default=0
        Index of ``X[0]`` in error messages, for a batch validated chunk by chunk.

    Returns
    -------
    waveforms : list of ndarray of shape (n_audio_samples,), dtype float32
        Contiguous float32 copies (or views where no copy is needed). Integer PCM arrays
        (``int8``, ``uint8``, ``int16``, ``int32``) are scaled to [-1, 1] the way decoded
        files are (``int16``: divided by 32768); wider integers are taken as numbers.

    Raises
    ------
    ValueError
        If ``X`` is empty, holds something that is not a 1-D real array, or holds
        non-finite values.

    Examples
    --------
    >>> import numpy as np
    >>> from skgenre.utils import check_waveforms
    >>> ws = check_waveforms([np.zeros(3), np.ones(5)])
    >>> [w.shape for w in ws], ws[0].dtype
    ([(3,), (5,)], dtype('float32'))
    """
    if isinstance(X, _LazyWaveforms):
        X = X.decode()
    X = pcm_to_float(X)  # int8/16/32 PCM: scaled to [-1, 1] as decoded files are
    if is_ragged(X):
        items = list(X)
    elif not allow_2d:
        raise ValueError(
            f"{input_name} must be a 1-D object array or a list of 1-D waveforms; got "
            f"{type(X).__name__} of shape {np.shape(X)}."
        )
    else:
        # Equal-length waveforms: sklearn's own validation gives the messages users know
        # (sparse, complex, empty, non-finite, wrong dimension).
        arr = check_array(X, dtype=np.float32, input_name=input_name, order="C")
        items = list(arr)
    if len(items) == 0:
        raise ValueError(f"{input_name} holds no waveforms (0 samples); at least 1 is required.")
    out = []
    for i, w in enumerate(items, start=first_index):
        w = pcm_to_float(np.asarray(w))
        if w.ndim != 1 or not (np.issubdtype(w.dtype, np.number) or w.dtype == bool):
            raise ValueError(
                f"{input_name}[{i}] must be a 1-D numeric waveform; got shape {w.shape} "
                f"and dtype {w.dtype}."
            )
        if np.iscomplexobj(w):
            raise ValueError(f"{input_name}[{i}] must be real-valued, got complex data.")
        w = np.ascontiguousarray(w, dtype=np.float32)
        if not np.isfinite(w).all():
            raise ValueError(f"{input_name}[{i}] contains NaN or infinity.")
        if w.size == 0:
            raise ValueError(
                f"{input_name}[{i}] is an empty waveform (0 samples). AudioLoader("
                "on_error='warn') puts one in place of each file it cannot read (its "
                "BrokenFilesWarning names them): drop those rows before this step."
            )
        out.append(w)
    return out


def stack_clips(waveforms, n_samples=None):
    """Stack equal-length waveforms into a C-contiguous float32 array.

    Parameters
    ----------
    waveforms : list of ndarray
        1-D waveforms.
    n_samples : int or None
        Expected length; if given, every waveform must have it.

    Returns
    -------
    clips : ndarray of shape (n_waveforms, n_samples), dtype float32
    """
    lengths = {len(w) for w in waveforms}
    if n_samples is not None:
        lengths.add(int(n_samples))
    if len(lengths) > 1:
        raise ValueError(
            f"waveforms differ in length ({sorted(lengths)[:5]}...); cut them to one length "
            "first, e.g. with skgenre.RandomClip."
        )
    return np.ascontiguousarray(np.stack(waveforms), dtype=np.float32)


def check_clips(X, *, input_name="X"):
    """Validate clips and return a C-contiguous float32 ``(n, n_samples)`` array.

    Accepts a 2-D numeric array, a list of equal-length 1-D arrays, or the 1-D object-array
    container of :class:`~skgenre.AudioLoader` when all waveforms have one length.

    Examples
    --------
    >>> import numpy as np
    >>> from skgenre.utils import check_clips
    >>> check_clips([np.zeros(3), np.ones(3)]).shape
    (2, 3)
    """
    return stack_clips(check_waveforms(X, input_name=input_name))


def validate_clips(estimator, X, *, reset):
    """Validate clips for a transformer; record or check ``n_features_in_``.

    A 2-D array-like goes through :func:`sklearn.utils.validation.validate_data` (so
    ``n_features_in_`` and ``feature_names_in_`` follow scikit-learn's rules, with the clip
    length as the number of features); the ragged waveform container goes through
    :func:`check_waveforms` and must hold waveforms of one length.
    """
    from sklearn.utils.validation import validate_data

    check_files_sr(estimator, X)
    if is_ragged(X) or _holds_non_vectors(X):
        X = check_clips(X)
    # int16 PCM in a 2-D array scaled as in a list of rows (and as decoded files are)
    return validate_data(estimator, pcm_to_float(X), reset=reset, dtype=np.float32,
                         order="C")


def _holds_non_vectors(X):
    # a list of arrays that are not all 1-D: check_waveforms names the bad item
    return (
        isinstance(X, (list, tuple))
        and len(X) > 0
        and any(np.ndim(x) != 1 for x in X)
    )


def _is_files(X):
    """Whether ``X`` holds the undecoded files of a lazy :class:`~skgenre.AudioLoader`."""
    return isinstance(X, _LazyWaveforms)


def check_files_sr(estimator, X):
    """Refuse the lazy files of a loader whose ``sr`` is not ``estimator.sr``.

    Decoded waveforms carry no rate, but lazy files do: a clip of ``duration`` seconds cut
    at the wrong rate would be another length of music, and features would read every
    frequency scaled, with nothing said.
    """
    sr = getattr(estimator, "sr", None)
    files_sr = getattr(X, "sr", None) if _is_files(X) else None
    if sr is not None and files_sr is not None and int(files_sr) != int(sr):
        name = type(estimator).__name__
        raise ValueError(
            f"{name}(sr={sr}) got the files of a lazy AudioLoader(sr={files_sr}): the "
            f"audio is decoded at {files_sr} Hz. Give both steps the same sr."
        )


class _WaveformTransformerMixin:
    """The input checks and tags of the transformers that take waveforms or lazy files.

    The class defines ``_check_input(X, *, reset)``, which checks decoded waveforms and
    records ``n_features_in_`` when they have one length.
    """

    def _check_fit_input(self, X):
        # nothing is decoded to fit: lazy files are read (and checked) when transformed
        if _is_files(X):
            check_files_sr(self, X)
            self._forget_n_features_in()
        else:
            self._check_input(X, reset=True)

    def _forget_n_features_in(self):
        # a refit on ragged waveforms or files must not keep the length (or the column
        # names) of an earlier fit
        for attr in ("n_features_in_", "feature_names_in_"):
            self.__dict__.pop(attr, None)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = True
        tags.input_tags.allow_nan = False
        tags.transformer_tags.preserves_dtype = ["float32"]
        tags.requires_fit = True
        return tags
