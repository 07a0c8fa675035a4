r"""Training benchmark: one epoch of two small networks, micrograd_plus vs micrograd 0.1.0.

Run it from the repository root (``pip install -e '.[bench]'`` installs micrograd)::

    python benchmarks/bench_training.py            # 5 epochs per task and engine (~40 s)
    python benchmarks/bench_training.py --epochs 2 # quicker

Two tasks, each one full-batch gradient step per epoch (forward pass over every sample,
loss, ``zero_grad``, ``backward``, SGD update):

* ``moons``: ``MLP(2, [16, 16, 1])`` (relu hidden layers, linear output) on 100
  two-moons points (``micrograd_plus.data.make_moons``, noise 0.1, seed 0), loss =
  mean hinge loss with labels ±1 + 1e-4 · Σ θ² (micrograd's own demo notebook);
* ``digits64``: ``MLP(64, [32, 32, 10])`` on 32 random 64-dim samples (Gaussian,
  seed 0, class k = i mod 10), loss = mean squared error to the one-hot targets.

micrograd uses its own ``micrograd.nn.MLP`` and writes the loss and the update the way
its demo does (``sum(...)``, ``p.data -= lr * p.grad``); micrograd_plus uses
``nn.MLP``, ``losses.hinge`` / ``losses.mse`` / ``losses.l2_penalty`` and
``optim.SGD``. Each engine runs in its own process, with the garbage collector on and
the epochs timed back to back without forcing a collection between them, as a training
script runs. The figure is the median epoch's CPU time (``time.process_time``; the
same as wall time on a quiet machine, and not inflated by other processes on a busy one).
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import subprocess
import sys
import time
from typing import Any

ENGINES = ("micrograd", "micrograd_plus")
TASKS = ("moons", "digits64")
TARGET = 0.09  # epoch time, micrograd = 1.0
LR = {"moons": 0.05, "digits64": 0.01}


def task_data(task: str) -> tuple[list[list[float]], list[Any]]:
    """(X, targets): ±1 labels for moons, one-hot rows for digits64."""
    if task == "moons":
        from micrograd_plus.data import make_moons

        X, y = make_moons(n_samples=100, noise=0.1, seed=0)
        return [list(map(float, row)) for row in X], [2.0 * label - 1.0 for label in y]
    rng = random.Random(0)
    X = [[rng.gauss(0.0, 1.0) for _ in range(64)] for _ in range(32)]
    onehot = [[1.0 if k == i % 10 else 0.0 for k in range(10)] for i in range(32)]
    return X, onehot


# --------------------------------------------------------------------------------------
# One epoch, written the natural way for each engine
# --------------------------------------------------------------------------------------


def micrograd_epoch_fn(task: str) -> Any:
    from micrograd.engine import Value
    from micrograd.nn import MLP

    random.seed(0)
    X, targets = task_data(task)
    lr = LR[task]
    if task == "moons":
        model = MLP(2, [16, 16, 1])

        def loss_fn() -> Any:
            inputs = [list(map(Value, row)) for row in X]
            scores = list(map(model, inputs))
            losses = [(1 + -yi * si).relu() for yi, si in zip(targets, scores)]
            data_loss = sum(losses) * (1.0 / len(losses))
            reg_loss = 1e-4 * sum(p * p for p in model.parameters())
            return data_loss + reg_loss
    else:
        model = MLP(64, [32, 32, 10])

        def loss_fn() -> Any:
            inputs = [list(map(Value, row)) for row in X]
            preds = list(map(model, inputs))
            sq = [(p - t) ** 2 for row_p, row_t in zip(preds, targets) for p, t in zip(row_p, row_t)]
            return sum(sq) * (1.0 / len(sq))

    def epoch() -> float:
        loss = loss_fn()
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= lr * p.grad
        return loss.data

    return epoch


def micrograd_plus_epoch_fn(task: str) -> Any:
    from micrograd_plus import losses
    from micrograd_plus.nn import MLP
    from micrograd_plus.optim import SGD

    X, targets = task_data(task)
    if task == "moons":
        model = MLP(2, [16, 16, 1], rng=0)
        params = model.parameters()

        def loss_fn() -> Any:
            scores = [model(row) for row in X]
            return losses.hinge(scores, targets) + losses.l2_penalty(params, 1e-4)
    else:
        model = MLP(64, [32, 32, 10], rng=0)
        params = model.parameters()

        def loss_fn() -> Any:
            return losses.mse([model(row) for row in X], targets)

    optimizer = SGD(params, lr=LR[task])

    def epoch() -> float:
        loss = loss_fn()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.data

    return epoch


def worker(engine: str, task: str, epochs: int) -> dict[str, Any]:
    if engine == "micrograd":
        try:
            epoch = micrograd_epoch_fn(task)
        except ImportError:
            sys.exit("This benchmark needs PyPI's micrograd: pip install -e '.[bench]'")
    else:
        epoch = micrograd_plus_epoch_fn(task)
    gc.collect()  # once, before the first epoch; never between epochs
    assert gc.isenabled()
    cpu, wall, loss = [], [], []
    for _ in range(epochs):
        c0, w0 = time.process_time(), time.perf_counter()
        loss.append(epoch())
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return {"cpu": cpu, "wall": wall, "loss": loss}


def run_worker(engine: str, task: str, epochs: int) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--worker", engine, task, str(epochs)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"{engine}/{task} worker failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=5, help="epochs per task and engine (default 5)")
    parser.add_argument("--task", choices=TASKS, action="append", help="run only this task")
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        engine, task, epochs = args.worker
        print(json.dumps(worker(engine, task, int(epochs))))
        return 0

    tasks = args.task or list(TASKS)
    print(
        f"one training epoch, micrograd_plus vs micrograd 0.1.0 - Python {sys.version.split()[0]}, "
        f"gc on, {args.epochs} epochs back to back per engine in its own process; "
        "median epoch, CPU seconds\n"
    )
    header = ("task", "micrograd (s)", "micrograd_plus (s)", "ratio", "target", "")
    rows = []
    for task in tasks:
        res = {engine: run_worker(engine, task, args.epochs) for engine in ENGINES}
        mg = statistics.median(res["micrograd"]["cpu"])
        mp = statistics.median(res["micrograd_plus"]["cpu"])
        ratio = mp / mg
        rows.append(
            (
                task,
                f"{mg:.3f}",
                f"{mp:.4f}",
                f"{ratio:.3f}x",
                f"<= {TARGET:.2f}x",
                "PASS" if ratio <= TARGET else "FAIL",
            )
        )
        for engine in ENGINES:
            r = res[engine]
            print(
                f"  {task:9s} {engine:15s} epochs (CPU s): "
                + " ".join(f"{t:.4f}" for t in r["cpu"])
                + f"   loss {r['loss'][0]:.4f} -> {r['loss'][-1]:.4f}"
            )
    print()
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(6)]
    for r in [header, *rows]:
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
    met = sum(r[5] == "PASS" for r in rows)
    print(f"\n{met} of {len(rows)} targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
