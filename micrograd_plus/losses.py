r"""Loss functions, built from the engine's ops (so their gradients come for free).

Each loss takes predictions and targets as lists of ``Value``s or numbers and returns
one ``Value``: the MEAN over samples, as ``torch.nn.functional`` with
``reduction="mean"``. Its gradient is the lecture's dL/da^L, the start of BP1.
Lists of rows (several outputs per sample) are averaged over every element, as PyTorch
averages over every element of a 2-D tensor.

All of them are numerically stable: logits of ±500 give finite values and gradients.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from typing import Any

from .engine import Value, dot, sum_values

__all__ = [
    "ClassIndexError",
    "bce_with_logits",
    "binary_cross_entropy",
    "cross_entropy",
    "hinge",
    "l2_penalty",
    "log_softmax",
    "mse",
    "softmax",
]

_LOG_FLOOR = -100.0  # as torch.nn.functional.binary_cross_entropy: log terms are clamped at -100


class ClassIndexError(ValueError, IndexError):
    """A class index outside ``0..C-1`` (a ``ValueError``, and an ``IndexError`` as in PyTorch)."""


# --------------------------------------------------------------------------------------
# Input checking
# --------------------------------------------------------------------------------------


def _is_seq(x: Any) -> bool:
    return not isinstance(x, (str, bytes, Value)) and hasattr(x, "__len__") and hasattr(x, "__getitem__")


def _check_item(loss: str, what: str, x: Any) -> Any:
    if isinstance(x, Value) or isinstance(x, numbers.Real):
        return x
    raise TypeError(f"{loss}: {what} must be a Value or a number, got {type(x).__name__} {x!r:.40}.")


def _lift(x: Any) -> Value:
    return x if isinstance(x, Value) else Value(x)


def _data(x: Any) -> float:
    return x.data if isinstance(x, Value) else float(x)


def _pairs(loss: str, a: Any, b: Any, a_name: str, b_name: str) -> tuple[list[Any], list[Any]]:
    """Check and flatten (predictions, targets) into two equally long flat lists.

    Both may be single numbers/Values (one sample), lists, or lists of rows (several
    outputs per sample: rows are flattened, as PyTorch averages over every element).
    """
    if not _is_seq(a) and not _is_seq(b):
        return [_check_item(loss, a_name, a)], [_check_item(loss, b_name, b)]
    if not (_is_seq(a) and _is_seq(b)):
        seq_name, one_name = (a_name, b_name) if _is_seq(a) else (b_name, a_name)
        raise ValueError(
            f"{loss}: {seq_name} is a list but {one_name} is a single value; "
            "pass two lists of the same length."
        )
    if len(a) != len(b):
        raise ValueError(f"{loss}: got {len(a)} {a_name} but {len(b)} {b_name}; the lengths must match.")
    if len(a) == 0:
        raise ValueError(f"{loss}: got empty {a_name} and {b_name}; need at least one sample.")
    flat_a: list[Any] = []
    flat_b: list[Any] = []
    for i, (x, y) in enumerate(zip(a, b)):
        if _is_seq(x) or _is_seq(y):
            if not (_is_seq(x) and _is_seq(y)) or len(x) != len(y):
                nx = len(x) if _is_seq(x) else "a single value"
                ny = len(y) if _is_seq(y) else "a single value"
                raise ValueError(f"{loss}: sample {i} has {nx} {a_name} but {ny} {b_name}; they must match.")
            if len(x) == 0:
                raise ValueError(f"{loss}: sample {i} is empty.")
            for k, (xk, yk) in enumerate(zip(x, y)):
                flat_a.append(_check_item(loss, f"{a_name}[{i}][{k}]", xk))
                flat_b.append(_check_item(loss, f"{b_name}[{i}][{k}]", yk))
        else:
            flat_a.append(_check_item(loss, f"{a_name}[{i}]", x))
            flat_b.append(_check_item(loss, f"{b_name}[{i}]", y))
    return flat_a, flat_b


def _mean(terms: list[Value], sign: float = 1.0) -> Value:
    """sign * (t_1 + ... + t_n) / n as two nodes (a fused sum and one division)."""
    return sum_values(terms) / (sign * len(terms))


# --------------------------------------------------------------------------------------
# Regression and margin losses
# --------------------------------------------------------------------------------------


def mse(preds: Any, targets: Any) -> Value:
    r"""Mean squared error  L = (1/n) Σ_i (a_i - y_i)²;  dL/da_i = 2 (a_i - y_i) / n.

    Same as ``torch.nn.functional.mse_loss(reduction="mean")``. ``preds`` and
    ``targets``: lists of numbers/Values (or lists of rows for several outputs, e.g.
    one-hot targets; the mean is then over every element).
    """
    a, y = _pairs("mse", preds, targets, "preds", "targets")
    diffs = [_lift(p) - t for p, t in zip(a, y)]
    return dot(diffs, diffs) / len(diffs)  # Σ d_i² as one node


def hinge(scores: Any, labels: Any) -> Value:
    r"""Hinge loss  L = (1/n) Σ_i max(0, 1 - y_i s_i)  for labels y_i ∈ {-1, +1}.

    dL/ds_i = -y_i / n where the margin y_i s_i < 1, else 0 (0 at the kink, as relu).
    Labels are constants (a ``Value`` label is read through its ``.data``); any label
    other than ±1 raises ``ValueError`` (turn 0/1 labels into ±1 with ``2*y - 1``).
    """
    s, y = _pairs("hinge", scores, labels, "scores", "labels")
    terms = []
    for i, (si, yi) in enumerate(zip(s, y)):
        label = _data(yi)
        if label == 1.0:
            terms.append((1.0 - _lift(si)).relu())
        elif label == -1.0:
            terms.append((1.0 + _lift(si)).relu())
        else:
            raise ValueError(
                f"hinge: labels must be +1 or -1, got {label!r} at index {i}. "
                "Turn 0/1 labels into ±1 with y = 2*y - 1."
            )
    return _mean(terms)


# --------------------------------------------------------------------------------------
# Binary classification
# --------------------------------------------------------------------------------------


def _clamped_log(v: Value) -> Value:
    """max(ln v, -100), as PyTorch's BCE: below e^-100 it is the constant -100."""
    x = v.data
    if x > 0.0 and math.log(x) >= _LOG_FLOOR:
        return v.log()
    return Value(_LOG_FLOOR)


