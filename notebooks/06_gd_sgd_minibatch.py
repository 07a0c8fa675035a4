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
# # 6. Gradient descent, SGD and minibatches
#
# Training a network is empirical risk minimisation (ERM): given the training set
# $\{(\mathbf{x}_1, y_1), \dots, (\mathbf{x}_n, y_n)\}$, find the parameters
# $\boldsymbol\theta \in \mathbb{R}^m$ that minimise
#
# $$\mathcal{L}_n(\boldsymbol\theta) = \frac1n \sum_{i=1}^n \ell\big(y_i,
# F_{\boldsymbol\theta}(\mathbf{x}_i)\big)
#   \qquad\text{or, in the lecture's optimisation notation,}\qquad
#   f(\boldsymbol\theta) = \sum_{i=1}^n f_i(\boldsymbol\theta).$$
#
# Three ways to step, all with a learning rate $\alpha(k)$:
#
# * **gradient descent (GD)**:
#   $\ \boldsymbol\theta(k+1) = \boldsymbol\theta(k) - \alpha(k)\, \nabla f(\boldsymbol\theta(k))$, the
#   gradient over all $n$ samples;
# * **stochastic gradient descent (SGD)**: draw one index $i_k$ and use
#   $\nabla f_{i_k}(\boldsymbol\theta(k))$ alone;
# * **minibatch SGD**: average the gradient over a batch $B$ of a few samples.
#
# This notebook measures what an iteration costs, separates iterations from epochs,
# compares GD's and SGD's convergence rates on a least-squares problem, and shows what the
# learning rate and its schedule ($\alpha(k)$ constant, StepLR, cosine, $1/k$) do.
# `micrograd_plus.train.fit` runs all three methods: `batch_size=None` (GD), `1` (SGD) or $|B|$.

# %%
# %matplotlib inline
import math
import random

import matplotlib.pyplot as plt
import numpy as np

from micrograd_plus import data, losses, nn, optim
from micrograd_plus.engine import topological_order
from micrograd_plus.train import fit

plt.rcParams.update({"figure.dpi": 90, "figure.figsize": (6.4, 3.8), "axes.grid": True, "grid.alpha": 0.3})

# %% [markdown]
# ## A least-squares problem
#
# To see convergence rates we need a problem whose minimum we know exactly: linear
# regression with $n = 50$ samples of $d = 3$ features and a bias, fitted by one linear neuron
# `nn.Neuron(3, activation="linear")`, $F_{\boldsymbol\theta}(\mathbf{x}) = \mathbf{w}\cdot\mathbf{x} + b$,
# and the mean squared error
#
# $$f(\boldsymbol\theta) = \frac1n \sum_{i=1}^n \big(\mathbf{w}\cdot\mathbf{x}_i + b - y_i\big)^2 .$$
#
# It is a strongly convex quadratic, so its minimum $f^*$ has a closed form (NumPy's
# least-squares solver gives it), and its Hessian $H = \frac2n \tilde X^\top \tilde X$
# ($\tilde X$ is $X$ with a column of ones) tells us its curvature: $L = \lambda_{\max}(H)$ and
# $\mu = \lambda_{\min}(H)$.

# %%
rng = random.Random(0)
n, d = 50, 3
X = [[rng.gauss(0, s) for s in (1.0, 0.6, 0.3)] for _ in range(n)]
y = [1.5 * a - 2.0 * b + 0.5 * c + 0.3 + rng.gauss(0, 0.5) for a, b, c in X]

X_tilde = np.c_[np.array(X), np.ones(n)]
theta_star, *_ = np.linalg.lstsq(X_tilde, np.array(y), rcond=None)
f_star = float(np.mean((X_tilde @ theta_star - y) ** 2))
eigenvalues = np.linalg.eigvalsh(2 / n * X_tilde.T @ X_tilde)
mu, L = eigenvalues[0], eigenvalues[-1]
print(f"f* = {f_star:.4f}   μ = {mu:.3f}   L = {L:.3f}   condition number L/μ = {L / mu:.1f}")


def f_of(model):
    """f(θ) for the model's current parameters (w.0, w.1, w.2, b), evaluated with NumPy."""
    theta = np.array([p.data for p in model.parameters()])
    return float(np.mean((X_tilde @ theta - y) ** 2))


