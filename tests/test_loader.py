"""AudioLoader and load_audio: decoding, resampling, mixdown, formats, parallelism, passthrough."""

import pickle
import warnings
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from conftest import import_extra
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.pipeline import make_pipeline
from sklearn.utils._param_validation import InvalidParameterError

from skgenre import AudioLoadError, BrokenFilesWarning
from skgenre.io import AudioLoader, load_audio


def _tone(sr, seconds=1.0, freq=440.0, amp=0.5):
    t = np.arange(int(round(sr * seconds))) / sr
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def _peak_hz(y, sr):
    spec = np.abs(np.fft.rfft(y * np.hanning(len(y))))
    return np.fft.rfftfreq(len(y), 1 / sr)[spec.argmax()]


@pytest.fixture
def wav22k(tmp_path):
    path = tmp_path / "tone22k.wav"
    sf.write(path, _tone(22050), 22050, subtype="PCM_16")
    return path


# --- real GTZAN sample files ---------------------------------------------------------------


def test_real_wav_files_match_soundfile_exactly(gtzan_sample_files):
    wavs = [p for p in gtzan_sample_files if p.suffix == ".wav"]
    assert len(wavs) == 6
    out = AudioLoader().transform([str(p) for p in wavs])
    assert out.dtype == object and out.shape == (6,)
    for path, y in zip(wavs, out):
        ref, sr = sf.read(path, dtype="float32")
        assert sr == 22050
        assert y.dtype == np.float32 and y.ndim == 1 and y.flags.c_contiguous
        assert_array_equal(y, ref)  # already at 22050 Hz: no resampling, bit-exact
        assert 29.5 < len(y) / 22050 < 30.5


def test_real_mp3_matches_librosa(gtzan_sample_files):
    import librosa

    (mp3,) = [p for p in gtzan_sample_files if p.suffix == ".mp3"]
    y = load_audio(mp3)
    ref, _ = librosa.load(mp3, sr=22050)
    assert y.dtype == np.float32 and y.shape == ref.shape
    assert_allclose(y, ref, atol=1e-6)
    assert np.abs(y).max() > 0.01  # real music, not silence


def test_real_files_resampled_to_16k_match_librosa(gtzan_sample_files):
    import librosa

    path = gtzan_sample_files[0]
    y = load_audio(path, sr=16000, duration=5.0)
    ref, _ = librosa.load(path, sr=16000, duration=5.0)
    assert y.shape == ref.shape == (80000,)
    assert_allclose(y, ref, atol=1e-6)


def test_pathlike_and_pandas_input(gtzan_sample_files):
    import pandas as pd
    paths = gtzan_sample_files[:2]
    from_paths = AudioLoader(duration=1.0).transform(paths)
    from_series = AudioLoader(duration=1.0).transform(pd.Series([str(p) for p in paths]))
    from_array = AudioLoader(duration=1.0).transform(np.array([str(p) for p in paths]))
    for a, b, c in zip(from_paths, from_series, from_array):
        assert_array_equal(a, b)
        assert_array_equal(a, c)
        assert a.shape == (22050,)


# --- resampling, mixdown, sample formats ---------------------------------------------------


@pytest.mark.parametrize("file_sr", [8000, 48000])
def test_resampling(tmp_path, file_sr):
    import librosa

    x = _tone(file_sr, seconds=1.0, freq=440.0)
    path = tmp_path / f"tone{file_sr}.wav"
    sf.write(path, x, file_sr, subtype="FLOAT")
    y = load_audio(path, sr=22050)
    assert y.dtype == np.float32
    assert y.shape == (22050,)
    assert abs(_peak_hz(y, 22050) - 440.0) < 2.0
    ref = librosa.resample(x, orig_sr=file_sr, target_sr=22050, res_type="soxr_hq")
    assert_allclose(y, ref, atol=1e-6)
    # amplitude survives resampling (away from the edges)
    assert abs(np.abs(y[2000:-2000]).max() - 0.5) < 0.01


