r"""Plots that teach: decision boundaries, training curves, optimizer paths, activations, EMA.

Needs matplotlib (``pip install 'micrograd-plus[plot]'``), imported only when a plot
is made. Every function returns the matplotlib ``Figure`` (when given ``ax=``, the
figure of that Axes) and saves it when given ``path=``. They follow matplotlib's
habits: a new figure belongs to pyplot, like ``plt.subplots()``, so ``plt.show()``
after a call shows it in a script, and a notebook shows it once at the end of the
cell, whether the figure is the cell's last expression, assigned (``fig = ...``) or
drawn into your own ``ax=``. Close figures you no longer need (``plt.close(fig)``)
when making many in a loop, as with any pyplot figure.

The notation is the lecture's: parameters θ(k) at iteration k, learning rate α(k),
momentum β, gradient g(k); the EMA s(t) = β s(t-1) + (1 - β) y(t).
"""

from __future__ import annotations

import math
import random
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from . import ops
from .engine import Value, no_grad

__all__ = [
    "ACTIVATIONS",  # noqa: F822 (module __getattr__)
    "ema",
    "optimizer_path",
    "plot_activations",
    "plot_decision_boundary",
    "plot_ema",
    "plot_history",
    "plot_optimizer_paths",
]


def __getattr__(name: str) -> Any:
    # ACTIVATIONS: the gallery's activations, read from ops.ACTIVATIONS at each use (a
    # registered activation joins the gallery with no edit here).
    if name == "ACTIVATIONS":
        return tuple(n for n, act in ops.ACTIVATIONS.items() if act.method)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_DPI = 120


def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError as err:
        raise ImportError("plotting needs matplotlib: pip install 'micrograd-plus[plot]'") from err
    return plt


def _numpy() -> Any:
    import numpy as np  # a dependency of matplotlib

    return np


def _new_figure(ax: Any, figsize: tuple[float, float]) -> tuple[Any, Any]:
    """(figure, axes): those of ``ax``, or a new pyplot figure (as ``plt.subplots``)."""
    plt = _pyplot()
    if ax is not None:
        if not hasattr(ax, "figure") or not hasattr(ax, "plot"):
            raise TypeError(f"ax must be a matplotlib Axes, got {type(ax).__name__}.")
        _display_once(ax.figure)
        return ax.figure, ax
    fig = plt.figure(figsize=figsize)
    _display_once(fig)
    return fig, fig.add_subplot()


class _ShowOnce:
    """A figure's ``_ipython_display_``: no second copy of a figure pyplot shows anyway.

    In Jupyter the inline backend shows every pyplot figure of a cell when the cell
    ends. A returned figure that is the cell's last expression would be shown a second
    time by IPython's display hook; this skips exactly that copy (the figure is still
    waiting to be drawn by the backend), and otherwise displays as usual (a figure from
    an earlier cell, ``display(fig)``, another backend).
    """

    def __init__(self, fig: Any) -> None:
        self.fig = fig

    def __call__(self) -> None:
        fig = self.fig
        if _in_display_hook() and _pending_in_inline_backend(fig):
            return  # the inline backend draws it when the cell ends
        from IPython.display import display

        hook = fig.__dict__.pop("_ipython_display_", None)
        try:
            display(fig)  # the usual rendering (PNG), without this hook
        finally:
            if hook is not None:
                fig._ipython_display_ = hook


def _display_once(fig: Any) -> None:
    if not isinstance(fig.__dict__.get("_ipython_display_"), _ShowOnce):
        fig._ipython_display_ = _ShowOnce(fig)


