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
# # 7. The exponential moving average and momentum
#
# Plain gradient descent, $\boldsymbol\theta(k+1) = \boldsymbol\theta(k) - \alpha\,\mathbf{g}(k)$, looks
# only
# at the current gradient $\mathbf{g}(k)$ (the full gradient, or a minibatch or stochastic one).
# The lecture names two situations where that hurts:
#
# * on a **plateau** the gradient is tiny, so the steps are tiny, even after a hundred steps
#   in the same direction;
# * in a narrow valley the path is **jittery**: the gradient points mostly across the valley,
#   so GD bounces from wall to wall and creeps along the floor.
#
# Momentum steps along an *average of past gradients* instead. This notebook builds that
# average (the exponential moving average, EMA), checks that `optim.SGD(momentum=β)` is the
# lecture's heavy-ball method (and its EMA form with `dampening=β`), looks at how much each
# past gradient counts, and compares GD, heavy ball and Nesterov's lookahead on an
# ill-conditioned quadratic and on a plateau.

# %%
# %matplotlib inline
import math
import random

import matplotlib.pyplot as plt

from micrograd_plus import Value, viz
from micrograd_plus.optim import SGD

plt.rcParams.update({"figure.dpi": 90, "figure.figsize": (6.4, 3.8), "axes.grid": True, "grid.alpha": 0.3})

# %% [markdown]
# ## The exponential moving average
#
# For a noisy sequence $y(1), y(2), \dots$ the EMA is
#
# $$s(t) = \begin{cases} y(1) & t = 1, \\ \beta\, s(t-1) + (1-\beta)\, y(t) & t > 1, \end{cases}
# \qquad \beta \in [0, 1].$$
#
# Unrolled, $y(t-j)$ enters $s(t)$ with weight $(1-\beta)\beta^{j}$: the weights decay
# geometrically and the average effectively remembers about $1/(1-\beta)$ steps. Below, $y$ is a
# clean signal $\sin(t/25)$ plus Gaussian noise; `viz.plot_ema` draws $y$ and its EMA for three
# values of $\beta$, and we add the clean signal the EMA is trying to recover.

# %%
rng = random.Random(0)
ts = list(range(1, 201))
clean = [math.sin(t / 25) for t in ts]
noisy = [c + rng.gauss(0, 0.4) for c in clean]
betas = (0.1, 0.9, 0.98)

fig, ax = plt.subplots(figsize=(8, 4))
viz.plot_ema(noisy, betas=betas, ax=ax)
ax.plot(ts, clean, "k--", lw=1.5, label="clean signal sin(t/25)")
ax.legend(fontsize=8, loc="lower left")
plt.show()

for beta in betas:
    s = viz.ema(noisy, beta)
    rms = math.sqrt(sum((a - c) ** 2 for a, c in zip(s, clean)) / len(ts))
    memory = 1 / (1 - beta)
    print(
        f"β = {beta:4}: memory ≈ 1/(1 − β) = {memory:5.1f} steps,  RMS distance to the clean signal {rms:.3f}"
    )

# %% [markdown]
# A low $\beta$ forgets fast and follows the noise ($\beta = 0.1$ is barely smoother than $y$);
# a high $\beta$ is smooth but **lags**: at $\beta = 0.98$ the average remembers some 50 steps,
# so it reacts late to every turn of the signal and misses its peaks. In between,
# $\beta = 0.9$ is closest to the clean signal here. The same trade-off, noise against lag,
# comes back with momentum.
#
# **Exercise 1.** Compute by hand the EMA of $y = (1, 2, 3)$ with $\beta = 0.5$, write it
# below, and check it against `viz.ema`.

# %%
by_hand = [1.0, 1.5, 2.25]  # your answer: s(1), s(2), s(3)

assert by_hand == viz.ema([1.0, 2.0, 3.0], 0.5), viz.ema([1.0, 2.0, 3.0], 0.5)
print("correct: s(2) = 0.5·1 + 0.5·2 = 1.5, s(3) = 0.5·1.5 + 0.5·3 = 2.25")

