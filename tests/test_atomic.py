"""Atomic writes and up-front output checks (skgenre.utils._atomic)."""

import errno
import os
import stat

import pytest

from skgenre import OutputError
from skgenre.utils import atomic_write, check_output_dir, check_writable, replace_directory
from skgenre.utils import _atomic

ROOT_USER = hasattr(os, "geteuid") and os.geteuid() == 0


def _bad_paths(tmp_path):
    a_file = tmp_path / "a_file.txt"
    a_file.write_text("x")
    return [
        ("", "path is empty"),
        (tmp_path, "is a directory"),
        (a_file / "model.skgenre", "is a file, not a folder"),
        (a_file / "deeper" / "model.skgenre", "is a file, not a folder"),
        (tmp_path / "missing" / "model.skgenre", "does not exist"),
        ("/dev/full", "character device"),
        ("/proc/model.skgenre", "not writable"),  # read-only even for root
        # pathlib drops the separator: a file named "models" was written
        (f"{tmp_path / 'models'}{os.sep}", "ends with '/', which names a folder"),
        (f"{a_file}{os.sep}", "ends with '/'"),  # and a_file was replaced
    ]


def test_check_writable_refuses_each_bad_path(tmp_path):
    for path, reason in _bad_paths(tmp_path):
        with pytest.raises(OutputError, match=reason) as info:
            check_writable(path)
        assert isinstance(info.value, OSError)
    assert check_writable(tmp_path / "fine.skgenre").name == "fine.skgenre"
    assert check_writable(os.fsencode(tmp_path / "bytes.skgenre")).name == "bytes.skgenre"
    (tmp_path / "old.skgenre").write_text("old")  # an existing file may be replaced
    check_writable(tmp_path / "old.skgenre")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file.txt", "old.skgenre"]


def test_check_writable_refuses_a_write_protected_file(tmp_path):
    # the atomic rename needs only the folder's permission: a model made read-only to keep
    # it was replaced by `skgenre train` and `adapt` without a word (predict refused it);
    # as root (os.access says yes to any file) it still was, until the mode bits counted
    kept = tmp_path / "kept.skgenre"
    kept.write_text("old")
    kept.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    with pytest.raises(OutputError, match="kept.skgenre.*it is write-protected; make it "
                                          r"writable \(chmod u\+w\)"):
        check_writable(kept)
    assert kept.read_text() == "old"


