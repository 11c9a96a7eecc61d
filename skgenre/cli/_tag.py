"""``skgenre tag``: the top musicnn tags of audio files, with no training set.

Each file is judged on its own (screened, decoded up to ``--max-duration``, tagged) and its
result printed at once, so a long list shows progress, and a file that fails, or an
interruption, costs no other file's result.
"""

import json
import math
import sys

import numpy as np

from .._errors import AudioLoadError, WeightsMismatchError, WeightsNotFoundError
from ._safety import add_max_duration_option, add_screen_option, display_name, max_duration_error

__all__ = ["add_tag_parser", "run_tag"]

_TAXONOMIES = {"msd": "MSD_musicnn", "mtt": "MTT_musicnn"}
_SR = 16000  # the networks' sample rate
# One 3-s patch: the shortest input the network judges (shorter songs are repeated to fill
# it), screened as predict screens a whole-track model.
_PATCH_SAMPLES = 3 * _SR


def add_tag_parser(sub, positive_int, jobs):
    """Add the ``tag`` subcommand to the ``skgenre`` parser's subparsers."""
    p = sub.add_parser(
        "tag", help="print the top musicnn tags of songs (no training set needed)",
        description="Tag each song with a pretrained musicnn network: the mean over its "
                    "3-s patches of the 50 tag probabilities, top K printed; or, with "
                    "--genres, its genre from those tags (zero-shot). Each file's "
                    "result is printed as soon as it is judged (--json: one JSON object per "
                    "line). Files are screened as by `skgenre predict`: silence, audio "
                    "shorter than 0.3 s, samples far outside [-1, 1] and implausible "
                    "headers get an error instead of tags. Needs the weights: pip install "
                    "--no-deps musicnn==0.1.0. Exit status: 0 all files tagged, 1 some file "
                    "could not be read or judged (a rerun too, while --out holds its "
                    "error row), 2 the weights are missing, an option is "
                    "invalid (a --genres file that cannot be read or is no valid mapping, "
                    "--genres with --taxonomy), --files-from names nothing, or --out "
                    "cannot be used.",
    )
    from ._library import add_library_options

    add_library_options(p, what="tag", cls="tag", open_set=False)
    p.add_argument("--taxonomy", choices=sorted(_TAXONOMIES), default=None,
                   help="tag set: the Million Song Dataset's (genres, eras, moods) or "
                        "MagnaTagATune's (instruments, voice, moods) (default: msd)")
    from ._genres import GENRES_HELP

    p.add_argument("--genres", metavar="{gtzan,emotify,all,FILE.json}", default=None,
                   help=GENRES_HELP)
    p.add_argument("--top-k", type=positive_int, default=5, metavar="K",
                   help="tags listed per file (default: %(default)s)")
    p.add_argument("--json", action="store_true",
                   help="print JSON Lines instead of a table: one object per file, on one "
                        "line, as soon as the file is judged")
    p.add_argument("--jobs", type=jobs, default=None, metavar="N",
                   help="files decoded and tagged in parallel, by N worker processes that "
                        "each load the network once (-1: all cores)")
    add_max_duration_option(p)
    add_screen_option(p)
    return p


def _failed(path, err):
    return {"file": path, "ok": False, "duration_s": None, "n_patches": 0, "top": [],
            "probabilities": None, "warning": None, "error": str(err)}


def _judge(item, tagger, tags, k, max_duration, screen=True):
    """Screen, decode and tag one file; return its entry (never raise for its faults)."""
    from ..inference._screen import (
        _first_line,
        header_duration,
        limit_note,
        screen_path,
        screen_waveform,
    )
    from ..io import load_audio

    path, err = screen_path(item)  # non-regular files, swapped arguments, bogus headers
    if err is not None:
        return _failed(path, err)
    try:
        # decoding stops at the limit: memory is bounded whatever the file's length
        wave = load_audio(path, sr=_SR, duration=max_duration)
    except AudioLoadError as exc:
        return _failed(path, exc)
    except (OSError, ValueError, RuntimeError, EOFError, MemoryError) as exc:
        return _failed(path, AudioLoadError(path, f"{type(exc).__name__}: {exc}"))
    notes = []
    limit = None if max_duration is None else int(round(max_duration * _SR))
    if limit is not None and len(wave) >= limit:
        total = header_duration(path)
        if total is None or total * _SR > limit + 1:  # not a song of exactly the limit
            notes.append(limit_note(max_duration, total))
        wave = wave[:limit]
    err, more = screen_waveform(wave, _SR, _PATCH_SAMPLES, path, is_file=True, content=screen)
    if err is not None:
        return _failed(path, err)
    notes += more
    try:
        p = tagger.transform([wave])[0]
    except (WeightsNotFoundError, WeightsMismatchError):
        raise
    except Exception as exc:  # the network failing on one song is that song's error
        return _failed(path, AudioLoadError(
            path, f"the network failed on this song ({_first_line(exc)})"))
    order = np.argsort(-p, kind="stable")[:k]
    return {
        "file": path,
        "ok": True,
        "duration_s": round(len(wave) / _SR, 3),
        "n_patches": tagger._n_patches(len(wave)),
        "top": [{"tag": tags[i], "probability": float(p[i])} for i in order],
        "probabilities": {t: float(v) for t, v in zip(tags, p)},
        "warning": "; ".join(notes) if notes else None,
        "error": None,
    }


