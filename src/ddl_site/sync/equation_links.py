"""The Sphinx side of :mod:`.equations`: each implemented equation links to its code and check.

* A transform (on ``doctree-read``) puts, under every labelled display equation that a
  function of a tracked package implements, a line "Implemented by <function> · checked by
  <test>": the function's source on the repository's web page at its ``def`` line, and the
  check in the equation registry at its line. The repository is ``repository.url`` and
  ``repository.branch`` of ``_config.yml`` (``html_theme_options``); without one the names
  are shown without links.
* The ``{equation-index}`` directive lists every implemented equation of the pages: the
  equation, its page (and number), the function and the check.

What it reads is configuration, nothing of one series: the packages are those of
``ddl_execution_packages`` (``{import name: folder}``, as :mod:`.execution` tracks them), the
registry is ``ddl_equation_registry`` (a path from the book's root; none by default). The
index lists pages in the order a ``ddl-page-part`` handler gives (a site's series registers
one: a post's part, or ``None``), then by name.

Both read the pages, the packages and the registry from the files (never importing them) and
note them as dependencies, so changing any of them re-reads the pages that show it. What the
packages cite is also kept in the environment and compared on every build, so that a citation
added to a module no page depended on yet re-reads the pages holding that equation, and the index.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from . import equations

CSS_CLASS = "ddl-equation-source"


# -- what the build knows ------------------------------------------------------------------


def _root(app: Sphinx) -> Path:
    return Path(app.srcdir)


def _citations(app: Sphinx) -> list[equations.Citation]:
    """The package's citations, read once per build (and kept in the doctree folder, by the
    digest of the package's files, for the next builds)."""
    if not hasattr(app, "_ddl_citations"):
        folders = [_root(app) / f for _, f in sorted(app.config.ddl_execution_packages.items())]
        folders = [f for f in folders if f.is_dir()]
        app._ddl_citations = _kept_citations(app, folders) if folders else []
    return app._ddl_citations


