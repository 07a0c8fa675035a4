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
# # 1. A neuron, and a network as a weighted directed graph
#
# The lecture opens with two pictures of an artificial neural network (ANN):
#
# * **a weighted directed graph**: the nodes are neurons, each edge carries a signal (a real
#   number) from one neuron to the next, scaled by the edge's *weight*;
# * **a parametric model**: the network is a function $F_{\boldsymbol\theta}(x)$ and all
#   its weights and biases, flattened into one vector
#   $\boldsymbol\theta = (w_{1,1}, w_{1,2}, \dots, b_1, \dots)$, are what training adjusts.
#
# This notebook builds both pictures with `micrograd_plus`: one neuron, then a small
# multi-layer network, its parameter vector $\boldsymbol\theta$, its forward pass, and the
# two graphs that describe it (the neuron-level graph of the lecture, and the finer graph of
# operations that backpropagation walks).

# %%
import math

import matplotlib.pyplot as plt

from micrograd_plus import Value, nn, viz
from micrograd_plus.engine import topological_order

plt.rcParams.update({"figure.dpi": 100, "figure.figsize": (6.4, 3.6), "axes.grid": True, "grid.alpha": 0.3})

# %% [markdown]
# ## One neuron
#
# A neuron receives signals $x_1, \dots, x_K$, weighs them, adds a bias and applies a
# nonlinear *activation function* $\varphi$:
#
# $$a = \varphi\Big(\sum_{k=1}^K w_k x_k + b\Big) = \varphi(z), \qquad z = w \cdot x + b .$$
#
# `nn.Neuron(2, activation="tanh", rng=0)` is such a neuron with $K = 2$ inputs; `rng=0`
# seeds its random initial weights, so this notebook prints the same numbers every time.

# %%
neuron = nn.Neuron(2, activation="tanh", rng=0)
print(neuron)
for name, p in neuron.named_parameters():
    print(f"{name:>4s} = {p.data:+.4f}")

# %% [markdown]
# The neuron computes exactly the formula above. Here it is once by hand, with plain Python
# floats, and once by the library:

# %%
x_one = [1.5, -0.5]
w_one = [p.data for p in neuron.w]
z_hand = sum(w_k * x_k for w_k, x_k in zip(w_one, x_one)) + neuron.b.data
a_hand = math.tanh(z_hand)
a_lib = neuron(x_one)
print(f"by hand: z = {z_hand:.6f}, a = tanh(z) = {a_hand:.6f}")
print(f"library: a = {a_lib.data:.6f}")
assert math.isclose(a_hand, a_lib.data, rel_tol=1e-12)

# %% [markdown]
# What the library returns is a `Value`: the number together with the record of how it was
# computed. `viz.draw_dot` draws that record, the **computation graph**. Yellow records are
# parameters (part of $\boldsymbol\theta$), blue ones the inputs, red the output; each
# ellipse is one operation. The pre-activation $z = w \cdot x + b$ is a single node
# ($\Sigma\, w\cdot x + b$), followed by $\tanh$. `module=neuron` names the parameters and
# draws the neuron's box.

# %%
x1_one, x2_one = Value(1.5, label="x1"), Value(-0.5, label="x2")
a_graph = neuron([x1_one, x2_one])
viz.draw_dot(a_graph, module=neuron, show_grad=False)

# %% [markdown]
# ## A network: neurons wired layer after layer
#
# Put several neurons side by side on the same inputs and you get a **layer**; feed one
# layer's outputs into the next and you get a **feedforward, fully connected network**,
# the only architecture of this lecture. `nn.MLP(2, [3, 2, 1])` has 2 inputs, two hidden
# layers of 3 and 2 tanh neurons and one linear output neuron.
#
# `viz.draw_network` draws it as the lecture does, as a weighted directed graph: one node
# per input $x_k$ and per neuron $a^\ell_j$ (neuron $j$ of layer $\ell$, with its bias
# $b^\ell_j$), one edge per weight $w^\ell_{j,k}$ from $a^{\ell-1}_k$ to $a^\ell_j$; blue
# edges are positive weights, red ones negative, thicker ones larger $|w|$.

