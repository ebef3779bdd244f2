"""``python -m ddl_site new`` writes a post that builds, and adds it to the table of contents."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from ddl_site.cli import main
from ddl_site.frontmatter import read_post

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
    with pytest.raises(SystemExit, match="--part: expected a part not yet used"):
        main(["--root", str(site), "new", "Again", "--part", "0"])
    main(["--root", str(site), "new", "Once", "--part", "1", "--slug", "once"])
    with pytest.raises(SystemExit, match="already exists"):
        main(["--root", str(site), "new", "Twice", "--part", "2", "--slug", "once"])


def test_check_reports_problems(site, capsys):
    assert main(["--root", str(site), "check"]) == 0
    (site / "book/bad.md").write_text("---\nseries: S\ntittle: x\npart: 1\ndate: 2018-01-01\n---\n")
    assert main(["--root", str(site), "check"]) == 1
    assert "book/bad.md:3: front matter field 'tittle'" in capsys.readouterr().err


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
    assert "a-scaffolded-post.html" in (html / "atom.xml").read_text()
    assert (html / "demystifying-deep-learning/a-scaffolded-post/index.html").is_file()
