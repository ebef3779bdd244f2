"""Every front-matter and configuration message, word for word: each names the file (and the
line where there is one), the field or key, what was expected, what was found, and the fix."""

from __future__ import annotations

import datetime as dt

import pytest

from ddl_site.blog import checks, comments, redirects
from ddl_site.blog.frontmatter import Post, check_no_repeated_title, check_series, read_post
from ddl_site.blog.site_config import ConfigSource, baseurl_problem, giscus_problems, key_line

HEAD = "---\nseries: S\ntitle: T\npart: 1\ndate: 2018-01-01\n"
FRONT_MATTER = {
    "unclosed": (
        "---\ntitle: x\n",
        "book/p.md:1: front matter: expected a closing --- line after the front matter; found "
        "none (front matter opened with --- on line 1 is never closed). Add a line --- after the "
        "last field.",
    ),
    "yaml": (
        "---\nseries: S\ntitle: A: B\n---\n",
        "book/p.md:3: front matter: expected YAML between the --- lines; found YAML that does not "
        "parse (mapping values are not allowed here). Fix the YAML on that line: a value holding "
        "': ' or ' #', or starting with one of [ { & * ! | > ' \" % @ `, goes in double quotes.",
    ),
    "not a mapping": (
        "---\n- a\n- b\n---\n",
        "book/p.md:2: front matter: expected a mapping of field: value lines; found a YAML "
        "sequence. Write one 'field: value' per line between the --- lines.",
    ),
    "twice": (
        HEAD + "part: 2\n---\n",
        "book/p.md:6: front matter field 'part': expected each field once; found a second 'part' "
        "(the first is on line 4). Keep one of them and delete the other.",
    ),
    "misspelt": (
        "---\nseries: S\ntittle: T\npart: 1\ndate: 2018-01-01\n---\n",
        "book/p.md:3: front matter field 'tittle': expected one of series, title, part, date, "
        "image, caption, excerpt, redirect_from, comments, tags; found unknown field 'tittle'. "
        "Did you mean 'title'?",
    ),
    "unknown": (
        HEAD + "wibble: 3\n---\n",
        "book/p.md:6: front matter field 'wibble': expected one of series, title, part, date, "
        "image, caption, excerpt, redirect_from, comments, tags; found unknown field 'wibble'. "
        "Rename it to one of those fields, or delete it.",
    ),
    "both dates": (
        HEAD + "datePublished: 2018-01-02\n---\n",
        "book/p.md:6: front matter field 'datePublished': expected one of date or datePublished; "
        "found both (date on line 5). Keep date and delete datePublished.",
    ),
    "no title": (
        "---\nseries: S\npart: 1\ndate: 2018-01-01\n---\n",
        "book/p.md:2: front matter field 'title': expected the post's title (it becomes the "
        "page's only level-1 heading); found no 'title' field in a series post. Add a line such "
        "as 'title: Learning Through Gradient Descent' to the front matter.",
    ),
    "no date": (
        "---\nseries: S\ntitle: T\npart: 1\n---\n",
        "book/p.md:2: front matter field 'date': expected a date YYYY-MM-DD, optionally with a "
        "time HH:MM[:SS]; found no 'date' field in a series post. Add a line such as "
        "'date: 2018-08-03' to the front matter.",
    ),
    "no part": (
        "---\nseries: S\ntitle: T\ndate: 2018-01-01\n---\n",
        "book/p.md:2: front matter field 'part': expected a whole number, e.g. 3 (the legacy "
        "form \"Part 3\" is accepted); found no 'part' field in a series post. Add a line such as "
        "'part: 3' to the front matter.",
    ),
    "part without series": (
        "---\ntitle: T\npart: 1\ndate: 2018-01-01\n---\n",
        "book/p.md:3: front matter field 'series': expected the series' name, e.g. Demystifying "
        "Deep Learning; found a part number without a series. Add a line such as 'series: "
        "Demystifying Deep Learning', or delete 'part'.",
    ),
    "empty title": (
        "---\nseries: S\ntitle:\npart: 1\ndate: 2018-01-01\n---\n",
        "book/p.md:3: front matter field 'title': expected the post's title (it becomes the "
        "page's only level-1 heading); found an empty value. Write the title on the same line, "
        "e.g. title: Learning Through Gradient Descent.",
    ),
    "excerpt as a list": (
        HEAD + "excerpt: [a, b]\n---\n",
        "book/p.md:6: front matter field 'excerpt': expected one or two sentences for the index, "
        "the feed and social cards; found a list ['a', 'b']. Write the excerpt on the same line, "
        "or delete the field.",
    ),
    "part in words": (
        "---\nseries: S\ntitle: T\npart: two\ndate: 2018-01-01\n---\n",
        "book/p.md:4: front matter field 'part': expected a whole number, e.g. 3 (the legacy "
        "form \"Part 3\" is accepted); found 'two'. Write the part as a whole number, e.g. "
        "part: 3.",
    ),
    "no such day": (
        "---\nseries: S\ntitle: T\npart: 1\ndate: 2018-02-30\n---\n",
        "book/p.md:5: front matter field 'date': expected a date YYYY-MM-DD, optionally with a "
        "time HH:MM[:SS]; found '2018-02-30', which is not a date (day is out of range for "
        "month). Write the date as YYYY-MM-DD, e.g. date: 2018-08-03 (or 2018-08-03 10:00).",
    ),
    "image URL": (
        HEAD + "image: https://x.org/a.png\n---\n",
        "book/p.md:6: front matter field 'image': expected a path to the lead image, relative to "
        "the post, e.g. ./why-maths.jpg; found a URL 'https://x.org/a.png'. Save the image in "
        "book/ beside the post and give its path, e.g. image: ./lead.png.",
    ),
    "empty image": (
        HEAD + "image: ''\n---\n",
        "book/p.md:6: front matter field 'image': expected a path to the lead image, relative to "
        "the post, e.g. ./why-maths.jpg; found an empty value. Give the image's path relative "
        "to the post, e.g. image: ./lead.png, or delete the field.",
    ),
    "redirect as a mapping": (
        HEAD + "redirect_from: {a: b}\n---\n",
        "book/p.md:6: front matter field 'redirect_from': expected an old URL path or a list of "
        "them, e.g. /2018/07/25/OldName.html; found a mapping {'a': 'b'}. Give an old path or a "
        "list of them, e.g. redirect_from: [/2018/08/03/GradDescent.html].",
    ),
    "redirect as a URL": (
        HEAD + "redirect_from: https://x.org/a.html\n---\n",
        "book/p.md:6: front matter field 'redirect_from': expected an old URL path or a list of "
        "them, e.g. /2018/07/25/OldName.html; found a full URL 'https://x.org/a.html'. Give the "
        "path only, e.g. /2018/07/25/OldName.html.",
    ),
    "comments: yes": (
        HEAD + "comments: yes\n---\n",
        "book/p.md:6: front matter field 'comments': expected true or false; found 'yes'. Write "
        "comments: true or comments: false.",
    ),
    "tags as a mapping": (
        HEAD + "tags: {a: b}\n---\n",
        "book/p.md:6: front matter field 'tags': expected a list of tags, e.g. [maths, numpy]; "
        "found a mapping {'a': 'b'}. Write a list, e.g. tags: [maths, numpy].",
    ),
    "conflict": (
        HEAD + "<<<<<<< HEAD\n---\n",
        "book/p.md:6: git merge-conflict marker: expected a file with every conflict resolved; "
        "found '<<<<<<< HEAD'. Keep one side and delete the marker lines.",
    ),
}


