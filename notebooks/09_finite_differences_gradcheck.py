# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 9. Finite differences versus backpropagation, and gradient checking
#
# There is a much simpler way to get a derivative than backpropagation, straight from its
# definition: nudge one parameter and watch the loss move. The lecture writes it as
#
# $$\frac{\partial\mathcal{L}}{\partial w_j} \approx \frac{\mathcal{L}(w + h e_j) - \mathcal{L}(w)}{h},$$
#
# with $e_j$ the $j$-th unit vector and $h > 0$ small. It is "simple conceptually, easy to
# implement, but extremely slow". This notebook
#
# 1. measures how accurate such formulas are, and why the **central** difference is the one to use;
# 2. counts and times the work: finite differences need $2m$ forward passes for $m$ parameters,
#    backprop one forward and one backward pass;
# 3. uses finite differences for what they are good at, **checking** backprop: `numerical_grad`,
#    `gradcheck`, a deliberately wrong derivative caught, and a whole network checked.

# %%
# %matplotlib inline
import gc
import math
import random
import time
from functools import partial

import matplotlib.pyplot as plt

from micrograd_plus import GradcheckError, Value, gradcheck, nn, numerical_grad
from micrograd_plus.ops import OpSpec

plt.rcParams.update({"figure.dpi": 90, "figure.figsize": (6.4, 3.8), "axes.grid": True, "grid.alpha": 0.3})

# %% [markdown]
# ## One variable: forward versus central differences
#
# Take $f(x) = x^2 \sin x$, whose derivative we know by hand, $f'(x) = 2x\sin x + x^2\cos x$.
# Two finite-difference formulas:
#
# * forward, $\dfrac{f(x+h) - f(x)}{h}$: error $O(h)$ (by Taylor, the $f''$ term survives);
# * central, $\dfrac{f(x+h) - f(x-h)}{2h}$: error $O(h^2)$ (the $f''$ terms cancel).
#
# Make $h$ too small, though, and rounding takes over: $f(x+h)$ and $f(x)$ agree in almost all
# of their 16 significant digits and the subtraction keeps mostly noise, an error of about
# $10^{-16}/h$.


# %%
def f_demo(x):
    return x * x * x.sin()  # on Values, so backprop gives f' too


x0 = 1.3
exact = 2 * x0 * math.sin(x0) + x0**2 * math.cos(x0)
x_leaf = Value(x0)
f_demo(x_leaf).backward()
print(f"by hand : {exact:.15f}")
print(f"backprop: {x_leaf.grad:.15f}")


def f_float(t):
    return f_demo(Value(t)).data


hs = [10.0 ** (-k / 2) for k in range(2, 31)]
forward_err = [abs((f_float(x0 + h) - f_float(x0)) / h - exact) for h in hs]
central_err = [abs((f_float(x0 + h) - f_float(x0 - h)) / (2 * h) - exact) for h in hs]

fig, ax = plt.subplots()
ax.loglog(hs, forward_err, "o-", ms=3, label="forward  (f(x+h) − f(x)) / h")
ax.loglog(hs, central_err, "s-", ms=3, label="central  (f(x+h) − f(x−h)) / 2h")
ax.loglog(hs, hs, "k:", lw=1, label="slope 1: O(h)")
ax.loglog(hs, [h * h for h in hs], "k--", lw=1, label="slope 2: O(h²)")
ax.set_xlabel("step h")
ax.set_ylabel("|finite difference − f′(x)|")
ax.set_ylim(1e-17, 10)
ax.set_title("Finite-difference error for f(x) = x² sin x at x = 1.3")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# Read the plot from right to left. For large $h$ the truncation error dominates and each line
# follows its slope, 1 for forward, 2 for central. Past a sweet spot (near $h \approx 10^{-8}$
# for forward, $10^{-5}$ to $10^{-6}$ for central) rounding wins and the error grows again. The
# central difference is both more accurate and less sensitive to $h$: `micrograd_plus` uses it,
# with `eps=1e-6` by default. Backprop has neither error; it is exact up to rounding.
#
# ## Many variables: `numerical_grad`
#
# `numerical_grad(f, xs, eps=1e-6)` takes a function of `len(xs)` `Value`s and a list of
# numbers, and returns the central difference for every input,
# $\partial f/\partial x_i \approx (f(x + h e_i) - f(x - h e_i))/2h$.


# %%
def g_demo(a, b, c):
    return (a * b + c).tanh() * a + (b / c).exp()


xs_demo = [0.5, -1.2, 2.0]
leaves = [Value(v) for v in xs_demo]
g_demo(*leaves).backward()
print("backprop :", [f"{v.grad:+.10f}" for v in leaves])
print("numerical:", [f"{d:+.10f}" for d in numerical_grad(g_demo, xs_demo)])

