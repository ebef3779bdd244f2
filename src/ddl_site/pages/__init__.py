"""What the pages weigh and load, and that a rebuild writes only what changed: maths typeset
at build time, images, icons, stylesheets, theme assets, each post's notebook and the
package's wheel, and the records that keep rebuilds equal to clean builds."""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx

from . import assets, icons, images, katex, notebooks, rebuild, stylesheets, wheel


def setup(app: Sphinx) -> dict[str, Any]:
    katex.setup(app)  # maths typeset at build time, no MathJax
    notebooks.setup(app)  # each post as a notebook a reader can run: download, Colab, Binder
    wheel.setup(app)  # the ddl package the pages were built with, published as a wheel
    assets.setup(app)  # theme mode and favicon: no console errors, no 404s; scripts deferred
    images.setup(app)  # sizes, loading priority, WebP lead images, animation frames as files
    icons.setup(app)  # Font Awesome cut to the icons the pages show
    stylesheets.setup(app)  # the theme's stylesheets trimmed to the rules pages use
    rebuild.setup(app)  # a rebuild reads and writes only the pages an edit changed
    return {"parallel_read_safe": True, "parallel_write_safe": True}