# %% [markdown]
# ## Heavy ball: momentum as a sum of past gradients
#
# The lecture's momentum update is
#
# $$\boldsymbol\theta(k+1) = \underbrace{\boldsymbol\theta(k) - \alpha(k)\,\mathbf{g}(k)}_{\text{gradient
# step}}
#   + \underbrace{\beta(k)\big(\boldsymbol\theta(k) - \boldsymbol\theta(k-1)\big)}_{\text{momentum term}},$$
#
# with $\beta(k) = 0$ plain GD/SGD, and $\alpha(k) = \alpha$, $\beta(k) = \beta$ the **heavy-ball**
# method. `optim.SGD(params, lr=α, momentum=β)` implements it (in PyTorch's form: a buffer
# $\mathbf{b}(k) = \beta\,\mathbf{b}(k-1) + \mathbf{g}(k)$ and the step
# $\boldsymbol\theta \leftarrow \boldsymbol\theta - \alpha\,\mathbf{b}(k)$,
# which is the same sequence when the first step starts from rest,
# $\boldsymbol\theta(0) = \boldsymbol\theta(1)$).
# Let us check it on $f(\theta) = \tfrac12\theta^2 + \sin\theta$, whose gradient $\theta + \cos\theta$ we
# write by hand for the formula.


# %%
def f_1d(t):
    return 0.5 * t * t + t.sin()


alpha, beta = 0.3, 0.9
theta = Value(3.0)
opt = SGD([theta], lr=alpha, momentum=beta)
by_formula = [3.0, 3.0]  # θ(0) = θ(1): the ball starts at rest
for k in range(1, 9):
    opt.zero_grad()
    f_1d(theta).backward()  # g(k) into theta.grad
    opt.step()
    t_k, t_prev = by_formula[-1], by_formula[-2]
    g_k = t_k + math.cos(t_k)
    by_formula.append(t_k - alpha * g_k + beta * (t_k - t_prev))
    print(f"k = {k}:  SGD(momentum=0.9) {theta.data:+.12f}   lecture's formula {by_formula[-1]:+.12f}")
assert abs(theta.data - by_formula[-1]) < 1e-12

# %% [markdown]
# Unrolling the recursion from rest gives
#
# $$\boldsymbol\theta(k+1) = \boldsymbol\theta(k) - \alpha \sum_{j=1}^{k} \beta^{\,k-j}\, \mathbf{g}(j):$$
#
# every step is an exponentially weighted sum of **all** past gradients, the gradient of $j$
# steps ago weighted by $\beta^{j}$.
#
# > **An aside on the slides.** The lecture's expansion writes the sum as
# > $\sum_{j=1}^{k}\beta^{k-j}\,\mathbf{g}(k)$. With $\mathbf{g}(k)$ inside, the sum would be the
# > current gradient times $1 + \beta + \dots + \beta^{k-1}$, and the past would play no role;
# > the index of the gradient must be the summation index, $\mathbf{g}(j)$, as above.
#
# ## How much does each past gradient count?
#
# The weight of a past gradient can be read off the optimizer itself: give `SGD(momentum=β)`
# a single gradient $g(1) = 1$ followed by zeros (we write the gradient into `.grad`, as
# `backward()` would) and watch the steps $\theta(k) - \theta(k+1)$ it takes afterwards: step $k$
# holds $g(1)$ with weight $\beta^{k-1}$. The lecture's example, with $\alpha = 1$ at $k = 3$, asks
# how much of $g(3)$, $g(2)$, $g(1)$ is in the step.


# %%
def impulse_response(beta, steps=12):
    """Steps taken by SGD(lr=1, momentum=β) after one gradient g(1) = 1 and then zeros."""
    theta = Value(0.0)
    opt = SGD([theta], lr=1.0, momentum=beta)
    taken = []
    for k in range(1, steps + 1):
        theta.grad = 1.0 if k == 1 else 0.0
        before = theta.data
        opt.step()
        taken.append(before - theta.data)
    return taken  # taken[j] = weight of the gradient of j steps ago


fig, ax = plt.subplots()
for offset, beta in [(-0.2, 0.1), (0.2, 0.9)]:
    weights = impulse_response(beta)
    ax.bar([j + offset for j in range(len(weights))], weights, width=0.4, label=f"β = {beta}")
    shares = ",  ".join(f"g({3 - j}): {100 * weights[j]:.0f}%" for j in range(3))
    print(f"β = {beta}: in the step at k = 3:  {shares}")
ax.set_xlabel("age of the gradient: j steps ago")
ax.set_ylabel("weight in the current step (α = 1)")
ax.set_title("Contribution of past gradients to the heavy-ball step")
ax.legend()
plt.show()

