"""``skgenre predict``: whole-song genre of audio files and folders with a saved model."""

import hashlib
import json
import math
import sys
from pathlib import Path

from .._errors import ModelFileError
from ._safety import display_name, max_duration_error

__all__ = ["run_predict"]


def _entry(rows, classes):
    """The JSON object of one song (its summary is the last row)."""
    row = rows[-1]
    ok = row.get("error") is None
    entry = {
        "file": row["path"],
        "ok": ok,
        "duration_s": row["seconds"] if ok else None,
        "n_clips": int(row.get("n_clips", 0)),
        "top": [{"genre": g, "probability": p} for g, p in row.get("top_k", [])],
        "probabilities": {str(c): row[f"proba_{c}"] for c in classes} if ok else None,
        "warning": row.get("note"),
        "error": row.get("error"),
    }
    open_set = "unknown_threshold" in row
    if open_set:  # an open-set model: the score of every song, and the line it is held to
        entry["unknown_score"] = row["unknown_score"]
        entry["unknown_threshold"] = row["unknown_threshold"]
    if len(rows) > 1 or "segment" in row:
        entry["segments"] = [
            {"start": r["start"], "end": r["end"], "top": r["top"],
             "probabilities": {str(c): r[f"proba_{c}"] for c in classes},
             **({"unknown_score": r.get("unknown_score")} if open_set else {})}
            for r in rows[:-1]
        ]
    return entry


def _score_note(e):
    """``score 4.2 > threshold 3.1``: why an open-set model said "unknown", or did not."""
    score, threshold = e["unknown_score"], e["unknown_threshold"]
    return f"score {score:.2f} {'>' if score > threshold else '<='} threshold {threshold:.2f}"


def _printer(args, classes, out, *, json_lines=False, detail=None):
    """``show(rows)`` for stdout: the table, or the JSON array streamed song by song
    (``json_lines``: one JSON object per line, as ``skgenre tag`` prints them);
    ``detail`` replaces the count of clips in a song's heading."""
    # Genre names come from the model file (genre folder names, or whoever wrote the
    # file): shown escaped, as file names are, so that none forges lines of the table or
    # sends commands to the terminal. The columns line up on the names as shown.
    width = max(len(display_name(str(c))) for c in classes)
    state = {"first": True}

    def show(rows):
        e = _entry(rows, classes)
        if args.json and json_lines:
            if not e["ok"]:  # JSON is for programs: say it on stderr too
                print(f"skgenre tag: error: {e['error']}", file=sys.stderr)
            out(json.dumps(e))  # ensure_ascii: any name is printable, on one line
        elif args.json:
            text = json.dumps(e, indent=2).replace("\n", "\n  ")
            out(("[\n  " if state["first"] else ",\n  ") + text, end="")
            state["first"] = False
        else:
            name = display_name(e["file"])  # no raw control characters on the terminal
            if not e["ok"]:
                out(f"{name}\n  FAILED: {e['error']}")
            else:
                known = ""
                if "unknown_score" in e and e["top"] and e["top"][0]["probability"] is not None:
                    known = f"; unknown {_score_note(e)}"
                shown = detail or f"{e['n_clips']} clip(s)"
                out(f"{name}  ({e['duration_s']:.1f} s, {shown}{known})")
                if e["warning"]:
                    out(f"  note: {e['warning']}")
                for rank, t in enumerate(e["top"], 1):
                    if t["probability"] is None:  # "unknown": a score, not a probability
                        out(f"  {rank:>2}. {display_name(t['genre'])}  ({_score_note(e)})")
                        continue
                    bar = "#" * int(math.floor(t["probability"] * 20 + 0.5))
                    genre = display_name(t["genre"])
                    out(f"  {rank:>2}. {genre:<{width}}  {t['probability']:.3f}  {bar}")
                for s in e.get("segments", ()):
                    p = s["probabilities"].get(s["top"])
                    shown = f"{p:.3f}" if p is not None else f"score {s['unknown_score']:.2f}"
                    top = display_name(s["top"])
                    out(f"     {s['start']:7.1f}-{s['end']:7.1f} s  {top:<{width}}  {shown}")
        try:
            sys.stdout.flush()  # each result reaches a pipe or file as soon as it is printed
        except (OSError, ValueError):
            pass

    def close():
        if args.json and not json_lines:
            out("[]" if state["first"] else "\n]")

    return show, close