def _in_display_hook() -> bool:
    """True while IPython's display hook shows a cell's result (ipykernel sets ``msg``)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(getattr(shell, "displayhook", None), "msg", None) is not None


def _pending_in_inline_backend(fig: Any) -> bool:
    import sys

    inline = sys.modules.get("matplotlib_inline.backend_inline")
    if inline is None:
        return False
    return any(f is fig for f in getattr(inline.show, "_to_draw", ()))


def _finish(fig: Any, path: str | Path | None) -> Any:
    if path is not None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=_DPI, bbox_inches="tight")
    return fig


def _check_number(name: str, x: Any) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise TypeError(f"{name} must be a number, got {type(x).__name__}: {x!r:.40}.")
    return float(x)


# --------------------------------------------------------------------------------------
# Decision boundary
# --------------------------------------------------------------------------------------


def plot_decision_boundary(
    model: Callable[[list[float]], Any],
    X: Sequence[Sequence[float]],
    y: Sequence[Any],
    ax: Any = None,
    path: str | Path | None = None,
    *,
    resolution: int = 80,
    threshold: float | None = None,
    padding: float = 0.5,
    title: str | None = None,
    upsample: int = 4,
) -> Any:
    r"""The regions a 2-D classifier assigns to each class, with the data on top.

    ``model(row)`` is evaluated under ``no_grad()`` on a ``resolution`` x ``resolution``
    grid covering ``X`` (plus ``padding``). It returns either one score (a ``Value`` or
    a number): class = larger label if score > ``threshold``, else the smaller one; or
    a list of class scores: class = argmax. ``threshold=None`` picks 0.5 when every
    score lies in [0, 1] (probabilities, e.g. a sigmoid output) and 0 otherwise (raw
    scores, logits, hinge outputs).

    The scores (not the classes) are interpolated linearly onto a grid ``upsample``
    times finer, and each fine cell gets the class of its interpolated scores, drawn
    with one flat colour per class (a discrete colormap). So a border between classes
    0 and 2 is never drawn through a band of class 1, as contouring class numbers
    would, and the edges do not follow the coarse grid's staircase. The boundaries are
    drawn as black lines: score = threshold, or, with several classes, where the two
    largest scores are equal.
    """
    rows = _rows(X, "X")
    labels = list(y)
    if len(labels) != len(rows):
        raise ValueError(f"X has {len(rows)} rows but y has {len(labels)} labels; they must match.")
    if isinstance(resolution, bool) or not isinstance(resolution, int) or resolution < 2:
        raise ValueError(f"resolution must be an int >= 2, got {resolution!r}.")
    if isinstance(upsample, bool) or not isinstance(upsample, int) or upsample < 1:
        raise ValueError(f"upsample must be an int >= 1, got {upsample!r}.")
    if threshold is not None:
        threshold = _check_number("threshold", threshold)
    np = _numpy()
    fig, ax = _new_figure(ax, (6.0, 5.0))

    xs = [r[0] for r in rows]
    ys = [r[1] for r in rows]
    gx = np.linspace(min(xs) - padding, max(xs) + padding, resolution)
    gy = np.linspace(min(ys) - padding, max(ys) + padding, resolution)
    grid = [[float(a), float(b)] for b in gy for a in gx]
    with no_grad():
        grid_out = [_scores(model(p)) for p in grid]
        data_out = [_scores(model(list(r))) for r in rows]
    n_scores = len(grid_out[0])
    if any(len(s) != n_scores for s in grid_out) or any(len(s) != n_scores for s in data_out):
        raise ValueError("the model returned a different number of scores for different points.")
    multiclass = n_scores > 1
    classes = sorted(set(labels))
    # scores[k] is the k-th score on the grid, shape (resolution, resolution): rows follow y
    scores = np.array(grid_out, dtype=float).T.reshape(n_scores, resolution, resolution)
    fx, fy = _finer(gx, upsample), _finer(gy, upsample)
    fine = np.stack([_upsample(np, z, upsample) for z in scores])
    if multiclass:
        pred_data = [max(range(len(s)), key=s.__getitem__) for s in data_out]
        n_classes = max(n_scores, len(classes))
        class_names = list(range(n_classes))
        pred_fine = np.argmax(fine, axis=0)
    else:
        if threshold is None:
            finite = scores[np.isfinite(scores)]
            threshold = 0.5 if finite.size and finite.min() >= 0.0 and finite.max() <= 1.0 else 0.0
        pred_data = [int(s[0] > threshold) for s in data_out]
        low, high = (classes[0], classes[-1]) if len(classes) >= 2 else (0, 1)
        class_names = [low, high]
        n_classes = 2
        pred_fine = (fine[0] > threshold).astype(int)
    index_of = {c: i for i, c in enumerate(class_names)}
    correct = sum(1 for p, t in zip(pred_data, labels) if index_of.get(t) == p)

    from matplotlib.colors import BoundaryNorm, ListedColormap

    colors = [f"C{i % 10}" for i in range(n_classes)]
    cmap = ListedColormap(colors)
    norm = BoundaryNorm(np.arange(n_classes + 1) - 0.5, n_classes)
    ax.imshow(
        pred_fine,
        origin="lower",
        extent=(fx[0], fx[-1], fy[0], fy[-1]),
        cmap=cmap,
        norm=norm,
        alpha=0.25,
        interpolation="nearest",
        aspect="auto",
    )
    if multiclass:
        # class k's margin: its score minus the best other score; 0 on k's boundary
        for k in range(n_scores):
            others = np.delete(fine, k, axis=0).max(axis=0)
            margin = fine[k] - others
            if np.nanmin(margin) < 0.0 < np.nanmax(margin):
                ax.contour(fx, fy, margin, levels=[0.0], colors="k", linewidths=1.0)
    elif np.nanmin(fine[0]) < threshold < np.nanmax(fine[0]):
        ax.contour(fx, fy, fine[0], levels=[threshold], colors="k", linewidths=1.2)
    for c in classes:
        pts = [r for r, t in zip(rows, labels) if t == c]
        i = index_of.get(c, 0)
        ax.scatter(
            [p[0] for p in pts],
            [p[1] for p in pts],
            s=18,
            color=colors[i % len(colors)],
            edgecolors="k",
            linewidths=0.5,
            label=f"y = {c}",
        )
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")
    ax.set_xlim(gx[0], gx[-1])
    ax.set_ylim(gy[0], gy[-1])
    accuracy = correct / len(rows) if rows else 0.0
    default = f"decision boundary (accuracy on these points {accuracy:.1%})"
    ax.set_title(title if title is not None else default)
    ax.legend(loc="best", fontsize=8)
    return _finish(fig, path)


def _finer(g: Any, factor: int) -> Any:
    """The points of the 1-D grid ``g`` with ``factor - 1`` evenly spaced ones between each pair."""
    np = _numpy()
    return np.linspace(g[0], g[-1], (len(g) - 1) * factor + 1)


def _upsample(np: Any, z: Any, factor: int) -> Any:
    """Bilinear interpolation of the grid values ``z`` onto the grid ``factor`` times finer."""
    if factor == 1:
        return z
    n_rows, n_cols = z.shape
    t_rows = np.linspace(0.0, n_rows - 1.0, (n_rows - 1) * factor + 1)
    t_cols = np.linspace(0.0, n_cols - 1.0, (n_cols - 1) * factor + 1)
    along_cols = np.array([np.interp(t_cols, np.arange(n_cols), row) for row in z])
    return np.array([np.interp(t_rows, np.arange(n_rows), col) for col in along_cols.T]).T


def _rows(X: Any, name: str) -> list[tuple[float, float]]:
    rows = []
    for i, row in enumerate(X):
        try:
            a, b = row
        except (TypeError, ValueError):
            raise ValueError(f"{name}[{i}] must be a row of 2 numbers (x₁, x₂), got {row!r:.60}.") from None
        rows.append((_check_number(f"{name}[{i}][0]", a), _check_number(f"{name}[{i}][1]", b)))
    if not rows:
        raise ValueError(f"{name} is empty; it needs at least one row of 2 numbers.")
    return rows


def _scores(out: Any) -> list[float]:
    """A model's output as a list of floats (one score, or one per class)."""
    if isinstance(out, Value):
        return [out.data]
    if isinstance(out, (int, float)) and not isinstance(out, bool):
        return [float(out)]
    if isinstance(out, (list, tuple)) and out:
        return [v.data if isinstance(v, Value) else _check_number("a model output", v) for v in out]
    raise TypeError(
        f"the model must return a Value, a number or a list of class scores, got {type(out).__name__}."
    )


