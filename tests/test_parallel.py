"""Parallel feature extraction: joblib n_jobs and the Dask backend give single-process results."""

import numpy as np
import pytest
from conftest import import_extra
from joblib import parallel_config
from numpy.testing import assert_allclose, assert_array_equal
from threadpoolctl import threadpool_limits

from skgenre.features import FeatureExtractor, FeatureExtractor26, MelSpectrogram


@pytest.fixture(scope="module")
def clips():
    rng = np.random.default_rng(3)
    t = np.arange(22050) / 22050
    tones = np.sin(2 * np.pi * rng.uniform(100, 1000, size=(6, 1)) * t)
    return (0.3 * tones + 0.05 * rng.normal(size=tones.shape)).astype(np.float32)


# loky starts two worker processes that import librosa: ~17 s on a busy 2-core machine
@pytest.mark.slow
@pytest.mark.parametrize(
    "est",
    [FeatureExtractor26(), FeatureExtractor(), MelSpectrogram()],
    ids=lambda e: type(e).__name__,
)
def test_n_jobs_2_equals_n_jobs_1(est, clips):
    # The workers hold BLAS to one thread (run_chunks), and a multi-threaded BLAS sums
    # float32 products in another order: bit-identical only at equal BLAS threads, and
    # within float32 rounding of the default.
    with threadpool_limits(limits=1):
        ref_one_blas_thread = est.set_params(n_jobs=1).fit_transform(clips)
    ref = est.set_params(n_jobs=1).fit_transform(clips)
    out = est.set_params(n_jobs=2).fit_transform(clips)
    assert_array_equal(out, ref_one_blas_thread)
    assert_allclose(out, ref, rtol=1e-5, atol=1e-6)


def test_overlapping_holds_of_blas_restore_what_the_first_found(clips):
    """Parallel transforms hold BLAS to one thread; two run from two threads can end in
    the other order from the one they started in. With threadpoolctl's own context each
    restored the thread count it found on entry, the second the first's limit, and BLAS
    stayed at one thread for the rest of the process."""
    from threadpoolctl import threadpool_info

    from skgenre.utils._threads import one_blas_thread

    def blas_threads():
        return [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]

    def overlap(hold):
        """BLAS's threads while the second holder alone runs, and after both."""
        first = hold()
        first.__enter__()
        second = hold()
        second.__enter__()
        first.__exit__(None, None, None)  # the first in leaves first
        meanwhile = blas_threads()
        second.__exit__(None, None, None)
        return meanwhile, blas_threads()

    with threadpool_limits(limits=2):  # a machine of one core has nothing to lose
        before = blas_threads()
        assert before and set(before) == {2}
        # what happened: the second's workers ran on a full-width BLAS, and BLAS was left
        # at one thread
        assert overlap(lambda: threadpool_limits(limits=1)) == (before, [1] * len(before))
        threadpool_limits(limits=2)
        assert overlap(one_blas_thread) == ([1] * len(before), before)
        # a parallel transform inside a hold, as from another thread, leaves it alone
        with one_blas_thread():
            FeatureExtractor26(n_jobs=2, chunk_size=1).fit_transform(clips)
            assert set(blas_threads()) == {1}
        assert blas_threads() == before


def _references(clips):
    """The single-process features with BLAS held to one thread, as the parallel runs hold
    it (bit-identical to them), and with the default BLAS threads (equal up to float32
    rounding: numpy 1.26's OpenBLAS differs from it in the last bit of one value here)."""
    with threadpool_limits(limits=1):
        one_blas_thread = FeatureExtractor26(n_jobs=1).fit_transform(clips)
    return one_blas_thread, FeatureExtractor26(n_jobs=1).fit_transform(clips)


def test_threading_backend_and_small_chunks(clips):
    ref, default = _references(clips)
    with parallel_config(backend="threading"):
        out = FeatureExtractor26(n_jobs=2, chunk_size=1).fit_transform(clips)
    assert_array_equal(out, ref)
    assert_allclose(out, default, rtol=1e-5, atol=1e-6)


def test_dask_backend(clips):
    distributed = import_extra("distributed", "dask")
    ref, default = _references(clips)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster, distributed.Client(cluster):
        with parallel_config(backend="dask"):
            out = FeatureExtractor26(n_jobs=2).fit_transform(clips)
    assert_array_equal(out, ref)
    assert_allclose(out, default, rtol=1e-5, atol=1e-6)


def test_backends_without_generators(clips, tmp_path):
    # joblib's "multiprocessing" backend (and Ray's, derived from it) cannot return a
    # generator: every parallel step failed with joblib's ValueError, against scaling.md's
    # "any joblib backend applies"
    import soundfile as sf

    from skgenre import AudioLoader

    ref, _ = _references(clips)
    paths = []
    for i, clip in enumerate(clips):
        paths.append(str(tmp_path / f"c{i}.wav"))
        sf.write(paths[-1], clip, 22050, subtype="FLOAT")
    with parallel_config(backend="multiprocessing"):
        out = FeatureExtractor26(n_jobs=2, chunk_size=1).fit_transform(clips)
        waves = AudioLoader(n_jobs=2).fit_transform(paths)
    assert_array_equal(out, ref)
    for w, clip in zip(waves, clips):
        assert_array_equal(w, clip)
