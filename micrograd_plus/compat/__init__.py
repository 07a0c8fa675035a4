"""micrograd (PyPI 0.1.0) compatibility: micrograd code on this engine, imports changed only.

``micrograd_plus.compat.engine.Value`` and ``micrograd_plus.compat.nn`` (``Module``,
``Neuron``, ``Layer``, ``MLP``) are spelled and behave like micrograd's, so::

    from micrograd.engine import Value      ->  from micrograd_plus.compat.engine import Value
    from micrograd.nn import Neuron, MLP    ->  from micrograd_plus.compat.nn import Neuron, MLP
    import micrograd                        ->  import micrograd_plus.compat as micrograd

(the last keeps ``micrograd.engine.Value`` and ``micrograd.nn.MLP`` working). The
nodes are this engine's ``Value``s: same op table, same speed, and
``micrograd_plus.viz.draw_dot`` draws them.
"""

from __future__ import annotations

from . import engine, nn
from .engine import Value

__all__ = ["Value", "engine", "nn"]
