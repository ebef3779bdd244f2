"""Posts re-execute exactly when what they loaded as they ran, or their code, changes.

The first half tests the dependency analysis of :mod:`ddl_site.sync.execution` and the kernel-side
tracer (:mod:`ddl_site.sync.tracer`, in a Python of its own) as plain functions; the second builds
tiny sites, whose posts import a tiny package in the same temporary folder and a fake
distribution in a temporary site-packages, again and again, and checks which posts each rebuild
executed and what the log said why.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ddl_site.sync import execution as ex
from sitebuild import Build
from tinysite import AHEAD, EXECUTING, TINY, TinySite, write

# --------------------------------------------------------------------------------------------
# The import graph, as plain functions
# --------------------------------------------------------------------------------------------

PACKAGE = {
    "pkg/__init__.py": '"""A package whose __init__ imports nothing."""\n',
    "pkg/base.py": "import numpy as np\nVALUE = 1\n",
    "pkg/mid.py": "from .base import VALUE\nDOUBLE = 2 * VALUE\n",
    "pkg/top.py": "from . import mid\n",
    "pkg/other.py": "import math\nOTHER = 3\n",
    "pkg/lazy.py": "def load():\n    from pkg import other\n    return other\n",
    "pkg/sub/__init__.py": "from .deep import DEEP\n",
    "pkg/sub/deep.py": "from .. import base\nfrom ..other import OTHER\nDEEP = 1\n",
    "pkg/sub/star.py": "from pkg.sub import *\n",
    "pkg/not-a-module.py": "import pkg.other\n",
}


@pytest.fixture()
def pkg(tmp_path: Path) -> dict[str, ex.Module]:
    write(tmp_path, PACKAGE)
    return ex.find_modules({"pkg": tmp_path / "pkg"})


def deps(code: str, modules) -> set[str]:
    return ex.code_dependencies([textwrap.dedent(code)], modules)


def test_find_modules_names_every_module_by_its_import_name(pkg):
    assert set(pkg) == {
        "pkg",
        "pkg.base",
        "pkg.mid",
        "pkg.top",
        "pkg.other",
        "pkg.lazy",
        "pkg.sub",
        "pkg.sub.deep",
        "pkg.sub.star",
    }
    assert pkg["pkg.sub"].is_package and not pkg["pkg.sub.deep"].is_package
    assert pkg["pkg.sub"].path.name == "__init__.py"


def test_direct_import_depends_on_the_module_and_its_parent_packages(pkg):
    assert deps("from pkg.other import OTHER", pkg) == {"pkg", "pkg.other"}
    assert deps("import pkg.other as o", pkg) == {"pkg", "pkg.other"}


def test_from_package_import_module_is_the_module(pkg):
    assert deps("from pkg import other", pkg) == {"pkg", "pkg.other"}
    # A name that is not a module only depends on the package's __init__.
    assert deps("from pkg import not_a_module", pkg) == {"pkg"}


def test_dependencies_are_transitive_through_relative_imports(pkg):
    assert deps("import pkg.mid", pkg) == {"pkg", "pkg.mid", "pkg.base"}
    assert deps("from pkg.top import mid", pkg) == {"pkg", "pkg.top", "pkg.mid", "pkg.base"}


def test_relative_imports_from_a_subpackage_and_its_init(pkg):
    graph = ex.import_graph(pkg)
    assert graph["pkg.sub.deep"] == {"pkg", "pkg.sub", "pkg.base", "pkg.other"}
    assert graph["pkg.sub"] == {"pkg", "pkg.sub.deep"}
    # Importing a module of a subpackage runs the subpackage's __init__, and what it imports.
    assert deps("import pkg.sub.star", pkg) == {
        "pkg",
        "pkg.sub",
        "pkg.sub.star",
        "pkg.sub.deep",
        "pkg.base",
        "pkg.other",
    }


def test_unrelated_modules_are_not_dependencies(pkg):
    assert "pkg.other" not in deps("from pkg.mid import DOUBLE", pkg)
    assert deps("import numpy as np\nimport math", pkg) == set()
    assert deps("x = 1", pkg) == set()


def test_imports_inside_functions_and_by_importlib_count(pkg):
    assert deps("import pkg.lazy", pkg) == {"pkg", "pkg.lazy", "pkg.other"}
    assert deps("import importlib\nm = importlib.import_module('pkg.other')", pkg) == {
        "pkg",
        "pkg.other",
    }
    assert deps("def f():\n    import pkg.base\n", pkg) == {"pkg", "pkg.base"}


def test_star_import_follows_dunder_all(tmp_path):
    write(tmp_path, {"p/__init__.py": "__all__ = ['a']\n", "p/a.py": "", "p/b.py": ""})
    modules = ex.find_modules({"p": tmp_path / "p"})
    assert deps("from p import *", modules) == {"p", "p.a"}


def test_cells_with_ipython_syntax_are_read(pkg):
    cell = "%matplotlib inline\n!echo hi\nfrom pkg import other\nx = !ls\n"
    assert deps(cell, pkg) == {"pkg", "pkg.other"}


def test_code_that_does_not_parse_is_read_conservatively(pkg):
    assert deps("from pkg import other\nthis is not python (", pkg) == {"pkg", "pkg.other"}


def test_relative_imports_in_cells_and_beyond_the_top_are_ignored():
    assert ex.imported_names("from . import x", cell=True) == set()
    assert ex.imported_names("from ... import x", "pkg.mod") == set()
    assert ex.imported_names("from .. import x", "pkg.sub.mod") == {"pkg", "pkg.x"}
    assert ex.imported_names("from . import x", "pkg.sub", is_package=True) == {
        "pkg",
        "pkg.sub",
        "pkg.sub.x",
    }


# --------------------------------------------------------------------------------------------
# Fingerprints and reasons
# --------------------------------------------------------------------------------------------


def fingerprint(notebook="n1", **sources) -> ex.Fingerprint:
    env = {"requirements": "r1", "installed packages": "i1", "Python": "CPython 3.11.7"}
    return ex.Fingerprint(notebook, {f"src/{k}.py": v for k, v in sources.items()}, env)


def test_stale_reason_names_what_changed():
    old = fingerprint(layers="a", activations="b")
    assert ex.stale_reason(old, fingerprint(layers="a", activations="b")) is None
    assert ex.stale_reason(None, old) == "no successful execution on record"
    assert ex.stale_reason(old, fingerprint("n2", layers="a", activations="b")) == (
        "its code cells changed"
    )
    assert ex.stale_reason(old, fingerprint(layers="c", activations="b")) == (
        "src/layers.py changed"
    )
    assert ex.stale_reason(old, fingerprint(layers="a", activations="b", new="d")) == (
        "src/new.py is newly imported"
    )
    assert ex.stale_reason(old, fingerprint(layers="a", activations="missing")) == (
        "src/activations.py was deleted"
    )
    new_env = fingerprint(layers="a", activations="b")
    new_env.environment["requirements"] = "r2"
    assert ex.stale_reason(old, new_env) == "requirements changed"


def test_environment_fingerprint_follows_requirements_and_their_includes(tmp_path):
    write(tmp_path, {"requirements.txt": "numpy==2.4.6\n", "test.txt": "-r requirements.txt\n"})
    before = ex.environment_fingerprint([tmp_path / "test.txt"], installed=False)
    assert ex.environment_fingerprint([tmp_path / "test.txt"], installed=False) == before
    (tmp_path / "requirements.txt").write_text("numpy==2.4.7\n")
    assert ex.environment_fingerprint([tmp_path / "test.txt"], installed=False) != before


def test_installed_distributions_are_read_from_their_metadata_folders(tmp_path):
    (tmp_path / "numpy-2.4.6.dist-info").mkdir()
    (tmp_path / "numpy").mkdir()
    assert ex.installed_distributions([str(tmp_path)]) == ["numpy-2.4.6.dist-info"]
    (tmp_path / "numpy-2.4.6.dist-info").rename(tmp_path / "numpy-2.4.7.dist-info")
    assert ex.installed_distributions([str(tmp_path)]) == ["numpy-2.4.7.dist-info"]
    assert any(name.startswith("numpy-") for name in ex.installed_distributions())


def test_manifest_round_trips_and_an_unreadable_one_is_empty(tmp_path):
    path = tmp_path / "cache" / ex.MANIFEST_NAME
    posts = {"book/a": fingerprint(layers="a")}
    ex.write_manifest(path, posts, ["book/b"])
    assert ex.read_manifest(path) == (posts, {"book/b"})
    path.write_text("{not json")
    assert ex.read_manifest(path) == ({}, set())
    assert ex.read_manifest(tmp_path / "absent.json") == ({}, set())


def test_stale_reason_names_distributions_and_modules_now_found():
    old = ex.Fingerprint("n", {}, {"Python": "3"}, {"numpy": "2.4.6"}, {}, ["fast"], traced=True)
    same = ex.Fingerprint("n", {}, {"Python": "3"}, {"numpy": "2.4.6"}, {}, ["fast"], traced=True)
    assert ex.stale_reason(old, same) is None
    same.distributions["numpy"] = "2.4.7"
    assert ex.stale_reason(old, same) == "numpy 2.4.6 → 2.4.7"
    same.distributions["numpy"] = ex.MISSING
    assert ex.stale_reason(old, same) == "numpy 2.4.6 is no longer installed"
    found = ex.Fingerprint("n", {}, {"Python": "3"}, {"numpy": "2.4.6"}, {}, [], traced=True)
    assert ex.stale_reason(old, found) == (
        "fast is now importable (looked for, not found, when it ran)"
    )
    untraced = ex.Fingerprint("n", {}, {"Python": "3"})
    assert ex.stale_reason(untraced, same) == "its kernel is now traced"


def test_traced_kernel_spec_runs_the_tracer_instead_of_ipykernel_launcher():
    spec = {
        "argv": ["/py/bin/python", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3",
        "language": "python",
        "env": {"A": "1"},
    }
    traced = ex.traced_kernel_spec(spec, "/src/ddl_site/tracer.py")
    assert traced == {
        **spec,
        "argv": ["/py/bin/python", "/src/ddl_site/tracer.py", "-f", "{connection_file}"],
    }
    assert ex.traced_kernel_spec({"argv": ["R", "--slave", "-f", "{connection_file}"]}) is None


TRACED_SCRIPT = """
import importlib, json, os, runpy, sys
import earlydist  # as a .pth hook of site would: before the kernel, so not the post's
tracer = runpy.run_path(sys.argv[1])["Tracer"](sys.argv[2])
sys.addaudithook(tracer.audit)
tracer.start_cells()
os.chdir(sys.argv[2])
import tinypkg.base
mod = importlib.import_module("tiny" + "pkg.other")
open("data/input.txt").read()
open("data/output.txt", "w").write("x")
open("data/both.txt", "w").write("x")
open("data/both.txt").read()
open(os.path.join(sys.argv[3], "elsewhere.txt")).read()
import fakedist
try:
    import not_installed_anywhere