# %%
net = nn.MLP(2, [3, 2, 1], activation="tanh", rng=1)
print(net)
viz.draw_network(net)

# %% [markdown]
# Every number of the picture is a parameter: 14 weights on the edges and 6 biases in the
# neurons. (The biases all start at 0; training moves them.) In the library's names, layer
# $\ell$ is `layers.{ℓ-1}`, and the weight $w^\ell_{j,k}$ is
# `layers.{ℓ-1}.neurons.{j-1}.w.{k-1}` (Python counts from 0, the lecture from 1).

# %% [markdown]
# ## The network is a parametric model: θ
#
# `named_parameters()` lists $\boldsymbol\theta$ flat, in a fixed order: neuron by neuron,
# each neuron's weights then its bias. This is the vector $\boldsymbol\theta \in \mathbb{R}^m$
# of the lecture, and the order every optimizer and `state_dict()` use.


# %%
def lecture_name(name):
    """'layers.1.neurons.0.w.2' -> 'w^2_{1,3}' (1-based, as on the slides)."""
    parts = name.split(".")
    ell, j = int(parts[1]) + 1, int(parts[3]) + 1
    return f"w^{ell}_{{{j},{int(parts[5]) + 1}}}" if parts[4] == "w" else f"b^{ell}_{j}"


theta_net = net.named_parameters()
for name, p in theta_net:
    print(f"{name:<22s} {lecture_name(name):<10s} {p.data:+.4f}")
print("m =", net.num_parameters(), "parameters")

# %% [markdown]
# A layer with $K$ inputs and $J$ neurons has $J K$ weights and $J$ biases, so with layer
# sizes $n_0 = 2, n_1 = 3, n_2 = 2, n_3 = 1$
#
# $$m = \sum_{\ell=1}^{L} (n_{\ell-1} + 1)\, n_\ell = 3 \cdot 3 + 4 \cdot 2 + 3 \cdot 1 = 20 .$$
#
# *A remark on the slide's notation:* it writes
# $\boldsymbol\theta = (w_{1,1}, w_{1,2}, \dots, b_1, \dots, w_{9,1}, w_{9,2}, \dots, b_{15})$,
# numbering the weights and biases through the whole network. Here, as in the
# backpropagation part of the lecture, the layer index is a superscript: $w^\ell_{j,k}$.
#
# "Parametric" means: the architecture is fixed, $\boldsymbol\theta$ decides the function.
# Change one weight and the same input gives another output (we restore it afterwards with
# `load_state_dict`, so nothing leaks into later cells):

# %%
x_theta = [1.5, -0.5]
saved = net.state_dict()
before = net(x_theta).data
dict(net.named_parameters())["layers.2.neurons.0.w.1"].data += 1.0  # w^3_{1,2} += 1
after = net(x_theta).data
net.load_state_dict(saved)
print(f"F_θ(x) = {before:+.4f};  with w^3_(1,2) + 1: {after:+.4f};  restored: {net(x_theta).data:+.4f}")

# %% [markdown]
# ## The forward pass
#
# After training, using the network is the **forward pass**: the input is propagated layer
# by layer, $a^0 = x$ and $a^\ell_j = \varphi(\sum_k w^\ell_{j,k} a^{\ell-1}_k + b^\ell_j)$,
# up to the output $a^L$. Each `nn.Layer` is callable, so the pass can be run one layer at a
# time, and it ends where `net(x)` ends:

# %%
x_fwd = [1.5, -0.5]
a_fwd = x_fwd
print("a^0 =", a_fwd)
for ell, layer in enumerate(net.layers, start=1):
    a_fwd = layer(a_fwd)
    print(f"a^{ell} =", [round(v.data, 4) for v in a_fwd], f"  ({layer})")
print("net(x) =", round(net(x_fwd).data, 4))
assert a_fwd[0].data == net(x_fwd).data

# %% [markdown]
# Given an input, `draw_network` writes each neuron's activation $a^\ell_j$ in bold under
# its bias: the forward pass, read left to right.

