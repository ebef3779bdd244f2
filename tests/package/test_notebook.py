"""``ddl.notebook``: ``counted`` (a count with its noun, singular exactly when the count is 1),
and what ``glue`` and ``claim`` hand to the notebook, with myst-nb and in a reader's plain kernel."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from ddl.notebook import ClaimError, claim, claim_key, counted, glue


@pytest.mark.parametrize(
    ("count", "noun", "plural", "text"),
    [
        (1, "tumour", None, "1 tumour"),
        (0, "tumour", None, "0 tumours"),
        (2, "tumour", None, "2 tumours"),
        (np.int64(1), "test tumour", None, "1 test tumour"),
        (np.int64(3), "test tumour", None, "3 test tumours"),
        (2048, "parameter", None, "2,048 parameters"),
        (2, "batch", None, "2 batches"),
        (144, "epoch", None, "144 epochs"),
        (1, "epoch", None, "1 epoch"),
        (2, "bias", None, "2 biases"),
        (2, "box", None, "2 boxes"),
        (2, "query", None, "2 queries"),
        (2, "day", None, "2 days"),
        (2, "buzz", None, "2 buzzes"),
        (2, "dish", None, "2 dishes"),
        (2, "gas", None, "2 gases"),
        (2, "y", None, "2 ys"),
        (2, "py", None, "2 pies"),
        (2, "key", None, "2 keys"),
        (1, "matrix", "matrices", "1 matrix"),
        (2, "matrix", "matrices", "2 matrices"),
        (-1, "step", None, "-1 steps"),
        (1, "  distinct   unit ", None, "1 distinct unit"),
    ],
)
def test_counted_agrees_with_its_count(count, noun, plural, text):
    assert counted(count, noun, plural) == text


@pytest.mark.parametrize("count", [1.0, 2.5, "3", True, None])
def test_counted_takes_whole_numbers_only(count):
    with pytest.raises(TypeError) as error:
        counted(count, "tumour")
    assert str(error.value) == (
        "counted: expected a whole number (int or numpy integer); "
        f"found {type(count).__name__} {count!r}"
    )


@pytest.mark.parametrize("noun", ["", "  ", None])
def test_counted_needs_a_noun(noun):
    with pytest.raises(ValueError, match="counted: expected a noun"):
        counted(2, noun)


# ``glue`` and ``claim`` hand their values to IPython's ``display``: record what it is given.
@pytest.fixture
def shown(monkeypatch):
    import IPython.display

    calls = []

    def display(*objects, **options):
        calls.append((objects, options))

    monkeypatch.setattr(IPython.display, "display", display)
    monkeypatch.setattr("myst_nb.ext.glue.ipy_display", display)
    return calls


@pytest.fixture
def without_myst_nb(monkeypatch):
    """A reader's plain Jupyter kernel: importing myst_nb fails."""
    monkeypatch.setitem(sys.modules, "myst_nb", None)


def test_glue_in_a_plain_kernel_shows_the_name_and_the_value(shown, without_myst_nb):
    glue("f1_test", 0.9375)
    [(objects, options)] = shown
    assert objects == ({"text/plain": "0.9375", "text/html": "<code>f1_test</code> = 0.9375"},)
    assert options == {
        "raw": True,
        "metadata": {"scrapbook": {"name": "f1_test", "mime_prefix": ""}},
    }


@pytest.mark.parametrize(
    ("value", "seen"),
    [(np.float64(0.9375), "0.9375"), (np.float32(0.5), "0.5"), (np.int64(12), "12")],
)
def test_glue_in_a_plain_kernel_shows_a_numpy_scalar_as_its_number(
    shown, without_myst_nb, value, seen
):
    glue("x", value)
    [(objects, _)] = shown
    assert objects[0]["text/html"] == f"<code>x</code> = {seen}"
    assert objects[0]["text/plain"] == repr(value)  # what myst-nb stores, kept


def test_glue_in_a_plain_kernel_shows_a_numpy_array_as_numpy_prints_it(shown, without_myst_nb):
    glue("x", np.array([0.5, 1.5]))
    [(objects, _)] = shown
    assert objects[0]["text/html"] == "<code>x</code> = array([0.5, 1.5])"


def test_glue_in_a_plain_kernel_escapes_html(shown, without_myst_nb):
    glue("a<b", "x & <y>")
    [(objects, _)] = shown
    assert objects[0]["text/html"] == "<code>a&lt;b</code> = &#x27;x &amp; &lt;y&gt;&#x27;"
    assert objects[0]["text/plain"] == "'x & <y>'"


def test_a_claim_in_a_plain_kernel_shows_a_tick_and_its_statement(shown, without_myst_nb):
    claim("lstm-wins", np.float64(0.1) < 0.2, "the LSTM's cost <is> lower")
    [(objects, options)] = shown
    assert objects == (
        {
            "text/plain": '"the LSTM\'s cost <is> lower"',
            "text/html": "&#10003; the LSTM&#x27;s cost &lt;is&gt; lower",
        },
    )
    assert options["metadata"]["scrapbook"] == {"name": "claim:lstm-wins", "mime_prefix": ""}


def test_glue_with_myst_nb_is_myst_nbs_own(shown):
    glue("shown", 3)
    glue("hidden", 4, display=False)
    [(shown_bundle, shown_options), (hidden_bundle, hidden_options)] = shown
    assert shown_bundle == ({"text/plain": "3"},)
    assert shown_options["metadata"]["scrapbook"] == {"name": "shown", "mime_prefix": ""}
    prefix = hidden_options["metadata"]["scrapbook"]["mime_prefix"]
    assert prefix  # myst-nb's hidden prefix: the page finds the value, the cell shows nothing
    assert hidden_bundle == ({prefix + "text/plain": "4"},)


