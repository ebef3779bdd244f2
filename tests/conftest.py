"""Fixtures shared by the whole suite: the real site built once, and small books built on demand."""

from __future__ import annotations

import fcntl
import os
import shutil
from pathlib import Path

import pytest

from sitebuild import REPO, Build, build_book

# Sphinx's own fixtures (make_app, …) for the tiny projects under tests/<wing>/roots/.
pytest_plugins = ["sphinx.testing.fixtures"]


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """The real site, built once per test run and shared by every pytest-xdist worker.

    ``DDL_SITE_OUTPUT`` chooses where it is built (CI builds into the repository so the
    workflow can publish ``_build/html``); by default it goes to a temporary folder.
    """
    base = tmp_path_factory.getbasetemp()
    # Under pytest-xdist every worker has its own basetemp inside the run's shared one.
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    output = Path(os.environ.get("DDL_SITE_OUTPUT") or shared / "site")
    output.mkdir(parents=True, exist_ok=True)
    with open(shared / "site.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        log_file = shared / "site.log"
        if log_file.exists():
            code, log = log_file.read_text().split("\n", 1)
            return Build(int(code), log, output / "_build" / "html")
        build = build_book(REPO, output)
        log_file.write_text(f"{build.returncode}\n{build.log}")
        return build


@pytest.fixture()
def make_book(tmp_path: Path):
    """Write a small book (``{relative path: text or bytes}``) into a temporary folder and
    build it."""

    def make(pages: dict[str, str | bytes], toc: str, config: str | None = None) -> Build:
        source = tmp_path / "src"
        source.mkdir()
        shutil.copy(REPO / "_config.yml", source / "_config.yml")
        if config is not None:
            (source / "_config.yml").write_text(config)
        (source / "_toc.yml").write_text(toc)
        for name, text in pages.items():
            path = source / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(text) if isinstance(text, bytes) else path.write_text(text)
        return build_book(source, tmp_path / "out")

    return make
