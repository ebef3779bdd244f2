"""KaTeX at build time or MathJax shipped with the site: which shows a maths-heavy page sooner?

Builds one page typical of the series (40 display equations: fractions, sums, partial
derivatives, matrices, ``\\odot``, ``\\langle t \\rangle``, aligned environments; 80 inline
ones) twice, once with the site's KaTeX renderer and once with MathJax 3 served from the site's
own ``_static`` (installed from npm into a temporary folder), then loads each page in Chromium
from 127.0.0.1 with an empty cache and prints bytes transferred, requests, and the time until
the maths is visible, unthrottled and on a simulated slow mobile (1.6 Mbit/s, 150 ms RTT, 4x
CPU slowdown, as Lighthouse's mobile preset).

"Maths visible" is the latest of: first contentful paint, the end of every maths stylesheet,
script and font download, and (MathJax) the end of typesetting.

    .venv/bin/python benchmarks/maths_renderers.py
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ddl_site.cli import NOTEBOOK_METADATA
from ddl_site.pages import node
from pages import REPO, launch, maths_visible_ms, measure, serve

MATHJAX = "mathjax@3.2.2"

INLINE = [
    r"$\frac{\partial L}{\partial w_{ij}}$",
    r"$\langle t \rangle$",
    r"$a \odot b$",
    r"$\sigma(z) = \frac{1}{1+e^{-z}}$",
    r"$\mathbf{W}^{(l)} \in \mathbb{R}^{n_l \times n_{l-1}}$",
    r"$\sum_{i=1}^{m} x_i$",
    r"$\hat{y}$",
    r"$\nabla_{\theta} J(\theta)$",
    r"$\eta$",
    r"$\lVert w \rVert_2^2$",
]
DISPLAY = [
    r"""$$
J(\theta) = -\frac{1}{m}\sum_{i=1}^{m}\left[y^{(i)}\log \hat{y}^{(i)}
 + (1-y^{(i)})\log(1-\hat{y}^{(i)})\right]
$$""",
    r"""$$
\frac{\partial J}{\partial \mathbf{W}^{(l)}} = \delta^{(l)} \left(\mathbf{a}^{(l-1)}\right)^{\top}
$$ (LABEL)""",
    r"""$$
\delta^{(l)} = \left(\mathbf{W}^{(l+1)}\right)^{\top}\delta^{(l+1)}
 \odot \sigma'\!\left(\mathbf{z}^{(l)}\right)
$$""",
    r"""$$
\mathbf{W} = \begin{bmatrix} w_{11} & w_{12} & \cdots & w_{1n} \\
w_{21} & w_{22} & \cdots & w_{2n} \\ \vdots & \vdots & \ddots & \vdots \\
w_{m1} & w_{m2} & \cdots & w_{mn} \end{bmatrix}
$$""",
    r"""\begin{align}
\frac{\partial L}{\partial z_j} &= \sum_k \frac{\partial L}{\partial a_k}
 \frac{\partial a_k}{\partial z_j} \\
&= a_j (1 - a_j) \sum_k w_{kj}\,\delta_k
\end{align}""",
    r"""$$
\langle t \rangle = \frac{1}{T}\sum_{t=1}^{T} t \, p(t), \qquad
m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t
$$""",
    r"""$$
\hat{m}_t = \frac{m_t}{1-\beta_1^t}, \quad
\theta_{t+1} = \theta_t - \frac{\eta}{\sqrt{\hat{v}_t}+\epsilon}\hat{m}_t
$$""",
    r"""\begin{equation}
h_t = \tanh\left(W_{hh} h_{t-1} + W_{xh} x_t + b_h\right)
\end{equation}""",
]

HEADER = (
    "---\n"
    + NOTEBOOK_METADATA
    + """\
---
# A maths-heavy page
"""
)


def maths_page() -> str:
    """40 display and 80 inline equations between sentences, and one equation reference."""
    body = [HEADER]
    for n in range(40):
        equation = DISPLAY[n % len(DISPLAY)].replace("LABEL", f"eq-grad-{n}")
        body.append(
            f"Step {n} of the derivation uses {INLINE[n % 10]} and {INLINE[(n + 3) % 10]}.\n"
        )
        body.append(equation + "\n")
    body.append("As {eq}`eq-grad-1` shows, the gradient is an outer product.\n")
    return "\n".join(body)


def write_book(folder: Path, mathjax: Path | None) -> None:
    (folder / "book").mkdir(parents=True)
    config = (REPO / "_config.yml").read_text()
    if mathjax is not None:
        shutil.copytree(mathjax / "es5", folder / "mathjax")
        config = config.replace(
            "  config:\n",
            "  config:\n"
            "    html_math_renderer: mathjax\n"
            "    html_static_path: [mathjax]\n"
            "    mathjax_path: tex-mml-chtml.js\n",
            1,
        )
        config = config.replace("  - _build\n", "  - _build\n  - mathjax\n", 1)
    (folder / "_config.yml").write_text(config)
    (folder / "_toc.yml").write_text(
        "format: jb-book\nroot: book/index\nchapters:\n  - file: book/maths\n"
    )
    (folder / "book" / "index.md").write_text("# Home\n\nA page of maths.\n")
    (folder / "book" / "maths.md").write_text(maths_page())


def build(folder: Path) -> Path:
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    result = subprocess.run(
        [str(jupyter_book), "build", "-W", "-n", "--keep-going", str(folder)],
        capture_output=True,
        text=True,
        cwd=folder,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(result.stdout[-3000:] + result.stderr[-3000:])
    return folder / "_build" / "html"


def main() -> None:
    with tempfile.TemporaryDirectory() as temp:
        temp = Path(temp)
        subprocess.run(
            [
                *node.npm_command(),  # the locked Node.js's npm
                "install",
                "--prefix",
                str(temp / "npm"),
                "--no-audit",
                "--no-fund",
                "--loglevel=error",
                MATHJAX,
            ],
            env=node.environment(),
            check=True,
        )
        sites = {}
        for name, mathjax in [
            ("KaTeX 0.19.1, at build time", None),
            ("MathJax 3.2.2, from _static", temp / "npm/node_modules/mathjax"),
        ]:
            folder = temp / name.split()[0].lower()
            write_book(folder, mathjax)
            sites[name] = build(folder)
        print(f"{'renderer':32} {'profile':9} {'bytes':>10} {'requests':>8} {'maths ms':>9}")
        with launch() as browser:
            for name, html in sites.items():
                with serve(html) as base:
                    for profile in ("desktop", "mobile"):
                        runs = [
                            measure(browser, f"{base}/book/maths.html", profile) for _ in range(3)
                        ]
                        best = min(runs, key=maths_visible_ms)
                        print(
                            f"{name:32} {profile:9} {best.bytes:>10,} {best.requests:>8} "
                            f"{maths_visible_ms(best):>9.0f}"
                        )


if __name__ == "__main__":
    main()
