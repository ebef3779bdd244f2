"""Tiny Sphinx projects under tests/blog/roots/test-<case>/, built with Sphinx's own fixtures."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOTS = Path(__file__).resolve().parent / "roots"


@pytest.fixture(scope="session")
def rootdir() -> Path:
    return ROOTS


@pytest.fixture()
def build(make_app, tmp_path):
    """Copy ``tests/blog/roots/test-<name>`` to a temporary folder, build it as HTML, return the app.

    The build's exception (if any) propagates, as it would out of ``sphinx-build``.
    """

    def run(name: str, **confoverrides):
        srcdir = tmp_path / name
        shutil.copytree(ROOTS / f"test-{name}", srcdir)
        app = make_app("html", srcdir=srcdir, confoverrides=confoverrides or None)
        app.build()
        return app

    return run
