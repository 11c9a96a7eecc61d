"""The musicnn port: exact against the original implementation, weights, transformer, pipeline.

``tests/data/musicnn_reference.npz`` holds outputs of the ORIGINAL musicnn code, written by
``benchmarks/musicnn_reference/make_fixture.py`` in a throw-away environment (see there).
"""

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from skgenre import WeightsMismatchError, WeightsNotFoundError
from skgenre.embeddings import (
    MSD_TAGS,
    MusicnnEmbedding,
    load_musicnn_weights,
    musicnn_logmel,
    musicnn_patches,
    musicnn_tags,
    musicnn_weights_dir,
)

FIXTURE = Path(__file__).parent / "data" / "musicnn_reference.npz"
MODELS = ("MSD_musicnn", "MTT_musicnn")
# "matches to 1e-4": every output within 1e-4, relative to its size where that exceeds 1
# (the back end's max-pool values reach about 94, where float32 steps are 8e-6).
TOL = dict(rtol=1e-4, atol=1e-4)

pytestmark = pytest.mark.usefixtures("musicnn_weights")


@pytest.fixture(scope="module")
def ref():
    return dict(np.load(FIXTURE))


def _check_outputs(out, ref, model):
    np.testing.assert_allclose(out["pool"][:, :753], ref[f"{model}/max_pool"], **TOL)
    np.testing.assert_allclose(out["pool"][:, 753:], ref[f"{model}/mean_pool"], **TOL)
    np.testing.assert_allclose(out["penultimate"], ref[f"{model}/penultimate"], **TOL)
    np.testing.assert_allclose(out["taggram"], ref[f"{model}/taggram"], **TOL)


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("prune", [True, False])
def test_numpy_engine_matches_reference(ref, model, prune):
    from skgenre.embeddings._engine import MusicnnEngine

    engine = MusicnnEngine(load_musicnn_weights(model), prune=prune)
    _check_outputs(engine(ref["patches"]), ref, model)


@pytest.mark.parametrize("model", MODELS)
def test_keras_model_matches_reference(ref, model):
    from skgenre.embeddings import musicnn_network

    net = musicnn_network(model)
    pool, penultimate, taggram = (np.asarray(o) for o in net.predict_on_batch(ref["patches"]))
    _check_outputs({"pool": pool, "penultimate": penultimate, "taggram": taggram}, ref, model)



def test_keras_network_changed_by_one_caller_is_not_the_next_ones():
    """musicnn_network returned one cached model: fine-tuning it changed the "pretrained"
    network that every later call returned."""
    from skgenre.embeddings import musicnn_network

    tuned = musicnn_network()
    tags_bias = tuned.get_layer("tags").weights[1]
    pretrained = np.asarray(tags_bias).copy()
    tags_bias.assign(np.zeros_like(pretrained))  # what fine-tuning does to it
    again = musicnn_network()
    assert again is not tuned
    np.testing.assert_array_equal(np.asarray(again.get_layer("tags").weights[1]), pretrained)

def test_pruning_changes_nothing_on_real_music(ref):
    from skgenre.embeddings._engine import MusicnnEngine

    w = load_musicnn_weights("MSD_musicnn")
    full, pruned = MusicnnEngine(w, prune=False), MusicnnEngine(w, prune=True)
    a, b = full(ref["patches"]), pruned(ref["patches"])
    for key in a:
        np.testing.assert_allclose(b[key], a[key], rtol=1e-5, atol=1e-5)


def test_fixture_input_is_float32_log_of_real_music(ref):
    assert ref["patches"].dtype == np.float32 and ref["patches"].shape == (4, 187, 96)
    # the reason the fixture is not made with musicnn's own float16 preprocessing
    assert int(ref["float16_inf/blues/blues.00000.wav"]) > 0


