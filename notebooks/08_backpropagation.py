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
# # 8. Backpropagation
#
# Training needs $\partial\mathcal{L}/\partial w$ and $\partial\mathcal{L}/\partial b$ for every weight and
# bias.
# Backpropagation computes all of them with one forward pass and one backward pass. This
# notebook
#
# 1. writes the full training algorithm out once by hand (forward pass, $\delta^L$,
#    backpropagate, update, epochs), with `backward()` doing the backpropagation, and checks
#    that it is exactly what `train.fit` does;
# 2. opens `backward()`: the chain rule on a small expression graph, node by node;
# 3. derives the lecture's four equations BP1–BP4 on one neuron, then checks them **layer by
#    layer** on an `MLP(2, [3, 2, 1])`, with the $\delta$ vectors and the Hadamard product computed
#    by hand and compared number by number with what `backward()` left in the graph.
#
# Notation (the lecture's): layer $\ell = 1, \dots, L$ computes the pre-activation
# $\mathbf{z}^\ell = W^\ell \mathbf{a}^{\ell-1} + \mathbf{b}^\ell$ and the activation
# $\mathbf{a}^\ell = \sigma(\mathbf{z}^\ell)$,
# with $\mathbf{a}^0 = \mathbf{x}$; $W^\ell \in \mathbb{R}^{J\times K}$ maps the $K$ neurons of layer
# $\ell-1$ to
# the $J$ neurons of layer $\ell$, and $\delta^\ell_j := \partial\mathcal{L}/\partial z^\ell_j$.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display

from micrograd_plus import Value, data, losses, nn, optim, viz
from micrograd_plus.train import fit

plt.rcParams.update({"figure.dpi": 90, "figure.figsize": (6.4, 3.8), "axes.grid": True, "grid.alpha": 0.3})

# %% [markdown]
# ## The training algorithm, written out once
#
# The lecture's "full training of a neural network":
#
# > For each epoch: at each iteration select a batch $B$; for each sample in the batch do the
# > forward pass, compute $\delta^L$, backpropagate the error and obtain
# > $\partial\mathcal{L}_B/\partial w^\ell_{j,k}$
# > and $\partial\mathcal{L}_B/\partial b^\ell_j$; then update every parameter,
# > $w \leftarrow w - \alpha\,\partial\mathcal{L}_B/\partial w$. When all samples have been used, start a
# > new epoch.
#
# Here it is on 40 points of the two moons, with the network of this notebook,
# `MLP(2, [3, 2, 1])` with sigmoid activations, and the mean squared error on the batch,
# $\mathcal{L}_B = \frac{1}{|B|}\sum_{i\in B}(a^L(\mathbf{x}_i) - y_i)^2$. One call, `loss_B.backward()`,
# computes
# $\delta^L$ and backpropagates it (BP1–BP4, opened up below); the update is written by hand.

# %%
X_moons, y_moons = data.make_moons(n_samples=40, noise=0.1, seed=0)
alpha, batch_size, epochs = 2.0, 10, 60


def new_model():
    return nn.MLP(2, [3, 2, 1], activation="sigmoid", output_activation="sigmoid", rng=0)


by_hand = new_model()
params = by_hand.parameters()
loss_per_epoch = []
for _epoch in range(epochs):
    total = 0.0
    for start in range(0, len(X_moons), batch_size):  # one iteration per batch
        rows = X_moons[start : start + batch_size]
        targets = y_moons[start : start + batch_size]
        for p in params:  # gradients accumulate: start each iteration from 0
            p.grad = 0.0
        outputs = [by_hand(x) for x in rows]  # forward pass, sample by sample
        loss_B = losses.mse(outputs, targets)
        loss_B.backward()  # δ^L, then backpropagate: every ∂L_B/∂w and ∂L_B/∂b
        for p in params:  # gradient descent step
            p.data -= alpha * p.grad
        total += loss_B.data * len(rows)
    loss_per_epoch.append(total / len(X_moons))
print(f"{by_hand}: loss {loss_per_epoch[0]:.4f} in epoch 1 → {loss_per_epoch[-1]:.4f} in epoch {epochs}")

# %% [markdown]
# `train.fit` runs exactly this loop (with `shuffle=False` it takes the batches in the same
# order; by default it reshuffles every epoch), with `optim.SGD` making the update. Same
# initial weights, same numbers:

# %%
with_fit = new_model()
history = fit(
    with_fit,
    X_moons,
    y_moons,
    "mse",
    optim.SGD(with_fit.parameters(), lr=alpha),
    epochs=epochs,
    batch_size=batch_size,
    shuffle=False,
    progress=False,
)
difference = max(abs(p.data - q.data) for p, q in zip(by_hand.parameters(), with_fit.parameters()))
print(f"largest difference between the two models' parameters: {difference:.1e}")
assert difference < 1e-12 and abs(history.loss[-1] - loss_per_epoch[-1]) < 1e-12

fig, ax = plt.subplots()
ax.plot(range(1, epochs + 1), loss_per_epoch, "o-", ms=3, label="the loop above")
ax.plot(history.epoch, history.loss, "--", label="train.fit")
ax.set_xlabel("epoch")
ax.set_ylabel("training loss (mean over the epoch)")
ax.set_title("Hand-written training loop = fit")
ax.legend()
plt.show()

# %% [markdown]
# (Three sigmoid units learn slowly, and the loss is still falling after 60 epochs;
# notebook 10 trains real classifiers. The point here is the loop.) Everything interesting happened in
# `loss_B.backward()`. What does it compute, and how?
#
# ## `backward()` on a small graph: the chain rule, node by node
#
# Every operation records its operands, so an expression is a graph. Take four leaves and
#
# $$e = p\,q, \qquad d = e + r, \qquad \mathcal{L} = d\,s .$$
#
# `backward()` starts from $\partial\mathcal{L}/\partial\mathcal{L} = 1$ and visits the nodes from the
# output back
# (reverse topological order: a node only after every node that uses it). At each node
# $y = \mathrm{op}(x_1, \dots, x_k)$ it applies one rule, *upstream gradient times local
# derivative*:
#
# $$x_i.\mathrm{grad} \mathrel{+}= y.\mathrm{grad} \times \frac{\partial y}{\partial x_i}.$$
#
# The cell builds the graph *and* runs `backward()`, so re-running it gives the same
# numbers (see the next section for why that matters).

# %%
p, q = Value(3.0, label="p"), Value(-1.5, label="q")
r, s = Value(2.0, label="r"), Value(4.0, label="s")
e = p * q
e.label = "e"
d = e + r
d.label = "d"
L_small = d * s
L_small.label = "L"
L_small.backward()
for v in (L_small, d, e, s, r, q, p):
    print(f"dL/d{v.label} = {v.grad:+.2f}")

# %% [markdown]
# By hand: $\partial\mathcal{L}/\partial s = d = -2.5$ and $\partial\mathcal{L}/\partial d = s = 4$; the `+`
# passes
# its gradient unchanged, $\partial\mathcal{L}/\partial e = \partial\mathcal{L}/\partial r = 4$; the `*`
# hands each operand the
# upstream gradient times the *other* operand, $\partial\mathcal{L}/\partial p = 4q = -6$ and
# $\partial\mathcal{L}/\partial q = 4p = 12$. `viz.backward_steps` replays the walk one node at a time
# (without touching any `.grad`), and `viz.draw_step` draws the graph after a given number
# of steps: the node being visited is framed red, with what it sends to each operand on the
# edges; visited nodes are framed green.

# %%
for step in viz.backward_steps(L_small):
    print(step)

# %%
viz.draw_step(L_small, 2)

# %% [markdown]
# ## Gradients add up: over paths, and over calls
#
# A value used twice moves the output along both paths, so its gradient is the **sum** of
# both contributions; that is why the rule says `+=`. For $u = v\cdot v + v$, $du/dv = 2v + 1$.
# The same `+=` means that a second `backward()` without zeroing adds the gradients again:
# PyTorch does the same, and it is why every training step starts by zeroing them (the
# `p.grad = 0.0` of the loop above, `optimizer.zero_grad()` in `fit`). This cell sets the
# gradient to zero itself before each call, so running it twice prints the same numbers.

# %%
v = Value(3.0, label="v")
u = v * v + v
u.label = "u"

v.grad = 0.0
u.backward()
print(f"du/dv = {v.grad}   (2v + 1 = {2 * 3.0 + 1})")
u.backward()
print(f"after a second backward() without zeroing: {v.grad}  (twice as much)")
v.grad = 0.0
u.backward()
print(f"after zeroing and a third backward():       {v.grad}")

