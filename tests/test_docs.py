"""The documentation site builds with warnings treated as errors, and stays honest.

``mkdocs build --strict`` fails on broken links, pages missing from the nav, and API
reference entries (``::: skgenre...``) whose objects cannot be found.
"""

import html
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import import_extra

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The site, built once for this module with ``mkdocs build --strict``."""
    for module in ("mkdocs", "mkdocstrings", "material"):
        import_extra(module, "docs")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["NO_MKDOCS_2_WARNING"] = "1"
    site = tmp_path_factory.mktemp("docs") / "site"
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{proc.stdout}\n{proc.stderr}"
    return site


def _html_pages(site):
    return sorted(site.rglob("*.html"))


def _text(html_source):
    """The visible text of an HTML page (tags removed, entities decoded)."""
    no_tags = re.sub(r"<(script|style)\b.*?</\1>", " ", html_source, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", no_tags))


def test_mkdocs_build_strict(site):
    # The API reference was really generated from the docstrings.
    api = (site / "api" / "preprocessing.html").read_text(encoding="utf-8")
    assert "PixelDropoutNoise" in api and "random_state" in api
    assert (site / "table1.html").is_file()
    # offline plugin: the search index is inlined, so search works from disk (file://)
    assert (site / "search" / "search_index.js").is_file()
    # site_url set: the sitemap lists the pages
    assert "<loc>https://skgenre.readthedocs.io/" in (site / "sitemap.xml").read_text()


def test_no_raw_restructuredtext_in_the_site(site):
    """Docstrings render as written: no RST directive or role, no type parsed as Python."""
    patterns = {
        "RST directive": re.compile(r"^\s*\.\. [a-z]+::", re.M),
        "Sphinx role": re.compile(r":(?:py:)?(?:class|func|meth|mod|attr|exc|obj|data):`"),
        "numpydoc type parsed as Python": re.compile(r"\b\w+ - like\b"),
    }
    found = []
    for page in _html_pages(site):
        text = _text(page.read_text(encoding="utf-8"))
        for what, pattern in patterns.items():
            for match in pattern.finditer(text):
                found.append(f"{page.relative_to(site)}: {what}: {match.group(0)!r}")
    assert not found, "\n".join(found)


def test_numpydoc_rendered_as_written(site):
    models = _text((site / "api" / "models.html").read_text(encoding="utf-8"))
    assert '{"feature_dense", "spec_dense", "cnn"} or callable' in models
    datasets = (site / "api" / "datasets.html").read_text(encoding="utf-8")
    assert 'class="admonition warning"' in datasets  # make_toy_genres' ``.. warning::``
    persistence = (site / "api" / "persistence.html").read_text(encoding="utf-8")
    assert "str, bytes or path-like" in _text(persistence)
    evaluation = _text((site / "api" / "evaluation.html").read_text(encoding="utf-8"))
    assert re.search(r"train, valid, test \(\s*ndarray of int\s*\)", evaluation)
    inference = _text((site / "api" / "inference.html").read_text(encoding="utf-8"))
    assert re.search(r'\{"report", "raise"\},\s+default:\s+"report"', inference)
    # See Also entries and Sphinx roles are links to the objects' public anchors
    track = (site / "api" / "models.html").read_text(encoding="utf-8")
    assert re.search(r'<a [^>]*href="preprocessing.html#skgenre.preprocessing.consecutive_clips"', track)
    assert re.search(r'<a [^>]*href="preprocessing.html#skgenre.RandomClip"', track)


def _private(dotted):
    return any(p.startswith("_") and not p.startswith("__") for p in dotted.split("."))


def test_anchors_and_links_use_public_paths(site):
    private = []
    for page in _html_pages(site):
        source = page.read_text(encoding="utf-8")
        for attr in re.findall(r'\b(?:id|href|title)="([^"]*skgenre[^"]*)"', source):
            for dotted in re.findall(r"skgenre(?:\.\w+)+", attr):
                if _private(dotted):
                    private.append(f"{page.relative_to(site)}: {attr}")
        if "from skgenre._" in _text(source):
            private.append(f"{page.relative_to(site)}: an example imports a private module")
    assert not private, "\n".join(sorted(set(private)))


# Measured in Chromium at a 1280 px wide window: a code block of the text column holds
# 80 characters of the code font before it scrolls (85 at 1024 px, where the table of
# contents folds away).
CODE_COLUMNS = 80
# Hand-written pages whose code blocks must fit; the API pages are generated from the
# docstrings, and the architecture page's module tree is a developers' reference.
_WIDTH_EXEMPT = {"architecture.md"}


def _code_block_lines(text):
    """``(line number, line)`` of every line inside a fenced code block, fence indent removed.

    Blocks of captured program output (class ``cli-output``) are left out: their lines are
    what the program printed, and ``docs/assets/css/extra.css`` wraps them on screen.
    """
    fence = None
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.lstrip(" ")
        if fence is None:
            if stripped.startswith(("```", "~~~")):
                fence = (len(line) - len(stripped), stripped[:3], "cli-output" in stripped)
            continue
        if stripped.startswith(fence[1]):
            fence = None
            continue
        if not fence[2]:
            yield number, line[fence[0]:] if line[: fence[0]].strip() == "" else line


def test_code_blocks_fit_the_text_column():
    pages = [
        p for p in sorted(DOCS.rglob("*.md"))
        if "api" not in p.relative_to(DOCS).parts and p.name not in _WIDTH_EXEMPT
    ]
    assert DOCS / "quickstart.md" in pages and DOCS / "guide" / "overview.md" in pages
    wide = [
        f"{page.relative_to(DOCS)}:{number}: {len(line)} characters"
        for page in pages
        for number, line in _code_block_lines(page.read_text(encoding="utf-8"))
        if len(line) > CODE_COLUMNS
    ]
    assert not wide, "\n".join(wide)


def test_code_block_width_check_sees_wide_lines():
    text = (
        "x\n```python\n" + "a" * 81 + "\n```\n" + "b" * 100
        + "\n- item\n\n    ```\n    ok\n    ```\n"
        + "```{ .text .cli-output }\n" + "c" * 120 + "\n```\n"
    )
    lines = list(_code_block_lines(text))
    assert lines == [(3, "a" * 81), (9, "ok")]


def test_program_output_wraps_instead_of_scrolling(site):
    css = (DOCS / "assets" / "css" / "extra.css").read_text(encoding="utf-8")
    assert re.search(r"\.cli-output code \{[^}]*white-space: pre-wrap", css)
    cli = (site / "guide" / "cli.html").read_text(encoding="utf-8")
    assert 'class="cli-output highlight"' in cli
    assert "assets/css/extra.css" in cli


_IMAGE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)\)")
IMG = DOCS / "img"


def test_pictures_are_present_small_used_and_reproducible(site):
    referenced = {}
    for page in sorted(DOCS.rglob("*.md")):
        for target in _IMAGE.findall(page.read_text(encoding="utf-8")):
            path = (page.parent / target).resolve()
            assert path.is_file(), f"{page.relative_to(DOCS)}: missing picture {target}"
            referenced.setdefault(path, []).append(page)
            built = site / path.relative_to(DOCS)
            assert built.is_file(), f"{target} is not in the built site"
    pictures = sorted(IMG.glob("*"))
    assert len(pictures) >= 3
    for picture in pictures:
        assert picture.resolve() in referenced, f"{picture.name} is not shown on any page"
        assert picture.suffix == ".png" and picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert picture.stat().st_size < 200_000, f"{picture.name}: {picture.stat().st_size} bytes"
        # drawn by a committed example script, whose command is on the examples page
        makers = [p for p in (ROOT / "examples").glob("*.py") if picture.name in p.read_text()]
        assert makers, f"no script in examples/ writes {picture.name}"
        command = f"python examples/{makers[0].name} --out docs/img"
        assert command in (DOCS / "examples.md").read_text(encoding="utf-8"), command


def _extension():
    import_extra("griffe", "docs")
    spec = importlib.util.spec_from_file_location(
        "numpydoc_as_written", DOCS / "_ext" / "numpydoc_as_written.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    "header, kind, expected",
    [
        (
            'model : {"feature_dense", "spec_dense", "cnn"} or callable, default="feature_dense"',
            "parameters",
            ("model", '{"feature_dense", "spec_dense", "cnn"} or callable', '"feature_dense"'),
        ),
        ("X : array-like of shape (n_samples,)", "parameters", ("X", "array-like of shape (n_samples,)", None)),
        ("path : str or path-like, optional", "parameters", ("path", "str or path-like", None)),
        ("n_jobs : int or None, default None", "parameters", ("n_jobs", "int or None", "None")),
        ("train, valid, test : ndarray of int", "returns", ("train, valid, test", "ndarray of int", None)),
        ("pathlib.Path", "returns", ("", "pathlib.Path", None)),
    ],
)
def test_extension_reads_numpydoc_headers_as_written(header, kind, expected):
    assert _extension()._split_header(header, kind) == expected


def test_extension_turns_rst_admonitions_into_markdown():
    rewriter = _extension()._Rewriter(api=None, obj=None)
    lines = [
        "Summary.",
        "",
        ".. warning::",
        "   Loading unpickles the file.",
        "   Only load files you trust.",
        "Next paragraph.",
        "    .. note:: Indented, one line.",
    ]
    assert rewriter.directives(lines) == [
        "Summary.",
        "",
        "!!! warning",
        "    Loading unpickles the file.",
        "    Only load files you trust.",
        "",
        "Next paragraph.",
        "    !!! note",
        "        Indented, one line.",
    ]


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
    # every skgenre row either has four numbers (a noisy cell may carry its ± std) or says
    # it is still to be measured
    number = r"(?:0?\.\d{3}|1\.000)"
    for line in text.splitlines():
        if line.startswith("| | skgenre"):
            cells = [c.strip() for c in line.strip("|").split("|")][2:]
            assert len(cells) == 4, line
            for cell in cells:
                assert re.fullmatch(rf"{number}(?: ± {number})?|\*to be measured\*", cell), line
    assert "on which data" in text.lower() or "data of the skgenre rows" in text.lower()


def test_table1_leads_with_real_audio():
    """Real audio first, with its data named; the other measurements follow, labelled."""
    text = (DOCS / "table1.md").read_text(encoding="utf-8")
    headings = re.findall(r"^#{2,3} .+$", text, re.M)
    assert headings[0] == "## Measured on real audio (GTZAN mini, 100 tracks)"
    real = text.index(headings[0])
    for label in ("synthetic toy set", "GTZAN feature table"):
        later = [h for h in headings if label in h]
        assert later and text.index(later[0]) > real, label
    assert "24 paper features" in text and "spectral flatness and spectral contrast" in text
    # the feature-table rows report mean ± std over folds, every one of them
    table = text[text.index("| model | columns | random 5-fold"):]
    rows = [r for r in table.split("\n\n")[0].splitlines()[2:]]
    assert rows and all(re.search(r"\| \d\.\d{3} ± \d\.\d{3}", r) for r in rows), rows


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


def test_cli_page_names_the_reproduce_options_that_train_lacks():
    """``train`` takes the options of ``reproduce`` but those the page names; it named
    two of the four, so ``train --split artist`` was a usage error the page did not
    foretell."""
    from skgenre.cli import build_parser

    commands = build_parser()._subparsers._group_actions[0].choices

    def options(name):
        return {o for a in commands[name]._actions for o in a.option_strings
                if o.startswith("--")}

    text = (DOCS / "guide" / "cli.md").read_text(encoding="utf-8")
    said = re.search(r"the other options\s+are those of `reproduce` \(without ([^;]+);", text)
    assert said, "the train section no longer says which reproduce options it lacks"
    named = set(re.findall(r"`(--[a-z][a-z0-9-]*)", said.group(1)))
    assert named == options("reproduce") - options("train")
    assert options("train") - options("reproduce") == {"--model", "--unknown"}


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


def test_extension_lists_nested_numpydoc_items():
    description = (
        "Dictionary-like object with attributes:\n\n"
        "filenames : ndarray of shape (n_clips,) of str\n"
        "    Paths of the clips,\n"
        "    sorted.\n"
        "DESCR : str\n"
        "    Description."
    )
    assert _extension()._nested_items(description).split("\n") == [
        "Dictionary-like object with attributes:",
        "",
        "- `filenames` (`ndarray of shape (n_clips,) of str`): Paths of the clips, sorted.",
        "- `DESCR` (`str`): Description.",
    ]


def test_extension_shows_public_imports_in_examples():
    class Api:
        class pkg:
            name = "skgenre"

        @staticmethod
        def canonical(path):
            return {"skgenre._persist.save_model": "skgenre._persist.save_model",
                    "skgenre._persist.load_model": "skgenre._persist.load_model"}.get(path)

        @staticmethod
        def public_path(canonical):
            return canonical.replace("._persist", "")

    rewriter = _extension()._Rewriter(api=Api, obj=None)
    lines = [">>> from skgenre._persist import save_model, load_model", ">>> x = 1"]
    assert rewriter.example_imports(lines) == [
        ">>> from skgenre import save_model, load_model",
        ">>> x = 1",
    ]


def test_architecture_names_every_module_in_its_folder():
    """docs/architecture.md's module tree lists every module of the package, each under its
    own folder (a module added without a line there was how the page drifted)."""
    text = (DOCS / "architecture.md").read_text(encoding="utf-8")
    block = text.split("## Modules", 1)[1].split("```", 2)[1]
    folders = {}  # folder -> the text of its lines in the tree
    folder = ""
    for line in block.splitlines():
        head = re.match(r"^  (\w+)/", line)
        if head:
            folder = head[1]
        elif re.match(r"^  [\w.]", line):
            folder = ""
        folders[folder] = folders.get(folder, "") + line + "\n"
    package = ROOT / "skgenre"
    unlisted = []
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package)
        where = rel.parent.as_posix() if rel.parent != Path(".") else ""
        if path.name == "__init__.py" and where:
            continue
        if path.name not in folders.get(where, ""):
            unlisted.append(rel.as_posix())
    assert not unlisted, f"modules missing from docs/architecture.md: {unlisted}"