def test_duration_gives_one_length_whatever_the_file_rate(tmp_path):
    """``duration`` rounds at the target rate: clips of files at other rates stack.

    Rounding at the file's rate gave one sample more or less for 1292 of 3280 (rate,
    duration) pairs, and ``AudioLoader(duration=d)`` clips could not be stacked.
    """
    rng = np.random.default_rng(0)
    paths = []
    for file_sr in (8000, 11025, 32000, 44100, 48000):
        paths.append(tmp_path / f"noise{file_sr}.wav")
        sf.write(paths[-1], 0.1 * rng.standard_normal(2 * file_sr), file_sr)
    for duration in [0.1234, 1.00001, *rng.uniform(0.01, 1.9, 10)]:
        for sr in (22050, 16000):
            lengths = {len(load_audio(p, sr=sr, duration=duration)) for p in paths}
            assert lengths == {round(duration * sr)}, (duration, sr, lengths)
    clips = AudioLoader(duration=0.1234).fit_transform(paths)
    assert {len(c) for c in clips} == {2721}
    # the cut keeps what a whole read resampled holds, away from the last samples
    whole = load_audio(paths[3], sr=22050)
    assert_allclose(load_audio(paths[3], sr=22050, duration=0.5)[:-64], whole[:11025 - 64],
                    atol=1e-4)


def test_no_resampling_when_already_at_sr(wav22k):
    y = load_audio(wav22k, sr=22050)
    ref, _ = sf.read(wav22k, dtype="float32")
    assert_array_equal(y, ref)


def test_stereo_mixdown(tmp_path):
    left = _tone(22050, freq=440.0, amp=0.6)
    right = _tone(22050, freq=1000.0, amp=0.2)
    path = tmp_path / "stereo.wav"
    sf.write(path, np.stack([left, right], axis=1), 22050, subtype="FLOAT")
    y = load_audio(path)
    assert y.shape == (22050,)
    assert_allclose(y, (left + right) / 2, atol=1e-7)
    both = load_audio(path, mono=False)
    assert both.shape == (2, 22050) and both.dtype == np.float32
    assert_allclose(both, np.stack([left, right]), atol=1e-7)
    loaded = AudioLoader(mono=False).transform([path])
    assert loaded[0].shape == (2, 22050)


@pytest.mark.parametrize(
    "subtype, atol", [("PCM_16", 2**-15), ("PCM_24", 2**-23), ("PCM_32", 2**-31), ("FLOAT", 0.0)]
)
def test_wav_sample_formats(tmp_path, subtype, atol):
    x = _tone(22050, freq=330.0, amp=0.7)
    path = tmp_path / f"{subtype}.wav"
    sf.write(path, x, 22050, subtype=subtype)
    assert sf.info(path).subtype == subtype
    y = load_audio(path)
    assert y.dtype == np.float32
    assert_allclose(y, x, atol=atol + 1e-7)


@pytest.mark.parametrize(
    "ext, fmt, subtype, atol",
    [
        ("au", "AU", "PCM_16", 2**-15),
        ("flac", "FLAC", "PCM_16", 2**-15),
        ("flac", "FLAC", "PCM_24", 2**-23),
        ("ogg", "OGG", "VORBIS", 0.05),
    ],
)
def test_other_containers(tmp_path, ext, fmt, subtype, atol):
    x = _tone(22050, freq=440.0, amp=0.5)
    path = tmp_path / f"clip.{ext}"
    sf.write(path, x, 22050, format=fmt, subtype=subtype)
    y = AudioLoader().transform([path])[0]
    assert y.dtype == np.float32 and y.shape == x.shape
    assert_allclose(y, sf.read(path, dtype="float32")[0], atol=1e-7)
    assert_allclose(y, x, atol=atol + 1e-7)
    assert abs(_peak_hz(y, 22050) - 440.0) < 2.0


def test_path_with_spaces_and_non_ascii(tmp_path):
    folder = tmp_path / "my müsic ß dir"
    folder.mkdir()
    path = folder / "chanson d'été – ♪ 01.wav"
    x = _tone(22050)
    sf.write(path, x, 22050, subtype="FLOAT")
    out = AudioLoader().transform([str(path), path])
    assert_array_equal(out[0], x)
    assert_array_equal(out[1], x)


