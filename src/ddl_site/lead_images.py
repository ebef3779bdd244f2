"""Lead images, drawn by code before the posts are read.

Each post names its lead image in its front matter (``image: ./why-maths.jpg``). The image is
not kept in the repository: a function in :mod:`ddl_site.art` (one module per post, each
drawing registered with :func:`drawing`) draws it, so it is rebuilt from code
like every other figure on the site. A file is rewritten only when its bytes change, so an
unchanged image does not make Sphinx think a post is out of date.
"""

from __future__ import annotations

import hashlib
import importlib
import io
import json
import pkgutil
from collections.abc import Callable
from pathlib import Path

DRAWINGS: dict[str, Callable] = {}


def drawing(filename: str) -> Callable[[Callable], Callable]:
    """Register a function that returns a matplotlib figure as the lead image ``filename``."""

    def register(draw: Callable) -> Callable:
        DRAWINGS[filename] = draw
        return draw

    return register


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


def load_drawings() -> dict[str, Callable]:
    """Import every module of :mod:`ddl_site.art` (one per post) so their drawings register."""
    from . import art

    for module in pkgutil.iter_modules(art.__path__):
        importlib.import_module(f"{art.__name__}.{module.name}")
    return DRAWINGS


def render(filename: str) -> bytes:
    """Draw the registered lead image ``filename`` and return the encoded file's bytes."""
    import matplotlib.pyplot as plt

    fig = DRAWINGS[filename]()
    buffer = io.BytesIO()
    fmt = Path(filename).suffix.lstrip(".").lower()
    kwargs = (
        {"pil_kwargs": {"quality": 85, "optimize": True}}
        if fmt in {"jpg", "jpeg"}
        else {"metadata": {"Software": None}}
    )
    fig.savefig(buffer, format=fmt, facecolor=fig.get_facecolor(), **kwargs)
    plt.close(fig)
    return buffer.getvalue()


MANIFEST = ".lead-images.json"


def drawing_sources(filename: str) -> dict[str, str]:
    """``{module: sha256}`` of the code a drawing runs: its module and every module of
    ``ddl`` and ``ddl_site`` that it imports, directly or not."""
    import ddl

    from . import execution

    packages = {"ddl": Path(ddl.__file__).parent, "ddl_site": Path(__file__).parent}
    modules = execution.find_modules(packages)
    start = {DRAWINGS[filename].__module__}
    needed = execution.closure(start, execution.import_graph(modules)) | start
    return {
        name: execution.file_hash(modules[name].path) for name in sorted(needed) if name in modules
    }


def _fingerprint(filename: str) -> str:
    import matplotlib
    import numpy

    sources = drawing_sources(filename)
    text = json.dumps([sources, matplotlib.__version__, numpy.__version__], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def write_all(folder: Path) -> list[Path]:
    """Write every registered lead image into ``folder``; return the files that changed.

    A drawing runs again only when its code (or the package code it imports) changed, or its
    file is missing or was altered: ``folder/.lead-images.json`` records both."""
    manifest_path = folder / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text())
    except (OSError, ValueError):
        manifest = {}
    changed = []
    for filename in sorted(load_drawings()):
        target = folder / filename
        fingerprint = _fingerprint(filename)
        recorded = manifest.get(filename, {})
        on_disk = hashlib.sha256(target.read_bytes()).hexdigest() if target.exists() else None
        if recorded.get("code") == fingerprint and recorded.get("image") == on_disk:
            continue
        data = render(filename)
        if on_disk != hashlib.sha256(data).hexdigest():
            target.write_bytes(data)
            changed.append(target)
        manifest[filename] = {"code": fingerprint, "image": hashlib.sha256(data).hexdigest()}
    manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return changed


def _on_builder_inited(app) -> None:
    folder = Path(app.srcdir) / app.config.ddl_lead_image_dir
    if folder.is_dir():
        write_all(folder)


def setup(app) -> None:
    app.add_config_value("ddl_lead_image_dir", "book", "env", types=[str])
    app.connect("builder-inited", _on_builder_inited)
