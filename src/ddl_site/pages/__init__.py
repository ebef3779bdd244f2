"""What the pages weigh and load, once written: maths typeset at build time (:mod:`.katex`,
run by :mod:`.node`), images (:mod:`.images`), the icon fonts (:mod:`.icons`) and stylesheets
(:mod:`.stylesheets`) cut to what the pages use (with :mod:`.postbuild` keeping their records),
theme assets (:mod:`.assets`), each post as a notebook (:mod:`.notebooks`) and the package's
wheel (:mod:`.wheel`)."""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx


def setup(app: Sphinx) -> dict[str, Any]:
    from . import (
        assets,
        icons,
        images,
        katex,
        notebooks,
        stylesheets,
        wheel,
    )  # on setup, not on import

    katex.setup(app)  # maths typeset at build time, no MathJax
    notebooks.setup(app)  # each post as a notebook a reader can run: download, Colab, Binder
    wheel.setup(app)  # the ddl package the pages were built with, published as a wheel
    assets.setup(app)  # theme mode and favicon: no console errors, no 404s; scripts deferred
    images.setup(app)  # sizes, loading priority, WebP lead images, animation frames as files
    icons.setup(app)  # Font Awesome cut to the icons the pages show
    stylesheets.setup(app)  # the theme's stylesheets trimmed to the rules pages use
    return {"parallel_read_safe": True, "parallel_write_safe": True}