def test_non_utf8_file_name_is_decoded(tmp_path):
    """A name whose bytes are not UTF-8 reaches libsndfile as its bytes, not as a str it
    cannot encode (which it reported as corrupt FLAC data)."""
    import os

    x = _tone(22050)
    raw = os.path.join(os.fsencode(tmp_path), b"caf\xe9_\xff.flac")
    with open(raw, "wb") as f:
        sf.write(f, x, 22050, format="FLAC", subtype="PCM_24")
    name = os.fsdecode(raw)  # what a shell gives Python: lone surrogates
    assert_allclose(load_audio(name), x, atol=1e-6)
    assert_allclose(AudioLoader().transform([name, Path(name)])[1], x, atol=1e-6)
    from skgenre.inference._screen import header_duration

    assert header_duration(name) == pytest.approx(1.0)
    broken = os.path.join(os.fsencode(tmp_path), b"bad\xff\n.flac")
    with open(broken, "wb") as f:
        f.write(b"fLaC" + bytes(100))
    with pytest.raises(AudioLoadError, match=r"bad\\udcff\\n\.flac") as info:
        load_audio(os.fsdecode(broken))
    assert "\n" not in str(info.value)  # the name is shown escaped, on one line


def test_decoder_notes_stay_off_stderr(tmp_path, capfd):
    """libmpg123 writes "Illegal Audio-MPEG-Header" notes to the C stderr while probing a
    file named .mp3 that is not MP3; only skgenre's error, naming the file, remains."""
    import sys

    fake = tmp_path / "fake.mp3"
    fake.write_bytes(np.random.default_rng(0).integers(0, 256, 5000, dtype=np.uint8).tobytes())
    text = tmp_path / "notes.mp3"
    text.write_text("Lorem ipsum dolor sit amet, \u00fc \u00e9 " * 100, encoding="utf-8")
    for path in (fake, text):
        with pytest.raises(AudioLoadError, match=path.name):
            load_audio(path)
    err = capfd.readouterr().err
    assert "MPEG" not in err and "resync" not in err and err == ""
    # Python's own output meanwhile is kept
    from skgenre.io._decoder_noise import decoder_stderr_filtered

    with decoder_stderr_filtered():
        print("kept", file=sys.stderr)
        with pytest.raises(AudioLoadError):
            load_audio(fake)
    assert capfd.readouterr().err == "kept\n"


def test_other_lines_on_stderr_survive_the_decoder_filter(capfd):
    """Descriptor 2 is the whole process's: only libmpg123's own lines are dropped (a
    line "Error: ..." of another thread was dropped too)."""
    import os

    from skgenre.io._decoder_noise import decoder_stderr_filtered

    with decoder_stderr_filtered():
        os.write(2, b"Note: Trying to resync...\n")
        os.write(2, b"Error: disk almost full\n")
        os.write(2, b"Warning: Xing stream size off by more than 1%, fuzzy seeking\n")
        os.write(2, b"Warning: low battery\n")
        os.write(2, b"[src/libmpg123/parse.c:do_readahead():1083] warning: one-frame\n")
    assert capfd.readouterr().err == "Error: disk almost full\nWarning: low battery\n"


def _mp3(tmp_path, name, seconds, **kwargs):
    path = tmp_path / name
    try:
        sf.write(path, _tone(44100, seconds), 44100, format="MP3", **kwargs)
    except (sf.LibsndfileError, TypeError, ValueError) as exc:  # pragma: no cover
        pytest.skip(f"this libsndfile writes no MP3: {exc}")
    return path


