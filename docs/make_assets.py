"""Draw the README's pictures into docs/assets/ with micrograd_plus itself.

    .venv/bin/python docs/make_assets.py

Needs the graphviz ``dot`` program (for the graphs) and matplotlib (for the plots).
Everything is seeded, so a rerun redraws the same pictures.
"""

from __future__ import annotations

import sys
from pathlib import Path

from micrograd_plus import Value, data, nn, optim, train, viz

ASSETS = Path(__file__).resolve().parent / "assets"
DPI = "96"


def neuron() -> tuple[Value, list[Value]]:
    """a = tanh(x1 w1 + x2 w2 + b): the neuron of the lecture, with its parameters."""
    x1, x2 = Value(1.5, "x1"), Value(-0.5, "x2")
    w1, w2 = Value(0.8, "w1"), Value(-1.2, "w2")
    b = Value(-1.3, "b")
    z = x1 * w1 + x2 * w2 + b
    z.label = "z"
    a = z.tanh()
    a.label = "a"
    return a, [w1, w2, b]


def save_graph(graph, name: str) -> Path:
    graph.graph_attr["dpi"] = DPI
    path = ASSETS / name
    path.write_bytes(graph.pipe(format="png"))
    return path


def graphs() -> list[Path]:
    a, params = neuron()
    a.backward()
    full = viz.draw_dot(
        a,
        params=params,
        show_order=True,
        title="a = tanh(x1·w1 + x2·w2 + b): data, grad = ∂a/∂node, and #k = backward order",
    )
    a, params = neuron()  # fresh grads: the step picture computes its own partial sums
    step = viz.draw_step(a, 3, params=params)
    return [save_graph(full, "neuron_graph.png"), save_graph(step, "backward_step_3.png")]


def plots() -> list[Path]:
    import matplotlib.pyplot as plt

    out = []
    # Decision boundary and history of a small MLP trained on two moons.
    X, y = data.make_moons(n_samples=100, noise=0.1, seed=0)
    model = nn.MLP(2, [16, 16, 1], rng=0)
    history = train.fit(
        model, X, y, "hinge", optim.SGD(model.parameters(), lr=0.1, momentum=0.9), epochs=60, progress=False
    )
    fig, (left, right) = plt.subplots(1, 2, figsize=(11.5, 4.5))
    viz.plot_decision_boundary(model, X, y, ax=left, resolution=80)
    viz.plot_history(history, ax=right, title="training: hinge loss and accuracy per epoch")
    fig.tight_layout()
    out.append(ASSETS / "moons.png")
    fig.savefig(out[-1], dpi=int(DPI))
    plt.close(fig)

    # The lecture's two momentum pictures: a jittery path in a narrow valley, and a plateau.
    fig, (left, right) = plt.subplots(1, 2, figsize=(12.5, 4.8))

    def valley(t1: Value, t2: Value) -> Value:
        return 0.05 * t1 * t1 + t2 * t2

    viz.plot_optimizer_paths(
        valley,
        {
            "GD (α = 0.9)": lambda p: optim.SGD(p, lr=0.9),
            "heavy ball (α = 0.9, β = 0.5)": lambda p: optim.SGD(p, lr=0.9, momentum=0.5),
            "Nesterov (α = 0.6, β = 0.5)": lambda p: optim.SGD(p, lr=0.6, momentum=0.5, nesterov=True),
        },
        start=(-9.0, 1.5),
        steps=25,
        minimum=(0.0, 0.0),
        ax=left,
        ylim=(-2.0, 2.0),
        title="narrow valley f = θ₁²/20 + θ₂²: GD jitters",
    )

    def plateau(t1: Value, t2: Value) -> Value:
        return 1.0 - (-(t1 * t1 + 4.0 * t2 * t2) / 8.0).exp()

    viz.plot_optimizer_paths(
        plateau,
        start=(-6.0, 1.5),
        lr=1.2,
        momentum=0.9,
        steps=50,
        minimum=(0.0, 0.0),
        ax=right,
        xlim=(-7.0, 3.0),
        ylim=(-2.0, 2.5),
        title="plateau f = 1 − exp(−(θ₁² + 4θ₂²)/8): GD crawls",
    )
    fig.tight_layout()
    out.append(ASSETS / "optimizer_paths.png")
    fig.savefig(out[-1], dpi=int(DPI))
    plt.close(fig)

    out.append(ASSETS / "activations.png")
    viz.plot_activations(path=out[-1])
    return out


def main() -> int:
    ASSETS.mkdir(parents=True, exist_ok=True)
    written = graphs() + plots()
    for path in written:
        print(f"wrote {path.relative_to(ASSETS.parent.parent)} ({path.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
