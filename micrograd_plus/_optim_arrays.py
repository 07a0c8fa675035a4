r"""The update rules of :mod:`micrograd_plus.optim` on NumPy arrays (for ``fit(compile=True)``).

Each function is the ``_compute`` of one optimizer written on whole arrays, with the same
operations in the same order, so every number equals the per-``Value`` step bit for bit
(IEEE-754 arithmetic and a correctly rounded square root are the same in Python and
NumPy). The state lives in arrays while ``fit`` trains; :func:`load_state` reads it from
the optimizer and :func:`store_state` writes it back (as the optimizer's lists)
whenever user code can see it.

Only the exact classes of ``optim`` are supported (a subclass may change the rule):
:func:`supports` says whether ``fit`` can step an optimizer on arrays.
"""

from __future__ import annotations

from typing import Any

from . import optim

_STATE = {
    optim.SGD: ("momentum_buffer",),
    optim.Adam: ("exp_avg", "exp_avg_sq", "step_count"),
    optim.AdamW: ("exp_avg", "exp_avg_sq", "step_count"),
    optim.RMSprop: ("square_avg", "momentum_buffer"),
    optim.Adagrad: ("state_sum",),
}


def supports(opt: Any) -> bool:
    """Whether ``opt`` is one of the optimizers this module can step on arrays."""
    return type(opt) in _STATE


def load_state(np: Any, opt: Any) -> dict[str, Any]:
    """The optimizer's state as arrays (``None`` stays ``None``, counters stay ints)."""
    state = {}
    for name in _STATE[type(opt)]:
        v = getattr(opt, name)
        state[name] = v if v is None or isinstance(v, int) else np.array(v, dtype=float)
    return state


def store_state(opt: Any, state: dict[str, Any]) -> None:
    """Write ``state`` back into the optimizer, as the lists its own ``step`` keeps."""
    for name, v in state.items():
        setattr(opt, name, v if v is None or isinstance(v, int) else v.tolist())


def step(np: Any, opt: Any, x: Any, g: Any, state: dict[str, Any]) -> Any:
    """θ(k+1) for θ(k) = ``x`` and gradient ``g``; updates ``state`` in place."""
    kind = type(opt)
    if kind is optim.SGD:
        return _sgd(opt, x, g, state)
    if kind in (optim.Adam, optim.AdamW):
        return _adam(np, opt, x, g, state)
    if kind is optim.RMSprop:
        return _rmsprop(np, opt, x, g, state)
    return _adagrad(np, opt, x, g, state)


def step_into(np: Any, opt: Any, x: Any, g: Any, state: dict[str, Any]) -> None:
    """:func:`step`, written into ``x`` in place (views of ``x`` stay valid)."""
    if type(opt) is optim.SGD and opt.momentum == 0.0 and opt.weight_decay == 0.0:
        x -= opt.lr * g  # (the same numbers as x - lr * g, without two temporaries)
        return
    np.copyto(x, step(np, opt, x, g, state))


def _sgd(opt: Any, x: Any, g: Any, state: dict[str, Any]) -> Any:
    lr, mu, wd = opt.lr, opt.momentum, opt.weight_decay
    if wd != 0.0:
        g = g + wd * x
    if mu == 0.0:
        return x - lr * g  # (fit writes it into its parameter array)
    buf = state["momentum_buffer"]
    buf = g.copy() if buf is None else mu * buf + (1.0 - opt.dampening) * g
    state["momentum_buffer"] = buf
    if opt.nesterov:
        return x - lr * (g + mu * buf)
    return x - lr * buf


def _adam(np: Any, opt: Any, x: Any, g: Any, state: dict[str, Any]) -> Any:
    lr, eps, wd = opt.lr, opt.eps, opt.weight_decay
    beta1, beta2 = opt.betas
    k = state["step_count"] + 1
    step_size = lr / (1.0 - beta1**k)
    bias_correction2_sqrt = (1.0 - beta2**k) ** 0.5
    if wd != 0.0:
        if opt._decoupled:
            x = x * (1.0 - lr * wd)
        else:
            g = g + wd * x
    a1, a2 = 1.0 - beta1, 1.0 - beta2
    m, v = state["exp_avg"], state["exp_avg_sq"]
    m = m + a1 * (g - m) if a1 < 0.5 else g - (g - m) * (1.0 - a1)  # torch's lerp, as optim.Adam
    v = v * beta2 + a2 * g * g
    denom = np.sqrt(v) / bias_correction2_sqrt + eps
    state.update(exp_avg=m, exp_avg_sq=v, step_count=k)
    return x - step_size * m / denom


def _rmsprop(np: Any, opt: Any, x: Any, g: Any, state: dict[str, Any]) -> Any:
    lr, a, eps, mu = opt.lr, opt.alpha, opt.eps, opt.momentum
    v = state["square_avg"] * a + (1.0 - a) * g * g
    u = g / (np.sqrt(v) + eps)
    state["square_avg"] = v
    if mu == 0.0:
        return x - lr * u
    buf = state["momentum_buffer"] * mu + u
    state["momentum_buffer"] = buf
    return x - lr * buf


def _adagrad(np: Any, opt: Any, x: Any, g: Any, state: dict[str, Any]) -> Any:
    lr, eps = opt.lr, opt.eps
    s = state["state_sum"] + g * g
    state["state_sum"] = s
    return x - lr * g / (np.sqrt(s) + eps)