def test_mp3_that_libsndfile_would_cut_short_is_an_error_not_a_short_song(tmp_path):
    """libsndfile stops where the first frame's Xing header (or, without one, its bitrate)
    says the stream ends: MP3s joined together, or a VBR file without that header, loaded
    cut short without a word."""
    from skgenre.io._mpeg import mpeg_frames

    one = _mp3(tmp_path, "one.mp3", 3.0)
    assert len(load_audio(one, sr=44100)) == sf.info(one).frames  # a whole file: read
    joined = tmp_path / "joined.mp3"
    joined.write_bytes(one.read_bytes() * 2)
    assert sf.info(joined).frames == sf.info(one).frames  # what libsndfile believes
    assert mpeg_frames(joined) == 2 * mpeg_frames(one)
    msg = r"joined.mp3.*decodes only 3.0 s of the 6.\d s of MPEG audio .*joined together"
    with pytest.raises(AudioLoadError, match=msg):
        load_audio(joined)
    with pytest.raises(AudioLoadError, match="decodes only"):
        load_audio(joined, offset=4.0)  # within the song, not "beyond the end"
    # a clip that ends before libsndfile's end is read right; the stream is not walked
    clip = load_audio(joined, sr=44100, offset=1.0, duration=1.0)
    assert_array_equal(clip, load_audio(one, sr=44100, offset=1.0, duration=1.0))
    # a VBR file whose first frame (its Xing header) is gone
    vbr = _mp3(tmp_path, "vbr.mp3", 3.0, bitrate_mode="VARIABLE").read_bytes()
    header = int.from_bytes(vbr[:4], "big")
    assert vbr.find(b"Xing", 0, 200) > 0 and header >> 21 == 0x7FF
    bitrate = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)[
        header >> 12 & 15]
    first = 144 * bitrate * 1000 // 44100 + (header >> 9 & 1)
    bare = tmp_path / "bare.mp3"
    bare.write_bytes(vbr[first:])
    if sf.info(bare).frames > sf.info(tmp_path / "vbr.mp3").frames - 4 * 1152:
        pytest.skip("this libsndfile estimates a bare VBR stream's length right")
    with pytest.raises(AudioLoadError, match="bare.mp3.*decodes only .*a VBR MP3 without"):
        load_audio(bare)



def test_chained_ogg_is_an_error_not_its_first_song(tmp_path):
    """libsndfile decodes only the first link of a chained Ogg file (Ogg files joined
    together, a recorded stream): 5 s of Vorbis loaded as 3 s without a word."""
    from skgenre.io._ogg import ogg_links

    first, second = tmp_path / "a.ogg", tmp_path / "b.ogg"
    sf.write(first, _tone(22050, 3.0), 22050, format="OGG", subtype="VORBIS")
    sf.write(second, _tone(22050, 2.0), 22050, format="OGG", subtype="VORBIS")
    joined = tmp_path / "joined.ogg"
    joined.write_bytes(first.read_bytes() + second.read_bytes())
    assert (ogg_links(first), ogg_links(joined)) == (1, 2)
    assert sf.info(joined).frames == sf.info(first).frames  # what libsndfile believes
    assert len(load_audio(first, sr=22050)) == sf.info(first).frames
    msg = r"joined.ogg.*chains 2 Ogg streams .*decodes only the first, 3.0 s"
    with pytest.raises(AudioLoadError, match=msg):
        load_audio(joined)
    # a clip within the first link is read right; the pages are not walked
    clip = load_audio(joined, sr=22050, offset=1.0, duration=1.0)
    assert_array_equal(clip, load_audio(first, sr=22050, offset=1.0, duration=1.0))
    assert ogg_links(tmp_path / "a.ogg") == 1 and ogg_links(tmp_path) is None


def test_mp3_read_from_an_offset_is_the_same_audio_as_read_whole(tmp_path):
    """After a seek libmpg123 lacks the bit reservoir of the frames before: an MP3 at a
    low bitrate (libsndfile's default, 32 kbit/s) read from an offset began with about
    2900 samples of silence where the whole file holds a tone."""
    path = _mp3(tmp_path, "tone.mp3", 6.0)
    whole = load_audio(path, sr=44100)
    for offset in (0.01, 1.0, 3.0):
        clip = load_audio(path, sr=44100, offset=offset, duration=1.0)
        start = int(round(offset * 44100))
        assert_allclose(clip, whole[start : start + 44100], atol=1e-6, err_msg=str(offset))


def test_low_bitrate_mp3_is_read_in_one_piece(tmp_path):
    """libsndfile's MP3 reader loses audio between two reads of a low-bitrate file, and a
    stereo MP3 at 32 kbit/s decodes to more than 64 float32 bytes per file byte, which
    sent it to the block-by-block reading: silence and glitches at every block."""
    path = tmp_path / "stereo.mp3"
    tone = _tone(44100, 30.0)
    try:
        sf.write(path, np.stack([tone, tone], axis=1), 44100, format="MP3")
    except (sf.LibsndfileError, TypeError, ValueError) as exc:  # pragma: no cover
        pytest.skip(f"this libsndfile writes no MP3: {exc}")
    assert sf.info(path).frames * 2 * 4 > 64 * path.stat().st_size + (1 << 20)
    whole, _ = sf.read(path, dtype="float32")  # one read: the reference
    assert_allclose(load_audio(path, sr=44100), whole.mean(axis=1), atol=1e-6)

