"""``skgenre train``: fit one model on a data set and save it."""

from .._persist import save_model
from ..utils import check_writable
from ._common import Console, build_pipeline, get_dataset, keras_output

__all__ = ["run_train"]


def run_train(args, out=print):
    """Train ``args.model`` with ``pipe.fit`` and save it to ``args.out``; return 0."""
    # Before hours of training: a model that cannot be saved would be lost.
    check_writable(args.out, what="model file")
    console = Console(quiet=args.quiet, verbose=args.verbose)
    X, y, desc, kind = get_dataset(
        args.data, args.n_per_class, args.seed, console, n_jobs=args.jobs
    )
    out(f"Data: {desc}")
    synthetic = kind == "toy"
    if synthetic:
        out(
            "NOTE: no --data given, so the model is trained on the built-in SYNTHETIC toy "
            "set; it has not learned real music genres."
        )
    pipe = build_pipeline(args.model, args, console)
    with console.stage("fit", f"training the {args.model} model on {len(y)} songs"), keras_output():
        pipe.fit(X, y)
    path = save_model(pipe, args.out)
    classes = ", ".join(str(c) for c in pipe.classes_)
    out(
        f"Trained {args.model} ({args.preset}) on {len(y)} songs"
        f"{' of SYNTHETIC toy data' if synthetic else ''}; classes: {classes}"
    )
    out(f"Saved to {path}")
    return 0
