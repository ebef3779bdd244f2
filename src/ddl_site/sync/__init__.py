"""Outputs that never go stale: a post re-executes exactly when what it ran changed
(:mod:`.execution`, with :mod:`.tracer` in the kernel), its printed output is what it printed
(:mod:`.streams`), and each equation a package implements links to its code and check
(:mod:`.equations`, :mod:`.equation_links`).

The wing knows nothing of one series: the packages it tracks (``ddl_execution_packages``), the
requirements it fingerprints (``ddl_execution_requirements``) and the equation registry
(``ddl_equation_registry``) are configuration, and a site's blog may answer
``ddl-page-part`` to order the equation index. ``extensions: [myst_nb, ddl_site.sync]`` is a
complete use of it."""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx


def setup(app: Sphinx) -> dict[str, Any]:
    from . import execution, streams  # on setup, not on import

    streams.setup(app)  # printed output as printed, however the kernel cut it: same every build
    execution.setup(app)  # exactly the posts whose inputs changed re-execute
    app.setup_extension(f"{__name__}.equation_links")  # each equation linked to its code, check
    return {"parallel_read_safe": True, "parallel_write_safe": True}
