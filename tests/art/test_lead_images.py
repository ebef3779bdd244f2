"""Lead images are drawn by a script beside each post (``book/<post>.image.py``), deterministically,
and again exactly when the script or the package code it imports changes."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup
from PIL import Image

from ddl_site.art import lead_images
from ddl_site.art.lead_images import LeadImageError, find_drawings, render, write_all
from ddl_site.blog.frontmatter import read_post
from ddl_site.cli import main
from sitebuild import REPO, build_book

PNG = b"\x89PNG\r\n\x1a\n"
JPEG = b"\xff\xd8\xff"


def front_matter(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    match = re.match(r"---\n(.*?)\n---\n", text, flags=re.DOTALL)
    return yaml.safe_load(match.group(1)) if match else {}


def post(title: str, image: str | None) -> str:
    lines = ["---", f"title: {title}", "date: 2026-01-02"]
    if image is not None:
        lines.append(f"image: {image}")
    return "\n".join([*lines, "---", "", "Some words.", ""])


# -- the site's own posts --------------------------------------------------------------------


def test_every_post_image_is_drawn_by_the_script_beside_the_post():
    drawings, problems = find_drawings(REPO / "book")
    assert problems == []
    drawn = {d.post.name: d.target for d in drawings}
    named = 0
    for path in sorted((REPO / "book").glob("*.md")):
        image = front_matter(path).get("image")
        if image:
            named += 1
            assert (path.parent / f"{path.stem}.image.py").is_file(), path.name
            assert drawn.get(path.name) == (path.parent / image).resolve(), path.name
    assert named == len(drawings) == 12


def test_the_posts_drawings_are_deterministic_and_in_their_files_format(tmp_path):
    book = tmp_path / "book"
    book.mkdir()
    for path in [*(REPO / "book").glob("*.md"), *(REPO / "book").glob("*.image.py")]:
        shutil.copy(path, book)
    written = write_all(book)
    drawings, _ = find_drawings(book)
    assert sorted(written) == sorted(d.target for d in drawings)
    for drawing in drawings:
        data = drawing.target.read_bytes()
        assert data[:8] == PNG if drawing.target.suffix == ".png" else data[:3] == JPEG
        with Image.open(drawing.target) as image:
            assert image.size == (800, 420), drawing.script.name
        assert render(drawing) == data, drawing.script.name


# -- when a drawing runs again ---------------------------------------------------------------

SIGMOID = """\
import numpy as np

from ddl.activations import sigmoid
from ddl_site.art import figure


def draw():
    fig = figure(2, 1)
    ax = fig.add_axes((0, 0, 1, 1))
    z = np.linspace(-6, 6, 50)
    ax.plot(z, sigmoid(z), color="{colour}")
    return fig
"""
LETTER = """\
from ddl_site.art import figure


def draw():
    fig = figure(2, 1)
    fig.text(0.5, 0.5, "B", color="white")
    return fig
"""


@pytest.fixture()
def book(tmp_path: Path) -> Path:
    """Two posts, each with a drawing script: a.png imports ddl.activations, b.jpg does not."""
    folder = tmp_path / "book"
    folder.mkdir()
    (folder / "a.md").write_text(post("A", "./a.png"))
    (folder / "a.image.py").write_text(SIGMOID.format(colour="#ffb000"))
    (folder / "b.md").write_text(post("B", '"./b.jpg"'))
    (folder / "b.image.py").write_text(LETTER)
    return folder


@pytest.fixture()
def packages(tmp_path: Path) -> dict[str, Path]:
    """A copy of the package sources, to edit: the drawings' dependencies are read from it."""
    copies = {}
    for name in ("ddl", "ddl_site"):
        source = REPO / "src" / name
        for path in source.rglob("*.py"):
            if "__pycache__" not in path.parts:
                target = tmp_path / "packages" / name / path.relative_to(source)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(path, target)
        copies[name] = tmp_path / "packages" / name
    return copies