def test_mpeg_frames_walks_tags_and_refuses_junk(tmp_path):
    from skgenre.io._mpeg import mpeg_frames

    frame = bytes([0xFF, 0xFB, 0x90, 0x00]) + bytes(413)  # MPEG-1 layer III, 128k, 44.1k
    tag = b"ID3\x03\x00\x00\x00\x00\x01\x00" + bytes(128)  # 128 bytes of ID3v2
    path = tmp_path / "a.mp3"
    path.write_bytes(tag + frame * 4 + b"TAG" + bytes(125))
    assert mpeg_frames(path) == 4 * 1152
    path.write_bytes(tag + frame * 4 + b"junk" + frame)
    assert mpeg_frames(path) is None
    path.write_bytes(b"")
    assert mpeg_frames(path) is None


def test_data_set_checks_keep_decoder_notes_off_stderr(tmp_path, capfd):
    """The decode check of a data set (``train``, ``reproduce``) hides them too."""
    from skgenre.datasets._gtzan import _undecodable_reason

    text = tmp_path / "notes.mp3"
    text.write_text("Lorem ipsum dolor sit amet, \u00fc \u00e9 " * 100, encoding="utf-8")
    assert "text" in _undecodable_reason(str(text))
    err = capfd.readouterr().err
    assert "MPEG" not in err and "resync" not in err and err == ""


def test_offset_and_duration(wav22k):
    full = load_audio(wav22k)
    part = load_audio(wav22k, offset=0.25, duration=0.5)
    assert_array_equal(part, full[5512 : 5512 + 11025])
    # a duration past the end returns what is there
    assert_array_equal(load_audio(wav22k, offset=0.5, duration=10.0), full[11025:])
    out = AudioLoader(offset=0.25, duration=0.5).transform([wav22k])
    assert_array_equal(out[0], part)
    # a duration shorter than one sample keeps one (the file was called empty, an array
    # came out empty)
    assert_array_equal(load_audio(wav22k, duration=1e-5), full[:1])
    assert_array_equal(AudioLoader(duration=1e-9).transform([wav22k])[0], full[:1])
    assert_array_equal(AudioLoader(duration=1e-9).transform([full])[0], full[:1])


# --- parallel decoding -----------------------------------------------------------------------


def _write_many(tmp_path, n=6):
    rng = np.random.default_rng(0)
    paths = []
    for i in range(n):
        sr = [22050, 44100, 16000][i % 3]
        x = (rng.standard_normal(int(0.3 * sr) + 17 * i) * 0.1).astype(np.float32)
        paths.append(tmp_path / f"clip{i}.wav")
        sf.write(paths[-1], x, sr, subtype="FLOAT")
    return paths


def test_n_jobs_equals_sequential(tmp_path):
    paths = _write_many(tmp_path)
    seq = AudioLoader(n_jobs=1).transform(paths)
    par = AudioLoader(n_jobs=2).transform(paths)
    assert len(seq) == len(par) == len(paths)
    for a, b in zip(seq, par):
        assert_array_equal(a, b)


def test_threading_and_dask_backends(tmp_path):
    from joblib import parallel_config

    paths = _write_many(tmp_path, n=4)
    ref = AudioLoader().transform(paths)
    with parallel_config("threading", n_jobs=2):
        threaded = AudioLoader().transform(paths)
    for a, b in zip(ref, threaded):
        assert_array_equal(a, b)

    distributed = import_extra("distributed", "dask")
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=2):
        with parallel_config("dask"):
            dasked = AudioLoader(n_jobs=2).transform(paths)
            with pytest.raises(AudioLoadError, match="missing.wav"):
                AudioLoader(n_jobs=2).transform(paths + [tmp_path / "missing.wav"])
    for a, b in zip(ref, dasked):
        assert_array_equal(a, b)


