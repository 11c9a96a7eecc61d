"""The one exception and warning family of skgenre.

Every error that skgenre raises on purpose derives from :class:`SkgenreError`, so that
``except skgenre.SkgenreError`` catches all of them. Each also derives from the builtin
that fits its cause, so generic handlers keep working: an unreadable audio file is an
:class:`OSError`, a file that is not a skgenre model is a :class:`ValueError`.

Parameter errors are not in this family on purpose: they are raised by scikit-learn's own
parameter validation (:class:`sklearn.utils._param_validation.InvalidParameterError`, a
:class:`ValueError`), as users of scikit-learn expect.
"""

__all__ = [
    "AudioContentError",
    "AudioLoadError",
    "BrokenFilesWarning",
    "DatasetError",
    "ModelFileError",
    "OutputError",
    "ResultsFileError",
    "SkgenreError",
    "UnsupportedLayerError",
    "VersionMismatchWarning",
    "WeightsMismatchError",
    "WeightsNotFoundError",
]


class SkgenreError(Exception):
    """Base class of every error that skgenre raises on purpose."""


class _PathError(SkgenreError):
    """An error about one path, for a reason: "cannot <_action> '<path>': <reason>"."""

    _action = "use"

    def __init__(self, path, reason):
        self.path = str(path)
        self.reason = str(reason)
        super().__init__(str(self))

    def __reduce__(self):
        # OSError pickles its args positionally; keep (path, reason) so that errors raised
        # in joblib/Dask workers arrive intact in the parent process.
        return (type(self), (self.path, self.reason))

    def __str__(self):
        return f"cannot {self._action} {self.path!r}: {self.reason}"


class AudioLoadError(_PathError, OSError, ValueError):
    """An audio file could not be read, or holds no usable audio.

    It derives from :class:`OSError` (the file could not be read) and from
    :class:`ValueError` (its content is not valid audio), so either handler catches it.

    Parameters
    ----------
    path : str or path-like
        The file that failed.
    reason : str
        Why it failed, in words a user can act on.

    Attributes
    ----------
    path : str
        The file that failed.
    reason : str
        Why it failed.

    Examples
    --------
    >>> from skgenre import AudioLoadError
    >>> err = AudioLoadError("song.wav", "the file is empty")
    >>> str(err)
    "cannot load audio file 'song.wav': the file is empty"
    >>> isinstance(err, OSError) and isinstance(err, ValueError)
    True
    """

    _action = "load audio file"


class AudioContentError(AudioLoadError):
    """An audio file decoded, but what it holds cannot be given a genre.

    Raised (or reported in a song's row) by the content screen of
    :func:`~skgenre.predict_songs` and ``skgenre predict``: a song too short to judge,
    digital silence, sample values far outside [-1, 1], or sound that is noise, a test
    tone, clicks or a DC offset rather than music. It is an :class:`AudioLoadError`, so
    code that catches that catches this too; its message says "judge", not "load", since
    the file itself was read.

    Examples
    --------
    >>> from skgenre import AudioContentError, AudioLoadError
    >>> err = AudioContentError("beep.wav", "the audio is digital silence")
    >>> str(err)
    "cannot judge audio file 'beep.wav': the audio is digital silence"
    >>> isinstance(err, AudioLoadError)
    True
    """

    _action = "judge audio file"


class DatasetError(SkgenreError, FileNotFoundError):
    """A data set folder is missing, or holds none of the files it should.

    It derives from :class:`FileNotFoundError`, so ``except FileNotFoundError`` still works.
    """


class ModelFileError(SkgenreError, ValueError):
    """A file given as a saved model is not a skgenre model (or cannot be read as one)."""


class OutputError(_PathError, OSError):
    """A file or folder that skgenre should write cannot be written.

    Raised before any work starts when the destination is unusable (a directory where a
    file is wanted, a missing or read-only folder, a path under a file, a device such as
    ``/dev/full``, a full disk), and when a write fails; the previous content of the
    destination is then left unchanged. It derives from :class:`OSError`.

    Parameters
    ----------
    path : str or path-like
        The destination.
    reason : str
        Why it cannot be written.

    Examples
    --------
    >>> from skgenre import OutputError
    >>> str(OutputError("model.skgenre", "the folder 'x' does not exist"))
    "cannot write 'model.skgenre': the folder 'x' does not exist"
    """

    _action = "write"


class ResultsFileError(_PathError, ValueError):
    """A file given as the results of ``skgenre predict --out`` cannot be used as such.

    It is not such a file, holds another command's results, or ends with a song cut short
    by an interruption. It derives from :class:`ValueError`.

    Parameters
    ----------
    path : str or path-like
        The file.
    reason : str
        Why it cannot be used.

    Examples
    --------
    >>> from skgenre import ResultsFileError
    >>> str(ResultsFileError("res.csv", "it is not a results file"))
    "cannot use 'res.csv': it is not a results file"
    """


class UnsupportedLayerError(SkgenreError, ValueError):
    """A network holds a layer (or a layer setting) that the NumPy engine does not compute.

    The message names the layer and its type. Such a network predicts with Keras
    (``load_model(path, engine="keras")``; the default ``engine="auto"`` does so by itself).
    """


class BrokenFilesWarning(UserWarning):
    """Some files of a data set could not be read and were left out."""


class VersionMismatchWarning(UserWarning):
    """A saved model was written under other versions of skgenre, scikit-learn or Keras."""


class WeightsNotFoundError(SkgenreError, FileNotFoundError):
    """Pretrained network weights are not installed where skgenre looks for them.

    The message names the command that installs them. It derives from
    :class:`FileNotFoundError`, so ``except FileNotFoundError`` still works.
    """


class WeightsMismatchError(SkgenreError, ValueError):
    """Pretrained weights are corrupt or do not fit the network they are loaded into.

    Raised for a checksum that differs from the published one, and for any variable that is
    missing, unexpected, or of the wrong shape; the message names each of them.
    """
