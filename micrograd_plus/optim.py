r"""Optimizers and learning-rate schedules: they turn gradients into parameter updates.

Notation (the lecture's): θ(k) are the parameters before step k, g(k) = ∇f(θ(k)) the
gradient that ``backward()`` left in ``.grad``, α(k) the learning rate ``lr``, β the
momentum. Every optimizer reads ``p.data`` and ``p.grad`` and writes ``p.data``; it never
builds graph nodes. State (momentum buffers, running averages) lives in plain lists,
one entry per parameter, aligned with ``optimizer.params``.

Each update rule is ``torch.optim``'s, with the same defaults, so a trajectory here
matches PyTorch's to rounding error:

    SGD        θ ← θ − α b,           b ← β b + (1 − τ) g   (b = g on the first step)
    Adam       θ ← θ − α m̂ / (√v̂ + ε)
    AdamW      θ ← θ − α λ θ, then the Adam step
    RMSprop    θ ← θ − α g / (√v + ε),  v ← a v + (1 − a) g²
    Adagrad    θ ← θ − α g / (√s + ε),  s ← s + g²

A training step is always::

    optimizer.zero_grad()      # .grad = 0 for every parameter
    loss = ...                 # forward pass
    loss.backward()            # g(k) into .grad
    optimizer.step()           # θ(k) -> θ(k+1)

``step()`` computes every new value first and writes them all at the end, so it either
updates everything or nothing. Under :class:`micrograd_plus.detect_anomaly`, a NaN or
±inf gradient (or an update that would produce one) raises ``FloatingPointError``
naming the parameter, before any parameter or optimizer state changes.

Schedules change ``optimizer.lr`` once per epoch: ``scheduler.step()`` after the epoch.
They are also importable under PyTorch's name, ``micrograd_plus.optim.lr_scheduler``.
"""

from __future__ import annotations

import math
import numbers
import sys
import types
from collections.abc import Iterable, Sequence
from typing import Any

from .engine import Value, is_anomaly_enabled

__all__ = [
    "SGD",
    "Adagrad",
    "Adam",
    "AdamW",
    "CosineAnnealingLR",
    "ExponentialLR",
    "InverseTimeLR",
    "LRScheduler",
    "Optimizer",
    "RMSprop",
    "StepLR",
    "lr_scheduler",
]


# ---- argument checks -------------------------------------------------------------------


def _number(owner: str, name: str, x: Any) -> float:
    """``x`` as a finite float, or a TypeError / ValueError naming ``owner`` and ``name``."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{owner}: {name} must be a real number, got {type(x).__name__} {x!r:.60}.")
    try:
        x = float(x)
    except OverflowError:
        raise ValueError(
            f"{owner}: {name} must be a finite number, got an int too large for a float."
        ) from None
    if not math.isfinite(x):
        raise ValueError(f"{owner}: {name} must be a finite number, got {x}.")
    return x


def _at_least_zero(owner: str, name: str, x: Any) -> float:
    x = _number(owner, name, x)
    if x < 0.0:
        raise ValueError(f"{owner}: {name} must be >= 0, got {x}.")
    return x


def _in_unit_interval(owner: str, name: str, x: Any, closed: bool = False, hint: str = "") -> float:
    """``x`` in [0, 1) (or [0, 1] when ``closed``), else a ValueError with the value."""
    x = _number(owner, name, x)
    if x < 0.0 or x > 1.0 or (x == 1.0 and not closed):
        interval = "[0, 1]" if closed else "[0, 1)"
        raise ValueError(f"{owner}: {name} must be in {interval}, got {x}.{hint}")
    return x


def _whole(owner: str, name: str, x: Any, at_least: int) -> int:
    """``x`` as an int >= ``at_least`` (an integral float such as 10.0 is accepted)."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{owner}: {name} must be an int, got {type(x).__name__} {x!r:.60}.")
    if not (isinstance(x, numbers.Integral) or float(x).is_integer()) or x < at_least:
        raise ValueError(f"{owner}: {name} must be a whole number >= {at_least}, got {x!r}.")
    return int(x) if isinstance(x, numbers.Integral) else int(float(x))


