#!/usr/bin/env python3
"""Write (and optionally execute) the teaching notebooks from the cell lists below.

    python notebooks/_build.py             # write every notebooks/NN_*.ipynb, no outputs
    python notebooks/_build.py --execute   # write, then run each top to bottom and save outputs
    python notebooks/_build.py --execute 02 04   # only the notebooks whose names start so

The notebooks are the source of truth for readers; this script is the source of truth
for their text, so edits stay reviewable as plain Python. Each notebook only imports
micrograd_plus: nothing of the package is redefined here.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

HERE = Path(__file__).resolve().parent

# Shared first code cell: inline figures, small PNGs (the committed notebooks stay light).
SETUP = """\
%matplotlib inline
import matplotlib.pyplot as plt

plt.rcParams.update({"figure.dpi": 72, "figure.figsize": (6.4, 3.6), "axes.grid": True,
                     "grid.alpha": 0.3})"""


def md(text: str) -> tuple[str, str]:
    return ("markdown", textwrap.dedent(text).strip("\n"))


def code(*parts: str) -> tuple[str, str]:
    return ("code", "\n\n".join(textwrap.dedent(p).strip("\n") for p in parts))


NOTEBOOKS: dict[str, list[tuple[str, str]]] = {}


def notebook(name: str):
    def register(fn):
        NOTEBOOKS[name] = fn()
        return fn

    return register


# ======================================================================================
# 02 finite differences
# ======================================================================================


@notebook("02_finite_differences")
def _nb02() -> list[tuple[str, str]]:
    return [
        md("""
        # 2. Finite differences: how to check a gradient, and why we do not train with them

        Backpropagation gives every partial derivative ∂L/∂θ_j of a loss in one backward
        pass. There is a much simpler way to get them, straight from the definition of a
        derivative: nudge one parameter and watch the loss move. The lecture writes it as

        $$\\frac{\\partial \\mathcal{L}}{\\partial w_j} \\approx
          \\frac{\\mathcal{L}(w + h e_j) - \\mathcal{L}(w)}{h}$$

        with $e_j$ the $j$-th unit vector and $h > 0$ small. This notebook

        1. measures how accurate such formulas are, and why the *central* difference is the
           one to use;
        2. uses `numerical_grad` and `gradcheck` to test backprop, and catches a deliberately
           wrong derivative;
        3. times both methods as the number of parameters $m$ grows: finite differences cost
           $2m$ forward passes, backprop about two. That is the lecture's "backpropagation is a
           fast algorithm" slide, measured.
        """),
        code(SETUP, """

        import math
        import random
        import time

        from micrograd_plus import GradcheckError, Value, gradcheck, no_grad, numerical_grad
        from micrograd_plus.ops import OpSpec"""),
        md("""
        ## One variable: forward versus central differences

        Take $f(x) = x^2 \\sin x$, whose derivative we know by hand:
        $f'(x) = 2x \\sin x + x^2 \\cos x$. Two finite-difference formulas:

        * forward: $\\dfrac{f(x+h) - f(x)}{h}$, error $O(h)$ (Taylor: the $f''$ term survives);
        * central: $\\dfrac{f(x+h) - f(x-h)}{2h}$, error $O(h^2)$ (the $f''$ terms cancel).

        Make $h$ too small, though, and rounding takes over: $f(x+h)$ and $f(x)$ agree in
        almost all their 16 digits and the subtraction keeps only the noise, an error
        of about $10^{-16}/h$. The plot shows both effects.
        """),
        code("""
        def f(x):
            return x * x * x.sin()          # works on Values (and gives us backprop for free)

        x0 = 1.3
        exact = 2 * x0 * math.sin(x0) + x0**2 * math.cos(x0)

        x = Value(x0)
        f(x).backward()
        print(f"by hand : {exact:.15f}")
        print(f"backprop: {x.grad:.15f}")

        def fv(t):                           # f on a plain float, via a Value
            return f(Value(t)).data

        hs = [10.0 ** (-k / 2) for k in range(2, 31)]
        forward_err = [abs((fv(x0 + h) - fv(x0)) / h - exact) for h in hs]
        central_err = [abs((fv(x0 + h) - fv(x0 - h)) / (2 * h) - exact) for h in hs]

        fig, ax = plt.subplots()
        ax.loglog(hs, forward_err, "o-", ms=3, label="forward  (f(x+h) − f(x)) / h")
        ax.loglog(hs, central_err, "s-", ms=3, label="central  (f(x+h) − f(x−h)) / 2h")
        ax.loglog(hs, hs, "k:", lw=1, label="slope 1: O(h)")
        ax.loglog(hs, [h * h for h in hs], "k--", lw=1, label="slope 2: O(h²)")
        ax.set_xlabel("step h"); ax.set_ylabel("|error|"); ax.set_ylim(1e-17, 10)
        ax.set_title("Finite-difference error for f(x) = x² sin x at x = 1.3")
        ax.legend(fontsize=8);"""),
        md("""
        Read the plot from right to left. For large $h$ the truncation error dominates and the
        lines follow their slopes: 1 for forward, 2 for central. Past a sweet spot (around
        $h \\approx 10^{-8}$ for forward, $10^{-5}$ to $10^{-6}$ for central) rounding wins and
        the error grows again. The central difference is both more accurate and less
        sensitive to $h$, which is why `micrograd_plus` uses it with a default `eps=1e-6`.
        Backprop has neither error: it is exact up to rounding, as the printout shows.

        ## Many variables: `numerical_grad`

        `numerical_grad(f, xs, eps=1e-6)` takes a function of `len(xs)` `Value`s and a
        list of numbers, and returns the central difference for each input:

        $$\\frac{\\partial f}{\\partial x_i} \\approx \\frac{f(x + h e_i) - f(x - h e_i)}{2h},
        \\qquad i = 1, \\dots, n.$$
        """),
        code("""
        def g(a, b, c):
            return (a * b + c).tanh() * a + (b / c).exp()

        xs = [0.5, -1.2, 2.0]
        leaves = [Value(v, label=name) for v, name in zip(xs, "abc")]
        g(*leaves).backward()

        print("backprop :", [f"{v.grad:+.10f}" for v in leaves])
        print("numerical:", [f"{d:+.10f}" for d in numerical_grad(g, xs)])"""),
        md("""
        The two agree to about ten digits: exactly what the $O(h^2)$ truncation plus
        rounding predict.

        ## `gradcheck` catches a wrong derivative

        `gradcheck(f, xs)` runs both and returns `True`, or raises `GradcheckError` listing
        every input whose analytic and numeric gradients differ by more than
        `atol + rtol·|numeric|`.

        To see it fail, we declare our own primitive with the op table's `OpSpec` (the same
        record every built-in op uses: a forward function and the *local* derivative of the
        output with respect to each operand) and get its derivative wrong on purpose. A
        classic slip for the sigmoid: writing $\\sigma'(x) = \\sigma(x)$ instead of
        $\\sigma(x)(1 - \\sigma(x))$.
        """),
        code("""
        def sigma(x):
            return 1.0 / (1.0 + math.exp(-x))

        bad_sigmoid = OpSpec(
            name="bad_sigmoid", arity=1, forward=sigma,
            local_grads=lambda x, out: (out,),            # WRONG: forgot the (1 - out)
        )
        good_sigmoid = OpSpec(
            name="good_sigmoid", arity=1, forward=sigma,
            local_grads=lambda x, out: (out * (1.0 - out),),
        )

        def neuron(op):
            # a = σ(w·x + b) with x = (1.5, -0.5) fixed, as a function of (w1, w2, b)
            return lambda w1, w2, b: op(w1 * 1.5 + w2 * (-0.5) + b)

        try:
            gradcheck(neuron(bad_sigmoid), [0.3, -0.8, 0.1])
        except GradcheckError as err:
            print("GradcheckError:")
            print(err)"""),
        code("""
        gradcheck(neuron(good_sigmoid), [0.3, -0.8, 0.1])"""),
        md("""
        The report names each input, both numbers and the error, so the wrong rule is easy to
        find. Every op of `micrograd_plus` is tested exactly this way, at many random points.

        ## Why not train with finite differences? Count the forward passes

        For a loss with $m$ parameters, the central difference needs **two forward passes per
        parameter**, $2m$ in all. Backprop needs **one forward and one backward pass**, and a
        backward pass costs about as much as a forward one (it visits the same nodes and does
        a multiply-add per edge). So

        * finite differences: cost ≈ $2m$ × (one forward pass), growing with $m$;
        * backprop: cost ≈ 2 to 3 × (one forward pass), whatever $m$.

        Let us measure it on a small model with $m$ weights: $n = 10$ samples
        $x_i \\in \\mathbb{R}^m$, a single tanh unit, and the squared error

        $$\\mathcal{L}(\\theta) = \\frac{1}{n}\\sum_{i=1}^n \\big(\\tanh(\\theta \\cdot x_i) - y_i\\big)^2 .$$

        A forward pass costs about $n\\,m$ multiply-adds.
        """),
        code("""
        rng = random.Random(0)
        n = 10

        def make_loss(m):
            X = [[rng.gauss(0, 1) / math.sqrt(m) for _ in range(m)] for _ in range(n)]
            Y = [rng.choice([-0.5, 0.5]) for _ in range(n)]

            def loss(*theta):
                total = 0.0
                for x, y in zip(X, Y):
                    z = sum(t * xj for t, xj in zip(theta, x))
                    total = total + (z.tanh() - y) ** 2
                return total / n

            return loss

        def best_time(fn, repeat=3):
            times = []
            for _ in range(repeat):
                start = time.perf_counter()
                fn()
                times.append(time.perf_counter() - start)
            return min(times)

        def forward_only(loss, theta):
            with no_grad():
                loss(*[Value(t) for t in theta])

        def backprop(loss, theta):
            params = [Value(t) for t in theta]
            loss(*params).backward()
            return [p.grad for p in params]

        ms = [2, 5, 10, 20, 40, 80, 160]
        rows = []
        for m in ms:
            loss = make_loss(m)
            theta = [rng.uniform(-1, 1) for _ in range(m)]
            # same answer first, then the stopwatch
            err = max(abs(a - b) for a, b in zip(backprop(loss, theta), numerical_grad(loss, theta)))
            t_fwd = best_time(lambda: forward_only(loss, theta))
            t_bp = best_time(lambda: backprop(loss, theta))
            t_fd = best_time(lambda: numerical_grad(loss, theta), repeat=1 if m > 40 else 3)
            rows.append((m, t_fwd, t_bp, t_fd))
            print(f"m={m:4d}  forward {t_fwd*1e3:7.2f} ms   backprop {t_bp*1e3:7.2f} ms   "
                  f"finite diff {t_fd*1e3:8.1f} ms   max |difference| {err:.1e}")"""),
        code("""
        m_vals = [r[0] for r in rows]
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.6))
        ax1.loglog(m_vals, [r[3] for r in rows], "o-", label="finite differences (2m forwards)")
        ax1.loglog(m_vals, [r[2] for r in rows], "s-", label="backprop (forward + backward)")
        ax1.loglog(m_vals, [r[1] for r in rows], "^--", label="one forward pass")
        ax1.set_xlabel("number of parameters m"); ax1.set_ylabel("seconds")
        ax1.set_title("Wall time of one full gradient"); ax1.legend(fontsize=8)

        ax2.plot(m_vals, [r[3] / r[1] for r in rows], "o-", label="finite differences")
        ax2.plot(m_vals, [r[2] / r[1] for r in rows], "s-", label="backprop")
        ax2.plot(m_vals, [2 * m for m in m_vals], "k:", lw=1, label="2m")
        ax2.set_xlabel("number of parameters m"); ax2.set_ylabel("cost / cost of one forward pass")
        ax2.set_title("Cost in units of forward passes"); ax2.legend(fontsize=8)
        fig.tight_layout()"""),
        md("""
        The right panel is the point of the lecture's slide. Measured in forward passes, the
        finite-difference gradient costs $2m$, a straight line through the dotted $2m$ guide,
        while backprop stays flat at a small constant (a few forward passes: building the graph
        and one sweep back over it). With the million weights of a modest network, finite
        differences would need two million forward passes per gradient step; backprop needs
        the equivalent of two or three.

        **Take-aways**

        * Use central differences with $h \\approx 10^{-6}$ to *check* gradients: they are
          simple, independent of the code they test, and accurate to about $10^{-10}$.
        * `gradcheck` turns that into a test that names the wrong input.
        * Never *train* with them: the cost grows linearly with the number of parameters.
          Backprop computes all $m$ partial derivatives for the price of about two forward passes.
        """),
    ]


# ======================================================================================
# Writing and executing
# ======================================================================================


def build(name: str, cells: list[tuple[str, str]]):
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    for kind, source in cells:
        if kind == "markdown":
            nb.cells.append(nbformat.v4.new_markdown_cell(source))
        else:
            nb.cells.append(nbformat.v4.new_code_cell(source))
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"{name[:2]}-{i:02d}"
    return nb


def execute(nb, timeout: int = 120):
    import os

    from nbclient import NotebookClient

    os.environ.setdefault("MPLBACKEND", "Agg")
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", record_timing=False,
        resources={"metadata": {"path": str(HERE)}},
    )
    client.execute()
    return nb


def main(argv: list[str]) -> int:
    import nbformat

    run = "--execute" in argv
    prefixes = [a for a in argv if not a.startswith("--")]
    for name, cells in NOTEBOOKS.items():
        if prefixes and not any(name.startswith(p) for p in prefixes):
            continue
        nb = build(name, cells)
        if run:
            print(f"executing {name} ...", flush=True)
            execute(nb)
        path = HERE / f"{name}.ipynb"
        nbformat.write(nb, path)
        print(f"wrote {path.relative_to(HERE.parent)} ({path.stat().st_size / 1024:.0f} kB)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