def draw(book: Path, packages) -> tuple[list[str], list[str]]:
    """Run write_all: (the scripts that ran, the files that were rewritten)."""
    ran: list[str] = []
    written = write_all(book, log=lambda d: ran.append(d.script.name), packages=packages)
    return sorted(ran), sorted(p.name for p in written)


def edit(path: Path) -> None:
    path.write_text(path.read_text() + "\n# edited\n")


def test_images_are_drawn_once_then_only_when_needed(book, packages):
    assert draw(book, packages) == (["a.image.py", "b.image.py"], ["a.png", "b.jpg"])
    assert (book / "a.png").read_bytes()[:8] == PNG
    assert (book / "b.jpg").read_bytes()[:3] == JPEG
    assert draw(book, packages) == ([], [])


def test_a_changed_script_redraws_its_own_image_only(book, packages):
    draw(book, packages)
    before = (book / "a.png").read_bytes()
    (book / "a.image.py").write_text(SIGMOID.format(colour="#4fc3f7"))
    assert draw(book, packages) == (["a.image.py"], ["a.png"])
    assert (book / "a.png").read_bytes() != before


def test_a_file_is_rewritten_only_when_its_bytes_change(book, packages):
    draw(book, packages)
    stamp = (book / "a.png").stat().st_mtime_ns
    edit(book / "a.image.py")  # a comment: the same picture
    assert draw(book, packages) == (["a.image.py"], [])
    assert (book / "a.png").stat().st_mtime_ns == stamp


def test_a_change_in_a_ddl_module_the_script_imports_redraws_it(book, packages):
    draw(book, packages)
    edit(packages["ddl"] / "activations.py")
    assert draw(book, packages) == (["a.image.py"], [])


def test_a_change_in_a_module_imported_through_ddl_site_redraws_every_image(book, packages):
    draw(book, packages)
    edit(packages["ddl"] / "notebook.py")  # ddl_site imports it
    assert draw(book, packages) == (["a.image.py", "b.image.py"], [])


def test_a_change_in_an_unrelated_ddl_module_redraws_nothing(book, packages):
    draw(book, packages)
    assert "ddl.schedules" not in lead_images.drawing_sources(book / "a.image.py")
    edit(packages["ddl"] / "schedules.py")
    assert draw(book, packages) == ([], [])


@pytest.mark.parametrize("library", ["matplotlib", "numpy", "PIL"])
def test_a_new_version_of_a_drawing_library_redraws_every_image(
    book, packages, monkeypatch, library
):
    module = __import__(library)
    draw(book, packages)
    monkeypatch.setattr(module, "__version__", module.__version__ + ".post1")
    assert draw(book, packages) == (["a.image.py", "b.image.py"], [])


def test_a_deleted_or_altered_image_is_redrawn(book, packages):
    draw(book, packages)
    before = (book / "a.png").read_bytes()
    (book / "a.png").unlink()
    assert draw(book, packages) == (["a.image.py"], ["a.png"])
    assert (book / "a.png").read_bytes() == before
    (book / "b.jpg").write_bytes(b"stale")
    assert draw(book, packages) == (["b.image.py"], ["b.jpg"])


def test_an_image_no_script_draws_any_more_leaves_the_manifest(book, packages):
    draw(book, packages)
    (book / "b.image.py").unlink()
    assert draw(book, packages) == ([], [])
    manifest = (book / lead_images.MANIFEST).read_text()
    assert '"a.png"' in manifest and '"b.jpg"' not in manifest


# -- what goes wrong, said so that a contributor can fix it ----------------------------------


def failure(book: Path) -> str:
    with pytest.raises(LeadImageError) as raised:
        write_all(book)
    return str(raised.value)


