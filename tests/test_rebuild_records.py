"""What the incremental rebuilds keep between builds, checked without building a site."""

from __future__ import annotations

from types import SimpleNamespace

from docutils import nodes

from ddl_site import rebuild


def _env(**domaindata):
    title = nodes.title(text="Loss")
    return SimpleNamespace(
        found_docs={"index"},
        titles={"index": title},
        longtitles={"index": title},
        tocs={},
        toctree_includes={},
        toc_secnumbers={},
        toc_fignumbers={},
        domaindata=domaindata,
    )


def test_navigation_view_takes_the_std_domains_tuple_keys():
    # A glossary term and a program option: Sphinx keys them by (type, name) tuples.
    std = {
        "objects": {("term", "loss"): ("book/index", "term-loss")},
        "progoptions": {("ddl", "--seed"): ("book/index", "cmdoption-ddl-seed")},
        "labels": {},
        "anonlabels": {},
    }
    view = rebuild.navigation_view(_env(std=std))
    renamed = {**std, "objects": {("term", "losses"): ("book/index", "term-loss")}}
    assert rebuild.navigation_view(_env(std=renamed)) != view


def test_digest_does_not_depend_on_the_order_of_a_set_or_a_mapping():
    words = ["dollarmath", "amsmath", "colon_fence", "deflist", "html_image", "substitution"]
    assert rebuild.digest({"a": set(words), "b": 1}) == rebuild.digest(
        {"b": 1, "a": set(words[::-1])}
    )
    assert rebuild.digest({("term", "a"): 1}) != rebuild.digest({("term", "b"): 1})