# %% [markdown]
# With $\beta = 0.1$ old gradients are forgotten almost at once (10%, then 1%); with the usual
# $\beta = 0.9$ the gradient of two steps ago still counts for 81%, and the total weight of all
# gradients, $1 + \beta + \beta^2 + \dots = 1/(1-\beta)$, is 10: on a long stretch where the
# gradient keeps its direction, heavy ball moves up to ten times faster than GD with the
# same $\alpha$. Where the gradient flips sign from step to step, the terms cancel instead.
#
# **Exercise 2.** With $\beta = 0.9$, how many gradients (the current one included) enter the
# step with a weight of at least $1/2$? (Solve $\beta^j \ge 1/2$.) The cell checks against the
# optimizer's impulse response.

# %%
answer = 7  # your answer

weights = impulse_response(0.9, steps=30)
assert answer == sum(w >= 0.5 for w in weights), [round(w, 3) for w in weights[:10]]
print(f"correct: 0.9^6 = {0.9**6:.3f} ≥ 1/2 > 0.9^7 = {0.9**7:.3f}, so ages 0 to 6")

# %% [markdown]
# ## The EMA form: `dampening=β`
#
# The lecture first writes momentum as an EMA of the scaled gradients,
#
# $$\Delta\boldsymbol\theta(k) = \beta\,\Delta\boldsymbol\theta(k-1) + (1-\beta)\,\gamma\,\mathbf{g}(k),
#   \qquad \boldsymbol\theta(k+1) = \boldsymbol\theta(k) - \Delta\boldsymbol\theta(k),$$
#
# which is exactly `SGD(params, lr=γ, momentum=β, dampening=β)` (PyTorch's `dampening`
# multiplies the new gradient by $1 - \text{dampening}$). We check it: record the gradients
# $g(k)$ and the steps $\Delta\theta(k)$ the optimizer takes, and compare the steps with
# `viz.ema` of $\gamma\,g(k)$.

# %%
gamma, beta = 0.5, 0.8
theta = Value(3.0)
opt = SGD([theta], lr=gamma, momentum=beta, dampening=beta)
grads, steps = [], []
for _ in range(10):
    opt.zero_grad()
    f_1d(theta).backward()
    grads.append(theta.grad)
    before = theta.data
    opt.step()
    steps.append(before - theta.data)

expected = viz.ema([gamma * g for g in grads], beta)
for k in range(4):
    print(f"k = {k + 1}:  Δθ from SGD {steps[k]:+.12f}   EMA of γ g {expected[k]:+.12f}")
assert max(abs(a - b) for a, b in zip(steps, expected)) < 1e-12

# %% [markdown]
# Expanding $\Delta\boldsymbol\theta(k-1) = \boldsymbol\theta(k-1) - \boldsymbol\theta(k)$ shows that this
# is heavy ball
# again, with $\alpha = (1-\beta)\gamma$ (the lecture's "$(1-\beta)\gamma \to \alpha(k)$"), from the
# second step on; only the first step differs, $\gamma\,\mathbf{g}(1)$ instead of
# $(1-\beta)\gamma\,\mathbf{g}(1)$, because the EMA starts at $s(1) = y(1)$. The EMA form keeps the
# total weight of the past at $(1-\beta)(1 + \beta + \dots) = 1$, so $\gamma$ keeps the meaning of
# a step size when $\beta$ changes.
#
# ## Nesterov: look ahead, then step
#
# Nesterov's accelerated gradient evaluates the gradient not at $\boldsymbol\theta(k)$ but at the point
# the momentum is about to carry us to, the **lookahead**
#
# $$\tilde{\boldsymbol\theta}(k) = \boldsymbol\theta(k) + \beta\big(\boldsymbol\theta(k) -
# \boldsymbol\theta(k-1)\big),
#   \qquad \boldsymbol\theta(k+1) = \tilde{\boldsymbol\theta}(k) - \alpha\,\nabla
#   f\big(\tilde{\boldsymbol\theta}(k)\big).$$
#
# Heavy ball: gradient step, then momentum. Nesterov: momentum first, then a gradient step
# from where it lands. `SGD(..., nesterov=True)` uses PyTorch's form, whose stored parameters
# are the lookahead points $\tilde{\boldsymbol\theta}(k)$ themselves (so `backward()` computes the
# gradient at the right place). Check on the same $f$:

# %%
alpha, beta = 0.3, 0.9
theta = Value(3.0)
opt = SGD([theta], lr=alpha, momentum=beta, nesterov=True)
iterates = [3.0, 3.0]  # θ(0) = θ(1)
for k in range(1, 9):
    lookahead = iterates[-1] + beta * (iterates[-1] - iterates[-2])
    assert abs(theta.data - lookahead) < 1e-12  # the optimizer stores θ̃(k)
    iterates.append(lookahead - alpha * (lookahead + math.cos(lookahead)))
    opt.zero_grad()
    f_1d(theta).backward()
    opt.step()
    print(f"k = {k}: lookahead θ̃ = {lookahead:+.10f}   θ(k+1) = {iterates[-1]:+.10f}")

# %% [markdown]
# ## An ill-conditioned quadratic: the jittery path
#
# $f(\boldsymbol\theta) = \tfrac12(\theta_1^2 + 20\,\theta_2^2)$ has curvature 1 along $\theta_1$ and 20
# along
# $\theta_2$. GD's step multiplies the error along each axis by $1 - \alpha h$ ($h$ the
# curvature): with $\alpha = 0.095$ that is $-0.9$ along $\theta_2$ (it jumps across the valley at
# every step) and $0.905$ along $\theta_1$ (it creeps along the floor). Heavy ball with the same
# $\alpha$ and $\beta = 0.5$ shrinks the error by about $\sqrt\beta = 0.71$ per step in **both**
# directions. Nesterov needs a smaller step on the stiff axis (see below); we give it
# $\alpha = 0.05$, $\beta = 0.6$. All runs start at $(-4, 1)$, through `viz.optimizer_path`, which
# records $\boldsymbol\theta(0), \boldsymbol\theta(1), \dots$ of the real optimizer.


# %%
def compare(f, paths, title, zoom=None, **view):
    """Paths on the contours of f (and a zoom), and f(θ(k)) per iteration, one colour per method."""
    panels = 3 if zoom else 2
    fig, axes = plt.subplots(1, panels, figsize=(5.2 * panels, 4.4))
    for ax, limits in [(axes[0], view), *([(axes[1], zoom)] if zoom else [])]:
        viz.plot_optimizer_paths(
            f, paths, ax=ax, title=title if ax is axes[0] else "zoom on the start", **limits
        )
        # Paths often share their first steps: draw the earlier ones wider and paler, so a
        # path under another one shows as a band around it; the start star is hollow.
        widths = iter([5.0, 2.6, 1.2, 1.0, 1.0])
        for line in ax.get_lines():
            if line.get_label() == "θ(0)":
                line.set_markerfacecolor("none")
            elif "steps)" in line.get_label():
                line.set_linewidth(next(widths))
                if line.get_linewidth() > 4:
                    line.set_alpha(0.5)
    colors = {line.get_label().rsplit(" (", 1)[0]: line.get_color() for line in axes[0].get_lines()}
    for name, path in paths.items():
        values = [max(f(Value(a), Value(b)).data, 1e-16) for a, b in path]
        axes[-1].semilogy(values, color=colors[name], label=name)
        print(f"{name:22s} f(θ({len(path) - 1})) = {values[-1]:.2e}")
    axes[-1].set_xlabel("iteration k")
    axes[-1].set_ylabel("f(θ(k))")
    axes[-1].set_title("loss per iteration")
    axes[-1].legend(fontsize=8)
    fig.tight_layout()
    plt.show()


def ravine(t1, t2):
    return 0.5 * (t1 * t1 + 20 * t2 * t2)


ravine_methods = {
    "GD (α = 0.095)": lambda ps: SGD(ps, lr=0.095),
    "heavy ball (β = 0.5)": lambda ps: SGD(ps, lr=0.095, momentum=0.5),
    "Nesterov (α = 0.05, β = 0.6)": lambda ps: SGD(ps, lr=0.05, momentum=0.6, nesterov=True),
}
ravine_paths = {
    name: viz.optimizer_path(ravine, (-4.0, 1.0), make, 40) for name, make in ravine_methods.items()
}
compare(ravine, ravine_paths, "f = ½(θ₁² + 20 θ₂²)", xlim=(-4.5, 1.0), ylim=(-1.3, 1.3))

