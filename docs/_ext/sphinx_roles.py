"""Griffe extension for this site: render the Sphinx roles of skgenre's docstrings.

skgenre's docstrings follow numpydoc, including Sphinx cross-reference roles such as
``:class:`~skgenre.AudioLoader``` that mkdocstrings would otherwise print verbatim. They
become inline code: ``~`` keeps the last component only, as Sphinx does.
"""

import re

import griffe

_ROLE = re.compile(r":(?:py:)?(?:class|func|meth|attr|mod|obj|data|exc|term|ref):`(~?)([^`]+)`")


def _replace(match):
    tilde, target = match.groups()
    # ":func:`text <target>`" shows text
    explicit = re.fullmatch(r"(.+?)\s*<[^>]+>", target)
    if explicit:
        return f"`{explicit.group(1)}`"
    return f"`{target.rsplit('.', 1)[-1] if tilde else target}`"


def render_roles(text):
    """Replace every Sphinx role in ``text`` by inline code."""
    return _ROLE.sub(_replace, text)


class SphinxRoles(griffe.Extension):
    """Rewrite Sphinx roles in every docstring griffe loads."""

    def on_instance(self, *, node, obj, agent, **kwargs):
        if obj.docstring is not None:
            obj.docstring.value = render_roles(obj.docstring.value)
