"""The companion package, published by the site as the wheel its pages were built with.

A reader who downloads a post's notebook needs the exact ``ddl`` the page ran against. The
build packs ``src/ddl`` (the package alone, not this extension) into a wheel of the project's
distribution, ``demystifying-deep-learning``, versioned ``<ddl.__version__>+g<digest>`` where
the digest is taken over the package's source files: the name changes exactly when the code
does, and the same code always gives the same name and the same bytes (file times in the zip
are fixed). It is written to ``packages/`` in the built site, beside an index page that pip
reads with ``--find-links``; a notebook's set-up cell installs it by its full URL.

flit-core builds the wheel (a small, dependency-free build backend) from a copy of the package
in a temporary folder, with a generated ``pyproject.toml``. The functions here know nothing of
Sphinx; :func:`setup` at the bottom is the glue.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import html
import json
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import quote

DISTRIBUTION = "demystifying-deep-learning"
FOLDER = "packages"
#: Every file in the wheel gets this time (1980-01-01, the earliest a zip can hold).
ZIP_EPOCH = 315532800


@dataclass(frozen=True)
class Wheel:
    """What a notebook needs to know of the published wheel."""

    distribution: str
    version: str
    module: str

    @property
    def filename(self) -> str:
        return f"{self.distribution.replace('-', '_')}-{self.version}-py3-none-any.whl"

    @property
    def url_name(self) -> str:
        """The file name as it goes in a URL: the version's ``+`` escaped as ``%2B``, which
        every server reads as a plus (some read a bare ``+`` as a space); pip unescapes it."""
        return quote(self.filename)


def source_files(package_dir: Path) -> list[Path]:
    """The package's Python files, in a stable order."""
    return sorted(
        (p for p in package_dir.rglob("*.py") if "__pycache__" not in p.parts),
        key=lambda p: p.relative_to(package_dir).as_posix(),
    )


def digest(package_dir: Path) -> str:
    """12 hex digits of a SHA-256 over the package's files (names and bytes)."""
    sha = hashlib.sha256()
    for path in source_files(package_dir):
        sha.update(path.relative_to(package_dir).as_posix().encode() + b"\0")
        sha.update(path.read_bytes() + b"\0")
    return sha.hexdigest()[:12]


def declared_version(package_dir: Path) -> str:
    """The literal ``__version__`` of the package's ``__init__.py``."""
    init = package_dir / "__init__.py"
    for node in ast.parse(init.read_text(encoding="utf-8")).body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "__version__" for t in node.targets)
            and isinstance(node.value, ast.Constant)
        ):
            return str(node.value.value)
    raise ValueError(f"{init}: expected __version__ = '<version>'; found none")


def describe(package_dir: Path, distribution: str = DISTRIBUTION) -> Wheel:
    """The wheel's name and version, without building it."""
    version = f"{declared_version(package_dir)}+g{digest(package_dir)}"
    return Wheel(distribution, version, package_dir.name)


def imported_modules(tree: ast.Module) -> set[str]:
    """Top-level names parsed code imports, leaving out imports guarded by ``except ImportError``
    (optional ones, such as myst-nb in ``ddl.notebook``) and relative imports."""
    optional: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(_catches_import_error(h) for h in node.handlers):
            for statement in node.body:
                optional.update(id(n) for n in ast.walk(statement))
    names = set()
    for node in ast.walk(tree):
        if id(node) in optional:
            continue
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(
        isinstance(k, ast.Name) and k.id in {"ImportError", "ModuleNotFoundError"} for k in kinds
    )


def distributions_of(modules: set[str], leave_out: set[str] = frozenset()) -> dict[str, str]:
    """``{distribution: module}`` of the installed distributions that provide ``modules``
    (standard library and ``leave_out`` excluded). Raises if a module is provided by none."""
    provided = _provided()
    found = {}
    for module in sorted(modules - set(sys.stdlib_module_names) - set(leave_out)):
        if module not in provided:
            raise LookupError(f"import {module}: expected an installed distribution; found none")
        found[min(provided[module])] = module
    return found


#: Where :func:`_provided` keeps what it found between builds (set by the Sphinx glue).
PROVIDED_FILE: list[Path] = []


@functools.cache
def _provided() -> dict[str, list[str]]:
    """Installed top-level modules and the distributions providing them (read once: slow).

    With :data:`PROVIDED_FILE` set, kept there between builds, for as long as the installed
    distributions (their metadata folders' names, which carry their versions) stay the same."""
    from ..sync.execution import installed_distributions

    key = hashlib.sha256("\n".join(installed_distributions()).encode()).hexdigest()
    if PROVIDED_FILE:
        try:
            kept = json.loads(PROVIDED_FILE[0].read_text(encoding="utf-8"))
            if kept.get("installed") == key:
                return {k: list(v) for k, v in kept["provided"].items()}
        except (OSError, ValueError, KeyError, AttributeError):
            pass
    provided = metadata.packages_distributions()
    if PROVIDED_FILE:
        try:
            PROVIDED_FILE[0].parent.mkdir(parents=True, exist_ok=True)
            PROVIDED_FILE[0].write_text(
                json.dumps({"installed": key, "provided": provided}, sort_keys=True), "utf-8"
            )
        except OSError:
            pass
    return provided


