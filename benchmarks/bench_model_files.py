"""Model file sizes against ``load_model``'s ``max_size``, and what a zip bomb costs.

For each model kind the script fits a pipeline on the synthetic toy set (10 genres, 10 clips
of 6 s each, seed 0, one epoch for the networks: sizes, not accuracy, are measured), saves
it with ``save_model`` and reports

- the file's size on disk, and
- what ``max_size`` counts: the uncompressed sizes its zip directories declare (the nested
  zips and the weights' declared sizes included), read from ``load_model``'s own budget
  after a successful load.

It then builds a 1.5-MB file whose directory declares 1.5 GiB (deflated zeros) and reports
the peak of Python allocations (``tracemalloc``) of ``load_model`` refusing it, beside the
peak of ``zipfile`` reading that member, which is what a loader that decompresses first
would pay.

Usage (from the repository root)::

    python benchmarks/bench_model_files.py
    python benchmarks/bench_model_files.py --kinds feature embedding --no-bomb
"""

import argparse
import tempfile
import tracemalloc
import zipfile
from pathlib import Path

import _common  # noqa: F401  (puts the checkout first on sys.path)

KINDS = ("feature", "spectrogram_dense", "cnn", "embedding")


def fitted(kind, toy):
    from skgenre import (
        make_cnn_pipeline,
        make_embedding_pipeline,
        make_feature_pipeline,
        make_spectrogram_dense_pipeline,
    )

    if kind == "feature":
        pipe = make_feature_pipeline("tuned", track=True, random_state=0, epochs=1)
    elif kind == "spectrogram_dense":
        pipe = make_spectrogram_dense_pipeline("tuned", random_state=0, epochs=1)
    elif kind == "cnn":
        pipe = make_cnn_pipeline("tuned", random_state=0, epochs=1)
    else:
        pipe = make_embedding_pipeline(random_state=0)
    return pipe.fit(toy.data, toy.target)


def declared_size(path):
    """What ``max_size`` counts for ``path``: the budget of a successful ``load_model``."""
    from skgenre import _model_zip, load_model

    budgets = []
    original = _model_zip.Budget.__init__

    def spy(self, *args, **kwargs):
        original(self, *args, **kwargs)
        budgets.append(self)

    _model_zip.Budget.__init__ = spy
    try:
        load_model(path)
    finally:
        _model_zip.Budget.__init__ = original
    if not budgets:  # load_model no longer counts through Budget: fix this script
        raise RuntimeError("load_model made no _model_zip.Budget; nothing was measured")
    return sum(b.used for b in budgets)


def bomb_file(path, n_blocks=96):
    """Write a zip whose estimator member is ``n_blocks`` x 16 MiB of zeros, deflated."""
    zeros = bytes(1 << 24)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("skgenre-model.json", b'{"format": "skgenre-model"}')
        with zf.open("estimator.skops", "w", force_zip64=True) as member:
            for _ in range(n_blocks):
                member.write(zeros)
    return n_blocks << 24


def traced_peak(fn):
    tracemalloc.start()
    try:
        try:
            fn()
        except Exception as exc:  # the refusal (or the bad CRC at the end) is expected
            outcome = f"{type(exc).__name__}"
        else:
            outcome = "read"
        return tracemalloc.get_traced_memory()[1], outcome
    finally:
        tracemalloc.stop()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kinds", nargs="+", choices=KINDS, default=list(KINDS))
    parser.add_argument("--no-bomb", action="store_true", help="skip the zip-bomb part")
    args = parser.parse_args(argv)

    from skgenre import load_model, save_model
    from skgenre.datasets import make_toy_genres

    toy = make_toy_genres(n_per_class=10, n_classes=10, duration=6.0, random_state=0)
    with tempfile.TemporaryDirectory() as tmp:
        print("| model | file size | declared (max_size counts) |")
        print("| --- | --- | --- |")
        for kind in args.kinds:
            path = Path(tmp) / f"{kind}.skgenre"
            save_model(fitted(kind, toy), path)
            print(f"| {kind} | {path.stat().st_size / 1e6:.2f} MB "
                  f"| {declared_size(path) / 1e6:.2f} MB |", flush=True)
        if args.no_bomb:
            return
        import skops.io  # noqa: F401  (imported before measuring, as load_model would)

        bomb = Path(tmp) / "bomb.skgenre"
        declared = bomb_file(bomb)
        print(f"\nbomb: {bomb.stat().st_size / 1e6:.2f} MB on disk, declares "
              f"{declared / 2**30:.2f} GiB")
        peak, outcome = traced_peak(lambda: load_model(bomb))
        print(f"load_model: peak {peak / 1e6:.1f} MB ({outcome})")
        peak, outcome = traced_peak(
            lambda: zipfile.ZipFile(bomb).read("estimator.skops"))
        print(f"zipfile read of the member (decompress first): peak {peak / 1e9:.2f} GB "
              f"({outcome})")


if __name__ == "__main__":
    main()