def _collect_params(owner: str, params: Any) -> tuple[Value, ...]:
    """The parameters as a tuple of distinct leaf Values, or an error saying what is wrong."""
    if isinstance(params, Value):
        raise TypeError(f"{owner}: params must be an iterable of Values, got a single Value; pass [value].")
    if isinstance(params, (str, bytes, dict)) or not isinstance(params, Iterable):
        hint = " Pass model.parameters()." if hasattr(params, "parameters") else ""
        raise TypeError(f"{owner}: params must be an iterable of Values, got {type(params).__name__}.{hint}")
    items = list(params)
    if not items:
        raise ValueError(
            f"Optimizer got no parameters: {owner} received an empty iterable. "
            "Did the model register any Values? Pass model.parameters()."
        )
    first_index: dict[int, int] = {}
    for i, p in enumerate(items):
        if not isinstance(p, Value):
            raise TypeError(f"{owner}: parameter {i} is a {type(p).__name__}, expected a Value ({p!r:.60}).")
        if p.parents:
            raise ValueError(
                f"{owner}: parameter {i} ({_name(i, p)}) is not a leaf: it was computed by op {p.op!r}. "
                "Optimize the leaf Values it was computed from."
            )
        j = first_index.setdefault(id(p), i)
        if j != i:
            raise ValueError(
                f"{owner}: parameter {i} is the same Value as parameter {j}; each parameter may "
                "appear only once (it would be updated twice per step)."
            )
    return tuple(items)


def _name(i: int, p: Value) -> str:
    return f"parameter {i}, label {p.label!r}" if p.label else f"parameter {i}"


def _div(a: float, b: float) -> float:
    """a / b with IEEE-754 (and PyTorch) semantics: x/0 is ±inf or nan, never an exception."""
    if b != 0.0:
        return a / b
    if a == 0.0 or math.isnan(a):
        return math.nan
    return math.copysign(math.inf, a) * math.copysign(1.0, b)


# ---- optimizers ------------------------------------------------------------------------


class Optimizer:
    """Base class: holds the parameters and the learning rate; ``step()`` updates ``.data``.

    A subclass implements ``_compute(data, grads) -> (new_data, new_state)``, a pure
    function of the current values; ``step()`` checks, then writes the result. That is
    what makes a failing step leave everything unchanged.
    """

    params: tuple[Value, ...]

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        self.params = _collect_params(type(self).__name__, params)
        self.lr = lr

    @property
    def lr(self) -> float:
        """The learning rate α (writable; schedules set it). Must be a finite number >= 0."""
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = _at_least_zero(type(self).__name__, "lr", value)

    def zero_grad(self, set_to_none: bool = False) -> None:
        """Set ``.grad = 0.0`` on every parameter of this optimizer (and nothing else).

        ``set_to_none`` is accepted for PyTorch habits; a ``Value``'s gradient is always
        a float, so both settings leave 0.0.
        """
        if not isinstance(set_to_none, bool):
            raise TypeError(
                f"{type(self).__name__}.zero_grad: set_to_none must be True or False, "
                f"got {set_to_none!r:.40}."
            )
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """One update θ(k) -> θ(k+1) from the gradients currently in ``.grad``.

        A ``None`` gradient counts as 0.0 (a parameter the loss did not reach). If the
        step fails (e.g. a gradient that is not a number), no parameter and no
        optimizer state has changed.
        """
        params = self.params
        data = [p.data for p in params]
        grads = [0.0 if p.grad is None else p.grad for p in params]
        for i, g in enumerate(grads):
            if type(g) is not float and (isinstance(g, bool) or not isinstance(g, numbers.Real)):
                raise TypeError(
                    f"{type(self).__name__}.step(): {_name(i, params[i])} has gradient "
                    f"{type(g).__name__} {g!r:.40}, not a number. No parameter was changed."
                )
        check = is_anomaly_enabled()
        if check:
            self._check_finite(grads, "has gradient {bad}")
        new_data, new_state = self._compute(data, grads)
        if check:
            self._check_finite(new_data, "would become {bad} after this step")
        # Nothing has been written so far: from here on the step cannot fail.
        for p, x in zip(params, new_data):
            p.data = x
        for attr, value in new_state.items():
            setattr(self, attr, value)

    def _check_finite(self, values: Sequence[float], what: str) -> None:
        for i, x in enumerate(values):
            if not math.isfinite(x):
                raise FloatingPointError(
                    f"detect_anomaly: {type(self).__name__}.step(): {_name(i, self.params[i])} "
                    f"{what.format(bad=x)}. No parameter and no optimizer state was changed. "
                    "Look for the op that produced it (run the backward pass under detect_anomaly "
                    "too), or lower the learning rate."
                )

    def _compute(self, data: list[float], grads: list[float]) -> tuple[list[float], dict[str, Any]]:
        raise NotImplementedError(f"{type(self).__name__} must implement _compute().")

    def _hyper(self) -> str:
        return f"lr={self.lr}"

    def __repr__(self) -> str:
        n = len(self.params)
        return f"{type(self).__name__}({n} parameter{'s' if n != 1 else ''}, {self._hyper()})"


