"""PyTorch references read from the op table and the activation registry (no lists here).

``torch_op(spec, *tensors)`` evaluates ``spec.torch``; ``torch_activation(name)``
builds activation ``name`` of ``ops.ACTIVATIONS`` from its ``torch.nn`` module (or, when
torch has none, from its op's ``torch`` expression). Imported by the torch cross-check
tests only; it needs torch.
"""

from __future__ import annotations

from typing import Any

import torch

from micrograd_plus import ops

F = torch.nn.functional


def torch_op(spec: ops.OpSpec, *t: Any) -> Any:
    """The PyTorch equivalent of ``spec`` (``spec.torch``) applied to tensors ``t``."""
    if not spec.torch:
        raise LookupError(f"op {spec.name!r} has no PyTorch equivalent: give its OpSpec a torch= expression")
    names: dict[str, Any] = {"torch": torch, "F": F, "v": t, "x": t[0], "a": t[0]}
    if len(t) > 1:
        names["b"] = t[1]
    names.update(zip(spec.operands, t))
    names.update(spec.params)
    return eval(spec.torch, names)  # the table's own text, not user input


def torch_activation(name: str, **params: Any) -> Any:
    """``f(z, p=None)``: activation ``name`` on a float64 tensor ``z``; for a learnable
    activation (prelu) ``p`` is its parameter, one value per entry of ``z`` or one."""
    act = ops.ACTIVATIONS[name]
    kwargs = {**dict(act.params), **params}
    if act.learnable:
        functional = getattr(F, act.name)
        default = torch.tensor([float(act.params[0][1])], dtype=torch.float64)
        return lambda z, p=None: functional(z.unsqueeze(0), default if p is None else p).squeeze(0)
    if act.torch:
        module = getattr(torch.nn, act.torch)(**{theirs: kwargs[ours] for ours, theirs in act.torch_kwargs})
        return lambda z, p=None: module(z)
    spec = act.spec(**params)
    return lambda z, p=None: torch_op(spec, z)
