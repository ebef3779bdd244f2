"""The parsing and validation functions on their own, without Sphinx."""

from __future__ import annotations

import datetime as dt

import feedparser
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ddl_site.blog import comments, feed, frontmatter, redirects, series
from ddl_site.blog.frontmatter import (
    conflict_markers,
    nearest,
    parse_date,
    parse_part,
    read_post,
    split_front_matter,
)

SEED_PART_0 = """\
---
series: Demystifying Deep Learning 
title: Demystifying Deep Learning Primer
<<<<<<< HEAD
part: Part 0
comments: true
date:   2018-08-25 10:00:00
part: 0
>>>>>>> 6c1ada2... Remove unnecessary fields in front-matter of blog posts
date:   2018-07-25 10:00:00
image: "./why-maths.jpg"
---

## Why bother with the maths behind deep learning?
"""


def test_the_seed_conflict_is_caught_marker_by_marker():
    reading = read_post(SEED_PART_0, "book/p.md")
    assert reading.post is None
    assert [(p.line, p.field) for p in reading.problems] == [
        (4, "merge conflict"),
        (9, "merge conflict"),
    ]
    # What MyST gets keeps the body on the same lines.
    assert reading.source.splitlines()[13] == "## Why bother with the maths behind deep learning?"


@pytest.mark.parametrize(
    "line",
    [
        "<<<<<<< HEAD",
        "=======",
        ">>>>>>> 6c1ada2... msg",
        "||||||| merged common ancestors",
        "<<<<<<<",
        "======= x =",  # git reads seven '=' and a space as a marker, whatever follows
    ],
)
def test_each_conflict_marker_line_is_found_on_its_own(line):
    assert [p.line for p in conflict_markers(f"a\n{line}\nb\n")] == [2]


@pytest.mark.parametrize(
    "line", ["<<<<<<<< eight", "== not a marker", "=======x", "a <<<<<<< b", "||||||"]
)
def test_lines_that_only_look_like_markers_are_left_alone(line):
    assert conflict_markers(line) == []


def test_duplicate_keys_are_reported_with_both_lines():
    text = "---\nseries: S\ntitle: T\npart: 1\ndate: 2018-01-01\npart: 2\n---\n"
    (problem,) = read_post(text, "p.md").problems
    assert (problem.line, problem.field) == (6, "part")
    assert "the first is on line 4" in problem.found


@given(st.integers(min_value=0, max_value=10**6), st.sampled_from(["", "Part ", "part ", "PART  "]))
def test_part_accepts_whole_numbers_and_the_legacy_string(number, prefix):
    assert parse_part(f"{prefix}{number}") == number
    assert parse_part(number) == number


@pytest.mark.parametrize("value", ["2.5", "-1", "three", "Part", "", True, None, [1]])
def test_part_rejects_anything_else(value):
    with pytest.raises(ValueError):
        parse_part(value)


@given(st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2999, 12, 31)))
def test_date_round_trips_in_every_accepted_form(when):
    when = when.replace(microsecond=0)
    assert parse_date(when.strftime("%Y-%m-%d %H:%M:%S")) == when
    assert parse_date(when.isoformat()) == when  # how a notebook's JSON writes it
    assert parse_date(when.strftime("%Y-%m-%d")) == when.replace(hour=0, minute=0, second=0)


def test_date_with_a_zone():
    assert parse_date("2018-07-25T10:00:00Z").utcoffset() == dt.timedelta(0)
    assert parse_date("2018-07-25 10:00 +01:00").utcoffset() == dt.timedelta(hours=1)


@pytest.mark.parametrize(
    "value, reason",
    [
        ("2018-13-45", "month must be in 1..12"),
        ("2018-02-30", "day is out of range"),
        ("25/07/2018", "not in the form"),
        ("2018-07-25 25:00", "hour must be in 0..23"),
    ],
)
def test_dates_that_do_not_exist_or_parse_are_rejected(value, reason):
    with pytest.raises(ValueError, match=reason):
        parse_date(value)


@pytest.mark.parametrize(
    "typo, meant",
    [
        ("tittle", "title"),
        ("exerpt", "excerpt"),
        ("redirect-from", "redirect_from"),
        ("Date", "date"),
        ("kernelSpec", "kernelspec"),
        ("seires", "series"),
    ],
)
def test_unknown_keys_suggest_the_nearest_known_one(typo, meant):
    assert nearest(typo, frontmatter.KNOWN_FIELDS) == meant


def test_unclosed_front_matter():
    with pytest.raises(ValueError, match="never closed"):
        split_front_matter("---\ntitle: x\n")
    (problem,) = read_post("---\ntitle: x\n", "p.md").problems
    assert problem.line == 1


def test_legacy_and_tool_keys_are_accepted_and_only_tool_keys_and_title_passed_on():
    text = (
        "---\njupytext:\n  text_representation:\n    format_name: myst\nkernelspec:\n"
        "  name: python3\nseries: S\ntitle: T\npart: Part 3\nlayout: post\n"
        "include_KaTeX: true\ndatePublished: 2018-08-03 10:00\n---\nbody\n"
    )
    reading = read_post(text, "p.md")
    assert reading.problems == []
    assert (reading.post.part, reading.post.date) == (3, dt.datetime(2018, 8, 3, 10))
    head, span = split_front_matter(reading.source)
    assert span == 13 and reading.source.splitlines()[13] == "body"
    import yaml

    assert list(yaml.safe_load(head)) == ["jupytext", "kernelspec", "title"]


def test_a_page_without_post_fields_is_not_a_post():
    assert read_post("---\ntitle: About\n---\ntext\n", "about.md").post is None
    assert read_post("# Just text\n", "x.md").post is None