class SGD(Optimizer):
    r"""Stochastic gradient descent, with optional momentum (heavy ball) and Nesterov.

    With lr = α, momentum = β, dampening = τ, weight_decay = λ, at step k = 1, 2, ...
    (exactly ``torch.optim.SGD``)::

        g ← g(k) + λ θ(k)                                 (L2 penalty ½λ‖θ‖²)
        b(1) = g,   b(k) = β b(k−1) + (1 − τ) g   (k ≥ 2)  (only if β > 0; else b = g)
        d = g + β b(k)   if nesterov   else   d = b(k)
        θ(k+1) = θ(k) − α d

    The buffer starts at the first gradient, b(1) = g(1) (no (1 − τ) factor), and
    dampening acts from step 2 on.

    **Heavy ball** (the lecture's θ(k+1) = θ(k) − α g(k) + β (θ(k) − θ(k−1))) is
    ``SGD(params, lr=α, momentum=β)`` (dampening 0): since α b(k−1) = θ(k−1) − θ(k),

        θ(k+1) − θ(k) = −α (β b(k−1) + g(k)) = −α g(k) + β (θ(k) − θ(k−1)),   k ≥ 2,

    and step 1 is a plain gradient step, which is the heavy-ball formula with zero
    initial velocity, θ(0) := θ(1). (If a schedule changes α between steps, the
    equivalence holds with β(k) = β α(k)/α(k−1).)

    **EMA form** (the lecture's Δθ(k) = β Δθ(k−1) + (1 − β) γ g(k), θ(k+1) = θ(k) − Δθ(k))
    is ``SGD(params, lr=γ, momentum=β, dampening=β)``: with Δθ(k) = γ b(k),

        Δθ(1) = γ g(1),   Δθ(k) = β Δθ(k−1) + (1 − β) γ g(k)   (k ≥ 2),

    which is the lecture's EMA s(k) of y(k) = γ g(k) exactly, first step included
    (s(1) = y(1)). From step 2 on it is heavy ball with α = (1 − β) γ; only step 1 is
    larger (γ g(1) instead of (1 − β) γ g(1)). In general, dampening τ gives heavy ball
    with α = (1 − τ) γ from step 2 on. With weight decay, read g(k) as g(k) + λ θ(k).

    **Nesterov** (``nesterov=True``, needs β > 0 and τ = 0): d = g(k) + β b(k), as in
    torch.optim.SGD. The stored parameters are then the lecture's lookahead point
    θ̃(k) = θ(k) + β (θ(k) − θ(k−1)), so the gradient computed at them is the lookahead
    gradient of Nesterov's method.
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float,
        momentum: float = 0.0,
        dampening: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        self.momentum = _in_unit_interval("SGD", "momentum", momentum, hint=" (0.9 is the usual choice)")
        self.dampening = _in_unit_interval("SGD", "dampening", dampening, closed=True)
        self.weight_decay = _at_least_zero("SGD", "weight_decay", weight_decay)
        if not isinstance(nesterov, bool):
            raise TypeError(
                f"SGD: nesterov must be True or False, got {type(nesterov).__name__} {nesterov!r:.40}."
            )
        self.nesterov = nesterov
        if self.nesterov and self.momentum == 0.0:
            raise ValueError(f"SGD: nesterov=True needs momentum > 0 (got momentum={momentum}).")
        if self.nesterov and self.dampening != 0.0:
            raise ValueError(
                f"SGD: nesterov=True needs dampening=0 (got dampening={dampening}), as in torch.optim.SGD."
            )
        #: b(k) per parameter; ``None`` until the first step (then b(1) = g(1)).
        self.momentum_buffer: list[float] | None = None

    def _compute(self, data: list[float], grads: list[float]) -> tuple[list[float], dict[str, Any]]:
        lr, mu, wd = self.lr, self.momentum, self.weight_decay
        if wd != 0.0:
            grads = [g + wd * x for x, g in zip(data, grads)]
        if mu == 0.0:
            return [x - lr * g for x, g in zip(data, grads)], {}
        if self.momentum_buffer is None:
            buf = list(grads)
        else:
            keep = 1.0 - self.dampening
            buf = [mu * b + keep * g for b, g in zip(self.momentum_buffer, grads)]
        if self.nesterov:
            new = [x - lr * (g + mu * b) for x, g, b in zip(data, grads, buf)]
        else:
            new = [x - lr * b for x, b in zip(data, buf)]
        return new, {"momentum_buffer": buf}

    def _hyper(self) -> str:
        return (
            f"lr={self.lr}, momentum={self.momentum}, dampening={self.dampening}, "
            f"nesterov={self.nesterov}, weight_decay={self.weight_decay}"
        )


def _betas(owner: str, betas: Any) -> tuple[float, float]:
    if isinstance(betas, (str, bytes)) or not isinstance(betas, Sequence) or len(betas) != 2:
        raise ValueError(
            f"{owner}: betas must be a pair (beta1, beta2) such as (0.9, 0.999), got {betas!r:.60}."
        )
    return (
        _in_unit_interval(owner, "betas[0]", betas[0]),
        _in_unit_interval(owner, "betas[1]", betas[1]),
    )


class Adam(Optimizer):
    r"""Adam: momentum on g and a per-parameter step size from the running mean of g².

    With lr = α, betas = (β1, β2), eps = ε, weight_decay = λ, at step k = 1, 2, ...
    (exactly ``torch.optim.Adam``, amsgrad=False)::

        g ← g(k) + λ θ(k)                         (L2 penalty, added to the gradient)
        m(k) = β1 m(k−1) + (1 − β1) g             (EMA of g,  m(0) = 0)
        v(k) = β2 v(k−1) + (1 − β2) g²            (EMA of g², v(0) = 0)
        m̂ = m(k) / (1 − β1^k),   v̂ = v(k) / (1 − β2^k)          (bias correction)
        θ(k+1) = θ(k) − α m̂ / (√v̂ + ε)

    ε is added after the square root. Weight decay here is an L2 penalty and so is
    rescaled by √v̂ like the gradient; for decoupled decay use :class:`AdamW`.
    """

    _decoupled = False

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        owner = type(self).__name__
        super().__init__(params, lr)
        self.betas = _betas(owner, betas)
        self.eps = _at_least_zero(owner, "eps", eps)
        self.weight_decay = _at_least_zero(owner, "weight_decay", weight_decay)
        n = len(self.params)
        #: m(k) and v(k) per parameter, and k (the number of steps taken).
        self.exp_avg = [0.0] * n
        self.exp_avg_sq = [0.0] * n
        self.step_count = 0

    def _compute(self, data: list[float], grads: list[float]) -> tuple[list[float], dict[str, Any]]:
        lr, eps, wd = self.lr, self.eps, self.weight_decay
        beta1, beta2 = self.betas
        k = self.step_count + 1
        step_size = lr / (1.0 - beta1**k)
        bias_correction2_sqrt = (1.0 - beta2**k) ** 0.5
        if wd != 0.0:
            if self._decoupled:
                data = [x * (1.0 - lr * wd) for x in data]
            else:
                grads = [g + wd * x for x, g in zip(data, grads)]
        a1, a2 = 1.0 - beta1, 1.0 - beta2
        # β1 m + (1-β1) g computed as torch's lerp(m, g, w = 1-β1) does: m + w (g - m) for
        # |w| < 0.5, else g - (g - m)(1 - w), so that β1 = 0 gives m = g exactly.
        if a1 < 0.5:
            exp_avg = [m + a1 * (g - m) for m, g in zip(self.exp_avg, grads)]
        else:
            b1 = 1.0 - a1
            exp_avg = [g - (g - m) * b1 for m, g in zip(self.exp_avg, grads)]
        exp_avg_sq = [v * beta2 + a2 * g * g for v, g in zip(self.exp_avg_sq, grads)]
        new = []
        for x, m, v in zip(data, exp_avg, exp_avg_sq):
            denom = math.sqrt(v) / bias_correction2_sqrt + eps
            new.append(x - (step_size * m / denom if denom else _div(step_size * m, denom)))
        return new, {"exp_avg": exp_avg, "exp_avg_sq": exp_avg_sq, "step_count": k}

    def _hyper(self) -> str:
        return f"lr={self.lr}, betas={self.betas}, eps={self.eps}, weight_decay={self.weight_decay}"


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov & Hutter), as ``torch.optim.AdamW``.

    With lr = α and weight_decay = λ, each step first shrinks the parameters, then takes
    the Adam step of :class:`Adam` (with λ = 0 there) from the raw gradient g(k)::

        θ ← θ(k) (1 − α λ)
        m(k), v(k), m̂, v̂ as in Adam, from g(k)
        θ(k+1) = θ − α m̂ / (√v̂ + ε)

    Unlike Adam's L2 penalty, the decay α λ θ is not divided by √v̂: every weight decays
    at the same relative rate. Default weight_decay = 1e-2, as in PyTorch.
    """

    _decoupled = True

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
    ) -> None:
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)


