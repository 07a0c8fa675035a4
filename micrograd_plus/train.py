r"""The training loop, written once: ``fit(model, X, y, loss, optimizer, epochs, ...)``.

One epoch is one pass over the n training samples, cut into batches B of
``batch_size`` samples (the last one may be smaller). For each batch, one iteration k:

    zero the gradients                      g ← 0
    forward pass                            a^L = F_θ(k)(x)      for x in B
    loss                                    L_B = (1/|B|) Σ_{i∈B} ℓ(y_i, a^L_i)  (+ l2 · Σ θ²)
    backward pass (BP1-BP4)                 g(k) = ∇_θ L_B
    optimizer step                          θ(k+1) = θ(k) − α(k) g(k)   (or momentum, Adam...)

``batch_size=None`` is full-batch gradient descent (one step per epoch), ``batch_size=1``
is stochastic gradient descent (n steps per epoch) and anything between is minibatch
SGD. A learning-rate schedule, if given, is stepped once at the end of every epoch.
"""

from __future__ import annotations

import importlib.util
import math
import numbers
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import losses as _losses
from . import optim as _optim
from .engine import Value, no_grad

__all__ = ["LOSSES", "OPTIMIZERS", "History", "accuracy", "fit", "make_optimizer", "predict"]

# Loss names fit() understands, with their aliases.
LOSSES = {
    "mse": "mse",
    "hinge": "hinge",
    "binary_cross_entropy": "binary_cross_entropy",
    "bce": "binary_cross_entropy",
    "bce_with_logits": "bce_with_logits",
    "cross_entropy": "cross_entropy",
}

# Optimizer names for make_optimizer() (and fit(optimizer="adam", lr=...)):
# name -> (class name in micrograd_plus.optim, fixed keyword arguments).
OPTIMIZERS: dict[str, tuple[str, dict[str, Any]]] = {
    "sgd": ("SGD", {}),
    "momentum": ("SGD", {"momentum": 0.9}),
    "nesterov": ("SGD", {"momentum": 0.9, "nesterov": True}),
    "adam": ("Adam", {}),
    "adamw": ("AdamW", {}),
    "rmsprop": ("RMSprop", {}),
    "adagrad": ("Adagrad", {}),
}


@dataclass
class History:
    """What ``fit`` measured, one entry per epoch (plot ``history.loss`` against ``history.epoch``).

    - ``epoch``: 1, 2, ...
    - ``loss``: the mean over the epoch's samples of the minimised objective (the batch
      loss, plus the L2 term when ``l2 > 0``), each batch weighted by its size and
      measured at the parameters the batch saw, i.e. before its step.
    - ``accuracy``: for classification, the fraction of the epoch's samples classified
      correctly by the forward pass that fed their step (so, like ``loss``, a running
      figure measured before each step; for the accuracy of the final model call
      :func:`accuracy`). Empty for regression.
    - ``lr``: the learning rate α used during the epoch.
    - ``time``: wall-clock seconds since ``fit`` started, at the end of the epoch.
    - ``steps``: the number of optimizer steps (iterations k) taken so far.
    """

    epoch: list[int] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    time: list[float] = field(default_factory=list)
    steps: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.epoch)

    def to_dict(self) -> dict[str, list[Any]]:
        """The lists as a plain dict (JSON-ready)."""
        return {k: list(getattr(self, k)) for k in ("epoch", "loss", "accuracy", "lr", "time", "steps")}

    def __repr__(self) -> str:
        if not self.epoch:
            return "History(0 epochs)"
        parts = [f"{len(self.epoch)} epochs", f"loss {self.loss[0]:.4g} → {self.loss[-1]:.4g}"]
        if self.accuracy:
            parts.append(f"accuracy {self.accuracy[0]:.1%} → {self.accuracy[-1]:.1%}")
        parts.append(f"{self.time[-1]:.2f} s")
        return f"History({', '.join(parts)})"


# --------------------------------------------------------------------------------------
# Tasks: how a loss name turns labels into targets and predictions into classes
# --------------------------------------------------------------------------------------


@dataclass
class _Task:
    """How to compute the loss of a batch and count its correct classifications."""

    loss: Callable[[list[Any], list[Any]], Value]
    targets: list[Any]  # what the loss receives, one per sample
    rule: str  # "threshold", "argmax" or "" (regression: no accuracy)
    truth: list[Any]  # per sample: bool (is positive) for "threshold", class for "argmax"
    threshold: float = 0.0
    flatten: bool = False  # mse on vector outputs: compare all components at once


