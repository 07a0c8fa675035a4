r"""Compiled-tape benchmark: one training epoch, four ways, side by side in one run.

Run it from the repository root (``pip install -e '.[bench,fast]'``)::

    python benchmarks/bench_compiled.py             # both tasks (~2.5 min, micrograd's epochs most of it)
    python benchmarks/bench_compiled.py --task moons

The two epoch workloads of ``bench_training.py`` (one full-batch SGD step per epoch):

* ``moons``: ``MLP(2, [16, 16, 1])`` on 100 two-moons points, mean hinge loss + 1e-4 Σ θ²;
* ``digits64``: ``MLP(64, [32, 32, 10])`` on 32 random 64-dim inputs, MSE to one-hot.

Engines, each in its own fresh process:

* ``micrograd``: PyPI's micrograd 0.1.0, written as its demo does (``bench_training.py``);
* ``eager``: micrograd_plus's scalar engine (``nn.MLP``, ``losses``, ``optim.SGD``);
* ``compiled``: the same model and optimizer through ``fit(compile=True)``'s training step
  (the model traced once into a tape, the loss traced per sample, the parameters and
  the SGD step on one array); ``trace`` is the one-off cost of building those tapes;
* ``numpy``: a hand-written NumPy MLP: the same initial weights, batched matmuls and a
  hand-written backward pass, the same loss and update.

Every engine's first-epoch loss is printed: eager, compiled and numpy agree (micrograd
starts from its own random weights). Figures are CPU seconds
(``time.process_time``), gc on. Slow engines are timed epoch by epoch (median); the
compiled tape and the NumPy MLP run in one process, alternating blocks of 25 epochs so
that both see the same load on a shared machine (median block / 25).
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_training import LR, micrograd_epoch_fn, micrograd_plus_epoch_fn, task_data

ENGINES = ("micrograd", "eager", "compiled", "numpy")
TASKS = ("moons", "digits64")
L2 = {"moons": 1e-4, "digits64": 0.0}
TARGET_VS_NUMPY = 2.0  # compiled epoch <= 2x the hand-written NumPy epoch
TARGET_TRACE = 3.0  # trace + compile <= 3 eager epochs


def _model(task: str) -> Any:
    from micrograd_plus.nn import MLP

    return MLP(2, [16, 16, 1], rng=0) if task == "moons" else MLP(64, [32, 32, 10], rng=0)


def compiled_epoch_fn(task: str) -> tuple[Any, float]:
    """(epoch, seconds to trace and compile), through fit(compile=True)'s own step."""
    from micrograd_plus import train
    from micrograd_plus._fit_compiled import CompiledSteps
    from micrograd_plus.optim import SGD

    X, targets = task_data(task)
    model = _model(task)
    optimizer = SGD(model.parameters(), lr=LR[task])
    if task == "moons":
        labels = [1 if t > 0 else 0 for t in targets]
        task_spec = train._make_task("hinge", labels, 1, None)
    else:
        task_spec = train._make_task("mse", [row.index(1.0) for row in targets], 10, None)
    task_spec.rule = ""  # no accuracy count: the other engines compute none either
    c0 = time.process_time()
    steps = CompiledSteps(model, X, task_spec, optimizer, L2[task])
    compile_time = time.process_time() - c0
    batch = list(range(len(X)))

    def epoch() -> float:
        return steps.step(batch)[0]

    return epoch, compile_time


def numpy_epoch_fn(task: str) -> Any:
    """A hand-written NumPy MLP with the model's initial weights: forward, loss, backward, SGD."""
    import numpy as np

    X, targets = task_data(task)
    model = _model(task)
    Ws = [np.array([[w.data for w in n.w] for n in layer.neurons]) for layer in model.layers]
    bs = [np.array([n.b.data for n in layer.neurons]) for layer in model.layers]
    X = np.asarray(X)
    T = np.asarray(targets, dtype=float)
    lr, l2 = LR[task], L2[task]
    n = X.shape[0]

    def epoch() -> float:
        # forward: relu hidden layers, linear output
        a = X
        acts = [a]
        for i in range(len(Ws) - 1):
            a = np.maximum(a @ Ws[i].T + bs[i], 0.0)
            acts.append(a)
        z = a @ Ws[-1].T + bs[-1]
        if task == "moons":
            m = 1.0 - T * z[:, 0]
            loss = np.maximum(m, 0.0).mean()
            dz = (-(T * (m > 0.0)) / n)[:, None]
        else:
            d = z - T
            loss = (d * d).mean()
            dz = 2.0 * d / d.size
        if l2:
            loss += l2 * (sum((W * W).sum() for W in Ws) + sum((b * b).sum() for b in bs))
        # backward
        g = dz
        for i in range(len(Ws) - 1, -1, -1):
            dW, db = g.T @ acts[i], g.sum(axis=0)
            if i:
                g = (g @ Ws[i]) * (acts[i] > 0.0)
            if l2:
                dW += 2.0 * l2 * Ws[i]
                db += 2.0 * l2 * bs[i]
            Ws[i] -= lr * dW
            bs[i] -= lr * db
        return float(loss)

    return epoch


