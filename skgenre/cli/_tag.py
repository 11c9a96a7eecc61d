"""``skgenre tag``: the top musicnn tags of audio files, with no training set."""

import json
import math
import sys

import numpy as np

from .._errors import AudioLoadError, WeightsMismatchError, WeightsNotFoundError

__all__ = ["add_tag_parser", "run_tag"]

# Files decoded and tagged together: bounds memory for long lists of long files.
_CHUNK_FILES = 16
_TAXONOMIES = {"msd": "MSD_musicnn", "mtt": "MTT_musicnn"}


def add_tag_parser(sub, positive_int, jobs):
    """Add the ``tag`` subcommand to the ``skgenre`` parser's subparsers."""
    p = sub.add_parser(
        "tag", help="print the top musicnn tags of songs (no training set needed)",
        description="Tag each song with a pretrained musicnn network: the mean over its "
                    "3-s patches of the 50 tag probabilities, top K printed. Needs the "
                    "weights: pip install --no-deps musicnn==0.1.0. Exit status: 0 all "
                    "files done, 1 some file could not be read, 2 the weights are missing.",
    )
    p.add_argument("files", nargs="+", metavar="FILE",
                   help="audio files (wav, au, flac, ogg, mp3, ...)")
    p.add_argument("--taxonomy", choices=sorted(_TAXONOMIES), default="msd",
                   help="tag set: the Million Song Dataset's (genres, eras, moods) or "
                        "MagnaTagATune's (instruments, voice, moods) (default: %(default)s)")
    p.add_argument("--top-k", type=positive_int, default=5, metavar="K",
                   help="tags listed per file (default: %(default)s)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("--jobs", type=jobs, default=None, metavar="N",
                   help="files decoded and tagged in parallel")
    return p


def _load(path):
    from ..io import load_audio

    try:
        return load_audio(path, sr=16000), None
    except AudioLoadError as exc:
        return None, exc
    except (OSError, ValueError, RuntimeError, EOFError) as exc:
        return None, AudioLoadError(path, f"{type(exc).__name__}: {exc}")


def _tag_files(paths, model, n_jobs):
    """Yield one entry per path, in order; a file that fails gets its error, not tags."""
    from joblib import Parallel, delayed

    from ..embeddings import MusicnnEmbedding

    tagger = None
    for start in range(0, len(paths), _CHUNK_FILES):
        chunk = paths[start : start + _CHUNK_FILES]
        if n_jobs is not None and n_jobs != 1 and len(chunk) > 1:
            loaded = Parallel(n_jobs=n_jobs, prefer="threads")(delayed(_load)(p) for p in chunk)
        else:
            loaded = [_load(p) for p in chunk]
        good = [w for w, err in loaded if err is None]
        if good and tagger is None:
            tagger = MusicnnEmbedding(model, layer="taggram", sr=16000, n_jobs=n_jobs)
            tagger.fit(good[:1])
        proba = iter(tagger.transform(good) if good else [])
        for path, (w, err) in zip(chunk, loaded):
            if err is not None:
                yield {"file": path, "error": str(err)}
            else:
                # consecutive 3-s patches (187 frames of 256 samples), at least one
                n_patches = max(1, (1 + len(w) // 256) // 187)
                yield {"file": path, "duration_s": len(w) / 16000, "n_patches": n_patches,
                       "proba": next(proba)}


def run_tag(args, out=print):
    """Tag every file; exit status 1 if any file failed, 2 without the weights."""
    from ..embeddings import musicnn_tags

    model = _TAXONOMIES[args.taxonomy]
    tags = musicnn_tags(model)
    k = min(args.top_k, len(tags))
    entries = []
    try:
        for e in _tag_files([str(p) for p in args.files], model, args.jobs):
            if "error" in e:
                if args.json:  # the table shows it; JSON is for programs, so say it here
                    print(f"skgenre tag: error: {e['error']}", file=sys.stderr)
                entries.append({"file": e["file"], "ok": False, "duration_s": None,
                                "n_patches": 0, "top": [], "probabilities": None,
                                "error": e["error"]})
                continue
            p = e["proba"]
            order = np.argsort(-p, kind="stable")[:k]
            entries.append({
                "file": e["file"],
                "ok": True,
                "duration_s": round(float(e["duration_s"]), 3),
                "n_patches": e["n_patches"],
                "top": [{"tag": tags[i], "probability": float(p[i])} for i in order],
                "probabilities": {t: float(v) for t, v in zip(tags, p)},
                "error": None,
            })
    except (WeightsNotFoundError, WeightsMismatchError) as exc:
        print(f"skgenre tag: error: {exc}", file=sys.stderr)
        return 2

    if args.json:
        out(json.dumps(entries, indent=2))
    else:
        width = max(len(t) for t in tags)
        for e in entries:
            if not e["ok"]:
                out(f"{e['file']}\n  FAILED: {e['error']}")
                continue
            out(f"{e['file']}  ({e['duration_s']:.1f} s, {e['n_patches']} patch(es), "
                f"{model} tags)")
            for rank, t in enumerate(e["top"], 1):
                bar = "#" * int(math.floor(t["probability"] * 20 + 0.5))
                out(f"  {rank:>2}. {t['tag']:<{width}}  {t['probability']:.3f}  {bar}")
    failed = [e for e in entries if not e["ok"]]
    if failed:
        print(f"skgenre tag: {len(failed)} of {len(entries)} file(s) could not be read.",
              file=sys.stderr)
        return 1
    return 0