# --------------------------------------------------------------------------------------
# Training history
# --------------------------------------------------------------------------------------


def plot_history(
    history: Any,
    ax: Any = None,
    path: str | Path | None = None,
    *,
    log_scale: bool = False,
    title: str | None = None,
) -> Any:
    r"""Loss per epoch (left axis) and accuracy if recorded (right axis).

    ``history`` is an object with a ``loss`` list (and optionally ``accuracy``,
    ``val_loss``, ``val_accuracy``, ``epoch``), a dict with those keys, or a plain list
    of losses. ``log_scale=True`` puts the loss on a log axis.
    """
    loss = _series(history, "loss")
    if loss is None:
        if isinstance(history, (list, tuple)):
            loss = [_check_number(f"history[{i}]", v) for i, v in enumerate(history)]
        else:
            raise TypeError(
                f"history must have a 'loss' list (attribute or key) or be a list of losses, "
                f"got {type(history).__name__}."
            )
    if not loss:
        raise ValueError("history.loss is empty: train for at least one epoch first.")
    accuracy = _series(history, "accuracy") or []
    val_loss = _series(history, "val_loss") or []
    val_accuracy = _series(history, "val_accuracy") or []
    epochs = _series(history, "epoch")
    if not epochs or len(epochs) != len(loss):
        epochs = list(range(1, len(loss) + 1))

    fig, ax = _new_figure(ax, (6.5, 4.0))
    handles = ax.plot(epochs, loss, color="C0", marker="." if len(loss) < 60 else None, label="loss L(θ)")
    if val_loss and len(val_loss) == len(epochs):
        handles += ax.plot(epochs, val_loss, color="C0", linestyle="--", label="validation loss")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss L(θ)")
    ax.xaxis.get_major_locator().set_params(integer=True)
    if log_scale:
        ax.set_yscale("log")
    ax.grid(alpha=0.3)
    if accuracy and len(accuracy) == len(epochs):
        ax2 = ax.twinx()
        handles += ax2.plot(
            epochs, accuracy, color="C1", marker="." if len(loss) < 60 else None, label="accuracy"
        )
        if val_accuracy and len(val_accuracy) == len(epochs):
            handles += ax2.plot(epochs, val_accuracy, color="C1", linestyle="--", label="validation accuracy")
        ax2.set_ylabel("accuracy")
        if all(0.0 <= a <= 1.0 for a in accuracy):
            ax2.set_ylim(0.0, 1.02)
    ax.legend(handles=handles, loc="center right", fontsize=8)
    ax.set_title(title if title is not None else "training history")
    return _finish(fig, path)


