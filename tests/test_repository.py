"""The repository's own promises: README's commands are CI's, pins are exact, workflows are safe."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

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


def test_readme_build_command_builds_into_build_html():
    build = [c for c in readme_commands() if "jupyter-book build" in c]
    assert len(build) == 1
    assert "-r requirements.txt" in build[0] and " -W" in build[0]


@pytest.mark.parametrize("name", ["requirements.txt", "requirements-test.txt"])
def test_requirements_are_pinned_exactly(name):
    for number, line in enumerate((REPO / name).read_text().splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith(("-e ", "-r ")):
            continue
        assert re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[A-Za-z0-9_.+\-]+", line), f"{name}:{number}"


def test_heavy_test_references_stay_out_of_the_site_requirements():
    site = (REPO / "requirements.txt").read_text().lower()
    for heavy in ("torch", "playwright", "selenium", "pytest"):
        assert heavy not in site


@pytest.mark.skipif(not WORKFLOWS, reason="no workflow files")
def test_workflows_pass_actionlint():
    actionlint = shutil.which("actionlint") or str(Path(sys.executable).with_name("actionlint"))
    result = subprocess.run([actionlint, *map(str, WORKFLOWS)], capture_output=True, text=True)
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
