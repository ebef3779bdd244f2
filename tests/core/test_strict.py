"""A plain ``jupyter-book build .`` (no ``-W``) fails, naming file and line, on a warning that
means the published site would be wrong or incomplete, and publishes no broken page."""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from ddl_site.cli import NOTEBOOK_METADATA
from ddl_site.core.strict import is_fatal
from sitebuild import JUPYTER_BOOK, REPO, Build

TOC = "format: jb-book\nroot: book/index\nchapters:\n  - file: book/post\n"


def plain_build(source: Path, output: Path) -> Build:
    """``jupyter-book build`` as a reader types it: no ``-W``, no ``-n``, no ``--keep-going``."""
    command = [str(JUPYTER_BOOK), "build", "--path-output", str(output), str(source)]
    threads = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
    env = {**os.environ, **threads, "NO_COLOR": "1"}
    result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=source)
    return Build(result.returncode, result.stdout + result.stderr, output / "_build" / "html")


@pytest.fixture()
def book(tmp_path: Path):
    """Write ``book/post.md`` (and a home page) into a small book; return a function that
    builds it plainly, into the same output folder each time."""
    source = tmp_path / "src"
    (source / "book").mkdir(parents=True)
    shutil.copy(REPO / "_config.yml", source / "_config.yml")
    (source / "_toc.yml").write_text(TOC)
    (source / "book" / "index.md").write_text("# Home\n\nSee {doc}`post`.\n")

    def build(post: str) -> Build:
        (source / "book" / "post.md").write_text(post)
        return plain_build(source, tmp_path / "out")

    return build


def line_of(text: str, needle: str) -> int:
    """The 1-based line of ``text`` that contains ``needle`` (written here, not by the build)."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def strict_failure(build: Build) -> str:
    """The build's log, after checking that it failed strictly and wrote no post page."""
    assert build.returncode != 0, build.log[-3000:]
    assert "Strict build failed" in build.log, build.log[-3000:]
    assert not (build.html / "book" / "post.html").exists()
    return build.log


CLEAN = (
    "---\n"
    + NOTEBOOK_METADATA
    + """\
---
# A post

```{code-cell} ipython3
from myst_nb import glue
glue("answer", 6 * 7)
```

(sec-result)=
## The result

The answer is {glue:text}`answer`, as {ref}`sec-result` says; see {doc}`index`.
"""
)


GLUE = CLEAN.replace("{glue:text}`answer`", "{glue:text}`no_such_key`")


@pytest.mark.site
def test_a_clean_book_builds_plainly_and_a_missing_glue_key_fails(book):
    build = book(CLEAN)
    assert build.returncode == 0, build.log[-3000:]
    page = build.page("book/post")
    assert "The answer is" in page and "42" in page
    assert "Strict build failed" not in build.log
    # Into the same output folder: the good page of the first build must not survive.
    log = strict_failure(book(GLUE))
    line = line_of(GLUE, "no_such_key")
    assert re.search(rf"book/post\.md:{line}: .*no_such_key", log), log[-3000:]
    assert "nothing was written" in log


REFERENCES = """\
# A post

(sec-here)=
## Here

A section {ref}`sec-nowhere`.

A figure {numref}`fig-nowhere`.

A page {doc}`no-such-page`.

An equation {eq}`eq-nowhere`.

A function {py:func}`nowhere_function`.

A link [to nowhere](#missing-target).
"""


@pytest.mark.site
def test_broken_cross_references_fail_a_plain_build_and_leave_no_stale_page(book):
    good = book("# A post\n\n(sec-here)=\n## Here\n\nFine.\n")
    assert good.returncode == 0, good.log[-3000:]
    assert (good.html / "book" / "post.html").exists()
    # The same output folder: the good page of the first build must not survive.
    log = strict_failure(book(REFERENCES))
    targets = ("sec-nowhere", "fig-nowhere", "no-such-page", "eq-nowhere", "nowhere_function")
    for target in (*targets, "missing-target"):
        line = line_of(REFERENCES, target)
        assert re.search(rf"book/post\.md:{line}: .*{target}", log), (target, log[-3000:])
    assert "was not written" in log
    # The page was not written, so the next build resolves its references again, and fails.
    assert "undefined label: 'sec-nowhere'" in strict_failure(book(REFERENCES))


UNKNOWN = """\
# A post

A role {nosuchrole}`text` that does not exist.

```{nosuchdirective}
Body.
```
"""


@pytest.mark.site
def test_unknown_roles_and_directives_fail_every_plain_build_until_fixed(book):
    first = strict_failure(book(UNKNOWN))
    for needle in ("nosuchrole", "nosuchdirective"):
        line = line_of(UNKNOWN, needle)
        assert re.search(rf"book/post\.md:{line}: .*{needle}", first), (needle, first[-3000:])
    # Sphinx does not read an unchanged page again: the problems are remembered with it.
    again = strict_failure(book(UNKNOWN))
    assert re.search(rf"book/post\.md:{line_of(UNKNOWN, 'nosuchrole')}: ", again), again[-3000:]
    fixed = book(UNKNOWN.replace("{nosuchrole}`text`", "`text`").replace("nosuchdirective", "note"))
    assert fixed.returncode == 0, fixed.log[-3000:]
    assert (fixed.html / "book" / "post.html").exists()


def record(level: int, message: str, kind: str = "", subtype: str = "") -> logging.LogRecord:
    made = logging.LogRecord("sphinx.test", level, "x.py", 1, message, None, None)
    made.type, made.subtype = kind, subtype
    return made


@pytest.mark.parametrize(
    ("made", "fatal"),
    [
        (record(logging.WARNING, "No key 'k' found in glue data", "mystnb", "glue"), True),
        (record(logging.WARNING, "undefined label: 'x'", "ref", "ref"), True),
        (record(logging.WARNING, "py:func reference target not found", "ref", "func"), True),
        # MyST reports through docutils: its own type ends the message.
        (
            record(
                logging.WARNING, "Unknown directive type: 'x' [myst.directive_unknown]", "docutils"
            ),
            True,
        ),
        (record(logging.WARNING, "Title underline too short.", "docutils"), False),
        (record(logging.ERROR, 'Unknown interpreted text role "x".', "docutils"), True),
        (record(logging.WARNING, "image file not readable: a.png", "image", "not_readable"), True),
        # Warnings that leave the published pages right are left to -W.
        (record(logging.WARNING, "Non-consecutive header level [myst.header]", "docutils"), False),
        (
            record(
                logging.WARNING, "document isn't included in any toctree", "toc", "not_included"
            ),
            False,
        ),
        (record(logging.INFO, "undefined label: 'x'", "ref", "ref"), False),
        # The site's own checks stop the build themselves, once.
        (record(logging.ERROR, "claim 'x' does not hold", "ddl", "frontmatter"), False),
    ],
)
def test_which_log_records_fail_the_build(made, fatal):
    assert is_fatal(made) is fatal