# %%
viz.draw_network(net, x_fwd, title="forward pass of x = (1.5, -0.5)")

# %% [markdown]
# ## Two graphs of one network
#
# The neuron-level graph is how we *think* about the network. What the library actually
# records during `net(x)` is the finer graph of operations: one node per number computed.
# Backpropagation (notebook 08) walks that graph backwards. `module=net` boxes it by layer
# and neuron, `compact=True` writes each operation inside its result.

# %%
x1_ops, x2_ops = Value(1.5, label="x1"), Value(-0.5, label="x2")
out_ops = net([x1_ops, x2_ops])
nodes_ops = topological_order(out_ops)
print(f"{len(nodes_ops)} values in the op graph: 2 inputs, {net.num_parameters()} parameters,")
print(
    f"{len(nodes_ops) - 2 - net.num_parameters()} computed (one w·x + b per neuron, one φ per hidden neuron)"
)
viz.draw_dot(out_ops, module=net, compact=True, show_grad=False)

# %% [markdown]
# Each neuron of the first picture is a box of the second one: its weights and bias, the
# pre-activation $z^\ell_j = \sum_k w^\ell_{j,k} a^{\ell-1}_k + b^\ell_j$ and the activation
# $a^\ell_j = \varphi(z^\ell_j)$. The forward pass is expensive exactly because of these
# weighted sums: one multiplication per edge of the neuron-level graph.

# %% [markdown]
# ## Exercises
#
# Each exercise has a cell with an answer (ours) and a check. Change the answer to your
# own and run the check.
#
# **1.** How many parameters does `nn.MLP(3, [4, 4, 2])` have? Use
# $m = \sum_\ell (n_{\ell-1} + 1) n_\ell$ before you ask the library.

# %%
answer_1 = (3 + 1) * 4 + (4 + 1) * 4 + (4 + 1) * 2  # your answer here
assert answer_1 == nn.MLP(3, [4, 4, 2], rng=0).num_parameters(), answer_1
print("correct:", answer_1)

# %% [markdown]
# **2.** A ReLU neuron has $w = (0.5, -1)$ and $b = 0.25$. What is its output for
# $x = (2, 1)$? And for $x = (0, 1)$? (We set its parameters with `load_state_dict`.)

# %%
relu_neuron = nn.Neuron(2, activation="relu", rng=0)
relu_neuron.load_state_dict({"w.0": 0.5, "w.1": -1.0, "b": 0.25})
answer_2 = (0.25, 0.0)  # your answers here: a for x = (2, 1), a for x = (0, 1)
assert answer_2 == (relu_neuron([2.0, 1.0]).data, relu_neuron([0.0, 1.0]).data)
print("correct:", answer_2)

# %% [markdown]
# **3.** In `net = nn.MLP(2, [3, 2, 1])` above, which parameter name holds the weight
# $w^2_{1,3}$ (layer 2, from neuron 3 of layer 1 to neuron 1 of layer 2), and which edge
# of the `draw_network` picture shows it?

# %%
answer_3 = "layers.1.neurons.0.w.2"  # your answer here
assert lecture_name(answer_3) == "w^2_{1,3}" and answer_3 in dict(net.named_parameters())
print(f"correct: {answer_3} = {dict(net.named_parameters())[answer_3].data:.2f}, the edge a^1_3 -> a^2_1")

# %% [markdown]
# **Take-aways**
#
# * A neuron computes $a = \varphi(w \cdot x + b)$; a network wires neurons layer by layer.
# * As a weighted directed graph: neurons are nodes, weights are edges, biases live in the
#   nodes (`viz.draw_network`).
# * As a parametric model: $F_{\boldsymbol\theta}$ with $\boldsymbol\theta \in \mathbb{R}^m$
#   the flat list of `named_parameters()`.
# * The library records the forward pass as a finer graph of operations (`viz.draw_dot`),
#   the graph backpropagation walks.
#
# Next: [02 Layers in matrix notation](02_layers_matrix_notation.ipynb).