def package_imports(package_dir: Path) -> set[str]:
    """Top-level names the package's modules import (itself included)."""
    modules: set[str] = set()
    for path in source_files(package_dir):
        modules |= _file_imports(path.read_bytes())
    return modules


def _file_imports(source: bytes) -> frozenset[str]:
    """:func:`imported_modules` of a module's source (parsed once for the same bytes)."""
    from ..sync.execution import remembered

    return frozenset(
        remembered("wheel", source, lambda: imported_modules(ast.parse(source.decode("utf-8"))))
    )


def requirements(package_dir: Path, leave_out: set[str] = frozenset()) -> list[str]:
    """The distributions the package imports (names only: the notebooks pin the versions)."""
    modules = package_imports(package_dir)
    return sorted(distributions_of(modules, {package_dir.name, *leave_out}))


def pyproject(wheel: Wheel, dependencies: list[str]) -> str:
    listed = ", ".join(f'"{d}"' for d in dependencies)
    return (
        "[build-system]\n"
        'requires = ["flit_core>=3.12,<5"]\n'
        'build-backend = "flit_core.buildapi"\n\n'
        "[project]\n"
        f'name = "{wheel.distribution}"\n'
        f'version = "{wheel.version}"\n'
        'description = "Neural networks from first principles in numpy: the code of the '
        'Demystifying Deep Learning series, as its pages were built."\n'
        'requires-python = ">=3.11"\n'
        f"dependencies = [{listed}]\n\n"
        "[tool.flit.module]\n"
        f'name = "{wheel.module}"\n'
    )


def build(package_dir: Path, out_dir: Path, distribution: str = DISTRIBUTION) -> Path:
    """Build the wheel into ``out_dir`` (unless it is there already); return its path."""
    from flit_core.wheel import make_wheel_in

    wheel = describe(package_dir, distribution)
    target = out_dir / wheel.filename
    if target.is_file():
        return target
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        for path in source_files(package_dir):
            copy = project / wheel.module / path.relative_to(package_dir)
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, copy)
            os.utime(copy, (ZIP_EPOCH, ZIP_EPOCH))
        (project / "pyproject.toml").write_text(
            pyproject(wheel, requirements(package_dir)), encoding="utf-8"
        )
        (project / "dist").mkdir()
        built = make_wheel_in(project / "pyproject.toml", project / "dist").file
        shutil.move(built, target)
    return target


def index_page(wheel: Wheel, site_url: str) -> str:
    """``packages/index.html``: the wheel, linked, for readers and for ``pip --find-links``."""
    name = html.escape(wheel.filename)
    href = html.escape(wheel.url_name)
    url = f"{site_url}{FOLDER}/"
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8">'
        f"<title>{html.escape(wheel.distribution)} {html.escape(wheel.version)}</title></head>\n"
        "<body>\n"
        f"<h1>The {html.escape(wheel.module)} package, as this site was built with it</h1>\n"
        f'<p><a href="{href}">{name}</a></p>\n'
        f"<p><code>pip install --find-links {html.escape(url)} "
        f"{html.escape(wheel.distribution)}=={html.escape(wheel.version)}</code></p>\n"
        "</body>\n</html>\n"
    )


def publish(package_dir: Path, outdir: Path, site_url: str) -> Path:
    """Build the wheel into ``<outdir>/packages/``, remove any older one, write the index."""
    folder = outdir / FOLDER
    path = build(package_dir, folder)
    for old in folder.glob("*.whl"):
        if old != path:
            old.unlink()
    from ..core.records import write_if_changed

    write_if_changed(folder / "index.html", index_page(describe(package_dir), site_url))
    return path


# -- Sphinx glue -----------------------------------------------------------------------------


def package_dir(app) -> Path:
    return Path(app.srcdir) / app.config.ddl_package_dir


def _on_build_finished(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    if not (package_dir(app) / "__init__.py").is_file():
        return  # a book without the package (the tests' tiny books): nothing to publish
    base = (app.config.html_baseurl or "").rstrip("/") + "/"
    publish(package_dir(app), Path(app.outdir), base)


def setup(app) -> dict[str, Any]:
    if "ddl_package_dir" not in app.config.values:
        app.add_config_value("ddl_package_dir", "src/ddl", "env", types=[str])
    app.connect("build-finished", _on_build_finished)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
