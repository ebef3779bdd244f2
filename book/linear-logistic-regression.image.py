"""Part 2's lead image: diabetes progression against BMI, and the line the package's linear
regression fits."""

import numpy as np

from ddl.data import Standardiser, load_regression
from ddl.linear import LinearRegression
from ddl_site.art import figure


def draw():
    X, Y = load_regression()
    bmi = X[2:3]  # the third feature is the body-mass index
    scaler = Standardiser().fit(bmi)
    model = LinearRegression(learning_rate=0.1, n_iterations=500)
    model.fit(scaler.transform(bmi), Y, np.random.default_rng(0))

    fig = figure()
    ax = fig.add_axes((0.02, 0.04, 0.96, 0.92))
    ax.set_axis_off()
    ax.scatter(bmi[0], Y[0], s=14, color="#4fc3f7", alpha=0.6, linewidths=0)
    line = np.linspace(bmi.min() - 1, bmi.max() + 1, 2).reshape(1, -1)
    ax.plot(line[0], model.predict(scaler.transform(line))[0], color="#ffb000", linewidth=4)
    ax.text(
        0.04, 0.84, r"$\hat{y} = w^{\top}x + b$", transform=ax.transAxes, fontsize=30, color="white"
    )
    ax.set_xlim(line.min(), line.max())
    return fig
