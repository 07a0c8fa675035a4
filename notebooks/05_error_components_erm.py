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
# # 5. How good is a trained network? ERM and the three error components
#
# Training is **empirical risk minimization** (ERM). What we want is a small *expected*
# loss on new data, the risk; what we can compute is the average loss on the $n$
# training samples, the empirical risk:
#
# $$\min_{\boldsymbol\theta}\ \mathcal L(\boldsymbol\theta) = \mathbb{E}_{(X,Y)}\, \ell(Y, F_{\boldsymbol\theta}(X))
# \quad\approx\quad \min_{\boldsymbol\theta}\ \mathcal L_n(\boldsymbol\theta) := \frac1n \sum_{i=1}^n \ell(y_i, F_{\boldsymbol\theta}(\mathbf x_i)) .$$
#
# The lecture then splits the error of the network we end up with into three parts. With
#
# * $u^*$ the function we are trying to model,
# * $\hat h$ the best network of the chosen architecture (minimizing the problem with
#   infinitely many data),
# * $h_n$ a perfectly trained network on the dataset (the ERM solution for our $n$ samples),
# * $\tilde h_n$ our network, trained as far as we actually trained it,
#
# $$\mathcal L(\tilde h_n) - \mathcal L(u^*) =
# \underbrace{\mathcal L(\tilde h_n) - \mathcal L(h_n)}_{\text{optimization error}}
# + \underbrace{\mathcal L(h_n) - \mathcal L(\hat h)}_{\text{statistical error}}
# + \underbrace{\mathcal L(\hat h) - \mathcal L(u^*)}_{\text{approximation error}} .$$
#
# > **An aside on the slide's letters.** It writes $\tilde h_m$ and $h_m$, with $m$ the
# > number of samples; elsewhere the lecture counts samples with $n$ and parameters with
# > $m$ ($\boldsymbol\theta \in \mathbb{R}^m$). We write $h_n$.
#
# This notebook measures each term on a toy problem where everything is known.

# %%
import math

import matplotlib.pyplot as plt

from micrograd_plus import data, nn, optim
from micrograd_plus.train import fit, predict

plt.rcParams.update({"figure.dpi": 100, "figure.figsize": (6.4, 3.6), "axes.grid": True, "grid.alpha": 0.3})

# %% [markdown]
# ## The toy problem, where the risk can be computed exactly
#
# $X$ is uniform on $[-\pi, \pi]$ and $Y = u^*(X) + \varepsilon$ with $u^* = \sin$ and
# noise $\varepsilon \sim \mathcal N(0, \sigma^2)$, $\sigma = 0.3$: that is
# `data.make_sine(noise=0.3)`. With the squared loss, the risk of any function $h$ is
#
# $$\mathcal L(h) = \mathbb E\,(Y - h(X))^2 = \sigma^2 + \mathbb E\,(h(X) - u^*(X))^2,$$
#
# so $\mathcal L(u^*) = \sigma^2$ is the floor no model can beat, and $\mathcal L(h)$ is
# an integral over $[-\pi, \pi]$ that we compute on a fine grid: no test set is needed
# for the exact risk. (A test set *estimates* it; we use one too, as one would in practice.)

# %%
SIGMA = 0.3
x_risk = [[-math.pi + 2 * math.pi * (i + 0.5) / 200] for i in range(200)]  # midpoint rule on [-π, π]


def risk(model):
    """L(h) = σ² + E (h(X) - sin X)², the expectation over X ~ U(-π, π) on a fine grid."""
    preds = predict(model, x_risk)
    return SIGMA**2 + sum((p - math.sin(x[0])) ** 2 for p, x in zip(preds, x_risk)) / len(x_risk)


def mse(model, X, y):
    """The empirical risk: mean squared error of the model on the samples (X, y)."""
    return sum((p - t) ** 2 for p, t in zip(predict(model, X), y)) / len(y)


# %% [markdown]
# ## A train/test split
#
# We draw 120 samples and split them: the first 20 for training, the other 100 held out
# for testing. (`make_sine` draws i.i.d. samples, so the first 20 are a random subset.)
# Training minimizes $\mathcal L_n$ on the 20; the test error estimates $\mathcal L$.

# %%
X_all, y_all = data.make_sine(n_samples=120, noise=SIGMA, seed=1)
X_train, y_train = X_all[:20], y_all[:20]
X_test, y_test = X_all[20:], y_all[20:]

