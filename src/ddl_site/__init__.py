"""The site's own Sphinx extension, loaded from ``_config.yml``: it registers the wings.

* :mod:`.core`: what every wing relies on (a post read as MyST reads it, problems reported
  alike, records kept between builds, strict builds);
* :mod:`.art`: lead images drawn by code beside each post;
* :mod:`.sync`: outputs that never go stale (precise re-execution, printed output as printed,
  equations linked to the code that implements them);
* :mod:`.blog`: the posts as a blog (front matter, series, index, feed, old URLs, comments),
  what their prose may say, and rebuilds that write only what changed;
* :mod:`.pages`: what the written pages weigh and load (maths, images, icons, stylesheets,
  notebooks, the package's wheel).

Each wing registers its own modules with Sphinx; the order below is the order their event
handlers run in at equal priority. A wing imports only the wings it is built on: core below
all, sync on core, the blog on core and sync, art and pages on those three.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx

__version__ = "0.1.0"


def setup(app: Sphinx) -> dict[str, Any]:
    # Imported here, not above: a book that loads one wing (ddl_site.sync) imports that wing alone.
    from . import art, blog, core, pages, sync

    core.setup(app)
    art.setup(app)
    sync.setup(app)
    blog.setup(app)
    pages.setup(app)
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
