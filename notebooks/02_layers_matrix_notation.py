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
# # 2. Layers in matrix notation
#
# Notebook 01 wrote a network neuron by neuron:
# $a^\ell_j = \varphi(\sum_k w^\ell_{j,k} a^{\ell-1}_k + b^\ell_j)$. Stack the neurons of a
# layer and the sums become one matrix-vector product. The lecture writes the output of
# layer $\ell$ as
#
# $$y_\ell = \varphi(W_\ell\, y_{\ell-1} + \mathbf b_\ell), \qquad y_0 = x,$$
#
# and the network as the composition of its layers,
# $F(x) = \varphi(W_L \varphi(W_{L-1} \cdots \varphi(W_1 x + \mathbf b_1) \cdots + \mathbf b_{L-1}) + \mathbf b_L)$.
#
# This notebook reads $W_\ell$ and $\mathbf b_\ell$ off an `nn.Layer`, checks that the matrix
# formula gives exactly what the library computes, builds $F$ as a composition, and shows
# why a network needs its nonlinearity: without $\varphi$, stacked layers collapse into one.
# (NumPy does the matrix algebra; the library does the network.)

# %%
from functools import reduce

import matplotlib.pyplot as plt
import numpy as np

from micrograd_plus import data, nn, optim, viz
from micrograd_plus.train import fit, predict

plt.rcParams.update({"figure.dpi": 100, "figure.figsize": (6.4, 3.6), "axes.grid": True, "grid.alpha": 0.3})

# %% [markdown]
# ## W_ℓ is the layer's weights, one row per neuron
#
# A layer with $K$ inputs and $J$ neurons has $J$ weight vectors of length $K$. Written as
# rows of a matrix, they are
#
# $$W_\ell = \begin{bmatrix} w^\ell_{1,1} & \cdots & w^\ell_{1,K} \\ \vdots & & \vdots \\
#   w^\ell_{J,1} & \cdots & w^\ell_{J,K} \end{bmatrix} \in \mathbb{R}^{J \times K},
# \qquad \mathbf b_\ell = (b^\ell_1, \dots, b^\ell_J) \in \mathbb{R}^J .$$
#
# Entry $(j, k)$ is the weight *into* neuron $j$ *from* input $k$: row index = output,
# column index = input, so that $W_\ell\, y_{\ell-1}$ is defined for $y_{\ell-1} \in \mathbb{R}^K$.
# In the library that entry is `neurons.{j-1}.w.{k-1}`.


# %%
def layer_matrices(layer):
    """(W, b) of an nn.Layer as NumPy arrays: W[j, k] = neurons[j].w[k]."""
    W = np.array([[w.data for w in neuron.w] for neuron in layer.neurons])
    b = np.array([neuron.b.data for neuron in layer.neurons])
    return W, b


layer = nn.Layer(3, 2, activation="tanh", rng=0)
W_layer, b_layer = layer_matrices(layer)
b_layer += [0.1, -0.2]  # nonzero biases, so that b shows in the checks below
for neuron, b_j in zip(layer.neurons, b_layer):
    neuron.b.data = float(b_j)
print(layer, "  W has shape", W_layer.shape, " b has shape", b_layer.shape)
print(W_layer.round(4))
print("W[1, 2] =", round(W_layer[1, 2], 4), "is", "neurons.1.w.2 =", round(layer.neurons[1].w[2].data, 4))

# %% [markdown]
# The matrix formula and the library agree, up to rounding:

# %%
x_layer = np.array([0.5, -1.0, 2.0])
y_matrix = np.tanh(W_layer @ x_layer + b_layer)
y_library = np.array([v.data for v in layer(list(x_layer))])
print("φ(W x + b)  =", y_matrix)
print("layer(x)    =", y_library)
assert np.allclose(y_matrix, y_library, rtol=1e-14, atol=0)

# %% [markdown]
# > **An aside on the slides.** The matrix-notation slide itself carries the note
# > "W_ℓ has wrong shape", and the universal-approximation slide has a similar slip (see
# > notebook 04). The shape that makes $W_\ell\, y_{\ell-1}$ work is
# > $W_\ell \in \mathbb{R}^{n_\ell \times n_{\ell-1}}$ (neurons of layer $\ell$ × neurons of
# > layer $\ell - 1$), the $J \times K$ of the backpropagation slides. The slide's $F(x)$
# > also numbers the layers from $W_0$, while backpropagation numbers them $\ell = 1, \dots, L$;
# > we use $1, \dots, L$ throughout. Finally, $F = y_L \circ \dots \circ y_0$ composes the
# > layer *maps* $f_\ell(y) = \varphi(W_\ell y + \mathbf b_\ell)$, whose values are the
# > $y_\ell$: $F = f_L \circ \dots \circ f_1$.
#
# A batch of inputs, one per row of a matrix $X \in \mathbb{R}^{B \times K}$, goes through
# all at once as $\varphi(X W_\ell^\top + \mathbf b_\ell)$ (row $i$ is the layer's output for
# sample $i$). That is why PyTorch's `Linear.weight` also has shape (out, in).