class RMSprop(Optimizer):
    r"""RMSprop: divide the gradient by a running root-mean-square of past gradients.

    With lr = α, alpha = a (the smoothing constant), eps = ε, momentum = β, at step k
    (exactly ``torch.optim.RMSprop`` with centered=False, weight_decay=0)::

        v(k) = a v(k−1) + (1 − a) g(k)²           (v(0) = 0)
        u = g(k) / (√v(k) + ε)                    (ε added after the square root)
        θ(k+1) = θ(k) − α u                       if β = 0
        b(k) = β b(k−1) + u,  θ(k+1) = θ(k) − α b(k)   if β > 0   (b(0) = 0)
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        momentum: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        self.alpha = _in_unit_interval("RMSprop", "alpha", alpha, hint=" (0.99 is the usual choice)")
        self.eps = _at_least_zero("RMSprop", "eps", eps)
        self.momentum = _in_unit_interval("RMSprop", "momentum", momentum)
        n = len(self.params)
        #: v(k) and b(k) per parameter.
        self.square_avg = [0.0] * n
        self.momentum_buffer = [0.0] * n

    def _compute(self, data: list[float], grads: list[float]) -> tuple[list[float], dict[str, Any]]:
        lr, a, eps, mu = self.lr, self.alpha, self.eps, self.momentum
        keep = 1.0 - a
        square_avg = [v * a + keep * g * g for v, g in zip(self.square_avg, grads)]
        scaled = []
        for g, v in zip(grads, square_avg):
            avg = math.sqrt(v) + eps
            scaled.append(g / avg if avg else _div(g, avg))
        if mu == 0.0:
            return [x - lr * u for x, u in zip(data, scaled)], {"square_avg": square_avg}
        buf = [b * mu + u for b, u in zip(self.momentum_buffer, scaled)]
        new = [x - lr * b for x, b in zip(data, buf)]
        return new, {"square_avg": square_avg, "momentum_buffer": buf}

    def _hyper(self) -> str:
        return f"lr={self.lr}, alpha={self.alpha}, eps={self.eps}, momentum={self.momentum}"


class Adagrad(Optimizer):
    r"""Adagrad: per-parameter step size α / √(sum of all past g²).

    With lr = α and eps = ε, at step k (exactly ``torch.optim.Adagrad`` with
    lr_decay=0, weight_decay=0, initial_accumulator_value=0)::

        s(k) = s(k−1) + g(k)²                     (s(0) = 0)
        θ(k+1) = θ(k) − α g(k) / (√s(k) + ε)

    The effective step only shrinks, so it suits sparse or rarely-seen features.
    """

    def __init__(self, params: Iterable[Value], lr: float = 1e-2, eps: float = 1e-10) -> None:
        super().__init__(params, lr)
        self.eps = _at_least_zero("Adagrad", "eps", eps)
        #: s(k) per parameter.
        self.state_sum = [0.0] * len(self.params)

    def _compute(self, data: list[float], grads: list[float]) -> tuple[list[float], dict[str, Any]]:
        lr, eps = self.lr, self.eps
        state_sum = [s + g * g for s, g in zip(self.state_sum, grads)]
        new = []
        for x, g, s in zip(data, grads, state_sum):
            std = math.sqrt(s) + eps
            new.append(x - (lr * g / std if std else _div(lr * g, std)))
        return new, {"state_sum": state_sum}

    def _hyper(self) -> str:
        return f"lr={self.lr}, eps={self.eps}"


# ---- learning-rate schedules -----------------------------------------------------------


class LRScheduler:
    """Base class: sets ``optimizer.lr`` = α(k) for epoch k; call ``step()`` once per epoch.

    After construction ``last_epoch == 0`` and the optimizer's lr is untouched (it is
    ``base_lr`` = α(0)); each ``step()`` advances ``last_epoch`` by one and writes the
    new lr. ``last_lr`` (and ``get_last_lr()``, as in PyTorch) is the lr last set.
    """

    def __init__(self, optimizer: Optimizer) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"{type(self).__name__}: optimizer must be a micrograd_plus.optim Optimizer, "
                f"got {type(optimizer).__name__}."
            )
        self.optimizer = optimizer
        self.base_lr = optimizer.lr
        self.last_epoch = 0
        self._last_lr = optimizer.lr

    @property
    def last_lr(self) -> float:
        """The learning rate this schedule set last (α(last_epoch))."""
        return self._last_lr

    def get_last_lr(self) -> list[float]:
        """``[last_lr]``: PyTorch's form (one entry per parameter group; here one group)."""
        return [self._last_lr]

    def step(self) -> None:
        """Advance one epoch: ``last_epoch += 1`` and ``optimizer.lr = α(last_epoch)``."""
        epoch = self.last_epoch + 1
        lr = self._lr_at(epoch, self.optimizer.lr)
        self.optimizer.lr = lr  # validated (raises before any change if lr were bad)
        self.last_epoch = epoch
        self._last_lr = self.optimizer.lr

    def _lr_at(self, epoch: int, current: float) -> float:
        raise NotImplementedError(f"{type(self).__name__} must implement _lr_at().")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(last_epoch={self.last_epoch}, last_lr={self.last_lr})"