def test_a_claim_that_holds_is_glued_hidden_under_its_key(shown):
    claim("ok", True, "it holds")
    [(bundle, options)] = shown
    scrapbook = options["metadata"]["scrapbook"]
    assert scrapbook["name"] == claim_key("ok") == "claim:ok"
    assert scrapbook["mime_prefix"]
    assert bundle == ({scrapbook["mime_prefix"] + "text/plain": "'it holds'"},)


@pytest.mark.parametrize("name", ["a-b", "a_b", "A1"])
def test_claim_names_may_hold_letters_digits_hyphens_and_underscores(shown, name):
    claim(name, True, "fine")
    assert shown


def test_a_false_claim_glues_nothing(shown):
    with pytest.raises(ClaimError, match=r"^claim 'no' does not hold: two is less than one$"):
        claim("no", False, "two is less than one")
    assert not shown


@pytest.mark.parametrize("holds", [1, None, "yes"])
def test_a_claim_of_another_type_names_it(holds):
    with pytest.raises(TypeError) as error:
        claim("vague", holds, "something")
    assert str(error.value) == (
        f"claim 'vague': expected a bool (the comparison itself); "
        f"found {type(holds).__name__} {holds!r}"
    )


@pytest.mark.parametrize("name", ["", "a b", "a.b", "a/b"])
def test_a_bad_claim_name_is_quoted(name):
    with pytest.raises(ValueError) as error:
        claim(name, True, "x")
    assert str(error.value) == (
        f"claim name: expected letters or digits, which '-' and '_' may join; found {name!r}"
    )


@pytest.mark.parametrize("word", ["epoch", "stomach", "monarch", "matriarch", "patriarch", "tech"])
def test_a_ch_said_as_k_takes_only_an_s(word):
    assert counted(2, word) == f"2 {word}s"
    assert counted(2, f"long {word}") == f"2 long {word}s"
    assert counted(1, word) == f"1 {word}"


@pytest.mark.parametrize(
    ("noun", "text"),
    [
        ("TOY", "3 TOYs"),  # a capital vowel before the y is still a vowel
        ("ESSAY", "3 ESSAYs"),
        ("spy", "3 spies"),
        ("bus", "3 buses"),
        ("church", "3 churches"),
        ("wish", "3 wishes"),
        ("fox", "3 foxes"),
        ("a", "3 as"),
    ],
)
def test_counted_plural_rules(noun, text):
    assert counted(3, noun) == text


def test_counted_separates_thousands_in_either_form_and_reads_numpy_integers():
    assert counted(1_234_567, "weight") == "1,234,567 weights"
    assert counted(np.uint8(1), "weight") == "1 weight"
    assert counted(np.int32(-2000), "step") == "-2,000 steps"
    assert counted(1000, "matrix", "matrices") == "1,000 matrices"
    assert counted(2, "tab\tseparated\nnoun") == "2 tab separated nouns"


@pytest.mark.parametrize("name", ["-", "_", "-_", "a b-", "ok!"])
def test_a_claim_name_needs_a_letter_or_digit_and_nothing_else(name):
    with pytest.raises(ValueError) as error:
        claim(name, True, "x")
    assert str(error.value) == (
        f"claim name: expected letters or digits, which '-' and '_' may join; found {name!r}"
    )


def test_a_numpy_comparison_is_a_claim_and_a_false_one_raises(shown):
    claim("numpy-true", np.array(1.0) < 2.0, "one is less than two")
    assert len(shown) == 1
    with pytest.raises(ClaimError, match=r"^claim 'numpy-false' does not hold: x$"):
        claim("numpy-false", np.float32(3) < 2, "x")
    assert len(shown) == 1


@pytest.mark.parametrize("value", [list(range(40)), {"b": 1, "a": [2.5] * 30}, np.arange(3.0)])
def test_a_plain_kernel_shows_the_text_myst_nb_would_store(monkeypatch, value):
    """The page quotes myst-nb's text/plain (IPython's pretty form, which wraps a long list); a
    reader running the post without myst-nb sees the same text."""
    import IPython.display

    stored, plain = [], []
    monkeypatch.setattr("myst_nb.ext.glue.ipy_display", lambda b, **o: stored.append(b))
    glue("value", value)
    monkeypatch.setattr(IPython.display, "display", lambda b, **o: plain.append(b))
    monkeypatch.setitem(sys.modules, "myst_nb", None)
    glue("value", value)
    assert plain[0]["text/plain"] == stored[0]["text/plain"]
    if isinstance(value, list):
        assert "\n" in plain[0]["text/plain"]  # the pretty form, not repr's one line


def test_a_plain_kernel_falls_back_to_repr_for_a_value_that_displays_itself(shown, without_myst_nb):
    class Widget:
        def _ipython_display_(self):
            pass  # shows itself; IPython's formatters then give no text/plain

        def __repr__(self):
            return "Widget<3 & 4>"

    glue("w", Widget())
    [(objects, _)] = shown
    assert objects[0]["text/plain"] == "Widget<3 & 4>"
    assert objects[0]["text/html"] == "<code>w</code> = Widget&lt;3 &amp; 4&gt;"