def run_predict(args, out=print):
    """Predict every song; exit status 1 if any failed, 2 for a bad model file or --out."""
    from .._model_bytes import check_sha256, read_model_bytes
    from .._persist import MAX_MODEL_SIZE
    from ..inference._judge import LimitTooShortError
    from ._library import run_library

    engine = getattr(args, "engine", "auto")
    sha256 = getattr(args, "sha256", None)
    max_duration = getattr(args, "max_duration", 600.0)
    segments = getattr(args, "segments", False)
    screen = getattr(args, "screen", True)
    common = {"top_k": args.top_k, "max_duration": max_duration, "segments": segments,
              "screen": screen}
    local = args.jobs is None or args.jobs == 1
    # The file is read (and checked against --sha256) once, whichever way it is loaded;
    # ModelFileError -> exit 2 in main.
    data = read_model_bytes(Path(args.model), MAX_MODEL_SIZE)
    if sha256 is not None:
        check_sha256(Path(args.model), data, sha256)
    # Workers load the file again: they must load these bytes (checked, and accepted under
    # this run's flags), not a model written over the file meanwhile, whose rows would be
    # stamped with this one's digest.
    digest = hashlib.sha256(data).hexdigest()
    plan = None
    if engine == "auto":
        from ..inference._plan import PlanJudge, plan_from_data

        # A model saved with an inference plan predicts without scikit-learn, Keras or
        # TensorFlow: a cold start costs NumPy and the file (skgenre.inference._plan).
        plan = plan_from_data(args.model, data)
    try:
        if plan is not None:
            from ..inference._judge import check_max_duration

            # before --out is created and before any worker starts
            check_max_duration(max_duration, plan.sr, plan.n_samples)
            classes = [str(c) for c in plan.classes_]
            spec = (PlanJudge(plan, **common) if local
                    else PlanJudge(model_file=args.model, sha256=digest, own_workers=True,
                                   **common))
            unknown = False
        else:
            spec, classes, unknown = _pipeline_judge(args, local, common, data, digest)
    except LimitTooShortError as exc:  # the option is at fault, not the songs: a usage error
        print(f"skgenre predict: error: {max_duration_error(exc)}", file=sys.stderr)
        return 2
    identity = {}
    if args.out is not None:
        # the digest of the bytes loaded, not of a second read of the file
        identity = {"command": "predict", "model_sha256": digest,
                    "classes": classes, "max_duration": max_duration, "segments": segments,
                    "screen": screen}
        counts = _train_counts(args.model, data, classes)
        if counts is not None:  # what `skgenre adapt` takes as the training shares
            identity["train_counts"] = counts
    show, close = _printer(args, classes, out)
    try:
        status = run_library(args, "predict", spec, identity, classes, show,
                             segments=segments, n_jobs=1 if local else args.jobs,
                             unknown=unknown)
    except LimitTooShortError as exc:  # the option is at fault, not the songs: a usage error
        print(f"skgenre predict: error: {max_duration_error(exc)}", file=sys.stderr)
        return 2
    if args.out is None and status != 2:
        close()
    return status


def _train_counts(name, data, classes):
    """The model file's ``class_counts`` (recorded by ``skgenre train``) in the order of
    ``classes``, or None where it has none that fits them (a warning says which)."""
    from .._model_metadata import metadata_of
    from ..inference._adapt import counts_of_classes

    counts = metadata_of(name, data).get("class_counts")
    if counts is None:
        return None
    ordered = counts_of_classes(counts, classes)
    if ordered is None:
        shown = ", ".join(display_name(c) for c in classes)
        print(f"skgenre predict: warning: the class_counts recorded in {str(name)!r} are "
              f"not a count above 0 for each of its classes "
              f"({shown}); they are left out of the results, and `skgenre adapt` assumes "
              "equal training shares unless given --train-prior", file=sys.stderr)
    return ordered


def _pipeline_judge(args, local, common, data, digest):
    """``(spec, classes, unknown)`` of a model loaded whole (a file without a plan) from
    ``data``, the file's bytes (checked against ``--sha256`` already; ``digest`` their
    SHA-256, which workers check the file against)."""
    from .._persist import MAX_MODEL_SIZE, _load_model_data, import_skops_lean
    from ..inference._library import PipelineJudge

    import_skops_lean()  # this process is ours: skip skops' 0.5-s scan of scikit-learn
    load_kwargs = {"trust_pickle": getattr(args, "trust_pickle", False),
                   "sha256": getattr(args, "sha256", None),
                   "engine": getattr(args, "engine", "auto")}
    # ModelFileError -> exit 2 in main; pickles only when the user trusts them (a file
    # that matched --sha256 is trusted, as by load_model)
    model = _load_model_data(
        Path(args.model), data,
        trust_pickle=load_kwargs["trust_pickle"] or load_kwargs["sha256"] is not None,
        trusted_types=None, max_size=MAX_MODEL_SIZE, engine=load_kwargs["engine"],
    )
    steps = [name for name, _ in getattr(model, "steps", [])]
    if not ({"clip", "load"} & set(steps)) or not hasattr(model, "predict_proba"):
        raise ModelFileError(
            f"{args.model!r} holds a {type(model).__name__}, not a skgenre pipeline that "
            "predicts from audio (it needs 'load' and 'clip' steps and a classifier); train "
            "one with `skgenre train`."
        )
    classes = [str(c) for c in model.classes_]
    # In this process the model loaded above is used; workers each load the file once.
    # The workers' load trusts what this one accepted, and only those bytes: the digest
    # (which also trusts a pickle, as --sha256 does) matches nothing else.
    if local:
        spec = PipelineJudge(model, **common)
        spec._song_judge()  # LimitTooShortError before --out is created; kept for the run
    else:
        from ..inference._songs import song_judge

        song_judge(model, **common)  # LimitTooShortError before --out or a worker
        spec = PipelineJudge(model_file=args.model, own_workers=True,
                             load_kwargs={**load_kwargs, "sha256": digest}, **common)
    # an open-set model (`skgenre train --unknown`): its rows have an unknown_score
    unknown = hasattr(model.steps[-1][1], "unknown_score")
    return spec, classes, unknown
