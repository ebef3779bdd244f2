"""Lead images, drawn by code before the posts are read.

Each post names its lead image in its front matter (``image: ./why-maths.jpg``). The image is
not kept in the repository: a function registered here draws it, so it is rebuilt from code
like every other figure on the site. A file is rewritten only when its bytes change, so an
unchanged image does not make Sphinx think a post is out of date.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import numpy as np

DRAWINGS: dict[str, Callable[[], "Figure"]] = {}  # noqa: F821 - matplotlib imported lazily


def drawing(filename: str) -> Callable[[Callable], Callable]:
    """Register a function that returns a matplotlib figure as the lead image ``filename``."""

    def register(draw: Callable) -> Callable:
        DRAWINGS[filename] = draw
        return draw

    return register


def _figure(width: float = 8.0, height: float = 4.2):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(width, height), dpi=100)
    fig.patch.set_facecolor("#0f1b2d")
    return fig


@drawing("why-maths.jpg")
def why_maths():
    """Part 0: gradient descent finding its way down a loss surface, with its update rule."""
    fig = _figure()
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    w1, w2 = np.meshgrid(np.linspace(-3, 3, 300), np.linspace(-2, 2, 200))
    # A stretched quadratic bowl with a gentle ripple: the shape of a loss surface.
    J = 0.5 * (w1**2 + 6 * w2**2) + 0.3 * np.sin(2 * w1) * np.cos(2 * w2)
    ax.contourf(w1, w2, J, levels=30, cmap="viridis", alpha=0.9)
    ax.contour(w1, w2, J, levels=30, colors="white", linewidths=0.3, alpha=0.4)
    # Gradient descent from a corner, using the surface's exact gradient.
    w = np.array([-2.7, 1.7])
    path = [w.copy()]
    for _ in range(40):
        g = np.array(
            [w[0] + 0.6 * np.cos(2 * w[0]) * np.cos(2 * w[1]),
             6 * w[1] - 0.6 * np.sin(2 * w[0]) * np.sin(2 * w[1])]
        )
        w = w - 0.12 * g
        path.append(w.copy())
    path = np.array(path)
    ax.plot(path[:, 0], path[:, 1], "-o", color="#ffb000", markersize=3, linewidth=1.5)
    ax.text(0.04, 0.88, r"$W \leftarrow W - \alpha\,\frac{\partial J}{\partial W}$",
            transform=ax.transAxes, fontsize=26, color="white")
    ax.set_xlim(-3, 3)
    ax.set_ylim(-2, 2)
    return fig


def render(filename: str) -> bytes:
    """Draw the registered lead image ``filename`` and return the encoded file's bytes."""
    import matplotlib.pyplot as plt

    fig = DRAWINGS[filename]()
    buffer = io.BytesIO()
    fmt = Path(filename).suffix.lstrip(".").lower()
    kwargs = {"pil_kwargs": {"quality": 85, "optimize": True}} if fmt in {"jpg", "jpeg"} else {
        "metadata": {"Software": None}
    }
    fig.savefig(buffer, format=fmt, facecolor=fig.get_facecolor(), **kwargs)
    plt.close(fig)
    return buffer.getvalue()


def write_all(folder: Path) -> list[Path]:
    """Write every registered lead image into ``folder``; return the files that changed."""
    changed = []
    for filename in sorted(DRAWINGS):
        target = folder / filename
        data = render(filename)
        if not target.exists() or target.read_bytes() != data:
            target.write_bytes(data)
            changed.append(target)
    return changed


def _on_builder_inited(app) -> None:
    folder = Path(app.srcdir) / app.config.ddl_lead_image_dir
    if folder.is_dir():
        write_all(folder)


def setup(app) -> None:
    app.add_config_value("ddl_lead_image_dir", "book", "env", types=[str])
    app.connect("builder-inited", _on_builder_inited)
