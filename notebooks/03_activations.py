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
# # 3. Activation functions
#
# A neuron computes $a = \varphi(z)$ with $z = w \cdot x + b$. Notebook 02 showed that
# without a nonlinear $\varphi$ a network of any depth is one affine map: the activation is
# what makes a network more than linear regression. The lecture lists
#
# * linear $\varphi(x) = x$, rectified linear (ReLU) $\varphi(x) = \max(x, 0)$,
#   sigmoid $\varphi(x) = \frac{1}{1 + e^{-x}}$, hyperbolic tangent $\varphi(x) = \tanh x$,
# * and "ELU, GELU, SiLU, CELU, PReLU, LeakyReLU, Swish, ...".
#
# That is eleven functions. For each we draw $\varphi$ and its derivative $\varphi'$, which
# backpropagation multiplies into every $\delta^\ell$ (BP1, BP2: the factor
# $\sigma'(z^\ell)$). Both curves come from the engine: $\varphi(x)$ is the forward pass of
# `Value(x).relu()` (or `.tanh()`, ...), $\varphi'(x)$ is `x.grad` after `backward()`.

# %%
import math

import matplotlib.pyplot as plt

from micrograd_plus import Value, numerical_grad, viz

plt.rcParams.update({"figure.dpi": 100, "figure.figsize": (6.4, 3.6), "axes.grid": True, "grid.alpha": 0.3})

# %% [markdown]
# ## The eleven, with their formulas
#
# | name | $\varphi(x)$ | `Value` method (defaults as in PyTorch) |
# | --- | --- | --- |
# | linear | $x$ | (none: the identity) |
# | ReLU | $\max(x, 0)$ | `relu()` |
# | sigmoid | $\sigma(x) = 1/(1 + e^{-x})$ | `sigmoid()` |
# | tanh | $\tanh x$ | `tanh()` |
# | ELU | $x$ if $x > 0$, else $\alpha(e^x - 1)$ | `elu(alpha=1.0)` |
# | GELU | $x\,\Phi(x)$, $\Phi$ the standard normal CDF | `gelu(approximate="none")` |
# | SiLU | $x\,\sigma(x)$ | `silu()` |
# | CELU | $\max(0, x) + \min(0, \alpha(e^{x/\alpha} - 1))$ | `celu(alpha=1.0)` |
# | PReLU | $x$ if $x \ge 0$, else $a x$ with a *learnable* $a$ | `prelu(weight)` (nn starts at $a = 0.25$) |
# | LeakyReLU | $x$ if $x \ge 0$, else $a x$ with a fixed small $a$ | `leaky_relu(negative_slope=0.01)` |
# | Swish | $x\,\sigma(\beta x)$ | `swish(beta=1.0)` |
#
# In `nn`, each is a name: `nn.MLP(2, [16, 1], activation="gelu")`.

# %%
LECTURE = [
    "linear",
    "relu",
    "sigmoid",
    "tanh",
    "elu",
    "gelu",
    "silu",
    "celu",
    ("prelu", {"weight": 0.25}),
    ("leaky_relu", {"negative_slope": 0.1}),  # 0.1 rather than 0.01, so the slope is visible
    ("swish", {"beta": 2.0}),  # β = 1 is SiLU (see below)
]
gallery = viz.plot_activations(LECTURE, x_range=(-4.0, 4.0), ncols=4)
for ax in gallery.axes:
    if ax.get_visible():
        ax.set_xlabel("x", fontsize=8)
        ax.set_ylabel("φ(x), φ′(x)", fontsize=8)
gallery.tight_layout()
gallery

# %% [markdown]
# ## Saturation: where the gradient vanishes
#
# Read $\varphi'$ at a few points, again from `backward()`:

# %%
ACTS = {
    "relu": lambda v: v.relu(),
    "leaky_relu": lambda v: v.leaky_relu(),
    "elu": lambda v: v.elu(),
    "gelu": lambda v: v.gelu(),
    "silu": lambda v: v.silu(),
    "sigmoid": lambda v: v.sigmoid(),
    "tanh": lambda v: v.tanh(),
}


def derivative(phi, x):
    """φ'(x) as backpropagation computes it: the .grad of a fresh input after backward()."""
    v = Value(x)
    phi(v).backward()
    return v.grad


