"""The documentation site builds with warnings treated as errors, and stays honest.

``mkdocs build --strict`` fails on broken links, pages missing from the nav, and API
reference entries (``::: skgenre...``) whose objects cannot be found.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _mkdocs_available():
    try:
        import mkdocs  # noqa: F401
        import mkdocstrings  # noqa: F401
        import material  # noqa: F401
    except ImportError:
        return False
    return True


def test_mkdocs_build_strict(tmp_path):
    if not _mkdocs_available():
        pytest.skip("mkdocs, mkdocs-material or mkdocstrings is not installed (extra 'docs')")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["NO_MKDOCS_2_WARNING"] = "1"
    site = tmp_path / "site"
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{proc.stdout}\n{proc.stderr}"
    # The API reference was really generated from the docstrings.
    api = (site / "api" / "preprocessing" / "index.html").read_text(encoding="utf-8")
    assert "PixelDropoutNoise" in api and "random_state" in api
    assert (site / "table1" / "index.html").is_file()


def _nav_pages():
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    return re.findall(r":\s*([\w/.-]+\.md)\s*$", text, flags=re.MULTILINE)


def test_every_page_is_in_the_nav():
    pages = sorted(str(p.relative_to(DOCS)).replace(os.sep, "/") for p in DOCS.rglob("*.md"))
    nav = _nav_pages()
    assert sorted(set(nav)) == pages, (
        f"not in nav: {sorted(set(pages) - set(nav))}; missing files: {sorted(set(nav) - set(pages))}"
    )


def test_table1_paper_numbers_and_unmeasured_cells_marked():
    """Table 1 page: the paper's numbers are quoted exactly; nothing unmeasured posing as data."""
    text = (DOCS / "table1.md").read_text(encoding="utf-8")
    for row in (
        "| Feature-based Dense | paper | 0.334 | 0.209 | 0.146 | 0.100 |",
        "| Spectrogram Dense | paper | 0.205 | 0.146 | 0.100 | 0.100 |",
        "| CNN | paper | 0.322 | 0.105 | NA | NA |",
    ):
        assert row in text
    # every skgenre row either has four numbers or says it is still to be measured
    for line in text.splitlines():
        if line.startswith("| | skgenre"):
            cells = [c.strip() for c in line.strip("|").split("|")][2:]
            assert len(cells) == 4, line
            for cell in cells:
                assert re.fullmatch(r"0?\.\d{3}|1\.000|\*to be measured\*", cell), line
    assert "on which data" in text.lower() or "data of the skgenre rows" in text.lower()


@pytest.mark.parametrize(
    "page, needle",
    [
        ("guide/persistence.md", "Loading a pickle runs code"),
        ("guide/scaling.md", 'joblib.parallel_config(backend="dask")'),
        ("guide/scaling.md", "register_ray()"),
        ("guide/cli.md", "skgenre reproduce"),
        ("guide/cli.md", "skgenre train"),
        ("guide/cli.md", "skgenre predict"),
    ],
)
def test_required_topics_are_covered(page, needle):
    assert needle in (DOCS / page).read_text(encoding="utf-8")


def test_cli_page_matches_the_parser():
    """Every option of the real ``skgenre`` parser is on the CLI page, and no other."""
    from skgenre.cli import build_parser

    parser = build_parser()
    options = set()
    for action in parser._subparsers._group_actions[0].choices.values():
        for a in action._actions:
            options.update(o for o in a.option_strings if o.startswith("--") and o != "--help")
    text = (DOCS / "guide" / "cli.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`(--[a-z][a-z0-9-]*)", text))
    assert options - documented == set(), f"undocumented options: {options - documented}"
    assert documented - options == set(), f"documented but not in the parser: {documented - options}"


def test_api_reference_names_exist():
    """Every ``::: dotted.name`` in the API pages resolves to a real object."""
    import importlib

    missing = []
    for page in (DOCS / "api").glob("*.md"):
        for name in re.findall(r"^::: ([\w.]+)", page.read_text(encoding="utf-8"), re.M):
            module, _, attr = name.rpartition(".")
            try:
                obj = getattr(importlib.import_module(module), attr)
            except (ImportError, AttributeError) as exc:
                missing.append(f"{page.name}: {name} ({exc})")
                continue
            assert obj.__doc__, f"{name} has no docstring"
    assert not missing, missing



def _resolve(dotted):
    import importlib

    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for attr in parts[i:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(dotted)


def test_names_used_in_the_docs_exist():
    """Imports in code samples and `skgenre.x.y` references on every page resolve."""
    missing = []
    for page in sorted(DOCS.rglob("*.md")):
        if page.name == "architecture.md":
            continue
        text = page.read_text(encoding="utf-8")
        for module, names in re.findall(r"^\s*from (skgenre[\w.]*) import ([^\n#]+)", text, re.M):
            for name in re.split(r"[,\s()]+", names):
                if name:
                    try:
                        _resolve(f"{module}.{name}")
                    except (ImportError, AttributeError) as exc:
                        missing.append(f"{page.name}: from {module} import {name} ({exc!r})")
        for dotted in re.findall(r"`(skgenre(?:\.\w+)+)", text):
            try:
                _resolve(dotted)
            except (ImportError, AttributeError) as exc:
                missing.append(f"{page.name}: {dotted} ({exc!r})")
    assert not missing, "\n".join(missing)
