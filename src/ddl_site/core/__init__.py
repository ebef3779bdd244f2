"""What every wing relies on, and which imports no wing: a post read as MyST reads it
(:mod:`.myst_tokens`), problems an author can fix said one way (:mod:`.problems`), records kept
between builds with the digest of the code that made them (:mod:`.records`), and strict builds
(:mod:`.strict`)."""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx


def setup(app: Sphinx) -> dict[str, Any]:
    from . import strict  # not on import: the other wings use core's plain modules alone

    strict.setup(app)  # a warning that means a wrong or incomplete page fails the build
    return {"parallel_read_safe": True, "parallel_write_safe": True}
