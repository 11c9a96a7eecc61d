"""MusicnnEmbedding: pretrained musicnn features of whole tracks or clips."""

import os
import threading
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import (
    _check_feature_names,
    check_array,
    check_is_fitted,
    validate_data,
)

from ..utils import check_waveforms, is_ragged
from ..utils._mixins import N_JOBS_CONSTRAINT, _FeatureNamesMixin
from ..utils._pcm import pcm_to_float
from ..utils._waveforms import _is_files, _WaveformTransformerMixin, check_files_sr
from ._network import MUSICNN_LAYERS, N_MELS
from ._tags import musicnn_tags
from ._weights import MODELS

__all__ = ["MusicnnEmbedding", "musicnn_logmel", "musicnn_patches"]

SR = 16000
N_FFT = 512
HOP = 256
N_FRAMES = 187  # 3 s: the patch length the networks were trained on
_STATS = ("mean", "std", "max", "min")

_mel_basis = None
_engines = {}
_lock = threading.Lock()


def _mel_filterbank():
    global _mel_basis
    if _mel_basis is None:
        import librosa

        basis = librosa.filters.mel(sr=SR, n_fft=N_FFT, n_mels=N_MELS, dtype=np.float32)
        basis.setflags(write=False)
        _mel_basis = basis
    return _mel_basis


