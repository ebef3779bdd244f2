"""Outputs that can never go stale: re-execute exactly the posts whose inputs changed.

jupyter-cache keys a notebook on its code cells only, so an edit to ``src/ddl``, to a data file,
or to the installed packages would leave old figures and numbers on the site. This module closes
the gap by recording, as each post runs, what its kernel actually loaded.

How the kernel is traced. myst-nb executes a post through jupyter-cache and nbclient, which start
the kernel its notebook names (``python3``) from a kernel spec looked up on ``JUPYTER_PATH``, in
the environment of the build's process. When some post is to be executed, this module writes,
for each kernel name those posts use, a copy of the spec that name resolves to whose ``argv``
runs :mod:`ddl_site.sync.tracer` (a stdlib-only script) instead of ``-m ipykernel_launcher``, into
``<jupyter cache>/ddl-kernels/kernels/<name>/``, and puts that folder first on ``JUPYTER_PATH``
for the build. Sphinx's ``source-read`` event, which comes just before myst-nb parses (and so
executes) a post, sets ``DDL_EXECUTION_TRACE`` to that post's trace file
(``<jupyter cache>/ddl-traces/<docname>.json``) and ``DDL_EXECUTION_ROOT`` to the book's root;
the kernel inherits them. The tracer installs an audit hook and, after every cell, writes the
files under the root the kernel imported or read, the distributions (with versions) of every
module in its ``sys.modules``, the modules its cells looked for and did not find, and the Python
version. No cell is added to the posts and their notebooks do not change (jupyter-cache's hash,
which covers the kernelspec in the notebook's metadata, is the same). Everything is restored at
``build-finished``.

The fingerprint of a post's cached outputs is then: the jupyter-cache hash of its code cells;
``sources``, the sha256 of every file under the root its kernel loaded or read (``__pycache__``
and an environment inside the root, such as README's ``.venv``, excluded), together with the
modules of ``src/ddl`` its code imports statically (a cross-check, found with :mod:`ast`);
``distributions``, ``{name: version}`` of what its kernel imported (the kernel's own ipykernel
and IPython included); the files of imported modules that no distribution provides; the modules
it looked for and did not find; and the Python version. A JSON manifest inside the jupyter-cache
folder keeps each post's fingerprint. On ``env-get-outdated`` each recorded fingerprint is looked
up again: the same files hashed, the same distributions' versions read with
:mod:`importlib.metadata`, the missing modules looked for. So installing a package no post
imports re-executes nothing, and a new version of matplotlib re-executes exactly the posts whose
kernels imported it. A post whose fingerprint differs from its recorded one (or that has no
recorded one, or no outputs in the cache) has its jupyter-cache records removed and is reported
as outdated, so that Sphinx re-reads it even though its own file did not change, and myst-nb
re-executes it; the log says which posts and why. Every other post keeps its cached outputs and,
if Sphinx has it pickled, is not even re-read. On ``build-finished``, whatever the outcome, a
post is recorded as current only if the jupyter-cache now holds outputs for it, which for a stale
post means this build made them (with its new trace); a post that failed (or that an earlier
failure kept from running) keeps its old fingerprint and is marked unsuccessful, so the next
build executes it, and fails, again.

Posts run side by side. myst-nb executes a post as Sphinx reads it, one post after another.
When two or more posts are stale, ``env-before-read-docs`` executes them first, several at once
(:func:`_execute_ahead`), each exactly as myst-nb's cache mode would and traced the same way, and
puts their outputs in the jupyter-cache; myst-nb then reads them from there, as in any rebuild
that finds outputs cached. A post that fails there is executed again by myst-nb as it reads it,
which fails the build with the post's name and the cell's traceback.

A kernel that is not started by ``-m ipykernel_launcher`` cannot be traced; its posts keep the
untraced fingerprint: the static imports and hashes of the whole environment (the requirements
files and every installed distribution), so that any install re-executes them. Not tracked:
which files a post lists in a folder (only the files it opens), and what a post fetches from the
network. A manifest from before tracing is not read: the first build executes every post once.

The dependency analysis is plain functions that know nothing of Sphinx; the functions after
"Sphinx glue" are the only Sphinx glue. Config values (in ``_config.yml`` under
``sphinx.config``):

``ddl_execution_packages``
    ``{import name: source folder}`` of the packages whose modules the posts import, folders
    relative to the book's root, for the static cross-check (and the packages whose docstrings
    :mod:`.equation_links` reads for the equations they implement). Default ``{}``: none; this
    series names ``{"ddl": "src/ddl"}``.
``ddl_execution_requirements``
    For untraced kernels only: requirements files whose contents (with the files they include
    via ``-r``/``-c``) are part of the environment fingerprint. Default ``[]``; this series
    names ``["requirements.txt"]``.
``ddl_execution_installed``
    Whether distributions, their versions and the Python version are part of the fingerprint
    (for untraced kernels, the installed distributions). Default ``True``.
``ddl_execution_workers``
    How many stale posts execute at once. Default ``0``: as many as the cores the build may use.
    ``1`` leaves every execution to myst-nb, one post at a time.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import json
import os
import platform
import re
import sys
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

MANIFEST_NAME = "ddl-execution.json"
MANIFEST_VERSION = 2
MISSING = "missing"

# --------------------------------------------------------------------------------------------
# The package's modules and the import graph between them
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Module:
    """One module of a tracked package: its dotted name, source file and kind."""

    name: str
    path: Path
    is_package: bool  # an ``__init__.py``


def find_modules(packages: Mapping[str, Path | str]) -> dict[str, Module]:
    """Every module of the ``{import name: source folder}`` packages, by dotted name.

    Sub-folders are included whether or not they hold an ``__init__.py`` (namespace packages are
    importable too); files and folders whose names are not identifiers are not modules.
    """
    modules: dict[str, Module] = {}
    for top, folder in packages.items():
        folder = Path(folder)
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*.py")):
            parts = path.relative_to(folder).with_suffix("").parts
            if not all(part.isidentifier() for part in parts):
                continue
            is_package = parts[-1] == "__init__"
            if is_package:
                parts = parts[:-1]
            name = ".".join((top, *parts))
            modules[name] = Module(name, path, is_package)
    return modules


def _parse(source: str) -> ast.Module | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. SyntaxWarning for an invalid escape sequence
        try:
            return ast.parse(source)
        except (SyntaxError, ValueError):
            return None


def parse_cell(source: str) -> ast.Module | None:
    """Parse a notebook cell, turning IPython syntax (``%magic``, ``!shell``) into Python."""
    tree = _parse(source)
    if tree is None:
        try:
            from IPython.core.inputtransformer2 import TransformerManager
        except ImportError:  # pragma: no cover - IPython comes with ipykernel
            lines = [ln for ln in source.splitlines() if not ln.lstrip().startswith(("%", "!"))]
            return _parse("\n".join(lines))
        try:
            source = TransformerManager().transform_cell(source)
        except Exception:  # noqa: BLE001 - IPython could not make sense of it either
            return None
        tree = _parse(source)
    return tree


_IMPORT_LINE = re.compile(
    r"^\s*(?:from\s+([\w.]+)\s+import\s+([\w., ()*]+)|import\s+([\w., ]+))", re.MULTILINE
)


def _imports_by_regex(source: str) -> set[str]:
    """Import statements of code that does not parse: a conservative line-by-line reading."""
    names: set[str] = set()
    for base, items, plain in _IMPORT_LINE.findall(source):
        if base:
            names.add(base)
            names.update(
                f"{base}.{item.strip()}"
                for item in re.split(r"[,()\s]+", items)
                if item.strip().isidentifier()
            )
        else:
            names.update(item.split(" as ")[0].strip() for item in plain.split(","))
    return {name for name in names if name}


def imported_names(
    source: str, module: str | None = None, is_package: bool = False, cell: bool = False
) -> set[str]:
    """The absolute dotted names that ``source`` may import (a superset; filter with modules).

    ``import a.b.c`` yields ``a``, ``a.b`` and ``a.b.c`` (importing a submodule runs its parents).
    ``from a.b import c`` yields ``a``, ``a.b`` and ``a.b.c`` (``c`` may be a submodule).
    ``from a import *`` yields ``a`` and ``a.*`` (resolved against ``__all__`` later).
    Relative imports are resolved against ``module`` (the code's own dotted name; ``is_package``
    when it is an ``__init__``); without a module they are ignored. Imports anywhere in the code
    count (inside functions, ``try`` or ``if`` blocks), as do ``importlib.import_module("a.b")``
    and ``__import__("a.b")`` with a literal name. ``cell`` accepts IPython syntax.
    """
    tree = parse_cell(source) if cell else _parse(source)
    if tree is None:
        return _with_parents(_imports_by_regex(source))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node.module, node.level, module, is_package)
            if base is None:
                continue
            names.add(base)
            for alias in node.names:
                names.add(f"{base}.{alias.name}")  # "a.*" for a star import
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            first = node.args[0]
            if (
                called in {"import_module", "__import__"}
                and isinstance(first, ast.Constant)
                and isinstance(first.value, str)
                and not first.value.startswith(".")
            ):
                names.add(first.value)
    return _with_parents(names)


def _absolute(target: str | None, level: int, module: str | None, is_package: bool) -> str | None:
    """The absolute name of ``from <level dots><target> import ...`` written in ``module``."""
    if level == 0:
        return target
    if module is None:
        return None
    package = module.split(".") if is_package else module.split(".")[:-1]
    if level - 1 > len(package) - 1:
        return None  # beyond the top-level package: an ImportError at run time
    base = package[: len(package) - (level - 1)]
    return ".".join(base + ([target] if target else []))


def _with_parents(names: Iterable[str]) -> set[str]:
    out: set[str] = set()
    for name in names:
        parts = name.split(".")
        out.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
    return out


def _exported_names(module: Module) -> list[str]:
    """The literal ``__all__`` of a module, if it has one (for ``from package import *``)."""
    tree = _parse(module.path.read_text(encoding="utf-8", errors="replace"))
    exported: list[str] = []
    for node in tree.body if tree else []:
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets) and node.value:
                try:
                    value = ast.literal_eval(node.value)
                except ValueError:
                    continue
                exported.extend(v for v in value if isinstance(v, str))
    return exported


def resolve(names: Iterable[str], modules: Mapping[str, Module]) -> set[str]:
    """The modules among ``names``, with ``a.*`` standing for the submodules in ``a.__all__``."""
    found: set[str] = set()
    for name in names:
        if name.endswith(".*"):
            package = modules.get(name[:-2])
            if package is not None and package.is_package:
                found.update(
                    f"{package.name}.{n}"
                    for n in _exported_names(package)
                    if f"{package.name}.{n}" in modules
                )
        elif name in modules:
            found.add(name)
    return found


# What each module file imports, by its name and the digest of its bytes: parsed once, however
# many import graphs (the posts', the lead images') are drawn from it, and, once a build has
# named a file to keep them in (:func:`keep_imports_in`), across builds.
_IMPORTS: dict[str, list[str]] = {}
_IMPORTS_FILE: list[Path] = []  # where they are kept, if anywhere
_IMPORTS_CHANGED: list[bool] = [False]
_IMPORTS_USED: set[str] = set()


def keep_imports_in(path: Path) -> None:
    """Read what module files import from ``path``, and keep it there (:func:`save_imports`)."""
    _IMPORTS_FILE[:] = [Path(path)]
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if isinstance(data, dict) and data.get("code") == _imports_code():
            found = data.get("found", {})
            _IMPORTS.update({k: list(v) for k, v in found.items() if isinstance(v, list)})
    except (OSError, ValueError, AttributeError):
        pass


def _imports_code() -> str:
    from ..core.records import code_digest

    return code_digest("sync/execution.py", "pages/wheel.py")


def save_imports() -> None:
    """Write what module files import to the file named by :func:`keep_imports_in`."""
    if not _IMPORTS_FILE or not _IMPORTS_CHANGED[0]:
        return
    path = _IMPORTS_FILE[0]
    kept = {k: v for k, v in _IMPORTS.items() if k in _IMPORTS_USED}  # files as they are now
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(path.name + ".tmp")
        data = {"code": _imports_code(), "found": kept}
        temporary.write_text(json.dumps(data, sort_keys=True), encoding="utf-8")
        os.replace(temporary, path)
        _IMPORTS_CHANGED[0] = False
    except OSError:
        pass


def _module_imports(module: Module) -> frozenset[str]:
    try:
        data = module.path.read_bytes()
    except OSError:
        data = b""
    key = hashlib.sha256(f"{module.name}\0{int(module.is_package)}\0".encode() + data).hexdigest()
    if key not in _IMPORTS:
        source = data.decode("utf-8", errors="replace")
        _IMPORTS[key] = sorted(imported_names(source, module.name, module.is_package))
        _IMPORTS_CHANGED[0] = True
    _IMPORTS_USED.add(key)
    return frozenset(_IMPORTS[key])


def import_graph(modules: Mapping[str, Module]) -> dict[str, set[str]]:
    """For each module, the modules of the tracked packages it imports directly.

    A module also depends on its parent packages, whose ``__init__`` runs before it.
    """
    graph: dict[str, set[str]] = {}
    for name, module in modules.items():
        direct = resolve(_module_imports(module), modules)
        direct |= resolve(_with_parents([name]), modules)
        graph[name] = direct - {name}
    return graph


def closure(start: Iterable[str], graph: Mapping[str, Iterable[str]]) -> set[str]:
    """Every module reachable from ``start`` in the import graph, ``start`` included."""
    seen: set[str] = set()
    todo = [name for name in start if name in graph]
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(n for n in graph.get(name, ()) if n not in seen)
    return seen


def code_dependencies(
    cells: Iterable[str],
    modules: Mapping[str, Module],
    graph: Mapping[str, Iterable[str]] | None = None,
) -> set[str]:
    """The modules that code cells import, directly or through other modules of the packages."""
    graph = import_graph(modules) if graph is None else graph
    direct: set[str] = set()
    for source in cells:
        direct |= resolve(_cell_imports(source), modules)
    return closure(direct, graph)


def remembered(kind: str, data: bytes, compute) -> list[str]:
    """``compute()`` (a list of names) for ``data`` of a ``kind``, kept with the modules'
    imports (:func:`keep_imports_in`): computed once for the same bytes."""
    key = hashlib.sha256(kind.encode() + b"\0" + data).hexdigest()
    if key not in _IMPORTS:
        _IMPORTS[key] = sorted(compute())
        _IMPORTS_CHANGED[0] = True
    _IMPORTS_USED.add(key)
    return _IMPORTS[key]


def _cell_imports(source: str) -> frozenset[str]:
    """:func:`imported_names` of a code cell, kept with the modules' (parsed once)."""
    key = hashlib.sha256(b"cell\0" + source.encode("utf-8", errors="replace")).hexdigest()
    if key not in _IMPORTS:
        _IMPORTS[key] = sorted(imported_names(source, cell=True))
        _IMPORTS_CHANGED[0] = True
    _IMPORTS_USED.add(key)
    return frozenset(_IMPORTS[key])


