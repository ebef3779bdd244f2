"""What the incremental rebuilds keep between builds, checked without building a site."""

from __future__ import annotations

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
