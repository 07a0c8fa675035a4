r"""Engine benchmark: micrograd_plus side by side with PyPI's micrograd 0.1.0.

Run it from the repository root (``pip install -e '.[bench]'`` installs micrograd)::

    python benchmarks/bench_engine.py            # the full run (~20 s)
    python benchmarks/bench_engine.py --quick    # a smaller graph, fewer repeats

It prints one table with four figures for both engines and the ratio
micrograd_plus / micrograd (micrograd = 1.0):

1. build: the time to record a graph of ~200k ops, in ns per op, with Python's
   garbage collector ON (as users run it);
2. backward: ``root.backward()`` on that graph (topological sort included), in ns per
   op, and backward / build;
3. memory: bytes per op while the graph is alive (``tracemalloc``: every Python
   allocation made while building, divided by the number of ops; also shown after
   ``backward()``, when every node holds a gradient float too, and the share that
   ``del root`` frees by reference counting alone, before any garbage collection);
4. depth: the deepest chain that back-propagates (micrograd's recursive topological
   sort is probed in subprocesses, by bisection), and micrograd_plus's time to build
   and back-propagate a chain of 1,000,000 ops.

The graph: 64 shared leaves; ~4,000 chains of 16 steps ``x = act(x * a + b)`` (``a``,
``b`` drawn from the shared leaves, ``act`` alternating tanh and relu); the chain ends
summed by a balanced tree of ``+``. So the ops are 1/3 ``*``, 1/3 ``+``, 1/6 tanh,
1/6 relu (plus the tree's adds) and the graph is at most ~60 nodes deep, shallow
enough for micrograd's recursion.

micrograd 0.1.0 has no ``tanh``. The benchmark gives it one written the micrograd
way: a method with a ``_backward`` closure, the exact pattern of its own ``relu``
(see :func:`_micrograd_tanh`), attached to ``micrograd.engine.Value`` in the
micrograd worker process only.

Every measurement runs in a fresh subprocess (one engine per process, so one engine's
garbage never slows the other); each figure is the best of ``--repeat`` runs, the least
noisy estimate on a shared machine. Times are the worker's CPU time
(``time.process_time``, garbage collection included): the same as wall time on a quiet
machine, and not inflated when other processes compete for the cores.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import random
import subprocess
import sys
import time
from typing import Any

ENGINES = ("micrograd", "micrograd_plus")
STEPS_PER_CHAIN = 16  # each step is 3 ops: *, +, activation
N_LEAVES = 64
DEEP = 1_000_000

# Targets, as ratios to micrograd (= 1.0) or absolute.
BUILD_TARGET = 0.10
BACKWARD_TARGET = 0.70
MEMORY_TARGET = 200.0  # bytes per op
DEEP_TARGET = 5.0  # seconds


# --------------------------------------------------------------------------------------
# The two engines, behind one tiny interface: a Value class with * + tanh relu
# --------------------------------------------------------------------------------------


def _micrograd_tanh(self: Any) -> Any:
    """tanh for micrograd 0.1.0, written exactly like its own ``relu``."""
    from micrograd.engine import Value

    t = math.tanh(self.data)
    out = Value(t, (self,), "tanh")

    def _backward() -> None:
        self.grad += (1 - t**2) * out.grad

    out._backward = _backward
    return out


def load_engine(name: str) -> type:
    """The ``Value`` class of engine ``name`` (micrograd gets its tanh here)."""
    if name == "micrograd":
        try:
            from micrograd.engine import Value
        except ImportError:
            sys.exit("This benchmark needs PyPI's micrograd: pip install -e '.[bench]'")
        Value.tanh = _micrograd_tanh
        return Value
    if name == "micrograd_plus":
        from micrograd_plus import Value

        return Value
    raise ValueError(f"unknown engine {name!r}; expected one of {ENGINES}")


# --------------------------------------------------------------------------------------
# Workloads (identical code for both engines)
# --------------------------------------------------------------------------------------


def make_leaves(value_cls: type, seed: int = 0) -> tuple[list[Any], list[tuple[Any, Any]]]:
    """64 shared leaves and a fixed list of (a, b) operand pairs drawn from them."""
    rng = random.Random(seed)
    leaves = [value_cls(rng.uniform(-1.0, 1.0)) for _ in range(N_LEAVES)]
    pairs = [(rng.choice(leaves), rng.choice(leaves)) for _ in range(997)]
    return leaves, pairs


def build_graph(leaves: list[Any], pairs: list[tuple[Any, Any]], n_chains: int) -> Any:
    """Chains of ``x = act(x * a + b)`` summed by a balanced tree of ``+``."""
    n_pairs = len(pairs)
    k = 0
    ends = []
    for c in range(n_chains):
        x = leaves[c % N_LEAVES]
        for step in range(STEPS_PER_CHAIN):
            a, b = pairs[k % n_pairs]
            k += 1
            x = x * a + b
            x = x.tanh() if step % 2 == 0 else x.relu()
        ends.append(x)
    while len(ends) > 1:  # balanced tree: depth log2(n_chains)
        paired = [ends[i] + ends[i + 1] for i in range(0, len(ends) - 1, 2)]
        if len(ends) % 2:
            paired.append(ends[-1])
        ends = paired
    return ends[0]


def ops_in_graph(n_chains: int) -> int:
    """Number of op nodes (non-leaves) that :func:`build_graph` records."""
    return n_chains * STEPS_PER_CHAIN * 3 + (n_chains - 1)


def build_chain(value_cls: type, depth: int) -> Any:
    """A chain of ``depth`` ops cycling through ``x * a``, ``x + b``, ``tanh``."""
    a, b = value_cls(0.9), value_cls(0.1)
    x = value_cls(0.5)
    for i in range(depth):
        r = i % 3
        x = x * a if r == 0 else (x + b if r == 1 else x.tanh())
    return x


# --------------------------------------------------------------------------------------
# Workers: each runs in its own process and prints one JSON line
# --------------------------------------------------------------------------------------


def worker_graph(engine: str, n_chains: int) -> dict[str, Any]:
    value_cls = load_engine(engine)
    leaves, pairs = make_leaves(value_cls)
    gc.collect()
    assert gc.isenabled()
    t0 = time.process_time_ns()
    root = build_graph(leaves, pairs, n_chains)
    t1 = time.process_time_ns()
    root.backward()
    t2 = time.process_time_ns()
    n = ops_in_graph(n_chains)
    return {
        "ops": n,
        "build_ns": (t1 - t0) / n,
        "backward_ns": (t2 - t1) / n,
        "check": sum(leaf.grad for leaf in leaves),
    }


def worker_memory(engine: str, n_chains: int) -> dict[str, Any]:
    import tracemalloc

    value_cls = load_engine(engine)
    leaves, pairs = make_leaves(value_cls)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    root = build_graph(leaves, pairs, n_chains)
    built = tracemalloc.get_traced_memory()[0]
    root.backward()  # every node now also holds its own grad float
    after_backward = tracemalloc.get_traced_memory()[0]
    gc.disable()  # what does dropping the root free by reference counting alone?
    del root
    after_del = tracemalloc.get_traced_memory()[0]
    gc.enable()
    tracemalloc.stop()
    n = ops_in_graph(n_chains)
    return {
        "ops": n,
        "bytes_per_op": (built - before) / n,
        "after_backward": (after_backward - before) / n,
        "freed_by_refcount": max(0.0, (after_backward - after_del) / (after_backward - before)),
    }


def worker_depth(engine: str, depth: int) -> dict[str, Any]:
    value_cls = load_engine(engine)
    t0 = time.process_time()
    root = build_chain(value_cls, depth)
    t1 = time.process_time()
    try:
        root.backward()
    except RecursionError:
        return {"ok": False, "error": "RecursionError"}
    t2 = time.process_time()
    return {"ok": True, "build_s": t1 - t0, "backward_s": t2 - t1}


WORKERS = {"graph": worker_graph, "memory": worker_memory, "depth": worker_depth}


def run_worker(kind: str, engine: str, size: int) -> dict[str, Any]:
    """Run one worker in a fresh interpreter; a crash (e.g. a segfault) is reported."""
    cmd = [sys.executable, __file__, "--worker", kind, engine, str(size)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or [f"exit code {proc.returncode}"])[-1]
        return {"ok": False, "error": last}
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------------------
# The side-by-side run
# --------------------------------------------------------------------------------------


def deepest_micrograd_chain(limit: int = 100_000) -> tuple[int, int]:
    """(deepest chain that back-propagates, shallowest that fails), by bisection."""
    good, bad = 1, None
    probe = 256
    while bad is None:  # grow until it fails
        if probe >= limit:
            return limit, -1
        if run_worker("depth", "micrograd", probe).get("ok"):
            good, probe = probe, probe * 2
        else:
            bad = probe
    while bad - good > 1:
        mid = (good + bad) // 2
        if run_worker("depth", "micrograd", mid).get("ok"):
            good = mid
        else:
            bad = mid
    return good, bad


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ops", type=int, default=200_000, help="graph size (default 200000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure; best is kept")
    parser.add_argument("--quick", action="store_true", help="50k ops, 1 repeat")
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        kind, engine, size = args.worker
        print(json.dumps(WORKERS[kind](engine, int(size))))
        return 0

    if args.quick:
        args.ops, args.repeat = 50_000, 1
    n_chains = max(2, round(args.ops / (STEPS_PER_CHAIN * 3 + 1)))
    n_ops = ops_in_graph(n_chains)

    print(f"micrograd_plus vs micrograd 0.1.0 - Python {sys.version.split()[0]}, gc on, CPU time")
    print(
        f"graph: {n_ops:,} ops in {n_chains:,} chains of x = act(x*a + b) over "
        f"{N_LEAVES} shared leaves, summed by a balanced + tree"
    )
    print(
        "micrograd gets a closure-based tanh written like its own relu; "
        f"best of {args.repeat} fresh processes per figure\n"
    )

    best: dict[str, dict[str, float]] = {}
    for engine in ENGINES:
        runs = [run_worker("graph", engine, n_chains) for _ in range(args.repeat)]
        for r in runs:
            if "ops" not in r:
                sys.exit(f"{engine} graph worker failed: {r.get('error')}")
        checks = {round(r["check"], 6) for r in runs}
        mem = run_worker("memory", engine, n_chains)
        best[engine] = {
            "build": min(r["build_ns"] for r in runs),
            "backward": min(r["backward_ns"] for r in runs),
            "memory": mem["bytes_per_op"],
            "memory_bw": mem["after_backward"],
            "freed": mem["freed_by_refcount"],
            "check": checks.pop(),
        }
    mg, mp = best["micrograd"], best["micrograd_plus"]
    if not math.isclose(mg["check"], mp["check"], rel_tol=1e-9, abs_tol=1e-9):
        print(f"WARNING: the engines disagree on the leaf gradients ({mg['check']} vs {mp['check']})")

    good, bad = deepest_micrograd_chain()
    deep = run_worker("depth", "micrograd_plus", DEEP)
    deep_s = deep["build_s"] + deep["backward_s"] if deep.get("ok") else math.inf

    rows = []

    def row(name: str, a: str, b: str, ratio: str, target: str, ok: bool | None) -> None:
        rows.append((name, a, b, ratio, target, "" if ok is None else verdict(ok)))

    r_build = mp["build"] / mg["build"]
    r_back = mp["backward"] / mg["backward"]
    row(
        "build (ns/op)",
        f"{mg['build']:,.0f}",
        f"{mp['build']:,.0f}",
        f"{r_build:.3f}x",
        f"<= {BUILD_TARGET:.2f}x",
        r_build <= BUILD_TARGET,
    )
    row(
        "backward (ns/op)",
        f"{mg['backward']:,.0f}",
        f"{mp['backward']:,.0f}",
        f"{r_back:.3f}x",
        f"<= {BACKWARD_TARGET:.2f}x",
        r_back <= BACKWARD_TARGET,
    )
    row(
        "backward / build",
        f"{mg['backward'] / mg['build']:.2f}",
        f"{mp['backward'] / mp['build']:.2f}",
        "",
        "",
        None,
    )
    row(
        "memory (bytes/op, tracemalloc)",
        f"{mg['memory']:,.0f}",
        f"{mp['memory']:,.0f}",
        f"{mp['memory'] / mg['memory']:.3f}x",
        f"<= {MEMORY_TARGET:.0f} B",
        mp["memory"] <= MEMORY_TARGET,
    )
    row(
        "  ... after backward() (grads filled)",
        f"{mg['memory_bw']:,.0f}",
        f"{mp['memory_bw']:,.0f}",
        f"{mp['memory_bw'] / mg['memory_bw']:.3f}x",
        "",
        None,
    )
    row(
        "  ... freed by `del root` alone (no gc run)",
        f"{mg['freed']:.0%}",
        f"{mp['freed']:.0%}",
        "",
        "",
        None,
    )
    mg_depth = f"{good:,} (fails at {bad:,})" if bad > 0 else f">= {good:,}"
    row(
        "deepest chain that back-propagates",
        mg_depth,
        f">= {DEEP:,}" if deep.get("ok") else deep.get("error", "failed"),
        "",
        "",
        None,
    )
    deep_text = (
        f"{deep_s:.2f} s ({deep['build_s']:.2f} + {deep['backward_s']:.2f})"
        if deep.get("ok")
        else deep.get("error", "failed")
    )
    row(
        f"depth {DEEP:,}: build + backward",
        "RecursionError",
        deep_text,
        "",
        f"<= {DEEP_TARGET:.0f} s",
        deep_s <= DEEP_TARGET,
    )

    header = ("", "micrograd", "micrograd_plus", "ratio", "target", "")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(6)]
    for r in [header, *rows]:
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
    failed = sum(r[5] == "FAIL" for r in rows)
    print(f"\n{len([r for r in rows if r[5]]) - failed} of {len([r for r in rows if r[5]])} targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
