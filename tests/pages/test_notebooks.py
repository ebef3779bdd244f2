"""Every post runs where its reader is, and reproduces the page's numbers.

A reader downloads a post's notebook (or opens it in Colab or Binder) and runs it in a Python
that has nothing of this repository. Here, for every post: a fresh virtual environment with
only Jupyter's kernel and nbclient, the built site served on 127.0.0.1, the notebook pointed
at it by replacing ``html.baseurl``, then every cell run. The set-up cell installs the site's
wheel and the pinned packages (from the package index); the run must complete, every value it
glues must read, formatted as the page formats it, exactly as the page shows it, and running
the set-up cell again must install nothing.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import subprocess
import sys
import threading
import zipfile
from importlib import metadata
from pathlib import Path
from urllib.parse import unquote

import nbformat
import pytest
import yaml
from bs4 import BeautifulSoup
from myst_nb.core.variables import format_plain_text

from ddl_site.pages import notebooks, wheel
from sitebuild import REPO

CONFIG = yaml.safe_load((REPO / "_config.yml").read_text(encoding="utf-8"))
BASEURL = CONFIG["html"]["baseurl"]
POSTS = sorted(
    path.stem
    for path in (REPO / "book").glob("*.md")
    if notebooks.is_notebook_post(path)
    and f"book/{path.stem}" in (REPO / "_toc.yml").read_text(encoding="utf-8")
)
GLUE = re.compile(r"\{glue:text\}`([^`]+)`")
SETUP_DONE = "Everything this notebook needs is installed."

# Runs inside the reader's environment: every cell, then the set-up cell once more, in one
# kernel; writes the executed notebook and the second set-up run's output.
RUN = """
import json, sys, nbformat
from nbclient import NotebookClient
path, out = sys.argv[1], sys.argv[2]
notebook = nbformat.read(path, as_version=4)
client = NotebookClient(notebook, timeout=900, kernel_name="python3",
                        resources={"metadata": {"path": sys.argv[3]}})
with client.setup_kernel():
    for index, cell in enumerate(notebook.cells):
        client.execute_cell(cell, index)
    setup = next(i for i, c in enumerate(notebook.cells) if c.cell_type == "code")
    again = nbformat.v4.new_code_cell(notebook.cells[setup].source)
    notebook.cells.append(again)
    client.execute_cell(again, len(notebook.cells) - 1)
    notebook.cells.pop()
