r"""Finite differences: the slow, simple check that backprop is right.

For f: R^n -> R, the central difference

    df/dx_i ~ (f(x + h e_i) - f(x - h e_i)) / 2h          (error O(h^2))

needs 2n evaluations of f, one pair per input, where backprop needs one forward and
one backward pass for all n inputs at once. That is why networks are trained with
backprop, and why finite differences are kept for checking it.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any

from .engine import Value, _as_float

__all__ = ["GradcheckError", "gradcheck", "numerical_grad"]


class GradcheckError(RuntimeError):
    """Backprop disagrees with finite differences; the message lists every mismatch."""


def _check_args(f: Any, xs: Any, eps: Any) -> list[float]:
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}.")
    if isinstance(xs, (str, bytes)) or not hasattr(xs, "__iter__"):
        raise TypeError(f"xs must be a list of numbers, got {type(xs).__name__}.")
    checked = []
    for i, x in enumerate(xs):
        if not isinstance(x, numbers.Real) or isinstance(x, Value):
            raise TypeError(f"xs[{i}] must be a number, got {type(x).__name__}: {x!r:.40}.")
        checked.append(_as_float(x))
    xs = checked
    if not xs:
        raise ValueError("xs is empty: there is nothing to differentiate with respect to.")
    if not (isinstance(eps, (int, float)) and eps > 0 and math.isfinite(eps)):
        raise ValueError(f"eps must be a positive finite number, got {eps!r}.")
    return xs


def _evaluate(f: Callable[..., Any], xs: Sequence[float]) -> float:
    out = f(*[Value(x) for x in xs])
    if isinstance(out, Value):
        return out.data
    if isinstance(out, (int, float)):
        return float(out)
    raise TypeError(f"f must return a Value, got {type(out).__name__}.")


def numerical_grad(f: Callable[..., Value], xs: Sequence[float], eps: float = 1e-6) -> list[float]:
    """Central finite differences ``(f(x + h e_i) - f(x - h e_i)) / 2h`` for each input."""
    xs = _check_args(f, xs, eps)
    result = []
    # NOTE: not under no_grad: f may itself differentiate (f = a derivative from
    # grad(..., create_graph=True)), which needs its graph recorded.
    for i in range(len(xs)):
        plus, minus = list(xs), list(xs)
        plus[i] += eps
        minus[i] -= eps
        result.append((_evaluate(f, plus) - _evaluate(f, minus)) / (2.0 * eps))
    return result


def analytic_grad(f: Callable[..., Value], xs: Sequence[float]) -> list[float]:
    """Gradients of ``f`` at ``xs`` by backprop (``f(*leaves).backward()``)."""
    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(xs)]
    out = f(*leaves)
    if not isinstance(out, Value):
        raise TypeError(f"f must return a Value, got {type(out).__name__}.")
    out.backward()
    return [leaf.grad for leaf in leaves]


def grad_mismatches(
    f: Callable[..., Value], xs: Sequence[float], eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3
) -> str:
    """A report of every input where backprop and finite differences disagree ("" if none)."""
    xs = _check_args(f, xs, eps)
    for name, tol in (("atol", atol), ("rtol", rtol)):
        if isinstance(tol, bool) or not (isinstance(tol, (int, float)) and 0 <= tol < math.inf):
            raise ValueError(f"{name} must be a non-negative finite number, got {tol!r}.")
    analytic = analytic_grad(f, xs)
    numeric = numerical_grad(f, xs, eps)
    lines = []
    for i, (a, n) in enumerate(zip(analytic, numeric)):
        err = abs(a - n)
        tol = atol + rtol * abs(n)
        if not err <= tol:  # NaN counts as a mismatch
            lines.append(
                f"d(out)/d(input {i}) mismatch at x=({', '.join(f'{x:.6g}' for x in xs)})\n"
                f"    analytic  {a:.6g}\n"
                f"    numeric   {n:.6g}   (central difference, eps={eps:g})\n"
                f"    |diff| {err:.2e} > atol {atol:g} + rtol {rtol:g} * |numeric|"
            )
    return "\n".join(lines)


def gradcheck(
    f: Callable[..., Value], xs: Sequence[float], eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3
) -> bool:
    """Compare backprop with central differences; ``True``, or ``GradcheckError``.

    An input passes when ``|analytic - numeric| <= atol + rtol * |numeric|``. The error
    lists each failing input: its index, the analytic and numeric gradients, the error.
    """
    report = grad_mismatches(f, xs, eps, atol, rtol)
    if report:
        raise GradcheckError(report)
    return True
