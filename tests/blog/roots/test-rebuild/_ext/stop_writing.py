"""Stops a build in the middle of writing its pages, as Ctrl-C would, when the environment
variable ``STOP_WRITING_AFTER`` is a number: once that many pages are written. Without it,
nothing."""

from __future__ import annotations

import os


def setup(app):
    after = os.environ.get("STOP_WRITING_AFTER")
    if after:
        started = []

        def stop(app, pagename, templatename, context, doctree):
            started.append(pagename)
            if len(started) > int(after):  # the pages before it are written
                raise KeyboardInterrupt(f"stopped before writing {pagename}")

        app.connect("html-page-context", stop, priority=1)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