# --------------------------------------------------------------------------------------------
# Fingerprints and the reasons a post's outputs are stale
# --------------------------------------------------------------------------------------------


def file_hash(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "missing"


def _requirement_files(files: Iterable[Path]) -> list[Path]:
    """The requirements files and, recursively, those they include with ``-r`` or ``-c``."""
    seen: list[Path] = []
    todo = [Path(f) for f in files]
    while todo:
        path = todo.pop(0)
        if path in seen:
            continue
        seen.append(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            continue
        for match in re.finditer(
            r"^\s*(?:-r|-c|--requirement|--constraint)[ =]\s*(\S+)", text, re.MULTILINE
        ):
            todo.append(path.parent / match.group(1))
    return seen


def installed_distributions(path: Iterable[str] | None = None) -> list[str]:
    """The installed distributions' metadata folders (``numpy-2.4.6.dist-info``...), sorted.

    Their names carry each distribution's name and version; listing the folders on
    ``sys.path`` is much faster than reading every distribution's metadata.
    """
    found: set[str] = set()
    for entry in sys.path if path is None else path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        found.update(n for n in names if n.endswith((".dist-info", ".egg-info")))
    return sorted(found)


def environment_fingerprint(
    requirements: Iterable[Path], installed: bool = True, root: Path | None = None
) -> dict[str, str]:
    """Hashes of what the posts run on, by part: requirements, installed distributions, Python."""
    digest = hashlib.sha256()
    for path in _requirement_files(requirements):
        shown = os.path.relpath(path, root) if root else str(path)
        digest.update(f"{PurePosixPath(Path(shown).as_posix())}\0{file_hash(path)}\n".encode())
    parts = {"requirements": digest.hexdigest()}
    if installed:
        digest = hashlib.sha256("\n".join(installed_distributions()).encode())
        parts["installed packages"] = digest.hexdigest()
        parts["Python"] = f"{platform.python_implementation()} {platform.python_version()}"
    return parts


def distribution_version(name: str) -> str:
    """The installed version of a distribution, or ``"missing"``."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return MISSING


def importable(name: str) -> bool:
    """Whether a top-level module can be found now (without importing it)."""
    import importlib.util

    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


@dataclass
class Fingerprint:
    """What a post's outputs depend on: its code, the files and distributions it loaded.

    ``traced`` fingerprints come from the post's kernel (see :mod:`ddl_site.sync.tracer`); the others
    (a kernel that cannot be traced) stand on the static import analysis and on the whole
    environment, as hashes in ``environment``.
    """

    notebook: str  # jupyter-cache's hash of the code cells (and kernelspec)
    sources: dict[str, str] = field(default_factory=dict)  # {path under the root: sha256}
    environment: dict[str, str] = field(default_factory=dict)  # {part: hash or version}
    distributions: dict[str, str] = field(default_factory=dict)  # {name: version}
    files: dict[str, str] = field(default_factory=dict)  # {absolute path: sha256}
    absent: list[str] = field(default_factory=list)  # modules looked for and not found
    traced: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "notebook": self.notebook,
            "traced": self.traced,
            "environment": self.environment,
            "sources": dict(sorted(self.sources.items())),
            "distributions": dict(sorted(self.distributions.items())),
            "files": dict(sorted(self.files.items())),
            "absent": sorted(self.absent),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Fingerprint:
        return cls(
            str(data["notebook"]),
            dict(data.get("sources", {})),
            dict(data.get("environment", {})),
            dict(data.get("distributions", {})),
            dict(data.get("files", {})),
            list(data.get("absent", [])),
            bool(data.get("traced", False)),
        )


def stale_reason(recorded: Fingerprint | None, current: Fingerprint) -> str | None:
    """Why outputs made under ``recorded`` do not hold under ``current`` (``None``: they do)."""
    if recorded is None:
        return "no successful execution on record"
    if recorded.notebook != current.notebook:
        return "its code cells changed"
    if recorded.traced != current.traced:
        return "its kernel is now traced" if current.traced else "its kernel is no longer traced"
    reasons = []
    for part in sorted(set(recorded.environment) | set(current.environment)):
        if recorded.environment.get(part) != current.environment.get(part):
            reasons.append(f"{part} changed")
    for name in sorted(set(recorded.distributions) | set(current.distributions)):
        before, now = recorded.distributions.get(name), current.distributions.get(name)
        if before == now:
            continue
        if before is None:
            reasons.append(f"{name} {now} is newly imported")
        elif now is None or now == MISSING:
            reasons.append(f"{name} {before} is no longer installed")
        else:
            reasons.append(f"{name} {before} → {now}")
    for name in sorted(set(recorded.absent) - set(current.absent)):
        reasons.append(f"{name} is now importable (looked for, not found, when it ran)")
    for files in ("sources", "files"):
        before_files, now_files = getattr(recorded, files), getattr(current, files)
        for path in sorted(set(before_files) | set(now_files)):
            before, now = before_files.get(path), now_files.get(path)
            if before == now:
                continue
            if before is None:
                reasons.append(f"{path} is newly imported")
            elif now is None:
                reasons.append(f"{path} is no longer imported")
            elif now == MISSING:
                reasons.append(f"{path} was deleted")
            else:
                reasons.append(f"{path} changed")
    return ", ".join(reasons) or None


def traced_fingerprint(
    notebook: str, trace: Mapping[str, Any], static: Mapping[str, str], installed: bool = True
) -> Fingerprint:
    """The fingerprint of outputs a traced kernel made: what it loaded (see
    :mod:`ddl_site.sync.tracer`), with the sources the static analysis finds (a cross-check)."""
    sources = {**dict(trace.get("sources", {})), **static}
    if not installed:
        return Fingerprint(notebook, sources, traced=True)
    return Fingerprint(
        notebook,
        sources,
        {"Python": str(trace.get("python", ""))},
        dict(trace.get("distributions", {})),
        dict(trace.get("files", {})),
        list(trace.get("absent", [])),
        traced=True,
    )


def current_fingerprint(
    recorded: Fingerprint,
    notebook: str,
    root: Path,
    static: Mapping[str, str],
    installed: bool = True,
    hashes: dict[str, str] | None = None,
    versions: dict[str, str] | None = None,
) -> Fingerprint:
    """What a traced fingerprint is now: the same files, distributions and modules, looked up
    again (``hashes`` and ``versions`` memoise across posts)."""
    hashes = {} if hashes is None else hashes
    versions = {} if versions is None else versions

    def hashed(path: str, file: Path) -> str:
        if path not in hashes:
            hashes[path] = file_hash(file)
        return hashes[path]

    def installed_version(name: str) -> str:
        if name not in versions:
            versions[name] = distribution_version(name)
        return versions[name]

    sources = {path: hashed(path, root / path) for path in recorded.sources}
    sources.update(static)
    if not installed:
        return Fingerprint(notebook, sources, traced=True)
    return Fingerprint(
        notebook,
        sources,
        {"Python": f"{platform.python_implementation()} {platform.python_version()}"},
        {name: installed_version(name) for name in recorded.distributions},
        {path: hashed(path, Path(path)) for path in recorded.files},
        [name for name in recorded.absent if not importable(name)],
        traced=True,
    )


def read_trace(path: Path) -> dict[str, Any] | None:
    """What a traced kernel wrote, or ``None`` if it wrote nothing readable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and "sources" in data else None


def read_manifest(path: Path) -> tuple[dict[str, Fingerprint], set[str]]:
    """The fingerprints each post's cached outputs were made under, and the posts the last
    build did not execute successfully; empty if the manifest is missing or unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != MANIFEST_VERSION:
            return {}, set()
        posts = {doc: Fingerprint.from_json(fp) for doc, fp in data["posts"].items()}
        return posts, set(data.get("unsuccessful", []))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}, set()


def write_manifest(
    path: Path, posts: Mapping[str, Fingerprint], unsuccessful: Iterable[str] = ()
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "version": MANIFEST_VERSION,
        "posts": {doc: fp.to_json() for doc, fp in sorted(posts.items())},
        "unsuccessful": sorted(unsuccessful),
    }
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    os.replace(temporary, path)


# --------------------------------------------------------------------------------------------
# Sphinx glue
# --------------------------------------------------------------------------------------------


@dataclass
class _Post:
    docname: str
    path: Path  # the source file, absolute
    shown: str  # the source file as the log shows it, relative to the book's root
    fingerprint: Fingerprint  # what its outputs depend on now (if current, its recorded one)
    kernel: str | None = None
    static: dict[str, str] = field(default_factory=dict)  # the static analysis's sources
    fallback: Fingerprint | None = None  # if its kernel, executed, leaves no trace
    trace: Path | None = None  # where its traced kernel writes what it loaded


@dataclass
class _BuildState:
    manifest_path: Path
    cache_path: Path
    recorded: dict[str, Fingerprint]
    unsuccessful: set[str]
    posts: dict[str, _Post]
    stale: dict[str, str]
    root: Path | None = None
    traced_kernels: set[str] = field(default_factory=set)
    environ: dict[str, str | None] = field(default_factory=dict)  # to restore at the end


TRACER = Path(__file__).resolve().with_name("tracer.py")
TRACES = "ddl-traces"  # inside the jupyter-cache folder: one JSON file per executed post
KERNELS = "ddl-kernels"  # inside the jupyter-cache folder: the traced kernel specs
READINGS = "ddl-notebooks.json"  # inside the jupyter-cache folder: the posts read as notebooks


def traced_kernel_spec(spec: Mapping[str, Any], tracer: Path | str = TRACER) -> dict | None:
    """A copy of a kernel spec that runs ``tracer`` where it ran ``ipykernel_launcher``, or
    ``None`` if the spec does not start an IPython kernel that way."""
    argv = [str(a) for a in spec.get("argv", [])]
    for i in range(len(argv) - 1):
        if argv[i] == "-m" and argv[i + 1] in ("ipykernel_launcher", "ipykernel"):
            return {**spec, "argv": [*argv[:i], str(tracer), *argv[i + 2 :]]}
    return None


def trace_file(cache_path: Path, docname: str) -> Path:
    from urllib.parse import quote

    return cache_path / TRACES / f"{quote(docname, safe='')}.json"


def _logger():
    from sphinx.util import logging

    return logging.getLogger(__name__)


@dataclass
class _Reading:
    """What the execution check needs of a post read as a notebook."""

    kernel: str | None  # after myst-nb's kernel aliases
    cells: list[str]  # the code cells' sources
    hashkey: str  # jupyter-cache's hash of the notebook (code cells and kernelspec)


def _as_myst_nb_reads(path: Path, text: str, env):
    """A post as myst-nb reads it (its kernel aliases applied), the settings it executes it with
    (the notebook's overrides applied) and the format it was read in; or None if myst-nb does not
    execute it through the cache."""
    from myst_nb.core.nb_to_tokens import nb_node_to_dict
    from myst_nb.core.read import create_nb_reader

    nb_config = env.mystnb_config
    reader = create_nb_reader(str(path), env.myst_config, nb_config, text)
    if reader is None:
        return None
    notebook = reader.read(text)
    kernel = notebook.metadata.get("kernelspec", {}).get("name")
    for pattern, alias in (nb_config.kernel_rgx_aliases or {}).items():
        if kernel is not None and re.fullmatch(pattern, kernel):
            notebook.metadata["kernelspec"]["name"] = alias
            break
    overrides = nb_node_to_dict(notebook.metadata.get(nb_config.metadata_key) or {})
    overrides.pop("output_folder", None)
    with contextlib.suppress(Exception):  # myst-nb warns, and goes on with the book's settings
        nb_config = nb_config.copy(**overrides)
    if nb_config.execution_mode != "cache":
        return None
    if any(
        PurePosixPath(path.as_posix()).match(p) for p in nb_config.execution_excludepatterns or ()
    ):
        return None
    return notebook, nb_config, reader.read_fmt


def _read_notebook(path: Path, text: str, env, cache) -> _Reading | None:
    """A post read as myst-nb reads it, or None if myst-nb does not execute it via the cache."""
    read = _as_myst_nb_reads(path, text, env)
    if read is None:
        return None
    notebook = read[0]
    kernel = notebook.metadata.get("kernelspec", {}).get("name")
    cells = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    _, hashkey = cache.create_hashed_notebook(notebook)
    return _Reading(kernel, cells, hashkey)


def reading_settings(myst_config, nb_config, cache_version: str) -> str:
    """A digest of the settings posts are read as notebooks with: the same from one build to
    the next whatever the order of the sets in them (which changes with ``PYTHONHASHSEED``)."""
    import myst_nb

    from ..core.records import code_digest, digest

    return digest(
        [
            myst_config,
            nb_config,
            cache_version,
            myst_nb.__version__,
            code_digest("sync/execution.py"),
        ]
    )


def _executed_notebooks(app, env, cache) -> dict[str, tuple[_Post, _Reading]]:
    """The posts myst-nb executes through the cache, read as notebooks, by docname.

    Reading a post as a notebook parses all its Markdown, so what is read is kept in the cache
    folder, by the digest of the post's path and text and of the settings it was read with."""
    import jupyter_cache

    nb_config = env.mystnb_config
    root = Path(app.srcdir)
    readings = Path(nb_config.execution_cache_path) / READINGS
    settings = reading_settings(env.myst_config, nb_config, jupyter_cache.__version__)
    try:
        kept = json.loads(readings.read_text(encoding="utf-8"))
        kept = dict(kept["posts"]) if kept.get("settings") == settings else {}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        kept = {}
    now: dict[str, Any] = {}
    found: dict[str, tuple[_Post, _Reading]] = {}
    for docname in sorted(env.found_docs):
        path = Path(env.doc2path(docname))
        try:
            text = path.read_text(encoding="utf-8")
            key = hashlib.sha256(f"{path}\0{text}".encode()).hexdigest()
            before = kept.get(docname)
            if before is not None and before[0] == key:
                reading = _Reading(**before[1]) if before[1] is not None else None
            else:
                reading = _read_notebook(path, text, env, cache)
            now[docname] = [key, None if reading is None else vars(reading)]
        except Exception as error:  # noqa: BLE001 - myst-nb reports it when it reads the post
            _logger().debug("execution: cannot read %s as a notebook: %s", path, error)
            continue
        if reading is None:
            continue
        shown = PurePosixPath(Path(os.path.relpath(path, root)).as_posix()).as_posix()
        found[docname] = (_Post(docname, path, shown, Fingerprint(""), reading.kernel), reading)
    if now != kept:
        try:
            readings.parent.mkdir(parents=True, exist_ok=True)
            temporary = readings.with_name(readings.name + ".tmp")
            temporary.write_text(json.dumps({"settings": settings, "posts": now}), "utf-8")
            os.replace(temporary, readings)
        except OSError:
            pass
    return found


def _records(cache) -> list:
    return list(cache.list_cache_records())


def _on_env_get_outdated(app, env, added, changed, removed) -> list[str]:
    nb_config = getattr(env, "mystnb_config", None)
    if nb_config is None or nb_config.execution_mode != "cache":
        return []
    from jupyter_cache import get_cache

    root = Path(app.srcdir)
    cache_path = Path(nb_config.execution_cache_path)
    manifest_path = cache_path / MANIFEST_NAME
    recorded, unsuccessful = read_manifest(manifest_path)
    cache = get_cache(str(cache_path))
    notebooks = _executed_notebooks(app, env, cache)
    state = _BuildState(manifest_path, cache_path, recorded, unsuccessful, {}, {}, root)
    app._ddl_execution = state
    if not notebooks:
        return []

    installed = app.config.ddl_execution_installed
    packages = {name: root / folder for name, folder in app.config.ddl_execution_packages.items()}
    modules = find_modules(packages)
    graph = import_graph(modules)
    environment: dict[str, str] | None = None  # for untraced posts only: computed if needed

    def coarse_environment() -> dict[str, str]:
        nonlocal environment
        if environment is None:
            environment = environment_fingerprint(
                [root / f for f in app.config.ddl_execution_requirements],
                installed=installed,
                root=root,
            )
        return environment

    hashes: dict[str, str] = {}
    versions: dict[str, str] = {}
    records = _records(cache)
    for docname, (post, reading) in notebooks.items():
        cells = reading.cells
        for name in sorted(code_dependencies(cells, modules, graph)):
            file = modules[name].path
            shown = PurePosixPath(Path(os.path.relpath(file, root)).as_posix()).as_posix()
            if shown not in hashes:
                hashes[shown] = file_hash(file)
            post.static[shown] = hashes[shown]
        hashkey = reading.hashkey
        before = recorded.get(docname)
        if before is not None and before.traced:
            post.fingerprint = current_fingerprint(
                before, hashkey, root, post.static, installed, hashes, versions
            )
        else:
            post.fingerprint = Fingerprint(hashkey, dict(post.static), coarse_environment())
        post.trace = trace_file(cache_path, docname)
        state.posts[docname] = post
        # This post's outputs in the cache: by the hash of its code, or made from its file.
        mine = [r for r in records if r.hashkey == hashkey or r.uri == str(post.path)]
        reason = stale_reason(before, post.fingerprint)
        if reason is None and mine:
            continue
        if reason is None:
            reason = "its cached outputs are missing"
        elif docname not in recorded and mine:
            reason = "no record of the sources its cached outputs were made from"
        if docname in unsuccessful:
            reason += " (the last build did not execute it successfully)"
        for record in mine:
            cache.remove_cache(record.pk)
        records = [r for r in records if r not in mine]
        state.stale[docname] = reason
        post.fallback = Fingerprint(hashkey, dict(post.static), coarse_environment())
        post.trace.unlink(missing_ok=True)
    if state.stale:
        _prepare_traced_kernels(state, {state.posts[d].kernel for d in state.stale})
    return sorted(state.stale)


def _prepare_traced_kernels(state: _BuildState, names: Iterable[str | None]) -> None:
    """Write, for each kernel the stale posts name, a spec that runs it through the tracer,
    in a folder put first on ``JUPYTER_PATH`` (where kernel specs are looked up) for the build.

    The spec is the one the name resolves to now (normally ipykernel's own ``python3``), so the
    same Python runs the posts; a kernel not started by ``-m ipykernel_launcher`` is left as it
    is, and its posts fall back to the untraced fingerprint.
    """
    import shutil

    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    folder = state.cache_path / KERNELS
    shutil.rmtree(folder, ignore_errors=True)
    manager = KernelSpecManager()
    for name in sorted(n for n in names if n):
        try:
            spec = manager.get_kernel_spec(name)
        except NoSuchKernel:
            continue  # myst-nb reports it when it executes the post
        traced = traced_kernel_spec(spec.to_dict())
        if traced is None:
            _logger().info(
                "execution: kernel %r is not an IPython kernel started by ipykernel_launcher; "
                "its posts are not traced, and any installed package re-executes them",
                name,
            )
            continue
        target = folder / "kernels" / name.lower()
        target.mkdir(parents=True, exist_ok=True)
        (target / "kernel.json").write_text(json.dumps(traced, indent=1), encoding="utf-8")
        state.traced_kernels.add(name)
    (state.cache_path / TRACES).mkdir(parents=True, exist_ok=True)
    if state.traced_kernels:
        previous = os.environ.get("JUPYTER_PATH")
        state.environ.setdefault("JUPYTER_PATH", previous)
        os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(folder), previous]))


