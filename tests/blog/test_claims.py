"""A comparison a post states in prose is checked by the code that computed it.

``ddl.notebook.claim`` raises when the comparison is false; the ``{claim}`` role fails the build
when the post's cells state no such claim. Both are tested as functions, then on tiny sites
whose post compares two results of a tiny package: a change to the package that makes the
sentence false fails the rebuild, naming the post and the claim.
"""

from __future__ import annotations

import numpy as np
import pytest

from ddl.notebook import ClaimError, claim
from ddl_site.blog.claims import parse
from tinysite import TinySite


def test_a_claim_that_holds_passes_and_one_that_fails_raises_naming_it():
    claim("bigger", bool(np.float64(2.0) > 1.0), "two is more than one")
    claim("numpy-bool", np.float64(2.0) > 1.0, "a numpy comparison is a bool too")
    with pytest.raises(ClaimError, match=r"claim 'smaller' does not hold: two is less than one"):
        claim("smaller", np.float64(2.0) < 1.0, "two is less than one")


@pytest.mark.parametrize("holds", [1, 0.5, np.array([True, True]), "yes", None])
def test_a_claim_is_a_comparison_not_a_truthy_value(holds):
    with pytest.raises(TypeError, match="expected a bool"):
        claim("vague", holds, "something")


@pytest.mark.parametrize("name", ["", "two words", "a/b", "x."])
def test_a_claim_name_is_a_simple_identifier(name):
    with pytest.raises(ValueError, match="claim name"):
        claim(name, True, "something")


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("lstm-beats-rnn", ("", "lstm-beats-rnn")),
        ("the LSTM learns it <lstm_beats_rnn>", ("the LSTM learns it", "lstm_beats_rnn")),
        ("  spaced <x-1>  ", ("spaced", "x-1")),
        ("two words", None),
        ("text <bad name>", None),
    ],
)
def test_role_content_is_a_name_or_text_and_a_name(text, parsed):
    assert parse(text) == parsed


PROSE = """\
The deep model scores {glue:text}`deep:.2f`, {claim}`more than the shallow one <deep-wins>`,
which scores
{glue:text}`shallow:.2f`
{claim}`deep-wins`. Every line break stays."""

CODE = """\
from tinypkg.scores import deep, shallow
from ddl.notebook import claim, glue

glue("deep", deep(), display=False)
glue("shallow", shallow(), display=False)
claim("deep-wins", deep() > shallow(), "the deep model scores more than the shallow one")"""

SCORES = "def deep():\n    return 0.9\n\n\ndef shallow():\n    return 0.8\n"


def claim_site(tmp_path, monkeypatch, prose_claim="deep-wins") -> TinySite:
    site = TinySite(tmp_path, monkeypatch, {"compare": CODE})
    site.edit("posts/compare.md", "Some prose.", PROSE.replace("deep-wins>", f"{prose_claim}>"))
    (site.source / "tinypkg" / "scores.py").write_text(SCORES)
    return site


@pytest.mark.site
def test_a_claim_made_false_by_a_package_change_fails_the_build_naming_post_and_claim(
    tmp_path, monkeypatch
):
    site = claim_site(tmp_path, monkeypatch)
    build, _, _ = site.build()
    assert build.returncode == 0, build.log[-3000:]
    page = build.page("posts/compare")
    assert '<span class="ddl-claim">more than the shallow one</span>' in page
    assert "0.90" in page and "0.80" in page
    # The bare claim took the line break before it, and no other.
    assert 'which scores\n<span class="pasted-text">0.80</span>. Every' in page

    site.edit("tinypkg/scores.py", "return 0.9", "return 0.7")
    build, _, reasons = site.build()
    assert build.returncode != 0
    assert reasons == {"compare": "tinypkg/scores.py changed"}
    assert "posts/compare.md" in build.log
    assert "claim 'deep-wins' does not hold: the deep model scores more than the shallow one" in (
        build.log
    )


@pytest.mark.site
def test_prose_citing_a_claim_no_cell_states_fails_the_build(tmp_path, monkeypatch):
    site = claim_site(tmp_path, monkeypatch, prose_claim="deep-winz")
    build, _, _ = site.build()
    assert build.returncode != 0
    line = 1 + (site.source / "posts/compare.md").read_text().split("\n").index(
        PROSE.splitlines()[0].replace("deep-wins>", "deep-winz>")
    )
    message = (
        f"posts/compare.md:{line}: ERROR: claim 'deep-winz': expected a code cell of this post "
        "that calls claim('deep-winz', <comparison>, <statement>); found no such claim (the "
        "post's cells state: deep-wins)."
    )
    assert build.log.count(message) == 1, build.log[-3000:]
    assert not (build.html / "posts" / "compare.html").exists()