nbformat.write(notebook, out)
json.dump(again.outputs, open(out + ".again.json", "w"))
"""


def test_post_list_is_the_series():
    assert len(POSTS) == 11, POSTS  # Parts 1-11; Part 0 has no code


@pytest.mark.parametrize("slug", POSTS)
def test_committed_notebook_is_current(slug):
    """Colab and Binder open book/<slug>.ipynb from the repository: it is what the site offers."""
    source = REPO / "book" / f"{slug}.md"
    expected = notebooks.notebook_text(source, f"book/{slug}", REPO / "src" / "ddl", BASEURL)
    committed = notebooks.paired_path(source)
    assert committed.is_file() and committed.read_text(encoding="utf-8") == expected, (
        f"book/{slug}.ipynb is out of date: run `python -m ddl_site notebooks` and commit it"
    )


def test_binder_environment_pins_what_the_notebooks_install():
    wanted = {}
    for slug in POSTS:
        source = REPO / "book" / f"{slug}.md"
        cells = notebooks.code_of(notebooks.read(source))
        for req in notebooks.requirements(cells, REPO / "src" / "ddl", BASEURL)[1:]:
            wanted[req.distribution] = req.version
    binder = pins(REPO / "binder" / "requirements.txt")
    site = pins(REPO / "requirements.txt")
    assert binder == wanted
    assert all(site[name] == version for name, version in binder.items())
    assert (REPO / "binder" / "runtime.txt").read_text().strip() == "python-3.11"


def pins(path: Path) -> dict[str, str]:
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)==(\S+)", line.strip())
        if match:
            found[match[1].lower()] = match[2]
    return found


def test_setup_cell_names_the_site_only_through_its_baseurl():
    text = notebooks.paired_path(REPO / "book" / f"{POSTS[0]}.md").read_text(encoding="utf-8")
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", text))
    site_urls = {u for u in urls if u.startswith(BASEURL)}
    assert site_urls, "the notebook installs nothing from the site"
    assert all("github.io" not in u or u.startswith(BASEURL) for u in urls)


@pytest.mark.site
def test_site_publishes_the_wheel_of_the_package_it_was_built_with(site, tmp_path):
    assert site.returncode == 0, site.log[-3000:]
    described = wheel.describe(REPO / "src" / "ddl")
    published = sorted(p.name for p in (site.html / "packages").glob("*.whl"))
    assert published == [described.filename]
    assert described.version.startswith(f"{metadata.version('demystifying-deep-learning')}+g")
    with zipfile.ZipFile(site.html / "packages" / described.filename) as archive:
        files = {n: archive.read(n) for n in archive.namelist() if n.startswith("ddl/")}
        meta = archive.read(f"demystifying_deep_learning-{described.version}.dist-info/METADATA")
    expected = {
        f"ddl/{p.relative_to(REPO / 'src' / 'ddl').as_posix()}": p.read_bytes()
        for p in wheel.source_files(REPO / "src" / "ddl")
    }
    assert files == expected  # the package and nothing else, byte for byte
    assert b"Requires-Dist: numpy" in meta and b"sphinx" not in meta.lower()
    index = BeautifulSoup((site.html / "packages" / "index.html").read_text(), "html.parser")
    assert [unquote(a["href"]) for a in index.select("a")] == [described.filename]
    # Rebuilding it gives the same bytes.
    again = wheel.build(REPO / "src" / "ddl", tmp_path)
    assert again.read_bytes() == (site.html / "packages" / described.filename).read_bytes()


def test_wheel_name_follows_the_code(tmp_path):
    package = tmp_path / "ddl"
    for path in wheel.source_files(REPO / "src" / "ddl"):
        copy = package / path.relative_to(REPO / "src" / "ddl")
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_bytes(path.read_bytes())
    before = wheel.describe(package)
    assert before == wheel.describe(REPO / "src" / "ddl")
    (package / "layers.py").write_text((package / "layers.py").read_text() + "\n# edited\n")
    after = wheel.describe(package)
    assert after.version != before.version and after.filename != before.filename
    assert after.version.split("+")[0] == before.version.split("+")[0]


@pytest.mark.site
@pytest.mark.parametrize("slug", POSTS)
def test_launch_buttons_open_the_committed_notebook(site, slug):
    assert site.returncode == 0, site.log[-3000:]
    soup = BeautifulSoup(site.page(f"book/{slug}"), "html.parser")
    org, repo = CONFIG["repository"]["url"].rstrip("/").split("/")[-2:]
    branch = CONFIG["repository"]["branch"]
    hrefs = {a["href"] for a in soup.select("a[href]")}
    colab = f"https://colab.research.google.com/github/{org}/{repo}/blob/{branch}/book/{slug}.ipynb"
    binder = f"https://mybinder.org/v2/gh/{org}/{repo}/{branch}?urlpath=tree/book/{slug}.ipynb"
    assert colab in hrefs and binder in hrefs
    # Both open the committed notebook, which is the one the download menu offers.
    download = [h for h in hrefs if h.endswith(".ipynb") and not h.startswith("http")]
    assert download == [f"../_sources/book/{slug}.ipynb"]
    offered = (site.html / "_sources" / "book" / f"{slug}.ipynb").read_text(encoding="utf-8")
    assert (REPO / "book" / f"{slug}.ipynb").read_text(encoding="utf-8") == offered


# -- a reader's run ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served(site):
    """The built site on 127.0.0.1, for the set-up cells to install from."""
    assert site.returncode == 0, site.log[-3000:]
    handler = functools.partial(QuietHandler, directory=str(site.html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", site
    server.shutdown()
    server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


def reader_environment(folder: Path) -> tuple[Path, dict[str, str]]:
    """A new virtual environment with Jupyter's kernel and nbclient, at this build's versions."""
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    python = folder / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    env.update(
        PATH=f"{folder / 'bin'}{os.pathsep}{env.get('PATH', '')}",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        OMP_NUM_THREADS="1",
        OPENBLAS_NUM_THREADS="1",
        MPLBACKEND="Agg",
    )
    tools = [f"{name}=={metadata.version(name)}" for name in ("ipykernel", "nbclient", "nbformat")]
    subprocess.run([python, "-m", "pip", "install", "-q", *tools], check=True, env=env)
    return python, env


def page_values(html: str) -> list[str]:
    soup = BeautifulSoup(html, "html.parser")
    return [span.get_text() for span in soup.select("span.pasted-text")]


def glue_uses(markdown: str) -> list[tuple[str, str]]:
    uses = []
    for content in GLUE.findall(markdown):
        key, colon, spec = content.rpartition(":")
        uses.append((key, spec) if colon else (content, "s"))
    return uses


def glued(notebook) -> dict[str, str]:
    found = {}
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if name:
                found[name] = output["data"]["text/plain"]
    return found


@pytest.mark.site
@pytest.mark.xdist_group("reader")
@pytest.mark.parametrize("slug", POSTS)
def test_a_reader_runs_the_notebook_and_gets_the_page_numbers(served, slug, tmp_path):
    url, site = served
    python, env = reader_environment(tmp_path / "venv")
    nothing = subprocess.run([python, "-c", "import ddl"], env=env, cwd=tmp_path, check=False)
    assert nothing.returncode != 0, "the reader's Python must not see this repository's ddl"

    text = (site.html / "_sources" / "book" / f"{slug}.ipynb").read_text(encoding="utf-8")
    assert BASEURL in text
    wheel_url = re.search(rf"{re.escape(BASEURL)}(packages/[^\"']+\.whl)", text)
    assert wheel_url and "+" not in wheel_url[1], "the version's + is escaped in the URL"
    assert (site.html / unquote(wheel_url[1])).is_file(), "the wheel URL resolves on the site"
    reader = tmp_path / "reader"
    reader.mkdir()
    notebook_file = reader / f"{slug}.ipynb"
    notebook_file.write_text(text.replace(BASEURL, url), encoding="utf-8")
    out = tmp_path / "executed.ipynb"
    result = subprocess.run(
        [python, "-c", RUN, str(notebook_file), str(out), str(reader)],
        cwd=reader,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    assert result.returncode == 0, (
        f"{slug}.ipynb failed in a reader's Python:\n{result.stderr[-5000:]}"
    )

    executed = nbformat.read(out, as_version=4)
    first_setup = next(c for c in executed.cells if c.cell_type == "code").outputs
    assert "Installed demystifying-deep-learning" in json.dumps(first_setup)
    again = json.loads(Path(f"{out}.again.json").read_text())
    assert [o.get("text", "").strip() for o in again] == [SETUP_DONE], again

    values = glued(executed)
    uses = glue_uses((REPO / "book" / f"{slug}.md").read_text(encoding="utf-8"))
    shown = page_values(site.page(f"book/{slug}"))
    assert len(uses) == len(shown) and uses, (len(uses), len(shown))
    differ = [
        f"{key}:{spec}: page {page!r}, reader {format_plain_text(values[key], spec)!r}"
        for (key, spec), page in zip(uses, shown, strict=True)
        if key not in values or format_plain_text(values[key], spec) != page
    ]
    assert not differ, "\n".join(differ)


def test_a_post_importing_what_no_distribution_provides_is_named(tmp_path):
    post = tmp_path / "post.md"
    post.write_text(
        (REPO / "book" / f"{POSTS[0]}.md").read_text(encoding="utf-8")
        + "\n```{code-cell} ipython3\nimport a_module_nobody_ships\n```\n",
        encoding="utf-8",
    )
    with pytest.raises(LookupError, match=r"post\.md: .*import a_module_nobody_ships: expected"):
        notebooks.notebook_text(post, "book/post", REPO / "src" / "ddl", BASEURL)
