"""Each post numbers its figures and equations from 1."""

from __future__ import annotations

import re

from ddl_site.blog.numbering import part_qualified, per_document


def test_per_document_restarts_each_type_in_each_document():
    numbers = {
        "a": {"figure": {"f1": (1,), "f2": (2,)}, "displaymath": {"e1": (1,)}},
        "b": {
            "figure": {"g2": (4,), "lead-image": (2,), "g1": (3,)},
            "displaymath": {"e3": (3,), "e2": (2,)},
        },
    }
    assert per_document(numbers) == {
        "a": {"figure": {"f1": (1,), "f2": (2,)}, "displaymath": {"e1": (1,)}},
        "b": {"figure": {"g1": (1,), "g2": (2,)}, "displaymath": {"e2": (1,), "e3": (2,)}},
    }


PAGE = """---
title: {title}
---

Some maths:

$$ a = {n} $$ (eq-{name})

See {{eq}}`eq-{name}`.
"""


def test_second_page_starts_again_at_one(make_book):
    build = make_book(
        {
            "book/index.md": "# Home\n",
            "book/one.md": PAGE.format(title="One", n=1, name="one"),
            "book/two.md": PAGE.format(title="Two", n=2, name="two"),
        },
        toc="format: jb-book\nroot: book/index\nchapters:\n  - file: book/one\n  - file: book/two\n",
    )
    assert build.returncode == 0, build.log[-3000:]
    two = build.page("book/two")
    assert re.search(r'class="eqno">\(1\)', two), "page two's first equation is not (1)"
    assert re.search(r'href="#equation-eq-two">\(1\)</a>', two), "the reference does not say (1)"


POST = """---
series: A series
title: {title}
part: {part}
date: 2018-07-2{part}
---

Some maths:

$$ a = {part} $$ (eq-{name})

Here {{eq}}`eq-{name}`, and from the other part {{eq}}`eq-{other}`.
"""


def test_a_reference_to_another_parts_equation_carries_the_part(make_book):
    build = make_book(
        {
            "book/index.md": "# Home\n",
            "book/one.md": POST.format(title="One", part=1, name="one", other="two"),
            "book/two.md": POST.format(title="Two", part=2, name="two", other="one"),
        },
        toc="format: jb-book\nroot: book/index\nchapters:\n  - file: book/one\n  - file: book/two\n",
    )
    assert build.returncode == 0, build.log[-3000:]
    one, two = build.page("book/one"), build.page("book/two")
    assert re.search(r'href="#equation-eq-one">\(1\)</a>', one)
    assert re.search(r'href="two.html#equation-eq-two">\(2\.1\)</a>', one)
    assert re.search(r'href="#equation-eq-two">\(1\)</a>', two)
    assert re.search(r'href="one.html#equation-eq-one">\(1\.1\)</a>', two)


def test_only_a_bare_equation_number_is_qualified():
    assert part_qualified("(10)", 3) == "(3.10)"
    assert part_qualified("Equation 10", 3) == "Equation 10"
