"""Each post as a Jupyter notebook a reader can run anywhere, and get the page's numbers.

A post written as a MyST notebook (``book/<slug>.md`` with a ``kernelspec``) becomes, with
jupytext, a ``.ipynb``: a first cell naming the post, then a *set-up cell*, then the post's own
cells (prose and code, no outputs). The set-up cell installs, unless they are installed
already, the ``ddl`` wheel the site publishes (``wheel.py``: the exact package the page was built
with, from the site at ``html.baseurl``) and the versions of the third-party packages the post
and the package import that the page ran with (from PyPI). ``ddl.notebook.glue`` shows each
glued value when myst-nb is absent, so a reader's run prints the numbers the page quotes.

The same notebook is written in two places:

* ``_sources/book/<slug>.ipynb`` in the built site, offered by the page's download menu
  (``ipynb_source`` in the page context);
* ``book/<slug>.ipynb`` beside the post, committed: Colab and Binder open notebooks from the
  repository, so the launch buttons point there. ``python -m ddl_site notebooks`` rewrites
  them; ``tests/pages/test_notebooks.py`` fails while one is out of date, and the build says so.

The notebook names its site only through ``html.baseurl``, so a test can serve the built site
on 127.0.0.1 and point a notebook there by replacing that address.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.util import logging

from ..blog import rebuild
from ..core.records import write_atomic, write_if_changed
from ..sync.execution import parse_cell
from . import wheel as wheels

logger = logging.getLogger(__name__)

# Front-matter keys for the site, not for a reader's notebook.
SITE_KEYS = (
    "series",
    "title",
    "part",
    "date",
    "image",
    "caption",
    "excerpt",
    "redirect_from",
    "tags",
    "comments",
    "og",
    "myst",
    "mystnb",
)
#: Modules every Jupyter kernel (and Colab's) brings: never pinned by a set-up cell.
KERNEL_MODULES = {"IPython", "ipykernel", "matplotlib_inline", "ipywidgets"}

SETUP_CELL = """\
# Set-up: run this cell first. It installs the ddl package this page was built with (from the
# site) and the versions of the packages the page ran with (from PyPI); when they are
# installed already, it does nothing.
def set_up(packages):
    import importlib, importlib.metadata, subprocess, sys

    def installed(distribution):
        try:
            return importlib.metadata.version(distribution)
        except importlib.metadata.PackageNotFoundError:
            return None

    missing = [p for p in packages if installed(p[0]) != p[1]]
    if not missing:
        return print("Everything this notebook needs is installed.")
    pip = [sys.executable, "-m", "pip", "install", "--quiet"]
    subprocess.run(pip + [where for _, _, _, where in missing], check=True)
    importlib.invalidate_caches()
    print("Installed", ", ".join(f"{name} {version}" for name, version, _, _ in missing))
    loaded = [module for _, _, module, _ in missing if module in sys.modules]
    if loaded:
        raise RuntimeError(
            f"This kernel had already imported {', '.join(loaded)} before the new version was "
            "installed: restart the kernel (Colab: Runtime > Restart session), then run again."
        )


