"""Building a Jupyter Book site strictly, for the tests that assert on a built site."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from bs4 import BeautifulSoup

REPO = Path(__file__).resolve().parent.parent
JUPYTER_BOOK = Path(sys.executable).with_name("jupyter-book")


@dataclass(frozen=True)
class Build:
    """The outcome of one ``jupyter-book build``: exit code, combined log, HTML folder."""

    returncode: int
    log: str
    html: Path

    def page(self, docname: str) -> str:
        return (self.html / f"{docname}.html").read_text(encoding="utf-8")

    def outputs(self, docname: str) -> list[str]:
        """What each code cell of the page printed or returned, in order, stripped."""
        soup = BeautifulSoup(self.page(docname), "html.parser")
        return [div.get_text().strip() for div in soup.select("div.cell_output")]


def build_command(source: Path, output: Path) -> list[str]:
    """README's build command for the book in ``source``, into ``output/_build``."""
    return [
        str(JUPYTER_BOOK),
        "build",
        "-W",
        "-n",
        "--keep-going",
        "--path-output",
        str(output),
        str(source),
    ]


def build_book(source: Path, output: Path) -> Build:
    """Build the book in ``source`` into ``output/_build`` with warnings as errors."""
    command = build_command(source, output)
    # One BLAS thread per kernel: pytest-xdist already keeps both cores busy, and
    # oversubscribed BLAS threads make numpy-heavy cells many times slower.
    threads = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
    env = {**os.environ, **threads, "PYTHONHASHSEED": "0", "NO_COLOR": "1"}
    result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=source)
    return Build(result.returncode, result.stdout + result.stderr, output / "_build" / "html")
