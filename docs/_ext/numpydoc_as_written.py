"""Griffe extension for this site: render skgenre's numpydoc docstrings as written.

mkdocstrings parses docstrings with griffe, which reads numpydoc but not every part of it
the way numpydoc means it. This extension fills the gaps, for every object of the package:

- **Public names.** Lazily exported names (a module-level ``_LAZY = {"Name": "module"}``
  dict served by ``__getattr__``) become griffe aliases, so ``::: skgenre.GenreClassifier``
  documents the class under its public path, and its anchors are public too.
- **Sphinx roles** (``:class:`~skgenre.AudioLoader```, ``:func:``, ``:meth:``, ``:mod:`` ...)
  become links: skgenre objects through autorefs (the build fails on a target that is not
  documented), the standard library, scikit-learn, joblib and librosa to their own
  documentation; anything else becomes inline code.
- **RST admonitions** (``.. warning::``, ``.. note::`` ...) become admonition boxes.
- **See Also** becomes a list of links.
- **Types are kept verbatim.** griffe compiles a numpydoc type as Python when it can, so
  ``array-like`` shows as ``array - like`` and ``{"a", "b"} or callable`` loses its tail.
  Here the type, the default and the names of each Parameters / Returns / Attributes item
  are read from the docstring text as written; skgenre names in a type become links.
- **Examples import public names**: ``from skgenre._persist import save_model`` shows as
  ``from skgenre import save_model`` (the same object).
"""

from __future__ import annotations

import ast
import builtins
import re
from pathlib import Path
from textwrap import dedent

import griffe
from markupsafe import Markup, escape

# ---------------------------------------------------------------------------------------------
# Links to other projects' documentation. Only public paths get a link.

_PY_EXCEPTIONS = "https://docs.python.org/3/library/exceptions.html#{name}"
_PY_FUNCTIONS = "https://docs.python.org/3/library/functions.html#{name}"
_EXTERNAL = {
    "sklearn": "https://scikit-learn.org/stable/modules/generated/{path}.html",
    "joblib": "https://joblib.readthedocs.io/en/stable/generated/{path}.html",
    "librosa": "https://librosa.org/doc/latest/generated/{path}.html",
    "numpy": "https://numpy.org/doc/stable/reference/generated/{path}.html",
}

_ROLE = re.compile(
    r":(?:py:)?(?P<role>class|func|meth|attr|mod|obj|data|exc|term|ref|const):`(?P<body>[^`]+)`"
)
_DIRECTIVE = re.compile(r"^(?P<indent>[ ]*)\.\. (?P<kind>[a-z]+)::[ ]*(?P<arg>.*)$")
_ADMONITION_KINDS = {
    "note": "note",
    "warning": "warning",
    "caution": "warning",
    "attention": "warning",
    "danger": "danger",
    "important": "info",
    "tip": "tip",
    "hint": "tip",
    "seealso": "info",
}
_VERSION_KINDS = {
    "versionadded": "Added in version {}",
    "versionchanged": "Changed in version {}",
    "deprecated": "Deprecated since version {}",
}

_ITEM_SECTIONS = {
    "parameters": "parameters",
    "other parameters": "parameters",
    "attributes": "attributes",
    "returns": "returns",
    "yields": "returns",
    "receives": "returns",
}
_RETURN_ITEMS = {
    "returns": griffe.DocstringReturn,
    "yields": griffe.DocstringYield,
    "receives": griffe.DocstringReceive,
}
_NAME = r"\*{0,2}[A-Za-z_]\w*"
_NAMES = re.compile(rf"^{_NAME}(?:\s*,\s*{_NAME})*$")


def _private_path(path):
    return any(p.startswith("_") and not p.startswith("__") for p in path.split("."))


def _documented_identifiers(folder):
    """The ``::: identifier`` lines of the Markdown pages under ``folder``."""
    found = []
    for page in sorted(Path(folder).rglob("*.md")):
        found += re.findall(r"^::: *([\w.]+)", page.read_text(encoding="utf-8"), re.M)
    return found


def _is_dash_line(line):
    return bool(line.strip()) and set(line.strip()) == {"-"}


def _is_section_title(lines, i):
    """Whether ``lines[i]`` is a non-blank line underlined by dashes: a section's title."""
    return i + 1 < len(lines) and bool(lines[i].strip()) and _is_dash_line(lines[i + 1])