# %% [markdown]
# They agree to about ten digits, which is what an $O(h^2)$ truncation error plus rounding
# predicts for $h = 10^{-6}$.
#
# ## Count the forward passes
#
# For $m$ parameters the central difference evaluates the loss twice per parameter: $2m$
# forward passes. Backprop does one forward pass and one backward pass for all $m$ at once, and
# the backward pass costs about as much as the forward one (it visits the same nodes, with a
# multiply-add per edge). Counting is exact on any machine: wrap the loss in a counter.
#
# The model: $n = 10$ samples $\mathbf{x}_i \in \mathbb{R}^m$, one tanh unit and the squared error,
#
# $$\mathcal{L}(\boldsymbol\theta) = \frac1n\sum_{i=1}^n \big(\tanh(\boldsymbol\theta\cdot\mathbf{x}_i) -
# y_i\big)^2,$$
#
# whose forward pass costs about $n\,m$ multiply-adds.


# %%
def make_loss(m, seed=0):
    rng = random.Random(seed)
    X = [[rng.gauss(0, 1) / math.sqrt(m) for _ in range(m)] for _ in range(10)]
    Y = [rng.choice([-0.5, 0.5]) for _ in range(10)]

    def loss(*theta):
        total = 0.0
        for x, y in zip(X, Y):
            z = sum(t * xj for t, xj in zip(theta, x))
            total = total + (z.tanh() - y) ** 2
        return total / len(X)

    return loss


class Counted:
    """Wraps a loss function and counts how often it is evaluated (= forward passes)."""

    def __init__(self, f):
        self.f, self.calls = f, 0

    def __call__(self, *args):
        self.calls += 1
        return self.f(*args)


m = 25
loss = Counted(make_loss(m))
theta = [random.Random(1).uniform(-1, 1) for _ in range(m)]

params = [Value(t) for t in theta]
loss(*params).backward()
print(f"backprop:            {loss.calls} forward pass + 1 backward pass for all {m} partial derivatives")
loss.calls = 0
numeric = numerical_grad(loss, theta)
print(f"finite differences:  {loss.calls} forward passes")
largest = max(abs(p.grad - d) for p, d in zip(params, numeric))
print(f"largest |difference| between the two gradients: {largest:.1e}")

# %% [markdown]
# **Exercise 1.** How many forward passes does `numerical_grad` need for a model with
# $m = 100$ parameters? And the lecture's one-sided formula (one pass at $w$, then one per
# parameter)? The cell checks the first answer by counting.

# %%
central_passes = 200  # your answer, central differences
one_sided_passes = 101  # your answer, the lecture's formula

loss_100 = Counted(make_loss(100))
numerical_grad(loss_100, [0.0] * 100)
assert central_passes == loss_100.calls, loss_100.calls
assert one_sided_passes == 100 + 1
print(f"correct: 2m = {loss_100.calls} (central), m + 1 = 101 (one-sided)")

# %% [markdown]
# ## Measure it
#
# Now the stopwatch, as $m$ grows. Absolute times depend on the machine, so we report
# everything in units of **one forward pass** of the same loss: the ratio is what the
# counting above predicts, and it does not depend on how fast the computer is. (The timer
# pauses the garbage collector and keeps the best of a few rounds, as `timeit` does, so a
# busy moment of the machine does not land in one measurement only.)


# %%
def best_time(fn, repeat, rounds=3):
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
    loss(*[Value(t) for t in theta])  # what numerical_grad does 2m times


def backprop(loss, theta):
    params = [Value(t) for t in theta]
    loss(*params).backward()


ms = [2, 5, 10, 20, 40, 80]
ratios = []
for m in ms:
    loss = make_loss(m)
    theta = [random.Random(m).uniform(-1, 1) for _ in range(m)]
    t_forward = best_time(partial(forward_only, loss, theta), repeat=10)
    t_backprop = best_time(partial(backprop, loss, theta), repeat=5)
    t_finite = best_time(partial(numerical_grad, loss, theta), repeat=1, rounds=2 if m > 20 else 3)
    ratios.append((t_backprop / t_forward, t_finite / t_forward))
    print(
        f"m = {m:3d}: backprop = {ratios[-1][0]:4.1f} forward passes,   "
        f"finite differences = {ratios[-1][1]:6.1f} forward passes (2m = {2 * m})"
    )