# %%
X_batch = np.array([[0.5, -1.0, 2.0], [1.0, 0.0, -1.0], [0.0, 0.3, 0.3]])
Y_batch = np.tanh(X_batch @ W_layer.T + b_layer)
for x_i, y_i in zip(X_batch, Y_batch):
    assert np.allclose(y_i, [v.data for v in layer(list(x_i))], rtol=1e-14, atol=0)
print(Y_batch.round(4))

# %% [markdown]
# ## The network is a composition of layers
#
# An `nn.MLP` is a list of layers. Each layer is a map $f_\ell(y) = \varphi_\ell(W_\ell\, y + \mathbf b_\ell)$,
# and the network is $F = f_L \circ \dots \circ f_2 \circ f_1$. Here the hidden layers use
# tanh and the output layer is linear ($\varphi_L(z) = z$), the usual choice for regression.
# The pictures show each $W_\ell$: its shape is $n_\ell \times n_{\ell-1}$.

# %%
mlp = nn.MLP(3, [4, 4, 2], activation="tanh", rng=1)
phis = {"tanh": np.tanh, "linear": lambda z: z}
mats = [layer_matrices(lay) for lay in mlp.layers]

fig, axes = plt.subplots(1, len(mats), figsize=(9, 2.8), gridspec_kw={"width_ratios": [3, 4, 4]})
for ell, (ax, (W, _)) in enumerate(zip(axes, mats), start=1):
    im = ax.imshow(W, cmap="RdBu", vmin=-1.2, vmax=1.2)
    ax.set_title(f"$W_{ell}$: {W.shape[0]} × {W.shape[1]}")
    ax.set_xlabel("k (input of layer)")
    ax.set_ylabel("j (neuron)" if ell == 1 else "")
    ax.set_xticks(range(W.shape[1]), range(1, W.shape[1] + 1))
    ax.set_yticks(range(W.shape[0]), range(1, W.shape[0] + 1))
    ax.grid(False)
fig.colorbar(im, ax=axes, shrink=0.8, label="weight $w^\\ell_{j,k}$")
plt.show()


# %%
def layer_map(W, b, phi):
    """f_ℓ(y) = φ(W y + b)."""
    return lambda y: phi(W @ y + b)


maps = [layer_map(W, b, phis[lay.activation]) for (W, b), lay in zip(mats, mlp.layers)]
F = reduce(lambda f, g: lambda y: g(f(y)), maps)  # F = f_3 ∘ f_2 ∘ f_1

rng_comp = np.random.default_rng(0)
for x_comp in rng_comp.normal(size=(5, 3)):
    assert np.allclose(F(x_comp), [v.data for v in mlp(list(x_comp))], rtol=1e-13, atol=1e-15)
x_comp = np.array([0.5, -1.0, 2.0])
print("F(x) by matrices :", F(x_comp))
print("mlp(x)           :", np.array([v.data for v in mlp(list(x_comp))]))

# %% [markdown]
# The two pictures of notebook 01 are the same object: entry $(j, k)$ of $W_\ell$ is the
# edge from $a^{\ell-1}_k$ to $a^\ell_j$.

# %%
viz.draw_network(nn.MLP(3, [4, 4, 2], activation="tanh", rng=1), show_weights=False)

# %% [markdown]
# ## Without φ, depth buys nothing
#
# If every $\varphi$ is the identity, each layer is affine and so is their composition:
#
# $$W_3(W_2(W_1 x + \mathbf b_1) + \mathbf b_2) + \mathbf b_3
#   = \underbrace{W_3 W_2 W_1}_{W}\, x + \underbrace{W_3 W_2 \mathbf b_1 + W_3 \mathbf b_2 + \mathbf b_3}_{\mathbf b} .$$
#
# A linear MLP of any depth and width is one affine map $x \mapsto W x + \mathbf b$, with
# $W$ of rank at most the narrowest layer. We collapse one and compare:

# %%
rng_lin = np.random.default_rng(1)
linear_mlp = nn.MLP(2, [5, 5, 1], activation="linear", rng=2)
for name, p in linear_mlp.named_parameters():
    if name.endswith(".b"):
        p.data = float(rng_lin.normal())  # nonzero biases, so that b_all is not trivially 0