@pytest.mark.parametrize("case", sorted(FRONT_MATTER))
def test_each_front_matter_message_in_full(case):
    text, message = FRONT_MATTER[case]
    assert [str(p) for p in read_post(text, "book/p.md").problems] == [message]


def _post(path: str, part: int, **kw) -> Post:
    return Post(
        path=path,
        title="T",
        date=dt.datetime(2018, 1, 1),
        series="S",
        part=part,
        lines={"part": 4, "redirect_from": 6},
        **kw,
    )


def test_cross_post_messages_in_full():
    (twice,) = check_series([_post("book/a.md", 1), _post("book/b.md", 1), _post("book/c.md", 3)])
    assert str(twice) == (
        "book/b.md:4: front matter field 'part': expected a part number not used by another post "
        "in the series 'S'; found 1, already the part of book/a.md. Give one of the two posts "
        "another part number, e.g. 4."
    )
    a = _post("book/a.md", 1, redirect_from=("/old.html", "/book/c.html"))
    b = _post("book/b.md", 2, redirect_from=("/old.html",))
    _, problems = redirects.plan({"book/a": a, "book/b": b}, {"book/c.html": "book/c.md"})
    assert [str(p) for p in problems] == [
        "book/a.md:6: front matter field 'redirect_from': expected an old URL that no page and no "
        "other redirect uses; found '/book/c.html', which is the address of book/c.md. Delete it "
        "from redirect_from: that address is a page of the site.",
        "book/b.md:6: front matter field 'redirect_from': expected an old URL that no page and no "
        "other redirect uses; found '/old.html', already a redirect to book/a.md. Keep it in the "
        "redirect_from of only the post it belonged to.",
    ]