def test_a_script_that_raises_is_named_with_its_traceback(book):
    (book / "c.md").write_text(post("C", "./c.png"))
    (book / "c.image.py").write_text("def draw():\n    weights = []\n    return weights[3]\n")
    message = failure(book)
    lines = message.splitlines()
    assert lines[:3] == [
        "1 lead image could not be drawn:",
        "book/c.image.py: lead-image script: expected draw() to return the lead image ./c.png "
        "of book/c.md; found an exception, IndexError: list index out of range. "
        "Fix the script (its traceback follows), then build again.",
        "Traceback (most recent call last):",
    ]
    assert f'  File "{book / "c.image.py"}", line 3, in draw' in lines
    assert "    return weights[3]" in lines
    assert lines[-1] == "IndexError: list index out of range"
    assert "lead_images.py" not in message  # the traceback starts in the script
    assert (book / "a.png").is_file() and (book / "b.jpg").is_file()  # the others were drawn


def test_a_script_that_does_not_parse_is_named_with_the_line(book):
    (book / "c.md").write_text(post("C", "./c.png"))
    (book / "c.image.py").write_text("def draw(:\n    pass\n")
    lines = failure(book).splitlines()
    assert lines[1].startswith(
        "book/c.image.py: lead-image script: expected draw() to return the lead image ./c.png "
        "of book/c.md; found an exception, SyntaxError: "
    )
    assert f'  File "{book / "c.image.py"}", line 1' in lines


def test_a_script_without_draw_says_what_it_found(book):
    (book / "c.md").write_text(post("C", "./c.png"))
    (book / "c.image.py").write_text("def drew():\n    pass\n")
    assert failure(book).splitlines()[1:] == [
        "book/c.image.py: lead-image script: expected a function draw() that returns a "
        "matplotlib figure (the lead image ./c.png of book/c.md); found no draw() "
        "(functions defined: drew()). Define `def draw():` in the script, ending with "
        "`return fig`."
    ]


def test_a_draw_that_returns_no_figure_says_so(book):
    (book / "c.md").write_text(post("C", "./c.png"))
    (book / "c.image.py").write_text("def draw():\n    pass\n")
    assert failure(book).splitlines()[1:] == [
        "book/c.image.py: lead-image script: expected draw() to return a matplotlib figure; "
        "found None. End draw() with `return fig`, the figure from `figure()` in "
        "ddl_site.art (or plt.figure())."
    ]


def test_a_script_without_its_post_is_named_with_the_fix(book):
    (book / "straight-line.md").write_text(post("Straight", "./line.png"))
    (book / "straight-lines.image.py").write_text(LETTER)
    (book / "zzz.image.py").write_text(LETTER)
    assert failure(book).splitlines() == [
        "2 lead images could not be drawn:",
        "book/straight-lines.image.py: lead-image script: expected a post book/straight-lines.md "
        "beside it (a script draws the lead image of the post it is named after); found no "
        "book/straight-lines.md. Did you mean book/straight-line.image.py?",
        "book/zzz.image.py: lead-image script: expected a post book/zzz.md beside it "
        "(a script draws the lead image of the post it is named after); found no book/zzz.md. "
        "Name it after its post, book/<post>.image.py, or delete it.",
    ]


def test_a_script_whose_post_names_no_image_is_named_with_the_fix(book):
    (book / "c.md").write_text(post("C", None))
    (book / "c.image.py").write_text(LETTER)
    assert failure(book).splitlines()[1:] == [
        "book/c.image.py: lead-image script: expected book/c.md to name the image the script "
        "draws in its front matter; found no 'image' field in book/c.md. Add "
        "`image: ./c.png` (and a `caption:`) to its front matter, or delete the script."
    ]


def test_a_drawn_image_must_be_a_png_or_jpeg(book):
    (book / "c.md").write_text(post("C", "./c.gif"))
    (book / "c.image.py").write_text(LETTER)
    assert failure(book).splitlines()[1:] == [
        "book/c.image.py: lead-image script: expected the 'image' of book/c.md to end in one of "
        ".png, .jpg, .jpeg; found './c.gif'. Name a .png (or a .jpg for a photograph-like "
        "picture) in its front matter."
    ]