fig, ax = plt.subplots()
x_line = [x[0] for x in x_risk]
ax.plot(x_line, [math.sin(x) for x in x_line], "k", lw=1, label="$u^*(x) = \\sin x$")
ax.scatter([x[0] for x in X_test], y_test, s=10, c="0.7", label="test (100)")
ax.scatter([x[0] for x in X_train], y_train, s=25, c="C0", label="train (20)")
ax.set_xlabel("x")
ax.set_ylabel("y")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# ## One experiment: networks of width k, followed through training
#
# For each width $k \in \{1, 2, 4, 8\}$ we train `nn.MLP(1, [k, 1], activation="tanh")` on
# the 20 training samples (Adam, learning rate 0.05, full batch, 300 epochs) and record, at
# a few epochs, the training error $\mathcal L_n$, the test error and the exact risk
# $\mathcal L$. The cells after this one only read these records.

# %%
WIDTHS = [1, 2, 4, 8]
EPOCHS = 300
RECORD_AT = {1, 2, 5, 10, 20, 50, 100, 200, 300}
runs = {}
for k in WIDTHS:
    model_k = nn.MLP(1, [k, 1], activation="tanh", rng=0)
    curve = {"epoch": [], "train": [], "test": [], "risk": []}

    def record(epoch, history, model_k=model_k, curve=curve):
        if epoch in RECORD_AT:
            curve["epoch"].append(epoch)
            curve["train"].append(mse(model_k, X_train, y_train))
            curve["test"].append(mse(model_k, X_test, y_test))
            curve["risk"].append(risk(model_k))

    opt = optim.Adam(model_k.parameters(), lr=0.05)
    fit(model_k, X_train, y_train, "mse", opt, epochs=EPOCHS, progress=False, callback=record)
    runs[k] = curve
    print(
        f"k = {k}: train {curve['train'][-1]:.3f}   test {curve['test'][-1]:.3f}   risk {curve['risk'][-1]:.3f}"
    )

# %% [markdown]
# ## Train vs test error against width

# %%
fig, ax = plt.subplots()
ax.plot(WIDTHS, [runs[k]["train"][-1] for k in WIDTHS], "o-", c="C0", label="train error $\\mathcal{L}_n$")
ax.plot(WIDTHS, [runs[k]["test"][-1] for k in WIDTHS], "s-", c="C3", label="test error (100 samples)")
ax.plot(WIDTHS, [runs[k]["risk"][-1] for k in WIDTHS], "k:", label="exact risk $\\mathcal{L}$")
ax.axhline(SIGMA**2, c="0.5", lw=1, ls="--", label="$\\sigma^2 = \\mathcal{L}(u^*)$")
ax.set_xscale("log", base=2)
ax.set_xticks(WIDTHS, [str(k) for k in WIDTHS])
ax.set_xlabel("width k")
ax.set_ylabel("mean squared error")
ax.set_title(f"after {EPOCHS} epochs on n = 20 samples")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# * The training error falls with $k$, and for wider networks it drops *below* the noise
#   floor $\sigma^2$: the network fits part of the noise of its 20 samples. No function can
#   do that on new data.
# * The test error tracks the exact risk (100 test samples are a decent estimate) and stays
#   well above $\sigma^2$. Past a few units more width stops helping: what it removes from
#   the approximation error, it gives back in statistical error.
#
# ## Train vs test error against epochs

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 3.4), sharey=True)
for ax, k in zip(axes, (1, 8)):
    run = runs[k]
    ax.semilogx(run["epoch"], run["train"], "o-", c="C0", ms=3, label="train error")
    ax.semilogx(run["epoch"], run["test"], "s-", c="C3", ms=3, label="test error")
    ax.semilogx(run["epoch"], run["risk"], "k:", label="exact risk")
    ax.axhline(SIGMA**2, c="0.5", lw=1, ls="--", label="$\\sigma^2$")
    ax.set_title(f"width k = {k}")
    ax.set_xlabel("epoch")
axes[0].set_ylabel("mean squared error")
axes[0].set_ylim(0, 0.6)
axes[1].legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# Early on, both errors are high: the network is far from any minimizer of $\mathcal L_n$,
# which is optimization error. With training, the training error keeps falling, while the
# test error levels off (or turns up) once the network starts fitting noise.
#
# ## The three errors, term by term
#
# We need two more networks per width:
#
# * $\hat h$, the best network of the architecture: its risk is what it could reach with
#   infinitely many samples. With squared loss, that is the network closest to $u^*$ in
#   the mean square, so we train it on noise-free values of $u^*$ on a dense grid.
# * $h_n$, the ERM solution: we take the network trained for the full 300 epochs (its
#   training error has stopped moving), and as $\tilde h_n$ the same network after only
#   10 epochs: a network trained too briefly.
#
# (Both stand-ins come from gradient descent, which finds *a* minimizer, not necessarily the
# best one; the numbers below are estimates of the three terms.)