def _section_items(lines, i):
    """The items of the section whose body starts at ``lines[i]``; ``(items, end)``.

    An item is ``(header, body)``: its unindented header line as written and the lines
    below it, less four spaces of indent (blank ones as ``""``). ``end`` is the index of the
    next section's title, or ``len(lines)``.
    """
    items = []
    while i < len(lines) and not _is_section_title(lines, i):
        line = lines[i]
        if line.strip() and not line.startswith(" "):
            items.append((line, []))
        elif items:
            items[-1][1].append(line[4:] if line.startswith("    ") else line.strip())
        i += 1
    return items, i


# ---------------------------------------------------------------------------------------------
# The package's public API: which public path shows each object.


class _PublicApi:
    """Map canonical paths of a package's objects to their shortest public paths."""

    def __init__(self, pkg, collection):
        self.pkg = pkg
        self.collection = collection
        self.public = {}  # canonical path -> shortest public path
        self.by_name = {}  # short name -> set of canonical paths
        self._collect(pkg)

    def _collect(self, module):
        if any(part.startswith("_") for part in module.path.split(".")):
            return
        exported = None
        # griffe gives an empty list when it cannot evaluate ``__all__`` (e.g. ``sorted(...)``)
        if module.exports:
            exported = {str(e) for e in module.exports} | set(_lazy_exports(module))
        for name, member in list(module.members.items()):
            if name.startswith("_"):
                continue
            try:
                target = member.final_target if member.is_alias else member
            except (griffe.AliasResolutionError, griffe.CyclicAliasError):
                continue  # an import from another package
            if exported is not None and name not in exported and not target.is_module:
                continue
            if target.is_module:
                if target.path.startswith(module.path + "."):
                    self._add(target.path, target.path)
                    self._collect(target)
                continue
            public_path = f"{module.path}.{name}"
            self._add(target.path, public_path)

    def _add(self, canonical, public_path):
        best = self.public.get(canonical)
        if best is None or public_path.count(".") < best.count("."):
            self.public[canonical] = public_path
        self.by_name.setdefault(canonical.rsplit(".", 1)[-1], set()).add(canonical)

    def canonical(self, path):
        """The canonical path of ``path`` (following aliases), or None when unknown."""
        try:
            obj = self.collection.get_member(path)
        except (KeyError, ValueError, griffe.AliasResolutionError, griffe.CyclicAliasError):
            return None
        try:
            return obj.final_target.path if obj.is_alias else obj.path
        except (griffe.AliasResolutionError, griffe.CyclicAliasError):
            return None

    def prefer(self, identifiers):
        """Use the paths under which the API pages document objects (``::: path``)."""
        for identifier in identifiers:
            canonical = self.canonical(identifier)
            if canonical is not None and not _private_path(identifier):
                self.public[canonical] = identifier

    def public_path(self, canonical):
        """The public path of a canonical path, members included (``Class.method``)."""
        if canonical in self.public:
            return self.public[canonical]
        head, _, tail = canonical.rpartition(".")
        while head:
            if head in self.public and not _private_path(tail):
                return f"{self.public[head]}.{tail}"
            head, _, last = head.rpartition(".")
            tail = f"{last}.{tail}"
        return None

    def resolve(self, name, scope):
        """Canonical path of ``name`` as written in the docstring of ``scope``, or None."""
        name = name.lstrip(".")
        if name.split(".", 1)[0] == self.pkg.name:
            return self.canonical(name)
        first, _, rest = name.partition(".")
        node = scope
        while node is not None:
            try:
                path = node.resolve(first)
            except (griffe.NameResolutionError, griffe.AliasResolutionError, AttributeError):
                path = None
            if path and path.split(".", 1)[0] == self.pkg.name:
                found = self.canonical(f"{path}.{rest}" if rest else path)
                if found:
                    return found
            node = node.parent
        candidates = self.by_name.get(name.rsplit(".", 1)[-1], set())
        if len(candidates) == 1:
            return next(iter(candidates))
        return None


# ---------------------------------------------------------------------------------------------
# Rewriting the docstring text (before griffe parses it).


def _external_url(path, role):
    parts = path.split(".")
    if any(p.startswith("_") for p in parts):
        return None
    if len(parts) == 1:
        if role == "mod":
            return None
        obj = vars(builtins).get(path)
        if isinstance(obj, type) and issubclass(obj, BaseException):
            return _PY_EXCEPTIONS.format(name=path)
        if isinstance(obj, type) or callable(obj):  # int, dict, callable, ...
            return _PY_FUNCTIONS.format(name=path)
        return None  # None, True, Ellipsis, or not a built-in
    template = _EXTERNAL.get(parts[0])
    return template.format(path=path) if template and role != "mod" else None