def test_two_scripts_drawing_one_file_or_a_file_outside_the_site_are_refused(book):
    (book / "c.md").write_text(post("C", "./a.png"))
    (book / "c.image.py").write_text(LETTER)
    (book / "d.md").write_text(post("D", "../../d.png"))
    (book / "d.image.py").write_text(LETTER)
    assert failure(book).splitlines()[1:] == [
        "book/c.image.py: lead-image script: expected each image drawn by one script; found "
        "book/a.png, which book/a.image.py draws too. Give each post its own image file.",
        "book/d.image.py: lead-image script: expected the 'image' of book/d.md to be inside the "
        f"site's folder; found '../../d.png', which is {book.parent.parent / 'd.png'}. Name a "
        "file beside the post, e.g. `image: ./d.png`.",
    ]
    assert not (book.parent.parent / "d.png").exists()


def test_a_post_whose_front_matter_does_not_parse_is_left_to_the_front_matter_checks(book):
    (book / "c.md").write_text("---\ntitle: [unclosed\n---\n")
    (book / "c.image.py").write_text(LETTER)
    write_all(book)
    assert not (book / "c.png").exists()


def test_an_image_neither_on_disk_nor_drawn_names_the_script_to_add():
    text = post("C", "./c.png").replace("title", "series: S\npart: 1\ntitle")
    problems = read_post(text, "book/c.md", exists=lambda path: False).problems
    assert [str(p) for p in problems] == [
        "book/c.md:6: front matter field 'image': expected a path to a lead image that exists "
        "or that a script beside the post draws; found './c.png', but there is no file "
        "book/c.png. Add book/c.image.py defining draw(), which returns the matplotlib figure "
        "the build saves as book/c.png (or fix the path)."
    ]


def test_check_counts_an_image_a_script_will_draw_as_present(tmp_path, capsys):
    (tmp_path / "book").mkdir()
    (tmp_path / "_config.yml").write_text("html:\n  baseurl: https://example.org/\n")
    (tmp_path / "book/a.md").write_text(post("A", "./a.png"))
    assert main(["--root", str(tmp_path), "check"]) == 1
    assert "Add book/a.image.py defining draw()" in capsys.readouterr().err
    (tmp_path / "book/a.image.py").write_text(LETTER)
    assert main(["--root", str(tmp_path), "check"]) == 0
    assert not (tmp_path / "book/a.png").exists()  # checking draws nothing
    (tmp_path / "book/b.image.py").write_text(LETTER)  # a script with no post of its own
    assert main(["--root", str(tmp_path), "check"]) == 1
    assert (
        "book/b.image.py: lead-image script: expected a post book/b.md" in capsys.readouterr().err
    )