def _number(where: str, x: Any) -> float:
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{where} must be a number, got {type(x).__name__} {x!r:.40}.")
    return float(x)


def _is_int(x: Any) -> bool:
    return isinstance(x, numbers.Integral) and not isinstance(x, bool)


def _finite(where: str, x: Any) -> float:
    v = _number(where, x)
    if not math.isfinite(v):
        raise ValueError(f"{where} is {v}; training needs finite numbers (drop or impute that sample).")
    return v


def _check_rows(X: Any, finite: bool = False) -> list[list[float]]:
    """``X`` as a fresh list of rows of floats, all of one length (all finite if ``finite``)."""
    number = _finite if finite else _number
    if isinstance(X, (str, bytes)) or not hasattr(X, "__len__") or not hasattr(X, "__iter__"):
        raise TypeError(f"X must be a list of rows (lists of numbers), got {type(X).__name__}.")
    if len(X) == 0:
        raise ValueError("X is empty: it needs at least one sample (row).")
    rows: list[list[float]] = []
    for i, row in enumerate(X):
        if isinstance(row, numbers.Real) or isinstance(row, Value):
            raise TypeError(f"X[{i}] is a single number; X must be a list of rows, e.g. [[x] for x in xs].")
        if isinstance(row, (str, bytes)) or not hasattr(row, "__iter__"):
            raise TypeError(f"X[{i}] must be a list of numbers, got {type(row).__name__}.")
        rows.append([number(f"X[{i}][{j}]", v) for j, v in enumerate(row)])
        if len(rows[i]) != len(rows[0]):
            raise ValueError(f"X[{i}] has {len(rows[i])} features but X[0] has {len(rows[0])}.")
    return rows


def _output_size(model: Any, row: list[float], named_loss: bool = True) -> int:
    """Number of outputs of ``model`` (1 for a single ``Value``), from one forward pass.

    With a named loss, a list of ONE Value (what ``Layer(nin, 1)`` returns) is refused:
    the loss would get lists where it expects scores, and fail only inside the first
    step. (A loss function of your own may well expect such lists.)
    """
    with no_grad():
        out = model(row)
    if isinstance(out, Value):
        return 1
    if isinstance(out, (list, tuple)) and out and all(isinstance(o, Value) for o in out):
        if len(out) == 1 and named_loss:
            raise TypeError(
                f"model(x) returns a {type(out).__name__} of one Value (as Layer(nin, 1) does); fit needs "
                "a single Value for one output score: use MLP(nin, [1]) or Neuron(nin) instead."
            )
        return len(out)
    raise TypeError(
        f"model(x) must return a Value or a list of Values, got {type(out).__name__} {out!r:.60}."
    )


def _binary_labels(name: str, y: Sequence[Any], allowed: tuple[float, ...]) -> None:
    for i, t in enumerate(y):
        v = _number(f"y[{i}]", t)
        if v not in allowed:
            raise ValueError(
                f"{name} needs labels in {{{', '.join(f'{a:g}' for a in allowed)}}}, got y[{i}]={t!r}."
            )


def _flat_mse(preds: list[Any], targets: list[Any]) -> Value:
    return _losses.mse([p for out in preds for p in out], [t for row in targets for t in row])


