"""Lead images, drawn by code that lives beside each post, before the posts are read.

A post names its lead image in its front matter (``image: ./why-maths.jpg``), and a script beside
it, ``book/<post>.image.py``, draws it: the script defines ``draw()``, which returns a matplotlib
figure, and the build saves that figure as the file ``image:`` names (PNG or JPEG by its ending).
The images are not kept in the repository; they are rebuilt from code like every other figure
on the site. A script may use the series' look from this module (:func:`figure`,
:func:`network_axes`) and anything from ``ddl``.

A drawing runs again exactly when what it depends on changed: the script's bytes, the modules of
``ddl`` and ``ddl_site`` it imports (directly or through other modules, found statically as for
the posts' code in :mod:`ddl_site.sync.execution`), and the matplotlib, numpy and Pillow versions; or
when its file is missing or was altered. ``book/.lead-images.json`` records what each image was drawn
from. A file is rewritten only when its bytes change, so an unchanged image does not make
Sphinx think a post is out of date.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import traceback
import types
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml
from sphinx.errors import SphinxError

from ddl.notebook import counted

#: A post's drawing script is ``<post's file name without .md>`` + this.
SCRIPT_SUFFIX = ".image.py"
#: The endings an ``image:`` drawn by a script may have: the formats it is saved in.
FORMATS = ("png", "jpg", "jpeg")
MANIFEST = ".lead-images.json"
#: The name a script runs under.
SCRIPT_MODULE = "__lead_image__"


class LeadImageError(SphinxError):
    """Drawing scripts that cannot draw their posts' lead images, raised before any page is
    read; ``problems`` holds one message for each (naming the script, what was expected, what
    was found and the fix)."""

    category = "Lead image error"

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = list(problems) if problems is not None else [message]


def figure(width: float = 8.0, height: float = 4.2):
    """A blank figure in the series' lead-image size and colours."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(width, height), dpi=100)
    fig.patch.set_facecolor("#0f1b2d")
    return fig


def network_axes(sizes, rect=(0.02, 0.02, 0.96, 0.96), left=0.4):
    """A lead-image figure laid out for a drawing of a layered network.

    Layer ``l`` stands at x = l; ``ys[l]`` are the heights of its units, stacked and centred.
    Returns ``(fig, ax, ys)``."""
    import numpy as np

    fig = figure()
    ax = fig.add_axes(rect)
    ax.set_axis_off()
    ax.set_xlim(-left, len(sizes) - 1 + left)
    ax.set_ylim(-0.6, max(sizes) - 0.4)
    ys = [np.arange(n) - (n - 1) / 2 + (max(sizes) - 1) / 2 for n in sizes]
    return fig, ax, ys


# -- finding the drawings --------------------------------------------------------------------


@dataclass(frozen=True)
class Drawing:
    """A post's drawing script and the image file it draws."""

    script: Path  # <folder>/<slug>.image.py
    post: Path  # <folder>/<slug>.md
    image: str  # as the post's front matter writes it, e.g. ./why-maths.jpg
    target: Path  # the file the image is saved as
    root: Path  # the site's source folder: paths in messages are relative to it

    def shown(self, path: Path) -> str:
        return _shown(path, self.root)

    @property
    def key(self) -> str:
        """The image's name in the manifest: its path relative to the scripts' folder."""
        return Path(os.path.relpath(self.target, self.script.parent)).as_posix()


def _shown(path: Path, root: Path) -> str:
    return Path(os.path.relpath(path, root)).as_posix()


def _problem(script: str, expected: str, found: str, fix: str) -> str:
    return f"{script}: lead-image script: expected {expected}; found {found}. {fix}"


_UNREADABLE = object()