def _on_source_read(app, docname, source) -> None:
    """Name the trace file of the post about to be read (and, if stale, executed) in the
    environment its kernel inherits; a post that is not executed starts no kernel."""
    state: _BuildState | None = getattr(app, "_ddl_execution", None)
    if state is None or not state.traced_kernels:
        return
    from .tracer import ROOT_ENV, TRACE_ENV

    for name in (TRACE_ENV, ROOT_ENV):
        state.environ.setdefault(name, os.environ.get(name))
    post = state.posts.get(docname)
    if post is not None and docname in state.stale and post.trace is not None:
        os.environ[TRACE_ENV] = str(post.trace)
        os.environ[ROOT_ENV] = str(state.root)
    else:
        os.environ.pop(TRACE_ENV, None)


def _restore_environ(state: _BuildState) -> None:
    for name, value in state.environ.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    state.environ.clear()


def _on_env_before_read_docs(app, env, docnames) -> None:
    """Say which posts will be executed and why (after Sphinx's "N added, M changed" line)."""
    state: _BuildState | None = getattr(app, "_ddl_execution", None)
    if state is None or not state.posts:
        return
    for docname, reason in sorted(state.stale.items()):
        _logger().info("%s: re-executing, %s", state.posts[docname].shown, reason)
    if not state.stale:
        _logger().info(
            "execution: the outputs of all %d executed posts are current", len(state.posts)
        )
        return
    _execute_ahead(app, env, state, docnames)