def test_a_misspelt_field_is_reported_once_not_also_as_missing():
    text = "---\nseires: S\ntittle: T\npart: 1\ndate: 2018-01-01\n---\n"
    assert [(p.line, p.field) for p in read_post(text, "p.md").problems] == [
        (2, "seires"),
        (3, "tittle"),
    ]


BODY = {
    "repeated title": (
        lambda text: check_no_repeated_title(text, read_post(text, "book/p.md").post),
        HEAD + "---\n\n# Again\n",
        "book/p.md:8: front matter field 'title': expected the title only in the front matter "
        "(the body's headings start at ##); found a level-1 heading '# Again' in the body. "
        "Remove it, or make it a ## section.",
    ),
    "unglued number": (
        lambda text: checks.unglued_numbers(text, "book/p.md"),
        HEAD + "---\n\nThe loss fell to 0.25 here.\n",
        "book/p.md:8: post body 'number in prose': expected a computed number glued from the "
        "code ({glue:text}`name:.3f`), or a constant of the maths marked {constant}`...`; found "
        "'0.25' typed in: The loss fell to 0.25 here.. Glue it from the code cell that computes "
        "it, or, if it is a constant of the maths or a quoted fact, write {constant}`0.25`.",
    ),
    "retyped code": (
        lambda text: checks.retyped_package_code(text, "book/p.md", {"sigmoid": "src/ddl/a.py"}),
        HEAD + "---\n\n```python\ndef sigmoid(z):\n    pass\n```\n",
        "book/p.md:9: post body 'code block': expected the tested code included from the "
        "package: ```{literalinclude} ../src/ddl/a.py``` with :pyobject: sigmoid; found a typed "
        "copy of 'sigmoid' from src/ddl/a.py. Replace the block with that literalinclude.",
    ),
    "transpose": (
        lambda text: checks.notation(text, "book/p.md"),
        HEAD + "---\n\nThe product $W^T x$.\n",
        "book/p.md:8: notation 'transpose': expected '^{\\top}' (T is a sequence's length in "
        "this series); found '^T' in: The product $W^T x$.. Write the transpose as ^{\\top}.",
    ),
    "loss symbol": (
        lambda text: checks.notation(text, "book/p.md"),
        HEAD + "---\n\nThe gradient $\\partial L / \\partial W$.\n",
        "book/p.md:8: notation 'loss symbol': expected '\\partial \\mathcal{L}' (an example's "
        "loss is \\mathcal{L}; L is the number of layers); found '\\partial L' in: The gradient "
        "$\\partial L / \\partial W$.. Write the loss as \\mathcal{L} (or J for the cost).",
    ),
    "equation reference": (
        lambda text: checks.notation(text, "book/p.md"),
        HEAD + "---\n\nBy ({eq}`eq-a`), it holds.\n",
        "book/p.md:8: notation 'equation reference': expected {eq}`label` alone (it prints its "
        "own parentheses, e.g. (3.10)); found '({eq}`eq-a`' …, which reads ((3.10)). Delete the "
        "parentheses around the reference.",
    ),
    "link to a post": (
        lambda text: checks.notation(text, "book/p.md", ["other"]),
        HEAD + "---\n\nSee [Part 2](other).\n",
        "book/p.md:8: notation 'link to a post': expected the post's file name, [...](other.md); "
        "found '(other)' without '.md'. Add '.md' after 'other'.",
    ),
}


