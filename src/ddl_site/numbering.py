"""Figures, tables, code listings and equations numbered per post, not across the site.

Sphinx numbers them with one counter for the whole book when the table of contents has no
section numbers, so Part 3's first figure would be "Fig. 12". A blog post is read on its own:
each post starts again at 1. References (``{numref}``, ``{eq}``) use the same numbers, because
they read them from the same place (``env.toc_fignumbers``).
"""

from __future__ import annotations

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


def _renumber(app: Sphinx, env) -> list[str]:
    env.toc_fignumbers = per_document(env.toc_fignumbers)
    return []


def setup(app: Sphinx) -> None:
    # After Sphinx's own TocTreeCollector (priority 500) has assigned the global numbers.
    app.connect("env-get-updated", _renumber, priority=900)