set_up([  # distribution, version, import name, where pip gets it
{packages}
])
del set_up"""


@dataclass(frozen=True)
class Requirement:
    """One package a notebook installs: its distribution, exact version, module and source."""

    distribution: str
    version: str
    module: str
    where: str  # a pip requirement: ``name==version`` or the wheel's URL


def is_notebook_post(source: Path) -> bool:
    if source.suffix != ".md" or not source.is_file():
        return False
    head = source.read_text(encoding="utf-8")[:4000]
    return head.startswith("---") and "\nkernelspec:" in head.split("\n---", 1)[0]


def cell_modules(cells: list[str]) -> set[str]:
    """Top-level modules that notebook cells import."""
    names = set()
    for source in cells:
        tree = parse_cell(source)
        names |= wheels.imported_modules(tree) if tree else set()
    return names


def requirements(cells: list[str], package_dir: Path, site_url: str) -> list[Requirement]:
    """What a post's notebook installs (``cells``: its code): the package's wheel, then every
    third-party distribution the post or the package imports, at the version installed here."""
    wheel = wheels.describe(package_dir)
    found = [
        Requirement(
            wheel.distribution,
            wheel.version,
            wheel.module,
            f"{site_url}{wheels.FOLDER}/{wheel.url_name}",
        )
    ]
    modules = cell_modules(cells) | wheels.package_imports(package_dir)
    leave_out = {package_dir.name, *KERNEL_MODULES}
    for distribution, module in sorted(wheels.distributions_of(modules, leave_out).items()):
        version = metadata.version(distribution)
        found.append(Requirement(distribution, version, module, f"{distribution}=={version}"))
    return found


def setup_cell(packages: list[Requirement]) -> str:
    rows = "\n".join(
        f"    ({p.distribution!r}, {p.version!r}, {p.module!r}, {p.where!r}),".replace("'", '"')
        for p in packages
    )
    return SETUP_CELL.replace("{packages}", rows)


def read(source: Path):
    """A MyST notebook post as an nbformat notebook."""
    import jupytext

    return jupytext.read(source, fmt="md:myst")


def code_of(notebook) -> list[str]:
    return [cell.source for cell in notebook.cells if cell.cell_type == "code"]


def to_notebook(notebook, page_url: str | None = None, setup: str | None = None) -> str:
    """The ``.ipynb`` text of a post read with :func:`read`, with a set-up cell when ``setup``
    is given."""
    import nbformat

    metadata_ = notebook.metadata
    title = metadata_.get("title")
    for key in SITE_KEYS:
        metadata_.pop(key, None)
    metadata_.pop("jupytext", None)
    lines = [f"# {title}"] if title else []
    if page_url:
        lines.append(f"From the post at <{page_url}>; run the cells in order.")
    first = []
    if lines:
        first.append(nbformat.v4.new_markdown_cell("\n\n".join(lines)))
    if setup:
        first.append(nbformat.v4.new_code_cell(setup))
    notebook.cells[0:0] = first
    # Stable cell ids, so an unchanged post gives a byte-identical notebook.
    notebook.nbformat, notebook.nbformat_minor = 4, 5
    for number, cell in enumerate(notebook.cells):
        cell["id"] = str(number)  # as nbstripout numbers them
    nbformat.validate(notebook)
    return nbformat.writes(notebook, version=4) + "\n"


def site_url(baseurl: str | None) -> str:
    base = (baseurl or "").strip()
    return base.rstrip("/") + "/" if base else ""


def notebook_text(source: Path, docname: str, package_dir: Path, baseurl: str | None) -> str:
    """The reader's notebook of one post (the same for the download and for Colab/Binder)."""
    base = site_url(baseurl)
    notebook = read(source)
    has_package = (package_dir / "__init__.py").is_file()
    try:
        setup = (
            setup_cell(requirements(code_of(notebook), package_dir, base))
            if base and has_package
            else None
        )
    except LookupError as error:  # a module no installed distribution provides
        raise LookupError(f"{source}: the reader's notebook cannot install it: {error}") from None
    return to_notebook(notebook, f"{base}{docname}.html" if base else None, setup)


def paired_path(source: Path) -> Path:
    """Where the committed notebook that Colab and Binder open lives: beside the post."""
    return source.with_suffix(".ipynb")


def write_paired(root: Path, posts_dir: str, package_dir: Path, baseurl: str) -> list[Path]:
    """(Re)write ``<posts_dir>/<slug>.ipynb`` for every notebook post; remove orphans.
    Returns the files that changed."""
    changed = []
    folder = root / posts_dir
    sources = {p for p in folder.glob("*.md") if is_notebook_post(p)}
    for source in sorted(sources):
        docname = source.relative_to(root).with_suffix("").as_posix()
        text = notebook_text(source, docname, package_dir, baseurl)
        target = paired_path(source)
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            write_atomic(target, text)
            changed.append(target)
    for orphan in sorted(folder.glob("*.ipynb")):
        if orphan.with_suffix(".md") not in sources:
            orphan.unlink()
            changed.append(orphan)
    return changed