def _time(epoch: Any, epochs: int, block: int) -> tuple[list[float], list[float]]:
    losses, times = [], []
    for _ in range(epochs):
        c0 = time.process_time()
        for _ in range(block):
            losses.append(epoch())
        times.append((time.process_time() - c0) / block)
    return times, losses


def worker(engine: str, task: str, epochs: int) -> dict[str, Any]:
    if engine == "micrograd":
        try:
            epoch = micrograd_epoch_fn(task)
        except ImportError:
            sys.exit("This benchmark needs PyPI's micrograd: pip install -e '.[bench]'")
        gc.collect()
        times, losses = _time(epoch, min(epochs, 3), 1)
        return {"micrograd": {"cpu": times, "loss": losses[0]}}
    if engine == "eager":
        epoch = micrograd_plus_epoch_fn(task)
        gc.collect()
        times, losses = _time(epoch, epochs, 1)
        return {"eager": {"cpu": times, "loss": losses[0]}}
    # "fast": the compiled tape and the hand-written NumPy MLP, interleaved block by block in
    # one process, so that both see the same machine (a shared machine's load changes).
    import numpy  # noqa: F401  (imported before the clock starts: not part of compiling)

    compiled, compile_time = compiled_epoch_fn(task)
    hand = numpy_epoch_fn(task)
    gc.collect()
    res: dict[str, Any] = {"compiled": {"cpu": [], "loss": None}, "numpy": {"cpu": [], "loss": None}}
    for _ in range(epochs * 4):
        for name, fn in (("compiled", compiled), ("numpy", hand)):
            times, losses = _time(fn, 1, 25)
            res[name]["cpu"] += times
            if res[name]["loss"] is None:
                res[name]["loss"] = losses[0]
    res["compiled"]["compile"] = compile_time
    return res


def run_worker(engine: str, task: str, epochs: int) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--worker", engine, task, str(epochs)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"{engine}/{task} worker failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _fmt(seconds: float) -> str:
    return f"{seconds * 1e3:.3f} ms" if seconds < 1.0 else f"{seconds:.3f} s"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=7, help="timed epochs (blocks) per engine (default 7)")
    parser.add_argument("--task", choices=TASKS, action="append", help="run only this task")
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        engine, task, epochs = args.worker
        print(json.dumps(worker(engine, task, int(epochs))))
        return 0

    print(
        f"one training epoch (full-batch SGD step), Python {sys.version.split()[0]}, gc on, each engine "
        "in its own process; median CPU time per epoch\n"
    )
    met = total = 0
    for task in args.task or list(TASKS):
        res: dict[str, Any] = {}
        for worker_name in ("micrograd", "eager", "fast"):
            res.update(run_worker(worker_name, task, args.epochs))
        t = {engine: statistics.median(r["cpu"]) for engine, r in res.items()}
        print(f"{task}:")
        for engine in ENGINES:
            print(
                f"  {engine:10s} {_fmt(t[engine]):>11s}   {t['micrograd'] / t[engine]:10,.0f}x faster than "
                f"micrograd   first-epoch loss {res[engine]['loss']:.12f}"
            )
        vs_numpy = t["compiled"] / t["numpy"]
        trace_ratio = res["compiled"]["compile"] / t["eager"]
        checks = [
            (
                f"compiled / numpy epoch = {vs_numpy:.2f}",
                f"<= {TARGET_VS_NUMPY:g}",
                vs_numpy <= TARGET_VS_NUMPY,
            ),
            (
                f"trace + compile = {_fmt(res['compiled']['compile'])} = {trace_ratio:.2f} eager epochs",
                f"<= {TARGET_TRACE:g}",
                trace_ratio <= TARGET_TRACE,
            ),
            (f"eager / micrograd epoch = {t['eager'] / t['micrograd']:.3f}", "", None),
            (f"compiled / eager epoch = {t['compiled'] / t['eager']:.4f}", "", None),
        ]
        for text, target, ok in checks:
            verdict = "" if ok is None else ("PASS" if ok else "FAIL")
            print(f"  {text:58s} {target:>6s}  {verdict}")
            if ok is not None:
                met += ok
                total += 1
        print()
    print(f"{met} of {total} targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