class TagJudge:
    """How a worker tags one song (picklable; the network is loaded once per process)."""

    own_workers = True  # the CLI's workers: they keep freed memory for the next song

    def __init__(self, model, k, max_duration, screen=True):
        import uuid

        self.model, self.k, self.max_duration, self.screen = model, k, max_duration, screen
        self.key = uuid.uuid4().hex

    def load(self):
        from ..embeddings import MusicnnEmbedding, musicnn_tags

        tags = musicnn_tags(self.model)
        tagger = MusicnnEmbedding(self.model, layer="taggram", sr=_SR).fit(
            [np.zeros(_PATCH_SAMPLES, np.float32)]
        )
        return lambda path: _rows(
            _judge(path, tagger, tags, self.k, self.max_duration, self.screen))


def _rows(e):
    """An entry as the one row of a results file (the entry kept for printing)."""
    row = {"path": e["file"], "top": e["top"][0]["tag"] if e["ok"] else None,
           "seconds": e["duration_s"], "note": e["warning"], "error": e["error"],
           "entry": e}
    row.update({f"proba_{t}": p for t, p in (e["probabilities"] or {}).items()})
    return [row]


def _flush():
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        pass


def run_tag(args, out=print):
    """Tag every file, printing each result at once; exit 1 if any file failed, 2 without
    the weights or for a --max-duration too short to judge anything."""
    from ..embeddings import MusicnnEmbedding, musicnn_tags
    from ..inference._judge import LimitTooShortError, check_max_duration
    from ._library import run_library

    max_duration = getattr(args, "max_duration", 600.0)
    try:
        check_max_duration(max_duration, _SR, _PATCH_SAMPLES)
    except LimitTooShortError as exc:  # the option is at fault, not the songs
        print(f"skgenre tag: error: {max_duration_error(exc)}", file=sys.stderr)
        return 2
    if getattr(args, "genres", None) is not None:
        if args.taxonomy is not None:  # genres come from both networks' tags
            print("skgenre tag: error: --genres and --taxonomy do not go together: the "
                  "genres are named from the tags of both networks", file=sys.stderr)
            return 2
        from ._genres import run_tag_genres

        return run_tag_genres(args, out)
    model = _TAXONOMIES[args.taxonomy or "msd"]
    tags = musicnn_tags(model)
    k = min(args.top_k, len(tags))
    try:
        # Loaded before any file is read: without the weights nothing can be tagged.
        tagger = MusicnnEmbedding(model, layer="taggram", sr=_SR).fit(
            [np.zeros(_PATCH_SAMPLES, np.float32)]
        )
    except (WeightsNotFoundError, WeightsMismatchError) as exc:
        print(f"skgenre tag: error: {exc}", file=sys.stderr)
        return 2

    width = max(len(t) for t in tags)

    def show(rows):
        e = rows[-1].get("entry") or _failed(rows[-1]["path"], rows[-1]["error"])
        if args.json:
            if not e["ok"]:  # JSON is for programs: say it on stderr too
                print(f"skgenre tag: error: {e['error']}", file=sys.stderr)
            out(json.dumps(e))  # ensure_ascii: any name is printable, on one line
        else:
            name = display_name(e["file"])  # no raw control characters on the terminal
            if not e["ok"]:
                out(f"{name}\n  FAILED: {e['error']}")
            else:
                out(f"{name}  ({e['duration_s']:.1f} s, {e['n_patches']} patch(es), "
                    f"{model} tags)")
                if e["warning"]:
                    out(f"  note: {e['warning']}")
                for rank, t in enumerate(e["top"], 1):
                    bar = "#" * int(math.floor(t["probability"] * 20 + 0.5))
                    out(f"  {rank:>2}. {t['tag']:<{width}}  {t['probability']:.3f}  {bar}")
        _flush()  # each result reaches a pipe or file as soon as it is printed

    screen = getattr(args, "screen", True)
    identity = {"command": "tag", "model": model, "classes": list(tags),
                "max_duration": max_duration, "screen": screen}
    spec = TagJudge(model, k, max_duration, screen)
    if args.jobs is None or args.jobs == 1:
        spec.load = lambda: (
            lambda path: _rows(_judge(path, tagger, tags, k, max_duration, screen)))
    return run_library(args, "tag", spec, identity, tags, show, n_jobs=args.jobs)