def binary_cross_entropy(probs: Any, targets: Any) -> Value:
    r"""Binary cross-entropy of probabilities  L = -(1/n) Σ_i [y_i ln p_i + (1-y_i) ln(1-p_i)].

    dL/dp_i = (p_i - y_i) / (p_i (1 - p_i) n). ``probs`` and ``targets`` must lie in
    [0, 1] (``ValueError`` otherwise, as PyTorch). Each log is clamped at -100 like
    ``torch.nn.functional.binary_cross_entropy``, so p = 0 or 1 gives a finite loss;
    a clamped log is a constant (no gradient flows through it). PyTorch instead floors
    p(1-p) at 1e-12 in its gradient, so the gradients agree for 1e-12 <= p <= 1 - 1e-12
    and differ (ours is the exact derivative) only closer to 0 or 1. For logits, prefer
    :func:`bce_with_logits`: it is stable and exact everywhere.
    """
    p, y = _pairs("binary_cross_entropy", probs, targets, "probs", "targets")
    terms = []
    for i, (pi, yi) in enumerate(zip(p, y)):
        pv, yv = _data(pi), _data(yi)
        if not 0.0 <= pv <= 1.0:
            raise ValueError(
                f"binary_cross_entropy: probs must be in [0, 1], got {pv!r} at index {i}. "
                "Apply .sigmoid() first, or use bce_with_logits on the raw scores."
            )
        if not 0.0 <= yv <= 1.0:
            raise ValueError(f"binary_cross_entropy: targets must be in [0, 1], got {yv!r} at index {i}.")
        pi = _lift(pi)
        if not isinstance(yi, Value) and yv == 1.0:
            terms.append(_clamped_log(pi))
        elif not isinstance(yi, Value) and yv == 0.0:
            terms.append(_clamped_log(1.0 - pi))
        else:  # soft (or differentiable) target: y ln p + (1 - y) ln(1 - p), one dot node
            terms.append(dot([_clamped_log(pi), _clamped_log(1.0 - pi)], [yi, 1.0 - yi]))
    return _mean(terms, sign=-1.0)


