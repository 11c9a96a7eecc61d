"""``skgenre tag --genres``: zero-shot genres through the library machinery of the CLI."""

import io
import json

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from skgenre.cli import main
from skgenre.models import ZERO_SHOT_MAPPINGS


def _run(capsys, argv):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def no_network(monkeypatch):
    """The zero-shot pipeline must not even be built: the mapping is refused first."""
    import skgenre.pipelines

    def refuse(*args, **kwargs):
        raise AssertionError("the zero-shot pipeline was built for a bad --genres value")

    monkeypatch.setattr(skgenre.pipelines, "make_zero_shot_pipeline", refuse)


@pytest.mark.parametrize("content, cause", [
    (b'{"rock": ["MSD:rock"], "polka": "accordion"}',
     "maps genre 'polka' to 'accordion', which is not a tag of the MSD or the MTT network"),
    (b'{"rock": "XYZ:rock", "pop": "pop"}', "maps genre 'rock' to 'XYZ:rock', which is not"),
    (b'{"rock": "rock"}', "names one genre ('rock')"),
    (b'{"rock": "rock", "Rock ": "MTT:rock"}', "'rock' and 'Rock ', which differ only in"),
    (b'{"rock": "rock", "pop": "pop", "rock": "jazz"}', "names the genre 'rock' more than once"),
    (b"{}", "mapping is empty"),
    (b'{"rock": []}', "gives genre 'rock' no tag"),
    (b'["rock", "pop"]', "holds a JSON list, not an object mapping each genre to its tag(s)"),
    (b'{"rock": 3}', "maps genre 'rock' to 3; give a tag name or a list of tag names"),
    (b'{"rock": ["MSD:rock", 7]}', "maps genre 'rock' to [\"MSD:rock\", 7]"),
    (b'{"rock": "MSD:rock",', "is not JSON"),
    (b"\xff\xfe\x00", "is not JSON"),
    # a traceback (RecursionError), exit 1
    (b"[" * 100_000 + b"]" * 100_000, "is not a genre mapping: its JSON is nested too deep"),
    # printed as it was: the table's line broke in two
    (b'{"a\\nb": "rock", "jazz": "jazz"}', "has a genre name with a control character ('a\\nb')"),
    (b'{"\\u001b[31mred": "rock", "jazz": "jazz"}', "a control character ('\\x1b[31mred')"),
])
def test_bad_mapping_file_is_exit_2_naming_file_and_cause(capsys, tmp_path, no_network,
                                                          content, cause):
    path = tmp_path / "genres.json"
    path.write_bytes(content)
    code, out, err = _run(capsys, ["tag", "--genres", str(path), str(tmp_path / "x.wav")])
    assert code == 2 and out == ""
    assert err.startswith(f"skgenre tag: error: --genres file {str(path)!r}")
    assert cause in err and err.count("\n") == 1


def test_unreadable_mapping_and_taxonomy_clash(capsys, tmp_path, no_network):
    missing = tmp_path / "nope.json"
    code, _, err = _run(capsys, ["tag", "--genres", str(missing), "x.wav"])
    assert code == 2
    assert f"cannot read --genres file {str(missing)!r} (No such file or directory)" in err
    assert "built-in mapping (all, emotify, gtzan)" in err
    code, _, err = _run(capsys, ["tag", "--genres", str(tmp_path), "x.wav"])  # a folder
    assert code == 2 and f"cannot read --genres file {str(tmp_path)!r}" in err
    code, _, err = _run(capsys, ["tag", "--genres", "gtzan", "--taxonomy", "msd", "x.wav"])
    assert code == 2 and "--genres and --taxonomy do not go together" in err


@pytest.fixture(scope="module")
def excerpts(gtzan_dir, tmp_path_factory):
    """4-s excerpts of two real GTZAN songs (a blues and a classical one)."""
    folder = tmp_path_factory.mktemp("excerpts")
    paths = []
    for genre in ("blues", "classical"):
        wave, sr = sf.read(gtzan_dir / "sample" / genre / f"{genre}.00000.wav")
        path = folder / f"{genre}.wav"
        sf.write(path, wave[10 * sr : 14 * sr], sr)
        paths.append(str(path))
    return paths


