"""What the incremental rebuilds keep between builds, checked without building a site."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from docutils import nodes

from ddl_site.blog import rebuild
from ddl_site.core import records


def _env(**domaindata):
    title = nodes.title(text="Loss")
    return SimpleNamespace(
        found_docs={"index"},
        titles={"index": title},
        longtitles={"index": title},
        tocs={},
        toctree_includes={},
        toc_secnumbers={},
        toc_fignumbers={},
        domaindata=domaindata,
    )


def test_navigation_view_takes_the_std_domains_tuple_keys():
    # A glossary term and a program option: Sphinx keys them by (type, name) tuples.
    std = {
        "objects": {("term", "loss"): ("book/index", "term-loss")},
        "progoptions": {("ddl", "--seed"): ("book/index", "cmdoption-ddl-seed")},
        "labels": {},
        "anonlabels": {},
    }
    view = rebuild.navigation_view(_env(std=std))
    renamed = {**std, "objects": {("term", "losses"): ("book/index", "term-loss")}}
    assert rebuild.navigation_view(_env(std=renamed)) != view


def test_digest_does_not_depend_on_the_order_of_a_set_or_a_mapping():
    # 8 and 16 fall in the same slot of a small set: the first inserted comes first.
    assert list({8, 16}) != list({16, 8})
    assert rebuild.digest({"a": {8, 16}, "b": 1}) == rebuild.digest({"b": 1, "a": {16, 8}})
    assert rebuild.digest({("term", "a"): 1}) != rebuild.digest({("term", "b"): 1})


def _app(tmp_path, *, warnings=0, keep_going=True, builder="html"):
    doctrees = tmp_path / "doctrees"
    doctrees.mkdir(exist_ok=True)
    (doctrees / "environment.pickle").write_bytes(b"env")
    return SimpleNamespace(
        _warncount=warnings,
        keep_going=keep_going,
        warningiserror=False,
        doctreedir=str(doctrees),
        outdir=str(tmp_path / "html"),
        srcdir=str(tmp_path),
        builder=SimpleNamespace(name=builder, format="html"),
        _ddl_views={"index": "view"},
        _ddl_written=set(),
        env=SimpleNamespace(
            found_docs={"index"},
            images={},
            dlfiles={},
            ddl_posts={},
            doc2path=lambda d: str(tmp_path / f"{d}.md"),
        ),
    )


def test_a_build_that_fails_on_warnings_keeps_no_record_and_is_read_again(tmp_path):
    app = _app(tmp_path, warnings=2)  # -W --keep-going: no exception, exit status 1
    assert rebuild.failed(app, None)
    rebuild.on_build_finished(app, None)
    doctrees = tmp_path / "doctrees"
    assert not (doctrees / rebuild.VIEWS_FILE).exists()
    assert not (doctrees / "environment.pickle").exists()  # every page is read again


def test_a_build_that_passes_keeps_its_views_and_environment(tmp_path):
    app = _app(tmp_path, warnings=2, keep_going=False)  # warnings without -W do not fail
    assert not rebuild.failed(app, None)
    rebuild.on_build_finished(app, None)
    doctrees = tmp_path / "doctrees"
    assert '"index": "view"' in (doctrees / rebuild.VIEWS_FILE).read_text(encoding="utf-8")
    assert (doctrees / "environment.pickle").exists()


def test_post_build_passes_do_not_run_or_record_after_a_failed_build(tmp_path, monkeypatch):
    from ddl_site.pages import icons, stylesheets

    ran = []
    monkeypatch.setattr(stylesheets, "trim_cached", lambda *a: ran.append("css") or ([], []))
    monkeypatch.setattr(icons, "subset_site", lambda *a: ran.append("icons") or {})
    app = _app(tmp_path, warnings=1)
    app._ddl_written = {"index"}
    stylesheets.on_build_finished(app, None)
    icons.on_build_finished(app, None)
    assert ran == []
    app._warncount = 0
    stylesheets.on_build_finished(app, None)
    icons.on_build_finished(app, None)
    assert ran == ["css", "icons"]


@pytest.mark.parametrize("builder", ["singlehtml", "dirhtml", "linkcheck", "latex"])
def test_only_the_html_builder_records_its_pages(tmp_path, monkeypatch, builder):
    from ddl_site.pages import icons, stylesheets

    ran = []
    monkeypatch.setattr(stylesheets, "trim_cached", lambda *a: ran.append("css") or ([], []))
    monkeypatch.setattr(icons, "subset_site", lambda *a: ran.append("icons") or {})
    app = _app(tmp_path, builder=builder)
    app._ddl_written = {"index"}
    rebuild.on_build_finished(app, None)
    stylesheets.on_build_finished(app, None)
    icons.on_build_finished(app, None)
    doctrees = tmp_path / "doctrees"
    assert not (doctrees / rebuild.VIEWS_FILE).exists()
    assert not (doctrees / "ddl-written.json").exists()
    assert ran == []


def _site(tmp_path, config_hash="c1"):
    templates = tmp_path / "templates"
    templates.mkdir(exist_ok=True)
    if not (templates / "page.html").exists():
        (templates / "page.html").write_text("{{ body }}", encoding="utf-8")
    post = SimpleNamespace(
        path="book/index.md",
        title="Loss",
        date=datetime(2020, 1, 1, 10),
        series=None,
        part=None,
        image=None,
        caption=None,
        excerpt="",
        redirect_from=[],
        comments=False,
        tags=["basics"],
    )
    env = _env()
    env.ddl_posts = {"index": post}
    env.ddl_index_docs = set()
    env.images = {}
    app = _app(tmp_path)
    app.builder.build_info = SimpleNamespace(config_hash=config_hash, tags_hash="t")
    app.builder.templates = SimpleNamespace(pathchain=[str(templates)])
    return app, env


def test_tag_pages_follow_the_configuration_and_the_templates(tmp_path):
    app, env = _site(tmp_path)
    before = rebuild.views(app, env)
    tag = rebuild.tag_page("basics")
    assert tag in before
    assert rebuild.views(app, env)[tag] == before[tag]
    app, env = _site(tmp_path, config_hash="c2")  # a setting of _config.yml changed
    assert rebuild.views(app, env)[tag] != before[tag]
    app, env = _site(tmp_path)
    (tmp_path / "templates" / "page.html").write_text("<main>{{ body }}</main>", "utf-8")
    assert rebuild.views(app, env)[tag] != before[tag]


def test_tag_pages_follow_the_site_code(tmp_path, monkeypatch):
    app, env = _site(tmp_path)
    tag = rebuild.tag_page("basics")
    before = rebuild.views(app, env)[tag]
    digests = {}
    real = records.file_digest
    monkeypatch.setattr(
        records, "file_digest", lambda path: digests.get(Path(path).name) or real(path)
    )
    digests["blog_index.py"] = "edited"
    assert rebuild.views(app, env)[tag] != before


POST = """\
---
title: A post
kernelspec:
  name: python3
  display_name: Python 3
