"""Lead images, drawn by a script beside each post (:mod:`.lead_images`). A drawing script
starts from :func:`figure` or :func:`network_axes`: the series' size and colours."""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx

from . import lead_images
from .lead_images import figure, network_axes

__all__ = ["figure", "network_axes", "setup"]


def setup(app: Sphinx) -> dict[str, Any]:
    lead_images.setup(app)  # drawn before the posts are read, again only when their code changes
    return {"parallel_read_safe": True, "parallel_write_safe": True}
