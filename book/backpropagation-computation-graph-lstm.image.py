"""Part 11's lead image: one LSTM step as the computation graph ddl.graph builds, inputs on
the left."""

import numpy as np

from ddl.graph import Node, lstm_step_graph
from ddl.recurrent import LSTMCell
from ddl_site.art import figure


def draw():
    rng = np.random.default_rng(11)
    cell = LSTMCell(2, 3, rng)
    params = {k: Node(v, name=k) for k, v in cell.params.items()}
    x = Node(rng.standard_normal((2, 1)), name="x")
    a_prev = Node(np.zeros((3, 1)), name="a_prev")
    c_prev = Node(np.zeros((3, 1)), name="c_prev")
    a_t, c_t = lstm_step_graph(x, a_prev, c_prev, params)
    out = a_t.sum()

    # every node, its depth (longest path from an input) and the edges parent -> child
    depth, edges, order = {}, [], []

    def visit(node):
        if id(node) in depth:
            return depth[id(node)]
        d = 0
        for parent in node.parents:
            d = max(d, visit(parent) + 1)
            edges.append((parent, node))
        depth[id(node)] = d
        order.append(node)
        return d

    visit(out)
    # an input (a leaf) sits one column before the first operation that uses it
    for parent, child in edges:
        if not parent.parents:
            depth[id(parent)] = min(depth[id(parent)] or 99, depth[id(child)] - 1)
    columns = {}
    for node in order:
        columns.setdefault(depth[id(node)], []).append(node)
    pos = {}
    for d, nodes in columns.items():
        for j, node in enumerate(nodes):
            pos[id(node)] = (d, (j - (len(nodes) - 1) / 2) * 0.75)

    fig = figure()
    ax = fig.add_axes((0.01, 0.01, 0.98, 0.98))
    ax.set_axis_off()
    n_cols = max(columns) + 1
    ax.set_xlim(-0.8, n_cols - 0.2)
    tallest = max(len(v) for v in columns.values())
    ax.set_ylim(-0.4 * tallest - 0.3, 0.4 * tallest + 0.2)
    for parent, child in edges:
        (x0, y0), (x1, y1) = pos[id(parent)], pos[id(child)]
        ax.plot([x0, x1], [y0, y1], color="#9fb3c8", linewidth=1.0, alpha=0.7, zorder=1)
    colours = {
        "σ": "#ffd166",
        "tanh": "#8ecae6",
        "*": "#ef476f",
        "+": "#06d6a0",
        "@": "#b388eb",
        "concat": "#e8eef7",
        "Σ": "#ffffff",
    }
    labels = {
        "a_prev": r"$a^{\langle t-1 \rangle}$",
        "c_prev": r"$c^{\langle t-1 \rangle}$",
        "x": r"$x^{\langle t \rangle}$",
    }
    for node in order:
        x0, y0 = pos[id(node)]
        if node.op:
            ax.scatter(
                [x0],
                [y0],
                s=420,
                color=colours.get(node.op, "#cccccc"),
                zorder=2,
                edgecolor="#0f1b2d",
                linewidth=1,
            )
            text = {"*": "⊙", "@": "W·", "concat": "[ ]"}.get(node.op, node.op)
            ax.text(
                x0,
                y0,
                text,
                ha="center",
                va="center",
                fontsize=7 if len(text) > 2 else 9,
                color="#0f1b2d",
                zorder=3,
            )
        else:
            name = labels.get(node.name) or (
                f"${node.name[0]}_{node.name[2]}$" if node.name[:1] in "Wb" and node.name else "1"
            )
            ax.text(x0, y0, name, ha="center", va="center", fontsize=12, color="white", zorder=3)
    ax.text(
        n_cols - 0.5,
        -0.4 * tallest + 0.2,
        r"$\frac{\partial J}{\partial u} = \sum_{\text{paths from } u \text{ to } J}"
        r"\;\prod \text{local derivatives}$",
        color="white",
        ha="right",
        va="center",
        fontsize=15,
    )
    return fig