def _series(history: Any, key: str) -> list[float] | None:
    value = history.get(key) if isinstance(history, Mapping) else getattr(history, key, None)
    if value is None:
        return None
    try:
        return [float(v) for v in value]
    except (TypeError, ValueError):
        raise TypeError(f"history.{key} must be a list of numbers, got {value!r:.60}.") from None


# --------------------------------------------------------------------------------------
# Optimizer paths on a 2-D loss surface
# --------------------------------------------------------------------------------------


def optimizer_path(
    f: Callable[..., Value],
    start: Sequence[float],
    optimizer_factory: Callable[[list[Value]], Any],
    steps: int = 50,
) -> list[tuple[float, ...]]:
    r"""The iterates θ(0), θ(1), ..., θ(steps) of an optimizer minimizing ``f``.

    ``f`` takes one ``Value`` per coordinate of ``start`` and returns a ``Value``;
    ``optimizer_factory(params)`` makes the optimizer, e.g.
    ``lambda p: optim.SGD(p, lr=0.1, momentum=0.9)``. Each step is
    ``zero_grad(); f(θ).backward(); step()``. The path stops early (with a warning)
    if the iterates leave the float range.
    """
    coords = [_check_number(f"start[{i}]", s) for i, s in enumerate(start)]
    if not coords:
        raise ValueError("start must have at least one coordinate.")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
        raise ValueError(f"steps must be an int >= 0, got {steps!r}.")
    params = [Value(c, label=f"θ{i + 1}") for i, c in enumerate(coords)]
    optimizer = optimizer_factory(params)
    points = [tuple(coords)]
    for k in range(steps):
        optimizer.zero_grad()
        try:
            loss = f(*params)
        except OverflowError:
            loss = None
        if loss is not None and not isinstance(loss, Value):
            raise TypeError(f"f must return a Value, got {type(loss).__name__}.")
        if loss is None or not math.isfinite(loss.data):
            warnings.warn(
                f"optimizer_path: f(θ({k})) is not finite; the path stops after {k} steps.", stacklevel=2
            )
            break
        loss.backward()
        optimizer.step()
        point = tuple(p.data for p in params)
        if not all(math.isfinite(c) for c in point):
            warnings.warn(
                f"optimizer_path: θ({k + 1}) left the float range; the path stops there.", stacklevel=2
            )
            break
        points.append(point)
    return points