# %% [markdown]
# ## One neuron: BP1, BP3 and BP4
#
# A sigmoid neuron with inputs $x_1, x_2$, weights $w_1, w_2$ and bias $b$,
#
# $$z = w_1 x_1 + w_2 x_2 + b, \qquad a = \sigma(z), \qquad \mathcal{L} = \tfrac12 (y - a)^2 ,$$
#
# is a network with $L = 1$ layer and $\mathbf{a}^0 = \mathbf{x}$. The lecture's equations say
#
# * **BP1**
#   $\ \delta := \dfrac{\partial\mathcal{L}}{\partial z}
#   = \dfrac{\partial\mathcal{L}}{\partial a}\,\sigma'(z)$, with
#   $\dfrac{\partial\mathcal{L}}{\partial a} = a - y$ and $\sigma'(z) = \sigma(z)(1-\sigma(z)) = a(1-a)$;
# * **BP3** $\ \dfrac{\partial\mathcal{L}}{\partial b} = \delta$;
# * **BP4** $\ \dfrac{\partial\mathcal{L}}{\partial w_k} = a^0_k\,\delta = x_k\,\delta$.
#
# > **An aside on the slides.** For the quadratic loss
# > $\mathcal{L} = \frac{1}{2n}\sum_{i=1}^n (y_i - a^L(\mathbf{x}_i))^2$ the slide gives
# > $\partial\mathcal{L}/\partial a^L = \frac1n\sum_i (y_i - a^L(\mathbf{x}_i))$. The chain rule through
# > $(y_i - a)^2$ brings a factor $-1$: the derivative is
# > $\frac1n\sum_i (a^L(\mathbf{x}_i) - y_i)$, "prediction minus target". With the slide's sign,
# > gradient descent would walk *up* the loss. (And for $n > 1$ there is one $a^L$ per sample:
# > read it as $\partial\mathcal{L}/\partial a^L(\mathbf{x}_i) = \frac1n (a^L(\mathbf{x}_i) - y_i)$.)
#
# The engine's `neuron` computes $z$ as one fused node `Σ w·x + b`; $\delta$ is the `grad` of that node.

# %%
neuron = nn.Neuron(2, activation="sigmoid", rng=0)
x_one = [Value(1.5, label="x1"), Value(-0.5, label="x2")]
y_one = 1.0
a_one = neuron(x_one)
z_one = a_one.parents[0]  # the node σ was applied to: z = w·x + b
loss_one = 0.5 * (y_one - a_one) ** 2
loss_one.label = "L"
loss_one.backward()

delta_one = (a_one.data - y_one) * a_one.data * (1 - a_one.data)  # BP1 by hand
print(f"BP1  δ = (a − y) a (1 − a) = {delta_one:+.8f}    z.grad = {z_one.grad:+.8f}")
print(f"BP3  ∂L/∂b = δ             = {delta_one:+.8f}    b.grad = {neuron.b.grad:+.8f}")
for k, (w, x) in enumerate(zip(neuron.w, x_one), start=1):
    print(f"BP4  ∂L/∂w{k} = x{k} δ          = {x.data * delta_one:+.8f}   w{k}.grad = {w.grad:+.8f}")

# %%
viz.draw_dot(loss_one, module=neuron)

# %% [markdown]
# **Exercise 1.** Write $\partial\mathcal{L}/\partial a$ for $\mathcal{L} = \frac12(y - a)^2$ as a function
# of $a$ and $y$
# (mind the sign, see the aside). The cell compares it with the gradient `backward()` left on
# the node $a$.


# %%
def dL_da(a, y):
    return a - y  # your answer


assert abs(dL_da(a_one.data, y_one) - a_one.grad) < 1e-12, f"backward() says {a_one.grad}"
print(f"correct: ∂L/∂a = a − y = {a_one.grad:+.6f}")

# %% [markdown]
# ## A real network, layer by layer: $\delta$ vectors and BP2
#
# For more than one layer we need the fourth equation, which carries $\delta$ one layer down:
#
# $$\boldsymbol\delta^\ell = \big((W^{\ell+1})^\top \boldsymbol\delta^{\ell+1}\big) \odot
# \sigma'(\mathbf{z}^\ell) \tag{BP2}$$
#
# where $\odot$ is the **Hadamard product**, the componentwise product of two vectors of the same
# size. The lecture's example, with NumPy's `*` (which is componentwise on arrays):

# %%
print(np.array([1, 3]) * np.array([4, 7]))

# %% [markdown]
# The network is `MLP(2, [3, 2, 1])` with sigmoids everywhere: $L = 3$ layers, $W^1$ of shape
# $3\times 2$, $W^2$ of shape $2\times 3$, $W^3$ of shape $1\times 2$. Row $j$ of $W^\ell$ holds the weights
# of
# neuron $j$ of layer $\ell$ (`model.layers[ℓ-1].neurons[j].w`; the library counts layers from 0).
# We run the forward pass **layer by layer** through the library's layers, keeping each layer's
# nodes, then one `backward()` on $\mathcal{L} = \frac12(y - a^3)^2$.