class _Rewriter:
    def __init__(self, api, obj):
        self.api = api
        self.obj = obj

    def link(self, target, text, role="obj"):
        """Markdown for a reference to ``target`` shown as ``text``."""
        canonical = self.api.resolve(target, self.obj)
        public = canonical and self.api.public_path(canonical)
        if public:
            return f"[`{text}`][{public}]"
        if canonical is None:
            url = _external_url(target, role)
            if url:
                return f"[`{text}`]({url})"
        return f"`{text}`"

    def role(self, match):
        role, body = match.group("role"), match.group("body").strip()
        explicit = re.fullmatch(r"(.+?)\s*<([^>]+)>", body)
        if explicit:
            return self.link(explicit.group(2).lstrip("~"), explicit.group(1), role)
        if body.startswith("~"):
            target = body[1:]
            return self.link(target, target.rsplit(".", 1)[-1], role)
        return self.link(body, body, role)

    def text(self, lines):
        out = []
        in_code = False
        for line in lines:
            stripped = line.lstrip()
            if stripped.startswith("```"):
                in_code = not in_code
            if in_code or stripped.startswith((">>>", "...")):
                out.append(line)
            else:
                out.append(_ROLE.sub(self.role, line))
        return out

    def directives(self, lines):
        """``.. warning::`` blocks to ``!!! warning`` blocks, at the same indentation."""
        out = []
        i = 0
        while i < len(lines):
            match = _DIRECTIVE.match(lines[i])
            kind = match and match.group("kind")
            if not match or (kind not in _ADMONITION_KINDS and kind not in _VERSION_KINDS):
                out.append(lines[i])
                i += 1
                continue
            indent, arg = match.group("indent"), match.group("arg").strip()
            body = []
            i += 1
            while i < len(lines) and (
                not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > len(indent)
            ):
                body.append(lines[i])
                i += 1
            while body and not body[-1].strip():
                body.pop()
            body = dedent("\n".join(body)).split("\n") if body else []
            if kind in _VERSION_KINDS:
                version, _, rest = arg.partition(" ")
                header = f'!!! info "{_VERSION_KINDS[kind].format(version)}"'
                if kind == "deprecated":
                    header = f'!!! warning "{_VERSION_KINDS[kind].format(version)}"'
                body = ([rest] if rest else []) + body
            else:
                header = f"!!! {_ADMONITION_KINDS[kind]}"
                body = ([arg] if arg else []) + body
            out.append(f"{indent}{header}")
            out.extend(f"{indent}    {b}" if b.strip() else "" for b in body)
            if i < len(lines) and lines[i].strip():
                out.append("")
        return out

    def see_also(self, lines):
        """The items of a See Also section to a list of links with their descriptions."""
        out = []
        i = 0
        while i < len(lines):
            line = lines[i]
            if line.strip().lower() == "see also" and _is_section_title(lines, i):
                out.extend([line, lines[i + 1]])
                items, i = _section_items(lines, i + 2)
                for header, body in items:
                    names, _, desc = header.partition(" : ")
                    desc = " ".join(filter(None, [desc.strip(), *(b.strip() for b in body)]))
                    links = ", ".join(
                        self.link(n.strip().lstrip("~"), n.strip().lstrip("~").rsplit(".", 1)[-1])
                        for n in names.split(",")
                        if n.strip()
                    )
                    out.append(f"- {links}: {desc}" if desc else f"- {links}")
                out.append("")
                continue
            out.append(line)
            i += 1
        return out

    def example_imports(self, lines):
        """``>>> from pkg._private import a, b`` to the public module of ``a`` and ``b``."""
        pattern = re.compile(
            rf"^(?P<lead>\s*>>> from )(?P<mod>{self.api.pkg.name}[\w.]*)(?P<mid> import )"
            r"(?P<names>[\w, ]+)$"
        )
        out = []
        for line in lines:
            match = pattern.match(line)
            if match and any(p.startswith("_") for p in match.group("mod").split(".")):
                names = [n.strip() for n in match.group("names").split(",") if n.strip()]
                modules = set()
                for n in names:
                    canonical = self.api.canonical(f"{match.group('mod')}.{n}")
                    public = canonical and self.api.public_path(canonical)
                    modules.add(public.rpartition(".")[0] if public else None)
                if len(modules) == 1 and None not in modules:
                    line = f"{match.group('lead')}{modules.pop()}{match.group('mid')}{', '.join(names)}"
            out.append(line)
        return out

    def rewrite(self, value):
        lines = value.split("\n")
        lines = self.see_also(lines)
        lines = self.directives(lines)
        lines = self.text(lines)
        lines = self.example_imports(lines)
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Verbatim types (after griffe parsed the docstring).


