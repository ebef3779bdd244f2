"""The posts as a blog: front matter, header, series box, index, tags, feed, old URLs, social
cards and comments (:mod:`.events` puts them on the pages); what a post's prose may say (typed
numbers, claims, plurals) and how its figures and equations are numbered; and rebuilds that
write every page showing something an edit changed, and no other (:mod:`.rebuild`)."""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx


def setup(app: Sphinx) -> dict[str, Any]:
    from . import claims, events, numbering, rebuild  # on setup, not on import

    events.setup(app)  # the blog: front matter, header, series box, index, feed, old URLs
    claims.setup(app)  # comparisons in prose checked by the code that computed them
    numbering.setup(app)  # figures and equations numbered from 1 in each post
    rebuild.setup(app)  # a rebuild reads and writes only the pages an edit changed
    return {"parallel_read_safe": True, "parallel_write_safe": True}
