"""Data sets: load_gtzan (layouts, broken files, filtered splits) and make_toy_genres."""

import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from numpy.testing import assert_array_equal
from sklearn.utils._param_validation import InvalidParameterError

from skgenre import BrokenFilesWarning
from skgenre.datasets import load_gtzan, load_gtzan_split_lists, make_toy_genres
from skgenre.datasets._toy import GTZAN_GENRES

# --- make_toy_genres -------------------------------------------------------------------------


def test_toy_shapes_dtypes_and_names():
    toy = make_toy_genres(n_per_class=3, n_classes=4, duration=0.5, sr=8000, random_state=0)
    assert set(toy) == {"data", "target", "target_names", "sr", "DESCR"}
    assert toy.data.dtype == object and toy.data.shape == (12,)
    assert all(x.dtype == np.float32 and x.shape == (4000,) for x in toy.data)
    assert all(np.isfinite(x).all() and 0.1 < np.abs(x).max() < 1.0 for x in toy.data)
    assert toy.target.dtype == np.int64
    assert_array_equal(toy.target, np.repeat(np.arange(4), 3))
    assert toy.target_names == ["blues", "classical", "country", "disco"]
    assert toy.sr == 8000
    assert "SYNTHETIC" in toy.DESCR and "NOT real music" in toy.DESCR


def test_toy_all_ten_classes_use_sorted_gtzan_names():
    toy = make_toy_genres(n_per_class=1, n_classes=10, duration=0.2, random_state=0)
    assert toy.target_names == sorted(GTZAN_GENRES) == list(GTZAN_GENRES)
    assert_array_equal(toy.target, np.arange(10))


def test_toy_seeding():
    a = make_toy_genres(n_per_class=2, n_classes=3, duration=0.5, random_state=7)
    b = make_toy_genres(n_per_class=2, n_classes=3, duration=0.5, random_state=7)
    c = make_toy_genres(n_per_class=2, n_classes=3, duration=0.5, random_state=8)
    for x, y in zip(a.data, b.data):
        assert_array_equal(x, y)
    assert all(not np.array_equal(x, z) for x, z in zip(a.data, c.data))
    # a RandomState instance is accepted and advances like any sklearn random_state
    rs = np.random.RandomState(7)
    d = make_toy_genres(n_per_class=2, n_classes=3, duration=0.5, random_state=rs)
    e = make_toy_genres(n_per_class=2, n_classes=3, duration=0.5, random_state=rs)
    assert not np.array_equal(d.data[0], e.data[0])


def test_toy_clips_within_a_class_differ():
    toy = make_toy_genres(n_per_class=3, n_classes=1, duration=0.5, random_state=0)
    assert not np.allclose(toy.data[0], toy.data[1])


@pytest.mark.parametrize(
    "params",
    [{"n_classes": 11}, {"n_classes": 0}, {"n_per_class": 0}, {"duration": 0.0},
     {"sr": 1000}, {"format": "mp3"}, {"random_state": "seed"}],
)
def test_toy_invalid_parameters(params):
    with pytest.raises(InvalidParameterError):
        make_toy_genres(**params)


def test_toy_duration_shorter_than_a_sample():
    # positive, so the parameter check passes, but no sample to synthesise
    with pytest.raises(ValueError, match=r"duration=1e-05 s at sr=22050 Hz .* rounds to none"):
        make_toy_genres(n_per_class=1, n_classes=1, duration=1e-5, random_state=0)
    toy = make_toy_genres(n_per_class=1, n_classes=2, duration=1 / 22050, random_state=0)
    assert [x.shape for x in toy.data] == [(1,), (1,)]
    assert all(np.isfinite(x).all() for x in toy.data)


def _simple_features(x, sr):
    """Log band energies, their spread over time, and onset-envelope autocorrelation."""
    frames = np.lib.stride_tricks.sliding_window_view(x, 1024)[::512] * np.hanning(1024)
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2
    edges = np.unique(np.geomspace(2, power.shape[1] - 1, 25).astype(int))
    bands = np.log(
        np.stack([power[:, a:b].sum(1) for a, b in zip(edges[:-1], edges[1:])], 1) + 1e-10
    )
    flux = np.maximum(np.diff(bands, axis=0), 0).sum(1)
    flux -= flux.mean()
    ac = np.correlate(flux, flux, "full")[len(flux) - 1 :]
    ac /= ac[0] + 1e-9
    return np.concatenate([bands.mean(0), bands.std(0), ac[5:60]])


def test_toy_classes_are_learnable_with_a_simple_model():
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    toy = make_toy_genres(n_per_class=15, n_classes=6, duration=3.0, random_state=0)
    X = np.stack([_simple_features(x, toy.sr) for x in toy.data])
    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=2000))
    accuracy = cross_val_score(model, X, toy.target, cv=5).mean()
    chance = 1 / 6
    assert accuracy > 0.6 > 3 * chance, accuracy