# %% [markdown]
# GD zig-zags across the valley all the way down. Heavy ball's first swings are as wide,
# but the sign-flipping components of the gradient cancel in its sum while the steady pull
# along $\theta_1$ adds up, so it reaches the minimum in a few turns: after 40 steps its loss is
# many orders of magnitude below GD's. Nesterov's lookahead gradient already points back
# before the momentum overshoots the valley floor: after its first step, its path runs
# straight along the floor.
#
# The braking has a price: on a stiff direction Nesterov tolerates a smaller step. For a
# quadratic with curvature $h$, heavy ball is stable for $\alpha h < 2(1+\beta)$ but Nesterov
# only for $\alpha h < 2(1+\beta)/(1+2\beta)$, less than GD's limit of 2. With $\alpha = 0.095$ and
# $\beta = 0.5$ we have $\alpha h = 1.9$: inside heavy ball's limit of 3, outside Nesterov's 1.5.

# %%
for name, make in {
    "heavy ball": lambda ps: SGD(ps, lr=0.095, momentum=0.5),
    "Nesterov": lambda ps: SGD(ps, lr=0.095, momentum=0.5, nesterov=True),
}.items():
    t1, t2 = viz.optimizer_path(ravine, (-4.0, 1.0), make, 40)[-1]
    print(f"{name:10s} α = 0.095, β = 0.5, after 40 steps: f = {ravine(Value(t1), Value(t2)).data:.3g}")

# %% [markdown]
# ## A plateau
#
# $f(\boldsymbol\theta) = 1 - \exp\!\big(-(\theta_1^2 + 4\theta_2^2)/2\big)$ is a bowl at the origin
# surrounded by a
# nearly flat plain. From $\boldsymbol\theta(0) = (3, 1)$ its gradient is below $0.01$ in norm and does not
# point at the minimum (the bowl is elliptic), so the paths curve. GD with $\alpha = 0.3$ takes
# tiny steps; heavy ball and Nesterov with $\beta = 0.9$ keep adding the small, same-direction
# gradients, and their steps grow towards $1/(1-\beta) = 10$ times GD's. The middle panel zooms
# on the start, where the dots (one per iteration) show the step lengths; where paths overlap,
# the one drawn first shows as a wider, paler band.


# %%
def plateau(t1, t2):
    return 1 - (-(t1 * t1 + 4 * t2 * t2) / 2).exp()


plateau_methods = {
    "GD (α = 0.3)": lambda ps: SGD(ps, lr=0.3),
    "heavy ball (β = 0.9)": lambda ps: SGD(ps, lr=0.3, momentum=0.9),
    "Nesterov (β = 0.9)": lambda ps: SGD(ps, lr=0.3, momentum=0.9, nesterov=True),
}
plateau_paths = {
    name: viz.optimizer_path(plateau, (3.0, 1.0), make, 80) for name, make in plateau_methods.items()
}
compare(
    plateau,
    plateau_paths,
    "f = 1 − exp(−(θ₁² + 4θ₂²)/2)",
    zoom={"xlim": (2.55, 3.05), "ylim": (0.6, 1.05)},
    xlim=(-1.5, 3.5),
    ylim=(-1.2, 1.4),
)

# %% [markdown]
# After 80 steps GD is still on the plateau (its loss has barely moved from 1): its dots in
# the zoom are closely spaced and its steps grow only slowly as the slope steepens. Both
# momentum methods leave the plateau early, along the same curve at first (the zoom shows
# their dots spreading apart as the steps grow). Then they differ: heavy ball arrives with a
# lot of speed, overshoots the minimum and swings around it several times before settling
# (momentum is also inertia), while Nesterov's lookahead sees the slope turn and brakes, and
# it is down to a much smaller loss after the same 80 steps.
#
# **Take-aways**
#
# * The EMA $s(t) = \beta s(t-1) + (1-\beta) y(t)$ trades noise (low $\beta$) against lag (high
#   $\beta$); it remembers about $1/(1-\beta)$ steps.
# * Heavy ball,
#   $\boldsymbol\theta(k+1) = \boldsymbol\theta(k) - \alpha\mathbf{g}(k) + \beta\,\Delta$ with
#   $\Delta = \boldsymbol\theta(k) - \boldsymbol\theta(k-1)$, steps along
#   $\sum_j \beta^{k-j}\mathbf{g}(j)$: consistent gradients add up (plateaus, valley floors),
#   oscillating ones cancel (less zig-zag). `SGD(lr=α, momentum=β)`; the EMA form is
#   `dampening=β`.
# * Nesterov takes the gradient at the lookahead
#   $\boldsymbol\theta(k) + \beta(\boldsymbol\theta(k) - \boldsymbol\theta(k-1))$: it
#   brakes before overshooting, at the price of a smaller stable step. `SGD(nesterov=True)`.
#
# Next: [08 backpropagation](08_backpropagation.ipynb).
