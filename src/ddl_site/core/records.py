"""What is kept between builds, kept honestly: digests of values in a canonical form, of this
package's own code, and files rewritten only when their bytes change.

Every wing keeps records in the doctree or cache folder (which posts ran with what, which
citations a package holds, which icons the pages use...). Each is stored with the digest of
the code that computed it (:func:`code_digest`) and, for what a parse gives, with the parser's
versions (:func:`versions`, :data:`PARSER`), so an edit to either recomputes it. Files are
written whole or not at all (:func:`write_atomic`), and an unchanged one is not written again
(:func:`write_if_changed`), so it keeps its time.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from pathlib import Path
from typing import Any


def canonical(value: Any) -> Any:
    """``value`` as JSON-able parts whose form does not depend on the order of sets or on
    the type of a mapping's keys: a mapping becomes its sorted ``[repr(key), value]`` pairs
    (Sphinx keys some domain data by tuples, which JSON rejects), a set its sorted items."""
    if isinstance(value, dict):
        return sorted(([repr(k), canonical(v)] for k, v in value.items()), key=lambda kv: kv[0])
    if isinstance(value, (set, frozenset)):
        items = [canonical(v) for v in value]
        return sorted(items, key=lambda item: json.dumps(item, default=str, sort_keys=True))
    if isinstance(value, (list, tuple)):
        return [canonical(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        return [type(value).__qualname__, canonical(fields)]
    if callable(value) and hasattr(value, "__qualname__"):  # not its address
        return f"{getattr(value, '__module__', '')}.{value.__qualname__}"
    return str(value)


def digest(value: Any) -> str:
    """A digest of a value, in its :func:`canonical` form (anything not JSON-able by its
    ``str``)."""
    text = json.dumps(canonical(value), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def code_digest(*names: str) -> str:
    """A digest of this package's own modules or scripts, named from the package's folder
    (``"sync/execution.py"``...): what is kept between builds is kept with the digest of the
    code that computed it. A name that is no file of the package is an error, not a digest
    that never changes."""
    here = Path(__file__).parents[1]
    missing = [name for name in names if not (here / name).is_file()]
    if missing:
        raise FileNotFoundError(f"no module {', '.join(missing)} in {here}")
    return digest([file_digest(here / name) for name in names])


def package_files() -> list[str]:
    """Every module and script of this package, named from its folder, as :func:`code_digest`
    takes them: the site's whole code."""
    here = Path(__file__).parents[1]
    return sorted(
        p.relative_to(here).as_posix() for p in [*here.rglob("*.py"), *here.rglob("*.cjs")]
    )


def file_digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


#: The parser of the posts' Markdown: what is kept of a parse is kept with their versions.
PARSER = ("markdown-it-py", "mdit-py-plugins", "myst-parser")


def versions(*distributions: str) -> list[str | None]:
    """The installed versions of ``distributions`` (None for one not installed)."""
    from importlib import metadata

    found: list[str | None] = []
    for name in distributions:
        try:
            found.append(metadata.version(name))
        except metadata.PackageNotFoundError:
            found.append(None)
    return found


def write_if_changed(path: Path, data: bytes | str) -> bool:
    """Write ``data`` to ``path`` (:func:`write_atomic`) unless it already holds exactly
    that; whether it wrote."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        if Path(path).read_bytes() == raw:
            return False
    except OSError:
        pass
    write_atomic(path, raw)
    return True


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write ``data`` to ``path`` whole or not at all: to a temporary file in the same folder,
    then renamed over ``path``. A build stopped half way leaves the old file or the new one,
    never part of one, which a size and time, or a digest, would take for the whole."""
    path = Path(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_bytes(raw)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