points = (-8.0, -4.0, 0.0, 4.0, 8.0)
print(f"{'φ':>11s}" + "".join(f"{'φ′(' + format(x, 'g') + ')':>10s}" for x in points))
for name, phi in ACTS.items():
    print(f"{name:>11s}" + "".join(f"{derivative(phi, x):10.4f}" for x in points))

# %% [markdown]
# * **sigmoid** and **tanh** *saturate*: for $|x| \gtrsim 4$ their derivative is nearly 0.
#   The sigmoid's is at most $\sigma'(0) = 1/4$ (since $\sigma' = \sigma(1 - \sigma)$).
# * **ReLU** passes the gradient unchanged ($\varphi' = 1$) where $x > 0$ and blocks it
#   ($\varphi' = 0$) where $x < 0$: a neuron whose $z$ is negative for every input never
#   learns again ("dead ReLU"). **LeakyReLU**, **PReLU** and **ELU** keep a nonzero gradient there.
# * **GELU**, **SiLU/Swish** are smooth versions of ReLU, and slightly negative for $x < 0$.
#
# Saturation compounds with depth. By BP2, $\delta^\ell = (W^{\ell+1})^\top \delta^{\ell+1} \odot \sigma'(z^\ell)$:
# every layer multiplies by one more $\sigma'$. With the sigmoid that is at most $1/4$ per
# layer. Here is a chain of $L$ sigmoids, $x \mapsto \sigma(\sigma(\cdots\sigma(x)))$, and the
# gradient backpropagation delivers to $x$:

# %%
depths = range(1, 13)
grads_chain = {}
for name in ("sigmoid", "tanh", "relu"):
    grads_chain[name] = []
    for depth in depths:
        x_chain = Value(0.5)
        out_chain = x_chain
        for _ in range(depth):
            out_chain = ACTS[name](out_chain)
        out_chain.backward()
        grads_chain[name].append(x_chain.grad)
fig, ax = plt.subplots()
for name, g in grads_chain.items():
    ax.semilogy(list(depths), g, "o-", label=name)
ax.semilogy(list(depths), [0.25**d for d in depths], "k:", label="$(1/4)^L$, the sigmoid's bound")
ax.set_xlabel("depth L of the chain")
ax.set_ylabel("d out / d x at x = 0.5")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# ## Kinks: which derivative at a corner?
#
# ReLU, LeakyReLU and PReLU have a corner at 0, and ELU has one for $\alpha \neq 1$. There
# the derivative does not exist; the engine uses PyTorch's choices
# ($\mathrm{relu}'(0) = 0$, $\mathrm{leaky\_relu}'(0) = $ the negative slope). A central
# finite difference, $(\varphi(h) - \varphi(-h)) / 2h$, instead averages the two one-sided
# slopes, so the two disagree exactly at the kink and nowhere else. (Keep this in mind for
# gradient checking, notebook 09: never check at a kink.)

# %%
for name in ("relu", "leaky_relu"):
    phi = ACTS[name]
    for x_kink in (0.0, 0.3, -0.3):
        backprop = derivative(phi, x_kink)
        (central,) = numerical_grad(lambda v, phi=phi: phi(v), [x_kink])
        print(
            f"{name:>10s} at x = {x_kink:+.1f}: backward() {backprop:.4f}, central difference {central:.4f}"
        )
        if x_kink != 0.0:
            assert math.isclose(backprop, central, rel_tol=1e-6)

# %% [markdown]
# ## Which of them are the same function
#
# The eleven are not eleven different shapes:
#
# * **SiLU = Swish with β = 1**: $x\,\sigma(\beta x)$ at $\beta = 1$ is $x\,\sigma(x)$. As
#   $\beta \to \infty$, Swish tends to ReLU.
# * **CELU = ELU at α = 1**: both are $x$ for $x > 0$ and $e^x - 1$ for $x \le 0$. For
#   $\alpha \ne 1$ they differ: CELU scales the input too ($e^{x/\alpha}$), so its slope
#   at $0^-$ is 1 and it has no kink, while ELU's slope at $0^-$ is $\alpha$.
# * **LeakyReLU and PReLU** are the same formula; PReLU's slope $a$ is a parameter that
#   training updates (in `nn`, one per neuron), LeakyReLU's is a fixed constant. ReLU is
#   slope 0, linear is slope 1.
# * **tanh is a rescaled sigmoid**: $\tanh x = 2\sigma(2x) - 1$.
#
# Checked on a grid, with the engine:

# %%
grid = [-6 + 12 * i / 400 for i in range(401)]


