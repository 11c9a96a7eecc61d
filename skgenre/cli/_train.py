"""``skgenre train``: fit one model on a data set and save it."""

from .._persist import save_model
from ..utils import check_writable
from ._common import (
    MODELS,
    Progress,
    build_pipeline,
    fit_classifier,
    get_dataset,
    load_and_clip,
    transform_in_chunks,
)

__all__ = ["fit_staged", "run_train"]

# Steps whose transform is slow enough to deserve progress messages.
_HEAVY = ("load", "features", "melspec")


def fit_staged(pipe, X, y, progress, label):
    """Fit ``pipe`` on ``(X, y)`` step by step, with progress on the slow steps.

    Equivalent to ``pipe.fit(X, y)``, except that unreadable files are left out (with a
    message) instead of stopping the run. Returns the number of songs used.
    """
    if "embed" in pipe.named_steps:
        return _fit_embedding(pipe, X, y, progress)
    names = [n for n, _ in pipe.steps]
    last_heavy = max(i for i, n in enumerate(names[:-1]) if n in _HEAVY)
    # load + clip: decoded a chunk of songs at a time, one random clip each
    Xt, y = load_and_clip(pipe, X, y, progress)
    for name, step in pipe.steps[2 : last_heavy + 1]:
        if name in _HEAVY:
            with progress.stage(name, f"computing {name} of {len(y)} clips"):
                step.fit(Xt, y)
                Xt = transform_in_chunks(step, Xt, progress, "clips")
        else:
            Xt = step.fit_transform(Xt, y)
    fit_classifier(pipe[last_heavy + 1 :], Xt, y, progress, label)
    return len(y)


def _fit_embedding(pipe, X, y, progress):
    """Fit an embedding pipeline (whole tracks): decode and embed 100 songs at a time.

    Whole decoded songs are held for one chunk only (1000 30-s songs are 1.9 GB at
    16 kHz); what is kept is their embeddings. Unreadable files are left out with a
    warning, as for the other models.
    """
    import warnings

    import numpy as np

    from .._errors import BrokenFilesWarning, SkgenreError
    from ._common import is_paths

    load, embed = pipe.named_steps["load"], pipe.named_steps["embed"]
    y = np.asarray(y)
    parts, keep = [], []
    chunk = 100
    with progress.stage("embed", f"embedding {len(y)} songs"):
        for start in range(0, len(y), chunk):
            items = X[start : start + chunk]
            if is_paths(items):
                on_error = load.get_params()["on_error"]
                load.set_params(on_error="warn")
                try:
                    with warnings.catch_warnings(record=True) as caught:
                        warnings.simplefilter("always", BrokenFilesWarning)
                        waves = load.transform(items)
                finally:
                    load.set_params(on_error=on_error)
                for w in caught:
                    progress.warn(str(w.message))
            else:
                waves = load.transform(items)
            ok = np.array([np.size(w) > 0 for w in waves], dtype=bool)
            keep.append(ok)
            if ok.any():
                good = waves[ok]
                if not parts:
                    embed.fit(good[:1])
                parts.append(embed.transform(good))
            if len(y) > chunk:
                progress.say(f"  songs embedded: {min(start + chunk, len(y))}/{len(y)}")
    keep = np.concatenate(keep)
    if not keep.any():
        raise SkgenreError("none of the songs could be loaded; see the warnings above.")
    if not keep.all():
        progress.warn(f"left out {int((~keep).sum())} unreadable file(s)")
    with progress.stage("train_embedding", f"training the classifier on {int(keep.sum())} songs"):
        pipe[3:].fit(np.concatenate(parts), y[keep])
    return int(keep.sum())


def run_train(args, out=print):
    """Train ``args.model`` and save it to ``args.out``. Returns the exit status."""
    # Before hours of training: a model that cannot be saved would be lost.
    check_writable(args.out, what="model file")
    progress = Progress(quiet=args.quiet)
    with progress.stage("data", "preparing the data set"):
        X, y, desc, synthetic = get_dataset(args.data, args.n_per_class, args.seed, progress)
    out(f"Data: {desc}")
    if synthetic:
        out(
            "NOTE: no --data given, so the model is trained on the built-in SYNTHETIC toy "
            "set; it has not learned real music genres."
        )
    pipe = build_pipeline(args.model, args.preset, args.seed, args.jobs, args.epochs)
    n = fit_staged(pipe, X, y, progress, args.model)
    path = save_model(pipe, args.out)
    classes = ", ".join(str(c) for c in pipe.classes_)
    out(
        f"Trained {MODELS[args.model][1] if args.model in MODELS else 'Embedding'}"
        f" ({args.preset}) on {n} songs"
        f"{' of SYNTHETIC toy data' if synthetic else ''}; classes: {classes}"
    )
    out(f"Saved to {path}")
    return 0