def _make_task(loss: Any, y: Sequence[Any], n_out: int, threshold: float | None) -> _Task:
    """Check ``y`` against the loss and the model's output size; convert the labels."""
    if callable(loss):
        targets = list(y)
        if all(_is_int(t) for t in targets):  # class labels: report accuracy
            if n_out == 1:
                thr = 0.0 if threshold is None else threshold
                return _Task(loss, targets, "threshold", [t > 0.5 for t in targets], thr)
            return _Task(loss, targets, "argmax", targets)
        return _Task(loss, targets, "", [])
    if not isinstance(loss, str) or loss not in LOSSES:
        raise ValueError(
            f"loss must be a callable loss(preds, targets) or one of {sorted(LOSSES)}, got {loss!r}."
        )
    name = LOSSES[loss]
    fn = getattr(_losses, name)
    if name == "cross_entropy":
        if n_out < 2:
            raise ValueError(
                "cross_entropy needs a model with one output per class (a list of logits), "
                "but this model returns a single Value. Use MLP(nin, [..., n_classes]), or "
                "'hinge' / 'bce_with_logits' for two classes."
            )
        for i, t in enumerate(y):
            if not _is_int(t) or not 0 <= t < n_out:
                raise ValueError(
                    f"cross_entropy needs class indices 0..{n_out - 1} (the model has {n_out} "
                    f"outputs), got y[{i}]={t!r}."
                )
        return _Task(fn, [int(t) for t in y], "argmax", [int(t) for t in y])
    if name == "mse":
        if n_out == 1:
            return _Task(fn, [_finite(f"y[{i}]", t) for i, t in enumerate(y)], "", [])
        if all(_is_int(t) for t in y):  # class labels -> one-hot targets
            for i, t in enumerate(y):
                if not 0 <= t < n_out:
                    raise ValueError(
                        f"mse with class labels needs 0..{n_out - 1} (the model has {n_out} "
                        f"outputs), got y[{i}]={t!r}."
                    )
            one_hot = [[1.0 if j == t else 0.0 for j in range(n_out)] for t in y]
            return _Task(_flat_mse, one_hot, "argmax", [int(t) for t in y], flatten=True)
        rows = []
        for i, t in enumerate(y):
            if isinstance(t, (str, bytes)) or not hasattr(t, "__len__") or len(t) != n_out:
                raise ValueError(
                    f"the model has {n_out} outputs, so mse needs y[{i}] to be a class index or "
                    f"a list of {n_out} numbers, got {t!r:.60}."
                )
            rows.append([_finite(f"y[{i}][{j}]", v) for j, v in enumerate(t)])
        return _Task(_flat_mse, rows, "", [], flatten=True)
    # hinge, binary_cross_entropy, bce_with_logits: one score per sample
    if n_out != 1:
        raise ValueError(
            f"{name} needs a model with one output (a score per sample), but this model returns "
            f"{n_out}. Use 'cross_entropy' for {n_out} classes."
        )
    if name == "hinge":  # labels {0, 1} or {-1, +1}  ->  ±1
        _binary_labels("hinge", y, (0.0, 1.0, -1.0))
        if any(t == 0 for t in y) and any(t == -1 for t in y):
            raise ValueError("hinge needs labels 0/1 or -1/+1, not a mix of 0 and -1.")
        signs = [1.0 if t == 1 else -1.0 for t in y]
        thr = 0.0 if threshold is None else threshold
        return _Task(fn, signs, "threshold", [s > 0 for s in signs], thr)
    targets = []
    for i, t in enumerate(y):
        v = _number(f"y[{i}]", t)
        if not 0.0 <= v <= 1.0:
            raise ValueError(f"{name} needs targets in [0, 1] (class 1 = 1.0), got y[{i}]={t!r}.")
        targets.append(v)
    default = 0.5 if name == "binary_cross_entropy" else 0.0  # probabilities vs logits
    thr = default if threshold is None else threshold
    return _Task(fn, targets, "threshold", [t > 0.5 for t in targets], thr)


def _count_correct(task: _Task, preds: list[Any], truth: list[Any]) -> int:
    if task.rule == "threshold":
        thr = task.threshold
        scores = [p if isinstance(p, Value) else p[0] for p in preds]  # p[0]: a list of one Value
        return sum((p.data > thr) == positive for p, positive in zip(scores, truth))
    return sum(_argmax(out) == label for out, label in zip(preds, truth))


def _argmax(out: Sequence[Value]) -> int:
    """Index of the largest output (the first one on ties, as torch.argmax)."""
    best, best_value = 0, out[0].data
    for j in range(1, len(out)):
        if out[j].data > best_value:
            best, best_value = j, out[j].data
    return best


# --------------------------------------------------------------------------------------
# Optimizers and schedules
# --------------------------------------------------------------------------------------