@pytest.mark.skipif(ROOT_USER, reason="root writes into read-only folders")
def test_check_writable_read_only_folder(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        with pytest.raises(OutputError, match="not writable"):
            check_writable(ro / "model.skgenre")
        with pytest.raises(OutputError, match="not writable"):
            check_output_dir(ro / "results")
    finally:
        ro.chmod(stat.S_IRWXU)


def test_folder_that_refuses_new_files(tmp_path, monkeypatch):
    """What a read-only folder does to a non-root user, also when the tests run as root."""

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(_atomic.tempfile, "mkstemp", refuse)
    with pytest.raises(OutputError, match="is not writable \\(Permission denied\\)"):
        check_writable(tmp_path / "model.skgenre")
    with pytest.raises(OutputError, match="is not writable"):
        check_output_dir(tmp_path / "results")


def test_atomic_write_failure_keeps_old_file(tmp_path):
    path = tmp_path / "results.csv"
    path.write_text("old")
    for exc in (RuntimeError("boom"), KeyboardInterrupt()):
        with pytest.raises(type(exc)):
            with atomic_write(path, "w") as f:
                f.write("new, but not finished")
                raise exc
        assert path.read_text() == "old"
    assert os.listdir(tmp_path) == ["results.csv"]


def test_atomic_write_passes_the_callers_own_oserror_through(tmp_path):
    """An input that cannot be read inside the block is not the output's failure: it
    was reported as "writing failed" for the output file."""
    path = tmp_path / "out.csv"
    path.write_text("old")
    with pytest.raises(FileNotFoundError) as info:
        with atomic_write(path, "w") as f:
            f.write((tmp_path / "missing-input.txt").read_text())
    assert not isinstance(info.value, OutputError) and "missing-input" in str(info.value)
    with pytest.raises(TypeError):  # str to a binary file: the caller's bug, as raised
        with atomic_write(path) as f:
            f.write("text")
    # a full disk while the block writes is still the output's
    with pytest.raises(OutputError, match="out.csv.*No space left on device.*unchanged"):
        with atomic_write(path, "w"):
            raise OSError(errno.ENOSPC, "No space left on device")
    assert path.read_text() == "old" and sorted(os.listdir(tmp_path)) == ["out.csv"]


def test_atomic_write_oserror_becomes_output_error(tmp_path, monkeypatch):
    path = tmp_path / "m.bin"
    path.write_bytes(b"old")

    def no_space(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_atomic.os, "fsync", no_space)
    with pytest.raises(OutputError, match="No space left on device.*unchanged"):
        with atomic_write(path) as f:
            f.write(b"new")
    monkeypatch.undo()
    assert path.read_bytes() == b"old" and os.listdir(tmp_path) == ["m.bin"]


def test_names_up_to_the_file_system_limit_are_written(tmp_path):
    # 253 characters: open() writes it, and the temporary names beside it once went past
    # 255 bytes ("File name too long")
    path = tmp_path / ("m" * 245 + ".skgenre")
    with atomic_write(path) as f:
        f.write(b"model")
    assert path.read_bytes() == b"model"
    out = tmp_path / ("r" * 250)
    for run in ("run 1", "run 2"):  # the second swaps an old folder out
        with replace_directory(out, overwrite=True) as staging:
            (staging / "results.csv").write_text(run)
    assert (out / "results.csv").read_text() == "run 2"
    assert sorted(os.listdir(tmp_path)) == sorted([path.name, out.name])


def test_atomic_write_keeps_mode_and_follows_symlinks(tmp_path):
    target = tmp_path / "real.csv"
    target.write_text("old")
    target.chmod(0o640)
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    with atomic_write(link, "w") as f:
        f.write("new")
    assert link.is_symlink() and target.read_text() == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    fresh = tmp_path / "fresh.csv"
    with atomic_write(fresh, "w") as f:
        f.write("x")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o666 & ~umask


def test_check_output_dir(tmp_path):
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    with pytest.raises(OutputError, match="it is a file, not a folder"):
        check_output_dir(a_file)
    with pytest.raises(OutputError, match="is a file, not a folder"):
        check_output_dir(a_file / "results")
    with pytest.raises(OutputError, match="not writable"):
        check_output_dir("/proc/skgenre-results")
    with pytest.raises(OutputError, match="character device"):
        check_output_dir("/dev/full")
    assert check_output_dir(tmp_path / "new" / "deeper").name == "deeper"
    old = tmp_path / "old"
    old.mkdir()
    (old / "results.csv").write_text("old")
    with pytest.raises(OutputError, match="already holds results.*--overwrite"):
        check_output_dir(old)
    check_output_dir(old, overwrite=True)
    (old / "thesis.tex").write_text("do not delete")
    with pytest.raises(OutputError, match="not results of this command.*thesis.tex"):
        check_output_dir(old, overwrite=True, replaceable=lambda n: n.startswith("results"))


@pytest.mark.parametrize("exchange", [True, False])
def test_replace_directory_swaps_whole_folders(tmp_path, monkeypatch, exchange):
    if not exchange:  # the two-rename fallback of platforms without renameat2
        monkeypatch.setattr(_atomic, "_exchange", lambda a, b: False)
    out = tmp_path / "results"
    with replace_directory(out) as d:
        (d / "results.csv").write_text("run 1")
        (d / "confusion_cnn.png").write_bytes(b"png 1")
    assert sorted(os.listdir(out)) == ["confusion_cnn.png", "results.csv"]
    with pytest.raises(OutputError, match="already holds results"):
        with replace_directory(out) as d:
            pass
    with replace_directory(out, overwrite=True) as d:
        (d / "results.csv").write_text("run 2")
    # nothing of run 1 is left: the folder was replaced whole, not file by file
    assert os.listdir(out) == ["results.csv"] and (out / "results.csv").read_text() == "run 2"
    assert sorted(os.listdir(tmp_path)) == ["results"]  # no staging or old folder left


def test_interrupted_run_leaves_old_results_unmixed(tmp_path):
    out = tmp_path / "results"
    out.mkdir()
    (out / "results.csv").write_text("old")
    (out / "results.json").write_text("old")
    with pytest.raises(KeyboardInterrupt):
        with replace_directory(out, overwrite=True) as d:
            (d / "results.csv").write_text("new")
            raise KeyboardInterrupt  # before results.json of the new run was written
    assert {p.name: p.read_text() for p in out.iterdir()} == {
        "results.csv": "old", "results.json": "old",
    }
    assert sorted(os.listdir(tmp_path)) == ["results"]


def test_empty_existing_folder_is_used(tmp_path):
    out = tmp_path / "empty"
    out.mkdir()
    with replace_directory(out) as d:
        (d / "results.csv").write_text("x")
    assert os.listdir(out) == ["results.csv"]


def test_replace_directory_through_a_symlink(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    (real / "results.csv").write_text("old")
    link = tmp_path / "link"
    link.symlink_to(real)
    with replace_directory(link, overwrite=True) as d:
        (d / "results.csv").write_text("new")
    assert link.is_symlink() and (real / "results.csv").read_text() == "new"
    assert sorted(os.listdir(tmp_path)) == ["link", "real"]


def test_ctrl_c_during_the_write_probe_leaves_no_probe(tmp_path, monkeypatch):
    """A SIGINT that arrives between the probe's creation and its removal is held until the
    probe is gone (found by the save-loop SIGINT test, which once left a probe behind)."""
    import signal

    real_close, calls = os.close, []

    def close_with_ctrl_c(fd):
        if not calls:
            calls.append(fd)
            signal.raise_signal(signal.SIGINT)  # the user presses Ctrl-C right here
        real_close(fd)

    # Ctrl-C is KeyboardInterrupt only under Python's own handler: a run started with
    # SIGINT ignored (nohup, a background job of a shell without job control) has none
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    monkeypatch.setattr(os, "close", close_with_ctrl_c)
    try:
        with pytest.raises(KeyboardInterrupt):
            check_writable(tmp_path / "m.skgenre")
    finally:
        monkeypatch.undo()
        signal.signal(signal.SIGINT, previous)
    assert calls and os.listdir(tmp_path) == []


def test_a_file_path_ending_with_a_separator_is_refused(tmp_path):
    # pathlib drops the '/', and "model.skgenre/" was written as the file model.skgenre
    kept = tmp_path / "model.skgenre"
    kept.write_text("old")
    for target in (f"{kept}/", f"{tmp_path}/new.skgenre/"):
        with pytest.raises(OutputError, match=r"ends with '/', which names a folder"):
            check_writable(target)
        with pytest.raises(OutputError, match=r"ends with '/'"):
            with atomic_write(target, "w") as f:
                f.write("new")
    assert kept.read_text() == "old" and not (tmp_path / "new.skgenre").exists()
