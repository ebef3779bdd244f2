"""Bad front matter fails the build, before anything is written, with a message naming the
file, the line, the field, what was expected, what was found and the fix, logged once."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from ddl_site.blog.events import FrontMatterError

pytestmark = pytest.mark.site

CASES = {
    # case: [(file:line, field, text the message must hold), ...]
    "conflict": [
        ("posts/bad.md:4", "merge-conflict marker", "'<<<<<<< HEAD'"),
        ("posts/bad.md:8", "merge-conflict marker", "'>>>>>>> 6c1ada2"),
    ],
    "conflict-body": [
        ("posts/bad.md:10", "merge-conflict marker", "'<<<<<<< HEAD'"),
        ("posts/bad.md:12", "merge-conflict marker", "'======='"),
        ("posts/bad.md:14", "merge-conflict marker", "'>>>>>>> feature'"),
    ],
    "bad-yaml": [("posts/bad.md:4", "front matter:", "YAML that does not parse")],
    "missing-title": [("posts/bad.md:2", "field 'title'", "no 'title' field in a series post")],
    "missing-date": [("posts/bad.md:2", "field 'date'", "no 'date' field in a series post")],
    "missing-part": [("posts/bad.md:2", "field 'part'", "no 'part' field in a series post")],
    "bad-date": [
        (
            "posts/bad.md:5",
            "field 'date'",
            "found '2018-13-45', which is not a date (month must be in 1..12)",
        )
    ],
    "unparseable-date": [
        (
            "posts/bad.md:5",
            "field 'date'",
            "expected a date YYYY-MM-DD, optionally with a time HH:MM[:SS]; found 'last Tuesday'",
        )
    ],
    "bad-part": [
        (
            "posts/bad.md:4",
            "field 'part'",
            "expected a whole number, e.g. 3 (the legacy form \"Part 3\" is accepted); found '2.5'",
        )
    ],
    "missing-image": [
        (
            "posts/bad.md:6",
            "field 'image'",
            "found './nowhere.png', but there is no file posts/nowhere.png",
        )
    ],
    "unknown-key": [
        ("posts/bad.md:3", "field 'tittle'", "found unknown field 'tittle'. Did you mean 'title'?")
    ],
    "repeated-title": [
        ("posts/bad.md:8", "field 'title'", "found a level-1 heading '# Said twice' in the body")
    ],
    "duplicate-part": [
        (
            "posts/b.md:4",
            "field 'part'",
            "expected a part number not used by another post in the series "
            "'Test Series'; found 1, already the part of posts/a.md",
        )
    ],
    "redirect-collision": [
        (
            "posts/b.md:6",
            "field 'redirect_from'",
            "found '/old/page.html', already a redirect to posts/a.md",
        )
    ],
    "redirect-to-page": [
        (
            "posts/a.md:6",
            "field 'redirect_from'",
            "found '/posts/b.html', which is the address of posts/b.md",
        )
    ],
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_front_matter_fails_the_build_with_a_clear_message_logged_once(
    make_app, tmp_path, rootdir, case
):
    import shutil

    shutil.copytree(rootdir / f"test-{case}", tmp_path / "src")
    app = make_app("html", srcdir=tmp_path / "src")
    with pytest.raises(FrontMatterError) as raised:
        app.build()
    log = re.sub(r"\x1b\[[0-9;]*m", "", app._warning.getvalue()).splitlines()
    errors = [line for line in log if ": ERROR: " in line]
    assert len(errors) == len(CASES[case]) == len(raised.value.problems), log
    for where, field, found in CASES[case]:
        (line,) = [x for x in errors if f"{where}: ERROR: " in x]
        assert field in line and found in line, line
        problem = next(p for p in raised.value.problems if f"{p.path}:{p.line}".endswith(where))
        assert line.endswith(problem.message) and problem.hint and line.endswith(problem.hint)
    # The exception counts the problems; it does not print them a second time.
    assert str(raised.value).endswith("with its file and line; nothing was written.")
    assert all(p.message not in str(raised.value) for p in raised.value.problems)


def test_problems_are_also_logged_with_their_location(make_app, tmp_path, rootdir):
    import shutil

    shutil.copytree(rootdir / "test-unknown-key", tmp_path / "src")
    app = make_app("html", srcdir=tmp_path / "src")
    with pytest.raises(FrontMatterError):
        app.build()
    warnings = app._warning.getvalue()
    assert "posts/bad.md:3: ERROR: front matter field 'tittle'" in warnings
    assert not (Path(app.outdir) / "posts/bad.html").exists()
    assert not (Path(app.outdir) / "atom.xml").exists()


def test_strict_sphinx_build_exits_non_zero_and_writes_no_pages(tmp_path, rootdir):
    import shutil

    shutil.copytree(rootdir / "test-conflict", tmp_path / "src")
    out = tmp_path / "html"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-b",
            "html",
            "-W",
            "--keep-going",
            str(tmp_path / "src"),
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "posts/bad.md:4" in result.stderr
    assert "git merge-conflict marker" in result.stderr
    assert not (out / "posts/bad.html").exists() and not (out / "index.html").exists()
