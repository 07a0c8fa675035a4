"""Plots: each writes a PNG, shows what the engine computed, and rejects bad input clearly."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pytest

pytest.importorskip("matplotlib")

from matplotlib.figure import Figure

from micrograd_plus import Value, viz
from micrograd_plus.plots import ACTIVATIONS, ema

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def _close_figures():
    """Plots belong to pyplot (as plt.subplots' figures do): close them after each test."""
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def assert_png(path) -> None:
    data = path.read_bytes()
    assert data.startswith(PNG) and len(data) > 2000


class TinyClassifier:
    """score = x1 - x2 (a straight boundary), or class scores for 3 classes."""

    def __init__(self, n_classes: int = 1, probabilities: bool = False) -> None:
        self.n_classes = n_classes
        self.probabilities = probabilities
        self.calls = 0

    def __call__(self, row):
        self.calls += 1
        x1, x2 = (v if isinstance(v, Value) else Value(v) for v in row)
        if self.n_classes == 1:
            score = x1 - x2
            return score.sigmoid() if self.probabilities else score
        return [x1, x2, -(x1 + x2)]


X = [[-1.0, 1.0], [-0.5, 0.8], [1.0, -1.0], [0.7, -0.4], [0.2, 0.1]]
Y = [0, 0, 1, 1, 1]


# --------------------------------------------------------------------------------------
# Decision boundary
# --------------------------------------------------------------------------------------


def test_decision_boundary_writes_a_png_and_returns_the_figure(tmp_path):
    model = TinyClassifier()
    fig = viz.plot_decision_boundary(model, X, Y, path=tmp_path / "sub" / "db.png", resolution=20)
    assert isinstance(fig, Figure)
    assert_png(tmp_path / "sub" / "db.png")
    assert model.calls == 20 * 20 + len(X)
    ax = fig.axes[0]
    assert "accuracy on these points 100.0%" in ax.get_title()
    assert len(ax.collections) >= 3  # regions, boundary line, points


def test_decision_boundary_threshold_auto_and_explicit(tmp_path):
    probs = TinyClassifier(probabilities=True)
    fig = viz.plot_decision_boundary(probs, X, Y, resolution=15)
    assert "100.0%" in fig.axes[0].get_title()  # auto: 0.5 for outputs in [0, 1]
    # with a threshold of 0.6 the point (0.2, 0.1) (sigmoid(0.1) ~ 0.52) becomes class 0
    fig = viz.plot_decision_boundary(probs, X, Y, resolution=15, threshold=0.6)
    assert "80.0%" in fig.axes[0].get_title()
    # hinge-style labels ±1 work: the larger label is the positive class
    fig = viz.plot_decision_boundary(TinyClassifier(), X, [-1, -1, 1, 1, 1], resolution=15)
    assert "100.0%" in fig.axes[0].get_title()


def test_decision_boundary_multiclass_uses_argmax(tmp_path):
    import matplotlib.pyplot as plt

    fig0, ax = plt.subplots()
    rows = [[2.0, 0.0], [0.0, 2.0], [-2.0, -2.0]]
    fig = viz.plot_decision_boundary(
        TinyClassifier(3), rows, [0, 1, 2], ax=ax, resolution=15, path=tmp_path / "multi.png"
    )
    assert fig is fig0
    assert "100.0%" in ax.get_title()
    assert_png(tmp_path / "multi.png")
    plt.close(fig0)


def _class_image(fig):
    np = pytest.importorskip("numpy")
    (image,) = fig.axes[0].images
    return np.asarray(image.get_array())


def test_multiclass_boundary_has_no_false_class_between_two_others():
    # class 1 never wins, but contouring the class numbers 0 | 2 drew a class-1 band between them
    def model(row):
        return [row[0], -5.0, -row[0]]

    fig = viz.plot_decision_boundary(model, [[-1.0, 0.0], [1.0, 0.0]], [2, 0], resolution=9)
    classes = set(_class_image(fig).ravel().tolist())
    assert classes == {0, 2}
    assert fig.axes[0].images[0].get_cmap().N == 3  # one flat colour per class (a discrete colormap)


def test_decision_boundary_is_drawn_on_a_finer_grid_with_boundary_lines():
    fig = viz.plot_decision_boundary(TinyClassifier(3), X, [0, 1, 2, 0, 1], resolution=11, upsample=4)
    image = _class_image(fig)
    assert image.shape == (41, 41)  # (11 - 1) * 4 + 1: finer than the grid the model saw
    ax = fig.axes[0]
    assert any(len(c.get_paths()) for c in ax.collections if hasattr(c, "levels"))  # boundary lines
    binary = viz.plot_decision_boundary(TinyClassifier(), X, Y, resolution=6, upsample=3)
    assert _class_image(binary).shape == (16, 16)
    with pytest.raises(ValueError, match="upsample"):
        viz.plot_decision_boundary(TinyClassifier(), X, Y, resolution=6, upsample=0)


def test_decision_boundary_with_an_mlp(tmp_path):
    from micrograd_plus import data, nn

    X2, y2 = data.make_moons(n_samples=40, noise=0.1, seed=0)
    model = nn.MLP(2, [4, 1], rng=0)
    viz.plot_decision_boundary(model, X2, y2, resolution=15, path=tmp_path / "moons.png")
    assert_png(tmp_path / "moons.png")
    assert all(p.grad == 0.0 for p in model.parameters())  # evaluated under no_grad


def test_decision_boundary_rejects_bad_input():
    model = TinyClassifier()
    with pytest.raises(ValueError, match="3 rows but y has 2"):
        viz.plot_decision_boundary(model, X[:3], Y[:2])
    with pytest.raises(ValueError, match="2 numbers"):
        viz.plot_decision_boundary(model, [[1.0, 2.0, 3.0]], [0])
    with pytest.raises(ValueError, match="resolution"):
        viz.plot_decision_boundary(model, X, Y, resolution=1)
    with pytest.raises(TypeError, match="must return a Value"):
        viz.plot_decision_boundary(lambda row: "cat", X, Y, resolution=5)
    with pytest.raises(TypeError, match="Axes"):
        viz.plot_decision_boundary(model, X, Y, ax="left", resolution=5)


# --------------------------------------------------------------------------------------
# History
# --------------------------------------------------------------------------------------


@dataclass
class History:
    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    epoch: list[int] = field(default_factory=list)


def test_history_from_an_object_a_dict_and_a_list(tmp_path):
    h = History(loss=[1.0, 0.6, 0.4], accuracy=[0.5, 0.75, 0.9], epoch=[1, 2, 3])
    fig = viz.plot_history(h, path=tmp_path / "h.png")
    assert_png(tmp_path / "h.png")
    axes = fig.axes
    assert len(axes) == 2  # loss and accuracy axes
    assert list(axes[0].lines[0].get_ydata()) == h.loss
    assert list(axes[1].lines[0].get_ydata()) == h.accuracy

    fig = viz.plot_history({"loss": [3.0, 2.0], "val_loss": [3.5, 2.5]}, log_scale=True)
    assert len(fig.axes) == 1 and fig.axes[0].get_yscale() == "log"
    assert len(fig.axes[0].lines) == 2

    fig = viz.plot_history([0.9, 0.5, 0.1], path=tmp_path / "list.png")
    assert list(fig.axes[0].lines[0].get_xdata()) == [1, 2, 3]
    assert_png(tmp_path / "list.png")


def test_history_with_the_training_loop(tmp_path):
    from micrograd_plus import data, nn, optim, train

    X2, y2 = data.make_moons(n_samples=20, noise=0.1, seed=0)
    model = nn.MLP(2, [4, 1], rng=0)
    history = train.fit(
        model, X2, y2, "hinge", optim.SGD(model.parameters(), lr=0.1), epochs=3, progress=False
    )
    fig = viz.plot_history(history, path=tmp_path / "fit.png")
    assert list(fig.axes[0].lines[0].get_ydata()) == pytest.approx(history.loss)
    assert_png(tmp_path / "fit.png")


def test_history_rejects_bad_input():
    with pytest.raises(ValueError, match="empty"):
        viz.plot_history({"loss": []})
    with pytest.raises(TypeError, match="'loss'"):
        viz.plot_history(42)
    with pytest.raises(TypeError, match=r"history\.loss must be a list of numbers"):
        viz.plot_history({"loss": ["a", "b"]})


# --------------------------------------------------------------------------------------
# Optimizer paths
# --------------------------------------------------------------------------------------


class PlainGD:
    """θ <- θ - α g, written out here so the path test does not depend on optim."""

    def __init__(self, params, lr):
        self.params, self.lr = list(params), lr

    def zero_grad(self):
        for p in self.params:
            p.grad = 0.0

    def step(self):
        for p in self.params:
            p.data -= self.lr * p.grad


def bowl(x, y):
    return x * x + 10.0 * y * y


def test_optimizer_path_by_hand():
    path = viz.optimizer_path(bowl, (1.0, 1.0), lambda p: PlainGD(p, 0.01), steps=2)
    assert len(path) == 3
    assert path[0] == (1.0, 1.0)
    # g = (2x, 20y): θ(1) = (1 - 0.02, 1 - 0.2), θ(2) = (0.98 * 0.98, 0.8 * 0.8)
    assert path[1] == pytest.approx((0.98, 0.8))
    assert path[2] == pytest.approx((0.98 * 0.98, 0.8 * 0.8))


def test_optimizer_path_with_sgd_heavy_ball_and_nesterov():
    from micrograd_plus import optim

    gd = viz.optimizer_path(bowl, (1.0, 1.0), lambda p: optim.SGD(p, lr=0.01), steps=2)
    assert gd[1] == pytest.approx((0.98, 0.8))
    hb = viz.optimizer_path(bowl, (1.0, 1.0), lambda p: optim.SGD(p, lr=0.01, momentum=0.9), steps=2)
    # buffer b(1) = g(1), b(2) = 0.9 b(1) + g(2): θ(2) = θ(1) - α (0.9 g(1) + g(2))
    g1 = (2.0, 20.0)
    g2 = (2 * 0.98, 20 * 0.8)
    assert hb[2] == pytest.approx((0.98 - 0.01 * (0.9 * g1[0] + g2[0]), 0.8 - 0.01 * (0.9 * g1[1] + g2[1])))
    nest = viz.optimizer_path(
        bowl, (1.0, 1.0), lambda p: optim.SGD(p, lr=0.01, momentum=0.9, nesterov=True), steps=1
    )
    # Nesterov (torch form): θ(1) = θ(0) - α (g + 0.9 b), b = g
    assert nest[1] == pytest.approx((1.0 - 0.01 * 1.9 * 2.0, 1.0 - 0.01 * 1.9 * 20.0))


def test_optimizer_path_stops_when_it_diverges():
    with pytest.warns(UserWarning, match="stops"):
        path = viz.optimizer_path(lambda x: (x * x).exp(), (3.0,), lambda p: PlainGD(p, 10.0), steps=20)
    assert all(math.isfinite(c) for point in path for c in point)
    assert len(path) < 21
    with pytest.raises(ValueError, match="steps"):
        viz.optimizer_path(bowl, (1.0, 1.0), lambda p: PlainGD(p, 0.1), steps=-1)
    with pytest.raises(TypeError, match="must return a Value"):
        viz.optimizer_path(lambda x, y: 1.0, (1.0, 1.0), lambda p: PlainGD(p, 0.1), steps=1)


def test_plot_optimizer_paths_default_trio(tmp_path):
    fig = viz.plot_optimizer_paths(
        bowl, start=(-1.5, 1.0), lr=0.05, steps=15, path=tmp_path / "op.png", minimum=(0.0, 0.0)
    )
    assert_png(tmp_path / "op.png")
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert any(lbl.startswith("GD") for lbl in labels)
    assert any("heavy ball" in lbl for lbl in labels)
    assert any("Nesterov" in lbl for lbl in labels)
    assert "minimum" in labels and "θ(0)" in labels


def test_plot_optimizer_paths_from_paths_and_factories(tmp_path):
    square = [(1.0, 1.0), (0.5, 0.5), (0.1, 0.0)]
    fig = viz.plot_optimizer_paths(
        bowl,
        {"by hand": square, "GD": lambda p: PlainGD(p, 0.02)},
        start=(1.0, 1.0),
        steps=5,
        path=tmp_path / "mixed.png",
    )
    assert_png(tmp_path / "mixed.png")
    line = fig.axes[0].lines[0]
    assert list(line.get_xdata()) == [1.0, 0.5, 0.1]
    fig = viz.plot_optimizer_paths(bowl, [square])
    assert "path 1" in fig.axes[0].get_legend().get_texts()[0].get_text()
    with pytest.raises(ValueError, match="start"):
        viz.plot_optimizer_paths(bowl, {"GD": lambda p: PlainGD(p, 0.1)})
    with pytest.raises(ValueError, match="point 0"):
        viz.plot_optimizer_paths(bowl, [[(1.0, 2.0, 3.0)]])
    with pytest.raises(ValueError, match="empty"):
        viz.plot_optimizer_paths(bowl, {})


# --------------------------------------------------------------------------------------
# Activations and EMA
# --------------------------------------------------------------------------------------


def test_activation_gallery_plots_the_engines_derivatives(tmp_path):
    fig = viz.plot_activations(path=tmp_path / "act.png", num=41)
    assert_png(tmp_path / "act.png")
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == len(ACTIVATIONS)
    by_title = {ax.get_title(): ax for ax in visible}
    value_line, grad_line = by_title["sigmoid"].lines[-2:]
    for x, s, ds in zip(value_line.get_xdata(), value_line.get_ydata(), grad_line.get_ydata()):
        assert s == pytest.approx(1.0 / (1.0 + math.exp(-x)))
        assert ds == pytest.approx(s * (1.0 - s))
    xs = by_title["relu"].lines[-1].get_xdata()
    ds = by_title["relu"].lines[-1].get_ydata()
    assert [d for x, d in zip(xs, ds) if x == 0.0] == [0.0]  # PyTorch's relu'(0)
    assert "prelu(weight=0.25)" in by_title


def test_activation_gallery_with_parameters_and_bad_names():
    fig = viz.plot_activations([("leaky_relu", {"negative_slope": 0.2}), "linear"], num=11)
    ax = fig.axes[0]
    assert ax.get_title() == "leaky_relu(negative_slope=0.2)"
    assert ax.lines[-1].get_ydata()[0] == pytest.approx(0.2)
    assert list(fig.axes[1].lines[-1].get_ydata()) == [1.0] * 11
    with pytest.raises(ValueError, match="unknown activation 'sine'"):
        viz.plot_activations(["sine"])
    with pytest.raises(ValueError, match="x_range"):
        viz.plot_activations(["relu"], x_range=(1.0, -1.0))


def test_ema_by_hand():
    assert ema([1.0, 2.0, 3.0], 0.5) == [1.0, 1.5, 2.25]
    assert ema([4.0, 0.0, 0.0], 0.0) == [4.0, 0.0, 0.0]  # β = 0: no memory
    assert ema([4.0, 0.0, 0.0], 1.0) == [4.0, 4.0, 4.0]  # β = 1: s(1) forever
    assert ema([], 0.9) == []
    for bad in (-0.1, 1.5):
        with pytest.raises(ValueError, match="beta"):
            ema([1.0], bad)
    with pytest.raises(TypeError, match="sequence\\[1\\]"):
        ema([1.0, "x"], 0.5)


def test_plot_ema(tmp_path):
    fig = viz.plot_ema(path=tmp_path / "ema.png")
    assert_png(tmp_path / "ema.png")
    lines = fig.axes[0].lines
    assert len(lines) == 1 + 3
    ys = list(lines[0].get_ydata())
    assert list(lines[2].get_ydata()) == pytest.approx(ema(ys, 0.9))
    fig = viz.plot_ema([1.0, 2.0, 3.0], betas=[0.5])
    assert list(fig.axes[0].lines[1].get_ydata()) == [1.0, 1.5, 2.25]
    with pytest.raises(ValueError, match="betas"):
        viz.plot_ema([1.0], betas=[])


def test_new_figures_belong_to_pyplot_so_plt_show_shows_them():
    import matplotlib.pyplot as plt

    figs = [viz.plot_ema([1.0, 2.0]), viz.plot_history([1.0, 0.5]), viz.plot_activations(["tanh"], num=5)]
    figs.append(viz.plot_decision_boundary(TinyClassifier(), X, Y, resolution=5))
    for fig in figs:
        assert fig.number in plt.get_fignums()  # what plt.show() displays in a script
    fig, ax = plt.subplots()
    assert viz.plot_history([1.0, 0.5], ax=ax) is fig
    assert len(plt.get_fignums()) == len(figs) + 1  # ax= makes no figure of its own


def test_plt_show_in_a_script_shows_the_figure(tmp_path):
    import subprocess
    import sys

    script = tmp_path / "script.py"
    script.write_text(
        "import matplotlib\n"
        "matplotlib.use('Agg')\n"
        "import matplotlib.pyplot as plt\n"
        "from micrograd_plus import viz\n"
        "shown = []\n"
        "plt.show = lambda *a, **k: shown.extend(plt.get_fignums())\n"
        "viz.plot_history([1.0, 0.5, 0.2])\n"
        "plt.show()\n"
        "print(len(shown))\n"
    )
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "1"


NOTEBOOK_CELLS = [
    "from micrograd_plus import viz\nimport matplotlib.pyplot as plt\nh = [1.0, 0.5, 0.25]",
    "viz.plot_history(h)",  # last expression: once
    "fig = viz.plot_history(h)",  # assigned: still shown, once
    "fig2, ax = plt.subplots()\nviz.plot_history(h, ax=ax)",  # ax=: once
    "fig",  # a figure from an earlier cell: shown again, once
    "for _ in range(2):\n    viz.plot_history(h)",  # a loop: one per figure
]


@pytest.mark.slow
def test_in_a_notebook_each_figure_is_displayed_once():
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    import os

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in NOTEBOOK_CELLS]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env_path = os.environ.get("PYTHONPATH", "")
    os.environ["PYTHONPATH"] = root + (os.pathsep + env_path if env_path else "")
    try:
        nbclient.NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    finally:
        if env_path:
            os.environ["PYTHONPATH"] = env_path
        else:
            del os.environ["PYTHONPATH"]
    images = [sum("image/png" in o.get("data", {}) for o in cell.outputs) for cell in nb.cells]
    assert images == [0, 1, 1, 1, 1, 2]


def test_missing_matplotlib_gives_the_extra_to_install(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError("No module named 'matplotlib'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(ImportError, match=r"pip install 'micrograd-plus\[plot\]'"):
        viz.plot_ema([1.0, 2.0])


@pytest.mark.torch
def test_activation_gallery_matches_torch():
    torch = pytest.importorskip("torch")
    from torch_reference import torch_activation

    fig = viz.plot_activations(num=33, x_range=(-3.0, 3.0))
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        value_line, grad_line = ax.lines[-2:]
        t = torch.tensor(list(value_line.get_xdata()), dtype=torch.float64, requires_grad=True)
        y = torch_activation(ax.get_title().split("(")[0])(t)
        (g,) = torch.autograd.grad(y.sum(), t)
        assert list(value_line.get_ydata()) == pytest.approx(y.detach().tolist(), rel=1e-12, abs=1e-12)
        assert list(grad_line.get_ydata()) == pytest.approx(g.tolist(), rel=1e-12, abs=1e-12)