def _raw_item_sections(lines):
    """``[(kind, [(header, [body lines])...]), ...]`` for the item sections, in order."""
    sections = []
    i = 0
    while i < len(lines) - 1:
        title = lines[i].strip().lower()
        if (
            not lines[i].startswith(" ")
            and _is_dash_line(lines[i + 1])
            and (i == 0 or not lines[i - 1].strip())
        ):
            kind = _ITEM_SECTIONS.get(title)
            items, i = _section_items(lines, i + 2)
            if kind:
                sections.append((title, kind, [(h.strip(), body) for h, body in items]))
            continue
        i += 1
    return sections


def _split_header(header, kind):
    """``(names, type, default)`` of a numpydoc item header, each as written."""
    if kind == "returns":
        names, sep, type_ = header.partition(" : ")
        if not sep:
            if header.endswith(" :"):
                return header[:-2].strip(), "", None
            return "", header, None
        return names.strip(), type_.strip(), None
    names, sep, type_ = header.partition(" : ")
    if not sep:
        return header.rstrip(" :"), "", None
    type_ = type_.strip()
    default = None
    match = re.match(r"^(?P<type>.+?),\s+default(?:\s*=\s*|:\s+|\s+)(?P<default>.+)$", type_)
    if match:
        type_, default = match.group("type"), match.group("default")
    if type_.endswith(", optional"):
        type_ = type_[: -len(", optional")]
    return names.strip(), type_.strip(), default


_NESTED_HEADER = re.compile(rf"^(?P<name>{_NAME}) : (?P<type>\S.*)$")


def _nested_items(description):
    """numpydoc items nested in a description (the attributes of a returned Bunch, say) as a
    Markdown list; the rest of the description is left as it is."""
    lines = description.split("\n")
    out = []
    i = 0
    while i < len(lines):
        match = _NESTED_HEADER.match(lines[i])
        if match and i + 1 < len(lines) and lines[i + 1].startswith("    "):
            body = []
            i += 1
            while i < len(lines) and (lines[i].startswith("    ") or not lines[i].strip()):
                if lines[i].strip():
                    body.append(lines[i].strip())
                i += 1
            if out and out[-1].strip() and not out[-1].startswith("- "):
                out.append("")
            text = " ".join(body)
            out.append(f"- `{match.group('name')}` (`{match.group('type').strip()}`): {text}")
            continue
        out.append(lines[i])
        i += 1
    return "\n".join(out)


class _Types:
    def __init__(self, api):
        self.api = api

    def markup(self, text, scope):
        """The type as written; names of documented package objects become links."""

        def repl(match):
            token = match.group(0)
            if not (token[0].isupper() or "." in token):
                return str(escape(token))  # int, str, array-like, ...: plain words
            canonical = self.api.resolve(token, scope)
            public = canonical and self.api.public_path(canonical)
            if not public:
                url = _external_url(token, "class") if canonical is None else None
                if url and "." not in token:  # a built-in exception such as ValueError
                    return f'<a href="{url}">{escape(token)}</a>'
                return str(escape(token))
            shown = token.rsplit(".", 1)[-1]
            return f'<autoref identifier="{public}" optional>{escape(shown)}</autoref>'

        pieces = re.split(r"(\"[^\"]*\"|'[^']*')", text)
        out = []
        for piece in pieces:
            if piece[:1] in ("'", '"'):
                out.append(str(escape(piece)))
            else:
                out.append(re.sub(r"[A-Za-z_][\w.]*[\w]|[A-Za-z_]", repl, piece))
        return Markup("".join(out))

    def fix(self, obj, sections):
        for section in sections:
            if section.kind.value in ("raises", "warns"):
                for item in section.value:
                    if item.annotation is not None:
                        item.annotation = self.markup(str(item.annotation), obj)
        raw = _raw_item_sections(obj.docstring.value.split("\n"))
        parsed = [
            s
            for s in sections
            if s.kind.value in ("parameters", "other parameters", "attributes", "returns",
                                "yields", "receives")
        ]
        if len(raw) != len(parsed):
            return sections
        for (title, kind, items), section in zip(raw, parsed):
            new = []
            for header, body in items:
                names, type_, default = _split_header(header, kind)
                description = _nested_items(dedent("\n".join(body)).strip("\n"))
                annotation = self.markup(type_, obj) if type_ else None
                if kind == "returns":
                    item = _RETURN_ITEMS[title]
                    new.append(item(name=names, annotation=annotation, description=description))
                    continue
                split = [n.strip() for n in names.split(",")] if _NAMES.match(names) else [names]
                for name in split:
                    value = default
                    if value is None:
                        try:
                            value = obj.parameters[name.lstrip("*")].default
                        except (AttributeError, KeyError, griffe.AliasResolutionError):
                            value = None
                    if kind == "attributes":
                        new.append(
                            griffe.DocstringAttribute(
                                name=name, annotation=annotation, description=description
                            )
                        )
                    else:
                        new.append(
                            griffe.DocstringParameter(
                                name=name, annotation=annotation, description=description, value=value
                            )
                        )
            section.value = new
        return sections