def _kept_citations(app: Sphinx, folders: list[Path]) -> list[equations.Citation]:
    import dataclasses
    import hashlib
    import json

    from ..core.records import PARSER, code_digest, versions

    code = json.dumps([code_digest("sync/equations.py"), versions(*PARSER)])
    digest = hashlib.sha256(code.encode())
    for path in sorted(p for folder in folders for p in folder.rglob("*.py")):
        digest.update(path.relative_to(_root(app)).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    key = digest.hexdigest()
    store = Path(app.doctreedir) / "ddl-citations.json"
    try:
        kept = json.loads(store.read_text(encoding="utf-8"))
        if kept.get("package") == key:
            return [equations.Citation(**c) for c in kept["citations"]]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    found = [c for folder in folders for c in equations.package_citations(folder, _root(app))]
    try:
        store.parent.mkdir(parents=True, exist_ok=True)
        data = {"package": key, "citations": [dataclasses.asdict(c) for c in found]}
        store.write_text(json.dumps(data), encoding="utf-8")
    except OSError:
        pass
    return found


def _registry(app: Sphinx) -> equations.Registry:
    if not hasattr(app, "_ddl_registry"):
        app._ddl_registry = equations.read_registry(_root(app), app.config.ddl_equation_registry)
    return app._ddl_registry


def _repository(app: Sphinx) -> tuple[str, str]:
    options = app.config.html_theme_options or {}
    return (options.get("repository_url") or "").strip(), options.get("repository_branch") or "main"


def _implementations(app: Sphinx, label: str) -> list[equations.Citation]:
    return [c for c in _citations(app) if c.label == label and c.implements]


def _link(app: Sphinx, text: str, path: str, line: int | None, literal: bool) -> nodes.Node:
    inner = nodes.literal(text, text) if literal else nodes.Text(text)
    repository, branch = _repository(app)
    if not repository:
        return inner
    reference = nodes.reference("", "", refuri=equations.source_url(repository, branch, path, line))
    reference += inner
    return reference


def _function_link(app: Sphinx, citation: equations.Citation) -> nodes.Node:
    return _link(app, citation.qualname, citation.path, citation.line, literal=True)


def _check_link(app: Sphinx, label: str, citation: equations.Citation) -> nodes.Node | None:
    registry = _registry(app)
    line = registry.check_line(label, citation.qualname)
    if line is None:
        return None
    return _link(app, "test", registry.path, line, literal=False)


def _note_dependencies(app: Sphinx, citations: list[equations.Citation]) -> None:
    root = _root(app)
    for path in sorted({c.path for c in citations} | {_registry(app).path}):
        if (root / path).is_file():
            app.env.note_dependency(str(root / path))


# -- under each equation -------------------------------------------------------------------


def source_line(app: Sphinx, label: str) -> nodes.paragraph | None:
    """ "Implemented by f · test" for an implemented label (None when nothing implements it)."""
    citations = _implementations(app, label)
    if not citations:
        return None
    paragraph = nodes.paragraph(classes=[CSS_CLASS])
    paragraph += nodes.Text("Implemented by ")
    for index, citation in enumerate(citations):
        if index:
            paragraph += nodes.Text(" and ")
        paragraph += _function_link(app, citation)
        check = _check_link(app, label, citation)
        if check is not None:
            paragraph += nodes.Text(" (checked by ")
            paragraph += check
            paragraph += nodes.Text(")")
    paragraph += nodes.Text(".")
    return paragraph


def on_doctree_read(app: Sphinx, doctree: nodes.document) -> None:
    used: list[equations.Citation] = []
    for block in list(doctree.findall(nodes.math_block)):
        label = block.get("label")
        if not label:
            continue
        line = source_line(app, label)
        if line is None:
            continue
        used += _implementations(app, label)
        block.parent.insert(block.parent.index(block) + 1, line)
    if used:
        _note_dependencies(app, used)


# -- the index page ------------------------------------------------------------------------


def _posts(app: Sphinx) -> list[tuple[str, str, str]]:
    """``(docname, path, text)`` of every Markdown page, in part order (``ddl-page-part``),
    then by name."""
    env, root, found = app.env, _root(app), []
    for docname in sorted(env.found_docs):
        file = Path(env.doc2path(docname))
        if file.suffix != ".md" or not file.is_file():
            continue
        path = file.relative_to(root).as_posix()
        text = file.read_text(encoding="utf-8")
        part = app.emit_firstresult("ddl-page-part", path, text)
        part = part if part is not None else 10**6
        found.append((part, docname, path, text))
    return [(d, p, t) for _, d, p, t in sorted(found)]


def _listed_equations(app: Sphinx) -> str:
    """A digest of what an equation index lists from the posts: their labelled equations, in
    part order (the pages it is on are left out when it lists them)."""
    import hashlib
    import json

    from ..core.records import PARSER, code_digest, digest, versions

    # Parsing every post for its equations takes a while: what each text holds is kept, in
    # the doctree folder (the environment is saved only when a page is read).
    store = Path(app.doctreedir) / "ddl-equations.json"
    try:
        known = dict(json.loads(store.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        known = {}
    before = set(known)
    code = digest([code_digest("sync/equations.py", "core/myst_tokens.py"), versions(*PARSER)])
    kept, listed = {}, []
    for docname, path, text in _posts(app):
        key = hashlib.sha256(f"{code}\0{path}\0{text}".encode()).hexdigest()
        if key not in known:
            known[key] = [[e.label, e.latex] for e in equations.labelled_equations(text, path)]
        kept[key] = known[key]
        listed.append((docname, kept[key]))
    if set(kept) != before:
        store.parent.mkdir(parents=True, exist_ok=True)
        store.write_text(json.dumps(kept, sort_keys=True), encoding="utf-8")
    return digest(listed)


def _cell(*children: nodes.Node) -> nodes.entry:
    """A table cell: a block as it is, inline nodes together in one paragraph."""
    entry = nodes.entry()
    if len(children) == 1 and isinstance(children[0], nodes.math_block):
        entry += children[0]
    else:
        entry += nodes.paragraph("", "", *children)
    return entry


class EquationIndex(SphinxDirective):
    """``{equation-index}``: every implemented equation of the posts, with its code and test."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        app = self.env.app
        headers = ("Equation", "Post", "Function", "Test")
        table = nodes.table(classes=["ddl-equation-index"])
        group = nodes.tgroup(cols=len(headers))
        table += group
        for width in (50, 20, 20, 10):
            group += nodes.colspec(colwidth=width)
        head = nodes.thead()
        group += head
        row = nodes.row()
        for header in headers:
            row += _cell(nodes.Text(header))
        head += row
        body = nodes.tbody()
        group += body
        used: list[equations.Citation] = []
        # Not a dependency on the posts' files (any edit of a post would re-read this page):
        # _outdated re-reads it when the equations it lists changed.
        self.env.ddl_equation_index_docs.add(self.env.docname)
        self.env.ddl_equation_index_inputs = _listed_equations(app)
        for docname, path, text in _posts(app):
            if docname == self.env.docname:
                continue
            for equation in equations.labelled_equations(text, path):
                for citation in _implementations(app, equation.label):
                    used.append(citation)
                    body += self._row(docname, equation, citation)
        _note_dependencies(app, used)
        if not len(body):
            return [nodes.paragraph(text="No equation of the posts is implemented yet.")]
        return [table]

    def _row(
        self, docname: str, equation: equations.Equation, citation: equations.Citation
    ) -> nodes.row:
        app = self.env.app
        maths = nodes.math_block(
            equation.latex, equation.latex, nowrap=False, number=None, docname=self.env.docname
        )
        post = addnodes.pending_xref(
            "",
            nodes.inline("", docname),
            refdomain="std",
            reftype="doc",
            reftarget="/" + docname,
            refexplicit=False,
            refdoc=self.env.docname,
            refwarn=True,
        )
        number = addnodes.pending_xref(
            "",
            nodes.inline("", equation.label),
            refdomain="math",
            reftype="eq",
            reftarget=equation.label,
            refexplicit=False,
            refdoc=self.env.docname,
            refwarn=True,
        )
        check = _check_link(app, equation.label, citation)
        row = nodes.row()
        row += _cell(maths)
        row += _cell(post, nodes.Text(" "), number)
        row += _cell(_function_link(app, citation))
        row += _cell(check) if check is not None else _cell(nodes.Text(""))
        return row


# -- environment -----------------------------------------------------------------------------


def _init_env(app: Sphinx, env=None, *args) -> None:
    env = env or app.env
    if not hasattr(env, "ddl_equation_index_docs"):
        env.ddl_equation_index_docs = set()


def _purge(app: Sphinx, env, docname: str) -> None:
    _init_env(app, env)
    env.ddl_equation_index_docs.discard(docname)
    if not env.ddl_equation_index_docs:
        env.ddl_equation_index_inputs = None


def _merge(app: Sphinx, env, docnames, other) -> None:
    _init_env(app, env)
    env.ddl_equation_index_docs |= {
        d for d in getattr(other, "ddl_equation_index_docs", set()) if d in docnames
    }
    if getattr(other, "ddl_equation_index_inputs", None) is not None:
        env.ddl_equation_index_inputs = other.ddl_equation_index_inputs


def _shown_citations(app: Sphinx) -> dict[str, list[tuple]]:
    """What the pages show of the package's citations: for each implemented label, its
    functions with their files and lines."""
    shown: dict[str, list[tuple]] = {}
    for c in _citations(app):
        if c.implements:
            shown.setdefault(c.label, []).append((c.qualname, c.kind, c.path, c.line))
    return {label: sorted(rows) for label, rows in shown.items()}


def _cited_pages(app: Sphinx, env, removed) -> list[str]:
    """The pages whose "Implemented by" lines changed: those holding an equation whose citations
    changed since the last build (a function that newly cites it, stops citing it, or moved), in
    any module of the package, imported by a post or not."""
    shown = _shown_citations(app)
    before = getattr(env, "ddl_equation_citations", None)
    env.ddl_equation_citations = shown
    if before == shown:
        return []
    before = before or {}  # none recorded: every cited label counts as changed
    changed = {
        label for label in shown.keys() | before.keys() if shown.get(label) != before.get(label)
    }
    equations_by_label = env.get_domain("math").equations
    pages = {doc for label, (doc, _) in equations_by_label.items() if label in changed}
    return sorted(pages - set(removed))


def _outdated(app: Sphinx, env, added, changed, removed) -> list[str]:
    """A page added or removed, or an equation of a post added, removed, relabelled, edited or
    moved to another part, changes the index of equations: re-read it. A change in what the
    package cites re-reads the index and the pages holding the equations concerned."""
    _init_env(app, env)
    cited = _cited_pages(app, env, removed)
    docs = env.ddl_equation_index_docs - set(removed)
    if cited or added | removed:
        return sorted(docs | set(cited))
    if docs and getattr(env, "ddl_equation_index_inputs", None) != _listed_equations(app):
        return sorted(docs)
    return []


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("ddl_equation_registry", "", "env", types=[str])
    if "ddl_execution_packages" not in app.config.values:  # the packages execution tracks
        app.add_config_value("ddl_execution_packages", {}, "", types=[dict])
    # A page's part in its series (or None), for the index's order: the blog answers.
    app.add_event("ddl-page-part")
    app.add_directive("equation-index", EquationIndex)
    app.connect("builder-inited", _init_env)
    app.connect("env-before-read-docs", lambda app, env, docnames: _init_env(app, env))
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("env-get-outdated", _outdated)
    app.connect("doctree-read", on_doctree_read)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
