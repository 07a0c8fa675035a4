"""micrograd_plus: a scalar reverse-mode autodiff engine you can read, trust and measure.

>>> from micrograd_plus import Value
>>> x = Value(2.0, label="x")
>>> y = x * x + x.tanh()
>>> y.backward()
>>> round(x.grad, 6)   # 2x + (1 - tanh^2 x)
4.070651
"""

from .engine import Value, detect_anomaly, grad, no_grad
from .gradcheck import GradcheckError, gradcheck, numerical_grad

__all__ = [
    "GradcheckError",
    "Value",
    "detect_anomaly",
    "grad",
    "gradcheck",
    "no_grad",
    "numerical_grad",
]

__version__ = "0.1.0"