def plot_optimizer_paths(
    f: Callable[[Value, Value], Value],
    paths_or_optimizers: Mapping[str, Any] | Sequence[Any] | None = None,
    *,
    start: Sequence[float] | None = None,
    steps: int = 50,
    lr: float = 0.01,
    momentum: float = 0.9,
    xlim: tuple[float, float] | None = None,
    ylim: tuple[float, float] | None = None,
    minimum: tuple[float, float] | None = None,
    levels: int = 25,
    resolution: int = 120,
    ax: Any = None,
    path: str | Path | None = None,
    title: str | None = None,
) -> Any:
    r"""Contours of a 2-D loss f(θ₁, θ₂) and the paths optimizers take on it.

    ``paths_or_optimizers`` maps a name to a precomputed path (a list of (θ₁, θ₂)
    points) or to an optimizer factory ``params -> optimizer`` run from ``start`` for
    ``steps`` steps (see :func:`optimizer_path`); a list is named "path 1", "path 2"...
    ``None`` runs ``micrograd_plus.optim.SGD`` three ways, the lecture's comparison:

        GD:          θ(k+1) = θ(k) - α g(k)
        heavy ball:  θ(k+1) = θ(k) - α g(k) + β (θ(k) - θ(k-1))
        Nesterov:    g(k) taken at the lookahead θ(k) + β (θ(k) - θ(k-1))

    with α = ``lr`` and β = ``momentum``. On a long narrow valley GD's path is jittery;
    on a plateau it crawls; momentum fixes both.
    """
    if paths_or_optimizers is None:
        from .optim import SGD

        paths_or_optimizers = {
            "GD": lambda p: SGD(p, lr=lr),
            f"heavy ball (β = {momentum:g})": lambda p: SGD(p, lr=lr, momentum=momentum),
            f"Nesterov (β = {momentum:g})": lambda p: SGD(p, lr=lr, momentum=momentum, nesterov=True),
        }
        if title is None:
            title = f"GD, heavy ball and Nesterov (α = {lr:g}, β = {momentum:g})"
    if isinstance(paths_or_optimizers, Mapping):
        named = list(paths_or_optimizers.items())
    elif isinstance(paths_or_optimizers, (list, tuple)):
        named = [(f"path {i + 1}", p) for i, p in enumerate(paths_or_optimizers)]
    else:
        raise TypeError(
            "paths_or_optimizers must be a dict {name: path or optimizer factory}, a list of them, "
            f"or None, got {type(paths_or_optimizers).__name__}."
        )
    if not named:
        raise ValueError("paths_or_optimizers is empty: give at least one path or optimizer.")
    paths: list[tuple[str, list[tuple[float, float]]]] = []
    for name, item in named:
        if callable(item):
            if start is None:
                raise ValueError(f"start=(θ₁, θ₂) is needed to run the optimizer {name!r}.")
            if len(start) != 2:
                raise ValueError(f"start must have 2 coordinates for a 2-D plot, got {len(start)}.")
            points = optimizer_path(f, start, item, steps)
        else:
            points = list(item)
        checked = []
        for i, point in enumerate(points):
            if len(point) != 2:
                raise ValueError(f"path {name!r}: point {i} must be (θ₁, θ₂), got {point!r:.60}.")
            checked.append((float(point[0]), float(point[1])))
        if not checked:
            raise ValueError(f"path {name!r} is empty.")
        paths.append((str(name), checked))

    np = _numpy()
    fig, ax = _new_figure(ax, (6.5, 5.0))
    all_x = [p[0] for _, pts in paths for p in pts] + ([minimum[0]] if minimum else [])
    all_y = [p[1] for _, pts in paths for p in pts] + ([minimum[1]] if minimum else [])
    xlim = xlim or _span(all_x)
    ylim = ylim or _span(all_y)
    gx = np.linspace(xlim[0], xlim[1], resolution)
    gy = np.linspace(ylim[0], ylim[1], resolution)
    z = np.array([[_safe_eval(f, a, b) for a in gx] for b in gy], dtype=float)
    finite = z[np.isfinite(z)]
    if finite.size and finite.max() > finite.min():
        # NOTE: levels at quantiles of f show a narrow valley and a flat plateau alike.
        marks = np.unique(np.quantile(finite, np.linspace(0.0, 1.0, levels + 1)[:-1] ** 1.5))
        ax.contour(gx, gy, z, levels=marks, cmap="viridis", linewidths=0.8, alpha=0.8)
    for i, (name, pts) in enumerate(paths):
        px, py = [p[0] for p in pts], [p[1] for p in pts]
        ax.plot(
            px,
            py,
            "-o",
            color=f"C{(i + 1) % 10}",
            markersize=2.5,
            linewidth=1.3,
            label=f"{name} ({len(pts) - 1} steps)",
        )
        ax.plot(px[-1:], py[-1:], "s", color=f"C{(i + 1) % 10}", markersize=5)
    ax.plot([paths[0][1][0][0]], [paths[0][1][0][1]], "k*", markersize=11, label="θ(0)")
    if minimum is not None:
        ax.plot([minimum[0]], [minimum[1]], "kx", markersize=9, label="minimum")
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_xlabel("θ₁")
    ax.set_ylabel("θ₂")
    ax.legend(loc="best", fontsize=8)
    ax.set_title(title if title is not None else "optimizer paths θ(k) on the loss surface")
    return _finish(fig, path)


