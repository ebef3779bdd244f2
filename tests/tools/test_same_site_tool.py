"""tools/same_site.py: how it compares two built sites (the builds themselves are not run)."""

from __future__ import annotations

import importlib.util

from sitebuild import REPO

spec = importlib.util.spec_from_file_location("same_site", REPO / "tools" / "same_site.py")
same_site = importlib.util.module_from_spec(spec)
spec.loader.exec_module(same_site)


def site(root, files: dict[str, bytes]):
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root


def test_two_sites_differing_only_in_buildinfo_are_the_same(tmp_path, capsys):
    page = {"index.html": b"<p>1</p>", "book/a.html": b"<p>a</p>"}
    before = site(tmp_path / "a", {**page, ".buildinfo": b"config: 1"})
    after = site(tmp_path / "b", {**page, ".buildinfo": b"config: 2"})
    assert same_site.differences(before, after) == []
    assert same_site.main(["--trees", str(before), str(after)]) == 0
    assert "every file is the same" in capsys.readouterr().out


def test_a_changed_byte_and_a_file_in_one_site_only_are_each_named(tmp_path, capsys):
    before = site(tmp_path / "a", {"index.html": b"<p>1</p>", "old.html": b"", "x/y.css": b"a"})
    after = site(tmp_path / "b", {"index.html": b"<p>2</p>", "new.html": b"", "x/y.css": b"a"})
    assert same_site.differences(before, after) == [
        "only in the first build: old.html",
        "only in the second build: new.html",
        "differs: index.html",
    ]
    assert same_site.main(["--trees", str(before), str(after)]) == 1
    assert "differs: index.html" in capsys.readouterr().out