def _front_matter_image(post: Path):
    """The post's ``image:`` as text, None without one, or ``_UNREADABLE`` when its front
    matter does not parse (the front-matter checks report that when the post is read)."""
    from ..blog.frontmatter import split_front_matter

    try:
        text, _ = split_front_matter(post.read_text(encoding="utf-8"))
        data = yaml.load(text or "", Loader=yaml.BaseLoader)
    except (OSError, ValueError, yaml.YAMLError):
        return _UNREADABLE
    if text is not None and not isinstance(data, dict):
        return _UNREADABLE
    image = (data or {}).get("image")
    if image is None:
        return None
    return image.strip() if isinstance(image, str) and image.strip() else _UNREADABLE


def find_drawings(folder: Path, root: Path | None = None) -> tuple[list[Drawing], list[str]]:
    """The drawing scripts in ``folder`` with the images they draw, and the problems found.

    ``root`` is the site's source folder (default: ``folder``'s parent): an ``image:`` starting
    with ``/`` is relative to it, and messages name files relative to it."""
    folder = Path(os.path.abspath(folder))
    root = Path(os.path.abspath(root)) if root is not None else folder.parent
    drawings: list[Drawing] = []
    problems: list[str] = []
    scripts = sorted(folder.glob(f"*{SCRIPT_SUFFIX}"))
    slugs = sorted(p.stem for p in folder.glob("*.md"))
    by_target: dict[Path, Drawing] = {}
    for script in scripts:
        slug = script.name.removesuffix(SCRIPT_SUFFIX)
        post = folder / f"{slug}.md"
        shown, shown_post = _shown(script, root), _shown(post, root)
        if not post.is_file():
            from ..core.problems import nearest

            guess = nearest(slug, slugs)
            fix = (
                f"Did you mean {_shown(folder / (guess + SCRIPT_SUFFIX), root)}?"
                if guess
                else f"Name it after its post, {_shown(folder, root)}/<post>{SCRIPT_SUFFIX}, "
                "or delete it."
            )
            problems.append(
                _problem(
                    shown,
                    f"a post {shown_post} beside it (a script draws the lead image of the post "
                    "it is named after)",
                    f"no {shown_post}",
                    fix,
                )
            )
            continue
        image = _front_matter_image(post)
        if image is _UNREADABLE:
            continue  # the post's own front-matter problem is reported when it is read
        if image is None:
            problems.append(
                _problem(
                    shown,
                    f"{shown_post} to name the image the script draws in its front matter",
                    f"no 'image' field in {shown_post}",
                    f"Add `image: ./{slug}.png` (and a `caption:`) to its front matter, "
                    "or delete the script.",
                )
            )
            continue
        if "://" in image:
            continue  # a URL: the front-matter checks report it
        target = (root / image.lstrip("/")) if image.startswith("/") else (post.parent / image)
        target = Path(os.path.normpath(target))
        if target.suffix.lstrip(".").lower() not in FORMATS:
            problems.append(
                _problem(
                    shown,
                    f"the 'image' of {shown_post} to end in one of "
                    + ", ".join(f".{f}" for f in FORMATS),
                    f"{image!r}",
                    "Name a .png (or a .jpg for a photograph-like picture) in its front matter.",
                )
            )
            continue
        if not target.is_relative_to(root):
            problems.append(
                _problem(
                    shown,
                    f"the 'image' of {shown_post} to be inside the site's folder",
                    f"{image!r}, which is {target}",
                    f"Name a file beside the post, e.g. `image: ./{slug}.png`.",
                )
            )
            continue
        drawing = Drawing(script, post, image, target, root)
        if target in by_target:
            other = by_target[target]
            problems.append(
                _problem(
                    shown,
                    "each image drawn by one script",
                    f"{_shown(target, root)}, which {other.shown(other.script)} draws too",
                    "Give each post its own image file.",
                )
            )
            continue
        by_target[target] = drawing
        drawings.append(drawing)
    return drawings, problems


def drawn_images(folder: Path, root: Path | None = None) -> set[str]:
    """The images the scripts in ``folder`` will draw, as posix paths relative to ``root``."""
    drawings, _ = find_drawings(folder, root)
    return {d.shown(d.target) for d in drawings}


# -- drawing ---------------------------------------------------------------------------------