---

# A post

```{code-cell} ipython3
import ddl
print(ddl.__version__)
```
"""


def test_notebooks_of_pages_not_written_follow_the_package(tmp_path):
    from ddl_site.pages import notebooks, wheel

    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "post.md").write_text(POST, encoding="utf-8")
    package = tmp_path / "src" / "ddl"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text('__version__ = "1.0"\n', encoding="utf-8")
    app = _app(tmp_path)
    app.env = SimpleNamespace(
        found_docs={"book/post"}, doc2path=lambda d: str(tmp_path / f"{d}.md")
    )
    app.config = SimpleNamespace(ddl_package_dir="src/ddl", html_baseurl="https://example.org/")
    target = tmp_path / "html" / "_sources" / "book" / "post.ipynb"

    def pinned() -> str:
        return wheel.describe(package).version

    notebooks._write_others(app, None)  # the first build: every notebook
    first = pinned()
    assert first in target.read_text(encoding="utf-8")

    (package / "__init__.py").write_text('__version__ = "1.0"\nX = 1\n', encoding="utf-8")
    assert pinned() != first
    notebooks._write_others(app, None)  # the page was not written; its notebook is
    text = target.read_text(encoding="utf-8")
    assert pinned() in text and first not in text

    app._ddl_written = {"book/post"}  # written with its page: left as the page wrote it
    target.write_text("as written with the page", encoding="utf-8")
    (package / "__init__.py").write_text('__version__ = "1.0"\nX = 2\n', encoding="utf-8")
    notebooks._write_others(app, None)
    assert target.read_text(encoding="utf-8") == "as written with the page"


# -- what a build stopped while writing leaves -------------------------------------------------


def _writing_app(tmp_path):
    app = _app(tmp_path)
    (tmp_path / "doctrees" / rebuild.VIEWS_FILE).write_text('{"index": "view"}', "utf-8")
    app.builder.get_outfilename = lambda page: str(tmp_path / "html" / f"{page}.html")
    app.builder.copysource = True
    return app


def test_the_views_are_gone_once_a_page_is_written_and_saved_only_after_a_build_that_passed(
    tmp_path,
):
    app = _writing_app(tmp_path)
    views = tmp_path / "doctrees" / rebuild.VIEWS_FILE
    rebuild.on_html_page_context(app, "index", "page.html", {}, None)
    # Stopped here (Ctrl-C): the next build finds no views, and writes every page.
    assert not views.exists()
    assert rebuild.is_current(app, "index") is False  # no page file written here
    assert app._ddl_written_views == {"index": "view"}  # read before they went


def test_failed_reads_the_installed_sphinx_and_sphinx_8s_names():
    sphinx_7 = SimpleNamespace(_warncount=1, keep_going=True, warningiserror=False)
    assert rebuild.failed(sphinx_7, None)  # -W --keep-going
    sphinx_7.keep_going = False
    assert not rebuild.failed(sphinx_7, None)  # no -W
    sphinx_7.warningiserror = True
    assert rebuild.failed(sphinx_7, None)  # -W alone

    class Sphinx8:
        @property
        def keep_going(self):
            raise AssertionError("deprecated: not to be read")

        warningiserror = property(keep_going.fget)

        def __init__(self, fail):
            self._warncount = 2
            self._fail_on_warnings = fail
            self._exception_on_warning = False

    assert rebuild.failed(Sphinx8(True), None)
    assert not rebuild.failed(Sphinx8(False), None)
    assert not rebuild.failed(SimpleNamespace(_warncount=0, _fail_on_warnings=True), None)
    assert rebuild.failed(Sphinx8(False), RuntimeError("stopped"))


def test_the_installed_sphinx_sets_the_names_failed_reads():
    import inspect

    from sphinx.application import Sphinx

    source = inspect.getsource(Sphinx.__init__)
    assert "self._fail_on_warnings =" in source or (
        "self.keep_going =" in source and "self.warningiserror =" in source
    )
    assert "self._warncount = 0" in source


def _owning_app(tmp_path, docs, written_pages):
    app = _writing_app(tmp_path)
    app.env.found_docs = set(docs)
    app._ddl_written = set(written_pages)
    return app


def test_a_rebuild_removes_what_no_page_makes_any_more_and_keeps_what_pages_not_written_made(
    tmp_path,
):
    html = tmp_path / "html"
    made = [
        "a.html",
        "_sources/a.md",
        "_images/frame-1.png",
        "b.html",
        "_images/frame-2.png",
        "gone.html",
        "_sources/gone.md",
        "_images/stray.webp",
    ]
    for name in made:
        (html / name).parent.mkdir(parents=True, exist_ok=True)
        (html / name).write_text(name, "utf-8")
    # The last build that passed wrote a, b and gone; a stopped build then made stray.webp.
    first = _owning_app(tmp_path, ["a", "b", "gone"], ["a", "b", "gone"])
    first._ddl_owned = {
        "a": {"a.html", "_sources/a.md", "_images/frame-1.png"},
        "b": {"b.html", "_images/frame-2.png"},
        "gone": {"gone.html", "_sources/gone.md"},
    }
    rebuild.save_owned(first)
    rebuild.own(first, "a", "_images/stray.webp")  # a journal left behind

    # Now gone is removed from the book, and b is written again with another frame; a is not
    # written.
    app = _owning_app(tmp_path, ["a", "b"], ["b"])
    app._ddl_build = "this build"
    app._ddl_owned = {"b": {"b.html", "_images/frame-3.png"}}
    (html / "_images/frame-3.png").write_text("new", "utf-8")
    # A page written in another process (-j) records its files in the journal alone.
    worker = SimpleNamespace(**vars(app))
    worker._ddl_owned = {}
    rebuild.own(worker, "b", "_images/frame-4.png")
    (html / "_images/frame-4.png").write_text("new", "utf-8")
    removed = rebuild.remove_gone_files(app)
    assert removed == sorted(
        ["gone.html", "_sources/gone.md", "_images/frame-2.png", "_images/stray.webp"]
    )
    left = sorted(p.relative_to(html).as_posix() for p in html.rglob("*") if p.is_file())
    assert left == sorted(
        [
            "a.html",
            "_sources/a.md",
            "_images/frame-1.png",
            "b.html",
            "_images/frame-3.png",
            "_images/frame-4.png",
        ]
    )
    rebuild.save_owned(app)
    assert not (tmp_path / "doctrees" / rebuild.JOURNAL_FILE).exists()
    record = json.loads((tmp_path / "doctrees" / rebuild.OWNED_FILE).read_text("utf-8"))
    assert record["pages"]["b"] == ["_images/frame-3.png", "_images/frame-4.png", "b.html"]
    assert sorted(record["pages"]) == ["a", "b"]
    # The next build, which writes nothing, removes nothing.
    quiet = _owning_app(tmp_path, ["a", "b"], [])
    assert rebuild.remove_gone_files(quiet) == []


def test_write_atomic_leaves_the_old_file_whole_when_the_write_fails(tmp_path, monkeypatch):
    import os

    target = tmp_path / "page.html"
    records.write_atomic(target, "old")
    assert target.read_text("utf-8") == "old"

    def fail(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(KeyboardInterrupt):
        records.write_atomic(target, "new " * 1000)
    assert target.read_text("utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["page.html"]  # no temporary file left


# -- cache keys that follow every input ---------------------------------------------------------


def _edited(monkeypatch, *names):
    real = records.file_digest
    monkeypatch.setattr(
        records, "file_digest", lambda path: "edited" if Path(path).name in names else real(path)
    )


def test_katex_cache_key_follows_its_node_script(monkeypatch):
    from ddl_site.pages import katex

    before = katex.key_of("x^2", True, "0.16.0")
    assert katex.key_of("x^2", True, "0.16.0") == before
    _edited(monkeypatch, "katex_render.cjs")
    assert katex.key_of("x^2", True, "0.16.0") != before


def _counting(calls):
    from ddl_site.pages import postbuild

    def extract(data: bytes):
        calls.append(1)
        return postbuild.words(data)

    return extract


def test_page_words_are_found_again_when_their_extractor_changes(tmp_path, monkeypatch):
    from ddl_site.pages import postbuild

    page = tmp_path / "site" / "index.html"
    page.parent.mkdir()
    page.write_text("<p class='lead'>Hello</p>", "utf-8")
    calls: list[int] = []
    extract = _counting(calls)
    store = postbuild.Store(tmp_path / "doctrees", "stylesheets")
    found = postbuild.page_tokens(store, [page], page.parent, extract)
    assert "lead" in found["index.html"] and len(calls) == 1
    assert postbuild.page_tokens(store, [page], page.parent, extract) == found
    assert len(calls) == 1  # unchanged page, same code: not read again
    _edited(monkeypatch, Path(__file__).name)  # the extractor's code changed
    assert postbuild.page_tokens(store, [page], page.parent, extract) == found
    assert len(calls) == 2


def test_results_are_not_put_back_or_taken_as_current_when_the_code_that_made_them_changed(
    tmp_path, monkeypatch
):
    from ddl_site.pages import postbuild

    css = tmp_path / "site" / "theme.css"
    css.parent.mkdir()
    css.write_text(".a{} .b{}", "utf-8")
    store = postbuild.Store(tmp_path / "doctrees", "stylesheets")
    store.original("theme.css", css)
    store.record("key", {"theme.css": b".a{}"})
    store.save()
    names = [("theme.css", css)]
    assert postbuild.Store(tmp_path / "doctrees", "stylesheets").put_back(names)
    assert css.read_text("utf-8") == ".a{}"
    assert postbuild.Store(tmp_path / "doctrees", "stylesheets").current(names)
    css.write_text(".a{} .b{}", "utf-8")  # copied again by Sphinx
    _edited(monkeypatch, "stylesheets.py")
    assert not postbuild.Store(tmp_path / "doctrees", "stylesheets").put_back(names)
    assert css.read_text("utf-8") == ".a{} .b{}"
    css.write_text(".a{}", "utf-8")  # as the other code left it: not taken as current
    assert not postbuild.Store(tmp_path / "doctrees", "stylesheets").current(names)


EQUATION_POST = """\
---
title: A post
---