def musicnn_logmel(waveform, sr=16000):
    """The log-mel spectrogram that the musicnn networks take as input.

    The waveform is resampled to 16 kHz (soxr, high quality), then: STFT with a 512-sample
    Hann window and a hop of 256 (centred frames, zero-padded at the ends), power, 96 mel
    bands (librosa's Slaney-normalised filterbank), and ``log10(10000 * S + 1)``, all in
    float32. This is the computation of musicnn 0.1.0 with one exception: musicnn casts the
    mel power to float16 before the log, where ``10000 * S`` overflows to inf on loud music
    (measured on GTZAN blues); skgenre stays in float32.

    Parameters
    ----------
    waveform : array-like of shape (n_samples,)
        Mono audio. Integer PCM (``int8``, ``uint8``, ``int16``, ``int32``) is scaled to
        [-1, 1] first, as :class:`MusicnnEmbedding` scales it.
    sr : int, default=16000
        Its sample rate (Hz).

    Returns
    -------
    logmel : ndarray of shape (n_frames, 96), float32
        ``n_frames = 1 + n_samples_at_16kHz // 256``.

    Raises
    ------
    ValueError
        If ``waveform`` is not 1-D (several channels).

    Examples
    --------
    >>> import numpy as np
    >>> from skgenre.embeddings import musicnn_logmel
    >>> t = np.arange(22050) / 22050
    >>> m = musicnn_logmel(np.sin(2 * np.pi * 440 * t), sr=22050)
    >>> m.shape, m.dtype, bool(m.min() >= 0)
    ((63, 96), dtype('float32'), True)
    """
    import librosa

    y = np.asarray(waveform)
    if y.ndim != 1:
        # librosa would transform each channel (or each sample of an (n_samples, 2) array)
        # on its own and give a 3-D array that no patch or network step can take
        raise ValueError(
            f"waveform must be 1-D mono audio of shape (n_samples,); got an array of shape "
            f"{y.shape}. Average the channels first (y.mean(axis=0) for librosa's "
            "(n_channels, n_samples) layout)."
        )
    # int16 PCM (soundfile.read(dtype="int16")) scaled as MusicnnEmbedding scales it
    y = np.asarray(pcm_to_float(y), dtype=np.float32)
    if int(sr) != SR:
        y = librosa.resample(y, orig_sr=int(sr), target_sr=SR, res_type="soxr_hq")
    # Centred frames, the ends zero-padded here rather than by librosa (the same frames, bit
    # for bit): librosa warns "n_fft=512 is too large" for an input shorter than a window,
    # which musicnn takes on purpose (it repeats its spectrogram to fill a patch).
    spec = librosa.stft(np.pad(y, N_FFT // 2), n_fft=N_FFT, hop_length=HOP, center=False)
    power = spec.real**2 + spec.imag**2
    mel = _mel_filterbank() @ power
    return np.log10(np.float32(10000) * mel.T + np.float32(1)).astype(np.float32, copy=False)


def musicnn_patches(logmel, n_frames=187):
    """Cut a log-mel spectrogram into consecutive, non-overlapping patches.

    Patches start at frame 0, ``n_frames``, ``2 * n_frames``, ...; a trailing remainder
    shorter than a patch is dropped (as musicnn does). A spectrogram shorter than one patch
    is repeated until it fills one (the networks were trained with this "repeat-pad"), so
    every input gives at least one patch.

    Parameters
    ----------
    logmel : ndarray of shape (n_total_frames, 96)
    n_frames : int, default=187

    Returns
    -------
    patches : ndarray of shape (n_patches, n_frames, 96)
        A read-only view where no padding was needed.

    Examples
    --------
    >>> import numpy as np
    >>> from skgenre.embeddings import musicnn_patches
    >>> musicnn_patches(np.zeros((400, 96), np.float32)).shape
    (2, 187, 96)
    >>> musicnn_patches(np.zeros((10, 96), np.float32)).shape
    (1, 187, 96)
    """
    logmel = np.asarray(logmel)
    n = len(logmel)
    if n < n_frames:
        return np.resize(logmel, (n_frames, logmel.shape[1]))[None]
    k = n // n_frames
    return logmel[: k * n_frames].reshape(k, n_frames, logmel.shape[1])


def _engine(model, weights_dir):
    """The NumPy engine of a pretrained network, loaded once per process."""
    from ._engine import MusicnnEngine
    from ._weights import load_musicnn_weights, musicnn_weights_dir

    folder = musicnn_weights_dir(model, weights_dir)
    key = (model, str(folder.resolve()))
    with _lock:
        engine = _engines.get(key)
        if engine is None:
            engine = MusicnnEngine(
                load_musicnn_weights(model, folder),
                source=f"the checkpoint in {str(folder)!r}",
            )
            _engines[key] = engine
    return engine


def _pool(outputs, stats):
    parts = []
    for stat in stats:
        if stat == "mean":
            parts.append(outputs.mean(axis=0, dtype=np.float64))
        elif stat == "std":
            parts.append(outputs.std(axis=0, dtype=np.float64))
        elif stat == "max":
            parts.append(outputs.max(axis=0))
        else:
            parts.append(outputs.min(axis=0))
    return np.concatenate(parts).astype(np.float32)


def _distinct_options(name, value, allowed):
    """``value`` (one option or a sequence of distinct ones) as a tuple, or a ValueError."""
    chosen = (value,) if isinstance(value, str) else tuple(value)
    bad = [v for v in chosen if v not in allowed]
    if not chosen or bad or len(set(chosen)) != len(chosen):
        raise ValueError(
            f"{name} must be one of {list(allowed)} or a sequence of distinct ones; got "
            f"{value!r}."
        )
    return chosen


class MusicnnEmbedding(
    _FeatureNamesMixin, _WaveformTransformerMixin, TransformerMixin, BaseEstimator
):
    """Features of a pretrained musicnn network, pooled over each input's 3-s patches.

    musicnn (Pons & Serra, 2019) is a convolutional network trained to predict the 50 most
    frequent tags of the Million Song Dataset ("MSD") or of MagnaTagATune ("MTT") from
    3-s log-mel patches. Its inner layers are general-purpose music features: an RBF SVC on
    the mean MSD ``penultimate`` features of whole tracks reaches about 0.95 accuracy on
    100 real GTZAN tracks (``benchmarks/README.md``). This transformer cuts each input into
    consecutive 3-s patches (:func:`musicnn_patches`), runs the network on all of them in
    batches, and pools the chosen layer over each input's patches with the chosen
    statistics.

    The network runs in NumPy (no TensorFlow), with the published weights installed by
    ``pip install --no-deps musicnn==0.1.0``; the Keras model of the same network is
    :func:`~skgenre.embeddings.musicnn_network`.

    Parameters
    ----------
    model : {"MSD_musicnn", "MTT_musicnn"}, default="MSD_musicnn"
        The pretrained network: trained on the Million Song Dataset's or MagnaTagATune's
        tags.
    layer : {"penultimate", "pool", "taggram"} or sequence of them, default="penultimate"
        What each patch gives: ``"penultimate"``, the 200 units before the tag layer;
        ``"pool"``, the 1506 values of the back end's temporal pooling (the maximum, then
        the mean, over the patch of each of 753 mid-end channels); ``"taggram"``, the 50
        tag probabilities (names in ``tags_``). A sequence of distinct layers gives them
        side by side, in its order, from one run of the network (e.g. ``("taggram",
        "penultimate")``: tags and embedding for the cost of one).
    stats : str or sequence of str, default="mean"
        Statistics over an input's patches, each giving one block of features, in the
        order given: any of ``"mean"``, ``"std"``, ``"max"``, ``"min"``.
    sr : int, default=22050
        Sample rate of the input waveforms (Hz); they are resampled to 16 kHz.
    batch_size : int, default=16
        Patches of one input per run of the network (inputs never share a run, so an
        input's embedding does not depend on the others). The network's memory grows with
        it (about 4.2 MiB per patch at 16 to 64, 8.6 MiB for one: ``benchmarks/README.md``)
        and not with the number of inputs; beside it, each input's log-mel spectrogram is
        computed whole, about 19 MiB per minute of the input (376 MiB for a 20-min
        waveform at 22050 Hz: ``bench_embedding.py logmel``), so a long recording is better
        cut first. On 2 CPU cores 16 was the fastest of 1 to 64 (8-9 ms per patch, against
        10 ms at 1 and 17 ms at 64).
    n_jobs : int or None, default=None
        Inputs processed in parallel (joblib threads; BLAS is held to one thread each
        meanwhile). ``None`` means one worker, with BLAS free to use its own threads.
    weights_dir : str, path-like or None, default=None
        Where the checkpoint is (see :func:`~skgenre.embeddings.musicnn_weights_dir`);
        ``None`` finds the installed ``musicnn`` package.

    Attributes
    ----------
    n_features_out_ : int
        Width of the output. Its columns (:meth:`get_feature_names_out`) are named
        ``<unit>_<stat>``, one block per statistic, with units ``penultimate_<i>``,
        ``pool_max_<i>`` and ``pool_mean_<i>``, or ``tag_<tag name>`` (the layers' units
        in ``layer``'s order within each block).
    tags_ : list of str
        The network's 50 tags, in the order of the ``taggram`` layer.
    n_features_in_ : int
        Waveform length seen in :meth:`fit`; only set for 2-D input. It constrains
        nothing: :meth:`transform` takes waveforms of any length, also a 2-D array of
        another width (a batch of equal-length waveforms).

    See Also
    --------
    skgenre.make_embedding_pipeline : Files to genres through this transformer.
    skgenre.embeddings.musicnn_logmel : The network's input.

    Notes
    -----
    Input is the waveform container of :class:`~skgenre.AudioLoader` (a 1-D object array of
    1-D float waveforms of any lengths), a list of 1-D arrays, or a 2-D array of
    equal-length waveforms. An input shorter than 3 s is repeated to fill one patch; the
    remainder after an input's last whole patch is not used. The undecoded files of a lazy
    loader (:class:`~skgenre.io.AudioFiles`, as in :func:`~skgenre.make_embedding_pipeline`)
    are decoded a chunk of files at a time, so whole songs are never all in memory.

    Licence and credit: the weights are those of musicnn 0.1.0 (ISC licence, Music
    Technology Group, Universitat Pompeu Fabra). J. Pons and X. Serra, "musicnn:
    pre-trained convolutional neural networks for music audio tagging", ISMIR 2019
    late-breaking/demo.

    Examples
    --------
    >>> import numpy as np
    >>> from skgenre import MusicnnEmbedding
    >>> rng = np.random.default_rng(0)
    >>> waves = [rng.normal(0, 0.1, 16000 * 7).astype(np.float32),
    ...          rng.normal(0, 0.1, 16000 * 4).astype(np.float32)]
    >>> emb = MusicnnEmbedding(sr=16000, stats=("mean", "std")).fit(waves)
    >>> emb.transform(waves).shape
    (2, 400)
    >>> emb.get_feature_names_out()[[0, 200]].tolist()
    ['penultimate_0_mean', 'penultimate_0_std']
    >>> tagger = MusicnnEmbedding(layer="taggram", sr=16000).fit(waves)
    >>> tagger.get_feature_names_out()[26]
    'tag_blues_mean'
    """

    _parameter_constraints = {
        "model": [StrOptions(set(MODELS))],
        "layer": [StrOptions(set(MUSICNN_LAYERS)), list, tuple],
        "stats": [StrOptions(set(_STATS)), list, tuple],
        "sr": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "n_jobs": N_JOBS_CONSTRAINT,
        "weights_dir": [str, os.PathLike, None],
    }

    def __init__(
        self,
        model="MSD_musicnn",
        layer="penultimate",
        stats="mean",
        *,
        sr=22050,
        batch_size=16,
        n_jobs=None,
        weights_dir=None,
    ):
        self.model = model
        self.layer = layer
        self.stats = stats
        self.sr = sr
        self.batch_size = batch_size
        self.n_jobs = n_jobs
        self.weights_dir = weights_dir

    def _stats(self):
        return _distinct_options("stats", self.stats, _STATS)

    def _n_patches(self, n_samples):
        """How many 3-s patches an input of ``n_samples`` at ``sr`` gives (at least one).

        librosa resamples ``n`` samples to ``ceil(n * 16000 / sr)``, ``musicnn_logmel``
        makes ``1 + m // HOP`` frames of ``m`` samples, and ``musicnn_patches`` keeps the
        whole patches of ``N_FRAMES`` frames, or one patch of a shorter input.
        """
        n16 = n_samples if int(self.sr) == SR else -(-n_samples * SR // int(self.sr))
        return max(1, (1 + n16 // HOP) // N_FRAMES)

    def _layers(self):
        return _distinct_options("layer", self.layer, MUSICNN_LAYERS)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Check the parameters and the input, and load the network's weights.

        Parameters
        ----------
        X : waveforms
            See Notes of the class.
        y : None
            Ignored.

        Returns
        -------
        self : MusicnnEmbedding

        Raises
        ------
        skgenre.WeightsNotFoundError
            If the weights are not installed (the message gives the command).
        """
        self._check_fit_input(X)
        stats = self._stats()
        width = sum(MUSICNN_LAYERS[la] for la in self._layers())
        _engine(self.model, self.weights_dir)  # fail here, not in the middle of a transform
        self.tags_ = musicnn_tags(self.model)
        self.n_features_out_ = width * len(stats)
        return self

    def transform(self, X):
        """Embed each input: the chosen layer, pooled over its 3-s patches.

        Parameters
        ----------
        X : waveforms
            See Notes of the class.

        Returns
        -------
        embeddings : ndarray of shape (n_inputs, n_features_out_), float32
        """
        check_is_fitted(self)
        stats = self._stats()
        pooled = self._each(X, lambda out: _pool(out, stats))
        return np.stack(pooled).astype(np.float32, copy=False)

    def transform_patches(self, X):
        """The chosen layer for every 3-s patch of each input, not pooled.

        With ``layer="taggram"`` this is the taggram: how each tag's probability evolves
        along the input, one row per 3 s.

        Parameters
        ----------
        X : waveforms
            As in :meth:`transform`.

        Returns
        -------
        outputs : list of ndarray of shape (n_patches, width), float32
            One array per input.
        """
        check_is_fitted(self)
        return self._each(X, lambda out: out)

    def _each(self, X, reduce):
        if not _is_files(X):
            return self._run(self._check_input(X, reset=False), reduce)
        # The undecoded files of a lazy AudioLoader: whole songs are held one chunk at a
        # time, and only their reduced outputs are kept.
        check_files_sr(self, X)
        out = []
        for start, waves in X.chunks():
            out += self._run(check_waveforms(waves, first_index=start), reduce)
        return out

    def _run(self, waves, reduce):
        from joblib import Parallel, delayed, effective_n_jobs

        jobs = effective_n_jobs(self.n_jobs)
        if jobs == 1 or len(waves) == 1:
            return self._run_chunk(waves, reduce)
        from ..utils._threads import one_blas_thread

        bounds = np.linspace(0, len(waves), min(jobs, len(waves)) + 1).astype(int)
        # Threads: the FFTs and matrix products release the GIL. BLAS is held to one
        # thread meanwhile, or its threads fight the workers for the cores.
        with one_blas_thread():
            parts = Parallel(n_jobs=jobs, prefer="threads")(
                delayed(self._run_chunk)(waves[a:b], reduce)
                for a, b in zip(bounds[:-1], bounds[1:])
            )
        return [r for part in parts for r in part]

    def _run_chunk(self, waves, reduce):
        """Run each input's patches through the network, ``batch_size`` at a time.

        An input's patches never share a batch with another input's: the rounding of the
        matrix products depends on a row's batch mates, and an input's embedding must not
        depend on what else is transformed with it (the same song gives the same vector in
        any batch, order or subset). Batches beyond about 16 patches are no faster on CPU,
        so little is lost. Memory holds one input's spectrogram, one batch and one input's
        outputs.
        """
        engine = _engine(self.model, self.weights_dir)
        layers, size = self._layers(), int(self.batch_size)

        def run(batch):
            out = engine(batch)
            if len(layers) == 1:
                return out[layers[0]]
            return np.concatenate([out[la] for la in layers], axis=1)

        results = []
        for w in waves:
            patches = musicnn_patches(musicnn_logmel(w, self.sr))
            out = [run(patches[i : i + size]) for i in range(0, len(patches), size)]
            results.append(reduce(out[0] if len(out) == 1 else np.concatenate(out)))
        return results

    def _check_input(self, X, *, reset):
        if is_ragged(X):
            waves = check_waveforms(X)
            if reset:
                self._forget_n_features_in()
            return waves
        if reset:
            arr = validate_data(self, X, reset=True, dtype=np.float32, order="C")
        else:
            # A 2-D array is a batch of equal-length waveforms, and any length is valid
            # input: its width is checked against nothing (n_features_in_ only records
            # fit's). Column names, where given, must still match fit's.
            _check_feature_names(self, X, reset=False)
            arr = check_array(X, dtype=np.float32, order="C")
        return check_waveforms(arr)

    def _feature_names(self):
        units = []
        for layer in self._layers():
            if layer == "penultimate":
                units += [f"penultimate_{i}" for i in range(MUSICNN_LAYERS["penultimate"])]
            elif layer == "pool":
                half = MUSICNN_LAYERS["pool"] // 2
                units += [f"pool_max_{i}" for i in range(half)]
                units += [f"pool_mean_{i}" for i in range(half)]
            else:
                units += [f"tag_{t}" for t in self.tags_]
        return [f"{u}_{s}" for s in self._stats() for u in units]
