"""Shared by the doctests in skgenre/ (the tests in tests/ have their own conftest)."""

import tempfile

import pytest


@pytest.fixture(autouse=True)
def _doctests_write_into_tmp_path(request, monkeypatch):
    # The examples make their folders with tempfile.mkdtemp(), as a reader would; under
    # pytest they go to the test's tmp_path, which pytest cleans up, instead of being left
    # in the system's temporary folder at every run.
    if type(request.node).__name__ == "DoctestItem":
        monkeypatch.setattr(tempfile, "tempdir", str(request.getfixturevalue("tmp_path")))
