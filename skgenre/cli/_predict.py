"""``skgenre predict``: whole-song genre of audio files with a saved model."""

import json
import math
import sys

import pandas as pd

from .._errors import ModelFileError
from .._persist import load_model
from ._safety import display_name, max_duration_error

__all__ = ["run_predict"]


def _entry(row, classes, k):
    top = [
        {"genre": str(row[f"top{r}_genre"]), "probability": float(row[f"top{r}_proba"])}
        for r in range(1, k + 1)
        if not pd.isna(row[f"top{r}_genre"])
    ]
    probs = {str(c): float(row[f"proba_{c}"]) for c in classes}
    ok = pd.isna(row["error"])
    return {
        "file": row["source"],
        "ok": ok,
        "duration_s": None if not ok else round(float(row["duration"]), 3),
        "n_clips": int(row["n_clips"]),
        "top": top,
        "probabilities": probs if ok else None,
        "warning": None if pd.isna(row.get("warning")) else str(row["warning"]),
        "error": None if ok else str(row["error"]),
    }


def run_predict(args, out=print):
    """Predict every file; exit status 1 if any file failed, 2 for a bad model file."""
    from .._persist import import_skops_lean
    from ..inference import predict_songs
    from ..inference._songs import LimitTooShortError

    import_skops_lean()  # this process is ours: skip skops' 0.5-s scan of scikit-learn
    # ModelFileError -> exit 2 in main; pickles only when the user trusts them
    model = load_model(
        args.model,
        trust_pickle=getattr(args, "trust_pickle", False),
        sha256=getattr(args, "sha256", None),
        engine=getattr(args, "engine", "auto"),
    )
    steps = [name for name, _ in getattr(model, "steps", [])]
    if "clip" not in steps or not hasattr(model, "predict_proba"):
        raise ModelFileError(
            f"{args.model!r} holds a {type(model).__name__}, not a skgenre pipeline that "
            "predicts from audio (it needs 'load' and 'clip' steps and a classifier); train "
            "one with `skgenre train`."
        )
    try:
        res = predict_songs(
            model, args.files, top_k=args.top_k, n_jobs=args.jobs,
            max_duration=getattr(args, "max_duration", 600.0),
            screen=getattr(args, "screen", True),
        )
    except LimitTooShortError as exc:  # the option is at fault, not the songs: a usage error
        print(f"skgenre predict: error: {max_duration_error(exc)}", file=sys.stderr)
        return 2
    classes = res.attrs["classes"]
    k = min(args.top_k, len(classes))
    entries = [_entry(row, classes, k) for _, row in res.iterrows()]
    failed = [e for e in entries if not e["ok"]]
    # Each file's error is printed once, with its result (the table or the JSON); stderr
    # only counts the failures (below), so that a terminal shows no error twice.
    if args.json:
        out(json.dumps(entries, indent=2))
    else:
        width = max(len(str(c)) for c in classes)
        for e in entries:
            name = display_name(e["file"])  # no raw control characters on the terminal
            if not e["ok"]:
                out(f"{name}\n  FAILED: {e['error']}")
                continue
            out(f"{name}  ({e['duration_s']:.1f} s, {e['n_clips']} clip(s))")
            if e["warning"]:
                out(f"  note: {e['warning']}")
            for rank, t in enumerate(e["top"], 1):
                bar = "#" * int(math.floor(t["probability"] * 20 + 0.5))
                out(f"  {rank:>2}. {t['genre']:<{width}}  {t['probability']:.3f}  {bar}")
    if failed:
        print(
            f"skgenre predict: {len(failed)} of {len(entries)} file(s) could not be read or "
            "judged.",
            file=sys.stderr,
        )
        return 1
    return 0