def test_end_to_end_on_real_files(ref, gtzan_dir):
    """skgenre's preprocessing + network on the files = the original network on their log-mel."""
    import soundfile as sf

    for rel in ("blues/blues.00000.wav", "blues/blues.00001.wav", "classical/classical.00000.wav"):
        y, sr = sf.read(gtzan_dir / "sample" / rel, dtype="float32")
        for model in MODELS:
            emb = MusicnnEmbedding(model, layer="taggram", sr=sr).fit([y])
            (taggram,) = emb.transform_patches([y])
            np.testing.assert_allclose(taggram, ref[f"{model}/file_taggram/{rel}"], **TOL)


def test_blues_samples_are_tagged_blues(gtzan_sample_files):
    from skgenre.io import load_audio

    blues = [p for p in gtzan_sample_files if p.parent.name == "blues"]
    assert len(blues) == 4  # three wav and one mp3
    waves = [load_audio(p, sr=16000) for p in blues]
    proba = MusicnnEmbedding(layer="taggram", sr=16000).fit(waves).transform(waves)
    tags = np.asarray(MSD_TAGS)
    for p, row in zip(blues, proba):
        top = tags[np.argsort(-row)[:2]]
        assert "blues" in top, (p.name, top)


# -- weights ---------------------------------------------------------------------------


def test_missing_weights_name_the_install_command(monkeypatch, tmp_path):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "musicnn" else real(name, *a)
    )
    with pytest.raises(WeightsNotFoundError, match=r"pip install --no-deps musicnn==0\.1\.0"):
        musicnn_weights_dir("MSD_musicnn")
    with pytest.raises(WeightsNotFoundError, match="not installed"):
        MusicnnEmbedding().fit(np.zeros((2, 100)))
    with pytest.raises(FileNotFoundError, match="no checkpoint files"):
        load_musicnn_weights("MTT_musicnn", tmp_path)



def test_incomplete_checkpoint_names_the_missing_file(tmp_path):
    """A model folder holding .index but not the data file was reported as holding "no
    checkpoint files" at all."""
    folder = tmp_path / "MSD_musicnn"
    folder.mkdir()
    (folder / ".index").write_bytes(b"x")
    with pytest.raises(
        WeightsNotFoundError, match=r"MSD_musicnn' holds \.index but not \.data-00000-of-00001"
    ):
        load_musicnn_weights("MSD_musicnn", tmp_path)

def test_corrupt_checkpoint_fails_its_checksum(tmp_path):
    folder = tmp_path / "MSD_musicnn"
    shutil.copytree(musicnn_weights_dir("MSD_musicnn"), folder)
    data = folder / ".data-00000-of-00001"
    raw = bytearray(data.read_bytes())
    raw[1000] ^= 0xFF
    data.write_bytes(bytes(raw))
    with pytest.raises(WeightsMismatchError, match="SHA-256"):
        load_musicnn_weights("MSD_musicnn", tmp_path)
    # unchecked, the one changed byte is read as it is
    w = load_musicnn_weights("MSD_musicnn", folder, verify=False)
    assert len(w) == 64


def test_checkpoint_reader_matches_tensorflow():
    import tensorflow as tf

    for model in MODELS:
        folder = musicnn_weights_dir(model)
        ours = load_musicnn_weights(model)
        reader = tf.compat.v1.train.NewCheckpointReader(str(folder) + "/")
        theirs = {
            n for n in reader.get_variable_to_shape_map()
            if not n.endswith(("/Adam", "/Adam_1")) and n not in ("beta1_power", "beta2_power")
        }
        assert set(ours) == theirs
        for name in theirs:
            np.testing.assert_array_equal(ours[name], reader.get_tensor(name))


@pytest.mark.parametrize("backend", ["numpy", "keras"])
def test_weight_mismatches_are_listed(backend):
    from skgenre.embeddings import build_musicnn
    from skgenre.embeddings._engine import MusicnnEngine
    from skgenre.embeddings._network import load_weights_into

    def load(weights):
        if backend == "numpy":
            MusicnnEngine(weights)
        else:
            load_weights_into(build_musicnn(187), weights)

    good = load_musicnn_weights("MSD_musicnn")
    w = dict(good)
    del w["conv2d_3/kernel"]
    with pytest.raises(WeightsMismatchError, match=r"missing variable\(s\) \['conv2d_3/kernel'\]"):
        load(w)
    w = dict(good, **{"conv2d_99/kernel": np.zeros(3, np.float32)})
    with pytest.raises(WeightsMismatchError, match=r"unexpected variable\(s\) \['conv2d_99/kernel'\]"):
        load(w)
    w = dict(good, **{"dense/kernel": good["dense/kernel"][:-1]})
    with pytest.raises(WeightsMismatchError, match=r"dense/kernel has shape \(1505, 200\), expected \(1506, 200\)"):
        load(w)
    load(good)


