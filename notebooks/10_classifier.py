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
# # 10. A real classifier
#
# Everything so far comes together: a network $F_{\boldsymbol\theta}$, a loss, minibatch SGD with
# momentum (or Adam), backpropagation, and a held-out test set to see whether what was learned
# generalises. This notebook trains
#
# 1. a **binary** classifier on the two moons, and draws its decision boundary;
# 2. a **multi-class** classifier on three interleaved spirals, with one output per class and
#    the cross-entropy loss;
# 3. where scikit-learn is installed, a classifier of 8×8 handwritten **digits**;
#
# and saves a trained model's weights to a file and loads them back.
#
# Classes have the same colours in every picture: class 0 blue, class 1 orange, class 2 green
# (matplotlib's `C0`, `C1`, `C2`, which `viz.plot_decision_boundary` uses too).

# %%
# %matplotlib inline
import json
import random
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt

from micrograd_plus import data, nn, optim, viz
from micrograd_plus.train import accuracy, fit, predict

plt.rcParams.update({"figure.dpi": 90, "figure.figsize": (6.4, 3.8), "axes.grid": True, "grid.alpha": 0.3})
CLASS_COLORS = ["C0", "C1", "C2"]


def split(X, y, n_train, seed=0):
    """A seeded random split into a training set (n_train rows) and a test set (the rest)."""
    order = list(range(len(X)))
    random.Random(seed).shuffle(order)
    train, test = order[:n_train], order[n_train:]
    return [X[i] for i in train], [y[i] for i in train], [X[i] for i in test], [y[i] for i in test]


def scatter(ax, X, y, title, marker="o"):
    for c in sorted(set(y)):
        pts = [p for p, label in zip(X, y) if label == c]
        ax.scatter(
            [p[0] for p in pts],
            [p[1] for p in pts],
            s=18,
            color=CLASS_COLORS[c],
            marker=marker,
            edgecolors="k",
        )
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")
    ax.set_title(title)
    ax.set_aspect("equal")


# %% [markdown]
# ## Two moons: a binary classifier
#
# 160 points, two interleaving half circles with noise; 120 for training, 40 held out. The
# network has one output, a score $F_{\boldsymbol\theta}(\mathbf{x})$: class 1 when it is positive. We train
# it
# with `bce_with_logits`, the binary cross-entropy of $\sigma(F_{\boldsymbol\theta}(\mathbf{x}))$ written in
# a numerically
# stable way, and minibatch SGD with momentum.

# %%
X_moons, y_moons = data.make_moons(n_samples=160, noise=0.15, seed=0)
Xm_train, ym_train, Xm_test, ym_test = split(X_moons, y_moons, n_train=120)

fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
scatter(left, Xm_train, ym_train, "training set (120 points)")
scatter(right, Xm_test, ym_test, "test set (40 points)", marker="s")
fig.tight_layout()
plt.show()

# %%
moons_net = nn.MLP(2, [8, 8, 1], activation="relu", rng=0)
moons_history = fit(
    moons_net,
    Xm_train,
    ym_train,
    "bce_with_logits",
    optim.SGD(moons_net.parameters(), lr=0.1, momentum=0.9),
    epochs=20,
    batch_size=16,
    progress=False,
)
print(moons_net)
print(f"training accuracy {accuracy(moons_net, Xm_train, ym_train):.0%}")
print(f"test accuracy     {accuracy(moons_net, Xm_test, ym_test):.0%}")

# %% [markdown]
# `viz.plot_decision_boundary` evaluates the network on a grid and colours each region by the
# class it predicts, with the data on top and the boundary $F_{\boldsymbol\theta}(\mathbf{x}) = 0$ drawn
# black;
# `viz.plot_history` shows the loss and accuracy per epoch that `fit` recorded.

# %%
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
viz.plot_decision_boundary(
    moons_net, Xm_test, ym_test, ax=left, resolution=40, title="test set and decision regions"
)
viz.plot_history(moons_history, ax=right)
fig.tight_layout()
plt.show()

# %% [markdown]
# The boundary is piecewise linear (the network is made of ReLUs) and bends around the tips of
# both moons. The test accuracy is close to the training accuracy: with 120 samples for 105
# parameters and this much noise, the network has not memorised the training set.
#
# **Exercise 1.** `accuracy` counts a prediction as class 1 when the score is above 0. Count the
# misclassified test points yourself from `predict` (which returns the scores as floats) and
# check that you get the same accuracy.

# %%
scores = predict(moons_net, Xm_test)
wrong = sum((s > 0) != (label == 1) for s, label in zip(scores, ym_test))  # your answer

assert 1 - wrong / len(ym_test) == accuracy(moons_net, Xm_test, ym_test)
print(f"{wrong} of {len(ym_test)} test points misclassified")

# %% [markdown]
# ## Three spirals: a multi-class classifier
#
# For $K$ classes the network has $K$ outputs $F_{\boldsymbol\theta}(\mathbf{x}) \in \mathbb{R}^K$, one
# score (logit) per
# class; the prediction is the class with the largest score. The loss is the **cross-entropy**
# of the softmax probabilities, $\ell(y, F) = -\log\big(e^{F_y} / \sum_c e^{F_c}\big)$
# (`losses.cross_entropy`, computed as a stable log-softmax). Three spiral arms that turn
# around each other are a classic test: no straight line separates any two of them.

# %%
X_spirals, y_spirals = data.make_spirals(n_samples=200, noise=0.05, seed=0, n_classes=3)
Xs_train, ys_train, Xs_test, ys_test = split(X_spirals, y_spirals, n_train=150)