# ---------------------------------------------------------------------------------------------


def _lazy_exports(module):
    """``{name: module path}`` of a module-level ``_LAZY`` dict, or ``{}``."""
    attr = module.members.get("_LAZY")
    if attr is None or attr.is_alias or attr.value is None:
        return {}
    try:
        value = ast.literal_eval(str(attr.value))
    except (ValueError, SyntaxError):
        return {}
    if not isinstance(value, dict):
        return {}
    return {k: v for k, v in value.items() if isinstance(k, str) and isinstance(v, str)}


def _inline_private_defaults(func, api):
    """``sr=SR`` with ``SR`` a constant of a private module shows as ``sr=16000``: the value
    says more than a name that is not documented anywhere, and links nowhere."""
    for parameter in func.parameters:
        default = parameter.default
        if not isinstance(default, griffe.Expr) or not hasattr(default, "canonical_path"):
            continue
        canonical = api.canonical(default.canonical_path) if default.canonical_path else None
        if canonical is None or api.public_path(canonical) is not None:
            continue
        try:
            constant = api.collection.get_member(canonical)
        except (KeyError, ValueError, griffe.AliasResolutionError):
            continue
        if constant.is_attribute and constant.value is not None:
            try:
                ast.literal_eval(str(constant.value))
            except (ValueError, SyntaxError):
                continue
            parameter.default = str(constant.value)


def _walk(obj):
    yield obj
    for member in list(obj.members.values()):
        if member.is_alias:
            continue
        yield from _walk(member)


class NumpydocAsWritten(griffe.Extension):
    """Public aliases, verbatim numpydoc and links for the docstrings of a package."""

    def __init__(self, packages=None, api_pages=None):
        super().__init__()
        self.packages = set(packages) if packages else None
        # Links go to the path under which an object is documented (``::: path`` on these
        # pages), else to its shortest public path.
        # A relative folder is taken from the repository root (two levels above docs/_ext/).
        if api_pages is not None and not Path(api_pages).is_absolute():
            api_pages = Path(__file__).resolve().parents[2] / api_pages
        self.api_pages = api_pages

    def on_package(self, *, pkg, loader, **kwargs):
        if self.packages is not None and pkg.name not in self.packages:
            return
        for module in _walk(pkg):
            if not module.is_module:
                continue
            for name, target_module in _lazy_exports(module).items():
                if name not in module.members:
                    module.set_member(name, griffe.Alias(name, f"{target_module}.{name}", parent=module))
        api = _PublicApi(pkg, loader.modules_collection)
        if self.api_pages:
            api.prefer(_documented_identifiers(self.api_pages))
        types = _Types(api)
        for obj in _walk(pkg):
            if obj.is_function:
                _inline_private_defaults(obj, api)
            docstring = obj.docstring
            if docstring is None or obj.is_module:
                continue
            docstring.value = _Rewriter(api, obj).rewrite(docstring.value)
            # Parse now, with the options of the site, and keep the fixed result: mkdocstrings
            # reads ``docstring.parsed``, a cached property.
            sections = types.fix(obj, docstring.parse())
            docstring.__dict__["parsed"] = sections