# %%
mlp = nn.MLP(2, [3, 2, 1], activation="sigmoid", output_activation="sigmoid", rng=1)
x_in = [Value(0.5, label="x1"), Value(-1.0, label="x2")]
y_target = 1.0

a_nodes, z_nodes = {0: x_in}, {}
for ell, layer in enumerate(mlp.layers, start=1):
    a_nodes[ell] = layer(a_nodes[ell - 1])  # a^ℓ = σ(W^ℓ a^{ℓ−1} + b^ℓ), one Value per neuron
    z_nodes[ell] = [a.parents[0] for a in a_nodes[ell]]  # the z^ℓ_j nodes under each σ
loss_mlp = 0.5 * (y_target - a_nodes[3][0]) ** 2
loss_mlp.label = "L"
loss_mlp.backward()

W = {ell: np.array([[w.data for w in n.w] for n in layer.neurons]) for ell, layer in enumerate(mlp.layers, 1)}
b = {ell: np.array([n.b.data for n in layer.neurons]) for ell, layer in enumerate(mlp.layers, 1)}
for ell in W:
    print(f"W^{ell}: shape {W[ell].shape},  b^{ell}: shape {b[ell].shape}")

# %% [markdown]
# First the forward pass in matrix form, with NumPy, against the nodes the engine built:


# %%
def sigma(t):
    return 1 / (1 + np.exp(-t))


a = {0: np.array([x.data for x in x_in])}
z = {}
for ell in (1, 2, 3):
    z[ell] = W[ell] @ a[ell - 1] + b[ell]
    a[ell] = sigma(z[ell])
    engine_z = np.array([node.data for node in z_nodes[ell]])
    print(f"z^{ell} = {np.round(z[ell], 6)}   engine: {np.round(engine_z, 6)}")
    assert np.allclose(z[ell], engine_z, rtol=0, atol=1e-12)

# %% [markdown]
# Now the backward pass by the four equations, from the output layer down, next to the
# gradients `backward()` stored on the $z$ nodes (that is $\delta$) and on the parameters:
#
# * BP1: $\delta^3 = (a^3 - y)\,\sigma'(z^3)$;
# * BP2: $\boldsymbol\delta^2 = (W^3)^\top\boldsymbol\delta^3 \odot \sigma'(\mathbf{z}^2)$, then
#   $\boldsymbol\delta^1 = (W^2)^\top\boldsymbol\delta^2 \odot \sigma'(\mathbf{z}^1)$;
# * BP3: $\partial\mathcal{L}/\partial\mathbf{b}^\ell = \boldsymbol\delta^\ell$;
# * BP4: $\partial\mathcal{L}/\partial w^\ell_{j,k} = a^{\ell-1}_k\,\delta^\ell_j$, i.e. the matrix
#   $\boldsymbol\delta^\ell (\mathbf{a}^{\ell-1})^\top$ (an outer product).

# %%
sigma_prime = {ell: a[ell] * (1 - a[ell]) for ell in (1, 2, 3)}  # σ'(z) = σ(z)(1 − σ(z))
delta = {3: (a[3] - y_target) * sigma_prime[3]}  # BP1
for ell in (2, 1):
    delta[ell] = (W[ell + 1].T @ delta[ell + 1]) * sigma_prime[ell]  # BP2: ⊙ is NumPy's *

for ell in (3, 2, 1):
    engine_delta = np.array([node.grad for node in z_nodes[ell]])
    print(f"δ^{ell} by BP1/BP2: {np.array2string(delta[ell], precision=8)}")
    print(f"     z^{ell}.grad: {np.array2string(engine_delta, precision=8)}")
    assert np.allclose(delta[ell], engine_delta, rtol=1e-12, atol=1e-15)

# %% [markdown]
# Identical. Each line of BP2 is visible in the numbers: $(W^{\ell+1})^\top\boldsymbol\delta^{\ell+1}$ sends
# the error of layer $\ell+1$ back along the same weights that carried the signal forward, and
# $\odot\,\sigma'(\mathbf{z}^\ell)$ scales each neuron's share by the slope of its activation. A
# sigmoid's slope is at most $1/4$, so $\delta$ shrinks layer after layer here: the vanishing
# gradients of deep sigmoid networks.
#
# BP3 and BP4 give the parameter gradients from the $\delta$s:

