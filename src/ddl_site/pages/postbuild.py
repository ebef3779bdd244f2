"""What the passes after the pages are written (icon subsetting, stylesheet trimming) keep
between builds, so that a rebuild does only the work whose inputs changed.

These passes rewrite files Sphinx copied into ``_static/`` from the theme. Sphinx copies them
again whenever it writes a page, and leaves them alone when it writes nothing; so a file found
in ``_static/`` is either as Sphinx copied it (an *original*) or as a pass left it (a *result*,
recorded by its digest). :class:`Store` keeps, under ``<doctrees>/ddl-postbuild/``, the
originals and results by digest and, per pass, what each result was made from (its *key*), so
that the same inputs give the stored result without running the pass again, and an unchanged
site writes nothing.

Pages are read only when they were written since last read: :func:`page_tokens` keeps each
page's words by its size and modification time, with the digest of the code that found them.

When no page was written, the passes take the files as they are (:meth:`Store.current`) or
write back the last results (:meth:`Store.put_back`) without asking what they were made from;
so they do only when the site's code is the code that made them (:func:`package_code`,
recorded as the store is saved).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from ..core.records import write_atomic

FOLDER = "ddl-postbuild"
KEEP_RESULTS = 8  # results kept per pass (an edit undone finds its result again)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def digest_of(value: Any) -> str:
    return sha(json.dumps(value, sort_keys=True, default=str).encode("utf-8"))


class Store:
    """Originals, results and keys of one pass, kept in the doctree folder."""

    def __init__(self, doctreedir: Path | str, name: str) -> None:
        self.folder = Path(doctreedir) / FOLDER
        self.blobs = self.folder / "blobs"
        self.path = self.folder / f"{name}.json"
        try:
            self.state: dict[str, Any] = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.state = {}
        self.state.setdefault("files", {})  # relative path -> {"original", "result"}
        self.state.setdefault("results", [])  # [[key, {relative path: result digest}]]
        self.state.setdefault("extra", {})

    @staticmethod
    def code() -> str:
        return package_code()

    # -- blobs ---------------------------------------------------------------------------

    def put(self, data: bytes) -> str:
        digest = sha(data)
        path = self.blobs / digest
        if not path.is_file():
            write_atomic(path, data)
        return digest

    def get(self, digest: str) -> bytes | None:
        try:
            data = (self.blobs / digest).read_bytes()
        except OSError:
            return None
        return data if sha(data) == digest else None

    # -- originals -----------------------------------------------------------------------

    def original(self, name: str, path: Path) -> str:
        """The digest of ``path``'s original (stored): the file itself, unless it is the result
        an earlier build left there, whose original is recorded."""
        data = path.read_bytes()
        digest = sha(data)
        record = self.state["files"].get(name)
        if record and digest == record.get("result") and self.get(record["original"]) is not None:
            return record["original"]
        self.state["files"][name] = {"original": self.put(data), "result": None}
        return self.state["files"][name]["original"]

    def current(self, names: Iterable[tuple[str, Path]]) -> bool:
        """Whether each file holds the result recorded for it (so the pass has nothing to do
        while its inputs stay the same), as made by the site's code as it is now."""
        if self.state.get("code") != self.code():
            return False
        for name, path in names:
            record = self.state["files"].get(name)
            try:
                if (
                    not record
                    or not record.get("result")
                    or sha(path.read_bytes()) != record["result"]
                ):
                    return False
            except OSError:
                return False
        return True

    def put_back(self, names: Iterable[tuple[str, Path]]) -> bool:
        """When no page changed: write back the recorded result of each file found as its
        recorded original (copied again, as myst-nb copies its stylesheet after every build).
        Whether every file now holds its recorded result."""
        if self.state.get("code") != self.code():
            return False  # made by other code: the pass runs, and its key follows the code
        restore = {}
        for name, path in names:
            record = self.state["files"].get(name) or {}
            try:
                digest = sha(path.read_bytes())
            except OSError:
                return False
            if record.get("result") and digest == record["result"]:
                continue
            if not record.get("result") or digest != record.get("original"):
                return False
            data = self.get(record["result"])
            if data is None:
                return False
            restore[path] = data
        for path, data in restore.items():
            write_atomic(path, data)
        return True

    # -- results -------------------------------------------------------------------------

    def result(self, key: str) -> dict[str, bytes] | None:
        """The stored results made from ``key``, by file, if every one is still stored."""
        for stored_key, digests in self.state["results"]:
            if stored_key == key:
                found = {name: self.get(d) for name, d in digests.items()}
                if all(v is not None for v in found.values()):
                    return found  # type: ignore[return-value]
        return None

    def record(self, key: str, results: dict[str, bytes]) -> None:
        digests = {name: self.put(data) for name, data in results.items()}
        for name, digest in digests.items():
            self.state["files"].setdefault(name, {"original": None})["result"] = digest
        kept = [r for r in self.state["results"] if r[0] != key]
        self.state["results"] = [[key, digests], *kept][:KEEP_RESULTS]
        self.state["key"] = key

    def save(self) -> None:
        self.state["code"] = self.code()
        write_atomic(self.path, json.dumps(self.state, indent=1, sort_keys=True))
        self._prune()

    def _prune(self) -> None:
        """Remove the blobs no pass refers to any more."""
        used: set[str] = set()
        for state_file in self.folder.glob("*.json"):
            try:
                state = json.loads(state_file.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return  # another pass's state unreadable: keep everything
            for record in state.get("files", {}).values():
                used.update(v for v in record.values() if v)
            for _, digests in state.get("results", []):
                used.update(digests.values())
        for blob in self.blobs.glob("*") if self.blobs.is_dir() else []:
            if blob.name not in used:
                blob.unlink(missing_ok=True)


WORD = re.compile(rb"[A-Za-z0-9_-]+")


def page_tokens(
    store: Store,
    files: Iterable[Path],
    root: Path,
    extract: Callable[[bytes], Iterable[str]],
    fresh: set[str] = frozenset(),
) -> dict[str, list[str]]:
    """``extract(bytes)`` of each file, by path relative to ``root``. A file named in ``fresh``
    (written by this build) is read; another, if its size and modification time are those
    recorded when it was last read, is not read again."""
    key = extractor_digest(extract)
    cache = store.state["extra"].get("tokens", {})
    if store.state["extra"].get("tokens extractor") != key:
        cache = {}  # found by other code: every page is read again
    found: dict[str, list[str]] = {}
    stamps: dict[str, list[int]] = {}
    for path in files:
        name = path.relative_to(root).as_posix()
        stat = path.stat()
        stamps[name] = [stat.st_size, stat.st_mtime_ns]
        entry = cache.get(name)
        if name not in fresh and entry and entry[0] == stamps[name]:
            found[name] = entry[1].split(" ") if entry[1] else []
            continue
        found[name] = sorted(set(extract(path.read_bytes())))
    store.state["extra"]["tokens"] = {name: [stamps[name], " ".join(found[name])] for name in found}
    store.state["extra"]["tokens extractor"] = key
    return found


def extractor_digest(extract: Callable) -> str:
    """A digest of the code of ``extract``: its name and the file it is defined in."""
    import inspect

    from ..core.records import file_digest

    try:
        source = inspect.getsourcefile(extract)
    except TypeError:
        source = None
    name = f"{getattr(extract, '__module__', '')}.{getattr(extract, '__qualname__', '')}"
    return digest_of([name, file_digest(Path(source)) if source else None])


def package_code() -> str:
    """A digest of the site's code: its modules and scripts."""
    from ..core.records import code_digest, package_files

    return code_digest(*package_files())


def words(data: bytes) -> set[str]:
    """The words PurgeCSS's default extractor takes from a file: ``[A-Za-z0-9_-]+``."""
    return {w.decode("ascii") for w in WORD.findall(data)}
