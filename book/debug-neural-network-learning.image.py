"""Part 7's lead image: the training and validation curves of a network that overfits.

A wide network on 150 digits; its training cost falls away from its validation cost.
"""

import numpy as np

from ddl.data import Dataset, load_multiclass, one_hot, train_val_test_split
from ddl.losses import CategoricalCrossEntropy
from ddl.network import feed_forward
from ddl.optimisers import Adam
from ddl.training import train
from ddl_site.art import figure


def draw():
    X, y = load_multiclass()
    rng = np.random.default_rng(7)
    full = train_val_test_split(X / 16.0, one_hot(y), rng, val_fraction=0.25, test_fraction=0.25)
    data = Dataset(
        full.X_train[:, :150],
        full.Y_train[:, :150],
        full.X_val,
        full.Y_val,
        full.X_test,
        full.Y_test,
    )
    net = feed_forward([64, 128, 128, 10], rng)
    history = train(net, CategoricalCrossEntropy(), Adam(3e-3), data, 120, 32, rng)

    fig = figure()
    ax = fig.add_axes((0.07, 0.12, 0.9, 0.8))
    ax.set_facecolor("#0f1b2d")
    epochs = np.arange(1, history.epochs + 1)
    ax.semilogy(epochs, history.train_loss, color="#4fc3f7", linewidth=3, label="training cost")
    ax.semilogy(epochs, history.val_loss, color="#ffb000", linewidth=3, label="validation cost")
    best = int(np.argmin(history.val_loss))
    ax.axvline(best + 1, color="white", linestyle=":", linewidth=1.5)
    ax.fill_between(epochs, history.train_loss, history.val_loss, color="white", alpha=0.07)
    mid = int(0.7 * history.epochs)
    gap = np.sqrt(history.train_loss[mid] * history.val_loss[mid])
    ax.text(mid, gap, "the gap: variance", color="white", fontsize=18, ha="center")
    for side in ax.spines.values():
        side.set_color("#8899aa")
    ax.tick_params(colors="#8899aa")
    ax.set_xlabel("epoch", color="#8899aa")
    ax.legend(loc="lower left", frameon=False, labelcolor="white", fontsize=14)
    return fig
