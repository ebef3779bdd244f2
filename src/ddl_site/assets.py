"""What every page asks the browser for, kept lean and free of errors.

* The theme's colour mode defaults to ``auto`` (follow the reader's system), set explicitly:
  left empty, the theme logs a console error on every first visit.
* The site has a favicon (``static/favicon.svg``), so browsers do not request a missing
  ``/favicon.ico``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

FAVICON = Path(__file__).with_name("static") / "favicon.svg"


def configure(app: Sphinx, config: Any) -> None:
    context = dict(config.html_context or {})
    context.setdefault("default_mode", "auto")  # a template variable of the theme
    config.html_context = context
    if not config.html_favicon:
        config.html_favicon = str(FAVICON)


def setup(app: Sphinx) -> None:
    app.connect("config-inited", configure, priority=900)