except ImportError:
    pass
print(json.dumps(tracer.snapshot()))
"""


def test_tracer_records_what_a_python_loaded_and_read(tmp_path):
    root = write(tmp_path / "root", {**TINY, "data/input.txt": "1 2 3\n", "unread.txt": ""})
    outside = write(
        tmp_path / "outside",
        {
            "elsewhere.txt": "",
            "fakedist/__init__.py": "",
            "fakedist-1.2.dist-info/METADATA": "Metadata-Version: 2.1\nName: fakedist\nVersion: 1.2\n",
            "fakedist-1.2.dist-info/top_level.txt": "fakedist\n",
            "earlydist/__init__.py": "",
            "earlydist-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: earlydist\nVersion: 1.0\n",
            "earlydist-1.0.dist-info/top_level.txt": "earlydist\n",
        },
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), str(outside)])}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            TRACED_SCRIPT,
            str(Path(ex.__file__).with_name("tracer.py")),
            str(root),
            str(outside),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    trace = json.loads(result.stdout)
    assert set(trace["sources"]) == {
        "tinypkg/__init__.py",
        "tinypkg/base.py",
        "tinypkg/other.py",
        "data/input.txt",
    }
    assert trace["sources"]["data/input.txt"] == ex.file_hash(root / "data/input.txt")
    assert trace["distributions"]["fakedist"] == "1.2"
    assert "numpy" not in trace["distributions"]  # installed, but not imported
    assert "earlydist" not in trace["distributions"]
    assert trace["absent"] == ["not_installed_anywhere"]
    assert trace["files"] == {}
    assert trace["python"].split()[-1] == ".".join(map(str, sys.version_info[:3]))


# --------------------------------------------------------------------------------------------
# Builds of a tiny site
# --------------------------------------------------------------------------------------------


@pytest.mark.site
def test_rebuilds_execute_exactly_the_posts_whose_inputs_changed(tmp_path, monkeypatch):
    site = TinySite(
        tmp_path,
        monkeypatch,
        {
            "direct": "from tinypkg.base import VALUE\nprint(VALUE)",
            "transitive": "import tinypkg.mid as mid\nprint(mid.DOUBLE)",
            "other": "from tinypkg import other\nprint(other.OTHER)",
        },
    )
    build, executed, reasons = site.build()
    assert build.returncode == 0, build.log[-5000:]
    assert executed == ["direct", "other", "transitive"]
    assert set(reasons.values()) == {"no successful execution on record"}

    build, executed, reasons = site.build()  # no change
    assert build.returncode == 0, build.log[-5000:]
    assert executed == [] and reasons == {}
    assert "execution: the outputs of all 3 executed posts are current" in build.log
    assert "0 added, 0 changed, 0 removed" in build.log  # not even re-read

    site.edit("tinypkg/base.py", "VALUE = 1", "VALUE = 10")
    build, executed, reasons = site.build()
    assert build.returncode == 0, build.log[-5000:]
    assert executed == ["direct", "transitive"]
    assert reasons == {"direct": "tinypkg/base.py changed", "transitive": "tinypkg/base.py changed"}
    assert build.outputs("posts/transitive") == ["20"]  # the page shows the new output

    # One module edit and one post edit: each re-executes its own post, for its own reason.
    site.edit("tinypkg/other.py", "OTHER = 3", "OTHER = 4")
    site.edit("posts/direct.md", "print(VALUE)", "print(VALUE + 1)")
    build, executed, reasons = site.build()
    assert executed == ["direct", "other"], build.log[-5000:]
    assert reasons == {"other": "tinypkg/other.py changed", "direct": "its code cells changed"}

    # The posts' kernels are traced: what they loaded is what counts, not a requirements file.
    site.edit("requirements.txt", "2.4.6", "2.4.7")
    build, executed, reasons = site.build()
    assert build.returncode == 0, build.log[-5000:]
    assert executed == [] and reasons == {}

    # Edited prose, a new module nobody imports, and a deleted post: nothing to execute.
    site.edit("posts/direct.md", "Some prose.", "Some other prose.")
    write(site.source, {"tinypkg/extra.py": "EXTRA = 1\n"})
    (site.source / "_toc.yml").write_text(site.toc(["direct", "transitive"]))
    (site.source / "posts/other.md").unlink()
    build, executed, reasons = site.build()
    assert build.returncode == 0, build.log[-5000:]
    assert executed == [] and reasons == {}
    assert "Some other prose." in build.page("posts/direct")
    manifest = json.loads((tmp_path / "out/_build/.jupyter_cache" / ex.MANIFEST_NAME).read_text())
    assert set(manifest["posts"]) == {"posts/direct", "posts/transitive"}
    assert "tinypkg/mid.py" in manifest["posts"]["posts/transitive"]["sources"]
    assert "tinypkg/mid.py" not in manifest["posts"]["posts/direct"]["sources"]


@pytest.mark.site
def test_a_post_that_fails_fails_again_until_fixed(tmp_path, monkeypatch):
    site = TinySite(
        tmp_path,
        monkeypatch,
        {
            "fragile": "from tinypkg.base import VALUE\nprint(VALUE)",
            "sturdy": "from tinypkg.other import OTHER\nprint(OTHER)",
        },
    )
    build, executed, _ = site.build()
    assert build.returncode == 0 and executed == ["fragile", "sturdy"], build.log[-5000:]

    site.edit("tinypkg/base.py", "VALUE = 1", "raise RuntimeError('broken on purpose')")
    for _ in range(2):  # the second build, with no change, must fail just the same
        build, executed, reasons = site.build()
        assert build.returncode != 0
        assert "broken on purpose" in build.log
        assert list(reasons) == ["fragile"]
        assert reasons["fragile"].startswith("tinypkg/base.py changed")

    site.edit("tinypkg/base.py", "raise RuntimeError('broken on purpose')", "VALUE = 2")
    build, executed, reasons = site.build()
    assert build.returncode == 0, build.log[-5000:]
    assert executed == ["fragile"]
    assert reasons == {
        "fragile": "tinypkg/base.py changed (the last build did not execute it successfully)"
    }
    manifest = json.loads((tmp_path / "out/_build/.jupyter_cache" / ex.MANIFEST_NAME).read_text())
    assert manifest["unsuccessful"] == [] and set(manifest["posts"]) == {
        "posts/fragile",
        "posts/sturdy",
    }


SEEDED = {
    "noise": (
        "import numpy as np\nrng = np.random.default_rng(7)\nx = rng.normal(size=(50, 50))\n"
        "print(float(np.linalg.norm(x @ x.T)))"
    ),
    "direct": "from tinypkg.base import VALUE\nprint(VALUE)",
    "transitive": "import tinypkg.mid as mid\nmid.DOUBLE",
}


def html_files(build: Build) -> dict[str, bytes]:
    return {
        path.relative_to(build.html).as_posix(): path.read_bytes()
        for path in sorted(build.html.rglob("*"))
        if path.is_file()
    }


@pytest.mark.site
def test_posts_executed_side_by_side_give_the_pages_executed_one_at_a_time(tmp_path, monkeypatch):
    one = TinySite(tmp_path / "one", monkeypatch, SEEDED, workers=1)
    build, executed, _ = one.build()
    assert build.returncode == 0, build.log[-5000:]
    assert executed == sorted(SEEDED)
    assert build.log.count(EXECUTING) == 3 and not AHEAD.findall(build.log)
    alone = html_files(build)

    two = TinySite(tmp_path / "two", monkeypatch, SEEDED, workers=2)
    build, executed, _ = two.build()
    assert build.returncode == 0, build.log[-5000:]
    assert executed == sorted(SEEDED)
    assert "execution: executing 3 posts, 2 at a time" in build.log
    assert len(AHEAD.findall(build.log)) == 3 and EXECUTING not in build.log
    assert html_files(build) == alone
    # Traced as if myst-nb had executed them: a module edit re-executes its importers alone.
    two.edit("tinypkg/base.py", "VALUE = 1", "VALUE = 10")
    build, executed, reasons = two.build()
    assert build.returncode == 0, build.log[-5000:]
    assert executed == ["direct", "transitive"]
    assert set(reasons.values()) == {"tinypkg/base.py changed"}
    assert "executing 2 posts, 2 at a time" in build.log


RENDEZVOUS = """\
import pathlib, time
pathlib.Path("../{me}.here").touch()
deadline = time.monotonic() + 120
while not pathlib.Path("../{other}.here").exists():
    assert time.monotonic() < deadline, "{other} never ran beside {me}"
    time.sleep(0.05)