def test_repeated_title_ignores_code_comments():
    text = "---\nseries: S\ntitle: T\npart: 1\ndate: 2018-01-01\n---\n```python\n# comment\n```\n"
    post = read_post(text, "p.md").post
    assert frontmatter.check_no_repeated_title(text, post) == []


HEAD = "---\nseries: S\ntitle: T\npart: 1\ndate: 2018-01-01\n---\n"


@pytest.mark.parametrize(
    "body",
    [
        ":::{code-block} python\n# comment\n:::\n",
        "````markdown\n```\n# a heading in an example\n```\n````\n",
        "Some code:\n\n    # comment\n    x = 1\n",
        "$$\n# x\n$$\n",
        "## A section\n\n#not-a-heading, a tag\n",
    ],
)
def test_what_myst_does_not_read_as_a_heading_is_not_a_repeated_title(body):
    post = read_post(HEAD + body, "p.md").post
    assert frontmatter.check_no_repeated_title(HEAD + body, post) == []


@pytest.mark.parametrize(
    ("body", "heading"),
    [
        ("Intro.\n\n# Again\n", (9, "Again")),
        ("Intro.\n\nAgain\n=====\n", (9, "Again")),
        (":::{note}\n# Again #\n:::\n", (8, "Again")),
    ],
)
def test_a_level_one_heading_as_myst_reads_it_is_a_repeated_title(body, heading):
    assert frontmatter.level_one_headings(HEAD + body) == [heading]


def _post(path="book/a.md", **kw):
    values = {"title": "A", "date": dt.datetime(2018, 7, 25), "series": "S", "part": 0}
    values.update(kw)
    return frontmatter.Post(path=path, **values)


def test_redirects_from_the_file_name_and_the_front_matter():
    post = _post(
        path="book/maths-behind-deep-learning.md",
        series="Demystifying Deep Learning",
        redirect_from=("/2018/07/25/DemystifyingDeepLearningPrimer.html",),
    )
    files, problems = redirects.plan({"book/maths-behind-deep-learning": post}, {})
    assert problems == []
    assert files == {
        "demystifying-deep-learning/maths-behind-deep-learning/index.html": "book/maths-behind-deep-learning",
        "2018/07/25/DemystifyingDeepLearningPrimer.html": "book/maths-behind-deep-learning",
    }


@given(st.lists(st.sampled_from(["a", "b", "c.html", "d/"]), min_size=1, max_size=4))
def test_redirect_paths_normalise_to_files(parts):
    url = frontmatter.normalise_url_path("/".join(parts))
    assert url.startswith("/") and "//" not in url
    assert redirects.output_file(url).endswith(".html")


def test_redirect_page_has_no_script_and_no_external_request():
    page = redirects.redirect_page("../a.html", "https://x.org/a.html", "A <title>")
    assert "<script" not in page and "A &lt;title&gt;" in page
    assert 'content="0; url=../a.html"' in page and 'href="../a.html"' in page


def test_series_orders_parts_and_finds_neighbours():
    posts = [_post("b.md", part=2), _post("a.md", part=0), _post("c.md", part=1)]
    (members,) = series.by_series(posts).values()
    assert [p.part for p in members] == [0, 1, 2]
    assert series.neighbours(members[1], members) == (members[0], members[2])
    assert series.human_date(dt.datetime(2018, 7, 25, 10)) == "25 July 2018"
    assert series.reading_minutes(0) == 1 and series.reading_minutes(401) == 3


def test_duplicate_parts_name_both_files():
    (problem,) = frontmatter.check_series([_post("a.md"), _post("b.md")])
    assert problem.path == "b.md" and "a.md" in problem.found


def test_feed_is_valid_atom_dated_by_its_posts():
    entries = [
        feed.Entry("A & B", "https://x.org/a.html", dt.datetime(2018, 7, 25, 10), "<s>"),
        feed.Entry("C", "https://x.org/c.html", dt.datetime(2018, 9, 17), None, ("t",)),
    ]
    raw = feed.atom("Blog", "https://x.org/", "https://x.org/atom.xml", "Me", entries)
    assert raw == feed.atom("Blog", "https://x.org/", "https://x.org/atom.xml", "Me", entries)
    parsed = feedparser.parse(raw)
    assert parsed.bozo == 0 and parsed.feed.updated == "2018-09-17T00:00:00Z"
    assert [e.title for e in parsed.entries] == ["C", "A & B"]
    assert parsed.entries[1].summary == "<s>"  # text, escaped, never markup


def test_giscus_settings_configured_not_configured_and_wrong():
    good = {"repo": "o/r", "repo_id": "R", "category": "C", "category_id": "D"}
    assert comments.problems(good) == [] and comments.is_configured(good)
    # Not configured yet: no id set (the names may already be there). Not a problem.
    for settings in ({}, None, {**good, "repo_id": "", "category_id": None}, {"repo": "o/r"}):
        assert comments.problems(settings) == [] and not comments.is_configured(settings)
    # One id set and a value missing, an unknown key, not a mapping: problems.
    assert [p.key for p in comments.problems({**good, "category_id": " "})] == ["category_id"]
    assert [p.key for p in comments.problems({"repo_id": "R"})] == [
        "repo",
        "category",
        "category_id",
    ]
    assert [p.key for p in comments.problems({"repoid": "x"})] == ["repoid"]
    assert [p.key for p in comments.problems("o/r")] == [""]
    html = comments.embed_html(good)
    assert 'data-repo="o/r"' in html and 'data-category-id="D"' in html