@pytest.mark.parametrize("case", sorted(BODY))
def test_each_post_body_message_in_full(case):
    check, text, message = BODY[case]
    assert [str(p) for p in check(text)] == [message]


CONFIG = """\
title: A site
html:
  use_repository_button: true
sphinx:
  config:
    ddl_giscus:
      repo: owner/name
      repo_id: R_kgDOabc
      category: Comments
      category_id: ""
      categoryid: DIC_x
"""


def test_giscus_messages_name_config_file_line_and_key():
    source = ConfigSource("_config.yml", CONFIG)
    settings = {
        "repo": "owner/name",
        "repo_id": "R_kgDOabc",
        "category": "Comments",
        "category_id": "",
        "categoryid": "DIC_x",
    }
    assert [str(p) for p in giscus_problems(settings, source)] == [
        "_config.yml:11: configuration key 'sphinx.config.ddl_giscus.categoryid': expected one of "
        "repo, repo_id, category, category_id, mapping, strict, reactions_enabled, emit_metadata, "
        "input_position, theme, lang, loading; found an unknown key 'categoryid'. Rename it to "
        "'category_id'.",
        "_config.yml:10: configuration key 'sphinx.config.ddl_giscus.category_id': expected the "
        "category's id from https://giscus.app, e.g. DIC_kwDOxxxxxx (giscus needs all four of "
        "repo, repo_id, category, category_id once repo_id is set); found an empty value. Copy "
        "it from https://giscus.app, or empty repo_id and category_id to build without comments.",
    ]
    (not_a_mapping,) = giscus_problems("owner/name", source)
    assert str(not_a_mapping) == (
        "_config.yml:6: configuration key 'sphinx.config.ddl_giscus': expected a mapping of repo, "
        "repo_id, category and category_id; found the text 'owner/name'. Give ddl_giscus the keys "
        "repo, repo_id, category and category_id, or delete it to build without comments."
    )
    (missing,) = giscus_problems(
        {"repo": "o/r", "repo_id": "R", "category_id": "D"}, ConfigSource("conf.py")
    )
    assert str(missing) == (
        "conf.py: configuration key 'ddl_giscus[\"category\"]': expected the Discussions category "
        "for the comments, e.g. Comments (giscus needs all four of repo, repo_id, category, "
        "category_id once repo_id and category_id are set); found no such key. Copy it from "
        "https://giscus.app, or empty repo_id and category_id to build without comments."
    )


def test_baseurl_message_points_at_the_mapping_it_belongs_in():
    assert str(baseurl_problem(ConfigSource("_config.yml", CONFIG))) == (
        "_config.yml:2: configuration key 'html.baseurl': expected the site's address, e.g. "
        "https://example.github.io/; found no value. Set html: baseurl: in _config.yml: the "
        "feed, the canonical links and the social cards are built from it."
    )


def test_key_line_finds_the_deepest_key_there_is():
    assert key_line(CONFIG, ("sphinx", "config", "ddl_giscus", "repo_id")) == 8
    assert key_line(CONFIG, ("sphinx", "config", "ddl_giscus", "lang")) == 6
    assert key_line(CONFIG, ("html", "baseurl")) == 2
    assert key_line(CONFIG, ("parse",)) is None
    assert key_line("a: [", ("a",)) is None


def test_the_note_for_comments_without_giscus_names_posts_keys_and_where_to_get_them():
    keys = ConfigSource("_config.yml", CONFIG).listing("ddl_giscus", comments.REQUIRED)
    assert comments.unconfigured_note(["book/a.md"], "_config.yml", keys) == (
        "Comments: 1 post asks for comments (book/a.md); it is built without them, as giscus is "
        "not configured. To show them, set sphinx: config: ddl_giscus: repo, repo_id, category, "
        "category_id in _config.yml to the values https://giscus.app gives for the repository's "
        "Discussions."
    )
    keys = ConfigSource("conf.py").listing("ddl_giscus", comments.REQUIRED)
    assert comments.unconfigured_note(["a.md", "b.md"], "conf.py", keys) == (
        "Comments: 2 posts ask for comments (a.md, b.md); they are built without them, as giscus "
        "is not configured. To show them, set ddl_giscus's keys repo, repo_id, category, "
        "category_id in conf.py to the values https://giscus.app gives for the repository's "
        "Discussions."
    )