def workers(configured: int) -> int:
    """How many posts execute at once: ``configured``, or if 0 the cores this process may use."""
    if configured > 0:
        return configured
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@dataclass
class _Ahead:
    """A post executed before Sphinx reads it."""

    post: _Post
    notebook: Any  # as myst-nb reads it; executed in place
    config: Any  # myst-nb's settings for it (the book's, with the notebook's overrides)
    read_format: dict | None  # how myst-nb read it, as it records it in the jupyter-cache
    seconds: float = 0.0
    error: BaseException | None = None


BLAS_THREADS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


async def _execute(job: _Ahead, state: _BuildState, limit, threads: int) -> None:
    """Execute one post as myst-nb's cache mode does (jupyter-cache's ``single_nb_execution``:
    the same client, working folder, timeout and allow-errors, each overridable from the
    notebook's ``execution`` metadata), with its kernel traced like a post myst-nb executes.

    Its BLAS gets ``threads`` threads (unless the build's environment sets them), so that kernels
    running at once share the cores instead of each starting a thread per core."""
    import tempfile
    import time

    from nbclient import NotebookClient

    from .tracer import ROOT_ENV, TRACE_ENV

    config, notebook, post = job.config, job.notebook, job.post
    timeout, allow_errors = config.execution_timeout, config.execution_allow_errors
    overrides = notebook.metadata.get("execution", {})
    timeout = overrides.get("timeout", timeout)
    allow_errors = overrides.get("allow_errors", allow_errors)
    environ = dict(os.environ)
    environ.pop(TRACE_ENV, None)
    for name in BLAS_THREADS:
        environ.setdefault(name, str(threads))
    if post.kernel in state.traced_kernels and post.trace is not None:
        environ[TRACE_ENV] = str(post.trace)
        environ[ROOT_ENV] = str(state.root)
    async with limit:
        folder = (
            tempfile.TemporaryDirectory() if config.execution_in_temp else contextlib.nullcontext()
        )
        with folder as temporary:
            cwd = os.path.abspath(temporary or post.path.parent)
            client = NotebookClient(
                notebook,
                timeout=timeout,
                allow_errors=allow_errors,
                record_timing=False,
                resources={"metadata": {"path": cwd}},
            )
            start = time.perf_counter()
            try:
                await client.async_execute(env=environ)
            except Exception as error:  # noqa: BLE001 - myst-nb executes it again and reports it
                job.error = error
            job.seconds = time.perf_counter() - start


