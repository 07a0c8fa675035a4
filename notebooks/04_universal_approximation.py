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
# # 4. Universal approximation
#
# How good can a network be? The lecture's first answer is an existence theorem.
#
# **Theorem (one hidden layer, compact sets).** Let $\varphi$ be continuous and not a
# polynomial, and $f : \mathbb{R}^n \to \mathbb{R}^d$ continuous. For every compact
# $K \subset \mathbb{R}^n$ and every $\varepsilon > 0$ there are a width $k$ and
# $A \in \mathbb{R}^{k \times n}$, $b \in \mathbb{R}^k$, $C \in \mathbb{R}^{d \times k}$ with
#
# $$\sup_{x \in K} \| f(x) - g(x) \| \le \varepsilon, \qquad g(x) = C\,\varphi(Ax + b).$$
#
# > **An aside on the slide.** It writes $C \in \mathbb{R}^{m \times k}$, but $g(x)$ must
# > live where $f(x)$ does, in $\mathbb{R}^d$: $C$ is $d \times k$ (one row per output, one
# > column per hidden unit), just as $A$ is $k \times n$. The letter $m$ belongs to the
# > second theorem, where $f : \mathbb{R}^n \to \mathbb{R}^m$.
#
# $g$ is a one-hidden-layer network with a linear output: `nn.MLP(n, [k, d], activation=φ)`,
# with $A = W_1$, $b = \mathbf b_1$, $C = W_2$ (and an output bias $\mathbf b_2$, which the
# theorem does not need). This notebook measures the **sup error** against $k$ for a
# noise-free target, sees what training actually reaches (the *optimization error*), and
# compares depth with width for ReLU networks.

# %%
import itertools
import math

import matplotlib.pyplot as plt

from micrograd_plus import nn, optim, viz
from micrograd_plus.train import fit, predict

plt.rcParams.update({"figure.dpi": 100, "figure.figsize": (6.4, 3.6), "axes.grid": True, "grid.alpha": 0.3})

# %% [markdown]
# ## A network that approximates by construction
#
# The theorem says *some* weights exist. For ReLU and $n = d = 1$ we can write them down.
# Put $k + 1$ equally spaced knots $t_0 < t_1 < \dots < t_k$ on $K = [-\pi, \pi]$ and take
# the broken line through the points $(t_j, f(t_j))$. With slopes
# $s_j = (f(t_j) - f(t_{j-1})) / (t_j - t_{j-1})$ it is
#
# $$g(x) = f(t_0) + s_1\, \mathrm{relu}(x - t_0) + \sum_{j=1}^{k-1} (s_{j+1} - s_j)\, \mathrm{relu}(x - t_j),$$
#
# a ReLU network of width $k$: $A_j = 1$, $b_j = -t_j$, $C$ = the slope changes, output bias
# $f(t_0)$. We load these numbers into an `nn.MLP` with `load_state_dict`, and from then on
# the library evaluates it.


# %%
def target(x):
    """The function to approximate: noise-free, smooth, on K = [-π, π]."""
    return math.sin(x)


K_LO, K_HI = -math.pi, math.pi
x_sup = [[K_LO + (K_HI - K_LO) * i / 200] for i in range(201)]  # where the sup is taken


def sup_error(model):
    """max over K (201 points) of |f(x) - g(x)|, with g evaluated by the library."""
    return max(abs(target(x[0]) - g) for x, g in zip(x_sup, predict(model, x_sup)))


def interpolating_relu_net(k):
    """nn.MLP(1, [k, 1], "relu") whose output is the broken line through k + 1 knots of f."""
    knots = [K_LO + (K_HI - K_LO) * j / k for j in range(k + 1)]
    slopes = [(target(knots[j]) - target(knots[j - 1])) / (knots[j] - knots[j - 1]) for j in range(1, k + 1)]
    changes = [slopes[0]] + [slopes[j] - slopes[j - 1] for j in range(1, k)]
    state = {"layers.1.neurons.0.b": target(knots[0])}
    for j in range(k):
        state[f"layers.0.neurons.{j}.w.0"] = 1.0  # A_j
        state[f"layers.0.neurons.{j}.b"] = -knots[j]  # b_j: the unit's kink sits at t_j
        state[f"layers.1.neurons.0.w.{j}"] = changes[j]  # C_j
    model = nn.MLP(1, [k, 1], activation="relu", rng=0)
    model.load_state_dict(state)
    return model