@pytest.mark.site
def test_sphinx_build_fails_naming_the_script_and_showing_the_traceback(tmp_path):
    source = tmp_path / "src"
    (source / "book").mkdir(parents=True)
    (source / "conf.py").write_text(
        'extensions = ["ddl_site.art.lead_images"]\nexclude_patterns = ["_build"]\n'
    )
    (source / "index.md").write_text("# Home\n")
    (source / "book/c.md").write_text(post("C", "./c.png"))
    (source / "book/c.image.py").write_text(
        "def draw():\n    weights = {}\n    return weights['W1']\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", str(source), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    log = result.stdout + result.stderr
    assert (
        "ERROR: book/c.image.py: lead-image script: expected draw() to return the lead image "
        "./c.png of book/c.md; found an exception, KeyError: 'W1'. Fix the script (its "
        "traceback follows), then build again.\nTraceback (most recent call last):\n"
        f'  File "{source / "book/c.image.py"}", line 3, in draw\n'
        "    return weights['W1']\n"
    ) in log
    assert log.count("book/c.image.py: lead-image script") == 1  # said once
    assert (
        "Lead image error:\n1 lead image could not be drawn, reported above as an ERROR naming "
        "the script; nothing was written."
    ) in log
    assert not (tmp_path / "out/index.html").exists()


# -- starting a post with a lead image -------------------------------------------------------


@pytest.fixture()
def site(tmp_path: Path) -> Path:
    """A copy of the site with the landing page and Part 0 only (so nothing slow executes):
    Part 0 keeps its front matter and lead-image script; its body is cut to one line."""
    root = tmp_path / "site"
    (root / "book").mkdir(parents=True)
    shutil.copy(REPO / "_config.yml", root)
    shutil.copy(REPO / "book/index.md", root / "book")
    part0 = REPO / "book/maths-behind-deep-learning.md"
    front = part0.read_text(encoding="utf-8").split("\n---\n", 1)[0]
    (root / "book" / part0.name).write_text(front + "\n---\n\nWhy maths.\n", encoding="utf-8")
    shutil.copy(part0.with_suffix(".image.py"), root / "book")
    (root / "_toc.yml").write_text(
        "format: jb-book\nroot: book/index\nchapters:\n  - file: book/maths-behind-deep-learning\n",
        encoding="utf-8",
    )
    return root


def test_new_with_image_writes_a_script_that_draws_the_posts_lead_image(site, capsys):
    args = ["--root", str(site), "new", "A post with a picture", "--part", "12", "--image"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "wrote book/a-post-with-a-picture.image.py" in out
    path = site / "book/a-post-with-a-picture.md"
    matter = front_matter(path)
    assert matter["image"] == "./a-post-with-a-picture.png" and matter["caption"]
    assert main(["--root", str(site), "check"]) == 0
    write_all(site / "book")
    with Image.open(site / "book/a-post-with-a-picture.png") as image:
        assert image.size == (800, 420)
    with pytest.raises(SystemExit, match=r"a-post-with-a-picture\.md already exists"):
        main(args)
    (site / "book/other.image.py").write_text(LETTER)
    with pytest.raises(SystemExit, match=r"book/other\.image\.py already exists"):
        main(["--root", str(site), "new", "Other", "--part", "13", "--image"])
    assert not (site / "book/other.md").exists()


def test_new_without_image_says_how_to_add_one(site):
    main(["--root", str(site), "new", "Plain", "--part", "12"])
    text = (site / "book/plain.md").read_text()
    assert "image:" not in text.split("\n---\n", 1)[0]
    assert "book/plain.image.py defining draw()" in text
    assert not (site / "book/plain.image.py").exists()


def tree_hash(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


@pytest.mark.site
def test_a_new_post_brings_its_own_lead_image_without_touching_src(site, tmp_path):
    src_before = tree_hash(REPO / "src")
    subprocess.run(
        [sys.executable, "-m", "ddl_site", "new", "Part twelve", "--part", "12"],
        cwd=site,
        check=True,
        timeout=60,
    )
    post_path = site / "book/part-twelve.md"
    text = post_path.read_text(encoding="utf-8")
    caption = "Twelve weights drawn by the post's own script"
    post_path.write_text(
        text.replace("\n---\n", f"\nimage: ./twelve.png\ncaption: {caption}\n---\n", 1),
        encoding="utf-8",
    )
    (site / "book/part-twelve.image.py").write_text(
        textwrap.dedent(
            """\
            import numpy as np

            from ddl.initialisers import he
            from ddl_site.art import figure


            def draw():
                fig = figure()
                ax = fig.add_axes((0, 0, 1, 1))
                ax.set_axis_off()
                weights = he((12, 1), np.random.default_rng(12))
                ax.bar(np.arange(12), weights[:, 0], color="#ffb000")
                return fig
            """
        ),
        encoding="utf-8",
    )
    build = build_book(site, tmp_path / "out")
    assert build.returncode == 0, build.log[-5000:]
    assert "book/part-twelve.image.py: drawing the lead image book/twelve.png" in build.log
    drawn = (site / "book/twelve.png").read_bytes()
    assert drawn[:8] == PNG
    page = BeautifulSoup(build.page("book/part-twelve"), "html.parser")
    figure = page.select_one("figure.ddl-lead-image")
    img = figure.find("img")
    assert img["alt"] == caption
    assert (build.html / "book" / img["src"]).resolve().read_bytes() == drawn
    assert page.select_one(".ddl-part").text == "Part 12"
    assert tree_hash(REPO / "src") == src_before