print("met")"""


@pytest.mark.site
def test_posts_do_execute_at_the_same_time(tmp_path, monkeypatch):
    # Each post waits until the other has started: only posts running at once both finish.
    posts = {
        "left": RENDEZVOUS.format(me="left", other="right"),
        "right": RENDEZVOUS.format(me="right", other="left"),
    }
    site = TinySite(tmp_path, monkeypatch, posts, workers=2)
    build, executed, _ = site.build()
    assert build.returncode == 0, build.log[-5000:]
    assert executed == ["left", "right"]
    assert build.outputs("posts/left") == build.outputs("posts/right") == ["met"]


@pytest.mark.site
def test_a_post_that_fails_beside_others_is_reported_with_its_traceback(tmp_path, monkeypatch):
    site = TinySite(
        tmp_path,
        monkeypatch,
        {
            "fragile": "raise RuntimeError('broken on purpose')",
            "sturdy": "from tinypkg.other import OTHER\nprint(OTHER)",
            "steady": "from tinypkg.base import VALUE\nprint(VALUE)",
        },
        workers=2,
    )
    build, executed, _ = site.build()
    assert build.returncode != 0
    # Executed side by side, then again alone by myst-nb, which names the post and the cell.
    assert "posts/fragile.md: failed (CellExecutionError); executing it again alone" in build.log
    assert "Executing notebook failed: CellExecutionError" in build.log
    report = re.sub(r"\x1b\[[0-9;]*m", "", build.log.split("Executing notebook failed")[1])
    assert "RuntimeError: broken on purpose" in report
    assert "posts/fragile.md" in report
    assert executed == ["steady", "sturdy"]  # fragile stops before it writes the log

    site.edit("posts/fragile.md", "raise RuntimeError('broken on purpose')", "print('mended')")
    build, executed, reasons = site.build()
    assert build.returncode == 0, build.log[-5000:]
    assert executed == ["fragile"]  # the others' outputs were kept from the failed build
    assert build.outputs("posts/fragile") == ["mended"]


# Run a command with SIGINT's default action, whatever this process was started with (a
# background job's SIGINT is ignored, and an ignored signal stays ignored across exec).
DEFAULT_SIGINT = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "os.execv(sys.argv[1], sys.argv[1:])"
)
SLOW = """\
import pathlib, time
pathlib.Path("../{name}.started").touch()
time.sleep(600)"""


@pytest.mark.site
def test_ctrl_c_stops_posts_executing_side_by_side(tmp_path, monkeypatch):
    """Ctrl-C stops the build at once, as it does while myst-nb executes a post: no post is
    executed again, and no kernel is left running."""
    import signal
    import time

    from sitebuild import build_command

    site = TinySite(tmp_path, monkeypatch, {n: SLOW.format(name=n) for n in ("one", "two")})
    log = tmp_path / "build.log"
    with log.open("w") as out:
        build = subprocess.Popen(
            [sys.executable, "-c", DEFAULT_SIGINT, *build_command(site.source, tmp_path / "out")],
            cwd=site.source,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, as a terminal's foreground job
        )
        started = [site.source / f"{n}.started" for n in ("one", "two")]
        deadline = time.monotonic() + 120
        while not all(path.exists() for path in started):
            assert build.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.1)
        os.killpg(build.pid, signal.SIGINT)  # what Ctrl-C sends the terminal's foreground group
        returncode = build.wait(timeout=60)
    text = log.read_text()
    assert returncode != 0 and "Interrupted!" in text, text[-3000:]
    assert "Executing notebook" not in text  # not executed again, one at a time
    assert running_in(site.source) == []


def running_in(folder: Path) -> list[str]:
    """The processes (a post's kernel, say) whose working folder is inside ``folder``."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            cwd = (proc / "cwd").resolve(strict=True)
        except OSError:
            continue
        if cwd == folder.resolve() or folder.resolve() in cwd.parents:
            found.append((proc / "cmdline").read_bytes().replace(b"\0", b" ").decode())
    return found


def fake_distribution(site_packages: Path, name: str, version: str) -> None:
    """A distribution as pip leaves it: the package and its metadata folder."""
    for old in site_packages.glob(f"{name}-*.dist-info"):
        for file in old.iterdir():
            file.unlink()
        old.rmdir()
    write(
        site_packages,
        {
            f"{name}/__init__.py": f"VERSION = {version!r}\n",
            f"{name}-{version}.dist-info/METADATA": (
                f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
            ),
            f"{name}-{version}.dist-info/top_level.txt": f"{name}\n",
        },
    )


@pytest.mark.site
def test_what_the_kernels_loaded_decides_what_re_executes(tmp_path, monkeypatch):
    site_packages = tmp_path / "site-packages"  # outside the site's root, like a venv's
    fake_distribution(site_packages, "fakeplot", "1.0")
    monkeypatch.setenv(
        "PYTHONPATH",
        os.pathsep.join(filter(None, [str(site_packages), os.environ.get("PYTHONPATH")])),
    )
    site = TinySite(
        tmp_path,
        monkeypatch,
        {
            "plots": "import fakeplot\nprint(fakeplot.VERSION)",
            "computed": (
                "import importlib\nname = 'other'\n"
                "module = importlib.import_module(f'tinypkg.{name}')\nprint(module.OTHER)"
            ),
            "reads": "with open('data.txt') as f:\n    print(f.read())",
        },
    )
    write(site.source, {"posts/data.txt": "first\n"})
    build, executed, _ = site.build()
    assert build.returncode == 0, build.log[-5000:]
    assert executed == ["computed", "plots", "reads"]

    # Installing a distribution no post imports changes nothing.
    fake_distribution(site_packages, "unrelated", "1.0")
    build, executed, reasons = site.build()
    assert build.returncode == 0, build.log[-5000:]
    assert executed == [] and reasons == {}

    # A new version of a distribution: the post that imported it, and only it.
    fake_distribution(site_packages, "fakeplot", "2.0")
    build, executed, reasons = site.build()
    assert build.returncode == 0, build.log[-5000:]
    assert executed == ["plots"] and reasons == {"plots": "fakeplot 1.0 → 2.0"}
    assert build.outputs("posts/plots") == ["2.0"]

    # A module imported by a computed name, which no static analysis sees.
    site.edit("tinypkg/other.py", "OTHER = 3", "OTHER = 5")
    build, executed, reasons = site.build()
    assert build.returncode == 0, build.log[-5000:]
    assert executed == ["computed"] and reasons == {"computed": "tinypkg/other.py changed"}

    # A data file a post read.
    site.edit("posts/data.txt", "first", "second")
    build, executed, reasons = site.build()
    assert build.returncode == 0, build.log[-5000:]
    assert executed == ["reads"] and reasons == {"reads": "posts/data.txt changed"}
    assert build.outputs("posts/reads") == ["second"]


def test_the_reading_settings_do_not_depend_on_the_hash_seed():
    """The key of the posts read as notebooks is the same in every build: the MyST settings
    hold sets, whose order changes with ``PYTHONHASHSEED``."""
    script = (
        "from myst_parser.config.main import MdParserConfig\n"
        "from myst_nb.core.config import NbParserConfig\n"
        "from ddl_site.sync.execution import reading_settings\n"
        "extensions = {'amsmath', 'colon_fence', 'deflist', 'dollarmath', 'html_image',\n"
        "              'linkify', 'replacements', 'smartquotes', 'substitution', 'tasklist'}\n"
        "myst = MdParserConfig(enable_extensions=extensions, fence_as_directive={'a', 'b'})\n"
        "print(list(extensions))\n"
        "print(reading_settings(myst, NbParserConfig(), '1.0'))\n"
    )
    src = str(Path(__file__).parents[2] / "src")
    outputs = [
        subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": str(seed), "PYTHONPATH": src},
        ).stdout.splitlines()
        for seed in range(1, 6)
    ]
    assert len({order for order, _ in outputs}) > 1  # the sets were in different orders
    assert len({key for _, key in outputs}) == 1
