"""Re-execute the posts whose imported package code or dependency environment changed."""

from __future__ import annotations

from typing import Any


def setup(app: Any) -> None:
    """Register the execution tracking with Sphinx (filled in by the following commits)."""