W_all, b_all = np.eye(2), np.zeros(2)
for lay in linear_mlp.layers:
    W_l, b_l = layer_matrices(lay)
    W_all, b_all = W_l @ W_all, W_l @ b_all + b_l
print("collapsed: W =", W_all.round(4), " b =", b_all.round(4))
for x_lin in rng_lin.normal(size=(5, 2)):
    assert np.allclose(W_all @ x_lin + b_all, linear_mlp(list(x_lin)).data, rtol=1e-12)
print("a 2 → 5 → 5 → 1 linear MLP is the single affine map x ↦ W x + b")

# %% [markdown]
# So training a linear MLP on $y = \sin x$ can at best find the least-squares line, however
# many layers it has. A tanh MLP of the same shape bends. (Both: 24 noisy samples, Adam,
# 150 full-batch epochs.)

# %%
X_sine, y_sine = data.make_sine(n_samples=24, noise=0.05, seed=0)
grid = np.linspace(-np.pi, np.pi, 101)
fig, ax = plt.subplots()
ax.scatter([r[0] for r in X_sine], y_sine, s=10, c="k", label="data: sin x + noise")
for activation, color in [("linear", "C0"), ("tanh", "C1")]:
    model = nn.MLP(1, [6, 6, 1], activation=activation, rng=0)
    fit(model, X_sine, y_sine, "mse", optim.Adam(model.parameters(), lr=0.05), epochs=150, progress=False)
    ax.plot(grid, predict(model, [[g] for g in grid]), c=color, lw=2, label=f"{activation} MLP(1, [6, 6, 1])")
slope, intercept = np.polyfit([r[0] for r in X_sine], y_sine, 1)
ax.plot(grid, slope * grid + intercept, "k:", label="least-squares line")
ax.set_xlabel("x")
ax.set_ylabel("F(x)")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# ## Exercises
#
# **1.** What are the shapes of $W_1, W_2, W_3$ in `nn.MLP(4, [8, 3, 1])`?

# %%
answer_1 = [(8, 4), (3, 8), (1, 3)]  # your answer here
assert answer_1 == [layer_matrices(lay)[0].shape for lay in nn.MLP(4, [8, 3, 1], rng=0).layers]
print("correct:", answer_1)

# %% [markdown]
# **2.** A ReLU layer has $W = \begin{bmatrix} 1 & -1 \\ 0 & 2 \end{bmatrix}$ and
# $\mathbf b = (0.5, -1)$. Compute $y = \mathrm{relu}(W x + \mathbf b)$ for $x = (1, 2)$ by hand.

# %%
relu_layer = nn.Layer(2, 2, activation="relu", rng=0)
relu_layer.load_state_dict(
    {"neurons.0.w.0": 1.0, "neurons.0.w.1": -1.0, "neurons.0.b": 0.5}
    | {"neurons.1.w.0": 0.0, "neurons.1.w.1": 2.0, "neurons.1.b": -1.0}
)
answer_2 = [0.0, 3.0]  # your answer here
assert answer_2 == [v.data for v in relu_layer([1.0, 2.0])]
print("correct:", answer_2)

# %% [markdown]
# **3.** Two linear layers $\mathbb{R} \to \mathbb{R} \to \mathbb{R}$: $y_1 = 2x + 1$, then
# $y_2 = -3 y_1 + 4$. Which single affine map $x \mapsto W x + b$ do they collapse to?

# %%
two_linear = nn.MLP(1, [1, 1], activation="linear", rng=0)
two_linear.load_state_dict(
    {"layers.0.neurons.0.w.0": 2.0, "layers.0.neurons.0.b": 1.0}
    | {"layers.1.neurons.0.w.0": -3.0, "layers.1.neurons.0.b": 4.0}
)
answer_3 = (-6.0, 1.0)  # your answer here: (W, b)
assert all(answer_3[0] * x + answer_3[1] == two_linear([x]).data for x in (-1.0, 0.0, 2.5))
print("correct: W, b =", answer_3)

# %% [markdown]
# **Take-aways**
#
# * A layer is $y_\ell = \varphi(W_\ell\, y_{\ell-1} + \mathbf b_\ell)$ with
#   $W_\ell \in \mathbb{R}^{n_\ell \times n_{\ell-1}}$: row $j$ holds neuron $j$'s weights.
# * The network is the composition $F = f_L \circ \dots \circ f_1$ of its layer maps.
# * Without a nonlinear $\varphi$ the composition is one affine map: depth and width add
#   nothing. The activation is what makes them count; notebook 03 looks at the choices.
#
# Next: [03 Activations](03_activations.ipynb).