spiral_net = nn.MLP(2, [12, 12, 3], activation="tanh", rng=0)
spiral_history = fit(
    spiral_net,
    Xs_train,
    ys_train,
    "cross_entropy",
    optim.Adam(spiral_net.parameters(), lr=0.05),
    epochs=20,
    batch_size=25,
    progress=False,
)
print(spiral_net)
print(f"training accuracy {accuracy(spiral_net, Xs_train, ys_train):.0%}")
print(f"test accuracy     {accuracy(spiral_net, Xs_test, ys_test):.0%}")

# %%
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
viz.plot_decision_boundary(
    spiral_net, Xs_train, ys_train, ax=left, resolution=50, title="training set and decision regions"
)
viz.plot_history(spiral_history, ax=right)
fig.tight_layout()
plt.show()

# %% [markdown]
# The three regions follow the arms: the network has learned curved boundaries out of smooth
# tanh units. Near the centre, where the arms start together, the classes overlap and mistakes
# are unavoidable.
#
# ## Handwritten digits (needs scikit-learn)
#
# scikit-learn ships 1,797 grey-level images of handwritten digits, 8×8 pixels each. Flattened,
# each is a vector $\mathbf{x} \in \mathbb{R}^{64}$ (we scale the pixel values from $[0, 16]$ to $[0, 1]$),
# and there are $K = 10$ classes. We train on 200 images and test on 100 others. The cell
# skips itself when scikit-learn is not installed.

# %%
try:
    from sklearn.datasets import load_digits
except ImportError:
    load_digits = None
    print("scikit-learn is not installed: skipping the digits (pip install scikit-learn)")

if load_digits is not None:
    digits = load_digits()
    X_digits = [[v / 16 for v in row] for row in digits.data[:300].tolist()]
    y_digits = [int(t) for t in digits.target[:300]]
    Xd_train, yd_train, Xd_test, yd_test = X_digits[:200], y_digits[:200], X_digits[200:], y_digits[200:]

    digit_net = nn.MLP(64, [12, 10], activation="relu", rng=0)
    fit(
        digit_net,
        Xd_train,
        yd_train,
        "cross_entropy",
        optim.Adam(digit_net.parameters(), lr=0.01),
        epochs=6,
        batch_size=20,
        progress=False,
    )
    print(digit_net)
    print(f"training accuracy {accuracy(digit_net, Xd_train, yd_train):.0%}")
    print(f"test accuracy     {accuracy(digit_net, Xd_test, yd_test):.0%}")

    shown = Xd_test[:12]
    predicted = [max(range(10), key=out.__getitem__) for out in predict(digit_net, shown)]
    # one 8 × 108 picture: the 12 images side by side, with a blank column between them
    mosaic = [[v for image in shown for v in [*image[r * 8 : r * 8 + 8], 0.0]] for r in range(8)]
    fig, ax = plt.subplots(figsize=(12, 1.6))
    ax.imshow(mosaic, cmap="gray_r")
    for i, (label, guess) in enumerate(zip(yd_test[:12], predicted)):
        text = f"{guess}" if guess == label else f"{guess} ({label})"
        ax.text(9 * i + 3.5, -1.2, text, ha="center", color="k" if guess == label else "r")
    ax.set_title(
        "test images and the predicted class (in red where wrong, the true class in brackets)", pad=18
    )
    ax.axis("off")
    plt.show()


# %% [markdown]
# A network with one hidden layer of 12 units, trained for six epochs, reads most of the
# test digits right; the training accuracy is higher than the test accuracy, the statistical
# error of notebook 05 at work (200 training images for 910 parameters).
#
# ## Saving and loading weights
#
# `model.save(path)` writes the architecture and every parameter, by its `named_parameters()`
# name, to a JSON file (never pickle, so loading a file can never run code); `model.load(path)`
# reads them into a model of the same architecture. We save the spiral classifier into a
# temporary directory, load it into a freshly initialised network, and check that the two
# predict the same.

# %%
with tempfile.TemporaryDirectory() as tmp:
    path = Path(tmp) / "spirals.json"
    spiral_net.save(path)
    document = json.loads(path.read_text(encoding="utf-8"))
    print(f"{path.name}: {path.stat().st_size} bytes, keys {list(document)}")
    print("architecture:", document["architecture"])
    print("first entries:", dict(list(document["state"].items())[:3]))

    restored = nn.MLP(2, [12, 12, 3], activation="tanh", rng=123)  # other initial weights
    print(f"before loading: test accuracy {accuracy(restored, Xs_test, ys_test):.0%}")
    restored.load(path)
    print(f"after loading:  test accuracy {accuracy(restored, Xs_test, ys_test):.0%}")

assert predict(restored, Xs_test) == predict(spiral_net, Xs_test)
assert restored.state_dict() == spiral_net.state_dict()

# %% [markdown]
# A file saved from one architecture does not load into another: the parameter names differ,
# and `load` raises a `KeyError` naming the missing and unexpected keys, leaving the model
# unchanged.

# %%
with tempfile.TemporaryDirectory() as tmp:
    path = Path(tmp) / "spirals.json"
    spiral_net.save(path)
    wider = nn.MLP(2, [16, 12, 3], activation="tanh", rng=0)
    before = wider.state_dict()
    try:
        wider.load(path)
    except KeyError as err:
        print("KeyError:", str(err)[:200], "...")
    assert wider.state_dict() == before

# %% [markdown]
# **Take-aways**
#
# * A classifier is a network, a loss and an optimizer: one score and `bce_with_logits` (or
#   `hinge`) for two classes, $K$ scores and `cross_entropy` for $K$ classes.
# * Judge it on data it was not trained on; a gap between training and test accuracy is the
#   statistical error.
# * `save`/`load` store the parameters as JSON by name; loading checks the architecture.
#
# Next: [11 property-testing gradients](11_property_testing.ipynb).