def test_error_from_worker_process_names_file(tmp_path):
    paths = _write_many(tmp_path, n=4)
    bad = tmp_path / "bad.wav"
    bad.write_text("not audio")
    from joblib import parallel_config

    # worker processes (loky): results and errors cross a pickle boundary
    with parallel_config("loky", n_jobs=2):
        with pytest.raises(AudioLoadError, match="bad.wav.*text") as info:
            AudioLoader().transform(paths[:2] + [bad] + paths[2:])
    assert info.value.path == str(bad)
    assert "1 other" not in str(info.value)  # only the one broken file is blamed


def test_error_pickles():
    err = AudioLoadError("a b.wav", "the file is empty")
    back = pickle.loads(pickle.dumps(err))
    assert (back.path, back.reason, str(back)) == (err.path, err.reason, str(err))


def test_several_broken_files_are_all_named(tmp_path):
    good = _write_many(tmp_path, n=2)
    bad1, bad2 = tmp_path / "empty.wav", tmp_path / "gone.wav"
    bad1.write_bytes(b"")
    with pytest.raises(AudioLoadError) as info:
        AudioLoader().transform([good[0], bad1, good[1], bad2])
    assert info.value.path == str(bad1)
    assert "empty" in str(info.value)
    assert "gone.wav" in str(info.value) and "1 other file" in str(info.value)


def test_on_error_warn_keeps_rows_aligned(tmp_path):
    good = _write_many(tmp_path, n=2)
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"RIFF\x00\x01")
    with pytest.warns(BrokenFilesWarning, match="broken.wav.*truncated"):
        out = AudioLoader(on_error="warn").transform([good[0], bad, good[1]])
    assert out.shape == (3,)
    assert out[1].shape == (0,) and out[1].dtype == np.float32
    assert_array_equal(out[0], load_audio(good[0]))
    assert_array_equal(out[2], load_audio(good[1]))


def test_broken_files_warning_points_at_the_callers_line(tmp_path):
    # it pointed into skgenre's own output wrapper (utils/_mixins.py); lazy files warn
    # from a generator, whoever iterates it
    good = _write_many(tmp_path, n=2)
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"RIFF\x00\x01")
    with pytest.warns(BrokenFilesWarning) as record:
        AudioLoader(on_error="warn").transform([good[0], bad])
    assert record[0].filename == __file__
    files = AudioLoader(on_error="warn", lazy=True).transform([good[0], bad])
    with pytest.warns(BrokenFilesWarning) as record:
        files.decode()
    assert record[0].filename == __file__


def test_audio_that_overflows_when_mixed_or_resampled_is_refused(tmp_path):
    # the finiteness check ran before the downmix and the resampling: a float file near
    # float32's limit came back as inf or NaN, which load_audio promises never to return
    huge = tmp_path / "huge.wav"
    sf.write(huge, np.full((100, 2), 3e38, np.float32), 22050, subtype="FLOAT")
    for kwargs in ({}, {"sr": 16000, "mono": False}):
        with pytest.raises(AudioLoadError, match="huge.wav.*too large to mix to mono or "
                                                 r"resample \(up to 3e\+38"):
            load_audio(huge, **kwargs)
    assert np.isfinite(load_audio(huge, mono=False)).all()  # nothing to mix or resample


def test_a_wav_whose_header_declares_no_frames_says_so(tmp_path):
    path = tmp_path / "unfinished.wav"
    sf.write(path, _tone(22050, 3.0), 22050, subtype="PCM_16")
    data = bytearray(path.read_bytes())
    at = data.find(b"data")
    data[at + 4 : at + 8] = bytes(4)  # a recorder that never wrote the data size
    path.write_bytes(bytes(data))
    with pytest.raises(AudioLoadError, match="header declares no audio frames, though the "
                                             "file has 132344 bytes"):
        load_audio(path)


def test_lazy_files_at_another_rate_are_refused(tmp_path):
    from skgenre import MusicnnEmbedding, RandomClip

    files = AudioLoader(sr=16000, lazy=True).transform(_write_many(tmp_path, n=2))
    msg = r"RandomClip\(sr=22050\) got the files of a lazy AudioLoader\(sr=16000\)"
    with pytest.raises(ValueError, match=msg):
        RandomClip(duration=0.1).fit_transform(files)
    clip = RandomClip(duration=0.1, sr=22050).fit(np.zeros((2, 5000), np.float32))
    with pytest.raises(ValueError, match=msg):
        clip.transform(files)
    with pytest.raises(ValueError, match=r"MusicnnEmbedding\(sr=22050\) got the files"):
        MusicnnEmbedding(sr=22050).fit(files)
    assert RandomClip(duration=0.1, sr=16000).fit_transform(files).shape == (2, 1600)


