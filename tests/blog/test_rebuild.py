"""Rebuilds after edits: each reads only the pages the edit changed, writes the pages that show
something of them, and the site they leave is the one a clean build of the same tree writes,
byte for byte.

The book under ``tests/blog/roots/test-rebuild`` is small but has what the real site's rebuilds
must get right: a series of three posts (series box, previous and next links), an index of the
posts (titles, excerpts, dates, tags, a lead image drawn by code, with its WebP copies), tag
pages, a reference from one post to another's equation, an index of equations, a download, and
a post whose code runs (and draws a figure and an animation) at build time. Its ``_ext`` folder
holds an extension that stops a build while it writes its pages, when asked to.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from sitebuild import REPO, Build, build_command

ROOT = Path(__file__).parent / "roots" / "test-rebuild"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
READ = re.compile(r"^reading sources\.\.\. \[\s*\d+%\] (\S+)", re.MULTILINE)
WRITTEN = re.compile(r"^writing output\.\.\. \[\s*\d+%\] (\S+)", re.MULTILINE)
EXECUTED = re.compile(r"^\S*?(book/\S+)\.md: Executing notebook", re.MULTILINE)
DOCS = {"book/index", "book/first", "book/second", "book/third", "book/equations"}
# Written by the build into the book's folder: not sources.
GENERATED = {"book/first.png", "book/.lead-images.json"}


SEEDS = itertools.count(1)


class Rebuild:
    """One build of the book in ``source`` into ``output``, and what its log says it did.

    Each build has its own ``PYTHONHASHSEED``, as builds run by hand do: what is kept from one
    build to the next must not depend on the order of a set."""

    def __init__(self, source: Path, output: Path) -> None:
        command = build_command(source, output)
        paths = [str(REPO / "src"), *filter(None, [os.environ.get("PYTHONPATH")])]
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(paths),
            "PYTHONHASHSEED": str(next(SEEDS)),
            "NO_COLOR": "1",
            "OMP_NUM_THREADS": "1",
            "OPENBLAS_NUM_THREADS": "1",
        }
        start = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=source)
        self.seconds = time.perf_counter() - start
        log = ANSI.sub("", result.stdout + result.stderr)
        self.build = Build(result.returncode, log, output / "_build" / "html")
        self.read = set(READ.findall(log))
        self.written = set(WRITTEN.findall(log))
        self.executed = set(EXECUTED.findall(log))

    def ok(self) -> Rebuild:
        assert self.build.returncode == 0, self.build.log[-4000:]
        print(
            f"build: {self.seconds:.1f} s, read {sorted(self.read)}, wrote {sorted(self.written)}"
        )
        return self


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def book(target: Path) -> Path:
    shutil.copytree(ROOT, target)
    config = (REPO / "_config.yml").read_text(encoding="utf-8")
    assert "\nsphinx:\n" in config
    extension = "\nsphinx:\n  local_extensions:\n    stop_writing: _ext\n"
    (target / "_config.yml").write_text(config.replace("\nsphinx:\n", extension, 1), "utf-8")
    return target


def webp_copies(html: Path, stem: str) -> set[str]:
    return {p.name for p in (html / "_images").glob(f"{stem}-*w.*.webp")}


def tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != ".buildinfo"
    }


def differences(ours: dict[str, bytes], clean: dict[str, bytes]) -> list[str]:
    found = [f"only in the rebuilt site: {n}" for n in sorted(set(ours) - set(clean))]
    found += [f"only in the clean build: {n}" for n in sorted(set(clean) - set(ours))]
    for name in sorted(set(ours) & set(clean)):
        a, b = ours[name], clean[name]
        if a != b:
            at = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), None)
            at = min(len(a), len(b)) if at is None else at
            found.append(f"{name}: byte {at}: {a[at - 80 : at + 80]!r} / {b[at - 80 : at + 80]!r}")
    return found


def clean_build_of(source: Path, folder: Path) -> Build:
    """A clean build (no doctrees, no execution cache, no lead images) of the same tree."""
    copy = folder / "clean-source"
    for path in sorted(source.rglob("*")):
        name = path.relative_to(source).as_posix()
        if path.is_file() and name not in GENERATED and "__pycache__" not in name:
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, copy / name)
    return Rebuild(copy, folder / "clean-output").ok().build


@pytest.mark.site
def test_rebuilds_after_edits_read_only_what_changed_and_equal_a_clean_build(tmp_path):
    source = book(tmp_path / "source")
    output = tmp_path / "output"
    posts = source / "book"

    first = Rebuild(source, output).ok()
    assert first.read == DOCS
    assert first.executed == {"book/third"}

    # Nothing changed: nothing is read, executed or written.
    noop = Rebuild(source, output).ok()
    assert (noop.read, noop.written, noop.executed) == (set(), set(), set())

    # A sentence of prose: that post alone is read, and written with the root page (Sphinx
    # writes the root page whenever it writes anything); the other posts are not.
    edit(posts / "second.md", "A last paragraph of prose.", "A last paragraph of prose, edited.")
    prose = Rebuild(source, output).ok()
    assert prose.read == {"book/second"}
    assert prose.written == {"book/second", "book/index"}
    assert "A last paragraph of prose, edited." in prose.build.page("book/second")

    # A new title shows in every page's navigation: every page is written, one is read.
    edit(posts / "first.md", "title: The first post", "title: The opening post")
    title = Rebuild(source, output).ok()
    assert title.read == {"book/first"}
    assert title.written == DOCS
    for docname in DOCS:
        assert "The opening post" in title.build.page(docname), docname

    # Code cells: that post is executed and read again; its figure changes (a new image).
    edit(posts / "third.md", 'print("hello from the third post")', 'print("hello, edited")')
    edit(posts / "third.md", "ax.plot([0, 1], [0, 1])", "ax.plot([0, 1], [1, 0])")
    edit(
        posts / "third.md", "line.set_data([0, 1], [0, i / 2])", "line.set_data([0, 1], [1, i / 2])"
    )
    frames = {p.name for p in (title.build.html / "_images").glob("frame-*")}
    assert len(frames) == 2
    code = Rebuild(source, output).ok()
    assert code.read == {"book/third"}
    assert code.executed == {"book/third"}
    assert "hello, edited" in code.build.page("book/third")
    # The animation's new frames replace the old ones.
    now = {p.name for p in (code.build.html / "_images").glob("frame-*")}
    assert len(now) == 2 and not now & frames, (frames, now)

    # A date shows in its post's header, in the index and in the feed (the series box shows
    # parts and titles).
    edit(posts / "second.md", "date: 2020-02-01 10:00:00", "date: 2020-02-15 10:00:00")
    date = Rebuild(source, output).ok()
    assert date.read == {"book/second"}
    assert date.written == {"book/second", "book/index"}
    assert "2020-02-15" in (date.build.html / "atom.xml").read_text(encoding="utf-8")

    # A part number shows in the series box of the other parts: they are written, not read.
    edit(posts / "third.md", "part: 3", "part: 4")
    part = Rebuild(source, output).ok()
    assert part.read == {"book/third"}
    assert {"book/first", "book/second", "book/third", "book/index"} <= part.written
    assert "Part 4: The third post" in part.build.page("book/first")

    # An excerpt shows in the index only.
    edit(posts / "third.md", "excerpt: Where the series ends.", "excerpt: Where it ends.")
    excerpt = Rebuild(source, output).ok()
    assert excerpt.read == {"book/third"}
    assert excerpt.written == {"book/third", "book/index"}
    assert "Where it ends." in excerpt.build.page("book/index")

    # A tag no post has any more: its page goes, as in a clean build.
    edit(posts / "third.md", "tags: [code]", "tags: [basics]")
    tags = Rebuild(source, output).ok()
    assert tags.read == {"book/third"}
    assert not (tags.build.html / "tags" / "code.html").exists()
    assert "The third post" in (tags.build.html / "tags" / "basics.html").read_text("utf-8")

    # A new lead image: its WebP copies (named by its digest) replace the old ones.
    old_copies = webp_copies(tags.build.html, "first")
    assert old_copies
    edit(posts / "first.image.py", 'color="#f5c542"', 'color="#4287f5"')
    lead = Rebuild(source, output).ok()
    new_copies = webp_copies(lead.build.html, "first")
    assert new_copies and not new_copies & old_copies, (old_copies, new_copies)

    # The prose edit undone.
    edit(posts / "second.md", "A last paragraph of prose, edited.", "A last paragraph of prose.")
    revert = Rebuild(source, output).ok()
    assert revert.read == {"book/second"}

    # A post removed, with its entry in the table of contents and its download: its page, the
    # copy of its source and the download go, as they were never made.
    edit(source / "_toc.yml", "  - file: book/second\n", "")
    (posts / "second.md").unlink()
    (posts / "losses.csv").unlink()
    assert list((revert.build.html / "_downloads").rglob("losses.csv"))
    removed = Rebuild(source, output).ok()
    html = removed.build.html
    assert not (html / "book" / "second.html").exists()
    assert not (html / "_sources" / "book" / "second.md").exists()
    assert not list((html / "_downloads").rglob("losses.csv"))

    clean = clean_build_of(source, tmp_path)
    clean_tree = tree(clean.html)
    found = differences(tree(removed.build.html), clean_tree)
    assert not found, "\n".join(found[:20])
    assert len(clean_tree) > 50  # the whole site was compared

    # A build stopped while writing its pages (Sphinx had saved what it read), then the edit
    # undone: the pages the stopped build wrote, and the files it made for them, are not
    # taken for the last build's.
    edit(posts / "first.md", "title: The opening post", "title: The stopped post")
    edit(posts / "first.image.py", 'color="#4287f5"', 'color="#42f59b"')
    os.environ["STOP_WRITING_AFTER"] = "3"  # book/equations, book/first, book/index
    try:
        stopped = Rebuild(source, output)
    finally:
        del os.environ["STOP_WRITING_AFTER"]
    assert stopped.build.returncode != 0, stopped.build.log[-4000:]
    assert "The stopped post" in stopped.build.page("book/equations")
    assert webp_copies(stopped.build.html, "first") - new_copies  # made for the index
    edit(posts / "first.md", "title: The stopped post", "title: The opening post")
    edit(posts / "first.image.py", 'color="#42f59b"', 'color="#4287f5"')
    resumed = Rebuild(source, output).ok()
    found = differences(tree(resumed.build.html), clean_tree)
    assert not found, "\n".join(found[:20])

    # A warning fails the build (-W --keep-going: Sphinx goes on, then exits 1). The next
    # build reads that post again and fails again: nothing of the failed build was kept.
    edit(posts / "first.md", "## Start\n", "(twice)=\n## Start\n\n(twice)=\n### Again\n")
    warned = Rebuild(source, output)
    assert warned.build.returncode == 1, warned.build.log[-4000:]
    assert 'Duplicate explicit target name: "twice"' in warned.build.log
    again = Rebuild(source, output)
    assert again.build.returncode == 1, again.build.log[-4000:]
    assert "book/first" in again.read
    assert 'Duplicate explicit target name: "twice"' in again.build.log
