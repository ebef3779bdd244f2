"""A glued number agrees with the noun after it: a glued "1" followed by a plural fails the
build, naming the file, the line, the glued key, the noun and the fix."""

from __future__ import annotations

import shutil

import pytest
from docutils import nodes
from docutils.frontend import get_default_settings
from docutils.parsers.rst import Parser
from docutils.utils import new_document

from ddl_site.blog.events import FrontMatterError
from ddl_site.blog.plurals import check_doctree, glue_uses, is_plural, plural_after, singular


@pytest.mark.parametrize("word", ["tumours", "batches", "ones", "epochs", "Steps", "queries"])
def test_plurals(word):
    assert is_plural(word)


@pytest.mark.parametrize(
    "word", ["is", "was", "has", "its", "this", "loss", "bias", "radius", "axis", "tumour", "as"]
)
def test_not_plurals(word):
    assert not is_plural(word)


@pytest.mark.parametrize(
    ("after", "phrase"),
    [
        (" tumours were missed", "tumours"),
        (" malignant ones missed", "malignant ones"),
        (" test\ntumours", "test tumours"),
        (" more steps", "more steps"),
        (" tumour was missed", None),
        (" of the tumours", None),  # "1 of the tumours": the noun is not the number's
        (" held-out test tumours", None),  # two words are looked at, no more
        (", 2 and 3 tumours", None),
        ("", None),
        (" than the others", None),
    ],
)
def test_the_noun_after_a_number(after, phrase):
    assert plural_after(after) == phrase


@pytest.mark.parametrize(
    ("plural", "one"), [("tumours", "tumour"), ("batches", "batch"), ("queries", "query")]
)
def test_singular(plural, one):
    assert singular(plural) == one


def test_glue_uses_find_the_key_and_line_across_line_breaks():
    source = "a\n{glue:text}`n_a:,` malignant\ntumours and {glue:text}`n_b` malignant ones\n"
    assert glue_uses(source, "malignant") == [(2, "n_a"), (3, "n_b")]
    assert glue_uses(source, "malign") == []


def _paragraph(*parts) -> nodes.document:
    document = new_document("p.md", get_default_settings(Parser))
    paragraph = nodes.paragraph()
    for part in parts:
        if isinstance(part, str):
            paragraph += nodes.Text(part)
        else:
            (value,) = part
            node = nodes.inline(value, value, classes=["pasted-text"])
            node.line = 3
            paragraph += node
    document += paragraph
    return document


def test_a_glued_one_before_a_plural_is_reported_in_full():
    source = "---\ntitle: x\n---\n\nWe missed {glue:text}`n_fn` malignant ones.\n"
    doctree = _paragraph("We missed ", ("1",), " malignant ones.")
    (problem,) = check_doctree(doctree, source, "book/p.md")
    assert str(problem) == (
        "book/p.md:5: glued number 'n_fn': expected a noun that agrees with the number before "
        "it; found 1 followed by the plural 'ones' (the page reads \"1 malignant ones\"). Glue "
        'the count with its noun, glue("n_fn", counted(n, "malignant one")) with counted from '
        'ddl.notebook, and delete "malignant ones" after {glue:text}`n_fn`.'
    )


@pytest.mark.parametrize(
    "parts",
    [
        ("We missed ", ("2",), " malignant ones."),  # not 1
        ("We missed ", ("1.0",), " points."),  # a measurement, not a count
        ("We missed ", ("1 tumour",), "."),  # glued with counted()
        ("Read by ", ("3",), ", ", ("2",), " and ", ("1",), " windows."),  # the end of a list
        ("Read by 3, 2 and ", ("1",), " windows."),
        ("Only ", ("1",), " of the tumours."),
    ],
)
def test_what_is_not_reported(parts):
    assert check_doctree(_paragraph(*parts), "", "book/p.md") == []


@pytest.mark.site
def test_a_post_gluing_one_before_a_plural_fails_the_build(make_app, tmp_path, rootdir):
    shutil.copytree(rootdir / "test-glue-plural", tmp_path / "src")
    app = make_app("html", srcdir=tmp_path / "src")
    with pytest.raises(FrontMatterError) as raised:
        app.build()
    assert [(p.line, p.field) for p in raised.value.problems] == [(24, "n_missed"), (28, "one")]
    log = app._warning.getvalue()
    assert log.count("posts/results.md:24: ERROR: glued number 'n_missed'") == 1
    assert "found 1 followed by the plural 'tumours'" in log
    assert log.count("posts/results.md:28: ERROR: glued number 'one'") == 1
    assert log.count("ERROR") == 2
    assert str(raised.value) == (
        "2 problems found, each reported above as an ERROR with its file and line; nothing was "
        "written."
    )
