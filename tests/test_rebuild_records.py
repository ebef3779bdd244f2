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
    # 8 and 16 fall in the same slot of a small set: the first inserted comes first.
    assert list({8, 16}) != list({16, 8})
    assert rebuild.digest({"a": {8, 16}, "b": 1}) == rebuild.digest({"b": 1, "a": {16, 8}})
    assert rebuild.digest({("term", "a"): 1}) != rebuild.digest({("term", "b"): 1})