def run(batch_size, lr, epochs, schedule=None, seed=0, thetas=None):
    """Train a fresh linear neuron (same initial θ(0) every time); f(θ) − f* after each epoch.

    If ``thetas`` is a list, θ after each epoch is appended to it (θ(0) first).
    """
    model = nn.Neuron(d, activation="linear", rng=0)
    opt = optim.SGD(model.parameters(), lr=lr)
    gaps = [f_of(model) - f_star]  # epoch 0: θ(0)
    if thetas is not None:
        thetas.append([p.data for p in model.parameters()])

    def record(epoch, history):
        gaps.append(f_of(model) - f_star)
        if thetas is not None:
            thetas.append([p.data for p in model.parameters()])

    history = fit(
        model,
        X,
        y,
        "mse",
        opt,
        epochs=epochs,
        batch_size=batch_size,
        seed=seed,
        progress=False,
        schedule=None if schedule is None else schedule(opt),
        callback=record,
    )
    return gaps, history


# %% [markdown]
# ## What does one iteration cost?
#
# An iteration of GD evaluates $\nabla f_i$ for **every** sample; one of SGD for a single
# sample; a minibatch for $|B|$ of them. The engine makes this cost visible: the graph that
# `backward()` walks has one node per operation, so its size is the work of one
# iteration (forward and backward both visit every node once). Count the nodes of the
# batch loss for a few batch sizes:

# %%
model = nn.Neuron(d, activation="linear", rng=0)
batch_sizes = [1, 2, 5, 10, 25, 50]
nodes = []
for size in batch_sizes:
    batch_loss = losses.mse([model(row) for row in X[:size]], y[:size])
    nodes.append(len(topological_order(batch_loss)))
    print(f"|B| = {size:2d}: {nodes[-1]:4d} nodes in the graph of one iteration")

# %% [markdown]
# The count grows by the same six nodes per sample (its three inputs and its target, the
# neuron's fused $\mathbf{w}\cdot\mathbf{x}+b$ node and the residual), on top of a constant
# seven (the four parameters, and the sum of squares divided by $|B|$).
# So a GD iteration here costs about $n = 50$ times an SGD iteration. The wall clock tells
# the same story, measured below with `fit`; timings vary from machine to machine and run
# to run (and each iteration also pays a fixed cost: zeroing the gradients, the optimizer
# step), but the time per iteration grows with $|B|$ like the node count does.

# %%
per_iteration = {}
for size in batch_sizes:
    _, history = run(size, lr=0.05, epochs=4)
    per_iteration[size] = history.time[-1] / history.steps[-1]

fig, ax = plt.subplots()
ax.loglog(batch_sizes, [k / nodes[0] for k in nodes], "o-", label="graph nodes (exact)")
ax.loglog(
    batch_sizes,
    [per_iteration[s] / per_iteration[1] for s in batch_sizes],
    "s--",
    label="wall time (measured)",
)
ax.loglog(batch_sizes, batch_sizes, "k:", lw=1, label="proportional to |B|")
ax.set_xlabel("batch size |B|")
ax.set_ylabel("cost of one iteration / cost with |B| = 1")
ax.set_title("Cost per iteration grows linearly with the batch size")
ax.legend()
plt.show()
ratio = per_iteration[n] / per_iteration[1]
print(
    f"one GD iteration took {ratio:.0f}× as long as one SGD iteration ({nodes[-1] / nodes[0]:.0f}× the nodes)"
)

# %% [markdown]
# > **An aside on the slides.** The lecture's cost comparison reads "GD cost:
# > $m\log(1/\epsilon)$ (each iteration costs $m$)". With $m$ the number of parameters and
# > $n$ the number of samples, one GD iteration evaluates $n$ sample gradients, each costing
# > $O(m)$, and SGD's evaluates one: what separates them is $n$, not $m$. Read the slide as
# > "GD cost $n\log(1/\epsilon)$ (each iteration costs $n$ sample gradients); SGD cost
# > $1/\epsilon$, independent of $n$; in the big-data regime $n\log(1/\epsilon) \gg 1/\epsilon$."
# > The lecture's exercise says the same for
# > $f(\boldsymbol\theta) = \frac12\|X\boldsymbol\theta - \mathbf{y}\|^2$:
# > $\nabla f = X^\top(X\boldsymbol\theta - \mathbf{y})$ takes about $2nm$ multiplications,
# > one sample's gradient $\mathbf{x}_i(\mathbf{x}_i^\top\boldsymbol\theta - y_i)$ about $2m$.
#
# ## Iterations and epochs
#
# * an **iteration** is one update of the parameters, $\boldsymbol\theta(k) \to \boldsymbol\theta(k+1)$;
# * an **epoch** is one full pass over the data.
#
# GD makes one iteration per epoch; minibatch SGD $\lceil n/|B| \rceil$ (the last batch may be
# smaller); SGD $n$. All three evaluate $n$ sample gradients per epoch, so an epoch costs about
# the same for each: epochs are the fair clock. `fit`'s `History` records both
# (`history.epoch`, `history.steps`).