$$
y = w x
$$ (eq-y)
"""


def _equation_app(tmp_path):
    (tmp_path / "post.md").write_text(EQUATION_POST, "utf-8")
    (tmp_path / "doctrees").mkdir(exist_ok=True)
    env = SimpleNamespace(found_docs={"post"}, doc2path=lambda d: str(tmp_path / f"{d}.md"))
    return SimpleNamespace(
        srcdir=str(tmp_path),
        doctreedir=str(tmp_path / "doctrees"),
        env=env,
        emit_firstresult=lambda event, *args: None,  # no blog: no page has a part
    )


def test_the_equation_caches_follow_the_markdown_parsers_version(tmp_path, monkeypatch):
    from ddl_site.sync import equation_links, equations

    parsed, cited = [], []
    real_parse, real_cite = equations.labelled_equations, equations.package_citations
    monkeypatch.setattr(
        equations, "labelled_equations", lambda *a: parsed.append(1) or real_parse(*a)
    )
    monkeypatch.setattr(equations, "package_citations", lambda *a: cited.append(1) or real_cite(*a))
    package = tmp_path / "src" / "ddl"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text('"""A package."""\n', "utf-8")
    listed = equation_links._listed_equations(_equation_app(tmp_path))
    equation_links._kept_citations(_equation_app(tmp_path), [package])
    assert (len(parsed), len(cited)) == (1, 1)
    assert equation_links._listed_equations(_equation_app(tmp_path)) == listed
    equation_links._kept_citations(_equation_app(tmp_path), [package])
    assert (len(parsed), len(cited)) == (1, 1)  # kept
    real_versions = records.versions
    monkeypatch.setattr(
        records,
        "versions",
        lambda *names: [
            "99.0" if n == "markdown-it-py" else v for n, v in zip(names, real_versions(*names))
        ],
    )
    assert equation_links._listed_equations(_equation_app(tmp_path)) == listed
    equation_links._kept_citations(_equation_app(tmp_path), [package])
    assert (len(parsed), len(cited)) == (2, 2)  # parsed again