def test_toy_writes_gtzan_layout(tmp_path):
    toy = make_toy_genres(n_per_class=2, n_classes=2, duration=0.5, random_state=0, path=tmp_path)
    expected = [
        tmp_path / "genres" / "blues" / "blues.00000.wav",
        tmp_path / "genres" / "blues" / "blues.00001.wav",
        tmp_path / "genres" / "classical" / "classical.00000.wav",
        tmp_path / "genres" / "classical" / "classical.00001.wav",
    ]
    assert list(toy.filenames) == [str(p) for p in expected]
    for path, x in zip(expected, toy.data):
        info = sf.info(path)
        assert (info.samplerate, info.channels, info.subtype) == (22050, 1, "PCM_16")
        y, _ = sf.read(path, dtype="float32")
        np.testing.assert_allclose(y, x, atol=1.5 / 32768)


def test_toy_does_not_overwrite_recordings(tmp_path):
    from skgenre import OutputError

    real = tmp_path / "gtzan" / "genres" / "blues" / "blues.00001.wav"
    _tone(real)
    before = real.read_bytes()
    with pytest.raises(OutputError, match=r"holds 1 file\(s\) .* 'genres/blues/blues.00001.wav'"
                       r".* not a folder written by make_toy_genres"):
        make_toy_genres(n_per_class=2, n_classes=1, duration=0.1, random_state=0,
                        path=tmp_path / "gtzan")
    assert real.read_bytes() == before
    assert not (tmp_path / "gtzan" / "SKGENRE_SYNTHETIC.txt").exists()
    assert not (tmp_path / "gtzan" / "genres" / "blues" / "blues.00000.wav").exists()
    # other names, another format: nothing is lost, so the folder may be used
    make_toy_genres(n_per_class=2, n_classes=1, duration=0.1, random_state=0,
                    path=tmp_path / "gtzan", format="flac")
    assert real.read_bytes() == before
    # its own output is rewritten, as before
    toy = make_toy_genres(n_per_class=2, n_classes=1, duration=0.1, random_state=1,
                          path=tmp_path / "gtzan", format="flac")
    assert len(toy.filenames) == 2
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="it is a file, not a folder"):
        make_toy_genres(n_per_class=1, n_classes=1, duration=0.1, path=tmp_path / "file")


@pytest.mark.parametrize("fmt", ["flac", "au", "ogg"])
def test_toy_other_formats(tmp_path, fmt):
    toy = make_toy_genres(n_per_class=1, n_classes=2, duration=0.5, random_state=0,
                          path=tmp_path, format=fmt)
    assert all(f.endswith(f".{fmt}") for f in toy.filenames)
    assert all(sf.info(f).frames > 0 for f in toy.filenames)