# %%
for name, size in [("GD", None), ("minibatch |B| = 16", 16), ("SGD", 1)]:
    _, history = run(size, lr=0.05, epochs=3)
    print(f"{name:20s} iterations after each of 3 epochs: {history.steps}")

# %% [markdown]
# **Exercise 1.** With $n = 50$ and $|B| = 16$, how many iterations does one epoch take, and
# how many after 10 epochs? Replace the two numbers below by your answer, then run the cell:
# it checks against `fit`.

# %%
iterations_per_epoch = 4  # your answer
iterations_after_10_epochs = 40  # your answer

_, history = run(16, lr=0.05, epochs=10)
assert history.steps[0] == iterations_per_epoch, f"fit made {history.steps[0]} per epoch"
assert history.steps[-1] == iterations_after_10_epochs
print("correct: ⌈50 / 16⌉ = 4 batches of 16, 16, 16 and 2 samples")

# %% [markdown]
# ## Convergence: GD is linear, SGD sublinear
#
# The lecture's results, for a strongly convex $f$:
#
# * GD with a constant step $\alpha \le 1/L$ converges **linearly**,
#   $f(\boldsymbol\theta(k)) - f^* \le O(\rho^k)$ with $\rho \in (0, 1)$: on a log scale the gap
#   is a straight line, and $\epsilon$ accuracy takes $O(\log(1/\epsilon))$ iterations;
# * SGD with $\alpha(k) = O(1/k)$ converges **sublinearly in expectation**,
#   $\mathbb{E}[f(\boldsymbol\theta(k)) - f^*] = O(1/k)$: a straight line of slope $-1$ on a log-log plot.
#
# GD runs through `fit` with $\alpha = 1/L$. SGD is written exactly as the lecture defines it:
# at every iteration draw $i_k$ uniformly from $\{1, \dots, n\}$ (with replacement) and step on
# $f_{i_k}$ alone, with $\alpha(k) = \alpha(0) / (1 + 0.02\,k)$: `optim.InverseTimeLR`, stepped
# here after every iteration. Both start from the same $\boldsymbol\theta(0)$; we record
# $f - f^*$ every $n$ iterations of SGD (the same work as one GD iteration), and average SGD over
# 5 seeds, since the theorem is about the expectation.


# %%
def lecture_sgd(epochs, lr, decay, seed):
    """SGD with i_k drawn uniformly at each iteration; f(θ) − f* every n iterations."""
    draw = random.Random(seed)
    model = nn.Neuron(d, activation="linear", rng=0)
    opt = optim.SGD(model.parameters(), lr=lr)
    schedule = optim.InverseTimeLR(opt, decay=decay)
    gaps = [f_of(model) - f_star]
    for k in range(1, epochs * n + 1):
        i = draw.randrange(n)
        opt.zero_grad()
        losses.mse([model(X[i])], [y[i]]).backward()
        opt.step()
        schedule.step()  # α(k) = α(0) / (1 + decay · k)
        if k % n == 0:
            gaps.append(f_of(model) - f_star)
    return gaps


epochs = 80
gd_gaps, _ = run(None, lr=1 / L, epochs=epochs)
sgd_runs = [lecture_sgd(epochs, lr=0.5 / L, decay=0.02, seed=s) for s in range(5)]
sgd_gaps = np.mean(sgd_runs, axis=0)