def _failure(drawing: Drawing, error: BaseException) -> LeadImageError:
    """The script's exception, with its traceback from the script's first frame on."""
    tb = error.__traceback__
    while tb is not None and Path(tb.tb_frame.f_code.co_filename) != drawing.script:
        tb = tb.tb_next
    if tb is None:  # e.g. a SyntaxError: no frame of the script ran
        lines = traceback.format_exception_only(type(error), error)
    else:
        lines = traceback.format_exception(type(error), error, tb)
    message = _problem(
        drawing.shown(drawing.script),
        f"draw() to return the lead image {drawing.image} of {drawing.shown(drawing.post)}",
        f"an exception, {type(error).__name__}: {error}",
        "Fix the script (its traceback follows), then build again.",
    )
    return LeadImageError(message + "\n" + "".join(lines).rstrip())


def render(drawing: Drawing) -> bytes:
    """Run the drawing's script and return the encoded image file's bytes.

    Raises :class:`LeadImageError` naming the script when it fails, has no ``draw()``, or
    ``draw()`` does not return a matplotlib figure."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    shown = drawing.shown(drawing.script)
    # Not "__main__": a script may keep a preview under `if __name__ == "__main__":`.
    module = types.ModuleType(SCRIPT_MODULE)
    module.__file__ = str(drawing.script)
    namespace = vars(module)
    try:
        code = compile(drawing.script.read_bytes(), str(drawing.script), "exec")
        exec(code, namespace)  # noqa: S102 - the script is the site's own code
    except Exception as error:
        raise _failure(drawing, error) from error
    draw = namespace.get("draw")
    if not callable(draw):
        defined = sorted(
            name
            for name, value in namespace.items()
            if callable(value) and getattr(value, "__module__", None) == SCRIPT_MODULE
        )
        found = (
            f"draw = {draw!r}, which is not a function"
            if "draw" in namespace
            else "no draw()"
            + (f" (functions defined: {', '.join(n + '()' for n in defined)})" if defined else "")
        )
        raise LeadImageError(
            _problem(
                shown,
                "a function draw() that returns a matplotlib figure (the lead image "
                f"{drawing.image} of {drawing.shown(drawing.post)})",
                found,
                "Define `def draw():` in the script, ending with `return fig`.",
            )
        )
    try:
        fig = draw()
    except Exception as error:
        raise _failure(drawing, error) from error
    if not isinstance(fig, Figure):
        raise LeadImageError(
            _problem(
                shown,
                "draw() to return a matplotlib figure",
                "None" if fig is None else f"a {type(fig).__name__}",
                "End draw() with `return fig`, the figure from `figure()` in "
                "ddl_site.art (or plt.figure()).",
            )
        )
    buffer = io.BytesIO()
    fmt = drawing.target.suffix.lstrip(".").lower()
    kwargs = (
        {"pil_kwargs": {"quality": 85, "optimize": True}}
        if fmt in {"jpg", "jpeg"}
        else {"metadata": {"Software": None}}
    )
    fig.savefig(buffer, format=fmt, facecolor=fig.get_facecolor(), **kwargs)
    plt.close(fig)
    return buffer.getvalue()


# -- what a drawing depends on ---------------------------------------------------------------


def package_modules(packages: Mapping[str, Path] | None = None):
    """The modules of ``ddl`` and ``ddl_site`` (the code a script can import) and the import
    graph between them: read once per build, for every drawing.

    ``packages`` is ``{import name: source folder}``; by default the folders of the ``ddl`` and
    ``ddl_site`` that are imported, the code the drawings run."""
    from ..sync import execution

    if packages is None:
        import ddl

        packages = {"ddl": Path(ddl.__file__).parent, "ddl_site": Path(__file__).parents[1]}
    modules = execution.find_modules(packages)
    return modules, execution.import_graph(modules)


def drawing_sources(script: Path, modules=None, graph: Mapping | None = None) -> dict[str, str]:
    """``{name: sha256}`` of the code a drawing runs: the script (by its file name) and every
    module of ``ddl`` and ``ddl_site`` that it imports, directly or not."""
    from ..sync import execution

    if modules is None or graph is None:
        modules, graph = package_modules()
    source = Path(script).read_bytes()
    direct = execution.resolve(
        execution.imported_names(source.decode("utf-8", errors="replace")), modules
    )
    needed = execution.closure(direct, graph)
    sources = {Path(script).name: hashlib.sha256(source).hexdigest()}
    for name in sorted(needed):
        sources[name] = execution.file_hash(modules[name].path)
    return sources


def _fingerprint(sources: Mapping[str, str]) -> str:
    import matplotlib
    import numpy
    import PIL

    # Pillow encodes the PNG and JPEG files: a new version may write other bytes.
    versions = [matplotlib.__version__, numpy.__version__, PIL.__version__]
    text = json.dumps([sources, *versions], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


# -- writing ---------------------------------------------------------------------------------


def write_all(
    folder: Path, root: Path | None = None, log=None, packages: Mapping[str, Path] | None = None
) -> list[Path]:
    """Draw the lead image of every post in ``folder`` that has a drawing script; return the
    files that changed.

    A drawing runs only when its code (the script, or the package code it imports) changed, or
    its file is missing or was altered: ``folder/.lead-images.json`` records both. Every
    drawing that can be drawn is; then, if any script could not draw its image,
    :class:`LeadImageError` lists them all. ``log(drawing)`` is called before each drawing runs;
    ``packages`` is as for :func:`package_modules`.
    """
    folder = Path(folder)
    drawings, problems = find_drawings(folder, root)
    manifest_path = folder / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text())
    except (OSError, ValueError):
        manifest = {}
    modules, graph = package_modules(packages) if drawings else ({}, {})
    changed = []
    failures: list[str] = []
    current = {}
    for drawing in drawings:
        fingerprint = _fingerprint(drawing_sources(drawing.script, modules, graph))
        target = drawing.target
        recorded = manifest.get(drawing.key, {})
        on_disk = hashlib.sha256(target.read_bytes()).hexdigest() if target.is_file() else None
        if recorded.get("code") == fingerprint and recorded.get("image") == on_disk:
            current[drawing.key] = recorded
            continue
        if log is not None:
            log(drawing)
        try:
            data = render(drawing)
        except LeadImageError as error:
            failures.append(str(error))
            continue
        digest = hashlib.sha256(data).hexdigest()
        if on_disk != digest:
            from ..core.records import write_atomic

            write_atomic(target, data)
            changed.append(target)
        current[drawing.key] = {"code": fingerprint, "image": digest}
    if drawings or manifest:
        # Written only when it changes: the file is in the sources, which a live preview
        # (sphinx-autobuild) watches, and a write would start another build.
        from ..core.records import write_if_changed

        write_if_changed(manifest_path, json.dumps(current, indent=1, sort_keys=True) + "\n")
    every = problems + failures
    if every:
        raise LeadImageError(
            f"{counted(len(every), 'lead image')} could not be drawn:\n" + "\n".join(every), every
        )
    return changed


def _on_builder_inited(app) -> None:
    from sphinx.util import logging

    logger = logging.getLogger(__name__)
    srcdir = Path(app.srcdir)
    folder = srcdir / app.config.ddl_lead_image_dir
    if not folder.is_dir():
        return
    try:
        write_all(
            folder,
            srcdir,
            log=lambda d: logger.info(
                "%s: drawing the lead image %s", d.shown(d.script), d.shown(d.target)
            ),
        )
    except LeadImageError as error:
        # Each problem is said once, as an error; the exception that stops the build counts them.
        for problem in error.problems:
            logger.error(problem, type="ddl", subtype="lead_image")
        raise LeadImageError(
            f"{counted(len(error.problems), 'lead image')} could not be drawn, reported above as an ERROR naming "
            "the script; nothing was written.",
            error.problems,
        ) from None


def setup(app) -> None:
    app.add_config_value("ddl_lead_image_dir", "book", "env", types=[str])
    app.connect("builder-inited", _on_builder_inited)
