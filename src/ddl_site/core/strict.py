"""Strict by default: a warning that means the published site would be wrong fails the build.

A plain ``jupyter-book build .`` (no ``-W``) exits with status 0 whatever Sphinx warns about,
so a page with a hole where a glued number should be, a reference that links nowhere or a
role that was never defined would be published looking finished. This module watches what
Sphinx logs and stops the build, non-zero, naming each problem's file and line, when one of
these is logged:

* an error (in reStructuredText, docutils' ``Unknown interpreted text role``, ...);
* a glued value that no cell computed (myst-nb's ``mystnb.glue``);
* a reference whose target is not found (Sphinx's ``ref.*``: ``ref``, ``numref``, ``doc``,
  ``eq``, ..., and, as ``_config.yml`` sets ``nitpicky``, a reference of any role, such as
  ``py:func``; MyST's ``myst.xref_missing`` for a Markdown link);
* a role or directive that does not exist (``myst.role_unknown``, ``myst.directive_unknown``);
* an image or download that cannot be read (``image.not_readable``,
  ``download.not_readable``).

Nothing partial is published. Problems found while pages are read stop the build once every
page is read, before anything is written; they are kept with the page, so a later build stops
again until the page is fixed (Sphinx does not read an unchanged page twice). Problems found
while a page's references are resolved stop the build before that page is written, and a
copy of the page left by an earlier build is removed, so the broken page is missing rather
than stale.

The site's own checks (type ``ddl``) report and stop the build themselves.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.errors import SphinxError
from sphinx.util import logging as sphinx_logging
from sphinx.util.build_phase import BuildPhase

from ddl.notebook import counted

# (type, subtype) of the warnings that fail the build; a subtype of None matches any.
FATAL: frozenset[tuple[str, str | None]] = frozenset(
    {
        ("mystnb", "glue"),
        ("ref", None),
        ("myst", "xref_missing"),
        ("myst", "iref_missing"),
        ("myst", "role_unknown"),
        ("myst", "directive_unknown"),
        ("image", "not_readable"),
        ("download", "not_readable"),
    }
)
TAG = re.compile(r"\[([\w-]+)\.([\w-]+)\]\s*$")
PLACE = re.compile(r"(.*?):(\d+): ")  # file:line: of a problem as shown
OWN_TYPE = "ddl"  # the site's own checks, which stop the build themselves


class StrictError(SphinxError):
    """Raised when a warning that means the site would be wrong was logged; each problem has
    been logged above it, and is listed in the message with its file and line."""

    category = "Strict build failed"


def kind_of(record: logging.LogRecord) -> tuple[str, str]:
    """A record's ``(type, subtype)``. MyST reports through docutils, whose messages reach
    Sphinx's log typed ``docutils``; their own type ends the message: ``[myst.role_unknown]``."""
    kind = getattr(record, "type", None) or ""
    subtype = getattr(record, "subtype", None) or ""
    if kind == "docutils":
        tagged = TAG.search(str(record.msg))
        if tagged:
            return tagged.group(1), tagged.group(2)
    return kind, subtype


def is_fatal(record: logging.LogRecord) -> bool:
    """Whether a log record means the published site would be wrong or incomplete."""
    kind, subtype = kind_of(record)
    if kind == OWN_TYPE:
        return False
    if record.levelno >= logging.ERROR:
        return True
    if record.levelno < logging.WARNING:
        return False
    return (kind, subtype) in FATAL or (kind, None) in FATAL


def _suppressed(app: Sphinx, record: logging.LogRecord) -> bool:
    """Whether ``suppress_warnings`` in the configuration silences this record."""
    kind, subtype = kind_of(record)
    if not kind:
        return False
    for entry in getattr(app.config, "suppress_warnings", None) or []:
        target, _, sub = entry.partition(".")
        if target == kind and (sub in ("", "*") or sub == subtype):
            return True
    return False


def _relative(app: Sphinx, path: str) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path(app.srcdir).resolve()))
    except ValueError:
        return path


def _where(app: Sphinx, record: logging.LogRecord) -> tuple[str | None, str]:
    """The page a record is about (its docname, if known) and ``file:line`` to show."""
    env = getattr(app, "env", None)
    location = getattr(record, "location", None)
    current = env.temp_data.get("docname") if env is not None else None
    docname, shown = None, ""
    if isinstance(location, tuple):
        docname, line = location
        if docname and env is not None:
            shown = _relative(app, str(env.doc2path(docname)))
            shown += f":{line}" if line else ""
    elif location is not None and hasattr(location, "traverse"):  # a docutils node
        shown = sphinx_logging.get_node_location(location) or ""
    elif isinstance(location, str):
        if ":" in location or env is None:
            shown = location
        else:
            docname, shown = location, str(env.doc2path(location))
    if shown and ":" in shown and not shown.startswith("<"):
        path, _, line = shown.rpartition(":")
        if not line.isdigit():
            path, line = shown, ""
        shown = _relative(app, path) + (f":{line}" if line else "")
        if docname is None and env is not None:
            docname = env.path2doc(str(Path(app.srcdir) / _relative(app, path)))
    docname = current or docname  # while a page is read or resolved, the problem is its own
    if not shown and docname and env is not None:
        shown = _relative(app, str(env.doc2path(docname)))
    return docname, shown or "<unknown>"