def max_gap(f, g):
    """max over the grid of |f(x) - g(x)|, both evaluated by the engine."""
    return max(abs(f(Value(x)).data - g(Value(x)).data) for x in grid)


same = {
    "silu vs swish(β=1)": max_gap(lambda v: v.silu(), lambda v: v.swish(beta=1.0)),
    "celu(α=1) vs elu(α=1)": max_gap(lambda v: v.celu(alpha=1.0), lambda v: v.elu(alpha=1.0)),
    "prelu(a=0.1) vs leaky_relu(0.1)": max_gap(lambda v: v.prelu(0.1), lambda v: v.leaky_relu(0.1)),
    "tanh(x) vs 2σ(2x) − 1": max_gap(lambda v: v.tanh(), lambda v: 2 * (2 * v).sigmoid() - 1),
    "celu(α=2) vs elu(α=2)": max_gap(lambda v: v.celu(alpha=2.0), lambda v: v.elu(alpha=2.0)),
    "swish(β=20) vs relu": max_gap(lambda v: v.swish(beta=20.0), lambda v: v.relu()),
}
for pair, gap in same.items():
    print(f"{pair:>32s}: max |difference| = {gap:.2e}")

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 3.4))
xs_k = [-3 + 6 * i / 300 for i in range(301)]
for alpha, style in [(1.0, "-"), (2.0, "--")]:
    for name, color in [("elu", "C0"), ("celu", "C3")]:
        ys, ds = [], []
        for x in xs_k:
            v = Value(x)
            out = getattr(v, name)(alpha=alpha)
            out.backward()
            ys.append(out.data)
            ds.append(v.grad)
        axes[0].plot(xs_k, ys, style, c=color, label=f"{name}(α={alpha:g})")
        axes[1].plot(xs_k, ds, style, c=color, label=f"{name}′(α={alpha:g})")
axes[0].set_title("φ(x): equal at α = 1, apart at α = 2")
axes[1].set_title("φ′(x): ELU(α=2) jumps at 0, CELU does not")
for ax in axes:
    ax.set_xlabel("x")
    ax.legend(fontsize=8)
axes[0].set_ylabel("φ(x)")
axes[1].set_ylabel("φ′(x)")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Exercises
#
# **1.** Compute $\sigma'(0)$ and $\tanh'(0)$ by hand (use $\sigma' = \sigma(1 - \sigma)$ and
# $\tanh' = 1 - \tanh^2$). The check asks the engine.

# %%
answer_1 = (0.25, 1.0)  # your answers here: σ'(0), tanh'(0)
assert math.isclose(answer_1[0], derivative(ACTS["sigmoid"], 0.0))
assert math.isclose(answer_1[1], derivative(ACTS["tanh"], 0.0))
print("correct:", answer_1)

# %% [markdown]
# **2.** For which $\beta$ is `swish(beta=β)` the same function as `silu()`, and for which
# $\alpha$ is `celu(alpha=α)` the same as `elu(alpha=α)`?

# %%
answer_2 = (1.0, 1.0)  # your answers here: β, α
assert max_gap(lambda v: v.swish(beta=answer_2[0]), lambda v: v.silu()) < 1e-12
assert max_gap(lambda v: v.celu(alpha=answer_2[1]), lambda v: v.elu(alpha=answer_2[1])) < 1e-12
print("correct:", answer_2)

# %% [markdown]
# **3.** By BP2, each sigmoid layer multiplies $\delta$ by at most $1/4$. How many sigmoid
# layers does it take before the factor is below $10^{-6}$? (Smallest $L$ with $4^{-L} < 10^{-6}$.)

# %%
answer_3 = 10  # your answer here
assert 0.25**answer_3 < 1e-6 <= 0.25 ** (answer_3 - 1)
print("correct:", answer_3)

# %% [markdown]
# **Take-aways**
#
# * $\varphi'$ is a factor of every $\delta^\ell$ (BP1, BP2): where it is tiny (sigmoid, tanh
#   saturated), gradients vanish, and more so with depth.
# * ReLU-like functions pass gradients unchanged where active; at the kink the engine picks
#   a subgradient, and finite differences do not agree with it there.
# * SiLU = Swish(1), CELU = ELU at α = 1, PReLU = LeakyReLU with a learnable slope,
#   tanh = a rescaled sigmoid: fewer distinct shapes than names.
#
# Next: [04 Universal approximation](04_universal_approximation.ipynb).
