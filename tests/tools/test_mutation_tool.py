"""tools/mutation.py: how it names mutants, matches equivalents and scores a run (without mutmut)."""

from __future__ import annotations

import importlib.util
import sys
import tomllib

import pytest

from sitebuild import REPO

spec = importlib.util.spec_from_file_location("mutation", REPO / "tools" / "mutation.py")
mutation = importlib.util.module_from_spec(spec)
sys.modules["mutation"] = mutation  # dataclasses look their module up while the class is made
spec.loader.exec_module(mutation)


@pytest.mark.parametrize(
    ("name", "module", "function"),
    [
        ("ddl.activations.x_relu__mutmut_3", "ddl.activations", "relu"),
        ("ddl.graph.x__spread__mutmut_12", "ddl.graph", "_spread"),
        ("ddl.layers.xǁDenseǁbackward__mutmut_1", "ddl.layers", "Dense.backward"),
        ("ddl.graph.xǁNodeǁ__add____mutmut_2", "ddl.graph", "Node.__add__"),
    ],
)
def test_a_mutants_module_and_function_are_read_from_its_name(name, module, function):
    mutant = mutation.Mutant(name, "survived")
    assert (mutant.module, mutant.function) == (module, function)


DIFF = """# ddl.initialisers.x_zeros__mutmut_2: survived
--- src/ddl/initialisers.py
+++ src/ddl/initialisers.py
@@ -2,4 +2,4 @@
     \"\"\"All zeros.\"\"\"
-    return np.zeros(shape, dtype=dtype)
+    return np.zeros(shape, dtype=None)
"""


def fake_mutmut(monkeypatch, results: dict[str, str], diffs: dict[str, str]):
    def run(command, **_):
        if command[3] == "results":
            stdout = "".join(f"    {name}: {status}\n" for name, status in results.items())
        else:
            stdout = diffs[command[4]]
        return type("Completed", (), {"stdout": stdout, "returncode": 0})()

    monkeypatch.setattr(mutation.subprocess, "run", run)


def write_equivalents(tmp_path, monkeypatch, entries: str):
    path = tmp_path / "equivalents.toml"
    path.write_text(entries)
    monkeypatch.setattr(mutation, "EQUIVALENTS", path)


EQUIVALENT_ZEROS = """
[[equivalent]]
function = "zeros"
removed = "return np.zeros(shape, dtype=dtype)"
added = "return np.zeros(shape, dtype=None)"
reason = "an example"
"""


def test_a_survivor_is_explained_only_by_an_entry_naming_its_function_and_lines(
    tmp_path, monkeypatch, capsys
):
    survivor = "ddl.initialisers.x_zeros__mutmut_2"
    results = {
        survivor: "survived",
        **{f"ddl.initialisers.x_he__mutmut_{i}": "killed" for i in range(9)},
    }
    fake_mutmut(monkeypatch, results, {survivor: DIFF})

    write_equivalents(tmp_path, monkeypatch, EQUIVALENT_ZEROS)
    assert mutation.report(mutation.read_results(), goal=0.9) == 0
    out = capsys.readouterr().out
    assert "score 100.0% against a goal of 90%; 0 unexplained survivors: pass" in out

    # The same lines in another function do not explain it: it is listed, with its diff.
    write_equivalents(tmp_path, monkeypatch, EQUIVALENT_ZEROS.replace('"zeros"', '"ones"'))
    assert mutation.report(mutation.read_results(), goal=0.9) == 1
    out = capsys.readouterr().out
    assert "score 90.0% against a goal of 90%; 1 unexplained survivors: FAIL" in out
    assert "+    return np.zeros(shape, dtype=None)" in out
    assert "matches no surviving mutant any more: delete it" in out


def test_the_score_counts_timeouts_as_killed_no_test_as_survived_and_leaves_out_unrun_ones(
    tmp_path, monkeypatch, capsys
):
    results = {
        "ddl.metrics.x_f1__mutmut_1": "killed",
        "ddl.metrics.x_f1__mutmut_2": "timeout",
        "ddl.metrics.x_f1__mutmut_3": "killed",
        "ddl.metrics.x_recall__mutmut_1": "no tests",
        "ddl.metrics.x_recall__mutmut_2": "not checked",
    }
    fake_mutmut(monkeypatch, results, {"ddl.metrics.x_recall__mutmut_1": DIFF})
    write_equivalents(tmp_path, monkeypatch, "equivalent = []\n")
    assert mutation.report(mutation.read_results(), goal=0.7) == 1  # an unexplained survivor
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("ddl.metrics"))
    # made, killed, survived, no test, equivalent, never run, and the score of those run
    assert row.split() == ["ddl.metrics", "5", "3", "0", "1", "0", "1", "75.0%"]
    assert "1 mutants were never run: the score covers the others only" in out


def test_every_equivalent_in_the_repository_is_complete_and_unique():
    entries = tomllib.loads((REPO / "tools" / "mutation_equivalents.toml").read_text())[
        "equivalent"
    ]
    keys = [(e["function"], e["removed"], e["added"]) for e in entries]
    assert len(keys) == len(set(keys))
    for entry in entries:
        assert set(entry) == {"function", "removed", "added", "reason"}, entry
        assert entry["removed"] != entry["added"] and len(entry["reason"].split()) >= 5, entry
