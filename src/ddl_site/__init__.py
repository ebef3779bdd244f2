"""The site's own Sphinx extension, loaded from ``_config.yml``.

Each concern lives in its own module; this module only registers them with Sphinx.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx

from . import (
    assets,
    claims,
    execution,
    extension,
    icons,
    images,
    katex,
    lead_images,
    notebooks,
    numbering,
    rebuild,
    streams,
    strict,
    stylesheets,
    wheel,
)

__version__ = "0.1.0"


def setup(app: Sphinx) -> dict[str, Any]:
    strict.setup(app)  # a warning that means a wrong or incomplete page fails the build
    streams.setup(app)  # printed output as printed, however the kernel cut it: same every build
    lead_images.setup(app)
    execution.setup(app)
    extension.setup(app)  # the blog: front matter, header, series box, index, feed, old URLs
    claims.setup(app)  # comparisons in prose checked by the code that computed them
    katex.setup(app)  # maths typeset at build time, no MathJax
    numbering.setup(app)  # figures and equations numbered from 1 in each post
    notebooks.setup(app)  # each post as a notebook a reader can run: download, Colab, Binder
    wheel.setup(app)  # the ddl package the pages were built with, published as a wheel
    assets.setup(app)  # theme mode and favicon: no console errors, no 404s; scripts deferred
    images.setup(app)  # sizes, loading priority, WebP lead images, animation frames as files
    icons.setup(app)  # Font Awesome cut to the icons the pages show
    stylesheets.setup(app)  # the theme's stylesheets trimmed to the rules pages use
    rebuild.setup(app)  # a rebuild reads and writes only the pages an edit changed
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