# -- the transformer ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def waves():
    rng = np.random.default_rng(0)
    t = np.arange(16000 * 8) / 16000
    tone = (0.3 * np.sin(2 * np.pi * 220 * t) * (1 + np.sin(2 * np.pi * 2 * t))).astype(np.float32)
    return [tone, rng.normal(0, 0.1, 16000 * 4).astype(np.float32), tone[:8000]]


@pytest.mark.parametrize(
    "layer, stats, width, first",
    [
        ("penultimate", "mean", 200, "penultimate_0_mean"),
        ("pool", ("mean", "max"), 3012, "pool_max_0_mean"),
        ("taggram", ["std"], 50, "tag_rock_std"),
    ],
)
def test_shapes_and_feature_names(waves, layer, stats, width, first):
    emb = MusicnnEmbedding(layer=layer, stats=stats, sr=16000).fit(waves)
    X = emb.transform(waves)
    assert X.shape == (3, width) and X.dtype == np.float32
    names = emb.get_feature_names_out()
    assert len(names) == width == emb.n_features_out_ and names[0] == first
    assert len(set(names)) == width


def test_stats_pool_the_patches(waves):
    emb = MusicnnEmbedding(layer="taggram", stats=("mean", "std", "max", "min"), sr=16000)
    X = emb.fit(waves).transform(waves)
    patches = emb.transform_patches(waves)
    assert [len(p) for p in patches] == [2, 1, 1]  # 8 s -> 2 patches; 4 s -> 1; 0.5 s padded
    for row, p in zip(X, patches):
        expected = np.r_[p.mean(0), p.std(0), p.max(0), p.min(0)]
        np.testing.assert_allclose(row, expected, rtol=1e-6, atol=1e-7)
        assert np.all((p >= 0) & (p <= 1))


