"""``ddl._names.lookup``: the one message every by-name argument of the package gives."""

import pytest

from ddl._names import lookup

TABLE = {"relu": 1, "sigmoid": 2, "tanh": 3}


def test_a_known_name_gives_its_entry():
    assert [lookup("activation", n, TABLE, "x") for n in ("tanh", "relu", "sigmoid")] == [3, 1, 2]


@pytest.mark.parametrize(
    ("name", "end"),
    [
        ("rleu", "got 'rleu'. Did you mean 'relu'?"),
        ("sigmod", "got 'sigmod'. Did you mean 'sigmoid'?"),
        ("xyz", "got 'xyz'."),
        ("RELU", "got 'RELU'."),  # names are case-sensitive, and too far apart to suggest
        (None, "got None."),
        (3, "got 3."),
        (["relu"], "got ['relu']."),  # a list is not hashable: still the same ValueError
        ("", "got ''."),
    ],
)
def test_an_unknown_name_is_named_with_the_valid_ones_and_the_closest(name, end):
    with pytest.raises(ValueError) as error:
        lookup("activation", name, TABLE, "an Activation")
    assert str(error.value) == (
        "activation: expected one of ['relu', 'sigmoid', 'tanh'] or an Activation, " + end
    )


def test_the_valid_names_are_listed_sorted_whatever_the_table_order():
    with pytest.raises(ValueError) as error:
        lookup("loss", "nope", {"b": 0, "c": 0, "a": 0}, "a Loss")
    assert str(error.value) == "loss: expected one of ['a', 'b', 'c'] or a Loss, got 'nope'."


def test_the_closest_name_is_the_one_suggested():
    table = {"adam": 0, "adamw": 0, "sgd": 0}
    with pytest.raises(ValueError, match=r"Did you mean 'adamw'\?$"):
        lookup("optimiser", "adamww", table, "an Optimiser")
    with pytest.raises(ValueError, match=r"Did you mean 'adam'\?$"):
        lookup("optimiser", "adan", table, "an Optimiser")