fig, ax = plt.subplots()
ax.loglog(ms, [r[1] for r in ratios], "o-", label="finite differences")
ax.loglog(ms, [r[0] for r in ratios], "s-", label="backprop (forward + backward)")
ax.loglog(ms, [2 * m for m in ms], "k:", lw=1, label="2m")
ax.set_xlabel("number of parameters m")
ax.set_ylabel("time / time of one forward pass")
ax.set_title("Cost of one full gradient, in forward passes")
ax.legend()
plt.show()

# %% [markdown]
# Measured in forward passes, the finite-difference gradient grows along the $2m$ line (a
# little above it: each of its evaluations also builds fresh leaves and copies the inputs), while
# backprop stays at a small constant whatever $m$: a forward pass that records the graph, and
# one sweep back over it. With the million weights of a modest network, finite differences
# would need two million forward passes per gradient step; backprop the equivalent of a few.
# That is the lecture's "total cost of backpropagation is roughly the same as making just two
# forward passes through the network".
#
# ## Gradient checking: `gradcheck`
#
# Finite differences are too slow to train with, but they are simple and independent of the
# code they test, which makes them the reference for **checking** gradients.
# `gradcheck(f, xs)` computes both and returns `True`, or raises `GradcheckError` listing every
# input whose analytic and numeric gradients differ by more than `atol + rtol·|numeric|`.
#
# To see it fail, we declare our own primitive with the op table's `OpSpec` (the record every
# built-in op is: a forward function and the *local* derivative with respect to each operand)
# and get the derivative wrong on purpose, a classic slip for the sigmoid: $\sigma'(x) = \sigma(x)$
# instead of $\sigma(x)(1 - \sigma(x))$.


# %%
def sigma(x):
    return 1.0 / (1.0 + math.exp(-x))


bad_sigmoid = OpSpec(
    name="bad_sigmoid",
    arity=1,
    forward=sigma,
    local_grads=lambda x, out: (out,),  # WRONG: forgot the (1 - out)
)


def neuron_with(op):
    """a = op(w1·1.5 + w2·(−0.5) + b), as a function of (w1, w2, b)."""
    return lambda w1, w2, b: op(w1 * 1.5 + w2 * (-0.5) + b)


try:
    gradcheck(neuron_with(bad_sigmoid), [0.3, -0.8, 0.1])
except GradcheckError as err:
    print("GradcheckError:")
    print(err)

# %% [markdown]
# The report names each input, both numbers and the error. Note that all three inputs fail by
# the same factor: the wrong rule sits on the one node they all pass through.
#
# **Exercise 2.** Fix the derivative and run the cell: `gradcheck` must return `True`.

# %%
good_sigmoid = OpSpec(
    name="good_sigmoid",
    arity=1,
    forward=sigma,
    local_grads=lambda x, out: (out * (1.0 - out),),  # your fix
)
assert gradcheck(neuron_with(good_sigmoid), [0.3, -0.8, 0.1])
print("gradcheck passes")

# %% [markdown]
# ## Checking a whole network
#
# The same check works on anything built from `Value`s. For a network, two views:
#
# * with respect to its **inputs**: `gradcheck(lambda *x: model(list(x)), x)` tests every
#   layer's backward pass (the gradient reaches the input only through BP2, layer after layer);
# * with respect to its **parameters**, the lecture's recipe done literally: nudge one weight's
#   `.data` by $\pm h$, re-evaluate the loss, and compare with the `.grad` that `backward()` left.

# %%
model = nn.MLP(3, [4, 4, 1], activation="tanh", rng=0)
x_point = [0.4, -1.1, 0.7]
print("inputs:", gradcheck(lambda *x: model(list(x)), x_point))


def model_loss():
    return (model(x_point) - 0.5) ** 2


model.zero_grad()
model_loss().backward()
h = 1e-6
worst = 0.0
for p in model.parameters():
    saved = p.data
    p.data = saved + h
    up = model_loss().data
    p.data = saved - h
    down = model_loss().data
    p.data = saved  # put the weight back
    worst = max(worst, abs((up - down) / (2 * h) - p.grad))
print(f"parameters: {model.num_parameters()} partial derivatives")
print(f"largest |central difference − grad| = {worst:.1e}")
assert worst < 1e-8

# %% [markdown]
# Every op of `micrograd_plus` is tested this way, at many random points: notebook 11 shows how
# to property-test your own functions, ops and models with the same tools.
#
# **Take-aways**
#
# * Use central differences with $h \approx 10^{-6}$ to *check* gradients: they are simple,
#   independent of the code they test, and accurate to about $10^{-10}$.
# * `gradcheck` turns that into a test that names the wrong input.
# * Never *train* with them: $2m$ forward passes per gradient, against about two for backprop.
#
# Next: [10 a real classifier](10_classifier.ipynb).
