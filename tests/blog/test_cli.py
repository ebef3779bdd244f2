"""``python -m ddl_site new`` writes a post that builds, and adds it to the table of contents."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import feedparser
import pytest
import yaml
from bs4 import BeautifulSoup

from ddl_site.blog.frontmatter import read_post
from ddl_site.cli import main

REPO = Path(__file__).resolve().parents[2]
PART_0 = "book/maths-behind-deep-learning.md"


@pytest.fixture()
def site(tmp_path: Path) -> Path:
    """A copy of the site with only the landing page and Part 0 (so nothing slow executes);
    Part 0 keeps its front matter and lead-image script, and its body is cut to one line (it
    links to other parts)."""
    root = tmp_path / "site"
    (root / "book").mkdir(parents=True)
    shutil.copy(REPO / "_config.yml", root)
    shutil.copy(REPO / "book/index.md", root / "book")
    front_matter = (REPO / PART_0).read_text(encoding="utf-8").split("\n---\n", 1)[0]
    (root / PART_0).write_text(front_matter + "\n---\n\nWhy maths.\n", encoding="utf-8")
    shutil.copy(REPO / PART_0.replace(".md", ".image.py"), root / "book")
    (root / "_toc.yml").write_text(
        "# The series in part order.\nformat: jb-book\nroot: book/index\nchapters:\n"
        "  - file: book/maths-behind-deep-learning\n",
        encoding="utf-8",
    )
    return root


def test_new_writes_a_valid_notebook_post_and_adds_it_to_the_toc(site, capsys):
    assert (
        main(
            [
                "--root",
                str(site),
                "new",
                "What is a neural network?",
                "--part",
                "12",
                "--date",
                "2026-01-02 09:30",
            ]
        )
        == 0
    )
    path = site / "book/what-is-a-neural-network.md"
    reading = read_post(path.read_text(), "book/what-is-a-neural-network.md")
    assert reading.problems == []
    post = reading.post
    assert (post.series, post.title, post.part) == (
        "Demystifying Deep Learning",
        "What is a neural network?",
        12,
    )
    assert post.date.isoformat() == "2026-01-02T09:30:00"
    assert "jupytext:" in path.read_text() and "kernelspec:" in path.read_text()
    toc = yaml.safe_load((site / "_toc.yml").read_text())
    assert toc["chapters"][-1] == {"file": "book/what-is-a-neural-network"}
    assert (site / "_toc.yml").read_text().startswith("# The series in part order.")
    assert "added it to _toc.yml" in capsys.readouterr().out


def test_new_refuses_a_taken_part_or_file(site):
    toc = (site / "_toc.yml").read_text()
    with pytest.raises(SystemExit) as taken:
        main(["--root", str(site), "new", "Again", "--part", "0"])
    assert str(taken.value) == (
        "--part: expected a part not yet used in 'Demystifying Deep Learning'; found 0, already "
        f"the part of {PART_0}. Pass --part 1 (the next after the last part), or renumber "
        f"{PART_0} first."
    )
    assert (site / "_toc.yml").read_text() == toc and not (site / "book/again.md").exists()
    main(["--root", str(site), "new", "Once", "--part", "1", "--slug", "once"])
    with pytest.raises(SystemExit) as twice:
        main(["--root", str(site), "new", "Twice", "--part", "2", "--slug", "once"])
    assert str(twice.value) == (
        "--slug: expected a file name no page has; found 'once', and book/once.md already "
        "exists. Pass another --slug."
    )
    with pytest.raises(SystemExit) as bad_slug:
        main(["--root", str(site), "new", "Thrice", "--part", "3", "--slug", "Three Times"])
    assert str(bad_slug.value) == (
        "--slug: expected lowercase words and digits joined by '-'; found 'Three Times'. Pass "
        "e.g. --slug three-times."
    )


def test_check_reports_problems(site, capsys):
    assert main(["--root", str(site), "check"]) == 0
    assert capsys.readouterr().err.endswith("1 post and _config.yml checked: 0 problems\n")
    (site / "book/bad.md").write_text("---\nseries: S\ntittle: x\npart: 1\ndate: 2018-01-01\n---\n")
    assert main(["--root", str(site), "check"]) == 1
    err = capsys.readouterr().err
    assert "book/bad.md:3: front matter field 'tittle'" in err
    assert err.endswith("1 post and _config.yml checked: 1 problem\n")


def test_check_reports_configuration_problems_with_their_line(site, capsys):
    config = (site / "_config.yml").read_text()
    config = re.sub(r"(?m)^(\s+repo_id:).*$", r'\1 "R_kgDOabc"', config)
    (site / "_config.yml").write_text(config)
    line = 1 + config.splitlines().index('      category_id: ""')
    assert main(["--root", str(site), "check"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(
        f"_config.yml:{line}: configuration key 'sphinx.config.ddl_giscus.category_id': expected "
        "the category's id from https://giscus.app"
    )


SERIES = "Demystifying Deep Learning"


@pytest.fixture()
def parts_1_2_4(tmp_path: Path) -> Path:
    """A site whose table of contents has parts 1, 2 and 4 and then a page that is not a part."""
    root = tmp_path / "site"
    (root / "book").mkdir(parents=True)
    shutil.copy(REPO / "_config.yml", root)
    (root / "book/index.md").write_text("# Home\n")
    for part in (1, 2, 4):
        (root / f"book/p{part}.md").write_text(
            f"---\nseries: {SERIES}\ntitle: Part {part}\npart: {part}\ndate: 2018-01-0{part}\n"
            "---\n\n## Body\n"
        )
    (root / "book/equations.md").write_text("# Equations\n")
    (root / "_toc.yml").write_text(
        "# The series in part order.\nformat: jb-book\nroot: book/index\nchapters:\n"
        "  - file: book/p1\n  - file: book/p2  # the second\n  - file: book/p4\n"
        "  # The equations stay last.\n  - file: book/equations\n"
    )
    return root


@pytest.mark.parametrize(
    ("part", "chapters"),
    [
        (3, ["p1", "p2", "new", "p4", "equations"]),  # in the middle of the series
        (12, ["p1", "p2", "p4", "new", "equations"]),  # after the last part, before equations
        (0, ["new", "p1", "p2", "p4", "equations"]),
    ],
)
def test_new_post_goes_among_the_parts_in_part_order(parts_1_2_4, part, chapters):
    main(["--root", str(parts_1_2_4), "new", "New", "--part", str(part), "--slug", "new"])
    text = (parts_1_2_4 / "_toc.yml").read_text()
    assert yaml.safe_load(text)["chapters"] == [{"file": f"book/{c}"} for c in chapters]
    # Comments and layout are kept.
    assert text.startswith("# The series in part order.\n")
    assert "  - file: book/p2  # the second\n" in text
    assert "  # The equations stay last.\n  - file: book/equations\n" in text
    assert "  - file: book/new\n" in text


def test_part_12_goes_after_part_11_and_before_the_equations_in_the_real_table(tmp_path):
    """The real _toc.yml and the real posts' front matter (their bodies are not needed)."""
    root = tmp_path / "site"
    (root / "book").mkdir(parents=True)
    shutil.copy(REPO / "_config.yml", root)
    shutil.copy(REPO / "_toc.yml", root)
    for path in (REPO / "book").glob("*.md"):
        head = path.read_text(encoding="utf-8").split("\n---\n", 1)[0]
        (root / "book" / path.name).write_text(head + "\n---\n\nBody.\n")
    main(["--root", str(root), "new", "A twelfth part", "--part", "12", "--slug", "twelve"])
    before = yaml.safe_load((REPO / "_toc.yml").read_text())["chapters"]
    after = yaml.safe_load((root / "_toc.yml").read_text())["chapters"]
    assert before[-2:] == [
        {"file": "book/backpropagation-computation-graph-lstm"},
        {"file": "book/equations"},
    ]
    assert after == [*before[:-1], {"file": "book/twelve"}, before[-1]]


