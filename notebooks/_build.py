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
# 01 value and backprop
# ======================================================================================


@notebook("01_value_and_backprop")
def _nb01() -> list[tuple[str, str]]:
    return [
        md(r"""
        # 1. A `Value`, its computation graph, and backpropagation

        Everything a neural network computes is built from a handful of scalar operations:
        `+`, `*`, `exp`, `tanh`... If each of them records *what* it computed and *from what*,
        the whole computation becomes a graph, and the chain rule can be applied to that graph
        mechanically, from the output back to the inputs. That is backpropagation, and
        `micrograd_plus.Value` is a number that records its graph.

        In this notebook:

        1. a `Value` and an expression built from it, drawn as a graph;
        2. `backward()`: the chain rule node by node, as a sequence of pictures;
        3. a node used twice receives the **sum** of its paths' gradients;
        4. one neuron $a = \sigma(w \cdot x + b)$, where the lecture's equations BP1, BP3 and BP4
           can be read off the graph, and two neurons in a row for BP2.
        """),
        code(SETUP, """
        from micrograd_plus import Value
        from micrograd_plus.viz import draw_dot"""),
        md(r"""
        ## A `Value`

        A `Value` wraps one float, `data`. It also has a `grad` (which will hold
        $\partial \mathcal{L} / \partial(\text{this value})$ once we backpropagate, and starts
        at `0.0`), an optional `label` for pictures, and two fields saying how it was made:
        `op` (empty for a leaf, that is an input or a parameter) and `parents`.
        """),
        code("""
        a = Value(2.0, label="a")
        print(a)
        print("data:", a.data, "| grad:", a.grad, "| op:", repr(a.op), "| parents:", a.parents)"""),
        md(r"""
        ## An expression is a graph

        Every operation returns a new `Value` whose `parents` are its operands. Here is a
        small expression with four leaves $a, b, c, f$:

        $$e = a \cdot b, \qquad d = e + c, \qquad \mathcal{L} = d \cdot f .$$
        """),
        code("""
        a = Value(3.0, label="a")
        b = Value(-1.5, label="b")
        c = Value(2.0, label="c")
        f = Value(4.0, label="f")
        e = a * b;  e.label = "e"
        d = e + c;  d.label = "d"
        L = d * f;  L.label = "L"

        print(L)
        print("L was made by", repr(L.op), "from", [p.label for p in L.parents])"""),
        md(r"""
        `draw_dot` draws the graph: one box per value (label, data, grad) and one small node per
        operation, with arrows in the direction data flows. All gradients are still 0.
        """),
        code("""
        draw_dot(L)"""),
        md(r"""
        ## `backward()`: the chain rule, from the output back

        We want $\partial \mathcal{L}/\partial x$ for every node $x$. Start at the top,
        $\partial \mathcal{L}/\partial \mathcal{L} = 1$, and go down one operation at a time.
        Each operation only needs its **local** derivative, the derivative of its output
        with respect to each operand:

        * $\mathcal{L} = d \cdot f$: $\ \partial \mathcal{L}/\partial d = f = 4$ and
          $\partial \mathcal{L}/\partial f = d = -2.5$;
        * $d = e + c$: local derivatives 1 and 1, so
          $\partial \mathcal{L}/\partial e = \partial \mathcal{L}/\partial c
          = \partial \mathcal{L}/\partial d \cdot 1 = 4$;
        * $e = a \cdot b$: $\ \partial \mathcal{L}/\partial a = \partial \mathcal{L}/\partial e \cdot b = -6$
          and $\partial \mathcal{L}/\partial b = \partial \mathcal{L}/\partial e \cdot a = 12$.

        The rule applied at every node $y = \text{op}(x_1, \dots, x_k)$ is always the same:

        $$x_i.\text{grad} \mathrel{+}= y.\text{grad} \times \frac{\partial y}{\partial x_i}
          \qquad (\text{upstream} \times \text{local}).$$
        """),
        code("""
        L.backward()
        for v in (a, b, c, f, e, d, L):
            print(f"dL/d{v.label} = {v.grad:+.1f}")"""),
        code("""
        draw_dot(L)"""),
        md(r"""
        ### Step by step

        `backward()` visits the nodes in **reverse topological order**: a node is processed only
        after every node that uses it, so its gradient is complete before it is passed on.
        `micrograd_plus.viz.backward_steps` replays that walk one node at a time, without
        touching any `.grad`, and tells what each step does: the node's upstream gradient,
        the local derivative towards each parent, and their product.
        """),
        code("""
        from micrograd_plus.viz import backward_steps

        for step in backward_steps(L):
            print(step)"""),
        md(r"""
        The same walk as pictures: the graph after 1, 2 and 3 steps. `#n` is a node's place in
        the backward order. The node visited at this step is framed red, with what it adds to
        each parent written on the edges; nodes already visited are framed green. A grad marked
        "(so far)" is the sum of the contributions the node has received up to this step (it has
        not been visited yet, so more may come), and "?" means nothing has reached it yet.
        """),
        code("""
        from micrograd_plus.viz import draw_step

        draw_step(L, 1)"""),
        code("""
        draw_step(L, 2)"""),
        code("""
        draw_step(L, 3)"""),
        md(r"""
        ## Gradients add up over paths (and over calls)

        When a value is used twice, a small change in it moves the output along **both** paths,
        so its gradient is the sum of both contributions. With $y = x \cdot x + x$, the
        derivative is $2x + 1$: the `*` node contributes $x$ twice (once per operand) and the `+`
        node contributes 1. The engine gets this by *adding* into `.grad` (`+=` in the rule above),
        never overwriting.
        """),
        code("""
        x = Value(3.0, label="x")
        y = x * x + x;  y.label = "y"
        y.backward()
        print("dy/dx =", x.grad, "  (2x + 1 =", 2 * 3.0 + 1, ")")
        draw_dot(y)"""),
        md(r"""
        The same `+=` means that calling `backward()` twice without resetting gives **twice**
        the gradient. That is what PyTorch does too, and why every training loop starts each step
        with `zero_grad()`.
        """),
        code("""
        y.backward()
        print("after a second backward():", x.grad)
        x.grad = 0.0   # what zero_grad() does for every parameter"""),
        md(r"""
        ## One neuron, and BP1–BP4 read off its graph

        A neuron with inputs $x_1, x_2$, weights $w_1, w_2$ and bias $b$ computes the
        pre-activation $z$ and the activation $a$,

        $$z = w_1 x_1 + w_2 x_2 + b, \qquad a = \sigma(z) = \frac{1}{1 + e^{-z}},$$

        and we score it with the squared error $\mathcal{L} = \tfrac12 (a - y)^2$ against a
        target $y$. The lecture's four equations, for this single-layer case ($\ell = L = 1$,
        $a^{0}_k = x_k$), say:

        * **BP1** $\ \delta := \dfrac{\partial \mathcal{L}}{\partial z}
          = \dfrac{\partial \mathcal{L}}{\partial a}\,\sigma'(z) = (a - y)\, a (1 - a)$;
        * **BP3** $\ \dfrac{\partial \mathcal{L}}{\partial b} = \delta$;
        * **BP4** $\ \dfrac{\partial \mathcal{L}}{\partial w_k} = a^{0}_k\, \delta = x_k\, \delta$.

        In the graph, $\delta$ is simply the `grad` of the node `z`.
        """),
        code("""
        x1, x2 = Value(1.5, label="x1"), Value(-0.5, label="x2")
        w1, w2 = Value(0.8, label="w1"), Value(-1.2, label="w2")
        bias = Value(0.3, label="b")
        target = 1.0

        z = w1 * x1 + w2 * x2 + bias;  z.label = "z"
        act = z.sigmoid();               act.label = "a"
        loss = 0.5 * (act - target) ** 2;  loss.label = "L"
        loss.backward()

        delta = (act.data - target) * act.data * (1 - act.data)      # BP1, by hand
        print(f"BP1  delta = (a - y) a (1 - a) = {delta:+.6f}   z.grad  = {z.grad:+.6f}")
        print(f"BP3  dL/db = delta             = {delta:+.6f}   b.grad  = {bias.grad:+.6f}")
        print(f"BP4  dL/dw1 = x1 * delta       = {x1.data * delta:+.6f}   w1.grad = {w1.grad:+.6f}")
        print(f"BP4  dL/dw2 = x2 * delta       = {x2.data * delta:+.6f}   w2.grad = {w2.grad:+.6f}")"""),
        code("""
        draw_dot(loss, params=[w1, w2, bias])"""),
        md(r"""
        Follow the arrows backwards in the picture: the `σ` node multiplies the upstream
        $\partial\mathcal{L}/\partial a = a - y$ by its local derivative $\sigma'(z) = a(1-a)$
        (that is BP1), the `+` nodes pass $\delta$ unchanged to the bias (BP3), and each `*`
        node hands $w_k$ the gradient times the *other* operand, $x_k$ (BP4).

        ## Two neurons in a row: BP2

        Stack a second neuron on the first: $a^1 = \sigma(z^1)$ with $z^1 = w^1 x + b^1$, then
        $a^2 = \sigma(z^2)$ with $z^2 = w^2 a^1 + b^2$. BP2 carries $\delta$ one layer down:

        $$\delta^{1} = (w^{2})^{T} \delta^{2} \odot \sigma'(z^{1})
          \quad\text{which for scalars is}\quad \delta^1 = w^2\, \delta^2\, \sigma'(z^1).$$
        """),
        code("""
        x = Value(0.7, label="x")
        w_1, b_1 = Value(1.1, label="w¹"), Value(-0.2, label="b¹")
        w_2, b_2 = Value(-0.9, label="w²"), Value(0.4, label="b²")

        z1 = w_1 * x + b_1;  z1.label = "z¹"
        a1 = z1.sigmoid();   a1.label = "a¹"
        z2 = w_2 * a1 + b_2; z2.label = "z²"
        a2 = z2.sigmoid();   a2.label = "a²"
        loss2 = 0.5 * a2 ** 2;  loss2.label = "L"      # target y = 0
        loss2.backward()

        delta2 = z2.grad
        delta1 = w_2.data * delta2 * a1.data * (1 - a1.data)          # BP2, by hand
        print(f"delta2 = z2.grad = {delta2:+.6f}")
        print(f"BP2: w2 * delta2 * sigma'(z1) = {delta1:+.6f}   z1.grad = {z1.grad:+.6f}")
        print(f"BP4: dL/dw1 = x * delta1      = {x.data * delta1:+.6f}   w1.grad = {w_1.grad:+.6f}")
        draw_dot(loss2, params=[w_1, b_1, w_2, b_2])"""),
        md(r"""
        ## The same neuron from `micrograd_plus.nn`

        `nn.Neuron(2, activation="sigmoid")` builds exactly this computation, with one
        difference in the graph: the pre-activation $z = w \cdot x + b$ is a **single** node
        `Σ w·x + b` (the engine's fused `dot` op) instead of a chain of `*` and `+`. Its local
        derivatives are $\partial z/\partial b = 1$ and $\partial z/\partial w_k = x_k$, so that one
        node applies BP3 and BP4 in one go. Passing `module=neuron` to `draw_dot` boxes the
        neuron's nodes and names its parameters.
        """),
        code("""
        from micrograd_plus import nn

        neuron = nn.Neuron(2, activation="sigmoid", rng=0)
        inputs = [Value(1.5, label="x1"), Value(-0.5, label="x2")]
        out = neuron(inputs)
        loss3 = 0.5 * (out - 1.0) ** 2;  loss3.label = "L"
        loss3.backward()

        z = out.parents[0]          # the node the sigmoid was applied to
        print(neuron)
        print(f"delta = z.grad = {z.grad:+.6f}   b.grad = {neuron.b.grad:+.6f}   (BP3)")
        for w, x in zip(neuron.w, inputs):
            print(f"{w.label}: grad = {w.grad:+.6f}   {x.label} * delta = {x.data * z.grad:+.6f}   (BP4)")
        draw_dot(loss3, module=neuron)"""),
        md(r"""
        **Take-aways**

        * A `Value` records its operation and operands; an expression is a graph.
        * `backward()` visits the graph from the output back and applies one rule everywhere:
          `parent.grad += node.grad * local derivative`.
        * Gradients *add up*: over the paths through a shared node, and over repeated calls
          (hence `zero_grad()`).
        * For a network, BP1–BP4 are this rule applied layer by layer: $\delta^\ell$ is the
          gradient of the pre-activation node $z^\ell$.

        Next: [02 finite differences](02_finite_differences.ipynb) checks these gradients
        numerically and shows why we never train with finite differences.
        """),
    ]


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

        import gc
        import math
        import random
        import time

        from micrograd_plus import GradcheckError, Value, gradcheck, numerical_grad
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

        def mean_time(fn, repeat, rounds=3):
            # Like timeit: the garbage collector is paused while timing (graphs are freed by
            # reference counting anyway), and the best of a few rounds is kept, so neither a
            # collection nor a busy moment of the machine lands in one measurement only.
            best = math.inf
            gc.disable()
            try:
                for _ in range(rounds):
                    start = time.perf_counter()
                    for _ in range(repeat):
                        fn()
                    best = min(best, (time.perf_counter() - start) / repeat)
            finally:
                gc.enable()
            return best

        def forward_only(loss, theta):
            # one evaluation of the loss, graph recorded: what numerical_grad does 2m times
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
            t_fwd = mean_time(lambda: forward_only(loss, theta), repeat=20)
            t_bp = mean_time(lambda: backprop(loss, theta), repeat=10)
            t_fd = mean_time(lambda: numerical_grad(loss, theta), repeat=1, rounds=2 if m > 40 else 3)
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

        Next: [03 activations and approximation](03_activations_and_approximation.ipynb).
        """),
    ]


# ======================================================================================
# 03 activations and approximation
# ======================================================================================


@notebook("03_activations_and_approximation")
def _nb03() -> list[tuple[str, str]]:
    return [
        md(r"""
        # 3. Activation functions and universal approximation

        A neuron computes $a = \varphi(w \cdot x + b)$. The activation $\varphi$ is the only
        nonlinear part of a feed-forward network: without it, a stack of layers
        $W_L(\dots(W_1 x + b_1)\dots) + b_L$ is one affine map, however deep. With it, one hidden
        layer already approximates any continuous function on a compact set (the universal
        approximation theorem of the lecture).

        This notebook draws the activation gallery (every function and its derivative computed
        by the engine's own `backward()`), then fits a sine with one hidden layer of increasing
        width $k$ and watches the approximation improve.
        """),
        code(SETUP, """
        import math

        from micrograd_plus import Value, data, nn, optim, viz
        from micrograd_plus.train import fit, predict"""),
        md(r"""
        ## The gallery

        Each panel shows $\varphi(x)$ and $\varphi'(x)$. Both come from the engine: the value is
        the forward pass of `Value(x).relu()` (or `.tanh()`, ...), the derivative is the `.grad`
        of the input after `backward()`. Nothing is written twice by hand.
        """),
        code("""
        viz.plot_activations()"""),
        md(r"""
        The same numbers, read off single `Value`s: the derivative at $x = 0$, where ReLU has
        its kink (the engine uses PyTorch's choice $\mathrm{relu}'(0) = 0$), and at $x = \pm 4$,
        where the saturating functions have almost no gradient left.
        """),
        code("""
        def derivative(name, x):
            v = Value(x)
            getattr(v, name)().backward()
            return v.grad

        names = ["relu", "leaky_relu", "elu", "gelu", "silu", "softplus", "sigmoid", "tanh"]
        print(f"{'φ':>11s} {'φ′(−4)':>9s} {'φ′(0)':>9s} {'φ′(4)':>9s}")
        for name in names:
            print(f"{name:>11s} " + " ".join(f"{derivative(name, x):9.4f}" for x in (-4.0, 0.0, 4.0)))"""),
        md(r"""
        What to notice:

        * **sigmoid** and **tanh** *saturate*: for $|x| \gtrsim 4$ their derivative is nearly 0,
          and by BP2 every $\delta^\ell$ below a saturated unit is multiplied by that small
          number (vanishing gradients). The sigmoid's derivative is at most $1/4$.
        * **ReLU** has derivative exactly 1 for $x > 0$ (gradients pass unchanged) and exactly 0
          for $x < 0$: a unit whose pre-activation is negative for every input never learns
          again ("dead ReLU"). **Leaky ReLU**, **ELU**, **PReLU** keep a nonzero gradient there.
        * **GELU**, **SiLU/Swish** and **softplus** are smooth versions of ReLU.

        ## Why a nonlinearity at all

        First, the cautionary tale: an MLP with *linear* activations, two hidden layers of 8
        units, trained on a sine. It can only ever represent a straight line.
        """),
        code("""
        X, y = data.make_sine(n_samples=40, noise=0.05, seed=0)
        xs = [row[0] for row in X]
        grid = [-math.pi + 2 * math.pi * i / 200 for i in range(201)]

        def train(model, epochs=250, lr=0.1):
            opt = optim.Adam(model.parameters(), lr=lr)
            history = fit(model, X, y, "mse", opt, epochs=epochs, progress=False)
            return history.loss[-1]

        linear_net = nn.MLP(1, [8, 8, 1], activation="linear", rng=0)
        final = train(linear_net, epochs=100)
        fig, ax = plt.subplots()
        ax.scatter(xs, y, s=10, c="k", label="data: sin x + noise")
        ax.plot(grid, predict(linear_net, [[g] for g in grid]), lw=2, label=f"linear MLP, MSE {final:.3f}")
        ax.set_xlabel("x"); ax.legend(); ax.set_title(repr(linear_net));"""),
        md(r"""
        ## One hidden layer of width $k$

        The theorem (one layer, compact sets): for a non-polynomial $\varphi$ and a continuous
        $f$ on a compact $K$, for every $\varepsilon > 0$ there are $k$, $A$, $b$, $C$ with

        $$\sup_{x \in K} |f(x) - C\,\varphi(Ax + b)| \le \varepsilon .$$

        That is an MLP with one hidden layer of $k$ units and a linear output:
        `nn.MLP(1, [k, 1], activation=...)`. The theorem says *some* width suffices; let us see how
        the fit of $\sin$ on $[-\pi, \pi]$ improves with $k$, for tanh units. (Each model is
        trained with Adam on the mean squared error, full batch.)
        """),
        code("""
        widths = [1, 2, 4]
        fig, axes = plt.subplots(1, len(widths), figsize=(11, 3), sharey=True)
        for ax, k in zip(axes, widths):
            model = nn.MLP(1, [k, 1], activation="tanh", rng=1)
            final = train(model)
            ax.scatter(xs, y, s=6, c="k", alpha=0.5)
            ax.plot(grid, predict(model, [[g] for g in grid]), lw=2, c="C1")
            ax.set_title(f"k = {k} tanh units\\nMSE {final:.4f}")
            ax.set_xlabel("x")
        fig.tight_layout()"""),
        md(r"""
        One tanh unit is a single S-shaped step: it can follow only the rising half of the
        sine. Two units give a rise and a fall, and with four the curve matches the sine to
        within the noise: the MSE is down to the noise variance, $0.05^2 = 0.0025$. What is left
        is the noise itself.

        ## ReLU units: piecewise linear fits

        With ReLU, $C\,\mathrm{relu}(Ax + b)$ is **piecewise linear**: unit $j$ switches on or off
        at its kink $x_j = -b_j / A_j$. So $k$ units give at most $k$ kinks, and the fit of a
        smooth curve improves as $k$ grows, one line segment at a time. The dotted lines mark
        the kinks of the trained hidden units.
        """),
        code("""
        widths = [2, 4, 10]
        fig, axes = plt.subplots(1, len(widths), figsize=(11, 3), sharey=True)
        for ax, k in zip(axes, widths):
            model = nn.MLP(1, [k, 1], activation="relu", rng=1)
            final = train(model, epochs=300)
            ax.scatter(xs, y, s=6, c="k", alpha=0.5)
            ax.plot(grid, predict(model, [[g] for g in grid]), lw=2, c="C2")
            for neuron in model.layers[0].neurons:
                w, b = neuron.w[0].data, neuron.b.data
                if w != 0 and -math.pi < -b / w < math.pi:
                    ax.axvline(-b / w, ls=":", c="gray", lw=1)
            ax.set_title(f"k = {k} ReLU units\\nMSE {final:.4f}")
            ax.set_xlabel("x")
        fig.tight_layout()"""),
        md(r"""
        **Take-aways**

        * The activation is what makes depth and width useful: a linear network is one affine map.
        * Saturating activations (sigmoid, tanh) have tiny derivatives for large $|z|$; ReLU-like
          ones pass gradients unchanged where active.
        * One hidden layer of $k$ units is a universal approximator, and the approximation
          improves with $k$: smooth bumps for tanh, line segments for ReLU.
        * The theorem is about *existence*: it says nothing about whether training finds those
          weights, nor how they generalise. Training is the subject of the next two notebooks.

        Next: [04 GD, SGD and minibatches](04_gd_sgd_minibatch.ipynb).
        """),
    ]


# ======================================================================================
# 04 gd, sgd, minibatch
# ======================================================================================


@notebook("04_gd_sgd_minibatch")
def _nb04() -> list[tuple[str, str]]:
    return [
        md(r"""
        # 4. Training: gradient descent, SGD and minibatches

        Training is empirical risk minimisation (ERM): for a training set
        $\{(x_1, y_1), \dots, (x_n, y_n)\}$, find the parameters $\theta \in \mathbb{R}^m$ of the
        network $F_\theta$ that minimise the average loss

        $$\mathcal{L}_n(\theta) = \frac1n \sum_{i=1}^n \ell\big(y_i, F_\theta(x_i)\big).$$

        * **Gradient descent (GD)**: $\theta(k+1) = \theta(k) - \alpha(k)\, \nabla \mathcal{L}_n(\theta(k))$;
          every step uses all $n$ samples.
        * **Stochastic gradient descent (SGD)**: pick one sample $i_k$ at random and step with
          $\nabla_\theta\, \ell(y_{i_k}, F_\theta(x_{i_k}))$: $n$ times cheaper per step, but noisy.
        * **Minibatch SGD**: average the gradient over a batch $B$ of a few samples.

        For $i_k$ drawn uniformly, $\mathbb{E}\big[\nabla_\theta\, \ell(y_{i_k}, F_\theta(x_{i_k}))\big]
        = \nabla \mathcal{L}_n(\theta)$: the stochastic gradient is right *on average*, and a batch
        of $|B|$ samples divides its variance by about $|B|$.

        `micrograd_plus.train.fit` runs all three: `batch_size=None` (GD), `1` (SGD), or `B`.
        """),
        code(SETUP, """
        from micrograd_plus import data, nn, optim, viz
        from micrograd_plus.train import accuracy, fit, predict"""),
        md(r"""
        ## The data: two moons

        100 points in the plane, two interleaving half circles, not linearly separable.
        """),
        code("""
        X, y = data.make_moons(n_samples=100, noise=0.1, seed=0)
        fig, ax = plt.subplots(figsize=(5, 3.5))
        ax.scatter([p[0] for p in X], [p[1] for p in X], c=y, cmap="coolwarm", s=15, edgecolors="k")
        ax.set_title("make_moons(n_samples=100, noise=0.1)"); ax.set_aspect("equal");"""),
        md(r"""
        ## GD vs SGD vs minibatch

        The same network, `MLP(2, [8, 8, 1])` with ReLU and the same initial weights (seed 0),
        trained three ways with plain `SGD` (no momentum) and the hinge loss
        $\ell = \max(0, 1 - y\, F_\theta(x))$ with labels $y = \pm 1$. Two words to keep apart:

        * an **iteration** is one update of the parameters;
        * an **epoch** is one full pass over the data.

        With $n = 100$: GD makes 1 iteration per epoch, minibatches of 16 make 7, SGD makes 100.
        """),
        code("""
        def model():
            return nn.MLP(2, [8, 8, 1], activation="relu", rng=0)

        runs = {}
        for name, batch_size, lr in [("GD (batch = n)", None, 1.0),
                                     ("minibatch (B = 16)", 16, 0.3),
                                     ("SGD (B = 1)", 1, 0.02)]:
            net = model()
            opt = optim.SGD(net.parameters(), lr=lr)
            runs[name] = fit(net, X, y, "hinge", opt, epochs=30, batch_size=batch_size,
                             progress=False, seed=0)
            h = runs[name]
            print(f"{name:20s} lr={lr:<5} iterations={h.steps[-1]:5d}  time={h.time[-1]:.2f}s  "
                  f"final loss={h.loss[-1]:.3f}  accuracy={accuracy(net, X, y):.0%}")"""),
        code("""
        fig, axes = plt.subplots(1, 3, figsize=(13, 3.4), sharey=True)
        for name, h in runs.items():
            axes[0].plot(h.epoch, h.loss, label=name)
            axes[1].plot(h.steps, h.loss, label=name)
            axes[2].plot(h.time, h.loss, label=name)
        axes[0].set_xlabel("epoch"); axes[0].set_ylabel("training loss (mean over the epoch)")
        axes[1].set_xlabel("iteration k"); axes[1].set_xscale("log")
        axes[2].set_xlabel("wall time (s)")
        axes[0].legend(); fig.tight_layout()"""),
        md(r"""
        Per **epoch** (left) SGD and minibatches make much more progress than GD: they update
        the parameters many times per pass over the data. Per **iteration** (middle, log scale)
        GD's steps are the best ones (exact gradient, larger stable learning rate), but each costs
        a full pass. The **wall-time** panel (right) looks like the per-epoch one: an epoch costs
        the same $n$ forward and backward passes however they are grouped into steps, so the
        extra updates of SGD come almost for free here. (On real hardware minibatches win on top,
        because a batch is one vectorised matrix product.)

        (The loss plotted is the running mean over each epoch, measured before each step, so the
        SGD curve is an average of noisy single-sample losses.)

        ## Choosing the learning rate

        Too small: every step is safe but tiny and convergence takes forever. Too large: steps
        overshoot the minimum and the loss oscillates, or worse. Full-batch GD with four step sizes:
        """),
        code("""
        fig, ax = plt.subplots()
        for lr in (0.01, 1.0, 2.0, 5.0):
            net = model()
            h = fit(net, X, y, "hinge", optim.SGD(net.parameters(), lr=lr), epochs=40, progress=False)
            ax.plot(h.epoch, h.loss, label=f"α = {lr}")
        ax.set_xlabel("epoch (= iteration for GD)"); ax.set_ylabel("training loss")
        ax.set_yscale("log"); ax.legend()
        ax.set_title("GD on two moons: learning rate too small, good, too large");"""),
        md(r"""
        * $\alpha = 0.01$: the loss creeps down; after 40 steps it has barely moved.
        * $\alpha = 1$: fast and steady.
        * $\alpha = 2$: the loss jumps up and down: steps overshoot.
        * $\alpha = 5$: the first steps are so large that every ReLU unit of the second hidden
          layer ends up with a negative pre-activation on all inputs. Their derivatives are then
          exactly 0 (dead ReLUs): the network outputs a constant, the hinge loss is stuck at 1,
          and no gradient flows back to fix it. Training is over.
        """),
        md(r"""
        ## A decaying step: $\alpha(k) = O(1/k)$

        With a constant step, SGD does not converge: the gradient of one sample is not zero at
        the minimum of the average, so the iterates keep jumping around in a noise ball whose
        size is proportional to $\alpha$. The lecture's result: for a strongly convex $f$, SGD
        with $\alpha(k) = O(1/k)$ converges, $\mathbb{E}[f(\theta(k)) - f^*] = O(1/k)$.

        We see it on a strongly convex problem, least-squares regression with one linear neuron,
        $f(\theta) = \frac1n\sum_i (\theta \cdot x_i + b - y_i)^2$. `InverseTimeLR(opt, decay)`
        sets $\alpha(k) = \alpha(0) / (1 + \text{decay}\cdot k)$ once per epoch.
        """),
        code("""
        import random

        rng = random.Random(1)
        Xr = [[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(40)]
        yr = [2.0 * a - 1.0 * b + 0.5 + rng.gauss(0, 0.3) for a, b in Xr]

        def full_loss(neuron):
            return sum((p - t) ** 2 for p, t in zip(predict(neuron, Xr), yr)) / len(yr)

        # f* by running full-batch GD to convergence (a strongly convex quadratic)
        best = nn.Neuron(2, activation="linear", rng=0)
        fit(best, Xr, yr, "mse", optim.SGD(best.parameters(), lr=0.5), epochs=300, progress=False)
        f_star = full_loss(best)

        def sgd_gaps(decay):
            # f(θ(k)) − f* after each epoch of SGD with α(k) = 0.2 / (1 + decay·k)
            neuron = nn.Neuron(2, activation="linear", rng=0)
            opt = optim.SGD(neuron.parameters(), lr=0.2)
            gaps = []

            def record(epoch, history):
                gaps.append(full_loss(neuron) - f_star)

            fit(neuron, Xr, yr, "mse", opt, epochs=60, batch_size=1, progress=False, seed=0,
                schedule=optim.InverseTimeLR(opt, decay=decay), callback=record)
            return gaps

        fig, ax = plt.subplots()
        for label, decay in [("constant α = 0.2", 0.0), ("α(k) = 0.2 / (1 + 0.5 k)", 0.5)]:
            gaps = sgd_gaps(decay)
            ax.loglog(range(1, len(gaps) + 1), gaps, label=label)
        ax.loglog([1, 60], [0.05, 0.05 / 60], "k:", lw=1, label="O(1/k) guide")
        ax.set_xlabel("epoch k"); ax.set_ylabel("f(θ(k)) − f*")
        ax.set_title("SGD (batch size 1) on least squares"); ax.legend();"""),
        md(r"""
        The constant step stalls at a noise floor; with the $O(1/k)$ schedule the gap keeps
        going down, at least as fast as the $1/k$ guide. (Here $k$ counts epochs, as the
        schedule is stepped once per epoch.)

        ## The decision boundary

        Finally, a well-trained classifier on the moons: minibatches of 16 with momentum (see
        the next notebook) and a small L2 penalty, then the regions the network assigns to each
        class, next to its training curve (`viz.plot_history` reads the `History` that `fit`
        returns: loss and accuracy per epoch).
        """),
        code("""
        net = nn.MLP(2, [16, 16, 1], activation="relu", rng=0)
        opt = optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
        h = fit(net, X, y, "hinge", opt, epochs=40, batch_size=16, l2=1e-4, progress=False)
        print(net, f"training accuracy {accuracy(net, X, y):.0%}")

        fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
        viz.plot_decision_boundary(net, X, y, ax=left)
        viz.plot_history(h, ax=right)
        fig.tight_layout()"""),
        md(r"""
        **Take-aways**

        * ERM minimises the average loss over the training set; GD uses all of it per step,
          SGD one sample, minibatch SGD a few.
        * Count both iterations (updates) and epochs (passes over the data): SGD does more
          updates per epoch, each noisier and cheaper.
        * The learning rate must be neither too small (slow) nor too large (oscillation,
          divergence).
        * With a constant step SGD hovers in a noise ball; $\alpha(k) = O(1/k)$ makes it converge.

        Next: [05 momentum](05_momentum.ipynb).
        """),
    ]


# ======================================================================================
# 05 momentum
# ======================================================================================


@notebook("05_momentum")
def _nb05() -> list[tuple[str, str]]:
    return [
        md(r"""
        # 5. Momentum: giving gradient descent a memory

        Plain gradient descent, $\theta(k+1) = \theta(k) - \alpha\, g(k)$, looks only at the
        current gradient $g(k)$. That hurts in two classic situations from the lecture:

        * on a **plateau** the gradient is tiny, so the steps are tiny, even when the direction
          has been the same for a hundred steps;
        * in a **ravine** (steep in one direction, shallow in another) the gradient mostly points
          across the valley, so the path zig-zags from wall to wall and creeps along the floor.

        Momentum replaces the current gradient by an **average of past gradients**. This notebook
        builds the idea from the exponential moving average (EMA), checks that
        `micrograd_plus.optim.SGD(momentum=β)` is exactly the lecture's heavy-ball method, and
        compares GD, heavy ball and Nesterov on a ravine and on a plateau.
        """),
        code(SETUP, """
        import math
        import random

        from micrograd_plus import Value
        from micrograd_plus.optim import SGD
        from micrograd_plus import viz"""),
        md(r"""
        ## The exponential moving average

        For a noisy sequence $y(1), y(2), \dots$ the EMA is

        $$s(1) = y(1), \qquad s(t) = \beta\, s(t-1) + (1 - \beta)\, y(t) \quad (t > 1),$$

        with $\beta \in [0, 1]$. Unrolled, $s(t)$ is a weighted average in which $y(t-j)$ has
        weight $(1-\beta)\beta^{j}$ (and $y(1)$ the remaining $\beta^{t-1}$): the weights decay
        geometrically, and the average
        effectively looks back about $1/(1-\beta)$ steps. A low $\beta$ forgets fast and follows
        the noise; a high $\beta$ is smooth but lags behind.
        """),
        code("""
        rng = random.Random(0)
        ts = range(1, 201)
        y = [math.sin(t / 25) + rng.gauss(0, 0.4) for t in ts]

        viz.plot_ema(y, betas=(0.1, 0.9, 0.98))"""),
        md(r"""
        ## Heavy ball: an EMA of gradients

        Apply the same idea to the steps. The lecture's heavy-ball update is

        $$\theta(k+1) = \underbrace{\theta(k) - \alpha\, g(k)}_{\text{gradient step}}
          + \underbrace{\beta\,\big(\theta(k) - \theta(k-1)\big)}_{\text{momentum term}} .$$

        Unrolling the recursion (with $\theta(1) - \theta(0) = 0$) gives

        $$\theta(k+1) = \theta(k) - \alpha \sum_{j=1}^{k} \beta^{\,k-j}\, g(j):$$

        each step is an exponentially decaying sum of all past gradients. The lecture's example,
        with $\alpha = 1$ at $k = 3$: how much of each past gradient is in the step?
        """),
        code("""
        for beta in (0.1, 0.9):
            shares = [beta ** (3 - j) for j in (3, 2, 1)]
            parts = [f"g({j}) {100 * w:5.1f}%" for j, w in zip((3, 2, 1), shares)]
            print(f"beta = {beta}:  " + ",  ".join(parts))"""),
        md(r"""
        With $\beta = 0.1$ old gradients are forgotten almost at once; with the usual
        $\beta = 0.9$ the gradient from two steps ago still counts for 81%.

        `micrograd_plus.optim.SGD(params, lr=α, momentum=β)` implements exactly this update
        (it follows `torch.optim.SGD`, which keeps a buffer $b(k) = \beta b(k-1) + g(k)$ and
        steps $\theta \leftarrow \theta - \alpha b(k)$; the two forms are the same sequence).
        Let us check it on $f(\theta) = \tfrac12\theta^2 + \sin\theta$ by running the optimizer and the
        formula side by side.
        """),
        code("""
        def f1(t):
            return 0.5 * t * t + t.sin()

        alpha, beta = 0.3, 0.9
        theta = Value(3.0)
        opt = SGD([theta], lr=alpha, momentum=beta)

        by_formula = [3.0, 3.0]            # theta(0) = theta(1): no initial velocity
        for k in range(8):
            # the optimizer: zero_grad, forward, backward, step
            opt.zero_grad()
            f1(theta).backward()
            opt.step()
            # the lecture's formula, with g(k) = theta + cos(theta) written by hand
            t_k, t_prev = by_formula[-1], by_formula[-2]
            g = t_k + math.cos(t_k)
            by_formula.append(t_k - alpha * g + beta * (t_k - t_prev))
            print(f"k={k + 1}  SGD(momentum) {theta.data:+.12f}   formula {by_formula[-1]:+.12f}")"""),
        md(r"""
        ## A ravine: the jittery path

        $f(\theta) = \tfrac12(\theta_1^2 + 20\,\theta_2^2)$ is twenty times steeper along
        $\theta_2$ than along $\theta_1$. A step size $\alpha$ large enough to make progress
        along $\theta_1$ makes GD overshoot along $\theta_2$: it bounces from wall to wall.
        Gradient components that flip sign cancel in the momentum sum, while those that keep their
        sign add up, so momentum damps the bouncing and speeds up the slow direction.

        We run GD and heavy ball with the same $\alpha = 0.09$ from the same start, using the real
        optimizers and `viz.optimizer_path` (which records $\theta(0), \theta(1), \dots$).
        """),
        code("""
        def ravine(t1, t2):
            return 0.5 * (t1 * t1 + 20 * t2 * t2)

        start, alpha, steps = (-4.0, 1.0), 0.09, 40
        methods = {
            "GD": lambda ps: SGD(ps, lr=alpha),
            "heavy ball (β = 0.5)": lambda ps: SGD(ps, lr=alpha, momentum=0.5),
        }
        paths = {name: viz.optimizer_path(ravine, start, make, steps) for name, make in methods.items()}

        def paths_and_losses(f, paths, title, **view):
            # left: the paths on the contours of f (viz); right: f(θ(k)) per iteration
            fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4))
            viz.plot_optimizer_paths(f, paths, ax=left, title=title, **view)
            colors = {line.get_label(): line.get_color() for line in left.get_lines()}
            for name, path in paths.items():
                losses = [max(f(Value(a), Value(b)).data, 1e-16) for a, b in path]
                color = next((c for label, c in colors.items() if label.startswith(name)), None)
                right.semilogy(losses, label=name, color=color)
            right.set_xlabel("iteration k"); right.set_ylabel("f(θ(k))"); right.legend()
            right.set_title("loss per iteration")
            fig.tight_layout()
            for name, path in paths.items():
                last = f(Value(path[-1][0]), Value(path[-1][1])).data
                print(f"{name:22s} f(θ({len(path) - 1})) = {last:.2e}")

        paths_and_losses(ravine, paths, "Ravine: f = ½(θ₁² + 20 θ₂²)")"""),
        md(r"""
        GD zig-zags across the valley ($\alpha \cdot 20 = 1.8$: each step overshoots the floor by 80%)
        while it crawls along it (its error along $\theta_1$ shrinks by only $1 - \alpha = 0.91$ per
        step). Heavy ball makes a few wide swings, then the swings cancel out in its sum of past
        gradients while the steady pull along $\theta_1$ builds up: after the same 40 steps its loss
        is about $10^{8}$ times lower.

        ## A plateau

        $f(\theta) = 1 - e^{-\|\theta\|^2/2}$ is almost flat far from its minimum: at
        the start $\theta(0) = (3, 2)$, where $\|\theta\| \approx 3.6$, the gradient has norm about
        $0.005$. GD takes tiny steps there;
        momentum keeps adding the (tiny, but always same-direction) gradients, so its steps grow
        up to $1/(1-\beta)$ times larger.
        """),
        code("""
        def plateau(t1, t2):
            return 1 - (-(t1 * t1 + t2 * t2) / 2).exp()

        start, alpha, steps = (3.0, 2.0), 0.5, 60
        methods = {
            "GD": lambda ps: SGD(ps, lr=alpha),
            "heavy ball (β = 0.9)": lambda ps: SGD(ps, lr=alpha, momentum=0.9),
            "Nesterov (β = 0.9)": lambda ps: SGD(ps, lr=alpha, momentum=0.9, nesterov=True),
        }
        paths = {name: viz.optimizer_path(plateau, start, make, steps) for name, make in methods.items()}
        paths_and_losses(plateau, paths, "Plateau: f = 1 − exp(−‖θ‖²/2)", xlim=(-3, 4), ylim=(-2.5, 2.7))"""),
        md(r"""
        After 60 steps GD has not left the plateau (its loss is still 0.99), while both momentum
        methods escaped it after about 30 steps. Heavy ball then overshoots and keeps circling
        around the minimum: momentum is also inertia. Nesterov settles.

        ## Nesterov: look ahead before you step

        Nesterov's accelerated gradient evaluates the gradient not at $\theta(k)$ but at the point
        the momentum is about to carry us to,

        $$\tilde\theta(k) = \theta(k) + \beta\big(\theta(k) - \theta(k-1)\big), \qquad
          \theta(k+1) = \tilde\theta(k) - \alpha\, \nabla f\big(\tilde\theta(k)\big).$$

        Heavy ball: gradient step first, then the momentum term. Nesterov: momentum first, then a
        gradient step from where it lands. If the momentum is about to overshoot, the lookahead
        gradient already points back and brakes, which is why Nesterov settled on the plateau
        example while heavy ball kept circling (it also has better worst-case rates on convex
        problems). `SGD(..., nesterov=True)` uses PyTorch's equivalent form, whose stored
        parameters are the lookahead points $\tilde\theta(k)$.

        The braking has a price: on a stiff direction Nesterov tolerates a smaller $\alpha$. For a
        quadratic with curvature $h$, heavy ball is stable for $\alpha h < 2(1+\beta)$ but Nesterov only
        for $\alpha h < 2(1+\beta)/(1+2\beta)$, which is below GD's limit of 2. On the ravine above,
        $\alpha h = 0.09 \cdot 20 = 1.8$: fine for heavy ball with $\beta = 0.5$ (limit 3), too much for
        Nesterov (limit 1.5), which diverges:
        """),
        code("""
        for name, make in {
            "heavy ball": lambda ps: SGD(ps, lr=0.09, momentum=0.5),
            "Nesterov": lambda ps: SGD(ps, lr=0.09, momentum=0.5, nesterov=True),
        }.items():
            last = viz.optimizer_path(ravine, (-4.0, 1.0), make, 40)[-1]
            print(f"{name:10s} after 40 steps: f = {ravine(Value(last[0]), Value(last[1])).data:.3g}")"""),
        md(r"""
        **Take-aways**

        * Momentum replaces $g(k)$ by an exponentially weighted sum of past gradients; $\beta$ sets
          the memory, about $1/(1-\beta)$ steps ($\beta \approx 0.9$ is the usual choice).
        * Consistent gradient components add up (faster on plateaus and along valley floors);
          oscillating ones cancel (less zig-zag).
        * Nesterov computes the gradient at the lookahead point; it brakes before overshooting.
        * In `micrograd_plus`: `SGD(params, lr=α, momentum=β)` is the heavy ball method and
          `nesterov=True` Nesterov's; both follow `torch.optim.SGD` exactly.
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