ks = np.arange(1, epochs + 1) * n  # SGD iterations
slope = np.polyfit(np.log(ks[9:]), np.log(sgd_gaps[10:]), 1)[0]
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8))
left.semilogy(range(epochs + 1), gd_gaps, label="GD, α = 1/L")
left.semilogy(range(epochs + 1), sgd_gaps, label="SGD, α(k) = (0.5/L) / (1 + 0.02 k)")
left.set_xlabel("epochs of work (n sample gradients each)")
left.set_ylabel("f(θ) − f*")
left.set_title("log scale: GD is a straight line (linear rate)")
left.legend()
right.loglog(ks, sgd_gaps[1:], color="C1", label=f"SGD (fitted slope {slope:.2f})")
right.loglog(ks, sgd_gaps[40] * ks[39] / ks, "k:", lw=1, label="slope −1: O(1/k)")
right.set_xlabel("SGD iteration k")
right.set_ylabel("f(θ(k)) − f*")
right.set_title("log-log scale: SGD's gap falls like 1/k")
right.legend()
fig.tight_layout()
plt.show()
print(f"after 1 epoch of work:   GD {gd_gaps[1]:.1e}   SGD {sgd_gaps[1]:.1e}")
print(f"after {epochs} epochs of work: GD {gd_gaps[-1]:.1e}   SGD {sgd_gaps[-1]:.1e}")

# %% [markdown]
# For the same work, SGD is ahead at first: its $n$ cheap, noisy steps beat GD's single
# exact one. But GD's error shrinks by a constant factor per iteration, while SGD's only like
# $1/k$: ask for enough accuracy and GD wins. With $n$ in the millions and a modest accuracy,
# the first regime is the one that matters, which is why networks are trained with SGD and
# minibatches.
#
# Two remarks. The $1/k$ rate needs the constant in $\alpha(k) = c/k$ to be large enough
# (here $c = \alpha(0)/0.02$; $c > 1/(2\mu)$ suffices on a quadratic): try `decay=0.5` and the
# fitted slope drops well below 1 in magnitude. And `fit` does not draw with replacement: it
# reshuffles the samples once per epoch and visits each once, the usual practice, which on
# problems like this one converges even faster than the theorem for independent draws.
#
# The left panel's slope is a number we can check: GD with $\alpha = 1/L$ on a quadratic
# shrinks the error along the flattest direction by exactly $1 - \mu/L$ per step, so the gap
# (a square) by $(1 - \mu/L)^2$.

# %%
rate = (gd_gaps[70] / gd_gaps[40]) ** (1 / 30)
print(f"measured gap ratio per iteration {rate:.4f}   predicted (1 − μ/L)² = {(1 - mu / L) ** 2:.4f}")

# %% [markdown]
# ## Choosing the learning rate
#
# On a quadratic, GD's behaviour is set by $\alpha L$: every step multiplies the error along the
# steepest direction by $1 - \alpha L$. So
#
# * $\alpha$ **too small** ($\alpha L \ll 1$): every step is safe and tiny: slow;
# * $\alpha L$ between 1 and 2: the steps overshoot along the steep direction and the iterates
#   oscillate from side to side, but the oscillation shrinks;
# * $\alpha$ **too large** ($\alpha L > 2$): the overshoot grows at every step and GD diverges.

# %%
steep = np.linalg.eigh(2 / n * X_tilde.T @ X_tilde)[1][:, -1]  # eigenvector of λ = L
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8))
for factor in (0.05, 1.0, 1.9, 2.05):
    thetas = []
    gaps, _ = run(None, lr=factor / L, epochs=40, thetas=thetas)
    left.semilogy(gaps, label=f"α = {factor} / L")
    along = (np.array(thetas) - theta_star) @ steep
    right.plot(along[:25], ".-", label=f"α = {factor} / L")
left.set_xlabel("iteration k (= epoch for GD)")
left.set_ylabel("f(θ(k)) − f*")
left.set_title("GD: learning rate too small, good, oscillating, too large")
left.legend()
right.set_xlabel("iteration k")
right.set_ylabel("(θ(k) − θ*) along the steepest direction")
right.set_title("the steep direction: 1 − αL per step")
right.set_ylim(-1.5, 1.5)
fig.tight_layout()
plt.show()

# %% [markdown]
# $\alpha = 0.05/L$ crawls. $\alpha = 1/L$ kills the steepest direction in one step (right panel:
# $1 - \alpha L = 0$) and then converges at the pace of the flat one. $\alpha = 1.9/L$ oscillates:
# along the steep direction $\boldsymbol\theta(k)$ jumps to the other side of the minimum at every
# step and that error shrinks only by a factor $|1 - 1.9| = 0.9$; the larger step still helps
# the flat directions, so on this problem it has caught up with $1/L$ after 40 steps. At
# $\alpha = 2.05/L$ the
# oscillation grows by $1.05$ per step: the gap first dips (the flat directions still improve)
# and then GD diverges. For a network we do not know $L$, so the learning rate is tuned by
# trying a few values on a log scale.
#
# **Exercise 2.** GD on this problem is stable for $\alpha < 2/L$. Write down the largest
# stable learning rate as a number (to 3 digits), then run the cell: it checks your number,
# and that GD converges just below it and diverges just above it.