def _span(values: list[float]) -> tuple[float, float]:
    lo, hi = min(values), max(values)
    pad = 0.15 * (hi - lo) if hi > lo else 1.0
    return lo - pad, hi + pad


def _safe_eval(f: Callable[..., Any], a: float, b: float) -> float:
    try:
        with no_grad():
            out = f(Value(float(a)), Value(float(b)))
    except (ValueError, ZeroDivisionError, OverflowError):
        return math.nan
    return out.data if isinstance(out, Value) else float(out)


# --------------------------------------------------------------------------------------
# Activation gallery
# --------------------------------------------------------------------------------------


def plot_activations(
    names: Iterable[str | tuple[str, Mapping[str, Any]]] | None = None,
    *,
    x_range: tuple[float, float] = (-4.0, 4.0),
    num: int = 401,
    ncols: int = 4,
    path: str | Path | None = None,
) -> Any:
    r"""A gallery: each activation φ(x) and its derivative φ'(x), both from the engine.

    φ'(x) is what ``backward()`` puts in ``x.grad`` (at a kink, PyTorch's subgradient),
    not a hand-written formula. ``names`` lists ``Value`` methods ("relu", "tanh",
    "exp"...; "linear" is φ(x) = x), optionally with keyword arguments:
    ``[("leaky_relu", {"negative_slope": 0.1}), "gelu"]``. Default: :data:`ACTIVATIONS`
    (prelu with slope 0.25).
    """
    gallery = __getattr__("ACTIVATIONS")
    entries = []
    for item in gallery if names is None else names:
        name, kwargs = (item, {}) if isinstance(item, str) else item
        if not isinstance(name, str) or not (
            name == "linear" or (not name.startswith("_") and callable(getattr(Value, name, None)))
        ):
            raise ValueError(
                f"unknown activation {name!r}; use a Value method such as {', '.join(gallery)} or 'linear'."
            )
        kwargs = dict(kwargs)
        act = ops.ACTIVATIONS.get(name)
        if act is not None and act.learnable:  # prelu: its weight is a plain number here
            kwargs.setdefault(*act.params[0])
        entries.append((name, kwargs))
    if not entries:
        raise ValueError("names is empty: give at least one activation.")
    if isinstance(num, bool) or not isinstance(num, int) or num < 2:
        raise ValueError(f"num must be an int >= 2, got {num!r}.")
    lo, hi = (_check_number("x_range[0]", x_range[0]), _check_number("x_range[1]", x_range[1]))
    if not lo < hi:
        raise ValueError(f"x_range must be (low, high) with low < high, got {x_range!r}.")

    plt = _pyplot()
    ncols = max(1, min(ncols, len(entries)))
    nrows = math.ceil(len(entries) / ncols)
    fig = plt.figure(figsize=(3.0 * ncols, 2.5 * nrows))
    _display_once(fig)
    axes = fig.subplots(nrows, ncols, squeeze=False)
    xs = [lo + (hi - lo) * i / (num - 1) for i in range(num)]
    for ax, (name, kwargs) in zip(axes.flat, entries):
        values, derivatives = [], []
        for x in xs:
            v = Value(x)
            out = v if name == "linear" else getattr(v, name)(**kwargs)
            out.backward()
            values.append(out.data)
            derivatives.append(v.grad)
        ax.axhline(0.0, color="0.8", linewidth=0.8)
        ax.axvline(0.0, color="0.8", linewidth=0.8)
        ax.plot(xs, values, color="C0", label="φ(x)")
        ax.plot(xs, derivatives, color="C3", linestyle="--", label="φ'(x) (backward)")
        params = ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in kwargs.items())
        ax.set_title(f"{name}({params})" if params else name, fontsize=10)
        ax.tick_params(labelsize=8)
    for ax in list(axes.flat)[len(entries) :]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize=7, loc="upper left")
    fig.suptitle("activations φ and their derivatives φ' computed by backward()", fontsize=11)
    fig.tight_layout()
    return _finish(fig, path)