def test_logmel_and_patches():
    y = np.zeros(16000 * 7, np.float32)
    m = musicnn_logmel(y)
    assert m.shape == (1 + len(y) // 256, 96) and np.all(m == 0)
    assert musicnn_patches(m).shape == (2, 187, 96)
    short = np.arange(10 * 96, dtype=np.float32).reshape(10, 96)
    p = musicnn_patches(short)
    assert p.shape == (1, 187, 96)
    np.testing.assert_array_equal(p[0, 10:20], short)  # repeated, not zero-padded



def test_logmel_refuses_several_channels():
    """A stereo waveform gave a 3-D "spectrogram" (one per channel, or one per sample of
    an (n, 2) array) instead of an error."""
    stereo = np.zeros((2, 22050), np.float32)
    with pytest.raises(ValueError, match=r"1-D mono audio .*shape \(2, 22050\)"):
        musicnn_logmel(stereo, sr=22050)
    with pytest.raises(ValueError, match=r"shape \(22050, 2\)"):
        musicnn_logmel(stereo.T, sr=22050)


def test_logmel_scales_int16_pcm_as_the_transformer_does():
    """int16 samples were taken as numbers up to 32767: a log-mel far louder than the same
    audio as float, while MusicnnEmbedding scales them."""
    pcm = (np.random.default_rng(0).normal(0, 0.1, 16000) * 32767).astype(np.int16)
    np.testing.assert_array_equal(
        musicnn_logmel(pcm, sr=16000), musicnn_logmel(pcm / np.float32(32768), sr=16000)
    )


def test_input_shorter_than_a_window_is_embedded_without_librosa_warnings():
    """An input shorter than one 512-sample window, which the docs say is repeated to
    fill a patch, made librosa warn "n_fft=512 is too large for input signal"."""
    import warnings

    emb = MusicnnEmbedding(sr=16000).fit([np.zeros(100, np.float32)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = emb.transform([np.full(100, 0.1, np.float32), np.zeros(1, np.float32)])
        assert musicnn_logmel(np.zeros(511, np.float32)).shape == (2, 96)
    assert out.shape == (2, 200) and np.isfinite(out).all()

def test_resampling_inside(waves):
    import librosa

    y22 = librosa.resample(waves[0], orig_sr=16000, target_sr=22050, res_type="soxr_hq")
    a = MusicnnEmbedding(sr=22050).fit([y22]).transform([y22])
    b = MusicnnEmbedding(sr=16000).fit(waves[:1]).transform(waves[:1])
    assert np.corrcoef(a[0], b[0])[0, 1] > 0.99


def test_long_track_runs_in_bounded_batches(monkeypatch):
    """A 2-minute track passes through the network batch_size patches at a time."""
    from skgenre.embeddings import _musicnn

    rng = np.random.default_rng(1)
    long = rng.normal(0, 0.1, 16000 * 120).astype(np.float32)  # 40 patches
    emb = MusicnnEmbedding(sr=16000, batch_size=64).fit([long])
    whole = emb.transform([long])
    real = _musicnn._engine
    sizes = []

    def counting(*args):
        engine = real(*args)

        def call(patches):
            sizes.append(len(patches))
            return engine(patches)

        return call

    monkeypatch.setattr(_musicnn, "_engine", counting)
    chunked = emb.set_params(batch_size=7).transform([long])
    assert sizes == [7] * 5 + [5]
    np.testing.assert_allclose(chunked, whole, rtol=1e-5, atol=1e-5)


def test_batches_are_shared_across_inputs_and_n_jobs_agrees(waves):
    one = MusicnnEmbedding(sr=16000, batch_size=3).fit(waves)
    a = one.transform(waves)
    b = one.set_params(n_jobs=2).transform(waves)
    c = np.vstack([one.set_params(n_jobs=None).transform([w]) for w in waves])
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(a, c, rtol=1e-5, atol=1e-5)


def test_bad_parameters_and_input(waves):
    with pytest.raises(ValueError, match="stats"):
        MusicnnEmbedding(stats=("mean", "median")).fit(waves)
    with pytest.raises(ValueError, match="layer"):
        MusicnnEmbedding(layer="cnn9").fit(waves)
    with pytest.raises(ValueError, match="model"):
        MusicnnEmbedding(model="MSD_vgg").fit(waves)
    with pytest.raises(ValueError, match="NaN"):
        MusicnnEmbedding().fit([np.array([0.0, np.nan])])
    import pandas as pd

    emb = MusicnnEmbedding(sr=16000).fit(pd.DataFrame(np.zeros((2, 3)), columns=list("abc")))
    with pytest.raises(ValueError, match="feature names"):
        emb.transform(pd.DataFrame(np.zeros((2, 3)), columns=list("xyz")))


def test_transform_takes_any_length_after_fit(waves):
    """Inputs of any length, in any order: a batch of equal-length waveforms (one list
    item, or a 2-D array) is not checked against the length seen in fit."""
    rng = np.random.default_rng(2)
    a4 = rng.normal(0, 0.1, 16000 * 4).astype(np.float32)
    b5 = rng.normal(0, 0.1, 16000 * 5).astype(np.float32)
    emb = MusicnnEmbedding(sr=16000).fit([a4])
    one = emb.transform([b5])
    assert one.shape == (1, 200)
    twice = emb.transform(np.vstack([b5, b5]))  # 2-D, another width than fit's
    np.testing.assert_allclose(twice, np.vstack([one, one]), rtol=1e-5, atol=1e-6)
    fitted_2d = MusicnnEmbedding(sr=16000).fit(np.zeros((2, 100), np.float32) + 0.1)
    assert fitted_2d.n_features_in_ == 100
    np.testing.assert_allclose(fitted_2d.transform([b5]), one, rtol=1e-5, atol=1e-6)
    mixed = emb.transform([b5, a4, waves[2]])  # ragged, in another order
    np.testing.assert_allclose(mixed[0], one[0], rtol=1e-5, atol=1e-6)


def test_tags():
    assert len(musicnn_tags("MSD_musicnn")) == len(set(musicnn_tags("MTT_musicnn"))) == 50
    with pytest.raises(ValueError, match="unknown musicnn model"):
        musicnn_tags("XYZ")


def test_transform_does_not_import_tensorflow(assert_not_imported):
    code = (
        "import numpy as np; from skgenre import MusicnnEmbedding;"
        "w = [np.zeros(20000, np.float32), np.ones(40000, np.float32) * 0.1];"
        "MusicnnEmbedding(sr=16000).fit(w).transform(w)"
    )
    assert_not_imported(code, ("tensorflow", "keras"))


# -- pipeline and command line -------------------------------------------------------------


@pytest.fixture(scope="module")
def mini_split(gtzan_dir):
    mini = gtzan_dir / "mini"
    if not mini.is_dir():
        pytest.skip("the GTZAN mini set is absent")
    genres = ("blues", "classical", "metal", "reggae")
    train, test = [], []
    for g in genres:
        files = sorted((mini / g).glob("*"))
        train += files[:4]
        test += files[4:6]
    y_train = np.array([p.parent.name for p in train])
    y_test = np.array([p.parent.name for p in test])
    return [str(p) for p in train], y_train, [str(p) for p in test], y_test


def test_embedding_pipeline_on_real_tracks(mini_split):
    from skgenre import make_embedding_pipeline
    from skgenre.inference import predict_songs

    X_train, y_train, X_test, y_test = mini_split
    pipe = make_embedding_pipeline(duration=9.0, random_state=0).fit(X_train, y_train)
    assert np.mean(pipe.predict(X_test) == y_test) >= 0.75  # chance: 0.25
    # whole tracks (the default): the clip step passes them through
    whole = make_embedding_pipeline(random_state=0)
    assert whole.named_steps["clip"] == "passthrough"
    names = whole.fit(X_train, y_train)[:-1].get_feature_names_out()  # from the paths on
    assert names.tolist() == whole.named_steps["embed"].get_feature_names_out().tolist()
    # its noise step: an identity at rate 0, STFT bins of each clip dropped above
    from skgenre.evaluation import noise_robustness

    res = noise_robustness(pipe, X_test, y_test, rates=[0.0, 0.75], random_state=0)
    assert res["mean_score"].iloc[0] == pipe.score(X_test, y_test)
    clean = pipe[:-2].transform(X_test)
    noisy = pipe.set_params(noise__rate=0.75)[:-2].transform(X_test)
    assert np.abs(noisy - clean).mean() > 0.1 * np.abs(clean).mean()
    pipe.set_params(noise__rate=0.0)
    res = predict_songs(pipe.set_params(clip="passthrough"), X_test[:2], top_k=2)
    # a 30-s track is judged whole, in ten 3-s patches (it said 1 for every song)
    assert list(res["n_clips"]) == [10, 10] and res["error"].isna().all()
    assert set(res["top1_genre"]) <= set(y_train)


def test_cli_tag(capsys, gtzan_sample_files, tmp_path):
    from skgenre.cli import main

    blues = [str(p) for p in gtzan_sample_files if p.name.startswith("blues.0000")][:1]
    broken = tmp_path / "broken.wav"
    broken.write_text("not audio")
    code = main(["tag", *blues, str(broken), "--json", "--top-k", "3"])
    out, err = capsys.readouterr()
    assert code == 1
    entries = [json.loads(line) for line in out.splitlines()]  # JSON Lines
    assert [e["ok"] for e in entries] == [True, False]
    assert entries[0]["top"][0]["tag"] == "blues" and len(entries[0]["top"]) == 3
    assert entries[0]["n_patches"] == 10 and len(entries[0]["probabilities"]) == 50
    assert "broken.wav" in entries[1]["error"] and "broken.wav" in err

    code = main(["tag", *blues, "--taxonomy", "mtt"])
    out, err = capsys.readouterr()
    assert code == 0 and "MTT_musicnn" in out and " 1. " in out and err == ""


def _noise_file(path, seconds, sr=16000, seed=0, amp=0.3, subtype="PCM_16"):
    import soundfile as sf

    x = amp * np.random.default_rng(seed).uniform(-1, 1, int(seconds * sr))
    with open(path, "wb") as f:  # bytes names too
        sf.write(f, x.astype(np.float32), sr, subtype=subtype, format=Path(os.fsdecode(path)).suffix[1:].upper())
    return os.fsdecode(path)


def test_cli_tag_streams_inputs_of_any_length(capsys, monkeypatch, tmp_path):
    """17 files: the first of 1 s, the others of 1.5 s (a later chunk of equal lengths was
    checked against the first file's length, and every result was lost). Each row is
    printed before the next file is read."""
    import skgenre.io
    from skgenre.cli import main

    files = [_noise_file(tmp_path / f"s{i:02d}.wav", 1.0 if i == 0 else 1.5, seed=i)
             for i in range(17)]
    real = skgenre.io.load_audio
    printed_before = []

    def spy(path, **kwargs):
        printed_before.append(capsys.readouterr().out)
        return real(path, **kwargs)

    monkeypatch.setattr(skgenre.io, "load_audio", spy)
    code = main(["tag", "--top-k", "1", *files])
    out = "".join(printed_before) + capsys.readouterr().out
    assert code == 0
    assert [line.split("  (")[0] for line in out.splitlines() if "patch(es)" in line] == files
    assert files[0] in printed_before[1] and files[15] in printed_before[16]
    code = main(["tag", "--top-k", "1", "--json", *files[:3], "--jobs", "2"])
    lines = capsys.readouterr().out.splitlines()
    assert code == 0 and [json.loads(x)["file"] for x in lines] == files[:3]  # JSON Lines


def test_cli_tag_screens_escapes_and_keeps_every_result(capsys, tmp_path):
    from skgenre.cli import main

    good = _noise_file(tmp_path / "good.wav", 4.0)
    silence = _noise_file(tmp_path / "silence.wav", 4.0, amp=0.0)
    blip = _noise_file(tmp_path / "blip.wav", 0.1)
    loud = _noise_file(tmp_path / "loud.wav", 4.0, amp=44.0, subtype="FLOAT")
    evil = _noise_file(tmp_path / "evil\n\x1b[31mred.wav", 4.0)
    latin1 = _noise_file(os.path.join(os.fsencode(tmp_path), b"caf\xe9_\xff.flac"), 4.0)
    text = tmp_path / "notes.mp3"
    text.write_bytes(np.random.default_rng(0).integers(0, 256, 5000, dtype=np.uint8).tobytes())
    files = [good, silence, blip, loud, evil, latin1, str(text)]
    # The content screen calls these 4-s noise files what they are...
    code = main(["tag", "--top-k", "1", good])
    out, _ = capsys.readouterr()
    assert code == 1 and "good.wav\n  FAILED: " in out and "noise" in out
    # ...and --no-screen judges them, while silence, a blip and unreadable files stay refused.
    code = main(["tag", "--no-screen", "--top-k", "1", *files])
    out, err = capsys.readouterr()
    assert code == 1 and "3 of 7 file(s) could not be read or judged" in err
    assert "\x1b" not in out and "\x1b" not in err and "MPEG" not in err
    rows = out.split("\n   1. ")
    assert "good.wav  (4.0 s, 1 patch(es)" in out
    assert "silence.wav\n  FAILED: " in out and "digital silence" in out
    assert "blip.wav\n  FAILED: " in out and "too short to tell a genre" in out
    loud_part = out.split("loud.wav")[1].split("evil")[0]
    assert "note: samples exceed full scale" in loud_part or "FAILED" in loud_part
    assert "evil\\n\\x1b[31mred.wav  (4.0 s, 1 patch(es)" in out
    assert "caf\\xe9_\\xff.flac  (4.0 s, 1 patch(es)" in out
    assert "notes.mp3\n  FAILED: " in out and len(rows) == 5
    code = main(["tag", "--no-screen", "--json", *files])
    out, err = capsys.readouterr()
    entries = [json.loads(line) for line in out.splitlines()]
    ok = [e["ok"] for e in entries]
    assert code == 1 and ok[:3] + ok[4:] == [True, False, False, True, True, False]
    assert entries[4]["file"] == evil and entries[5]["file"] == latin1 and "\x1b" not in out


def test_cli_tag_max_duration(capsys, monkeypatch, tmp_path):
    """Only the first --max-duration seconds are decoded and judged, with a note; a limit
    too short to judge anything is a usage error that names the option."""
    import skgenre.io
    from skgenre.cli import main

    long = _noise_file(tmp_path / "long.wav", 20.0, sr=8000)
    asked = []
    real = skgenre.io.load_audio

    def spy(path, **kwargs):
        asked.append(kwargs.get("duration"))
        return real(path, **kwargs)

    monkeypatch.setattr(skgenre.io, "load_audio", spy)
    code = main(["tag", long, "--max-duration", "4", "--no-screen"])  # noise as the song
    out, _ = capsys.readouterr()
    assert code == 0 and asked == [4.0]  # decoding stops at the limit
    assert "long.wav  (4.0 s, 1 patch(es)" in out
    assert "note: only the first 4 s of 20 s were judged (max_duration=4)" in out
    code = main(["tag", long, "--max-duration", "0.001"])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and "argument --max-duration: 0.001 s is shorter" in err
    assert "too short" not in err.split("argument --max-duration")[0]


def test_cli_tag_without_weights(capsys, monkeypatch, gtzan_sample_files):
    import importlib.util

    from skgenre.cli import main

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "musicnn" else real(name, *a)
    )
    code = main(["tag", str(gtzan_sample_files[0])])
    _, err = capsys.readouterr()
    assert code == 2 and "pip install --no-deps musicnn==0.1.0" in err


def test_cli_train_embedding_then_predict(capsys, gtzan_dir, tmp_path):
    from skgenre.cli import main

    mini = gtzan_dir / "mini"
    if not mini.is_dir():
        pytest.skip("the GTZAN mini set is absent")
    model = tmp_path / "emb.joblib"
    code = main(["train", "--model", "embedding", "--data", str(mini), "--n-per-class", "2",
                 "--out", str(model), "--quiet", "--epochs", "3"])
    out, err = capsys.readouterr()
    assert code == 0 and "on 20 songs" in out and model.is_file()
    # the option is dropped, and the run says so (even --quiet)
    assert "warning: --epochs set the networks that skgenre trains; the embedding model " \
           "trains none" in err and "ignores it" in err, err
    song = sorted((mini / "metal").glob("*"))[5]
    code = main(["predict", str(model), str(song), "--json", "--top-k", "2"])
    out, _ = capsys.readouterr()
    (entry,) = json.loads(out)
    # the whole 30-s song in ten 3-s patches (n_clips said 1)
    assert code == 0 and entry["ok"] and entry["n_clips"] == 10
    assert abs(sum(entry["probabilities"].values()) - 1) < 1e-6


@pytest.mark.parametrize("sr", [16000, 22050, 44100, 11025])
def test_n_patches_counts_the_patches_cut(sr):
    """``_n_patches`` (n_clips of a song judged whole) equals the patches actually cut."""
    from skgenre.embeddings import MusicnnEmbedding, musicnn_logmel, musicnn_patches

    rng = np.random.default_rng(sr)
    lengths = [1, 100] + list(rng.integers(1, 20 * sr, 10))
    for k in (1, 2, 5):  # around the ends of whole patches, where a rounding would show
        edge = (k * 187 - 1) * 256 * sr / 16000
        lengths += [max(1, int(edge) + d) for d in (-3, -1, 0, 1, 3)]
    emb = MusicnnEmbedding(sr=sr)
    for n in map(int, lengths):
        wave = 0.1 * rng.standard_normal(n).astype(np.float32)
        assert emb._n_patches(n) == len(musicnn_patches(musicnn_logmel(wave, sr))), n