# --- estimator API ---------------------------------------------------------------------------


def test_output_container_shapes_and_dtypes(tmp_path):
    paths = _write_many(tmp_path, n=3)
    out = AudioLoader(sr=8000).fit_transform(paths)
    assert isinstance(out, np.ndarray) and out.dtype == object and out.shape == (3,)
    assert all(w.dtype == np.float32 and w.ndim == 1 for w in out)
    lengths = [len(w) for w in out]
    expected = [int(np.ceil(sf.info(p).frames * 8000 / sf.info(p).samplerate)) for p in paths]
    assert lengths == expected


def test_fit_reads_no_file_and_is_stateless(tmp_path):
    loader = AudioLoader()
    assert loader.fit([tmp_path / "does-not-exist.wav"]) is loader
    assert not hasattr(loader, "n_features_in_")
    # transform works without fit
    path = tmp_path / "x.wav"
    sf.write(path, _tone(22050), 22050)
    assert AudioLoader().transform([path])[0].shape == (22050,)


def test_numeric_passthrough():
    rng = np.random.default_rng(0)
    X2d = rng.standard_normal((3, 50))
    loader = AudioLoader().fit(X2d)
    assert loader.n_features_in_ == 50
    out = loader.transform(X2d)
    assert out.dtype == np.float32 and out.shape == (3, 50)
    assert_allclose(out, X2d.astype(np.float32))
    with pytest.raises(ValueError, match="50 features"):
        loader.transform(X2d[:, :10])
    # refitting on paths forgets the width
    loader.fit(["a.wav"])
    assert not hasattr(loader, "n_features_in_")

    ragged = np.empty(2, dtype=object)
    ragged[0], ragged[1] = rng.standard_normal(10), rng.standard_normal(7)
    out = AudioLoader().fit_transform(ragged)
    assert out.dtype == object and [w.shape for w in out] == [(10,), (7,)]
    assert all(w.dtype == np.float32 for w in out)
    same = AudioLoader().transform([rng.standard_normal(5), rng.standard_normal(5)])
    assert same.dtype == object and same.shape == (2,)
    # offset/duration cut arrays as they cut files (in samples at sr)
    cut = AudioLoader(sr=10, offset=0.2, duration=0.3).transform(ragged)
    assert_array_equal(cut[0], ragged[0][2:5].astype(np.float32))
    with pytest.raises(ValueError, match="beyond its end"):
        AudioLoader(sr=10, offset=0.8).transform(ragged)


