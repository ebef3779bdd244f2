"""Comments: a post with ``comments: true`` builds whether or not giscus is set up.

Configured, the post shows the thread (tests/blog/test_good_roots.py). Not configured (no id
set), the post builds without it and the build says so in one informational line, so a strict
build passes and a migrated Jekyll-era post (every one had ``comments: true``) needs no GitHub
Discussions first. Half configured, the build stops before reading, with one message naming
the file, the line and the key.
"""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from ddl_site.blog.events import SettingsError
from sitebuild import REPO

pytestmark = pytest.mark.site

NOTE = (
    "Comments: 1 post asks for comments ({post}); it is built without them, as giscus is not "
    "configured. To show them, set {keys} in {file} to the values https://giscus.app gives for "
    "the repository's Discussions."
)


def plain(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def test_comments_without_giscus_build_with_one_note_and_no_thread(make_app, tmp_path, rootdir):
    shutil.copytree(rootdir / "test-comments-unconfigured", tmp_path / "src")
    app = make_app("html", srcdir=tmp_path / "src", warningiserror=True)
    app.build()
    assert app._warning.getvalue() == ""
    note = NOTE.format(
        post="posts/a.md",
        keys="ddl_giscus's keys repo, repo_id, category, category_id",
        file="conf.py",
    )
    assert plain(app._status.getvalue()).count(note) == 1
    page = (Path(app.outdir) / "posts/a.html").read_text(encoding="utf-8")
    assert "giscus" not in page and "ddl-comments" not in page


def test_half_configured_giscus_stops_the_build_with_one_message(make_app, tmp_path, rootdir):
    shutil.copytree(rootdir / "test-comments-half-configured", tmp_path / "src")
    warning = io.StringIO()
    with pytest.raises(SettingsError) as raised:
        make_app("html", srcdir=tmp_path / "src", warning=warning)
    message = (
        "conf.py: configuration key 'ddl_giscus[\"category_id\"]': expected the category's id "
        "from https://giscus.app, e.g. DIC_kwDOxxxxxx (giscus needs all four of repo, repo_id, "
        "category, category_id once repo_id is set); found no such key. Copy it from "
        "https://giscus.app, or empty repo_id and category_id to build without comments."
    )
    assert plain(warning.getvalue()).splitlines() == [f"ERROR: {message}"]
    assert str(raised.value) == (
        "1 problem in the configuration, reported above as an ERROR with its file, line and "
        "key; nothing was read or written."
    )
    assert not list((tmp_path / "src").rglob("*.html"))


def test_half_configured_giscus_in_config_yml_names_its_line(make_book):
    config = (REPO / "_config.yml").read_text(encoding="utf-8")
    config = re.sub(r"(?m)^(\s+repo_id:).*$", r'\1 "R_kgDOabc"', config)
    config = re.sub(r"(?m)^(\s+category_id:).*$", r'\1 ""', config)
    line = 1 + config.splitlines().index('      category_id: ""')
    build = make_book(
        {"book/index.md": "# Home\n"},
        toc="format: jb-book\nroot: book/index\n",
        config=config,
    )
    assert build.returncode != 0
    message = (
        f"_config.yml:{line}: configuration key 'sphinx.config.ddl_giscus.category_id': expected "
        "the category's id from https://giscus.app, e.g. DIC_kwDOxxxxxx (giscus needs all four "
        "of repo, repo_id, category, category_id once repo_id is set); found an empty value. "
        "Copy it from https://giscus.app, or empty repo_id and category_id to build without "
        "comments."
    )
    log = plain(build.log)
    assert log.count(message) == 1, log[-3000:]
    assert "ddl_giscus.repo_id" not in log and "front matter field" not in log


# A post as the Jekyll site had it: comments on, "Part 6", datePublished, old URLs as a list,
# layout and KaTeX switches, and a lead image that is a file beside it (not a drawing).
JEKYLL_POST = """\
---
layout: post
title: "Optimisation: Momentum, RMSProp and Adam"
series: Demystifying Deep Learning
part: "Part 6"
datePublished: 2018-08-20 10:00:00
image: ./old-optimisers.png
caption: Three optimisers racing down a ravine
excerpt: Why plain gradient descent zig-zags, and what momentum, RMSProp and Adam do about it.
redirect_from:
  - /2018/08/20/Optimisers.html
  - /optimisation/momentum-rmsprop-adam/
comments: true
include_KaTeX: true
---

## Intuition

Plain gradient descent zig-zags across a ravine; momentum averages the steps, so that the
zig-zags cancel and the steps along the ravine add up, $v \\leftarrow \\beta v + \\nabla J$.
"""


def lead_png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (80, 42), (15, 27, 45)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_migrated_jekyll_post_builds_strictly_with_giscus_not_configured(make_book):
    build = make_book(
        {
            "book/index.md": "# Home\n\n```{post-index}\n```\n",
            "book/momentum-rmsprop-adam.md": JEKYLL_POST,
            "book/old-optimisers.png": lead_png(),
        },
        toc="format: jb-book\nroot: book/index\nchapters:\n  - file: book/momentum-rmsprop-adam\n",
    )
    assert build.returncode == 0, build.log[-3000:]
    note = NOTE.format(
        post="book/momentum-rmsprop-adam.md",
        keys="sphinx: config: ddl_giscus: repo, repo_id, category, category_id",
        file="_config.yml",
    )
    log = plain(build.log)
    assert log.count(note) == 1, log[-3000:]
    assert "WARNING" not in log and "ERROR" not in log
    html = build.page("book/momentum-rmsprop-adam")
    assert "giscus" not in html and "ddl-comments" not in html
    page = BeautifulSoup(html, "html.parser")
    assert page.select_one(".ddl-part").text == "Part 6"
    assert page.find("time")["datetime"] == "2018-08-20T10:00:00"
    assert page.find("h1").get_text(strip=True).startswith("Optimisation: Momentum")
    lead = page.select_one("figure.ddl-lead-image img")
    assert lead["alt"] == "Three optimisers racing down a ravine"
    assert (build.html / "book" / lead["src"]).resolve().is_file()
    for old in ("2018/08/20/Optimisers.html", "optimisation/momentum-rmsprop-adam/index.html"):
        redirect = BeautifulSoup((build.html / old).read_text(), "html.parser")
        assert redirect.find("a")["href"].endswith("book/momentum-rmsprop-adam.html")
    index = BeautifulSoup(build.page("book/index"), "html.parser")
    assert [e.get_text(strip=True) for e in index.select(".ddl-entry-title")] == [
        "Part 6: Optimisation: Momentum, RMSProp and Adam"
    ]