@pytest.mark.site
def test_the_new_post_builds_strictly(site):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "ddl_site",
            "new",
            "A scaffolded post",
            "--part",
            "12",
            "--date",
            "2026-01-02",
        ],
        cwd=site,
        check=True,
        timeout=60,
    )
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    result = subprocess.run(
        [str(jupyter_book), "build", "-W", "-n", "--keep-going", "."],
        cwd=site,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    html = site / "_build/html"
    page = BeautifulSoup((html / "book/a-scaffolded-post.html").read_text(), "html.parser")
    assert page.select_one(".ddl-part").text == "Part 12"
    assert page.find("time")["datetime"] == "2026-01-02"
    body = page.select_one("article") or page
    assert "has 4 units" in body.get_text(" ", strip=True)  # glued from the executed cell
    parts = [li.get_text(strip=True) for li in page.select(".ddl-series-nav li")]
    assert parts == ["Part 0: Demystifying Deep Learning Primer", "Part 12: A scaffolded post"]
    feed = feedparser.parse((html / "atom.xml").read_text(encoding="utf-8"))
    assert not feed.bozo, feed.get("bozo_exception")
    assert [e.title for e in feed.entries] == [
        "A scaffolded post",
        "Demystifying Deep Learning Primer",
    ]  # newest first
    entry = feed.entries[0]
    base = yaml.safe_load((site / "_config.yml").read_text())["html"]["baseurl"]
    assert entry.link == f"{base.rstrip('/')}/book/a-scaffolded-post.html"
    assert tuple(entry.published_parsed[:3]) == (2026, 1, 2)
    assert (html / "demystifying-deep-learning/a-scaffolded-post/index.html").is_file()


def test_check_reads_the_body_as_the_build_does(site, capsys):
    part_0 = site / PART_0
    text = part_0.read_text(encoding="utf-8")
    part_0.write_text(text + "\nThe loss fell to 0.25.\n\n# Again\n", encoding="utf-8")
    lines = len(text.splitlines())
    assert main(["--root", str(site), "check"]) == 1
    err = capsys.readouterr().err
    assert f"{PART_0}:{lines + 4}: front matter field 'title'" in err
    assert f"{PART_0}:{lines + 2}: post body 'number in prose'" in err
    assert err.endswith("1 post and _config.yml checked: 2 problems\n")
