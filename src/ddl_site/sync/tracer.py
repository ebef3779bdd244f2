"""The kernel side of the execution fingerprint: what a post's kernel actually loaded.

The build runs each post's IPython kernel through this file instead of ``ipykernel_launcher``
(:mod:`ddl_site.sync.execution` writes a kernel spec whose ``argv`` names it), so it must run as a
script and import nothing but the standard library and ipykernel: importing the ``ddl_site``
package would load Sphinx into every kernel. Before the kernel starts it installs an audit hook
(:func:`sys.addaudithook`) that notes

- every file opened under the repository's root (``DDL_EXECUTION_ROOT``): read-only opens are
  inputs (data files, the package's sources); a file the post also opens for writing is its own
  output or cache and is not;
- every top-level module an import looked for (``import`` events), so that one looked for but
  not found (an optional dependency) is on record: installing it later changes what the kernel
  would load.

After each cell (IPython's ``post_run_cell`` event, which runs before the kernel replies, so the
file is complete when the executor moves on) it writes, if anything changed, the JSON file named
by ``DDL_EXECUTION_TRACE``:

``sources``
    ``{path relative to the root: sha256}`` of the modules in ``sys.modules`` whose files lie
    under the root, and of the files read there (``__pycache__`` excluded);
``distributions``
    ``{name: version}`` of the distributions that provide the other modules in ``sys.modules``
    (the kernel's own, such as ipykernel, included; not those the interpreter loaded before
    this file ran, such as setuptools' ``.pth`` hook, which any Python loads), found with
    :func:`importlib.metadata.packages_distributions`; standard library modules are covered by
    the Python version;
``files``
    ``{absolute path: sha256}`` of modules outside the root that no distribution provides;
``absent``
    top-level modules an import looked for and did not find;
``python``
    the implementation and version.

Without ``DDL_EXECUTION_TRACE`` the kernel runs untraced. The build sets both variables in its
own environment before each post is executed (the kernel inherits them).
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import sys
import sysconfig

TRACE_ENV = "DDL_EXECUTION_TRACE"
ROOT_ENV = "DDL_EXECUTION_ROOT"
_HERE = os.path.dirname(os.path.realpath(__file__))


def python_version() -> str:
    return f"{platform.python_implementation()} {platform.python_version()}"


def _is_under(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


class Tracer:
    """Collects what one kernel loads; :meth:`snapshot` says it, :meth:`dump` writes it."""

    def __init__(self, root: str, output: str | None = None) -> None:
        self.root = os.path.realpath(root)
        # An environment inside the root (README's .venv) is installed code, not the project's.
        self.installed = sorted(
            {os.path.realpath(p) for p in (sys.prefix, sys.exec_prefix, sys.base_prefix)}
        )
        paths = sysconfig.get_paths()
        self.stdlib = {os.path.realpath(paths[k]) for k in ("stdlib", "platstdlib")}
        self.site = {os.path.realpath(paths[k]) for k in ("purelib", "platlib")}
        self._folders: dict[str, list[str]] = {}  # a distribution's package folder: its names
        self.output = output
        self.read: set[str] = set()  # real paths under the root, opened for reading
        self.written: set[str] = set()  # ... and for writing
        self.looked_for: set[str] = set()  # top-level modules the cells' imports looked for
        self.cells_started = False  # the kernel's own start-up looks for optional modules too
        # What the interpreter loaded before the kernel existed (site's .pth hooks, such as
        # setuptools' _distutils_hack): any Python loads it, whatever it runs.
        self.preloaded = set(sys.modules)
        self._modules: dict[str, tuple[str, str] | None] = {}  # by name: (kind, key)
        self._hashes: dict[str, tuple[int, int, str]] = {}
        self._owners: dict[str, list[str]] | None = None
        self._versions: dict[str, str] = {}
        self._last: dict | None = None

    # -- the audit hook: called for every audited event in every thread, so it stays cheap

    def audit(self, event: str, args: tuple) -> None:
        if event == "open":
            try:
                self._opened(args[0], args[2])
            except Exception:  # noqa: BLE001, S110 - an audit hook must never break the kernel
                pass
        elif event == "import" and self.cells_started:
            name = args[0]
            if isinstance(name, str) and "." not in name:
                self.looked_for.add(name)

    def _opened(self, path, flags) -> None:
        if isinstance(path, int):
            return  # a file descriptor: opened earlier, by path
        path = os.path.realpath(os.fsdecode(path))
        if not self.is_project_file(path):
            return
        access = (flags or 0) & os.O_ACCMODE
        if access in (os.O_RDONLY, os.O_RDWR):
            self.read.add(path)
        if access in (os.O_WRONLY, os.O_RDWR):
            self.written.add(path)

    def is_project_file(self, path: str) -> bool:
        """Whether a real path is the project's: under the root, not installed, not bytecode."""
        return (
            _is_under(path, self.root)
            and "__pycache__" not in path
            and not any(_is_under(path, folder) for folder in self.installed)
        )

    # -- what was loaded

    def _hash(self, path: str) -> str | None:
        try:
            stat = os.stat(path)
        except OSError:
            return None
        known = self._hashes.get(path)
        if known and known[:2] == (stat.st_mtime_ns, stat.st_size):
            return known[2]
        try:
            with open(path, "rb") as file:
                digest = hashlib.sha256(file.read()).hexdigest()
        except OSError:
            return None
        self._hashes[path] = (stat.st_mtime_ns, stat.st_size, digest)
        return digest

    def _owner_names(self, top: str) -> list[str]:
        if self._owners is None:
            from importlib.metadata import packages_distributions

            self._owners = packages_distributions()
        return self._owners.get(top, [])

    def _version(self, name: str) -> str:
        if name not in self._versions:
            from importlib.metadata import PackageNotFoundError, version

            try:
                self._versions[name] = version(name)
            except PackageNotFoundError:
                self._versions[name] = "unknown"
        return self._versions[name]

    def _classify(self, name: str, module) -> tuple[str, str] | None:
        """``("source", real path)`` under the root, ``("distribution", top-level name)``,
        ``("file", real path)`` for a module no distribution provides, or ``None``."""
        if name in ("__main__", "__mp_main__") or name in self.preloaded:
            return None
        top = name.partition(".")[0]
        file = getattr(module, "__file__", None)
        if isinstance(file, str) and file:
            path = os.path.realpath(file)
            if self.is_project_file(path):
                return ("source", path)
            if _is_under(path, _HERE) and os.path.basename(path) == "tracer.py":
                return None
        else:
            return None  # built in, frozen, or a namespace package: its submodules say more
        if top in sys.stdlib_module_names or top in sys.builtin_module_names:
            return None
        if any(_is_under(path, d) for d in self.stdlib) and not any(
            _is_under(path, d) for d in self.site
        ):
            return None  # the standard library's own helpers (_sysconfigdata...)
        owners = self._owner_names(top)
        if owners:
            package = getattr(sys.modules.get(top), "__path__", None)
            for folder in package or ():
                self._folders[os.path.realpath(folder)] = owners
            return ("distribution", top)
        return ("file", path)

    def _folder_owners(self, path: str) -> list[str]:
        """The distributions whose package folder holds a file (debugpy's vendored modules)."""
        folder = os.path.dirname(path)
        while True:
            if folder in self._folders:
                return self._folders[folder]
            parent = os.path.dirname(folder)
            if parent == folder:
                return []
            folder = parent

    def snapshot(self) -> dict:
        sources: dict[str, str] = {}
        distributions: dict[str, str] = {}
        files: dict[str, str] = {}
        names = list(sys.modules.items())
        for name, module in names:  # first, so that every package folder is known
            if name not in self._modules:
                self._modules[name] = self._classify(name, module)
        for name, _ in names:
            found = self._modules[name]
            if found is None:
                continue
            kind, key = found
            if kind == "distribution":
                for owner in self._owner_names(key):
                    distributions[owner] = self._version(owner)
                continue
            if kind == "file":
                owners = self._folder_owners(key)
                if owners:
                    for owner in owners:
                        distributions[owner] = self._version(owner)
                    continue
            digest = self._hash(key)
            if digest is None:
                continue
            if kind == "source":
                sources[os.path.relpath(key, self.root).replace(os.sep, "/")] = digest
            else:
                files[key] = digest
        for path in sorted(self.read - self.written):
            if os.path.isfile(path):
                digest = self._hash(path)
                if digest is not None:
                    sources[os.path.relpath(path, self.root).replace(os.sep, "/")] = digest
        loaded = {n.partition(".")[0] for n in sys.modules}
        return {
            "python": python_version(),
            "sources": dict(sorted(sources.items())),
            "distributions": dict(sorted(distributions.items())),
            "files": dict(sorted(files.items())),
            # The standard library's platform-specific modules (nt, winreg...) never turn up.
            "absent": sorted(self.looked_for - loaded - sys.stdlib_module_names),
        }

    def start_cells(self, *_args) -> None:
        self.cells_started = True

    def dump(self, *_args) -> None:
        """Write the snapshot to the output file if it changed since the last dump."""
        if not self.output:
            return
        try:
            snapshot = self.snapshot()
            if snapshot == self._last:
                return
            temporary = f"{self.output}.{os.getpid()}.tmp"
            with open(temporary, "w", encoding="utf-8") as file:
                json.dump(snapshot, file, indent=1)
            os.replace(temporary, self.output)
            self._last = snapshot
        except Exception as error:  # noqa: BLE001 - say so, but let the post run
            print(f"ddl_site.sync.tracer: cannot write {self.output}: {error}", file=sys.stderr)


def main() -> None:
    """Start an IPython kernel (as ``ipykernel_launcher`` does), traced when asked to be."""
    # Running a file by path puts its folder first on sys.path; this one's must not shadow
    # anything the posts import. IPython puts the kernel's working folder there instead.
    if sys.path and os.path.realpath(sys.path[0] or os.curdir) == _HERE:
        del sys.path[0]
    output, root = os.environ.get(TRACE_ENV), os.environ.get(ROOT_ENV)
    tracer = Tracer(root, output) if output and root else None
    if tracer is not None:
        sys.addaudithook(tracer.audit)

    from ipykernel.kernelapp import IPKernelApp

    app = IPKernelApp.instance()
    app.initialize()
    if tracer is not None:
        app.shell.events.register("pre_run_cell", tracer.start_cells)
        app.shell.events.register("post_run_cell", tracer.dump)
        tracer.dump()  # the kernel's own modules, even if no cell runs
    try:
        app.start()
    finally:
        if tracer is not None:
            tracer.dump()


if __name__ == "__main__":
    main()
