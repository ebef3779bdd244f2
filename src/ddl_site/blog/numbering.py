"""Figures, tables, code listings and equations numbered per post, not across the site.

Sphinx numbers them with one counter for the whole book when the table of contents has no
section numbers, so Part 3's first figure would be "Fig. 12". A blog post is read on its own:
each post starts again at 1. References (``{numref}``, ``{eq}``) use the same numbers, because
they read them from the same place (``env.toc_fignumbers``). A reference to an equation of
another part carries that part's number, ``(3.10)`` for equation (10) of Part 3, so that it
cannot be taken for an equation of the page it is on.
"""

from __future__ import annotations

import re

from docutils import nodes
from sphinx.application import Sphinx

Numbers = dict[str, dict[str, dict[str, tuple[int, ...]]]]
#: A post's lead image is its banner, not one of the figures its text refers to.
UNNUMBERED = {"lead-image"}


def per_document(fignumbers: Numbers) -> Numbers:
    """Renumber each document's items of each type 1, 2, 3… in their existing order."""
    renumbered: Numbers = {}
    for docname, by_type in fignumbers.items():
        renumbered[docname] = {}
        for figtype, numbers in by_type.items():
            ordered = sorted((i for i in numbers if i not in UNNUMBERED), key=numbers.get)
            renumbered[docname][figtype] = {item: (i,) for i, item in enumerate(ordered, 1)}
    return renumbered


def _give_back_global_numbers(app: Sphinx, env) -> list[str]:
    """Before Sphinx numbers the figures: give it the site-wide numbers it assigned last time,
    so that it compares like with like (had it the per-post numbers of :func:`_renumber`, every
    page with a figure would look renumbered, and be written again, in every build)."""
    env.ddl_shown_fignumbers = env.toc_fignumbers
    env.toc_fignumbers = getattr(env, "ddl_global_fignumbers", {})
    return []


def _renumber(app: Sphinx, env) -> list[str]:
    """Number per post; the pages whose numbers changed are written again."""
    env.ddl_global_fignumbers = env.toc_fignumbers
    env.toc_fignumbers = per_document(env.toc_fignumbers)
    shown = getattr(env, "ddl_shown_fignumbers", {})
    env.ddl_shown_fignumbers = {}
    return sorted(d for d, numbers in env.toc_fignumbers.items() if shown.get(d) != numbers)


EQUATION_NUMBER = re.compile(r"^\((\d+)\)$")


def part_qualified(text: str, part: int) -> str:
    """``(10)`` -> ``(3.10)`` for an equation of Part 3; any other text is left alone."""
    match = EQUATION_NUMBER.match(text)
    return f"({part}.{match[1]})" if match else text


def _qualify_other_parts(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    equations = app.env.get_domain("math").equations  # label -> (docname, number)
    posts = getattr(app.env, "ddl_posts", {})
    for ref in doctree.findall(nodes.reference):
        uri = ref.get("refuri", "")
        if "#equation-" not in uri:
            continue
        target = equations.get(uri.split("#equation-", 1)[1])
        post = posts.get(target[0]) if target else None
        if post is None or target[0] == docname or post.part is None:
            continue
        for text in list(ref.findall(nodes.Text)):
            qualified = part_qualified(text.astext(), post.part)
            if qualified != text.astext():
                text.parent.replace(text, nodes.Text(qualified))


def setup(app: Sphinx) -> None:
    # After Sphinx's own TocTreeCollector (priority 500) has assigned the global numbers.
    app.connect("env-get-updated", _give_back_global_numbers, priority=100)
    app.connect("env-get-updated", _renumber, priority=900)
    app.connect("doctree-resolved", _qualify_other_parts)