class StepLR(LRScheduler):
    r"""Multiply the lr by ``gamma`` every ``step_size`` epochs.

    α(k) = α(0) · γ^⌊k / step_size⌋, computed as PyTorch does, recursively:
    α(k) = γ α(k−1) when k is a multiple of step_size, else α(k) = α(k−1).
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        super().__init__(optimizer)
        self.step_size = _whole("StepLR", "step_size", step_size, at_least=1)
        self.gamma = _positive("StepLR", "gamma", gamma)

    def _lr_at(self, epoch: int, current: float) -> float:
        return current * self.gamma if epoch % self.step_size == 0 else current


class ExponentialLR(LRScheduler):
    r"""Multiply the lr by ``gamma`` every epoch: α(k) = α(0) γ^k (as α(k) = γ α(k−1))."""

    def __init__(self, optimizer: Optimizer, gamma: float) -> None:
        super().__init__(optimizer)
        self.gamma = _positive("ExponentialLR", "gamma", gamma)

    def _lr_at(self, epoch: int, current: float) -> float:
        return current * self.gamma


class CosineAnnealingLR(LRScheduler):
    r"""Cosine annealing from α(0) down to ``eta_min`` over ``T_max`` epochs.

    Closed form, with T = T_max and η = eta_min:

        α(k) = η + ½ (α(0) − η) (1 + cos(π k / T))

    computed, as in ``torch.optim.lr_scheduler.CosineAnnealingLR``, by its recursive
    form (so the values match PyTorch's step by step, and a manual change of lr is
    carried along as in PyTorch):

        α(k) = η + (α(k−1) − η) (1 + cos(π k / T)) / (1 + cos(π (k−1) / T))

    except at k ≡ T + 1 (mod 2T), where the ratio is 0/0 and α(k) = α(k−1) +
    ½ (α(0) − η)(1 − cos(π / T)). Past T the lr rises again (a cosine of period 2T).
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0) -> None:
        super().__init__(optimizer)
        self.T_max = _whole("CosineAnnealingLR", "T_max", T_max, at_least=1)
        self.eta_min = _at_least_zero("CosineAnnealingLR", "eta_min", eta_min)

    def _lr_at(self, epoch: int, current: float) -> float:
        t, eta = self.T_max, self.eta_min
        if (epoch - 1 - t) % (2 * t) == 0:
            return current + (self.base_lr - eta) * (1 - math.cos(math.pi / t)) / 2
        ratio = (1 + math.cos(math.pi * epoch / t)) / (1 + math.cos(math.pi * (epoch - 1) / t))
        # NOTE: rounding can leave -1e-19 where the exact value is eta_min = 0; lr must stay >= 0.
        return max(ratio * (current - eta) + eta, 0.0)