def test_numeric_passthrough_rejects_bad_waveforms():
    bad = np.zeros((2, 5))
    bad[1, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        AudioLoader().transform(bad)
    with pytest.raises(ValueError, match="1-D"):
        AudioLoader().transform([np.zeros(3), np.zeros((2, 2))])
    with pytest.raises(ValueError, match="Reshape your data"):
        AudioLoader().transform(np.zeros(5))


def test_input_structure_errors(tmp_path):
    with pytest.raises(ValueError, match="wrap it in a list"):
        AudioLoader().transform(str(tmp_path / "x.wav"))
    with pytest.raises(ValueError, match="mixes file paths"):
        AudioLoader().transform(["a.wav", np.zeros(3)])


@pytest.mark.parametrize(
    "params",
    [{"sr": 0}, {"sr": 22050.5}, {"offset": -1.0}, {"duration": 0}, {"on_error": "ignore"},
     {"mono": "yes"}, {"n_jobs": 1.5}],
)
def test_invalid_parameters(params, wav22k):
    with pytest.raises(InvalidParameterError):
        AudioLoader(**params).fit([wav22k])
    # stateless: transform validates too
    with pytest.raises(InvalidParameterError):
        AudioLoader(**params).transform([wav22k])


def test_load_audio_validates_parameters(wav22k):
    with pytest.raises(InvalidParameterError):
        load_audio(wav22k, sr=-5)
    with pytest.raises(InvalidParameterError):
        load_audio(123)


def test_tags_and_clone():
    tags = AudioLoader().__sklearn_tags__()
    assert tags.input_tags.string and tags.input_tags.two_d_array
    assert not tags.requires_fit
    assert tags.transformer_tags.preserves_dtype == ["float32"]
    loader = AudioLoader(sr=8000, duration=2.0)
    assert clone(loader).get_params() == loader.get_params()


def test_in_a_pipeline(tmp_path):
    from sklearn.preprocessing import FunctionTransformer

    paths = _write_many(tmp_path, n=3)
    rms = FunctionTransformer(lambda W: np.array([[np.sqrt(np.mean(w**2))] for w in W]))
    pipe = make_pipeline(AudioLoader(sr=8000), rms)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        feats = pipe.fit_transform(paths)
    assert feats.shape == (3, 1)
    # white noise of RMS 0.1; resampling to 8 kHz removes the power above 4 kHz
    assert np.all((feats > 0.03) & (feats < 0.11))


def test_mp3_written_elsewhere_is_decoded(tmp_path):
    # soundfile >= 0.12 writes MP3 through libsndfile's LAME support when it has it
    if "MP3" not in sf.available_formats():
        pytest.skip("this libsndfile has no MP3 support")
    x = _tone(22050, seconds=2.0, freq=440.0)
    path = Path(tmp_path) / "tone.mp3"
    try:
        sf.write(path, x, 22050, format="MP3", subtype="MPEG_LAYER_III")
    except Exception as exc:  # pragma: no cover - libsndfile built without an encoder
        pytest.skip(f"cannot write MP3 here: {exc}")
    y = load_audio(path)
    assert y.dtype == np.float32
    assert abs(len(y) - len(x)) < 0.1 * 22050
    assert abs(_peak_hz(y, 22050) - 440.0) < 3.0


def test_one_column_of_paths_as_in_column_transformer(tmp_path):
    import pandas as pd
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import FunctionTransformer

    paths = _write_many(tmp_path, n=3)
    df = pd.DataFrame({"path": [str(p) for p in paths], "other": [1, 2, 3]})
    loaded = AudioLoader().fit(df[["path"]]).transform(df[["path"]])
    assert loaded.dtype == object and loaded.shape == (3,)
    for p, w in zip(paths, loaded):
        assert_array_equal(w, load_audio(p))
    length = FunctionTransformer(lambda W: np.array([[len(w)] for w in W]))
    ct = ColumnTransformer([("audio", make_pipeline(AudioLoader(), length), ["path"])])
    out = ct.fit_transform(df)
    assert out.ravel().tolist() == [len(w) for w in loaded]


def test_loader_feature_names():
    import pandas as pd

    # files and 1-D waveforms: one column, the waveform of each row
    assert AudioLoader().get_feature_names_out().tolist() == ["waveform"]
    ragged = [np.zeros(5, np.float32), np.zeros(7, np.float32)]
    assert AudioLoader().fit(ragged).get_feature_names_out(["path"]).tolist() == ["waveform"]
    # 2-D numeric input: a column per kept sample
    X = np.zeros((2, 8), dtype=np.float32)
    loader = AudioLoader(sr=4, offset=0.5, duration=1.0).fit(X)
    names = loader.get_feature_names_out()
    assert names.tolist() == ["x2", "x3", "x4", "x5"]
    assert len(names) == loader.transform(X).shape[1]
    df = pd.DataFrame(X, columns=[f"s{i}" for i in range(8)])
    assert AudioLoader(sr=4, duration=0.5).fit(df).get_feature_names_out().tolist() == [
        "s0", "s1"]
    with pytest.raises(ValueError, match="input_features"):
        loader.get_feature_names_out(["a", "b"])
    # a later fit on waveforms forgets the width
    assert loader.fit(ragged).get_feature_names_out().tolist() == ["waveform"]


def test_utils_does_not_import_io(assert_not_imported):
    """No import circle: io builds on utils, and utils never imports io back."""
    assert_not_imported(
        "import skgenre.utils\n"
        "from skgenre.utils import check_waveforms, is_ragged\n"
        "import numpy as np\n"
        "assert is_ragged([np.zeros(3), np.ones(5)])\n"
        "check_waveforms([np.zeros(3)])",
        ["skgenre.io", "skgenre.io._loader"],
    )
