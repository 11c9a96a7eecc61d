"""A NumPy inference engine for the musicnn network, tuned for CPUs.

It computes the same function as the Keras model of :mod:`._network` (both are tested
against the reference outputs of the original implementation), with every convolution
written as one matrix product (BLAS ``sgemm``) over explicitly gathered windows. Three
exact rewrites keep the time in those products:

* the front end's ReLU, batch normalization and max over frequency commute: ReLU is
  non-decreasing, and batch normalization at inference is a per-channel affine map, which
  is increasing where its scale is positive and decreasing where it is negative. So the max
  over frequency of ``bn(relu(z + b))`` is ``bn(relu(max z + b))`` for a positive scale
  and ``bn(relu(min z + b))`` for a negative one: the 9 MB of activations per patch are
  reduced before, not after, the element-wise work;
* the maxima are kept as running maxima over blocks of frequency positions, so the big
  activations never exist in memory at once (peak memory does not grow with the 59
  positions of a timbral filter);
* the three temporal filters (128, 64 and 32 frames, centred) share one window matrix: the
  shorter windows are column slices of the 128-frame one.

Nothing here imports TensorFlow or Keras.
"""

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ._network import (
    _BN_EPSILON,
    _CONVS,
    _DENSES,
    _MID_WIDTH,
    _NORMS,
    _TEMPORAL,
    _TIMBRAL,
    N_MELS,
    check_musicnn_weights,
)

__all__ = ["MusicnnEngine"]

_TIME_PAD = 3  # time padding of the 7-frame timbral and mid-end filters, each side
# Rows of a window matrix per matrix product: large enough for BLAS to run near its
# peak, small enough for the windows and the product to stay in the CPU's caches.
_ROWS_PER_PRODUCT = 4096
# Largest change of one front-end output that leaving out a filter may cause (see
# _FrontBranch.alive): far below float32 resolution at the outputs' scale (about 1).
_PRUNE_TOL = 1e-9


def _affine(w, scope):
    """Batch normalization at inference as ``x * scale + shift``."""
    scale = w[f"{scope}/gamma"] / np.sqrt(w[f"{scope}/moving_variance"] + np.float32(_BN_EPSILON))
    shift = w[f"{scope}/beta"] - w[f"{scope}/moving_mean"] * scale
    return scale.astype(np.float32), shift.astype(np.float32)


class _FrontBranch:
    """One front-end filter bank: conv -> ReLU -> BN -> max over frequency."""

    def __init__(self, kernel, bias, scale, shift):
        kernel = kernel.reshape(-1, kernel.shape[-1])
        # A filter whose scale is negative needs the minimum over frequency: min z is
        # -max(-z), so its kernel is negated once here and every filter takes the max.
        self.sign = np.where(scale < 0, np.float32(-1), np.float32(1))
        self.kernel = np.ascontiguousarray(kernel * self.sign)
        self.l1 = np.abs(kernel).sum(axis=0, dtype=np.float64)
        self.bias, self.scale, self.shift = bias, scale, shift
        # the output of a filter whose response is 0 everywhere
        self.constant = np.maximum(bias, 0) * scale + shift

    def alive(self, x_max, prune):
        """Filters whose output can differ from ``constant`` for inputs bounded by x_max.

        ``|z| <= l1 * x_max`` (Hölder), so a filter is left out when either its ReLU is
        off for every such input (``bias + bound <= 0``: its output is exactly
        ``constant``) or its output moves by at most ``_PRUNE_TOL`` (``|scale| * bound``).
        Trained with weight decay, most of the pretrained MSD filters have weights of
        about 1e-28 and fall under the first or the second rule.
        """
        if not prune:
            return np.arange(len(self.bias))
        bound = self.l1 * x_max
        dead = (self.bias + bound <= 0) | (np.abs(self.scale) * bound <= _PRUNE_TOL)
        return np.flatnonzero(~dead)

    def finish(self, zmax, keep):
        """Max over frequency of the raw products (rows, len(keep)) -> (rows, filters)."""
        z = zmax * self.sign[keep]
        z += self.bias[keep]
        np.maximum(z, 0, out=z)
        z *= self.scale[keep]
        z += self.shift[keep]
        out = np.empty((len(z), len(self.bias)), dtype=np.float32)
        out[:] = self.constant
        out[:, keep] = z
        return out