fig, axes = plt.subplots(1, 3, figsize=(11, 3), sharey=True)
x_plot = [x[0] for x in x_sup]
for ax, k in zip(axes, (2, 4, 8)):
    built = interpolating_relu_net(k)
    ax.plot(x_plot, [target(x) for x in x_plot], "k", lw=1, label="f = sin")
    ax.plot(x_plot, predict(built, x_sup), "C2", lw=2, label="g, built")
    for neuron in built.layers[0].neurons:
        ax.axvline(-neuron.b.data, ls=":", c="gray", lw=1)  # the kinks t_j
    ax.set_title(f"k = {k} ReLU units: sup error {sup_error(built):.3f}")
    ax.set_xlabel("x")
axes[0].set_ylabel("g(x)")
axes[0].legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# Each unit adds one kink (dotted lines). As a graph it is the same network as any other
# `MLP(1, [k, 1])`, only with chosen weights:

# %%
viz.draw_network(
    interpolating_relu_net(4), title="g for k = 4: A = 1, b = -t_j on the first edges, C on the last"
)

# %% [markdown]
# ## Sup error against width
#
# For a smooth $f$ the broken line with spacing $h = 2\pi/k$ is off by at most
# $\frac{h^2}{8} \max |f''|$, so its sup error falls like $k^{-2}$: a straight line of
# slope $-2$ on a log-log plot. That is an upper bound on the **approximation error** of
# width $k$ (the best ReLU network of width $k$ can only do better).

# %%
widths_built = [2, 4, 8, 16, 32, 64]
sup_built = [sup_error(interpolating_relu_net(k)) for k in widths_built]
for k, e in zip(widths_built, sup_built):
    bound = (2 * math.pi / k) ** 2 / 8
    print(f"k = {k:3d}: sup error {e:.5f}   (h²/8 max|f''| = {bound:.5f})")
    assert e <= bound * 1.001

# %% [markdown]
# ## What training finds: the optimization error
#
# Now let gradient descent find the weights instead: `nn.MLP(1, [k, 1], "relu")` from its
# random initialisation, trained by Adam on the mean squared error over 16 noise-free
# samples of $f$, full batch. A callback records the sup error after 10, 40 and 160 epochs.
# The target has no noise and the samples cover $K$ densely, so whatever separates the
# trained curve from the built one is (almost all) **optimization error**: weights that
# exist but that training has not reached.

# %%
X_train = [[K_LO + (K_HI - K_LO) * i / 15] for i in range(16)]
y_train = [target(x[0]) for x in X_train]
widths_trained = [1, 2, 4, 8, 16]
checkpoints = (10, 40, 160)
sup_trained = {e: [] for e in checkpoints}
for k in widths_trained:
    model_k = nn.MLP(1, [k, 1], activation="relu", rng=0)

    def record(epoch, history, model_k=model_k):
        if epoch in checkpoints:
            sup_trained[epoch].append(sup_error(model_k))

    fit(
        model_k,
        X_train,
        y_train,
        "mse",
        optim.Adam(model_k.parameters(), lr=0.03),
        epochs=max(checkpoints),
        progress=False,
        callback=record,
    )

fig, ax = plt.subplots(figsize=(6.4, 4.2))
ax.loglog(widths_built, sup_built, "o-", c="C2", lw=2, label="built (broken line): approximation error bound")
ax.loglog(widths_built, [4 / k**2 for k in widths_built], "k:", lw=1, label="slope −2 (∝ $k^{-2}$)")
for e, color in zip(checkpoints, ("C3", "C1", "C0")):
    ax.loglog(widths_trained, sup_trained[e], "s--", c=color, label=f"trained, {e} epochs")
ax.set_xlabel("width k (hidden ReLU units)")
ax.set_ylabel("sup error on K")
ax.set_title("f = sin on [−π, π], noise-free")
ax.legend(fontsize=8)
plt.show()
for e in checkpoints:
    print(f"{e:3d} epochs:", "  ".join(f"k={k}: {s:.3f}" for k, s in zip(widths_trained, sup_trained[e])))

