"""Every notebook post can be downloaded as a Jupyter notebook that runs as a reader runs it:
from the site's download menu, in an empty folder, against the installed ``ddl`` package."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import nbformat
import pytest
from bs4 import BeautifulSoup

from sitebuild import REPO

pytestmark = pytest.mark.site

RUN_NOTEBOOK = """
import sys, pathlib, nbformat
from nbclient import NotebookClient
path = pathlib.Path(sys.argv[1])
notebook = nbformat.read(path, as_version=4)
NotebookClient(notebook, timeout=600, kernel_name="python3",
               resources={"metadata": {"path": str(path.parent)}}).execute()
"""

NOTEBOOK_POSTS = sorted(
    path.stem
    for path in (REPO / "book").glob("*.md")
    if re.match(r"---\n.*?\nkernelspec:", path.read_text(encoding="utf-8"), flags=re.DOTALL)
    and f"book/{path.stem}" in (REPO / "_toc.yml").read_text()
)


@pytest.mark.parametrize("slug", NOTEBOOK_POSTS)
def test_post_offers_its_notebook_and_the_notebook_runs(site, slug, tmp_path):
    assert site.returncode == 0, site.log[-3000:]
    soup = BeautifulSoup(site.page(f"book/{slug}"), "html.parser")
    links = [a["href"] for a in soup.select("a[href$='.ipynb']")]
    assert links, "the page's download menu offers no .ipynb"
    notebook_file = (site.html / "book" / links[0]).resolve()
    assert notebook_file.is_file(), links[0]
    notebook = nbformat.read(notebook_file, as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code, "the notebook has no code cells"
    assert all(not cell.outputs for cell in code), "downloads carry no stale outputs"
    # A reader's folder: the notebook alone. nbclient runs in its own process: the browser
    # tests' event loop may be running in this worker, and nbclient wants its own.
    copy = tmp_path / notebook_file.name
    shutil.copy(notebook_file, copy)
    result = subprocess.run(
        [sys.executable, "-c", RUN_NOTEBOOK, str(copy)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, f"{slug}.ipynb failed to run:\n{result.stderr[-4000:]}"
