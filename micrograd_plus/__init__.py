"""micrograd_plus: a scalar reverse-mode autodiff engine you can read, trust and measure.

>>> from micrograd_plus import Value
>>> x = Value(2.0, label="x")
>>> y = x * x + x.tanh()
>>> y.backward()
>>> round(x.grad, 6)   # dy/dx = 2x + (1 - tanh^2 x)
4.070651

The submodules ``nn``, ``optim``, ``losses``, ``data`` and ``viz`` are imported on first
use (``micrograd_plus.nn`` or ``from micrograd_plus import nn``), so importing the engine
stays fast and never pulls in optional packages.
"""

from __future__ import annotations

import importlib
from typing import Any

from .compile import Tape, trace
from .engine import TraceError, Value, detect_anomaly, grad, no_grad
from .gradcheck import GradcheckError, gradcheck, numerical_grad

__all__ = [
    "GradcheckError",
    "Tape",
    "TraceError",
    "Value",
    "data",
    "detect_anomaly",
    "grad",
    "gradcheck",
    "losses",
    "nn",
    "no_grad",
    "numerical_grad",
    "optim",
    "trace",
    "viz",
]

__version__ = "0.1.0"

_SUBMODULES = {"nn", "optim", "losses", "data", "viz", "ops", "testing", "train", "plots"}


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'micrograd_plus' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _SUBMODULES)