# %%
X_dense = [[-math.pi + 2 * math.pi * i / 16] for i in range(17)]
y_dense = [math.sin(x[0]) for x in X_dense]  # u* itself, no noise
terms = {}
for k in WIDTHS:
    best_k = nn.MLP(1, [k, 1], activation="tanh", rng=0)
    opt_best = optim.Adam(best_k.parameters(), lr=0.05)
    fit(best_k, X_dense, y_dense, "mse", opt_best, epochs=250, progress=False)
    risk_best = risk(best_k)
    risk_erm = runs[k]["risk"][-1]
    risk_short = runs[k]["risk"][runs[k]["epoch"].index(10)]
    terms[k] = {
        "approximation": risk_best - SIGMA**2,
        "statistical": risk_erm - risk_best,
        "optimization": risk_short - risk_erm,
    }
    print(f"k = {k}: " + "   ".join(f"{name} {value:+.3f}" for name, value in terms[k].items()))

# %%
fig, ax = plt.subplots()
bottom = [SIGMA**2] * len(WIDTHS)
ax.bar(range(len(WIDTHS)), bottom, color="0.85", label="$\\mathcal{L}(u^*) = \\sigma^2$ (noise)")
colors = {"approximation": "C2", "statistical": "C1", "optimization": "C3"}
for name, color in colors.items():
    heights = [max(terms[k][name], 0.0) for k in WIDTHS]
    ax.bar(range(len(WIDTHS)), heights, bottom=bottom, color=color, label=f"{name} error")
    bottom = [b + h for b, h in zip(bottom, heights)]
ax.set_xticks(range(len(WIDTHS)), [f"k = {k}" for k in WIDTHS])
ax.set_ylabel("risk $\\mathcal{L}(\\tilde h_n)$ after 10 epochs")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# * **Approximation error** ($\mathcal L(\hat h) - \mathcal L(u^*)$): one tanh unit is an
#   S-curve and cannot follow a full sine period; it shrinks quickly with $k$ and is
#   nearly zero from $k = 4$ on. It only depends on the architecture (notebook 04).
# * **Statistical error** ($\mathcal L(h_n) - \mathcal L(\hat h)$): the price of having
#   20 noisy samples instead of the whole distribution. It depends on which 20 we drew
#   (another seed gives other numbers); on average over draws, more data shrinks it.
# * **Optimization error** ($\mathcal L(\tilde h_n) - \mathcal L(h_n)$): the price of
#   stopping after 10 epochs. More (or better) training shrinks it.
#
# ## Exercises
#
# **1.** For the squared loss, $\mathcal L(h) = \sigma^2 + \mathbb E(h(X) - u^*(X))^2$.
# What is the risk of the constant function $h = 0$ on this problem? (Hint:
# $\mathbb E \sin^2 X = 1/2$ for $X$ uniform on $[-\pi, \pi]$.)

# %%
answer_1 = SIGMA**2 + 0.5  # your answer here
zero_model = nn.MLP(1, [1, 1], rng=0)
zero_model.load_state_dict(dict.fromkeys(zero_model.state_dict(), 0.0))  # every θ = 0: h = 0
assert math.isclose(answer_1, risk(zero_model), rel_tol=1e-6), risk(zero_model)
print("correct:", answer_1)

# %% [markdown]
# **2.** More training shrinks the optimization error. From the records in `runs`, compute
# the optimization error of width 4 if we had stopped after 50 epochs instead of 10.

# %%
answer_2 = runs[4]["risk"][runs[4]["epoch"].index(50)] - runs[4]["risk"][-1]  # your answer here
assert 0.0 <= answer_2 < terms[4]["optimization"]
print(f"correct: {answer_2:.3f} after 50 epochs, against {terms[4]['optimization']:.3f} after 10")

# %% [markdown]
# **3.** A network with training error below $\sigma^2$: is its risk below $\sigma^2$ too?
# Check on the widest run (answer `True` or `False`).

# %%
answer_3 = False  # your answer here
assert runs[8]["train"][-1] < SIGMA**2
assert answer_3 == (runs[8]["risk"][-1] < SIGMA**2)
print("correct:", answer_3, "- no function has a risk below σ², whatever its training error")

# %% [markdown]
# **Take-aways**
#
# * Training minimizes the empirical risk $\mathcal L_n$; what matters is the risk
#   $\mathcal L$, estimated on held-out test data.
# * The excess risk of the network we get is approximation + statistical + optimization
#   error: fixed by the architecture, by the data, and by the training.
# * Train and test error against width and epochs show the trade-offs: a training error
#   below the noise level means the network is fitting noise.
#
# Next: [06 GD vs SGD vs minibatch](06_gd_sgd_minibatch.ipynb).