def bce_with_logits(logits: Any, targets: Any) -> Value:
    r"""Binary cross-entropy of logits x (probabilities σ(x)), exact for every logit.

        ℓ_i = y_i softplus(-x_i) + (1 - y_i) softplus(x_i)
            = max(x_i, 0) - x_i y_i + ln(1 + e^{-|x_i|}),      L = (1/n) Σ_i ℓ_i

    and dL/dx_i = (σ(x_i) - y_i) / n. We build the second form as

        ℓ_i = (1/2 - y_i) x_i + |x_i| / 2 + softplus(-|x_i|)

    (max(x, 0) = (x + |x|)/2): ``softplus`` only ever sees -|x| <= 0, where it is
    ln(1 + e^{-|x|}) to the last bit (never its linear cut-off above 20), and nothing
    exponentiates a large number. So logit -20.5 with target 1 gives
    20.500000001250154, and logit 40 with target 1 gives 4.25e-18, not 0. At x = 0 the
    gradient is PyTorch's σ(0) - y = 1/2 - y, because |x|'(0) = 0. (Everywhere the
    gradient is σ(x) - y to within 2^-54: far in the tail, where σ(x) - y is below that,
    it rounds to 0.) Same as
    ``torch.nn.functional.binary_cross_entropy_with_logits(reduction="mean")``.
    """
    x, y = _pairs("bce_with_logits", logits, targets, "logits", "targets")
    terms = []
    for xi, yi in zip(x, y):
        xi = _lift(xi)
        ax = xi.abs()
        terms.append(dot([xi, ax, (-ax).softplus()], [0.5 - yi, 0.5, 1.0]))
    return _mean(terms)


# --------------------------------------------------------------------------------------
# Multi-class
# --------------------------------------------------------------------------------------


def _shifted(loss: str, values: Any) -> list[Value]:
    """z_k - max_j z_j for each score (the max is a constant: it cancels in softmax)."""
    if not _is_seq(values):
        raise TypeError(f"{loss}: expected a list of class scores, got {type(values).__name__}.")
    if len(values) == 0:
        raise ValueError(f"{loss}: got an empty list of scores; need at least one class.")
    zs = [_lift(_check_item(loss, f"values[{k}]", z)) for k, z in enumerate(values)]
    m = max(z.data for z in zs)
    return [z - m for z in zs]


def softmax(values: Sequence[Any]) -> list[Value]:
    r"""softmax(z)_k = e^{z_k} / Σ_j e^{z_j}, computed as e^{z_k - m} / Σ_j e^{z_j - m}.

    m = max_j z_j is subtracted as a constant (it cancels), so the largest exponent is
    0: ``softmax([1000, 999, -1000])`` does not overflow. d softmax_k/dz_j =
    softmax_k ([j = k] - softmax_j).
    """
    exps = [u.exp() for u in _shifted("softmax", values)]
    total = sum_values(exps)
    return [e / total for e in exps]


def log_softmax(values: Sequence[Any]) -> list[Value]:
    r"""log softmax(z)_k = (z_k - m) - ln Σ_j e^{z_j - m}, with m = max_j z_j (stable)."""
    shifted = _shifted("log_softmax", values)
    log_total = sum_values([u.exp() for u in shifted]).log()
    return [u - log_total for u in shifted]


def _class_index(i: int, t: Any, n_classes: int) -> int:
    if isinstance(t, bool) or not isinstance(t, numbers.Integral):
        raise TypeError(
            "cross_entropy: targets must be class indices (int), "
            f"got {type(t).__name__} {t!r:.40} at index {i}."
        )
    t = int(t)
    if not 0 <= t < n_classes:
        raise ClassIndexError(
            f"cross_entropy: target {t} at index {i} is out of range for {n_classes} classes "
            f"(expected 0..{n_classes - 1})."
        )
    return int(t)