class InverseTimeLR(LRScheduler):
    r"""The O(1/k) decay under which SGD converges: α(k) = α(0) / (1 + decay · k).

    ``decay`` = 0 keeps the lr constant. Computed in closed form from α(0) = ``base_lr``.
    """

    def __init__(self, optimizer: Optimizer, decay: float) -> None:
        super().__init__(optimizer)
        self.decay = _at_least_zero("InverseTimeLR", "decay", decay)

    def _lr_at(self, epoch: int, current: float) -> float:
        return self.base_lr / (1.0 + self.decay * epoch)


def _positive(owner: str, name: str, x: Any) -> float:
    x = _number(owner, name, x)
    if x <= 0.0:
        raise ValueError(f"{owner}: {name} must be > 0, got {x}.")
    return x


# ---- torch.optim.lr_scheduler's spelling ---------------------------------------------------

_SCHEDULERS = ("CosineAnnealingLR", "ExponentialLR", "InverseTimeLR", "LRScheduler", "StepLR")


def _alias_module() -> types.ModuleType:
    """``micrograd_plus.optim.lr_scheduler``: the schedules under PyTorch's module name.

    The same classes as in this module (``optim.lr_scheduler.StepLR is optim.StepLR``),
    so ``from micrograd_plus.optim.lr_scheduler import StepLR`` works as in PyTorch.
    """
    module = types.ModuleType(f"{__name__}.lr_scheduler", _alias_module.__doc__)
    for name in _SCHEDULERS:
        setattr(module, name, globals()[name])
    module.__all__ = list(_SCHEDULERS)  # type: ignore[attr-defined]
    sys.modules[module.__name__] = module  # NOTE: makes the dotted import find it
    return module


lr_scheduler = _alias_module()