def make_optimizer(name: str, params: Any, lr: float | None = None) -> Any:
    """An optimizer from ``micrograd_plus.optim`` by name (see ``OPTIMIZERS``).

    ``"sgd"`` is plain SGD, ``"momentum"`` heavy ball with β = 0.9, ``"nesterov"`` its
    lookahead form with β = 0.9; ``"adam"``, ``"adamw"``, ``"rmsprop"``, ``"adagrad"``
    use torch's defaults. ``lr=None`` keeps the optimizer's default learning rate; the
    SGD family has none, so it needs ``lr``.
    """
    if not isinstance(name, str) or name.lower() not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; choose one of {sorted(OPTIMIZERS)}.")
    cls_name, kwargs = OPTIMIZERS[name.lower()]
    cls = getattr(_optim, cls_name)
    if lr is None:
        if cls_name == "SGD":
            raise ValueError(f"optimizer {name!r} needs a learning rate: pass lr=..., e.g. lr=0.1.")
        return cls(params, **kwargs)
    return cls(params, lr=lr, **kwargs)


def _resolve_optimizer(optimizer: Any, model: Any, lr: float | None) -> Any:
    if isinstance(optimizer, str):
        return make_optimizer(optimizer, model.parameters(), lr)
    for attr in ("step", "zero_grad", "lr"):
        if not hasattr(optimizer, attr):
            raise TypeError(
                f"optimizer must be an optimizer from micrograd_plus.optim (with step(), zero_grad() "
                f"and lr) or a name from {sorted(OPTIMIZERS)}, got {type(optimizer).__name__}."
            )
    if lr is not None:
        raise ValueError(
            "lr= is only used with an optimizer name; for an optimizer object set its lr "
            "(optimizer.lr = ...) or construct it with lr=..."
        )
    params = getattr(optimizer, "params", None)
    if params is not None and hasattr(model, "parameters"):
        mine = {id(p) for p in model.parameters()}
        if mine and not any(id(p) in mine for p in params):
            raise ValueError(
                "the optimizer updates none of the model's parameters; build it with "
                "model.parameters() of the model you train."
            )
    return optimizer


def _resolve_schedule(schedule: Any, optimizer: Any) -> Any:
    if schedule is None:
        return None
    if isinstance(schedule, type) or not hasattr(schedule, "step"):
        if not callable(schedule):
            raise TypeError(
                f"schedule must be a scheduler (with step()) or a function optimizer -> scheduler, "
                f"got {type(schedule).__name__}."
            )
        schedule = schedule(optimizer)  # e.g. lambda opt: optim.StepLR(opt, 10)
        if not hasattr(schedule, "step"):
            raise TypeError(f"schedule(optimizer) must return a scheduler, got {type(schedule).__name__}.")
    driven = getattr(schedule, "optimizer", optimizer)
    if driven is not optimizer:
        raise ValueError("schedule drives a different optimizer than the one fit() steps.")
    return schedule


# --------------------------------------------------------------------------------------
# Progress display
# --------------------------------------------------------------------------------------