# %%
largest_stable_lr = 2 / L  # your answer: a number, e.g. 0.xyz

assert abs(largest_stable_lr - 2 / L) < 1e-3 * (2 / L), f"2/L = {2 / L:.4f}"
below, _ = run(None, lr=0.98 * largest_stable_lr, epochs=150)
above, _ = run(None, lr=1.02 * largest_stable_lr, epochs=150)
assert below[-1] < below[0] and above[-1] > above[0]
print(f"α = 0.98 · 2/L: gap {below[0]:.2g} → {below[-1]:.2g}")
print(f"α = 1.02 · 2/L: gap {above[0]:.2g} → {above[-1]:.2g}")

# %% [markdown]
# ## Why SGD needs a decaying step
#
# At the minimum the **average** gradient is zero,
# $\nabla f(\boldsymbol\theta^*) = \frac1n\sum_i \nabla f_i(\boldsymbol\theta^*) = 0$,
# but a single sample's gradient is not: the samples disagree, that is what the noise in
# $y$ means. So with a constant $\alpha$, SGD standing exactly at $\boldsymbol\theta^*$ is kicked away
# by the next sample, by a step of size $\alpha\|\nabla f_{i_k}(\boldsymbol\theta^*)\|$. We check it with
# the
# engine: put $\boldsymbol\theta^*$ into a neuron and backpropagate the full loss and single samples.

# %%
at_min = nn.Neuron(d, activation="linear", rng=0)
for p, value in zip(at_min.parameters(), theta_star):  # parameters: w.0, w.1, w.2, b
    p.data = float(value)


def grad_norm(rows, targets):
    at_min.zero_grad()
    losses.mse([at_min(r) for r in rows], targets).backward()
    return math.sqrt(sum(p.grad**2 for p in at_min.parameters()))


print(f"‖∇f(θ*)‖ over all n samples: {grad_norm(X, y):.1e}")
single = [grad_norm([X[i]], [y[i]]) for i in range(n)]
print(f"‖∇f_i(θ*)‖ for single samples: mean {sum(single) / n:.2f}, max {max(single):.2f}")

# %% [markdown]
# The iterates therefore never settle: they wander in a "noise ball" around $\boldsymbol\theta^*$ whose
# size is proportional to $\alpha$. Shrinking $\alpha(k)$ shrinks the ball. The lecture: SGD "in
# general needs $\lim_{k\to\infty}\alpha(k) = 0$ to converge". The classic conditions are
# $\sum_k \alpha(k) = \infty$ (travel any distance) and $\sum_k \alpha(k)^2 < \infty$ (the noise adds up
# to a finite amount): $\alpha(k) = \alpha(0)/(1 + c\,k)$ satisfies both.
#
# ## Schedules
#
# `micrograd_plus.optim` has PyTorch's schedules, each stepped once per epoch and writing
# `optimizer.lr`:
#
# * `StepLR(opt, step_size, gamma)`: multiply by $\gamma$ every `step_size` epochs;
# * `CosineAnnealingLR(opt, T_max)`: $\alpha(k) = \frac12\alpha(0)\,(1 + \cos(\pi k / T_{\max}))$, from
#   $\alpha(0)$ to 0;
# * `InverseTimeLR(opt, decay)`: $\alpha(k) = \alpha(0) / (1 + \text{decay}\cdot k)$, the $O(1/k)$ decay of
#   the theorem.
#
# Their learning rates, read off the schedule objects themselves:

# %%
epochs = 60
schedules = {
    "constant": None,
    "StepLR(step_size=15, γ=0.3)": lambda o: optim.StepLR(o, step_size=15, gamma=0.3),
    "CosineAnnealingLR(T_max=60)": lambda o: optim.CosineAnnealingLR(o, T_max=epochs),
    "InverseTimeLR(decay=1)": lambda o: optim.InverseTimeLR(o, decay=1.0),
}
alpha0 = 0.5 / L
fig, ax = plt.subplots()
for name, make in schedules.items():
    opt = optim.SGD([nn.Neuron(1).b], lr=alpha0)
    schedule = None if make is None else make(opt)
    lrs = []
    for _ in range(epochs):
        lrs.append(opt.lr)
        if schedule is not None:
            schedule.step()
    ax.plot(lrs, label=name)