# %% [markdown]
# What to read off the plot:
#
# * The built networks follow the $k^{-2}$ line: **width buys approximation**, as the
#   theorem promises.
# * The built curve is only an upper bound on the best width-$k$ error: at small $k$ a
#   well-trained network can come close to it, or even below it.
# * But the trained curves do not follow the $k^{-2}$ line, and more epochs move them
#   down: the distance to what width $k$ allows is the **optimization error**. With
#   training that is too short the error barely improves with $k$, and past a few units a
#   wider network is even worse after the same number of steps: more weights to get right.
#   (Every unit starts with $b_j = 0$, so all kinks start at $x = 0$ and training must
#   first spread them over $K$.)
# * The theorem is about existence. It says nothing about whether gradient descent finds
#   those weights, or how long it takes; notebook 05 separates the error components.

# %% [markdown]
# ## Depth vs width with ReLU
#
# The lecture's second theorem trades width for depth.
#
# **Theorem (ReLU, arbitrary depth, minimal width).** Every $f \in L^p(\mathbb{R}^n, \mathbb{R}^m)$
# is approximated in $L^p$, to any $\varepsilon$, by a fully connected ReLU network of width
# $\max\{n + 1, m\}$, and for some $f$ no narrower network can.
#
# For $n = m = 1$ the width is 2. What does depth give at fixed width? Take the "tent"
# $T(x) = 2\,\mathrm{relu}(x) - 4\,\mathrm{relu}(x - \tfrac12)$, which maps $[0, 1]$ onto
# itself with one peak. A layer of 2 ReLU units computes it, and $L$ such layers compose
# it: $T^{\circ L} = T \circ \dots \circ T$ has $2^{L-1}$ peaks and $2^L$ linear pieces.
# A one-hidden-layer network with $k$ units has at most $k + 1$ pieces, so it needs about
# $2^L$ units for the same function: the parameter count grows **exponentially** for the
# wide network and **linearly** for the deep one.


# %%
def tent_net(depth):
    """nn.MLP(1, [2] * depth + [1], "relu") computing T∘...∘T (depth times) on [0, 1]."""
    model = nn.MLP(1, [2] * depth + [1], activation="relu", rng=0)
    state = {}
    for ell in range(depth + 1):
        prefix = f"layers.{ell}.neurons"
        weights = [1.0] if ell == 0 else [2.0, -4.0]  # layer 1 reads x, later ones read T
        biases = [0.0] if ell == depth else [0.0, -0.5]  # relu(T), relu(T - 1/2); output: T
        for j, b in enumerate(biases):
            state[f"{prefix}.{j}.b"] = b
            for i, w in enumerate(weights):
                state[f"{prefix}.{j}.w.{i}"] = w
    model.load_state_dict(state)
    return model


def linear_pieces(model, n=256):
    """The number of linear pieces of a 1-D model on [0, 1] (slopes on a dyadic grid)."""
    xs = [[i / n] for i in range(n + 1)]
    ys = predict(model, xs)
    slopes = [(ys[i + 1] - ys[i]) * n for i in range(n)]
    return 1 + sum(1 for a, b in itertools.pairwise(slopes) if abs(a - b) > 1e-6)


fig, axes = plt.subplots(1, 4, figsize=(11, 2.6), sharey=True)
x_tent = [[i / 256] for i in range(257)]
for ax, depth in zip(axes, (1, 2, 3, 5)):
    deep = tent_net(depth)
    ax.plot([x[0] for x in x_tent], predict(deep, x_tent), c="C4")
    ax.set_title(f"depth {depth}: {linear_pieces(deep)} pieces, {deep.num_parameters()} params", fontsize=9)
    ax.set_xlabel("x")
axes[0].set_ylabel("$T^{\\circ L}(x)$")
fig.tight_layout()
plt.show()

# %% [markdown]
# The same count as a function of the number of parameters. The wide network that matches
# $T^{\circ L}$ exactly is the broken line through its $2^L + 1$ corners (built as in the
# first section: width $2^L$, $3 \cdot 2^L + 1$ parameters).

