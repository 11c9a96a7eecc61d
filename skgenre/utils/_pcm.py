"""Integer PCM waveforms given in memory are scaled to [-1, 1], as decoded files are."""

import numpy as np

__all__ = ["pcm_to_float"]

# dtype -> (offset, full scale): the integer sample formats of PCM audio, scaled the way
# libsndfile scales them when it decodes a file to float (x / 2**(bits - 1); unsigned 8-bit
# is centred on 128), and as soundfile.read(dtype=...) and scipy.io.wavfile.read return them.
_PCM = {
    np.dtype(np.int8): (0, 128.0),
    np.dtype(np.uint8): (128, 128.0),
    np.dtype(np.int16): (0, 32768.0),
    np.dtype(np.int32): (0, 2147483648.0),
}


def pcm_to_float(x):
    """Scale an integer PCM array to float32 in [-1, 1]; return anything else unchanged.

    ``int8``, ``uint8``, ``int16`` and ``int32`` NumPy arrays are PCM samples (what
    ``soundfile.read(dtype="int16")`` or ``scipy.io.wavfile.read`` return) and are divided
    by their full scale, exactly as :class:`~skgenre.AudioLoader` scales the same samples
    read from a file. Wider integers (``int64``, the default of ``np.array([1, 2])``) have
    no PCM meaning and are left as numbers; lists are left alone.

    Parameters
    ----------
    x : object
        A waveform, a 2-D batch of waveforms, or anything else.

    Returns
    -------
    x : ndarray of float32, or ``x`` itself

    Examples
    --------
    >>> import numpy as np
    >>> from skgenre.utils._pcm import pcm_to_float
    >>> pcm_to_float(np.array([-32768, 0, 16384], dtype=np.int16))
    array([-1. ,  0. ,  0.5], dtype=float32)
    >>> pcm_to_float(np.array([0, 128, 255], dtype=np.uint8))
    array([-1.       ,  0.       ,  0.9921875], dtype=float32)
    >>> pcm_to_float([1, 2])
    [1, 2]
    """
    if not isinstance(x, np.ndarray) or x.dtype not in _PCM:
        return x
    offset, scale = _PCM[x.dtype]
    if x.dtype == np.int32:
        # float32 holds 24 bits: divide in float64, then round once.
        return (x / scale).astype(np.float32)
    out = x.astype(np.float32)  # exact for 8- and 16-bit samples
    if offset:
        out -= np.float32(offset)
    out /= np.float32(scale)
    return out