ax.set_xlabel("epoch")
ax.set_ylabel("learning rate α")
ax.set_yscale("log")
ax.set_title("Four schedules from the same α(0) = 0.5/L")
ax.legend()
plt.show()

# %% [markdown]
# And what they do to SGD ($|B| = 1$) on our least-squares problem:

# %%
fig, ax = plt.subplots()
finals = {}
for name, make in schedules.items():
    gaps, _ = run(1, lr=alpha0, epochs=epochs, schedule=make)
    finals[name] = gaps[-1]
    ax.semilogy(gaps, label=name)
ax.set_xlabel("epoch")
ax.set_ylabel("f(θ) − f*")
ax.set_title("SGD (|B| = 1) with four learning-rate schedules")
ax.legend(fontsize=8)
plt.show()
for name, gap in finals.items():
    print(f"{name:30s} f − f* after {epochs} epochs: {gap:.1e}")

# %% [markdown]
# With a constant step the gap stops improving after a few epochs and jitters at the noise
# floor. StepLR lowers the floor by a step every 15 epochs; the cosine schedule brings
# $\alpha$ to zero at the end, so it ends low; the $1/k$ schedule keeps going down, as the theorem
# promises. StepLR and cosine are the common choices in practice (they need a training
# length fixed in advance); $1/k$ is the one with the convergence guarantee.
#
# ## The same on a network
#
# None of this needs a convex problem to show. An `MLP(2, [8, 8, 1])` on the two moons
# (hinge loss), trained three ways from the same initial weights for 12 epochs:

# %%
Xm, ym = data.make_moons(n_samples=100, noise=0.1, seed=0)
runs = {}
for name, size, lr in [("GD", None, 0.5), ("minibatch |B| = 10", 10, 0.2), ("SGD", 1, 0.02)]:
    net = nn.MLP(2, [8, 8, 1], activation="relu", rng=0)
    runs[name] = fit(
        net, Xm, ym, "hinge", optim.SGD(net.parameters(), lr=lr), epochs=12, batch_size=size, progress=False
    )

fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.6), sharey=True)
for name, h in runs.items():
    left.plot(h.epoch, h.loss, label=name)
    right.plot(h.steps, h.loss, label=name)
left.set_xlabel("epoch")
left.set_ylabel("training loss (mean over the epoch)")
right.set_xlabel("iteration k")
right.set_xscale("log")
left.legend()
fig.tight_layout()
plt.show()
time_per_epoch = {name: h.time[-1] / len(h) for name, h in runs.items()}
for name, t in time_per_epoch.items():
    relative = t / time_per_epoch["GD"]
    print(f"{name:20s} iterations {runs[name].steps[-1]:5d}   time per epoch / GD's: {relative:.1f}")

# %% [markdown]
# Per epoch (left), SGD and minibatches make more progress than GD, since they update the
# parameters 100 and 10 times per pass instead of once. Per iteration (right), GD's steps
# are the better ones, but each of them costs a whole epoch. The time per epoch (ratios
# printed above) is of the same order for the three, since each epoch runs the same $n$
# forward and backward passes; the details (SGD pays the optimizer step $n$ times per epoch,
# GD builds one large graph) depend on the machine and the implementation. On a GPU a batch
# is one matrix product, and there minibatches are much cheaper per sample than single
# samples: the reason minibatches, not single samples, are the default.
#
# **Take-aways**
#
# * One iteration costs $|B|$ sample gradients: $n$ for GD, 1 for SGD. One epoch costs $n$ for all.
# * GD converges linearly on strongly convex problems; SGD with $\alpha(k) = O(1/k)$ sublinearly,
#   $O(1/k)$ in expectation, but each of its iterations is $n$ times cheaper.
# * GD is stable only for $\alpha < 2/L$; near that limit it oscillates.
# * With a constant step, SGD hovers in a noise ball around the minimum; a decaying schedule
#   (StepLR, cosine, $1/k$) brings it down.
#
# Next: [07 EMA and momentum](07_ema_momentum.ipynb).
