"""Two clean builds of one commit, in different folders, write the same site, byte for byte
(apart from ``.buildinfo``, which records the build's configuration hash)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from ddl_site.cli import NOTEBOOK_METADATA
from ddl_site.pages.assets import stable_animation_ids
from ddl_site.sync.streams import exact, join_stream_pieces
from sitebuild import JUPYTER_BOOK, REPO, Build

UUID_ID = re.compile(r'id="_anim_img([0-9a-f]{32})"')


def player(frames: int, seed: float) -> str:
    """The HTML matplotlib writes for a small animation (a fresh random id every call)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.animation import FuncAnimation

    figure, axes = plt.subplots(figsize=(1, 1), dpi=20)
    (line,) = axes.plot([0, 1], [0, seed])
    animation = FuncAnimation(
        figure, lambda i: line.set_ydata([0, seed * i]), frames=frames, interval=50
    )
    try:
        return animation.to_jshtml()
    finally:
        plt.close(figure)


def test_animation_players_get_the_same_ids_in_every_build():
    first, second = player(3, 1.0), player(3, 1.0)
    (first_id,) = set(UUID_ID.findall(first))
    (second_id,) = set(UUID_ID.findall(second))
    assert first_id != second_id  # matplotlib's ids are random...
    stable = stable_animation_ids(first, set())
    assert stable == stable_animation_ids(second, set())  # ...these are not
    assert first_id not in stable
    (new_id,) = set(UUID_ID.findall(stable))
    # Every use of the id (frame, slider, buttons, script) follows it.
    assert stable.count(new_id) == first.count(first_id) > 10


def test_different_or_repeated_players_in_one_page_get_different_ids():
    taken: set[str] = set()
    one = stable_animation_ids(player(3, 1.0), taken)
    other = stable_animation_ids(player(4, 2.0), taken)
    again = stable_animation_ids(player(3, 1.0), taken)
    ids = [UUID_ID.findall(html)[0] for html in (one, other, again)]
    assert len(set(ids)) == 3
    assert taken == set(ids)


def stream(text: str, name: str = "stdout") -> dict:
    return {"output_type": "stream", "name": name, "text": text}


def test_printed_output_is_the_same_however_the_kernel_cut_it():
    from myst_nb.core.utils import coalesce_streams

    figure = {"output_type": "display_data", "data": {"text/plain": "<Figure>"}}
    cuts = [
        [stream("dX:\n[[1 2]]\n"), figure],
        [stream("dX:"), stream("\n[[1 2]]\n"), figure],
        [stream("dX:\n"), stream("[[1 2]]"), figure, stream("\n")],
        [stream("d"), stream("X:\n[[1"), stream(" 2]]\n"), figure],
    ]
    merged = [exact(coalesce_streams)(outputs) for outputs in cuts]
    for outputs in merged:
        assert outputs == [stream("dX:\n[[1 2]]\n"), figure]
    # Each stream keeps its own pieces; the notebook's outputs are not changed.
    pieces = [stream("a"), stream("x", "stderr"), stream("b\n"), stream("y\n", "stderr")]
    assert join_stream_pieces(pieces) == [stream("ab\n"), stream("xy\n", "stderr")]
    assert pieces[0] == stream("a")


CUT_POST = (
    "---\n"
    + NOTEBOOK_METADATA
    + """\
---
# Printed in two pieces

```{code-cell} ipython3
import sys

sys.stdout.write("dX:")
sys.stdout.flush()  # the kernel sends "dX:" now, and the rest in a second piece
print("\\n[[1 2]]")
```
"""
)


@pytest.mark.site
def test_a_cell_printing_in_pieces_shows_what_it_printed(make_book):
    build = make_book(
        {"book/index.md": "# Home\n", "book/cut.md": CUT_POST},
        toc="format: jb-book\nroot: book/index\nchapters:\n  - file: book/cut\n",
    )
    assert build.returncode == 0, build.log[-3000:]
    page = build.page("book/cut")
    assert "dX:\n[[1 2]]" in page
    assert "dX:\n\n" not in page


def source_files(repo: Path) -> list[str]:
    """The files of the checkout a build reads: tracked, or new and not ignored."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=repo,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return sorted(name for name in listed.split("\0") if name and (repo / name).is_file())


def clean_build_elsewhere(folder: Path) -> Build:
    """Copy the checkout into ``folder`` and build it there from nothing (no execution cache),
    with its own package on the path and another hash seed than the ``site`` fixture's."""
    source = folder / "checkout-in-another-folder"
    for name in source_files(REPO):
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / name, source / name)  # new file times, as a fresh checkout has
    (source / "node_modules").symlink_to(REPO / "node_modules")  # the same npm packages
    command = [str(JUPYTER_BOOK), "build", "-W", "-n", "--keep-going", str(source)]
    threads = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
    paths = [str(source / "src"), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = {
        **os.environ,
        **threads,
        "PYTHONPATH": os.pathsep.join(paths),
        "PYTHONHASHSEED": "1",
        "NO_COLOR": "1",
    }
    result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=source)
    return Build(result.returncode, result.stdout + result.stderr, source / "_build" / "html")


def tree(root: Path) -> dict[str, Path]:
    return {
        str(p.relative_to(root)): p
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != ".buildinfo"
    }


def first_difference(a: bytes, b: bytes) -> str:
    at = next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )
    return f"byte {at}: {a[max(0, at - 60) : at + 60]!r} / {b[max(0, at - 60) : at + 60]!r}"


@pytest.mark.site
def test_two_clean_builds_in_different_folders_are_byte_identical(site, tmp_path):
    """A second full build from nothing (a few minutes), compared with the ``site`` build."""
    assert site.returncode == 0, site.log[-3000:]
    other = clean_build_elsewhere(tmp_path)
    assert other.returncode == 0, other.log[-3000:]
    # Nothing came from a cache: every post executed, by myst-nb or side by side ahead of it.
    executed = other.log.count("Executing notebook")
    executed += len(
        re.findall(r"^book/[\w-]+\.md: executed in [0-9.]+ s$", other.log, re.MULTILINE)
    )
    notebooks = [p for p in (REPO / "book").glob("*.md") if "```{code-cell}" in p.read_text()]
    assert executed == len(notebooks) > 0, other.log[-3000:]
    ours, theirs = tree(site.html), tree(other.html)
    assert sorted(ours) == sorted(theirs)
    differ = [
        f"{name}: {first_difference(path.read_bytes(), theirs[name].read_bytes())}"
        for name, path in ours.items()
        if path.read_bytes() != theirs[name].read_bytes()
    ]
    assert not differ, "\n".join(differ)
    assert len(ours) > 100  # the whole site was compared
