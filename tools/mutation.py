"""Mutation testing of the companion package: how many deliberate bugs in ``src/ddl`` the tests catch.

mutmut (configured in ``pyproject.toml``, ``[tool.mutmut]``) copies ``src/ddl`` into ``mutants/``,
makes thousands of small changes to it, one at a time (an operator swapped, a number moved by one,
an argument dropped, a string altered), and runs the package tests that reach the changed function
against each. A change the tests notice is *killed*; one they do not is a *survivor*, a bug the
suite would let through. This script runs mutmut, then prints, per module of ``ddl``:

- the mutants made, killed (a test failed or the run timed out), survived, and reached by no test;
- the survivors explained as *equivalent* in ``tools/mutation_equivalents.toml``: changes that
  cannot alter any result (a default argument spelled out, a dtype the input already has), each
  with its reason, matched by the function and the changed line, not by mutmut's numbering;
- the score, killed / (made - equivalent);

and then every survivor not explained, as a diff. It exits 1 when the score of the whole package
is below ``--goal`` (90 % unless given) or a survivor is unexplained, 0 otherwise.

    pip install --require-hashes -r requirements-test.txt -r requirements-mutation.txt
    python tools/mutation.py [--max-children N] [--report-only | --survivors-only] [--goal 0.9]

A whole run takes about 15 to 25 minutes on two cores. mutmut remembers its results in
``mutants/`` and re-tests only functions that changed since, so a second run after killing a few
survivors is quick. mutmut does not test a mutant again because a test was added, though:
``--survivors-only`` tests again the mutants the last run left alive, with today's tests (a kill
stays a kill as long as tests are only added or made stricter). ``--report-only`` prints the
report of the last run without running anything.
The weekly workflow ``.github/workflows/mutation.yml`` runs it; it is not part of ``.ci/run``.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tomllib
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EQUIVALENTS = REPO / "tools" / "mutation_equivalents.toml"
MUTMUT = [sys.executable, "-m", "mutmut"]
KILLED = {"killed", "timeout", "segfault", "caught by type check"}
# mutmut's name for a mutant: ddl.<module>.x_<function>__mutmut_<n>, where a method is
# x<U+01C1><Class><U+01C1><method> (mutmut separates class and method with the letter "ǁ").
NAME = re.compile(r"^(?P<module>ddl(?:\.\w+)*)\.x(?P<function>.+?)__mutmut_(?P<number>\d+)$")


@dataclass(frozen=True)
class Mutant:
    name: str
    status: str

    @property
    def module(self) -> str:
        return NAME.match(self.name)["module"]

    @property
    def function(self) -> str:
        """``relu`` for a function, ``Dense.backward`` for a method."""
        raw = NAME.match(self.name)["function"]
        return raw.removeprefix("_").replace("ǁ", ".").strip(".")


@dataclass(frozen=True)
class Change:
    """The lines a mutant removes and adds, stripped of indentation: how an equivalent is named."""

    removed: tuple[str, ...]
    added: tuple[str, ...]
    diff: str


@dataclass(frozen=True)
class Equivalent:
    function: str
    removed: str
    added: str
    reason: str

    def explains(self, mutant: Mutant, change: Change) -> bool:
        return (
            mutant.function == self.function
            and change.removed == (self.removed,)
            and change.added == (self.added,)
        )


def run_mutmut(max_children: int, names: list[str] = ()) -> None:
    command = [*MUTMUT, "run", "--max-children", str(max_children), *names]
    print("$", " ".join(command[2:5]), f"({len(names)} mutants named)" if names else "", flush=True)
    # mutmut draws a progress line many times a second: keep only its last state.
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    lines = [line for line in re.split(r"[\r\n]", result.stdout) if line.strip()]
    print(lines[-1] if lines else "(mutmut printed nothing)")
    if result.returncode != 0:
        sys.exit(
            f"mutmut run failed (exit {result.returncode}); its output ends with:\n"
            + "\n".join(lines[-40:])
            + result.stderr[-4000:]
        )


def read_results() -> list[Mutant]:
    result = subprocess.run(
        [*MUTMUT, "results", "--all", "true"], cwd=REPO, capture_output=True, text=True, check=True
    )
    mutants = []
    for line in result.stdout.splitlines():
        name, _, status = line.strip().rpartition(": ")
        if NAME.match(name):
            mutants.append(Mutant(name, status))
    if not mutants:
        sys.exit("mutmut has no results: run without --report-only first")
    return mutants


def change_of(mutant: Mutant) -> Change:
    diff = subprocess.run(
        [*MUTMUT, "show", mutant.name], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout
    body = [line for line in diff.splitlines() if not line.startswith(("---", "+++", "# "))]
    removed = tuple(line[1:].strip() for line in body if line.startswith("-"))
    added = tuple(line[1:].strip() for line in body if line.startswith("+"))
    return Change(removed, added, diff)


def read_equivalents() -> list[Equivalent]:
    entries = tomllib.loads(EQUIVALENTS.read_text())["equivalent"]
    for number, entry in enumerate(entries, 1):
        missing = {"function", "removed", "added", "reason"} - set(entry)
        if missing:
            sys.exit(f"{EQUIVALENTS}: entry {number}: expected the fields {sorted(missing)}")
    return [Equivalent(**entry) for entry in entries]


def report(mutants: list[Mutant], goal: float) -> int:
    equivalents = read_equivalents()
    not_killed = [m for m in mutants if m.status not in KILLED | {"not checked"}]
    with ThreadPoolExecutor(max_workers=4) as pool:
        changes = dict(zip(not_killed, pool.map(change_of, not_killed), strict=True))

    counts: dict[str, Counter] = defaultdict(Counter)
    unexplained: list[tuple[Mutant, Change]] = []
    used: set[Equivalent] = set()
    for mutant in mutants:
        row = counts[mutant.module]
        row["made"] += 1
        if mutant.status in KILLED:
            row["killed"] += 1
            continue
        if mutant.status == "not checked":  # a run cut short, or limited to some modules
            row["not checked"] += 1
            continue
        change = changes[mutant]
        match = next((e for e in equivalents if e.explains(mutant, change)), None)
        if match is not None:
            row["equivalent"] += 1
            used.add(match)
            continue
        row["no tests" if mutant.status == "no tests" else "survived"] += 1
        unexplained.append((mutant, change))

    def score(row: Counter) -> float:
        return row["killed"] / max(row["made"] - row["equivalent"] - row["not checked"], 1)

    header = (
        f"{'module':<22}{'made':>6}{'killed':>8}{'survived':>10}{'no test':>9}{'equiv.':>8}"
        f"{'unrun':>7}{'score':>8}"
    )
    print(header)
    print("-" * len(header))
    total: Counter = Counter()
    for module in sorted(counts):
        row = counts[module]
        total.update(row)
        print(
            f"{module:<22}{row['made']:>6}{row['killed']:>8}{row['survived']:>10}"
            f"{row['no tests']:>9}{row['equivalent']:>8}{row['not checked']:>7}{score(row):>8.1%}"
        )
    print("-" * len(header))
    print(
        f"{'all of ddl':<22}{total['made']:>6}{total['killed']:>8}{total['survived']:>10}"
        f"{total['no tests']:>9}{total['equivalent']:>8}{total['not checked']:>7}"
        f"{score(total):>8.1%}"
    )
    stale = [e for e in equivalents if e not in used]
    for entry in stale:
        print(
            f"\n{EQUIVALENTS.name}: '{entry.function}: {entry.removed} -> {entry.added}' matches "
            "no surviving mutant any more: delete it"
        )
    if unexplained:
        print(f"\n{len(unexplained)} survivors neither killed nor explained as equivalent:\n")
        for mutant, change in unexplained:
            print(f"# {mutant.name} ({mutant.status})")
            print("\n".join(change.diff.splitlines()[1:]))
            print()
    if total["not checked"]:
        print(f"\n{total['not checked']} mutants were never run: the score covers the others only")
    passed = score(total) >= goal and not unexplained and not total["not checked"]
    print(
        f"score {score(total):.1%} against a goal of {goal:.0%}; "
        f"{len(unexplained)} unexplained survivors: {'pass' if passed else 'FAIL'}"
    )
    return 0 if passed else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-children", type=int, default=2, help="mutants tested at once")
    parser.add_argument("--report-only", action="store_true", help="report the last run")
    parser.add_argument(
        "--survivors-only",
        action="store_true",
        help="test again only the mutants the last run did not kill (after adding tests)",
    )
    parser.add_argument("--goal", type=float, default=0.9, help="the lowest passing score")
    args = parser.parse_args()
    if args.survivors_only:
        names = [m.name for m in read_results() if m.status not in KILLED]
        if names:
            run_mutmut(args.max_children, names)
    elif not args.report_only:
        run_mutmut(args.max_children)
    return report(read_results(), args.goal)


if __name__ == "__main__":
    sys.exit(main())