# --------------------------------------------------------------------------------------
# Exponential moving average
# --------------------------------------------------------------------------------------


def ema(sequence: Iterable[float], beta: float) -> list[float]:
    r"""The exponential moving average of y(1), y(2), ...:

        s(1) = y(1),    s(t) = β s(t-1) + (1 - β) y(t)  for t > 1.

    A lower β forgets old observations faster; momentum applies the same average to
    the gradients g(k).
    """
    beta = _check_number("beta", beta)
    if not 0.0 <= beta <= 1.0:
        raise ValueError(f"beta must be in [0, 1], got {beta!r}.")
    out: list[float] = []
    for t, y in enumerate(sequence):
        y = _check_number(f"sequence[{t}]", y)
        out.append(y if not out else beta * out[-1] + (1.0 - beta) * y)
    return out


def plot_ema(
    sequence: Iterable[float] | None = None,
    betas: Iterable[float] = (0.5, 0.9, 0.98),
    *,
    seed: int = 0,
    ax: Any = None,
    path: str | Path | None = None,
    title: str | None = None,
) -> Any:
    r"""A noisy sequence y(t) and its EMA s(t) for several β (see :func:`ema`).

    Without ``sequence``, y(t) = sin(2π t / 100) + noise for t = 1..200 (seeded).
    """
    if sequence is None:
        rng = random.Random(seed)
        sequence = [math.sin(2.0 * math.pi * t / 100.0) + rng.gauss(0.0, 0.4) for t in range(1, 201)]
    ys = [_check_number(f"sequence[{t}]", v) for t, v in enumerate(sequence)]
    if not ys:
        raise ValueError("sequence is empty; it needs at least one number.")
    betas = list(betas)
    if not betas:
        raise ValueError("betas is empty; give at least one β in [0, 1].")
    averages = [(b, ema(ys, b)) for b in betas]
    fig, ax = _new_figure(ax, (7.0, 4.0))
    ts = list(range(1, len(ys) + 1))
    ax.plot(ts, ys, ".", color="0.6", markersize=4, label="y(t)")
    for i, (b, s) in enumerate(averages):
        ax.plot(ts, s, color=f"C{i}", linewidth=1.6, label=f"s(t), β = {b:g}")
    ax.set_xlabel("t")
    ax.set_ylabel("y(t), s(t)")
    ax.legend(loc="best", fontsize=8)
    ax.set_title(title if title is not None else "EMA  s(t) = β s(t−1) + (1 − β) y(t)")
    ax.grid(alpha=0.3)
    return _finish(fig, path)