# %%
for ell, layer in enumerate(mlp.layers, start=1):
    engine_dW = np.array([[w.grad for w in n.w] for n in layer.neurons])
    engine_db = np.array([n.b.grad for n in layer.neurons])
    bp4 = np.outer(delta[ell], a[ell - 1])
    print(f"layer {ell}: ∂L/∂W^{ell} = δ^{ell} (a^{ell - 1})ᵀ =\n{np.array2string(bp4, precision=8)}")
    assert np.allclose(bp4, engine_dW, rtol=1e-12, atol=1e-15)  # BP4
    assert np.allclose(delta[ell], engine_db, rtol=1e-12, atol=1e-15)  # BP3
print("BP3 and BP4 agree with every weight and bias gradient backward() computed")

# %% [markdown]
# ## The graph, boxed by layer
#
# `viz.draw_dot(..., module=mlp)` draws the same graph with one box per layer and, inside, one
# box per neuron: its weights and bias (yellow), the fused node `Σ w·x + b` that computes
# $z^\ell_j$ (its grad is $\delta^\ell_j$), and the $\sigma$ node with $a^\ell_j$. The inputs are blue, the
# loss red; `compact=True` writes each op inside the box of its result. The library numbers the
# boxes from 0, so "layer 0" is $\ell = 1$. The whole graph first, scaled to fit the page (open
# the picture in a new tab to zoom in): each layer's $\sigma$ outputs feed every neuron of the
# next layer, and those edges are the entries of $W^{\ell+1}$.

# %%
overview = viz.draw_dot(loss_mlp, module=mlp, compact=True)
overview.graph_attr["size"] = "12,9"  # inches: graphviz scales a larger drawing down
display(overview)

# %% [markdown]
# A close-up of the output end, with `max_nodes=12` (the nodes nearest the loss; the rest is
# collapsed into one summary node). Read BP1–BP4 off it: the $\sigma$ node's grad is
# $\partial\mathcal{L}/\partial a^3 = a^3 - y$; the `Σ w·x + b` node's grad is $\delta^3$, that times
# $\sigma'(z^3)$ (BP1); the bias has the same grad (BP3); each weight's grad is $\delta^3$ times the
# activation on its edge (BP4); and the two $\sigma$ nodes of $\ell = 2$ receive their weight times
# $\delta^3$, which is $(W^3)^\top\boldsymbol\delta^3$ before the $\odot\,\sigma'(\mathbf{z}^2)$ of BP2.

# %%
viz.draw_dot(loss_mlp, module=mlp, compact=True, max_nodes=12)

# %% [markdown]
# **Exercise 2.** Suppose the output layer had no activation ($a^3 = z^3$, a linear output as in
# regression). Then $\sigma'(z^3)$ is replaced by 1 in BP1. Compute the new $\delta^2$ from BP1 and BP2
# (reuse `W`, `a` and `sigma_prime` above: only the output changes) and compare with the
# gradient `backward()` gives for a copy of the network with `output_activation=None`.

# %%
a3_linear = z[3]  # the linear output is the pre-activation itself
delta3_linear = a3_linear - y_target  # BP1 with σ' = 1
delta2_linear = (W[3].T @ delta3_linear) * sigma_prime[2]  # your answer, by BP2

linear_out = nn.MLP(2, [3, 2, 1], activation="sigmoid", output_activation=None, rng=1)
linear_out.load_state_dict(mlp.state_dict())  # same weights
x_check = [0.5, -1.0]
hidden = linear_out.layers[1](linear_out.layers[0](x_check))
loss_check = 0.5 * (y_target - linear_out.layers[2](hidden)[0]) ** 2
loss_check.backward()
engine_delta2 = np.array([node.parents[0].grad for node in hidden])
assert np.allclose(delta2_linear, engine_delta2, rtol=1e-12), engine_delta2
print(f"correct: δ² = {delta2_linear}")

# %% [markdown]
# **Take-aways**
#
# * Training = for each epoch, for each batch: zero the gradients, forward, `backward()`
#   (which is $\delta^L$ by BP1, then BP2 layer by layer, then BP3/BP4), update.
# * `backward()` applies one rule at every node, upstream times local derivative, and adds
#   contributions up (over paths and over calls: zero the gradients first).
# * BP1–BP4 are that rule written per layer: $\delta^\ell$ is the gradient of the pre-activation
#   node $z^\ell$, and
#   $\boldsymbol\delta^\ell = (W^{\ell+1})^\top\boldsymbol\delta^{\ell+1}\odot\sigma'(\mathbf{z}^\ell)$.
# * On the slide's quadratic-loss exercise: $\partial\mathcal{L}/\partial a^L$ is prediction minus target.
#
# Next: [09 finite differences and gradient checking](09_finite_differences_gradcheck.ipynb).