def _run_interruptibly(main) -> None:
    """Run the coroutine ``main()`` in an event loop of its own thread, so that Ctrl-C stops
    the build as it does while myst-nb executes a post.

    In the main thread, nbclient would take SIGINT for itself: it shuts its kernel down and
    the post merely fails, and myst-nb would then execute it again. Here the main thread
    receives the KeyboardInterrupt, cancels the executions (nbclient shuts each kernel down as
    its task is cancelled), waits for that, and raises it again.
    """
    import asyncio
    import threading

    loop = asyncio.new_event_loop()
    task = loop.create_task(main())
    done = threading.Event()  # not Thread.join: an interrupted join can leave the thread "dead"

    def run() -> None:
        try:
            with contextlib.suppress(BaseException):  # cancelled: the main thread raises instead
                loop.run_until_complete(task)
        finally:
            done.set()

    threading.Thread(target=run, name="ddl-execution", daemon=True).start()
    try:
        while not done.wait(0.1):
            pass
    except KeyboardInterrupt:
        loop.call_soon_threadsafe(task.cancel)
        done.wait(30)  # each kernel is shut down as its execution is cancelled
        raise
    finally:
        if done.is_set():
            loop.close()
    if not task.cancelled() and task.exception() is not None:
        raise task.exception()


def _execute_ahead(app, env, state: _BuildState, docnames: Iterable[str]) -> None:
    """Execute the stale posts side by side, before Sphinx reads them one after another.

    myst-nb executes a post while Sphinx reads it, so on its own it runs one post at a time.
    When two or more posts are to be executed, this runs them first, up to
    ``ddl_execution_workers`` at once, each as myst-nb would (see :func:`_execute`), and puts
    their outputs in the jupyter-cache under the hash and path myst-nb looks them up by. myst-nb
    then finds them there as it reads each post, exactly as in a rebuild that finds outputs
    cached by an earlier build, so the pages are the same as if it had executed them itself. A
    post that fails here is left out of the cache: myst-nb executes it again as it reads it, and
    reports the failure with the post's name and the cell's traceback, as it always does.
    """
    import asyncio

    import nbformat
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    wanted = set(docnames)
    jobs: list[_Ahead] = []
    for docname in sorted(state.stale):
        post = state.posts[docname]
        if docname not in wanted:
            continue
        try:
            read = _as_myst_nb_reads(post.path, post.path.read_text(encoding="utf-8"), env)
        except Exception:  # noqa: BLE001 - myst-nb reports it when it reads the post
            read = None
        if read is not None:
            notebook, config, read_format = read
            # Front matter the site's own source-read handler rewrites (a date YAML reads as a
            # datetime) as text, so the notebook can be written to the cache: the kernel never
            # sees the notebook's metadata, and myst-nb takes only outputs, kernelspec and
            # language_info from the cached copy, none of which this changes.
            notebook = nbformat.from_dict(json.loads(json.dumps(notebook, default=str)))
            jobs.append(_Ahead(post, notebook, config, read_format))
    at_once = min(workers(app.config.ddl_execution_workers), len(jobs))
    if at_once < 2:
        return
    _logger().info("execution: executing %d posts, %d at a time", len(jobs), at_once)
    threads = max(1, workers(0) // at_once)

    async def execute_all() -> None:
        limit = asyncio.Semaphore(at_once)
        await asyncio.gather(*(_execute(job, state, limit, threads) for job in jobs))

    _run_interruptibly(execute_all)
    cache = get_cache(str(state.cache_path))
    for job in jobs:
        shown = job.post.shown
        if job.error is not None:
            _logger().info(
                "%s: failed (%s); executing it again alone, to report where",
                shown,
                type(job.error).__name__,
            )
            continue
        if job.read_format is None:
            record = cache.add_nb_to_project(str(job.post.path))
        else:
            record = cache.add_nb_to_project(str(job.post.path), read_data=job.read_format)
        cache.cache_notebook_bundle(
            CacheBundleIn(job.notebook, record.uri, data={"execution_seconds": job.seconds}),
            check_validity=False,
            overwrite=True,
        )
        _logger().info("%s: executed in %.1f s", shown, job.seconds)


def _on_build_finished(app, exception) -> None:
    state: _BuildState | None = getattr(app, "_ddl_execution", None)
    if state is None:
        return
    app._ddl_execution = None
    _restore_environ(state)
    if not state.posts:
        if state.recorded:
            write_manifest(state.manifest_path, {})
        return
    from jupyter_cache import get_cache

    records = _records(get_cache(str(state.cache_path)))
    hashkeys = {r.hashkey for r in records}
    uris = {r.uri for r in records}
    manifest: dict[str, Fingerprint] = {}
    unsuccessful: set[str] = set()
    installed = app.config.ddl_execution_installed
    for docname, post in state.posts.items():
        # Outputs exist and were made under this fingerprint: either the post was current at the
        # start (with its outputs in the cache), or it was stale, its records were removed, and
        # this build executed it, traced if its kernel could be.
        if post.fingerprint.notebook in hashkeys or str(post.path) in uris:
            if docname not in state.stale:
                manifest[docname] = post.fingerprint
                continue
            trace = read_trace(post.trace) if post.trace else None
            if trace is not None:
                manifest[docname] = traced_fingerprint(
                    post.fingerprint.notebook, trace, post.static, installed
                )
            else:
                if post.kernel in state.traced_kernels:
                    _logger().warning(
                        "%s: its kernel left no trace of what it loaded (%s); "
                        "any installed package will re-execute it",
                        post.shown,
                        post.trace,
                        type="ddl",
                        subtype="execution",
                    )
                manifest[docname] = post.fallback or post.fingerprint
            continue
        # It failed, or never ran: it has no outputs in the cache, so the next build executes it
        # again. The fingerprint of its last good outputs is kept, to say what changed since.
        unsuccessful.add(docname)
        if docname in state.recorded:
            manifest[docname] = state.recorded[docname]
    if (manifest, unsuccessful) != (state.recorded, state.unsuccessful):
        write_manifest(state.manifest_path, manifest, unsuccessful)


def _keep_imports(app) -> None:
    keep_imports_in(Path(app.doctreedir) / "ddl-imports.json")


def _save_imports(app, exception) -> None:
    save_imports()


def setup(app) -> None:
    """Register the config values and the event handlers with Sphinx."""
    if "ddl_execution_packages" not in app.config.values:  # equation_links reads it too
        app.add_config_value("ddl_execution_packages", {}, "", types=[dict])
    app.add_config_value("ddl_execution_requirements", [], "", types=[list])
    app.add_config_value("ddl_execution_installed", True, "", types=[bool])
    app.add_config_value("ddl_execution_workers", 0, "", types=[int])
    app.connect("builder-inited", _keep_imports, priority=100)  # before the lead images
    app.connect("env-get-outdated", _on_env_get_outdated)
    app.connect("env-before-read-docs", _on_env_before_read_docs)
    app.connect("source-read", _on_source_read)
    app.connect("build-finished", _on_build_finished)
    app.connect("build-finished", _save_imports)
