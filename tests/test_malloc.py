"""retain_freed_memory: a process that judges song after song stops faulting memory in."""

import os
import platform
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
    reason="glibc's malloc only",
)

# Three 8-MB arrays at a time, freed together: with glibc's adaptive thresholds (2.36 here)
# part of them goes back to the kernel at every round, and the next round faults it in
# again (about 1,000 pages a round; the pattern of a song's STFTs and features).
_ROUNDS = """
import resource, sys
import numpy as np
if sys.argv[1] == "retain":
    from skgenre.utils._malloc import retain_freed_memory
    assert retain_freed_memory()
def one_round():
    arrays = [np.ones(1 << 20) for _ in range(3)]
    del arrays
one_round()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(20):
    one_round()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _faults(mode):
    # glibc's own defaults: malloc settings from the environment (MALLOC_*_, GLIBC_TUNABLES,
    # a preloaded allocator) can stop the default from faulting, and then a
    # retain_freed_memory that did nothing would pass
    env = {k: v for k, v in os.environ.items()
           if not (k.startswith("MALLOC_") or k in ("GLIBC_TUNABLES", "LD_PRELOAD"))}
    out = subprocess.run([sys.executable, "-c", _ROUNDS, mode], capture_output=True,
                         text=True, check=True, env=env)
    return int(out.stdout.split()[-1])


def test_retained_memory_is_not_faulted_in_again():
    default, retained = _faults("default"), _faults("retain")
    # the premise: by default the rounds fault their memory in again (20,495 pages measured)
    assert default >= 20 * 500, default
    assert retained <= max(100, default // 20), (retained, default)


def _loads(name, own_workers, queue):
    import multiprocessing

    from skgenre.inference._library import _loaded
    from skgenre.utils import _malloc

    multiprocessing.current_process().name = name

    class Spec:
        key = "k"

        def load(self):
            return len

    Spec.own_workers = own_workers

    import os

    _loaded(Spec(), os.getppid())
    queue.put(list(_malloc._APPLIED))


# a worker of the CLI's own (own_workers); not predict_library's, whose joblib workers run
# the caller's later work, nor a Dask worker, which is the cluster's
@pytest.mark.parametrize("name, own_workers, applied", [
    ("LokyProcess-t", True, [True]), ("LokyProcess-t", False, []), ("Dask-worker", True, [])])
def test_only_a_loky_worker_keeps_freed_memory(name, own_workers, applied):
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_loads, args=(name, own_workers, queue))
    proc.start()
    got = queue.get(timeout=120)
    proc.join(60)
    assert got == applied