def cross_entropy(logits: Any, targets: Any) -> Value:
    r"""Softmax cross-entropy  L = (1/n) Σ_i [ln Σ_k e^{z_ik} - z_{i,t_i}].

    ``logits``: one list of C class scores per sample (e.g. an MLP's outputs);
    ``targets``: one class index t_i ∈ {0..C-1} per sample (a single sample may be
    given as one list of scores and one int). Uses the stable log-softmax (the
    row's max is subtracted as a constant), so scores of ±500 are fine.
    dL/dz_ik = (softmax(z_i)_k - [k = t_i]) / n. Same as
    ``torch.nn.functional.cross_entropy(reduction="mean")``.
    """
    if isinstance(targets, numbers.Integral) and _is_seq(logits) and not any(_is_seq(z) for z in logits):
        logits, targets = [logits], [targets]
    if not _is_seq(logits) or not _is_seq(targets):
        raise TypeError(
            "cross_entropy: expected logits as a list of per-sample score lists and targets as a list "
            f"of class indices, got {type(logits).__name__} and {type(targets).__name__}."
        )
    if len(logits) != len(targets):
        raise ValueError(
            f"cross_entropy: got {len(logits)} logits rows but {len(targets)} targets; "
            "the lengths must match."
        )
    if len(logits) == 0:
        raise ValueError("cross_entropy: got empty logits and targets; need at least one sample.")
    first = logits[0]
    if not _is_seq(first):
        raise TypeError(
            f"cross_entropy: each sample's logits must be a list of class scores, got {type(first).__name__}."
        )
    n_classes = len(first)
    terms = []
    for i, (row, t) in enumerate(zip(logits, targets)):
        if not _is_seq(row) or len(row) != n_classes:
            got = len(row) if _is_seq(row) else type(row).__name__
            raise ValueError(
                f"cross_entropy: sample 0 has {n_classes} class scores but sample {i} has {got}."
            )
        if n_classes == 0:
            raise ValueError("cross_entropy: each sample needs at least one class score, got none.")
        k = _class_index(i, t, n_classes)
        shifted = _shifted("cross_entropy", row)
        log_total = sum_values([u.exp() for u in shifted]).log()
        terms.append(log_total - shifted[k])  # -log softmax(z_i)_{t_i}
    return _mean(terms)


# --------------------------------------------------------------------------------------
# Regularisation
# --------------------------------------------------------------------------------------


def l2_penalty(params: Iterable[Any] | Any, weight: float = 1.0) -> Value:
    r"""L2 penalty  R(θ) = weight · Σ_i θ_i²  (one fused node); dR/dθ_i = 2 · weight · θ_i.

    ``params``: the parameters (``model.parameters()``, or the model itself). Add it to
    a loss for ridge regularisation; SGD's ``weight_decay=λ`` corresponds to
    ``weight = λ / 2``.
    """
    if isinstance(weight, bool) or not isinstance(weight, numbers.Real):
        raise TypeError(f"l2_penalty: weight must be a number, got {type(weight).__name__}.")
    if not (math.isfinite(weight) and weight >= 0.0):
        raise ValueError(f"l2_penalty: weight must be a finite number >= 0, got {weight!r}.")
    if callable(getattr(params, "parameters", None)):
        params = params.parameters()
    if isinstance(params, (Value, str, bytes)) or not isinstance(params, Iterable):
        raise TypeError(f"l2_penalty: params must be a list of Values, got {type(params).__name__}.")
    thetas = [_check_item("l2_penalty", f"params[{i}]", p) for i, p in enumerate(params)]
    if not thetas:
        raise ValueError("l2_penalty: got no parameters. Did you pass model.parameters()?")
    total = dot(thetas, thetas)  # Σ θ²: each θ is both a "weight" and an "input"
    return total if weight == 1.0 else total * float(weight)