class MusicnnEngine:
    """The musicnn forward pass in NumPy.

    Parameters
    ----------
    weights : mapping of str to ndarray
        Checkpoint variables by name (:func:`~skgenre.embeddings.load_musicnn_weights`).
    prune : bool, default=True
        Leave out, per batch, the front-end filters whose output provably stays within
        1e-9 of a constant for that batch's inputs (see ``_FrontBranch.alive``); most of
        the pretrained MSD filters qualify, which makes the front end about 7 times
        cheaper. ``False`` computes every filter.
    source : str, default="the weights"
        How to name the weights in error messages.

    Raises
    ------
    skgenre.WeightsMismatchError
        If a variable is missing, unexpected or mis-shaped.
    """

    def __init__(self, weights, *, prune=True, source="the weights"):
        self.prune = prune
        w = check_musicnn_weights(weights, source=source)
        scale, shift = _affine(w, _NORMS["input_norm"])
        self.in_scale, self.in_shift = float(scale[0]), float(shift[0])
        scopes = list(_CONVS.items())

        def branch(i, norm):
            conv = scopes[i][1]
            return _FrontBranch(w[f"{conv}/kernel"], w[f"{conv}/bias"], *_affine(w, norm))

        self.timbral = [
            (bands, branch(i, _NORMS[f"timbral_{bands}_norm"]))
            for i, (bands, _) in enumerate(_TIMBRAL)
        ]
        self.temporal = [
            (frames, branch(len(_TIMBRAL) + i, _NORMS[f"temporal_{frames}_norm"]))
            for i, (frames, _) in enumerate(_TEMPORAL)
        ]
        self.max_frames = max(f for f, _ in _TEMPORAL)
        self.mid = []
        for i in (1, 2, 3):
            conv = _CONVS[f"mid_{i}"]
            kernel = w[f"{conv}/kernel"]
            self.mid.append(
                (
                    np.ascontiguousarray(kernel.reshape(-1, kernel.shape[-1])),
                    w[f"{conv}/bias"],
                    *_affine(w, _NORMS[f"mid_{i}_norm"]),
                )
            )
        self.pool_norm = _affine(w, _NORMS["pool_norm"])
        self.dense = (w[f"{_DENSES['penultimate']}/kernel"], w[f"{_DENSES['penultimate']}/bias"])
        self.dense_norm = _affine(w, _NORMS["penultimate_norm"])
        self.tags = (w[f"{_DENSES['tags']}/kernel"], w[f"{_DENSES['tags']}/bias"])

    # -- front end ---------------------------------------------------------------------

    def _timbral(self, x, bands, br, keep):
        """x: normalised input padded in time, (P, T + 6, 96) -> (P * T, filters)."""
        p, tp, _ = x.shape
        kernel = br.kernel[:, keep]
        t = tp - 2 * _TIME_PAD
        n_pos = N_MELS - bands + 1
        k = (2 * _TIME_PAD + 1) * bands
        rows = p * t
        step = max(1, _ROWS_PER_PRODUCT // rows)
        zmax = None
        for f0 in range(0, n_pos, step):
            fs = range(f0, min(f0 + step, n_pos))
            # (positions, P, T + 6, bands): the bands each filter position sees
            block = np.stack([x[:, :, f : f + bands] for f in fs])
            s = block.strides
            # 7 consecutive frames of `bands` values are contiguous: a window is a view
            win = as_strided(block, (len(fs), p, t, k), (s[0], s[1], s[2], s[3]))
            z = (np.ascontiguousarray(win).reshape(len(fs) * rows, k) @ kernel).reshape(
                len(fs), rows, -1
            )
            zmax = z.max(axis=0) if zmax is None else np.maximum(zmax, z.max(axis=0), out=zmax)
        return br.finish(zmax, keep)

    def _temporal(self, x, keeps):
        """x: normalised input (P, T, 96) -> list of (P * T, filters), one per filter."""
        p, t, _ = x.shape
        big = self.max_frames
        before = (big - 1) // 2
        # band-major, time zero-padded as "same" padding pads the longest filter
        xt = np.zeros((N_MELS, p, t + big - 1), dtype=np.float32)
        xt[:, :, before : before + t] = x.transpose(2, 0, 1)
        rows = p * t
        step = max(1, _ROWS_PER_PRODUCT // rows)
        kernels = [br.kernel[:, keep] for (_, br), keep in zip(self.temporal, keeps)]
        acc = [None] * len(self.temporal)
        for b0 in range(0, N_MELS, step):
            block = xt[b0 : b0 + step]
            s = block.strides
            win = as_strided(block, (len(block), p, t, big), (s[0], s[1], s[2], s[2]))
            win = np.ascontiguousarray(win).reshape(len(block) * rows, big)
            for j, ((frames, _), kernel) in enumerate(zip(self.temporal, kernels)):
                if kernel.shape[1] == 0:
                    continue
                # a centred "same" window of `frames` is a column slice of the longest one
                start = before - (frames - 1) // 2
                z = (win[:, start : start + frames] @ kernel).reshape(len(block), rows, -1)
                acc[j] = z.max(axis=0) if acc[j] is None else np.maximum(acc[j], z.max(axis=0), out=acc[j])
        return [
            br.finish(np.zeros((rows, 0), np.float32) if a is None else a, keep)
            for (_, br), a, keep in zip(self.temporal, acc, keeps)
        ]

    # -- mid end and back end ------------------------------------------------------------

    @staticmethod
    def _conv_time(h, kernel, bias, scale, shift):
        """1-D convolution over time, "same" padding, ReLU, BN: (P, T, C) -> (P, T, F)."""
        p, t, c = h.shape
        padded = np.zeros((p, t + 2 * _TIME_PAD, c), dtype=np.float32)
        padded[:, _TIME_PAD : _TIME_PAD + t] = h
        s = padded.strides
        win = as_strided(padded, (p, t, _MID_WIDTH * c), (s[0], s[1], s[2]))
        z = np.ascontiguousarray(win).reshape(p * t, -1) @ kernel
        z += bias
        np.maximum(z, 0, out=z)
        z *= scale
        z += shift
        return z.reshape(p, t, -1)

    def __call__(self, patches):
        """Run the network on log-mel patches.

        Parameters
        ----------
        patches : ndarray of shape (n_patches, n_frames, 96), float32
            ``log10(10000 * mel + 1)`` patches (the network normalises its input itself).

        Returns
        -------
        outputs : dict
            ``"pool"`` (n_patches, 1506): maxima then means over time of the 753 mid-end
            channels; ``"penultimate"`` (n_patches, 200); ``"taggram"`` (n_patches, 50)
            tag probabilities.
        """
        x = np.asarray(patches, dtype=np.float32)
        p, t, _ = x.shape
        x = x * np.float32(self.in_scale) + np.float32(self.in_shift)
        padded = np.zeros((p, t + 2 * _TIME_PAD, N_MELS), dtype=np.float32)
        padded[:, _TIME_PAD : _TIME_PAD + t] = x
        x_max = float(np.abs(x).max())  # the zero padding adds nothing larger
        keeps = [br.alive(x_max, self.prune) for _, br in self.timbral + self.temporal]
        front = [
            self._timbral(padded, bands, br, keep) if len(keep) else br.finish(np.zeros((p * t, 0), np.float32), keep)
            for (bands, br), keep in zip(self.timbral, keeps)
        ]
        front += self._temporal(x, keeps[len(self.timbral) :])
        h = np.concatenate(front, axis=1).reshape(p, t, -1)
        mid = [h]
        y = h
        for i, layer in enumerate(self.mid):
            z = self._conv_time(y, *layer)
            y = z if i == 0 else z + y
            mid.append(y)
        mid = np.concatenate(mid, axis=2)
        pool = np.concatenate([mid.max(axis=1), mid.mean(axis=1, dtype=np.float32)], axis=1)
        h = pool * self.pool_norm[0] + self.pool_norm[1]
        h = np.maximum(h @ self.dense[0] + self.dense[1], 0)
        penultimate = h * self.dense_norm[0] + self.dense_norm[1]
        logits = penultimate @ self.tags[0] + self.tags[1]
        taggram = 1.0 / (1.0 + np.exp(-logits))
        return {"pool": pool, "penultimate": penultimate, "taggram": taggram.astype(np.float32)}