def test_tag_genres_prints_genres_of_the_zero_shot_pipeline(capsys, musicnn_weights,
                                                            excerpts):
    from skgenre import make_zero_shot_pipeline
    from skgenre.inference import predict_songs

    code, out, err = _run(capsys, ["tag", "--genres", "gtzan", "--json", "--top-k", "3",
                                   *excerpts])
    assert code == 0, err
    entries = [json.loads(line) for line in out.splitlines()]  # JSON Lines, as tag's
    assert [e["file"] for e in entries] == excerpts and all(e["ok"] for e in entries)
    assert [e["n_clips"] for e in entries] == [1, 1]  # one 3-s patch of each 4-s excerpt
    genres = set(ZERO_SHOT_MAPPINGS["gtzan"])
    for e in entries:
        assert set(e["probabilities"]) == genres and len(e["top"]) == 3
        assert sum(e["probabilities"].values()) == pytest.approx(1.0)
        assert e["top"][0]["probability"] == max(e["probabilities"].values())
    # exactly the library's answer: the command computes nothing of its own
    pipe = make_zero_shot_pipeline("gtzan", sr=16000).fit([np.zeros(48000, np.float32)])
    res = predict_songs(pipe, excerpts)
    for e, (_, r) in zip(entries, res.iterrows()):
        assert e["top"][0]["genre"] == r["top1_genre"]
        assert e["probabilities"] == pytest.approx({g: r[f"proba_{g}"] for g in genres})

    code, out, err = _run(capsys, ["tag", "--genres", "emotify", excerpts[1]])
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == f"{excerpts[1]}  (4.0 s, zero-shot emotify genres)"
    ranked = [(line.split()[1], float(line.split()[2])) for line in lines[1:]]
    assert {g for g, _ in ranked} == set(ZERO_SHOT_MAPPINGS["emotify"])
    assert [p for _, p in ranked] == sorted((p for _, p in ranked), reverse=True)


def test_tag_genres_out_file_knows_its_mapping(capsys, musicnn_weights, excerpts, tmp_path):
    mapping = tmp_path / "mine.json"
    mapping.write_text(json.dumps({"quiet": ["MSD:chillout", "MSD:easy listening"],
                                   "loud": "rock"}))
    out = tmp_path / "genres.csv"
    code, stdout, err = _run(capsys, ["tag", "--genres", str(mapping), "--out", str(out),
                                      "--jobs", "2", "--quiet", *excerpts])
    assert code == 0 and stdout == "", err
    table = pd.read_csv(io.BytesIO(out.read_bytes()), skiprows=1)
    assert list(table.columns) == ["path", "top", "proba_loud", "proba_quiet", "seconds",
                                   "note", "error"]
    assert list(table["path"]) == excerpts and set(table["top"]) <= {"loud", "quiet"}
    assert list(table["seconds"]) == [4.0, 4.0]
    # the same mapping resumes; another mapping (same genres, other tags) is refused
    code, _, err = _run(capsys, ["tag", "--genres", str(mapping), "--out", str(out),
                                 *excerpts])
    assert code == 0 and "2 already in" in err
    mapping.write_text(json.dumps({"quiet": "MSD:chillout", "loud": "rock"}))
    before = out.read_bytes()
    code, _, err = _run(capsys, ["tag", "--genres", str(mapping), "--out", str(out),
                                 *excerpts])
    assert code == 2 and "another model" in err and "genres" in err
    code, _, err = _run(capsys, ["tag", "--genres", "gtzan", "--out", str(out), *excerpts])
    assert code == 2 and "another model" in err and out.read_bytes() == before


def test_tag_genres_counts_the_patches_of_a_whole_song(capsys, musicnn_weights, gtzan_dir,
                                                       tmp_path):
    """A 30-s song is judged in ten 3-s patches, as plain ``tag`` says (it said 1 clip)."""
    song = gtzan_dir / "sample" / "blues" / "blues.00000.wav"
    code, out, err = _run(capsys, ["tag", "--genres", "gtzan", "--json", str(song)])
    assert code == 0, err
    (entry,) = [json.loads(line) for line in out.splitlines()]
    code, out, err = _run(capsys, ["tag", "--json", str(song)])
    assert code == 0, err
    (tagged,) = [json.loads(line) for line in out.splitlines()]
    assert entry["n_clips"] == tagged["n_patches"] == 10
