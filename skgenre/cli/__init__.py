"""The ``skgenre`` command line (``skgenre reproduce | train | predict``)."""

from ._main import build_parser, main

__all__ = ["build_parser", "main"]