# -- Sphinx glue -----------------------------------------------------------------------------


def _announce(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Offer the notebook in the download menu (before the theme builds it, priority 501)."""
    if app.builder.format != "html" or doctree is None:
        return
    if is_notebook_post(Path(app.env.doc2path(pagename))):
        context["ipynb_source"] = f"{pagename}.ipynb"


def _write(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Write the notebook, after the theme's launch buttons copied the executed one there."""
    if app.builder.format != "html" or doctree is None:
        return
    source = Path(app.env.doc2path(pagename))
    if not is_notebook_post(source):
        return
    package_dir = Path(app.srcdir) / app.config.ddl_package_dir
    if not wheels.PROVIDED_FILE:
        wheels.PROVIDED_FILE.append(Path(app.doctreedir) / "ddl-distributions.json")
    text = notebook_text(source, pagename, package_dir, app.config.html_baseurl)
    write_if_changed(Path(app.outdir) / "_sources" / f"{pagename}.ipynb", text)
    rebuild.own(app, pagename, f"_sources/{pagename}.ipynb")
    paired = paired_path(source)
    if not paired.is_file() or paired.read_text(encoding="utf-8") != text:
        rel = paired.relative_to(app.srcdir).as_posix()
        logger.info(
            f"{rel}, which the Colab and Binder buttons open, is out of date: "
            "run `python -m ddl_site notebooks` and commit it"
        )


#: What the notebooks in ``_sources/`` were last written with, in the doctree folder.
RECORD_FILE = "ddl-notebooks.json"


def notebooks_key(package_dir: Path, baseurl: str | None) -> str:
    """A digest of what a post's notebook pins besides the post itself: the wheel's version
    (a digest of the package's files), the installed distributions (their versions), the site's
    address and the code that writes notebooks."""
    from ..core.records import code_digest, digest
    from ..sync.execution import installed_distributions

    has_package = (package_dir / "__init__.py").is_file()
    version = wheels.describe(package_dir).version if has_package else None
    return digest(
        [
            version,
            sorted(installed_distributions()),
            site_url(baseurl),
            code_digest("pages/notebooks.py", "pages/wheel.py", "sync/execution.py"),
        ]
    )


def _write_others(app: Sphinx, exception) -> None:
    """The notebooks of the posts whose pages this build did not write, when what they pin
    changed (an edit to the package re-executes only the posts that import what changed, and
    its wheel replaces the old one, which every notebook names): each written if changed."""
    if rebuild.failed(app, exception) or not rebuild.records_pages(app):
        return
    package_dir = Path(app.srcdir) / app.config.ddl_package_dir
    key = notebooks_key(package_dir, app.config.html_baseurl)
    record = Path(app.doctreedir) / RECORD_FILE
    try:
        kept = record.read_text(encoding="utf-8")
    except OSError:
        kept = None
    sources = Path(app.outdir) / "_sources"
    written = rebuild.written(app)
    posts = [d for d in sorted(app.env.found_docs) if is_notebook_post(Path(app.env.doc2path(d)))]
    for docname in posts:
        target = sources / f"{docname}.ipynb"
        rebuild.own(app, docname, f"_sources/{docname}.ipynb")
        if docname in written or (kept == key and target.is_file()):
            continue
        if not wheels.PROVIDED_FILE:
            wheels.PROVIDED_FILE.append(Path(app.doctreedir) / "ddl-distributions.json")
        source = Path(app.env.doc2path(docname))
        write_if_changed(
            target, notebook_text(source, docname, package_dir, app.config.html_baseurl)
        )
    write_if_changed(record, key)


def setup(app: Sphinx) -> dict[str, Any]:
    if "ddl_package_dir" not in app.config.values:
        app.add_config_value("ddl_package_dir", "src/ddl", "env", types=[str])
    app.connect("html-page-context", _announce, priority=400)
    app.connect("html-page-context", _write, priority=502)
    app.connect("build-finished", _write_others)
    return {}