class Recorder(logging.Handler):
    """Keeps every fatal record Sphinx logs, by page, in the order they were logged.

    Not a ``WarningStreamHandler``, so it sees each record as it is logged, not when Sphinx
    flushes its buffered warnings (which happens after the checks below have run); a
    buffered record is seen a second time when it is flushed, and counted once.
    """

    def __init__(self, app: Sphinx) -> None:
        super().__init__(logging.WARNING)
        self.app = app
        self.written: dict[str, list[str]] = {}  # problems found after reading, by page
        self.elsewhere: list[str] = []  # problems of no page (configuration, extensions)

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(record, "ddl_strict_seen", False) or not is_fatal(record):
            return
        if _suppressed(self.app, record):
            return
        record.ddl_strict_seen = True
        docname, shown = _where(self.app, record)
        message = " ".join(record.getMessage().split())
        problem = f"{shown}: {message}"
        env = getattr(self.app, "env", None)
        phase = getattr(self.app, "phase", None)
        if env is None or not docname:
            self.elsewhere.append(problem)
        elif phase == BuildPhase.READING:  # kept with the page until it is read again
            _problems(env).setdefault(docname, []).append(problem)
        else:
            self.written.setdefault(docname, []).append(problem)


def _problems(env) -> dict[str, list[str]]:
    """Problems found while reading, by page; kept in the environment across builds."""
    if not hasattr(env, "ddl_strict"):
        env.ddl_strict = {}
    return env.ddl_strict


def _by_place(problem: str) -> tuple[str, int, str]:
    match = PLACE.match(problem)
    return (match.group(1), int(match.group(2)), problem) if match else (problem, 0, problem)


def _summary(problems: list[str], when: str) -> str:
    count = counted(len(problems), "problem")
    listed = "\n".join(f"  {p}" for p in sorted(problems, key=_by_place))
    return f"{count} would leave the site wrong or incomplete; {when}:\n{listed}"


def _install(app: Sphinx) -> None:
    recorder = Recorder(app)
    logging.getLogger(sphinx_logging.NAMESPACE).addHandler(recorder)
    app.ddl_strict_recorder = recorder  # type: ignore[attr-defined]


def _purge(app: Sphinx, env, docname: str) -> None:
    _problems(env).pop(docname, None)


def _merge(app: Sphinx, env, docnames, other) -> None:
    for docname in docnames:
        if docname in _problems(other):
            _problems(env)[docname] = _problems(other)[docname]


def check_read(app: Sphinx, env) -> list[str]:
    """Once every page is read, before anything is written."""
    recorder: Recorder | None = getattr(app, "ddl_strict_recorder", None)
    every = [
        problem
        for docname in sorted(_problems(env))
        if docname in env.found_docs
        for problem in _problems(env)[docname]
    ]
    if recorder is not None:
        every += recorder.elsewhere
        recorder.elsewhere = []
    every = list(dict.fromkeys(every))  # a record logged again (parallel reading) counts once
    if every:
        for docname in _problems(env):
            _remove_page(app, docname)
        raise StrictError(_summary(every, "nothing was written"))
    return []


def _remove_page(app: Sphinx, docname: str) -> None:
    """Remove a page an earlier build wrote, so that no stale copy of a broken page is left."""
    suffix = getattr(app.builder, "out_suffix", None)
    if suffix:
        (Path(app.outdir) / f"{docname}{suffix}").unlink(missing_ok=True)


def check_page(app: Sphinx, doctree, docname: str) -> None:
    """After a page's references are resolved, before it is written."""
    recorder: Recorder | None = getattr(app, "ddl_strict_recorder", None)
    if recorder is None:
        return
    found = recorder.written.pop(docname, []) + recorder.elsewhere
    recorder.elsewhere = []
    if not found:
        return
    _remove_page(app, docname)
    raise StrictError(_summary(found, f"{docname} was not written, nor any page after it"))


def check_finished(app: Sphinx, exception: Exception | None) -> None:
    """Problems logged after the last page was written (or of pages never written)."""
    recorder: Recorder | None = getattr(app, "ddl_strict_recorder", None)
    if exception is not None or recorder is None:
        return
    every = [p for found in recorder.written.values() for p in found] + recorder.elsewhere
    recorder.written, recorder.elsewhere = {}, []
    if every:
        raise StrictError(_summary(every, "the site written is not to be published"))


def setup(app: Sphinx) -> dict[str, Any]:
    _install(app)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("env-updated", check_read, priority=900)
    app.connect("doctree-resolved", check_page, priority=999)
    app.connect("build-finished", check_finished, priority=100)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