class _OwnProgress:
    """A progress bar of our own (no tqdm): counts epochs, redraws at most 10 times a second."""

    def __init__(self, total: int) -> None:
        self.total, self.done, self.status, self.last = total, 0, "", 0.0

    def update(self, status: str) -> None:
        self.done += 1
        self.status = status
        now = time.perf_counter()
        if self.done == self.total or now - self.last >= 0.1:
            self.last = now
            self._draw()

    def _text(self) -> str:
        width = 20
        filled = width * self.done // max(self.total, 1)
        return f"fit [{'#' * filled}{'.' * (width - filled)}] epoch {self.done}/{self.total}  {self.status}"

    def _draw(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        if self.done:
            self._draw()


class _TextProgress(_OwnProgress):
    """One status line rewritten in place with ``\\r`` (the fallback without tqdm)."""

    def __init__(self, total: int, stream: Any) -> None:
        super().__init__(total)
        self.stream = stream

    def _draw(self) -> None:
        self.stream.write(f"\r{self._text()}")
        self.stream.flush()

    def close(self) -> None:
        if self.done:
            super().close()
            self.stream.write("\n")
            self.stream.flush()


class _NotebookProgress(_OwnProgress):
    """A text bar in a Jupyter output, replaced in place (``update_display``).

    Used in a notebook without ipywidgets (where tqdm's widget bar cannot work): a
    stderr bar would leave one line per update in the saved notebook, while a display
    that is updated in place is saved once, in its final state.
    """

    def __init__(self, total: int) -> None:
        from IPython.display import display

        super().__init__(total)
        self.handle = display(self._bundle(), raw=True, display_id=True)

    def _bundle(self) -> dict[str, str]:
        html = (
            f'<progress value="{self.done}" max="{self.total}" style="width: 12em"></progress> '
            f"<code>epoch {self.done}/{self.total}  {self.status}</code>"
        )
        return {"text/plain": self._text().rstrip(), "text/html": html}

    def _draw(self) -> None:
        self.handle.update(self._bundle(), raw=True)


class _TqdmProgress:
    def __init__(self, total: int, tqdm: Any) -> None:
        self.bar = tqdm(total=total, desc="fit", unit="epoch", leave=True, file=sys.stderr)

    def update(self, status: str) -> None:
        self.bar.set_postfix_str(status, refresh=False)
        self.bar.update(1)

    def close(self) -> None:
        self.bar.close()


def _in_notebook() -> bool:
    """True inside a Jupyter kernel (not the terminal IPython, not plain Python)."""
    if "IPython" not in sys.modules:
        return False
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


def _has_module(name: str) -> bool:
    if name in sys.modules:
        return sys.modules[name] is not None
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _progress(total: int) -> Any:
    """The progress display: tqdm.auto with ipywidgets (a widget bar in notebooks), an
    in-place display in a notebook without them, else tqdm or one ``\r`` text line."""
    tqdm_ok = _has_module("tqdm")
    if tqdm_ok and _has_module("ipywidgets"):
        from tqdm.auto import tqdm as auto_tqdm

        return _TqdmProgress(total, auto_tqdm)
    if _in_notebook():
        return _NotebookProgress(total)
    if not tqdm_ok:
        return _TextProgress(total, sys.stderr)
    from tqdm import tqdm

    return _TqdmProgress(total, tqdm)


# --------------------------------------------------------------------------------------
# fit
# --------------------------------------------------------------------------------------


def _check_count(name: str, x: Any, minimum: int) -> int:
    if not _is_int(x):
        raise TypeError(f"fit: {name} must be an int, got {type(x).__name__} {x!r:.40}.")
    if x < minimum:
        raise ValueError(f"fit: {name} must be >= {minimum}, got {x}.")
    return int(x)


def fit(
    model: Any,
    X: Sequence[Sequence[float]],
    y: Sequence[Any],
    loss: str | Callable[[list[Any], list[Any]], Value],
    optimizer: Any,
    epochs: int,
    batch_size: int | None = None,
    *,
    shuffle: bool = True,
    seed: int = 0,
    schedule: Any = None,
    progress: bool = True,
    l2: float = 0.0,
    callback: Callable[[int, History], Any] | None = None,
    lr: float | None = None,
    threshold: float | None = None,
    compile: bool = False,
) -> History:
    r"""Train ``model`` on ``(X, y)`` for ``epochs`` passes and return the :class:`History`.

    Each iteration k takes a batch B and does: zero the gradients, forward pass,
    L_B = loss(preds, targets) (+ l2 · Σ_θ θ²), ``L_B.backward()``, ``optimizer.step()``:

        θ(k+1) = θ(k) − α(k) ∇_θ L_B(θ(k))        (for plain SGD; see micrograd_plus.optim)

    Arguments:

    - ``model``: callable on one row of ``X``, returning a ``Value`` (one output) or a
      list of ``Value``s (e.g. an ``nn.MLP``); must have ``parameters()``.
    - ``X``: list of rows of numbers; ``y``: one label or target per row.
    - ``loss``: a function ``loss(preds, targets) -> Value`` (``preds``: the model's
      outputs for the batch; ``targets``: the batch's ``y`` as given), or a name with
      the label conversion it needs:

      ``"hinge"`` (one score per sample; labels 0/1 or -1/+1, mapped to ±1),
      ``"binary_cross_entropy"``/``"bce"`` (probabilities, e.g. a sigmoid output;
      targets in [0, 1]), ``"bce_with_logits"`` (raw scores; targets in [0, 1]),
      ``"cross_entropy"`` (a list of logits per sample; labels 0..k-1) and ``"mse"``
      (one output: numeric targets; k outputs: labels 0..k-1 become one-hot targets,
      or give rows of k numbers; the mean runs over all components, as PyTorch's).
    - ``optimizer``: an optimizer from ``micrograd_plus.optim`` built on
      ``model.parameters()``, or a name from ``OPTIMIZERS`` together with ``lr=``.
    - ``epochs``: number of passes over the data (0 trains nothing).
    - ``batch_size``: ``None`` = full-batch gradient descent, 1 = SGD, else minibatches
      (the last one may be smaller; a size above n means full batch).
    - ``shuffle``, ``seed``: the sample order is reshuffled every epoch by a private
      ``random.Random(seed)``, so a run is reproducible (the global ``random`` state is
      not used). Full-batch training needs no shuffling.
    - ``schedule``: a scheduler from ``micrograd_plus.optim`` for this optimizer (or a
      function ``optimizer -> scheduler``), stepped once at the end of every epoch.
    - ``progress``: a progress bar: tqdm's ``tqdm.auto`` when tqdm and ipywidgets are
      installed (a widget in Jupyter), in a notebook without them a display updated in
      place (so the saved notebook holds one final line, not one per update), else tqdm
      on stderr or one text line rewritten in place; ``False`` prints nothing.
    - ``l2``: weight λ of the L2 penalty λ Σ θ² over all parameters, added to the loss.
    - ``callback``: called as ``callback(epoch, history)`` after every epoch; a truthy
      return value stops training.
    - ``threshold``: a single output above it means class 1 (for accuracy); defaults to
      0.5 for ``"binary_cross_entropy"`` and 0 for scores/logits.
    - ``compile``: trace the model once (:func:`micrograd_plus.trace`) and run every
      batch through the tape with NumPy: the same history, to rounding (needs NumPy,
      ``pip install 'micrograd-plus[fast]'``; the model must not branch on data).

    Classification accuracy is recorded for the named classification losses, ``mse``
    with class labels, and a callable loss whose labels are all ints. Everything is
    checked before the first step, so a bad argument raises without touching the model.
    """
    rows = _check_rows(X, finite=True)
    if isinstance(y, (str, bytes)) or not hasattr(y, "__len__"):
        raise TypeError(f"y must be a list of labels or targets, got {type(y).__name__}.")
    for name, flag in (("shuffle", shuffle), ("progress", progress)):
        if not isinstance(flag, bool):
            raise TypeError(f"fit: {name} must be True or False, got {type(flag).__name__} {flag!r:.40}.")
    if len(y) != len(rows):
        raise ValueError(f"X has {len(rows)} rows but y has {len(y)} labels; they must match.")
    epochs = _check_count("epochs", epochs, 0)
    if batch_size is not None:
        batch_size = _check_count("batch_size", batch_size, 1)
    if not _is_int(seed):
        raise TypeError(f"fit: seed must be an int, got {type(seed).__name__} {seed!r:.40}.")
    l2 = _number("fit: l2", l2)
    if not (l2 >= 0.0 and math.isfinite(l2)):
        raise ValueError(f"fit: l2 is a penalty weight and must be >= 0, got {l2}.")
    if threshold is not None:
        threshold = _number("fit: threshold", threshold)
    if callback is not None and not callable(callback):
        raise TypeError(f"fit: callback must be callable, got {type(callback).__name__}.")
    if not callable(model) or not hasattr(model, "parameters"):
        raise TypeError(f"model must be callable and have parameters(), got {type(model).__name__}.")
    if not isinstance(compile, bool):
        raise TypeError(f"fit: compile must be True or False, got {type(compile).__name__}.")
    if compile:
        from .compile import _numpy

        _numpy()  # ImportError naming the extra, before anything else happens
    task = _make_task(loss, y, _output_size(model, rows[0], named_loss=not callable(loss)), threshold)
    optimizer = _resolve_optimizer(optimizer, model, lr)
    schedule = _resolve_schedule(schedule, optimizer)
    if compile:
        from ._fit_compiled import CompiledSteps

        steps: Any = CompiledSteps(model, rows, task, optimizer, l2)
    else:
        steps = _EagerSteps(model, rows, task, optimizer, l2)
    return _train(rows, steps, optimizer, epochs, batch_size, shuffle, seed, schedule, progress, callback)


class _EagerSteps:
    """One training iteration on the scalar graph: ``step(batch) -> (objective, n_correct)``."""

    def __init__(self, model: Any, rows: list[list[float]], task: _Task, optimizer: Any, l2: float) -> None:
        self.model, self.rows, self.task, self.optimizer, self.l2 = model, rows, task, optimizer, l2
        self.params = model.parameters() if l2 else []

    def step(self, batch: list[int]) -> tuple[float, int]:
        model, rows, task, optimizer = self.model, self.rows, self.task, self.optimizer
        optimizer.zero_grad()
        preds = [model(rows[i]) for i in batch]
        objective = task.loss(preds, [task.targets[i] for i in batch])
        if self.l2:
            objective = objective + _losses.l2_penalty(self.params, self.l2)
        objective.backward()
        optimizer.step()
        correct = _count_correct(task, preds, [task.truth[i] for i in batch]) if task.rule else 0
        return objective.data, correct

    def sync(self) -> None:
        """Make .data/.grad current before user code runs (nothing to do: they always are)."""

    def resume(self) -> None:
        """Pick up changes user code made (nothing to do)."""


def _train(
    rows: list[list[float]],
    steps: Any,
    optimizer: Any,
    epochs: int,
    batch_size: int | None,
    shuffle: bool,
    seed: int,
    schedule: Any,
    progress: bool,
    callback: Callable[[int, History], Any] | None,
) -> History:
    n = len(rows)
    size = n if batch_size is None else min(batch_size, n)
    classify = bool(steps.task.rule)
    rng = random.Random(seed)
    order = list(range(n))
    history = History()
    bar = _progress(epochs) if progress and epochs else None
    start = time.perf_counter()
    n_steps = 0
    try:
        for epoch in range(1, epochs + 1):
            history.lr.append(float(optimizer.lr))
            if shuffle and size < n:
                rng.shuffle(order)
            total = 0.0
            correct = 0
            for lo in range(0, n, size):
                batch = order[lo : lo + size]
                objective, n_correct = steps.step(batch)
                n_steps += 1
                total += objective * len(batch)
                correct += n_correct
            steps.sync()  # .data/.grad current for the schedule and the callback
            if schedule is not None:
                schedule.step()
            history.epoch.append(epoch)
            history.loss.append(total / n)
            if classify:
                history.accuracy.append(correct / n)
            history.time.append(time.perf_counter() - start)
            history.steps.append(n_steps)
            if bar is not None:
                status = f"loss {total / n:.4f}"
                if classify:
                    status += f"  acc {correct / n:.1%}"
                bar.update(status)
            if callback is not None and callback(epoch, history):
                break
            steps.resume()
    finally:
        steps.sync()
        if bar is not None:
            bar.close()
    return history


# --------------------------------------------------------------------------------------
# Evaluation helpers
# --------------------------------------------------------------------------------------


def predict(model: Any, X: Sequence[Sequence[float]]) -> list[Any]:
    """The model's outputs on every row of ``X``, as floats (a list of floats per row for
    a model with several outputs). Runs under ``no_grad()``: no graph is recorded."""
    rows = _check_rows(X)
    out: list[Any] = []
    with no_grad():
        for row in rows:
            o = model(row)
            out.append(o.data if isinstance(o, Value) else [v.data for v in o])
    return out


def accuracy(
    model: Any,
    X: Sequence[Sequence[float]],
    y: Sequence[Any],
    loss: str | None = None,
    threshold: float | None = None,
) -> float:
    """Fraction of the rows of ``X`` whose predicted class equals the label in ``y``.

    A model with several outputs predicts the argmax (labels 0..k-1). A model with one
    output predicts class 1 when it is above ``threshold`` (default 0, or 0.5 with
    ``loss="binary_cross_entropy"``/``"bce"``); labels are 0/1 or -1/+1. Evaluated under
    ``no_grad()``.
    """
    rows = _check_rows(X)
    if isinstance(y, (str, bytes)) or not hasattr(y, "__len__") or len(y) != len(rows):
        raise ValueError(f"accuracy: y must hold one label per row of X ({len(rows)} rows), got {y!r:.60}.")
    if loss is not None and loss not in LOSSES:
        raise ValueError(f"loss must be None or one of {sorted(LOSSES)}, got {loss!r}.")
    if threshold is None:
        threshold = 0.5 if loss is not None and LOSSES[loss] == "binary_cross_entropy" else 0.0
    threshold = _number("accuracy: threshold", threshold)
    labels = [_number(f"y[{i}]", t) for i, t in enumerate(y)]
    correct = 0
    with no_grad():
        for row, label in zip(rows, labels):
            out = model(row)
            if isinstance(out, Value):  # class 1 (label 1, above 0.5) vs class 0 or -1
                correct += (out.data > threshold) == (label > 0.5)
            else:
                correct += _argmax(out) == label
    return correct / len(rows)