def test_toy_sample_rate_the_format_cannot_hold(tmp_path):
    # in a child: libsndfile's Vorbis writer above 200 kHz killed the interpreter
    code = (
        "from skgenre.datasets import make_toy_genres\n"
        "try:\n"
        f"    make_toy_genres(1, 1, duration=0.01, sr=200_001, path={str(tmp_path)!r},"
        " format='ogg')\n"
        "except ValueError as exc:\n"
        "    print(exc)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "sr=200001 Hz cannot be written as format='ogg'" in run.stdout
    with pytest.raises(ValueError, match=r"format='flac', which takes at most 655350 Hz"):
        make_toy_genres(1, 1, duration=0.01, sr=700_000, path=tmp_path, format="flac")
    assert not list(tmp_path.rglob("*.flac"))
    # the limits concern files only, and are limits, not steps
    make_toy_genres(1, 1, duration=0.01, sr=700_000)
    toy = make_toy_genres(1, 1, duration=0.01, sr=200_000, path=tmp_path, format="ogg")
    assert sf.info(toy.filenames[0]).samplerate == 200_000


# --- load_gtzan ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def toy_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("gtzan")
    make_toy_genres(n_per_class=3, n_classes=6, duration=0.3, random_state=0, path=root)
    return root


def _check_aligned(bunch):
    for f, t in zip(bunch.filenames, bunch.target):
        assert Path(f).parent.name == bunch.target_names[t]
        assert Path(f).name.startswith(bunch.target_names[t] + ".")


def test_load_gtzan_basic(toy_root):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing broken, nothing to warn about
        g = load_gtzan(toy_root)
    assert g.target_names == ["blues", "classical", "country", "disco", "hiphop", "jazz"]
    assert g.filenames.shape == (18,) and g.filenames.dtype.kind == "U"
    assert g.target.dtype == np.int64
    assert_array_equal(g.target, np.repeat(np.arange(6), 3))
    assert "GTZAN" in g.DESCR
    _check_aligned(g)
    X, y = load_gtzan(toy_root, return_X_y=True)
    assert_array_equal(X, g.filenames)
    assert_array_equal(y, g.target)


def test_load_gtzan_genres_filter(toy_root):
    g = load_gtzan(toy_root, genres=["jazz", "blues"])
    assert g.target_names == ["blues", "jazz"]
    assert_array_equal(g.target, [0, 0, 0, 1, 1, 1])
    _check_aligned(g)
    with pytest.raises(ValueError, match="polka"):
        load_gtzan(toy_root, genres=["polka"])
    from_array = load_gtzan(toy_root, genres=np.array(["jazz", "blues"]))
    assert from_array.target_names == ["blues", "jazz"]
    assert all(type(name) is str for name in from_array.target_names)
    with pytest.raises(InvalidParameterError):
        load_gtzan(toy_root, genres="jazz")
    with pytest.raises(ValueError, match="genres is empty: name at least one of"):
        load_gtzan(toy_root, genres=[])


@pytest.mark.parametrize(
    "layout", ["genres", "genres_original", "Data/genres_original", "."]
)
def test_load_gtzan_layouts(tmp_path, toy_root, layout):
    base = tmp_path / layout
    base.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(toy_root / "genres", base, dirs_exist_ok=True)
    # a stray file and a non-genre folder must be ignored
    (tmp_path / "features_30_sec.csv").write_text("filename,label\n")
    (tmp_path / "images_original").mkdir(exist_ok=True)
    g = load_gtzan(tmp_path)
    assert len(g.filenames) == 18 and len(g.target_names) == 6
    # also when pointed straight at the genre folders' parent
    assert_array_equal(load_gtzan(base).filenames, g.filenames)


def test_load_gtzan_names_the_audio_it_leaves_out(tmp_path):
    # a copy whose mislabelled clip was moved to its right genre, an extra take, a folder
    # whose case differs from its clips' names: left out, but said
    for name in ("blues/blues.00000.wav", "pop/pop.00000.wav", "pop/disco.00011.wav",
                 "pop/pop.00001 (live).wav", "Rock/rock.00000.wav", "pop/._pop.00000.wav"):
        _tone(tmp_path / name)
    (tmp_path / "pop" / "cover.jpg").write_bytes(b"not audio")
    with pytest.warns(UserWarning, match=r"3 audio file\(s\) .* left out: "
                      r"'Rock/rock.00000.wav', 'pop/disco.00011.wav', "
                      r"'pop/pop.00001 \(live\).wav'\. load_genre_folders"):
        g = load_gtzan(tmp_path)
    assert [Path(f).name for f in g.filenames] == ["blues.00000.wav", "pop.00000.wav"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the genres asked for hold no stray
        load_gtzan(tmp_path, genres=["blues"])
    # one clip as .wav and .WAV: the same file whatever the listing order
    _tone(tmp_path / "blues" / "blues.00000.WAV")
    assert Path(load_gtzan(tmp_path, genres=["blues"], check_files=False)
                .filenames[0]).name == "blues.00000.WAV"


def test_load_gtzan_reports_a_dangling_link(tmp_path):
    # a copy made of links whose target moved: the clip is reported, as load_genre_folders
    # reports it, not dropped without a word
    _tone(tmp_path / "blues" / "blues.00000.wav")
    (tmp_path / "blues" / "blues.00001.wav").symlink_to(tmp_path / "moved.wav")
    with pytest.warns(BrokenFilesWarning, match=r"1 of 2 clips were left out:\n.*"
                      r"blues.00001.wav: the file cannot be accessed"):
        g = load_gtzan(tmp_path)
    assert [Path(f).name for f in g.filenames] == ["blues.00000.wav"]


def test_load_gtzan_missing_root_and_empty_root(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a directory"):
        load_gtzan(tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match="no GTZAN genre folders"):
        load_gtzan(tmp_path)


def test_load_gtzan_broken_file(tmp_path):
    make_toy_genres(n_per_class=2, n_classes=6, duration=0.3, random_state=1, path=tmp_path)
    broken = tmp_path / "genres" / "jazz" / "jazz.00054.wav"
    broken.write_bytes(b"RIFF\x00\x10\x00\x00WAVEfmt \x10\x00")  # a cut header
    (tmp_path / "genres" / "blues" / "blues.00007.wav").write_bytes(b"")
    with pytest.warns(BrokenFilesWarning) as record:
        g = load_gtzan(tmp_path)
    assert len(record) == 1  # ONE warning lists every broken file
    message = str(record[0].message)
    assert "jazz.00054.wav" in message and "blues.00007.wav" in message
    assert "2 of 14 clips" in message
    assert str(broken) not in g.filenames
    assert len(g.filenames) == len(g.target) == 12
    _check_aligned(g)
    # without the check, the broken files stay listed
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        unchecked = load_gtzan(tmp_path, check_files=False)
    assert str(broken) in unchecked.filenames and len(unchecked.filenames) == 14
    # a broken converted copy no longer hides a readable original of the same clip
    import soundfile as sf

    from skgenre.datasets import load_genre_folders

    original = broken.with_suffix(".au")
    sf.write(original, sf.read(tmp_path / "genres" / "jazz" / "jazz.00000.wav")[0], 22050,
             format="AU", subtype="PCM_16")
    for check in ("decode", True):
        with pytest.warns(BrokenFilesWarning, match=r"jazz.00054.wav: .*\(read from "
                                                     r"jazz.00054.au instead\)"):
            g = load_gtzan(tmp_path, check_files=check)
        assert str(original) in g.filenames and len(g.filenames) == 13
    for check in ("decode", "header"):
        data = load_genre_folders(tmp_path, check=check)
        assert str(original) in data.filenames and str(broken) not in data.filenames
        reasons = {Path(p).name: why for p, why in data.skipped}
        assert "the same song as" not in reasons["jazz.00054.wav"]


def test_split_lists_from_package_data():
    lists = load_gtzan_split_lists()
    assert {k: len(v) for k, v in lists.items()} == {"train": 443, "valid": 197, "test": 290}
    sets = {k: set(v) for k, v in lists.items()}
    assert not (sets["train"] & sets["valid"]) and not (sets["train"] & sets["test"])
    assert not (sets["valid"] & sets["test"])
    for entries in lists.values():
        assert {e.split("/")[0] for e in entries} == set(GTZAN_GENRES)
        assert all(e.split("/")[1].startswith(e.split("/")[0] + ".") for e in entries)


def test_split_lists_match_shared_copy(gtzan_dir):
    lists = load_gtzan_split_lists()
    for name, entries in lists.items():
        shared = (gtzan_dir / "splits" / f"{name}_filtered.txt").read_text().split()
        assert entries == shared


@pytest.fixture(scope="module")
def split_root(tmp_path_factory):
    # 30 clips per genre: numbers 00000-00029 meet all three lists in blues and classical
    root = tmp_path_factory.mktemp("gtzan_split")
    make_toy_genres(n_per_class=30, n_classes=2, duration=0.05, random_state=0, path=root)
    return root


@pytest.mark.parametrize("split", ["train", "valid", "test", ["train", "valid"]])
def test_load_gtzan_split(split_root, split):
    lists = load_gtzan_split_lists()
    names = [split] if isinstance(split, str) else split
    listed = {}
    for s in names:
        for e in lists[s]:
            listed[Path(e).stem] = s
    expected = sorted(
        stem for stem in listed
        if stem.split(".")[0] in ("blues", "classical") and int(stem.split(".")[1]) < 30
    )
    assert expected  # the lists do meet these clips
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        g = load_gtzan(split_root, split=split)
    stems = [Path(f).stem for f in g.filenames]
    assert stems == expected
    assert [listed[s] for s in stems] == list(g.split)
    _check_aligned(g)
    # the listed clips numbered 30 and up are not in this copy: reported, once
    missing = [r for r in record if issubclass(r.category, BrokenFilesWarning)]
    assert len(missing) == 1 and "missing" in str(missing[0].message)


def test_load_gtzan_split_matches_au_copies_by_stem(tmp_path):
    make_toy_genres(n_per_class=15, n_classes=1, duration=0.05, random_state=0,
                    path=tmp_path, format="au")
    with pytest.warns(BrokenFilesWarning, match="missing"):
        g = load_gtzan(tmp_path, split="test")
    assert [Path(f).name for f in g.filenames] == [
        "blues.00012.au", "blues.00013.au", "blues.00014.au"
    ]


def test_load_gtzan_split_errors(split_root, tmp_path):
    with pytest.raises(InvalidParameterError):
        load_gtzan(split_root, split="training")
    with pytest.raises(ValueError, match="split"):
        load_gtzan(split_root, split=["train", "holdout"])
    # a copy holding none of the listed clips
    # (classical.00042 is left out of all three filtered lists)
    make_toy_genres(n_per_class=1, n_classes=2, duration=0.05, random_state=0, path=tmp_path)
    folder = tmp_path / "genres" / "classical"
    (folder / "classical.00000.wav").rename(folder / "classical.00042.wav")
    assert len(load_gtzan(tmp_path, genres=["classical"]).filenames) == 1
    with pytest.raises(FileNotFoundError, match="none of the"):
        load_gtzan(tmp_path, split="test", genres=["classical"])


def test_load_gtzan_on_real_sample(gtzan_dir):
    g = load_gtzan(gtzan_dir / "sample")
    assert g.target_names == ["blues", "classical"]
    assert [Path(f).name for f in g.filenames] == [
        "blues.00000.wav", "blues.00001.wav", "blues.00002.wav", "blues.00099.mp3",
        "classical.00000.wav", "classical.00001.wav", "classical.00002.wav",
    ]
    assert_array_equal(g.target, [0, 0, 0, 0, 1, 1, 1])
    with pytest.warns(BrokenFilesWarning, match="missing"):
        valid = load_gtzan(gtzan_dir / "sample", split="valid")
    assert [Path(f).name for f in valid.filenames] == [
        "blues.00000.wav", "blues.00001.wav", "blues.00002.wav",
        "classical.00000.wav", "classical.00001.wav", "classical.00002.wav",
    ]


def test_load_gtzan_then_audio_loader(toy_root):
    from skgenre.io import AudioLoader

    g = load_gtzan(toy_root, genres=["disco"])
    waveforms = AudioLoader().transform(g.filenames)
    assert waveforms.shape == (3,) and all(w.shape == (6615,) for w in waveforms)


# --- load_genre_folders -----------------------------------------------------------------------


def _tone(path, seconds=0.5, sr=8000):
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, np.zeros(int(seconds * sr), dtype=np.float32), sr)


def test_genre_folders_any_names_depths_and_formats(tmp_path):
    from skgenre import DatasetError
    from skgenre.datasets import load_genre_folders

    _tone(tmp_path / "jazz" / "A - B.wav")
    _tone(tmp_path / "jazz" / "album" / "cd1" / "01.flac")
    _tone(tmp_path / "jazz" / "album" / "cd1" / "01.wav")  # same song, preferred format
    _tone(tmp_path / "rock" / "rock.00001.ogg")
    (tmp_path / "rock" / "notes.txt").write_text("text\n")
    data = load_genre_folders(tmp_path)
    assert data.target_names == ["jazz", "rock"] and data.layout == "folders"
    assert [Path(p).name for p in data.filenames] == ["A - B.wav", "01.wav", "rock.00001.ogg"]
    assert data.target.tolist() == [0, 0, 1]
    assert data.artists is None  # one GTZAN name of three: not a GTZAN copy, no warning
    reasons = {Path(p).name: why for p, why in data.skipped}
    assert set(reasons) == {"01.flac", "notes.txt"}
    assert "another format" in reasons["01.flac"] and "text" in reasons["notes.txt"]
    assert load_genre_folders(tmp_path, n_per_genre=1).target.tolist() == [0, 1]
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatasetError, match="empty"):
        load_genre_folders(tmp_path)
    with pytest.raises(DatasetError, match="no genre folders"):
        load_genre_folders(tmp_path / "rock")
    with pytest.raises(InvalidParameterError, match="'n_jobs' parameter"):
        load_genre_folders(tmp_path, n_jobs=0)


def test_genre_folders_recognise_gtzan(tmp_path, toy_root):
    from skgenre.datasets import load_genre_folders

    from skgenre.datasets._toy import TOY_MARKER

    data = load_genre_folders(toy_root)
    gtzan = load_gtzan(toy_root)
    assert data.layout == "gtzan" and data.skipped == []
    assert_array_equal(data.filenames, gtzan.filenames)
    assert_array_equal(data.target, gtzan.target)
    # the toy set has GTZAN's names, not its recordings: flagged
    assert data.synthetic and gtzan.synthetic
    shutil.copytree(toy_root, tmp_path / "copy")
    (tmp_path / "copy" / TOY_MARKER).unlink()
    assert not load_genre_folders(tmp_path / "copy").synthetic
    assert not load_gtzan(tmp_path / "copy").synthetic
    # the Kaggle copy's layout, with spectrogram images beside the audio
    kaggle = tmp_path / "kaggle"
    shutil.copytree(Path(gtzan.filenames[0]).parents[1], kaggle / "Data" / "genres_original")
    (kaggle / "Data" / "images_original" / "blues").mkdir(parents=True)
    assert load_genre_folders(kaggle).layout == "gtzan"
    # one file named otherwise: still read, no longer called GTZAN
    mixed = tmp_path / "mixed"
    shutil.copytree(toy_root, mixed)
    _tone(mixed / "genres" / "blues" / "My Song.wav", sr=22050)
    with pytest.warns(UserWarning, match=r"1 of \d+ songs .* \('blues/My Song.wav'\)") as rec:
        data = load_genre_folders(mixed)
    assert rec[0].filename == __file__  # points at the caller
    assert data.layout == "folders" and len(data.filenames) == len(gtzan.filenames) + 1
    # the GTZAN songs keep Sturm's artists (all were dropped for one stray file before)
    stray = np.array([Path(f).name == "My Song.wav" for f in data.filenames])
    assert_array_equal(data.artists[~stray], gtzan.artists)
    assert data.artists[stray].tolist() == ["unknown:blues/My Song.wav"]


def _cut_flac(path, seed):
    """A FLAC whose header is whole but whose audio stops half way (a copy cut short)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    noise = np.random.default_rng(seed).normal(0, 0.1, 22050).astype(np.float32)
    sf.write(path, noise, 22050)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert sf.info(path).frames == 22050  # the header alone says nothing is wrong


def test_files_that_fail_while_decoding_are_skipped(tmp_path):
    from skgenre import DatasetError
    from skgenre.datasets import load_genre_folders

    _tone(tmp_path / "jazz" / "a.wav")
    _tone(tmp_path / "rock" / "a.wav")
    _tone(tmp_path / "rock" / "c.wav")
    _cut_flac(tmp_path / "rock" / "b.flac", seed=0)
    data = load_genre_folders(tmp_path)
    assert [Path(p).name for p in data.filenames] == ["a.wav", "a.wav", "c.wav"]
    (path, why), = data.skipped
    assert Path(path).name == "b.flac" and "FLAC" in why
    # n_per_genre takes the first songs that decode
    assert [Path(p).name for p in load_genre_folders(tmp_path, n_per_genre=2).filenames] == [
        "a.wav", "a.wav", "c.wav"]
    # the header check alone lets it through
    assert len(load_genre_folders(tmp_path, check="header").filenames) == 4
    # a genre whose only song fails while decoding is an empty genre
    (tmp_path / "jazz" / "a.wav").unlink()
    _cut_flac(tmp_path / "jazz" / "x.flac", seed=1)
    with pytest.raises(DatasetError, match="jazz.*x.flac"):
        load_genre_folders(tmp_path)


def test_gtzan_check_files_decode(tmp_path):
    make_toy_genres(n_per_class=2, n_classes=2, duration=0.3, random_state=1, path=tmp_path)
    cut = tmp_path / "genres" / "blues" / "blues.00005.flac"
    _cut_flac(cut, seed=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert str(cut) in load_gtzan(tmp_path).filenames  # header only: not seen
    with pytest.warns(BrokenFilesWarning, match="blues.00005.flac"):
        g = load_gtzan(tmp_path, check_files="decode")
    assert str(cut) not in g.filenames and len(g.filenames) == len(g.target) == 4
    with pytest.raises(InvalidParameterError):
        load_gtzan(tmp_path, check_files="full")


# --- artists ----------------------------------------------------------------------------------


def test_gtzan_artists_shipped_and_aligned(toy_root):
    from skgenre.datasets import load_gtzan_artists

    artists = load_gtzan_artists()
    assert len(artists) == 1000
    assert artists["blues.00000"] == "John Lee Hooker" and artists["rock.00099"] is not None
    assert sum(a is None for a in artists.values()) == 81
    assert artists["classical.00059"] is None  # unknown in Sturm's index
    g = load_gtzan(toy_root)
    assert g.artists.shape == g.filenames.shape
    for f, a in zip(g.filenames, g.artists):
        stem = Path(f).stem
        assert a == (artists[stem] or f"unknown:{stem}")
    # a kept subset stays aligned
    sub = load_gtzan(toy_root, genres=["country"])
    assert sub.artists.tolist() == ["Faith Hill", "Patty Loveless", "unknown:country.00002"]


def test_gtzan_unknown_artists_are_their_own_groups():
    from skgenre.datasets._artists import gtzan_artist_groups

    groups = gtzan_artist_groups(["classical.00059", "classical.00061", "blues.00000"])
    assert groups.tolist() == ["unknown:classical.00059", "unknown:classical.00061",
                               "John Lee Hooker"]


def test_one_artist_spelled_two_ways_is_one_group(tmp_path):
    # Sturm's index spells metal.00095's artist "Rage Against the Machine" and the next
    # four "... The Machine": two groups would put the band on both sides of a split
    from skgenre.datasets import load_genre_folders, load_gtzan_artists
    from skgenre.datasets._artists import gtzan_artist_groups
    from skgenre.evaluation import StratifiedArtistKFold

    index = load_gtzan_artists()
    assert index["metal.00095"] != index["metal.00096"]  # the index's own names
    stems = ["metal.00095", "metal.00096", "disco.00016", "disco.00056", "blues.00000"]
    assert gtzan_artist_groups(stems).tolist() == [
        "Rage Against The Machine", "Rage Against The Machine",
        "Earth Wind and Fire", "Earth Wind and Fire", "John Lee Hooker"]
    # the same for a tracks.csv: case, accents, punctuation and "&" do not make an artist
    for name in ("rock/a.wav", "rock/b.wav", "rock/c.wav", "pop/d.wav", "pop/e.wav",
                 "pop/f.wav"):
        _tone(tmp_path / name)
    (tmp_path / "tracks.csv").write_text(
        "file,artist\n"
        "rock/a.wav,AC/DC\nrock/b.wav,ac-dc\nrock/c.wav,AC/DC\n"
        "pop/d.wav,Beyoncé\npop/e.wav,Simon & Garfunkel\npop/f.wav,simon and garfunkel\n",
        encoding="utf-8",
    )
    data = load_genre_folders(tmp_path)
    assert data.artists.tolist() == ["Beyoncé", "Simon & Garfunkel", "Simon & Garfunkel",
                                     "AC/DC", "AC/DC", "AC/DC"]
    # two spellings of one artist for one file are not a clash
    (tmp_path / "tracks.csv").write_text("file,artist\nrock/a.wav,AC/DC\nrock/a.wav,ACDC\n")
    assert load_genre_folders(tmp_path).artists[3] == "AC/DC"
    y = np.repeat(["metal", "disco", "blues"], [2, 2, 1])
    groups = gtzan_artist_groups(stems)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # few artists per genre
        folds = list(StratifiedArtistKFold(2, n_repeats=5, random_state=0).split(
            np.zeros(5), y, groups))
    assert all({0, 1} <= set(tr) or {0, 1} <= set(te) for tr, te in folds)


def test_genre_folders_tracks_csv(tmp_path):
    from skgenre.datasets import load_genre_folders

    for name in ("rock/a.wav", "rock/b.wav", "pop/c.wav", "pop/sub/d.wav"):
        _tone(tmp_path / name)
    assert load_genre_folders(tmp_path).artists is None  # no tracks.csv, not GTZAN
    (tmp_path / "tracks.csv").write_text(
        "file,genre,artist,title\n"
        "rock/a.wav,rock,X,one\n"
        "rock/b.wav,rock,,two\n"
        "pop/sub/d.wav,pop,X,four\n"
    )
    data = load_genre_folders(tmp_path)
    names = [Path(p).name for p in data.filenames]
    assert dict(zip(names, data.artists)) == {
        "c.wav": "unknown:pop/c.wav",  # no row: its own group
        "d.wav": "X",
        "a.wav": "X",
        "b.wav": "unknown:rock/b.wav",  # empty artist: its own group
    }


def test_genre_folders_one_file_through_two_paths_is_one_group(tmp_path):
    """A recording linked into the folders twice is said, and is one artist group: as two
    groups of their own its copies could be trained and tested on in one split."""
    from skgenre.datasets import load_genre_folders

    for name in ("rock/a.wav", "rock/b.wav", "pop/c.wav", "pop/d.wav"):
        _tone(tmp_path / name)
    os.link(tmp_path / "rock" / "b.wav", tmp_path / "rock" / "b copy.wav")
    os.symlink(tmp_path / "rock" / "a.wav", tmp_path / "pop" / "also a.wav")
    with pytest.warns(UserWarning, match=r"2 file\(s\) in .* are reached through more than "
                                         r"one path .*'pop/also a.wav' = 'rock/a.wav' "
                                         r"\(genres pop and rock\); 'rock/b copy.wav' = "
                                         r"'rock/b.wav'\. .*counts more than once\. Remove"):
        data = load_genre_folders(tmp_path)
    assert data.artists is None and len(data.filenames) == 6  # each path stays a song
    (tmp_path / "tracks.csv").write_text("file,artist\nrock/a.wav,X\npop/c.wav,Y\n")
    with pytest.warns(UserWarning, match="its paths are one artist group"):
        data = load_genre_folders(tmp_path)
    names = [Path(p).relative_to(tmp_path).as_posix() for p in data.filenames]
    assert dict(zip(names, data.artists)) == {
        "pop/also a.wav": "X",  # no row of its own: the artist of the file it is
        "pop/c.wav": "Y",
        "pop/d.wav": "unknown:pop/d.wav",
        "rock/a.wav": "X",
        "rock/b copy.wav": "unknown:rock/b copy.wav",  # one group for both paths
        "rock/b.wav": "unknown:rock/b copy.wav",
    }


def test_genre_folders_tracks_csv_bad_input(tmp_path):
    from skgenre import DatasetError
    from skgenre.datasets import load_genre_folders

    _tone(tmp_path / "rock" / "a.wav")
    _tone(tmp_path / "pop" / "b.wav")
    (tmp_path / "tracks.csv").write_text("file,artist\nrock/a.wav,X\nrock/gone.wav,Y\n")
    with pytest.raises(DatasetError, match=r"names 1 file\(s\) that do not exist in .*'rock/gone.wav'"):
        load_genre_folders(tmp_path)
    (tmp_path / "tracks.csv").write_text("path,performer\nrock/a.wav,X\n")
    with pytest.raises(DatasetError, match=r"lacks the column\(s\) \['file', 'artist'\]"):
        load_genre_folders(tmp_path)
    # two artists for one file: a data error, not "the last row wins"
    (tmp_path / "tracks.csv").write_text("file,artist\nrock/a.wav,X\nrock/a.wav,Y\n")
    with pytest.raises(DatasetError, match=r"more than one artist: 'rock/a.wav' \(X, Y\)"):
        load_genre_folders(tmp_path)
    # a file outside the folder
    _tone(tmp_path.parent / "elsewhere.wav")
    (tmp_path / "tracks.csv").write_text("file,artist\nrock/a.wav,X\n../elsewhere.wav,Y\n")
    with pytest.raises(DatasetError, match=r"1 file\(s\) that are outside .*'../elsewhere"):
        load_genre_folders(tmp_path)


def test_tracks_csv_comments_formats_and_repeats(tmp_path):
    from skgenre.datasets import load_genre_folders

    for name in ("indie/a.wav", "indie/b.wav", "rock/c.wav", "rock/d.wav"):
        _tone(tmp_path / name)
    _tone(tmp_path / "rock" / "d.au")  # the same song: the loader keeps d.wav
    (tmp_path / "tracks.csv").write_text(
        "# comments before the header\n"
        "artist,file\n"
        "#1 Dads,indie/a.wav\n"  # a '#' further down is a value, not a comment
        "#1 Dads,indie/b.wav\n"
        "Morphine,rock/c.wav\n"
        "Morphine,rock/c.wav\n"  # the same row twice is harmless
        "Morphine,rock/d.au\n"   # named by its other format
    )
    data = load_genre_folders(tmp_path)
    names = [Path(p).name for p in data.filenames]
    assert dict(zip(names, data.artists)) == {
        "a.wav": "#1 Dads", "b.wav": "#1 Dads", "c.wav": "Morphine", "d.wav": "Morphine"}


def test_tracks_csv_values_with_unicode_line_breaks(tmp_path):
    # U+0085 and U+2028 are characters of a value to the csv module, not line ends
    from skgenre.datasets import load_genre_folders

    for name in ("rock/a.wav", "pop/b.wav"):
        _tone(tmp_path / name)
    (tmp_path / "tracks.csv").write_text(
        "# exported\r\nfile,artist,title\r\n"
        "rock/a.wav,Morphine,\"Line one\u2028line two\"\r\n"
        "pop/b.wav,Mandy Moore,Saturate\x85Me\r\n",
        encoding="utf-8", newline="",
    )
    data = load_genre_folders(tmp_path)
    assert data.artists.tolist() == ["Mandy Moore", "Morphine"]


def test_genre_folders_order_hidden_linked_and_loose_files(tmp_path):
    from skgenre.datasets import load_genre_folders

    for name in ("rock/a.wav", "rock/b/c.wav", "rock/z.wav", "rock/.old/x.wav",
                 "jazz/j.wav", "outside/linked.wav", "loose.wav"):
        _tone(tmp_path / name)
    (tmp_path / "rock" / "._a.wav").write_bytes(b"\x00\x05\x16\x07" + bytes(60))
    (tmp_path / "jazz" / "more").symlink_to(tmp_path / "outside")
    (tmp_path / "jazz" / "more" / "loop").symlink_to(tmp_path / "jazz")
    (tmp_path / "outside").rename(tmp_path / ".outside")  # hidden: not a genre
    (tmp_path / "jazz" / "more").unlink()
    (tmp_path / "jazz" / "more").symlink_to(tmp_path / ".outside")
    data = load_genre_folders(tmp_path)
    rel = [Path(p).relative_to(tmp_path).as_posix() for p in data.filenames]
    # sorted by path (a subfolder among the files); a linked folder searched once; hidden
    # folders not searched
    assert rel == ["jazz/j.wav", "jazz/more/linked.wav", "rock/a.wav", "rock/b/c.wav",
                   "rock/z.wav"]
    reasons = {Path(p).relative_to(tmp_path).as_posix(): why for p, why in data.skipped}
    assert reasons == {"loose.wav": "not inside a genre folder",
                       "rock/._a.wav": "a hidden file"}
    assert [Path(p).name for p in load_genre_folders(tmp_path, n_per_genre=2).filenames] == [
        "j.wav", "linked.wav", "a.wav", "c.wav"]


def test_genre_folders_link_to_a_folder_above_is_not_searched(tmp_path):
    """A link in a genre folder to the data folder took the songs of every other genre
    for the linking genre's: each song of jazz was trained as rock too."""
    from skgenre.datasets import load_genre_folders

    for name in ("rock/r.wav", "jazz/j.wav"):
        _tone(tmp_path / name)
    (tmp_path / "rock" / "up").symlink_to(tmp_path)
    data = load_genre_folders(tmp_path, check="header")
    pairs = [(data.target_names[t], Path(p).relative_to(tmp_path).as_posix())
             for t, p in zip(data.target, data.filenames)]
    assert pairs == [("jazz", "jazz/j.wav"), ("rock", "rock/r.wav")]
    reasons = {Path(p).relative_to(tmp_path).as_posix(): why for p, why in data.skipped}
    assert reasons == {"rock/up": "a link to a folder above it (a loop), not searched"}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes")
def test_genre_folders_name_a_fifo_for_what_it_is(tmp_path):
    """A named pipe among the songs was skipped as 'the file is empty (0 bytes)'."""
    from skgenre.datasets import load_genre_folders

    for name in ("rock/r.wav", "jazz/j.wav"):
        _tone(tmp_path / name)
    os.mkfifo(tmp_path / "jazz" / "pipe.wav")
    data = load_genre_folders(tmp_path, check="header")
    reasons = {Path(p).name: why for p, why in data.skipped}
    assert reasons == {"pipe.wav": "it is not a regular file (a FIFO, socket or device)"}


def test_genre_folders_artists_of_gtzan_layout(toy_root):
    from skgenre.datasets import load_genre_folders

    assert_array_equal(load_genre_folders(toy_root).artists, load_gtzan(toy_root).artists)


def test_genre_folders_gtzan_clip_moved_to_its_right_genre_keeps_its_artist(tmp_path):
    # jazz.00000 and jazz.00001 are Leonard Bernstein's: a copy that moves them to
    # classical must not make them two artists, one per side of a split
    from skgenre.datasets import load_genre_folders

    for name in ("jazz/jazz.00002.wav", "jazz/jazz.00003.wav", "jazz/jazz.00004.wav",
                 "classical/jazz.00000.wav",
                 "classical/sub/jazz.00001.wav", "classical/classical.00001.wav",
                 "classical/mine.wav"):
        _tone(tmp_path / name)
    with pytest.warns(UserWarning, match=r"1 of 7 songs .* not named as GTZAN's tracks "
                                         r"\('classical/mine.wav'\)"):
        data = load_genre_folders(tmp_path)
    got = {Path(f).relative_to(tmp_path).as_posix(): a
           for f, a in zip(data.filenames, data.artists)}
    assert got == {
        "classical/classical.00001.wav": "JS Bach",
        "classical/jazz.00000.wav": "Leonard Bernstein",
        "classical/mine.wav": "unknown:classical/mine.wav",
        "classical/sub/jazz.00001.wav": "Leonard Bernstein",
        "jazz/jazz.00002.wav": "James Carter",
        "jazz/jazz.00003.wav": "James Carter",
        "jazz/jazz.00004.wav": "James Carter",
    }
    assert data.layout == "folders"  # not every song in its GTZAN place


def test_emotify_artists(tmp_path):
    from conftest import SHARED

    from skgenre.datasets import load_genre_folders

    root = SHARED / "data" / "emotify"
    if not (root / "tracks.csv").is_file():
        pytest.skip(f"Emotify not found at {root}")
    data = load_genre_folders(root)
    assert len(data.filenames) == 200 and not any(a.startswith("unknown:") for a in data.artists)
    assert data.artists[0] == "Voices of Music"
