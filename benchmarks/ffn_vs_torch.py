"""Feed-forward network training speed: the ddl package against PyTorch (CPU).

Trains the same network, [64, 256, 256, 10] with ReLU hidden layers, softmax
+ cross-entropy and Adam (lr 1e-3, β1 0.9, β2 0.999, ε 1e-8), on the 8×8
digits (1,797 examples), with the same batch size, dtype and number of
threads, and prints examples per second for both, their ratio, and memory.

Each framework runs in its own child process so that their memory figures do
not mix: "peak RSS" is the process's maximum resident set size (including the
interpreter and libraries), "training growth" is that peak minus the resident
size just before training started, and for ddl "tracemalloc peak" is the most
memory numpy arrays held at once during training.

Threads: ``--threads N`` (default 1) sets ``torch.set_num_threads(N)`` and
limits numpy's BLAS (OpenBLAS) pool to N threads with threadpoolctl; both
figures are printed.  Timing: one warm-up epoch, then the best of ``--repeats``
runs of ``--epochs`` epochs each; the two frameworks' child processes
alternate for ``--rounds`` rounds and each keeps its best round, so a burst of
load from elsewhere on the machine does not land on one side only.

    python benchmarks/ffn_vs_torch.py                  # float32 and float64
    python benchmarks/ffn_vs_torch.py --dtype float32 --threads 2
"""

from __future__ import annotations

import argparse
import itertools
import json
import resource
import subprocess
import sys
import time
import tracemalloc

import numpy as np

SIZES = [64, 256, 256, 10]


def rss_kib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() // 1024


def load(dtype):
    from ddl import data

    X, y = data.load_multiclass(dtype)
    return X / 16, data.one_hot(y, 10, dtype=dtype), y[0]


def run_ddl(args):
    from threadpoolctl import threadpool_info, threadpool_limits

    from ddl.data import minibatches
    from ddl.losses import CategoricalCrossEntropy
    from ddl.network import feed_forward
    from ddl.optimisers import Adam
    from ddl.training import train_step

    dtype = np.dtype(args.dtype)
    X, Y, y = load(dtype)
    X = X.astype(dtype)
    rng = np.random.default_rng(0)
    net = feed_forward(SIZES, rng, dtype=dtype)
    loss, optimiser = CategoricalCrossEntropy(), Adam(1e-3)

    def epoch():
        for Xb, Yb in minibatches(X, Y, args.batch_size, rng):
            train_step(net, loss, optimiser, Xb, Yb)

    with threadpool_limits(limits=args.threads, user_api="blas"):
        blas = [
            (i["internal_api"], i["num_threads"])
            for i in threadpool_info()
            if i["user_api"] == "blas"
        ]
        epoch()  # warm-up
        before = rss_kib()
        tracemalloc.start()
        best = float("inf")
        for _ in range(args.repeats):
            start = time.perf_counter()
            for _ in range(args.epochs):
                epoch()
            best = min(best, time.perf_counter() - start)
        _, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    accuracy = float(np.mean(net.predict(X, loss)[0] == y))
    return {
        "examples_per_s": args.epochs * X.shape[1] / best,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "growth_mib": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024,
        "tracemalloc_peak_mib": traced_peak / 2**20,
        "train_accuracy": accuracy,
        "threads": f"BLAS {blas}",
    }


def run_torch(args):
    import torch

    torch.set_num_threads(args.threads)
    dtype = {"float32": torch.float32, "float64": torch.float64}[args.dtype]
    X, _, y = load(np.dtype(args.dtype))
    Xt = torch.tensor(X.T.copy(), dtype=dtype)  # PyTorch puts examples first
    yt = torch.tensor(y)
    torch.manual_seed(0)
    layers = []
    for i, (n_in, n_out) in enumerate(itertools.pairwise(SIZES)):
        linear = torch.nn.Linear(n_in, n_out, dtype=dtype)
        torch.nn.init.kaiming_normal_(linear.weight, nonlinearity="relu")
        torch.nn.init.zeros_(linear.bias)
        layers.append(linear)
        if i < len(SIZES) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
    loss_fn = torch.nn.CrossEntropyLoss()
    m = Xt.shape[0]

    def epoch():
        order = torch.randperm(m)
        for start in range(0, m, args.batch_size):
            idx = order[start : start + args.batch_size]
            optimiser.zero_grad(set_to_none=False)
            loss_fn(model(Xt[idx]), yt[idx]).backward()
            optimiser.step()

    epoch()  # warm-up
    before = rss_kib()
    best = float("inf")
    for _ in range(args.repeats):
        start = time.perf_counter()
        for _ in range(args.epochs):
            epoch()
        best = min(best, time.perf_counter() - start)
    with torch.no_grad():
        accuracy = float((model(Xt).argmax(dim=1) == yt).double().mean())
    return {
        "examples_per_s": args.epochs * m / best,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "growth_mib": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024,
        "tracemalloc_peak_mib": None,
        "train_accuracy": accuracy,
        "threads": f"torch.get_num_threads()={torch.get_num_threads()}, torch {torch.__version__}",
    }


def child(framework, dtype, args):
    cmd = [
        sys.executable,
        __file__,
        "--child",
        framework,
        "--dtype",
        dtype,
        "--threads",
        str(args.threads),
        "--batch-size",
        str(args.batch_size),
        "--epochs",
        str(args.epochs),
        "--repeats",
        str(args.repeats),
    ]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dtype", choices=["float32", "float64", "both"], default="both")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", choices=["ddl", "torch"], help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        result = (run_ddl if args.child == "ddl" else run_torch)(args)
        print(json.dumps(result))
        return

    print(
        f"network {SIZES}, ReLU, softmax + cross-entropy, Adam(1e-3); digits, m = 1797; "
        f"batch {args.batch_size}; {args.epochs} epochs, best of {args.repeats}; "
        f"threads {args.threads}; best of {args.rounds} alternating rounds"
    )
    dtypes = ["float32", "float64"] if args.dtype == "both" else [args.dtype]
    for dtype in dtypes:
        r = {}
        for _ in range(args.rounds):
            for fw in ("ddl", "torch"):
                res = child(fw, dtype, args)
                if fw not in r or res["examples_per_s"] > r[fw]["examples_per_s"]:
                    r[fw] = res
        print(f"\n{dtype}")
        for fw, res in r.items():
            traced = (
                f", tracemalloc peak {res['tracemalloc_peak_mib']:.1f} MiB"
                if res["tracemalloc_peak_mib"] is not None
                else ""
            )
            print(
                f"  {fw:5s} {res['examples_per_s']:10,.0f} examples/s   "
                f"peak RSS {res['peak_rss_mib']:6.1f} MiB (training growth "
                f"{res['growth_mib']:.1f} MiB{traced})   train accuracy "
                f"{res['train_accuracy']:.3f}   [{res['threads']}]"
            )
        ratio = r["ddl"]["examples_per_s"] / r["torch"]["examples_per_s"]
        print(f"  ratio ddl / torch = {ratio:.2f}")


if __name__ == "__main__":
    main()
