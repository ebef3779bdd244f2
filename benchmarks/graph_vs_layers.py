"""One training step three ways: the graph engine, the hand-written layers, PyTorch (CPU).

What is timed is ONE TRAINING STEP (forward, cost, backward, plain
gradient-descent update θ ← θ − α ∂J/∂θ) of the network [64, 256, 256, 10] with
ReLU hidden layers and softmax + cross-entropy on the logits, for a batch of
128 examples of the 8×8 digits (pixels / 16, one-hot targets), in float64:

(a) engine   :mod:`ddl.graph` (Part 11): each step wraps the parameters in fresh
             leaf nodes, writes the forward pass as ordinary expressions,
             ``Z = W @ A + b``, ``A = Z.relu()``, and the cost as
             ``J = mean(logsumexp(Z, axis=0) − Σ_k Y ⊙ Z)``, calls
             ``J.backward()``, then ``W -= α W.grad`` for every parameter;
(b) layers   the hand-written dense layers (Parts 4–6): ``feed_forward``,
             ``CategoricalCrossEntropy``, ``GradientDescent`` and ``train_step``;
(c) torch    ``nn.Linear`` / ``nn.ReLU`` / ``nn.CrossEntropyLoss`` /
             ``optim.SGD`` in float64.

The goal it checks: a step of the engine takes at most 1.5 times as long as a
step of the hand-written layers, the price of backpropagating through any graph
rather than through code written for one kind of layer.  The arithmetic is the
same (the same matrix products, forward and backward); the engine's extra time
goes mostly to memory: every step it allocates a fresh value and a fresh
gradient array for every node (about 4 MiB here, where the layers write their
gradients into the same arrays each step), and a graph's arrays go back to the
allocator only when Python's cycle collector runs, since each node's
``_backward`` closure refers to the node itself.  So the ratio moves with the
load on the machine more than the layers' and torch's times do.

All three start from the same initial weights (He initialisation from one seed)
and train on the same fixed sequence of batches.  Before timing, one step of
each from those weights is compared: the engine's and torch's gradients must
equal the layers' to within float64 rounding (the largest difference, relative
to the largest gradient entry of that parameter, is printed).

Threads: ``--threads N`` (default 1) limits numpy's BLAS pool to N threads with
threadpoolctl and sets ``torch.set_num_threads(N)``; both are printed.
Timing: each way runs in its own child process (a warm-up of ``--warmup``
steps, then ``--steps`` steps, each timed on its own); the three child
processes take turns for ``--rounds`` rounds, in a rotating order, so a burst of
load from elsewhere on the machine does not land on one side only.  Printed
per way: the median and the best time of a step over every timed step of every
round, and the ratios engine / layers and torch / layers of both.

    python benchmarks/graph_vs_layers.py                 # 200 steps × 5 rounds, 1 thread
    python benchmarks/graph_vs_layers.py --threads 2
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

import numpy as np

SIZES = [64, 256, 256, 10]
BATCH = 128
LEARNING_RATE = 0.1
WAYS = ("engine", "layers", "torch")
GOAL = 1.5


# ---------------------------------------------------------------------------- shared set-up


def batches():
    """Every full batch of 128 digits, in one fixed shuffled order: ``[(X, Y, y), ...]``."""
    from ddl import data

    X, y = data.load_multiclass(np.float64)
    X = X / 16
    Y = data.one_hot(y, 10, dtype=np.float64)
    order = np.random.default_rng(1).permutation(X.shape[1])
    return [
        (
            np.ascontiguousarray(X[:, idx]),
            np.ascontiguousarray(Y[:, idx]),
            y[0, idx],
        )
        for idx in (order[i : i + BATCH] for i in range(0, X.shape[1] - BATCH + 1, BATCH))
    ]


def layers_network():
    """The hand-written network, with the initial weights every way starts from."""
    from ddl.network import feed_forward

    return feed_forward(SIZES, np.random.default_rng(0), dtype=np.float64)


def initial_params():
    """Copies of the initial ``[W1, b1, W2, b2, W3, b3]``."""
    return [p.copy() for p in layers_network().parameters()]


# ---------------------------------------------------------------------------- the three ways


def engine_cost(params, X, Y):
    """The cost node J of one batch and the fresh leaf nodes of the parameters."""
    from ddl.graph import Node

    leaves = [Node(p) for p in params]  # wrap the arrays themselves: no copies
    A = X
    for i in range(0, len(leaves), 2):
        W, b = leaves[i], leaves[i + 1]
        Z = W @ A + b
        A = Z.relu() if i + 2 < len(leaves) else Z
    J = (Z.logsumexp(axis=0) - (Y * Z).sum(axis=0)).mean()
    return J, leaves


def make_engine():
    params = initial_params()

    def step(X, Y, y):
        J, leaves = engine_cost(params, X, Y)
        J.backward()
        for theta, leaf in zip(params, leaves):
            theta -= LEARNING_RATE * leaf.grad
        return float(J.value)

    return step


def make_layers():
    from ddl.losses import CategoricalCrossEntropy
    from ddl.optimisers import GradientDescent
    from ddl.training import train_step

    net = layers_network()
    loss, optimiser = CategoricalCrossEntropy(), GradientDescent(LEARNING_RATE)

    def step(X, Y, y):
        return train_step(net, loss, optimiser, X, Y)

    return step, net


def make_torch():
    import torch

    params = initial_params()
    layers = []
    for i in range(0, len(params), 2):
        W, b = params[i], params[i + 1]
        linear = torch.nn.Linear(W.shape[1], W.shape[0], dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(W))
            linear.bias.copy_(torch.from_numpy(b[:, 0]))
        layers.append(linear)
        if i + 2 < len(params):
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    optimiser = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)
    loss_fn = torch.nn.CrossEntropyLoss()
    cache = {}  # the torch copy of each batch, made once: examples on the first axis

    def step(X, Y, y):
        key = id(X)
        if key not in cache:
            cache[key] = (torch.from_numpy(X.T.copy()), torch.from_numpy(y.astype(np.int64)))
        Xt, yt = cache[key]
        optimiser.zero_grad()
        J = loss_fn(model(Xt), yt)
        J.backward()
        optimiser.step()
        return J.item()

    return step, model


def thread_report():
    import torch
    from threadpoolctl import threadpool_info

    blas = [
        (i["internal_api"], i["num_threads"]) for i in threadpool_info() if i["user_api"] == "blas"
    ]
    return f"numpy BLAS {blas}; torch.get_num_threads()={torch.get_num_threads()}"


# ---------------------------------------------------------------------------- gradient check


def check_gradients():
    """One step of each way from the same weights: the largest relative gradient differences."""
    import torch

    X, Y, y = batches()[0]
    params = initial_params()
    J, leaves = engine_cost(params, X, Y)
    J.backward()
    engine_grads = [leaf.grad for leaf in leaves]

    layers_step, net = make_layers()
    cost_layers = layers_step(X, Y, y)  # fills the gradients, then updates
    layers_grads = [g.copy() for g in net.gradients()]

    torch_step, model = make_torch()
    cost_torch = torch_step(X, Y, y)
    torch_grads = []
    for module in model:
        if isinstance(module, torch.nn.Linear):
            torch_grads += [module.weight.grad.numpy(), module.bias.grad.numpy()[:, None]]

    def worst(grads):
        return max(
            float(np.max(np.abs(g - ref)) / np.max(np.abs(ref)))
            for g, ref in zip(grads, layers_grads, strict=True)
        )

    costs = {"engine": float(J.value), "layers": cost_layers, "torch": cost_torch}
    return costs, worst(engine_grads), worst(torch_grads)


# ---------------------------------------------------------------------------- child process


def run_child(args):
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(args.threads)
    data = batches()
    if args.child == "engine":
        step = make_engine()
    elif args.child == "layers":
        step, _ = make_layers()
    else:
        step, _ = make_torch()
    with threadpool_limits(limits=args.threads, user_api="blas"):
        threads = thread_report()
        for k in range(args.warmup):
            step(*data[k % len(data)])
        times = []
        for k in range(args.steps):
            X, Y, y = data[(args.warmup + k) % len(data)]
            start = time.perf_counter()
            cost = step(X, Y, y)
            times.append(time.perf_counter() - start)
    return {"times": times, "last_cost": cost, "threads": threads}


def child(way, args):
    cmd = [
        sys.executable,
        __file__,
        "--child",
        way,
        "--threads",
        str(args.threads),
        "--steps",
        str(args.steps),
        "--warmup",
        str(args.warmup),
    ]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------- main


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--steps", type=int, default=200, help="timed steps per round")
    parser.add_argument("--warmup", type=int, default=20, help="untimed steps per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--child", choices=WAYS, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        print(json.dumps(run_child(args)))
        return

    import torch
    from threadpoolctl import threadpool_limits

    print(
        f"one training step: network {SIZES}, ReLU, softmax + cross-entropy, gradient descent "
        f"(α = {LEARNING_RATE}); digits, batch {BATCH}, float64; threads {args.threads}; "
        f"{args.steps} timed steps (after {args.warmup} untimed) × {args.rounds} rounds"
    )
    print(f"numpy {np.__version__}, torch {torch.__version__}")

    torch.set_num_threads(args.threads)
    with threadpool_limits(limits=args.threads, user_api="blas"):
        costs, engine_diff, torch_diff = check_gradients()
    print("\ngradients of one step from the same weights, against the layers'")
    print("  cost  " + "   ".join(f"{way} {costs[way]:.15f}" for way in WAYS))
    print(f"  engine: largest |difference| / largest |gradient| = {engine_diff:.1e}")
    print(f"  torch:  largest |difference| / largest |gradient| = {torch_diff:.1e}")
    if max(engine_diff, torch_diff) > 1e-12:
        sys.exit("the gradients differ by more than float64 rounding: not timing.")

    times = {way: [] for way in WAYS}
    for r in range(args.rounds):
        for way in WAYS[r % 3 :] + WAYS[: r % 3]:  # each way takes each place in turn
            res = child(way, args)
            times[way] += res["times"]
            threads = res["threads"]
    print(f"\ntime of one step ({len(times['layers'])} steps each) [{threads}]")
    median = {way: statistics.median(t) for way, t in times.items()}
    best = {way: min(t) for way, t in times.items()}
    for way in WAYS:
        print(f"  {way:7s} median {1e3 * median[way]:7.3f} ms   best {1e3 * best[way]:7.3f} ms")
    for way in ("engine", "torch"):
        print(
            f"  {way} / layers: median {median[way] / median['layers']:.2f}   "
            f"best {best[way] / best['layers']:.2f}"
        )
    ratio = median["engine"] / median["layers"]
    verdict = "met" if ratio <= GOAL else "NOT met"
    print(f"  goal engine / layers ≤ {GOAL} (medians): {verdict}")


if __name__ == "__main__":
    main()