# %%
depths = [1, 2, 3, 4, 5, 6]
deep_params = [tent_net(d).num_parameters() for d in depths]
deep_pieces = [linear_pieces(tent_net(d)) for d in depths]
wide_params = [nn.MLP(1, [2**d, 1], rng=0).num_parameters() for d in depths]
fig, ax = plt.subplots()
ax.plot(deep_params, deep_pieces, "o-", c="C4", label="deep: width 2, depth L")
ax.plot(wide_params, deep_pieces, "s-", c="C2", label="wide: one hidden layer of $2^L$ units")
for d, p, n in zip(depths, deep_params, deep_pieces):
    ax.annotate(f"L={d}", (p, n), textcoords="offset points", xytext=(4, -10), fontsize=8)
ax.set_xlabel("number of parameters")
ax.set_ylabel("linear pieces of $T^{\\circ L}$")
ax.set_yscale("log", base=2)
ax.set_yticks(deep_pieces, [str(n) for n in deep_pieces])
ax.minorticks_off()
ax.legend(fontsize=8)
plt.show()
assert deep_pieces == [2**d for d in depths]

# %% [markdown]
# Depth is exponentially more *expressive* per parameter, for functions like this one.
# Whether training *finds* such weights is again another matter: the same 37 parameters,
# arranged deep and narrow or shallow and wide, trained the same way on $f = \sin$:

# %%
for hidden in ([2] * 6, [12]):
    model_dw = nn.MLP(1, [*hidden, 1], activation="relu", rng=0)
    fit(
        model_dw,
        X_train,
        y_train,
        "mse",
        optim.Adam(model_dw.parameters(), lr=0.03),
        epochs=160,
        progress=False,
    )
    print(
        f"MLP(1, {[*hidden, 1]}): {model_dw.num_parameters()} parameters, sup error {sup_error(model_dw):.3f}"
    )

# %% [markdown]
# The narrow deep ReLU network trains badly from a random start: with two units per
# layer, one "dead" unit ($z < 0$ for every input, $\varphi' = 0$) blocks half of the
# signal and of the gradient of everything below it. Expressive power and trainability
# are different questions.
#
# ## Exercises
#
# **1.** With the broken-line construction, the sup error on $\sin$ is at most
# $h^2/8$ with $h = 2\pi/k$. What is the smallest width $k$ that guarantees a sup error
# below $10^{-3}$?

# %%
answer_1 = 71  # your answer here
assert (2 * math.pi / answer_1) ** 2 / 8 < 1e-3 <= (2 * math.pi / (answer_1 - 1)) ** 2 / 8
assert sup_error(interpolating_relu_net(answer_1)) < 1e-3
print("correct:", answer_1)

# %% [markdown]
# **2.** What is the minimal width the second theorem gives for $f : \mathbb{R}^3 \to \mathbb{R}^2$,
# and how many linear pieces does `tent_net(7)` have on $[0, 1]$?

# %%
answer_2 = (4, 128)  # your answers here: width, pieces
assert answer_2 == (max(3 + 1, 2), linear_pieces(tent_net(7)))
print("correct:", answer_2)

# %% [markdown]
# **3.** In the theorem, $A \in \mathbb{R}^{k \times n}$ and $C \in \mathbb{R}^{d \times k}$.
# For `nn.MLP(3, [10, 2])`, what are $(n, k, d)$, and how many entries do $A$, $b$ and $C$
# have in total?

# %%
answer_3 = ((3, 10, 2), 10 * 3 + 10 + 2 * 10)  # your answers here
model_3 = nn.MLP(3, [10, 2], rng=0)
assert answer_3[1] == model_3.num_parameters() - 2  # all parameters but the output bias b_2
assert answer_3[0] == (3, len(model_3.layers[0].neurons), len(model_3.layers[1].neurons))
print("correct:", answer_3)

# %% [markdown]
# **Take-aways**
#
# * One hidden layer is enough in principle: the sup error of the best width-$k$ ReLU
#   network on a smooth 1-D target falls at least like $k^{-2}$.
# * Training does not find the best weights in a fixed budget: the gap is the optimization
#   error, and it can grow with width when training is too short.
# * Depth is exponentially more expressive for some functions (the tent map), and width
#   $\max\{n+1, m\}$ suffices with enough depth, but deep narrow ReLU nets are hard to train.
#
# Next: [05 The three error components and ERM](05_error_components_erm.ipynb).
